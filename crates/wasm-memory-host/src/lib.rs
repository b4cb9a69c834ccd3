//! The host side of sharing memory with WebAssembly guests, over wasmtime.
//!
//! A guest hands the host numbers; this crate turns them into bytes without
//! trusting them, and makes the allocate / call / free dance one call, inside
//! the host's own linker and store:
//!
//! ```
//! # fn main() -> Result<(), wasm_memory_host::Error> {
//! # let engine = wasmtime::Engine::default();
//! # let wasm = wat::parse_file(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/guest.wat")).expect("assembles");
//! # let module = wasmtime::Module::new(&engine, wasm)?;
//! use wasm_memory_host::{Convention, Guest};
//!
//! // Any store data, any linker: the crate needs only the instance.
//! let mut store = wasmtime::Store::new(&engine, ());
//! let instance = wasmtime::Linker::new(&engine).instantiate(&mut store, &module)?;
//!
//! // `allocate`/`deallocate`, results packed pointer-low: what `wasm-memory-guest` exports.
//! let guest = Guest::new(&mut store, instance, Convention::allocate_deallocate_packed())?;
//! let greet = guest.export(&mut store, "greet")?; // resolved and checked once
//! assert_eq!(greet.call_string(&mut store, "Ferris")?, "Hello, Ferris!");
//! # Ok(())
//! # }
//! ```
//!
//! What it does for you:
//!
//! - **Conventions are explicit.** [`Convention`] says how the guest
//!   allocates ([`Allocator`]: `allocate`/`deallocate`, `malloc`/`free`,
//!   `cabi_realloc`, AssemblyScript's runtime, under any export names), how
//!   it returns a `(ptr, len)` ([`Results`]: packed in either
//!   [`PackingOrder`], multi-value, or an AssemblyScript object), the length
//!   cap, and the memory's name. Nothing is guessed; a convention that
//!   contradicts itself is refused ([`Convention::check`]), and
//!   [`Guest::new`] checks the exports and their types up front.
//! - **Export handles.** [`Guest::export`] (bytes in, bytes out),
//!   [`Guest::input_export`] (bytes in, numbers out) and
//!   [`Guest::output_export`] (numbers in, bytes out) resolve and
//!   type-check an export once; calling an [`Export`] then costs
//!   the guest's own calls and the copy, with no lookup or allocation
//!   besides the returned bytes (and no lock while the host holds no
//!   buffers: only then does the overlap check need the ledger).
//! - **Nothing from the guest is trusted.** Every `(ptr, len)` is checked
//!   against the memory's current size with arithmetic that cannot overflow,
//!   the length is capped before the host allocates, strings are validated
//!   as UTF-8, and errors ([`Error`]) name the export, the pointer, the
//!   length and the memory size. [`bounds`] is that core on its own.
//! - **No stale views.** A [`Guest`] holds no view of memory; every method
//!   takes the store and looks at memory as it is now, so a `memory.grow`
//!   inside a call cannot leave the host with a dangling slice.
//! - **What must be freed is freed**, by [`Export::call_bytes`] also when
//!   the call traps, and buffers the host holds are [`GuestBuffer`] values
//!   that go back, once, to the guest they came from, with
//!   [`Guest::release`]; no two overlap. [`Guest::check_leaks`] names any
//!   that were not given back, with the line that created them.
//! - **Host functions.** From a `Caller`, [`Guest::from_caller`] reads the
//!   calling guest's arguments with the same checks and hands bytes over
//!   through its allocator ([`Guest::hand_over`]).
//! - **Why a guest trapped.** [`define_message_imports`] (done for you by
//!   [`GuestBuilder`]) lets guests report a message before trapping, which
//!   [`Error::Call`] carries.
//! - **Typed values.** [`Guest::read_value`] and [`Guest::write_value`]
//!   move `#[repr(C)]` structs in and out with bounds and alignment checks.
//! - **Your store, your limits.** The crate never makes a store for you
//!   unless asked ([`GuestBuilder`]), so `StoreLimits`, fuel, epoch
//!   deadlines and `InstancePre` work as they do without it.

mod allocator;
pub mod bounds;
mod buffers;
mod builder;
mod convention;
mod error;
mod exports;
mod guest;
mod host_functions;
mod ledger;
mod messages;
mod values;

pub use builder::{GuestBuilder, GuestState};
pub use convention::{Allocator, Convention, DEFAULT_MAX_LEN, PackingOrder, Results};
pub use error::Error;
pub use exports::{Export, InputExport, OutputExport};
pub use guest::Guest;
pub use ledger::{GuestBuffer, Leak};
pub use messages::{GuestMessages, define_message_imports};

#[cfg(target_endian = "big")]
compile_error!("guest memory is little-endian; this crate reads values as the host's own");
