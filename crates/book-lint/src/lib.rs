//! The book's lint: every page checked against the code, without compiling
//! a listing, so that a change of prose is checked in seconds
//! (`ci/test prose`).
//!
//! mdBook builds a book whose includes name a missing file or anchor, and
//! exits 0. This crate reads the pages as mdBook does, with mdBook's own
//! crates at the pinned release:
//!
//! - [`includes`] expands each `{{#include}}` with mdBook's link
//!   preprocessor, and reports what it could not include;
//! - [`markdown`] parses a page with mdBook's parser and options;
//! - [`rendered`] renders the book with mdBook's HTML renderer once, for the
//!   ids it gives headings, which links point at;
//! - [`book`] and [`sources`] say where the pages, the listings, the tests
//!   of every host room and the expected outputs are.
//!
//! The rules are its tests, one module each (`src/rules/`); each rule also
//! proves, on a made-up page, that it catches what it claims to catch.

pub mod book;
pub mod includes;
pub mod markdown;
pub mod rendered;
pub mod sources;

#[cfg(test)]
mod rules;
