//! A guest that brings no memory of its own: it imports `env.memory`, which
//! the host creates before instantiating it. Its stack and its data still
//! live at the start of that memory, so the host asks `allocate` for room
//! as with any other guest.

wasm_memory_guest::export_allocator!();

/// Adds up the `len` bytes at `ptr`, which the host placed there.
///
/// # Safety
///
/// `ptr..ptr + len` is a buffer the host wrote, alive for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sum(ptr: *const u8, len: usize) -> u32 {
    // SAFETY: the caller's promise.
    let bytes = unsafe { wasm_memory_guest::input(ptr, len) };
    bytes.iter().map(|&b| u32::from(b)).sum()
}
