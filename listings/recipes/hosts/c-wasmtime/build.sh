#!/bin/sh
# Builds wasmtime's C API as a static library (cargo, which also copies its
# headers into include/), then links it into the host (cc).
set -eu
cd "$(dirname "$0")"
cargo build --release --locked
# Where cargo wrote the library: ./target, unless CARGO_TARGET_DIR says otherwise.
target=$(cargo metadata --format-version 1 --no-deps |
  sed 's/.*"target_directory":"\([^"]*\)".*/\1/')
cc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude host.c \
  "$target/release/libwasmtime_static.a" -lpthread -ldl -lm -o greet-host
