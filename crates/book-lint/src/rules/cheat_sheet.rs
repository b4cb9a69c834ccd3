//! Every test the cheat sheet (`src/cheat-sheet.md`) names, in its table
//! and in the code of "The pattern, in your language", exists.

use crate::book::{files_under, read, repo_root};
use crate::markdown::{code_spans, table_rows};
use crate::sources::texts;

use super::assert_none;

/// A test's name as the cheat sheet writes it.
#[derive(Debug, PartialEq)]
enum TestName<'a> {
    /// `file::module::test`, in `harness/rust/tests/chapters/file.rs`.
    Rust {
        file: &'a str,
        module: &'a str,
        test: &'a str,
    },
    /// `TestName`, a Go test of the Go room or of a Go utility.
    Go(&'a str),
    /// `file.test.mjs: title`, in the JavaScript room or the JavaScript
    /// utility's tests.
    JavaScript { file: &'a str, title: &'a str },
}

/// Where the JavaScript tests the cheat sheet may name are.
const JAVASCRIPT_TESTS: [&str; 2] = ["harness/js", "crates/wasm-memory-js/test"];

/// The test a code span names, if it has the shape of a test's name.
fn test_name(span: &str) -> Option<TestName<'_>> {
    let identifier = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if let Some((file, title)) = span.split_once(".test.mjs: ") {
        return Some(TestName::JavaScript { file, title });
    }
    if let Some(rest) = span.strip_prefix("Test")
        && rest.starts_with(|c: char| c.is_ascii_uppercase())
        && rest.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Some(TestName::Go(span));
    }
    match span.split("::").collect::<Vec<_>>().as_slice() {
        &[file, module, test] if [file, module, test].into_iter().all(identifier) => {
            Some(TestName::Rust { file, module, test })
        }
        _ => None,
    }
}

/// Whether `source` has `fn test(` inside `pub mod module { ... }`.
fn rust_test_exists(source: &str, module: &str, test: &str) -> bool {
    let Some(start) = source.find(&format!("pub mod {module} {{")) else {
        return false;
    };
    let end = source[start + 1..]
        .find("\npub mod ")
        .map_or(source.len(), |at| start + 1 + at);
    source[start..end].contains(&format!("fn {test}("))
}

/// Whether the test `name` exists; `go_tests` is every Go test file.
fn exists(name: &TestName<'_>, go_tests: &str) -> bool {
    let root = repo_root();
    let read = |path: String| std::fs::read_to_string(root.join(path)).unwrap_or_default();
    match name {
        TestName::Rust { file, module, test } => rust_test_exists(
            &read(format!("harness/rust/tests/chapters/{file}.rs")),
            module,
            test,
        ),
        TestName::Go(test) => go_tests.contains(&format!("func {test}(")),
        TestName::JavaScript { file, title } => JAVASCRIPT_TESTS.iter().any(|dir| {
            let source = read(format!("{dir}/{file}.test.mjs"));
            source.contains(&format!("test('{title}'"))
                || source.contains(&format!("test(\"{title}\""))
        }),
    }
}

#[test]
fn every_test_the_cheat_sheet_names_exists() {
    let go_tests = texts(
        ["harness/go", "crates/go"]
            .iter()
            .flat_map(|dir| files_under(dir))
            .filter(|file| file.ends_with("_test.go")),
    );
    let cheat_sheet = read("src/cheat-sheet.md");
    let in_the_table: usize = table_rows(&cheat_sheet)
        .iter()
        .map(|row| row[2].code.len())
        .sum();
    let mut checked = 0;
    let mut problems = Vec::new();
    for span in code_spans(&cheat_sheet) {
        let Some(name) = test_name(&span) else {
            continue;
        };
        checked += 1;
        if !exists(&name, &go_tests) {
            problems.push(span);
        }
    }
    assert_none(&problems, "tests the cheat sheet names, which do not exist");
    assert!(
        in_the_table >= 25,
        "only {in_the_table} tests named in the table"
    );
    assert!(
        checked > in_the_table,
        "none of the tests named outside the table were checked"
    );
}

#[test]
fn code_spans_that_are_not_test_names_are_not_taken_for_one() {
    assert_eq!(test_name("Guest::new"), None);
    assert_eq!(test_name("wasmtime::Config::new"), None);
    assert_eq!(test_name("runtime.KeepAlive"), None);
    assert_eq!(test_name("Test"), None);
    assert_eq!(test_name("TestPlugins"), Some(TestName::Go("TestPlugins")));
    assert_eq!(
        test_name("a::b::c"),
        Some(TestName::Rust {
            file: "a",
            module: "b",
            test: "c"
        })
    );
    assert!(!exists(
        &TestName::Go("TestNoSuchThing"),
        "func TestOther(t *testing.T)"
    ));
    assert!(!exists(
        &TestName::Rust {
            file: "ch01_introduction",
            module: "no_such_module",
            test: "x"
        },
        ""
    ));
}
