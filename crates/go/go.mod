// The book's Go packages for guests (and, later, hosts). Not published yet:
// until it is, depend on it with a `replace` directive pointing at this folder.
module example.com/wasm-memory-book/go

go 1.24
