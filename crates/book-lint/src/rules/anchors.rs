//! Every `ANCHOR: name` in the listings and in the code of the utilities,
//! the builder and the host rooms is closed by `ANCHOR_END: name`, and no
//! file has two anchors of one name (an include would show only the
//! first).

use std::collections::HashSet;

use crate::book::{files_under, repo_root};
use crate::sources::{ROOMS, UTILITIES, is_code};

use super::assert_none;

/// The name after `marker` on this line, if any.
fn anchor_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let at = line.find(marker)?;
    let name = line[at + marker.len()..].trim_start();
    let end = name
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(name.len());
    (end > 0).then(|| &name[..end])
}

/// What is wrong with the anchors of one file.
fn problems(file: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let lines: Vec<&str> = text.lines().collect();
    for (number, line) in lines.iter().enumerate() {
        let Some(name) = anchor_name(line, "ANCHOR:") else {
            continue;
        };
        let closed = lines[number + 1..]
            .iter()
            .any(|later| anchor_name(later, "ANCHOR_END:") == Some(name));
        if !closed {
            problems.push(format!(
                "{file}:{}: `ANCHOR: {name}` is never closed",
                number + 1
            ));
        }
        if !seen.insert(name) {
            problems.push(format!(
                "{file}:{}: a second anchor `{name}`; an include would show only the first",
                number + 1
            ));
        }
    }
    problems
}

#[test]
fn anchors_open_close_and_are_unique() {
    let root = repo_root();
    let mut problems_found = Vec::new();
    let folders = ["listings", "crates/listing-builder"]
        .into_iter()
        .chain(UTILITIES)
        .chain(ROOMS);
    for file in folders.flat_map(files_under).filter(|file| is_code(file)) {
        if let Ok(text) = std::fs::read_to_string(root.join(&file)) {
            problems_found.extend(problems(&file, &text));
        }
    }
    assert_none(&problems_found, "anchors");
}

#[test]
fn an_unclosed_or_repeated_anchor_is_refused() {
    let good =
        "// ANCHOR: outer\nb\n// ANCHOR: inner\nc\n// ANCHOR_END: inner\n// ANCHOR_END: outer\n";
    assert_eq!(problems("f.rs", good), Vec::<String>::new());
    let open = problems("f.rs", "// ANCHOR: open\nx\n");
    assert!(
        open[0].contains("`ANCHOR: open` is never closed"),
        "{open:?}"
    );
    let twice = problems(
        "f.rs",
        ";; ANCHOR: a\n;; ANCHOR_END: a\n;; ANCHOR: a\n;; ANCHOR_END: a\n",
    );
    assert!(twice[0].contains("a second anchor `a`"), "{twice:?}");
}
