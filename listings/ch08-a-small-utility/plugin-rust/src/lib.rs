//! A plugin as one finds them in the wild, written without this book's
//! crates: its own allocator names (`plugin_alloc` / `plugin_free`), results
//! packed pointer-high, and a host function `env.log(ptr, len)` it calls.
//! The host learns all of that from a `Convention` and a linker of its own.

use std::sync::atomic::{AtomicU32, Ordering};

// ANCHOR: imports
#[link(wasm_import_module = "env")]
unsafe extern "C" {
    /// The host's logger: UTF-8 bytes at `ptr`.
    fn log(ptr: *const u8, len: usize);
    /// Asks the host to decorate `len` bytes at `ptr`; the host answers with
    /// a buffer it allocated through `plugin_alloc`, packed pointer-high,
    /// which this plugin then owns.
    fn decorate(ptr: *const u8, len: usize) -> u64;
}
// ANCHOR_END: imports

/// Buffers handed out by `plugin_alloc` and not freed yet: a debugging
/// export, so that a host can check it freed what it should.
static LIVE: AtomicU32 = AtomicU32::new(0);

fn say(message: &str) {
    // SAFETY: the host reads `message.len()` bytes at its address, now.
    unsafe { log(message.as_ptr(), message.len()) }
}

/// Packs pointer-high, as wazero's examples do.
fn pack(bytes: Box<[u8]>) -> u64 {
    let len = bytes.len() as u64;
    let ptr = Box::into_raw(bytes) as *mut u8 as u64;
    (ptr << 32) | len
}

/// # Safety
/// `ptr` and `len` come from `plugin_alloc(len)`, not freed yet.
unsafe fn owned(ptr: *mut u8, len: usize) -> Box<[u8]> {
    // SAFETY: a boxed slice of exactly `len` bytes, as `plugin_alloc` made.
    unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) }
}

#[unsafe(no_mangle)]
pub extern "C" fn plugin_alloc(len: usize) -> *mut u8 {
    LIVE.fetch_add(1, Ordering::Relaxed);
    Box::into_raw(vec![0u8; len].into_boxed_slice()) as *mut u8
}

/// # Safety
/// `ptr` and `len` come from `plugin_alloc(len)`, not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plugin_free(ptr: *mut u8, len: usize) {
    LIVE.fetch_sub(1, Ordering::Relaxed);
    // SAFETY: the caller's promise.
    drop(unsafe { owned(ptr, len) });
}

#[unsafe(no_mangle)]
pub extern "C" fn live() -> u32 {
    LIVE.load(Ordering::Relaxed)
}

/// Upper-cases the host's input into a new buffer, which the host frees.
///
/// # Safety
/// `ptr` and `len` are a buffer the host wrote, alive for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upper(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the caller's promise.
    let input = unsafe { std::slice::from_raw_parts(ptr, len) };
    say(&format!("upper: {len} bytes"));
    let out = plugin_alloc(len);
    // SAFETY: `out` is a fresh buffer of `len` bytes.
    let mut out = unsafe { owned(out, len) };
    out.copy_from_slice(&input.to_ascii_uppercase());
    pack(out)
}

/// Hands the host's input to `env.decorate` and returns what the host made
/// of it: a buffer the host allocated here, which this plugin owns and now
/// hands back.
///
/// # Safety
/// `ptr` and `len` are a buffer the host wrote, alive for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn decorated(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the host reads the input during the call.
    let answer = unsafe { decorate(ptr, len) };
    let (ptr, len) = ((answer >> 32) as usize as *mut u8, answer as u32 as usize);
    // SAFETY: the host allocated it with `plugin_alloc(len)`.
    pack(unsafe { owned(ptr, len) })
}
