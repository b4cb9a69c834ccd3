//! A guest that lies to its host, one export per lie (chapter 18). Each is
//! a way a hostile plug-in can try to make the host read outside its
//! memory, allocate without bound, free what it should not, or never
//! return. The host tests give every one its own error and check that the
//! host holds nothing afterwards and that the guest's allocations are what
//! they were, except where the guest itself lost track of a block.
//!
//! `shout` and `live` are honest: the tests call them after each lie, to
//! show that the host and the guest carry on.

use core::arch::wasm32;
use core::hint::black_box;
use core::sync::atomic::{AtomicU32, Ordering};
use std::ptr::null_mut;

use wasm_memory_guest::{CheckedAllocator, hand_over, hand_over_string, pack_ptr_len};

// Every free is checked, and a bad one is reported to the host before the
// guest traps (chapter 5).
#[global_allocator]
static ALLOCATOR: CheckedAllocator<std::alloc::System> = CheckedAllocator::new(std::alloc::System);

/// How many allocations are live.
#[unsafe(no_mangle)]
pub extern "C" fn live() -> usize {
    ALLOCATOR.live_count()
}

/// Uppercases the host's UTF-8 text into a new buffer, as chapter 17's
/// guest does: the honest export.
///
/// # Safety
///
/// `ptr..ptr + len` must be a buffer from `allocate` that the host filled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn shout(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the caller's promise, forwarded.
    let Ok(text) = (unsafe { wasm_memory_guest::input_str(ptr, len) }) else {
        wasm32::unreachable()
    };
    hand_over_string(text.to_uppercase())
}

/// The size of the memory in bytes, as a 32-bit address: the first one
/// past the end (0 for a full 4 GiB memory, where every address is inside).
fn end_of_memory() -> u32 {
    (wasm32::memory_size(0) as u64 * 65_536) as u32
}

// ANCHOR: lying_results
/// 16 bytes starting 8 bytes before the end of memory.
#[unsafe(no_mangle)]
pub extern "C" fn past_the_end() -> u64 {
    pack(end_of_memory().wrapping_sub(8), 16)
}

/// 16 bytes 8 bytes below 4 GiB: `ptr + len` does not fit in 32 bits.
#[unsafe(no_mangle)]
pub extern "C" fn wraps_around() -> u64 {
    pack(u32::MAX - 7, 16)
}

/// The longest length there is.
#[unsafe(no_mangle)]
pub extern "C" fn longest_length() -> u64 {
    pack(0, u32::MAX)
}

/// 4 KiB that are inside memory, to a host that accepts less. Static, so
/// that a host which refuses to free it leaks nothing.
#[unsafe(no_mangle)]
pub extern "C" fn too_long() -> u64 {
    static LONG: [u8; 4096] = [b'a'; 4096];
    pack_ptr_len(LONG.as_ptr(), LONG.len())
}

/// A real buffer, which the host must still free, of bytes that are not
/// UTF-8.
#[unsafe(no_mangle)]
pub extern "C" fn not_utf8() -> u64 {
    hand_over(vec![b'f', 0xff, b'o'])
}

/// Hands over 8 bytes and says there are 16: the host reads 16 bytes that
/// are inside memory, then frees them with `deallocate(ptr, 16)`, a free of
/// the wrong size.
#[unsafe(no_mangle)]
pub extern "C" fn wrong_size() -> u64 {
    let packed = hand_over(vec![b'x'; 8]);
    packed + (8 << 32) // the length, in the high half, plus 8
}

/// A `#[repr(C)]` value the host reads in place (chapter 8's typed values).
#[repr(C)]
pub struct Pair {
    pub first: u32,
    pub second: u32,
}

/// The address of a `Pair`, plus one: not a multiple of its alignment, 4.
#[unsafe(no_mangle)]
pub extern "C" fn misaligned_pair() -> *const u8 {
    static PAIRS: [Pair; 2] = [
        Pair {
            first: 1,
            second: 2,
        },
        Pair {
            first: 3,
            second: 4,
        },
    ];
    PAIRS.as_ptr().cast::<u8>().wrapping_add(1)
}
// ANCHOR_END: lying_results

fn pack(ptr: u32, len: u32) -> u64 {
    (u64::from(len) << 32) | u64::from(ptr)
}

// ANCHOR: lying_allocator
/// What the next call of `allocate` does; the host sets it, for one call.
static NEXT_ALLOCATION: AtomicU32 = AtomicU32::new(HONEST);
const HONEST: u32 = 0;
const RETURNS_ZERO: u32 = 1;
const INSIDE_THE_LAST_BUFFER: u32 = 2;
const PAST_THE_END: u32 = 3;

/// Where the last honest allocation starts.
static LAST_ALLOCATION: AtomicU32 = AtomicU32::new(0);

/// Makes the next `allocate` lie: 1 returns 0, 2 returns a pointer inside
/// the last buffer it allocated, 3 returns a pointer 4 bytes before the end
/// of memory. None of the lies allocates anything.
#[unsafe(no_mangle)]
pub extern "C" fn lie_in_next_allocation(lie: u32) {
    NEXT_ALLOCATION.store(lie, Ordering::Relaxed);
}

/// `allocate(size) -> ptr`, honest unless told otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn allocate(size: usize) -> *mut u8 {
    match NEXT_ALLOCATION.swap(HONEST, Ordering::Relaxed) {
        RETURNS_ZERO => null_mut(),
        INSIDE_THE_LAST_BUFFER => (LAST_ALLOCATION.load(Ordering::Relaxed) as usize + 1) as *mut u8,
        PAST_THE_END => end_of_memory().wrapping_sub(4) as usize as *mut u8,
        _ => {
            let ptr = wasm_memory_guest::allocate(size);
            LAST_ALLOCATION.store(ptr as usize as u32, Ordering::Relaxed);
            ptr
        }
    }
}

/// `deallocate(ptr, size)`: honest; the checked allocator traps on a free
/// of the wrong size, or of a pointer that is not live.
///
/// # Safety
///
/// `ptr` must be a live buffer of exactly `size` bytes from `allocate`, or
/// one the guest handed over.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: usize) {
    // SAFETY: the caller's promise, forwarded.
    unsafe { wasm_memory_guest::deallocate(ptr, size) }
}
// ANCHOR_END: lying_allocator

// ANCHOR: misbehaving
/// Allocates its result, then traps instead of returning it: the block is
/// lost to everyone but the guest's allocator.
///
/// # Safety
///
/// As for [`shout`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn trap_after_allocating(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the caller's promise, forwarded.
    let result = unsafe { shout(ptr, len) };
    black_box(result);
    wasm32::unreachable()
}

/// Never returns.
#[unsafe(no_mangle)]
pub extern "C" fn spin() {
    #[allow(clippy::empty_loop)] // the point
    loop {}
}

/// Grows memory by a page until the host refuses, and returns how many
/// pages it has then.
#[unsafe(no_mangle)]
pub extern "C" fn grow_until_refused() -> usize {
    while wasm32::memory_grow(0, 1) != usize::MAX {}
    wasm32::memory_size(0)
}

/// Calls itself `depth` times. The call is not in tail position, so that
/// every level keeps a frame on the wasm stack.
#[unsafe(no_mangle)]
pub extern "C" fn recurse(depth: u32) -> u32 {
    if depth == 0 {
        return 0;
    }
    black_box(recurse(black_box(depth - 1))).wrapping_add(1)
}
// ANCHOR_END: misbehaving

// ANCHOR: lying_to_host_functions
#[link(wasm_import_module = "env")]
unsafe extern "C" {
    /// Logs `len` bytes of UTF-8 at `ptr`.
    fn log(ptr: *const u8, len: usize);
    /// Asks the host to call this guest's `reenter(depth + 1)`.
    fn call_back(depth: u32) -> u32;
}

/// Passes `env.log` 64 bytes starting 4 bytes before the end of memory.
#[unsafe(no_mangle)]
pub extern "C" fn lie_to_log() {
    let ptr = end_of_memory().wrapping_sub(4) as usize as *const u8;
    // SAFETY: the host checks the range; that is what this export tests.
    unsafe { log(ptr, 64) }
}

/// Re-enters the host, which re-enters the guest, which re-enters the host:
/// how deep that goes is up to the host.
#[unsafe(no_mangle)]
pub extern "C" fn reenter(depth: u32) -> u32 {
    // SAFETY: the host's function takes a number.
    unsafe { call_back(depth) }
}
// ANCHOR_END: lying_to_host_functions
