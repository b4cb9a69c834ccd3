//! The guest of the round-trip benchmarks (`ci/bench`), for Rust and Go
//! hosts alike: the same work measured three ways.
//!
//! - `echo(ptr, len)` copies its input into a new buffer and hands it over:
//!   a full round trip, with two allocations and two frees;
//! - `upper_in_place(ptr, len)` works on a buffer the host allocated once
//!   and reuses: one call per round trip;
//! - `noop()` does nothing: the cost of crossing into the guest at all.

wasm_memory_guest::export_allocator!();

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

/// Upper-cases ASCII letters of the buffer where they are.
///
/// # Safety
/// `ptr..ptr + len` is a buffer from `allocate`, alive for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upper_in_place(ptr: *mut u8, len: usize) {
    // SAFETY: the caller's promise.
    unsafe { std::slice::from_raw_parts_mut(ptr, len) }.make_ascii_uppercase();
}

#[unsafe(no_mangle)]
pub extern "C" fn noop() {}
