//! Where listings are: `listings/chNN-chapter-slug/ENTRY`, where each entry
//! of a chapter folder is one listing, of the kind that recognizes it.
//!
//! Anything that does not fit is an error, never a silent skip: a listing
//! that is not built would be a listing that is not tested.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::kinds::KINDS;

/// Files of `listings/` itself: its cargo workspace and its Go module.
const WORKSPACE_FILES: [&str; 4] = ["Cargo.toml", "Cargo.lock", "go.mod", "go.sum"];

/// Complete projects a reader copies, built by their own `build.sh`
/// (`ci/recipes` runs them), never by this builder.
const RECIPES: &str = "recipes";

/// One listing of the book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// `ch03-passing-bytes-in`
    pub chapter: String,
    /// `allocate-deallocate`
    pub slug: String,
    /// The kind that recognized it: `rust`, `go`, `assemblyscript`, `wat`.
    pub kind: &'static str,
    /// The crate folder, package folder or file.
    pub path: PathBuf,
    /// [`Listing::path`] relative to the repository root, with `/`:
    /// `listings/ch03-passing-bytes-in/allocate-deallocate`.
    pub source: String,
}

impl Listing {
    /// `ch03-allocate-deallocate`: the cargo package name, and what the
    /// artifact names derive from.
    pub fn name(&self) -> String {
        // `ch03`: discovery only makes listings of chapters named like that.
        let number = self.chapter.get(..4).unwrap_or(&self.chapter);
        format!("{number}-{}", self.slug)
    }

    /// `ch03_allocate_deallocate`: the artifact's file stem.
    pub fn stem(&self) -> String {
        self.name().replace('-', "_")
    }

    /// `CH03_ALLOCATE_DEALLOCATE`: the name of the artifact's constant.
    pub fn constant(&self) -> String {
        self.stem().to_uppercase()
    }
}

/// Walks `listings_dir` and returns its listings, sorted by chapter and
/// slug.
///
/// # Errors
///
/// [`Error::Layout`] with every entry that does not fit the layout, or an
/// I/O error.
pub(crate) fn discover(listings_dir: &Path, repo_root: &Path) -> Result<Vec<Listing>, Error> {
    let mut problems = Vec::new();
    let mut listings = Vec::new();
    for chapter_dir in entries(listings_dir)? {
        let chapter = file_name(&chapter_dir);
        if chapter.starts_with('.')
            || WORKSPACE_FILES.contains(&chapter.as_str())
            || chapter == RECIPES
        {
            continue;
        }
        if chapter == "target" {
            // Cargo made it for a build of the workspace from another folder
            // (`--manifest-path`), which does not read its `.cargo/config.toml`.
            problems.push(format!(
                "`{}`: delete it, and build the listings from inside `listings/`, whose \
                 `.cargo/config.toml` puts their output outside the sources",
                relative(&chapter_dir, repo_root)
            ));
            continue;
        }
        if !chapter_dir.is_dir() || !is_chapter_name(&chapter) {
            problems.push(format!(
                "`{}`: listings are grouped in folders named like `ch03-passing-bytes-in`",
                relative(&chapter_dir, repo_root)
            ));
            continue;
        }
        for entry in entries(&chapter_dir)? {
            if file_name(&entry).starts_with('.') {
                continue;
            }
            match recognize(&entry) {
                Ok((kind, slug)) => {
                    let listing = Listing {
                        chapter: chapter.clone(),
                        slug,
                        kind: kind.name(),
                        source: relative(&entry, repo_root),
                        path: entry,
                    };
                    if !is_slug(&listing.slug) {
                        problems.push(format!(
                            "`{}`: name listings with lowercase letters, digits and `-`",
                            listing.source
                        ));
                    } else if let Err(problem) = kind.check_layout(&listing, listings_dir) {
                        problems.push(format!("`{}`: {problem}", listing.source));
                    } else {
                        listings.push(listing);
                    }
                }
                Err(problem) => {
                    problems.push(format!("`{}`: {problem}", relative(&entry, repo_root)));
                }
            }
        }
    }

    let mut by_name: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for listing in &listings {
        by_name
            .entry(listing.name())
            .or_default()
            .push(&listing.source);
    }
    for (name, sources) in by_name.iter().filter(|(_, sources)| sources.len() > 1) {
        problems.push(format!(
            "{} are all named `{name}`: their artifacts would collide",
            sources.join(" and ")
        ));
    }

    if problems.is_empty() {
        Ok(listings)
    } else {
        Err(Error::Layout(problems))
    }
}

/// What decides which listings exist and what they are made of: cargo
/// watches a folder with everything in it, so the whole of `listings/`
/// (which holds nothing but the listings' sources and their workspace
/// files: [`discover`] refuses anything else). A new listing is noticed; an
/// edit to one rebuilds only that one (the kinds skip fresh artifacts).
pub(crate) fn inputs(listings_dir: &Path) -> BTreeSet<PathBuf> {
    BTreeSet::from([listings_dir.to_owned()])
}

/// The one kind that recognizes `entry`, and the slug it gives it.
fn recognize(entry: &Path) -> Result<(&'static dyn crate::kinds::Kind, String), String> {
    let matches: Vec<_> = KINDS
        .iter()
        .filter_map(|kind| kind.recognize(entry).map(|slug| (*kind, slug)))
        .collect();
    match matches.as_slice() {
        [(kind, slug)] => Ok((*kind, slug.clone())),
        [] => Err(format!(
            "not a listing; a listing is {}",
            KINDS
                .iter()
                .map(|kind| kind.looks_like())
                .collect::<Vec<_>>()
                .join(", or ")
        )),
        several => Err(format!(
            "looks like listings of several kinds ({}); keep one",
            several
                .iter()
                .map(|(kind, _)| kind.name())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The entries of a folder, sorted.
pub(crate) fn entries(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut entries = fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .map(|entry| entry.map(|entry| entry.path()).map_err(Error::io(dir)))
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort();
    Ok(entries)
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `path` relative to `root`, with `/`, for messages and the manifest.
fn relative(path: &Path, root: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `ch03-passing-bytes-in`: `ch`, two digits, `-`, a slug.
pub(crate) fn is_chapter_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() > 5
        && name.starts_with("ch")
        && bytes[2].is_ascii_digit()
        && bytes[3].is_ascii_digit()
        && bytes[4] == b'-'
        && is_slug(&name[5..])
}

fn is_slug(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{WORKSPACE, tree};

    fn discover_in(root: &tempfile::TempDir) -> Result<Vec<Listing>, Error> {
        discover(&root.path().join("listings"), root.path())
    }

    fn problems(root: &tempfile::TempDir) -> Vec<String> {
        match discover_in(root) {
            Err(Error::Layout(problems)) => problems,
            other => panic!("expected layout problems, got {other:?}"),
        }
    }

    #[test]
    fn finds_every_kind_by_its_place_in_the_tree() {
        let root = tree(&[
            ("listings/Cargo.toml", WORKSPACE),
            ("listings/go.mod", "module example.com/listings\n"),
            ("listings/.cargo/config.toml", ""),
            ("listings/ch03-bytes-in/sum-bytes/Cargo.toml", ""),
            ("listings/ch03-bytes-in/sum-bytes/src/lib.rs", ""),
            ("listings/ch04-bytes-out/packing.wat", "(module)"),
            ("listings/ch06-gc/as-greeter.ts", ""),
            ("listings/ch06-gc/go-greeter/main.go", "package main\n"),
            ("listings/ch06-gc/.notes.swp", ""),
            ("listings/recipes/guests/c/greet.c", ""),
        ]);
        let found: Vec<(String, &str, String, String)> = discover_in(&root)
            .unwrap()
            .into_iter()
            .map(|l| (l.name(), l.kind, l.constant(), l.source))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "ch03-sum-bytes",
                    "rust",
                    "CH03_SUM_BYTES",
                    "listings/ch03-bytes-in/sum-bytes"
                ),
                (
                    "ch04-packing",
                    "wat",
                    "CH04_PACKING",
                    "listings/ch04-bytes-out/packing.wat"
                ),
                (
                    "ch06-as-greeter",
                    "assemblyscript",
                    "CH06_AS_GREETER",
                    "listings/ch06-gc/as-greeter.ts"
                ),
                (
                    "ch06-go-greeter",
                    "go",
                    "CH06_GO_GREETER",
                    "listings/ch06-gc/go-greeter"
                ),
            ]
            .map(|(a, b, c, d)| (a.to_owned(), b, c.to_owned(), d.to_owned()))
        );
    }

    #[test]
    fn refuses_what_does_not_fit_and_says_all_of_it_at_once() {
        let root = tree(&[
            ("listings/Cargo.toml", WORKSPACE),
            ("listings/README.md", ""),
            ("listings/target/release/x.wasm", ""),
            ("listings/chapter-three/x.wat", ""),
            ("listings/ch03-bytes-in/notes.txt", ""),
            ("listings/ch03-bytes-in/Sum_Bytes.wat", ""),
            ("listings/ch03-bytes-in/empty-folder/.keep", ""),
        ]);
        assert_eq!(
            problems(&root),
            [
                "`listings/README.md`: listings are grouped in folders named like `ch03-passing-bytes-in`",
                "`listings/ch03-bytes-in/Sum_Bytes.wat`: name listings with lowercase letters, digits and `-`",
                "`listings/ch03-bytes-in/empty-folder`: not a listing; a listing is a folder with a \
                 `Cargo.toml` (a Rust crate), or a folder of `.go` files (a Go `main` package), or a \
                 `.ts` file (AssemblyScript), or a `.wat` file (the text format)",
                "`listings/ch03-bytes-in/notes.txt`: not a listing; a listing is a folder with a \
                 `Cargo.toml` (a Rust crate), or a folder of `.go` files (a Go `main` package), or a \
                 `.ts` file (AssemblyScript), or a `.wat` file (the text format)",
                "`listings/chapter-three`: listings are grouped in folders named like `ch03-passing-bytes-in`",
                "`listings/target`: delete it, and build the listings from inside `listings/`, whose \
                 `.cargo/config.toml` puts their output outside the sources",
            ]
        );
    }

    #[test]
    fn two_listings_with_one_name_collide() {
        let root = tree(&[
            ("listings/ch04-bytes-out/packing.wat", ""),
            ("listings/ch04-bytes-out/packing.ts", ""),
            ("listings/ch04-other-name/packing.wat", ""),
        ]);
        assert_eq!(
            problems(&root),
            [
                "listings/ch04-bytes-out/packing.ts and listings/ch04-bytes-out/packing.wat and \
              listings/ch04-other-name/packing.wat are all named `ch04-packing`: their artifacts \
              would collide"
            ]
        );
    }

    #[test]
    fn a_folder_of_two_kinds_is_refused() {
        let root = tree(&[
            ("listings/Cargo.toml", WORKSPACE),
            ("listings/ch03-bytes-in/both/Cargo.toml", ""),
            ("listings/ch03-bytes-in/both/main.go", ""),
        ]);
        assert_eq!(
            problems(&root),
            [
                "`listings/ch03-bytes-in/both`: looks like listings of several kinds (rust, go); keep one"
            ]
        );
    }

    #[test]
    fn chapter_names() {
        assert!(is_chapter_name("ch03-passing-bytes-in"));
        assert!(!is_chapter_name("ch3-passing"));
        assert!(!is_chapter_name("ch03-"));
        assert!(!is_chapter_name("ch03_passing"));
        assert!(!is_chapter_name("ch03-Passing"));
    }
}
