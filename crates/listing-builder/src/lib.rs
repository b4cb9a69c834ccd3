//! Builds the book's listings to wasm and writes the manifest that every
//! test, script and widget finds them through.
//!
//! Data flows one way:
//!
//! ```text
//! listings/chNN-chapter/entry  --discover-->  Listing  --kind.build-->  Artifact
//!                                                   \--> manifest (artifacts.json) --> tests, ci/, widgets
//! ```
//!
//! - `layout` finds the listings by their place in the tree and refuses
//!   anything that does not fit, with every problem in one error;
//! - each kind of listing is one module of `kinds` (a Rust crate, a Go
//!   package, an AssemblyScript file, a `.wat` file), which recognizes its
//!   listings and builds them; the kinds build in parallel, one thread
//!   each;
//! - [`Manifest`] is the result: every artifact by the name of its Rust
//!   constant, written as JSON beside the artifacts, and the Rust source of the
//!   constants;
//! - [`Build::inputs`] are the files the artifacts were made from, for
//!   `cargo:rerun-if-changed`, so that nothing else triggers a rebuild;
//! - [`chapters`] turns the chapters `SUMMARY.md` lists into doctest modules.
//!
//! The book's `crates/book-artifacts/build.rs` is the one caller of
//! [`build`]; the lint (`crates/book-lint`) calls [`discover`].

pub mod chapters;
mod command;
mod error;
mod freshness;
mod kinds;
mod layout;
mod manifest;
#[cfg(test)]
mod test_support;
pub mod tools;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use error::{Error, MissingTool};
pub use layout::Listing;
pub use manifest::{Artifact, ListingEntry, Manifest};
pub use tools::{Tool, Tools};

/// Where the listings are, where their artifacts go, and with what.
#[derive(Debug)]
pub struct Config {
    /// The repository root: sources in the manifest are relative to it.
    pub repo_root: PathBuf,
    /// `listings/`: one folder per chapter, a cargo workspace and a Go module.
    pub listings_dir: PathBuf,
    /// Where the artifacts and the manifest are written: one folder that
    /// every build of the book shares (`target/book-artifacts`), whatever
    /// `OUT_DIR` cargo gives the build script, so that every command sees
    /// one manifest and an artifact is built once.
    pub artifacts_dir: PathBuf,
    /// The nested cargo build's own target folder: a cache, shared by every
    /// build of the book, so the guests compile once.
    pub cargo_target_dir: PathBuf,
    /// The compilers, where they are and which versions are pinned.
    pub tools: Tools,
}

/// What [`build`] produced.
#[derive(Debug)]
pub struct Build {
    /// Every listing and artifact; also written to [`Build::manifest_path`].
    pub manifest: Manifest,
    /// `<artifacts_dir>/artifacts.json`.
    pub manifest_path: PathBuf,
    /// Every file the artifacts were built from, and the folders whose
    /// contents decide which listings exist.
    pub inputs: BTreeSet<PathBuf>,
}

/// What one kind of listing produced.
#[derive(Debug, Default)]
pub(crate) struct Built {
    pub artifacts: Vec<Artifact>,
    pub inputs: Vec<PathBuf>,
}

impl Built {
    /// The one artifact of `listing`, named after it, made from `inputs`.
    pub(crate) fn one(
        listing: &Listing,
        path: PathBuf,
        description: String,
        inputs: Vec<PathBuf>,
    ) -> Built {
        Built {
            artifacts: vec![Artifact {
                name: listing.constant(),
                path,
                source: listing.source.clone(),
                description,
            }],
            inputs,
        }
    }
}

/// Runs `build` on each of `items`, each on a thread of its own, and
/// returns all they built, or every error.
pub(crate) fn build_in_parallel<T: Sync>(
    items: &[T],
    build: impl Fn(&T) -> Result<Built, Error> + Sync,
) -> Result<Built, Error> {
    let results: Vec<Result<Built, Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .iter()
            .map(|item| scope.spawn(|| build(item)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(Error::Internal("a build thread panicked".to_owned())))
            })
            .collect()
    });
    let mut built = Built::default();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(one) => {
                built.artifacts.extend(one.artifacts);
                built.inputs.extend(one.inputs);
            }
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(built)
    } else {
        Err(Error::all(errors))
    }
}

/// Every listing under `listings_dir`, found by its place in the tree,
/// without building any: what the book's lint reads, with no compiler.
///
/// # Errors
///
/// [`Error::Layout`] with every entry that does not fit the layout, or an
/// I/O error.
pub fn discover(listings_dir: &Path, repo_root: &Path) -> Result<Vec<Listing>, Error> {
    layout::discover(listings_dir, repo_root)
}

/// Discovers every listing, builds each kind on a thread of its own, and
/// writes the manifest into `config.artifacts_dir`.
///
/// # Errors
///
/// Every layout problem at once, a missing or wrong tool (with the script
/// that installs it), or a compiler that failed (with its command line and
/// its output). When several kinds fail, all their errors.
pub fn build(config: &Config) -> Result<Build, Error> {
    let listings = layout::discover(&config.listings_dir, &config.repo_root)?;
    let mut inputs = layout::inputs(&config.listings_dir);

    let by_kind: Vec<(&dyn kinds::Kind, Vec<&Listing>)> = kinds::KINDS
        .iter()
        .map(|kind| {
            let mine = listings
                .iter()
                .filter(|listing| listing.kind == kind.name())
                .collect();
            (*kind, mine)
        })
        .filter(|(_, mine): &(_, Vec<_>)| !mine.is_empty())
        .collect();
    let built = build_in_parallel(&by_kind, |(kind, mine)| kind.build(mine, config))?;
    inputs.extend(built.inputs);

    let manifest = Manifest::new(&listings, built.artifacts)?;
    std::fs::create_dir_all(&config.artifacts_dir).map_err(Error::io(&config.artifacts_dir))?;
    let manifest_path = config.artifacts_dir.join("artifacts.json");
    manifest.write(&manifest_path)?;
    Ok(Build {
        manifest,
        manifest_path,
        inputs,
    })
}
