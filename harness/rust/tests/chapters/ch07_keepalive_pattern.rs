//! The allocate / keepalive / deallocate pattern under load: thousands of
//! round trips, collections in between, and the books balanced at the end.

/// Round trips per soak.
const ROUNDS: u32 = 5_000;
/// Buffers the host holds at once before it reads and frees the oldest.
const OUTSTANDING: usize = 100;
/// A full collection and some churn every this many rounds.
const COLLECT_EVERY: u32 = 10;

// ANCHOR: greeting_text
/// The text the guest's greeting number `call` holds, with ten words.
fn greeting_text(call: u32) -> String {
    format!("call {call}:{}", " hello".repeat(10))
}
// ANCHOR_END: greeting_text

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

/// The pattern step by step, on Listing 6-1's Go guest: the guest keeps, the
/// host copies, the host deallocates, and only then may the guest reuse.
pub mod round_trip {
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::read_bytes;

    #[test]
    fn kept_copied_deallocated_then_reused() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH06_GO_GREETER)?;
        // ANCHOR: round_trip
        let greet_kept = instance.get_typed_func::<u32, u64>(&mut store, "greet_kept")?;
        let live = instance.get_typed_func::<(), u32>(&mut store, "live")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        // 1. The guest keeps the buffer in its map and hands it over.
        let packed = greet_kept.call(&mut store, 10)?;
        let (ptr, len) = (packed as u32, (packed >> 32) as u32);
        assert_eq!(live.call(&mut store, ())?, 1);
        // 2. The host copies the bytes out, checked.
        let greeting = read_bytes(&store, &memory, ptr, len, 1 << 20)?;
        // 3. The host gives the buffer back, with the length it received.
        deallocate.call(&mut store, (ptr, len))?;
        assert_eq!(live.call(&mut store, ())?, 0);
        // 4. Garbage now: a later collection frees it, and an allocation
        //    reuses the address. The host's copy is its own.
        let mut calls = 0;
        while allocate.call(&mut store, len)? != ptr {
            calls += 1;
            assert!(calls < 200_000, "not reused after {calls} calls");
        }
        assert!(greeting.starts_with(b"call 1: hello hello"));
        // ANCHOR_END: round_trip

        let text = format!("{:?}", String::from_utf8_lossy(&greeting));
        assert_expected(
            "ch07-keepalive-pattern/round-trip.txt",
            &format!(
                "greet_kept(10) returned {len} bytes at {ptr:#x}; live() = 1\n\
                 the host copied {text}\n\
                 deallocate({ptr:#x}, {len}); live() = 0\n\
                 a later allocate({len}) returned {ptr:#x}: reclaimed and reused\n"
            ),
        );
        // The chapter's figure, with this run's numbers.
        assert_expected(
            "ch07-keepalive-pattern/keepalive.mmd",
            &format!(
                "flowchart LR\n\
                 \x20 kept[\"greet_kept(10) returns {len} bytes at {ptr:#x}<br/>the guest keeps them in its map<br/>live() = 1\"]\n\
                 \x20 copied[\"the host copies the {len} bytes out<br/>the copy is the host's own\"]\n\
                 \x20 released[\"the host calls deallocate({ptr:#x}, {len})<br/>the guest drops them from its map<br/>live() = 0\"]\n\
                 \x20 reused[\"garbage: after a collection,<br/>a later allocate({len}) returns {ptr:#x}\"]\n\
                 \x20 kept --> copied --> released --> reused\n"
            ),
        );
        Ok(())
    }
}

/// AssemblyScript's built-in keepalive: the host pins the object it
/// received, and unpins it when done.
pub mod assemblyscript_pin {
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::read_bytes;

    #[test]
    fn a_pinned_object_survives_until_unpinned() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH06_AS_GREETER)?;
        // ANCHOR: as_pin
        let greet = instance.get_typed_func::<i32, u32>(&mut store, "greet")?;
        let pin = instance.get_typed_func::<u32, u32>(&mut store, "__pin")?;
        let unpin = instance.get_typed_func::<u32, ()>(&mut store, "__unpin")?;
        let collect = instance.get_typed_func::<(), ()>(&mut store, "__collect")?;
        let churn = instance.get_typed_func::<(i32, i32), ()>(&mut store, "churn")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let ptr = greet.call(&mut store, 10)?;
        // Pin before anything else runs in the guest: no allocation, so no
        // collection, can happen between the return and this call.
        pin.call(&mut store, ptr)?;
        // An ArrayBuffer's length is the u32 4 bytes before its first byte.
        let header = read_bytes(&store, &memory, ptr.saturating_sub(4), 4, 4)?;
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let greeting = read_bytes(&store, &memory, ptr, len, 1 << 20)?;

        // A collection and 1 MiB of garbage: the pinned object is intact.
        collect.call(&mut store, ())?;
        churn.call(&mut store, (1 << 20, 67))?;
        assert_eq!(read_bytes(&store, &memory, ptr, len, 1 << 20)?, greeting);

        // Done: unpinned, it is garbage like any other.
        unpin.call(&mut store, ptr)?;
        collect.call(&mut store, ())?;
        churn.call(&mut store, (4096, 67))?;
        let after = read_bytes(&store, &memory, ptr, len, 1 << 20)?;
        assert_ne!(after, greeting);
        // ANCHOR_END: as_pin

        assert_expected(
            "ch07-keepalive-pattern/as-pin.txt",
            &format!(
                "greet(10) returned an ArrayBuffer of {len} bytes at {ptr:#x}: {:?}\n\
                 pinned, after __collect and 1 MiB of churn: intact\n\
                 unpinned, after __collect and 4 KiB of churn, it starts {:?}\n",
                String::from_utf8_lossy(&greeting),
                String::from_utf8_lossy(&after[..16]),
            ),
        );
        Ok(())
    }
}
