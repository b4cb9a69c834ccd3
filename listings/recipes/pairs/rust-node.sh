# The Rust guest under Node: build the guest, run the host on it (Node runs
# host.mjs as it is; its build.sh only checks the version).
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/rust && sh build.sh)
(cd hosts/node && sh build.sh)
(cd hosts/node && sh run.sh ../../guests/rust/greet.wasm "Ferris 🦀")
