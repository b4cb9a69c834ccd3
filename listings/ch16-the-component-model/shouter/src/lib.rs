//! The task of chapter 17 as a component: `wit-bindgen` generates the
//! canonical ABI's side of the guest from `wit/shouter.wit`, so the code
//! below takes and returns `String`, `Vec<u8>` and a struct. The builder
//! turns the core module into a component with `wit-component`.

use wasm_memory_guest::{CheckedAllocator, ReportNowhere};

// ANCHOR: guest
wit_bindgen::generate!({ world: "shouter", path: "wit" });

struct Shouter;

impl Guest for Shouter {
    /// The argument arrives in a buffer the host allocated with
    /// `cabi_realloc`; the `String` owns it, and frees it when dropped.
    fn shout(text: String) -> String {
        text.to_uppercase()
    }

    fn checksum(bytes: Vec<u8>) -> u32 {
        sum(&bytes)
    }

    fn measure(bytes: Vec<u8>) -> Stats {
        Stats {
            length: bytes.len() as u32,
            checksum: sum(&bytes),
        }
    }

    fn greet() -> String {
        format!("Hello, {}!", host_name())
    }

    fn live() -> u32 {
        ALLOCATOR.live_count() as u32
    }
}

export!(Shouter);
// ANCHOR_END: guest

/// The wrapping sum of the bytes, as in every model of chapter 17.
fn sum(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0u32, |sum, &byte| sum.wrapping_add(u32::from(byte)))
}

// A component may import only what its world declares: no report import.
#[global_allocator]
static ALLOCATOR: CheckedAllocator<std::alloc::System, ReportNowhere> =
    CheckedAllocator::unreported(std::alloc::System);
