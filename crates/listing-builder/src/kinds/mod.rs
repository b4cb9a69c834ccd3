//! The kinds of listing. Each is one module: how to recognize a listing of
//! that kind in a chapter folder, and how to build all of them.
//!
//! A new kind (another language, a `.wat` file with a proposal) is a new
//! module implementing [`Kind`], one line in [`KINDS`], and unit
//! tests beside it like the ones here. Listings of one kind build in
//! parallel too, with `build_in_parallel`, unless the kind's compiler takes
//! them all at once (cargo does). A step that follows a kind's build for
//! some of its listings (wasm-bindgen's glue, a component) is a module too,
//! called by that kind.

mod assemblyscript;
mod component;
mod go;
mod rust_crate;
mod wasm_bindgen;
mod wat;

use std::path::Path;

use crate::{Built, Config, Error, Listing};

/// One kind of listing.
pub(crate) trait Kind: Sync {
    /// Its name in the manifest: `rust`, `go`, `assemblyscript`, `wat`.
    fn name(&self) -> &'static str;

    /// What a listing of this kind looks like, for layout errors: "a `.wat`
    /// file (the text format)".
    fn looks_like(&self) -> &'static str;

    /// If `entry` (a file or folder directly in a chapter folder) is a
    /// listing of this kind, its slug.
    fn recognize(&self, entry: &Path) -> Option<String>;

    /// Layout rules of this kind beyond the common ones, checked when the
    /// listings are discovered; the error is a sentence about `listing`.
    fn check_layout(&self, _listing: &Listing, _listings_dir: &Path) -> Result<(), String> {
        Ok(())
    }

    /// Builds every listing of this kind into `config.artifacts_dir`, skipping
    /// artifacts that are fresh where a build costs more than the check
    /// (`freshness`); returns them with the files they were built from.
    /// Runs on a thread of its own, beside the other kinds.
    fn build(&self, listings: &[&Listing], config: &Config) -> Result<Built, Error>;
}

/// Every kind, in the order layout errors list them.
pub(crate) static KINDS: &[&dyn Kind] = &[
    &rust_crate::RustCrate,
    &go::GoPackage,
    &assemblyscript::AssemblyScript,
    &wat::Wat,
];

/// `file.ext` gives `Some("file")` if `entry` is a file ending in `.ext`.
fn file_with_extension(entry: &Path, extension: &str) -> Option<String> {
    if !entry.is_file() || entry.extension()? != extension {
        return None;
    }
    Some(entry.file_stem()?.to_string_lossy().into_owned())
}

/// Where a kind puts its artifacts: `<artifacts_dir>/<kind>/`.
fn output_dir(config: &Config, kind: &str) -> Result<std::path::PathBuf, Error> {
    let dir = config.artifacts_dir.join(kind);
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    Ok(dir)
}
