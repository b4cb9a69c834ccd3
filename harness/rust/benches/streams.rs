//! Chapter 16's `stream<u8>` against the other ways to hand a guest the
//! same bytes, for the same work (`checksum`: the wrapping sum of the
//! bytes, one number back), at 16 B, 1 KiB, 64 KiB and 1 MiB:
//!
//! - `checksum_hand_written`: raw wasmtime calls (allocate, write, call,
//!   free) into chapter 17's hand-written guest
//!   ([`book_harness::models::HandWritten`]);
//! - `checksum_list`: the bytes whole, as a `list<u8>`: the `checksum-list`
//!   export of chapter 16's `streamer` component (the same summing function
//!   and allocator as its stream exports), lowered by wasmtime through
//!   `cabi_realloc`;
//! - `checksum_stream_4k`, `checksum_stream_64k`: the bytes as a
//!   `stream<u8>`, which the same guest reads into one buffer of 4 KiB or
//!   64 KiB, filled in place by the host
//!   ([`book_harness::component::streams::Feed`]).
//!
//! ```console
//! $ cargo bench -p book-harness --bench streams
//! ```
//!
//! `ci/bench` runs it and writes `benchmarks/streams.md`, which chapter 16
//! shows.

use std::sync::Arc;

use book_harness::component::streams::Feed;
use book_harness::models::HandWritten;
use divan::Bencher;
use divan::counter::BytesCount;
use futures::executor::block_on;
use wasmtime::component::{Component, Instance, Linker, StreamReader, TypedFunc};
use wasmtime::{Engine, Store};

const SIZES: [usize; 4] = [16, 1 << 10, 64 << 10, 1 << 20];

fn main() {
    divan::main();
}

/// `size` bytes of ASCII text, as chapter 17's benchmark uses.
fn input(size: usize) -> Vec<u8> {
    vec![b'x'; size]
}

/// The streamer component, on an engine of its own.
fn streamer() -> (Store<()>, Instance) {
    let engine = Engine::default();
    let component =
        Component::from_file(&engine, book_harness::CH16_STREAMER_COMPONENT).expect("compiles");
    let mut store = Store::new(&engine, ());
    let instance = block_on(Linker::new(&engine).instantiate_async(&mut store, &component))
        .expect("instantiates");
    (store, instance)
}

#[divan::bench(args = SIZES)]
fn checksum_hand_written(bencher: Bencher, size: usize) {
    let mut guest = HandWritten::new(&Engine::default(), book_harness::CH17_HAND_WRITTEN)
        .expect("instantiates");
    let bytes = input(size);
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| guest.checksum(&bytes).expect("sums"));
}

#[divan::bench(args = SIZES)]
fn checksum_list(bencher: Bencher, size: usize) {
    let (mut store, instance) = streamer();
    let checksum: TypedFunc<(&[u8],), (u32,)> = instance
        .get_typed_func(&mut store, "checksum-list")
        .expect("exported");
    let bytes = input(size);
    bencher
        .counter(BytesCount::new(size))
        .bench_local(|| checksum.call(&mut store, (&bytes,)).expect("sums"));
}

/// One call of the streamer's `checksum`, the guest reading `capacity`
/// bytes at a time: a new stream per call, one instance for all.
fn checksum_stream(bencher: Bencher, size: usize, capacity: u32) {
    let (mut store, instance) = streamer();
    let checksum: TypedFunc<(StreamReader<u8>, u32), (u32,)> = instance
        .get_typed_func(&mut store, "checksum")
        .expect("exported");
    let bytes: Arc<[u8]> = Arc::from(input(size));
    bencher.counter(BytesCount::new(size)).bench_local(|| {
        let (feed, _) = Feed::new(bytes.clone(), usize::MAX);
        let stream = StreamReader::new(&mut store, feed).expect("a stream");
        block_on(store.run_concurrent(async move |accessor| {
            checksum.call_concurrent(accessor, (stream, capacity)).await
        }))
        .expect("runs")
        .expect("sums")
    });
}

#[divan::bench(args = SIZES)]
fn checksum_stream_4k(bencher: Bencher, size: usize) {
    checksum_stream(bencher, size, 4 << 10);
}

#[divan::bench(args = SIZES)]
fn checksum_stream_64k(bencher: Bencher, size: usize) {
    checksum_stream(bencher, size, 64 << 10);
}
