//! What the unit tests of the builder share: a repository in a temporary
//! folder, and tools that are not installed.

use std::fs;
use std::path::PathBuf;

use crate::{Config, Listing, Tool, Tools};

/// A `listings/Cargo.toml` whose workspace excludes the Go listing
/// `ch06-gc/go-greeter`.
pub(crate) const WORKSPACE: &str =
    "[workspace]\nmembers = [\"ch*/*\"]\nexclude = [\"ch06-gc/go-greeter\"]\n";

/// A repository in a temporary folder, made of `files` (paths relative to
/// its root, and their contents), with an empty `listings/`.
pub(crate) fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("a temporary folder");
    fs::create_dir_all(root.path().join("listings")).expect("create listings/");
    for (path, contents) in files {
        let path = root.path().join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create a folder");
        fs::write(path, contents).expect("write a file");
    }
    root
}

/// A build of `root` into `root/out`, with [`tools_for_tests`].
pub(crate) fn config_for(root: &tempfile::TempDir) -> Config {
    Config {
        repo_root: root.path().to_owned(),
        listings_dir: root.path().join("listings"),
        artifacts_dir: root.path().join("out"),
        cargo_target_dir: root.path().join("target"),
        tools: tools_for_tests(),
    }
}

/// The listing at `source` (`listings/chNN-chapter/entry`) of `root`.
pub(crate) fn listing_at(root: &tempfile::TempDir, source: &str, kind: &'static str) -> Listing {
    let parts: Vec<&str> = source.split('/').collect();
    let entry = parts[2];
    Listing {
        chapter: parts[1].to_owned(),
        slug: entry
            .split_once('.')
            .map_or(entry, |(slug, _)| slug)
            .to_owned(),
        kind,
        path: root.path().join(source),
        source: source.to_owned(),
    }
}

/// Tools that are not installed, but for cargo and rustc, and `bash` as
/// Node.js (so that a shell script can stand in for a compiler it runs).
pub(crate) fn tools_for_tests() -> Tools {
    let tool = |name, path: &str, pinned: Option<&str>| Tool {
        name,
        var: "BOOK_TEST_TOOL",
        path: PathBuf::from(path),
        pinned: pinned.map(str::to_owned),
        set_by: "a test".to_owned(),
        install: "run `ci/setup` to install it".to_owned(),
    };
    let from_cargo =
        |var: &str, default: &str| std::env::var_os(var).map_or(default.into(), PathBuf::from);
    Tools {
        installer: "ci/setup".to_owned(),
        pins_file: PathBuf::from("ci/tools.env"),
        cargo: from_cargo("CARGO", "cargo"),
        rustc: "rustc".into(),
        go: tool("Go", "/no/go", Some("1.27.3")),
        node: tool("Node.js", "bash", None),
        asc: tool("AssemblyScript's asc.js", "/no/asc.js", None),
        wasm_bindgen: tool("wasm-bindgen", "/no/wasm-bindgen", Some("0.2.129")),
    }
}
