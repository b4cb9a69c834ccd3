# The Go guest under wasmtime, from a Rust host: the same guest, another host.
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/go && sh build.sh)
(cd hosts/rust-wasmtime && sh build.sh)
(cd hosts/rust-wasmtime && sh run.sh ../../guests/go/greet.wasm "Ferris 🦀")
