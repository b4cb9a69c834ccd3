//! The buffers the host holds in a guest: made, adopted, written, read and
//! given back, each once and to its own guest, never two over one range.

use std::panic::Location;

use wasmtime::{AsContext, AsContextMut};

use crate::bounds::checked_range;
use crate::convention::Allocator;
use crate::error::Error;
use crate::guest::{Guest, unpinned_object};
use crate::ledger::Origin;
use crate::{GuestBuffer, Leak};

impl Guest {
    // ANCHOR: buffers
    /// Allocates a buffer in the guest, as the convention says, and copies
    /// `bytes` into it. Pass it to an export, then give it back with
    /// [`Self::release`].
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] under [`Allocator::CabiRealloc`], which has
    ///   no function that frees, and under [`Allocator::None`], which has no
    ///   allocator;
    /// - [`Error::InputTooLarge`] if `bytes` is longer than `u32::MAX`;
    /// - [`Error::Call`], naming the allocator export, if it traps (for
    ///   AssemblyScript, `__new` or `__pin`);
    /// - [`Error::AllocationFailed`] if it returns 0 for a non-empty buffer;
    /// - [`Error::BadAllocation`] if the buffer it returns does not lie
    ///   inside the memory;
    /// - [`Error::OverlapsHeldBuffer`] if that buffer overlaps one the host
    ///   already holds.
    #[track_caller]
    pub fn copy_in(
        &self,
        mut store: impl AsContextMut,
        bytes: &[u8],
    ) -> Result<GuestBuffer, Error> {
        let created_at = Location::caller();
        if let Allocator::CabiRealloc { .. } = self.0.convention.allocator {
            return Err(Error::Unsupported {
                operation: "hold an input under the canonical ABI",
                reason: "it has no function that frees: an input belongs to the export it is \
                         passed to, so pass it with Export::call_bytes",
            });
        }
        let ptr = self.place(&mut store, bytes, true)?;
        let export = self.export_name("allocate", "");
        let len = bytes.len() as u32; // `place` checked that it fits
        self.0
            .ledger
            .open(self.extent(ptr, len), &export, Origin::Input, created_at)
            .map_err(|held| self.overlaps(&export, ptr, len, held))
    }

    /// Takes responsibility for `len` bytes at `ptr`, which the guest handed
    /// over some other way than an export's result (a field of a struct, an
    /// argument of a host function), after checking that they lie inside
    /// its memory and overlap no buffer the host already holds. Read it with
    /// [`Self::read`], give it back with [`Self::release`].
    ///
    /// Under [`Allocator::CabiRealloc`] this is refused: a result goes back
    /// through `cabi_post_<export>` with exactly what the export returned,
    /// which only [`crate::OutputExport::call_buffer`] knows.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] under [`Allocator::CabiRealloc`], and under
    ///   [`Allocator::AssemblyScript`], whose objects belong to its collector;
    /// - [`Error::BadResult`], naming `export`, if the range does not lie
    ///   inside the memory (the convention's `max_len` applies when the
    ///   buffer is read, not here);
    /// - [`Error::OverlapsHeldBuffer`] if it overlaps a buffer the host
    ///   already holds.
    #[track_caller]
    pub fn adopt(
        &self,
        store: impl AsContext,
        export: &str,
        ptr: u32,
        len: u32,
    ) -> Result<GuestBuffer, Error> {
        match self.0.convention.allocator {
            Allocator::CabiRealloc { .. } => {
                return Err(Error::Unsupported {
                    operation: "adopt a (ptr, len) under the canonical ABI",
                    reason: "cabi_post_<export> must be given what the export returned: \
                             call it with OutputExport::call_buffer",
                });
            }
            Allocator::AssemblyScript => return Err(unpinned_object("adopt a (ptr, len)")),
            _ => {}
        }
        self.checked_result(&store, export, ptr, len)?;
        self.0
            .ledger
            .open(
                self.extent(ptr, len),
                export,
                Origin::Adopted,
                Location::caller(),
            )
            .map_err(|held| self.overlaps(export, ptr, len, held))
    }

    /// Copies `bytes` into a buffer the host holds, from its start: for a
    /// buffer reused across calls.
    ///
    /// # Errors
    ///
    /// - [`Error::ForeignBuffer`] if `buffer` came from another guest;
    /// - [`Error::DoesNotFit`] if `bytes` is longer than `buffer`; nothing is
    ///   written;
    /// - [`Error::BadResult`], naming the export the buffer came from, if
    ///   the bytes would not lie inside the memory (they did when the host
    ///   took the buffer, and a memory does not shrink).
    pub fn write(
        &self,
        mut store: impl AsContextMut,
        buffer: &GuestBuffer,
        bytes: &[u8],
    ) -> Result<(), Error> {
        self.check_owner(buffer)?;
        if bytes.len() > buffer.len as usize {
            return Err(Error::DoesNotFit {
                len: bytes.len(),
                ptr: buffer.ptr,
                capacity: buffer.len,
            });
        }
        let range = checked_range(
            buffer.ptr,
            bytes.len() as u32,
            self.0.memory.data_size(&store),
            u32::MAX,
        )
        .map_err(|source| self.bad_result(&buffer.export, source))?;
        self.0.memory.data_mut(&mut store)[range].copy_from_slice(bytes);
        Ok(())
    }

    /// A copy of the buffer's bytes, at most the convention's `max_len`.
    ///
    /// # Errors
    ///
    /// - [`Error::ForeignBuffer`] if `buffer` came from another guest;
    /// - [`Error::BadResult`], naming the export the buffer came from, with
    ///   [`GuestSliceError::TooLong`](crate::bounds::GuestSliceError::TooLong)
    ///   if it is longer than the convention's `max_len`. The host still
    ///   holds the buffer: give it back with [`Self::release`].
    pub fn read(&self, store: impl AsContext, buffer: &GuestBuffer) -> Result<Vec<u8>, Error> {
        let mut bytes = Vec::new();
        self.read_into(store, buffer, &mut bytes)?;
        Ok(bytes)
    }

    /// Like [`Self::read`], into `out` (cleared first), whose capacity a
    /// host that reads in a loop can reuse.
    ///
    /// # Errors
    ///
    /// Those of [`Self::read`]; `out` is left as it was.
    pub fn read_into(
        &self,
        store: impl AsContext,
        buffer: &GuestBuffer,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.check_owner(buffer)?;
        self.copy_out(&store, &buffer.export, buffer.ptr, buffer.len, out)
    }

    /// The buffer's bytes as a string: at most `max_len` of them, and UTF-8.
    ///
    /// # Errors
    ///
    /// Those of [`Self::read`], and [`Error::BadResult`] with
    /// [`GuestSliceError::NotUtf8`](crate::bounds::GuestSliceError::NotUtf8)
    /// if the bytes are not UTF-8.
    pub fn read_string(
        &self,
        store: impl AsContext,
        buffer: &GuestBuffer,
    ) -> Result<String, Error> {
        self.check_owner(buffer)?;
        self.copy_out_string(&store, &buffer.export, buffer.ptr, buffer.len)
    }

    /// Gives a buffer back, to the guest it came from, as the convention
    /// says: `deallocate(ptr, len)` or `free(ptr)`; for a canonical-ABI
    /// result, `cabi_post_<export>` with what the export returned (when the
    /// guest exports it; an input already belongs to the guest); for
    /// AssemblyScript, `__unpin(ptr)` of an input (results belong to its
    /// collector).
    ///
    /// `release` takes the buffer by value, so releasing it twice does not
    /// compile (the Go and JavaScript utilities need an `AlreadyReleased`
    /// error for it):
    ///
    /// ```compile_fail,E0382
    /// # use wasm_memory_host::{Error, Guest, GuestBuffer};
    /// fn twice(guest: &Guest, store: &mut wasmtime::Store<()>, buffer: GuestBuffer) -> Result<(), Error> {
    ///     guest.release(&mut *store, buffer)?;
    ///     guest.release(&mut *store, buffer) // `buffer` was moved by the first call
    /// }
    /// ```
    ///
    /// Once compiles (the twin that shows the block above fails for the
    /// move, not for a typo):
    ///
    /// ```
    /// # use wasm_memory_host::{Error, Guest, GuestBuffer};
    /// fn once(guest: &Guest, store: &mut wasmtime::Store<()>, buffer: GuestBuffer) -> Result<(), Error> {
    ///     guest.release(&mut *store, buffer)
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::ForeignBuffer`] if `buffer` came from another guest; it is
    ///   dropped, so that its own guest reports it as a leak;
    /// - [`Error::Call`], naming the function that frees (`deallocate`,
    ///   `free`, `cabi_post_<export>` or `__unpin`, under the convention's
    ///   names), if it traps. The buffer counts as given back all the same:
    ///   it is off the ledger, and no leak is reported for it.
    pub fn release(&self, mut store: impl AsContextMut, buffer: GuestBuffer) -> Result<(), Error> {
        self.check_owner(&buffer)?;
        let (ptr, len) = (buffer.ptr, buffer.len);
        let allocator = &self.0.allocator;
        let outcome = match &buffer.origin {
            Origin::Input => allocator.release_input(&mut store, ptr, len),
            Origin::Result { post_return } => allocator.release_result(
                &mut store,
                ptr,
                len,
                post_return
                    .as_ref()
                    .map(|(post, returned)| (post, *returned)),
            ),
            Origin::Adopted => allocator.release_result(&mut store, ptr, len, None),
        }
        .map_err(|failure| self.allocator_failed(failure, &buffer.export));
        buffer.settle();
        outcome
    }
    // ANCHOR_END: buffers

    /// Every buffer handed to the host and not given back yet.
    pub fn outstanding(&self) -> Vec<Leak> {
        self.0.ledger.outstanding()
    }

    // ANCHOR: check_leaks
    /// Checks that every buffer handed to the host has been given back.
    ///
    /// # Errors
    ///
    /// [`Error::Leaks`] if any has not, with a [`Leak`] for each: where it
    /// is, the export it came from, the host code that created it, and
    /// whether it is still held or was dropped.
    pub fn check_leaks(&self) -> Result<(), Error> {
        let leaks = self.outstanding();
        if leaks.is_empty() {
            Ok(())
        } else {
            Err(Error::Leaks(leaks))
        }
    }
    // ANCHOR_END: check_leaks

    /// The bytes a buffer occupies when the host checks for overlaps: its
    /// length, except that an empty buffer under [`Allocator::MallocFree`]
    /// occupies its first byte, since `free(ptr)` frees by address alone,
    /// and two empty buffers at one address would be freed twice. (An empty
    /// buffer under `deallocate(ptr, 0)` frees nothing, and occupies
    /// nothing: Rust guests hand out one dangling address for all of them.)
    #[inline]
    pub(crate) fn footprint(&self, len: u32) -> u32 {
        match self.0.convention.allocator {
            Allocator::MallocFree { .. } if len == 0 => 1,
            _ => len,
        }
    }

    /// `(ptr, len, footprint)`, as the ledger records a buffer.
    pub(crate) fn extent(&self, ptr: u32, len: u32) -> (u32, u32, u32) {
        (ptr, len, self.footprint(len))
    }

    fn check_owner(&self, buffer: &GuestBuffer) -> Result<(), Error> {
        if buffer.belongs_to(&self.0.ledger) {
            Ok(())
        } else {
            Err(Error::ForeignBuffer {
                ptr: buffer.ptr,
                len: buffer.len,
                export: buffer.export.clone(),
            })
        }
    }
}
