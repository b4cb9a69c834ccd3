//! The Go and JavaScript utilities carry their test guests compiled
//! (`testdata/*.wasm`, `test/fixtures/*.wasm`), since neither language
//! assembles the text format; their source is the Rust crate's
//! `fixtures/*.wat`. Each compiled copy must be its source, assembled by
//! the `wat` crate: `SNAPSHOTS=overwrite` rewrites them when a source
//! changes.

use std::path::Path;

/// The fixtures, by name: `crates/wasm-memory-host/fixtures/<name>.wat`.
const FIXTURES: [&str; 2] = ["guest", "liar"];

/// Where the compiled copies are.
const COPIES: [&str; 2] = [
    "crates/go/wazerohost/testdata",
    "crates/wasm-memory-js/test/fixtures",
];

#[test]
fn the_compiled_fixtures_of_the_go_and_javascript_utilities_are_their_sources() {
    let root = book_harness::repo_root();
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|value| value == "overwrite");
    let mut stale = Vec::new();
    for name in FIXTURES {
        let source = root.join(format!("crates/wasm-memory-host/fixtures/{name}.wat"));
        let wasm =
            wat::parse_file(&source).unwrap_or_else(|err| panic!("{}: {err}", source.display()));
        for folder in COPIES {
            let copy = root.join(folder).join(format!("{name}.wasm"));
            if std::fs::read(&copy).ok().as_deref() == Some(wasm.as_slice()) {
                continue;
            }
            if overwrite {
                std::fs::write(&copy, &wasm)
                    .unwrap_or_else(|err| panic!("{}: {err}", copy.display()));
            } else {
                stale.push(
                    Path::new(folder)
                        .join(format!("{name}.wasm"))
                        .display()
                        .to_string(),
                );
            }
        }
    }
    assert!(
        stale.is_empty(),
        "compiled fixtures that are not their source, crates/wasm-memory-host/fixtures/*.wat \
         (rerun with SNAPSHOTS=overwrite to rewrite them): {stale:?}"
    );
}
