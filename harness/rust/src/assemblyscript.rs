//! Reading an AssemblyScript guest's managed objects: their length is in the
//! object header, not in what the export returns.

use wasm_memory_host::bounds::{GuestSliceError, read_bytes};
use wasmtime::{AsContext, Memory};

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
