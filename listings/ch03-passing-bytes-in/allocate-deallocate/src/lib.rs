//! A guest that exports its allocator and nothing else: the smallest guest a
//! host can pass bytes to.

// ANCHOR: export
// Exports `allocate(size) -> ptr` and `deallocate(ptr, size)`.
wasm_memory_guest::export_allocator!();
// ANCHOR_END: export
