//! Passing bytes in: the round trip of chapter 3, as one function.

use wasmtime::error::Context as _;
use wasmtime::{AsContextMut, Instance, WasmResults, bail};

// ANCHOR: call_with_bytes
/// Calls the guest export `export(ptr, len)` on a copy of `input` placed in
/// the guest's memory through its `allocate` / `deallocate` exports.
pub fn call_with_bytes<R: WasmResults>(
    mut store: impl AsContextMut,
    instance: &Instance,
    export: &str,
    input: &[u8],
) -> wasmtime::Result<R> {
    let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
    let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
    let function = instance.get_typed_func::<(u32, u32), R>(&mut store, export)?;
    let memory = instance
        .get_memory(&mut store, "memory")
        .context("the guest does not export its memory")?;

    // 1. The guest reserves room in its memory. The host owns that buffer now.
    let len = u32::try_from(input.len()).context("input larger than 4 GiB")?;
    let ptr = allocate.call(&mut store, len)?;
    if ptr == 0 {
        bail!("the guest could not allocate {len} bytes");
    }
    // 2. The host copies its bytes in. `write` checks the bounds.
    memory.write(&mut store, ptr as usize, input)?;
    // 3. The guest reads them in place.
    let result = function.call(&mut store, (ptr, len));
    // 4. The host frees its buffer, with the size it asked for, also when
    //    the call failed.
    let freed = deallocate.call(&mut store, (ptr, len));
    let value = result?;
    freed?;
    Ok(value)
}
// ANCHOR_END: call_with_bytes
