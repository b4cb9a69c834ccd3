#!/bin/sh
# Builds greet.wasm, a WASI reactor, from greet.c with the C compiler
# that PyPI's ziglang ships (clang and wasi-libc), installed into .venv.
set -eu
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet -r requirements.txt
.venv/bin/python -m ziglang cc --target=wasm32-wasi -mexec-model=reactor -Os -s -Wall -Wextra -o greet.wasm greet.c
