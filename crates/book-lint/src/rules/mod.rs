//! The lint's rules, one module each. Each has a test that holds the whole
//! book to the rule; where a rule has logic of its own (all but
//! `benchmarks`, `glossary`, `listings_shown`, `node_releases`, `pins` and
//! `summary`, which compare lists), a second test shows, on a made-up page
//! or file, that it catches what it claims to catch.

mod anchors;
mod atlas;
mod badges;
mod benchmarks;
mod cheat_sheet;
mod code_blocks;
mod expected_outputs;
mod glossary;
mod helpers_shown;
mod includes;
mod links;
mod listings_shown;
mod node_releases;
mod pins;
mod questions;
mod recipes;
mod summary;
mod tabs;
mod troubleshooting;
mod utilities_stand_alone;

/// Fails with every problem, one per line, or passes when there are none.
#[track_caller]
fn assert_none(problems: &[String], rule: &str) {
    assert!(problems.is_empty(), "{rule}:\n{}\n", problems.join("\n"));
}

/// A made-up page, for the tests that show a rule catches a mistake.
fn page(text: &str) -> crate::book::Page {
    crate::book::Page {
        path: "src/ch99-made-up.md".to_owned(),
        text: text.to_owned(),
    }
}
