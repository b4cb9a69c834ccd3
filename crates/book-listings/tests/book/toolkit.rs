//! The reader's toolkit (`src/cheat-sheet.md`, `src/troubleshooting.md`,
//! `src/glossary.md`): the tests that keep those pages true to the code.
//! The troubleshooting index quotes messages and the cheat sheet names
//! tests; each quote and name is checked here. (Their links, like every
//! chapter's, are checked by the lint.)

use std::fs;
use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn read(path: &str) -> String {
    fs::read_to_string(book_listings::repo_root().join(path))
        .unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

/// One cell of a table: its inline code spans, its text, and its links.
#[derive(Default)]
struct Cell {
    code: Vec<String>,
    text: String,
    links: Vec<String>,
}

/// The body rows of every table of a page (header rows left out).
fn table_rows(markdown: &str) -> Vec<Vec<Cell>> {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut in_head = false;
    let mut in_cell = false;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) if !in_head => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) if !in_head => {
                in_cell = true;
                rows.last_mut()
                    .expect("a cell is in a row")
                    .push(Cell::default());
            }
            Event::End(TagEnd::TableCell) => in_cell = false,
            event if in_cell && !in_head => {
                let Some(cell) = rows.last_mut().and_then(|row| row.last_mut()) else {
                    continue;
                };
                match event {
                    Event::Code(code) => {
                        cell.text.push_str(&code);
                        cell.code.push(code.into_string());
                    }
                    Event::Text(text) => cell.text.push_str(&text),
                    Event::Start(Tag::Link { dest_url, .. }) => {
                        cell.links.push(dest_url.into_string());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    rows.retain(|row| !row.is_empty());
    rows
}

/// Every text file under `dir` whose name ends with one of `suffixes`.
fn texts_under(dir: &Path, suffixes: &[&str], out: &mut String) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("readable").path();
        if path.is_dir() {
            texts_under(&path, suffixes, out);
        } else if suffixes
            .iter()
            .any(|suffix| path.to_string_lossy().ends_with(suffix))
            && let Ok(text) = fs::read_to_string(&path)
        {
            out.push_str(&text);
            out.push('\n');
        }
    }
}

/// What the tests produce or assert: the expected outputs, and the tests
/// themselves (in Rust, JavaScript and Go).
fn what_the_tests_produce() -> String {
    let root = book_listings::repo_root();
    let mut corpus = String::new();
    for (dir, suffixes) in [
        ("crates/book-listings/expected", &[""][..]),
        ("crates/book-listings/tests", &[".rs", ".mjs"]),
        ("crates/wasm-memory-host/tests", &[".rs"]),
        ("crates/wasm-memory-js/test", &[".mjs"]),
        ("crates/go", &["_test.go"]),
    ] {
        texts_under(&root.join(dir), suffixes, &mut corpus);
    }
    corpus
}

#[test]
fn every_message_in_the_troubleshooting_index_is_produced_by_a_test() {
    let corpus = what_the_tests_produce();
    let mut checked = 0;
    let mut missing = Vec::new();
    for row in table_rows(&read("src/troubleshooting.md")) {
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
    assert!(
        missing.is_empty(),
        "the troubleshooting index quotes messages that no expected output or test contains \
         (reproduce each in a test, or mark its row \"Cited, not executed\" with a link):\n{}",
        missing.join("\n")
    );
    assert!(checked >= 30, "only {checked} messages checked");
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

/// Every kind of error of the three utilities, and every reason a range is
/// refused, read from their sources, has a row of the troubleshooting
/// index that names it.
#[test]
fn every_error_kind_of_the_utilities_has_a_row() {
    let crates = [
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
    let first_columns: Vec<String> = table_rows(&read("src/troubleshooting.md"))
        .into_iter()
        .flat_map(|row| row.into_iter().next().map(|cell| cell.code))
        .flatten()
        .collect();
    let mut kinds = 0;
    let mut missing = Vec::new();
    for (file, start, end, indent) in crates {
        for kind in names_between(&read(file), start, end, indent) {
            kinds += 1;
            if !first_columns.contains(&kind) {
                missing.push(format!("{kind} ({file})"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "kinds of error with no row in src/troubleshooting.md:\n{}",
        missing.join("\n")
    );
    assert!(kinds >= 50, "only {kinds} kinds read: has a source moved?");
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

/// Every inline code span of a page, in order.
fn code_spans(markdown: &str) -> Vec<String> {
    Parser::new_ext(markdown, Options::ENABLE_TABLES)
        .filter_map(|event| match event {
            Event::Code(code) => Some(code.into_string()),
            _ => None,
        })
        .collect()
}

/// A test's name as the cheat sheet writes it.
#[derive(Debug, PartialEq)]
enum TestName<'a> {
    /// `file::module::test`, in `crates/book-listings/tests/book/file.rs`.
    Rust {
        file: &'a str,
        module: &'a str,
        test: &'a str,
    },
    /// `TestName`, a Go test anywhere under `crates/go`.
    Go(&'a str),
    /// `file.test.mjs: title`, in `crates/book-listings/tests/js/` or
    /// `crates/wasm-memory-js/test/`.
    JavaScript { file: &'a str, title: &'a str },
}

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
}

/// Every test the cheat sheet names, in its table and in the code of "The
/// pattern, in your language", exists.
#[test]
fn every_test_the_cheat_sheet_names_exists() {
    let root = book_listings::repo_root();
    let mut go_tests = String::new();
    texts_under(&root.join("crates/go"), &["_test.go"], &mut go_tests);
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
        let found = match name {
            TestName::Rust { file, module, test } => {
                let source = fs::read_to_string(
                    root.join(format!("crates/book-listings/tests/book/{file}.rs")),
                )
                .unwrap_or_default();
                rust_test_exists(&source, module, test)
            }
            TestName::Go(test) => go_tests.contains(&format!("func {test}(")),
            TestName::JavaScript { file, title } => [
                "crates/book-listings/tests/js",
                "crates/wasm-memory-js/test",
            ]
            .iter()
            .any(|dir| {
                let source = fs::read_to_string(root.join(format!("{dir}/{file}.test.mjs")))
                    .unwrap_or_default();
                source.contains(&format!("test('{title}'"))
                    || source.contains(&format!("test(\"{title}\""))
            }),
        };
        if !found {
            problems.push(span);
        }
    }
    assert!(
        problems.is_empty(),
        "the cheat sheet names tests that do not exist:\n{}",
        problems.join("\n")
    );
    assert!(
        in_the_table >= 25,
        "only {in_the_table} tests named in the table"
    );
    assert!(
        checked > in_the_table,
        "none of the tests named outside the table were checked"
    );
}

/// The two badges a section may carry.
const CITED: &str = r#"<span class="badge cited">cited, not executed</span>"#;
const NOT_FINAL: &str = r#"<span class="badge not-final">not final</span>"#;

/// Badges are one of the two kinds, and every section about TinyGo, which
/// cannot be installed here, carries the "cited, not executed" one.
#[test]
fn badges_mark_what_is_cited_and_what_is_not_final() {
    let mut problems = Vec::new();
    let mut badges = 0;
    for entry in fs::read_dir(book_listings::repo_root().join("src")).expect("src/") {
        let path = entry.expect("readable").path();
        if path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let text = fs::read_to_string(&path).expect("a page");
        let page = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for (at, _) in text.match_indices(r#"<span class="badge"#) {
            badges += 1;
            if !text[at..].starts_with(CITED) && !text[at..].starts_with(NOT_FINAL) {
                problems.push(format!("{page}: a badge of no known kind at byte {at}"));
            }
        }
        let lines: Vec<&str> = text.lines().collect();
        for (number, line) in lines.iter().enumerate() {
            if line.starts_with('#') && line.contains("TinyGo") {
                let next = lines[number + 1..]
                    .iter()
                    .find(|line| !line.trim().is_empty());
                if next != Some(&CITED) {
                    problems.push(format!(
                        "{page}:{}: `{line}` has no cited badge",
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
    assert!(badges >= 10, "only {badges} badges");
}

/// Every term of the glossary is linked from a chapter, at its first use.
#[test]
fn every_glossary_term_is_linked_from_a_chapter() {
    let root = book_listings::repo_root();
    let mut chapters = String::new();
    for entry in fs::read_dir(root.join("src")).expect("src/") {
        let path = entry.expect("readable").path();
        if path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with("ch"))
        {
            chapters.push_str(&fs::read_to_string(&path).expect("a chapter"));
        }
    }
    // The page's own title is a heading too, and no term.
    let mut terms: Vec<String> = crate::lint::heading_ids(&read("src/glossary.md"))
        .into_iter()
        .filter(|id| id != "glossary")
        .collect();
    terms.sort();
    let unlinked: Vec<&String> = terms
        .iter()
        .filter(|id| !chapters.contains(&format!("(glossary.md#{id})")))
        .collect();
    assert!(
        unlinked.is_empty(),
        "glossary terms no chapter links to: {unlinked:?}"
    );
    assert!(terms.len() >= 20, "only {} terms", terms.len());
}
