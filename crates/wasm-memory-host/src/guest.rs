//! [`Guest`]: a wasm instance seen as a partner that shares memory, with its
//! conventions checked once, up front, and the buffers the host holds.

use std::panic::Location;
use std::sync::Arc;

use wasmtime::{AsContext, AsContextMut, Instance, Memory, TypedFunc, WasmParams, WasmResults};

use crate::Leak;
use crate::allocator::{Exports, Failure, GuestAllocator, Lookup};
use crate::bounds::{GuestSliceError, checked_range};
use crate::convention::{Allocator, Convention};
use crate::error::Error;
use crate::ledger::Ledger;
use crate::messages::GuestMessages;

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
    /// // This guest exports `allocate`/`deallocate` and `malloc`/`free`, not `cabi_realloc`:
    /// let wrong = Convention::allocate_deallocate_packed().allocator(Allocator::cabi_realloc());
    /// let error = Guest::new(&mut store, instance, wrong).err().unwrap();
    /// assert!(matches!(error, Error::MissingExport { ref name, .. } if name == "cabi_realloc"));
    ///
    /// let guest = Guest::new(&mut store, instance, Convention::allocate_deallocate_packed())?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidConvention`] if `convention` contradicts itself
    ///   ([`Convention::check`]);
    /// - [`Error::MissingExport`] if the instance exports no memory under
    ///   the convention's name, or not a function the allocator needs
    ///   (for [`Allocator::AssemblyScript`], `__new`, `__pin` and
    ///   `__unpin`);
    /// - [`Error::WrongSignature`] if an allocator export is not a function,
    ///   or has another type than the convention says.
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
    /// `-buildmode=c-shared`) needs before any other export is called.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] for a guest made with [`Guest::from_caller`];
    /// - [`Error::MissingExport`] if the guest does not export
    ///   `_initialize`, [`Error::WrongSignature`] if it is not a function of
    ///   type `() -> ()`;
    /// - [`Error::Call`] if it traps, with the guest's message if it
    ///   reported one ([`Self::with_messages`]).
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
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] for a guest made with [`Guest::from_caller`],
    ///   which has no instance to look in;
    /// - [`Error::MissingExport`] if the guest exports nothing called `name`;
    /// - [`Error::WrongSignature`] if that export is not a function, or its
    ///   type is not `P -> R`.
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
                    None => no_allocator(),
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
    /// holds or of the call's `input`, and UTF-8 for a `String`. Only a result
    /// refused for [`GuestSliceError::NotUtf8`] is still a buffer the host
    /// may free ([`freeable`]): a range outside memory, or overlapping a
    /// buffer the host holds, is no buffer of its own (freeing the input
    /// twice would be a double free); nor is one longer than the cap, whose
    /// "length" may be a heap address (a packing order mixed up), so that
    /// freeing it could corrupt the guest's heap.
    #[inline]
    #[track_caller]
    pub(crate) fn read_result<T: ReadAs>(
        &self,
        store: impl AsContext,
        export: &str,
        (ptr, len): (u32, u32),
        input: Option<(u32, u32)>,
    ) -> Result<T, Error> {
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
        T::read(&data[range])
            .map_err(|error| self.bad_result(export, GuestSliceError::NotUtf8 { ptr, len, error }))
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
    /// most `max_len`.
    pub(crate) fn copy_out(
        &self,
        store: impl AsContext,
        export: &str,
        ptr: u32,
        len: u32,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let data = self.0.memory.data(&store);
        let range = checked_range(ptr, len, data.len(), self.0.convention.max_len)
            .map_err(|source| self.bad_result(export, source))?;
        out.clear();
        out.extend_from_slice(&data[range]);
        Ok(())
    }

    /// A copy of the `len` bytes at `ptr` as a string, at most `max_len`
    /// of them, checked as UTF-8 where they lie, then copied once.
    pub(crate) fn copy_out_string(
        &self,
        store: impl AsContext,
        export: &str,
        ptr: u32,
        len: u32,
    ) -> Result<String, Error> {
        let data = self.0.memory.data(&store);
        let range = checked_range(ptr, len, data.len(), self.0.convention.max_len)
            .map_err(|source| self.bad_result(export, source))?;
        String::read(&data[range])
            .map_err(|error| self.bad_result(export, GuestSliceError::NotUtf8 { ptr, len, error }))
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
    pub(crate) fn export_name(&self, role: &str, export: &str) -> String {
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
    pub(crate) fn overlaps(&self, export: &str, ptr: u32, len: u32, held: Leak) -> Error {
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

/// Passing bytes in is refused: [`Allocator::None`] has no allocator.
pub(crate) fn no_allocator() -> Error {
    Error::Unsupported {
        operation: "pass bytes in",
        reason: "this guest's convention has no allocator (Allocator::None)",
    }
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
pub(crate) fn freeable<T>(read: &Result<T, Error>) -> bool {
    match read {
        Ok(_) => true,
        Err(Error::BadResult { source, .. }) => matches!(source, GuestSliceError::NotUtf8 { .. }),
        Err(_) => false,
    }
}

// ANCHOR: read_as
/// What the host reads a guest's bytes as: a copy of them (`Vec<u8>`), or
/// a string (`String`), checked as UTF-8 once, in the guest's memory, and
/// then copied, as wasmtime lifts a component's `string`. Checking the copy
/// again would be a second pass over every byte for nothing.
pub(crate) trait ReadAs: Sized {
    /// A copy of `bytes`, in this form.
    fn read(bytes: &[u8]) -> Result<Self, std::str::Utf8Error>;
}

impl ReadAs for Vec<u8> {
    #[inline]
    fn read(bytes: &[u8]) -> Result<Self, std::str::Utf8Error> {
        Ok(bytes.to_vec())
    }
}

impl ReadAs for String {
    #[inline]
    fn read(bytes: &[u8]) -> Result<Self, std::str::Utf8Error> {
        std::str::from_utf8(bytes).map(str::to_owned)
    }
}
// ANCHOR_END: read_as

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
