//! Running an AssemblyScript guest: it imports `env.abort`, which its
//! runtime calls with a message before it traps.

use wasm_memory_host::GuestMessages;
use wasm_memory_host::bounds::{GuestSliceError, read_bytes};
use wasmtime::{AsContext, Instance, Linker, Memory, Store};

// ANCHOR: length
/// The length of the managed object at `ptr`: AssemblyScript stores it, in
/// bytes, in the 32-bit `rtSize` field of the object header, 4 bytes before
/// the object's first byte.
pub fn object_length(
    store: impl AsContext,
    memory: &Memory,
    ptr: u32,
) -> Result<u32, GuestSliceError> {
    let header = ptr.saturating_sub(4);
    let bytes = read_bytes(store, memory, header, 4, 4)?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}
// ANCHOR_END: length

/// Instantiates an AssemblyScript guest whose `abort` puts its message in
/// the returned [`GuestMessages`], then traps.
pub fn instantiate_assemblyscript(
    wasm_path: &str,
) -> wasmtime::Result<(Store<()>, Instance, GuestMessages)> {
    let module = crate::module(wasm_path)?;
    let mut linker = Linker::new(crate::engine());
    let messages = wasm_memory_host::define_message_imports(&mut linker)?;
    let mut store = Store::new(crate::engine(), ());
    let instance = linker.instantiate(&mut store, &module)?;
    Ok((store, instance, messages))
}
