//! Everything that can go wrong, with what the host knew when it did.

use crate::bounds::GuestSliceError;

/// An error from this crate. Messages name the export, and, for bad
/// `(ptr, len)` pairs, the pointer, the length and the memory size.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The guest does not export something the convention needs.
    #[error("the guest does not export {kind} `{name}`, which this convention needs")]
    MissingExport {
        /// The export's name.
        name: String,
        /// `"a function"` or `"a memory"`.
        kind: &'static str,
    },
    /// An export exists but has another type than the convention says.
    #[error("`{name}` does not have the type this convention expects ({expected}): {source}")]
    WrongSignature {
        /// The export's name.
        name: String,
        /// The expected type, in wasm terms.
        expected: &'static str,
        /// What wasmtime said.
        source: wasmtime::Error,
    },
    /// An input longer than a 32-bit memory can hold.
    #[error("an input of {len} bytes cannot be passed to a 32-bit guest")]
    InputTooLarge {
        /// The input's length.
        len: usize,
    },
    /// The convention has no allocator ([`crate::Allocator::None`]), so the
    /// host cannot pass bytes in.
    #[error("this guest's convention has no allocator: the host cannot pass bytes in")]
    NoAllocator,
    /// The guest's allocator returned 0 (failure) for a non-empty request.
    #[error("`{export}` could not allocate {size} bytes (it returned 0)")]
    AllocationFailed {
        /// The allocator export.
        export: String,
        /// The size asked for.
        size: u32,
    },
    /// A `(ptr, len)` the guest returned is not a valid, acceptable range.
    #[error("`{export}` returned a bad buffer: {source}")]
    BadResult {
        /// The export that returned it.
        export: String,
        /// What is wrong with it.
        source: GuestSliceError,
    },
    /// The host's own access to guest memory failed: a buffer the guest
    /// allocated for the host does not fit in its memory.
    #[error(
        "`{export}` returned a buffer of {len} bytes at {ptr:#x} that the host cannot use: {source}"
    )]
    BadAllocation {
        /// The allocator export.
        export: String,
        /// Where the guest said the buffer is.
        ptr: u32,
        /// Its length.
        len: u32,
        /// What is wrong with it.
        source: GuestSliceError,
    },
    /// A call into the guest failed: it trapped, or a host function it
    /// called returned an error. When the guest reported why before trapping
    /// (through `wasm_memory.report_error`, or AssemblyScript's `abort`), the
    /// message is here.
    #[error(
        "calling `{export}` failed{}: {}",
        guest_message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default(),
        // The root cause (the trap); the wasm backtrace is in `source`.
        source.root_cause()
    )]
    Call {
        /// The export that was called.
        export: String,
        /// What the guest said, if it said anything.
        guest_message: Option<String>,
        /// The trap or error.
        source: wasmtime::Error,
    },
    /// Buffers handed to the host were never released.
    #[error("{} buffer(s) from the guest were not released:\n{}", .0.len(), .0.iter().map(|leak| format!("  {leak}")).collect::<Vec<_>>().join("\n"))]
    Leaks(Vec<crate::Leak>),
    /// A typed read or write at an address not aligned for the type.
    #[error("{ptr:#x} is not aligned for `{type_name}` (alignment {align})")]
    Misaligned {
        /// The address.
        ptr: u32,
        /// The type's alignment.
        align: usize,
        /// The type's name.
        type_name: &'static str,
    },
    /// A typed read or write outside the guest's memory.
    #[error("`{type_name}` at {ptr:#x}: {source}")]
    ValueOutOfBounds {
        /// The address.
        ptr: u32,
        /// The type's name.
        type_name: &'static str,
        /// What is wrong.
        source: GuestSliceError,
    },
    /// Setting up the guest failed (compiling, linking, instantiating).
    #[error(transparent)]
    Setup(#[from] wasmtime::Error),
}
