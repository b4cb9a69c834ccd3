//! Listing 4-1's greeter (`allocate`, `deallocate`, `greet`) running over an
//! allocator that checks every free and tells the host what went wrong.

// Links in `greet` (and the allocator it exports) from Listing 4-1.
use ch04_packed_return as _;
use wasm_memory_guest::{CheckedAllocator, pack_ptr_len};

// ANCHOR: global_allocator
/// Every allocation of this guest goes through the checked allocator.
#[global_allocator]
static ALLOCATOR: CheckedAllocator<std::alloc::System> = CheckedAllocator::new(std::alloc::System);
// ANCHOR_END: global_allocator

// ANCHOR: spare_capacity
/// Like `greet`, with the classic bug: the buffer handed to the host has
/// spare capacity, so `len` is not the size that was allocated and
/// `deallocate(ptr, len)` frees it with the wrong layout.
///
/// # Safety
///
/// `name_ptr..name_ptr + name_len` must be initialized memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn greet_with_spare_capacity(name_ptr: *const u8, name_len: usize) -> u64 {
    // SAFETY: the caller promises the range is valid.
    let name = unsafe { std::slice::from_raw_parts(name_ptr, name_len) };
    let mut greeting = Vec::with_capacity(64);
    greeting.extend_from_slice(b"Hello, ");
    greeting.extend_from_slice(name);
    greeting.push(b'!');
    let (ptr, len) = (greeting.as_ptr(), greeting.len());
    std::mem::forget(greeting); // leaks `capacity`, reports `len`
    pack_ptr_len(ptr, len)
}
// ANCHOR_END: spare_capacity
