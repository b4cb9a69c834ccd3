//! What starting over costs (chapter 15): one request to the growing guest
//! (`listings/ch15-memory-only-grows/growing-guest`, `work_fresh(n)`)
//! served three ways, side by side in one run:
//!
//! - `long_lived`: by an instance made once, whose memory stays at its peak;
//! - `fresh_on_demand`: by a new instance from an `InstancePre` (a new
//!   store, instantiated, called, dropped), with wasmtime's default
//!   allocator, which maps a new memory for each;
//! - `fresh_pooled`: the same with the pooling allocator, which reuses a
//!   preallocated slot and resets it.
//!
//! ```console
//! $ cargo bench -p book-harness --bench instances
//! ```
//!
//! `ci/bench` runs it and writes the table chapter 15 shows.

use book_harness::recycling::{growing_guest, pooling_engine};
use divan::Bencher;
use wasmtime::{Engine, InstancePre, Store};

/// Request sizes: none (what an instance costs by itself), one that fits
/// the guest's initial memory, and one that grows it by 128 pages.
const SIZES: [u32; 3] = [0, 64 << 10, 8 << 20];

fn main() {
    divan::main();
}

/// Serves one request of `size` bytes on a new instance of `pre`, dropped
/// afterwards.
fn fresh_request(pre: &InstancePre<()>, size: u32) -> u32 {
    let mut store = Store::new(pre.module().engine(), ());
    let instance = pre.instantiate(&mut store).expect("instantiates");
    let work = instance
        .get_typed_func::<u32, u32>(&mut store, "work_fresh")
        .expect("exports work_fresh");
    work.call(&mut store, size).expect("the request succeeds")
}

#[divan::bench(args = SIZES)]
fn long_lived(bencher: Bencher, size: u32) {
    let pre = growing_guest(&Engine::default()).expect("the compiled listing");
    let mut store = Store::new(pre.module().engine(), ());
    let instance = pre.instantiate(&mut store).expect("instantiates");
    let work = instance
        .get_typed_func::<u32, u32>(&mut store, "work_fresh")
        .expect("exports work_fresh");
    bencher.bench_local(|| work.call(&mut store, size).expect("the request succeeds"));
}

#[divan::bench(args = SIZES)]
fn fresh_on_demand(bencher: Bencher, size: u32) {
    let pre = growing_guest(&Engine::default()).expect("the compiled listing");
    bencher.bench_local(|| fresh_request(&pre, size));
}

#[divan::bench(args = SIZES)]
fn fresh_pooled(bencher: Bencher, size: u32) {
    let engine = pooling_engine(1).expect("a pooling engine"); // one request at a time
    let pre = growing_guest(&engine).expect("the compiled listing");
    bencher.bench_local(|| fresh_request(&pre, size));
}
