//! A pointer in the guest is an offset in the host's view of its memory.

use std::sync::atomic::{AtomicU32, Ordering};

// ANCHOR: counter
/// A counter that lives somewhere in this module's linear memory. (It is an
/// atomic only because Rust wants shared statics to be thread-safe; without
/// wasm threads it compiles to plain loads and stores.)
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The address of the counter, which the host receives as an `i32`.
#[unsafe(no_mangle)]
pub extern "C" fn counter_address() -> *const AtomicU32 {
    &COUNTER
}

/// Adds one to the counter and returns the new value.
#[unsafe(no_mangle)]
pub extern "C" fn increment() -> u32 {
    COUNTER.fetch_add(1, Ordering::Relaxed) + 1
}
// ANCHOR_END: counter
