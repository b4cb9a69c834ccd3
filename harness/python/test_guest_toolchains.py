"""The atlas's guest toolchains, run: readers' questions about C, C++ and Zig
guests, answered with guests built by the recipes' compiler (PyPI's ziglang
0.17.0: `zig cc`, `zig c++`, `zig build-exe`) and run under wasmtime-py."""

import functools
import os
import pathlib
import struct
import subprocess
import sys
import tempfile
import unittest

import wasmtime

from book import GUESTS, check_range, compile_zig, expect_file

# What clang says about the C++ reader's function, in every build that warns.
STACK_ADDRESS_WARNING = (
    "warning: address of stack memory associated with local variable 'result' "
    "returned [-Wreturn-stack-address]"
)


def run_clang(driver, name, flags, output, env=None):
    """Runs `zig cc` or `zig c++` (`driver`) on `guests/<name>` for
    wasm32-wasi, as the C and C++ recipes build their guests, with `flags`
    added; returns what it printed on stderr."""
    command = [sys.executable, "-m", "ziglang", driver, "--target=wasm32-wasi", *flags]
    command += ["-o", output, str(GUESTS / name)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result.stderr


def compile_clang(driver, name, *flags):
    """The bytes of `guests/<name>` built as a reactor by `run_clang`."""
    with tempfile.TemporaryDirectory() as scratch:
        output = f"{scratch}/{pathlib.Path(name).stem}.wasm"
        run_clang(driver, name, ["-mexec-model=reactor", *flags], output)
        return pathlib.Path(output).read_bytes()


def clang_warnings(driver, name, *flags):
    """What clang warns about `guests/<name>`, compiled (not linked) with a
    cache of its own: zig reuses a cached build without printing its warnings
    again."""
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, ZIG_GLOBAL_CACHE_DIR=scratch, ZIG_LOCAL_CACHE_DIR=scratch)
        return run_clang(driver, name, ["-c", *flags], f"{scratch}/guest.o", env)


def instantiate(store, wasm):
    """The exports of `wasm`, with WASI defined for a guest that imports it
    (an unoptimised C++ build does), and `_initialize` called for a reactor."""
    store.set_wasi(wasmtime.WasiConfig())
    linker = wasmtime.Linker(store.engine)
    linker.define_wasi()
    exports = linker.instantiate(store, wasmtime.Module(store.engine, wasm)).exports(store)
    if "_initialize" in exports:
        exports["_initialize"](store)
    return exports


def signature(store, func):
    """A function's wasm type, as two lists of type names."""
    kind = func.type(store)
    return [str(t) for t in kind.params], [str(t) for t in kind.results]


# ANCHOR: read_c_string
def read_c_string(store, memory, ptr, limit=64):
    """The bytes at `ptr` up to the first NUL, read as a C host reads a
    `char *`; refuses a range past the end of memory, and stops at `limit`."""
    check_range("a C string", ptr, limit, memory.data_len(store))
    data = bytes(memory.read(store, ptr, ptr + limit))
    return data.split(b"\0", 1)[0]
# ANCHOR_END: read_c_string


# Zig: an export that returns an extern struct (ziglang/zig#13711).


@functools.cache
def struct_return_guest():
    """guests/struct_return.zig, compiled once per run."""
    return compile_zig("struct_return.zig")


# ANCHOR: call_foo
def call_foo(store, exports):
    """Calls the reader's `foo() V` as its wasm signature asks: with the
    address of 8 bytes the guest allocated, where `foo` writes the struct."""
    memory = exports["memory"]
    out = exports["allocate"](store, 8)
    check_range("allocate", out, 8, memory.data_len(store))
    returned = exports["foo"](store, out)  # None: the result is in memory
    x, y = struct.unpack("<II", memory.read(store, out, out + 8))
    exports["deallocate"](store, out, 8)
    return returned, (x, y)
# ANCHOR_END: call_foo


class ZigStructReturn(unittest.TestCase):
    def setUp(self):
        self.store = wasmtime.Store()
        self.exports = instantiate(self.store, struct_return_guest())

    def test_foo_takes_an_address_and_returns_nothing(self):
        self.assertEqual(signature(self.store, self.exports["foo"]), (["i32"], []))

    def test_called_without_the_address_wasmtime_py_refuses(self):
        with self.assertRaises(wasmtime.WasmtimeError) as caught:
            self.exports["foo"](self.store)
        self.assertEqual(str(caught.exception), "too few parameters provided: given 0, expected 1")

    def test_called_as_javascript_calls_it_the_struct_lands_at_address_0(self):
        # `foo()` from JavaScript passes undefined for the missing parameter,
        # and undefined converts to the i32 0.
        memory = self.exports["memory"]
        self.assertEqual(bytes(memory.read(self.store, 0, 8)), bytes(8))
        self.assertIsNone(self.exports["foo"](self.store, 0))
        self.assertEqual(struct.unpack("<II", memory.read(self.store, 0, 8)), (10, 20))

    def test_pass_the_address_and_read_the_struct(self):
        self.assertEqual(call_foo(self.store, self.exports), (None, (10, 20)))

    def test_a_one_field_struct_comes_back_as_a_number(self):
        self.assertEqual(signature(self.store, self.exports["one"]), ([], ["i32"]))
        self.assertEqual(self.exports["one"](self.store), 10)

    def test_what_the_card_shows(self):
        params, results = signature(self.store, self.exports["foo"])
        lines = [f"foo: params {params}, results {results}"]
        try:
            self.exports["foo"](self.store)
        except wasmtime.WasmtimeError as error:
            lines.append(f"foo() from Python: {error}")
        memory = self.exports["memory"]
        self.exports["foo"](self.store, 0)
        at_zero = struct.unpack("<II", memory.read(self.store, 0, 8))
        lines.append(f"foo(0), as JavaScript's foo() calls it: bytes 0..8 now hold {at_zero}")
        returned, value = call_foo(self.store, self.exports)
        lines.append(f"foo(allocate(8)): returns {returned}, the 8 bytes hold {value}")
        params, results = signature(self.store, self.exports["one"])
        lines.append(f"one: params {params}, results {results}, one() = {self.exports['one'](self.store)}")
        expect_file("atlas-guests/zig-struct-return.txt", "\n".join(lines) + "\n")


# C++: returning the c_str() of a local std::string (wasm-micro-runtime#567).

# The C++ recipe's flags, and the linker flags the maintainer named, which
# export malloc and free.
C_STR_FLAGS = ["-fno-exceptions", "-Wall", "-Wextra"]
EXPORT_MALLOC_AND_FREE = ["-Wl,--export=malloc", "-Wl,--export=free"]


@functools.cache
def c_str_guest(optimisation):
    """guests/c_str.cpp at `-O0` (a debug build) or `-Os` (the C++ recipe's),
    compiled once per run."""
    return compile_clang("c++", "c_str.cpp", optimisation, *C_STR_FLAGS, *EXPORT_MALLOC_AND_FREE)


def c_str_instance(optimisation):
    store = wasmtime.Store()
    return store, instantiate(store, c_str_guest(optimisation))


# ANCHOR: copied_c_str
def take_c_string(store, exports):
    """Calls `copied_c_str`, reads the string it returns, then gives the block
    back to the guest's exported `free`. None if the guest's malloc failed."""
    ptr = exports["copied_c_str"](store)
    if ptr == 0:
        return None
    text = read_c_string(store, exports["memory"], ptr)
    exports["free"](store, ptr)
    return text.decode("utf-8")
# ANCHOR_END: copied_c_str


def calls_until_null(store, exports, free, most):
    """How many calls to `copied_c_str` return a block before one returns
    NULL (at most `most`), the host freeing each block or not."""
    for call in range(1, most + 1):
        ptr = exports["copied_c_str"](store)
        if ptr == 0:
            return call
        if free:
            exports["free"](store, ptr)
    return None


def limited_c_str_instance():
    """The optimised guest, in a store whose memory may not grow past its size
    after the first allocation (which sets the heap up): a heap of fixed size,
    like WAMR's app heap."""
    store, exports = c_str_instance("-Os")
    take_c_string(store, exports)
    store.set_limits(memory_size=exports["memory"].data_len(store))
    return store, exports


class CppLocalCStr(unittest.TestCase):
    def test_clang_warns_at_compile_time(self):
        warnings = clang_warnings("c++", "c_str.cpp", *C_STR_FLAGS)
        self.assertIn(f"c_str.cpp:21:12: {STACK_ADDRESS_WARNING}", warnings)
        self.assertEqual(warnings.count("-Wreturn-stack-address"), 1)

    def test_a_debug_build_reads_right_until_another_call(self):
        store, exports = c_str_instance("-O0")
        memory = exports["memory"]
        ptr = exports["local_c_str"](store)
        self.assertEqual(read_c_string(store, memory, ptr), b"12345")
        exports["another_call"](store)
        self.assertEqual(read_c_string(store, memory, ptr), b"abcde")

    def test_an_optimised_build_never_wrote_it(self):
        store, exports = c_str_instance("-Os")
        ptr = exports["local_c_str"](store)
        self.assertEqual(read_c_string(store, exports["memory"], ptr), b"")

    def test_a_copy_survives_other_calls(self):
        store, exports = c_str_instance("-Os")
        ptr = exports["copied_c_str"](store)
        exports["another_call"](store)
        self.assertEqual(read_c_string(store, exports["memory"], ptr), b"12345")
        exports["free"](store, ptr)

    def test_free_gives_the_block_back(self):
        store, exports = c_str_instance("-Os")
        first = exports["copied_c_str"](store)
        exports["free"](store, first)
        self.assertEqual(exports["copied_c_str"](store), first)
        self.assertEqual(take_c_string(store, exports), "12345")

    def test_without_free_a_fixed_heap_runs_out(self):
        store, exports = limited_c_str_instance()
        unfreed = calls_until_null(store, exports, free=False, most=100_000)
        self.assertIsNotNone(unfreed)
        store, exports = limited_c_str_instance()
        self.assertIsNone(calls_until_null(store, exports, free=True, most=2 * unfreed))

    def test_what_the_card_shows(self):
        warning = next(
            line.split(": ", 1)[1]
            for line in clang_warnings("c++", "c_str.cpp", *C_STR_FLAGS).splitlines()
            if "-Wreturn-stack-address" in line
        )
        lines = [f"clang: {warning}"]
        store, exports = c_str_instance("-O0")
        memory = exports["memory"]
        ptr = exports["local_c_str"](store)
        text = read_c_string(store, memory, ptr)
        lines.append(f"-O0: local_c_str() = {ptr}, an address in the stack; the host reads {text!r}")
        exports["another_call"](store)
        text = read_c_string(store, memory, ptr)
        lines.append(f"-O0: after another_call(), the host reads {text!r} there")
        store, exports = c_str_instance("-Os")
        ptr = exports["local_c_str"](store)
        text = read_c_string(store, exports["memory"], ptr)
        lines.append(f"-Os: local_c_str() = {ptr}; the host reads {text!r}")
        ptr = exports["copied_c_str"](store)
        exports["another_call"](store)
        text = read_c_string(store, exports["memory"], ptr)
        lines.append(f"-Os: copied_c_str() = {ptr}; after another_call(), the host reads {text!r}")
        exports["free"](store, ptr)
        again = exports["copied_c_str"](store)
        lines.append(f"-Os: after free({ptr}), copied_c_str() = {again}: the same block")
        store, exports = limited_c_str_instance()
        unfreed = calls_until_null(store, exports, free=False, most=100_000)
        lines.append(f"memory that may not grow, no block freed: call {unfreed} returns NULL (0)")
        store, exports = limited_c_str_instance()
        freed = calls_until_null(store, exports, free=True, most=2 * unfreed)
        outcome = "none returns NULL" if freed is None else f"call {freed} returns NULL"
        lines.append(f"the same, each block freed after reading: {2 * unfreed} calls, {outcome}")
        expect_file("atlas-guests/cpp-c-str.txt", "\n".join(lines) + "\n")


# C: pointers that the host passes as numbers (migerh/wasm-filter#2).


@functools.cache
def filter_guest():
    """guests/filter.c, built as the C recipe builds its guest."""
    return compile_clang("cc", "filter.c", "-Os", "-s", "-Wall", "-Wextra")


# ANCHOR: blur
def blur(store, exports, pixels):
    """Writes `pixels` into the guest, calls `blur(in, out, len)` with the two
    byte offsets as numbers, and reads the result from the second."""
    memory = exports["memory"]
    size = len(pixels)
    buffer_in = exports["allocate"](store, size)
    buffer_out = exports["allocate"](store, size)
    check_range("allocate", buffer_in, size, memory.data_len(store))
    check_range("allocate", buffer_out, size, memory.data_len(store))
    memory.write(store, pixels, buffer_in)
    exports["blur"](store, buffer_in, buffer_out, size)
    result = bytes(memory.read(store, buffer_out, buffer_out + size))
    exports["deallocate"](store, buffer_in)
    exports["deallocate"](store, buffer_out)
    return (buffer_in, buffer_out), result
# ANCHOR_END: blur


class CPointersAreNumbers(unittest.TestCase):
    def setUp(self):
        self.store = wasmtime.Store()
        self.exports = instantiate(self.store, filter_guest())

    def test_blur_takes_three_numbers(self):
        self.assertEqual(signature(self.store, self.exports["blur"]), (["i32", "i32", "i32"], []))

    def test_the_output_is_at_the_number_passed(self):
        _, result = blur(self.store, self.exports, bytes([0, 0, 255, 0, 0]))
        self.assertEqual(list(result), [0, 63, 127, 63, 0])

    def test_static_data_is_at_the_number_the_guest_returns(self):
        address = self.exports["kernel_address"](self.store)
        kernel = struct.unpack("<3i", self.exports["memory"].read(self.store, address, address + 12))
        self.assertEqual(kernel, (1, 2, 1))

    def test_what_the_card_shows(self):
        params, results = signature(self.store, self.exports["blur"])
        lines = [f"blur: params {params}, results {results}"]
        (buffer_in, buffer_out), result = blur(self.store, self.exports, bytes([0, 0, 255, 0, 0]))
        lines.append(f"allocate(5) twice: in = {buffer_in}, out = {buffer_out}")
        lines.append(f"blur(in, out, 5) on [0, 0, 255, 0, 0]: out holds {list(result)}")
        address = self.exports["kernel_address"](self.store)
        kernel = struct.unpack("<3i", self.exports["memory"].read(self.store, address, address + 12))
        lines.append(f"kernel_address() = {address}, where the host reads {list(kernel)}")
        expect_file("atlas-guests/c-pointers-are-numbers.txt", "\n".join(lines) + "\n")


if __name__ == "__main__":
    unittest.main()
