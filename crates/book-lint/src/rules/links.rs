//! Every internal link and image points at a file that exists and, with a
//! `#fragment`, at an id that mdBook's renderer gives a heading of that
//! page. External links are not followed: the tests run offline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::book::{Page, normalize, pages, repo_root};
use crate::markdown::destinations;
use crate::rendered;

use super::{assert_none, page};

/// What is wrong with the links of `page`, given every page's ids.
fn problems(page: &Page, ids: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut problems = Vec::new();
    for destination in destinations(&page.text) {
        if destination.contains("://") || destination.starts_with("mailto:") {
            continue;
        }
        let (file, fragment) = destination.split_once('#').unwrap_or((&destination, ""));
        let target = if file.is_empty() {
            page.path.clone()
        } else {
            let page_dir = Path::new(&page.path).parent().unwrap_or(Path::new(""));
            match normalize(&page_dir.join(file)) {
                Some(target) => target,
                None => {
                    problems.push(format!(
                        "{}: link to {destination} leaves the repository",
                        page.path
                    ));
                    continue;
                }
            }
        };
        if !repo_root().join(&target).is_file() {
            problems.push(format!(
                "{}: link to {destination}: no such file",
                page.path
            ));
        } else if !fragment.is_empty()
            && !ids.get(&target).is_some_and(|ids| ids.contains(fragment))
        {
            problems.push(format!(
                "{}: link to {destination}: mdBook gives no heading of {target} the id `{fragment}`",
                page.path
            ));
        }
    }
    problems
}

#[test]
fn internal_links_and_images_resolve() {
    let ids = &rendered::book().ids;
    let problems: Vec<String> = pages()
        .iter()
        .flat_map(|page| problems(page, ids))
        .collect();
    assert_none(&problems, "links");
}

#[test]
fn a_link_to_a_missing_page_or_heading_is_refused() {
    let ids: BTreeMap<String, BTreeSet<String>> =
        [("src/glossary.md".to_owned(), ["packing".to_owned()].into())].into();
    let page = page(
        "[ok](glossary.md#packing) [no page](nowhere.md) [no heading](glossary.md#nothing) \
         [out](../../x.md) [web](https://example.com/#x)",
    );
    let found = problems(&page, &ids);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].contains("nowhere.md: no such file"));
    assert!(found[1].contains("no heading of src/glossary.md the id `nothing`"));
    assert!(found[2].contains("leaves the repository"));
}
