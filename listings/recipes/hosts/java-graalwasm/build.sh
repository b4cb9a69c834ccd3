#!/bin/sh
# Compiles GreetHost and copies the GraalWasm jars to target/lib.
# GraalWasm 25 needs Java 21 or later: Maven uses the JDK that JAVA_HOME
# names, or else the `java` on PATH.
set -eu
cd "$(dirname "$0")"
mvn -B -q package
