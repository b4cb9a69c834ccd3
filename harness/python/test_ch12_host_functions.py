"""Chapter 12: host functions in a Python host (wasmtime-py 50.0.1), for the
guest of listings/ch12-host-functions/host-calls. The same host functions as
the Rust, Go and JavaScript hosts: they find the memory of the instance that
is calling, check the guest's `(ptr, len)`, and `try_log` answers a bad one
with an error code instead of a trap."""

import unittest

import wasmtime

from book import artifact_path

I32 = wasmtime.ValType.i32()
I64 = wasmtime.ValType.i64()


# ANCHOR: try_log
MAX_LOG = 4096  # the longest message the host accepts


def define_try_log(linker, log):
    """`env.try_log(ptr, len) -> i32`: the checks of chapter 4, answered
    with a code the guest can act on: 0 logged, 1 too long or outside
    memory, 2 not UTF-8. Nothing here raises, so the guest never traps."""

    def try_log(caller, ptr, length):
        # An i32 arrives as a signed int: read it as the guest's u32.
        ptr &= 0xFFFF_FFFF
        length &= 0xFFFF_FFFF
        if length > MAX_LOG:  # capped before memory is looked at
            return 1
        memory = caller["memory"]  # the memory of the instance calling
        # Python's integers do not wrap, so `ptr + length` is exact.
        if ptr + length > memory.data_len(caller):
            return 1
        data = bytes(memory.read(caller, ptr, ptr + length))
        try:
            log.append(data.decode("utf-8"))  # strict: no replacement characters
        except UnicodeDecodeError:
            return 2
        return 0

    ty = wasmtime.FuncType([I32, I32], [I32])
    linker.define_func("env", "try_log", ty, try_log, access_caller=True)
# ANCHOR_END: try_log


class GuestError(Exception):
    """A host function's error: raised inside a host function, it traps the
    guest's call."""


def read_argument(caller, import_name, ptr, length):
    """The guest's `(ptr, len)` argument as text, or GuestError: the checks
    of `try_log`, for the imports that trap instead."""
    ptr &= 0xFFFF_FFFF
    length &= 0xFFFF_FFFF
    memory = caller["memory"]
    if length > MAX_LOG or ptr + length > memory.data_len(caller):
        raise GuestError(f"the guest passed `{import_name}` {length} bytes at {ptr:#x}")
    try:
        return bytes(memory.read(caller, ptr, ptr + length)).decode("utf-8")
    except UnicodeDecodeError as error:
        raise GuestError(f"the guest passed `{import_name}` bytes that are not UTF-8: {error}") from None


def instantiate(name="Ferris"):
    """The guest of Listing 12-1 with its imports: `log` and `try_log` as
    above, `fill_name` and `fetch_name` handing `name` back in the two ways
    of the chapter, and the checked allocator's `report_error`. Returns the
    store, the exports, what the guest logged and what its allocator
    reported."""
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    log, reports = [], []
    encoded = name.encode("utf-8")

    def log_import(caller, ptr, length):
        log.append(read_argument(caller, "log", ptr, length))

    def fill_name(caller, buf, capacity):
        if len(encoded) <= capacity & 0xFFFF_FFFF:
            caller["memory"].write(caller, encoded, buf & 0xFFFF_FFFF)
        return len(encoded)

    def fetch_name(caller):
        ptr = caller["allocate"](caller, len(encoded)) & 0xFFFF_FFFF
        if ptr == 0:
            raise GuestError(f"allocate({len(encoded)}) returned 0")
        caller["memory"].write(caller, encoded, ptr)
        return (len(encoded) << 32) | ptr  # the guest's packing; it frees the buffer

    def report_error(caller, ptr, length):
        reports.append(read_argument(caller, "report_error", ptr, length))

    define_try_log(linker, log)
    imports = [
        ("env", "log", [I32, I32], [], log_import),
        ("env", "fill_name", [I32, I32], [I32], fill_name),
        ("env", "fetch_name", [], [I64], fetch_name),
        ("wasm_memory", "report_error", [I32, I32], [], report_error),
    ]
    for module_name, name, params, results, function in imports:
        ty = wasmtime.FuncType(params, results)
        linker.define_func(module_name, name, ty, function, access_caller=True)
    module = wasmtime.Module.from_file(engine, artifact_path("CH12_HOST_CALLS"))
    exports = linker.instantiate(store, module).exports(store)
    return store, exports, log, reports


class HostFunctions(unittest.TestCase):
    def test_a_host_function_reads_the_caller_s_memory(self):
        store, exports, log, reports = instantiate()
        exports["hello"](store)
        self.assertEqual(log, ["hello from the guest"])
        self.assertEqual(reports, [])

    def test_an_error_code_leaves_the_decision_to_the_guest(self):
        store, exports, log, _ = instantiate()
        # ANCHOR: error_code
        try_log_raw = exports["try_log_raw"]
        past_end = exports["memory"].data_len(store) - 4
        self.assertEqual(try_log_raw(store, past_end, 8), 1)  # outside memory
        self.assertEqual(try_log_raw(store, 16, 0xFFFF_FFFF), 1)  # too long
        # The calls returned: the guest goes on, and so does the host.
        exports["hello"](store)
        self.assertEqual(log, ["hello from the guest"])
        # ANCHOR_END: error_code

    def test_bytes_that_are_not_utf8_get_their_own_code_and_valid_ones_0(self):
        store, exports, log, reports = instantiate()
        memory = exports["memory"]
        for data, code in [(b"\xff\xfe", 2), ("héllo".encode("utf-8"), 0)]:
            with self.subTest(data=data):
                ptr = exports["allocate"](store, len(data)) & 0xFFFF_FFFF
                memory.write(store, data, ptr)
                self.assertEqual(exports["try_log_raw"](store, ptr, len(data)), code)
                exports["deallocate"](store, ptr, len(data))
        self.assertEqual(log, ["héllo"])
        self.assertEqual(exports["live"](store), 0)
        self.assertEqual(reports, [])

    def test_a_lying_argument_to_log_traps_the_guest_s_call(self):
        # wasmtime-py traps the guest's call and raises the host function's
        # own exception from the export the host called.
        store, exports, log, _ = instantiate()
        past_end = exports["memory"].data_len(store) - 4
        with self.assertRaises(GuestError) as raised:
            exports["log_raw"](store, past_end, 8)
        self.assertEqual(str(raised.exception), f"the guest passed `log` 8 bytes at {past_end:#x}")
        self.assertEqual(log, [])

    def test_both_ways_of_handing_bytes_back_leave_nothing_live(self):
        store, exports, log, reports = instantiate()
        memory = exports["memory"]
        for export, args in [("greet_filled", (2,)), ("greet_fetched", ())]:
            with self.subTest(export=export):
                packed = exports[export](store, *args) & 0xFFFF_FFFF_FFFF_FFFF
                ptr, length = packed & 0xFFFF_FFFF, packed >> 32
                self.assertLessEqual(ptr + length, memory.data_len(store))
                self.assertEqual(bytes(memory.read(store, ptr, ptr + length)), b"Hello, Ferris!")
                exports["deallocate"](store, ptr, length)
        self.assertEqual(log, ["2 bytes are too few, the name needs 6"])
        self.assertEqual(exports["live"](store), 0)
        self.assertEqual(reports, [])


if __name__ == "__main__":
    unittest.main()
