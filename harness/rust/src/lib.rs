//! The book's Rust room: what the wasmtime host tests of the chapters
//! share, and the chapters themselves, as doctests.
//!
//! Every compiled listing is a path constant, re-exported from
//! `book-artifacts` (whose build script runs the listing builder): the crate
//! `listings/ch03-passing-bytes-in/allocate-deallocate` is
//! [`CH03_ALLOCATE_DEALLOCATE`]. [`instantiate`] instantiates any of them,
//! whatever its language; [`expected::assert_expected`] compares what a test
//! produced with a file of `expected/`, which the chapter shows. Host code
//! in the book starts like this:
//!
//! ```
//! # extern crate book_harness;
//! # extern crate wasmtime;
//! let (mut store, instance) = book_harness::instantiate(book_harness::CH03_ALLOCATE_DEALLOCATE)?;
//! assert!(instance.get_func(&mut store, "allocate").is_some());
//! # Ok::<(), wasmtime::Error>(())
//! ```
//!
//! The host tests live in `tests/chapters/`, one module per chapter and one
//! module per listing inside it; a listing without a test module is a
//! compile error. The chapters are doctests of this crate, so `cargo test`
//! runs every ```` ```rust ```` block of the book.

pub use book_artifacts::*;

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
