//! A guest that works on buffers of a size the host chooses, in three
//! ways: a fresh buffer per call, a copy kept after every call, and one
//! scratch buffer reused. Its memory grows to fit, and never shrinks.

use std::sync::{Mutex, MutexGuard};

wasm_memory_guest::export_allocator!();

/// The memory's size, in 64 KiB pages.
#[unsafe(no_mangle)]
pub extern "C" fn pages() -> u32 {
    core::arch::wasm32::memory_size(0) as u32
}

/// The value behind `mutex`; a guest runs one call at a time, so a poisoned
/// lock (a panic inside, which aborts anyway) is nothing to wait for.
fn lock<T>(mutex: &'static Mutex<T>) -> MutexGuard<'static, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().map(|&byte| u32::from(byte)).sum()
}

// ANCHOR: fresh
/// Works on a fresh buffer of `len` bytes, freed before returning. The
/// allocator keeps the freed block for later; the memory keeps its size.
#[unsafe(no_mangle)]
pub extern "C" fn work_fresh(len: usize) -> u32 {
    checksum(&vec![1u8; len])
}
// ANCHOR_END: fresh

// ANCHOR: remember
/// Every input this guest was given, kept "for later": a cache or a log
/// that nothing trims.
static HISTORY: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// Works on a buffer of `len` bytes and keeps it: memory grows every call.
#[unsafe(no_mangle)]
pub extern "C" fn work_and_remember(len: usize) -> u32 {
    let buffer = vec![1u8; len];
    let sum = checksum(&buffer);
    lock(&HISTORY).push(buffer);
    sum
}
// ANCHOR_END: remember

// ANCHOR: scratch
/// One buffer, kept between calls and cleared at each: it grows to the
/// largest input and is then reused as it is.
static SCRATCH: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Works on `len` bytes of the scratch buffer.
#[unsafe(no_mangle)]
pub extern "C" fn work_in_scratch(len: usize) -> u32 {
    let mut scratch = lock(&SCRATCH);
    scratch.clear();
    scratch.resize(len, 1);
    checksum(&scratch)
}
// ANCHOR_END: scratch

/// Frees the history and the scratch buffer. The allocator gets the
/// blocks back; the memory stays as large as it grew.
#[unsafe(no_mangle)]
pub extern "C" fn forget() {
    *lock(&HISTORY) = Vec::new();
    *lock(&SCRATCH) = Vec::new();
}
