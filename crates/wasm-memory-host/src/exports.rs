//! Export handles: an export resolved and type-checked once against the
//! convention, then called with no lookup and no allocation besides the
//! bytes it returns, and, while the host holds no buffers, no lock (the
//! overlap check with held buffers takes the ledger's lock only when it
//! holds some).

use std::marker::PhantomData;
use std::panic::Location;

use wasmtime::{AsContext, AsContextMut, TypedFunc, WasmParams, WasmResults};

use crate::GuestBuffer;
use crate::allocator::{Exports, Lookup};
use crate::bounds;
use crate::convention::{Allocator, PackingOrder, Results};
use crate::error::Error;
use crate::guest::{Guest, ReadAs, freeable, no_allocator, unpinned_object};
use crate::ledger::Origin;

/// What an export returned, before it is checked.
#[derive(Clone, Copy)]
enum Returned {
    Packed(u64, PackingOrder),
    Pair(u32, u32),
    Object(u32),
}

/// An export returning a `(ptr, len)` the way the convention says.
#[derive(Clone)]
enum ResultFunc<P> {
    Packed(TypedFunc<P, u64>, PackingOrder),
    MultiValue(TypedFunc<P, (u32, u32)>),
    Object(TypedFunc<P, u32>),
}

impl<P: WasmParams> ResultFunc<P> {
    fn resolve<S: AsContextMut>(
        exports: &mut Exports<S, impl Lookup<S>>,
        name: &str,
        params: &str,
        results: Results,
    ) -> Result<Self, Error> {
        Ok(match results {
            Results::Packed(order) => {
                ResultFunc::Packed(exports.func(name, &format!("{params} -> i64"))?, order)
            }
            Results::MultiValue => {
                ResultFunc::MultiValue(exports.func(name, &format!("{params} -> (i32, i32)"))?)
            }
            Results::ObjectHeader => {
                ResultFunc::Object(exports.func(name, &format!("{params} -> i32"))?)
            }
        })
    }

    #[inline]
    fn call(&self, store: impl AsContextMut, params: P) -> wasmtime::Result<Returned> {
        Ok(match self {
            ResultFunc::Packed(func, order) => Returned::Packed(func.call(store, params)?, *order),
            ResultFunc::MultiValue(func) => {
                let (ptr, len) = func.call(store, params)?;
                Returned::Pair(ptr, len)
            }
            ResultFunc::Object(func) => Returned::Object(func.call(store, params)?),
        })
    }
}

/// The parts of a handle that every call needs.
#[derive(Clone)]
struct Handle {
    guest: Guest,
    name: String,
    /// `cabi_post_<name>`, under the canonical ABI when the guest exports it.
    post_return: Option<TypedFunc<u64, ()>>,
}

impl Handle {
    fn resolve<S: AsContextMut>(
        guest: &Guest,
        exports: &mut Exports<S, impl Lookup<S>>,
        name: &str,
    ) -> Result<Self, Error> {
        let post_return = match guest.convention().allocator {
            Allocator::CabiRealloc { .. } => {
                exports.optional_func(&format!("cabi_post_{name}"), "(i64) -> ()")?
            }
            _ => None,
        };
        Ok(Handle {
            guest: guest.clone(),
            name: name.to_owned(),
            post_return,
        })
    }

    /// Unpacks what the export returned: `(ptr, len, the raw value)`,
    /// unchecked but for an AssemblyScript object's header.
    #[inline]
    fn unpack(&self, store: impl AsContext, returned: Returned) -> Result<(u32, u32, u64), Error> {
        Ok(match returned {
            Returned::Packed(packed, order) => {
                let (ptr, len) = order.unpack(packed);
                (ptr, len, packed)
            }
            Returned::Pair(ptr, len) => (ptr, len, 0),
            Returned::Object(ptr) => {
                // An AssemblyScript object: its byte length, `rtSize`, is the
                // 32-bit field 4 bytes before it. Below address 4 that wraps
                // to the top of the address space, which the check refuses.
                let data = self.guest.memory().data(&store);
                let header = bounds::checked_range(ptr.wrapping_sub(4), 4, data.len(), 4)
                    .map_err(|source| self.guest.bad_result(&self.name, source))?;
                let mut size = [0; 4];
                size.copy_from_slice(&data[header]);
                (ptr, u32::from_le_bytes(size), 0)
            }
        })
    }

    /// What a call returned, as bytes: read, then given back if it is a
    /// buffer the host may free, and the input (if any) given back too,
    /// whatever the call did. The first error is the one returned.
    #[inline]
    #[track_caller]
    fn finish<T: ReadAs>(
        &self,
        mut store: impl AsContextMut,
        returned: wasmtime::Result<Returned>,
        input: Option<(u32, u32)>,
    ) -> Result<T, Error> {
        let guest = &self.guest;
        let unpacked = returned
            .map_err(|source| guest.failed(&self.name, source))
            .and_then(|returned| self.unpack(&store, returned));
        let (bytes, owed) = match unpacked {
            Ok((ptr, len, raw)) => {
                let bytes = guest.read_result(&store, &self.name, (ptr, len), input);
                let owed = freeable(&bytes).then_some((ptr, len, raw));
                (bytes, owed)
            }
            Err(error) => (Err(error), None),
        };
        let released_input = match input {
            Some((ptr, len)) => guest.0.allocator.release_input(&mut store, ptr, len),
            None => Ok(()),
        };
        let released_result = match owed {
            Some((ptr, len, raw)) => guest.0.allocator.release_result(
                &mut store,
                ptr,
                len,
                self.post_return.as_ref().map(|post| (post, raw)),
            ),
            None => Ok(()),
        };
        let bytes = bytes?;
        released_input.map_err(|failure| guest.allocator_failed(failure, &self.name))?;
        released_result.map_err(|failure| guest.allocator_failed(failure, &self.name))?;
        Ok(bytes)
    }
}

/// How an export that takes bytes is called.
#[derive(Clone)]
enum BytesFunc {
    /// `(ptr, len)`.
    Pair(ResultFunc<(u32, u32)>),
    /// An AssemblyScript `ArrayBuffer`.
    Object(ResultFunc<u32>),
}

// ANCHOR: export
/// An export that takes bytes and returns bytes, resolved and checked once
/// by [`Guest::export`]: each call allocates the input, writes it, calls,
/// checks and copies the result, and gives back what the convention says
/// the host gives back, also when the call fails.
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
/// let guest = Guest::new(&mut store, instance, Convention::allocate_deallocate_packed())?;
/// let greet = guest.export(&mut store, "greet")?; // looked up and checked here
/// for name in ["Ferris", "Corro"] {
///     let greeting = greet.call_string(&mut store, name)?; // not here
///     assert_eq!(greeting, format!("Hello, {name}!"));
/// }
/// guest.check_leaks()?; // nothing left behind, in the guest or here
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Export {
    handle: Handle,
    func: BytesFunc,
}
// ANCHOR_END: export

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("name", &self.handle.name)
            .finish_non_exhaustive()
    }
}

impl<R> std::fmt::Debug for InputExport<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputExport")
            .field("name", &self.handle.name)
            .field("results", &std::any::type_name::<R>())
            .finish_non_exhaustive()
    }
}

impl<P> std::fmt::Debug for OutputExport<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputExport")
            .field("name", &self.handle.name)
            .field("params", &std::any::type_name::<P>())
            .finish_non_exhaustive()
    }
}

impl Export {
    /// The export's name.
    pub fn name(&self) -> &str {
        &self.handle.name
    }

    // ANCHOR: call_bytes
    /// Passes `input` and returns a copy of the bytes the export hands back.
    ///
    /// # Errors
    ///
    /// Once the input is in, it is given back whatever happens, and so is
    /// the result when it is a buffer the host may free; the first error is
    /// the one returned:
    ///
    /// - [`Error::InputTooLarge`] if `input` is longer than `u32::MAX`;
    /// - while passing it in: [`Error::Call`], naming the allocator export,
    ///   if it traps; [`Error::AllocationFailed`] if it returns 0 for a
    ///   non-empty input; [`Error::BadAllocation`] if the buffer it returns
    ///   does not lie inside the memory; [`Error::OverlapsHeldBuffer`] if
    ///   that buffer overlaps one the host holds;
    /// - [`Error::Call`] if the export traps, or a host function it calls
    ///   returns an error, with the guest's message if it reported one;
    /// - [`Error::BadResult`], naming the export, if the result does not lie
    ///   inside the memory (nor, under [`Results::ObjectHeader`], its
    ///   header), or is longer than the convention's `max_len`
    ///   ([`GuestSliceError::TooLong`](crate::bounds::GuestSliceError::TooLong));
    /// - [`Error::OverlapsHeldBuffer`] if the result overlaps a buffer the
    ///   host holds or the input;
    /// - [`Error::Call`], naming the function that frees, if giving the
    ///   input or the result back traps.
    ///
    /// A result refused as [`Error::BadResult`] or
    /// [`Error::OverlapsHeldBuffer`] is not given back: it may be no buffer
    /// of the guest's, and freeing it could corrupt the guest's heap.
    #[track_caller]
    pub fn call_bytes(&self, store: impl AsContextMut, input: &[u8]) -> Result<Vec<u8>, Error> {
        self.round_trip(store, input)
    }
    // ANCHOR_END: call_bytes

    /// Like [`Self::call_bytes`], with a string in and a string out; the
    /// result must be UTF-8.
    ///
    /// # Errors
    ///
    /// Those of [`Self::call_bytes`], and [`Error::BadResult`] with
    /// [`GuestSliceError::NotUtf8`](crate::bounds::GuestSliceError::NotUtf8)
    /// if the result is not UTF-8; that result is still given back.
    #[track_caller]
    pub fn call_string(&self, store: impl AsContextMut, input: &str) -> Result<String, Error> {
        self.round_trip(store, input.as_bytes())
    }

    #[inline]
    #[track_caller]
    fn round_trip<T: ReadAs>(
        &self,
        mut store: impl AsContextMut,
        input: &[u8],
    ) -> Result<T, Error> {
        let ptr = self.handle.guest.place(&mut store, input, true)?;
        let len = input.len() as u32; // `place` checked that it fits
        let returned = match &self.func {
            BytesFunc::Pair(func) => func.call(&mut store, (ptr, len)),
            BytesFunc::Object(func) => func.call(&mut store, ptr),
        };
        self.handle.finish(store, returned, Some((ptr, len)))
    }
}

/// How an export that takes bytes and returns plain values is called.
#[derive(Clone)]
enum InputFunc<R> {
    /// `(ptr, len)`.
    Pair(TypedFunc<(u32, u32), R>),
    /// An AssemblyScript `ArrayBuffer`.
    Object(TypedFunc<u32, R>),
}

/// An export that takes bytes and returns `R` (plain numbers, or nothing),
/// resolved and checked once by [`Guest::input_export`]: each call
/// allocates the input, writes it, calls, and gives the input back as the
/// convention says, also when the call fails. No buffer outlives the call,
/// so the ledger records nothing.
#[derive(Clone)]
pub struct InputExport<R> {
    handle: Handle,
    func: InputFunc<R>,
}

impl<R: WasmResults> InputExport<R> {
    /// The export's name.
    pub fn name(&self) -> &str {
        &self.handle.name
    }

    /// Passes `input` for the call and returns what the export returned.
    ///
    /// # Errors
    ///
    /// Once the input is in, it is given back whatever happens; the first
    /// error is the one returned:
    ///
    /// - [`Error::InputTooLarge`] if `input` is longer than `u32::MAX`;
    /// - while passing it in: [`Error::Call`], naming the allocator export,
    ///   if it traps; [`Error::AllocationFailed`] if it returns 0 for a
    ///   non-empty input; [`Error::BadAllocation`] if the buffer it returns
    ///   does not lie inside the memory; [`Error::OverlapsHeldBuffer`] if
    ///   that buffer overlaps one the host holds;
    /// - [`Error::Call`] if the export traps, or a host function it calls
    ///   returns an error, with the guest's message if it reported one;
    /// - [`Error::Call`], naming the function that frees, if giving the
    ///   input back traps.
    #[track_caller]
    pub fn call(&self, mut store: impl AsContextMut, input: &[u8]) -> Result<R, Error> {
        let guest = &self.handle.guest;
        let ptr = guest.place(&mut store, input, true)?;
        let len = input.len() as u32; // `place` checked that it fits
        let returned = match &self.func {
            InputFunc::Pair(func) => func.call(&mut store, (ptr, len)),
            InputFunc::Object(func) => func.call(&mut store, ptr),
        };
        let released = guest.0.allocator.release_input(&mut store, ptr, len);
        let value = returned.map_err(|source| guest.failed(&self.handle.name, source))?;
        released.map_err(|failure| guest.allocator_failed(failure, &self.handle.name))?;
        Ok(value)
    }
}

/// An export that takes `P` (plain numbers, or nothing) and returns a
/// buffer, resolved and checked once by [`Guest::output_export`].
#[derive(Clone)]
pub struct OutputExport<P> {
    handle: Handle,
    func: ResultFunc<P>,
    params: PhantomData<fn(P)>,
}

impl<P: WasmParams> OutputExport<P> {
    /// The export's name.
    pub fn name(&self) -> &str {
        &self.handle.name
    }

    /// Calls it and returns a copy of the bytes it hands back, which are
    /// given back to the guest as the convention says.
    ///
    /// # Errors
    ///
    /// - [`Error::Call`] if the export traps, or a host function it calls
    ///   returns an error, with the guest's message if it reported one;
    /// - [`Error::BadResult`], naming the export, if the result does not lie
    ///   inside the memory (nor, under [`Results::ObjectHeader`], its
    ///   header), or is longer than the convention's `max_len`
    ///   ([`GuestSliceError::TooLong`](crate::bounds::GuestSliceError::TooLong));
    /// - [`Error::OverlapsHeldBuffer`] if the result overlaps a buffer the
    ///   host holds;
    /// - [`Error::Call`], naming the function that frees, if giving the
    ///   result back traps.
    ///
    /// A result refused as [`Error::BadResult`] or
    /// [`Error::OverlapsHeldBuffer`] is not given back: it may be no buffer
    /// of the guest's.
    #[track_caller]
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<Vec<u8>, Error> {
        let returned = self.func.call(&mut store, params);
        self.handle.finish(store, returned, None)
    }

    /// Like [`Self::call`]; the bytes must be UTF-8.
    ///
    /// # Errors
    ///
    /// Those of [`Self::call`], and [`Error::BadResult`] with
    /// [`GuestSliceError::NotUtf8`](crate::bounds::GuestSliceError::NotUtf8)
    /// if the bytes are not UTF-8; they are still given back.
    #[track_caller]
    pub fn call_string(&self, mut store: impl AsContextMut, params: P) -> Result<String, Error> {
        let returned = self.func.call(&mut store, params);
        self.handle.finish(store, returned, None)
    }

    /// Calls it and returns the buffer it hands back, still in the guest,
    /// for the host to read and then give back with [`Guest::release`].
    /// Under the canonical ABI, releasing it calls `cabi_post_<export>` with
    /// exactly what the export returned.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] under [`Allocator::AssemblyScript`], whose
    ///   results belong to its collector: read them with [`Self::call`];
    /// - [`Error::Call`] if the export traps, or a host function it calls
    ///   returns an error, with the guest's message if it reported one;
    /// - [`Error::BadResult`], naming the export, if the result does not lie
    ///   inside the memory (nor, under [`Results::ObjectHeader`], its
    ///   header); the convention's `max_len` applies when it is read, not
    ///   here;
    /// - [`Error::OverlapsHeldBuffer`] if it overlaps a buffer the host
    ///   already holds.
    ///
    /// A result refused is neither held nor given back.
    #[track_caller]
    pub fn call_buffer(
        &self,
        mut store: impl AsContextMut,
        params: P,
    ) -> Result<GuestBuffer, Error> {
        let created_at = Location::caller();
        let handle = &self.handle;
        if let Allocator::AssemblyScript = handle.guest.convention().allocator {
            return Err(unpinned_object("hold a result"));
        }
        let returned = self
            .func
            .call(&mut store, params)
            .map_err(|source| handle.guest.failed(&handle.name, source))?;
        let (ptr, len, raw) = handle.unpack(&store, returned)?;
        handle
            .guest
            .checked_result(&store, &handle.name, ptr, len)?;
        let post_return = handle.post_return.clone().map(|post| (post, raw));
        handle
            .guest
            .0
            .ledger
            .open(
                handle.guest.extent(ptr, len),
                &handle.name,
                Origin::Result { post_return },
                created_at,
            )
            .map_err(|held| Error::OverlapsHeldBuffer {
                export: handle.name.clone(),
                ptr,
                len,
                held,
            })
    }
}

impl Guest {
    /// The export `name`, which takes bytes (`(ptr, len)`, or for
    /// AssemblyScript an `ArrayBuffer`) and returns a `(ptr, len)` as the
    /// convention's [`Results`] says: looked up and type-checked now, once.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] under [`Allocator::None`], which cannot pass
    ///   bytes in;
    /// - [`Error::Unsupported`] for a guest made with [`Guest::from_caller`],
    ///   which has no instance to look in;
    /// - [`Error::MissingExport`] if the guest exports no function `name`;
    /// - [`Error::WrongSignature`] if `name` is not a function, or does not
    ///   have the type `(i32, i32) -> ...` (`(i32) -> ...` for
    ///   AssemblyScript) that returns the convention's [`Results`]; or,
    ///   under [`Allocator::CabiRealloc`], if the guest exports
    ///   `cabi_post_<name>` with another type than `(i64) -> ()`.
    pub fn export(&self, mut store: impl AsContextMut, name: &str) -> Result<Export, Error> {
        if let Allocator::None = self.convention().allocator {
            return Err(no_allocator());
        }
        let mut exports = self.exports(&mut store, "look up an export")?;
        let handle = Handle::resolve(self, &mut exports, name)?;
        let results = self.convention().results;
        let func = match self.convention().allocator {
            Allocator::AssemblyScript => {
                BytesFunc::Object(ResultFunc::resolve(&mut exports, name, "(i32)", results)?)
            }
            _ => BytesFunc::Pair(ResultFunc::resolve(
                &mut exports,
                name,
                "(i32, i32)",
                results,
            )?),
        };
        Ok(Export { handle, func })
    }

    /// The export `name`, which takes bytes (`(ptr, len)`, or for
    /// AssemblyScript an `ArrayBuffer`) and returns `R`, plain numbers:
    /// looked up and type-checked now, once.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] under [`Allocator::None`], which cannot pass
    ///   bytes in;
    /// - [`Error::Unsupported`] for a guest made with [`Guest::from_caller`],
    ///   which has no instance to look in;
    /// - [`Error::MissingExport`] if the guest exports no function `name`;
    /// - [`Error::WrongSignature`] if `name` is not a function, or does not
    ///   have the type `(i32, i32) -> R`
    ///   (`(i32) -> R` for AssemblyScript).
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
    /// let guest = Guest::new(&mut store, instance, Convention::allocate_deallocate_packed())?;
    /// let sum = guest.input_export::<u32>(&mut store, "sum")?;
    /// assert_eq!(sum.call(&mut store, &[1, 2, 250])?, 253); // the input is freed
    /// let live = guest.typed_func::<(), u32>(&mut store, "live")?;
    /// assert_eq!(live.call(&mut store, ())?, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn input_export<R: WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<InputExport<R>, Error> {
        if let Allocator::None = self.convention().allocator {
            return Err(no_allocator());
        }
        let mut exports = self.exports(&mut store, "look up an export")?;
        // Nothing to post-return: the result is numbers.
        let handle = Handle {
            guest: self.clone(),
            name: name.to_owned(),
            post_return: None,
        };
        let results = std::any::type_name::<R>();
        let func = match self.convention().allocator {
            Allocator::AssemblyScript => {
                InputFunc::Object(exports.func(name, &format!("(i32) -> {results}"))?)
            }
            _ => InputFunc::Pair(exports.func(name, &format!("(i32, i32) -> {results}"))?),
        };
        Ok(InputExport { handle, func })
    }

    /// The export `name`, which takes `P` and returns a `(ptr, len)` as the
    /// convention's [`Results`] says: looked up and type-checked now, once.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] for a guest made with [`Guest::from_caller`],
    ///   which has no instance to look in;
    /// - [`Error::MissingExport`] if the guest exports no function `name`;
    /// - [`Error::WrongSignature`] if `name` is not a function, or does not
    ///   have the type `P -> ...`
    ///   that returns the convention's [`Results`]; or, under
    ///   [`Allocator::CabiRealloc`], if the guest exports `cabi_post_<name>`
    ///   with another type than `(i64) -> ()`.
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
    /// let guest = Guest::new(&mut store, instance, Convention::allocate_deallocate_packed())?;
    /// let version = guest.output_export::<()>(&mut store, "version")?;
    /// let buffer = version.call_buffer(&mut store, ())?; // held: must be released
    /// assert_eq!(guest.read_string(&store, &buffer)?, "guest 1.0");
    /// guest.release(&mut store, buffer)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn output_export<P: WasmParams>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<OutputExport<P>, Error> {
        let mut exports = self.exports(&mut store, "look up an export")?;
        let handle = Handle::resolve(self, &mut exports, name)?;
        let params = std::any::type_name::<P>();
        let func = ResultFunc::resolve(&mut exports, name, params, self.convention().results)?;
        Ok(OutputExport {
            handle,
            func,
            params: PhantomData,
        })
    }

    /// One call of the export `name` with bytes in and bytes out: sugar for
    /// [`Guest::export`] then [`Export::call_bytes`], which looks the export
    /// up each time. Keep the [`Export`] to call it often.
    ///
    /// # Errors
    ///
    /// Those of [`Guest::export`], then those of [`Export::call_bytes`].
    #[track_caller]
    pub fn call_bytes(
        &self,
        mut store: impl AsContextMut,
        name: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.export(&mut store, name)?.call_bytes(store, input)
    }

    /// Like [`Guest::call_bytes`], with a string in and a string out.
    ///
    /// # Errors
    ///
    /// Those of [`Guest::export`], then those of [`Export::call_string`].
    #[track_caller]
    pub fn call_string(
        &self,
        mut store: impl AsContextMut,
        name: &str,
        input: &str,
    ) -> Result<String, Error> {
        self.export(&mut store, name)?.call_string(store, input)
    }

    /// One call of the export `name`, which takes nothing: sugar for
    /// [`Guest::output_export`] then [`OutputExport::call`].
    ///
    /// # Errors
    ///
    /// Those of [`Guest::output_export`], then those of
    /// [`OutputExport::call`].
    #[track_caller]
    pub fn call_output(&self, mut store: impl AsContextMut, name: &str) -> Result<Vec<u8>, Error> {
        self.output_export::<()>(&mut store, name)?.call(store, ())
    }
}
