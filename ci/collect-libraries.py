"""Links the libraries of one cargo build into a folder, for `rustdoc -L`.

Reads cargo's `--message-format=json` messages on stdin and hard-links every
`.rlib` (and proc-macro `.so`) that the build produced or reused into the
folder named on the command line, after emptying it. One build has one copy
of each crate, so `extern crate wasmtime;` finds exactly one candidate.
"""

import json
import os
import shutil
import sys

LIBRARY_SUFFIXES = (".rlib", ".so")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: collect-libraries.py <folder>  (cargo JSON messages on stdin)")
    folder = sys.argv[1]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    count = 0
    for line in sys.stdin:
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact":
            continue
        for path in message.get("filenames", []):
            if not path.endswith(LIBRARY_SUFFIXES):
                continue
            destination = os.path.join(folder, os.path.basename(path))
            if os.path.exists(destination):
                continue
            try:
                os.link(path, destination)
            except OSError:
                shutil.copy2(path, destination)
            count += 1
    if count == 0:
        sys.exit("collect-libraries.py: cargo reported no libraries; did the build fail?")
    print(f"collected {count} libraries into {folder}", file=sys.stderr)


if __name__ == "__main__":
    main()
