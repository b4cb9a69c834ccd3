# The AssemblyScript guest in a browser: build the guest, copy it beside the page and
# serve the folder; then open http://localhost:8000/?name=Ferris%20🦀
# Run it in the folder that holds guests/ and hosts/, as in listings/recipes/.
set -eu
(cd guests/assemblyscript && sh build.sh)
(cd hosts/browser && sh serve.sh ../../guests/assemblyscript/greet.wasm)
