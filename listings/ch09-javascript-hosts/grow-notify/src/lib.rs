//! A guest that tells its host when its memory grew: a wrapper around any
//! global allocator, which compares the memory's size before and after each
//! call that may grow it and, when it changed, calls the host's
//! `env.memory_grew`. The host rebuilds its views of the memory there,
//! instead of checking them before every use.

use core::arch::wasm32;
use std::alloc::{GlobalAlloc, Layout, System};

// ANCHOR: imports
#[link(wasm_import_module = "env")]
unsafe extern "C" {
    /// Called right after an allocation grew the memory, with its new size
    /// in pages, while the guest is still running: the host may rebuild its
    /// views, but must not call back into the guest.
    fn memory_grew(pages: usize);
    /// Prints the `len` bytes of UTF-8 at `ptr`. Ownership: the guest keeps
    /// the buffer; the host reads it during the call.
    fn console_log(ptr: *const u8, len: usize);
}
// ANCHOR_END: imports

// ANCHOR: notify_on_grow
/// Any allocator, wrapped: every call that may grow the memory is followed
/// by a check of the memory's size, and the host hears of a change.
pub struct NotifyOnGrow<A>(pub A);

impl<A> NotifyOnGrow<A> {
    fn tell_host_if_grown(pages_before: usize) {
        let pages = wasm32::memory_size(0);
        if pages != pages_before {
            // SAFETY: an import of the host, which only rebuilds its views.
            unsafe { memory_grew(pages) }
        }
    }
}

// SAFETY: every call is passed on to `A` unchanged.
unsafe impl<A: GlobalAlloc> GlobalAlloc for NotifyOnGrow<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let before = wasm32::memory_size(0);
        // SAFETY: the caller's promises about `layout` are passed on.
        let ptr = unsafe { self.0.alloc(layout) };
        Self::tell_host_if_grown(before);
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let before = wasm32::memory_size(0);
        // SAFETY: as for `alloc`.
        let ptr = unsafe { self.0.alloc_zeroed(layout) };
        Self::tell_host_if_grown(before);
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = wasm32::memory_size(0);
        // SAFETY: the caller's promises about `ptr` and `layout` are passed on.
        let new = unsafe { self.0.realloc(ptr, layout, new_size) };
        Self::tell_host_if_grown(before);
        new
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`. Freeing never grows the memory.
        unsafe { self.0.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: NotifyOnGrow<System> = NotifyOnGrow(System);
// ANCHOR_END: notify_on_grow

// ANCHOR: log_after_allocating
/// Allocates `len` bytes, which may grow the memory, then prints a message
/// through the host. Ownership: nothing crosses but the message, which the
/// guest keeps.
#[unsafe(no_mangle)]
pub extern "C" fn log_after_allocating(len: usize) -> usize {
    let buffer = vec![1u8; len];
    let message = format!("allocated {} bytes", buffer.len());
    // SAFETY: the host reads `message` during the call only.
    unsafe { console_log(message.as_ptr(), message.len()) };
    buffer.len()
}
// ANCHOR_END: log_after_allocating
