//! The utilities stand alone: no code or manifest under
//! `crates/wasm-memory-*` or `crates/go/*` reads anything outside its own
//! folder (a relative path that leaves it), or anything of the book (the
//! artifact manifest, the harness). Their tests use their own fixtures; the
//! book depends on them, never the other way. (`ci/test standalone` runs
//! each from a copy of its folder outside the repository.)

use std::path::Path;

use crate::book::{files_under, normalize, repo_root};
use crate::sources::{UTILITIES, is_code};

use super::assert_none;

/// Names that only the book's harness has.
const THE_BOOKS: [&str; 5] = [
    "BOOK_ARTIFACTS",
    "book_artifacts",
    "book-artifacts",
    "book_harness",
    "book-harness",
];

/// Whether `file` is code or a manifest, which a build or a test reads.
fn is_read_by_a_build(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    is_code(file) || ["Cargo.toml", "go.mod", "package.json", "tsconfig.json"].contains(&name)
}

/// What in `text` (the file `file`, of the utility at `utility`) reaches
/// outside the utility or into the book.
fn problems(utility: &str, file: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for name in THE_BOOKS {
        if text.contains(name) {
            problems.push(format!(
                "{file}: names `{name}`, which only the book's harness has"
            ));
        }
    }
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    for (at, _) in text.match_indices("../") {
        if at > 0 && text[..at].ends_with("../") {
            continue; // the middle of a longer `../../`
        }
        let path: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "./_-".contains(*c))
            .collect();
        let inside = normalize(&dir.join(&path))
            .is_some_and(|target| target == utility || target.starts_with(&format!("{utility}/")));
        if !inside {
            problems.push(format!("{file}: `{path}` leaves {utility}/"));
        }
    }
    problems
}

#[test]
fn no_utility_reads_anything_of_the_book() {
    let root = repo_root();
    let mut found = Vec::new();
    for utility in UTILITIES {
        for file in files_under(utility)
            .into_iter()
            .filter(|file| is_read_by_a_build(file))
        {
            if let Ok(text) = std::fs::read_to_string(root.join(&file)) {
                found.extend(problems(utility, &file, &text));
            }
        }
    }
    assert_none(&found, "utilities that read outside their own folder");
}

#[test]
fn a_path_out_of_the_utility_is_refused() {
    let utility = "crates/wasm-memory-host";
    let inside = r#"#[path = "../../tests/support/liar.rs"]"#;
    assert_eq!(
        problems(
            utility,
            "crates/wasm-memory-host/fuzz/fuzz_targets/read_paths.rs",
            inside
        ),
        Vec::<String>::new()
    );
    let outside = r#"include_str!("../../../../listings/ch18-hostile-guests/liar.wat")"#;
    let found = problems(
        utility,
        "crates/wasm-memory-host/tests/support/liar.rs",
        outside,
    );
    assert!(
        found[0].contains("leaves crates/wasm-memory-host/"),
        "{found:?}"
    );
    let found = problems(
        utility,
        "crates/wasm-memory-host/src/lib.rs",
        "env!(\"BOOK_ARTIFACTS\")",
    );
    assert!(found[0].contains("only the book's harness"), "{found:?}");
}
