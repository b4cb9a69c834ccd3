//! A guest that calls its host: it logs through `env.log`, and it asks the
//! host for a name in the two ways a host function can hand bytes back.
//! Every allocation goes through the checked allocator, so a host can see
//! (with `live`) that nothing was leaked and nothing was freed twice.

use wasm_memory_guest::{CheckedAllocator, hand_over_string, take_back, unpack_ptr_len};

wasm_memory_guest::export_allocator!();

#[global_allocator]
static ALLOCATOR: CheckedAllocator<std::alloc::System> = CheckedAllocator::new(std::alloc::System);

/// How many allocations are live: the host checks it after each call.
#[unsafe(no_mangle)]
pub extern "C" fn live() -> u32 {
    ALLOCATOR.live_count() as u32
}

// ANCHOR: imports
#[link(wasm_import_module = "env")]
unsafe extern "C" {
    /// Logs `len` UTF-8 bytes at `ptr`. The host reads them during the
    /// call and keeps nothing: the bytes stay the guest's. A bad range is
    /// the host's error, so the call traps.
    fn log(ptr: *const u8, len: usize);
    /// Like `log`, but a bad range or bad UTF-8 is answered with an error
    /// code (0 is success) instead of a trap.
    fn try_log(ptr: *const u8, len: usize) -> i32;
    /// Writes the host's name into the guest's buffer `buf[..capacity]` if
    /// it fits, and returns its length either way: a result larger than
    /// `capacity` means nothing was written; ask again with that much room.
    fn fill_name(buf: *mut u8, capacity: usize) -> usize;
    /// Returns the host's name in a buffer the host allocated with this
    /// guest's `allocate`, packed as `(len << 32) | ptr`. The guest owns
    /// that buffer and frees it.
    fn fetch_name() -> u64;
}
// ANCHOR_END: imports

fn say(message: &str) {
    // SAFETY: `message` is alive for the call, which is all `log` needs.
    unsafe { log(message.as_ptr(), message.len()) }
}

/// Logs a greeting: the simplest host call.
#[unsafe(no_mangle)]
pub extern "C" fn hello() {
    say("hello from the guest");
}

/// Passes `(ptr, len)` to `env.log` exactly as given: how a test makes
/// the guest lie to its host.
#[unsafe(no_mangle)]
pub extern "C" fn log_raw(ptr: u32, len: u32) {
    // SAFETY: none needed by the guest; the host must check the range.
    unsafe { log(ptr as *const u8, len as usize) }
}

/// Passes `(ptr, len)` to `env.try_log` as given and returns its code.
#[unsafe(no_mangle)]
pub extern "C" fn try_log_raw(ptr: u32, len: u32) -> i32 {
    // SAFETY: as for `log_raw`.
    unsafe { try_log(ptr as *const u8, len as usize) }
}

// ANCHOR: caller_buffer
/// Greets the host by a name it writes into a buffer of this guest,
/// starting with `capacity` bytes and asking once more when that is too
/// small. Returns the greeting, handed over: the host frees it.
#[unsafe(no_mangle)]
pub extern "C" fn greet_filled(capacity: usize) -> u64 {
    let mut buf = vec![0u8; capacity];
    // SAFETY: `buf` has `buf.len()` writable bytes for the call.
    let mut len = unsafe { fill_name(buf.as_mut_ptr(), buf.len()) };
    if len > buf.len() {
        say(&format!(
            "{} bytes are too few, the name needs {len}",
            buf.len()
        ));
        buf = vec![0u8; len];
        // SAFETY: as above, with the room the host asked for.
        len = unsafe { fill_name(buf.as_mut_ptr(), buf.len()) };
    }
    buf.truncate(len);
    let name = String::from_utf8_lossy(&buf);
    hand_over_string(format!("Hello, {name}!"))
}
// ANCHOR_END: caller_buffer

// ANCHOR: host_allocates
/// Greets the host by a name it returns in a buffer of its own making
/// (through this guest's `allocate`). That buffer is the guest's now:
/// `take_back` owns it, and dropping it frees it.
#[unsafe(no_mangle)]
pub extern "C" fn greet_fetched() -> u64 {
    // SAFETY: none needed for the call itself.
    let (ptr, len) = unpack_ptr_len(unsafe { fetch_name() });
    // SAFETY: the host allocated exactly `len` bytes with `allocate(len)`
    // and handed them over: nobody else frees them.
    let name = unsafe { take_back(ptr, len) };
    let greeting = format!("Hello, {}!", String::from_utf8_lossy(&name));
    hand_over_string(greeting)
} // `name` is freed here
// ANCHOR_END: host_allocates
