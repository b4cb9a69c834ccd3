// wazerohost: the host side of sharing memory with wasm guests, for Go
// hosts on wazero. A module of its own, so that Go guests, which use the
// sibling keepalive module, do not depend on wazero. Not published yet:
// see README.md for how to depend on it.
module example.com/wasm-memory-book/go/wazerohost

go 1.25.0

require github.com/tetratelabs/wazero v1.12.0

require golang.org/x/sys v0.44.0 // indirect
