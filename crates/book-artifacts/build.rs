//! Builds every listing in `listings/` to wasm, with `crates/listing-builder`
//! (CONTRIBUTING.md describes the layout), into `target/book-artifacts/`,
//! and generates:
//!
//! - `target/book-artifacts/artifacts.json`: the manifest, every artifact
//!   by name, for the host rooms in other languages, the widgets and `ci/`
//!   (`book_artifacts::MANIFEST`, from the `BOOK_MANIFEST` this sets);
//! - `OUT_DIR/listings.rs`: the same as Rust constants (`CH03_SUM_BYTES`),
//!   and the `foreach_listing!` macro that makes a listing without a test a
//!   compile error.
//!
//! The artifacts go to one fixed folder rather than to `OUT_DIR`, which
//! cargo makes anew for each way of building (`check`, `clippy`, `test`,
//! `run`, and each choice of packages): there, every command sees the same
//! manifest, and an artifact whose inputs did not change is built once,
//! not once per command. Cargo reruns this only when an input of an
//! artifact changes: never for a chapter's prose.

use std::path::PathBuf;
use std::{env, fs, process};

use listing_builder::{Config, Error, Tools};

fn main() {
    if let Err(error) = run() {
        // Cargo shows a failing build script's stderr: the message, no panic.
        eprintln!("error: {error}");
        process::exit(1);
    }
}

fn run() -> Result<(), Error> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let repo = manifest_dir.join("../..");
    let repo = repo
        .canonicalize()
        .map_err(|source| Error::Io { path: repo, source })?;
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let pins = repo.join("ci/tools.env");
    let tools = Tools::from_env(&pins, "ci/setup")?;
    for var in tools.env_vars() {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let build = listing_builder::build(&Config {
        tools,
        listings_dir: repo.join("listings"),
        cargo_target_dir: repo.join("target/listings"),
        artifacts_dir: repo.join("target/book-artifacts"),
        repo_root: repo,
    })?;
    let path = out_dir.join("listings.rs");
    fs::write(&path, build.manifest.rust_source()).map_err(|source| Error::Io { path, source })?;
    for input in build.inputs.iter().chain([&pins]) {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    println!(
        "cargo:rustc-env=BOOK_MANIFEST={}",
        build.manifest_path.display()
    );
    Ok(())
}
