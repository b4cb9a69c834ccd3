//! Starting over with a new instance (chapter 15), shared by its tests and
//! its benchmark: the growing guest linked once, and an engine with
//! wasmtime's pooling allocator.

use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module,
    PoolingAllocationConfig,
};

/// The growing guest of chapter 15, compiled for `engine` and linked once:
/// it needs no imports, so the linker is empty.
pub fn growing_guest(engine: &Engine) -> wasmtime::Result<InstancePre<()>> {
    let module = Module::from_file(engine, crate::CH15_GROWING_GUEST)?;
    Linker::new(engine).instantiate_pre(&module)
}

// ANCHOR: pooling
/// An engine whose instances live in preallocated slots: up to 4 at once,
/// each with one memory of at most 16 MiB, and slots reused after a store
/// is dropped.
pub fn pooling_engine() -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_memories(4)
        .total_core_instances(4)
        .total_tables(4)
        .max_memory_size(16 << 20);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}
// ANCHOR_END: pooling
