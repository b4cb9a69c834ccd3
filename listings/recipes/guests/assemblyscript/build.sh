#!/bin/sh
# Installs the AssemblyScript compiler package-lock.json pins, then compiles
# assembly/index.ts to greet.wasm. `--use abort=...` puts the module's own
# abort in place of the `env.abort` import, so the module imports nothing.
set -eu
cd "$(dirname "$0")"
# npm's summary line ("added 3 packages in 2s") goes nowhere: this script
# prints nothing when it succeeds. Errors still reach the terminal.
npm ci --loglevel=error >/dev/null
npx asc assembly/index.ts --outFile greet.wasm --optimize --use abort=assembly/index/abort
