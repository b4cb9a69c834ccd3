//! A guest that follows the canonical ABI's rules for memory: the host
//! allocates inputs with `cabi_realloc`, the guest owns them once passed,
//! and the guest frees its results in `cabi_post_shout`.

use wasm_memory_guest::{pack_ptr_len, take_back, unpack_ptr_len};

wasm_memory_guest::export_cabi_realloc!();

// ANCHOR: shout
/// Uppercases the UTF-8 text at `ptr..ptr + len`, which it now owns and
/// frees, and returns the result packed pointer-low (`(0, 0)` if the input
/// is not UTF-8).
///
/// Ownership: takes the input (allocated with `cabi_realloc(0, 0, 1, len)`);
/// the result stays the guest's until the host calls `cabi_post_shout`.
///
/// # Safety
///
/// The input must be a buffer from `cabi_realloc` of exactly `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shout(ptr: *mut u8, len: usize) -> u64 {
    // SAFETY: the caller gives us the buffer; dropping it frees it.
    let input = unsafe { take_back(ptr, len) };
    let Ok(text) = String::from_utf8(input) else {
        return 0;
    };
    let shouted = text.to_uppercase().into_bytes().into_boxed_slice();
    let len = shouted.len();
    pack_ptr_len(Box::into_raw(shouted).cast::<u8>(), len)
}

/// Frees what `shout` returned, once the host has read it.
///
/// # Safety
///
/// `packed` must be what `shout` returned, and not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_post_shout(packed: u64) {
    let (ptr, len) = unpack_ptr_len(packed);
    // SAFETY: `shout` allocated exactly `len` bytes at `ptr`.
    drop(unsafe { take_back(ptr, len) });
}
// ANCHOR_END: shout
