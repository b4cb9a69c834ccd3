//! The lint reads the pages with the mdBook release that builds the book:
//! the `mdbook-*` crates it depends on are at `MDBOOK_VERSION` of
//! `ci/tools.env`.

use crate::book::read;

#[test]
fn the_lint_uses_the_pinned_mdbook() {
    let pinned = read("ci/tools.env")
        .lines()
        .find_map(|line| line.strip_prefix("MDBOOK_VERSION="))
        .expect("MDBOOK_VERSION in ci/tools.env")
        .trim()
        .to_owned();
    let manifest = read("crates/book-lint/Cargo.toml");
    for krate in ["mdbook-driver", "mdbook-markdown", "mdbook-preprocessor"] {
        assert!(
            manifest.contains(&format!("{krate} = \"={pinned}\"")),
            "crates/book-lint/Cargo.toml must pin {krate} = \"={pinned}\", the mdBook of ci/tools.env"
        );
    }
}
