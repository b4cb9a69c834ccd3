//! The JavaScript hosts' tests (`node --test`), run from `cargo test` so
//! that one command runs every host, with `BOOK_ARTIFACTS` naming the
//! artifact manifest.

use std::path::PathBuf;
use std::process::Command;

/// The `*.test.mjs` files of a folder of the repository.
fn test_files(folder: &str) -> Vec<PathBuf> {
    let dir = book_listings::repo_root().join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.test.mjs in {folder}");
    files
}

/// Runs `node --test` on `files`, and fails with node's report if any fails.
pub fn node_test(files: &[PathBuf]) {
    let output = Command::new("node")
        .arg("--test")
        .args(files)
        .env("BOOK_ARTIFACTS", book_listings::MANIFEST)
        .output()
        .unwrap_or_else(|err| panic!("cannot run node (the JavaScript host tests need it): {err}"));
    assert!(
        output.status.success(),
        "node --test failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_javascript_helper_module() {
    node_test(&test_files("crates/wasm-memory-js/test"));
}

#[test]
fn chapter_9_javascript_hosts() {
    node_test(&test_files("crates/book-listings/tests/js"));
}
