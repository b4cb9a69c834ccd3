//! The atlas's cards (`src/atlas-hosts.md`, `src/atlas-guests.md`): every
//! runtime and toolchain the atlas promises has a card; every card carries
//! one badge, "executed" or "cited, not executed", right under its
//! heading, and the same fields in the same order as the others of its
//! page. An executed card names, in code spans, a file or folder of this
//! repository that runs it (a recipe's folder counts, as `hosts/node`); a
//! cited card's sources link out.

use crate::book::{read, repo_root};
use crate::markdown::{code_spans, destinations};

use super::assert_none;
use super::badges::{CITED, EXECUTED};

/// The fields of a host card, in order.
const HOST_FIELDS: [&str; 11] = [
    "Version",
    "Memory",
    "Read and write",
    "Views",
    "Allocating for the host",
    "Host-made or shared memory",
    "Limits",
    "Threads",
    "Reset",
    "Errors",
    "Sources",
];

/// The fields of a guest card, in order.
const GUEST_FIELDS: [&str; 8] = [
    "Version",
    "Allocator exports",
    "Strings, slices, structs",
    "Encoding",
    "What moves or is freed",
    "Heap",
    "Traps",
    "Sources",
];

/// The runtimes the atlas promises a card for (the headings).
const HOSTS: [&str; 14] = [
    "wasmtime, from Rust",
    "wasmtime, from C and C++",
    "wasmtime-py",
    "wasmtime, from .NET",
    "wazero",
    "JavaScript: Node and browsers",
    "Chicory (JVM)",
    "GraalWasm (JVM)",
    "pywasm",
    "wasm3",
    "Extism SDKs",
    "WAMR (WebAssembly Micro Runtime)",
    "Wasmer",
    "WasmEdge",
];

/// The toolchains the atlas promises a card for (the headings).
const GUESTS: [&str; 13] = [
    "Rust",
    "Go",
    "AssemblyScript",
    "C and C++, through `zig cc`",
    "Zig",
    "Hand-written text",
    "TinyGo",
    "C and C++, through wasi-sdk",
    "Emscripten",
    "Swift",
    "Kotlin/Wasm",
    "MoonBit",
    "C# and .NET, through NativeAOT-LLVM",
];

/// One card: its heading and the lines up to the next `## `.
struct Card<'a> {
    title: &'a str,
    lines: Vec<&'a str>,
}

fn cards(text: &str) -> Vec<Card<'_>> {
    let mut cards: Vec<Card<'_>> = Vec::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            cards.push(Card {
                title,
                lines: Vec::new(),
            });
        } else if let Some(card) = cards.last_mut() {
            card.lines.push(line);
        }
    }
    cards
}

/// Whether `path` names a file or folder of the repository, or of a
/// recipe (`hosts/node` is `listings/recipes/hosts/node`).
fn exists(path: &str) -> bool {
    let root = repo_root();
    !path.is_empty()
        && !path.contains(' ')
        && (root.join(path).exists() || root.join("listings/recipes").join(path).exists())
}

/// What is wrong with the cards of `page`, whose cards have `fields`.
fn problems(page: &str, text: &str, fields: &[&str], titles: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let cards = cards(text);
    for title in titles {
        if !cards.iter().any(|card| card.title == *title) {
            problems.push(format!("{page}: no card `## {title}`"));
        }
    }
    for card in &cards {
        let name = format!("{page}: `{}`", card.title);
        // The status: the first paragraph under the heading.
        let status: String = card
            .lines
            .iter()
            .skip_while(|line| line.trim().is_empty())
            .take_while(|line| !line.trim().is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        let executed = status.starts_with(EXECUTED);
        if !executed && !status.starts_with(CITED) {
            problems.push(format!(
                "{name}: the card must start with the executed or the cited badge"
            ));
        }
        if executed && !code_spans(&status).iter().any(|span| exists(span)) {
            problems.push(format!(
                "{name}: an executed card names, in a code span, a file or folder that runs it"
            ));
        }
        let labels: Vec<&str> = card
            .lines
            .iter()
            .filter_map(|line| line.strip_prefix("- **")?.split_once(":**"))
            .map(|(label, _)| label)
            .collect();
        if labels != fields {
            problems.push(format!(
                "{name}: the fields are {labels:?}, not {fields:?} in that order"
            ));
        }
        let body = card.lines.join("\n");
        let sources = body.split("- **Sources:**").nth(1).unwrap_or("");
        let sources = sources.split("\n\n").next().unwrap_or("");
        if !destinations(sources)
            .iter()
            .any(|link| link.starts_with("https://"))
        {
            problems.push(format!(
                "{name}: its sources link to the project's own pages"
            ));
        }
    }
    problems
}

#[test]
fn every_card_has_a_badge_and_the_fields_of_its_page() {
    let mut all = problems(
        "src/atlas-hosts.md",
        &read("src/atlas-hosts.md"),
        &HOST_FIELDS,
        &HOSTS,
    );
    all.extend(problems(
        "src/atlas-guests.md",
        &read("src/atlas-guests.md"),
        &GUEST_FIELDS,
        &GUESTS,
    ));
    assert_none(&all, "atlas cards");
}

#[test]
fn a_card_without_badge_fields_or_sources_is_refused() {
    let fields = ["Version", "Sources"];
    let good = format!(
        "## Good\n\n{EXECUTED} by `ci/test`.\n\n- **Version:** 1.\n- **Sources:** \
         [its source](https://example.org/v1).\n"
    );
    assert_eq!(
        problems("p", &good, &fields, &["Good"]),
        Vec::<String>::new()
    );
    let cases = [
        ("## Bare\n\n- **Version:** 1.\n", "must start with"),
        (
            "## Nameless\n\n<span class=\"badge executed\">executed</span> here.\n",
            "names, in a code span",
        ),
        (
            "## Swapped\n\n<span class=\"badge cited\">cited, not executed</span>\n\n- \
             **Sources:** [a](https://example.org).\n- **Version:** 1.\n",
            "in that order",
        ),
        (
            "## Unlinked\n\n<span class=\"badge cited\">cited, not executed</span>\n\n- \
             **Version:** 1.\n- **Sources:** its README.\n",
            "link to the project's own pages",
        ),
    ];
    for (text, reason) in cases {
        let found = problems("p", text, &fields, &[]);
        assert!(
            found.iter().any(|problem| problem.contains(reason)),
            "{text:?} gave {found:?}, not {reason:?}"
        );
    }
    assert!(problems("p", &good, &fields, &["Missing"])[0].contains("no card `## Missing`"));
}
