//! A global allocator that checks every free, for debugging guests.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::fmt::{self, Write as _};
use core::marker::PhantomData;

/// How many allocations [`CheckedAllocator`] can track at once. More live
/// allocations than this is reported as an error: the table is fixed so
/// that the allocator never allocates for itself.
pub const CAPACITY: usize = 4096;

// ANCHOR: checked_allocator
/// Wraps a global allocator and keeps a table of every live allocation and
/// its size. A free of a pointer that is not live (a double free, or a
/// pointer that was never allocated) or with the wrong size stops the guest
/// with a message for the host, instead of corrupting the heap:
///
/// ```rust,standalone_crate
/// #[global_allocator]
/// static ALLOCATOR: wasm_memory_guest::CheckedAllocator<std::alloc::System> =
///     wasm_memory_guest::CheckedAllocator::new(std::alloc::System);
/// # let greeting = String::from("checked"); // allocated and freed through it
/// # assert_eq!(greeting.len(), 7);
/// ```
///
/// On wasm32 the message goes to the host through the import
/// `wasm_memory.report_error(ptr, len)` ([`ReportToHost`]), then the guest
/// traps; elsewhere it aborts with the message. It is meant for
/// single-threaded guests (wasm without threads). [`CheckedAllocator::unreported`]
/// makes one that traps without the import ([`ReportNowhere`]), for a
/// component, which may import only what its WIT world declares.
pub struct CheckedAllocator<A, R: Report = ReportToHost> {
    inner: A,
    /// `(address, size)` of each live allocation; address 0 marks a free slot.
    live: UnsafeCell<[(usize, usize); CAPACITY]>,
    report: PhantomData<R>,
}

// SAFETY: guests without the wasm threads proposal run one thread, so the
// table is never touched by two callers at once.
unsafe impl<A: Sync, R: Report> Sync for CheckedAllocator<A, R> {}

impl<A> CheckedAllocator<A> {
    /// Checks every free made through `inner`, and reports a misuse to the
    /// host before it traps.
    pub const fn new(inner: A) -> Self {
        Self::reporting_to(inner)
    }
}

impl<A> CheckedAllocator<A, ReportNowhere> {
    /// Checks every free made through `inner`, and traps on a misuse
    /// without a message: the guest imports nothing. For a component, which
    /// may import only what its WIT world declares.
    pub const fn unreported(inner: A) -> Self {
        Self::reporting_to(inner)
    }
}

impl<A, R: Report> CheckedAllocator<A, R> {
    const fn reporting_to(inner: A) -> Self {
        Self {
            inner,
            live: UnsafeCell::new([(0, 0); CAPACITY]),
            report: PhantomData,
        }
    }

    /// How many allocations are live: between calls, the buffers the host
    /// holds plus whatever the guest keeps. Export it to let a host check
    /// that it gave everything back.
    pub fn live_count(&self) -> usize {
        self.table().iter().filter(|slot| slot.0 != 0).count()
    }

    /// The table, for the duration of one allocator call.
    #[allow(clippy::mut_from_ref)] // single-threaded, never held across calls
    fn table(&self) -> &mut [(usize, usize); CAPACITY] {
        // SAFETY: see the `Sync` impl; no reference outlives the call.
        unsafe { &mut *self.live.get() }
    }
}

unsafe impl<A: GlobalAlloc, R: Report> GlobalAlloc for CheckedAllocator<A, R> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            match self.table().iter_mut().find(|slot| slot.0 == 0) {
                Some(slot) => *slot = (ptr as usize, layout.size()),
                None => fail::<R>(format_args!(
                    "allocate: more than {CAPACITY} live allocations"
                )),
            }
        }
        ptr
    }

    // ANCHOR: dealloc
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let slot = self
            .table()
            .iter_mut()
            .find(|slot| slot.0 == ptr as usize && !ptr.is_null());
        match slot {
            None => fail::<R>(format_args!(
                "deallocate: {ptr:?} is not a live allocation (freed twice, or never allocated)"
            )),
            Some(&mut (_, size)) if size != layout.size() => fail::<R>(format_args!(
                "deallocate: {ptr:?} was allocated with {size} bytes but freed with {}",
                layout.size()
            )),
            Some(slot) => {
                *slot = (0, 0);
                // SAFETY: the pointer is live and the layout matches.
                unsafe { self.inner.dealloc(ptr, layout) }
            }
        }
    }
    // ANCHOR_END: dealloc
}
// ANCHOR_END: checked_allocator

// ANCHOR: report_error
/// Where [`CheckedAllocator`] sends its message about a misuse, just before
/// the guest traps (or, off wasm32, aborts). Sealed: `report` runs inside
/// the allocator, where allocating or unwinding would be undefined
/// behaviour, so only this crate's two implementations exist.
pub trait Report: sealed::Sealed {
    /// Sends `message`, UTF-8, which the callee must not keep.
    fn report(message: &[u8]);

    /// Formats `message` on the stack and sends it: it allocates nothing,
    /// so it may run inside an allocator or a panic hook. A message longer
    /// than [`MESSAGE_CAPACITY`] bytes is cut short, not lost.
    fn report_fmt(message: fmt::Arguments<'_>) {
        Self::report(StackBuffer::format(message).as_bytes());
    }
}

/// The longest message [`Report::report_fmt`] sends, in bytes.
pub const MESSAGE_CAPACITY: usize = 512;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ReportToHost {}
    impl Sealed for super::ReportNowhere {}
}

/// The import `wasm_memory.report_error(ptr, len)`: the default.
pub struct ReportToHost;

/// Nowhere: the guest traps without a message, and imports nothing.
pub struct ReportNowhere;

impl Report for ReportNowhere {
    fn report(_message: &[u8]) {}
}

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "wasm_memory")]
unsafe extern "C" {
    /// Provided by the host: receives a UTF-8 message just before the guest
    /// traps, so that the host's error can say why.
    fn report_error(ptr: *const u8, len: usize);
}

impl Report for ReportToHost {
    fn report(message: &[u8]) {
        // The import exists only on wasm32, and only in a guest that calls
        // this: the linker drops an import nobody calls.
        #[cfg(target_arch = "wasm32")]
        // SAFETY: the host reads `len` initialized bytes and keeps no pointer.
        unsafe {
            report_error(message.as_ptr(), message.len())
        };
        #[cfg(not(target_arch = "wasm32"))]
        let _ = message;
    }
}

/// Reports the message, then traps. Formats into a buffer on the stack:
/// this runs inside the allocator, which must not allocate.
fn fail<R: Report>(message: fmt::Arguments<'_>) -> ! {
    let buffer = StackBuffer::format(message);
    R::report(buffer.as_bytes());
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    abort_with(core::str::from_utf8(buffer.as_bytes()).unwrap_or("(not UTF-8)"))
}
// ANCHOR_END: report_error

/// Off wasm32 (the crate's own tests on the host), stops the process with
/// the message. A panic must not unwind out of a global allocator; one that
/// leaves an `extern "C"` function aborts instead, after printing it.
#[cfg(not(target_arch = "wasm32"))]
#[allow(improper_ctypes_definitions)] // called from Rust only
extern "C" fn abort_with(message: &str) -> ! {
    panic!("{message}")
}

/// Text formatted into a buffer on the stack: what does not fit is left out.
struct StackBuffer {
    bytes: [u8; MESSAGE_CAPACITY],
    len: usize,
}

impl StackBuffer {
    fn format(message: fmt::Arguments<'_>) -> Self {
        let mut buffer = StackBuffer {
            bytes: [0; MESSAGE_CAPACITY],
            len: 0,
        };
        // A message longer than the buffer is cut short, not lost.
        let _ = buffer.write_fmt(message);
        buffer
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
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
