//! The book's own lint: what mdBook does not check, or checks without failing.
//!
//! - every `{{#include}}` / `{{#rustdoc_include}}` names an existing file and,
//!   if it names an anchor, one that exists and is not empty (mdBook 0.5
//!   prints a warning and exits 0);
//! - every included file is one the tests build or run, and every
//!   expected-output file is one a test compares against;
//! - every listing is shown in some chapter;
//! - every code block is a doctest (```` ```rust ````), a diagram
//!   (```` ```mermaid ````), a command that exists (```` ```console ````), or
//!   an include and nothing else, and every include starts its line;
//! - every internal link and image points at a file, and at a heading that
//!   exists;
//! - every chapter is in `SUMMARY.md`, and the versions the introduction
//!   shows are the pinned ones.
//!
//! Language tabs have a lint of their own, in tabs.rs.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use book_listings::expected::assert_expected;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A chapter file, read once.
pub(crate) struct Chapter {
    /// `src/ch03-passing-bytes-in.md`, relative to the repository root.
    pub(crate) path: String,
    pub(crate) text: String,
}

fn repo() -> PathBuf {
    book_listings::repo_root()
        .canonicalize()
        .expect("the repository root exists")
}

pub(crate) fn chapters() -> Vec<Chapter> {
    let mut chapters: Vec<Chapter> = fs::read_dir(repo().join("src"))
        .expect("src/ exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .filter(|path| !path.ends_with("SUMMARY.md"))
        .map(|path| Chapter {
            path: format!("src/{}", path.file_name().unwrap().to_string_lossy()),
            text: fs::read_to_string(&path).expect("readable chapter"),
        })
        .collect();
    chapters.sort_by(|a, b| a.path.cmp(&b.path));
    chapters
}

fn markdown_events(text: &str) -> Parser<'_> {
    Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES)
}

/// `{{#include ../listings/x/src/lib.rs:anchor}}`, parsed.
#[derive(Debug)]
struct Include {
    /// The directive as written, for messages.
    directive: String,
    /// The file, relative to the repository root, normalized.
    file: String,
    anchor: Option<String>,
}

/// Every include directive of a chapter, escaped ones (`\{{#...}}`) aside.
/// Errors are directives this book does not allow.
fn includes(chapter: &Chapter) -> Vec<Result<Include, String>> {
    let mut found = Vec::new();
    let mut rest = chapter.text.as_str();
    while let Some(start) = rest.find("{{#") {
        let escaped = rest[..start].ends_with('\\');
        let after = &rest[start..];
        let Some(end) = after.find("}}") else {
            found.push(Err(format!("{}: unterminated `{{{{#`", chapter.path)));
            break;
        };
        let directive = &after[..end + 2];
        rest = &after[end + 2..];
        let kind = directive[3..directive.len() - 2].split_whitespace().next();
        if escaped || kind.is_some_and(crate::tabs::is_tab_directive) {
            continue; // language tabs are checked in tabs.rs
        }
        found.push(parse_include(chapter, directive));
    }
    found
}

fn parse_include(chapter: &Chapter, directive: &str) -> Result<Include, String> {
    let inner = directive[3..directive.len() - 2].trim();
    let (kind, argument) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
    if kind != "include" && kind != "rustdoc_include" {
        return Err(format!(
            "{}: `{directive}`: only `include` and `rustdoc_include` are used in this book",
            chapter.path
        ));
    }
    let argument = argument.trim();
    let (file, anchor) = match argument.split_once(':') {
        Some((file, selector)) if selector.chars().all(|c| c.is_ascii_digit() || c == ':') => {
            return Err(format!(
                "{}: `{directive}`: line numbers drift when the file changes; \
                 put `// ANCHOR: name` / `// ANCHOR_END: name` around the lines and \
                 include `{file}:name`",
                chapter.path
            ));
        }
        Some((file, anchor)) => (file, Some(anchor.to_owned())),
        None => (argument, None),
    };
    let file = normalize(Path::new("src").join(file)).ok_or_else(|| {
        format!(
            "{}: `{directive}` points outside the repository",
            chapter.path
        )
    })?;
    Ok(Include {
        directive: directive.to_owned(),
        file,
        anchor,
    })
}

/// `src/../listings/a/b` becomes `listings/a/b`; `None` if it leaves the repository.
fn normalize(path: PathBuf) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// The lines of `text` between `ANCHOR: name` and `ANCHOR_END: name`,
/// without other anchor lines, as mdBook selects them; `None` if the anchor
/// does not open and close.
fn anchor_body(text: &str, name: &str) -> Option<String> {
    let mut body = String::new();
    let mut inside = false;
    for line in text.lines() {
        if anchor_name(line, "ANCHOR_END:") == Some(name) && inside {
            return Some(body);
        }
        if anchor_name(line, "ANCHOR:") == Some(name) {
            inside = true;
        } else if inside
            && anchor_name(line, "ANCHOR:")
                .or(anchor_name(line, "ANCHOR_END:"))
                .is_none()
        {
            body.push_str(line);
            body.push('\n');
        }
    }
    None
}

/// The name after `marker` on this line, if any.
fn anchor_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let at = line.find(marker)?;
    let name = line[at + marker.len()..].trim_start();
    let end = name
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(name.len());
    (end > 0).then(|| &name[..end])
}

/// The source files of the tests in every language, concatenated: where the
/// expected-output files are named, each by the one test that compares it
/// (`assert_expected("x.txt", ...)` in Rust, `booktest.ExpectFile(t,
/// "x.txt", ...)` in Go, `expectFile('x.txt', ...)` in JavaScript).
fn test_sources() -> String {
    let mut files = Vec::new();
    collect_files(&repo().join("crates/book-listings/tests"), &mut files);
    collect_files(&repo().join("crates/wasm-memory-js/test"), &mut files);
    collect_files(&repo().join("crates/go"), &mut files);
    files
        .iter()
        .filter(|file| {
            let name = file.to_string_lossy();
            name.ends_with(".rs") || name.ends_with(".mjs") || name.ends_with("_test.go")
        })
        .map(|file| fs::read_to_string(file).expect("readable"))
        .collect()
}

/// The expected-output files, by file name.
fn expected_files() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(book_listings::expected::expected_dir())
        .expect("the expected-output folder")
        .map(|entry| {
            entry
                .expect("readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Whether a test names the expected-output file `name` as a string.
fn is_compared_by_a_test(name: &str, test_sources: &str) -> bool {
    ['"', '\'']
        .iter()
        .any(|quote| test_sources.contains(&format!("{quote}{name}{quote}")))
}

/// Is `file` something the tests build, run or compare against?
fn is_tested_file(file: &str, test_sources: &str) -> bool {
    if let Some(name) = file.strip_prefix(&format!("{}/", book_listings::expected::EXPECTED_DIR)) {
        return is_compared_by_a_test(name, test_sources);
    }
    // Every crate under crates/ is built and tested by `cargo test
    // --workspace`, the Go packages by `go test`, the JavaScript by
    // `node --test` (run from cargo test); the listing builder compiles the
    // listings, shown as it runs.
    // Benchmark results: measurements that `ci/bench` writes, shown as
    // such; a test below checks they say where they come from.
    book_listings::LISTING_SOURCES
        .iter()
        .any(|source| file == *source || file.starts_with(&format!("{source}/")))
        || file.starts_with("benchmarks/")
        || (file.starts_with("crates/")
            && [".rs", ".go", ".mjs"]
                .iter()
                .any(|ending| file.ends_with(ending)))
}

#[test]
fn every_expected_output_file_is_compared_by_a_test() {
    let test_sources = test_sources();
    let unread: Vec<String> = expected_files()
        .into_iter()
        .filter(|name| !is_compared_by_a_test(name, &test_sources))
        .collect();
    assert!(
        unread.is_empty(),
        "files of {} that no test compares against (delete them, or name them in the test that \
         produces them): {unread:?}",
        book_listings::expected::EXPECTED_DIR
    );
}

#[test]
fn every_include_names_a_tested_file_and_a_non_empty_anchor() {
    let test_sources = test_sources();
    let mut problems = Vec::new();
    for chapter in chapters() {
        for include in includes(&chapter) {
            let include = match include {
                Ok(include) => include,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            let Ok(text) = fs::read_to_string(repo().join(&include.file)) else {
                problems.push(format!(
                    "{}: `{}`: no such file",
                    chapter.path, include.directive
                ));
                continue;
            };
            if !is_tested_file(&include.file, &test_sources) {
                problems.push(format!(
                    "{}: `{}`: {} is not a listing, a test, or an expected-output file a test \
                     compares against",
                    chapter.path, include.directive, include.file
                ));
            }
            let body = match &include.anchor {
                Some(anchor) => match anchor_body(&text, anchor) {
                    Some(body) => body,
                    None => {
                        problems.push(format!(
                            "{}: `{}`: no `ANCHOR: {anchor}` ... `ANCHOR_END: {anchor}` in {}",
                            chapter.path, include.directive, include.file
                        ));
                        continue;
                    }
                },
                None => text,
            };
            if body.trim().is_empty() {
                problems.push(format!(
                    "{}: `{}`: includes nothing",
                    chapter.path, include.directive
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn every_listing_is_shown_in_a_chapter() {
    let included: Vec<String> = chapters()
        .iter()
        .flat_map(includes)
        .filter_map(Result::ok)
        .map(|include| include.file)
        .collect();
    let unshown: Vec<&str> = book_listings::LISTING_SOURCES
        .iter()
        .copied()
        .filter(|source| {
            !included
                .iter()
                .any(|file| file == source || file.starts_with(&format!("{source}/")))
        })
        .collect();
    assert!(
        unshown.is_empty(),
        "listings that no chapter includes: {unshown:?}"
    );
}

#[test]
fn every_code_block_is_tested_or_included() {
    let mut problems = Vec::new();
    for chapter in chapters() {
        for line in indented_includes(&chapter.text) {
            problems.push(format!(
                "{}:{line}: an indented `{{{{#include}}}}`: mdBook does not indent the lines it \
                 includes, so they end the list item and leave its fence open; put the block \
                 at the margin",
                chapter.path
            ));
        }
        let mut block: Option<(String, String)> = None; // (info string, content)
        for event in markdown_events(&chapter.text) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => problems.push(format!(
                    "{}: an indented code block: use a fenced one with a language",
                    chapter.path
                )),
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    block = Some((info.to_string(), String::new()));
                }
                Event::Text(text) => {
                    if let Some((_, content)) = &mut block {
                        content.push_str(&text);
                    }
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((info, content)) = block.take()
                        && let Err(problem) = check_code_block(&info, &content)
                    {
                        let first_line = content.lines().next().unwrap_or("");
                        problems.push(format!(
                            "{}: ```{info} block starting `{first_line}`: {problem}",
                            chapter.path
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The line numbers of `{{#include}}` directives that do not start a line.
fn indented_includes(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.starts_with([' ', '\t']) && line.trim_start().starts_with("{{#"))
        .map(|(index, _)| index + 1)
        .collect()
}

/// The rules for one fenced block; see the top of this file.
fn check_code_block(info: &str, content: &str) -> Result<(), String> {
    let mut words = info.split(',').map(str::trim);
    let language = words.next().unwrap_or("");
    let attributes: Vec<&str> = words.collect();
    let is_one_include = {
        let trimmed = content.trim();
        trimmed.starts_with("{{#") && trimmed.ends_with("}}") && trimmed.lines().count() == 1
    };
    match language {
        "" => Err("label the block with its language".to_owned()),
        "rust" => {
            if let Some(attribute) = attributes
                .iter()
                .find(|a| a.starts_with("ignore") || **a == "no_run")
            {
                return Err(format!(
                    "`{attribute}` means the block is not run; make it pass, or mark wrong \
                     code `compile_fail` / `should_panic` so the test proves it fails"
                ));
            }
            if content.contains("{{#") {
                return Err(
                    "```rust blocks are doctests and cannot include files (the cargo doctest \
                     sees the directive, not the file); show included code in a ```rs block"
                        .to_owned(),
                );
            }
            Ok(())
        }
        "mermaid" => Ok(()),
        "console" => {
            for command in content.lines().filter_map(|line| line.strip_prefix("$ ")) {
                let program = command.split_whitespace().next().unwrap_or("");
                if !repo().join(program).is_file() {
                    return Err(format!("`{program}` is not a script in this repository"));
                }
            }
            Ok(())
        }
        _ if is_one_include => Ok(()),
        _ => Err(format!(
            "a ```{language} block must be one `{{{{#include file:anchor}}}}` of a file the \
             tests run (or be a ```rust doctest)"
        )),
    }
}

/// The ids mdBook gives the headings of a chapter.
pub(crate) fn heading_ids(text: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut heading: Option<String> = None;
    for event in markdown_events(text) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(heading) = &mut heading {
                    heading.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let id = id_from_content(&heading.take().unwrap_or_default());
                let mut unique = id.clone();
                let mut counter = 1;
                while !ids.insert(unique.clone()) {
                    unique = format!("{id}-{counter}");
                    counter += 1;
                }
            }
            _ => {}
        }
    }
    ids
}

/// mdBook 0.5's `id_from_content`.
fn id_from_content(content: &str) -> String {
    content
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|ch| {
            if ch.is_alphanumeric() || ch == '_' || ch == '-' {
                Some(ch)
            } else if ch.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn internal_links_and_images_resolve() {
    let chapters = chapters();
    let ids: BTreeMap<&str, HashSet<String>> = chapters
        .iter()
        .map(|chapter| (chapter.path.as_str(), heading_ids(&chapter.text)))
        .collect();
    let mut problems = Vec::new();
    for chapter in &chapters {
        for event in markdown_events(&chapter.text) {
            let destination = match event {
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => dest_url,
                _ => continue,
            };
            if destination.contains("://") || destination.starts_with("mailto:") {
                continue; // external: not checked, the tests run without network
            }
            let (file, fragment) = destination.split_once('#').unwrap_or((&destination, ""));
            let target = if file.is_empty() {
                chapter.path.clone()
            } else {
                match normalize(Path::new("src").join(file)) {
                    Some(target) => target,
                    None => {
                        problems.push(format!(
                            "{}: link to {destination} leaves the repository",
                            chapter.path
                        ));
                        continue;
                    }
                }
            };
            if !repo().join(&target).is_file() {
                problems.push(format!(
                    "{}: link to {destination}: no such file",
                    chapter.path
                ));
            } else if !fragment.is_empty()
                && !ids
                    .get(target.as_str())
                    .is_some_and(|ids| ids.contains(fragment))
            {
                problems.push(format!(
                    "{}: link to {destination}: no heading with id `{fragment}` in {target}",
                    chapter.path
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The reader's toolkit: the pages after the chapters, in the order of
/// `SUMMARY.md`.
const TOOLKIT: [&str; 4] = [
    "src/cheat-sheet.md",
    "src/troubleshooting.md",
    "src/glossary.md",
    "src/history.md",
];

#[test]
fn every_chapter_is_in_the_summary_and_numbered_like_its_file() {
    let summary = fs::read_to_string(repo().join("src/SUMMARY.md")).expect("src/SUMMARY.md");
    let mut linked = Vec::new();
    for event in markdown_events(&summary) {
        if let Event::Start(Tag::Link { dest_url, .. }) = event {
            linked.push(format!("src/{dest_url}"));
        }
    }
    // The numbered chapters, in file order, then the reader's toolkit.
    let (files, pages): (Vec<String>, Vec<String>) = chapters()
        .into_iter()
        .map(|chapter| chapter.path)
        .partition(|path| {
            path.strip_prefix("src/ch")
                .is_some_and(|rest| rest.len() > 3 && rest[..2].bytes().all(|b| b.is_ascii_digit()))
        });
    let mut toolkit = TOOLKIT.map(String::from).to_vec();
    toolkit.sort();
    // The 404 page (book.toml's `input-404`) is in no table of contents.
    let pages: Vec<String> = pages
        .into_iter()
        .filter(|page| page != "src/404.md")
        .collect();
    assert_eq!(
        pages, toolkit,
        "a page of src/ is a chapter (src/chNN-*.md) or a page of the toolkit"
    );
    let in_order: Vec<String> = files
        .iter()
        .cloned()
        .chain(TOOLKIT.map(String::from))
        .collect();
    assert_eq!(
        linked, in_order,
        "SUMMARY.md must list every chapter file, in file order, then the toolkit"
    );
    for (number, file) in files.iter().enumerate() {
        let expected = format!("src/ch{:02}-", number + 1);
        assert!(
            file.starts_with(&expected),
            "{file} is chapter {} in SUMMARY.md; name it {expected}...",
            number + 1
        );
    }
    for event in markdown_events(&fs::read_to_string(repo().join(&files[0])).unwrap()) {
        if let Event::Start(Tag::Heading { level, .. }) = event {
            assert_eq!(level, HeadingLevel::H1, "a chapter starts with its title");
            break;
        }
    }
}

#[test]
fn the_introduction_shows_the_pinned_versions() {
    let read = |path: &str| fs::read_to_string(repo().join(path)).expect(path);
    let value_after = |text: &str, key: &str| -> String {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(key))
            .unwrap_or_else(|| panic!("no `{key}`"))
            .trim()
            .trim_matches('"')
            .to_owned()
    };
    let rust = value_after(&read("rust-toolchain.toml"), "channel =");
    let lock = read("Cargo.lock");
    let locked = |lock: &str, name: &str| {
        let entry = lock
            .split("[[package]]")
            .find(|entry| entry.contains(&format!("\nname = \"{name}\"\n")))
            .unwrap_or_else(|| panic!("{name} is not in the lock file"));
        value_after(entry, "version =")
    };
    let wasmtime = locked(&lock, "wasmtime");
    // The builder's, pinned exactly at the root (wasmtime's macros lock
    // another release of it).
    let wit_component = value_after(&read("Cargo.toml"), "wit-component =")
        .trim_start_matches('=')
        .to_owned();
    let listings_lock = read("listings/Cargo.lock");
    let wit_bindgen = locked(&listings_lock, "wit-bindgen");
    let extism_pdk = locked(&listings_lock, "extism-pdk");
    let jco = value_after(&read("ci/jco/package.json"), "\"@bytecodealliance/jco\":");
    let tools = read("ci/tools.env");
    let mdbook = value_after(&tools, "MDBOOK_VERSION=");
    let mermaid = value_after(&tools, "MDBOOK_MERMAID_VERSION=");
    let tabs = value_after(&tools, "MDBOOK_TABS_VERSION=");
    let go = value_after(&tools, "GO_VERSION=");
    let wasm_bindgen = value_after(&tools, "WASM_BINDGEN_VERSION=");
    let nightly = value_after(&tools, "RUST_NIGHTLY=");
    let playwright = value_after(&read("ci/browser/package.json"), "\"playwright-core\":");
    let go_requirement = |go_mod: &str, module: &str| -> String {
        read(go_mod)
            .lines()
            .map(|line| line.trim().trim_start_matches("require").trim())
            .find_map(|line| line.strip_prefix(module))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no requirement of {module} in {go_mod}"))
            .to_owned()
    };
    let wazero = go_requirement(
        "crates/go/wazerohost/go.mod",
        "github.com/tetratelabs/wazero ",
    );
    let extism_go_sdk = go_requirement(
        "crates/go/wazerohost/chapter17/go.mod",
        "github.com/extism/go-sdk ",
    );
    let assemblyscript = value_after(
        &read("ci/assemblyscript/package.json"),
        "\"assemblyscript\":",
    );
    // Every Node release the JavaScript hosts run on (see js_hosts.rs).
    let node_manifest: serde_json::Value =
        serde_json::from_str(&read("ci/node/package.json")).expect("JSON");
    let node = node_manifest["devDependencies"]
        .as_object()
        .expect("the pinned Node releases")
        .values()
        .filter_map(|spec| {
            spec.as_str()?
                .rsplit_once('@')
                .map(|(_, version)| version.to_owned())
        })
        .collect::<Vec<_>>()
        .join(" and ");
    assert_expected(
        "versions.txt",
        &format!(
            "| What | Version |\n\
             |---|---|\n\
             | Rust toolchain (guests and hosts) | {rust} |\n\
             | Rust guest target | `wasm32-unknown-unknown` |\n\
             | Rust nightly (the wasm64 guest, `-Z build-std`) | {nightly} |\n\
             | wasmtime (the Rust host) | {wasmtime} |\n\
             | wazero (the Go host) | {wazero} |\n\
             | Go (Go guests, `GOOS=wasip1`) | {go} |\n\
             | AssemblyScript | {assemblyscript} |\n\
             | TinyGo | not installed; not executed |\n\
             | wasm-bindgen (crate and CLI) | {wasm_bindgen} |\n\
             | wit-bindgen (the component guest) | {wit_bindgen} |\n\
             | wit-component (makes the component) | {wit_component} |\n\
             | jco (the component in Node) | {jco} |\n\
             | extism-pdk (the Extism plug-in) | {extism_pdk} |\n\
             | Extism's Go SDK (the Extism host) | {extism_go_sdk} |\n\
             | Node.js (JavaScript hosts) | {node}, pinned in `ci/node/package.json` |\n\
             | Node.js (asc, the browser tests' driver) | the machine's, 20 or later |\n\
             | Chromium (browser tests) | Debian's, driven by playwright-core {playwright} |\n\
             | mdBook | {mdbook}, with mdbook-mermaid {mermaid} and mdbook-tabs {tabs} |\n"
        ),
    );
}

#[test]
fn benchmark_results_say_how_they_were_measured() {
    for (table, script) in [
        ("benchmarks/round-trip.md", "ci/bench"),
        ("benchmarks/instances.md", "ci/bench"),
        ("benchmarks/models.md", "ci/bench"),
        ("benchmarks/soak.md", "ci/soak"),
    ] {
        let results =
            fs::read_to_string(repo().join(table)).expect("a file written by a ci/ script");
        assert!(
            results.starts_with(&format!("Measured by `{script}` on ")),
            "{table} must be {script}'s output, which names the date and machine"
        );
    }
}

#[test]
fn anchors_in_listings_and_tests_open_close_and_are_unique() {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for source in book_listings::LISTING_SOURCES {
        collect_files(&repo().join(source), &mut files);
    }
    collect_files(&repo().join("crates"), &mut files);
    // This file's own test fixtures hold anchors in strings, some unclosed on purpose.
    files.retain(|file| !file.ends_with("tests/book/lint.rs"));
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        let mut seen = HashSet::new();
        for line in text.lines() {
            let Some(name) = anchor_name(line, "ANCHOR:") else {
                continue;
            };
            if anchor_body(&text, name).is_none() {
                problems.push(format!(
                    "{}: `ANCHOR: {name}` is never closed",
                    file.display()
                ));
            }
            if !seen.insert(name) {
                problems.push(format!(
                    "{}: two anchors are named `{name}`; an include would show only the first",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_file() {
        files.push(path.to_owned());
    } else if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            collect_files(&entry.path(), files);
        }
    }
}

/// The lint itself must catch what it claims to catch.
mod self_test {
    use super::*;

    fn chapter(text: &str) -> Chapter {
        Chapter {
            path: "src/ch99-test.md".to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn parses_anchors_and_refuses_line_numbers() {
        let parsed = includes(&chapter(
            "{{#include ../listings/a/src/lib.rs:name}} \\{{#include escaped}} {{#include ../a.rs:3:9}}",
        ));
        assert_eq!(parsed.len(), 2);
        let first = parsed[0].as_ref().unwrap();
        assert_eq!(
            (first.file.as_str(), first.anchor.as_deref()),
            ("listings/a/src/lib.rs", Some("name"))
        );
        assert!(
            parsed[1]
                .as_ref()
                .unwrap_err()
                .contains("line numbers drift")
        );
    }

    #[test]
    fn finds_anchor_bodies_like_mdbook() {
        let text = "a\n// ANCHOR: outer\nb\n// ANCHOR: inner\nc\n// ANCHOR_END: inner\n// ANCHOR_END: outer\n";
        assert_eq!(anchor_body(text, "outer").as_deref(), Some("b\nc\n"));
        assert_eq!(anchor_body(text, "inner").as_deref(), Some("c\n"));
        assert_eq!(anchor_body(text, "missing"), None);
        assert_eq!(anchor_body("// ANCHOR: open\nx\n", "open"), None);
    }

    #[test]
    fn includes_must_start_a_line() {
        assert_eq!(
            indented_includes("```go\n{{#include a.go:x}}\n```\n"),
            Vec::<usize>::new()
        );
        assert_eq!(
            indented_includes("- item\n\n  ```go\n  {{#include a.go:x}}\n"),
            vec![4]
        );
    }

    #[test]
    fn code_block_rules() {
        assert!(check_code_block("rust", "assert!(true);").is_ok());
        assert!(check_code_block("rust,compile_fail", "let x: u8 = 256;").is_ok());
        assert!(check_code_block("rust,ignore", "x").is_err());
        assert!(check_code_block("rust,no_run", "x").is_err());
        assert!(check_code_block("rust", "{{#include a.rs}}").is_err());
        assert!(check_code_block("rs", "{{#include a.rs:x}}\n").is_ok());
        assert!(check_code_block("rs", "fn typed_by_hand() {}").is_err());
        assert!(check_code_block("text", "output typed by hand").is_err());
        assert!(check_code_block("", "x").is_err());
        assert!(check_code_block("console", "$ ci/test\n").is_ok());
        assert!(check_code_block("console", "$ ci/no-such-script\n").is_err());
    }

    #[test]
    fn heading_ids_follow_mdbook() {
        let ids = heading_ids("# The `u64` trick\n## Again\n## Again\n");
        assert!(ids.contains("the-u64-trick"));
        assert!(ids.contains("again") && ids.contains("again-1"));
    }
}
