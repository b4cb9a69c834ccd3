//! Chapter 10's `reverse_bytes`, with wee_alloc as the global allocator, as
//! many tutorials of 2018 to 2021 set it up to save a few kilobytes of
//! wasm. The glue is the same; only the allocator behind
//! `__wbindgen_malloc` and `__wbindgen_free` differs.

use wasm_bindgen::prelude::wasm_bindgen;

// ANCHOR: wee_alloc
#[global_allocator]
static ALLOC: wee_alloc::WeeAlloc = wee_alloc::WeeAlloc::INIT;
// ANCHOR_END: wee_alloc

/// Bytes in, bytes out: the same bytes, in reverse order. The input is
/// allocated by the glue and freed by this function; the result is
/// allocated here and freed by the glue once it has copied it.
#[wasm_bindgen]
pub fn reverse_bytes(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().rev().copied().collect()
}
