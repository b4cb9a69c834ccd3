//! `SUMMARY.md` lists every chapter, in the order of their numbers, then
//! the reader's toolkit; every page of `src/` is one or the other; a
//! chapter starts with its title.

use crate::book::{is_chapter, pages, read};
use crate::markdown::first_heading_level;
use crate::rendered;

/// The reader's toolkit: the pages after the chapters, in the order of
/// `SUMMARY.md`.
const TOOLKIT: [&str; 4] = [
    "src/cheat-sheet.md",
    "src/troubleshooting.md",
    "src/glossary.md",
    "src/history.md",
];

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
    let mut toolkit = TOOLKIT.map(String::from).to_vec();
    toolkit.sort();
    assert_eq!(
        others, toolkit,
        "a page of src/ is a chapter (src/chNN-*.md) or a page of the toolkit"
    );
    let in_order: Vec<String> = chapters
        .iter()
        .cloned()
        .chain(TOOLKIT.map(String::from))
        .collect();
    assert_eq!(
        linked, &in_order,
        "SUMMARY.md must list every chapter file, in file order, then the toolkit"
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
