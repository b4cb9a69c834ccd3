//! `ci/soak`: a million round trips through `wasm-memory-host` in release
//! mode (`SOAK_ROUNDS` to change it), with progress, the figures, and a
//! failure if the guest's memory grew after the warm-up or anything was
//! left live or held. A bench target for its release build; it measures no
//! time that matters.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let rounds = std::env::var("SOAK_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(1_000_000);
    let warm_up = (rounds / 100).max(1);
    let started = Instant::now();
    let engine = wasmtime::Engine::default();
    let figures = book_harness::soak::soak(&engine, rounds, warm_up, rounds.div_ceil(10), |done| {
        eprintln!(
            "soak: {done} of {rounds} round trips, {:.1} s",
            started.elapsed().as_secs_f64()
        );
    });
    let figures = match figures {
        Ok(figures) => figures,
        Err(error) => {
            eprintln!("soak failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{} round trips of `shout` (inputs of 0 B to 64 KiB, in turn) in {:.1} s; the guest's \
         memory was {} pages after {warm_up} rounds of warm-up and {} pages at the end; \
         {} allocations were live in the guest and {} buffers held by the host.",
        figures.rounds,
        started.elapsed().as_secs_f64(),
        figures.pages_after_warm_up,
        figures.pages_at_end,
        figures.live_at_end,
        figures.held_at_end,
    );
    let steady = figures.pages_at_end == figures.pages_after_warm_up;
    if steady && figures.live_at_end == 0 && figures.held_at_end == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("soak failed: memory grew after the warm-up, or something was left behind");
        ExitCode::FAILURE
    }
}
