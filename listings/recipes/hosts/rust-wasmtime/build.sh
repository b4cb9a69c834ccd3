#!/bin/sh
# Builds the host (wasmtime, with Cranelift and WASI preview 1) in release
# mode, with the versions Cargo.lock pins.
set -eu
cd "$(dirname "$0")"
cargo build --release --locked
