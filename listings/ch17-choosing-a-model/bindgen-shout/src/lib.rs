//! The task of chapter 17 with wasm-bindgen: the glue it generates copies
//! the string and the bytes in, and the new string out.

use wasm_bindgen::prelude::wasm_bindgen;

// ANCHOR: guest
/// `&str` in, `String` out. The glue copies the text into a buffer it
/// allocates with `__wbindgen_malloc`, which the Rust side owns and frees
/// when the call returns; it copies the result out, then frees it with
/// `__wbindgen_free`.
#[wasm_bindgen]
pub fn shout(text: &str) -> String {
    text.to_uppercase()
}

/// Bytes in, a number out: the glue copies the bytes into a buffer the Rust
/// side owns and frees, as for `shout`; only a number comes back.
#[wasm_bindgen]
pub fn checksum(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0u32, |sum, &byte| sum.wrapping_add(u32::from(byte)))
}
// ANCHOR_END: guest
