# The Zig guest under Wasmer, from a Rust host: build both, run one on the other.
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/zig && sh build.sh)
(cd hosts/rust-wasmer && sh build.sh)
(cd hosts/rust-wasmer && sh run.sh ../../guests/zig/greet.wasm "Ferris 🦀")
