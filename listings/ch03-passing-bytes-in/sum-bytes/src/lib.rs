//! A guest function that reads bytes the host wrote into its memory.

// Exports `allocate` and `deallocate` (Listing 3-1).
wasm_memory_guest::export_allocator!();

// ANCHOR: sum_bytes
/// Adds up the `len` bytes at `ptr`.
///
/// Ownership: borrows the buffer for this call only; the caller still owns
/// it and frees it afterwards.
///
/// # Safety
///
/// `ptr..ptr + len` must be initialized memory, such as a buffer from
/// `allocate` that the host has written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sum_bytes(ptr: *const u8, len: usize) -> u32 {
    // SAFETY: the caller promises the range is valid.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    bytes.iter().map(|&byte| u32::from(byte)).sum()
}
// ANCHOR_END: sum_bytes
