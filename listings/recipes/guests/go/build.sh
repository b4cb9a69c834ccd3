#!/bin/sh
# Builds greet.wasm: a WASI reactor (it exports _initialize, not _start)
# exporting memory, allocate, deallocate and greet. Needs Go 1.24 or later.
set -eu
cd "$(dirname "$0")"
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o greet.wasm .

# With TinyGo (cited, not run here): TinyGo 0.36 or later, the first to
# support Go 1.24, which go.mod names (//go:wasmexport came in 0.34):
#
#   tinygo build -target=wasip1 -buildmode=c-shared -o greet.wasm .
#
# -buildmode=c-shared makes the reactor (_initialize, no _start); add
# -scheduler=none for faster calls if the guest starts no goroutines.
# Sources: https://github.com/tinygo-org/tinygo/pull/4451 (//go:wasmexport
# and c-shared on wasip1, TinyGo 0.34.0) and
# https://github.com/tinygo-org/tinygo/pull/4769 (0.36.0, Go 1.24); TinyGo's
# WASI guide, https://tinygo.org/docs/guides/webassembly/wasi/, does not
# cover reactors yet.
