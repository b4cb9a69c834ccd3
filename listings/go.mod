// The Go listings: one `main` package per listing folder, compiled for wasip1
// by crates/book-listings/build.rs. Sources must also be valid TinyGo 0.34+.
module example.com/wasm-memory-book/listings

go 1.24

require example.com/wasm-memory-book/go v0.0.0

replace example.com/wasm-memory-book/go => ../crates/go
