//! Listing 4-2's greeter (`allocate`, `deallocate`, `greet`) running over an
//! allocator that checks every free and tells the host what went wrong.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::fmt::{self, Write as _};

use ch04_packed_return::pack_ptr_len;

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

// ANCHOR: report_error
#[link(wasm_import_module = "env")]
unsafe extern "C" {
    /// Provided by the host: receives a UTF-8 message just before the guest
    /// traps, so the host's error can say why.
    fn report_error(ptr: *const u8, len: usize);
}

/// Reports the message to the host, then traps. Formats into a buffer on the
/// stack: this runs inside the allocator, which must not allocate.
fn fail(message: fmt::Arguments<'_>) -> ! {
    let mut buffer = StackBuffer {
        bytes: [0; 160],
        len: 0,
    };
    // A message longer than the buffer is cut short, not lost.
    let _ = buffer.write_fmt(message);
    // SAFETY: the host reads `len` initialized bytes and keeps no pointer.
    unsafe { report_error(buffer.bytes.as_ptr(), buffer.len) };
    std::arch::wasm32::unreachable()
}
// ANCHOR_END: report_error

struct StackBuffer {
    bytes: [u8; 160],
    len: usize,
}

impl fmt::Write for StackBuffer {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

// ANCHOR: checked_allocator
/// The system allocator, plus a table of every live allocation and its size.
struct CheckedAllocator {
    live: UnsafeCell<[Option<(usize, usize)>; 256]>,
}

// SAFETY: wasm32-unknown-unknown without the threads proposal runs one
// thread, so the table is never touched by two callers at once.
unsafe impl Sync for CheckedAllocator {}

#[global_allocator]
static ALLOCATOR: CheckedAllocator = CheckedAllocator {
    live: UnsafeCell::new([None; 256]),
};

unsafe impl GlobalAlloc for CheckedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            // SAFETY: single-threaded, and no reference to the table outlives this call.
            let live = unsafe { &mut *self.live.get() };
            match live.iter_mut().find(|slot| slot.is_none()) {
                Some(slot) => *slot = Some((ptr as usize, layout.size())),
                None => fail(format_args!("allocate: more than 256 live allocations")),
            }
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: single-threaded, and no reference to the table outlives this call.
        let live = unsafe { &mut *self.live.get() };
        let slot = live
            .iter_mut()
            .find(|slot| matches!(slot, Some((live_ptr, _)) if *live_ptr == ptr as usize));
        match slot {
            None => fail(format_args!(
                "deallocate: {ptr:?} is not a live allocation (freed twice, or never allocated)"
            )),
            Some(Some((_, size))) if *size != layout.size() => fail(format_args!(
                "deallocate: {ptr:?} was allocated with {size} bytes but freed with {}",
                layout.size()
            )),
            Some(slot) => {
                *slot = None;
                // SAFETY: the pointer is live and the layout matches.
                unsafe { System.dealloc(ptr, layout) }
            }
        }
    }
}
// ANCHOR_END: checked_allocator
