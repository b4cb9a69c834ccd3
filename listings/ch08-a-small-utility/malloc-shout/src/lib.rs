//! A guest with C's allocator interface, `malloc(size)` and `free(ptr)`, and
//! results packed pointer-high, as the TinyGo guests of wazero's examples
//! return them.

use std::alloc::{Layout, alloc, dealloc};
use std::ptr::null_mut;

/// Bytes before each block: its size, so that `free` needs only the pointer.
const HEADER: usize = 8;

// ANCHOR: malloc
/// Allocates `size` bytes; 0 on failure.
#[unsafe(no_mangle)]
pub extern "C" fn malloc(size: usize) -> *mut u8 {
    let Some(total) = size.checked_add(HEADER) else {
        return null_mut();
    };
    let Ok(layout) = Layout::from_size_align(total, HEADER) else {
        return null_mut();
    };
    // SAFETY: `total` is at least `HEADER`, so the layout is not empty.
    let base = unsafe { alloc(layout) };
    if base.is_null() {
        return null_mut();
    }
    // SAFETY: the block has room for the header, aligned for a `usize`.
    unsafe {
        base.cast::<usize>().write(size);
        base.add(HEADER)
    }
}

/// Frees a block from `malloc`.
///
/// # Safety
///
/// `ptr` must come from `malloc` and not be freed yet (or be null).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn free(ptr: *mut u8) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: `malloc` put the size `HEADER` bytes before `ptr`.
    unsafe {
        let base = ptr.sub(HEADER);
        let size = base.cast::<usize>().read();
        dealloc(
            base,
            Layout::from_size_align_unchecked(size + HEADER, HEADER),
        );
    }
}
// ANCHOR_END: malloc

/// Uppercases the UTF-8 text at `ptr..ptr + len` into a block from `malloc`
/// and returns it packed pointer-high: `(ptr << 32) | len`. Text that is not
/// UTF-8 gives `(0, 0)`.
///
/// Ownership: borrows the input; the host frees the result with `free(ptr)`.
///
/// # Safety
///
/// `ptr..ptr + len` must be initialized memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shout(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the caller's promise, forwarded.
    let Ok(text) = (unsafe { wasm_memory_guest::input_str(ptr, len) }) else {
        return 0;
    };
    let shouted = text.to_uppercase();
    let out = malloc(shouted.len());
    if out.is_null() {
        return 0;
    }
    // SAFETY: `out` has room for `shouted.len()` bytes.
    unsafe { out.copy_from_nonoverlapping(shouted.as_ptr(), shouted.len()) };
    ((out as usize as u64) << 32) | shouted.len() as u64
}
