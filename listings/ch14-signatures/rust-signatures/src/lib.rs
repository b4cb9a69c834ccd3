//! What `rustc` makes of `extern "C"` signatures on `wasm32-unknown-unknown`.
//! Each export here looks like something else in wasm; chapter 14's table,
//! read from the compiled module, shows what.

use std::alloc::{Layout, alloc, dealloc};

/// Two 32-bit fields: more than one scalar, so the C ABI passes and returns
/// it through memory.
#[repr(C)]
pub struct Pair {
    pub first: u32,
    pub second: u32,
}

/// One 32-bit field: a single scalar, passed and returned as that scalar.
#[repr(C)]
pub struct Wrapped {
    pub value: u32,
}

// ANCHOR: struct_result
/// Looks like it returns a `Pair`. In wasm it returns nothing and takes a
/// hidden first parameter: where the caller wants the `Pair` written (the
/// "sret" pointer).
#[unsafe(no_mangle)]
pub extern "C" fn make_pair(first: u32, second: u32) -> Pair {
    Pair { first, second }
}
// ANCHOR_END: struct_result

// ANCHOR: struct_param
/// Takes a `Pair` by value. Since Rust 1.89 it takes one `i32`, the address
/// of a copy the caller made; before, `wasm32-unknown-unknown` passed the
/// two fields as two `i32`s.
#[unsafe(no_mangle)]
pub extern "C" fn sum_pair(pair: Pair) -> u32 {
    pair.first + pair.second
}
// ANCHOR_END: struct_param

/// A struct of one scalar is that scalar: `(i32) -> i32`.
#[unsafe(no_mangle)]
pub extern "C" fn double_wrapped(wrapped: Wrapped) -> Wrapped {
    Wrapped {
        value: wrapped.value * 2,
    }
}

// ANCHOR: string_result
/// Wrong on purpose: `String` is not a C type (hence the lint), but rustc
/// compiles it anyway, as a struct result: a hidden out-pointer where the
/// three words of the `String` (pointer, capacity, length) are written,
/// and no result. A JavaScript caller gets `undefined`.
#[allow(improper_ctypes_definitions)]
#[unsafe(no_mangle)]
pub extern "C" fn greeting() -> String {
    String::from("hello")
}
// ANCHOR_END: string_result

// ANCHOR: room
/// Room for a value the host passes or receives by address (a `Pair`, the
/// three words of a `String`): `size` bytes, aligned to 8 as C's `malloc`
/// aligns for any scalar. The host owns it until `deallocate_room`.
#[unsafe(no_mangle)]
pub extern "C" fn allocate_room(size: usize) -> *mut u8 {
    match Layout::from_size_align(size.max(1), 8) {
        // SAFETY: the layout's size is at least 1.
        Ok(layout) => unsafe { alloc(layout) },
        Err(_) => core::ptr::null_mut(),
    }
}

/// Gives back room from `allocate_room`.
///
/// # Safety
///
/// `room` came from `allocate_room(size)` and is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn deallocate_room(room: *mut u8, size: usize) {
    // SAFETY: the caller's promise: `alloc` made it with this layout.
    unsafe { dealloc(room, Layout::from_size_align_unchecked(size.max(1), 8)) }
}
// ANCHOR_END: room

/// A `u64` is one `i64`; a `u8` or a `bool` is an `i32`.
#[unsafe(no_mangle)]
pub extern "C" fn widen(small: u8, flag: bool) -> u64 {
    u64::from(small) << u32::from(flag)
}
