"""Chapter 9's host blocks under wasmtime-py 50.0.1: the same guests, inputs
and expected outputs as the JavaScript host of
harness/js/ch09_javascript_hosts.test.mjs."""

import json
import struct
import unittest

import wasmtime

from book import artifact_path, expect_file, instantiate


# ANCHOR: read_prefixed
def read_prefixed(store, memory, ptr):
    """A copy of the bytes at a length-prefixed pointer. The 4-byte length is
    read from guest memory, so it is checked like the bytes it announces."""
    size = memory.data_len(store)
    if ptr + 4 > size:
        raise IndexError(f"the length at {ptr} runs past the end of memory ({size} bytes)")
    (length,) = struct.unpack("<I", memory.read(store, ptr, ptr + 4))  # little-endian, as wasm is
    if ptr + 4 + length > size:
        # Memory.read would not say: like a list slice, it returns fewer bytes.
        raise IndexError(f"{length} bytes at {ptr + 4} run past the end of memory ({size} bytes)")
    return bytes(memory.read(store, ptr + 4, ptr + 4 + length))  # read copies
# ANCHOR_END: read_prefixed


class JavaScriptHostsInPython(unittest.TestCase):
    def test_a_round_trip_with_the_plain_api(self):
        store, exports = instantiate("CH04_PACKED_RETURN")
        # ANCHOR: round_trip
        memory, allocate = exports["memory"], exports["allocate"]
        deallocate, greet = exports["deallocate"], exports["greet"]

        # In: allocate in the guest, copy the name into its memory.
        name = "Ferris".encode("utf-8")
        name_ptr = allocate(store, len(name))
        memory.write(store, name, name_ptr)

        # The call. An i64 result is a Python int, signed.
        packed = greet(store, name_ptr, len(name))
        deallocate(store, name_ptr, len(name))

        # Out: unpack (unsigned first), check the range, copy, then free.
        packed &= 0xFFFF_FFFF_FFFF_FFFF
        ptr, length = packed & 0xFFFF_FFFF, packed >> 32
        if ptr + length > memory.data_len(store):
            raise IndexError(f"greet returned ptr {ptr}, len {length}: outside memory")
        greeting = bytes(memory.read(store, ptr, ptr + length)).decode("utf-8")
        deallocate(store, ptr, length)
        self.assertEqual(greeting, "Hello, Ferris!")
        # ANCHOR_END: round_trip

    def test_the_numbers_of_listing_9_1(self):
        store, exports = instantiate("CH09_NUMBERS")
        # ANCHOR: numbers_host
        next_i64, next_i32 = exports["next_i64"], exports["next_i32"]
        # Python's int has no limit: 2^53 + 1 is exact.
        exact = next_i64(store, 2**53)
        self.assertEqual(exact, 2**53 + 1)
        # An i64 result arrives signed: the largest i64, plus one, is the smallest.
        wrapped = next_i64(store, 2**63 - 1)
        self.assertEqual(wrapped, -(2**63))
        wrapped_unsigned = wrapped & 0xFFFF_FFFF_FFFF_FFFF  # the same 64 bits, unsigned
        # An i32 result arrives signed too: a pointer at 2 GiB is negative.
        pointer = next_i32(store, 2**31 - 1)
        self.assertEqual(pointer, -(2**31))
        pointer_unsigned = pointer & 0xFFFF_FFFF  # the same 32 bits, unsigned
        # ANCHOR_END: numbers_host
        expect_file(
            "ch09-javascript-hosts/numbers.txt",
            f"next_i64(2^53) = {exact}\n"
            f"next_i64(2^63 - 1) = {wrapped}, unsigned {wrapped_unsigned}\n"
            f"next_i32(2^31 - 1) = {pointer}, unsigned {pointer_unsigned}\n",
        )
        # Arguments past the type's range are taken modulo 2^32 as in JavaScript.
        self.assertEqual(next_i32(store, 2**32 - 1), 0)

    def test_a_buffer_view_is_stale_after_the_guest_grows(self):
        store, exports = instantiate("CH04_PACKED_RETURN")
        # ANCHOR: stale
        memory, allocate = exports["memory"], exports["allocate"]
        # A ctypes array over the memory itself, made before the call...
        view = memory.get_buffer_ptr(store)
        view[1024:1029] = b"Hello"
        pages_before = memory.size(store)

        allocate(store, 4 << 20)  # ...which allocates 4 MiB, so the guest grows its memory

        # The old array keeps the old length: the new pages are not in it.
        self.assertEqual(len(view), pages_before * 65536)
        self.assertGreater(memory.data_len(store), len(view))

        # Memory.read copies from the memory as it is now.
        pages_after = memory.size(store)
        hello = bytes(memory.read(store, 1024, 1029)).decode("utf-8")
        # ANCHOR_END: stale
        expect_file(
            "ch09-javascript-hosts/stale-view.txt",
            f"before the call: {pages_before} pages\n"
            f"after allocate(4 MiB): {pages_after} pages\n"
            f'a fresh view reads "{hello}" at 1024\n',
        )

    def test_a_length_prefix_is_one_more_claim_to_check(self):
        store, exports = instantiate("CH09_LENGTH_PREFIX")
        # ANCHOR: prefixed_calls
        memory = exports["memory"]
        text = read_prefixed(store, memory, exports["greeting"](store)).decode("utf-8")
        self.assertEqual(text, "Hello, prefix!")
        with self.assertRaises(IndexError) as refused:
            read_prefixed(store, memory, exports["lying_greeting"](store))  # its prefix says 1 GiB
        # ANCHOR_END: prefixed_calls
        expect_file(
            "ch09-javascript-hosts/length-prefix.txt",
            f'greeting: "{text}"\nlying_greeting: {refused.exception}\n',
        )

    def test_bytes_from_elsewhere_one_copy_or_read_in_place(self):
        store, exports = instantiate("CH03_SUM_BYTES")
        path = artifact_path("CH03_SUM_BYTES")  # any file: this one starts with b"\0asm"
        # ANCHOR: bytes_in
        memory, allocate = exports["memory"], exports["allocate"]
        deallocate, sum_bytes = exports["deallocate"], exports["sum_bytes"]

        # A message that arrived in bytes of its own: one copy, with write.
        message = bytes([1, 2, 3, 4])
        ptr = allocate(store, len(message))
        memory.write(store, message, ptr)
        message_sum = sum_bytes(store, ptr, len(message))
        deallocate(store, ptr, len(message))

        # get_buffer_ptr is a ctypes array over the memory itself, so
        # readinto fills it with no copy: the bytes land in the guest's memory.
        at = allocate(store, 4)
        with open(path, "rb") as file:
            self.assertEqual(file.readinto(memory.get_buffer_ptr(store, 4, at)), 4)
        file_sum = sum_bytes(store, at, 4)  # the guest reads the file's first bytes
        deallocate(store, at, 4)
        # ANCHOR_END: bytes_in
        expect_file(
            "ch09-javascript-hosts/bytes-in.txt",
            f"a message copied in: sum {message_sum}\n4 bytes read in place: sum {file_sum}\n",
        )

    def test_a_guest_that_says_when_it_grew(self):
        store = wasmtime.Store()
        module = wasmtime.Module.from_file(store.engine, artifact_path("CH09_GROW_NOTIFY"))
        # ANCHOR: rebuild_on_grow
        view = None  # one ctypes array over the guest's memory, kept between calls
        memory = None
        logged, grown_to = [], []

        def console_log(ptr, length):
            logged.append(bytes(view[ptr : ptr + length]).decode("utf-8"))

        def memory_grew(pages):
            # Called by the guest's allocator, inside the call, right after growth.
            nonlocal view
            view = memory.get_buffer_ptr(store)
            grown_to.append(pages)

        i32 = wasmtime.ValType.i32()
        linker = wasmtime.Linker(store.engine)
        linker.define_func("env", "console_log", wasmtime.FuncType([i32, i32], []), console_log)
        linker.define_func("env", "memory_grew", wasmtime.FuncType([i32], []), memory_grew)
        exports = linker.instantiate(store, module).exports(store)
        memory = exports["memory"]
        view = memory.get_buffer_ptr(store)
        for _ in range(4):
            exports["log_after_allocating"](store, 1 << 20)
        # ANCHOR_END: rebuild_on_grow
        self.assertEqual(grown_to[-1], memory.size(store))
        quoted = ",".join(json.dumps(line) for line in logged)
        expect_file(
            "ch09-javascript-hosts/grow-notify.txt",
            f"logged: [{quoted}]\ngrew to: {', '.join(map(str, grown_to))} pages\n",
        )


if __name__ == "__main__":
    unittest.main()
