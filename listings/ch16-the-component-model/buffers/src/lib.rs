//! A WIT resource, `buffer`, implemented by a Rust guest: a block of bytes
//! that lives in the guest's heap, which the host holds by handle. The
//! destructor is the type's `Drop`, and the guest counts what is alive so
//! that a host can see when it ran.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

use wasm_memory_guest::{CheckedAllocator, ReportNowhere};

// ANCHOR: guest
wit_bindgen::generate!({ world: "owner", path: "wit" });

use exports::book::buffers::buffers::{Buffer, BufferBorrow, Guest, GuestBuffer};

/// How many buffers are alive: one more in `new`, one fewer in `drop`.
static LIVE: AtomicU32 = AtomicU32::new(0);

/// What a handle stands for: bytes in this guest's heap. `RefCell`,
/// because the generated methods take `&self`.
struct Bytes(RefCell<Vec<u8>>);

impl GuestBuffer for Bytes {
    fn new(size: u32) -> Self {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Bytes(RefCell::new(vec![0; size as usize]))
    }

    fn write(&self, offset: u32, bytes: Vec<u8>) {
        self.0.borrow_mut()[offset as usize..][..bytes.len()].copy_from_slice(&bytes);
    }

    fn read(&self, offset: u32, len: u32) -> Vec<u8> {
        self.0.borrow()[offset as usize..][..len as usize].to_vec()
    }
}

/// The destructor: runs when the last owner drops its handle, the host
/// (`resource_drop`) or this guest (a `Buffer` going out of scope).
impl Drop for Bytes {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

struct Owner;

impl Guest for Owner {
    type Buffer = Bytes;

    /// A borrow: the lifetime keeps it from outliving this call.
    fn checksum(buffer: BufferBorrow<'_>) -> u32 {
        sum(&buffer.get::<Bytes>().0.borrow())
    }

    /// An own handle: dropped at the end of this function, which runs the
    /// destructor.
    fn consume(buffer: Buffer) -> u32 {
        sum(&buffer.get::<Bytes>().0.borrow())
    }

    fn live_buffers() -> u32 {
        LIVE.load(Ordering::Relaxed)
    }

    fn live_allocations() -> u32 {
        ALLOCATOR.live_count() as u32
    }
}

export!(Owner);
// ANCHOR_END: guest

/// The wrapping sum of the bytes, as in chapter 17's `checksum`.
fn sum(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0u32, |sum, &byte| sum.wrapping_add(u32::from(byte)))
}

// A component may import only what its world declares: no report import.
#[global_allocator]
static ALLOCATOR: CheckedAllocator<std::alloc::System, ReportNowhere> =
    CheckedAllocator::unreported(std::alloc::System);
