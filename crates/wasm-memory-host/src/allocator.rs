//! The guest's allocator, as the convention names it: its exports resolved
//! and type-checked once, and the rule for giving each kind of buffer back.

use wasmtime::{
    AsContextMut, Caller, Extern, Instance, Memory, TypedFunc, WasmParams, WasmResults,
};

use crate::convention::{Allocator, Convention};
use crate::error::Error;

/// Where exports are looked up: an [`Instance`], or the `Caller` of a host
/// function ([`FromCaller`]).
pub(crate) trait Lookup<S> {
    fn get(&mut self, store: &mut S, name: &str) -> Option<Extern>;
}

impl<S: AsContextMut> Lookup<S> for Instance {
    fn get(&mut self, store: &mut S, name: &str) -> Option<Extern> {
        self.get_export(store, name)
    }
}

/// Looks exports up through the `Caller` that is the store.
pub(crate) struct FromCaller;

impl<T> Lookup<&mut Caller<'_, T>> for FromCaller {
    fn get(&mut self, caller: &mut &mut Caller<'_, T>, name: &str) -> Option<Extern> {
        caller.get_export(name)
    }
}

/// The exports of a guest, looked up through an instance or a `Caller`.
pub(crate) struct Exports<S, G> {
    pub(crate) store: S,
    pub(crate) get: G,
}

impl<S: AsContextMut, G: Lookup<S>> Exports<S, G> {
    /// The function `name`, with the types `P -> R`.
    pub(crate) fn func<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        expected: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        self.optional_func(name, expected)?
            .ok_or_else(|| Error::MissingExport {
                name: name.to_owned(),
                kind: "a function",
            })
    }

    /// Like [`Self::func`], for an export the guest may leave out.
    pub(crate) fn optional_func<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        expected: &str,
    ) -> Result<Option<TypedFunc<P, R>>, Error> {
        let Some(export) = self.get.get(&mut self.store, name) else {
            return Ok(None);
        };
        let wrong = |source| Error::WrongSignature {
            name: name.to_owned(),
            expected: expected.to_owned(),
            source,
        };
        let func = export
            .into_func()
            .ok_or_else(|| wrong(wasmtime::format_err!("it is not a function")))?;
        func.typed(&self.store).map(Some).map_err(wrong)
    }

    /// The memory `name`.
    pub(crate) fn memory(&mut self, name: &str) -> Result<Memory, Error> {
        self.get
            .get(&mut self.store, name)
            .and_then(Extern::into_memory)
            .ok_or_else(|| Error::MissingExport {
                name: name.to_owned(),
                kind: "a memory",
            })
    }
}

/// AssemblyScript's class id for `ArrayBuffer`, the second argument of
/// `__new` for raw bytes.
const ARRAY_BUFFER_ID: u32 = 1;

/// The allocator exports, resolved and type-checked.
#[derive(Clone)]
enum Functions {
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

/// A call into the allocator that failed: which export, and why.
pub(crate) struct Failure {
    pub(crate) export: &'static str,
    pub(crate) source: wasmtime::Error,
}

/// The guest's allocator, and the names its exports really have.
#[derive(Clone)]
pub(crate) struct GuestAllocator {
    functions: Functions,
}

impl GuestAllocator {
    /// Resolves and checks what `convention.allocator` names.
    pub(crate) fn resolve<S: AsContextMut, G: Lookup<S>>(
        exports: &mut Exports<S, G>,
        convention: &Convention,
    ) -> Result<Self, Error> {
        let functions = match &convention.allocator {
            Allocator::AllocateDeallocate {
                allocate,
                deallocate,
            } => Functions::AllocateDeallocate {
                allocate: exports.func(allocate, "(i32) -> i32")?,
                deallocate: exports.func(deallocate, "(i32, i32) -> ()")?,
            },
            Allocator::MallocFree { malloc, free } => Functions::MallocFree {
                malloc: exports.func(malloc, "(i32) -> i32")?,
                free: exports.func(free, "(i32) -> ()")?,
            },
            Allocator::CabiRealloc { realloc } => Functions::CabiRealloc {
                realloc: exports.func(realloc, "(i32, i32, i32, i32) -> i32")?,
            },
            Allocator::AssemblyScript => Functions::AssemblyScript {
                new: exports.func("__new", "(i32, i32) -> i32")?,
                pin: exports.func("__pin", "(i32) -> i32")?,
                unpin: exports.func("__unpin", "(i32) -> ()")?,
            },
            Allocator::None => Functions::None,
        };
        Ok(GuestAllocator { functions })
    }

    /// Allocates `len` bytes (for AssemblyScript an `ArrayBuffer`, pinned
    /// when `pin` says so) and returns where, unchecked.
    #[inline]
    pub(crate) fn allocate(
        &self,
        mut store: impl AsContextMut,
        len: u32,
        pin: bool,
    ) -> Result<u32, Option<Failure>> {
        let failed = |export| move |source| Some(Failure { export, source });
        match &self.functions {
            Functions::AllocateDeallocate { allocate, .. } => {
                allocate.call(&mut store, len).map_err(failed("allocate"))
            }
            Functions::MallocFree { malloc, .. } => {
                malloc.call(&mut store, len).map_err(failed("malloc"))
            }
            Functions::CabiRealloc { realloc } => realloc
                .call(&mut store, (0, 0, 1, len))
                .map_err(failed("realloc")),
            Functions::AssemblyScript {
                new, pin: pin_fn, ..
            } => {
                let ptr = new
                    .call(&mut store, (len, ARRAY_BUFFER_ID))
                    .map_err(failed("__new"))?;
                if pin {
                    // Pinned before the guest runs anything else, so that
                    // no collection can reclaim it while the host holds it.
                    pin_fn.call(&mut store, ptr).map_err(failed("__pin"))?;
                }
                Ok(ptr)
            }
            Functions::None => Err(None),
        }
    }

    /// Gives back an input the host allocated: freed, except under the
    /// canonical ABI (the guest owns what it was passed) and for
    /// AssemblyScript (unpinned, for its collector).
    #[inline]
    pub(crate) fn release_input(
        &self,
        mut store: impl AsContextMut,
        ptr: u32,
        len: u32,
    ) -> Result<(), Failure> {
        match &self.functions {
            Functions::AssemblyScript { unpin, .. } => {
                unpin.call(&mut store, ptr).map_err(|source| Failure {
                    export: "__unpin",
                    source,
                })
            }
            _ => self.free(store, ptr, len),
        }
    }

    /// Gives back a result: freed; under the canonical ABI, given to
    /// `cabi_post_<export>` with what the export returned, if the guest
    /// exports it; AssemblyScript's belong to its collector.
    #[inline]
    pub(crate) fn release_result(
        &self,
        mut store: impl AsContextMut,
        ptr: u32,
        len: u32,
        post_return: Option<(&TypedFunc<u64, ()>, u64)>,
    ) -> Result<(), Failure> {
        match (&self.functions, post_return) {
            (Functions::CabiRealloc { .. }, Some((post, returned))) => {
                post.call(&mut store, returned).map_err(|source| Failure {
                    export: "cabi_post",
                    source,
                })
            }
            (Functions::AssemblyScript { .. }, _) => Ok(()),
            _ => self.free(store, ptr, len),
        }
    }

    #[inline]
    fn free(&self, mut store: impl AsContextMut, ptr: u32, len: u32) -> Result<(), Failure> {
        match &self.functions {
            Functions::AllocateDeallocate { deallocate, .. } => deallocate
                .call(&mut store, (ptr, len))
                .map_err(|source| Failure {
                    export: "deallocate",
                    source,
                }),
            Functions::MallocFree { free, .. } => {
                free.call(&mut store, ptr).map_err(|source| Failure {
                    export: "free",
                    source,
                })
            }
            _ => Ok(()),
        }
    }
}
