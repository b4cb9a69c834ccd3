"""The atlas's wasmtime-py card, run: wasmtime's Python package, 50.0.1."""

import unittest

import wasmtime

from book import GuestLied, artifact_path, check_range, decode, expect_file, unpack

LIES = ["ends_past_memory", "length_wraps_around", "huge_length", "invalid_utf8"]


def instantiate(name, store):
    module = wasmtime.Module.from_file(store.engine, artifact_path(name))
    return wasmtime.Instance(store, module, []).exports(store)


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


if __name__ == "__main__":
    unittest.main()
