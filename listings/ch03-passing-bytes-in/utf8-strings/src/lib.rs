//! Strings cross the boundary as bytes; the guest checks they are UTF-8.

// Exports `allocate` and `deallocate` (Listing 3-1).
wasm_memory_guest::export_allocator!();

// ANCHOR: count_chars
/// Counts the characters of the UTF-8 string at `ptr..ptr + len`, or
/// returns -1 when the bytes are not UTF-8: a host can send anything.
///
/// Ownership: borrows the buffer for this call only.
///
/// # Safety
///
/// `ptr..ptr + len` must be initialized memory the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn count_chars(ptr: *const u8, len: usize) -> i32 {
    // SAFETY: the caller promises the range is valid.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    match std::str::from_utf8(bytes) {
        // Validated: from here on `text` is a `&str` like any other.
        Ok(text) => text.chars().count() as i32,
        Err(_) => -1,
    }
}
// ANCHOR_END: count_chars
