//! The book's hand-written host code, each step as one function: unpacking
//! a `(ptr, len)` (chapter 4), passing bytes in (chapter 3) and taking bytes
//! out (chapter 7). The utility crate does the same for every convention.

use wasmtime::error::Context as _;
use wasmtime::{AsContextMut, Instance, WasmResults, bail};

use wasm_memory_host::bounds::{GuestSliceError, read_bytes};

// ANCHOR: unpack
/// Splits a `u64` packed the way this book packs it: the pointer in the low
/// 32 bits, the length in the high 32 bits.
pub fn unpack_ptr_len(packed: u64) -> (u32, u32) {
    let ptr = packed as u32; // `as` keeps the low 32 bits
    let len = (packed >> 32) as u32;
    (ptr, len)
}
// ANCHOR_END: unpack

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

// ANCHOR: take_bytes
/// Copies out a buffer that the guest handed over as a packed `(ptr, len)`,
/// then gives it back with the guest's `deallocate(ptr, len)`, so that no
/// caller can forget the second step. A read that fails for the length cap
/// or bad UTF-8 still frees; a `(ptr, len)` outside the guest's memory is not
/// a buffer the guest allocated, so it is not handed back.
pub fn take_bytes(
    mut store: impl AsContextMut,
    instance: &Instance,
    packed: u64,
    max_len: u32,
) -> wasmtime::Result<Vec<u8>> {
    let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
    let memory = instance
        .get_memory(&mut store, "memory")
        .context("the guest does not export its memory")?;
    let (ptr, len) = unpack_ptr_len(packed);
    let bytes = read_bytes(&store, &memory, ptr, len, max_len);
    if !matches!(
        bytes,
        Err(GuestSliceError::OutOfBounds { .. } | GuestSliceError::Overflow { .. })
    ) {
        deallocate.call(&mut store, (ptr, len))?;
    }
    Ok(bytes?)
}
// ANCHOR_END: take_bytes

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Module, Store, Trap};

    #[test]
    fn unpack_takes_the_pointer_from_the_low_bits() {
        assert_eq!(unpack_ptr_len(0x0000_0005_0010_0000), (0x0010_0000, 5));
    }

    /// A guest whose `allocate` hands out address 16, whose `deallocate`
    /// counts its calls in a global, and whose `fails` always traps.
    const TRAPPING_GUEST: &str = r#"
        (module
          (memory (export "memory") 1)
          (global $frees (export "frees") (mut i32) (i32.const 0))
          (func (export "allocate") (param i32) (result i32) i32.const 16)
          (func (export "deallocate") (param i32 i32)
            (global.set $frees (i32.add (global.get $frees) (i32.const 1))))
          (func (export "fails") (param i32 i32) (result i32) unreachable))
    "#;

    #[test]
    fn the_buffer_is_freed_when_the_call_traps() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str(TRAPPING_GUEST)?)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;

        let result = call_with_bytes::<u32>(&mut store, &instance, "fails", b"input");

        let error = result.expect_err("the call traps");
        assert_eq!(
            error.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        let frees = instance.get_global(&mut store, "frees").expect("exported");
        assert_eq!(frees.get(&mut store).unwrap_i32(), 1);
        Ok(())
    }
}
