//! The troubleshooting index (`src/troubleshooting.md`) quotes messages:
//! each one must be produced by a test (found verbatim in an expected
//! output or a test file), or its row must say "Cited, not executed" and
//! link to its source. And every kind of error of the three utilities,
//! read from their sources, has a row.

use crate::book::{files_under, read};
use crate::markdown::table_rows;
use crate::sources::{ROOMS, is_code, texts};

use super::assert_none;

/// What the tests produce or assert: the expected outputs, the host rooms'
/// tests and the utilities' own tests.
fn what_the_tests_produce() -> String {
    let expected = files_under("expected");
    let rooms = ROOMS
        .iter()
        .flat_map(|room| files_under(room))
        .filter(|file| is_code(file));
    let utility_tests = [
        "crates/wasm-memory-host/tests",
        "crates/wasm-memory-js/test",
        "crates/go",
    ]
    .iter()
    .flat_map(|dir| files_under(dir))
    .filter(|file| file.ends_with(".rs") || file.ends_with(".mjs") || file.ends_with("_test.go"));
    texts(expected.into_iter().chain(rooms).chain(utility_tests))
}

/// The quoted messages of `index` that `corpus` does not contain, in rows
/// not marked as cited; and how many messages were checked.
fn unproduced(index: &str, corpus: &str) -> (Vec<String>, usize) {
    let mut checked = 0;
    let mut missing = Vec::new();
    for row in table_rows(index) {
        let cited = row.iter().any(|cell| {
            cell.text.contains("Cited, not executed")
                && cell.links.iter().any(|link| link.starts_with("https://"))
        });
        for message in &row[0].code {
            checked += 1;
            if !corpus.contains(message.as_str()) && !cited {
                missing.push(message.clone());
            }
        }
    }
    (missing, checked)
}

#[test]
fn every_message_in_the_troubleshooting_index_is_produced_by_a_test() {
    let (missing, checked) = unproduced(&read("src/troubleshooting.md"), &what_the_tests_produce());
    assert_none(
        &missing,
        "messages that no expected output or test contains (reproduce each in a test, or mark \
         its row \"Cited, not executed\" with a link)",
    );
    assert!(checked >= 30, "only {checked} messages checked");
}

#[test]
fn a_message_no_test_produces_is_refused_unless_cited() {
    let index = "| Message | Fix |\n|---|---|\n| `made up` | none |\n\
                 | `also made up` | Cited, not executed: [source](https://example.com) |\n\
                 | `produced` | fine |\n";
    assert_eq!(
        unproduced(index, "a test that produced this"),
        (vec!["made up".to_owned()], 3)
    );
}

/// The names declared between `start` and the next line that is `end`:
/// the first word of each line indented by `indent`, if it starts with a
/// capital letter.
fn names_between(source: &str, start: &str, end: &str, indent: &str) -> Vec<String> {
    let body = source
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(body, _)| body)
        .unwrap_or_else(|| panic!("no `{start}` ... `{end}`"));
    body.lines()
        .filter_map(|line| line.strip_prefix(indent))
        .filter(|line| line.starts_with(|c: char| c.is_ascii_uppercase()))
        .filter_map(|line| {
            line.split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .map(str::to_owned)
        })
        .collect()
}

/// Where each utility declares its kinds of error: the file, the line that
/// opens the list, the line that closes it, and the indentation of a kind.
const KINDS: [(&str, &str, &str, &str); 5] = [
    (
        "crates/wasm-memory-host/src/error.rs",
        "pub enum Error {",
        "\n}\n",
        "    ",
    ),
    (
        "crates/wasm-memory-host/src/bounds.rs",
        "pub enum GuestSliceError<A = u32> {",
        "\n}\n",
        "    ",
    ),
    (
        "crates/go/wazerohost/errors.go",
        "type ErrorKind int\n\nconst (",
        "\tkindCount",
        "\t",
    ),
    (
        "crates/wasm-memory-js/index.mjs",
        "export const ErrorKind = Object.freeze({",
        "\n});",
        "  ",
    ),
    (
        "crates/wasm-memory-js/index.mjs",
        "export const Reason = Object.freeze({",
        "\n});",
        "  ",
    ),
];

#[test]
fn every_error_kind_of_the_utilities_has_a_row() {
    let first_columns: Vec<String> = table_rows(&read("src/troubleshooting.md"))
        .into_iter()
        .flat_map(|row| row.into_iter().next().map(|cell| cell.code))
        .flatten()
        .collect();
    let mut kinds = 0;
    let mut missing = Vec::new();
    for (file, start, end, indent) in KINDS {
        for kind in names_between(&read(file), start, end, indent) {
            kinds += 1;
            if !first_columns.contains(&kind) {
                missing.push(format!("{kind} ({file})"));
            }
        }
    }
    assert_none(
        &missing,
        "kinds of error with no row in src/troubleshooting.md",
    );
    assert!(kinds >= 50, "only {kinds} kinds read: has a source moved?");
}

#[test]
fn kinds_are_read_from_a_declaration() {
    let rust = "pub enum Error {\n    /// A doc line.\n    MissingExport {\n        name: String,\n    },\n    Leaks(Vec<Leak>),\n}\n";
    assert_eq!(
        names_between(rust, "pub enum Error {", "\n}\n", "    "),
        ["MissingExport", "Leaks"]
    );
}
