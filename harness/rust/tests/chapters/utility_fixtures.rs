//! The utilities share two test guests, written in the text format in the
//! Rust crate (`crates/wasm-memory-host/fixtures/*.wat`). The Go and
//! JavaScript packages carry a copy of each `.wat` and the `.wasm` it
//! compiles to (`testdata/`, `test/fixtures/`), since neither language
//! assembles the text format and each package must stand alone. Every copy
//! must be the source, and every `.wasm` the source assembled by the `wat`
//! crate: `SNAPSHOTS=overwrite` rewrites them when a source changes.

use std::path::Path;

/// The fixtures, by name: `crates/wasm-memory-host/fixtures/<name>.wat`.
const FIXTURES: [&str; 2] = ["guest", "liar"];

/// Where the copies are.
const COPIES: [&str; 2] = [
    "crates/go/wazerohost/testdata",
    "crates/wasm-memory-js/test/fixtures",
];

#[test]
fn the_go_and_javascript_utilities_carry_the_fixtures_and_their_compiled_form() {
    let root = book_harness::repo_root();
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|value| value == "overwrite");
    let mut stale = Vec::new();
    for name in FIXTURES {
        let source_path = root.join(format!("crates/wasm-memory-host/fixtures/{name}.wat"));
        let source = std::fs::read(&source_path)
            .unwrap_or_else(|err| panic!("{}: {err}", source_path.display()));
        let wasm = wat::parse_bytes(&source)
            .unwrap_or_else(|err| panic!("{}: {err}", source_path.display()));
        for folder in COPIES {
            for (file, bytes) in [
                (format!("{name}.wat"), &source[..]),
                (format!("{name}.wasm"), &wasm[..]),
            ] {
                let copy = root.join(folder).join(&file);
                if std::fs::read(&copy).ok().as_deref() == Some(bytes) {
                    continue;
                }
                if overwrite {
                    std::fs::write(&copy, bytes)
                        .unwrap_or_else(|err| panic!("{}: {err}", copy.display()));
                } else {
                    stale.push(Path::new(folder).join(&file).display().to_string());
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "copies of crates/wasm-memory-host/fixtures/*.wat, or their compiled form, that differ \
         from the source (rerun with SNAPSHOTS=overwrite to rewrite them): {stale:?}"
    );
}
