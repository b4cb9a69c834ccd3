//! A guest that takes a `stream<u8>` and gives one back. Every read lends
//! the free space of a `Vec` to the host until the read completes; every
//! write lends the bytes of one. wit-bindgen's async support (its `async`
//! feature) turns each `async fn` into the canonical ABI's async exports.

use wit_bindgen::{StreamReader, StreamResult};

// ANCHOR: guest
wit_bindgen::generate!({ world: "streamer", path: "wit" });

struct Streamer;

impl Guest for Streamer {
    async fn checksum(mut input: StreamReader<u8>, capacity: u32) -> u32 {
        let mut sum = 0u32;
        let mut buffer = Vec::with_capacity(capacity as usize);
        loop {
            // `read` takes the Vec, and gives `stream.read` the address and
            // the length of its free space: the bytes land there, and the
            // Vec comes back with its length grown by as many.
            let (result, returned) = input.read(buffer).await;
            buffer = returned;
            if let StreamResult::Dropped | StreamResult::Cancelled = result {
                return sum;
            }
            sum = add(sum, &buffer);
            // A full Vec has no free space: the next read would ask for 0.
            buffer.clear();
        }
    }
    // ANCHOR_END: guest

    /// The whole list at once: a buffer as long as the input, allocated
    /// by the host through `cabi_realloc`, freed when `bytes` drops.
    fn checksum_list(bytes: Vec<u8>) -> u32 {
        add(0, &bytes)
    }

    // ANCHOR: landings
    async fn landings(mut input: StreamReader<u8>, capacity: u32) -> Vec<Landing> {
        let mut landings = Vec::new();
        let mut buffer: Vec<u8> = Vec::with_capacity(capacity as usize);
        loop {
            if buffer.len() == buffer.capacity() {
                buffer.clear();
            }
            // The (ptr, count) that `read` gives `stream.read`.
            let free = buffer.spare_capacity_mut();
            let (address, asked) = (free.as_ptr() as u32, free.len() as u32);
            let before = buffer.len();
            let (result, returned) = input.read(buffer).await;
            buffer = returned;
            match result {
                StreamResult::Complete(_) => landings.push(Landing {
                    address,
                    asked,
                    bytes: buffer[before..].to_vec(),
                }),
                StreamResult::Dropped | StreamResult::Cancelled => return landings,
            }
        }
    }
    // ANCHOR_END: landings

    // ANCHOR: shout
    async fn shout(mut input: StreamReader<u8>, capacity: u32) -> StreamReader<u8> {
        let (mut output, reader) = wit_stream::new::<u8>();
        // The host gets `reader` when this function returns (`task.return`),
        // and only then can it read: the writing happens after, in a task
        // that wit-bindgen keeps running (its `async-spawn` feature).
        wit_bindgen::spawn_local(async move {
            let mut buffer = Vec::with_capacity(capacity as usize);
            loop {
                let (result, mut chunk) = input.read(buffer).await;
                if let StreamResult::Dropped | StreamResult::Cancelled = result {
                    break;
                }
                chunk.make_ascii_uppercase();
                // `write` lends the bytes until the host has taken some. It
                // may take fewer than all: `Complete(n)` gives the buffer
                // back with a cursor after those n, and the rest is the
                // guest's again, to write again, change or drop.
                let (mut result, mut rest) = output.write(chunk).await;
                while let StreamResult::Complete(_) = result
                    && rest.remaining() > 0
                {
                    (result, rest) = output.write_buf(rest).await;
                }
                if rest.remaining() > 0 {
                    break; // the host dropped its end
                }
                // The same allocation, empty: the next read lands in it.
                buffer = rest.into_vec();
            }
            // `output` drops here: the end of the host's stream.
        });
        reader
    }
    // ANCHOR_END: shout
}

export!(Streamer);

/// The wrapping sum of the bytes, added to `sum`: chapter 17's `checksum`.
/// A function of its own, shared by both exports: written inline in the
/// `async fn`, the same fold took twice as long at 1 MiB in one run of
/// `benches/streams.rs` (not profiled).
fn add(sum: u32, bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(sum, |sum, &byte| sum.wrapping_add(u32::from(byte)))
}
