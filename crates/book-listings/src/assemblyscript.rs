//! Running an AssemblyScript guest: it imports `env.abort`, which its
//! runtime calls with a message before it traps.

use wasmtime::error::Context as _;
use wasmtime::{AsContext, Caller, Extern, Instance, Linker, Memory, Store};

use crate::guest_memory::{GuestSliceError, read_bytes};

/// The longest string the host reads out of an AssemblyScript guest.
const MAX_STRING_BYTES: u32 = 64 * 1024;

/// What the store of an AssemblyScript guest holds: the last message the
/// guest passed to `abort`, with the file, line and column.
pub type LastAbort = Option<String>;

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

/// Reads an AssemblyScript `string` (UTF-16) at `ptr`.
pub fn read_string(store: impl AsContext, memory: &Memory, ptr: u32) -> wasmtime::Result<String> {
    let len = object_length(&store, memory, ptr)?;
    let bytes = read_bytes(&store, memory, ptr, len, MAX_STRING_BYTES)?;
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).context("an AssemblyScript string that is not UTF-16")
}

// ANCHOR: instantiate
/// Instantiates an AssemblyScript guest whose `abort` records its message in
/// the store, then traps.
pub fn instantiate_assemblyscript(
    wasm_path: &str,
) -> wasmtime::Result<(Store<LastAbort>, Instance)> {
    let module = crate::module(wasm_path)?;
    let mut linker = Linker::new(crate::engine());
    linker.func_wrap(
        "env",
        "abort",
        |mut caller: Caller<'_, LastAbort>,
         message: u32,
         file: u32,
         line: u32,
         column: u32|
         -> wasmtime::Result<()> {
            let memory = caller
                .get_export("memory")
                .and_then(Extern::into_memory)
                .context("the guest does not export its memory")?;
            let message = read_string(&caller, &memory, message)?;
            let file = read_string(&caller, &memory, file)?;
            *caller.data_mut() = Some(format!("{message} ({file}:{line}:{column})"));
            wasmtime::bail!("the guest aborted")
        },
    )?;
    let mut store = Store::new(crate::engine(), None);
    let instance = linker.instantiate(&mut store, &module)?;
    Ok((store, instance))
}
// ANCHOR_END: instantiate
