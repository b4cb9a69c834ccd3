//! The guest of the round-trip benchmarks (`ci/bench`), for Rust and Go
//! hosts alike: the same work measured three ways.
//!
//! - `echo(ptr, len)` copies its input into a new buffer and hands it over:
//!   a full round trip, with two allocations and two frees;
//! - `echo_into(ptr, len, out)` does the same copy between two buffers the
//!   host allocated once and reuses: one call per round trip;
//! - `noop()` does nothing: the cost of crossing into the guest at all.

wasm_memory_guest::export_allocator!();

// ANCHOR: echo
/// A copy of the input, which the host frees with `deallocate`.
///
/// # Safety
/// `ptr..ptr + len` is a buffer the host wrote, alive for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn echo(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the caller's promise, forwarded.
    let input = unsafe { wasm_memory_guest::input(ptr, len) };
    wasm_memory_guest::hand_over(input.to_vec())
}

/// Copies `len` bytes at `ptr` to `out`: `echo`'s work, into a buffer the
/// host already holds.
///
/// # Safety
/// `ptr..ptr + len` and `out..out + len` are buffers from `allocate` that do
/// not overlap, alive for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn echo_into(ptr: *const u8, len: usize, out: *mut u8) {
    // SAFETY: the caller's promise.
    unsafe { std::ptr::copy_nonoverlapping(ptr, out, len) }
}
// ANCHOR_END: echo

#[unsafe(no_mangle)]
pub extern "C" fn noop() {}
