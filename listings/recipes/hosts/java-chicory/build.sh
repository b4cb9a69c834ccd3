#!/bin/sh
# Compiles GreetHost and copies the Chicory jars to target/lib.
set -eu
cd "$(dirname "$0")"
mvn -B -q package
