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
/// An engine whose instances live in `slots` preallocated slots, each with
/// one memory of at most 16 MiB; a slot is reused after its store is
/// dropped.
pub fn pooling_engine(slots: u32) -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_memories(slots)
        .total_core_instances(slots)
        .total_tables(slots)
        .max_memory_size(16 << 20);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}
// ANCHOR_END: pooling
