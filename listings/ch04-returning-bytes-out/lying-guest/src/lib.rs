//! A guest whose `(ptr, len)` results a host must not trust. Each export
//! returns a pair packed like `pack_ptr_len` does, and each is wrong in its
//! own way.

use std::arch::wasm32;

const PAGE_SIZE: u64 = 65_536;

/// Pointer in the low 32 bits, length in the high 32 bits, from plain numbers.
fn pack(ptr: u64, len: u64) -> u64 {
    (len << 32) | ptr
}

// ANCHOR: lies
/// 16 bytes that start 8 bytes before the end of memory.
#[unsafe(no_mangle)]
pub extern "C" fn ends_past_memory() -> u64 {
    let memory_size = wasm32::memory_size(0) as u64 * PAGE_SIZE;
    pack(memory_size - 8, 16)
}

/// A range whose end does not fit in 32 bits: `ptr + len` wraps around.
#[unsafe(no_mangle)]
pub extern "C" fn length_wraps_around() -> u64 {
    pack(0xffff_fff0, 0x20)
}

/// 3 GiB: a length no host should allocate for before checking it.
#[unsafe(no_mangle)]
pub extern "C" fn huge_length() -> u64 {
    pack(1024, 3 << 30)
}

static NOT_UTF8: [u8; 4] = [b'f', b'o', 0xff, b'o'];

/// In bounds, but not the UTF-8 string the host expects.
#[unsafe(no_mangle)]
pub extern "C" fn invalid_utf8() -> u64 {
    pack(NOT_UTF8.as_ptr() as u64, NOT_UTF8.len() as u64)
}
// ANCHOR_END: lies
