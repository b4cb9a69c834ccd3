#!/bin/sh
# Usage: sh run.sh GUEST.wasm [NAME [ROUNDS]]    (after sh build.sh)
# GraalWasm 25 needs Java 21 or later: the one JAVA_HOME names, or else the
# `java` on PATH.
set -eu
here="$(dirname "$0")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Java decodes NAME from the command line with the locale's charset: under
# the C locale a name like "Ferris 🦀" would arrive as "Ferris ????".
case "$(locale charmap 2>/dev/null || true)" in
    UTF-8) ;;
    *) LC_ALL=C.UTF-8; export LC_ALL ;;
esac
# Java 25 warns on stderr, at every start, that Truffle loads a native
# library and calls sun.misc.Unsafe; these two options allow both quietly.
# An older Java may not know the second one: -XX:+IgnoreUnrecognizedVMOptions
# lets it skip the option rather than refuse to start.
exec "$java" -XX:+IgnoreUnrecognizedVMOptions \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$here/target/classes:$here/target/lib/*" GreetHost "$@"
