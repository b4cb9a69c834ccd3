//! Badges are one of the three kinds, and every section about TinyGo, which
//! cannot be installed here, carries the "cited, not executed" one.

use crate::book::{Page, pages};

use super::{assert_none, page};

/// The three badges a section may carry.
pub const CITED: &str = r#"<span class="badge cited">cited, not executed</span>"#;
/// An atlas card whose claims a test of this repository runs.
pub const EXECUTED: &str = r#"<span class="badge executed">executed</span>"#;
const NOT_FINAL: &str = r#"<span class="badge not-final">not final</span>"#;

/// What is wrong with the badges of `page`, and how many it has.
fn problems(page: &Page) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut badges = 0;
    for (at, _) in page.text.match_indices(r#"<span class="badge"#) {
        badges += 1;
        if ![CITED, EXECUTED, NOT_FINAL]
            .iter()
            .any(|badge| page.text[at..].starts_with(badge))
        {
            problems.push(format!(
                "{}: a badge of no known kind at byte {at}",
                page.path
            ));
        }
    }
    let lines: Vec<&str> = page.text.lines().collect();
    for (number, line) in lines.iter().enumerate() {
        if line.starts_with('#') && line.contains("TinyGo") {
            let next = lines[number + 1..]
                .iter()
                .find(|line| !line.trim().is_empty());
            if next != Some(&CITED) {
                problems.push(format!(
                    "{}:{}: `{line}` has no cited badge",
                    page.path,
                    number + 1
                ));
            }
        }
    }
    (problems, badges)
}

#[test]
fn badges_mark_what_is_cited_and_what_is_not_final() {
    let mut all = Vec::new();
    let mut badges = 0;
    for page in pages() {
        let (found, count) = problems(&page);
        all.extend(found);
        badges += count;
    }
    assert_none(&all, "badges");
    assert!(badges >= 10, "only {badges} badges");
}

#[test]
fn a_tinygo_section_without_its_badge_is_refused() {
    let good = page(&format!("## TinyGo\n\n{CITED}\n\nText.\n"));
    assert_eq!(problems(&good), (vec![], 1));
    let (found, _) = problems(&page(
        "## TinyGo\n\nText.\n<span class=\"badge new\">new</span>\n",
    ));
    assert!(found[0].contains("a badge of no known kind"), "{found:?}");
    assert!(found[1].contains("has no cited badge"), "{found:?}");
}
