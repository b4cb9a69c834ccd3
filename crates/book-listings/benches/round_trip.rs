//! A round trip of n bytes through chapter 4's `greet` (which copies its
//! input into a new buffer), with `wasm-memory-host`, with raw wasmtime calls
//! and no checks, and a plain host copy of the same bytes, in one run:
//!
//! ```console
//! $ cargo bench -p book-listings --bench round_trip
//! ```
//!
//! `ci/bench` runs it beside the Go host's benchmarks and writes the ratios
//! that chapter 11 shows.

use divan::Bencher;
use wasm_memory_host::{Convention, Guest};
use wasmtime::{Engine, Instance, Module, Store};

const SIZES: [usize; 2] = [16, 1 << 20];

fn main() {
    divan::main();
}

/// A bare store, as a host of its own would make, not the test harness's
/// (WASI, message imports, a limiter): the baseline is raw wasmtime.
fn instance() -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module =
        Module::from_file(&engine, book_listings::CH04_PACKED_RETURN).expect("compiled listing");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    (store, instance)
}

/// The bytes copied on the host, and nothing else: the floor.
#[divan::bench(args = SIZES)]
fn memcpy(bencher: Bencher, size: usize) {
    let input = vec![b'x'; size];
    bencher
        .counter(divan::counter::BytesCount::new(size))
        .bench(|| divan::black_box(&input).to_vec());
}

/// allocate, write, call, read, deallocate twice: raw wasmtime calls, no
/// checks of what the guest returns.
#[divan::bench(args = SIZES)]
fn raw_wasmtime(bencher: Bencher, size: usize) {
    let (mut store, instance) = instance();
    let allocate = instance
        .get_typed_func::<u32, u32>(&mut store, "allocate")
        .expect("export");
    let deallocate = instance
        .get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")
        .expect("export");
    let greet = instance
        .get_typed_func::<(u32, u32), u64>(&mut store, "greet")
        .expect("export");
    let memory = instance.get_memory(&mut store, "memory").expect("export");
    let input = vec![b'x'; size];
    let len = size as u32;
    bencher
        .counter(divan::counter::BytesCount::new(size))
        .bench_local(|| {
            let ptr = allocate.call(&mut store, len).expect("allocates");
            memory.data_mut(&mut store)[ptr as usize..][..size].copy_from_slice(&input);
            let packed = greet.call(&mut store, (ptr, len)).expect("greets");
            deallocate.call(&mut store, (ptr, len)).expect("frees");
            let (out, out_len) = (packed as u32, (packed >> 32) as u32);
            let bytes = memory.data(&store)[out as usize..][..out_len as usize].to_vec();
            deallocate.call(&mut store, (out, out_len)).expect("frees");
            bytes
        });
}

/// The same with `Guest::call_bytes`: every check, every free.
#[divan::bench(args = SIZES)]
fn guest_call_bytes(bencher: Bencher, size: usize) {
    let (mut store, instance) = instance();
    let guest =
        Guest::new(&mut store, instance, Convention::book()).expect("the book's convention");
    let input = vec![b'x'; size];
    bencher
        .counter(divan::counter::BytesCount::new(size))
        .bench_local(|| {
            guest
                .call_bytes(&mut store, "greet", &input)
                .expect("round trip")
        });
}
