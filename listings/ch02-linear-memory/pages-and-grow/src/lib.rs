//! Linear memory is counted in 64 KiB pages and only ever grows.

use core::arch::wasm32;

// ANCHOR: pages
/// How many 64 KiB pages memory 0 has right now.
#[unsafe(no_mangle)]
pub extern "C" fn memory_pages() -> usize {
    wasm32::memory_size(0)
}

/// Asks for `delta` more pages. Returns the size before growing, in pages,
/// or -1 when the request is refused: `memory.grow` fails with a value, it
/// does not trap.
#[unsafe(no_mangle)]
pub extern "C" fn grow_memory(delta: usize) -> isize {
    wasm32::memory_grow(0, delta) as isize
}
// ANCHOR_END: pages
