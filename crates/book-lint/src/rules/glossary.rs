//! Every term of the glossary (a heading of `src/glossary.md`) is linked
//! from a chapter, at its first use.

use crate::book::chapters;
use crate::rendered;

#[test]
fn every_glossary_term_is_linked_from_a_chapter() {
    let text: String = chapters().into_iter().map(|page| page.text).collect();
    // The page's own title is a heading too, and no term.
    let terms: Vec<&String> = rendered::book().ids["src/glossary.md"]
        .iter()
        .filter(|id| *id != "glossary")
        .collect();
    let unlinked: Vec<&&String> = terms
        .iter()
        .filter(|id| !text.contains(&format!("(glossary.md#{id})")))
        .collect();
    assert!(
        unlinked.is_empty(),
        "glossary terms no chapter links to: {unlinked:?}"
    );
    assert!(terms.len() >= 20, "only {} terms", terms.len());
}
