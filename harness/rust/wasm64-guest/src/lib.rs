//! A Rust guest whose pointers are 64-bit: built for
//! `wasm64-unknown-unknown`, `usize` and every pointer are `i64` in wasm,
//! and the memory is a 64-bit memory. The source is what a wasm32 guest
//! would be; only the width of each `(ptr, len)` changes.
#![no_std]
// `core::arch::wasm::unreachable` is stable on wasm32 only; this guest
// needs a nightly toolchain anyway.
#![feature(simd_wasm64)]

use core::sync::atomic::{AtomicUsize, Ordering};

// ANCHOR: shout
/// Where `shout` puts its result: 16 bytes, the pointer first.
#[repr(C)]
pub struct PtrLen {
    ptr: *mut u8,
    len: usize,
}

/// Allocates `len` bytes for the host to write into.
#[unsafe(no_mangle)]
pub extern "C" fn allocate(len: usize) -> *mut u8 {
    bump(len)
}

/// Writes `len` bytes at `ptr`, ASCII letters in upper case, into a new
/// buffer, and its `(ptr, len)` at `out` (an out-pointer the host passes).
///
/// # Safety
///
/// `ptr..ptr + len` is readable and `out` is writable, as the host promises.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shout(ptr: *const u8, len: usize, out: *mut PtrLen) {
    let input = unsafe { core::slice::from_raw_parts(ptr, len) };
    let output = bump(len);
    for (i, byte) in input.iter().enumerate() {
        unsafe { output.add(i).write(byte.to_ascii_uppercase()) };
    }
    unsafe { out.write(PtrLen { ptr: output, len }) };
}

/// The size of a pointer, in bytes, as the compiler saw it.
#[unsafe(no_mangle)]
pub extern "C" fn pointer_size() -> usize {
    core::mem::size_of::<usize>()
}

/// A bump allocator in a static arena: this guest never frees, and traps
/// when the arena is full.
fn bump(len: usize) -> *mut u8 {
    static mut ARENA: [u8; 65_536] = [0; 65_536];
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let at = NEXT.fetch_add(len, Ordering::Relaxed);
    assert!(at + len <= 65_536, "the arena is full");
    unsafe { (&raw mut ARENA).cast::<u8>().add(at) }
}
// ANCHOR_END: shout

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm::unreachable()
}
