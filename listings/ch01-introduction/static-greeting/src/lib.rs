//! The smallest guest that hands bytes to its host: a string in a static.

// ANCHOR: greeting
static GREETING: &str = "Hello from linear memory!";

/// Where the greeting starts. The host receives this pointer as a plain
/// `i32`: an offset into this module's linear memory.
#[unsafe(no_mangle)]
pub extern "C" fn greeting_ptr() -> *const u8 {
    GREETING.as_ptr()
}

/// How many bytes the greeting has.
#[unsafe(no_mangle)]
pub extern "C" fn greeting_len() -> usize {
    GREETING.len()
}
// ANCHOR_END: greeting
