//! A guest that prints through WASI 0.3: `wasi:cli/stdout` takes the
//! readable end of a `stream<u8>`, and the guest writes its bytes into the
//! writable end, lending its buffer as `shout` of `streamer` does.

// ANCHOR: guest
// `generate_all`: bindings for the WASI interfaces too. Without it,
// wit-bindgen asks for a `with` mapping to bindings made elsewhere.
wit_bindgen::generate!({ world: "printer", path: "wit", generate_all });

// `ErrorCode` is the world's `use` of `wasi:cli/types`.
use wasi::cli::stdout;

struct Printer;

impl Guest for Printer {
    async fn print(text: Vec<u8>) -> Result<(), ErrorCode> {
        let (mut writer, reader) = wit_stream::new::<u8>();
        // stdout takes the readable end, and answers with a future.
        let answer = stdout::write_via_stream(reader);
        // `write_all` lends `text` to `stream.write` until stdout has taken
        // every byte, writing the rest again after a partial write. It gives
        // back what stdout did not take: nothing, unless stdout dropped its
        // end, and then `answer` says why.
        writer.write_all(text).await;
        // The end of the stream: stdout's future resolves after it.
        drop(writer);
        answer.await
    }
}

export!(Printer);
// ANCHOR_END: guest
