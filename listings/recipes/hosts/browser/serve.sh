#!/bin/sh
# Copies a guest into this folder as greet.wasm and serves the folder on
# http://localhost:8000/ (try http://localhost:8000/?name=Ferris), or on the
# port PORT names.
# Usage: sh serve.sh GUEST.wasm
set -eu
if [ $# -ne 1 ]; then
  echo "usage: sh serve.sh GUEST.wasm" >&2
  exit 2
fi
cp "$1" "$(dirname "$0")/greet.wasm"
cd "$(dirname "$0")"
python3 -m http.server "${PORT:-8000}" --bind 127.0.0.1
