//! Property tests of the read paths: the bounds check, the packing, the
//! reads from memory, and whole calls against a guest that returns
//! anything. Each property runs [`CASES`] cases (set `PROPTEST_CASES` to
//! change it) and fails if fewer ran; the invariants are stated on each.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use support::liar::{Case, Liar, MAX_GROWTH};
use wasm_memory_host::PackingOrder;
use wasm_memory_host::bounds::{GuestSliceError, checked_range, read_bytes, read_string};
use wasmtime::{Engine, Instance, Memory, MemoryType, Module, Store};

/// How many cases each property runs, unless `PROPTEST_CASES` says.
const CASES: u32 = 100_000;

/// Runs `property` over `strategy` for the configured number of cases, and
/// checks that they all ran.
fn check<S: Strategy>(name: &str, strategy: S, property: impl Fn(S::Value)) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(CASES);
    let ran = AtomicU32::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |value| {
        ran.fetch_add(1, Ordering::Relaxed);
        property(value);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{name}: {failure}");
    }
    let ran = ran.into_inner();
    assert!(ran >= cases, "{name}: {ran} cases ran, fewer than {cases}");
    eprintln!("{name}: {ran} cases passed");
}

/// A `u32` near the values where arithmetic goes wrong, or any.
fn edgy_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        0u32..64,
        (u32::MAX - 64)..=u32::MAX,
        (0u32..=4).prop_flat_map(|pages| {
            let end = pages * 65_536;
            end.saturating_sub(64)..=end.saturating_add(64)
        }),
    ]
}

fn packing_order() -> impl Strategy<Value = PackingOrder> {
    prop_oneof![
        Just(PackingOrder::PointerLow),
        Just(PackingOrder::PointerHigh)
    ]
}

/// `checked_range` never panics; it accepts exactly the ranges that end
/// inside memory with a length within the cap, and returns them; each
/// refusal is the first rule broken (cap, then 32-bit overflow, then the
/// end of memory), carries the values it was given, and its message names
/// them.
#[test]
fn checked_range_accepts_exactly_the_ranges_inside_memory() {
    let memory_size = prop_oneof![
        (0usize..=4).prop_map(|pages| pages * 65_536),
        any::<usize>()
    ];
    let strategy = (edgy_u32(), edgy_u32(), memory_size, edgy_u32());
    check(
        "checked_range",
        strategy,
        |(ptr, len, memory_size, max_len)| {
            let end = u64::from(ptr) + u64::from(len);
            match checked_range(ptr, len, memory_size, max_len) {
                Ok(range) => {
                    assert_eq!((range.start, range.end), (ptr as usize, end as usize));
                    assert!(len <= max_len && end <= memory_size as u64);
                }
                Err(error) => {
                    let expected = if len > max_len {
                        GuestSliceError::TooLong { ptr, len, max_len }
                    } else if end > u64::from(u32::MAX) {
                        GuestSliceError::Overflow { ptr, len }
                    } else {
                        assert!(end > memory_size as u64, "refused a range inside memory");
                        GuestSliceError::OutOfBounds {
                            ptr,
                            len,
                            memory_size,
                        }
                    };
                    assert_eq!(error, expected);
                    let message = error.to_string();
                    assert!(
                        message.contains(&format!("{len} bytes at {ptr:#x}")),
                        "{message}"
                    );
                }
            }
        },
    );
}

/// Packing and unpacking are inverses in both orders, and the two orders
/// are each other's halves swapped.
#[test]
fn packing_round_trips_in_both_orders() {
    check(
        "packing",
        (any::<u32>(), any::<u32>(), any::<u64>(), packing_order()),
        |(ptr, len, packed, order)| {
            assert_eq!(order.unpack(order.pack(ptr, len)), (ptr, len));
            let (low_ptr, low_len) = order.unpack(packed);
            assert_eq!(order.pack(low_ptr, low_len), packed);
            let (ptr_low, len_high) = PackingOrder::PointerLow.unpack(packed);
            assert_eq!(
                PackingOrder::PointerHigh.unpack(packed),
                (len_high, ptr_low)
            );
        },
    );
}

/// `read_bytes` and `read_string` return exactly the bytes `checked_range`
/// allows, never any outside memory, and a string only if it is UTF-8.
#[test]
fn reads_return_exactly_the_checked_bytes() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memories: Vec<Memory> = (0..=2)
        .map(|pages| {
            let memory = Memory::new(&mut store, MemoryType::new(pages, None)).expect("a memory");
            // Bytes that are UTF-8 in places and not in others.
            for (at, byte) in memory.data_mut(&mut store).iter_mut().enumerate() {
                *byte = (at % 251) as u8;
            }
            memory
        })
        .collect();
    let strategy = (0..memories.len(), edgy_u32(), 0u32..300, edgy_u32());
    check(
        "read_bytes and read_string",
        strategy,
        |(which, ptr, len, max_len)| {
            let memory = &memories[which];
            let data = memory.data(&store);
            let allowed = checked_range(ptr, len, data.len(), max_len);
            match (read_bytes(&store, memory, ptr, len, max_len), &allowed) {
                (Ok(bytes), Ok(range)) => assert_eq!(bytes, data[range.clone()]),
                (Err(error), Err(refused)) => assert_eq!(&error, refused),
                (read, allowed) => {
                    panic!("read_bytes {read:?} where checked_range says {allowed:?}")
                }
            }
            match (read_string(&store, memory, ptr, len, max_len), allowed) {
                (Ok(text), Ok(range)) => assert_eq!(text.as_bytes(), &data[range]),
                (Err(GuestSliceError::NotUtf8 { .. }), Ok(range)) => {
                    assert!(std::str::from_utf8(&data[range]).is_err());
                }
                (Err(error), Err(refused)) => assert_eq!(error, refused),
                (read, allowed) => {
                    panic!("read_string {read:?} where checked_range says {allowed:?}")
                }
            }
        },
    );
}

/// A whole call through the utility, whatever the guest returns and
/// wherever its allocator says the input goes: no panic, no byte read from
/// outside memory or past the cap, no free of a range outside memory, no
/// buffer left on the ledger, each buffer freed once, and every error
/// names the values (see `support::liar`).
#[test]
fn calls_keep_every_invariant_whatever_the_guest_returns() {
    let liar = Liar::new();
    let case = (
        0..=MAX_GROWTH,
        packing_order(),
        prop_oneof![Just(u32::MAX), 0u32..256, edgy_u32()],
        (
            prop_oneof![2040u32..2060, 3068u32..3100, edgy_u32()],
            prop_oneof![0u32..40, edgy_u32()],
        ),
        prop_oneof![Just(1024u32), Just(2048), edgy_u32()],
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        any::<bool>(),
    )
        .prop_map(
            |(growth, order, max_len, (ptr, len), allocation, input, utf8)| Case {
                growth,
                order,
                max_len,
                returned: order.pack(ptr, len),
                allocation,
                input,
                utf8,
            },
        );
    check("calls against the liar", case, |case| liar.check(&case));
}

/// The fuzz target's own entry, on stable: random bytes decoded as
/// libFuzzer's are (`Case::from_bytes`), then the same check.
#[test]
fn the_fuzz_target_holds_on_random_bytes() {
    let liar = Liar::new();
    let bytes = proptest::collection::vec(any::<u8>(), 0..64);
    check("the fuzz target's decoding", bytes, |bytes| {
        if let Some(case) = Case::from_bytes(&bytes) {
            liar.check(&case);
        }
    });
}

/// The liar (`fixtures/liar.wat`) does what these tests, the fuzz target
/// and the Go and JavaScript packages' tests rely on.
#[test]
fn the_liar_returns_what_it_is_told_and_counts_frees_outside_memory() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let wasm = wat::parse_file(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/liar.wat"))?;
    let module = Module::new(&engine, wasm)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let tell = instance.get_typed_func::<(u32, u64), ()>(&mut store, "tell")?;
    let lie = instance.get_typed_func::<(), u64>(&mut store, "lie")?;
    let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
    let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
    let count = |store: &mut Store<()>, name: &str| -> wasmtime::Result<u32> {
        instance
            .get_typed_func::<(), u32>(&mut *store, name)?
            .call(&mut *store, ())
    };
    tell.call(&mut store, (2048, u64::MAX))?;
    assert_eq!(lie.call(&mut store, ())?, u64::MAX);
    assert_eq!(allocate.call(&mut store, 16)?, 2048);
    deallocate.call(&mut store, (65_528, 8))?; // ends at the end: inside
    deallocate.call(&mut store, (65_528, 9))?; // one byte past it
    assert_eq!(
        (
            count(&mut store, "frees")?,
            count(&mut store, "frees_outside")?
        ),
        (2, 1)
    );
    Ok(())
}
