"""The atlas's wasm3 card, run: wasm3 v0.5.0, through its Python binding
pywasm3 0.5.0 (which compiles wasm3's C sources when pip installs it)."""

import os
import re
import subprocess
import tempfile
import unittest

import wasm3

from book import REPOSITORY, artifact, check_range, decode, expect_file, unpack

# binaryen's wasm-opt, from the npm package the AssemblyScript compiler
# depends on (ci/assemblyscript/package-lock.json pins it).
WASM_OPT = os.environ.get(
    "BOOK_WASM_OPT", str(REPOSITORY / "ci/assemblyscript/node_modules/.bin/wasm-opt")
)

# `call_indirect` (0x11), a type index, then a table index written in five
# bytes: the padded LEB128 that LLVM writes since Rust 1.82 turned on
# reference-types for wasm32.
PADDED_TABLE_INDEX = re.compile(rb"\x11[\x80-\xff]\x80\x80\x80\x00\x80\x80\x80\x80\x00")


def load(wasm):
    """A fresh runtime with `wasm` loaded in it (a 64 KiB wasm stack)."""
    environment = wasm3.Environment()
    runtime = environment.new_runtime(64 * 1024)
    runtime.load(environment.parse_module(wasm))
    return runtime


# ANCHOR: greet
def greet(runtime, name):
    """The round trip on wasm3: `get_memory(0)` is a memoryview of the
    memory as it is now, so take a fresh one after every call."""
    data = name.encode("utf-8")
    ptr = runtime.find_function("allocate")(len(data))
    runtime.get_memory(0)[ptr : ptr + len(data)] = data
    packed = runtime.find_function("greet")(ptr, len(data))
    runtime.find_function("deallocate")(ptr, len(data))
    result_ptr, result_len = unpack(packed)
    memory = runtime.get_memory(0)
    check_range("greet", result_ptr, result_len, len(memory))
    greeting = bytes(memory[result_ptr : result_ptr + result_len])
    runtime.find_function("deallocate")(result_ptr, result_len)
    return decode("greet", greeting)
# ANCHOR_END: greet


def reencode(wasm):
    """The same module, written back by wasm-opt with no passes: each LEB128
    in its shortest form."""
    with tempfile.TemporaryDirectory() as scratch:
        source, target = f"{scratch}/in.wasm", f"{scratch}/out.wasm"
        with open(source, "wb") as file:
            file.write(wasm)
        subprocess.run(
            [WASM_OPT, "--all-features", source, "-o", target],
            check=True,
            capture_output=True,
        )
        with open(target, "rb") as file:
            return file.read()


class Wasm3(unittest.TestCase):
    def test_a_rust_guest_fails_with_a_padded_table_index(self):
        wasm = artifact("CH04_PACKED_RETURN")
        self.assertTrue(PADDED_TABLE_INDEX.search(wasm))
        with self.assertRaisesRegex(RuntimeError, "^LEB encoded value overflow$"):
            greet(load(wasm), "wasm3")

    def test_the_same_guest_reencoded_runs(self):
        wasm = reencode(artifact("CH04_PACKED_RETURN"))
        self.assertIsNone(PADDED_TABLE_INDEX.search(wasm))
        self.assertEqual(greet(load(wasm), "wasm3"), "Hello, wasm3!")

    def test_a_view_keeps_the_size_it_had(self):
        runtime = load(artifact("CH02_PAGES_AND_GROW"))
        before = runtime.get_memory(0)
        self.assertEqual(runtime.find_function("grow_memory")(1), len(before) // 65536)
        # Only the length of the old view is read: its bytes may have moved.
        self.assertEqual(len(runtime.get_memory(0)), len(before) + 65536)

    def test_a_slice_past_the_end_is_shorter(self):
        memory = load(artifact("CH02_PAGES_AND_GROW")).get_memory(0)
        size = len(memory)
        self.assertEqual(len(memory[size - 4 : size + 12]), 4)
        with self.assertRaisesRegex(ValueError, "lvalue and rvalue have different structures"):
            memory[size - 4 : size + 4] = b"12345678"

    def test_an_out_of_bounds_load_traps(self):
        runtime = load(artifact("CH02_OUT_OF_BOUNDS"))
        size = len(runtime.get_memory(0))
        with self.assertRaisesRegex(RuntimeError, "out of bounds memory access"):
            runtime.find_function("load_byte")(size)

    def test_what_the_card_shows(self):
        lines = []
        rust = artifact("CH04_PACKED_RETURN")
        try:
            greet(load(rust), "wasm3")
        except RuntimeError as error:
            lines.append(f"a Rust 1.95 guest: RuntimeError: {error}")
        lines.append(f"re-encoded by wasm-opt: {greet(load(reencode(rust)), 'wasm3')}")
        runtime = load(artifact("CH02_PAGES_AND_GROW"))
        before = runtime.get_memory(0)
        size = len(before)
        lines.append(f"memory[size - 4 : size + 12]: {len(before[size - 4 : size + 12])} bytes, no error")
        runtime.find_function("grow_memory")(1)
        lines.append(
            f"after memory.grow: the old view has {len(before)} bytes, "
            f"a new one {len(runtime.get_memory(0))}"
        )
        runtime = load(artifact("CH02_OUT_OF_BOUNDS"))
        try:
            runtime.find_function("load_byte")(len(runtime.get_memory(0)))
        except RuntimeError as error:
            lines.append(f"a load past the end: RuntimeError: {error}")
        expect_file("atlas-hosts/wasm3.txt", "\n".join(lines) + "\n")


if __name__ == "__main__":
    unittest.main()
