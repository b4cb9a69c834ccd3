"""A Python host for a greet guest: python host.py GUEST.wasm [NAME [ROUNDS]].

The host allocates the name in the guest (allocate), writes it, calls
greet, frees the name (deallocate); the guest allocates the greeting, the
host copies it out and frees it.
"""

import sys
import time
from typing import NoReturn, TypeVar

from wasmtime import Engine, Func, Instance, Linker, Memory, Module, Store, Trap, WasiConfig, WasmtimeError

MAX_LEN = 1048576  # the most this host copies out of a guest: 1 MiB
T = TypeVar("T", Func, Memory)


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def export(instance: Instance, store: Store, name: str, kind: type[T]) -> T:
    item = instance.exports(store).get(name)
    if item is None:
        fail(f"the guest does not export `{name}`")
    if not isinstance(item, kind):
        fail(f"the guest's `{name}` is not a {'memory' if kind is Memory else 'function'}")
    return item


def reason(e: Exception) -> str:
    """wasmtime's message, a backtrace and then its cause: the cause, one line."""
    return str(e).split("Caused by:")[-1].strip().splitlines()[0]


def call(store: Store, func: Func, name: str, *args: int) -> int:
    """Calls an export; a trap becomes an error line, not a traceback."""
    try:
        return func(store, *args)
    except (Trap, WasmtimeError) as e:
        fail(f"{name} trapped: {reason(e)}")


def greet_in(path: str, name: str, rounds: int = 1) -> tuple[str, int]:
    """The greeting the guest at `path` makes for `name`, and the nanoseconds
    a round trip took (the mean of `rounds` of them, on one instance)."""
    engine = Engine()
    store = Store(engine)
    linker = Linker(engine)
    module = Module.from_file(engine, path)
    if any(i.module == "wasi_snapshot_preview1" for i in module.imports):
        linker.define_wasi()
        store.set_wasi(WasiConfig())  # no args, no environment, no files
    instance = linker.instantiate(store, module)

    memory = export(instance, store, "memory", Memory)
    allocate = export(instance, store, "allocate", Func)
    deallocate = export(instance, store, "deallocate", Func)
    greet = export(instance, store, "greet", Func)
    # A WASI reactor (Go, C) is initialised once, before any other export.
    initialize = instance.exports(store).get("_initialize")
    if initialize is not None:
        call(store, initialize, "_initialize")

    def round_trip() -> str:
        """One round trip: the name in, the greeting out."""
        data = name.encode("utf-8")
        # Wasm's i32 and i64 arrive as signed Python ints: masking reads them
        # as the unsigned numbers they stand for.
        name_ptr = call(store, allocate, "allocate", len(data)) & 0xFFFF_FFFF
        size = memory.data_len(store)
        if name_ptr + len(data) > size:  # Python ints do not overflow
            fail(f"allocate returned ptr={name_ptr} for len={len(data)}, outside the guest's memory of {size} bytes")
        memory.write(store, data, name_ptr)
        packed = call(store, greet, "greet", name_ptr, len(data)) & 0xFFFF_FFFF_FFFF_FFFF
        call(store, deallocate, "deallocate", name_ptr, len(data))  # the guest neither frees nor keeps its input

        ptr, length = packed & 0xFFFF_FFFF, packed >> 32  # (len << 32) | ptr
        if length > MAX_LEN:
            fail(f"greet returned len={length}, more than the {MAX_LEN} bytes this host accepts")
        size = memory.data_len(store)  # greet may have grown the memory
        if ptr + length > size:
            fail(f"greet returned ptr={ptr} len={length}, outside the guest's memory of {size} bytes")
        # read() copies the bytes out; it would clamp a range past the end, as
        # a slice does, which is one more reason for the check above.
        raw = bytes(memory.read(store, ptr, ptr + length))
        try:
            greeting = raw.decode("utf-8")  # strict: invalid bytes raise
        except UnicodeDecodeError:
            fail("greet returned bytes that are not valid UTF-8")
        call(store, deallocate, "deallocate", ptr, length)  # the guest's buffer, freed by its length
        return greeting

    # ROUNDS is for comparing hosts (the book's ci/bench uses it): it repeats
    # the round trip and times it. A reader can drop it and call round_trip().
    start = time.perf_counter_ns()  # monotonic
    for _ in range(rounds):
        greeting = round_trip()
    return greeting, (time.perf_counter_ns() - start) // rounds


def main() -> None:
    if len(sys.argv) not in (2, 3, 4):
        print("usage: python host.py GUEST.wasm [NAME [ROUNDS]]", file=sys.stderr)
        sys.exit(2)
    name = sys.argv[2] if len(sys.argv) >= 3 else "world"
    text = sys.argv[3] if len(sys.argv) == 4 else "1"
    if not text.isdecimal() or int(text) < 1:
        fail(f"ROUNDS must be a positive integer, not {text}")
    rounds = int(text)
    try:
        greeting, ns = greet_in(sys.argv[1], name, rounds)
    except (OSError, WasmtimeError, TypeError) as e:  # no such file, not wasm, a missing import, a wrong signature
        fail(reason(e))
    print(greeting)
    if rounds > 1:
        print(f"bench: {rounds} round trips, {ns} ns each", file=sys.stderr)


if __name__ == "__main__":
    main()
