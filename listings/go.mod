// The Go listings: one `main` package per listing folder, compiled for wasip1
// by crates/listing-builder. Sources are written for TinyGo too: 0.36 or
// later, the first with Go 1.24 support (not installed here, so not run).
module example.com/wasm-memory-book/listings

go 1.24

require example.com/wasm-memory-book/go/keepalive v0.0.0

replace example.com/wasm-memory-book/go/keepalive => ../crates/go/keepalive
