#!/bin/sh
# Builds greet-host. Needs Go 1.25 or later (wazero v1.12.0's floor); the
# modules come from the proxy, or offline from the module cache (fill it
# once with `go mod download`).
set -eu
cd "$(dirname "$0")"
go build -o greet-host .
