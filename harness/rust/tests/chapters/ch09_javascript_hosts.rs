//! Chapter 9's hosts are JavaScript: `harness/js/ch09_javascript_hosts.test.mjs`,
//! run by Node's test runner (`ci/test js`). These tests hold the same guests to the same numbers
//! under wasmtime, where an `i64` is a Rust `i64` and nothing is lost.

pub mod numbers {
    #[test]
    fn two_to_the_53_plus_one_survives_an_i64_round_trip() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH09_NUMBERS)?;
        let next_i64 = instance.get_typed_func::<i64, i64>(&mut store, "next_i64")?;
        assert_eq!(next_i64.call(&mut store, 1 << 53)?, (1 << 53) + 1);
        assert_eq!(next_i64.call(&mut store, i64::MAX)?, i64::MIN); // wraps, as i64.add does
        Ok(())
    }
}

pub mod length_prefix {
    use wasm_memory_host::bounds::{GuestSliceError, read_bytes};

    /// The bytes at a length-prefixed pointer: the 4-byte length, checked
    /// like any read, then the bytes it announces, checked against memory.
    fn read_prefixed(export: &str) -> wasmtime::Result<Result<Vec<u8>, GuestSliceError>> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH09_LENGTH_PREFIX)?;
        let memory = instance.get_memory(&mut store, "memory").expect("a memory");
        let ptr = instance
            .get_typed_func::<(), u32>(&mut store, export)?
            .call(&mut store, ())?;
        let prefix = match read_bytes(&store, &memory, ptr, 4, 4) {
            Ok(prefix) => prefix,
            Err(error) => return Ok(Err(error)),
        };
        let len = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        Ok(read_bytes(
            &store,
            &memory,
            ptr.saturating_add(4),
            len,
            u32::MAX,
        ))
    }

    #[test]
    fn the_length_is_read_from_memory_and_checked_like_the_bytes() -> wasmtime::Result<()> {
        assert_eq!(read_prefixed("greeting")?, Ok(b"Hello, prefix!".to_vec()));
        assert_eq!(
            read_prefixed("lying_greeting")?,
            Err(GuestSliceError::OutOfBounds {
                ptr: 2052,
                len: 1 << 30,
                memory_size: 65_536
            })
        );
        Ok(())
    }
}
