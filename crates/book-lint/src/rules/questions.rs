//! The readers' questions (`questions/register.toml`): real questions from
//! public trackers, each answered by a section of the book, run here or
//! cited, or marked open with what would settle it. This rule holds every
//! entry to that, and generates the toolkit's page (`src/questions.md`)
//! from the register: `SNAPSHOTS=overwrite` rewrites it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;

use serde::Deserialize;

use crate::book::{read, repo_root};
use crate::markdown::table_rows;
use crate::rendered;

use super::assert_none;

const REGISTER: &str = "questions/register.toml";
const PAGE: &str = "src/questions.md";

/// The stacks, in the page's order, with the heading each gets. The first
/// five are the common stacks, which should hold about half the entries.
const STACKS: [(&str, &str); 13] = [
    ("rust-js", "Rust and JavaScript"),
    ("wasmtime", "wasmtime embedders"),
    ("go-wazero", "Go guests and wazero"),
    ("assemblyscript", "AssemblyScript"),
    ("component-model", "The Component Model"),
    ("other-runtime", "Other runtimes"),
    ("other-guest", "Other guest languages"),
    ("wasi", "WASI"),
    ("browser", "Browsers' limits"),
    ("extism", "Extism"),
    ("emscripten", "Emscripten"),
    ("security", "Security"),
    ("performance", "Performance"),
];
const COMMON_STACKS: usize = 5;

/// What the reader saw, in the page's order.
const TROUBLES: [&str; 11] = [
    "out of bounds",
    "stale or detached view",
    "wrong or missing value",
    "trap or panic",
    "memory keeps growing",
    "out of memory or a limit",
    "threads and shared memory",
    "slow copies",
    "build or link error",
    "is it safe",
    "how do I",
];

/// How an entry is answered.
const EXECUTED: &str = "executed";
const CITED: &str = "cited";
const OPEN: &str = "open";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Register {
    question: Vec<Question>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    question: String,
    source: String,
    date: String,
    stack: String,
    trouble: String,
    /// What the reader saw, as they wrote it ("" when they saw nothing).
    symptom: String,
    /// The error message the reader quoted, when there is one: the
    /// troubleshooting index has a row for it, and an answer quotes it.
    #[serde(default)]
    message: String,
    points: Vec<String>,
    /// The versions the thread is about ("" when it does not say).
    versions: String,
    /// `page.md#anchor`: the section that answers it.
    answer: String,
    /// `executed`, `cited` or `open`.
    answered: String,
    /// For an executed answer: the tests that run it, as `path` or
    /// `path::name` (the name is found verbatim in the file).
    #[serde(default)]
    tests: Vec<String>,
    /// For a cited answer: its sources.
    #[serde(default)]
    cites: Vec<String>,
    /// For an open entry: what would settle it.
    #[serde(default)]
    settle: String,
}

fn register() -> Register {
    toml::from_str(&read(REGISTER)).unwrap_or_else(|err| panic!("{REGISTER}: {err}"))
}

/// What the rule checks an entry against.
struct Book<'a> {
    /// The ids of each page's headings, as mdBook gives them.
    ids: &'a BTreeMap<String, BTreeSet<String>>,
    /// The first column's code spans of the troubleshooting index.
    indexed_messages: Vec<String>,
    /// A page's Markdown, by its path under `src/`.
    page_text: &'a dyn Fn(&str) -> Option<String>,
    /// The text of a file of the repository, if it exists.
    file_text: &'a dyn Fn(&str) -> Option<String>,
}

fn is_date(date: &str) -> bool {
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [year, month] => digits(year, 4) && digits(month, 2),
        [year, month, day] => digits(year, 4) && digits(month, 2) && digits(day, 2),
        _ => false,
    }
}

/// The troubleshooting row's message that `message` is indexed under: the
/// same text, a stable part of it, or a longer wording that holds it (at
/// least 12 characters in common).
fn indexed_as<'a>(message: &str, indexed: &'a [String]) -> Option<&'a str> {
    indexed
        .iter()
        .find(|span| {
            let span = span.as_str();
            span == message
                || (span.len() >= 12 && message.contains(span))
                || (message.len() >= 12 && span.contains(message))
        })
        .map(String::as_str)
}

fn problems(register: &Register, book: &Book<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let stacks: BTreeSet<&str> = STACKS.iter().map(|(stack, _)| *stack).collect();
    for (index, entry) in register.question.iter().enumerate() {
        let mut problem = |what: String| {
            problems.push(format!("entry {} ({}): {what}", index + 1, entry.source));
        };
        if entry.question.trim().is_empty() {
            problem("no question".to_owned());
        }
        if !entry.source.starts_with("https://") {
            problem(format!(
                "the source {:?} is not an https link",
                entry.source
            ));
        }
        if !is_date(&entry.date) {
            problem(format!(
                "the date {:?} is not YYYY-MM-DD or YYYY-MM",
                entry.date
            ));
        }
        if !stacks.contains(entry.stack.as_str()) {
            problem(format!(
                "the stack {:?} is not one of {stacks:?}",
                entry.stack
            ));
        }
        if !TROUBLES.contains(&entry.trouble.as_str()) {
            problem(format!(
                "the trouble {:?} is not one of {TROUBLES:?}",
                entry.trouble
            ));
        }
        if entry.points.iter().all(|point| point.trim().is_empty()) {
            problem("no point that an answer must contain".to_owned());
        }
        let (page, anchor) = entry.answer.split_once('#').unwrap_or((&entry.answer, ""));
        let page_ids = book.ids.get(&format!("src/{page}"));
        match page_ids {
            None => problem(format!(
                "the answer {:?} names no page of the book",
                entry.answer
            )),
            Some(ids) if !anchor.is_empty() && !ids.contains(anchor) => {
                problem(format!(
                    "the answer {:?} names no heading of its page",
                    entry.answer
                ));
            }
            Some(_) => {}
        }
        match entry.answered.as_str() {
            EXECUTED => {
                if entry.tests.is_empty() {
                    problem("an executed answer names no test".to_owned());
                }
                for test in &entry.tests {
                    let (path, name) = test.split_once("::").unwrap_or((test, ""));
                    match (book.file_text)(path) {
                        None => problem(format!("the test {path} does not exist")),
                        Some(text) if !text.contains(name) => {
                            problem(format!("{path} has no test {name:?}"));
                        }
                        Some(_) => {}
                    }
                }
            }
            CITED => {
                if !entry.cites.iter().any(|cite| cite.starts_with("https://")) {
                    problem("a cited answer links no source".to_owned());
                }
                if entry.versions.trim().is_empty() {
                    problem("a cited answer names no version it holds for".to_owned());
                }
            }
            OPEN => {
                if entry.settle.trim().is_empty() {
                    problem("an open entry does not say what would settle it".to_owned());
                }
            }
            other => problem(format!("answered {other:?}: not executed, cited or open")),
        }
        if entry.message.is_empty() {
            continue;
        }
        match indexed_as(&entry.message, &book.indexed_messages) {
            None => problem(format!(
                "the message {:?} has no row in src/troubleshooting.md",
                entry.message
            )),
            Some(indexed) if entry.answered != OPEN => {
                // The page quotes the reader's wording or the index's; a
                // quote may wrap across the page's lines.
                let answered = (book.page_text)(page).is_some_and(|text| {
                    let text = one_line(&text);
                    [indexed, entry.message.as_str()]
                        .iter()
                        .any(|quote| text.contains(&one_line(quote)))
                });
                if !answered {
                    problem(format!(
                        "the answer's page {page} does not quote {indexed:?}"
                    ));
                }
            }
            Some(_) => {}
        }
    }
    problems
}

/// `text` with every run of white space as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The entries per stack, and how each is answered.
fn counts(register: &Register) -> Vec<(&'static str, &'static str, [usize; 3])> {
    STACKS
        .iter()
        .map(|(stack, heading)| {
            let mut counts = [0; 3];
            for entry in register
                .question
                .iter()
                .filter(|entry| entry.stack == *stack)
            {
                let slot = [EXECUTED, CITED, OPEN]
                    .iter()
                    .position(|kind| *kind == entry.answered);
                if let Some(slot) = slot {
                    counts[slot] += 1;
                }
            }
            (*stack, *heading, counts)
        })
        .collect()
}

/// `https://github.com/owner/repo/issues/12` as `owner/repo#12`; other
/// sources as their host.
fn source_label(source: &str) -> String {
    let rest = source.trim_start_matches("https://");
    if let Some(path) = rest.strip_prefix("github.com/") {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if let [owner, repo, _kind, number, ..] = parts.as_slice() {
            let number = number.split('#').next().unwrap_or(number);
            return format!("{owner}/{repo}#{number}");
        }
    }
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// Markdown's special characters in a reader's words, escaped.
fn escape(text: &str) -> String {
    let mut escaped = String::new();
    for ch in text.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

/// A code span holding `text`, however many backticks it contains.
fn code_span(text: &str) -> String {
    let fence = if text.contains('`') { "``" } else { "`" };
    format!("{fence} {text} {fence}")
}

fn generate(register: &Register) -> String {
    let mut page = String::new();
    let total = register.question.len();
    let table = counts(register);
    let sum = |slot: usize| {
        table
            .iter()
            .map(|(_, _, counts)| counts[slot])
            .sum::<usize>()
    };
    let common: usize = table[..COMMON_STACKS]
        .iter()
        .map(|(_, _, counts)| counts.iter().sum::<usize>())
        .sum();
    let _ = write!(
        page,
        "<!-- Generated from {REGISTER} by the book's lint (crates/book-lint/src/rules/questions.rs). \
         Edit the register, then run: SNAPSHOTS=overwrite cargo test -p book-lint questions -->\n\n\
         # Readers' questions\n\n\
         These are {total} questions that readers asked in public issue trackers, discussions and \
         question-and-answer sites about memory shared between a host and its guests, collected \
         from the threads themselves. {common} of them are about the common stacks (the first five \
         below). Each links to the section that answers it:\n\n\
         - **executed**: the section runs the behaviour here, in a test named in the register;\n\
         - **cited**: it could not be run here, so the section cites its source and the version \
         that holds;\n\
         - **open**: the sources and tests do not settle it yet; the entry says what would.\n\n\
         The register is `{REGISTER}`. The book's lint checks every entry: a source, a stack, the \
         points an answer must contain, a heading that exists, and tests that exist. Search the \
         book for an error message to land here or in [Troubleshooting](troubleshooting.md).\n\n\
         | Stack | Questions | Executed | Cited | Open |\n|---|---|---|---|---|\n"
    );
    for (_, heading, counts) in &table {
        let _ = writeln!(
            page,
            "| [{heading}](#{}) | {} | {} | {} | {} |",
            slug(heading),
            counts.iter().sum::<usize>(),
            counts[0],
            counts[1],
            counts[2]
        );
    }
    let _ = writeln!(
        page,
        "| All | {total} | {} | {} | {} |",
        sum(0),
        sum(1),
        sum(2)
    );
    for (stack, heading, _) in &table {
        let _ = write!(page, "\n## {heading}\n");
        for trouble in TROUBLES {
            let entries: Vec<&Question> = register
                .question
                .iter()
                .filter(|entry| entry.stack == *stack && entry.trouble == trouble)
                .collect();
            if entries.is_empty() {
                continue;
            }
            let mut title = trouble.to_owned();
            title[..1].make_ascii_uppercase();
            let _ = write!(page, "\n**{title}**\n\n");
            for entry in entries {
                let _ = write!(
                    page,
                    "- [{}]({}) ({}; [{}]({}), {})",
                    escape(&entry.question),
                    entry.answer,
                    entry.answered,
                    source_label(&entry.source),
                    entry.source,
                    entry.date
                );
                if !entry.message.is_empty() {
                    let _ = write!(page, ": {}", code_span(&entry.message));
                } else if !entry.symptom.is_empty() {
                    let _ = write!(page, ": \u{201c}{}\u{201d}", escape(&entry.symptom));
                }
                if entry.answered == OPEN {
                    let _ = write!(page, ". Open: {}", entry.settle);
                }
                page.push('\n');
            }
        }
    }
    let messages: Vec<&Question> = register
        .question
        .iter()
        .filter(|entry| !entry.message.is_empty())
        .collect();
    if !messages.is_empty() {
        page.push_str(
            "\n## By error message\n\n\
             The messages readers quoted, as they quoted them. \
             [Troubleshooting](troubleshooting.md) has a row for each.\n\n\
             | Message | Stack | Answer |\n|---|---|---|\n",
        );
        for entry in messages {
            let heading = STACKS
                .iter()
                .find(|(stack, _)| *stack == entry.stack)
                .map_or(entry.stack.as_str(), |(_, heading)| heading);
            let _ = writeln!(
                page,
                "| {} | {heading} | [{}]({}) |",
                code_span(&entry.message.replace('|', "\\|")),
                entry.answered,
                entry.answer
            );
        }
    }
    page
}

/// The id mdBook gives a heading made of words and spaces.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|ch| ch.is_alphanumeric() || *ch == ' ' || *ch == '-')
        .map(|ch| if ch == ' ' { '-' } else { ch })
        .collect()
}

fn indexed_messages(troubleshooting: &str) -> Vec<String> {
    table_rows(troubleshooting)
        .into_iter()
        .flat_map(|row| {
            row.into_iter()
                .next()
                .map(|cell| cell.code)
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn every_question_in_the_register_is_answered_or_open() {
    let register = register();
    let page_text = |page: &str| fs::read_to_string(repo_root().join("src").join(page)).ok();
    let file_text = |path: &str| {
        let path = repo_root().join(path);
        if path.is_dir() {
            Some(String::new())
        } else {
            fs::read_to_string(path).ok()
        }
    };
    let book = Book {
        ids: &rendered::book().ids,
        indexed_messages: indexed_messages(&read("src/troubleshooting.md")),
        page_text: &page_text,
        file_text: &file_text,
    };
    assert_none(&problems(&register, &book), "the register's entries");

    let total = register.question.len();
    let table = counts(&register);
    println!("{REGISTER}: {total} questions");
    println!(
        "{:<16} {:>9} {:>9} {:>6} {:>5}",
        "stack", "questions", "executed", "cited", "open"
    );
    for (stack, _, counts) in &table {
        let sum: usize = counts.iter().sum();
        println!(
            "{stack:<16} {sum:>9} {:>9} {:>6} {:>5}",
            counts[0], counts[1], counts[2]
        );
    }
    assert!(
        total >= 150,
        "the register holds {total} questions; the issue asks for 150"
    );
    let common: usize = table[..COMMON_STACKS]
        .iter()
        .map(|(_, _, counts)| counts.iter().sum::<usize>())
        .sum();
    let share = common * 100 / total;
    assert!(
        (40..=60).contains(&share),
        "{share}% of the questions are about the common stacks; about half should be"
    );
}

#[test]
fn the_questions_page_is_generated_from_the_register() {
    let generated = generate(&register());
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        fs::write(repo_root().join(PAGE), &generated).expect("write the questions page");
        return;
    }
    assert!(
        read(PAGE) == generated,
        "{PAGE} is not what the register generates: run \
         SNAPSHOTS=overwrite cargo test -p book-lint questions"
    );
}

#[test]
fn the_register_rule_catches_what_it_claims_to() {
    let entry = |answered: &str| Question {
        question: "Why is my view empty?".to_owned(),
        source: "https://github.com/owner/repo/issues/1".to_owned(),
        date: "2025-01-02".to_owned(),
        stack: "rust-js".to_owned(),
        trouble: "stale or detached view".to_owned(),
        symptom: "byteLength is 0".to_owned(),
        message: "TypeError: detached ArrayBuffer".to_owned(),
        points: vec!["the memory grew".to_owned()],
        versions: "Node 22".to_owned(),
        answer: "ch09-javascript-hosts.md#views-go-stale".to_owned(),
        answered: answered.to_owned(),
        tests: vec!["harness/js/views.test.mjs::views go stale".to_owned()],
        cites: vec!["https://example.org/spec".to_owned()],
        settle: String::new(),
    };
    let ids = BTreeMap::from([(
        "src/ch09-javascript-hosts.md".to_owned(),
        BTreeSet::from(["views-go-stale".to_owned()]),
    )]);
    let page_text = |_: &str| Some("It throws `TypeError: detached ArrayBuffer`.".to_owned());
    let file_text = |path: &str| {
        (path == "harness/js/views.test.mjs").then(|| "it('views go stale')".to_owned())
    };
    let book = Book {
        ids: &ids,
        indexed_messages: vec!["TypeError: detached ArrayBuffer".to_owned()],
        page_text: &page_text,
        file_text: &file_text,
    };
    let check = |entry: Question| {
        problems(
            &Register {
                question: vec![entry],
            },
            &book,
        )
    };

    assert_none(&check(entry(EXECUTED)), "a sound executed entry");
    assert_none(&check(entry(CITED)), "a sound cited entry");

    let mut wrong = entry(EXECUTED);
    wrong.source = "github.com/owner/repo/issues/1".to_owned();
    wrong.date = "January 2025".to_owned();
    wrong.stack = "rust".to_owned();
    wrong.trouble = "confusion".to_owned();
    wrong.points = vec![String::new()];
    wrong.answer = "ch09-javascript-hosts.md#no-such-heading".to_owned();
    wrong.tests = vec![
        "harness/js/missing.test.mjs".to_owned(),
        "harness/js/views.test.mjs::no such test".to_owned(),
    ];
    let found = check(wrong);
    for expected in [
        "is not an https link",
        "is not YYYY-MM-DD",
        "the stack \"rust\"",
        "the trouble \"confusion\"",
        "no point",
        "names no heading",
        "missing.test.mjs does not exist",
        "has no test \"no such test\"",
    ] {
        assert!(
            found.iter().any(|problem| problem.contains(expected)),
            "{expected} not caught in {found:?}"
        );
    }

    let mut uncited = entry(CITED);
    uncited.cites.clear();
    uncited.versions.clear();
    let found = check(uncited);
    assert!(
        found
            .iter()
            .any(|problem| problem.contains("links no source")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|problem| problem.contains("names no version")),
        "{found:?}"
    );

    let found = check(entry(OPEN));
    assert!(
        found
            .iter()
            .any(|problem| problem.contains("what would settle it")),
        "{found:?}"
    );

    let mut unindexed = entry(EXECUTED);
    unindexed.message = "RuntimeError: unreachable".to_owned();
    let found = check(unindexed);
    assert!(
        found.iter().any(|problem| problem.contains("has no row")),
        "{found:?}"
    );

    let unquoted_page = |_: &str| Some("The memory grew.".to_owned());
    let book = Book {
        page_text: &unquoted_page,
        ..book
    };
    let found = problems(
        &Register {
            question: vec![entry(EXECUTED)],
        },
        &book,
    );
    assert!(
        found
            .iter()
            .any(|problem| problem.contains("does not quote")),
        "{found:?}"
    );
}

#[test]
fn source_labels_name_the_tracker_and_number() {
    assert_eq!(
        source_label("https://github.com/wasm-bindgen/wasm-bindgen/issues/3224"),
        "wasm-bindgen/wasm-bindgen#3224"
    );
    assert_eq!(
        source_label("https://github.com/tetratelabs/wazero/discussions/1234#discussioncomment-5"),
        "tetratelabs/wazero#1234"
    );
    assert_eq!(
        source_label("https://stackoverflow.com/questions/1/title"),
        "stackoverflow.com"
    );
    assert_eq!(slug("Browsers' limits"), "browsers-limits");
}
