//! No undefined helper on a page: what a reader sees of a room's test is
//! code they can copy into a project of their own. It may use the
//! language's library, the runtime's API and the book's utilities, and
//! variables the page says how to make; it may not call the room's test
//! support (`book_harness`, `booktest`, `book.mjs`, `book.py`,
//! `chromium.mjs`) or a function the test file defines out of sight,
//! unless the page shows that function's definition too.

use std::collections::BTreeSet;
use std::path::Path;

use crate::book::{Page, files_under, pages, read};
use crate::includes::{directives, expand};
use crate::markdown::code_blocks;

use super::{assert_none, page};

/// The room's test support, by language: a use of it on a page is a use
/// of something the reader does not have.
const SUPPORT_MODULES: [&str; 4] = ["book_harness", "booktest", "book.mjs", "chromium.mjs"];

/// The support that stands for a path: a page may show a listing found by
/// its name (`artifact_path("CH04_PACKED_RETURN")`), or the URL of a file
/// generated beside it (`bindingsUrl`, `glueUrl`), as it may show a
/// constant, when it says beside the block which file that is.
const PATH_LOOKUPS: [&str; 7] = [
    "artifact",
    "artifact_path",
    "artifactPath",
    "bindingsUrl",
    "glueUrl",
    "booktest.Artifact",
    "booktest.ArtifactPath",
];

/// The names a definition of `text` introduces: functions, types and
/// macros, which a reader needs to see before calling them. Variables are
/// left to the page's words ("`memory` is the guest's memory").
fn definitions(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in code_only(text).lines() {
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '!'))
            .filter(|word| !word.is_empty())
            .collect();
        for pair in words.windows(2) {
            let [keyword, name] = pair else { continue };
            let introduces = matches!(
                *keyword,
                "fn" | "function" | "def" | "class" | "struct" | "enum" | "trait"
            ) || *keyword == "macro_rules!";
            if introduces {
                names.insert(name.trim_end_matches('!').to_owned());
            }
        }
        // Go: `func name(`, but not a method's `func (r T) name(`.
        if let Some(rest) = line.trim_start().strip_prefix("func ")
            && let Some(name) = identifier_at_start(rest)
        {
            names.insert(name.to_owned());
        }
    }
    names
}

/// `text` without what is not code: the insides of double-quoted strings,
/// and comments to the end of a line (`//`, and Python's `# `), so that
/// "host function \"log\"" in a message defines nothing.
fn code_only(text: &str) -> String {
    let mut code = String::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        let mut kept = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        in_string = false;
                        kept.push(c);
                    }
                    _ => {}
                }
                continue;
            }
            let comment = (c == '/' && chars.peek() == Some(&'/'))
                || (c == '#' && chars.peek() == Some(&' ') && kept.trim().is_empty());
            if comment {
                break;
            }
            in_string = c == '"';
            kept.push(c);
        }
        code.push_str(&kept);
        code.push('\n');
    }
    code
}

/// The identifier `text` starts with, if any.
fn identifier_at_start(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (end > 0 && !text.starts_with(|c: char| c.is_ascii_digit())).then(|| &text[..end])
}

/// The names `source` imports from its room's test support.
fn imported_support(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut statement = String::new();
    let mut open = false;
    for line in source.lines() {
        let trimmed = line.trim();
        let starts = trimmed.starts_with("use book_harness")
            || trimmed.starts_with("use super::")
            || trimmed.starts_with("use crate::")
            || trimmed.starts_with("from book import")
            || trimmed.starts_with("import {");
        if starts || open {
            statement.push_str(trimmed);
            statement.push(' ');
            // Rust and JavaScript end a statement with `;`; Python's import
            // ends with its line, or with the `)` that closes its list.
            open = if statement.starts_with("from book import") {
                statement.contains('(') && !trimmed.ends_with(')')
            } else {
                !trimmed.ends_with(';')
            };
            if !open {
                let from_support = statement.starts_with("use ")
                    || statement.starts_with("from book import")
                    || SUPPORT_MODULES
                        .iter()
                        .any(|module| statement.contains(&format!("{module}'")));
                if from_support {
                    names.extend(imported_names(&statement));
                }
                statement.clear();
            }
        }
    }
    names
}

/// The names one import statement brings in: the last segment of a Rust
/// path and every name in braces or after `import`, without keywords.
fn imported_names(statement: &str) -> Vec<String> {
    let body = statement
        .trim_start_matches("use ")
        .trim_start_matches("from book import")
        .trim_start_matches("import");
    let body = body.split(" from ").next().unwrap_or(body);
    body.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .flat_map(|part| part.rsplit("::").next())
        .filter(|name| {
            !name.is_empty()
                && !PATH_LOOKUPS.contains(name)
                && !matches!(*name, "self" | "super" | "crate" | "book_harness" | "as" | "from")
                // A constant names a listing, which the page gives as a path.
                && !name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

/// Whether `code` calls or names `name` as a function, a type or a macro:
/// `name(`, `name::`, `name!`, `Name {`, `new Name`, but not `x.name(`.
fn uses(code: &str, name: &str) -> bool {
    let code = code_only(code);
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + name.len()..].trim_start();
        let whole = before.is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | ':')))
            && !code[at + name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        whole
            && (after.starts_with('(')
                || after.starts_with("::")
                || after.starts_with('!')
                || (name.starts_with(char::is_uppercase) && after.starts_with('{')))
    })
}

/// What a reader sees of `code`: rustdoc's hidden lines (`# ...`) dropped.
fn visible(code: &str, hides_lines: bool) -> String {
    code.lines()
        .filter(|line| {
            let trimmed = line.trim_start();
            !(hides_lines && (trimmed == "#" || trimmed.starts_with("# ")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The definitions of every room file beside `file` in a Go package (its
/// other files are as out of sight as the rest of its own).
fn package_siblings(file: &str) -> String {
    if !file.ends_with(".go") {
        return String::new();
    }
    let dir = Path::new(file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    files_under(&dir.to_string_lossy())
        .into_iter()
        .filter(|other| {
            other.ends_with(".go")
                && other != file
                && Path::new(other).parent() == Some(dir.as_path())
        })
        .map(|other| read(&other) + "\n")
        .collect()
}

/// What `page` shows of the rooms' test support or of out-of-sight helpers.
fn problems(page: &Page) -> Vec<String> {
    let Ok(found) = directives(page) else {
        return Vec::new(); // the includes rule names the broken directive
    };
    let shown: Vec<(usize, String, String)> = found
        .iter()
        .filter(|directive| matches!(directive.kind.as_str(), "include" | "rustdoc_include"))
        .filter_map(|directive| {
            let (file, _) = directive.target(page)?;
            let room = file.starts_with("harness/")
                && [".rs", ".go", ".mjs", ".py"]
                    .iter()
                    .any(|end| file.ends_with(end));
            if !room {
                return None;
            }
            let text = visible(&expand(page, directive).ok()?, file.ends_with(".rs"));
            Some((directive.line, file, text))
        })
        .collect();
    let page_code: Vec<&str> = shown.iter().map(|(_, _, text)| text.as_str()).collect();
    let defined_on_page = definitions(&(page_code.join("\n") + "\n" + &page.text));

    let mut problems = Vec::new();
    for (line, file, text) in &shown {
        let source = read(file);
        let out_of_sight: BTreeSet<String> =
            definitions(&(source.clone() + "\n" + &package_siblings(file)))
                .difference(&definitions(text))
                .cloned()
                .chain(imported_support(&source))
                .filter(|name| {
                    !defined_on_page.contains(name) && !PATH_LOOKUPS.contains(&name.as_str())
                })
                .collect();
        let mut named: Vec<String> = out_of_sight
            .iter()
            .filter(|name| uses(text, name))
            .map(|name| format!("`{name}`"))
            .collect();
        let without_lookups = PATH_LOOKUPS.iter().fold(text.clone(), |text, lookup| {
            text.replace(&format!("{lookup}("), "(")
        });
        named.extend(
            SUPPORT_MODULES
                .iter()
                .filter(|module| {
                    without_lookups.contains(&format!("{module}::"))
                        || without_lookups.contains(&format!("{module}."))
                })
                .map(|module| format!("`{module}`")),
        );
        if !named.is_empty() {
            problems.push(format!(
                "{}:{line}: the code shown from {file} uses {}, which the page never defines: \
                 keep the room's helpers outside the anchor, or show their definition",
                page.path,
                named.join(", ")
            ));
        }
    }
    // Blocks written in the page: their visible lines too.
    for block in code_blocks(&page.text) {
        let info = block.info.as_deref().unwrap_or("");
        // A constant names a listing's path, which the page gives beside it.
        let seen = visible(&block.content, true);
        let calls_support = seen.match_indices("book_harness::").any(|(at, found)| {
            !seen[at + found.len()..].starts_with(|c: char| c.is_ascii_uppercase())
        });
        if info.starts_with("rust") && calls_support {
            problems.push(format!(
                "{}: a Rust block calls `book_harness::` outside its hidden (`# `) lines",
                page.path
            ));
        }
    }
    problems
}

#[test]
fn no_page_shows_a_helper_the_reader_does_not_have() {
    let problems: Vec<String> = pages().iter().flat_map(problems).collect();
    assert_none(&problems, "helpers a page uses but never shows");
}

#[test]
fn a_helper_out_of_sight_is_refused_and_a_shown_one_is_not() {
    let source = "use book_harness::round_trip::call_with_bytes;\n\
                  fn helper() {}\n\
                  // ANCHOR: shown\n\
                  let out = call_with_bytes(&mut store, b\"x\")?;\n\
                  helper();\n\
                  memory.read(&store, 0, &mut out)?;\n\
                  // ANCHOR_END: shown\n";
    let names = imported_support(source);
    assert!(names.contains("call_with_bytes"), "{names:?}");
    assert!(definitions(source).contains("helper"));
    assert!(uses("let x = call_with_bytes(&mut s)?;", "call_with_bytes"));
    assert!(
        !uses("memory.helper()", "helper"),
        "a method is not the helper"
    );
    assert!(!uses("let helpers = 1;", "helper"));
    assert!(uses("booktest::x", "booktest"));
    assert!(definitions("panic(\"host function \\\"log\\\": bad\")").is_empty());
    assert!(definitions("// a function to call\n# def in a comment\n").is_empty());
    assert!(!uses("// then helper() runs", "helper"));
    assert!(
        !imported_support("from book import artifact_path, unpack\n").contains("artifact_path")
    );

    let js = "import { artifact, instantiate } from './book.mjs';\nimport fs from 'node:fs';\n";
    let names = imported_support(js);
    assert!(
        names.contains("instantiate") && !names.contains("fs"),
        "{names:?}"
    );
    let python = "from book import (\n    GuestLied,\n    unpack,\n)\nimport wasmtime\n";
    let names = imported_support(python);
    assert!(
        names.contains("unpack") && names.contains("GuestLied"),
        "{names:?}"
    );
    assert!(definitions("func (h *host) method() {}\nfunc Free() {}\n").contains("Free"));
    assert!(!definitions("func (h *host) method() {}\n").contains("method"));

    let shown = page("```rust\n# let x = book_harness::instantiate(A)?;\nlet y = 1;\n```\n");
    assert!(problems(&shown).is_empty(), "{:?}", problems(&shown));
    let leaked = page("```rust\nlet x = book_harness::instantiate(A)?;\n```\n");
    assert_eq!(problems(&leaked).len(), 1);
}
