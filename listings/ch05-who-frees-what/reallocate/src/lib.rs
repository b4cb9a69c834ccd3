//! The allocator of Listing 3-1 (`allocate`, `deallocate`) with a third
//! export, `reallocate`, over `std::alloc::realloc`: what a host may assume
//! after it resizes a buffer it holds in the guest.

// Exports `allocate` and `deallocate` (Listing 3-1).
wasm_memory_guest::export_allocator!();

use std::alloc::Layout;
use std::ptr::null_mut;

// ANCHOR: reallocate
/// Resizes the host's buffer of `old_len` bytes at `ptr` to `new_len` bytes,
/// keeping its first `min(old_len, new_len)` bytes, and returns where the
/// buffer is now; or returns 0 when it cannot (the memory cannot grow enough,
/// or `new_len` is 0 or too large for any layout).
///
/// Ownership: on success the host owns the returned buffer, freed with
/// `deallocate(new_ptr, new_len)`, and `ptr` is dead, even when it is the
/// same number. On 0 nothing changed: `ptr` is still the host's buffer of
/// `old_len` bytes.
///
/// # Safety
///
/// `ptr` must be a live buffer of exactly `old_len` bytes, from `allocate`
/// or an earlier `reallocate`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn reallocate(ptr: *mut u8, old_len: usize, new_len: usize) -> *mut u8 {
    if old_len == 0 {
        // The dangling pointer of `allocate(0)`: there is no block to resize.
        return wasm_memory_guest::allocate(new_len);
    }
    if new_len == 0 || Layout::from_size_align(new_len, 1).is_err() {
        return null_mut(); // refused: free the buffer instead, or ask for less
    }
    // SAFETY: the caller promises that `ptr` was allocated with `old_len`
    // bytes (so that layout is valid), and `new_len` is not 0 and fits a
    // layout, as `realloc` requires.
    unsafe { std::alloc::realloc(ptr, Layout::from_size_align_unchecked(old_len, 1), new_len) }
}
// ANCHOR_END: reallocate
