//! The book's listings, compiled to wasm, and what the host tests share.
//!
//! `build.rs` compiles every listing under `listings/` and generates one path
//! constant per artifact, named after the listing: the crate
//! `listings/ch03-passing-bytes-in/allocate-deallocate` becomes
//! [`CH03_ALLOCATE_DEALLOCATE`]. Host code in the book loads them like this:
//!
//! ```
//! # extern crate book_listings;
//! # extern crate wasmtime;
//! let engine = wasmtime::Engine::default();
//! let module = wasmtime::Module::from_file(&engine, book_listings::CH03_ALLOCATE_DEALLOCATE)?;
//! assert!(module.get_export("allocate").is_some());
//! # Ok::<(), wasmtime::Error>(())
//! ```
//!
//! The host tests live in `tests/book/`, one module per chapter and one module
//! per listing inside it; a listing without a test module is a compile error.
//! The chapters themselves are doctests of this crate, so `cargo test` runs
//! every ```` ```rust ```` block of the book.

include!(concat!(env!("OUT_DIR"), "/listings.rs"));

/// The chapters of the book, compiled only as doctests.
mod chapters {
    include!(concat!(env!("OUT_DIR"), "/chapters.rs"));
}

pub mod assemblyscript;
pub mod expected_output;
pub mod go_guest;
pub mod round_trip;

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use wasmtime::{Engine, Instance, Module, Store, StoreLimits, StoreLimitsBuilder};

/// The size of a wasm page: memories grow by whole pages of 64 KiB.
pub const PAGE_SIZE: usize = 65_536;

/// The root of the repository, for tests that read the book's files.
pub fn repo_root() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The engine the shared modules of [`module`] are compiled for.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// Compiles a listing once per test process and hands out the compiled
/// module: a Go guest is 2 MB of wasm, which takes a moment to compile.
pub fn module(wasm_path: &str) -> wasmtime::Result<Module> {
    static MODULES: OnceLock<Mutex<BTreeMap<String, Module>>> = OnceLock::new();
    let modules = MODULES.get_or_init(Default::default);
    if let Some(module) = modules.lock().expect("not poisoned").get(wasm_path) {
        return Ok(module.clone());
    }
    let module = Module::from_file(engine(), wasm_path)?;
    modules
        .lock()
        .expect("not poisoned")
        .insert(wasm_path.to_owned(), module.clone());
    Ok(module)
}

/// Instantiates a listing that imports nothing, in a fresh store: the setup
/// the host tests share when it is not the point.
pub fn instantiate(wasm_path: &str) -> wasmtime::Result<(Store<()>, Instance)> {
    let module = module(wasm_path)?;
    let mut store = Store::new(engine(), ());
    let instance = Instance::new(&mut store, &module, &[])?;
    Ok((store, instance))
}

/// Like [`instantiate`], in a store whose memories may not grow past
/// `max_pages`: `memory.grow` beyond it returns -1, so allocators fail.
pub fn instantiate_with_memory_limit(
    wasm_path: &str,
    max_pages: usize,
) -> wasmtime::Result<(Store<StoreLimits>, Instance)> {
    let module = module(wasm_path)?;
    let limits = StoreLimitsBuilder::new()
        .memory_size(max_pages * PAGE_SIZE)
        .build();
    let mut store = Store::new(engine(), limits);
    store.limiter(|limits| limits);
    let instance = Instance::new(&mut store, &module, &[])?;
    Ok((store, instance))
}

/// Where hosts written in other languages (JavaScript, Go) find the compiled
/// listings: `target/book-artifacts.json`, an object from constant name to
/// path, such as `{"CH04_PACKED_RETURN": "/.../ch04_packed_return.wasm"}`.
/// The host tests of those languages read it through the environment
/// variable `BOOK_ARTIFACTS`.
pub fn artifacts_json_path() -> std::path::PathBuf {
    repo_root().join("target/book-artifacts.json")
}

/// Writes [`ARTIFACTS`] to [`artifacts_json_path`] and returns that path.
pub fn write_artifacts_json() -> std::io::Result<std::path::PathBuf> {
    let entries: Vec<String> = ARTIFACTS
        .iter()
        .map(|(name, path)| format!("  {name:?}: {path:?}"))
        .collect();
    let path = artifacts_json_path();
    std::fs::write(&path, format!("{{\n{}\n}}\n", entries.join(",\n")))?;
    Ok(path)
}
