//! Reading what a guest hands back, without trusting it: the core of this
//! crate, and the part worth copying if you copy only one.
//!
//! A guest returns a pointer and a length as plain numbers. Nothing stops a
//! buggy or hostile guest from returning a pointer past the end of its
//! memory, a length that wraps around, or bytes that are not UTF-8. These
//! functions check all of that, with arithmetic that cannot overflow, and
//! cap the length before the host allocates anything.
//!
//! ```
//! use wasm_memory_host::bounds::{GuestSliceError, checked_range};
//!
//! // 16 bytes starting 8 bytes before the end of a one-page memory:
//! assert_eq!(
//!     checked_range(65_528, 16, 65_536, 1024),
//!     Err(GuestSliceError::OutOfBounds { ptr: 65_528, len: 16, memory_size: 65_536 }),
//! );
//! assert_eq!(checked_range(65_520, 16, 65_536, 1024), Ok(65_520..65_536));
//! ```

use std::fmt;
use std::ops::Range;
use std::str::Utf8Error;

use wasmtime::{AsContext, Memory};

// ANCHOR: error
/// What can be wrong with a `(ptr, len)` pair a guest hands to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestSliceError {
    /// The length is larger than the host agreed to copy.
    TooLong {
        /// The pointer the guest returned.
        ptr: u32,
        /// The length the guest returned.
        len: u32,
        /// The largest length the host accepts.
        max_len: u32,
    },
    /// `ptr + len` does not fit in 32 bits, so it cannot be a range of a
    /// 32-bit memory.
    Overflow {
        /// The pointer the guest returned.
        ptr: u32,
        /// The length the guest returned.
        len: u32,
    },
    /// The range ends past the end of the guest's memory.
    OutOfBounds {
        /// The pointer the guest returned.
        ptr: u32,
        /// The length the guest returned.
        len: u32,
        /// The size of the memory, in bytes, when the host checked.
        memory_size: usize,
    },
    /// The bytes were supposed to be a string but are not valid UTF-8.
    NotUtf8 {
        /// The pointer the guest returned.
        ptr: u32,
        /// The length the guest returned.
        len: u32,
        /// Where the UTF-8 decoding failed.
        error: Utf8Error,
    },
}

/// The message names the range and what is wrong with it; the error that
/// wraps it ([`crate::Error::BadResult`], [`crate::Error::BadArgument`])
/// says who handed it over.
impl fmt::Display for GuestSliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { ptr, len, max_len } => write!(
                f,
                "{len} bytes at {ptr:#x}, more than the {max_len} bytes the host accepts"
            ),
            Self::Overflow { ptr, len } => write!(
                f,
                "{len} bytes at {ptr:#x}: the end overflows a 32-bit address"
            ),
            Self::OutOfBounds {
                ptr,
                len,
                memory_size,
            } => write!(
                f,
                "{len} bytes at {ptr:#x}, ending at {end:#x}, \
                 past the end of the guest's {memory_size}-byte memory",
                end = u64::from(*ptr) + u64::from(*len),
            ),
            Self::NotUtf8 { ptr, len, error } => {
                write!(f, "{len} bytes at {ptr:#x} that are not UTF-8: {error}")
            }
        }
    }
}

impl std::error::Error for GuestSliceError {}
// ANCHOR_END: error

// ANCHOR: checked_range
/// Turns a guest's `(ptr, len)` into a range of its memory, or says what is
/// wrong with it. Checks the length cap first, then does the arithmetic in a
/// way that cannot overflow.
pub fn checked_range(
    ptr: u32,
    len: u32,
    memory_size: usize,
    max_len: u32,
) -> Result<Range<usize>, GuestSliceError> {
    if len > max_len {
        return Err(GuestSliceError::TooLong { ptr, len, max_len });
    }
    let end = ptr
        .checked_add(len)
        .ok_or(GuestSliceError::Overflow { ptr, len })?;
    if end as usize > memory_size {
        return Err(GuestSliceError::OutOfBounds {
            ptr,
            len,
            memory_size,
        });
    }
    Ok(ptr as usize..end as usize)
}
// ANCHOR_END: checked_range

// ANCHOR: read
/// Copies `len` bytes at `ptr` out of the guest's memory, after checking them.
///
/// The copy is the point: the host keeps no view into guest memory, which the
/// next call into the guest may grow (moving it) or reuse.
pub fn read_bytes(
    store: impl AsContext,
    memory: &Memory,
    ptr: u32,
    len: u32,
    max_len: u32,
) -> Result<Vec<u8>, GuestSliceError> {
    let data = memory.data(&store);
    let range = checked_range(ptr, len, data.len(), max_len)?;
    Ok(data[range].to_vec())
}

/// Like [`read_bytes`], and the bytes must be UTF-8.
pub fn read_string(
    store: impl AsContext,
    memory: &Memory,
    ptr: u32,
    len: u32,
    max_len: u32,
) -> Result<String, GuestSliceError> {
    let bytes = read_bytes(store, memory, ptr, len, max_len)?;
    String::from_utf8(bytes).map_err(|err| GuestSliceError::NotUtf8 {
        ptr,
        len,
        error: err.utf8_error(),
    })
}
// ANCHOR_END: read

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_range_accepts_a_range_that_ends_at_the_end() {
        assert_eq!(checked_range(65_530, 6, 65_536, 100), Ok(65_530..65_536));
        assert_eq!(checked_range(0, 0, 0, 0), Ok(0..0));
    }

    #[test]
    fn checked_range_rejects_one_byte_too_far() {
        assert_eq!(
            checked_range(65_531, 6, 65_536, 100),
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
}
