//! Instantiating a listing in a test: one helper for every kind of guest.

use std::time::Duration;

use wasm_memory_host::{Convention, GuestMessages, define_message_imports};
use wasmtime::{Instance, Linker, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{Deterministic, HostMonotonicClock, HostWallClock, WasiCtxBuilder};

/// What the store of every listing holds: its WASI state (a Go guest's
/// system interface), what it wrote to stderr (where a Go panic prints its
/// message), the last message it reported before trapping, and its limits.
pub struct Host {
    wasi: WasiP1Ctx,
    stderr: MemoryOutputPipe,
    messages: GuestMessages,
    limits: StoreLimits,
}

impl Host {
    /// Everything the guest wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }

    /// Where the message imports (`wasm_memory.report_error`, AssemblyScript's
    /// `env.abort`) put what the guest reported.
    pub fn messages(&self) -> &GuestMessages {
        &self.messages
    }
}

/// How a test sets a guest up: [`instantiate`] with the defaults, or
/// `Setup::default().env("GOGC", "off").instantiate(path)`.
#[derive(Default)]
pub struct Setup<'a> {
    env: Vec<(&'a str, &'a str)>,
    max_memory_pages: Option<usize>,
    skip_initialize: bool,
    #[allow(clippy::type_complexity)]
    host_functions: Option<Box<dyn FnOnce(&mut Linker<Host>) -> wasmtime::Result<()> + 'a>>,
}

impl<'a> Setup<'a> {
    /// Leaves a reactor's `_initialize` uncalled: only for the test that
    /// shows what calling an export before it does.
    pub fn skip_initialize(mut self) -> Self {
        self.skip_initialize = true;
        self
    }

    /// An environment variable for the guest (the Go runtime reads `GOGC`).
    pub fn env(mut self, key: &'a str, value: &'a str) -> Self {
        self.env.push((key, value));
        self
    }

    /// Memories may not grow past `pages`: `memory.grow` beyond returns -1,
    /// so allocators fail.
    pub fn max_memory_pages(mut self, pages: usize) -> Self {
        self.max_memory_pages = Some(pages);
        self
    }

    /// Host functions that `define` adds to the linker, for guests that
    /// import more than WASI and the message imports (and to replace those).
    pub fn host_functions(
        mut self,
        define: impl FnOnce(&mut Linker<Host>) -> wasmtime::Result<()> + 'a,
    ) -> Self {
        self.host_functions = Some(Box::new(define));
        self
    }
}

// ANCHOR: instantiate
impl Setup<'_> {
    /// Instantiates a compiled listing, whatever its language: links WASI
    /// preview 1 (which the Go runtime needs) and the message imports, then
    /// runs `_initialize` if the guest is a reactor.
    pub fn instantiate(self, wasm_path: &str) -> wasmtime::Result<(Store<Host>, Instance)> {
        let module = crate::module(wasm_path)?;
        let mut linker = Linker::new(crate::engine());
        linker.allow_shadowing(true);
        // Go's wasip1 port imports its system interface from `wasi_snapshot_preview1`.
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |host: &mut Host| &mut host.wasi)?;
        define_message_imports(
            &mut linker,
            &Convention::allocate_deallocate_packed(),
            |host: &mut Host| &host.messages,
        )?;
        if let Some(define) = self.host_functions {
            define(&mut linker)?;
        }

        let stderr = MemoryOutputPipe::new(64 * 1024);
        let wasi = WasiCtxBuilder::new()
            .envs(&self.env)
            .stderr(stderr.clone())
            // The same "random" bytes and the same clock readings every run,
            // however busy the machine: every run of an experiment sees the same
            // heap, and the collector paces itself the same way.
            .secure_random(Deterministic::new(vec![4, 2]))
            .insecure_random(Deterministic::new(vec![4, 2]))
            .wall_clock(StepClock::default())
            .monotonic_clock(StepClock::default())
            .build_p1();
        let mut limits = StoreLimitsBuilder::new();
        if let Some(pages) = self.max_memory_pages {
            limits = limits.memory_size(pages * crate::PAGE_SIZE);
        }
        let host = Host {
            wasi,
            stderr,
            messages: GuestMessages::default(),
            limits: limits.build(),
        };
        let mut store = Store::new(crate::engine(), host);
        store.limiter(|host| &mut host.limits);
        let instance = linker.instantiate(&mut store, &module)?;

        // A reactor's `_initialize` starts the Go runtime and runs the package
        // initializers. Until it has run, calling an export is an error.
        if let Some(initialize) = instance
            .get_func(&mut store, "_initialize")
            .filter(|_| !self.skip_initialize)
        {
            initialize.typed::<(), ()>(&store)?.call(&mut store, ())?;
        }
        Ok((store, instance))
    }
}
// ANCHOR_END: instantiate

/// Instantiates a compiled listing with the default [`Setup`]: what most
/// tests, and the book's own host blocks, start with.
pub fn instantiate(wasm_path: &str) -> wasmtime::Result<(Store<Host>, Instance)> {
    Setup::default().instantiate(wasm_path)
}

/// A clock that advances one microsecond each time it is read.
#[derive(Default)]
struct StepClock {
    reads: std::sync::atomic::AtomicU64,
}

impl StepClock {
    fn tick(&self) -> u64 {
        1_000
            * (1 + self
                .reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl HostMonotonicClock for StepClock {
    fn resolution(&self) -> u64 {
        1_000
    }

    fn now(&self) -> u64 {
        self.tick()
    }
}

impl HostWallClock for StepClock {
    fn resolution(&self) -> Duration {
        Duration::from_micros(1)
    }

    fn now(&self) -> Duration {
        Duration::from_nanos(self.tick())
    }
}
