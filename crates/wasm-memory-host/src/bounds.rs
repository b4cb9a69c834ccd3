//! Reading what a guest hands back, without trusting it: the core of this
//! crate, and the part worth copying if you copy only one.
//!
//! A guest returns a pointer and a length as plain numbers. Nothing stops a
//! buggy or hostile guest from returning a pointer past the end of its
//! memory, a length that wraps around, or bytes that are not UTF-8. These
//! functions check all of that, with arithmetic that cannot overflow, and
//! cap the length before the host allocates anything.
//!
//! The same functions check the `u32` addresses of a 32-bit memory and the
//! `u64` addresses of a 64-bit one (memory64): they are generic over
//! [`Address`].
//!
//! ```
//! use wasm_memory_host::bounds::{GuestSliceError, checked_range};
//!
//! // 16 bytes starting 8 bytes before the end of a one-page memory:
//! assert_eq!(
//!     checked_range(65_528_u32, 16, 65_536, 1024),
//!     Err(GuestSliceError::OutOfBounds { ptr: 65_528, len: 16, memory_size: 65_536 }),
//! );
//! assert_eq!(checked_range(65_520_u32, 16, 65_536, 1024), Ok(65_520..65_536));
//! // A 64-bit memory: a pointer past 4 GiB is out of bounds, not cut to 32 bits.
//! assert_eq!(
//!     checked_range(1_u64 << 32, 8, 65_536, 1024),
//!     Err(GuestSliceError::OutOfBounds { ptr: 1 << 32, len: 8, memory_size: 65_536 }),
//! );
//! ```

use std::fmt;
use std::ops::Range;
use std::str::Utf8Error;

use wasmtime::{AsContext, Memory};

// ANCHOR: address
/// The type of a guest's pointers and lengths: `u32` for a 32-bit memory,
/// `u64` for a 64-bit one. Sealed: those are the only two memories wasm has.
pub trait Address:
    Copy + Ord + fmt::Debug + fmt::Display + fmt::LowerHex + Into<u64> + sealed::Sealed
{
    /// The width of an address, in bits.
    const BITS: u32;

    /// `self + len`, or `None` if the sum does not fit in the address type.
    fn checked_add(self, len: Self) -> Option<Self>;
}

impl Address for u32 {
    const BITS: u32 = 32;

    fn checked_add(self, len: Self) -> Option<Self> {
        u32::checked_add(self, len)
    }
}

impl Address for u64 {
    const BITS: u32 = 64;

    fn checked_add(self, len: Self) -> Option<Self> {
        u64::checked_add(self, len)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}
}
// ANCHOR_END: address

// ANCHOR: error
/// What can be wrong with a `(ptr, len)` pair a guest hands to the host;
/// `A` is the type of its addresses (`u32` unless the memory is 64-bit).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuestSliceError<A = u32> {
    /// The length is larger than the host agreed to copy.
    TooLong {
        /// The pointer the guest returned.
        ptr: A,
        /// The length the guest returned.
        len: A,
        /// The largest length the host accepts.
        max_len: A,
    },
    /// `ptr + len` does not fit in the address type, so it cannot be a
    /// range of the memory.
    Overflow {
        /// The pointer the guest returned.
        ptr: A,
        /// The length the guest returned.
        len: A,
    },
    /// The range ends past the end of the guest's memory.
    OutOfBounds {
        /// The pointer the guest returned.
        ptr: A,
        /// The length the guest returned.
        len: A,
        /// The size of the memory, in bytes, when the host checked.
        memory_size: usize,
    },
    /// The bytes were supposed to be a string but are not valid UTF-8.
    NotUtf8 {
        /// The pointer the guest returned.
        ptr: A,
        /// The length the guest returned.
        len: A,
        /// Where the UTF-8 decoding failed.
        error: Utf8Error,
    },
}

/// The message names the range and what is wrong with it; the error that
/// wraps it ([`crate::Error::BadResult`], [`crate::Error::BadArgument`])
/// says who handed it over.
impl<A: Address> fmt::Display for GuestSliceError<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { ptr, len, max_len } => write!(
                f,
                "{len} bytes at {ptr:#x}, more than the {max_len} bytes the host accepts"
            ),
            Self::Overflow { ptr, len } => write!(
                f,
                "{len} bytes at {ptr:#x}: the end overflows a {bits}-bit address",
                bits = A::BITS,
            ),
            Self::OutOfBounds {
                ptr,
                len,
                memory_size,
            } => write!(
                f,
                "{len} bytes at {ptr:#x}, ending at {end:#x}, \
                 past the end of the guest's {memory_size}-byte memory",
                end = u128::from((*ptr).into()) + u128::from((*len).into()),
            ),
            Self::NotUtf8 { ptr, len, error } => {
                write!(f, "{len} bytes at {ptr:#x} that are not UTF-8: {error}")
            }
        }
    }
}

impl<A: Address> std::error::Error for GuestSliceError<A> {}
// ANCHOR_END: error

// ANCHOR: checked_range
/// Turns a guest's `(ptr, len)` into a range of its memory, or says what is
/// wrong with it. Checks the length cap first, then does the arithmetic in a
/// way that cannot overflow, in the width of the guest's addresses.
///
/// # Errors
///
/// The first of these that applies:
///
/// - [`GuestSliceError::TooLong`] if `len` is more than `max_len`;
/// - [`GuestSliceError::Overflow`] if `ptr + len` does not fit in `A`;
/// - [`GuestSliceError::OutOfBounds`] if the range ends past `memory_size`.
pub fn checked_range<A: Address>(
    ptr: A,
    len: A,
    memory_size: usize,
    max_len: A,
) -> Result<Range<usize>, GuestSliceError<A>> {
    if len > max_len {
        return Err(GuestSliceError::TooLong { ptr, len, max_len });
    }
    let end = ptr
        .checked_add(len)
        .ok_or(GuestSliceError::Overflow { ptr, len })?;
    // Compared as u64, never cut to usize first: on a 32-bit host, a 64-bit
    // guest's pointer past 4 GiB must fail here, not wrap to a small one.
    if end.into() > memory_size as u64 {
        return Err(GuestSliceError::OutOfBounds {
            ptr,
            len,
            memory_size,
        });
    }
    // Both ends are at most `memory_size`, a usize: these casts cannot cut.
    Ok(ptr.into() as usize..end.into() as usize)
}
// ANCHOR_END: checked_range

// ANCHOR: read
/// Copies `len` bytes at `ptr` out of the guest's memory, after checking them.
///
/// The copy is the point: the host keeps no view into guest memory, which the
/// next call into the guest may grow (moving it) or reuse.
///
/// # Errors
///
/// Those of [`checked_range`], against the memory's size now:
/// [`GuestSliceError::TooLong`], [`GuestSliceError::Overflow`] or
/// [`GuestSliceError::OutOfBounds`]. Nothing is copied then.
pub fn read_bytes<A: Address>(
    store: impl AsContext,
    memory: &Memory,
    ptr: A,
    len: A,
    max_len: A,
) -> Result<Vec<u8>, GuestSliceError<A>> {
    let data = memory.data(&store);
    let range = checked_range(ptr, len, data.len(), max_len)?;
    Ok(data[range].to_vec())
}

/// Like [`read_bytes`], and the bytes must be UTF-8.
///
/// # Errors
///
/// Those of [`read_bytes`], and [`GuestSliceError::NotUtf8`] if the bytes
/// are not UTF-8.
pub fn read_string<A: Address>(
    store: impl AsContext,
    memory: &Memory,
    ptr: A,
    len: A,
    max_len: A,
) -> Result<String, GuestSliceError<A>> {
    let bytes = read_bytes(store, memory, ptr, len, max_len)?;
    String::from_utf8(bytes).map_err(|err| GuestSliceError::NotUtf8 {
        ptr,
        len,
        error: err.utf8_error(),
    })
}
// ANCHOR_END: read

// ANCHOR: read_shared
/// Copies `len` bytes at `ptr` out of a shared memory, after checking them.
///
/// Other threads may write to a shared memory, or grow it, while the host
/// reads: decode the copy this returns, never the memory itself, because
/// bytes checked in place can change before they are decoded. The bounds
/// are checked against the size when the host looked; a shared memory
/// never moves or shrinks, so that range stays valid.
///
/// # Errors
///
/// Those of [`checked_range`], against the memory's size when the host
/// looked: [`GuestSliceError::TooLong`], [`GuestSliceError::Overflow`] or
/// [`GuestSliceError::OutOfBounds`].
#[cfg(feature = "threads")]
pub fn read_shared_bytes<A: Address>(
    memory: &wasmtime::SharedMemory,
    ptr: A,
    len: A,
    max_len: A,
) -> Result<Vec<u8>, GuestSliceError<A>> {
    use std::sync::atomic::{AtomicU8, Ordering};

    let cells = memory.data();
    let range = checked_range(ptr, len, cells.len(), max_len)?;
    Ok(cells[range]
        .iter()
        .map(|cell| {
            // SAFETY: wasmtime asks that a shared memory's bytes be read
            // through atomics (`SharedMemory::data`); an `AtomicU8` has the
            // size and alignment of a `u8`, and the cell outlives the load.
            unsafe { AtomicU8::from_ptr(cell.get()) }.load(Ordering::Relaxed)
        })
        .collect())
}
// ANCHOR_END: read_shared

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_range_accepts_a_range_that_ends_at_the_end() {
        assert_eq!(
            checked_range(65_530_u32, 6, 65_536, 100),
            Ok(65_530..65_536)
        );
        assert_eq!(checked_range(0_u32, 0, 0, 0), Ok(0..0));
    }

    #[test]
    fn checked_range_rejects_one_byte_too_far() {
        assert_eq!(
            checked_range(65_531_u32, 6, 65_536, 100),
            Err(GuestSliceError::OutOfBounds {
                ptr: 65_531,
                len: 6,
                memory_size: 65_536
            })
        );
    }

    #[test]
    fn checked_range_rejects_wrapping_arithmetic() {
        assert_eq!(
            checked_range(u32::MAX, 2, usize::MAX, u32::MAX),
            Err(GuestSliceError::Overflow {
                ptr: u32::MAX,
                len: 2
            })
        );
    }

    #[test]
    fn checked_range_checks_the_cap_before_the_bounds() {
        assert_eq!(
            checked_range(u32::MAX, u32::MAX, 0, 16),
            Err(GuestSliceError::TooLong {
                ptr: u32::MAX,
                len: u32::MAX,
                max_len: 16
            })
        );
    }

    #[test]
    fn a_64_bit_address_is_checked_in_64_bit_arithmetic() {
        let past_4_gib = 1_u64 << 32;
        assert_eq!(
            checked_range(past_4_gib, 1, 65_536, 16),
            Err(GuestSliceError::OutOfBounds {
                ptr: past_4_gib,
                len: 1,
                memory_size: 65_536
            })
        );
        let wraps = checked_range(u64::MAX, 2, usize::MAX, u64::MAX).unwrap_err();
        assert_eq!(
            wraps.to_string(),
            "2 bytes at 0xffffffffffffffff: the end overflows a 64-bit address"
        );
        assert_eq!(
            checked_range(65_520_u64, 16, 65_536, 16),
            Ok(65_520..65_536)
        );
    }

    #[cfg(feature = "threads")]
    #[test]
    fn read_shared_bytes_checks_then_copies() {
        use wasmtime::{Config, Engine, Instance, MemoryType, Module, SharedMemory, Store};

        let mut config = Config::new();
        config.shared_memory(true);
        let engine = Engine::new(&config).unwrap();
        let memory = SharedMemory::new(&engine, MemoryType::shared(1, 2)).unwrap();
        let writer =
            r#"(module (import "env" "memory" (memory 1 2 shared)) (data (i32.const 8) "shared"))"#;
        let module = Module::new(&engine, wat::parse_str(writer).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        Instance::new(&mut store, &module, &[memory.clone().into()]).unwrap();

        assert_eq!(read_shared_bytes(&memory, 8_u32, 6, 16).unwrap(), b"shared");
        assert_eq!(
            read_shared_bytes(&memory, 65_535_u32, 2, 16),
            Err(GuestSliceError::OutOfBounds {
                ptr: 65_535,
                len: 2,
                memory_size: 65_536
            })
        );
        assert_eq!(
            read_shared_bytes(&memory, 0_u64, 17, 16),
            Err(GuestSliceError::TooLong {
                ptr: 0,
                len: 17,
                max_len: 16
            })
        );
        memory.grow(1).unwrap();
        assert_eq!(
            read_shared_bytes(&memory, 65_535_u32, 2, 16).unwrap(),
            [0, 0]
        );
    }
}
