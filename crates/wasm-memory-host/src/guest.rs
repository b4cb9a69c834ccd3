//! [`Guest`]: a wasm instance seen as a partner that shares memory, with its
//! conventions checked once, up front.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::Mutex;

use wasmtime::{AsContext, AsContextMut, Func, Instance, Memory, TypedFunc, Val, ValType};

use crate::bounds::{GuestSliceError, checked_range};
use crate::convention::{Allocator, Convention, Results};
use crate::error::Error;
use crate::ledger::{Ledger, Origin};
use crate::messages::GuestMessages;
use crate::{GuestBuffer, Leak};

/// The allocator exports of a guest, resolved and type-checked.
enum AllocatorFns {
    AllocateDeallocate {
        allocate: TypedFunc<u32, u32>,
        deallocate: TypedFunc<(u32, u32), ()>,
    },
    MallocFree {
        malloc: TypedFunc<u32, u32>,
        free: TypedFunc<u32, ()>,
    },
    CabiRealloc {
        realloc: TypedFunc<(u32, u32, u32, u32), u32>,
    },
    AssemblyScript {
        new: TypedFunc<(u32, u32), u32>,
        pin: TypedFunc<u32, u32>,
        unpin: TypedFunc<u32, ()>,
    },
    None,
}

/// AssemblyScript's class id for `ArrayBuffer`, the second argument of
/// `__new` for raw bytes.
const ARRAY_BUFFER_ID: u32 = 1;

// ANCHOR: guest
/// An instance and the conventions it follows for sharing memory.
///
/// A `Guest` holds no view of memory: every method takes the store and looks
/// at the memory as it is at that moment, so a `memory.grow` during a call
/// can never leave the host reading a stale or freed view. It belongs to the
/// store its instance lives in; pass that store to every method.
pub struct Guest {
    instance: Instance,
    memory: Memory,
    convention: Convention,
    allocator: AllocatorFns,
    ledger: Ledger,
    messages: Option<GuestMessages>,
    /// Exports already checked against the convention, by name and number
    /// of parameters: the check costs more than a small call.
    checked: Mutex<HashMap<(String, usize), Func>>,
}
// ANCHOR_END: guest

impl Guest {
    /// Checks that `instance` exports what `convention` needs, with the right
    /// types, and wraps it.
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
    /// let wrong = Convention::book();
    /// let wrong = Convention { allocator: Allocator::malloc_free(), ..wrong };
    /// let error = Guest::new(&mut store, instance, wrong).err().unwrap();
    /// assert!(matches!(error, Error::MissingExport { ref name, .. } if name == "malloc"));
    ///
    /// let guest = Guest::new(&mut store, instance, Convention::book())?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(
        mut store: impl AsContextMut,
        instance: Instance,
        convention: Convention,
    ) -> Result<Self, Error> {
        let memory = instance
            .get_memory(&mut store, &convention.memory)
            .ok_or_else(|| Error::MissingExport {
                name: convention.memory.clone(),
                kind: "a memory",
            })?;
        let allocator = match &convention.allocator {
            Allocator::AllocateDeallocate {
                allocate,
                deallocate,
            } => AllocatorFns::AllocateDeallocate {
                allocate: typed(&mut store, instance, allocate, "(i32) -> i32")?,
                deallocate: typed(&mut store, instance, deallocate, "(i32, i32) -> ()")?,
            },
            Allocator::MallocFree { malloc, free } => AllocatorFns::MallocFree {
                malloc: typed(&mut store, instance, malloc, "(i32) -> i32")?,
                free: typed(&mut store, instance, free, "(i32) -> ()")?,
            },
            Allocator::CabiRealloc { realloc } => AllocatorFns::CabiRealloc {
                realloc: typed(&mut store, instance, realloc, "(i32, i32, i32, i32) -> i32")?,
            },
            Allocator::AssemblyScript => AllocatorFns::AssemblyScript {
                new: typed(&mut store, instance, "__new", "(i32, i32) -> i32")?,
                pin: typed(&mut store, instance, "__pin", "(i32) -> i32")?,
                unpin: typed(&mut store, instance, "__unpin", "(i32) -> ()")?,
            },
            Allocator::None => AllocatorFns::None,
        };
        Ok(Guest {
            instance,
            memory,
            convention,
            allocator,
            ledger: Ledger::default(),
            messages: None,
            checked: Mutex::default(),
        })
    }

    /// Takes the messages the guest reports before trapping from `messages`
    /// (see [`crate::define_message_imports`]) into [`Error::Call`].
    pub fn with_messages(mut self, messages: GuestMessages) -> Self {
        self.messages = Some(messages);
        self
    }

    /// The wrapped instance.
    pub fn instance(&self) -> Instance {
        self.instance
    }

    /// The guest's memory.
    pub fn memory(&self) -> Memory {
        self.memory
    }

    /// The conventions this guest follows.
    pub fn convention(&self) -> &Convention {
        &self.convention
    }

    // ANCHOR: call_bytes
    /// Passes `input` to `export` and returns a copy of the bytes it hands
    /// back, freeing whatever the convention says the host must free, also
    /// when the call fails.
    ///
    /// The export takes `(ptr, len)` (an AssemblyScript export takes the
    /// `ArrayBuffer`), and returns a `(ptr, len)` as [`Results`] says.
    ///
    /// ```
    /// # fn main() -> Result<(), wasm_memory_host::Error> {
    /// # let engine = wasmtime::Engine::default();
    /// # let wasm = wat::parse_file(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/guest.wat")).expect("assembles");
    /// # let module = wasmtime::Module::new(&engine, wasm)?;
    /// # let mut store = wasmtime::Store::new(&engine, ());
    /// # let instance = wasmtime::Instance::new(&mut store, &module, &[])?;
    /// use wasm_memory_host::{Convention, Guest};
    ///
    /// let guest = Guest::new(&mut store, instance, Convention::book())?;
    /// let greeting = guest.call_string(&mut store, "greet", "Ferris")?;
    /// assert_eq!(greeting, "Hello, Ferris!");
    /// guest.check_leaks()?; // nothing left behind, in the guest or here
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn call_bytes(
        &self,
        store: impl AsContextMut,
        export: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.call_with_input(store, export, input, false)
    }
    // ANCHOR_END: call_bytes

    /// Like [`Self::call_bytes`], with a string in and a string out; the
    /// result must be UTF-8.
    #[track_caller]
    pub fn call_string(
        &self,
        store: impl AsContextMut,
        export: &str,
        input: &str,
    ) -> Result<String, Error> {
        let bytes = self.call_with_input(store, export, input.as_bytes(), true)?;
        Ok(String::from_utf8(bytes).expect("validated as UTF-8"))
    }

    /// Calls `export`, which takes no arguments, and returns a copy of the
    /// bytes it hands back (released as the convention says).
    #[track_caller]
    pub fn call_output(
        &self,
        mut store: impl AsContextMut,
        export: &str,
    ) -> Result<Vec<u8>, Error> {
        let output = self.call_for_buffer(&mut store, export, &[])?;
        self.read_and_release(store, output, false)
    }

    /// Allocates a buffer in the guest, as the convention says, and copies
    /// `bytes` into it. Give it back with [`Self::release`].
    #[track_caller]
    pub fn write(&self, mut store: impl AsContextMut, bytes: &[u8]) -> Result<GuestBuffer, Error> {
        let created_at = Location::caller();
        let len =
            u32::try_from(bytes.len()).map_err(|_| Error::InputTooLarge { len: bytes.len() })?;
        let (export, ptr) = match &self.allocator {
            AllocatorFns::AllocateDeallocate { allocate, .. } => (
                self.allocator_name(),
                allocate
                    .call(&mut store, len)
                    .map_err(|e| self.failed("allocate", e))?,
            ),
            AllocatorFns::MallocFree { malloc, .. } => (
                self.allocator_name(),
                malloc
                    .call(&mut store, len)
                    .map_err(|e| self.failed("malloc", e))?,
            ),
            AllocatorFns::CabiRealloc { realloc } => (
                self.allocator_name(),
                realloc
                    .call(&mut store, (0, 0, 1, len))
                    .map_err(|e| self.failed("cabi_realloc", e))?,
            ),
            AllocatorFns::AssemblyScript { new, pin, .. } => {
                let ptr = new
                    .call(&mut store, (len, ARRAY_BUFFER_ID))
                    .map_err(|e| self.failed("__new", e))?;
                // Pinned before the guest runs anything else, so that no
                // collection can reclaim it while the host holds it.
                pin.call(&mut store, ptr)
                    .map_err(|e| self.failed("__pin", e))?;
                ("__new".to_owned(), ptr)
            }
            AllocatorFns::None => return Err(Error::NoAllocator),
        };
        if ptr == 0 && len > 0 {
            return Err(Error::AllocationFailed { export, size: len });
        }
        let buffer = self
            .ledger
            .open(ptr, len, &export, Origin::Input, created_at);
        let memory_size = self.memory.data_size(&store);
        if let Err(source) = checked_range(ptr, len, memory_size, u32::MAX) {
            let _ = self.release(&mut store, buffer);
            return Err(Error::BadAllocation {
                export,
                ptr,
                len,
                source,
            });
        }
        self.memory.data_mut(&mut store)[ptr as usize..][..bytes.len()].copy_from_slice(bytes);
        Ok(buffer)
    }

    /// Records a buffer the guest handed over through `export`, after
    /// checking that it lies inside the guest's memory. Read it with
    /// [`Self::read`], give it back with [`Self::release`].
    #[track_caller]
    pub fn take(
        &self,
        store: impl AsContext,
        export: &str,
        ptr: u32,
        len: u32,
    ) -> Result<GuestBuffer, Error> {
        self.take_result(store, export, ptr, len, 0, Location::caller())
    }

    /// A copy of the buffer's bytes, at most the convention's `max_len`.
    pub fn read(&self, store: impl AsContext, buffer: &GuestBuffer) -> Result<Vec<u8>, Error> {
        let data = self.memory.data(&store);
        let range = checked_range(buffer.ptr, buffer.len, data.len(), self.convention.max_len)
            .map_err(|source| Error::BadResult {
                export: buffer.export.clone(),
                source,
            })?;
        Ok(data[range].to_vec())
    }

    /// The buffer's bytes as a string: at most `max_len` of them, and UTF-8.
    pub fn read_string(
        &self,
        store: impl AsContext,
        buffer: &GuestBuffer,
    ) -> Result<String, Error> {
        let bytes = self.read(store, buffer)?;
        String::from_utf8(bytes).map_err(|error| Error::BadResult {
            export: buffer.export.clone(),
            source: GuestSliceError::NotUtf8 {
                ptr: buffer.ptr,
                len: buffer.len,
                error: error.utf8_error(),
            },
        })
    }

    /// Gives a buffer back, as the convention says: `deallocate(ptr, len)`,
    /// `free(ptr)`, `cabi_post_<export>(packed)` for a result (when the guest
    /// exports it; a canonical-ABI input already belongs to the guest), or
    /// `__unpin(ptr)` for an AssemblyScript input.
    pub fn release(&self, mut store: impl AsContextMut, buffer: GuestBuffer) -> Result<(), Error> {
        let (ptr, len) = (buffer.ptr, buffer.len);
        let outcome = match (&self.allocator, buffer.origin) {
            (AllocatorFns::AllocateDeallocate { deallocate, .. }, _) => deallocate
                .call(&mut store, (ptr, len))
                .map_err(|e| self.failed(&self.deallocator_name(), e)),
            (AllocatorFns::MallocFree { free, .. }, _) => free
                .call(&mut store, ptr)
                .map_err(|e| self.failed(&self.deallocator_name(), e)),
            (AllocatorFns::CabiRealloc { .. }, Origin::Result { packed }) => {
                let post = format!("cabi_post_{}", buffer.export);
                match self.instance.get_typed_func::<u64, ()>(&mut store, &post) {
                    Ok(post_return) => post_return
                        .call(&mut store, packed)
                        .map_err(|e| self.failed(&post, e)),
                    Err(_) => Ok(()), // the guest keeps its results
                }
            }
            (AllocatorFns::AssemblyScript { unpin, .. }, Origin::Input) => unpin
                .call(&mut store, ptr)
                .map_err(|e| self.failed("__unpin", e)),
            // Canonical-ABI inputs belong to the guest; AssemblyScript
            // results belong to its collector; `None` frees nothing.
            _ => Ok(()),
        };
        buffer.settle();
        outcome
    }

    // ANCHOR: typed
    /// Reads a `T` at `ptr`, checking bounds and alignment. Wasm is
    /// little-endian, like every host this crate builds for.
    pub fn read_value<T: bytemuck::Pod>(
        &self,
        store: impl AsContext,
        ptr: u32,
    ) -> Result<T, Error> {
        let range = self.value_range::<T>(&store, ptr)?;
        Ok(bytemuck::pod_read_unaligned(
            &self.memory.data(&store)[range],
        ))
    }

    /// Writes `value` at `ptr`, checking bounds and alignment.
    pub fn write_value<T: bytemuck::Pod>(
        &self,
        mut store: impl AsContextMut,
        ptr: u32,
        value: &T,
    ) -> Result<(), Error> {
        let range = self.value_range::<T>(&store, ptr)?;
        self.memory.data_mut(&mut store)[range].copy_from_slice(bytemuck::bytes_of(value));
        Ok(())
    }
    // ANCHOR_END: typed

    /// Every buffer handed to the host and not given back yet.
    pub fn outstanding(&self) -> Vec<Leak> {
        self.ledger.outstanding()
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

    /// Calls `export` with `params` and decodes the `(ptr, len)` it returns.
    #[track_caller]
    fn call_for_buffer(
        &self,
        mut store: impl AsContextMut,
        export: &str,
        params: &[Val],
    ) -> Result<GuestBuffer, Error> {
        let created_at = Location::caller();
        let func = self.function(&mut store, export, params.len())?;
        let mut results = [Val::I32(0), Val::I32(0)];
        let results = &mut results[..match self.convention.results {
            Results::MultiValue => 2,
            Results::Packed(_) | Results::ObjectHeader => 1,
        }];
        func.call(&mut store, params, results)
            .map_err(|e| self.failed(export, e))?;
        let (ptr, len, packed) = match (self.convention.results, &*results) {
            (Results::Packed(order), [Val::I64(packed)]) => {
                let (ptr, len) = order.unpack(*packed as u64);
                (ptr, len, *packed as u64)
            }
            (Results::MultiValue, [Val::I32(ptr), Val::I32(len)]) => (*ptr as u32, *len as u32, 0),
            (Results::ObjectHeader, [Val::I32(ptr)]) => {
                let ptr = *ptr as u32;
                let header: [u8; 4] =
                    self.header(&store, ptr)
                        .map_err(|source| Error::BadResult {
                            export: export.to_owned(),
                            source,
                        })?;
                (ptr, u32::from_le_bytes(header), 0)
            }
            _ => unreachable!("the signature was checked"),
        };
        self.take_result(&store, export, ptr, len, packed, created_at)
    }

    fn take_result(
        &self,
        store: impl AsContext,
        export: &str,
        ptr: u32,
        len: u32,
        packed: u64,
        created_at: &'static Location<'static>,
    ) -> Result<GuestBuffer, Error> {
        // In bounds, or it is not a buffer at all; the length cap applies
        // when reading, so that a real but long buffer can still be freed.
        checked_range(ptr, len, self.memory.data_size(&store), u32::MAX).map_err(|source| {
            Error::BadResult {
                export: export.to_owned(),
                source,
            }
        })?;
        Ok(self
            .ledger
            .open(ptr, len, export, Origin::Result { packed }, created_at))
    }

    #[track_caller]
    fn call_with_input(
        &self,
        mut store: impl AsContextMut,
        export: &str,
        input: &[u8],
        want_utf8: bool,
    ) -> Result<Vec<u8>, Error> {
        let input = self.write(&mut store, input)?;
        let params: Vec<Val> = match self.allocator {
            AllocatorFns::AssemblyScript { .. } => vec![Val::I32(input.ptr as i32)],
            _ => vec![Val::I32(input.ptr as i32), Val::I32(input.len as i32)],
        };
        let result = self.call_for_buffer(&mut store, export, &params);
        // The input is the host's to give back, whatever the call did.
        let released = self.release(&mut store, input);
        let output = result?;
        released?;
        self.read_and_release(store, output, want_utf8)
    }

    /// Reads a result (checking UTF-8 if asked), then gives it back
    /// whatever the read found.
    fn read_and_release(
        &self,
        mut store: impl AsContextMut,
        output: GuestBuffer,
        want_utf8: bool,
    ) -> Result<Vec<u8>, Error> {
        let bytes = if want_utf8 {
            self.read_string(&store, &output).map(String::into_bytes)
        } else {
            self.read(&store, &output)
        };
        // A bad read is the first thing to report; the release comes second.
        let released = self.release(&mut store, output);
        let bytes = bytes?;
        released?;
        Ok(bytes)
    }

    /// `export`, checked against the signature the convention implies.
    fn function(
        &self,
        mut store: impl AsContextMut,
        export: &str,
        params: usize,
    ) -> Result<Func, Error> {
        let key = (export.to_owned(), params);
        let mut checked = self
            .checked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(func) = checked.get(&key) {
            return Ok(*func);
        }
        let func =
            self.instance
                .get_func(&mut store, export)
                .ok_or_else(|| Error::MissingExport {
                    name: export.to_owned(),
                    kind: "a function",
                })?;
        let (expected, results): (&'static str, &[ValType]) =
            match (params, self.convention.results) {
                (0, Results::Packed(_)) => ("() -> i64", &[ValType::I64]),
                (0, Results::MultiValue) => ("() -> (i32, i32)", &[ValType::I32, ValType::I32]),
                (0, Results::ObjectHeader) => ("() -> i32", &[ValType::I32]),
                (1, Results::ObjectHeader) => ("(i32) -> i32", &[ValType::I32]),
                (1, Results::Packed(_)) => ("(i32) -> i64", &[ValType::I64]),
                (1, Results::MultiValue) => ("(i32) -> (i32, i32)", &[ValType::I32, ValType::I32]),
                (_, Results::Packed(_)) => ("(i32, i32) -> i64", &[ValType::I64]),
                (_, Results::MultiValue) => {
                    ("(i32, i32) -> (i32, i32)", &[ValType::I32, ValType::I32])
                }
                (_, Results::ObjectHeader) => ("(i32, i32) -> i32", &[ValType::I32]),
            };
        let ty = func.ty(&store);
        let params_match = ty.params().len() == params && ty.params().all(|p| p.is_i32());
        let results_match = ty.results().len() == results.len()
            && ty
                .results()
                .zip(results)
                .all(|(actual, wanted)| ValType::eq(&actual, wanted));
        if !(params_match && results_match) {
            return Err(Error::WrongSignature {
                name: export.to_owned(),
                expected,
                source: wasmtime::format_err!("it is {ty:?}"),
            });
        }
        checked.insert(key, func);
        Ok(func)
    }

    /// The 4 bytes before `ptr`: an AssemblyScript object's `rtSize`.
    fn header(&self, store: impl AsContext, ptr: u32) -> Result<[u8; 4], GuestSliceError> {
        let data = self.memory.data(&store);
        let range = checked_range(ptr.saturating_sub(4), 4, data.len(), 4)?;
        Ok(data[range].try_into().expect("4 bytes"))
    }

    fn value_range<T>(
        &self,
        store: impl AsContext,
        ptr: u32,
    ) -> Result<std::ops::Range<usize>, Error> {
        let type_name = std::any::type_name::<T>();
        let align = align_of::<T>();
        if !(ptr as usize).is_multiple_of(align) {
            return Err(Error::Misaligned {
                ptr,
                align,
                type_name,
            });
        }
        let size = u32::try_from(size_of::<T>()).expect("a wasm value is smaller than 4 GiB");
        checked_range(ptr, size, self.memory.data_size(&store), size).map_err(|source| {
            Error::ValueOutOfBounds {
                ptr,
                type_name,
                source,
            }
        })
    }

    /// The error for a failed call, with what the guest said about it.
    fn failed(&self, export: &str, source: wasmtime::Error) -> Error {
        Error::Call {
            export: export.to_owned(),
            guest_message: self.messages.as_ref().and_then(GuestMessages::take),
            source,
        }
    }

    fn allocator_name(&self) -> String {
        match &self.convention.allocator {
            Allocator::AllocateDeallocate { allocate, .. } => allocate.clone(),
            Allocator::MallocFree { malloc, .. } => malloc.clone(),
            Allocator::CabiRealloc { realloc } => realloc.clone(),
            Allocator::AssemblyScript => "__new".to_owned(),
            Allocator::None => "none".to_owned(),
        }
    }

    fn deallocator_name(&self) -> String {
        match &self.convention.allocator {
            Allocator::AllocateDeallocate { deallocate, .. } => deallocate.clone(),
            Allocator::MallocFree { free, .. } => free.clone(),
            _ => "none".to_owned(),
        }
    }
}

impl Drop for Guest {
    /// In debug builds, says on stderr which buffers were never given back,
    /// rather than let the leak pass silently.
    fn drop(&mut self) {
        if cfg!(debug_assertions)
            && !std::thread::panicking()
            && let Err(leaks) = self.check_leaks()
        {
            eprintln!("wasm-memory-host: {leaks}");
        }
    }
}

/// An export with the type a convention expects.
fn typed<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
    mut store: impl AsContextMut,
    instance: Instance,
    name: &str,
    expected: &'static str,
) -> Result<TypedFunc<P, R>, Error> {
    let func = instance
        .get_func(&mut store, name)
        .ok_or_else(|| Error::MissingExport {
            name: name.to_owned(),
            kind: "a function",
        })?;
    func.typed(&store).map_err(|source| Error::WrongSignature {
        name: name.to_owned(),
        expected,
        source,
    })
}
