//! Chapter 18's soak: round trips through the utility, many times over,
//! and the figures that say whether anything leaks. The tests run a short
//! one in debug mode; `ci/soak` runs a million in release mode.

use wasm_memory_host::{Convention, GuestBuilder};
use wasmtime::{Engine, Module};

/// What a soak measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    /// Round trips made: allocate, write, call, read, free twice.
    pub rounds: u64,
    /// The guest's memory, in pages, after the warm-up rounds.
    pub pages_after_warm_up: u64,
    /// The guest's memory, in pages, at the end.
    pub pages_at_end: u64,
    /// Allocations live in the guest at the end.
    pub live_at_end: u32,
    /// Buffers on the host's ledger at the end.
    pub held_at_end: usize,
}

/// The sizes of the inputs, in turn: empty, small, a page, and larger.
const SIZES: [usize; 5] = [0, 1, 100, 4096, 65_536];

/// Makes `rounds` round trips of chapter 17's `shout` through
/// `wasm-memory-host`, the first `warm_up` of them to let the guest's heap
/// reach its size, and checks each result. Calls `progress` with the number
/// done every `report_every` rounds.
pub fn soak(
    engine: &Engine,
    rounds: u64,
    warm_up: u64,
    report_every: u64,
    mut progress: impl FnMut(u64),
) -> wasmtime::Result<Figures> {
    let module = Module::from_file(engine, crate::CH17_HAND_WRITTEN)?;
    let (mut store, guest) =
        GuestBuilder::new(engine).instantiate(&module, Convention::allocate_deallocate_packed())?;
    let shout = guest.export(&mut store, "shout")?;
    let live = guest.typed_func::<(), u32>(&mut store, "live")?;
    let inputs: Vec<Vec<u8>> = SIZES.iter().map(|&size| vec![b'a'; size]).collect();
    let pages = |store: &wasmtime::Store<_>| guest.memory().size(store);
    let mut pages_after_warm_up = pages(&store);
    for round in 0..rounds {
        let input = &inputs[round as usize % inputs.len()];
        let shouted = shout.call_bytes(&mut store, input)?;
        if shouted.len() != input.len() || shouted.iter().any(|&byte| byte != b'A') {
            wasmtime::bail!("round {round}: `shout` returned other bytes");
        }
        if round + 1 == warm_up {
            pages_after_warm_up = pages(&store);
        }
        if (round + 1) % report_every == 0 {
            progress(round + 1);
        }
    }
    Ok(Figures {
        rounds,
        pages_after_warm_up,
        pages_at_end: pages(&store),
        live_at_end: live.call(&mut store, ())?,
        held_at_end: guest.outstanding().len(),
    })
}
