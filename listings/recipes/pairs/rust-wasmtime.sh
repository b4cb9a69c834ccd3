# The Rust guest under wasmtime, from a Rust host: build both, run one on the other.
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/rust && sh build.sh)
(cd hosts/rust-wasmtime && sh build.sh)
(cd hosts/rust-wasmtime && sh run.sh ../../guests/rust/greet.wasm "Ferris 🦀")
