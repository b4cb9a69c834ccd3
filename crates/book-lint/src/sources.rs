//! Where the listings, the host rooms and the expected outputs are.

use std::path::Path;

use crate::book::{files_under, repo_root};

/// The book's host rooms: each runs the chapters' host code in one
/// language, with that language's own test runner. Chapters include their
/// files, and their tests name the expected outputs.
pub const ROOMS: [&str; 5] = [
    "harness/rust",
    "harness/go",
    "harness/js",
    "harness/browser",
    "harness/python",
];

/// The utilities: packages that stand alone, and read nothing of the book.
pub const UTILITIES: [&str; 5] = [
    "crates/wasm-memory-host",
    "crates/wasm-memory-guest",
    "crates/go/keepalive",
    "crates/go/wazerohost",
    "crates/wasm-memory-js",
];

/// Where the expected outputs are, one folder per chapter.
pub const EXPECTED_DIR: &str = "expected";

/// Every listing's source (`listings/ch03-passing-bytes-in/sum-bytes`),
/// found by its place in the tree as the builder finds it; no compiler
/// runs.
///
/// # Panics
///
/// When the tree does not fit the layout, with every problem.
pub fn listing_sources() -> Vec<String> {
    let root = repo_root();
    listing_builder::discover(&root.join("listings"), &root)
        .unwrap_or_else(|error| panic!("{error}"))
        .into_iter()
        .map(|listing| listing.source)
        .collect()
}

/// Every expected output, relative to `expected/`
/// (`ch08-a-small-utility/errors.txt`).
pub fn expected_files() -> Vec<String> {
    files_under(EXPECTED_DIR)
        .into_iter()
        .filter_map(|file| file.strip_prefix("expected/").map(str::to_owned))
        .collect()
}

/// Whether `file` is source code a test runner or the listing builder reads.
pub fn is_code(file: &str) -> bool {
    [".rs", ".go", ".mjs", ".wat", ".ts", ".py"]
        .iter()
        .any(|ending| file.ends_with(ending))
}

/// The runner of the recipes and its manifest, which name the recipes'
/// expected outputs.
pub const RECIPES_RUNNER: [&str; 2] = ["ci/recipes", "listings/recipes/recipes.toml"];

/// The code of every host room and of the recipes' runner, concatenated,
/// comments left out: where the expected outputs are named, each by the
/// test that compares it (a name in a comment compares nothing).
pub fn room_sources() -> String {
    let code = texts(
        ROOMS
            .iter()
            .flat_map(|room| files_under(room))
            .filter(|file| is_code(file))
            .chain(RECIPES_RUNNER.map(String::from)),
    );
    without_comment_lines(&code)
}

/// `text` without its lines that are comments in Rust, Go or JavaScript
/// (`//`, `///`, `//!`, and the `*` lines of a `/** */` block), or in
/// Python and TOML (`# `).
pub fn without_comment_lines(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let line = line.trim_start();
            !(line.starts_with("//")
                || line.starts_with("/*")
                || line.starts_with('*')
                || line.starts_with("# "))
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Whether `file` is code that a chapter may show: a utility's, a host
/// room's or the listing builder's (listings are checked apart).
pub fn is_shown_code(file: &str) -> bool {
    is_code(file)
        && UTILITIES
            .iter()
            .chain(&ROOMS)
            .chain(&["crates/listing-builder"])
            .any(|folder| file.starts_with(&format!("{folder}/")))
}

/// The texts of `files` (paths from the repository root), concatenated.
pub fn texts(files: impl IntoIterator<Item = String>) -> String {
    let root = repo_root();
    let mut text = String::new();
    for file in files {
        if let Ok(content) = std::fs::read_to_string(root.join(Path::new(&file))) {
            text.push_str(&content);
            text.push('\n');
        }
    }
    text
}
