#!/bin/sh
# Usage: sh run.sh GUEST.wasm [NAME [ROUNDS]], in this folder, after sh build.sh.
set -eu
./greet-host "$@"
