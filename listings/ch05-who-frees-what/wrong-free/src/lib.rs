//! The allocator exports of Listing 3-1 over Rust's own allocator, with no
//! checked allocator in between: what Rust itself notices when a host frees
//! a buffer wrongly. Chapter 5 compiles this file twice, as `wrong-free`
//! (release, like every listing) and as `wrong-free-debug` (the same, with
//! debug assertions on).

use std::alloc::Layout;
use std::sync::Once;

use wasm_memory_guest::{Report, ReportToHost};

/// Reserves `len` bytes: the book's `allocate` (Listing 3-1).
///
/// Ownership: the host owns the buffer and frees it with
/// `deallocate(ptr, len)`.
#[unsafe(no_mangle)]
pub extern "C" fn allocate(len: usize) -> *mut u8 {
    report_panics_to_host();
    wasm_memory_guest::allocate(len)
}

// ANCHOR: deallocate
/// Frees the `len` bytes at `ptr`, as the book's `deallocate` (Listing 3-1)
/// does: `allocate` checked the layout, so this builds it unchecked.
///
/// Ownership: takes back a buffer the host owns.
///
/// # Safety
///
/// `ptr` must be a live buffer from `allocate(len)`, freed with that `len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, len: usize) {
    report_panics_to_host();
    if len == 0 {
        return; // the dangling pointer of `allocate(0)`
    }
    // SAFETY: the caller promises that `ptr` was allocated with this layout.
    // Built with debug assertions, this crate checks the precondition of
    // `from_size_align_unchecked` (`len` at most `isize::MAX`) here.
    unsafe { std::alloc::dealloc(ptr, Layout::from_size_align_unchecked(len, 1)) }
}
// ANCHOR_END: deallocate

// ANCHOR: report_panics
/// Sends the message of any panic to the host, just before the guest traps,
/// through the import the checked allocator uses. With `panic = "abort"` on
/// `wasm32-unknown-unknown`, std writes it to a standard error that goes
/// nowhere, and the host sees only the trap.
fn report_panics_to_host() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        // `report_fmt` formats on the stack: the panic may come from inside
        // the allocator, which must not be called again.
        std::panic::set_hook(Box::new(|info| {
            ReportToHost::report_fmt(format_args!("{info}"));
        }));
    });
}
// ANCHOR_END: report_panics
