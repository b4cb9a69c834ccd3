//! Leaking on purpose: a buffer the guest keeps for its whole life, beside
//! Listing 4-1's `greet` (this crate depends on it, so it exports it too),
//! whose buffers the host must free.

use std::sync::OnceLock;

// Links in `greet` (and the allocator it exports) from Listing 4-1.
use ch04_packed_return as _;
use wasm_memory_guest::pack_ptr_len;

// ANCHOR: version
/// A description of this guest, built once and then kept forever.
///
/// Ownership: the guest keeps it; the host reads it and must **not**
/// deallocate it. Every call returns the same pointer.
#[unsafe(no_mangle)]
pub extern "C" fn version() -> u64 {
    static VERSION: OnceLock<&'static str> = OnceLock::new();
    let text = VERSION.get_or_init(|| {
        let built = format!("leak-on-purpose {}", env!("CARGO_PKG_VERSION"));
        // Leaked once, on purpose: it must outlive every call, and it does
        // not grow with the number of calls.
        Box::leak(built.into_boxed_str())
    });
    pack_ptr_len(text.as_ptr(), text.len())
}
// ANCHOR_END: version
