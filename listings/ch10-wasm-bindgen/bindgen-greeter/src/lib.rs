//! The same kind of guest as chapter 4's, written with wasm-bindgen: it
//! takes and returns Rust types, and the generated glue does the rest.

use wasm_bindgen::prelude::wasm_bindgen;

// ANCHOR: greet
/// `&str` in, `String` out.
#[wasm_bindgen]
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}
// ANCHOR_END: greet

// ANCHOR: reverse
/// Bytes in, bytes out: the same bytes, in reverse order.
#[wasm_bindgen]
pub fn reverse_bytes(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().rev().copied().collect()
}
// ANCHOR_END: reverse

// ANCHOR: numbers
/// A `u64` in and out: a BigInt on the JavaScript side.
#[wasm_bindgen]
pub fn next_u64(n: u64) -> u64 {
    n.wrapping_add(1)
}

/// An `i64` in and out: a BigInt too, and negative when bit 63 is set.
#[wasm_bindgen]
pub fn next_i64(n: i64) -> i64 {
    n.wrapping_add(1)
}
// ANCHOR_END: numbers
