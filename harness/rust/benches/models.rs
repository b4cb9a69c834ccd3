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
//!   component's generated code does: what that check costs;
//! - `lift_*`: chapter 16's borrowed lifting, a `String` or `Vec<u8>` (a
//!   copy) against a `WasmStr` or `WasmList<u8>` read in place, for a
//!   result and for an import's argument.
//!
//! ```console
//! $ cargo bench -p book-harness --bench models
//! ```
//!
//! To see where one case spends its time, profile its binary with
//! `BOOK_PERF_MAP=1` (see `engine`), for example
//! `BOOK_PERF_MAP=1 perf record -g <binary> --bench shout_component
//! --sample-count 2000`, then
//! `perf report --no-children --sort dso,sym`.
//!
//! `ci/bench` runs it beside the Go host's (raw wazero, Extism) and writes
//! `benchmarks/models.md`, which chapter 17 shows.

use book_harness::component;
use book_harness::models::{HandWritten, WithUtility};
use divan::Bencher;
use divan::counter::BytesCount;
use wasmtime::component::{
    Component, ComponentNamedList, Lift, Linker, TypedFunc, WasmList, WasmStr,
};
use wasmtime::{Config, Engine, ProfilingStrategy, StoreContextMut};

const SIZES: [usize; 4] = [16, 1 << 10, 64 << 10, 1 << 20];

fn main() {
    divan::main();
}

/// The engine of every case: wasmtime's defaults. With `BOOK_PERF_MAP`
/// set, wasmtime also writes `/tmp/perf-<pid>.map`, which names the guests'
/// compiled functions for `perf report`: how chapter 17 found where the
/// component's `shout` gained its lead.
fn engine() -> Engine {
    let mut config = Config::new();
    if std::env::var_os("BOOK_PERF_MAP").is_some() {
        config.profiler(ProfilingStrategy::PerfMap);
    }
    Engine::new(&config).expect("a valid configuration")
}

/// `size` bytes of ASCII text: the input of both operations.
fn input(size: usize) -> String {
    "x".repeat(size)
}

fn hand_written() -> HandWritten {
    HandWritten::new(&engine(), book_harness::CH17_HAND_WRITTEN).expect("instantiates")
}

fn utility() -> WithUtility {
    WithUtility::new(&engine(), book_harness::CH17_HAND_WRITTEN).expect("instantiates")
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
    let mut guest =
        WithUtility::with_shout(&engine(), book_harness::CH17_HAND_WRITTEN, "shout_trusting")
            .expect("instantiates");
    let text = input(size);
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| guest.shout(&text).expect("shouts"));
}

#[divan::bench(args = SIZES)]
fn shout_component(bencher: Bencher, size: usize) {
    let (mut store, shouter) = component::instantiate(&engine(), "bench").expect("instantiates");
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
    let (mut store, shouter) = component::instantiate(&engine(), "bench").expect("instantiates");
    let bytes = input(size).into_bytes();
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| shouter.call_checksum(&mut store, &bytes).expect("sums"));
}

#[divan::bench(args = SIZES)]
fn checksum_component_core(bencher: Bencher, size: usize) {
    let mut store = wasmtime::Store::new(&engine(), ());
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

// Chapter 16's borrowed lifting, side by side with the copies: `shout`'s
// result lifted as a `String` or as a `WasmStr` read in place, and bytes a
// guest passes to a host import lifted as a `Vec<u8>` or as a
// `WasmList<u8>` read in place (chapter 16's `sends-bytes.wat`, which
// hands the host `size` bytes of its memory; the host sums them).

#[divan::bench(args = SIZES)]
fn lift_result_string(bencher: Bencher, size: usize) {
    let (mut store, instance) = component::instance(&engine(), "bench").expect("instantiates");
    let shout = instance
        .get_typed_func::<(&str,), (String,)>(&mut store, "shout")
        .expect("exported");
    let text = input(size);
    bencher.counter(BytesCount::new(size)).bench_local(|| {
        let (shouted,) = shout.call(&mut store, (&text,)).expect("shouts");
        shouted.len()
    });
}

/// Reads the result after `call`, which ran post-return: the bytes of a
/// block the guest has freed (chapter 16, "Borrowed lifting on the host").
#[divan::bench(args = SIZES)]
fn lift_result_wasm_str(bencher: Bencher, size: usize) {
    let (mut store, instance) = component::instance(&engine(), "bench").expect("instantiates");
    let shout = instance
        .get_typed_func::<(&str,), (WasmStr,)>(&mut store, "shout")
        .expect("exported");
    let text = input(size);
    bencher.counter(BytesCount::new(size)).bench_local(|| {
        let (shouted,) = shout.call(&mut store, (&text,)).expect("shouts");
        shouted.to_str(&store).expect("UTF-8").len()
    });
}

/// The wrapping sum of the bytes, the host's work on what it was sent.
fn sum(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0u32, |sum, &byte| sum.wrapping_add(u32::from(byte)))
}

/// `sends-bytes.wat`, with `sink` as the host's import, and its `send`.
fn sends_bytes<P>(
    sink: impl Fn(StoreContextMut<'_, u32>, P) -> wasmtime::Result<()> + Send + Sync + 'static,
) -> (wasmtime::Store<u32>, TypedFunc<(u32,), ()>)
where
    P: ComponentNamedList + Lift + 'static,
{
    let engine = engine();
    let component =
        Component::from_file(&engine, book_harness::CH16_SENDS_BYTES).expect("compiles");
    let mut linker = Linker::new(&engine);
    linker.root().func_wrap("sink", sink).expect("links");
    let mut store = wasmtime::Store::new(&engine, 0);
    let instance = linker
        .instantiate(&mut store, &component)
        .expect("instantiates");
    let send = instance
        .get_typed_func::<(u32,), ()>(&mut store, "send")
        .expect("exported");
    (store, send)
}

#[divan::bench(args = SIZES)]
fn lift_argument_vec(bencher: Bencher, size: usize) {
    let (mut store, send) = sends_bytes(|mut store, (bytes,): (Vec<u8>,)| {
        *store.data_mut() = sum(&bytes);
        Ok(())
    });
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| send.call(&mut store, (size as u32,)).expect("sends"));
}

#[divan::bench(args = SIZES)]
fn lift_argument_wasm_list(bencher: Bencher, size: usize) {
    let (mut store, send) = sends_bytes(|mut store, (bytes,): (WasmList<u8>,)| {
        *store.data_mut() = sum(bytes.as_le_slice(&store));
        Ok(())
    });
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| send.call(&mut store, (size as u32,)).expect("sends"));
}
