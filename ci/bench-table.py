"""Turns the output of the two round-trip benchmarks into the table chapters
8 and 11 show: `ci/bench-table.py RUST_OUTPUT_FILE GO_OUTPUT_FILE >
benchmarks/round-trip.md`.

RUST_OUTPUT_FILE is what `cargo bench -p book-listings --bench round_trip`
printed (divan), GO_OUTPUT_FILE what `go test -bench BenchmarkRoundTrip`
printed. Medians for divan; ns/op (a mean) for Go. Each row's ratio is to
the raw sequence of its own language at the same size, and the goals of the
utilities are checked below the table.
"""

import datetime
import os
import platform
import re
import sys

UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
SIZES = (16, 1 << 10, 64 << 10, 1 << 20, 16 << 20)
GO_SIZES = {"16B": 16, "1KiB": 1 << 10, "64KiB": 64 << 10, "1MiB": 1 << 20, "16MiB": 16 << 20}


def divan_medians(text):
    """{(bench, size): median in ns} from divan's tree output; size is None
    for a benchmark without arguments."""
    medians, bench = {}, None
    for line in text.splitlines():
        match = re.match(r"^[│ ]*[├╰]─ (\S+)(.*)$", line)
        if not match:
            continue
        name, rest = match.groups()
        columns = rest.split("│")
        if len(columns) >= 3 and columns[2].split():
            value, unit = columns[2].split()
            key = (bench, int(name)) if name.isdigit() else (name, None)
            medians[key] = float(value) * UNITS[unit]
        else:
            bench = name
    return medians


def go_means(text):
    """{(row, size): ns/op} from `go test -bench`."""
    means = {}
    for row, size, nanoseconds in re.findall(
        r"BenchmarkRoundTrip/(\w+)/(\w+)-\d+\s+\d+\s+([\d.]+) ns/op", text
    ):
        if size in GO_SIZES:
            means[(row, GO_SIZES[size])] = float(nanoseconds)
    return means


def show(nanoseconds):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if nanoseconds >= scale:
            return f"{nanoseconds / scale:.3g} {unit}"
    return f"{nanoseconds:.3g} ns"


def cpu():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def size_name(size):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size // scale} {unit}"
    return f"{size} B"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as rust_file, open(sys.argv[2]) as go_file:
        rust, go = divan_medians(rust_file.read()), go_means(go_file.read())
    # The bare call has no size: it is shown in the 16 B column.
    rust = {(name, 16 if size is None else size): time for (name, size), time in rust.items()}
    rows = [
        ("Rust: host copy (`to_vec`), the floor", rust, "memcpy", SIZES),
        ("Rust: raw wasmtime calls, no checks", rust, "raw_wasmtime", SIZES),
        ("Rust: `wasm-memory-host`, `Export::call_bytes`", rust, "utility", SIZES),
        ("Rust: a reused buffer, one call per round trip", rust, "reused", SIZES),
        ("Rust: one bare `TypedFunc` call of `noop`", rust, "bare", (16,)),
        ("Go: host copy (`append`), the floor", go, "copy", SIZES),
        ("Go: raw wazero calls, no checks", go, "raw", SIZES),
        ("Go: `wazerohost`, `Export.CallBytes`", go, "utility", SIZES),
        ("Go: a reused buffer, one call per round trip", go, "reused", SIZES),
        ("Go: one bare call of `noop`", go, "bare", (16,)),
    ]
    missing = [(name, size) for _, source, name, sizes in rows for size in sizes if (name, size) not in source]
    if missing:
        sys.exit(f"bench-table.py: no result for {missing}; did a benchmark fail?")
    print(
        f"Measured by `ci/bench` on {datetime.date.today()}, {os.cpu_count()} cores ({cpu()}). "
        "Rust: medians from divan; Go: means from `go test -bench`. "
        "Each cell is the time of one round trip of that many bytes through the benchmark guest, "
        "and in brackets its ratio to the raw sequence of the same language.\n"
    )
    print("| Round trip | " + " | ".join(size_name(size) for size in SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for label, source, name, sizes in rows:
        raw = "raw_wasmtime" if source is rust else "raw"
        cells = []
        for size in SIZES:
            if size not in sizes:
                cells.append("")
                continue
            time = source[(name, size)]
            cells.append(f"{show(time)} ({time / source[(raw, size)]:.2f}×)")
        print(f"| {label} | " + " | ".join(cells) + " |")

    goals = [
        ("the Rust utility within 1.10× of raw wasmtime at every size",
         max(rust[("utility", n)] / rust[("raw_wasmtime", n)] for n in SIZES), 1.10),
        ("the reused buffer at 16 B within 2× of one bare call",
         rust[("reused", 16)] / rust[("bare", 16)], 2.0),
        ("the Go utility within 1.20× of raw wazero at every size",
         max(go[("utility", n)] / go[("raw", n)] for n in SIZES), 1.20),
    ]
    print("\n| Goal | Measured | Met |\n|---|---|---|")
    for goal, measured, limit in goals:
        print(f"| {goal} | {measured:.2f}× | {'yes' if measured <= limit else 'no'} |")


if __name__ == "__main__":
    main()
