//! The guest side of sharing memory with a WebAssembly host.
//!
//! A guest that takes bytes from its host and gives bytes back needs the same
//! few pieces every time: exported `allocate` and `deallocate` functions, a
//! way to hand a buffer to the host as one `u64`, and a way to take the
//! host's buffers. This crate is those pieces, `no_std` (it needs only
//! `alloc`), written to be read as well as used. The book *Sharing Memory
//! Between a WebAssembly Host and Its Guests*, which this crate comes from,
//! walks through them.
//!
//! ```rust,standalone_crate
//! // In a guest crate (`crate-type = ["cdylib"]`): export `allocate` and
//! // `deallocate` in one line...
//! wasm_memory_guest::export_allocator!();
//!
//! // ...and hand buffers over in one more.
//! #[unsafe(no_mangle)]
//! pub extern "C" fn hello() -> u64 {
//!     wasm_memory_guest::hand_over_string(String::from("hello"))
//! }
//! # assert_eq!(hello() >> 32, 5); // the length (a native pointer does not fit in 32 bits)
//! ```
//!
//! The host frees what it was handed with `deallocate(ptr, len)`, passing
//! the length it received: [`hand_over`] makes sure that length is exactly
//! the size that was allocated.
//!
//! [`CheckedAllocator`] is a global allocator for debugging that checks
//! every free (double frees, unknown pointers, wrong sizes) and tells the
//! host what went wrong before it traps.

#![no_std]

extern crate alloc;

mod checked;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::ptr::{NonNull, null_mut};

pub use checked::{
    CAPACITY, CheckedAllocator, MESSAGE_CAPACITY, Report, ReportNowhere, ReportToHost,
};

// ANCHOR: pack
/// Packs a pointer and a length into one `u64`, pointer-low:
/// the pointer in the low 32 bits, the length in the high 32 bits.
///
/// Meant for wasm32, where both are 32 bits; elsewhere only their low 32
/// bits are kept.
pub fn pack_ptr_len(ptr: *const u8, len: usize) -> u64 {
    ((len as u64) << 32) | (ptr as usize as u32 as u64)
}
// ANCHOR_END: pack

/// Splits a `u64` made by [`pack_ptr_len`].
pub fn unpack_ptr_len(packed: u64) -> (*mut u8, usize) {
    (packed as u32 as usize as *mut u8, (packed >> 32) as usize)
}

// ANCHOR: allocate
/// Reserves `size` bytes and returns where they start, or null when the
/// allocation fails (the host must check: 0 is a valid address in wasm,
/// reading it does not trap).
///
/// Ownership: the caller owns the buffer and frees it with
/// [`deallocate`]`(ptr, size)`, passing the same `size`.
pub fn allocate(size: usize) -> *mut u8 {
    let Ok(layout) = Layout::from_size_align(size, 1) else {
        return null_mut(); // larger than any allocation can be
    };
    if size == 0 {
        // Allocating zero bytes is undefined behaviour in Rust. A dangling,
        // non-null pointer is what `Vec` uses for an empty buffer too.
        return NonNull::dangling().as_ptr();
    }
    // SAFETY: `layout` has a non-zero size.
    unsafe { alloc::alloc::alloc(layout) }
}
// ANCHOR_END: allocate

// ANCHOR: deallocate
/// Frees a buffer of `size` bytes at `ptr`.
///
/// Ownership: takes back a buffer the caller owns: one from
/// [`allocate`]`(size)`, or one [`hand_over`] gave away with length `size`.
///
/// # Safety
///
/// `ptr` must come from such a buffer, not yet freed, and `size` must be
/// exactly its size: the allocator finds the block by its layout.
pub unsafe fn deallocate(ptr: *mut u8, size: usize) {
    if size == 0 {
        return; // the dangling pointer from `allocate(0)`
    }
    // SAFETY: `size` was accepted by `allocate`, so the layout is valid, and
    // the caller promises it is the layout the buffer was allocated with.
    unsafe { alloc::alloc::dealloc(ptr, Layout::from_size_align_unchecked(size, 1)) }
}
// ANCHOR_END: deallocate

// ANCHOR: hand_over
/// Gives `bytes` to the host and returns their packed `(ptr, len)`.
///
/// Ownership: the host owns the buffer from now on and frees it with
/// `deallocate(ptr, len)`. The bytes are moved into a `Box<[u8]>` first,
/// which has no spare capacity, so `len` is exactly the allocated size.
pub fn hand_over(bytes: impl Into<Box<[u8]>>) -> u64 {
    let bytes: Box<[u8]> = bytes.into();
    let len = bytes.len();
    pack_ptr_len(Box::into_raw(bytes).cast::<u8>(), len)
}
// ANCHOR_END: hand_over

/// Gives a string to the host as UTF-8 bytes; see [`hand_over`].
pub fn hand_over_string(text: String) -> u64 {
    hand_over(text.into_bytes())
}

/// Takes ownership of a buffer the host filled, such as one it got from
/// [`allocate`], so that dropping it frees it.
///
/// # Safety
///
/// `ptr..ptr + len` must be a buffer allocated with exactly `len` bytes
/// (by [`allocate`] or [`hand_over`]) that nobody else will free.
pub unsafe fn take_back(ptr: *mut u8, len: usize) -> Vec<u8> {
    if len == 0 {
        return Vec::new();
    }
    // SAFETY: the caller promises the buffer was allocated with exactly
    // `len` bytes and alignment 1, which is what `Vec<u8>` needs.
    unsafe { Vec::from_raw_parts(ptr, len, len) }
}

/// Borrows the `len` bytes the host placed at `ptr`, for the current call.
///
/// # Safety
///
/// `ptr..ptr + len` must be initialized memory that stays unchanged while the
/// slice is in use, such as a buffer from [`allocate`] the host wrote into.
pub unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the caller promises the range is valid and not null.
    unsafe { core::slice::from_raw_parts(ptr, len) }
}

/// Like [`input`], and the bytes must be UTF-8: a host can send anything.
///
/// # Errors
///
/// A [`Utf8Error`](core::str::Utf8Error) if the bytes are not UTF-8: it
/// says how many of them are valid before the first that is not.
///
/// # Safety
///
/// As for [`input`].
pub unsafe fn input_str<'a>(ptr: *const u8, len: usize) -> Result<&'a str, core::str::Utf8Error> {
    // SAFETY: forwarded.
    core::str::from_utf8(unsafe { input(ptr, len) })
}

/// Reallocation as the canonical ABI (the Component Model) defines it, for
/// hosts that allocate in the guest with `cabi_realloc(0, 0, align, size)`.
///
/// # Safety
///
/// `old_ptr`, `old_len` and `align` must describe a live allocation made by
/// this function (or be `0, 0` for a new one); `align` must be a power of two.
pub unsafe fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    if old_len == 0 {
        if new_len == 0 {
            return align as *mut u8; // dangling and aligned
        }
        let Ok(layout) = Layout::from_size_align(new_len, align) else {
            return null_mut();
        };
        // SAFETY: non-zero size.
        return unsafe { alloc::alloc::alloc(layout) };
    }
    if new_len == 0 {
        return null_mut(); // shrinking to nothing is not a reallocation
    }
    // SAFETY: the caller promises `old_ptr` was allocated with this layout.
    unsafe {
        alloc::alloc::realloc(
            old_ptr,
            Layout::from_size_align_unchecked(old_len, align),
            new_len,
        )
    }
}

// ANCHOR: export_allocator
/// Exports `allocate(size) -> ptr` and `deallocate(ptr, size)` from the
/// guest, implemented by [`allocate`] and [`deallocate`]:
///
/// ```rust,standalone_crate
/// wasm_memory_guest::export_allocator!();
/// # let ptr = allocate(3);
/// # unsafe { deallocate(ptr, 3) };
/// ```
#[macro_export]
macro_rules! export_allocator {
    () => {
        /// Reserves `size` bytes for the host; see `wasm_memory_guest::allocate`.
        #[unsafe(no_mangle)]
        pub extern "C" fn allocate(size: usize) -> *mut u8 {
            $crate::allocate(size)
        }

        /// Frees a buffer of `size` bytes; see `wasm_memory_guest::deallocate`.
        ///
        /// # Safety
        ///
        /// `ptr` must be a live buffer of exactly `size` bytes from `allocate`
        /// or handed over by the guest.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: usize) {
            // SAFETY: the caller's promise, forwarded.
            unsafe { $crate::deallocate(ptr, size) }
        }
    };
}
// ANCHOR_END: export_allocator

/// Exports `cabi_realloc`, implemented by [`cabi_realloc`], for hosts that
/// allocate the canonical ABI's way.
#[macro_export]
macro_rules! export_cabi_realloc {
    () => {
        /// The canonical ABI's allocator; see `wasm_memory_guest::cabi_realloc`.
        ///
        /// # Safety
        ///
        /// As for `wasm_memory_guest::cabi_realloc`.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn cabi_realloc(
            old_ptr: *mut u8,
            old_len: usize,
            align: usize,
            new_len: usize,
        ) -> *mut u8 {
            // SAFETY: the caller's promise, forwarded.
            unsafe { $crate::cabi_realloc(old_ptr, old_len, align, new_len) }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_puts_the_pointer_in_the_low_bits() {
        let packed = pack_ptr_len(0x0011_0018 as *const u8, 14);
        assert_eq!(packed, 0x0000_000e_0011_0018);
        assert_eq!(unpack_ptr_len(packed), (0x0011_0018 as *mut u8, 14));
    }

    #[test]
    fn zero_sized_buffers_are_dangling_and_free_nothing() {
        let ptr = allocate(0);
        assert!(!ptr.is_null());
        unsafe { deallocate(ptr, 0) };
        assert!(unsafe { take_back(ptr, 0) }.is_empty());
        assert!(unsafe { input(core::ptr::null(), 0) }.is_empty());
    }

    #[test]
    fn impossible_sizes_fail_with_null() {
        assert!(allocate(usize::MAX).is_null());
        assert!(unsafe { cabi_realloc(null_mut(), 0, 1, usize::MAX) }.is_null());
    }

    #[test]
    fn cabi_realloc_grows_and_keeps_the_bytes() {
        unsafe {
            let ptr = cabi_realloc(null_mut(), 0, 4, 4);
            ptr.copy_from(b"abcd".as_ptr(), 4);
            let grown = cabi_realloc(ptr, 4, 4, 8);
            assert_eq!(core::slice::from_raw_parts(grown, 4), b"abcd");
            alloc::alloc::dealloc(grown, Layout::from_size_align(8, 4).unwrap());
        }
    }
}
