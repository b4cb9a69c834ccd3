#!/bin/sh
# Runs the host: sh run.sh GUEST.wasm [NAME [ROUNDS]]
set -eu
exec node "$(dirname "$0")/host.mjs" "$@"
