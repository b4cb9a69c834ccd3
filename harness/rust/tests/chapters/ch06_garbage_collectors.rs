/// The most the tests read out of a guest in one go.
const MAX_LEN: u32 = 64 * 1024;

pub mod go_greeter {
    use super::MAX_LEN;
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::unpack_ptr_len;
    use book_harness::{Host, Setup};
    use wasm_memory_host::bounds::read_bytes;
    use wasmtime::{Instance, Store, Trap};

    /// `call N: hello ...` with ten words is about 68 bytes: too big for the
    /// stack, so Go allocates it on the heap.
    const WORDS: u32 = 10;
    /// How much garbage the experiments allocate between two calls: more
    /// than the collector needs, at every GOGC measured, to run.
    const CHURN: u32 = 32 << 20;
    /// Churn is allocated this much at a time, checking the greeting after
    /// each step.
    const CHURN_STEP: u32 = 64 << 10;

    /// A guest and the greeting it last handed over.
    struct Experiment {
        store: Store<Host>,
        instance: Instance,
        ptr: u32,
        len: u32,
        as_returned: Vec<u8>,
    }

    impl Experiment {
        /// A fresh guest with `env`, which has just returned a greeting
        /// from `export`.
        fn start(env: &[(&str, &str)], export: &str, words: u32) -> wasmtime::Result<Self> {
            let setup = env.iter().fold(Setup::default(), |setup, (key, value)| {
                setup.env(key, value)
            });
            let (mut store, instance) = setup.instantiate(book_harness::CH06_GO_GREETER)?;
            let packed = instance
                .get_typed_func::<u32, u64>(&mut store, export)?
                .call(&mut store, words)?;
            let (ptr, len) = unpack_ptr_len(packed);
            let mut experiment = Experiment {
                store,
                instance,
                ptr,
                len,
                as_returned: Vec::new(),
            };
            experiment.as_returned = experiment.read()?;
            Ok(experiment)
        }

        /// What the host reads at the greeting's address now.
        fn read(&mut self) -> wasmtime::Result<Vec<u8>> {
            let memory = self
                .instance
                .get_memory(&mut self.store, "memory")
                .expect("exported");
            Ok(read_bytes(
                &self.store,
                &memory,
                self.ptr,
                self.len,
                MAX_LEN,
            )?)
        }

        fn intact(&mut self) -> wasmtime::Result<bool> {
            Ok(self.read()? == self.as_returned)
        }

        fn call(&mut self, export: &str) -> wasmtime::Result<()> {
            let function = self
                .instance
                .get_typed_func::<(), ()>(&mut self.store, export)?;
            function.call(&mut self.store, ())
        }

        /// Allocates `total` bytes of garbage in chunks the size of the greeting.
        fn churn(&mut self, total: u32) -> wasmtime::Result<()> {
            let churn = self
                .instance
                .get_typed_func::<(u32, u32), ()>(&mut self.store, "churn")?;
            churn.call(&mut self.store, (total, self.len))
        }

        /// Churns up to `CHURN` bytes, a step at a time; returns how much
        /// churn it took to overwrite the greeting, if it was overwritten.
        fn churn_until_overwritten(&mut self) -> wasmtime::Result<Option<u32>> {
            let mut churned = 0;
            while churned < CHURN {
                self.churn(CHURN_STEP)?;
                churned += CHURN_STEP;
                if !self.intact()? {
                    return Ok(Some(churned));
                }
            }
            Ok(None)
        }
    }

    fn text(bytes: &[u8]) -> String {
        format!("{:?}", String::from_utf8_lossy(bytes))
    }

    fn mebibytes(bytes: Option<u32>) -> f64 {
        f64::from(bytes.unwrap_or_default()) / f64::from(1 << 20)
    }

    #[test]
    fn a_buffer_nobody_keeps_is_overwritten_by_later_allocations() -> wasmtime::Result<()> {
        // ANCHOR: hazard
        let mut greeting = Experiment::start(&[], "greet", WORDS)?;
        // Read at once: intact. This is why "it works on my machine".
        assert!(greeting.as_returned.starts_with(b"call 1: hello hello"));
        assert!(greeting.intact()?);

        // The realistic case: before reading, the host makes other calls
        // that allocate. The bytes at the greeting's address change.
        let churned = greeting.churn_until_overwritten()?;
        let overwritten = greeting.read()?;
        assert!(
            churned.is_some(),
            "the greeting survived {CHURN} bytes of churn"
        );
        assert!(overwritten.contains(&b'#'), "reused by the churn's buffers");
        // ANCHOR_END: hazard

        // After a full collection, far less churn is needed.
        let mut collected = Experiment::start(&[], "greet", WORDS)?;
        collected.call("collect")?;
        let churned_after_collect = collected.churn_until_overwritten()?;
        assert!(churned_after_collect < churned);

        assert_expected(
            "ch06-garbage-collectors/go-greeter-hazard.txt",
            &format!(
                "greet returned {} bytes at {:#x}\n\
                 read at once:          {}\n\
                 read after {:.2} MiB of churn: {}\n\
                 after runtime.GC(), overwritten after {:.2} MiB of churn\n",
                greeting.len,
                greeting.ptr,
                text(&greeting.as_returned),
                mebibytes(churned),
                text(&overwritten),
                mebibytes(churned_after_collect),
            ),
        );
        Ok(())
    }

    /// Small buffers can be worse: since Go 1.25, a buffer sized at run time
    /// that does not escape, of up to 32 bytes, is on the goroutine's stack
    /// (the address escaping as a number does not count). The next call's
    /// stack frames reuse it, no collector needed.
    #[test]
    fn a_small_buffer_lives_on_the_stack_and_the_next_call_overwrites_it() -> wasmtime::Result<()> {
        // ANCHOR: stack
        let mut first = Experiment::start(&[], "greet_built", 1)?;
        assert_eq!(first.as_returned, b"call 1: hello");
        let greet_built = first
            .instance
            .get_typed_func::<u32, u64>(&mut first.store, "greet_built")?;
        let second = greet_built.call(&mut first.store, 1)?;

        // The same address, with the first greeting still unread and no
        // collection in between: a stack slot. The first now reads as the second.
        assert_eq!(unpack_ptr_len(second).0, first.ptr);
        assert_eq!(first.read()?, b"call 2: hello");
        // ANCHOR_END: stack
        Ok(())
    }

    /// The hazard as a host meets it: between two calls nothing changes;
    /// inside one of the host's own `allocate` calls the collector runs, and
    /// the greeting's bytes become the host's next input buffer.
    #[test]
    fn a_greeting_nobody_keeps_becomes_the_buffer_of_a_later_allocate() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH06_GO_GREETER)?;
        // ANCHOR: next_allocate
        let greet = instance.get_typed_func::<u32, u64>(&mut store, "greet")?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let packed = greet.call(&mut store, 10)?;
        // This book's packing: the address low, the length high.
        let (ptr, len) = (packed as u32, (packed >> 32) as u32);
        let greeting = read_bytes(&store, &memory, ptr, len, 1 << 20)?;
        assert!(greeting.starts_with(b"call 1: hello hello"));

        // The host prepares its next request: input buffers from the guest's
        // allocator. Between two calls the greeting cannot change; inside
        // one of them the collector runs and frees it.
        let mut calls = 0;
        let input = loop {
            let input = allocate.call(&mut store, len)?;
            calls += 1;
            if read_bytes(&store, &memory, ptr, len, 1 << 20)? != greeting {
                break input;
            }
            assert!(calls < 200_000, "intact after {calls} calls");
        };
        // That allocate handed out the greeting's own address, zeroed.
        assert_eq!(input, ptr);
        assert_eq!(
            read_bytes(&store, &memory, ptr, len, 1 << 20)?,
            vec![0; len as usize]
        );
        // ANCHOR_END: next_allocate

        assert_expected(
            "ch06-garbage-collectors/go-greeter-next-allocate.txt",
            &format!(
                "greet(10) returned {len} bytes at {ptr:#x}: {}\n\
                 read again after each allocate({len}): intact, until one call\n\
                 that allocate returned {input:#x}, the greeting's address: it now reads as {len} zero bytes\n",
                text(&greeting),
            ),
        );
        // The figure of the chapter, with this run's numbers; the count of
        // calls varies a little from run to run, so it is rounded.
        assert!((10_000..60_000).contains(&calls), "{calls} calls");
        assert_expected(
            "ch06-garbage-collectors/reused.mmd",
            &format!(
                "flowchart LR\n\
                 \x20 greet[\"greet(10) returns {len} bytes at {ptr:#x}<br/>nothing in the guest refers to them\"]\n\
                 \x20 host[\"the host holds {ptr:#x} as a number<br/>and reads the greeting: intact\"]\n\
                 \x20 collect[\"the host calls allocate({len}) again and again<br/>inside one call, the collector frees {ptr:#x}\"]\n\
                 \x20 reused[\"a later allocate({len}) returns {input:#x}<br/>the greeting is now the host's next input buffer\"]\n\
                 \x20 greet --> host --> collect --> reused\n",
            ),
        );
        Ok(())
    }

    /// The fix, under the same calls: a greeting the guest keeps in its map
    /// survives them, until the host calls deallocate.
    #[test]
    fn a_kept_greeting_survives_the_same_allocate_calls() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH06_GO_GREETER)?;
        // ANCHOR: kept_next_allocate
        let greet_kept = instance.get_typed_func::<u32, u64>(&mut store, "greet_kept")?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let packed = greet_kept.call(&mut store, 10)?;
        let (ptr, len) = (packed as u32, (packed >> 32) as u32);
        let greeting = read_bytes(&store, &memory, ptr, len, 1 << 20)?;

        for _ in 0..60_000 {
            allocate.call(&mut store, len)?;
        }
        let after = read_bytes(&store, &memory, ptr, len, 1 << 20)?;
        assert_eq!(after, greeting); // kept: intact

        // Done with it: the guest may reuse it from now on.
        deallocate.call(&mut store, (ptr, len))?;
        // ANCHOR_END: kept_next_allocate

        assert_expected(
            "ch06-garbage-collectors/go-greeter-kept.txt",
            &format!(
                "greet_kept(10) returned {len} bytes at {ptr:#x}: {}\n\
                 after 60000 calls of allocate({len}): {}\n",
                text(&greeting),
                text(&after),
            ),
        );
        Ok(())
    }

    #[test]
    fn gogc_moves_the_threshold() -> wasmtime::Result<()> {
        let mut table = String::from("GOGC       churn before the greeting was overwritten\n");
        let mut thresholds = Vec::new();
        for gogc in ["50", "100", "200", "off"] {
            let mut greeting = Experiment::start(&[("GOGC", gogc)], "greet", WORDS)?;
            let churned = greeting.churn_until_overwritten()?;
            let shown = match churned {
                Some(_) => format!("{:.2} MiB", mebibytes(churned)),
                None => format!("never, in {} MiB", CHURN >> 20),
            };
            table.push_str(&format!("{gogc:<10} {shown}\n"));
            thresholds.push(churned);
        }
        // Half the GOGC, half the heap growth before a collection; off, none.
        assert!(thresholds[0] < thresholds[1] && thresholds[1] < thresholds[2]);
        assert!(thresholds[..3].iter().all(Option::is_some));
        assert_eq!(thresholds[3], None);
        assert_expected("ch06-garbage-collectors/go-greeter-gogc.txt", &table);
        Ok(())
    }

    #[test]
    fn a_kept_buffer_survives_until_the_host_deallocates_it() -> wasmtime::Result<()> {
        let mut greeting = Experiment::start(&[], "greet_kept", WORDS)?;
        greeting.call("collect")?;
        assert_eq!(greeting.churn_until_overwritten()?, None);

        let deallocate = greeting
            .instance
            .get_typed_func::<(u32, u32), ()>(&mut greeting.store, "deallocate")?;
        let live = greeting
            .instance
            .get_typed_func::<(), u32>(&mut greeting.store, "live")?;
        assert_eq!(live.call(&mut greeting.store, ())?, 1);
        deallocate.call(&mut greeting.store, (greeting.ptr, greeting.len))?;
        assert_eq!(live.call(&mut greeting.store, ())?, 0);

        // Released, it is garbage like any other.
        greeting.call("collect")?;
        assert!(greeting.churn_until_overwritten()?.is_some());
        Ok(())
    }

    #[test]
    fn small_kept_buffers_are_on_the_heap_too() -> wasmtime::Result<()> {
        let mut greeting = Experiment::start(&[], "greet_kept", 1)?;
        greeting.churn(CHURN_STEP)?;
        assert!(
            greeting.intact()?,
            "keeping a buffer makes it escape to the heap"
        );
        Ok(())
    }

    #[test]
    fn a_pinned_buffer_survives_until_the_host_unpins_it() -> wasmtime::Result<()> {
        let mut greeting = Experiment::start(&[], "greet_pinned", WORDS)?;
        greeting.call("collect")?;
        assert_eq!(greeting.churn_until_overwritten()?, None);
        let unpin = greeting
            .instance
            .get_typed_func::<u32, ()>(&mut greeting.store, "unpin")?;
        unpin.call(&mut greeting.store, greeting.ptr)?;
        greeting.call("collect")?;
        assert!(greeting.churn_until_overwritten()?.is_some());
        Ok(())
    }

    #[test]
    fn runtime_keepalive_does_not_reach_past_the_return() -> wasmtime::Result<()> {
        let mut greeting = Experiment::start(&[], "greet_keepalive_call", WORDS)?;
        greeting.call("collect")?;
        assert!(greeting.churn_until_overwritten()?.is_some());
        Ok(())
    }

    #[test]
    fn a_bad_deallocate_panics_with_the_reason() -> wasmtime::Result<()> {
        let mut report = String::new();
        for (what, ptr_offset, size_offset) in [
            ("a pointer that is not kept", 8, 0),
            ("the wrong size", 0, 1),
        ] {
            let mut greeting = Experiment::start(&[], "greet_kept", WORDS)?;
            let deallocate = greeting
                .instance
                .get_typed_func::<(u32, u32), ()>(&mut greeting.store, "deallocate")?;
            let (ptr, len) = (greeting.ptr + ptr_offset, greeting.len + size_offset);
            let error = deallocate
                .call(&mut greeting.store, (ptr, len))
                .unwrap_err();
            // A Go panic prints its message on stderr, then traps.
            assert_eq!(
                error.downcast_ref::<Trap>(),
                Some(&Trap::UnreachableCodeReached)
            );
            let stderr = greeting.store.data().stderr();
            let message = stderr.lines().next().unwrap_or_default().to_owned();
            assert!(message.starts_with("panic: keepalive: "), "{stderr}");
            report.push_str(&format!("deallocate with {what}: {message}\n"));
        }
        assert_expected(
            "ch06-garbage-collectors/go-greeter-bad-deallocate.txt",
            &report,
        );
        Ok(())
    }

    /// A Go reactor's exports need the runtime that `_initialize` starts:
    /// called before it, the first export traps.
    #[test]
    fn an_export_called_before_initialize_traps() -> wasmtime::Result<()> {
        let (mut store, instance) = Setup::default()
            .skip_initialize()
            .instantiate(book_harness::CH06_GO_GREETER)?;
        let greet = instance.get_typed_func::<u32, u64>(&mut store, "greet")?;
        let error = greet.call(&mut store, 1).unwrap_err();
        assert_eq!(
            error.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        assert!(
            format!("{error:?}").contains("runtime.notInitialized"),
            "{error:?}"
        );
        // What the Go runtime wrote before it trapped.
        assert_expected(
            "ch06-garbage-collectors/go-before-initialize.txt",
            &store.data().stderr(),
        );
        Ok(())
    }
}

pub mod as_greeter {
    use book_harness::Host;
    use book_harness::assemblyscript::object_length;
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::read_bytes;
    use wasmtime::{Instance, Store};

    struct Guest {
        store: Store<Host>,
        instance: Instance,
    }

    impl Guest {
        fn new() -> wasmtime::Result<Self> {
            let (store, instance) = book_harness::instantiate(book_harness::CH06_AS_GREETER)?;
            Ok(Guest { store, instance })
        }

        fn greet(&mut self, words: i32) -> wasmtime::Result<u32> {
            let greet = self
                .instance
                .get_typed_func::<i32, u32>(&mut self.store, "greet")?;
            greet.call(&mut self.store, words)
        }

        /// The length in the object's header, and the bytes it covers (at
        /// most 96 of them).
        fn read(&mut self, ptr: u32) -> wasmtime::Result<(u32, Vec<u8>)> {
            let memory = self
                .instance
                .get_memory(&mut self.store, "memory")
                .expect("exported");
            let len = object_length(&self.store, &memory, ptr)?;
            let bytes = read_bytes(&self.store, &memory, ptr, len.min(96), 96)?;
            Ok((len, bytes))
        }

        fn churn(&mut self, total: i32, chunk: i32) -> wasmtime::Result<()> {
            let churn = self
                .instance
                .get_typed_func::<(i32, i32), ()>(&mut self.store, "churn")?;
            churn.call(&mut self.store, (total, chunk))
        }

        fn pin(&mut self, ptr: u32) -> wasmtime::Result<()> {
            let pin = self
                .instance
                .get_typed_func::<u32, u32>(&mut self.store, "__pin")?;
            pin.call(&mut self.store, ptr).map(drop)
        }

        fn unpin(&mut self, ptr: u32) -> wasmtime::Result<()> {
            let unpin = self
                .instance
                .get_typed_func::<u32, ()>(&mut self.store, "__unpin")?;
            unpin.call(&mut self.store, ptr)
        }

        fn collect(&mut self) -> wasmtime::Result<()> {
            let collect = self
                .instance
                .get_typed_func::<(), ()>(&mut self.store, "__collect")?;
            collect.call(&mut self.store, ())
        }
    }

    fn text(bytes: &[u8]) -> String {
        format!("{:?}", String::from_utf8_lossy(bytes))
    }

    /// In a fresh guest, churns `per_call` bytes per call, in objects the
    /// size of the greeting, until the greeting is overwritten or 8 MiB have
    /// been allocated; returns how much it took.
    fn churn_until_overwritten(per_call: i32) -> wasmtime::Result<Option<i32>> {
        let mut guest = Guest::new()?;
        let ptr = guest.greet(10)?;
        let as_returned = guest.read(ptr)?;
        let mut churned = 0;
        while churned < 8 << 20 {
            guest.churn(per_call, 67)?;
            churned += per_call;
            if guest.read(ptr)? != as_returned {
                return Ok(Some(churned));
            }
        }
        Ok(None)
    }

    #[test]
    fn the_collector_reclaims_a_returned_object_header_and_all() -> wasmtime::Result<()> {
        let mut guest = Guest::new()?;
        let ptr = guest.greet(10)?;
        let (len, bytes) = guest.read(ptr)?;
        assert_eq!(len, 67); // "call 1:" and ten " hello"
        assert!(bytes.starts_with(b"call 1: hello"));

        // One collection and a few small allocations later, the header's
        // length and the bytes belong to someone else.
        guest.collect()?;
        guest.churn(4096, 67)?;
        let (len_after, bytes_after) = guest.read(ptr)?;
        assert_ne!(len_after, len);
        assert_ne!(bytes_after, bytes);

        // Without an explicit collection, the incremental collector gets
        // there on its own, a few allocations at a time...
        let churned = churn_until_overwritten(1024)?;
        assert!(
            churned.is_some(),
            "intact after 8 MiB of churn, 1 KiB per call"
        );
        // ...or never, when each call frees what the previous one allocated
        // and the allocator keeps handing out that same block. The hazard is
        // the same; this allocation pattern only hides it.
        assert_eq!(churn_until_overwritten(67)?, None);

        assert_expected(
            "ch06-garbage-collectors/as-greeter-hazard.txt",
            &format!(
                "greet returned an ArrayBuffer at {ptr:#x}\n\
                 read at once:                   length {len:>10}, {}\n\
                 after __collect and 4 KiB churn: length {len_after:>10} ({len_after:#x}), {}\n\
                 without __collect, 1 KiB of churn per call: overwritten after {} bytes\n\
                 without __collect, one 67-byte allocation per call: intact after 8 MiB\n",
                text(&bytes),
                text(&bytes_after[..bytes_after.len().min(40)]),
                churned.unwrap_or_default(),
            ),
        );
        Ok(())
    }

    #[test]
    fn a_pinned_object_survives_until_unpinned() -> wasmtime::Result<()> {
        let mut guest = Guest::new()?;
        let ptr = guest.greet(10)?;
        // Pin before anything else runs in the guest: no allocation, so no
        // collection, can happen between the return and this call.
        guest.pin(ptr)?;
        let before = guest.read(ptr)?;

        guest.collect()?;
        guest.churn(1 << 20, 67)?;
        assert_eq!(guest.read(ptr)?, before);

        guest.unpin(ptr)?; // the host is done with it
        guest.collect()?;
        guest.churn(4096, 67)?;
        assert_ne!(guest.read(ptr)?, before);
        Ok(())
    }

    #[test]
    fn pinning_twice_and_unpinning_an_unpinned_object_abort() -> wasmtime::Result<()> {
        let mut report = String::new();
        for (what, pin_first) in [("__pin twice", true), ("__unpin without __pin", false)] {
            let mut guest = Guest::new()?;
            let ptr = guest.greet(1)?;
            let error = if pin_first {
                guest.pin(ptr)?;
                guest.pin(ptr).unwrap_err()
            } else {
                guest.unpin(ptr).unwrap_err()
            };
            assert!(
                format!("{error:?}").contains("the guest aborted"),
                "{error:?}"
            );
            let message = guest
                .store
                .data()
                .messages()
                .take()
                .expect("abort was called");
            report.push_str(&format!("{what}: {message}\n"));
        }
        assert_expected("ch06-garbage-collectors/as-greeter-pins.txt", &report);
        Ok(())
    }
}
