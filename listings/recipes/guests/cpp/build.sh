#!/bin/sh
# Builds greet.wasm, a WASI reactor, from greet.cpp with the C++ compiler
# that PyPI's ziglang ships (clang, libc++ and wasi-libc), installed into .venv.
set -eu
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet -r requirements.txt
.venv/bin/python -m ziglang c++ --target=wasm32-wasi -mexec-model=reactor -fno-exceptions -Os -s -Wall -Wextra -o greet.wasm greet.cpp
