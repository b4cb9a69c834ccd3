//! `allocate` and `deallocate`: how a host gets a buffer inside guest memory.
//!
//! Later listings depend on this crate to export the same two functions.

use std::alloc::{Layout, alloc, dealloc};
use std::ptr::{NonNull, null_mut};

// ANCHOR: allocate
/// Reserves `size` bytes in this module's memory and returns where they
/// start, or 0 when the allocation fails (the host must check: 0 is a valid
/// address in wasm, reading it does not trap).
///
/// Ownership: the caller owns the buffer and frees it with
/// `deallocate(ptr, size)`, passing the same `size`.
#[unsafe(no_mangle)]
pub extern "C" fn allocate(size: usize) -> *mut u8 {
    let Ok(layout) = Layout::from_size_align(size, 1) else {
        return null_mut(); // larger than any allocation can be
    };
    if size == 0 {
        // Allocating zero bytes is undefined behaviour in Rust. A dangling,
        // non-null pointer is what `Vec` uses for an empty buffer too.
        return NonNull::dangling().as_ptr();
    }
    // SAFETY: `layout` has a non-zero size.
    unsafe { alloc(layout) }
}
// ANCHOR_END: allocate

// ANCHOR: deallocate
/// Frees a buffer of `size` bytes at `ptr`.
///
/// Ownership: takes back a buffer the caller owns: one from `allocate(size)`,
/// or one an export handed over saying it has exactly `size` bytes.
///
/// # Safety
///
/// `ptr` must come from such a buffer, not yet freed, and `size` must be
/// exactly its size: the allocator finds the block by its layout.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: usize) {
    if size == 0 {
        return; // the dangling pointer from `allocate(0)`
    }
    // SAFETY: `size` was accepted by `allocate`, so the layout is valid, and
    // the caller promises it is the layout the buffer was allocated with.
    unsafe { dealloc(ptr, Layout::from_size_align_unchecked(size, 1)) }
}
// ANCHOR_END: deallocate
