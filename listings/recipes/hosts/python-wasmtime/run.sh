#!/bin/sh
# Runs the host: sh run.sh GUEST.wasm [NAME [ROUNDS]] (after sh build.sh)
set -eu
here="$(dirname "$0")"
exec "$here/.venv/bin/python" "$here/host.py" "$@"
