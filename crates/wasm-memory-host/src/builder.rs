//! Instantiating a guest in one step: its message imports, and for Go and
//! TinyGo reactors, WASI preview 1 and `_initialize`.

use wasmtime::{Engine, Linker, Module, Store};

use crate::{Convention, Error, Guest, define_message_imports};

/// What the store of a guest made by [`GuestBuilder`] holds.
#[derive(Default)]
pub struct GuestState {
    #[cfg(feature = "wasi")]
    wasi: Option<wasmtime_wasi::p1::WasiP1Ctx>,
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
///     .instantiate(&module, Convention::book())?;
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
    /// `module`, runs `_initialize` for a reactor, and checks `convention`.
    pub fn instantiate(
        self,
        module: &Module,
        convention: Convention,
    ) -> Result<(Store<GuestState>, Guest), Error> {
        let mut linker = Linker::new(&self.engine);
        let messages = define_message_imports(&mut linker)?;
        let mut state = GuestState::default();
        #[cfg(feature = "wasi")]
        let reactor = if let Some(mut wasi) = self.wasi {
            wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut GuestState| {
                state.wasi.as_mut().expect("WASI is set up for reactors")
            })?;
            state.wasi = Some(wasi.build_p1());
            true
        } else {
            false
        };
        let mut store = Store::new(&self.engine, state);
        let instance = linker.instantiate(&mut store, module)?;
        #[cfg(feature = "wasi")]
        if reactor {
            let initialize = instance.get_typed_func::<(), ()>(&mut store, "_initialize")?;
            initialize
                .call(&mut store, ())
                .map_err(|source| Error::Call {
                    export: "_initialize".to_owned(),
                    guest_message: messages.take(),
                    source,
                })?;
        }
        let guest = Guest::new(&mut store, instance, convention)?.with_messages(messages);
        Ok((store, guest))
    }
}
// ANCHOR_END: builder
