#!/bin/sh
# Usage: sh run.sh GUEST.wasm [NAME [ROUNDS]]    (after sh build.sh)
set -eu
here="$(dirname "$0")"
# Java decodes NAME from the command line with the locale's charset: under
# the C locale a name like "Ferris 🦀" would arrive as "Ferris ????".
case "$(locale charmap 2>/dev/null || true)" in
    UTF-8) ;;
    *) LC_ALL=C.UTF-8; export LC_ALL ;;
esac
exec java -cp "$here/target/classes:$here/target/lib/*" GreetHost "$@"
