//! Chapter 17's task under every model that runs on wasmtime, side by side
//! in one run, at 16 B, 1 KiB, 64 KiB and 1 MiB:
//!
//! - `*_host_copy`: the input copied on the host (`to_vec`), the floor;
//! - `*_hand_written`: raw wasmtime calls, no checks
//!   ([`book_harness::models::HandWritten`]);
//! - `*_utility`: the same guest through `wasm-memory-host`
//!   ([`book_harness::models::WithUtility`]);
//! - `*_component`: the component of chapter 16 through the bindings
//!   `wasmtime::component::bindgen!` generated;
//! - `checksum_component_core`: the component's core module called by
//!   hand, as chapter 16's `the_canonical_abi_by_hand` does: the guest's
//!   code without wasmtime's lifting and lowering;
//! - `shout_utility_trusting`: the utility again, calling the guest's
//!   `shout_trusting`, which skips the UTF-8 check of its input as the
//!   component's generated code does: what that check costs.
//!
//! ```console
//! $ cargo bench -p book-harness --bench models
//! ```
//!
//! `ci/bench` runs it beside the Go host's (raw wazero, Extism) and writes
//! `benchmarks/models.md`, which chapter 17 shows.

use book_harness::component;
use book_harness::models::{HandWritten, WithUtility};
use divan::Bencher;
use divan::counter::BytesCount;
use wasmtime::Engine;

const SIZES: [usize; 4] = [16, 1 << 10, 64 << 10, 1 << 20];

fn main() {
    divan::main();
}

/// `size` bytes of ASCII text: the input of both operations.
fn input(size: usize) -> String {
    "x".repeat(size)
}

fn hand_written() -> HandWritten {
    HandWritten::new(&Engine::default(), book_harness::CH17_HAND_WRITTEN).expect("instantiates")
}

fn utility() -> WithUtility {
    WithUtility::new(&Engine::default(), book_harness::CH17_HAND_WRITTEN).expect("instantiates")
}

#[divan::bench(args = SIZES)]
fn shout_host_copy(bencher: Bencher, size: usize) {
    let text = input(size);
    bencher
        .counter(BytesCount::new(size))
        .bench(|| divan::black_box(text.as_bytes()).to_vec());
}

#[divan::bench(args = SIZES)]
fn shout_hand_written(bencher: Bencher, size: usize) {
    let (mut guest, text) = (hand_written(), input(size));
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| guest.shout(&text).expect("shouts"));
}

#[divan::bench(args = SIZES)]
fn shout_utility(bencher: Bencher, size: usize) {
    let (mut guest, text) = (utility(), input(size));
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| guest.shout(&text).expect("shouts"));
}

#[divan::bench(args = SIZES)]
fn shout_utility_trusting(bencher: Bencher, size: usize) {
    let mut guest = WithUtility::with_shout(
        &Engine::default(),
        book_harness::CH17_HAND_WRITTEN,
        "shout_trusting",
    )
    .expect("instantiates");
    let text = input(size);
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| guest.shout(&text).expect("shouts"));
}

#[divan::bench(args = SIZES)]
fn shout_component(bencher: Bencher, size: usize) {
    let (mut store, shouter) =
        component::instantiate(&Engine::default(), "bench").expect("instantiates");
    let text = input(size);
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| shouter.call_shout(&mut store, &text).expect("shouts"));
}

#[divan::bench(args = SIZES)]
fn checksum_host_copy(bencher: Bencher, size: usize) {
    let bytes = input(size).into_bytes();
    bencher
        .counter(BytesCount::new(size))
        .bench(|| divan::black_box(&bytes).to_vec());
}

#[divan::bench(args = SIZES)]
fn checksum_hand_written(bencher: Bencher, size: usize) {
    let (mut guest, bytes) = (hand_written(), input(size).into_bytes());
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| guest.checksum(&bytes).expect("sums"));
}

#[divan::bench(args = SIZES)]
fn checksum_utility(bencher: Bencher, size: usize) {
    let (mut guest, bytes) = (utility(), input(size).into_bytes());
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| guest.checksum(&bytes).expect("sums"));
}

#[divan::bench(args = SIZES)]
fn checksum_component(bencher: Bencher, size: usize) {
    let (mut store, shouter) =
        component::instantiate(&Engine::default(), "bench").expect("instantiates");
    let bytes = input(size).into_bytes();
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| shouter.call_checksum(&mut store, &bytes).expect("sums"));
}

#[divan::bench(args = SIZES)]
fn checksum_component_core(bencher: Bencher, size: usize) {
    let mut store = wasmtime::Store::new(&Engine::default(), ());
    let instance = component::core_instance(&mut store).expect("instantiates");
    let memory = instance.get_memory(&mut store, "memory").expect("exported");
    let realloc = instance
        .get_typed_func::<(u32, u32, u32, u32), u32>(&mut store, "cabi_realloc")
        .expect("exported");
    let checksum = instance
        .get_typed_func::<(u32, u32), u32>(&mut store, "checksum")
        .expect("exported");
    let bytes = input(size).into_bytes();
    bencher.counter(BytesCount::new(size)).bench_local(|| {
        // The canonical ABI's steps: allocate, write, call; the export
        // owns its argument and frees it.
        let ptr = realloc
            .call(&mut store, (0, 0, 1, size as u32))
            .expect("allocates");
        memory.data_mut(&mut store)[ptr as usize..][..size].copy_from_slice(&bytes);
        checksum.call(&mut store, (ptr, size as u32)).expect("sums")
    });
}
