//! Returning a buffer to the host: a pointer and a length packed in a `u64`.
//!
//! Chapter 5's listings depend on this crate, and so export `greet` too.

// Exports `allocate` and `deallocate` (Listing 3-1).
wasm_memory_guest::export_allocator!();

use wasm_memory_guest::pack_ptr_len;

// ANCHOR: greet
/// Builds `Hello, <name>!` from the UTF-8 string at `name_ptr..+name_len` and
/// returns it packed with `pack_ptr_len`, or 0 when the name is not UTF-8.
///
/// Ownership: borrows the name for this call. The greeting belongs to the
/// host, which frees it with `deallocate(ptr, len)`: a boxed slice has no
/// spare capacity, so `len` is exactly the size that was allocated.
///
/// # Safety
///
/// `name_ptr..name_ptr + name_len` must be initialized memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn greet(name_ptr: *const u8, name_len: usize) -> u64 {
    // SAFETY: the caller promises the range is valid.
    let name = unsafe { std::slice::from_raw_parts(name_ptr, name_len) };
    let Ok(name) = std::str::from_utf8(name) else {
        return 0;
    };
    let greeting: Box<[u8]> = format!("Hello, {name}!").into_bytes().into_boxed_slice();
    let len = greeting.len();
    // Give up ownership: nothing in the guest will free this buffer now.
    let ptr = Box::into_raw(greeting).cast::<u8>();
    pack_ptr_len(ptr, len)
}
// ANCHOR_END: greet
