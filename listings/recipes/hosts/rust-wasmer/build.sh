#!/bin/sh
# Builds the host (Wasmer, with the Singlepass compiler) in release mode, with
# the versions Cargo.lock pins.
set -eu
cd "$(dirname "$0")"
cargo build --release --locked
