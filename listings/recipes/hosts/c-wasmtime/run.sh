#!/bin/sh
# Usage: sh run.sh GUEST.wasm [NAME [ROUNDS]]
set -eu
exec "$(dirname "$0")/greet-host" "$@"
