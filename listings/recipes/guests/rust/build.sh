#!/bin/sh
# Builds the guest twice: greet.wasm, which imports nothing, and
# greet-wasip1.wasm, for hosts that link WASI preview 1.
set -eu
cd "$(dirname "$0")"
cargo build --release --target wasm32-unknown-unknown
cargo build --release --target wasm32-wasip1
# Where cargo wrote them: ./target, unless CARGO_TARGET_DIR says otherwise.
target=$(cargo metadata --format-version 1 --no-deps |
  sed 's/.*"target_directory":"\([^"]*\)".*/\1/')
cp "$target/wasm32-unknown-unknown/release/greet_rust_guest.wasm" greet.wasm
cp "$target/wasm32-wasip1/release/greet_rust_guest.wasm" greet-wasip1.wasm
