# The C guest under wasmtime-py, from a Python host: build both, run one on the other.
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/c && sh build.sh)
(cd hosts/python-wasmtime && sh build.sh)
(cd hosts/python-wasmtime && sh run.sh ../../guests/c/greet.wasm "Ferris 🦀")
