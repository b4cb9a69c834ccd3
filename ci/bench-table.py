"""Turns the output of the two round-trip benchmarks into the table the
utility's reference page shows: `ci/bench-table.py --rust RUST_FILE... --go
GO_FILE... > benchmarks/round-trip.md`; with `--instances FILE...`, the
output of the `instances` benchmark into `benchmarks/instances.md`; with
`--models RUST_FILE... --go GO_FILE...`, the output of the `models`
benchmark and of `go test -bench BenchmarkModels` into
`benchmarks/models.md`; with `--lifting RUST_FILE...`, the `lift_*` rows of
the same `models` benchmark into `benchmarks/lifting.md`; with `--streams
FILE...`, the output of the `streams` benchmark into
`benchmarks/streams.md` (these four are shown in src/reference-costs.md);
with `--recipes FILE...`, what `ci/recipes --bench` wrote (JSON) into the
recipes' table (`benchmarks/recipes.md`).

Each RUST_FILE is what one run of `cargo bench -p book-harness --bench
round_trip` printed (divan), each GO_FILE what one run of `go test -bench
BenchmarkRoundTrip` printed. Medians for divan; ns/op (a mean) for Go; with
several runs, each cell is the median of its runs. Each row's ratio is to
the raw sequence of its own language at the same size, and the goals of the
utilities are checked below the table.
"""

import datetime
import json
import os
import platform
import re
import statistics
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


def median_of(runs):
    """{key: median over runs} of the keys every run measured."""
    runs = list(runs)
    keys = set.intersection(*(set(run) for run in runs))
    return {key: statistics.median(run[key] for run in runs) for key in keys}


def divan_times(files, names, sizes):
    """{(benchmark, size): median over the runs} of divan's outputs in
    `files`; stops the table if any of `names` at any of `sizes` is missing."""
    times = median_of(divan_medians(open(name).read()) for name in files)
    missing = [(name, size) for name in names for size in sizes if (name, size) not in times]
    if missing:
        sys.exit(f"bench-table.py: no result for {missing}; did a benchmark fail?")
    return times


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


INSTANCE_ROWS = (
    ("one long-lived instance", "long_lived"),
    ("a new instance per request, default allocator", "fresh_on_demand"),
    ("a new instance per request, pooling allocator", "fresh_pooled"),
)
INSTANCE_SIZES = (0, 64 << 10, 8 << 20)


def instances_table(files):
    """Chapter 15's table: one request to the growing guest served three
    ways, each cell the median of the runs and its ratio to the long-lived
    instance at the same size."""
    times = divan_times(files, [name for _, name in INSTANCE_ROWS], INSTANCE_SIZES)
    print(
        f"Measured by `ci/bench` on {datetime.date.today()}, {os.cpu_count()} cores ({cpu()}), "
        f"{len(files)} runs; medians from divan, each cell the median of the runs. "
        "Each cell is the time of one request of that many bytes (`work_fresh`), "
        "and in brackets its ratio to the long-lived instance.\n"
    )
    print("| Served by | " + " | ".join("no bytes" if size == 0 else size_name(size) for size in INSTANCE_SIZES) + " |")
    print("|---|" + "---|" * len(INSTANCE_SIZES))
    for label, name in INSTANCE_ROWS:
        cells = [
            f"{show(times[(name, size)])} ({times[(name, size)] / times[('long_lived', size)]:.2f}×)"
            for size in INSTANCE_SIZES
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")


MODEL_SIZES = (16, 1 << 10, 64 << 10, 1 << 20)
BOTH = ("shout", "checksum")
MODEL_ROWS = (
    ("Rust: host copy (`to_vec`), the floor", "rust", "host_copy", BOTH),
    ("Rust: hand-written, raw wasmtime calls", "rust", "hand_written", BOTH),
    ("Rust: `wasm-memory-host`", "rust", "utility", BOTH),
    ("Rust: `wasm-memory-host`, the same work (the guest trusting the host's UTF-8, as the component's does)", "rust", "utility_trusting", ("shout",)),
    ("Rust: the Component Model, `bindgen!`", "rust", "component", BOTH),
    ("Rust: the component's core module, called by hand", "rust", "component_core", ("checksum",)),
    ("Go: host copy (`append`), the floor", "go", "host_copy", BOTH),
    ("Go: hand-written, raw wazero calls", "go", "raw_wazero", BOTH),
    ("Go: Extism's Go SDK", "go", "extism", BOTH),
)


def go_model_means(text):
    """{(operation_model, size): ns/op} from `go test -bench BenchmarkModels`."""
    return {
        (f"{operation}_{model}", int(size)): float(nanoseconds)
        for operation, model, size, nanoseconds in re.findall(
            r"BenchmarkModels/(\w+)/(\w+)/(\d+)-\d+\s+\d+\s+([\d.]+) ns/op", text
        )
    }


def models_tables(rust_files, go_files):
    """Chapter 17's tables: each operation in every model, each cell the
    median of the runs, with its ratios to the hand-written model and to the
    host copy of the same host language."""
    times = {
        "rust": median_of(divan_medians(open(name).read()) for name in rust_files),
        "go": median_of(go_model_means(open(name).read()) for name in go_files),
    }
    hand_written = {"rust": "hand_written", "go": "raw_wazero"}
    missing = [
        (language, f"{operation}_{model}", size)
        for _, language, model, operations in MODEL_ROWS
        for operation in operations
        for size in MODEL_SIZES
        if (f"{operation}_{model}", size) not in times[language]
    ]
    if missing:
        sys.exit(f"bench-table.py: no result for {missing}; did a benchmark fail?")
    print(
        f"Measured by `ci/bench` on {datetime.date.today()}, {os.cpu_count()} cores ({cpu()}), "
        f"{len(rust_files)} runs of each benchmark; each cell is the median of the runs. "
        "Rust: medians from divan; Go: means from `go test -bench`. "
        "Each cell is the time of one call with that many bytes of input, then in brackets "
        "its ratio to the hand-written model and to the host copy, both of the same host language."
    )
    for operation, what in (
        ("shout", "`shout`: a string in, a new string out"),
        ("checksum", "`checksum`: bytes in, a number out"),
    ):
        print(f"\n| {what} | " + " | ".join(size_name(size) for size in MODEL_SIZES) + " |")
        print("|---|" + "---|" * len(MODEL_SIZES))
        for label, language, model, operations in MODEL_ROWS:
            if operation not in operations:
                continue
            cells = []
            for size in MODEL_SIZES:
                time = times[language][(f"{operation}_{model}", size)]
                base = times[language][(f"{operation}_{hand_written[language]}", size)]
                copy = times[language][(f"{operation}_host_copy", size)]
                cells.append(f"{show(time)} ({time / base:.2f}× / {time / copy:.1f}×)")
            print(f"| {label} | " + " | ".join(cells) + " |")

    rust = times["rust"]
    print("\n| The utility against the Component Model | " + " | ".join(size_name(size) for size in MODEL_SIZES) + " |")
    print("|---|" + "---|" * len(MODEL_SIZES))
    for label, row, operation in (
        ("`shout`: utility time / component time", "shout_utility", "shout"),
        ("`shout`, the same work (the guest trusting the host's UTF-8)", "shout_utility_trusting", "shout"),
        ("`checksum`: utility time / component time", "checksum_utility", "checksum"),
    ):
        ratios = [rust[(row, size)] / rust[(f"{operation}_component", size)] for size in MODEL_SIZES]
        print(f"| {label} | " + " | ".join(f"{ratio:.2f}×" for ratio in ratios) + " |")


LIFTING_ROWS = (
    ("`shout`'s result as a `String`: a copy", "lift_result_string", None),
    ("`shout`'s result as a `WasmStr`, read after `call` (a freed block)", "lift_result_wasm_str", "lift_result_string"),
    ("bytes to a host import as a `Vec<u8>`: a copy, then summed", "lift_argument_vec", None),
    ("bytes to a host import as a `WasmList<u8>`, summed in place", "lift_argument_wasm_list", "lift_argument_vec"),
)


def lifting_table(files):
    """Chapter 16's borrowed lifting: each copy, and beside it the same call
    read in place, with its ratio to the copy."""
    times = divan_times(files, [name for _, name, _ in LIFTING_ROWS], MODEL_SIZES)
    print(
        f"Measured by `ci/bench` on {datetime.date.today()}, {os.cpu_count()} cores ({cpu()}), "
        f"{len(files)} runs of the `lift_*` rows of the `models` benchmark; medians from divan, "
        "each cell the median of the runs. Each cell is the time of one call with that many bytes, "
        "and, for a row read in place, in brackets its ratio to the copy above it.\n"
    )
    print("| Lifting on the host (wasmtime 48) | " + " | ".join(size_name(size) for size in MODEL_SIZES) + " |")
    print("|---|" + "---|" * len(MODEL_SIZES))
    for label, name, copy in LIFTING_ROWS:
        cells = []
        for size in MODEL_SIZES:
            time = times[(name, size)]
            ratio = "" if copy is None else f" ({time / times[(copy, size)]:.2f}×)"
            cells.append(f"{show(time)}{ratio}")
        print(f"| {label} | " + " | ".join(cells) + " |")


STREAM_ROWS = (
    ("hand-written: raw wasmtime calls (allocate, write, call, free)", "checksum_hand_written"),
    ("`list<u8>`: the bytes whole, lowered by wasmtime", "checksum_list"),
    ("`stream<u8>`, read into a 4 KiB buffer", "checksum_stream_4k"),
    ("`stream<u8>`, read into a 64 KiB buffer", "checksum_stream_64k"),
)


def streams_table(files):
    """Chapter 16's streams: the same bytes summed by a guest, handed over
    three ways, each cell the median of the runs, with its ratios to the
    hand-written calls and to the `list<u8>`."""
    times = divan_times(files, [name for _, name in STREAM_ROWS], MODEL_SIZES)
    print(
        f"Measured by `ci/bench` on {datetime.date.today()}, {os.cpu_count()} cores ({cpu()}), "
        f"{len(files)} run{'s' if len(files) != 1 else ''} of the `streams` benchmark; medians from divan, each cell the median of "
        "the runs. Each cell is the time of one `checksum` of that many bytes (the guest sums them, "
        "a number comes back), then in brackets its ratio to the hand-written calls and to the "
        "`list<u8>`.\n"
    )
    print("| `checksum`: bytes in, a number out | " + " | ".join(size_name(size) for size in MODEL_SIZES) + " |")
    print("|---|" + "---|" * len(MODEL_SIZES))
    for label, name in STREAM_ROWS:
        cells = []
        for size in MODEL_SIZES:
            time = times[(name, size)]
            hand = times[("checksum_hand_written", size)]
            listed = times[("checksum_list", size)]
            cells.append(f"{show(time)} ({time / hand:.2f}× / {time / listed:.2f}×)")
        print(f"| {label} | " + " | ".join(cells) + " |")


def recipes_table(files):
    """The recipes' table: one round trip of `greet` under every host, on
    three guests, with its ratio to wasmtime from Rust on the same guest."""
    runs = [json.load(open(name)) for name in files]
    first = runs[0]
    medians = median_of(
        {(host, guest): ns for host, by_guest in run["ns"].items() for guest, ns in by_guest.items()}
        for run in runs
    )
    baseline = first["hosts"][0]
    print(
        f"Measured by `ci/bench` on {datetime.date.today()}, {os.cpu_count()} cores ({cpu()}), "
        f"{len(files)} runs of `ci/recipes --bench`; each cell is the median of the runs. "
        f"Each run times {first['rounds']} round trips of `greet` (allocate, write the name, call, "
        "free the name, check, copy out, free the greeting) on one instance, with the host's "
        f"own clock, and divides; in brackets, its ratio to {baseline} on the same guest. "
        "A blank cell: the host does not run that guest (see the matrix).\n"
    )
    print("| Host | " + " | ".join(first["guests"]) + " |")
    print("|---|" + "---|" * len(first["guests"]))
    for host in first["hosts"]:
        cells = []
        for guest in first["guests"]:
            time = medians.get((host, guest))
            base = medians.get((baseline, guest))
            cells.append("" if time is None or base is None else f"{show(time)} ({time / base:.2f}×)")
        print(f"| {host} | " + " | ".join(cells) + " |")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--recipes"] and len(args) > 1:
        recipes_table(args[1:])
        return
    if args[:1] == ["--lifting"] and len(args) > 1:
        lifting_table(args[1:])
        return
    if args[:1] == ["--streams"] and len(args) > 1:
        streams_table(args[1:])
        return
    if args[:1] == ["--instances"] and len(args) > 1:
        instances_table(args[1:])
        return
    if args[:1] == ["--models"] and "--go" in args:
        rust_files = args[1 : args.index("--go")]
        go_files = args[args.index("--go") + 1 :]
        if not rust_files or not go_files:
            sys.exit(__doc__)
        models_tables(rust_files, go_files)
        return
    if "--rust" not in args or "--go" not in args or args.index("--rust") > args.index("--go"):
        sys.exit(__doc__)
    rust_files = args[args.index("--rust") + 1 : args.index("--go")]
    go_files = args[args.index("--go") + 1 :]
    if not rust_files or not go_files:
        sys.exit(__doc__)
    rust = median_of(divan_medians(open(name).read()) for name in rust_files)
    go = median_of(go_means(open(name).read()) for name in go_files)
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
        f"Measured by `ci/bench` on {datetime.date.today()}, {os.cpu_count()} cores ({cpu()}), "
        f"{len(rust_files)} runs of each benchmark; each cell is the median of the runs. "
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
