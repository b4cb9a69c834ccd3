//! Instantiating a guest in one step, in a store of its own: a convenience
//! over the crate's functions, for hosts that need nothing else. A host with
//! its own linker, store data, limits or imports calls those functions
//! itself: [`crate::define_message_imports`],
//! `wasmtime_wasi::p1::add_to_linker_sync`, [`Guest::new`] and
//! [`Guest::initialize_reactor`].

use wasmtime::{Engine, Linker, Module, Store};

use crate::{Convention, Error, Guest, GuestMessages, define_message_imports};

/// What the store of a guest made by [`GuestBuilder`] holds.
pub struct GuestState {
    messages: GuestMessages,
    /// Linked only for a reactor; empty (no files, environment or stdio)
    /// unless the builder was given a context.
    #[cfg(feature = "wasi")]
    wasi: wasmtime_wasi::p1::WasiP1Ctx,
}

impl GuestState {
    /// Where the guest's messages go.
    pub fn messages(&self) -> &GuestMessages {
        &self.messages
    }
}

// ANCHOR: builder
/// Instantiates a module as a [`Guest`], in a store of its own.
///
/// ```
/// # fn main() -> Result<(), wasm_memory_host::Error> {
/// # let reactor_wasm = wat::parse_file(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/guest.wat")).expect("assembles");
/// use wasm_memory_host::{Convention, GuestBuilder};
///
/// let engine = wasmtime::Engine::default();
/// let module = wasmtime::Module::new(&engine, reactor_wasm)?;
/// let (mut store, guest) = GuestBuilder::new(&engine)
///     .wasi_reactor() // a Go or TinyGo reactor: WASI preview 1, then `_initialize`
///     .instantiate(&module, Convention::allocate_deallocate_packed())?;
/// assert_eq!(guest.call_string(&mut store, "shout", "hello")?, "HELLO");
/// # Ok(())
/// # }
/// ```
pub struct GuestBuilder {
    engine: Engine,
    #[cfg(feature = "wasi")]
    wasi: Option<wasmtime_wasi::WasiCtxBuilder>,
}

impl GuestBuilder {
    /// A builder for modules compiled with `engine`.
    pub fn new(engine: &Engine) -> Self {
        GuestBuilder {
            engine: engine.clone(),
            #[cfg(feature = "wasi")]
            wasi: None,
        }
    }

    /// For a WASI preview 1 *reactor* (Go's `-buildmode=c-shared`, TinyGo's
    /// too): link WASI preview 1, with no access to the host's files,
    /// environment or stdio, and call `_initialize` before anything else.
    #[cfg(feature = "wasi")]
    pub fn wasi_reactor(self) -> Self {
        self.wasi_reactor_with(wasmtime_wasi::WasiCtxBuilder::new())
    }

    /// Like [`Self::wasi_reactor`], with the WASI context `wasi` describes
    /// (environment variables, stdio, and so on).
    #[cfg(feature = "wasi")]
    pub fn wasi_reactor_with(mut self, wasi: wasmtime_wasi::WasiCtxBuilder) -> Self {
        self.wasi = Some(wasi);
        self
    }

    /// Links the message imports (and WASI if asked), instantiates
    /// `module`, checks `convention`, and runs `_initialize` for a reactor.
    ///
    /// # Errors
    ///
    /// - [`Error::Setup`] if wasmtime cannot instantiate `module`: it
    ///   imports something the builder does not define, or with another
    ///   type (it defines the message imports, and WASI preview 1 for a
    ///   reactor), or its start function traps;
    /// - those of [`Guest::new`]: [`Error::InvalidConvention`],
    ///   [`Error::MissingExport`], [`Error::WrongSignature`];
    /// - for a reactor, those of [`Guest::initialize_reactor`]: no
    ///   `_initialize` of type `() -> ()` ([`Error::MissingExport`],
    ///   [`Error::WrongSignature`]), or [`Error::Call`] if it traps.
    pub fn instantiate(
        self,
        module: &Module,
        convention: Convention,
    ) -> Result<(Store<GuestState>, Guest), Error> {
        let mut linker = Linker::new(&self.engine);
        define_message_imports(&mut linker, &convention, |state: &mut GuestState| {
            &state.messages
        })?;
        #[cfg(feature = "wasi")]
        let reactor = self.wasi.is_some();
        let state = GuestState {
            messages: GuestMessages::default(),
            #[cfg(feature = "wasi")]
            wasi: self.wasi.unwrap_or_default().build_p1(),
        };
        #[cfg(feature = "wasi")]
        if reactor {
            wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut GuestState| {
                &mut state.wasi
            })?;
        }
        let mut store = Store::new(&self.engine, state);
        let instance = linker.instantiate(&mut store, module)?;
        let messages = store.data().messages.clone();
        let guest = Guest::new(&mut store, instance, convention)?.with_messages(messages);
        #[cfg(feature = "wasi")]
        if reactor {
            guest.initialize_reactor(&mut store)?;
        }
        Ok((store, guest))
    }
}
// ANCHOR_END: builder
