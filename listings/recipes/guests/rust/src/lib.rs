//! The `greet` guest in Rust: `allocate`, `deallocate`, `greet` and `scale`,
//! over std's allocator.
//!
//! Who frees what: the host allocates the name with `allocate` and frees it
//! with `deallocate` after `greet`; `greet` and `scale` return buffers of
//! their own, made by `allocate`, which the host frees with `deallocate`.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};

/// The layout of every buffer that crosses the boundary: `len` bytes,
/// aligned to 8. `deallocate` must free with the layout `allocate` used, so
/// both build it here from the length alone. A zero-length buffer still
/// takes one byte: std's allocator takes no zero-sized request.
fn layout(len: usize) -> Layout {
    match Layout::from_size_align(len.max(1), 8) {
        Ok(layout) => layout,
        // More than isize::MAX bytes: no wasm32 memory holds that.
        Err(_) => std::process::abort(),
    }
}

/// Returns the address of `len` fresh bytes, aligned to 8. Traps if the
/// memory cannot grow enough: it never returns a null pointer.
#[unsafe(no_mangle)]
pub extern "C" fn allocate(len: usize) -> *mut u8 {
    let layout = layout(len);
    // SAFETY: `layout` is never zero-sized.
    let ptr = unsafe { alloc(layout) };
    if ptr.is_null() {
        handle_alloc_error(layout);
    }
    ptr
}

/// Frees `len` bytes at `ptr`, a buffer `allocate`, `greet` or `scale`
/// returned, given the same length.
///
/// # Safety
///
/// `ptr` must come from `allocate(len)` (or be a result of `greet` or
/// `scale` of that length) and not have been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, len: usize) {
    // SAFETY: the caller promises `ptr` was allocated with `layout(len)`.
    unsafe { dealloc(ptr, layout(len)) }
}

/// Copies `bytes` into a fresh buffer from `allocate` (so that the host can
/// free it with `deallocate(ptr, len)`) and packs it as `(len << 32) | ptr`.
fn hand_over(bytes: &[u8]) -> u64 {
    let ptr = allocate(bytes.len());
    // SAFETY: `ptr` is a fresh buffer of `bytes.len()` bytes.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len()) };
    ((bytes.len() as u64) << 32) | ptr as usize as u64
}

/// Reads the UTF-8 name at `ptr..ptr + len` and returns `"Hello, <name>!"`
/// in a buffer the host frees with `deallocate(ptr, len)`.
///
/// The name stays the host's: this neither frees nor keeps it.
///
/// # Safety
///
/// `ptr..ptr + len` must be initialized memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn greet(ptr: *const u8, len: usize) -> u64 {
    let name = if len == 0 {
        &[][..]
    } else {
        // SAFETY: the caller promises the range is valid.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    };
    // Bytes that are not UTF-8 become U+FFFD rather than a trap.
    let name = String::from_utf8_lossy(name);
    hand_over(format!("Hello, {name}!").as_bytes())
}

/// Reads `count` little-endian `f32` values at `ptr` (aligned to 4) and
/// returns a new array of `count` values, each multiplied by `factor`,
/// packed like `greet` with the length in elements. The host frees it with
/// `deallocate(ptr, count * 4)`.
///
/// # Safety
///
/// `ptr` must be aligned to 4 and `ptr..ptr + count * 4` initialized memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn scale(ptr: *const f32, count: usize, factor: f32) -> u64 {
    let Some(bytes) = count.checked_mul(4) else {
        std::process::abort();
    };
    let input = if count == 0 {
        &[][..]
    } else {
        // SAFETY: the caller promises the range is valid and aligned.
        unsafe { std::slice::from_raw_parts(ptr, count) }
    };
    let out = allocate(bytes).cast::<f32>();
    for (i, value) in input.iter().enumerate() {
        // SAFETY: `out` holds `count` values, aligned to 8.
        unsafe { out.add(i).write(value * factor) };
    }
    ((count as u64) << 32) | out as usize as u64
}
