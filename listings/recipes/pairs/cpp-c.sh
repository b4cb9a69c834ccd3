# The C++ guest under wasmtime's C API, from a C host: build both, run one on the other.
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/cpp && sh build.sh)
(cd hosts/c-wasmtime && sh build.sh)
(cd hosts/c-wasmtime && sh run.sh ../../guests/cpp/greet.wasm "Ferris 🦀")
