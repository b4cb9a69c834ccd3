//! Every test the cheat sheet (`src/cheat-sheet.md`) names exists, and
//! its table's "Proved by" column stays narrow.
//!
//! A proof is a short link whose title is the test's full name:
//! `[Rust](ch04-returning-bytes-out.md#how-this-is-checked "ch04_returning_bytes_out::packing::wasm_and_host_pack_the_same_way")`.
//! The reader sees "Rust" and the full name on hover; the link goes to the
//! chapter the test belongs to. Names in code spans, elsewhere on the page,
//! are checked too.

use mdbook_markdown::pulldown_cmark::{Event, Tag, TagEnd};

use crate::book::{files_under, read, repo_root};
use crate::markdown::{code_spans, events};
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
    /// `test_file.Class.test_method`, unittest's own name for a test of
    /// the Python room (`harness/python/test_file.py`).
    Python {
        file: &'a str,
        class: &'a str,
        test: &'a str,
    },
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
    if let &[file, class, test] = span.split('.').collect::<Vec<_>>().as_slice()
        && file.starts_with("test_")
        && identifier(file)
        && class.starts_with(|c: char| c.is_ascii_uppercase())
        && class.chars().all(|c| c.is_ascii_alphanumeric())
        && test.starts_with("test_")
        && identifier(test)
    {
        return Some(TestName::Python { file, class, test });
    }
    match span.split("::").collect::<Vec<_>>().as_slice() {
        &[file, module, test] if [file, module, test].into_iter().all(identifier) => {
            Some(TestName::Rust { file, module, test })
        }
        _ => None,
    }
}

/// Whether `source` has `def test(` inside `class class_name(...)`.
fn python_test_exists(source: &str, class_name: &str, test: &str) -> bool {
    let Some(start) = source.find(&format!("\nclass {class_name}(")) else {
        return false;
    };
    let end = source[start + 1..]
        .find("\nclass ")
        .map_or(source.len(), |at| start + 1 + at);
    source[start..end].contains(&format!("    def {test}("))
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
        TestName::Python { file, class, test } => {
            python_test_exists(&read(format!("harness/python/{file}.py")), class, test)
        }
        TestName::JavaScript { file, title } => JAVASCRIPT_TESTS.iter().any(|dir| {
            let source = read(format!("{dir}/{file}.test.mjs"));
            source.contains(&format!("test('{title}'"))
                || source.contains(&format!("test(\"{title}\""))
        }),
    }
}

/// The chapter a test belongs to, as the start of its page's name
/// (`ch04`): from a Rust or JavaScript test's file name, or from the
/// folder of the Go room (`harness/go/chapter11/`) that defines a Go test.
/// `None` for a test of a utility. `go_files` is every Go test file, with
/// its path.
fn home_chapter(name: &TestName<'_>, go_files: &[(String, String)]) -> Option<String> {
    let from_file = |file: &str| {
        let number = file.strip_prefix("ch")?.get(..2)?;
        number
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| format!("ch{number}"))
    };
    match name {
        TestName::Rust { file, .. } | TestName::JavaScript { file, .. } => from_file(file),
        TestName::Python { file, .. } => from_file(file.strip_prefix("test_")?),
        TestName::Go(test) => go_files
            .iter()
            .find(|(_, text)| text.contains(&format!("func {test}(")))
            .and_then(|(path, _)| path.strip_prefix("harness/go/chapter")?.get(..2))
            .map(|number| format!("ch{number}")),
    }
}

/// A link: where it goes, and its title.
#[derive(Debug, PartialEq)]
struct Link {
    destination: String,
    title: String,
}

/// The "Proved by" cell (the third) of a row of the page's table.
#[derive(Debug, Default)]
struct ProvedBy {
    /// Its links, each a test: short text, the test's name as title.
    links: Vec<Link>,
    /// Its code spans: there should be none, since a test's full name in
    /// the cell makes the column too wide for a laptop's window.
    code: Vec<String>,
}

/// Every link of `text`, and the "Proved by" cell of every body row of its
/// tables.
fn links_and_proofs(text: &str) -> (Vec<Link>, Vec<ProvedBy>) {
    let mut links = Vec::new();
    let mut cells: Vec<ProvedBy> = Vec::new();
    let (mut in_head, mut column) = (false, None::<usize>);
    for event in events(text) {
        let in_proved_by = !in_head && column == Some(2);
        match event {
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => column = None,
            Event::Start(Tag::TableCell) => {
                column = Some(column.map_or(0, |at| at + 1));
                if !in_head && column == Some(2) {
                    cells.push(ProvedBy::default());
                }
            }
            Event::End(TagEnd::Table) => column = None,
            Event::Start(Tag::Link {
                dest_url, title, ..
            }) => {
                let link = Link {
                    destination: dest_url.into_string(),
                    title: title.into_string(),
                };
                if in_proved_by && let Some(cell) = cells.last_mut() {
                    cell.links.push(Link {
                        destination: link.destination.clone(),
                        title: link.title.clone(),
                    });
                }
                links.push(link);
            }
            Event::Code(code) if in_proved_by => {
                if let Some(cell) = cells.last_mut() {
                    cell.code.push(code.into_string());
                }
            }
            _ => {}
        }
    }
    (links, cells)
}

#[test]
fn every_test_the_cheat_sheet_names_exists() {
    let go_files: Vec<(String, String)> = ["harness/go", "crates/go"]
        .iter()
        .flat_map(|dir| files_under(dir))
        .filter(|file| file.ends_with("_test.go"))
        .map(|file| {
            let text = texts([file.clone()]);
            (file, text)
        })
        .collect();
    let go_tests: String = go_files.iter().map(|(_, text)| text.as_str()).collect();
    let cheat_sheet = read("src/cheat-sheet.md");
    let (links, proved_by) = links_and_proofs(&cheat_sheet);
    let mut problems = Vec::new();
    let mut in_the_table = 0;
    for (row, cell) in proved_by.iter().enumerate() {
        let row = row + 1;
        if !cell.code.is_empty() {
            problems.push(format!(
                "row {row}: a test named in a code span ({:?}); make it a short link whose title is the name",
                cell.code
            ));
        }
        if cell.links.is_empty() {
            problems.push(format!("row {row}: no test proves the rule"));
        }
        for link in &cell.links {
            match test_name(&link.title) {
                Some(_) => in_the_table += 1,
                None => problems.push(format!(
                    "row {row}: the link to {} has no test's name as its title: {:?}",
                    link.destination, link.title
                )),
            }
        }
    }
    let mut checked = 0;
    let names = code_spans(&cheat_sheet)
        .into_iter()
        .map(|span| (span, None))
        .chain(
            links
                .into_iter()
                .map(|link| (link.title, Some(link.destination))),
        );
    for (text, destination) in names {
        let Some(name) = test_name(&text) else {
            continue;
        };
        checked += 1;
        if !exists(&name, &go_tests) {
            problems.push(format!("{text}: no such test"));
            continue;
        }
        if let (Some(destination), Some(chapter)) = (destination, home_chapter(&name, &go_files))
            && !destination.starts_with(&format!("{chapter}-"))
        {
            problems.push(format!(
                "{text}: a test of {chapter}, linked to {destination}: link the chapter it checks"
            ));
        }
    }
    assert_none(&problems, "the cheat sheet's tests");
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
fn a_proof_is_a_short_link_titled_with_the_test() {
    let page = "| Rule | Chapter | Proved by |\n|---|---|---|\n\
        | one | [4](ch04-a.md) | [Rust](ch04-a.md#how \"ch04_a::b::c\"), [Go](ch11-b.md \"TestX\") |\n\
        | two | [5](ch05-b.md) | `ch05_b::c::d` |\n\n\
        Outside: [run](ch08-c.md \"ch08_c::d::e\").\n";
    let (links, proved_by) = links_and_proofs(page);
    assert_eq!(proved_by.len(), 2);
    assert_eq!(
        proved_by[0].links,
        [
            Link {
                destination: "ch04-a.md#how".into(),
                title: "ch04_a::b::c".into()
            },
            Link {
                destination: "ch11-b.md".into(),
                title: "TestX".into()
            }
        ]
    );
    assert!(proved_by[0].code.is_empty());
    assert_eq!(proved_by[1].code, ["ch05_b::c::d"]);
    assert!(proved_by[1].links.is_empty());
    assert_eq!(links.len(), 5);
    assert_eq!(links[4].title, "ch08_c::d::e");
}

#[test]
fn a_test_belongs_to_the_chapter_of_its_file_or_folder() {
    let go_files = [(
        "harness/go/chapter11/plugins_test.go".to_owned(),
        "func TestPlugins(t *testing.T) {}".to_owned(),
    )];
    let chapter = |span| home_chapter(&test_name(span).unwrap(), &go_files);
    assert_eq!(
        chapter("ch06_garbage_collectors::a::b").as_deref(),
        Some("ch06")
    );
    assert_eq!(
        chapter("ch09_plugins.test.mjs: a title").as_deref(),
        Some("ch09")
    );
    assert_eq!(chapter("TestPlugins").as_deref(), Some("ch11"));
    assert_eq!(chapter("TestElsewhere"), None);
    assert_eq!(
        chapter("test_ch02_linear_memory.PagesAndGrow.test_grow").as_deref(),
        Some("ch02")
    );
    assert_eq!(chapter("test_wasm3.Greet.test_greet"), None);
    assert_eq!(chapter("guest.test.mjs: a utility's test"), None);
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
    assert_eq!(
        test_name("test_ch08_x.OneCall.test_a_lie"),
        Some(TestName::Python {
            file: "test_ch08_x",
            class: "OneCall",
            test: "test_a_lie"
        })
    );
    assert_eq!(test_name("wasmtime.Store.data"), None);
    assert_eq!(test_name("memory.read"), None);
    let python = "import unittest\n\n\nclass A(unittest.TestCase):\n    def test_one(self):\n        pass\n\n\nclass B(unittest.TestCase):\n    def test_two(self):\n        pass\n";
    assert!(python_test_exists(python, "A", "test_one"));
    assert!(python_test_exists(python, "B", "test_two"));
    assert!(!python_test_exists(python, "A", "test_two"));
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
