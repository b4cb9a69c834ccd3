# The Zig guest under wazero, from a Go host: build both, run one on the other.
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/zig && sh build.sh)
(cd hosts/go-wazero && sh build.sh)
(cd hosts/go-wazero && sh run.sh ../../guests/zig/greet.wasm "Ferris 🦀")
