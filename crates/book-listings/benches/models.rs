//! Chapter 17's task under every model that runs on wasmtime, side by side
//! in one run, at 16 B, 1 KiB, 64 KiB and 1 MiB:
//!
//! - `*_host_copy`: the input copied on the host (`to_vec`), the floor;
//! - `*_hand_written`: raw wasmtime calls, no checks
//!   ([`book_listings::models::HandWritten`]);
//! - `*_utility`: the same guest through `wasm-memory-host`
//!   ([`book_listings::models::WithUtility`]);
//! - `*_component`: the component of chapter 16 through the bindings
//!   `wasmtime::component::bindgen!` generated.
//!
//! ```console
//! $ cargo bench -p book-listings --bench models
//! ```
//!
//! `ci/bench` runs it beside the Go host's (raw wazero, Extism) and writes
//! `benchmarks/models.md`, which chapter 17 shows.

use book_listings::component;
use book_listings::models::{HandWritten, WithUtility};
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
    HandWritten::new(&Engine::default(), book_listings::CH17_HAND_WRITTEN).expect("instantiates")
}

fn utility() -> WithUtility {
    WithUtility::new(&Engine::default(), book_listings::CH17_HAND_WRITTEN).expect("instantiates")
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
