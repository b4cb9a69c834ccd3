//! A Rust guest written with the book's guest crate: the allocator exports,
//! handing a string over, and every free checked.

use wasm_memory_guest::CheckedAllocator;

// ANCHOR: guest
wasm_memory_guest::export_allocator!();

#[global_allocator]
static ALLOCATOR: CheckedAllocator<std::alloc::System> = CheckedAllocator::new(std::alloc::System);

/// Uppercases the UTF-8 text at `ptr..ptr + len` and hands the result over.
/// Text that is not UTF-8 makes it trap, as an `unwrap` would.
///
/// Ownership: borrows the input; the host frees the result with
/// `deallocate(ptr, len)`.
///
/// # Safety
///
/// `ptr..ptr + len` must be initialized memory, such as a buffer from `allocate`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shout(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the caller's promise, forwarded.
    let Ok(text) = (unsafe { wasm_memory_guest::input_str(ptr, len) }) else {
        std::arch::wasm32::unreachable()
    };
    wasm_memory_guest::hand_over_string(text.to_uppercase())
}

/// How many allocations are live: zero when the host has given everything back.
#[unsafe(no_mangle)]
pub extern "C" fn live() -> usize {
    ALLOCATOR.live_count()
}
// ANCHOR_END: guest
