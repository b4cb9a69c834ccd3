//! The allocate / keepalive / deallocate pattern under load: thousands of
//! round trips, collections in between, and the books balanced at the end.

/// Round trips per soak.
const ROUNDS: u32 = 5_000;
/// Buffers the host holds at once before it reads and frees the oldest.
const OUTSTANDING: usize = 100;
/// A full collection and some churn every this many rounds.
const COLLECT_EVERY: u32 = 10;

fn greeting_text(call: u32) -> String {
    format!("call {call}:{}", " hello".repeat(10))
}

pub mod go_soak {
    use std::collections::VecDeque;

    use super::{COLLECT_EVERY, OUTSTANDING, ROUNDS, greeting_text};
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::take_bytes;

    #[test]
    fn thousands_of_kept_round_trips_lose_nothing_and_leak_nothing() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH06_GO_GREETER)?;
        let greet_kept = instance.get_typed_func::<u32, u64>(&mut store, "greet_kept")?;
        let collect = instance.get_typed_func::<(), ()>(&mut store, "collect")?;
        let churn = instance.get_typed_func::<(u32, u32), ()>(&mut store, "churn")?;
        let live = instance.get_typed_func::<(), u32>(&mut store, "live")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        // ANCHOR: go_soak
        let mut outstanding = VecDeque::new();
        let (mut corrupted, mut checked, mut pages_halfway) = (0, 0, 0);
        for round in 1..=ROUNDS {
            outstanding.push_back((greet_kept.call(&mut store, 10)?, greeting_text(round)));
            if round % COLLECT_EVERY == 0 {
                collect.call(&mut store, ())?;
                churn.call(&mut store, (64 << 10, 67))?;
            }
            // Read and free the oldest buffers, in one step that cannot
            // forget the second half.
            while outstanding.len() > OUTSTANDING || (round == ROUNDS && !outstanding.is_empty()) {
                let (packed, expected) = outstanding.pop_front().expect("not empty");
                let bytes = take_bytes(&mut store, &instance, packed, 1024)?;
                corrupted += usize::from(bytes != expected.as_bytes());
                checked += 1;
            }
            if round == ROUNDS / 2 {
                pages_halfway = memory.size(&store);
            }
        }
        assert_eq!((checked, corrupted), (ROUNDS, 0));
        assert_eq!(
            live.call(&mut store, ())?,
            0,
            "every kept buffer was released"
        );
        assert_eq!(memory.size(&store), pages_halfway, "memory stopped growing");
        // ANCHOR_END: go_soak

        assert_expected(
            "ch07-keepalive-pattern/go-soak.txt",
            &format!(
                "{ROUNDS} round trips, {OUTSTANDING} buffers held at a time, \
                 a collection every {COLLECT_EVERY}\n\
                 corrupted: {corrupted}\n\
                 kept buffers left after the host freed everything: {}\n\
                 memory: {pages_halfway} pages at round {}, {} pages at round {ROUNDS}\n",
                live.call(&mut store, ())?,
                ROUNDS / 2,
                memory.size(&store),
            ),
        );
        Ok(())
    }
}

pub mod assemblyscript_soak {
    use std::collections::VecDeque;

    use super::{COLLECT_EVERY, OUTSTANDING, ROUNDS, greeting_text};
    use book_harness::assemblyscript::object_length;
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::read_bytes;

    #[test]
    fn thousands_of_pinned_round_trips_lose_nothing_and_leak_nothing() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH06_AS_GREETER)?;
        let greet = instance.get_typed_func::<i32, u32>(&mut store, "greet")?;
        let pin = instance.get_typed_func::<u32, u32>(&mut store, "__pin")?;
        let unpin = instance.get_typed_func::<u32, ()>(&mut store, "__unpin")?;
        let collect = instance.get_typed_func::<(), ()>(&mut store, "__collect")?;
        let churn = instance.get_typed_func::<(i32, i32), ()>(&mut store, "churn")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        // ANCHOR: as_soak
        let mut outstanding = VecDeque::new();
        let (mut corrupted, mut checked, mut pages_halfway) = (0, 0, 0);
        for round in 1..=ROUNDS {
            let ptr = greet.call(&mut store, 10)?;
            pin.call(&mut store, ptr)?; // before the guest runs anything else
            outstanding.push_back((ptr, greeting_text(round)));
            if round % COLLECT_EVERY == 0 {
                collect.call(&mut store, ())?;
                churn.call(&mut store, (64 << 10, 67))?;
            }
            while outstanding.len() > OUTSTANDING || (round == ROUNDS && !outstanding.is_empty()) {
                let (ptr, expected) = outstanding.pop_front().expect("not empty");
                let len = object_length(&store, &memory, ptr)?;
                let bytes = read_bytes(&store, &memory, ptr, len, 1024);
                unpin.call(&mut store, ptr)?; // whatever the read found
                corrupted += usize::from(bytes? != expected.as_bytes());
                checked += 1;
            }
            if round == ROUNDS / 2 {
                pages_halfway = memory.size(&store);
            }
        }
        assert_eq!((checked, corrupted), (ROUNDS, 0));
        assert_eq!(memory.size(&store), pages_halfway, "memory stopped growing");
        // ANCHOR_END: as_soak

        assert_expected(
            "ch07-keepalive-pattern/assemblyscript-soak.txt",
            &format!(
                "{ROUNDS} round trips, {OUTSTANDING} objects pinned at a time, \
                 a collection every {COLLECT_EVERY}\n\
                 corrupted: {corrupted}\n\
                 memory: {pages_halfway} pages at round {}, {} pages at round {ROUNDS}\n",
                ROUNDS / 2,
                memory.size(&store),
            ),
        );
        Ok(())
    }
}
