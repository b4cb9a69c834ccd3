//! Every listing is shown in some page: a listing no page includes is code
//! the reader never sees.

use crate::book::pages;
use crate::includes::directives;
use crate::sources::listing_sources;

use super::assert_none;

#[test]
fn every_listing_is_shown_in_a_page() {
    let included: Vec<String> = pages()
        .iter()
        .flat_map(|page| {
            directives(page)
                .unwrap_or_default()
                .iter()
                .filter_map(|directive| directive.target(page).map(|(file, _)| file))
                .collect::<Vec<_>>()
        })
        .collect();
    let unshown: Vec<String> = listing_sources()
        .into_iter()
        .filter(|source| {
            !included
                .iter()
                .any(|file| file == source || file.starts_with(&format!("{source}/")))
        })
        .map(|source| format!("{source}: no page includes it"))
        .collect();
    assert_none(&unshown, "listings that no page shows");
}
