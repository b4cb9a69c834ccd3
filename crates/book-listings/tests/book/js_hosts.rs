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

/// The Node.js binaries the tests run on: one per release pinned in
/// `ci/node/package.json` (the supported LTS lines), which `ci/setup`
/// installs. The machine's own `node` (which runs the tools) is not one of
/// them: its release may be past its end of life.
fn pinned_nodes() -> Vec<(String, PathBuf)> {
    let folder = book_listings::repo_root().join("ci/node");
    let manifest = std::fs::read_to_string(folder.join("package.json"))
        .unwrap_or_else(|err| panic!("cannot read ci/node/package.json: {err}"));
    let manifest: serde_json::Value =
        serde_json::from_str(&manifest).expect("package.json is JSON");
    let releases = manifest["devDependencies"]
        .as_object()
        .expect("ci/node/package.json lists the Node releases in devDependencies");
    let nodes: Vec<(String, PathBuf)> = releases
        .iter()
        .map(|(name, spec)| {
            let binary = folder.join("node_modules").join(name).join("bin/node");
            assert!(
                binary.is_file(),
                "{} is missing: run ci/setup, which installs the pinned Node releases",
                binary.display()
            );
            (spec.as_str().unwrap_or(name).to_owned(), binary)
        })
        .collect();
    assert!(
        !nodes.is_empty(),
        "ci/node/package.json pins no Node release"
    );
    nodes
}

/// Runs `node --test` on `files` with every pinned Node release, and fails
/// with node's report if any test fails on any of them.
pub fn node_test(files: &[PathBuf]) {
    for (release, node) in pinned_nodes() {
        let output = Command::new(&node)
            .arg("--test")
            .args(files)
            .env("BOOK_ARTIFACTS", book_listings::MANIFEST)
            .output()
            .unwrap_or_else(|err| panic!("cannot run {} ({release}): {err}", node.display()));
        assert!(
            output.status.success(),
            "node --test failed on {release}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_javascript_helper_module() {
    node_test(&test_files("crates/wasm-memory-js/test"));
}

#[test]
fn the_javascript_hosts_of_every_chapter() {
    node_test(&test_files("crates/book-listings/tests/js"));
}

#[test]
fn chapter_9_names_the_node_releases_the_tests_run_on() {
    let chapter =
        std::fs::read_to_string(book_listings::repo_root().join("src/ch09-javascript-hosts.md"))
            .expect("chapter 9");
    for (release, _) in pinned_nodes() {
        let version = release.rsplit('@').next().unwrap_or(&release);
        assert!(
            chapter.contains(version),
            "chapter 9 does not say that the tests run on Node {version} ({release})"
        );
    }
}
