//! Returning two values through memory: an out-pointer, explicit or hidden.

// Exports `allocate` and `deallocate` (Listing 3-1).
wasm_memory_guest::export_allocator!();

// ANCHOR: guest_slice
/// A pointer and a length: two 32-bit fields, 8 bytes in all.
#[repr(C)]
pub struct GuestSlice {
    pub ptr: *const u8,
    pub len: usize,
}
// ANCHOR_END: guest_slice

/// Copies `text` with its ASCII letters uppercased into a buffer the caller
/// will own.
fn uppercase_copy(text: &[u8]) -> GuestSlice {
    let copy: Box<[u8]> = text.to_ascii_uppercase().into_boxed_slice();
    let len = copy.len();
    GuestSlice {
        ptr: Box::into_raw(copy).cast::<u8>(),
        len,
    }
}

// ANCHOR: explicit
/// Uppercases the text at `ptr..ptr + len` into a new buffer and writes its
/// pointer and length to the 8 bytes at `out`.
///
/// Ownership: borrows the text and `out` for this call; the new buffer
/// belongs to the caller, who frees it with `deallocate(ptr, len)`.
///
/// # Safety
///
/// The text must be initialized memory; `out` must be 8 writable bytes,
/// aligned to 4.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uppercase_into(ptr: *const u8, len: usize, out: *mut GuestSlice) {
    // SAFETY: the caller promises both ranges are valid.
    unsafe { out.write(uppercase_copy(std::slice::from_raw_parts(ptr, len))) }
}
// ANCHOR_END: explicit

// ANCHOR: hidden
/// The same, returning the struct. The wasm32 C ABI returns structs through
/// memory, so the compiled export has no result and an extra first
/// parameter: the out-pointer, now hidden from the Rust signature.
///
/// # Safety
///
/// The text must be initialized memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uppercase(ptr: *const u8, len: usize) -> GuestSlice {
    // SAFETY: the caller promises the range is valid.
    uppercase_copy(unsafe { std::slice::from_raw_parts(ptr, len) })
}
// ANCHOR_END: hidden
