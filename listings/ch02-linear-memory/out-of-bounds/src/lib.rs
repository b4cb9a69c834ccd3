//! What an out-of-bounds access does inside the guest.

// ANCHOR: load_byte
/// Reads the byte at `address` with a raw load, as C code would, trusting
/// the caller. The host test passes an address past the end of memory on
/// purpose.
#[unsafe(no_mangle)]
pub extern "C" fn load_byte(address: usize) -> u8 {
    // SAFETY: none; this listing exists to show what wasm does when such a
    // load is out of bounds (it traps, instead of reading some other memory).
    unsafe { std::ptr::read_volatile(address as *const u8) }
}
// ANCHOR_END: load_byte
