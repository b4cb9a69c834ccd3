//! The task of chapter 17, written by hand: `shout` hands a new string over
//! as a packed `u64`, `checksum` borrows the bytes and returns a number. The
//! host allocates with `allocate` and frees with `deallocate` (chapters 3
//! to 5); the checked allocator counts what is still live. It imports
//! nothing.

use wasm_memory_guest::{CheckedAllocator, ReportNowhere};

// ANCHOR: guest
wasm_memory_guest::export_allocator!();

// The allocator the component of chapter 16 has too, so that the two
// compare fairly; it imports nothing, so a raw host links nothing.
#[global_allocator]
static ALLOCATOR: CheckedAllocator<std::alloc::System, ReportNowhere> =
    CheckedAllocator::unreported(std::alloc::System);

/// Uppercases the UTF-8 text at `ptr..ptr + len` and hands the result over;
/// the host frees it with `deallocate(ptr, len)`. Text that is not UTF-8
/// makes it trap.
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

/// `shout` for a host that promises UTF-8, as the canonical ABI's does to
/// the component of chapter 16, whose generated code skips the check in
/// release builds. Only chapter 17's benchmark calls it, to measure what
/// the check costs.
///
/// # Safety
///
/// As for [`shout`], and the bytes must be UTF-8: anything else is
/// undefined behaviour in the guest.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shout_trusting(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the caller's promises, forwarded.
    let text = unsafe { core::str::from_utf8_unchecked(wasm_memory_guest::input(ptr, len)) };
    wasm_memory_guest::hand_over_string(text.to_uppercase())
}

/// The sum of the bytes at `ptr..ptr + len`, wrapping: every byte is read,
/// and only a number comes back, so nothing is handed over.
///
/// # Safety
///
/// As for [`shout`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn checksum(ptr: *const u8, len: usize) -> u32 {
    // SAFETY: the caller's promise, forwarded.
    let bytes = unsafe { wasm_memory_guest::input(ptr, len) };
    bytes
        .iter()
        .fold(0u32, |sum, &byte| sum.wrapping_add(u32::from(byte)))
}
// ANCHOR_END: guest

/// How many allocations are live: zero when the host has given everything back.
#[unsafe(no_mangle)]
pub extern "C" fn live() -> usize {
    ALLOCATOR.live_count()
}
