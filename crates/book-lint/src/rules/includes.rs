//! Every `{{#include}}` includes something that the tests build, run or
//! compare against, names it by anchor, and starts its line. What it
//! includes is mdBook's own answer (`crate::includes::expand`).

use crate::book::{Page, pages};
use crate::includes::{Directive, directives, expand};
use crate::sources::{EXPECTED_DIR, is_shown_code, listing_sources, room_sources};

use super::{assert_none, page};

/// The directives mdBook-tabs expands, which `tabs.rs` checks.
pub(super) fn is_tab_directive(kind: &str) -> bool {
    matches!(kind, "tabs" | "tab" | "endtab" | "endtabs")
}

/// What the tests build, run or compare against, for deciding whether an
/// included file is one of them.
pub(super) struct Tested {
    listings: Vec<String>,
    room_sources: String,
}

impl Tested {
    pub(super) fn new() -> Self {
        Tested {
            listings: listing_sources(),
            room_sources: room_sources(),
        }
    }

    /// Whether `file` (from the repository root) is a listing, code of a
    /// utility, a room or the builder (which their test runners run), an
    /// expected output a test compares, or a table a `ci/` script measured.
    pub(super) fn includes(&self, file: &str) -> bool {
        if let Some(name) = file.strip_prefix(&format!("{EXPECTED_DIR}/")) {
            return is_named_by_a_test(name, &self.room_sources);
        }
        self.listings
            .iter()
            .any(|source| file == source || file.starts_with(&format!("{source}/")))
            // Benchmark tables: what `ci/bench` and `ci/soak` wrote, which
            // `benchmarks.rs` checks says so.
            || file.starts_with("benchmarks/")
            // The recipes: ci/recipes builds and runs every file of them
            // from a copy (`recipes.rs` checks the pages show them whole).
            || file.starts_with("listings/recipes/")
            || is_shown_code(file)
    }
}

/// Whether a test names the expected output `name` as a string.
pub(super) fn is_named_by_a_test(name: &str, room_sources: &str) -> bool {
    ['"', '\'']
        .iter()
        .any(|quote| room_sources.contains(&format!("{quote}{name}{quote}")))
}

/// What is wrong with one directive of `page`, if anything.
fn problem(page: &Page, directive: &Directive, tested: &Tested) -> Option<String> {
    let at = format!("{}:{}: `{}`", page.path, directive.line, directive.text);
    if !matches!(directive.kind.as_str(), "include" | "rustdoc_include") {
        return Some(format!(
            "{at}: only `include` and `rustdoc_include` (and the tabs) are used in this book"
        ));
    }
    if directive.selects_line_numbers() {
        return Some(format!(
            "{at}: line numbers drift when the file changes; put `// ANCHOR: name` / \
             `// ANCHOR_END: name` around the lines and include `file:name`"
        ));
    }
    if !directive.starts_its_line(page) {
        return Some(format!(
            "{at}: an indented include: mdBook does not indent the lines it includes, so they \
             end the list item and leave its fence open; put the block at the margin"
        ));
    }
    let Some((file, _)) = directive.target(page) else {
        return Some(format!("{at}: points outside the repository"));
    };
    match expand(page, directive) {
        Err(reported) => return Some(format!("{at}: mdBook could not include it: {reported}")),
        Ok(text) if text.trim().is_empty() => {
            return Some(format!(
                "{at}: includes nothing: no `ANCHOR: name` ... `ANCHOR_END: name` of that name \
                 in {file}, or nothing between them"
            ));
        }
        Ok(_) => {}
    }
    (!tested.includes(&file)).then(|| {
        format!(
            "{at}: {file} is not a listing, a test, or an expected output a test compares against"
        )
    })
}

#[test]
fn every_include_expands_to_something_the_tests_run() {
    let tested = Tested::new();
    let mut problems = Vec::new();
    let mut includes = 0;
    for page in pages() {
        match directives(&page) {
            Err(problem) => problems.push(problem),
            Ok(found) => {
                for directive in found.iter().filter(|d| !is_tab_directive(&d.kind)) {
                    includes += 1;
                    problems.extend(problem(&page, directive, &tested));
                }
            }
        }
    }
    assert_none(
        &problems,
        "includes that mdBook cannot expand, or that show untested files",
    );
    assert!(
        includes >= 200,
        "only {includes} includes found: has the book moved?"
    );
}

#[test]
fn a_broken_include_is_refused_with_the_reason() {
    let tested = Tested::new();
    let cases = [
        // mdBook's own words: it leaves the directive as written.
        (
            "{{#include ../no/such-file.rs:x}}\n",
            "mdBook could not include it",
        ),
        (
            "{{#include ../Cargo.toml:no_such_anchor}}\n",
            "includes nothing",
        ),
        ("{{#include ../Cargo.toml:3:9}}\n", "line numbers drift"),
        (
            "- item\n\n  {{#include ../Cargo.toml}}\n",
            "an indented include",
        ),
        ("{{#include ../Cargo.toml}}\n", "is not a listing, a test"),
        (
            "{{#include ../crates/book-lint/src/lib.rs}}\n",
            "is not a listing, a test",
        ),
        (
            "{{#playground ../Cargo.toml}}\n",
            "only `include` and `rustdoc_include`",
        ),
        (
            "{{#include ../../../etc/passwd}}\n",
            "outside the repository",
        ),
    ];
    for (text, reason) in cases {
        let page = page(text);
        let found = directives(&page).unwrap();
        let problems: Vec<String> = found
            .iter()
            .filter_map(|directive| problem(&page, directive, &tested))
            .collect();
        assert!(
            problems.iter().any(|problem| problem.contains(reason)),
            "{reason:?} not among {problems:?} for {text:?}"
        );
    }
    // Escaped directives are prose; a listing's anchor is fine.
    let page = page(
        "\\{{#include not-a-file}} and\n{{#include ../crates/wasm-memory-host/fixtures/liar.wat:liar}}\n",
    );
    let found = directives(&page).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(problem(&page, &found[0], &tested), None);
}
