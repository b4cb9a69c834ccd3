"""The helpers of the book's Python room.

The compiled listings, found through the artifact manifest that
BOOK_ARTIFACTS names (set it to what `ci/book-artifacts` prints); the checks
every host makes on a `(ptr, len)` a guest returns; and expected-output
files. Not a test file: unittest runs only `test_*.py`.
"""

import json
import os
import pathlib

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]

# The most a host copies out of a guest for one result: larger claims are
# refused before anything is allocated.
MAX_RESULT_LEN = 1 << 20


class GuestLied(Exception):
    """A guest returned a `(ptr, len)` this host refuses to read."""


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
