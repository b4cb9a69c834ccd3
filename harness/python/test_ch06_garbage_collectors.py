"""Chapter 6 in the Python room: Listing 6-1's Go guest (CH06_GO_GREETER)
under wasmtime-py. The Rust, Go and JavaScript rooms make the same calls and
compare the same expected outputs."""

import unittest

import wasmtime

from book import expect_file, instantiate_wasi, rust_debug


class GoGreeter(unittest.TestCase):
    def test_a_greeting_nobody_keeps_becomes_the_buffer_of_a_later_allocate(self):
        store = wasmtime.Store()
        exports = instantiate_wasi(store, "CH06_GO_GREETER")
        # ANCHOR: next_allocate
        greet, allocate, memory = exports["greet"], exports["allocate"], exports["memory"]

        packed = greet(store, 10) & 0xFFFF_FFFF_FFFF_FFFF  # an i64 arrives signed
        # This book's packing: the address low, the length high.
        ptr, length = packed & 0xFFFF_FFFF, packed >> 32
        # memory.read clips a range that runs past the end: check it first.
        self.assertLessEqual(ptr + length, memory.data_len(store))
        greeting = bytes(memory.read(store, ptr, ptr + length))
        self.assertTrue(greeting.startswith(b"call 1: hello hello"))

        # The host prepares its next request: input buffers from the guest's
        # allocator. Between two calls the greeting cannot change; inside one
        # of them the collector runs and frees it.
        calls = 0
        while True:
            buffer = allocate(store, length)
            calls += 1
            if bytes(memory.read(store, ptr, ptr + length)) != greeting:
                break
            self.assertLess(calls, 200_000, f"intact after {calls} calls")
        # That allocate handed out the greeting's own address, zeroed.
        self.assertEqual(buffer, ptr)
        self.assertEqual(bytes(memory.read(store, ptr, ptr + length)), bytes(length))
        # ANCHOR_END: next_allocate

        expect_file(
            "ch06-garbage-collectors/go-greeter-next-allocate.txt",
            f"greet(10) returned {length} bytes at {ptr:#x}: {rust_debug(greeting)}\n"
            f"read again after each allocate({length}): intact, until one call\n"
            f"that allocate returned {buffer:#x}, the greeting's address: "
            f"it now reads as {length} zero bytes\n",
        )

    def test_a_kept_greeting_survives_the_same_allocate_calls(self):
        store = wasmtime.Store()
        exports = instantiate_wasi(store, "CH06_GO_GREETER")
        # ANCHOR: kept_next_allocate
        greet_kept, allocate = exports["greet_kept"], exports["allocate"]
        deallocate, memory = exports["deallocate"], exports["memory"]

        packed = greet_kept(store, 10) & 0xFFFF_FFFF_FFFF_FFFF
        ptr, length = packed & 0xFFFF_FFFF, packed >> 32
        self.assertLessEqual(ptr + length, memory.data_len(store))
        greeting = bytes(memory.read(store, ptr, ptr + length))

        for _ in range(60_000):
            allocate(store, length)
        after = bytes(memory.read(store, ptr, ptr + length))
        self.assertEqual(after, greeting)  # kept: intact

        # Done with it: the guest may reuse it from now on.
        deallocate(store, ptr, length)
        # ANCHOR_END: kept_next_allocate

        expect_file(
            "ch06-garbage-collectors/go-greeter-kept.txt",
            f"greet_kept(10) returned {length} bytes at {ptr:#x}: {rust_debug(greeting)}\n"
            f"after 60000 calls of allocate({length}): {rust_debug(after)}\n",
        )


if __name__ == "__main__":
    unittest.main()
