//! Everything that can go wrong, with what the host knew when it did.

use crate::bounds::GuestSliceError;

/// An error from this crate. Messages name the export, and, for bad
/// `(ptr, len)` pairs, the pointer, the length and the memory size.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
        /// The expected type.
        expected: String,
        /// What wasmtime said.
        source: wasmtime::Error,
    },
    /// The convention contradicts itself ([`crate::Convention::check`]).
    #[error("this convention contradicts itself: {reason}")]
    InvalidConvention {
        /// Why it makes no sense.
        reason: String,
    },
    /// The convention does not allow what the host asked for.
    #[error("cannot {operation}: {reason}")]
    Unsupported {
        /// What the host tried.
        operation: &'static str,
        /// Why this convention does not allow it.
        reason: &'static str,
    },
    /// An input longer than a 32-bit memory can hold.
    #[error("an input of {len} bytes cannot be passed to a 32-bit guest")]
    InputTooLarge {
        /// The input's length.
        len: usize,
    },
    /// Bytes longer than the buffer the host writes them into.
    #[error("{len} bytes do not fit in the buffer of {capacity} bytes at {ptr:#x}")]
    DoesNotFit {
        /// How many bytes the host tried to write.
        len: usize,
        /// Where the buffer starts.
        ptr: u32,
        /// Its length.
        capacity: u32,
    },
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
    /// A `(ptr, len)` the guest passed to a host function is not a valid,
    /// acceptable range.
    #[error("the guest passed a bad buffer to `{function}`: {source}")]
    BadArgument {
        /// The host function it called.
        function: String,
        /// What is wrong with it.
        source: GuestSliceError,
    },
    /// A range the host was handed overlaps a buffer it already holds: two
    /// handles to one allocation would free it twice.
    #[error(
        "`{export}` handed over {len} bytes at {ptr:#x}, which overlap a buffer the host \
         already holds ({held})"
    )]
    OverlapsHeldBuffer {
        /// The export (or allocator) that handed the range over.
        export: String,
        /// Where the new range starts.
        ptr: u32,
        /// Its length.
        len: u32,
        /// The buffer it overlaps.
        held: crate::Leak,
    },
    /// A buffer given to a guest other than the one it came from.
    #[error(
        "the buffer of {len} bytes at {ptr:#x} from `{export}` belongs to another guest; \
         this one did not make it and cannot free it"
    )]
    ForeignBuffer {
        /// Where the buffer starts.
        ptr: u32,
        /// Its length.
        len: u32,
        /// The export it came from.
        export: String,
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
        cause(source)
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

/// What made a call fail, without the wasm backtrace wasmtime attaches (it
/// stays in the error's source): an error of this crate that a host function
/// returned, which names the function, or else the root cause, the trap.
fn cause(source: &wasmtime::Error) -> String {
    match source.downcast_ref::<Error>() {
        Some(own) => own.to_string(),
        None => source.root_cause().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_call_names_the_host_function_that_refused() {
        let refused = Error::BadArgument {
            function: "env.log".into(),
            source: GuestSliceError::Overflow {
                ptr: 8,
                len: u32::MAX,
            },
        };
        let error = Error::Call {
            export: "run".into(),
            guest_message: None,
            source: wasmtime::Error::new(refused).context("a wasm backtrace"),
        };
        assert_eq!(
            error.to_string(),
            "calling `run` failed: the guest passed a bad buffer to `env.log`: \
             4294967295 bytes at 0x8: the end overflows a 32-bit address"
        );
    }
}
