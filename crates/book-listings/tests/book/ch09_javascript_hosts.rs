//! Chapter 9's hosts are JavaScript: `tests/js/ch09_javascript_hosts.test.mjs`,
//! run by `js_hosts`. These tests hold the same guests to the same numbers
//! under wasmtime, where an `i64` is a Rust `i64` and nothing is lost.

pub mod numbers {
    #[test]
    fn two_to_the_53_plus_one_survives_an_i64_round_trip() -> wasmtime::Result<()> {
        let (mut store, instance) = book_listings::instantiate(book_listings::CH09_NUMBERS)?;
        let next_i64 = instance.get_typed_func::<i64, i64>(&mut store, "next_i64")?;
        assert_eq!(next_i64.call(&mut store, 1 << 53)?, (1 << 53) + 1);
        assert_eq!(next_i64.call(&mut store, i64::MAX)?, i64::MIN); // wraps, as i64.add does
        Ok(())
    }
}
