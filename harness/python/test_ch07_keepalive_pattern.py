"""Chapter 7 in the Python room: the keepalive pattern on Listing 6-1's Go
guest (CH06_GO_GREETER) and pinning on Listing 6-2's AssemblyScript guest
(CH06_AS_GREETER), under wasmtime-py. The Rust, Go and JavaScript rooms make
the same calls and compare the same expected outputs."""

import unittest

import wasmtime

from book import artifact_path, expect_file, instantiate_wasi, rust_debug


def instantiate_assemblyscript(store):
    """Listing 6-2 compiled, with an `env.abort` that traps."""
    linker = wasmtime.Linker(store.engine)
    i32 = wasmtime.ValType.i32()

    def abort(_message, _file, line, column):
        raise RuntimeError(f"the guest aborted at line {line}, column {column}")

    linker.define_func("env", "abort", wasmtime.FuncType([i32] * 4, []), abort)
    module = wasmtime.Module.from_file(store.engine, artifact_path("CH06_AS_GREETER"))
    return linker.instantiate(store, module).exports(store)


class RoundTrip(unittest.TestCase):
    def test_kept_copied_deallocated_then_reused(self):
        store = wasmtime.Store()
        exports = instantiate_wasi(store, "CH06_GO_GREETER")
        # ANCHOR: round_trip
        greet_kept, live = exports["greet_kept"], exports["live"]
        deallocate, allocate = exports["deallocate"], exports["allocate"]
        memory = exports["memory"]

        # 1. The guest keeps the buffer in its map and hands it over.
        packed = greet_kept(store, 10) & 0xFFFF_FFFF_FFFF_FFFF  # an i64 arrives signed
        ptr, length = packed & 0xFFFF_FFFF, packed >> 32
        self.assertEqual(live(store), 1)
        # 2. The host copies the bytes out (memory.read clips a range that
        #    runs past the end: check it first).
        self.assertLessEqual(ptr + length, memory.data_len(store))
        greeting = bytes(memory.read(store, ptr, ptr + length))
        # 3. The host gives the buffer back, with the length it received.
        deallocate(store, ptr, length)
        self.assertEqual(live(store), 0)
        # 4. Garbage now: a later collection frees it, and an allocation
        #    reuses the address. The host's copy is its own.
        calls = 0
        while allocate(store, length) != ptr:
            calls += 1
            self.assertLess(calls, 200_000, f"not reused after {calls} calls")
        self.assertTrue(greeting.startswith(b"call 1: hello hello"))
        # ANCHOR_END: round_trip

        expect_file(
            "ch07-keepalive-pattern/round-trip.txt",
            f"greet_kept(10) returned {length} bytes at {ptr:#x}; live() = 1\n"
            f"the host copied {rust_debug(greeting)}\n"
            f"deallocate({ptr:#x}, {length}); live() = 0\n"
            f"a later allocate({length}) returned {ptr:#x}: reclaimed and reused\n",
        )


class AssemblyScriptPin(unittest.TestCase):
    def test_a_pinned_object_survives_until_unpinned(self):
        store = wasmtime.Store()
        exports = instantiate_assemblyscript(store)
        # ANCHOR: as_pin
        greet, pin, unpin = exports["greet"], exports["__pin"], exports["__unpin"]
        collect, churn, memory = exports["__collect"], exports["churn"], exports["memory"]

        ptr = greet(store, 10)
        # Pin before anything else runs in the guest: no allocation, so no
        # collection, can happen between the return and this call.
        pin(store, ptr)
        # An ArrayBuffer's length is the u32 4 bytes before its first byte.
        self.assertTrue(4 <= ptr <= memory.data_len(store))
        length = int.from_bytes(memory.read(store, ptr - 4, ptr), "little")
        self.assertLessEqual(ptr + length, memory.data_len(store))
        greeting = bytes(memory.read(store, ptr, ptr + length))

        # A collection and 1 MiB of garbage: the pinned object is intact.
        collect(store)
        churn(store, 1 << 20, 67)
        self.assertEqual(bytes(memory.read(store, ptr, ptr + length)), greeting)

        # Done: unpinned, it is garbage like any other.
        unpin(store, ptr)
        collect(store)
        churn(store, 4096, 67)
        after = bytes(memory.read(store, ptr, ptr + length))
        self.assertNotEqual(after, greeting)
        # ANCHOR_END: as_pin

        expect_file(
            "ch07-keepalive-pattern/as-pin.txt",
            f"greet(10) returned an ArrayBuffer of {length} bytes at {ptr:#x}: {rust_debug(greeting)}\n"
            "pinned, after __collect and 1 MiB of churn: intact\n"
            f"unpinned, after __collect and 4 KiB of churn, it starts {rust_debug(after[:16])}\n",
        )


if __name__ == "__main__":
    unittest.main()
