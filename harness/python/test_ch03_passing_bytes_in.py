"""Chapter 3: passing bytes in from a Python host (wasmtime-py), the twin of
harness/rust/tests/chapters/ch03_passing_bytes_in.rs: the same compiled
listings, the same steps, the same expected outputs."""

import unittest

import wasmtime

from book import artifact_path, expect_file, instantiate, rust_debug


# ANCHOR: call_with_bytes
def call_with_bytes(store, exports, name, data):
    """Calls the guest export `name(ptr, len)` on a copy of `data` placed in
    the guest's memory through its `allocate` and `deallocate` exports."""
    # 1. The guest reserves room in its memory. The host owns that buffer now.
    ptr = exports["allocate"](store, len(data))
    if ptr == 0:
        raise MemoryError(f"the guest could not allocate {len(data)} bytes")
    try:
        # 2. The host copies its bytes in. `write` checks the bounds.
        exports["memory"].write(store, data, ptr)
        # 3. The guest reads them in place.
        return exports[name](store, ptr, len(data))
    finally:
        # 4. The host frees its buffer, with the size it asked for, also
        #    when the call failed.
        exports["deallocate"](store, ptr, len(data))
# ANCHOR_END: call_with_bytes


def payload(length):
    """A payload of `length` bytes, like the JSON of wasmtime-go#174."""
    pattern = b'{"key": "value"}, '
    return (pattern * (length // len(pattern) + 1))[:length]


class RoundTrip(unittest.TestCase):
    def test_the_round_trip(self):
        store, exports = instantiate("CH03_SUM_BYTES")
        # ANCHOR: round_trip
        total = call_with_bytes(store, exports, "sum_bytes", bytes([1, 2, 3, 250]))
        self.assertEqual(total, 256)
        # ANCHOR_END: round_trip

    def test_who_owns_the_buffer_at_each_step(self):
        store, exports = instantiate("CH03_SUM_BYTES")
        data = bytes([1, 2, 3, 250])
        ptr = exports["allocate"](store, 4)
        exports["memory"].write(store, data, ptr)
        total = exports["sum_bytes"](store, ptr, 4)
        exports["deallocate"](store, ptr, 4)
        self.assertEqual(total, 256)
        end = ptr + len(data)
        expect_file(
            "ch03-passing-bytes-in/round-trip.mmd",
            "flowchart LR\n"
            f'  allocated["host: allocate(4)<br/>guest: {ptr:#x}<br/>the host owns {ptr:#x}..{end:#x}"]\n'
            f'  written["host writes {data.hex(" ")}<br/>at {ptr:#x}"]\n'
            f'  called["host: sum_bytes({ptr:#x}, 4)<br/>guest: {total}<br/>the guest borrowed the bytes"]\n'
            f'  freed["host: deallocate({ptr:#x}, 4)<br/>the guest\'s allocator owns {ptr:#x}..{end:#x}"]\n'
            "  allocated --> written --> called --> freed\n",
        )


class PayloadAtZero(unittest.TestCase):
    def shout_at_zero(self, length):
        store, exports = instantiate("CH08_RUST_SHOUT")
        data = payload(length)
        try:
            # ANCHOR: at_zero
            memory, shout = exports["memory"], exports["shout"]

            memory.grow(store, 64)  # 4 MiB more: the payload fits in memory
            memory.write(store, data, 0)  # address 0: nobody allocated it
            packed = shout(store, 0, len(data))
            # ANCHOR_END: at_zero
        except wasmtime.Trap:
            return "the call traps"
        packed &= 0xFFFF_FFFF_FFFF_FFFF  # an i64 arrives signed
        ptr, length = packed & 0xFFFF_FFFF, packed >> 32
        output = exports["memory"].read(store, ptr, ptr + length)
        if output == data.upper():
            return "the right result"
        first = next(i for i, (got, want) in enumerate(zip(output, data.upper())) if got != want)
        return f"a wrong result, and no error: it differs from byte {first:#x} on"

    def test_a_payload_written_at_address_0_paves_over_the_guest(self):
        report = "Chapter 8's Rust `shout`, the payload at address 0:\n"
        for kib in [100, 1024, 1100]:
            report += f"- {kib} KiB: {self.shout_at_zero(kib * 1024)}\n"
        store, exports = instantiate("CH08_RUST_SHOUT")
        data = payload(1100 * 1024)
        # ANCHOR: allocated
        # The same 1100 KiB where `allocate` puts them: the right result.
        packed = call_with_bytes(store, exports, "shout", data)

        # `shout` returns its result's address and length packed in an i64,
        # which arrives signed (chapter 4): copy the bytes out, then give the
        # buffer back.
        packed &= 0xFFFF_FFFF_FFFF_FFFF
        ptr, length = packed & 0xFFFF_FFFF, packed >> 32
        output = exports["memory"].read(store, ptr, ptr + length)
        exports["deallocate"](store, ptr, length)
        self.assertEqual(output, data.upper())
        # ANCHOR_END: allocated
        report += (
            "Chapter 8's Rust `shout`, the payload where `allocate` put it:\n"
            "- 1100 KiB: the right result\n"
        )
        expect_file("ch03-passing-bytes-in/payload-at-zero.txt", report)


class HostOwnedPages(unittest.TestCase):
    def test_host_owned_pages_are_left_alone(self):
        store, exports = instantiate("CH03_SUM_BYTES")
        # ANCHOR: host_owned_page
        PAGE_SIZE = 65536
        memory = exports["memory"]

        # The host claims a page: it grows the memory and keeps the new page.
        host_page = memory.grow(store, 1) * PAGE_SIZE
        memory.write(store, bytes([1, 2, 3]), host_page)
        self.assertEqual(exports["sum_bytes"](store, host_page, 3), 6)

        # The guest allocates 1 MiB for itself: none of it is the host's page.
        for _ in range(256):
            ptr = exports["allocate"](store, 4096)
            self.assertTrue(ptr + 4096 <= host_page or ptr >= host_page + PAGE_SIZE)
        self.assertEqual(memory.read(store, host_page, host_page + 3), bytes([1, 2, 3]))
        # ANCHOR_END: host_owned_page


class Utf8Strings(unittest.TestCase):
    def test_the_guest_counts_characters_not_bytes(self):
        store, exports = instantiate("CH03_UTF8_STRINGS")
        # ANCHOR: count_chars
        # A Python `str` is code points: encode it as UTF-8 first.
        text = "héllo, wörld".encode("utf-8")
        self.assertEqual(len(text), 14)  # bytes
        self.assertEqual(call_with_bytes(store, exports, "count_chars", text), 12)

        # Bytes that are not UTF-8 are refused by the guest, not trusted.
        not_utf8 = bytes([0x68, 0xFF, 0x69])
        self.assertEqual(call_with_bytes(store, exports, "count_chars", not_utf8), -1)
        # ANCHOR_END: count_chars


STATE = b"the host's state"


def host_page_after(name, grow_before_start):
    """The host grows the memory by a page and writes its state there, before
    or after the guest starts (its `_initialize`); then the guest allocates
    16 blocks of 4 KiB. What is left of the host's state."""
    # Instantiating runs no `_initialize`: the host calls it.
    store, exports = instantiate(name)
    # ANCHOR: grown_before_start
    PAGE_SIZE = 65536
    memory = exports["memory"]
    # The guest's start-up code, if it has any (a Rust cdylib has none).
    start = exports.get("_initialize")
    if start and not grow_before_start:
        start(store)
    # The host claims a page, as the component adapter does for its state
    # and stack, and writes there.
    host_page = memory.grow(store, 1) * PAGE_SIZE
    memory.write(store, STATE, host_page)
    if start and grow_before_start:
        start(store)
    blocks = [exports["allocate"](store, 4096) for _ in range(16)]
    state = memory.read(store, host_page, host_page + len(STATE))
    # ANCHOR_END: grown_before_start
    in_host_page = [
        f'"{ptr:#x}"' for ptr in blocks if ptr < host_page + PAGE_SIZE and ptr + 4096 > host_page
    ]
    return (
        f"blocks in the host's page at {host_page:#x}: [{', '.join(in_host_page)}]; "
        f"the host's state: {rust_debug(state)}"
    )


class HeapToMemorySize(unittest.TestCase):
    def test_a_heap_that_ends_at_memory_size_takes_the_host_s_page(self):
        before = host_page_after("CH03_HEAP_TO_MEMORY_SIZE", True)
        after = host_page_after("CH03_HEAP_TO_MEMORY_SIZE", False)
        rust_before = host_page_after("CH03_SUM_BYTES", True)
        self.assertTrue(rust_before.endswith("[]; the host's state: \"the host's state\""))
        expect_file(
            "ch03-passing-bytes-in/heap-to-memory-size.txt",
            "A heap that ends at memory.size (heap-to-memory-size.wat), 16 blocks of 4 KiB:\n"
            f"- the host's page grown before the guest starts: {before}\n"
            f"- the host's page grown after it started: {after}\n"
            "Rust's allocator (sum-bytes), the same 16 blocks:\n"
            f"- the host's page grown before the first allocation: {rust_before}\n",
        )


def read_assemblyscript_string(store, memory, ptr):
    """The AssemblyScript string at `ptr`: its byte length is the 4 bytes before it."""
    length = int.from_bytes(memory.read(store, ptr - 4, ptr), "little")
    return memory.read(store, ptr, ptr + length).decode("utf-16-le")


def instantiate_as_greet():
    """The AssemblyScript guest with the `env.abort` it imports, which records
    the message and returns, as the wasmtime-dotnet reader's host did."""
    store = wasmtime.Store()
    module = wasmtime.Module.from_file(store.engine, artifact_path("CH03_AS_GREET"))
    linker = wasmtime.Linker(store.engine)
    aborts = []

    def abort(caller, message, _file, _line, _column):
        aborts.append(read_assemblyscript_string(caller, caller["memory"], message))

    i32 = wasmtime.ValType.i32()
    linker.define_func("env", "abort", wasmtime.FuncType([i32] * 4, []), abort, access_caller=True)
    return store, linker.instantiate(store, module).exports(store), aborts


class AsGreet(unittest.TestCase):
    def test_a_pointer_to_raw_bytes_is_not_a_string(self):
        store, exports, aborts = instantiate_as_greet()
        # ANCHOR: raw_bytes
        PAGE_SIZE = 65536
        memory = exports["memory"]
        # "world" as UTF-8, in a page the host grew for itself, and its address.
        ptr = memory.grow(store, 1) * PAGE_SIZE + 16
        memory.write(store, "world".encode("utf-8"), ptr)
        with self.assertRaises(wasmtime.Trap) as trap:
            exports["greet"](store, ptr)
        self.assertEqual(trap.exception.trap_code, wasmtime.TrapCode.UNREACHABLE)
        # ANCHOR_END: raw_bytes
        self.assertEqual(aborts, ["a name cannot be empty"])

    def test_a_string_made_with_new_and_pinned_for_the_call(self):
        store, exports, aborts = instantiate_as_greet()
        # ANCHOR: as_string
        STRING_ID = 2  # AssemblyScript's class id for `String`, `__new`'s second argument
        memory = exports["memory"]

        # An object of the runtime, with room for the UTF-16 code units.
        units = "world".encode("utf-16-le")
        name = exports["__new"](store, len(units), STRING_ID)
        memory.write(store, units, name)
        # Pinned: `greet` allocates, and an allocation may run the collector,
        # which knows of no reference to `name` but the pin.
        exports["__pin"](store, name)
        try:
            greeting = exports["greet"](store, name)
        finally:
            exports["__unpin"](store, name)
        # The result is an object of the collector: read it before the next
        # call. Its length in bytes is the 4 bytes before it.
        length = int.from_bytes(memory.read(store, greeting - 4, greeting), "little")
        text = memory.read(store, greeting, greeting + length).decode("utf-16-le")
        self.assertEqual(text, "Hello, world!")
        # ANCHOR_END: as_string
        self.assertEqual(aborts, [])


if __name__ == "__main__":
    unittest.main()
