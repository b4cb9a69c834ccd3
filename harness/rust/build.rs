//! Makes every chapter that `src/SUMMARY.md` lists a doctest module of this
//! crate (`OUT_DIR/chapters.rs`), so that `cargo test` runs every
//! ```` ```rust ```` block of the book. Only `SUMMARY.md` decides which
//! chapters there are, so editing a chapter's prose reruns nothing here:
//! rustdoc reads the chapter itself when it runs the doctests.

use std::path::PathBuf;
use std::{env, process};

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let summary = repo.join("src/SUMMARY.md");
    let out =
        PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("chapters.rs");
    let written = listing_builder::chapters::doctest_modules(&summary).and_then(|source| {
        std::fs::write(&out, source).map_err(|source| listing_builder::Error::Io {
            path: out.clone(),
            source,
        })
    });
    if let Err(error) = written {
        // Cargo shows a failing build script's stderr: the message, no panic.
        eprintln!("error: {error}");
        process::exit(1);
    }
    println!("cargo:rerun-if-changed={}", summary.display());
}
