//! The task of chapter 17 as an Extism plug-in. No export takes a pointer:
//! `#[plugin_fn]` makes each one `() -> i32`, and the data goes through the
//! kernel, a wasm module of Extism's own with a memory of its own. The
//! plug-in copies its input out of the kernel's memory, and its output in,
//! with the imports of `extism:host/env`; the kernel resets its allocator
//! at the start of every call.

use extism_pdk::{FnResult, ManagedMemory, Memory, plugin_fn};

// ANCHOR: shout
/// The macro copies the input out of the kernel's memory into a `String`
/// of this module (an error if it is not UTF-8), and the result into a new
/// block of the kernel's memory, which it names as the output. The host
/// reads it there; nobody frees it, the next call's reset takes it back.
#[plugin_fn]
pub fn shout(text: String) -> FnResult<String> {
    Ok(text.to_uppercase())
}
// ANCHOR_END: shout

// ANCHOR: checksum
/// The sum of the input's bytes, wrapping. A `u32` output is its 4 bytes,
/// little-endian (extism-convert's encoding of a `u32`).
#[plugin_fn]
pub fn checksum(bytes: Vec<u8>) -> FnResult<u32> {
    Ok(bytes
        .iter()
        .fold(0u32, |sum, &byte| sum.wrapping_add(u32::from(byte))))
}
// ANCHOR_END: checksum

// ANCHOR: lie
/// The task's lie in Extism's terms, where the output is a block of the
/// kernel's memory: an 8-byte block, named as an output of 16 bytes. Written
/// without `#[plugin_fn]`, whose code would call `output_set` again, with an
/// output of its own.
#[unsafe(no_mangle)]
pub extern "C" fn lie() -> i32 {
    let Ok(block) = Memory::from_bytes(b"SHOUTED!") else {
        return 1; // no block: an error exit code
    };
    // SAFETY: `output_set` only records an offset and a length in the
    // kernel; nothing in this module is read or written.
    unsafe { extism_pdk::extism::output_set(block.offset(), 16) };
    0 // success
}
// ANCHOR_END: lie

// ANCHOR: lie_outside
/// The end of the largest memory a 32-bit module can have: 4 GiB.
const END_OF_ANY_MEMORY: u64 = 1 << 32;

/// A bigger lie: an output of 16 bytes that starts 8 bytes before that end,
/// outside the kernel's memory whatever its size (the PDK cannot ask how
/// large it is).
#[unsafe(no_mangle)]
pub extern "C" fn lie_outside() -> i32 {
    // SAFETY: as for `lie`.
    unsafe { extism_pdk::extism::output_set(END_OF_ANY_MEMORY - 8, 16) };
    0 // success
}
// ANCHOR_END: lie_outside

/// The size of the blocks that the two exports below allocate: one page.
const BLOCK: usize = 64 * 1024;

// ANCHOR: keep
/// Allocates `count` blocks of kernel memory and frees none: a `Memory` is
/// only a handle, and dropping it frees nothing. The kernel's memory grows
/// by a page a block, and the next call's reset takes every block back.
#[plugin_fn]
pub fn allocate_and_keep(count: u32) -> FnResult<()> {
    for _ in 0..count {
        Memory::from_bytes(vec![0; BLOCK])?;
    }
    Ok(())
}
// ANCHOR_END: keep

// ANCHOR: free
/// The same blocks, each freed before the next one is allocated: a
/// `ManagedMemory` frees its block when dropped, and the kernel, rather
/// than grow its memory, gives a freed block to an allocation that fits.
#[plugin_fn]
pub fn allocate_and_free(count: u32) -> FnResult<()> {
    for _ in 0..count {
        let _freed_at_the_end_of_the_loop = ManagedMemory::new(Memory::from_bytes(vec![0; BLOCK])?);
    }
    Ok(())
}
// ANCHOR_END: free
