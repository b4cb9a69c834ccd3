#!/bin/sh
# Makes a virtual environment in .venv with wasmtime-py, pinned in
# requirements.txt.
set -eu
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet -r requirements.txt
