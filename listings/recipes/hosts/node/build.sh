#!/bin/sh
# Nothing to compile: host.mjs runs as it is, with no dependencies. This
# only checks that `node` is Node 22 or later.
set -eu
node -e 'const major = Number(process.versions.node.split(".")[0]);
if (major < 22) { console.error(`error: host.mjs needs Node 22 or later, not ${process.version}`); process.exit(1); }'
