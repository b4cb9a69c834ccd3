//! Host functions: what a function the guest imports may do with the
//! calling guest's memory, with the same checks as everywhere else.
//!
//! The ownership rule: bytes the host *reads* from an argument stay the
//! guest's (the host copies them); bytes the host *hands over* with
//! [`Guest::hand_over`] are allocated by the guest's own allocator and
//! belong to the guest from then on, which frees them as it frees its own
//! buffers. The host never releases what it handed over.

use wasmtime::{AsContext, AsContextMut, Caller};

use crate::allocator::{Exports, FromCaller};
use crate::bounds::{GuestSliceError, read_bytes, read_string};
use crate::convention::Convention;
use crate::error::Error;
use crate::guest::Guest;

// ANCHOR: host_functions
impl Guest {
    /// The guest that is calling a host function, resolved from `caller`'s
    /// exports as [`Guest::new`] resolves an instance's. It costs a lookup
    /// of each export the convention names; a host that calls often can
    /// instead keep the `Guest` it made after instantiating in the store's
    /// data and clone it (an `Arc` clone) in the host function.
    ///
    /// A guest made this way has no instance: [`Guest::export`] and
    /// [`Guest::typed_func`] are refused.
    ///
    /// # Errors
    ///
    /// As for [`Guest::new`]: [`Error::InvalidConvention`] if `convention`
    /// contradicts itself, [`Error::MissingExport`] if the calling guest
    /// does not export its memory or allocator, [`Error::WrongSignature`] if
    /// an allocator export has another type.
    pub fn from_caller<T>(
        caller: &mut Caller<'_, T>,
        convention: Convention,
    ) -> Result<Self, Error> {
        let mut exports = Exports {
            store: caller,
            get: FromCaller,
        };
        Guest::resolve(&mut exports, None, convention)
    }

    /// A copy of the `len` bytes at `ptr` that the guest passed to the host
    /// function `function`, checked against the memory and the
    /// convention's `max_len`.
    ///
    /// # Errors
    ///
    /// [`Error::BadArgument`], naming `function`, with
    /// [`GuestSliceError::TooLong`] if `len` is more than `max_len`,
    /// [`GuestSliceError::Overflow`] if `ptr + len` overflows, or
    /// [`GuestSliceError::OutOfBounds`] if the range ends past the memory.
    pub fn read_argument(
        &self,
        store: impl AsContext,
        function: &str,
        ptr: u32,
        len: u32,
    ) -> Result<Vec<u8>, Error> {
        let max_len = self.convention().max_len;
        read_bytes(store, &self.memory(), ptr, len, max_len).map_err(|source| bad(function, source))
    }

    /// Like [`Self::read_argument`]; the bytes must be UTF-8.
    ///
    /// # Errors
    ///
    /// Those of [`Self::read_argument`], and [`Error::BadArgument`] with
    /// [`GuestSliceError::NotUtf8`] if the bytes are not UTF-8.
    pub fn read_argument_string(
        &self,
        store: impl AsContext,
        function: &str,
        ptr: u32,
        len: u32,
    ) -> Result<String, Error> {
        let max_len = self.convention().max_len;
        read_string(store, &self.memory(), ptr, len, max_len)
            .map_err(|source| bad(function, source))
    }

    /// Copies `bytes` into a new buffer made by the guest's allocator and
    /// returns its `(ptr, len)`, for a host function to return (packed as
    /// the guest expects). The buffer is the guest's: it frees it, the host
    /// does not.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] under [`Allocator::None`](crate::Allocator::None),
    ///   which has no allocator;
    /// - [`Error::InputTooLarge`] if `bytes` is longer than `u32::MAX`;
    /// - [`Error::Call`], naming the allocator export, if it traps;
    /// - [`Error::AllocationFailed`] if it returns 0 for a non-empty buffer;
    /// - [`Error::BadAllocation`] if the buffer it returns does not lie
    ///   inside the memory;
    /// - [`Error::OverlapsHeldBuffer`] if that buffer overlaps one the host
    ///   holds.
    pub fn hand_over(&self, store: impl AsContextMut, bytes: &[u8]) -> Result<(u32, u32), Error> {
        // Not pinned: an AssemblyScript guest receives the object before
        // its collector can run again.
        let ptr = self.place(store, bytes, false)?;
        Ok((ptr, bytes.len() as u32))
    }
}
// ANCHOR_END: host_functions

fn bad(function: &str, source: GuestSliceError) -> Error {
    Error::BadArgument {
        function: function.to_owned(),
        source,
    }
}
