//! wasmtime's C API, built as a static library (`libwasmtime_static.a`): the
//! functions `wasm.h`, `wasi.h` and `wasmtime.h` declare. host.c links it.
pub use wasmtime_c_api::*;
