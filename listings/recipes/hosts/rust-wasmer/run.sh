#!/bin/sh
# Usage: sh run.sh GUEST.wasm [NAME [ROUNDS]]
# Runs the host build.sh built: cargo knows where its target folder is.
set -eu
exec cargo run --manifest-path "$(dirname "$0")/Cargo.toml" --release --locked --quiet -- "$@"
