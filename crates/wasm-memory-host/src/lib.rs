//! The host side of sharing memory with WebAssembly guests, over wasmtime.
//!
//! A guest hands the host numbers; this crate turns them into bytes without
//! trusting them, and makes the allocate / call / free dance one call:
//!
//! ```
//! # fn main() -> Result<(), wasm_memory_host::Error> {
//! # let engine = wasmtime::Engine::default();
//! # let wasm = wat::parse_file(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/guest.wat")).expect("assembles");
//! # let module = wasmtime::Module::new(&engine, wasm)?;
//! # let mut store = wasmtime::Store::new(&engine, ());
//! # let instance = wasmtime::Instance::new(&mut store, &module, &[])?;
//! use wasm_memory_host::{Convention, Guest};
//!
//! // `allocate`/`deallocate`, results packed pointer-low: this book's guests.
//! let guest = Guest::new(&mut store, instance, Convention::book())?;
//! assert_eq!(guest.call_string(&mut store, "greet", "Ferris")?, "Hello, Ferris!");
//! # Ok(())
//! # }
//! ```
//!
//! What it does for you:
//!
//! - **Conventions are explicit.** [`Convention`] says how the guest
//!   allocates ([`Allocator`]: `allocate`/`deallocate`, `malloc`/`free`,
//!   `cabi_realloc`, AssemblyScript's runtime), how it returns a `(ptr, len)`
//!   ([`Results`]: packed in either [`PackingOrder`], multi-value, or an
//!   AssemblyScript object), the length cap, and the export names. Nothing is
//!   guessed; [`Guest::new`] checks the exports and their types up front.
//! - **Nothing from the guest is trusted.** Every `(ptr, len)` is checked
//!   against the memory's current size with arithmetic that cannot overflow,
//!   the length is capped before the host allocates, strings are validated
//!   as UTF-8, and errors ([`Error`]) name the export, the pointer, the
//!   length and the memory size. [`bounds`] is that core on its own.
//! - **No stale views.** A [`Guest`] holds no view of memory; every method
//!   takes the store and looks at memory as it is now, so a `memory.grow`
//!   inside a call cannot leave the host with a dangling slice.
//! - **What must be freed is freed**, by [`Guest::call_bytes`] also when the
//!   call traps, and buffers the host holds are [`GuestBuffer`] values that
//!   must be given back with [`Guest::release`]: [`Guest::check_leaks`] names
//!   any that were not, with the line that created them.
//! - **Why a guest trapped.** [`define_message_imports`] (done for you by
//!   [`GuestBuilder`]) lets guests report a message before trapping, which
//!   [`Error::Call`] carries.
//! - **Typed values.** [`Guest::read_value`] and [`Guest::write_value`]
//!   move `#[repr(C)]` structs in and out with bounds and alignment checks.

pub mod bounds;
mod builder;
mod convention;
mod error;
mod guest;
mod ledger;
mod messages;

pub use builder::{GuestBuilder, GuestState};
pub use convention::{Allocator, Convention, DEFAULT_MAX_LEN, PackingOrder, Results};
pub use error::Error;
pub use guest::Guest;
pub use ledger::{GuestBuffer, Leak};
pub use messages::{GuestMessages, define_message_imports};

#[cfg(target_endian = "big")]
compile_error!("guest memory is little-endian; this crate reads values as the host's own");
