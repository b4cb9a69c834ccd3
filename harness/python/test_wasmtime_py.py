"""The atlas's wasmtime-py card, run: wasmtime's Python package, 50.0.1."""

import ctypes
import functools
import struct
import unittest

import wasmtime

from book import (
    GuestLied,
    artifact_path,
    check_range,
    compile_assemblyscript,
    compile_zig,
    decode,
    expect_file,
    instantiate_wasi,
    unpack,
)

LIES = ["ends_past_memory", "length_wraps_around", "huge_length", "invalid_utf8"]


# ANCHOR: loading
def instantiate(name, store):
    """A listing that imports nothing, instantiated."""
    module = wasmtime.Module.from_file(store.engine, artifact_path(name))
    return wasmtime.Instance(store, module, []).exports(store)
# ANCHOR_END: loading


# ANCHOR: greet
def greet(store, exports, name):
    """Writes `name` into the guest, calls `greet` and copies the greeting
    out, checked, before the guest frees it."""
    memory = exports["memory"]
    data = name.encode("utf-8")
    ptr = exports["allocate"](store, len(data))
    memory.write(store, data, ptr)
    packed = exports["greet"](store, ptr, len(data))
    exports["deallocate"](store, ptr, len(data))
    result_ptr, result_len = unpack(packed)
    # `Memory.read` slices like a list: past the end it returns fewer
    # bytes, without an error. So check the range first.
    check_range("greet", result_ptr, result_len, memory.data_len(store))
    greeting = memory.read(store, result_ptr, result_ptr + result_len)
    exports["deallocate"](store, result_ptr, result_len)
    return decode("greet", bytes(greeting))
# ANCHOR_END: greet


def read_checked(store, exports, export):
    """Calls `export` of the lying guest and reads what it returns, checked."""
    memory = exports["memory"]
    ptr, length = unpack(exports[export](store))
    check_range(export, ptr, length, memory.data_len(store))
    return decode(export, bytes(memory.read(store, ptr, ptr + length)))


class WasmtimePy(unittest.TestCase):
    def test_the_round_trip(self):
        store = wasmtime.Store()
        exports = instantiate("CH04_PACKED_RETURN", store)
        self.assertEqual(greet(store, exports, "wasmtime-py"), "Hello, wasmtime-py!")

    def test_read_past_the_end_returns_fewer_bytes_and_write_raises(self):
        store = wasmtime.Store()
        memory = instantiate("CH04_PACKED_RETURN", store)["memory"]
        size = memory.data_len(store)
        self.assertEqual(len(memory.read(store, size - 4, size + 12)), 4)
        self.assertEqual(memory.read(store, size + 10, size + 20), bytearray())
        with self.assertRaisesRegex(IndexError, "index out of range"):
            memory.write(store, b"12345678", size - 4)

    def test_a_slice_of_data_ptr_cannot_be_assigned_and_write_can(self):
        # wasmtime-py#81: slice assignment on the raw pointer, then `write`.
        store = wasmtime.Store()
        memory = instantiate("CH04_PACKED_RETURN", store)["memory"]
        with self.assertRaises(TypeError) as raised:
            memory.data_ptr(store)[0:4] = b"abcd"
        self.assertEqual(f"TypeError: {raised.exception}", "TypeError: sequence index must be integer, not 'slice'")
        memory.write(store, b"abcd", 0)
        self.assertEqual(memory.read(store, 0, 4), bytearray(b"abcd"))

    def test_every_lie_is_refused(self):
        store = wasmtime.Store()
        exports = instantiate("CH04_LYING_GUEST", store)
        for export in LIES:
            with self.subTest(export=export), self.assertRaises(GuestLied):
                read_checked(store, exports, export)

    def test_an_i64_result_comes_back_signed(self):
        store = wasmtime.Store()
        packed = instantiate("CH04_LYING_GUEST", store)["huge_length"](store)
        self.assertEqual(packed, ((3 << 30) << 32 | 1024) - (1 << 64))
        self.assertEqual(unpack(packed), (1024, 3 << 30))

    def test_fuel_runs_out(self):
        config = wasmtime.Config()
        config.consume_fuel = True
        store = wasmtime.Store(wasmtime.Engine(config))
        exports = instantiate("CH04_PACKED_RETURN", store)
        store.set_fuel(100)
        with self.assertRaises(wasmtime.Trap) as caught:
            greet(store, exports, "wasmtime-py")
        self.assertEqual(caught.exception.trap_code, wasmtime.TrapCode.OUT_OF_FUEL)
        self.assertIn("wasm trap: all fuel consumed by WebAssembly", str(caught.exception))

    def test_a_store_limit_refuses_growth(self):
        store = wasmtime.Store()
        exports = instantiate("CH02_PAGES_AND_GROW", store)
        store.set_limits(memory_size=exports["memory"].data_len(store))
        self.assertEqual(exports["grow_memory"](store, 1), -1)

    def test_what_the_card_shows(self):
        lines = []
        store = wasmtime.Store()
        exports = instantiate("CH04_PACKED_RETURN", store)
        lines.append(f"greet: {greet(store, exports, 'wasmtime-py')}")
        memory = exports["memory"]
        size = memory.data_len(store)
        got = len(memory.read(store, size - 4, size + 12))
        lines.append(f"read(size - 4, size + 12): {got} bytes, no error")
        try:
            memory.write(store, b"12345678", size - 4)
        except IndexError as error:
            lines.append(f"write(8 bytes at size - 4): IndexError: {error}")
        liar = instantiate("CH04_LYING_GUEST", store)
        lines.append(f"huge_length() as Python gets it: {liar['huge_length'](store)}")
        for export in LIES:
            try:
                read_checked(store, liar, export)
            except GuestLied as error:
                lines.append(f"refused: {error}")
        config = wasmtime.Config()
        config.consume_fuel = True
        fueled = wasmtime.Store(wasmtime.Engine(config))
        fueled_exports = instantiate("CH04_PACKED_RETURN", fueled)
        fueled.set_fuel(100)
        try:
            greet(fueled, fueled_exports, "wasmtime-py")
        except wasmtime.Trap as trap:
            cause = str(trap).strip().splitlines()[-1].strip()
            lines.append(f"with 100 units of fuel: {trap.trap_code}, {cause}")
        expect_file("atlas-hosts/wasmtime-py.txt", "\n".join(lines) + "\n")


@functools.cache
def byte_offset_guest():
    """guests/byte_offset.ts, compiled once per run."""
    return compile_assemblyscript("byte_offset.ts")


# ANCHOR: read_bytes
def instantiate_reader(store, seen, wasm):
    """The AssemblyScript guest `wasm` (byte_offset.ts compiled), with a
    `read_bytes(ptr, len)` import that records the bytes it finds at `ptr`
    in the caller's memory."""

    def read_bytes(caller, ptr, length):
        memory = caller["memory"]
        check_range("read_bytes", ptr, length, memory.data_len(caller))
        seen.append((ptr, bytes(memory.read(caller, ptr, ptr + length))))

    def abort(message, file, line, column):
        raise RuntimeError(f"abort at {line}:{column}")

    i32 = wasmtime.ValType.i32()
    imports = {
        "read_bytes": wasmtime.Func(
            store, wasmtime.FuncType([i32, i32], []), read_bytes, access_caller=True
        ),
        "abort": wasmtime.Func(store, wasmtime.FuncType([i32] * 4, []), abort),
    }
    module = wasmtime.Module(store.engine, wasm)
    ordered = [imports[item.name] for item in module.imports]
    return wasmtime.Instance(store, module, ordered).exports(store)
# ANCHOR_END: read_bytes


def what_read_bytes_saw(export):
    """The `(ptr, bytes)` the import got when `export` ran."""
    store = wasmtime.Store()
    seen = []
    instantiate_reader(store, seen, byte_offset_guest())[export](store)
    (call,) = seen
    return call


class AssemblyScriptByteOffset(unittest.TestCase):
    def test_byte_offset_is_0_and_the_host_reads_other_bytes(self):
        self.assertEqual(what_read_bytes_saw("withByteOffset"), (0, b"\x00\x00\x00"))

    def test_data_start_is_where_the_bytes_are(self):
        ptr, data = what_read_bytes_saw("withDataStart")
        self.assertGreater(ptr, 0)
        self.assertEqual(data, b"\x01\x02\x03")

    def test_a_subarray_is_at_its_buffer_plus_its_byte_offset(self):
        self.assertEqual(what_read_bytes_saw("subarrayWithByteOffset"), (1, b"\x00\x00"))
        self.assertEqual(what_read_bytes_saw("subarrayWithBufferAddress")[1], b"\x02\x03")

    def test_what_the_card_shows(self):
        lines = []
        for export in [
            "withByteOffset",
            "withDataStart",
            "subarrayWithByteOffset",
            "subarrayWithBufferAddress",
        ]:
            ptr, data = what_read_bytes_saw(export)
            where = "0" if ptr == 0 else "1" if ptr == 1 else "an address in linear memory"
            lines.append(f"{export}: ptr {where}, bytes {list(data)}")
        expect_file("atlas-guests/assemblyscript-byte-offset.txt", "\n".join(lines) + "\n")


# ANCHOR: host_address
def a_host_address(length, memory_size, keep):
    """The address of a host buffer of `length` bytes, as a 64-bit host has
    it. The guest keeps the low 32 bits of an i32 argument; take a buffer
    whose low 32 bits do not happen to fall inside the guest's memory."""
    while True:
        buffer = ctypes.create_string_buffer(b"hello", length)
        keep.append(buffer)
        address = ctypes.addressof(buffer)
        if address % (1 << 32) + length > memory_size:
            return address
# ANCHOR_END: host_address


class AHostAddressIsNotAnOffset(unittest.TestCase):
    # ANCHOR: host_address_test
    def test_a_host_address_traps(self):
        store = wasmtime.Store()
        exports = instantiate("CH03_SUM_BYTES", store)
        keep = []
        address = a_host_address(5, exports["memory"].data_len(store), keep)
        with self.assertRaises(wasmtime.Trap) as caught:
            exports["sum_bytes"](store, address, 5)
        self.assertEqual(caught.exception.trap_code, wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS)
        self.assertIn("wasm trap: out of bounds memory access", str(caught.exception))

    def test_an_offset_the_guest_allocated_works(self):
        store = wasmtime.Store()
        exports = instantiate("CH03_SUM_BYTES", store)
        ptr = exports["allocate"](store, 5)
        exports["memory"].write(store, b"hello", ptr)
        self.assertEqual(exports["sum_bytes"](store, ptr, 5), sum(b"hello"))
        exports["deallocate"](store, ptr, 5)
    # ANCHOR_END: host_address_test

    def test_what_the_card_shows(self):
        lines = []
        store = wasmtime.Store()
        exports = instantiate("CH03_SUM_BYTES", store)
        keep = []
        address = a_host_address(5, exports["memory"].data_len(store), keep)
        try:
            exports["sum_bytes"](store, address, 5)
        except wasmtime.Trap as trap:
            # The last cause, without its number ("1: "): the first names
            # the address, which changes from run to run.
            cause = str(trap).strip().splitlines()[-1].strip().split(": ", 1)[1]
            lines.append(f"sum_bytes(a host address, 5): {trap.trap_code}, {cause}")
        ptr = exports["allocate"](store, 5)
        exports["memory"].write(store, b"hello", ptr)
        lines.append(f"sum_bytes(allocate(5), 5) after writing b'hello': {exports['sum_bytes'](store, ptr, 5)}")
        expect_file("atlas-hosts/host-address.txt", "\n".join(lines) + "\n")


@functools.cache
def zig_allocator_guest():
    """guests/allocator.zig, compiled once per run."""
    return compile_zig("allocator.zig")


def floats_round_trip(store, exports, alloc, free):
    """Allocates three floats through `alloc`, writes them, sums them in the
    guest, frees them through `free`; returns the address and the sum."""
    ptr = exports[alloc](store, 3)
    exports["memory"].write(store, struct.pack("<3f", 1.5, 2.0, 3.0), ptr)
    total = exports["sum"](store, ptr, 3)
    exports[free](store, ptr, 3)
    return ptr, total


class ZigAllocator(unittest.TestCase):
    def setUp(self):
        self.store = wasmtime.Store()
        module = wasmtime.Module(self.store.engine, zig_allocator_guest())
        self.exports = wasmtime.Instance(self.store, module, []).exports(self.store)

    def test_the_vtable_with_any_ctx_and_the_interface_share_one_heap(self):
        vtable, total = floats_round_trip(
            self.store, self.exports, "alloc_floats_vtable", "free_floats_vtable"
        )
        self.assertEqual(total, 6.5)
        # The interface's first allocation of that size reuses the block the
        # vtable's call freed: one global state, whatever `ctx` was.
        interface, total = floats_round_trip(self.store, self.exports, "alloc_floats", "free_floats")
        self.assertEqual(total, 6.5)
        self.assertEqual(interface, vtable)

    def test_a_fixed_buffer_allocators_ctx_is_its_state(self):
        self.assertEqual(self.exports["fixed_ctx_is_its_state"](self.store), 1)

    def test_what_the_card_shows(self):
        vtable, total = floats_round_trip(
            self.store, self.exports, "alloc_floats_vtable", "free_floats_vtable"
        )
        lines = [f"vtable.alloc(&ctx, ...), ctx = &42: sum {total}"]
        interface, total = floats_round_trip(self.store, self.exports, "alloc_floats", "free_floats")
        same = "the same block" if interface == vtable else "another block"
        lines.append(f"wasm_allocator.alloc(f32, 3): sum {total}, {same}")
        fixed = bool(self.exports["fixed_ctx_is_its_state"](self.store))
        lines.append(f"FixedBufferAllocator: .allocator().ptr is the allocator itself: {fixed}")
        expect_file("atlas-guests/zig-allocator.txt", "\n".join(lines) + "\n")


PAGE = 65536


# ANCHOR: grown_page
def write_in_a_page_the_host_grew(store, exports, data):
    """What a host does without the guest's allocator: grow the memory by
    a page and write there. No allocator of the guest knows of the page."""
    memory = exports["memory"]
    where = memory.grow(store, 1) * PAGE
    memory.write(store, data, where)
    return where
# ANCHOR_END: grown_page


# The host's bytes: a page of them, so that any write into the page shows.
MINE = b"the host's bytes" * (PAGE // 16)


class AHostPickedPlaceIsNotReserved(unittest.TestCase):
    # ANCHOR: grown_page_test
    def test_a_go_guest_writes_over_a_page_the_host_grew(self):
        store = wasmtime.Store()
        exports = instantiate_wasi(store, "CH06_GO_GREETER")
        where = write_in_a_page_the_host_grew(store, exports, MINE)
        # The guest allocates 1 MiB of garbage. Go's runtime takes the
        # memory it grows as starting where its heap ended: the host's page.
        exports["churn"](store, 1 << 20, 4096)
        page = bytes(exports["memory"].read(store, where, where + PAGE))
        self.assertNotEqual(page, MINE)

    def test_a_rust_guest_leaves_it_alone(self):
        store = wasmtime.Store()
        exports = instantiate("CH04_PACKED_RETURN", store)
        where = write_in_a_page_the_host_grew(store, exports, MINE)
        # 20 MiB through the guest's allocator: Rust's dlmalloc uses the
        # address memory.grow returns, past the host's page.
        for _ in range(5000):
            exports["allocate"](store, 4096)
        page = bytes(exports["memory"].read(store, where, where + PAGE))
        self.assertEqual(page, MINE)

    def test_a_block_the_guest_allocated_survives(self):
        store = wasmtime.Store()
        exports = instantiate_wasi(store, "CH06_GO_GREETER")
        memory = exports["memory"]
        data = b"the host's bytes"
        # The fix: ask the guest's allocator, which now counts the block
        # as in use (and the Go guest keeps it alive) until deallocate.
        ptr = exports["allocate"](store, len(data))
        memory.write(store, data, ptr)
        exports["churn"](store, 8 << 20, 4096)
        exports["collect"](store)
        self.assertEqual(bytes(memory.read(store, ptr, ptr + len(data))), data)
        exports["deallocate"](store, ptr, len(data))
    # ANCHOR_END: grown_page_test

    def test_what_the_card_shows(self):
        lines = []
        store = wasmtime.Store()
        go = instantiate_wasi(store, "CH06_GO_GREETER")
        before = go["memory"].data_len(store)
        where = write_in_a_page_the_host_grew(store, go, MINE)
        grown = go["memory"].data_len(store) - before
        lines.append(f"Go guest: the host grew the memory by {grown} bytes and wrote its page")
        go["churn"](store, 1 << 20, 4096)
        page = bytes(go["memory"].read(store, where, where + PAGE))
        lines.append(f"  after churn(1 MiB): the page is intact: {page == MINE}")
        store = wasmtime.Store()
        rust = instantiate("CH04_PACKED_RETURN", store)
        where = write_in_a_page_the_host_grew(store, rust, MINE)
        for _ in range(5000):
            rust["allocate"](store, 4096)
        page = bytes(rust["memory"].read(store, where, where + PAGE))
        lines.append(f"Rust guest: after 5000 allocate(4096): the page is intact: {page == MINE}")
        store = wasmtime.Store()
        go = instantiate_wasi(store, "CH06_GO_GREETER")
        ptr = go["allocate"](store, 16)
        go["memory"].write(store, b"the host's bytes", ptr)
        go["churn"](store, 8 << 20, 4096)
        go["collect"](store)
        kept = bytes(go["memory"].read(store, ptr, ptr + 16)) == b"the host's bytes"
        lines.append(f"Go guest, 16 bytes from allocate(16): intact after churn and collect: {kept}")
        expect_file("atlas-hosts/host-picked-page.txt", "\n".join(lines) + "\n")


# ANCHOR: moving_memory
def a_memory_that_moves():
    """A store whose memories reserve no address space ahead: growing one
    moves it, as it may on a 32-bit host or under a small reservation."""
    config = wasmtime.Config()
    config.memory_reservation = 0
    config.memory_guard_size = 0
    config.memory_reservation_for_growth = 0
    config.memory_may_move = True
    return wasmtime.Store(wasmtime.Engine(config))


def base(store, memory):
    """The address of the memory's first byte: wasmtime_memory_data, the
    wasmtime counterpart of the C API's wasm_memory_data."""
    return ctypes.addressof(memory.data_ptr(store).contents)
# ANCHOR_END: moving_memory


class APointerIntoMemory(unittest.TestCase):
    # ANCHOR: moving_memory_test
    def test_a_pointer_taken_before_a_call_that_grows_is_stale(self):
        store = a_memory_that_moves()
        exports = instantiate("CH02_PAGES_AND_GROW", store)
        before = base(store, exports["memory"])
        exports["grow_memory"](store, 16)  # the guest grows its memory
        # `before` now points at memory wasmtime has unmapped: never
        # dereference it. The test only compares the two numbers.
        self.assertNotEqual(base(store, exports["memory"]), before)

    def test_a_pointer_taken_after_the_call_reads_the_result(self):
        store = a_memory_that_moves()
        exports = instantiate("CH04_PACKED_RETURN", store)
        memory = exports["memory"]
        name = b"x" * (256 * 1024)  # enough to make the guest grow
        ptr = exports["allocate"](store, len(name))
        memory.write(store, name, ptr)
        before = base(store, memory)
        result_ptr, result_len = unpack(exports["greet"](store, ptr, len(name)))
        check_range("greet", result_ptr, result_len, memory.data_len(store))
        here = base(store, memory)  # taken after the call, used at once
        self.assertNotEqual(here, before)  # the call moved the memory
        greeting = ctypes.string_at(here + result_ptr, result_len)
        self.assertEqual(greeting, b"Hello, " + name + b"!")
    # ANCHOR_END: moving_memory_test

    def test_with_the_default_reservation_the_base_stays(self):
        store = wasmtime.Store()
        exports = instantiate("CH02_PAGES_AND_GROW", store)
        before = base(store, exports["memory"])
        exports["grow_memory"](store, 16)
        self.assertEqual(base(store, exports["memory"]), before)

    def test_what_the_card_shows(self):
        lines = []
        for label, store in [
            ("default configuration", wasmtime.Store()),
            ("memory_reservation = 0, memory_may_move = True", a_memory_that_moves()),
        ]:
            exports = instantiate("CH02_PAGES_AND_GROW", store)
            before = base(store, exports["memory"])
            exports["grow_memory"](store, 16)
            moved = base(store, exports["memory"]) != before
            lines.append(f"{label}: the guest grew by 16 pages; the base moved: {moved}")
        expect_file("atlas-hosts/data-ptr.txt", "\n".join(lines) + "\n")


# ANCHOR: log_guest
# A guest that logs "Hello from Wasm" through the host, two ways. Its
# strings lie back to back, as a Rust guest's string literals do: a Rust
# `&str` has no NUL at its end.
LOG_GUEST = """
(module
  (import "env" "log_cstr" (func $log_cstr (param i32)))
  (import "env" "log_impl" (func $log_impl (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello from Wasmother data\\00")
  (data (i32.const 64) "Hello from Wasm\\00")
  ;; a C string, with its NUL: what CString::as_ptr gives
  (func (export "log_cstring") (call $log_cstr (i32.const 64)))
  ;; a &str's pointer, read as a C string: no NUL where it ends
  (func (export "log_str_as_cstring") (call $log_cstr (i32.const 16)))
  ;; log_impl(msg.as_ptr(), msg.len())
  (func (export "log_str") (call $log_impl (i32.const 16) (i32.const 15))))
"""


def instantiate_logger(store, logged):
    """The guest, with the two imports appending what they read to `logged`."""

    def log_cstr(caller, ptr):
        # A C string: scan for the NUL, bounded by the memory's end.
        data = caller["memory"].read(caller, ptr, caller["memory"].data_len(caller))
        logged.append(decode("log_cstr", bytes(data).split(b"\0", 1)[0]))

    def log_impl(caller, ptr, length):
        # A pointer and a length: check the range, copy, decode.
        memory = caller["memory"]
        check_range("log_impl", ptr, length, memory.data_len(caller))
        logged.append(decode("log_impl", bytes(memory.read(caller, ptr, ptr + length))))

    i32 = wasmtime.ValType.i32()
    module = wasmtime.Module(store.engine, wasmtime.wat2wasm(LOG_GUEST))
    imports = [
        wasmtime.Func(store, wasmtime.FuncType([i32], []), log_cstr, access_caller=True),
        wasmtime.Func(store, wasmtime.FuncType([i32, i32], []), log_impl, access_caller=True),
    ]
    return wasmtime.Instance(store, module, imports).exports(store)


def logged_by(export):
    """What the guest's `export` hands to the host's `log`."""
    store = wasmtime.Store()
    logged = []
    instantiate_logger(store, logged)[export](store)
    (line,) = logged
    return line
# ANCHOR_END: log_guest


class AStringAnImportReceives(unittest.TestCase):
    # ANCHOR: log_test
    def test_a_str_read_as_a_c_string_runs_into_the_next_one(self):
        self.assertEqual(logged_by("log_str_as_cstring"), "Hello from Wasmother data")

    def test_a_c_string_with_its_nul_reads_right(self):
        self.assertEqual(logged_by("log_cstring"), "Hello from Wasm")

    def test_a_pointer_and_a_length_read_right(self):
        self.assertEqual(logged_by("log_str"), "Hello from Wasm")
    # ANCHOR_END: log_test

    def test_what_the_card_shows(self):
        lines = [
            f"{export}: {logged_by(export)!r}"
            for export in ["log_str_as_cstring", "log_cstring", "log_str"]
        ]
        expect_file("atlas-hosts/import-string.txt", "\n".join(lines) + "\n")


if __name__ == "__main__":
    unittest.main()
