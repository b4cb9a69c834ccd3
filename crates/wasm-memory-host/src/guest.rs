//! [`Guest`]: a wasm instance seen as a partner that shares memory, with its
//! conventions checked once, up front, and the buffers the host holds.

use std::panic::Location;
use std::sync::Arc;

use wasmtime::{AsContext, AsContextMut, Instance, Memory, TypedFunc, WasmParams, WasmResults};

use crate::allocator::{Exports, Failure, GuestAllocator, Lookup};
use crate::bounds::{GuestSliceError, checked_range};
use crate::convention::{Allocator, Convention};
use crate::error::Error;
use crate::ledger::{Ledger, Origin};
use crate::messages::GuestMessages;
use crate::{GuestBuffer, Leak};

// ANCHOR: guest
/// An instance and the conventions it follows for sharing memory.
///
/// A `Guest` holds no view of memory: every method takes the store and looks
/// at the memory as it is at that moment, so a `memory.grow` during a call
/// can never leave the host reading a stale or freed view. It belongs to the
/// store its instance lives in; pass that store (or a `Caller` of it) to
/// every method. Cloning it is cheap, and the clones are the same guest:
/// they share its exports, its convention and its buffers.
#[derive(Clone)]
pub struct Guest(pub(crate) Arc<Inner>);

#[derive(Clone)]
pub(crate) struct Inner {
    /// `None` for a guest made from a `Caller`, which has no instance.
    instance: Option<Instance>,
    pub(crate) memory: Memory,
    pub(crate) convention: Convention,
    pub(crate) allocator: GuestAllocator,
    pub(crate) ledger: Ledger,
    messages: Option<GuestMessages>,
    _leak_report: Arc<LeakReport>,
}
// ANCHOR_END: guest

impl Guest {
    /// Checks `convention`, then that `instance` exports what it needs, with
    /// the right types, and wraps it.
    ///
    /// ```
    /// # fn main() -> Result<(), wasm_memory_host::Error> {
    /// # let engine = wasmtime::Engine::default();
    /// # let wasm = wat::parse_file(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/guest.wat")).expect("assembles");
    /// # let module = wasmtime::Module::new(&engine, wasm)?;
    /// # let mut store = wasmtime::Store::new(&engine, ());
    /// # let instance = wasmtime::Instance::new(&mut store, &module, &[])?;
    /// use wasm_memory_host::{Allocator, Convention, Error, Guest};
    ///
    /// // This guest exports `allocate`/`deallocate`, not `malloc`/`free`:
    /// let wrong = Convention { allocator: Allocator::malloc_free(), ..Convention::book() };
    /// let error = Guest::new(&mut store, instance, wrong).err().unwrap();
    /// assert!(matches!(error, Error::MissingExport { ref name, .. } if name == "malloc"));
    ///
    /// let guest = Guest::new(&mut store, instance, Convention::book())?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(
        store: impl AsContextMut,
        instance: Instance,
        convention: Convention,
    ) -> Result<Self, Error> {
        let mut exports = Exports {
            store,
            get: instance,
        };
        Self::resolve(&mut exports, Some(instance), convention)
    }

    pub(crate) fn resolve<S: AsContextMut>(
        exports: &mut Exports<S, impl Lookup<S>>,
        instance: Option<Instance>,
        convention: Convention,
    ) -> Result<Self, Error> {
        convention.check()?;
        let memory = exports.memory(&convention.memory)?;
        let allocator = GuestAllocator::resolve(exports, &convention)?;
        let ledger = Ledger::default();
        Ok(Guest(Arc::new(Inner {
            instance,
            memory,
            convention,
            allocator,
            _leak_report: Arc::new(LeakReport(ledger.clone())),
            ledger,
            messages: None,
        })))
    }

    /// Takes the messages the guest reports before trapping from `messages`
    /// (the slot that [`crate::define_message_imports`] writes, in the
    /// store's data) into [`Error::Call`].
    pub fn with_messages(mut self, messages: GuestMessages) -> Self {
        Arc::make_mut(&mut self.0).messages = Some(messages);
        self
    }

    /// Runs `_initialize`, which a WASI *reactor* (Go's and TinyGo's
    /// `-buildmode=c-shared`) needs before any other export is called. A
    /// guest without it is [`Error::MissingExport`].
    pub fn initialize_reactor(&self, mut store: impl AsContextMut) -> Result<(), Error> {
        let initialize = self.typed_func::<(), ()>(&mut store, "_initialize")?;
        initialize
            .call(&mut store, ())
            .map_err(|source| self.failed("_initialize", source))
    }

    /// The wrapped instance; `None` for a guest made with
    /// [`Guest::from_caller`].
    pub fn instance(&self) -> Option<Instance> {
        self.0.instance
    }

    /// The guest's memory.
    pub fn memory(&self) -> Memory {
        self.0.memory
    }

    /// The conventions this guest follows.
    pub fn convention(&self) -> &Convention {
        &self.0.convention
    }

    /// The export `name`, checked to have the types `P -> R`: for the
    /// exports the convention knows nothing about, such as a counter.
    pub fn typed_func<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let expected = format!(
            "{} -> {}",
            std::any::type_name::<P>(),
            std::any::type_name::<R>()
        );
        self.exports(store, "look up an export")?
            .func(name, &expected)
    }

    /// The instance's exports, or why there are none to look up.
    pub(crate) fn exports<S: AsContextMut>(
        &self,
        store: S,
        operation: &'static str,
    ) -> Result<Exports<S, Instance>, Error> {
        let instance = self.0.instance.ok_or(Error::Unsupported {
            operation,
            reason: "this Guest was made from a Caller, which has no instance: \
                     resolve it with Guest::new after instantiating",
        })?;
        Ok(Exports {
            store,
            get: instance,
        })
    }

    // ANCHOR: buffers
    /// Allocates a buffer in the guest, as the convention says, and copies
    /// `bytes` into it. Pass it to an export, then give it back with
    /// [`Self::release`].
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
    pub fn read(&self, store: impl AsContext, buffer: &GuestBuffer) -> Result<Vec<u8>, Error> {
        let mut bytes = Vec::new();
        self.read_into(store, buffer, &mut bytes)?;
        Ok(bytes)
    }

    /// Like [`Self::read`], into `out` (cleared first), whose capacity a
    /// host that reads in a loop can reuse.
    pub fn read_into(
        &self,
        store: impl AsContext,
        buffer: &GuestBuffer,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.check_owner(buffer)?;
        self.copy_out(&store, &buffer.export, buffer.ptr, buffer.len, false, out)
    }

    /// The buffer's bytes as a string: at most `max_len` of them, and UTF-8.
    pub fn read_string(
        &self,
        store: impl AsContext,
        buffer: &GuestBuffer,
    ) -> Result<String, Error> {
        self.check_owner(buffer)?;
        let mut bytes = Vec::new();
        self.copy_out(
            &store,
            &buffer.export,
            buffer.ptr,
            buffer.len,
            true,
            &mut bytes,
        )?;
        Ok(into_string(bytes))
    }

    /// Gives a buffer back, to the guest it came from, as the convention
    /// says: `deallocate(ptr, len)` or `free(ptr)`; for a canonical-ABI
    /// result, `cabi_post_<export>` with what the export returned (when the
    /// guest exports it; an input already belongs to the guest); for
    /// AssemblyScript, `__unpin(ptr)` of an input (results belong to its
    /// collector).
    ///
    /// A buffer from another guest is refused with [`Error::ForeignBuffer`]
    /// and dropped, so that its own guest reports it as a leak.
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
    /// Fails with [`Error::Leaks`], naming each buffer and the host code
    /// that created it, if any buffer has not been given back.
    pub fn check_leaks(&self) -> Result<(), Error> {
        let leaks = self.outstanding();
        if leaks.is_empty() {
            Ok(())
        } else {
            Err(Error::Leaks(leaks))
        }
    }
    // ANCHOR_END: check_leaks

    /// Allocates room for `bytes` (pinned for AssemblyScript if `pin`),
    /// checks what the allocator returned, and copies them in. The buffer is
    /// on no ledger: the caller releases it or hands it over.
    #[inline]
    pub(crate) fn place(
        &self,
        mut store: impl AsContextMut,
        bytes: &[u8],
        pin: bool,
    ) -> Result<u32, Error> {
        let len =
            u32::try_from(bytes.len()).map_err(|_| Error::InputTooLarge { len: bytes.len() })?;
        let ptr =
            self.0
                .allocator
                .allocate(&mut store, len, pin)
                .map_err(|failure| match failure {
                    Some(failure) => self.allocator_failed(failure, ""),
                    None => Error::Unsupported {
                        operation: "pass bytes in",
                        reason: "this guest's convention has no allocator (Allocator::None)",
                    },
                })?;
        let export = || self.export_name("allocate", "");
        if ptr == 0 && len > 0 {
            return Err(Error::AllocationFailed {
                export: export(),
                size: len,
            });
        }
        let data = self.0.memory.data_mut(&mut store);
        let range = checked_range(ptr, len, data.len(), u32::MAX).map_err(|source| {
            Error::BadAllocation {
                export: export(),
                ptr,
                len,
                source,
            }
        })?;
        if let Some(held) = self.0.ledger.overlapping(ptr, self.footprint(len)) {
            return Err(self.overlaps(&export(), ptr, len, held));
        }
        data[range].copy_from_slice(bytes);
        Ok(ptr)
    }

    /// A copy of the `(ptr, len)` an export returned, checked, in this
    /// order: inside memory, within the cap, no part of a buffer the host
    /// holds or of the call's `input`, and UTF-8 if asked. Only a result
    /// refused for [`GuestSliceError::NotUtf8`] is still a buffer the host
    /// may free ([`freeable`]): a range outside memory, or overlapping a
    /// buffer the host holds, is no buffer of its own (freeing the input
    /// twice would be a double free); nor is one longer than the cap, whose
    /// "length" may be a heap address (a packing order mixed up), so that
    /// freeing it could corrupt the guest's heap.
    #[inline]
    #[track_caller]
    pub(crate) fn read_result(
        &self,
        store: impl AsContext,
        export: &str,
        (ptr, len): (u32, u32),
        input: Option<(u32, u32)>,
        utf8: bool,
    ) -> Result<Vec<u8>, Error> {
        let data = self.0.memory.data(&store);
        let range = checked_range(ptr, len, data.len(), u32::MAX)
            .map_err(|source| self.bad_result(export, source))?;
        let max_len = self.0.convention.max_len;
        if len > max_len {
            return Err(self.bad_result(export, GuestSliceError::TooLong { ptr, len, max_len }));
        }
        let footprint = self.footprint(len);
        if let Some(held) = self.0.ledger.overlapping(ptr, footprint) {
            return Err(self.overlaps(export, ptr, len, held));
        }
        if let Some((input_ptr, input_len)) = input
            && overlap((ptr, footprint), (input_ptr, self.footprint(input_len)))
        {
            let input = Leak {
                ptr: input_ptr,
                len: input_len,
                export: self.export_name("allocate", ""),
                created_at: Location::caller(),
                dropped: false,
            };
            return Err(self.overlaps(export, ptr, len, input));
        }
        let bytes = &data[range];
        if utf8 && let Err(error) = std::str::from_utf8(bytes) {
            return Err(self.bad_result(export, GuestSliceError::NotUtf8 { ptr, len, error }));
        }
        Ok(bytes.to_vec())
    }

    /// Checks a `(ptr, len)` an export returned: inside memory (the cap
    /// applies when reading, so that a real but long buffer can still be
    /// freed), and no part of a buffer the host holds.
    pub(crate) fn checked_result(
        &self,
        store: impl AsContext,
        export: &str,
        ptr: u32,
        len: u32,
    ) -> Result<(), Error> {
        checked_range(ptr, len, self.0.memory.data_size(&store), u32::MAX)
            .map_err(|source| self.bad_result(export, source))?;
        match self.0.ledger.overlapping(ptr, self.footprint(len)) {
            Some(held) => Err(self.overlaps(export, ptr, len, held)),
            None => Ok(()),
        }
    }

    /// Appends to `out` (cleared first) a copy of `len` bytes at `ptr`, at
    /// most `max_len`, checked as UTF-8 if asked.
    pub(crate) fn copy_out(
        &self,
        store: impl AsContext,
        export: &str,
        ptr: u32,
        len: u32,
        utf8: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let data = self.0.memory.data(&store);
        let range = checked_range(ptr, len, data.len(), self.0.convention.max_len)
            .map_err(|source| self.bad_result(export, source))?;
        let bytes = &data[range];
        if utf8 && let Err(error) = std::str::from_utf8(bytes) {
            return Err(self.bad_result(export, GuestSliceError::NotUtf8 { ptr, len, error }));
        }
        out.clear();
        out.extend_from_slice(bytes);
        Ok(())
    }

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

    /// The error for a failed call, with what the guest said about it.
    #[cold]
    pub(crate) fn failed(&self, export: &str, source: wasmtime::Error) -> Error {
        Error::Call {
            export: export.to_owned(),
            guest_message: self.0.messages.as_ref().and_then(GuestMessages::take),
            source,
        }
    }

    /// The error for a failed allocator call, under the export's real name;
    /// `export` is the export whose result was being given back.
    #[cold]
    pub(crate) fn allocator_failed(&self, failure: Failure, export: &str) -> Error {
        self.failed(&self.export_name(failure.export, export), failure.source)
    }

    /// What the guest calls the allocator function in `role` (a name of
    /// [`crate::allocator`]'s failures), under this convention.
    fn export_name(&self, role: &str, export: &str) -> String {
        match (&self.0.convention.allocator, role) {
            (Allocator::AllocateDeallocate { allocate, .. }, "allocate") => allocate.clone(),
            (Allocator::AllocateDeallocate { deallocate, .. }, "deallocate") => deallocate.clone(),
            (Allocator::MallocFree { malloc, .. }, "allocate" | "malloc") => malloc.clone(),
            (Allocator::MallocFree { free, .. }, "free") => free.clone(),
            (Allocator::CabiRealloc { realloc }, "allocate" | "realloc") => realloc.clone(),
            (Allocator::AssemblyScript, "allocate") => "__new".to_owned(),
            (_, "cabi_post") => format!("cabi_post_{export}"),
            (_, role) => role.to_owned(),
        }
    }

    #[cold]
    pub(crate) fn bad_result(&self, export: &str, source: GuestSliceError) -> Error {
        Error::BadResult {
            export: export.to_owned(),
            source,
        }
    }

    #[cold]
    fn overlaps(&self, export: &str, ptr: u32, len: u32, held: Leak) -> Error {
        Error::OverlapsHeldBuffer {
            export: export.to_owned(),
            ptr,
            len,
            held,
        }
    }
}

impl std::fmt::Debug for Guest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guest")
            .field("convention", &self.0.convention)
            .field("outstanding", &self.outstanding().len())
            .finish_non_exhaustive()
    }
}

/// Whether two `(ptr, footprint)` ranges share a byte.
fn overlap((a, a_len): (u32, u32), (b, b_len): (u32, u32)) -> bool {
    let (a, a_end) = (u64::from(a), u64::from(a) + u64::from(a_len));
    let (b, b_end) = (u64::from(b), u64::from(b) + u64::from(b_len));
    a < b_end && b < a_end
}

/// Holding an AssemblyScript object is refused: nothing pins it, so the
/// collector may reclaim it at the guest's next allocation.
pub(crate) fn unpinned_object(operation: &'static str) -> Error {
    Error::Unsupported {
        operation,
        reason: "AssemblyScript's results belong to its collector, which may reclaim them \
                 when the guest runs again: read them at once, with OutputExport::call",
    }
}

/// Whether a result that [`Guest::read_result`] returned this way is still
/// a buffer the host must free.
pub(crate) fn freeable(read: &Result<Vec<u8>, Error>) -> bool {
    match read {
        Ok(_) => true,
        Err(Error::BadResult { source, .. }) => matches!(source, GuestSliceError::NotUtf8 { .. }),
        Err(_) => false,
    }
}

/// Bytes already checked to be UTF-8, as a `String`.
pub(crate) fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|error| {
        // Unreachable: the bytes were validated; no panic either way.
        String::from_utf8_lossy(error.as_bytes()).into_owned()
    })
}

/// Says, in debug builds, when the last clone of a guest is dropped, which
/// buffers were never given back, rather than let the leak pass silently.
struct LeakReport(Ledger);

impl Drop for LeakReport {
    fn drop(&mut self) {
        let leaks = self.0.outstanding();
        if cfg!(debug_assertions) && !std::thread::panicking() && !leaks.is_empty() {
            eprintln!("wasm-memory-host: {}", Error::Leaks(leaks));
        }
    }
}
