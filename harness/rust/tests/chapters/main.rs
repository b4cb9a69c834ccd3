//! The wasmtime host tests of every listing of the book: one module per
//! chapter, and in it one module per listing, named after the listing's
//! folder.
//!
//! Chapters include code from these files between `// ANCHOR: name` and
//! `// ANCHOR_END: name`, so what the reader sees is what runs here.

mod ch01_introduction;
mod ch02_linear_memory;
mod ch03_passing_bytes_in;
mod ch04_returning_bytes_out;
mod ch05_who_frees_what;
mod ch06_garbage_collectors;
mod ch07_keepalive_pattern;
mod ch08_a_small_utility;
mod ch09_javascript_hosts;
mod ch10_wasm_bindgen;
mod ch11_a_go_host_with_wazero;
mod ch12_host_functions;
mod ch13_strings;
mod ch14_signatures;
mod ch15_memory_only_grows;
mod ch16_the_component_model;
mod ch17_choosing_a_model;
mod ch18_hostile_guests;
mod ch19_beyond_one_memory;
mod utility_fixtures;

/// A listing without a test module is a compile error here: for
/// `listings/ch03-passing-bytes-in/sum-bytes` there must be a module
/// `pub mod ch03_passing_bytes_in::sum_bytes`.
macro_rules! assert_test_exists {
    ($chapter:ident, $listing:ident) => {
        #[allow(unused_imports)]
        use self::$chapter::$listing as _;
    };
}
book_harness::foreach_listing!(assert_test_exists);
