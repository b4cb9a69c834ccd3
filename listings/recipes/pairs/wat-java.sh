# The hand-written WebAssembly text guest under Chicory, from a Java host.
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/wat && sh build.sh)
(cd hosts/java-chicory && sh build.sh)
(cd hosts/java-chicory && sh run.sh ../../guests/wat/greet.wasm "Ferris 🦀")
