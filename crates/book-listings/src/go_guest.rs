//! Running a Go guest: a `wasip1` reactor needs WASI preview 1 and a call to
//! `_initialize` before any other export.

use std::time::Duration;

use wasmtime::{Instance, Linker, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{Deterministic, HostMonotonicClock, HostWallClock, WasiCtxBuilder};

/// What the store of a Go guest holds: its WASI state, and what it wrote to
/// stderr (where a Go panic prints its message).
pub struct GoGuest {
    wasi: WasiP1Ctx,
    stderr: MemoryOutputPipe,
}

impl GoGuest {
    /// Everything the guest wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

// ANCHOR: instantiate
/// Instantiates a Go reactor with the environment variables `env` (the Go
/// runtime reads `GOGC` from there) and runs its `_initialize`.
pub fn instantiate_go(
    wasm_path: &str,
    env: &[(&str, &str)],
) -> wasmtime::Result<(Store<GoGuest>, Instance)> {
    instantiate_go_with(wasm_path, env, |_| Ok(()))
}

/// Like [`instantiate_go`], with host functions that `define` adds to the
/// linker, for guests that import more than WASI.
pub fn instantiate_go_with(
    wasm_path: &str,
    env: &[(&str, &str)],
    define: impl FnOnce(&mut Linker<GoGuest>) -> wasmtime::Result<()>,
) -> wasmtime::Result<(Store<GoGuest>, Instance)> {
    let module = crate::module(wasm_path)?;
    let mut linker = Linker::new(crate::engine());
    // Go's wasip1 port imports its system interface from `wasi_snapshot_preview1`.
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |guest: &mut GoGuest| &mut guest.wasi)?;
    define(&mut linker)?;

    let stderr = MemoryOutputPipe::new(64 * 1024);
    let wasi = WasiCtxBuilder::new()
        .envs(env)
        .stderr(stderr.clone())
        // The same "random" bytes and the same clock readings every run,
        // however busy the machine: every run of an experiment sees the same
        // heap, and the collector paces itself the same way.
        .secure_random(Deterministic::new(vec![4, 2]))
        .insecure_random(Deterministic::new(vec![4, 2]))
        .wall_clock(StepClock::default())
        .monotonic_clock(StepClock::default())
        .build_p1();
    let mut store = Store::new(crate::engine(), GoGuest { wasi, stderr });
    let instance = linker.instantiate(&mut store, &module)?;

    // A reactor's `_initialize` starts the Go runtime and runs the package
    // initializers. Until it has run, calling an export is an error.
    let initialize = instance.get_typed_func::<(), ()>(&mut store, "_initialize")?;
    initialize.call(&mut store, ())?;
    Ok((store, instance))
}
// ANCHOR_END: instantiate

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
