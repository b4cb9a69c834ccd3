//! `SUMMARY.md` lists the introduction, the quick start, the other
//! chapters in the order of their numbers, the recipes, the atlas, the
//! reference part, then the reader's toolkit; every page of `src/` is one of
//! them; a chapter starts with its title.

use crate::book::{is_chapter, pages, read};
use crate::markdown::first_heading_level;
use crate::rendered;

/// The reader's toolkit: the pages after the chapters, in the order of
/// `SUMMARY.md`.
const TOOLKIT: [&str; 5] = [
    "src/cheat-sheet.md",
    "src/troubleshooting.md",
    "src/questions.md",
    "src/glossary.md",
    "src/history.md",
];

/// The way in: right after the introduction, a complete round trip.
const QUICK_START: &str = "src/quick-start.md";

/// The recipes, after the chapters: complete guests and hosts
/// (`listings/recipes/`), in the order of `SUMMARY.md`.
pub(crate) const RECIPES: [&str; 9] = [
    "src/recipes.md",
    "src/recipes-go-everywhere.md",
    "src/recipes-browser.md",
    "src/recipes-c-python.md",
    "src/recipes-cpp-c.md",
    "src/recipes-zig-wazero.md",
    "src/recipes-wasmer.md",
    "src/recipes-wat-java.md",
    "src/recipes-graalwasm.md",
];

/// The atlas, after the recipes: one card per host runtime and per guest
/// toolchain, in the order of `SUMMARY.md`.
pub(crate) const ATLAS: [&str; 3] = ["src/atlas.md", "src/atlas-hosts.md", "src/atlas-guests.md"];

/// The reference part, after the atlas: `src/reference.md`, then the pages
/// named `src/reference-*.md` that hold what the chapters link to (full
/// tables, catalogues, internals), in any order.
const REFERENCE: &str = "src/reference.md";

/// Whether `path` is a page of the reference part.
fn is_reference(path: &str) -> bool {
    path == REFERENCE || path.starts_with("src/reference-")
}

/// The page GitHub Pages serves for a missing address (`input-404` in
/// book.toml): in no table of contents.
const NOT_LISTED: [&str; 1] = ["src/404.md"];

#[test]
fn every_chapter_is_in_the_summary_and_numbered_like_its_file() {
    // The pages in the order mdBook loads them from SUMMARY.md.
    let linked = &rendered::book().pages;
    let (chapters, others): (Vec<String>, Vec<String>) = pages()
        .into_iter()
        .map(|page| page.path)
        .filter(|path| !NOT_LISTED.contains(&path.as_str()))
        .partition(|path| is_chapter(path));
    let (mut references, others): (Vec<String>, Vec<String>) =
        others.into_iter().partition(|path| is_reference(path));
    let mut known: Vec<String> = std::iter::once(QUICK_START)
        .chain(RECIPES)
        .chain(ATLAS)
        .chain(TOOLKIT)
        .map(String::from)
        .collect();
    known.sort();
    assert_eq!(
        others, known,
        "a page of src/ is a chapter (src/chNN-*.md), the quick start, a recipe, a page of the \
         atlas, of the reference part (src/reference-*.md) or of the toolkit"
    );
    // The reference pages in SUMMARY.md's order, its first page first.
    references.sort_by_key(|path| {
        (
            path != REFERENCE,
            linked.iter().position(|page| page == path),
        )
    });
    let in_order: Vec<String> = chapters[..1]
        .iter()
        .cloned()
        .chain([QUICK_START.to_owned()])
        .chain(chapters[1..].iter().cloned())
        .chain(RECIPES.map(String::from))
        .chain(ATLAS.map(String::from))
        .chain(references)
        .chain(TOOLKIT.map(String::from))
        .collect();
    assert_eq!(
        linked, &in_order,
        "SUMMARY.md must list the introduction, the quick start, the other chapters in file \
         order, the recipes, the atlas, the reference part (reference.md first), then the toolkit"
    );
    for (number, file) in chapters.iter().enumerate() {
        let expected = format!("src/ch{:02}-", number + 1);
        assert!(
            file.starts_with(&expected),
            "{file} is chapter {} in SUMMARY.md; name it {expected}...",
            number + 1
        );
        assert_eq!(
            first_heading_level(&read(file)),
            Some(1),
            "{file} starts with its title, a `#` heading"
        );
    }
}
