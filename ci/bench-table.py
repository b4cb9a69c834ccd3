"""Turns the output of the two round-trip benchmarks into the table chapter 11
shows: `ci/bench-table.py RUST_OUTPUT_FILE GO_OUTPUT_FILE > benchmarks/round-trip.md`.

RUST_OUTPUT_FILE is what `cargo bench -p book-listings --bench round_trip`
printed (divan), GO_OUTPUT_FILE what `go test -bench BenchmarkRoundTrip`
printed. Medians for divan; ns/op (a mean) for Go.
"""

import datetime
import os
import platform
import re
import sys

UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
SIZES = (16, 1 << 20)


def divan_medians(text):
    """{(bench, size): median in ns} from divan's tree output."""
    medians, bench = {}, None
    for line in text.splitlines():
        match = re.match(r"^[│ ]*[├╰]─ (\S+)(.*)$", line)
        if not match:
            continue
        name, rest = match.groups()
        columns = rest.split("│")
        if name.isdigit() and len(columns) >= 3:
            value, unit = columns[2].split()
            medians[(bench, int(name))] = float(value) * UNITS[unit]
        else:
            bench = name
    return medians


def go_means(text):
    """{(engine, size): ns/op} from `go test -bench`."""
    means = {}
    for engine, size, nanoseconds in re.findall(r"BenchmarkRoundTrip/(\w+)/(\d+)-\d+\s+\d+\s+([\d.]+) ns/op", text):
        means[(engine, int(size))] = float(nanoseconds)
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


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as rust_file, open(sys.argv[2]) as go_file:
        rust, go = divan_medians(rust_file.read()), go_means(go_file.read())
    rows = [
        ("Rust: host copy (`to_vec`), the floor", rust, "memcpy"),
        ("Rust: raw wasmtime calls, no checks", rust, "raw_wasmtime"),
        ("Rust: `wasm-memory-host`, `Guest::call_bytes`", rust, "guest_call_bytes"),
        ("Go: host copy (`append`)", go, "copy"),
        ("Go: `wazerohost`, `CallBytes`, wazero compiler", go, "compiler"),
        ("Go: `wazerohost`, `CallBytes`, wazero interpreter", go, "interpreter"),
    ]
    missing = [(name, size) for _, source, name in rows for size in SIZES if (name, size) not in source]
    if missing:
        sys.exit(f"bench-table.py: no result for {missing}; did a benchmark fail?")
    print(
        f"Measured by `ci/bench` on {datetime.date.today()}, {os.cpu_count()} cores ({cpu()}). "
        "Rust: medians from divan; Go: means from `go test -bench`. "
        "Ratios are to the Rust host copy of the same bytes and to raw wasmtime calls.\n"
    )
    print("| Round trip through `greet` | 16 B | × copy | × raw wasmtime | 1 MiB | × copy | × raw wasmtime |")
    print("|---|---|---|---|---|---|---|")
    for label, source, name in rows:
        cells = []
        for size in SIZES:
            time = source[(name, size)]
            cells += [show(time), f"{time / rust[('memcpy', size)]:.1f}", f"{time / rust[('raw_wasmtime', size)]:.2f}"]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
