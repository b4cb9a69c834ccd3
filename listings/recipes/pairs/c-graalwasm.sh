# The C guest under GraalWasm, from a Java host: build both, run one on the other.
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/c && sh build.sh)
(cd hosts/java-graalwasm && sh build.sh)
(cd hosts/java-graalwasm && sh run.sh ../../guests/c/greet.wasm "Ferris 🦀")
