"""The atlas's wasm3 card, run: wasm3 v0.5.0, through its Python binding
pywasm3 0.5.0 (which compiles wasm3's C sources when pip installs it)."""

import os
import re
import struct
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


# ANCHOR: as_objects
# AssemblyScript's class ids for the two objects a host makes, as chapter 13
# has them: an ArrayBuffer is 1, a string 2.
ARRAY_BUFFER_ID = 1
STRING_ID = 2


def load_assemblyscript(name):
    """An AssemblyScript listing in a fresh runtime, with the `env.abort` it
    imports (which raises)."""
    environment = wasm3.Environment()
    runtime = environment.new_runtime(64 * 1024)
    module = environment.parse_module(artifact(name))
    runtime.load(module)

    def abort(message, file, line, column):
        raise RuntimeError(f"abort at {line}:{column}")

    module.link_function("env", "abort", "v(iiii)", abort)
    return runtime


def new_object(runtime, data, class_id):
    """Copies `data` into a new, pinned AssemblyScript object of `class_id`:
    the address of its first byte. The host unpins it when done with it."""
    ptr = runtime.find_function("__pin")(runtime.find_function("__new")(len(data), class_id))
    runtime.get_memory(0)[ptr : ptr + len(data)] = data
    return ptr


def object_bytes(runtime, ptr):
    """The bytes of the object at `ptr`: its length is the 32-bit `rtSize`
    of the header, 4 bytes before `ptr`. Read at once, before the guest can
    allocate (and collect) again."""
    memory = runtime.get_memory(0)
    (length,) = struct.unpack_from("<I", memory, ptr - 4)
    check_range("the object's header", ptr, length, len(memory))
    return bytes(memory[ptr : ptr + length])
# ANCHOR_END: as_objects


def c_string_at(runtime, ptr):
    """What `strlen` and friends see at `ptr`: the bytes up to the first 0."""
    memory = runtime.get_memory(0)
    return bytes(memory[ptr:]).split(b"\0", 1)[0]


class AssemblyScriptStrings(unittest.TestCase):
    def test_a_string_read_as_a_c_string_stops_after_one_letter(self):
        runtime = load_assemblyscript("CH13_AS_STRINGS")
        text = new_object(runtime, "hello".encode("utf-16-le"), STRING_ID)
        result = runtime.find_function("shout")(text)
        self.assertEqual(c_string_at(runtime, result), b"H")
        runtime.find_function("__unpin")(text)

    # ANCHOR: as_strings
    def test_a_string_is_utf16_with_its_length_in_the_header(self):
        runtime = load_assemblyscript("CH13_AS_STRINGS")
        text = new_object(runtime, "hello".encode("utf-16-le"), STRING_ID)
        result = runtime.find_function("shout")(text)
        self.assertEqual(object_bytes(runtime, result).decode("utf-16-le"), "HELLO")
        runtime.find_function("__unpin")(text)

    def test_utf8_in_and_out_through_array_buffers(self):
        runtime = load_assemblyscript("CH13_AS_STRINGS")
        data = new_object(runtime, "héllo".encode("utf-8"), ARRAY_BUFFER_ID)
        result = runtime.find_function("shoutUtf8")(data)
        self.assertEqual(object_bytes(runtime, result).decode("utf-8"), "HÉLLO")
        runtime.find_function("__unpin")(data)
    # ANCHOR_END: as_strings

    def test_what_the_card_shows(self):
        runtime = load_assemblyscript("CH13_AS_STRINGS")
        text = new_object(runtime, "hello".encode("utf-16-le"), STRING_ID)
        result = runtime.find_function("shout")(text)
        lines = [
            f"shout('hello') read as a C string: {c_string_at(runtime, result)!r}",
            f"shout('hello') with the header's length: {object_bytes(runtime, result)!r}",
            f"  as UTF-16LE: {object_bytes(runtime, result).decode('utf-16-le')!r}",
        ]
        runtime.find_function("__unpin")(text)
        data = new_object(runtime, "héllo".encode("utf-8"), ARRAY_BUFFER_ID)
        result = runtime.find_function("shoutUtf8")(data)
        lines.append(f"shoutUtf8(ArrayBuffer of 'héllo'): {object_bytes(runtime, result).decode('utf-8')!r}")
        runtime.find_function("__unpin")(data)
        expect_file("atlas-hosts/wasm3-assemblyscript.txt", "\n".join(lines) + "\n")


if __name__ == "__main__":
    unittest.main()
