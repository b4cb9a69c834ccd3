//! The book's listings, compiled to wasm, and what the host tests share.
//!
//! `build.rs` compiles every listing under `listings/` (with
//! `crates/listing-builder`) and generates one path constant per artifact,
//! named after the listing: the crate
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
//! Hosts in other languages find the same artifacts through [`MANIFEST`].
//! The host tests live in `tests/book/`, one module per chapter and one module
//! per listing inside it; a listing without a test module is a compile error.
//! The chapters themselves are doctests of this crate, so `cargo test` runs
//! every ```` ```rust ```` block of the book.

include!(concat!(env!("OUT_DIR"), "/listings.rs"));

/// The artifact manifest, `artifacts.json`: every artifact by the name of
/// its constant, with its path (`{"artifacts": {"CH04_PACKED_RETURN":
/// {"path": ...}}}`). The JavaScript and Go tests read it through the
/// environment variable `BOOK_ARTIFACTS`; `ci/book-artifacts` prints where it is.
pub const MANIFEST: &str = env!("BOOK_MANIFEST");

/// The chapters of the book, compiled only as doctests.
mod chapters {
    include!(concat!(env!("OUT_DIR"), "/chapters.rs"));
}

pub mod assemblyscript;
pub mod component;
pub mod expected;
mod host;
pub mod models;
pub mod recycling;
pub mod round_trip;
pub mod signatures;
pub mod soak;

pub use host::{Host, Setup, instantiate};

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use wasmtime::{Engine, Module};

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
