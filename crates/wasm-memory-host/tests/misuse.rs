//! Misuse that would free a buffer twice, or hold one that is not the
//! host's to hold, refused with an error instead, against small guests in
//! the text format.

use wasm_memory_host::{Allocator, Convention, Error, Guest, PackingOrder, Results};
use wasmtime::{Engine, Instance, Module, Store};

/// A guest with `allocate`/`deallocate` (or `malloc`/`free`, by name) that
/// count live buffers, and exports that misbehave: `same` hands its input
/// back as its result, `object` returns an AssemblyScript-like object.
const GUEST: &str = r#"
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (global $live (mut i32) (i32.const 0))
  (func $alloc (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $next))
    (global.set $next (i32.add (global.get $next) (i32.add (local.get $size) (i32.const 8))))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (local.get $ptr))
  (func $free (param i32)
    (global.set $live (i32.sub (global.get $live) (i32.const 1))))
  (func (export "allocate") (param i32) (result i32) (call $alloc (local.get 0)))
  (func (export "deallocate") (param i32 i32) (call $free (local.get 0)))
  (func (export "malloc") (param i32) (result i32) (call $alloc (local.get 0)))
  (func (export "free") (param i32) (call $free (local.get 0)))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (call $alloc (local.get 3)))
  (func (export "__new") (param i32 i32) (result i32) (call $alloc (local.get 0)))
  (func (export "__pin") (param i32) (result i32) (local.get 0))
  (func (export "__unpin") (param i32))
  (func (export "live") (result i32) (global.get $live))
  (func (export "same") (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))
            (i64.extend_i32_u (local.get $ptr))))
  (func (export "object") (result i32) (i32.const 1024))
  (func (export "trap") (param i32 i32) (result i32) unreachable)
  (func (export "length") (param i32 i32) (result i32) (local.get 1))
  (func (export "object_length") (param i32) (result i32) (i32.const 5))
)
"#;

fn guest(allocator: Allocator, results: Results) -> Result<(Store<()>, Guest), Error> {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(GUEST).expect("assembles"))?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let guest = Guest::new(&mut store, instance, Convention::new(allocator, results))?;
    Ok((store, guest))
}

fn live(store: &mut Store<()>, guest: &Guest) -> Result<u32, Error> {
    let live = guest.typed_func::<(), u32>(&mut *store, "live")?;
    Ok(live.call(&mut *store, ())?)
}

const POINTER_LOW: Results = Results::Packed(PackingOrder::PointerLow);

#[test]
fn a_result_that_is_the_input_is_refused_and_freed_once() -> Result<(), Error> {
    let (mut store, guest) = guest(Allocator::allocate_deallocate(), POINTER_LOW)?;
    let same = guest.export(&mut store, "same")?;
    let error = same.call_bytes(&mut store, b"twice?").unwrap_err();
    assert!(
        matches!(&error, Error::OverlapsHeldBuffer { export, len: 6, .. } if export == "same"),
        "{error}"
    );
    assert_eq!(live(&mut store, &guest)?, 0, "freed once, as the input");
    Ok(())
}

#[test]
fn an_empty_buffer_under_free_counts_as_its_address() -> Result<(), Error> {
    let (mut store, guest) = guest(Allocator::malloc_free(), POINTER_LOW)?;
    let empty = guest.adopt(&store, "malloc", 2048, 0)?;
    // `free(2048)` twice would free one allocation twice.
    let error = guest.adopt(&store, "malloc", 2048, 0).unwrap_err();
    assert!(matches!(error, Error::OverlapsHeldBuffer { .. }), "{error}");
    // And an empty result at the input's address is the input again.
    let same = guest.export(&mut store, "same")?;
    let error = same.call_bytes(&mut store, b"").unwrap_err();
    assert!(matches!(error, Error::OverlapsHeldBuffer { .. }), "{error}");
    guest.release(&mut store, empty)?;
    Ok(())
}

#[test]
fn an_empty_buffer_under_deallocate_occupies_nothing() -> Result<(), Error> {
    // Rust guests hand out one dangling address for every empty buffer.
    let (store, guest) = guest(Allocator::allocate_deallocate(), POINTER_LOW)?;
    let first = guest.adopt(&store, "allocate", 1, 0)?;
    let second = guest.adopt(&store, "allocate", 1, 0)?;
    let mut store = store;
    guest.release(&mut store, first)?;
    guest.release(&mut store, second)?;
    Ok(())
}

#[test]
fn the_canonical_abi_has_no_input_to_hold() -> Result<(), Error> {
    let (mut store, guest) = guest(Allocator::cabi_realloc(), POINTER_LOW)?;
    let error = guest.copy_in(&mut store, b"mine?").unwrap_err();
    assert!(matches!(error, Error::Unsupported { .. }), "{error}");
    assert_eq!(live(&mut store, &guest)?, 0, "refused before allocating");
    Ok(())
}

#[test]
fn an_assemblyscript_result_is_not_held() -> Result<(), Error> {
    let (mut store, guest) = guest(Allocator::AssemblyScript, Results::ObjectHeader)?;
    let object = guest.output_export::<()>(&mut store, "object")?;
    let error = object.call_buffer(&mut store, ()).unwrap_err();
    assert!(matches!(error, Error::Unsupported { .. }), "{error}");
    let error = guest.adopt(&store, "object", 1024, 4).unwrap_err();
    assert!(matches!(error, Error::Unsupported { .. }), "{error}");
    // Read at once, it is fine: its header says 0 bytes.
    assert_eq!(object.call(&mut store, ())?, b"");
    Ok(())
}

#[test]
fn an_input_export_frees_its_input_when_the_call_traps() -> Result<(), Error> {
    let (mut store, guest) = guest(Allocator::allocate_deallocate(), POINTER_LOW)?;
    let trap = guest.input_export::<u32>(&mut store, "trap")?;
    let error = trap.call(&mut store, b"input").unwrap_err();
    assert!(matches!(error, Error::Call { .. }), "{error}");
    assert_eq!(live(&mut store, &guest)?, 0);
    Ok(())
}

#[test]
fn an_input_export_of_another_type_is_refused() -> Result<(), Error> {
    let (mut store, guest) = guest(Allocator::allocate_deallocate(), POINTER_LOW)?;
    let error = guest.input_export::<u64>(&mut store, "trap").unwrap_err();
    assert_eq!(
        error.to_string(),
        "`trap` does not have the type this convention expects ((i32, i32) -> u64): \
         type mismatch with results"
    );
    Ok(())
}

#[test]
fn an_input_export_under_the_canonical_abi_leaves_the_input_to_the_export() -> Result<(), Error> {
    // The input belongs to the export, which frees it itself: the host
    // calls no free (this guest's `length` frees nothing, so it stays live).
    let (mut store, guest) = guest(Allocator::cabi_realloc(), POINTER_LOW)?;
    let length = guest.input_export::<u32>(&mut store, "length")?;
    assert_eq!(length.call(&mut store, b"input")?, 5);
    assert_eq!(live(&mut store, &guest)?, 1);
    Ok(())
}

#[test]
fn an_input_export_under_assemblyscript_passes_an_array_buffer() -> Result<(), Error> {
    let (mut store, guest) = guest(Allocator::AssemblyScript, Results::ObjectHeader)?;
    let length = guest.input_export::<u32>(&mut store, "object_length")?;
    assert_eq!(length.call(&mut store, b"input")?, 5);
    Ok(())
}
