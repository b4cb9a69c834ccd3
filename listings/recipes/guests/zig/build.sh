#!/bin/sh
# Builds greet.wasm, which imports nothing, from greet.zig with the Zig
# compiler from PyPI's ziglang, installed into .venv.
set -eu
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet -r requirements.txt
.venv/bin/python -m ziglang build-exe greet.zig -target wasm32-freestanding -fno-entry -rdynamic -O ReleaseSmall
