//! The book's listings, compiled to wasm, and where each artifact is.
//!
//! `build.rs` compiles every listing under `listings/` (with
//! `crates/listing-builder`) and generates one path constant per artifact,
//! named after the listing: the crate
//! `listings/ch03-passing-bytes-in/allocate-deallocate` becomes
//! [`CH03_ALLOCATE_DEALLOCATE`], the path of `ch03_allocate_deallocate.wasm`.
//!
//! ```
//! let wasm = std::fs::read(book_artifacts::CH03_ALLOCATE_DEALLOCATE)?;
//! assert_eq!(&wasm[..4], b"\0asm");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Hosts in other languages find the same artifacts through [`MANIFEST`]:
//! the `book-artifacts` binary prints its path, which the Go, JavaScript and
//! browser rooms read from the environment variable `BOOK_ARTIFACTS`. This
//! crate depends on nothing but the builder, so that building every listing
//! (`ci/book-artifacts`) compiles no runtime.

include!(concat!(env!("OUT_DIR"), "/listings.rs"));

/// The artifact manifest, `artifacts.json`: every artifact by the name of
/// its constant, with its path (`{"artifacts": {"CH04_PACKED_RETURN":
/// {"path": ...}}}`), and every listing with its source.
pub const MANIFEST: &str = env!("BOOK_MANIFEST");

/// The root of the repository, for code that reads the book's files.
pub fn repo_root() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}
