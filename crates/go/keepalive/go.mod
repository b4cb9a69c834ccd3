// keepalive: a Go or TinyGo wasm guest hands buffers to its host without
// the garbage collector reclaiming them first. No dependencies. Not
// published yet: until it is, depend on it with a `replace` directive
// pointing at a copy of this folder (see README.md).
module example.com/wasm-memory-book/go/keepalive

go 1.24
