// The book's Go host package, over wazero. A module of its own, so that Go
// guests, which use the sibling keepalive package, do not depend on wazero.
module example.com/wasm-memory-book/go/wazerohost

go 1.25.0

require github.com/tetratelabs/wazero v1.12.0

require golang.org/x/sys v0.44.0 // indirect
