//! Round trips of n bytes through the benchmark guest
//! (`listings/ch08-a-small-utility/round-trip`), measured side by side in
//! one run:
//!
//! - `memcpy`: the bytes copied on the host, and nothing else: the floor;
//! - `raw_wasmtime`: allocate, write, `echo`, read, deallocate twice, written
//!   out with raw wasmtime calls and no checks;
//! - `utility`: the same through `wasm-memory-host`'s [`Export::call_bytes`],
//!   every check and every free;
//! - `reused`: two buffers allocated once and reused, one call per round
//!   trip (`Guest::write`, `echo_into`, `Guest::read_into`);
//! - `bare`: one call of `noop`, the cost of entering the guest at all.
//!
//! ```console
//! $ cargo bench -p book-harness --bench round_trip
//! ```
//!
//! `ci/bench` runs it beside the Go host's benchmarks and writes the table
//! and the ratios that chapters 8 and 11 show.

use divan::Bencher;
use wasm_memory_host::{Convention, Export, Guest};
use wasmtime::{Engine, Instance, Module, Store};

const SIZES: [usize; 5] = [16, 1 << 10, 64 << 10, 1 << 20, 16 << 20];

fn main() {
    divan::main();
}

/// A bare store, as a host of its own would make, not the test harness's
/// (WASI, message imports, a limiter): the baseline is raw wasmtime.
fn instance() -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module =
        Module::from_file(&engine, book_harness::CH08_ROUND_TRIP).expect("compiled listing");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    (store, instance)
}

fn guest() -> (Store<()>, Guest) {
    let (mut store, instance) = instance();
    let guest = Guest::new(
        &mut store,
        instance,
        Convention::allocate_deallocate_packed(),
    )
    .expect("the book's convention");
    (store, guest)
}

#[divan::bench(args = SIZES)]
fn memcpy(bencher: Bencher, size: usize) {
    let input = vec![b'x'; size];
    bencher
        .counter(divan::counter::BytesCount::new(size))
        .bench(|| divan::black_box(&input).to_vec());
}

#[divan::bench(args = SIZES)]
fn raw_wasmtime(bencher: Bencher, size: usize) {
    let (mut store, instance) = instance();
    let allocate = instance
        .get_typed_func::<u32, u32>(&mut store, "allocate")
        .expect("export");
    let deallocate = instance
        .get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")
        .expect("export");
    let echo = instance
        .get_typed_func::<(u32, u32), u64>(&mut store, "echo")
        .expect("export");
    let memory = instance.get_memory(&mut store, "memory").expect("export");
    let input = vec![b'x'; size];
    let len = size as u32;
    bencher
        .counter(divan::counter::BytesCount::new(size))
        .bench_local(|| {
            let ptr = allocate.call(&mut store, len).expect("allocates");
            memory.data_mut(&mut store)[ptr as usize..][..size].copy_from_slice(&input);
            let packed = echo.call(&mut store, (ptr, len)).expect("echoes");
            deallocate.call(&mut store, (ptr, len)).expect("frees");
            let (out, out_len) = (packed as u32, (packed >> 32) as u32);
            let bytes = memory.data(&store)[out as usize..][..out_len as usize].to_vec();
            deallocate.call(&mut store, (out, out_len)).expect("frees");
            bytes
        });
}

#[divan::bench(args = SIZES)]
fn utility(bencher: Bencher, size: usize) {
    let (mut store, guest) = guest();
    let echo: Export = guest.export(&mut store, "echo").expect("checked once");
    let input = vec![b'x'; size];
    bencher
        .counter(divan::counter::BytesCount::new(size))
        .bench_local(|| echo.call_bytes(&mut store, &input).expect("round trip"));
}

#[divan::bench(args = SIZES)]
fn reused(bencher: Bencher, size: usize) {
    let (mut store, guest) = guest();
    let input = vec![b'x'; size];
    let input_buffer = guest.copy_in(&mut store, &input).expect("allocated once");
    let output_buffer = guest.copy_in(&mut store, &input).expect("allocated once");
    let echo_into = guest
        .typed_func::<(u32, u32, u32), ()>(&mut store, "echo_into")
        .expect("export");
    let mut out = Vec::with_capacity(size);
    bencher
        .counter(divan::counter::BytesCount::new(size))
        .bench_local(|| {
            guest
                .write(&mut store, &input_buffer, &input)
                .expect("fits");
            let (ptr, len) = (input_buffer.ptr(), input_buffer.len());
            echo_into
                .call(&mut store, (ptr, len, output_buffer.ptr()))
                .expect("copies");
            guest
                .read_into(&store, &output_buffer, &mut out)
                .expect("reads");
        });
    guest.release(&mut store, input_buffer).expect("released");
    guest.release(&mut store, output_buffer).expect("released");
}

#[divan::bench]
fn bare(bencher: Bencher) {
    let (mut store, guest) = guest();
    let noop = guest
        .typed_func::<(), ()>(&mut store, "noop")
        .expect("export");
    bencher.bench_local(|| noop.call(&mut store, ()).expect("returns"));
}
