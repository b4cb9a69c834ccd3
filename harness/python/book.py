"""The helpers of the book's Python room.

The compiled listings, found through the artifact manifest that
BOOK_ARTIFACTS names (set it to what `ci/book-artifacts` prints); the checks
every host makes on a `(ptr, len)` a guest returns; and expected-output
files. Not a test file: unittest runs only `test_*.py`.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]

# The room's own guests, which no chapter shows: the atlas's answers to
# readers' questions about AssemblyScript and Zig.
GUESTS = pathlib.Path(__file__).resolve().parent / "guests"

# The pinned AssemblyScript compiler, which the listing builder uses too
# (ci/assemblyscript/package-lock.json pins it), run by BOOK_NODE or `node`.
ASC = os.environ.get(
    "BOOK_ASC", str(REPOSITORY / "ci/assemblyscript/node_modules/assemblyscript/bin/asc.js")
)

# The listing builder's flags (crates/listing-builder/src/kinds/assemblyscript.rs),
# without its JavaScript bindings.
ASC_FLAGS = ["--runtime", "incremental", "--exportRuntime", "--optimizeLevel", "2"]

def artifact_path(name):
    """The path of the artifact named like its Rust constant, such as `CH04_PACKED_RETURN`."""
    manifest = os.environ.get("BOOK_ARTIFACTS")
    if not manifest:
        raise RuntimeError(
            "BOOK_ARTIFACTS is not set: set it to the path of the artifact "
            "manifest, which `ci/book-artifacts` prints."
        )
    with open(manifest, encoding="utf-8") as file:
        artifacts = json.load(file)["artifacts"]
    if name not in artifacts:
        raise RuntimeError(f"{manifest} has no artifact named {name}")
    return artifacts[name]["path"]


def artifact(name):
    """The bytes of a compiled listing."""
    return pathlib.Path(artifact_path(name)).read_bytes()


def instantiate(name):
    """A fresh store, and the exports of the compiled listing named like its
    Rust constant, which imports nothing but, perhaps,
    `wasm_memory.report_error` (the book's checked allocator): that one is
    given, and its messages ignored."""
    import wasmtime  # here, not at the top: the room's other hosts do not need it

    store = wasmtime.Store()
    module = wasmtime.Module.from_file(store.engine, artifact_path(name))
    linker = wasmtime.Linker(store.engine)
    report_error = wasmtime.FuncType([wasmtime.ValType.i32(), wasmtime.ValType.i32()], [])
    linker.define_func("wasm_memory", "report_error", report_error, lambda ptr, length: None)
    return store, linker.instantiate(store, module).exports(store)


def _compile(command, output):
    """Runs a compiler that writes `output`, in the folder of `output` (where
    it may leave a cache), and returns the module's bytes; a failure shows
    the command and what the compiler printed."""
    folder = pathlib.Path(output).parent
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return pathlib.Path(output).read_bytes()


def compile_assemblyscript(name):
    """The bytes of `guests/<name>`, an AssemblyScript module, compiled as the
    listing builder compiles the chapters' (the incremental runtime, exported)."""
    with tempfile.TemporaryDirectory() as scratch:
        output = f"{scratch}/{pathlib.Path(name).stem}.wasm"
        node = os.environ.get("BOOK_NODE", "node")
        return _compile([node, ASC, str(GUESTS / name), *ASC_FLAGS, "--outFile", output], output)


def compile_zig(name):
    """The bytes of `guests/<name>`, a Zig module, built as the Zig recipe builds
    its guest: wasm32-freestanding, no entry point, every `export fn` exported."""
    with tempfile.TemporaryDirectory() as scratch:
        output = f"{scratch}/{pathlib.Path(name).stem}.wasm"
        command = [sys.executable, "-m", "ziglang", "build-exe", str(GUESTS / name)]
        command += ["-target", "wasm32-freestanding", "-fno-entry", "-rdynamic"]
        command += ["-O", "ReleaseSmall", f"-femit-bin={output}"]
        return _compile(command, output)


# ANCHOR: checks
# The most a host copies out of a guest for one result: larger claims are
# refused before anything is allocated.
MAX_RESULT_LEN = 1 << 20


class GuestLied(Exception):
    """A guest returned a `(ptr, len)` this host refuses to read."""


def unpack(packed):
    """Splits the book's packing, `(len << 32) | ptr`, into `(ptr, len)`.

    Runtimes hand an `i64` result to Python as a signed integer: a length of
    2 GiB or more makes it negative, and `>> 32` would then give a negative
    length that passes every check. Read it as unsigned first."""
    packed &= 0xFFFF_FFFF_FFFF_FFFF
    return packed & 0xFFFF_FFFF, packed >> 32


def check_range(export, ptr, length, memory_size):
    """Refuses a `(ptr, len)` that `export` returned unless it lies inside a
    memory of `memory_size` bytes and within MAX_RESULT_LEN, naming all four
    numbers. Python integers do not overflow, so `ptr + length` is exact."""
    if length > MAX_RESULT_LEN:
        raise GuestLied(
            f"{export} returned length {length}, over the limit of {MAX_RESULT_LEN} bytes"
        )
    if ptr + length > memory_size:
        raise GuestLied(
            f"{export} returned ptr {ptr}, len {length}: past the end of memory ({memory_size} bytes)"
        )


def decode(export, data):
    """The UTF-8 text of `data`, or an error that names `export`."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise GuestLied(f"{export} returned bytes that are not UTF-8: {error}") from None
# ANCHOR_END: checks


def expect_file(name, actual):
    """Fails unless `expected/<name>` holds exactly `actual`; with
    SNAPSHOTS=overwrite (as for the other rooms) it writes `actual` there."""
    file = REPOSITORY / "expected" / name
    if os.environ.get("SNAPSHOTS") == "overwrite":
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(actual, encoding="utf-8")
        return
    if not file.exists():
        raise AssertionError(
            f"expected/{name} does not exist: run with SNAPSHOTS=overwrite to write it"
        )
    expected = file.read_text(encoding="utf-8")
    if expected != actual:
        raise AssertionError(
            f"expected/{name} differs from this run (SNAPSHOTS=overwrite writes it):\n"
            f"--- expected\n{expected}\n--- actual\n{actual}"
        )


# ANCHOR: instantiate_wasi
def instantiate_wasi(store, name):
    """Instantiates a listing that imports WASI preview 1 (the Go guests) in
    `store`, with an empty WASI context, runs a reactor's `_initialize` as
    every room does, and returns its exports."""
    import wasmtime  # here, not at the top: the room's other hosts do not need it

    linker = wasmtime.Linker(store.engine)
    linker.define_wasi()
    store.set_wasi(wasmtime.WasiConfig())
    module = wasmtime.Module.from_file(store.engine, artifact_path(name))
    exports = linker.instantiate(store, module).exports(store)
    if "_initialize" in exports:
        exports["_initialize"](store)
    return exports
# ANCHOR_END: instantiate_wasi


def rust_debug(text):
    """`text` (a `str`, or bytes decoded as UTF-8) quoted as Rust's `{:?}`
    prints it, for expected files that every room writes alike: JSON's
    escapes, and NUL as `\\0`."""
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8")
    return json.dumps(text, ensure_ascii=False).replace("\\u0000", "\\0")
