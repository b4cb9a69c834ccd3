//! Language tabs (mdbook-tabs): where one idea is shown for several guests
//! or hosts, a block of tabs holds one tab per language, and a reader's
//! choice holds on every page (`global`, kept in `localStorage`).
//!
//! mdbook-tabs 1.0.5 restores a saved choice in every block of its group
//! once any tab on the page has that name, so a block without it shows no
//! tab at all (`harness/browser/tabs.test.mjs` shows it happen). Here every
//! block of a group has all of the group's tabs, in the group's order.

use crate::book::{Page, pages};

use super::includes::is_tab_directive;

/// The groups of tabs, and their tabs in order. A host block has a tab for
/// each host room of the book: wasmtime (Rust), wazero (Go), JavaScript, and
/// wasmtime-py (Python), the host of the C guest's recipe.
const GROUPS: [(&str, &[&str]); 2] = [
    ("guest", &["Rust", "Go", "AssemblyScript"]),
    ("host", &["wasmtime", "wazero", "JavaScript", "Python"]),
];

/// A tab directive: `{{#tabs global="guest"}}` is `tabs`, with the argument
/// `("global", "guest")`.
struct Directive<'a> {
    kind: &'a str,
    argument: Option<(&'a str, &'a str)>,
}

/// The tab directive a line is, if it is one; an error if its argument is
/// not `key="value"`.
fn directive(line: &str) -> Option<Result<Directive<'_>, String>> {
    let inner = line.trim().strip_prefix("{{#")?.strip_suffix("}}")?.trim();
    let (kind, argument) = inner.split_once(' ').unwrap_or((inner, ""));
    if !is_tab_directive(kind) {
        return None;
    }
    let argument = argument.trim();
    if argument.is_empty() {
        return Some(Ok(Directive {
            kind,
            argument: None,
        }));
    }
    Some(match argument.split_once('=') {
        Some((key, value)) if !value.trim().trim_matches('"').is_empty() => Ok(Directive {
            kind,
            argument: Some((key.trim(), value.trim().trim_matches('"'))),
        }),
        _ => Err(format!("`{}`: expected `key=\"value\"`", line.trim())),
    })
}

/// What is wrong with the tab blocks of one page.
fn tab_problems(path: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fenced = false;
    // The open block: its group's tabs, the names seen, and the open tab.
    let mut block: Option<(&[&str], Vec<String>)> = None;
    let mut tab: Option<(String, bool)> = None; // name, has content
    for (number, line) in text.lines().enumerate() {
        let at = format!("{path}:{}", number + 1);
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            fenced = !fenced;
        }
        let parsed = directive(line);
        if parsed.is_none() && !fenced && line.contains("{{#tab") && !line.contains("\\{{#tab") {
            problems.push(format!("{at}: a tab directive must be alone on its line"));
        }
        let Some(parsed) = parsed else {
            if let Some((name, content)) = &mut tab {
                *content |= !line.trim().is_empty();
                if !fenced && trimmed.starts_with('#') && !trimmed.starts_with("#[") {
                    problems.push(format!(
                        "{at}: a heading inside the tab `{name}`: a hidden tab's headings \
                         are still in the page's navigation"
                    ));
                }
            }
            continue;
        };
        if fenced {
            problems.push(format!(
                "{at}: a tab directive inside a code block, which mdbook-tabs expands there too"
            ));
            continue;
        }
        let Directive { kind, argument } = match parsed {
            Ok(parsed) => parsed,
            Err(problem) => {
                problems.push(format!("{at}: {problem}"));
                continue;
            }
        };
        match (kind, argument) {
            ("tabs", Some(("global", group))) if block.is_none() => {
                match GROUPS.iter().find(|(name, _)| *name == group) {
                    Some((_, names)) => block = Some((names, Vec::new())),
                    None => problems.push(format!(
                        "{at}: no group of tabs called `{group}`; the groups are {}",
                        GROUPS.map(|(name, _)| format!("`{name}`")).join(" and ")
                    )),
                }
            }
            ("tabs", _) if block.is_some() => {
                problems.push(format!("{at}: a block of tabs inside another"));
            }
            ("tabs", _) => problems.push(format!(
                "{at}: every block of tabs is global: `{{{{#tabs global=\"guest\"}}}}` or \
                 `{{{{#tabs global=\"host\"}}}}`"
            )),
            ("tab", Some(("name", name))) if block.is_some() && tab.is_none() => {
                tab = Some((name.to_owned(), false));
            }
            ("tab", _) if tab.is_some() => {
                problems.push(format!("{at}: a tab opens before the last one ends"));
            }
            ("tab", _) => problems.push(format!(
                "{at}: a tab is `{{{{#tab name=\"...\"}}}}` inside a block of tabs"
            )),
            ("endtab", None) => match (tab.take(), &mut block) {
                (Some((name, content)), Some((_, names))) => {
                    if !content {
                        problems.push(format!("{at}: the tab `{name}` is empty"));
                    }
                    names.push(name);
                }
                _ => problems.push(format!("{at}: `{{{{#endtab}}}}` without a tab")),
            },
            ("endtabs", None) if tab.is_some() => {
                problems.push(format!("{at}: the block ends inside a tab"));
                tab = None;
                block = None;
            }
            ("endtabs", None) => match block.take() {
                Some((expected, names)) if names != *expected => problems.push(format!(
                    "{at}: the tabs are {names:?}; every block of this group has {expected:?}, \
                     in that order"
                )),
                Some(_) => {}
                None => problems.push(format!("{at}: `{{{{#endtabs}}}}` without a block")),
            },
            _ => problems.push(format!("{at}: `{}` takes no such argument", line.trim())),
        }
    }
    if block.is_some() {
        problems.push(format!("{path}: a block of tabs is never closed"));
    }
    problems
}

/// The chapters whose host code is shown in every host of the book: each
/// block of a room's code is inside a block of host tabs. Chapter 9, the
/// JavaScript chapter, may also show JavaScript alone, for what only
/// JavaScript has (`BigInt`, detached buffers, realms).
const TABBED_CHAPTERS: [&str; 8] = [
    "ch02", "ch03", "ch04", "ch05", "ch06", "ch07", "ch08", "ch09",
];

/// The host code of `text` that is shown outside a block of host tabs:
/// the line of each include of a room's test, and of each Rust doctest.
fn untabbed_host_code(path: &str, text: &str) -> Vec<String> {
    let javascript_alone_is_fine = path.contains("/ch09-");
    let mut problems = Vec::new();
    let mut in_host_tabs = false;
    let mut fence: Option<String> = None;
    // A Rust doctest that uses a runtime, from the line it starts on.
    let mut doctest: Option<(usize, bool)> = None;
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        match directive(line) {
            Some(Ok(Directive {
                kind: "tabs",
                argument: Some(("global", "host")),
            })) => {
                in_host_tabs = true;
            }
            Some(Ok(Directive {
                kind: "endtabs", ..
            })) => in_host_tabs = false,
            _ => {}
        }
        if let Some(rest) = trimmed.strip_prefix("```") {
            fence = match fence {
                None => Some(rest.to_owned()),
                Some(_) => None,
            };
            match (&fence, doctest.take()) {
                (Some(info), _) if info.starts_with("rust") => doctest = Some((number + 1, false)),
                (None, Some((start, true))) if !in_host_tabs => problems.push(format!(
                    "{path}:{start}: a Rust host block (it uses wasmtime) outside host tabs"
                )),
                _ => {}
            }
            continue;
        }
        if let Some((_, uses_a_runtime)) = &mut doctest {
            *uses_a_runtime |= line.contains("wasmtime") || line.contains("book_harness");
        }
        let room = [
            "harness/rust/",
            "harness/go/",
            "harness/js/",
            "harness/python/",
        ]
        .into_iter()
        .find(|room| trimmed.starts_with("{{#include ../") && trimmed.contains(room));
        let alone_is_fine = room == Some("harness/js/") && javascript_alone_is_fine;
        if fence.is_some() && room.is_some() && !in_host_tabs && !alone_is_fine {
            problems.push(format!(
                "{path}:{}: host code of {} outside a block of host tabs",
                number + 1,
                room.unwrap_or_default()
            ));
        }
    }
    problems
}

#[test]
fn chapters_2_to_9_show_host_code_in_every_host() {
    let problems: Vec<String> = pages()
        .iter()
        .filter(|page| {
            TABBED_CHAPTERS
                .iter()
                .any(|chapter| page.path.starts_with(&format!("src/{chapter}-")))
        })
        .flat_map(|page| untabbed_host_code(&page.path, &page.text))
        .collect();
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
    let alone = "```js\n{{#include ../harness/js/x.test.mjs:a}}\n```\n";
    assert_eq!(
        untabbed_host_code("src/ch09-javascript-hosts.md", alone),
        Vec::<String>::new()
    );
    assert_eq!(
        untabbed_host_code("src/ch03-passing-bytes-in.md", alone).len(),
        1
    );
    let tabbed = format!(
        "{{{{#tabs global=\"host\"}}}}\n{{{{#tab name=\"JavaScript\"}}}}\n{alone}{{{{#endtab}}}}\n{{{{#endtabs}}}}\n"
    );
    assert_eq!(
        untabbed_host_code("src/ch03-passing-bytes-in.md", &tabbed),
        Vec::<String>::new()
    );
}

#[test]
fn every_block_of_tabs_has_its_group_s_tabs_in_order() {
    let pages: Vec<Page> = pages();
    let problems: Vec<String> = pages
        .iter()
        .flat_map(|page| tab_problems(&page.path, &page.text))
        .collect();
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
    for (group, _) in GROUPS {
        let opening = format!("{{{{#tabs global=\"{group}\"}}}}");
        let pages_using = pages
            .iter()
            .filter(|page| page.text.contains(&opening))
            .count();
        assert!(
            pages_using >= 2,
            "the `{group}` tabs are on {pages_using} pages: a choice that holds across pages needs two"
        );
    }
}

#[test]
fn a_block_that_breaks_a_rule_is_refused_with_the_reason() {
    let block = |tabs: &str| format!("{{{{#tabs global=\"guest\"}}}}\n{tabs}{{{{#endtabs}}}}\n");
    let tab =
        |name: &str, body: &str| format!("{{{{#tab name=\"{name}\"}}}}\n{body}{{{{#endtab}}}}\n");
    let whole = block(
        &[
            tab("Rust", "a\n"),
            tab("Go", "b\n"),
            tab("AssemblyScript", "c\n"),
        ]
        .concat(),
    );
    assert_eq!(tab_problems("p", &whole), Vec::<String>::new());

    let cases = [
        (
            block(&[tab("Rust", "a\n"), tab("Go", "b\n")].concat()),
            "every block of this group has",
        ),
        (
            block(
                &[
                    tab("Go", "b\n"),
                    tab("Rust", "a\n"),
                    tab("AssemblyScript", "c\n"),
                ]
                .concat(),
            ),
            "in that order",
        ),
        (
            block(
                &[
                    tab("Rust", "\n"),
                    tab("Go", "b\n"),
                    tab("AssemblyScript", "c\n"),
                ]
                .concat(),
            ),
            "the tab `Rust` is empty",
        ),
        (
            block(
                &[
                    tab("Rust", "## Heading\n"),
                    tab("Go", "b\n"),
                    tab("AssemblyScript", "c\n"),
                ]
                .concat(),
            ),
            "a heading inside the tab `Rust`",
        ),
        (
            whole.replace("global=\"guest\"", "global=\"language\""),
            "no group of tabs called `language`",
        ),
        (
            whole.replace(" global=\"guest\"", ""),
            "every block of tabs is global",
        ),
        (whole.replace("{{#endtabs}}\n", ""), "never closed"),
        (format!("```md\n{whole}```\n"), "inside a code block"),
        (
            "text {{#tab name=\"Rust\"}}\n".to_owned(),
            "alone on its line",
        ),
    ];
    for (text, reason) in cases {
        let problems = tab_problems("p", &text);
        assert!(
            problems.iter().any(|problem| problem.contains(reason)),
            "{reason:?} not among {problems:?} for\n{text}"
        );
    }
}
