//! The host's read paths against `fixtures/liar.wat`, with libFuzzer picking
//! the lie: the same check as the property test `tests/properties.rs`, which
//! panics (a crash, to libFuzzer) when an invariant breaks.
#![no_main]

use std::sync::OnceLock;

#[path = "../../tests/support/liar.rs"]
mod liar;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static LIAR: OnceLock<liar::Liar> = OnceLock::new();
    if let Some(case) = liar::Case::from_bytes(data) {
        LIAR.get_or_init(liar::Liar::new).check(&case);
    }
});
