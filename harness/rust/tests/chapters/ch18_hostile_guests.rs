//! Chapter 18: a host facing a guest that lies. Every test provokes one
//! lie or one misbehaviour and asserts three things: the host's error is
//! the specific one (its variant and its values, and the message the
//! chapter shows), the host holds no buffer afterwards, and the guest's
//! live allocations are what they were, or what the test says the guest
//! itself lost. Then an honest call shows that both carry on.

pub mod hostile {
    use std::time::{Duration, Instant};

    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::GuestSliceError;
    use wasm_memory_host::{Convention, Error, Guest, GuestMessages, define_message_imports};
    use wasmtime::{
        Caller, Config, Engine, Extern, InstancePre, Linker, Module, Store, StoreLimits,
        StoreLimitsBuilder, Trap, bail,
    };

    // ANCHOR: sandbox
    /// What the host keeps per store of an untrusted guest.
    #[derive(Default)]
    struct Sandbox {
        /// Where the guest's reports land before it traps (chapter 5).
        messages: GuestMessages,
        /// Memory, tables and instances this store may have.
        limits: StoreLimits,
        /// How deep the guest may re-enter the host; `None`: no bound.
        max_depth: Option<u32>,
        /// What the guest logged through `env.log`.
        log: Vec<String>,
    }

    /// The most bytes the host copies out of one result, or in from one
    /// argument of `env.log`.
    const MAX_LEN: u32 = 1024;

    fn convention() -> Convention {
        Convention::allocate_deallocate_packed().max_len(MAX_LEN)
    }
    // ANCHOR_END: sandbox

    // ANCHOR: host_functions
    /// The guest's imports: its reports, `env.log`, whose arguments are
    /// checked like any result, and `env.call_back`, which calls the guest
    /// again, to the depth the store allows.
    fn linker(engine: &Engine) -> Result<Linker<Sandbox>, Error> {
        let mut linker = Linker::new(engine);
        define_message_imports(&mut linker, &convention(), |sandbox: &mut Sandbox| {
            &sandbox.messages
        })?;
        linker.func_wrap(
            "env",
            "log",
            |mut caller: Caller<'_, Sandbox>, ptr: u32, len: u32| -> wasmtime::Result<()> {
                let guest = Guest::from_caller(&mut caller, convention())?;
                let text = guest.read_argument_string(&caller, "env.log", ptr, len)?;
                caller.data_mut().log.push(text);
                Ok(())
            },
        )?;
        linker.func_wrap(
            "env",
            "call_back",
            |mut caller: Caller<'_, Sandbox>, depth: u32| -> wasmtime::Result<u32> {
                if let Some(max_depth) = caller.data().max_depth
                    && depth >= max_depth
                {
                    bail!(
                        "the guest re-entered the host {depth} times; this host allows {max_depth}"
                    );
                }
                let Some(Extern::Func(reenter)) = caller.get_export("reenter") else {
                    bail!("the guest does not export `reenter`");
                };
                reenter
                    .typed::<u32, u32>(&caller)?
                    .call(&mut caller, depth + 1)
            },
        )?;
        Ok(linker)
    }
    // ANCHOR_END: host_functions

    /// The hostile guest, linked once for `engine`.
    fn prepared(engine: &Engine) -> Result<InstancePre<Sandbox>, Error> {
        let module = Module::from_file(engine, book_harness::CH18_HOSTILE)?;
        Ok(linker(engine)?.instantiate_pre(&module)?)
    }

    /// A store of its own, with `limits`, and the guest in it.
    fn instantiate(
        engine: &Engine,
        pre: &InstancePre<Sandbox>,
        sandbox: Sandbox,
    ) -> Result<(Store<Sandbox>, Guest), Error> {
        let mut store = Store::new(engine, sandbox);
        store.limiter(|sandbox| &mut sandbox.limits);
        let instance = pre.instantiate(&mut store)?;
        let messages = store.data().messages.clone();
        let guest = Guest::new(&mut store, instance, convention())?.with_messages(messages);
        Ok((store, guest))
    }

    /// The hostile guest on the default engine, with no limits.
    fn hostile() -> Result<(Store<Sandbox>, Guest), Error> {
        let engine = Engine::default();
        instantiate(&engine, &prepared(&engine)?, Sandbox::default())
    }

    fn live(store: &mut Store<Sandbox>, guest: &Guest) -> Result<u32, Error> {
        let live = guest.typed_func::<(), u32>(&mut *store, "live")?;
        Ok(live.call(&mut *store, ())?)
    }

    /// What every test asserts after the lie: the host holds no buffer, the
    /// guest has `live` allocations, and an honest round trip still works
    /// and leaves that number as it was.
    fn assert_carries_on(store: &mut Store<Sandbox>, guest: &Guest, live_after: u32) {
        guest.check_leaks().expect("the host holds no buffer");
        assert_eq!(
            live(store, guest).expect("`live`"),
            live_after,
            "live allocations"
        );
        let shouted = guest.call_string(&mut *store, "shout", "still here");
        assert_eq!(shouted.expect("an honest call"), "STILL HERE");
        assert_eq!(
            live(store, guest).expect("`live`"),
            live_after,
            "shout freed its result"
        );
    }

    /// Calls the export `name`, which takes nothing and returns a packed
    /// `(ptr, len)`, through the utility.
    fn call_output(
        store: &mut Store<Sandbox>,
        guest: &Guest,
        name: &str,
    ) -> Result<Vec<u8>, Error> {
        guest
            .output_export::<()>(&mut *store, name)?
            .call(&mut *store, ())
    }

    fn bad_result(error: &Error) -> &GuestSliceError {
        match error {
            Error::BadResult { source, .. } => source,
            other => panic!("expected Error::BadResult, got {other}"),
        }
    }

    #[test]
    fn a_pointer_past_the_end() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let memory_size = guest.memory().data_size(&store);
        let error = call_output(&mut store, &guest, "past_the_end").unwrap_err();
        let ptr = (memory_size - 8) as u32;
        let expected = GuestSliceError::OutOfBounds {
            ptr,
            len: 16,
            memory_size,
        };
        assert_eq!(bad_result(&error), &expected);
        assert_expected("ch18-hostile-guests/past-the-end.txt", &error.to_string());
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn a_range_that_wraps_around_4_gib() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let error = call_output(&mut store, &guest, "wraps_around").unwrap_err();
        let expected = GuestSliceError::Overflow {
            ptr: u32::MAX - 7,
            len: 16,
        };
        assert_eq!(bad_result(&error), &expected);
        assert_expected("ch18-hostile-guests/wraps-around.txt", &error.to_string());
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn the_longest_length() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let memory_size = guest.memory().data_size(&store);
        let error = call_output(&mut store, &guest, "longest_length").unwrap_err();
        let expected = GuestSliceError::OutOfBounds {
            ptr: 0,
            len: u32::MAX,
            memory_size,
        };
        assert_eq!(bad_result(&error), &expected);
        assert_expected("ch18-hostile-guests/longest-length.txt", &error.to_string());
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn a_result_longer_than_the_cap() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let error = call_output(&mut store, &guest, "too_long").unwrap_err();
        let GuestSliceError::TooLong {
            len: 4096,
            max_len: MAX_LEN,
            ..
        } = bad_result(&error)
        else {
            panic!("{error}");
        };
        assert_expected("ch18-hostile-guests/too-long.txt", &error.to_string());
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_and_freed() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let not_utf8 = guest.output_export::<()>(&mut store, "not_utf8")?;
        let error = not_utf8.call_string(&mut store, ()).unwrap_err();
        let GuestSliceError::NotUtf8 {
            len: 3,
            error: utf8,
            ..
        } = bad_result(&error)
        else {
            panic!("{error}");
        };
        assert_eq!(utf8.valid_up_to(), 1);
        assert_expected("ch18-hostile-guests/not-utf8.txt", &error.to_string());
        assert_carries_on(&mut store, &guest, 0); // the buffer was freed
        Ok(())
    }

    #[test]
    fn a_free_of_the_wrong_size_is_the_guests_report() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        // The 16 bytes are inside memory: the host reads them, then
        // `deallocate(ptr, 16)` traps in the guest's checked allocator.
        let error = call_output(&mut store, &guest, "wrong_size").unwrap_err();
        let Error::Call {
            export,
            guest_message: Some(message),
            source,
        } = &error
        else {
            panic!("{error}");
        };
        assert_eq!(export, "deallocate");
        assert!(
            message.contains("was allocated with 8 bytes but freed with 16"),
            "{message}"
        );
        assert_eq!(
            source.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        assert_expected("ch18-hostile-guests/wrong-size.txt", &error.to_string());
        // The guest lied about its own block, and kept it.
        assert_carries_on(&mut store, &guest, 1);
        Ok(())
    }

    /// The guest's `Pair`, as the host declares it.
    #[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
    #[repr(C)]
    struct Pair {
        first: u32,
        second: u32,
    }

    #[test]
    fn a_misaligned_struct_pointer() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let ptr = guest
            .typed_func::<(), u32>(&mut store, "misaligned_pair")?
            .call(&mut store, ())?;
        let error = guest.read_value::<Pair>(&store, ptr).unwrap_err();
        let Error::Misaligned { align: 4, .. } = &error else {
            panic!("{error}");
        };
        // The type's name, without this file's module path; the address of
        // a static moves with the length of the paths the guest's build
        // embeds (its panic locations), so it is redacted.
        let message = error.to_string().replace(concat!(module_path!(), "::"), "");
        book_harness::expected::assert_expected_redacted(
            "ch18-hostile-guests/misaligned.txt",
            &message,
            &[("[ADDRESS]", r"^(?<redacted>0x[0-9a-f]+) is not aligned")],
        );
        let aligned = guest.read_value::<Pair>(&store, ptr - 1)?;
        assert_eq!((aligned.first, aligned.second), (1, 2));
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    // ANCHOR: lying_allocator
    /// Makes the guest's next `allocate` lie, then passes bytes in.
    fn copy_in_with_lie(
        store: &mut Store<Sandbox>,
        guest: &Guest,
        lie: u32,
    ) -> Result<wasm_memory_host::GuestBuffer, Error> {
        let lie_in_next_allocation =
            guest.typed_func::<u32, ()>(&mut *store, "lie_in_next_allocation")?;
        lie_in_next_allocation.call(&mut *store, lie)?;
        guest.copy_in(&mut *store, b"sixteen bytes!!!")
    }
    // ANCHOR_END: lying_allocator

    #[test]
    fn an_allocator_that_returns_zero() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let error = copy_in_with_lie(&mut store, &guest, 1).unwrap_err();
        let Error::AllocationFailed { export, size: 16 } = &error else {
            panic!("{error}");
        };
        assert_eq!(export, "allocate");
        assert_expected(
            "ch18-hostile-guests/allocator-returns-zero.txt",
            &error.to_string(),
        );
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn an_allocator_that_returns_a_buffer_the_host_holds() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let held = guest.copy_in(&mut store, b"the host holds this")?;
        let error = copy_in_with_lie(&mut store, &guest, 2).unwrap_err();
        let Error::OverlapsHeldBuffer {
            ptr,
            len: 16,
            held: overlapped,
            ..
        } = &error
        else {
            panic!("{error}");
        };
        assert_eq!((*ptr, overlapped.ptr), (held.ptr() + 1, held.ptr()));
        // The message names the line of this file that made the held buffer.
        book_harness::expected::assert_expected_redacted(
            "ch18-hostile-guests/allocator-returns-held.txt",
            &error.to_string(),
            &[("[LINE]", r"ch18_hostile_guests\.rs:(?<redacted>\d+)")],
        );
        guest.release(&mut store, held)?;
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn an_allocator_that_returns_a_range_past_the_end() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let memory_size = guest.memory().data_size(&store);
        let error = copy_in_with_lie(&mut store, &guest, 3).unwrap_err();
        let Error::BadAllocation {
            export,
            len: 16,
            source,
            ..
        } = &error
        else {
            panic!("{error}");
        };
        assert_eq!(export, "allocate");
        let ptr = (memory_size - 4) as u32;
        assert_eq!(
            source,
            &GuestSliceError::OutOfBounds {
                ptr,
                len: 16,
                memory_size
            }
        );
        assert_expected(
            "ch18-hostile-guests/allocator-past-the-end.txt",
            &error.to_string(),
        );
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn a_trap_after_allocating_frees_the_input_and_loses_the_guests_block() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let trap_after_allocating = guest.export(&mut store, "trap_after_allocating")?;
        let error = trap_after_allocating
            .call_string(&mut store, "lost")
            .unwrap_err();
        let Error::Call {
            export,
            guest_message: None,
            source,
        } = &error
        else {
            panic!("{error}");
        };
        assert_eq!(export, "trap_after_allocating");
        assert_eq!(
            source.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        assert_expected(
            "ch18-hostile-guests/trap-after-allocating.txt",
            &error.to_string(),
        );
        // The input was freed (or 2 would be live); the result the guest
        // made and never returned is its own, and only a new instance
        // gets it back.
        assert_carries_on(&mut store, &guest, 1);
        Ok(())
    }

    #[test]
    fn a_lying_argument_to_a_host_function() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let memory_size = guest.memory().data_size(&store);
        let lie_to_log = guest.typed_func::<(), ()>(&mut store, "lie_to_log")?;
        let error = lie_to_log.call(&mut store, ()).unwrap_err();
        let Some(bad @ Error::BadArgument { function, source }) = error.downcast_ref::<Error>()
        else {
            panic!("{error:?}");
        };
        assert_eq!(function, "env.log");
        let ptr = (memory_size - 4) as u32;
        assert_eq!(
            source,
            &GuestSliceError::OutOfBounds {
                ptr,
                len: 64,
                memory_size
            }
        );
        assert_expected("ch18-hostile-guests/lying-argument.txt", &bad.to_string());
        assert!(store.data().log.is_empty());
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn reentering_the_host_stops_at_the_depth_it_allows() -> Result<(), Error> {
        let engine = Engine::default();
        let pre = prepared(&engine)?;
        // ANCHOR: depth
        let sandbox = Sandbox {
            max_depth: Some(8),
            ..Sandbox::default()
        };
        // ANCHOR_END: depth
        let (mut store, guest) = instantiate(&engine, &pre, sandbox)?;
        let reenter = guest.typed_func::<u32, u32>(&mut store, "reenter")?;
        let error = reenter.call(&mut store, 0).unwrap_err();
        assert_eq!(
            error.root_cause().to_string(),
            "the guest re-entered the host 8 times; this host allows 8"
        );
        assert_carries_on(&mut store, &guest, 0);

        // With no bound, the recursion ends only when the stack does.
        let (mut store, guest) = instantiate(&engine, &pre, Sandbox::default())?;
        let reenter = guest.typed_func::<u32, u32>(&mut store, "reenter")?;
        let error = reenter.call(&mut store, 0).unwrap_err();
        assert_eq!(
            error.downcast_ref::<Trap>(),
            Some(&Trap::StackOverflow),
            "{error:?}"
        );
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn a_guest_that_overflows_its_stack_traps() -> Result<(), Error> {
        // ANCHOR: stack
        let mut config = Config::new();
        config.max_wasm_stack(64 << 10); // 64 KiB of native stack for wasm frames
        let engine = Engine::new(&config)?;
        // ANCHOR_END: stack
        let (mut store, guest) = instantiate(&engine, &prepared(&engine)?, Sandbox::default())?;
        let recurse = guest.typed_func::<u32, u32>(&mut store, "recurse")?;
        assert_eq!(recurse.call(&mut store, 100)?, 100);
        let error = recurse.call(&mut store, u32::MAX).unwrap_err();
        assert_eq!(error.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn fuel_stops_a_guest_that_loops() -> Result<(), Error> {
        // ANCHOR: fuel
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config)?;
        let (mut store, guest) = instantiate(&engine, &prepared(&engine)?, Sandbox::default())?;
        store.set_fuel(10_000_000)?; // about as many wasm instructions
        // ANCHOR_END: fuel
        let spin = guest.typed_func::<(), ()>(&mut store, "spin")?;
        let error = spin.call(&mut store, ()).unwrap_err();
        assert_eq!(error.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
        assert_eq!(store.get_fuel()?, 0, "it ran until the fuel was gone");
        store.set_fuel(10_000_000)?;
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn an_epoch_deadline_stops_a_guest_that_loops_in_bounded_time() -> Result<(), Error> {
        // ANCHOR: epoch
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;
        let (mut store, guest) = instantiate(&engine, &prepared(&engine)?, Sandbox::default())?;
        // A ticker, as a host has one for all its stores: a tick each 10 ms,
        // and each call may run for 10 ticks.
        let ticker = engine.weak();
        std::thread::spawn(move || {
            while let Some(engine) = ticker.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        store.set_epoch_deadline(10);
        // ANCHOR_END: epoch
        let spin = guest.typed_func::<(), ()>(&mut store, "spin")?;
        let started = Instant::now();
        let error = spin.call(&mut store, ()).unwrap_err();
        let elapsed = started.elapsed();
        assert_eq!(error.downcast_ref::<Trap>(), Some(&Trap::Interrupt));
        // At least the ticks it was given (less one: the first may come at
        // once), and far less than forever, even on a loaded machine.
        assert!(
            elapsed >= Duration::from_millis(90),
            "stopped after {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_secs(5),
            "stopped after {elapsed:?}"
        );
        store.set_epoch_deadline(10);
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn store_limits_cap_memory() -> Result<(), Error> {
        let engine = Engine::default();
        let pre = prepared(&engine)?;
        // ANCHOR: memory_limit
        let limits = StoreLimitsBuilder::new().memory_size(64 << 20).build(); // 1024 pages
        // ANCHOR_END: memory_limit
        let (mut store, guest) = instantiate(
            &engine,
            &pre,
            Sandbox {
                limits,
                ..Sandbox::default()
            },
        )?;
        let grow = guest.typed_func::<(), u32>(&mut store, "grow_until_refused")?;
        assert_eq!(
            grow.call(&mut store, ())?,
            1024,
            "refused at the limit, not trapped"
        );
        // The pages it took are its allocator's no more: not even the 10
        // bytes of an honest call can be allocated, and the utility says so.
        assert_starved(&mut store, &guest);

        // Asked to, the limiter traps instead of refusing.
        let limits = StoreLimitsBuilder::new()
            .memory_size(64 << 20)
            .trap_on_grow_failure(true)
            .build();
        let (mut store, guest) = instantiate(
            &engine,
            &pre,
            Sandbox {
                limits,
                ..Sandbox::default()
            },
        )?;
        let grow = guest.typed_func::<(), u32>(&mut store, "grow_until_refused")?;
        let error = grow.call(&mut store, ()).unwrap_err();
        assert_expected(
            "ch18-hostile-guests/grow-trap.txt",
            &error.root_cause().to_string(),
        );
        // The allocator's own growth traps now, inside the honest call.
        let error = guest
            .call_string(&mut store, "shout", "still here")
            .unwrap_err();
        let Error::Call { export, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(export, "allocate");
        guest.check_leaks()?;
        Ok(())
    }

    /// A guest whose memory is at the limit: the host holds nothing, and an
    /// honest call fails with the utility's error for an allocator that
    /// returned 0.
    fn assert_starved(store: &mut Store<Sandbox>, guest: &Guest) {
        guest.check_leaks().expect("the host holds no buffer");
        let error = guest
            .call_string(&mut *store, "shout", "still here")
            .unwrap_err();
        let Error::AllocationFailed { export, size: 10 } = &error else {
            panic!("{error}");
        };
        assert_eq!(export, "allocate");
        assert_eq!(live(store, guest).expect("`live`"), 0);
    }

    #[test]
    fn store_limits_cap_instances() -> Result<(), Error> {
        let engine = Engine::default();
        let pre = prepared(&engine)?;
        let limits = StoreLimitsBuilder::new().instances(1).build();
        let (mut store, guest) = instantiate(
            &engine,
            &pre,
            Sandbox {
                limits,
                ..Sandbox::default()
            },
        )?;
        let error = pre.instantiate(&mut store).unwrap_err();
        assert_expected(
            "ch18-hostile-guests/instance-limit.txt",
            &error.root_cause().to_string(),
        );
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }

    #[test]
    fn a_buffer_goes_back_only_to_the_guest_that_made_it() -> Result<(), Error> {
        let engine = Engine::default();
        let pre = prepared(&engine)?;
        let (mut store, guest) = instantiate(&engine, &pre, Sandbox::default())?;
        let other_instance = pre.instantiate(&mut store)?;
        let other = Guest::new(&mut store, other_instance, convention())?;
        // ANCHOR: foreign
        let buffer = guest.copy_in(&mut store, b"mine")?;
        let error = other.release(&mut store, buffer).unwrap_err();
        // ANCHOR_END: foreign
        assert!(
            matches!(&error, Error::ForeignBuffer { len: 4, .. }),
            "{error}"
        );
        assert_expected("ch18-hostile-guests/foreign-buffer.txt", &error.to_string());
        // Refused and dropped: its own guest reports it, and the block is
        // still live in the instance that made it.
        let leaks = guest.outstanding();
        assert!(leaks.len() == 1 && leaks[0].dropped, "{leaks:?}");
        assert_eq!(live(&mut store, &guest)?, 1);
        Ok(())
    }

    #[test]
    fn a_buffer_outlives_its_guest_only_as_a_foreign_one() -> Result<(), Error> {
        let (mut store, guest) = hostile()?;
        let instance = guest.instance().expect("made from an instance");
        let buffer = guest.copy_in(&mut store, b"kept")?;
        drop(guest); // the last clone: its ledger goes with it
        // A new `Guest` of the same instance has a ledger of its own.
        let again = Guest::new(&mut store, instance, convention())?;
        let error = again.read(&store, &buffer).unwrap_err();
        assert!(
            matches!(&error, Error::ForeignBuffer { len: 4, .. }),
            "{error}"
        );
        let error = again.release(&mut store, buffer).unwrap_err();
        assert!(
            matches!(&error, Error::ForeignBuffer { len: 4, .. }),
            "{error}"
        );
        assert_eq!(live(&mut store, &again)?, 1, "nobody frees it now");
        Ok(())
    }

    #[test]
    fn a_new_instance_starts_clean() -> Result<(), Error> {
        let engine = Engine::default();
        let pre = prepared(&engine)?;
        let (mut store, guest) = instantiate(&engine, &pre, Sandbox::default())?;
        let trap_after_allocating = guest.export(&mut store, "trap_after_allocating")?;
        assert!(
            trap_after_allocating
                .call_string(&mut store, "lost")
                .is_err()
        );
        assert_eq!(live(&mut store, &guest)?, 1, "the lost block");
        // ANCHOR: fresh_instance
        // After a trap, the instance is whatever the guest left: drop its
        // store, and make a new one from what was linked once.
        drop(store);
        let (mut store, guest) = instantiate(&engine, &pre, Sandbox::default())?;
        // ANCHOR_END: fresh_instance
        assert_carries_on(&mut store, &guest, 0);
        Ok(())
    }
}

pub mod huge_table {
    use book_harness::expected::assert_expected;
    use wasmtime::{Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder};

    #[test]
    fn store_limits_cap_tables() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH18_HUGE_TABLE)?;
        // ANCHOR: table_limit
        let limits = StoreLimitsBuilder::new().table_elements(10_000).build();
        let mut store: Store<StoreLimits> = Store::new(&engine, limits);
        store.limiter(|limits| limits);
        // ANCHOR_END: table_limit
        let error = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap_err();
        assert_expected(
            "ch18-hostile-guests/table-limit.txt",
            &error.root_cause().to_string(),
        );
        // Without the limit it instantiates: the table is the module's right.
        let mut unlimited = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut unlimited, &module)?;
        let table = instance
            .get_table(&mut unlimited, "table")
            .expect("exported");
        assert_eq!(table.size(&unlimited), 1_000_000);
        Ok(())
    }
}

/// Chapter 18's soak, shortened for the tests: `ci/soak` runs a million.
pub mod soak {
    use book_harness::soak::{Figures, soak};

    #[test]
    fn round_trips_leave_nothing_behind_and_memory_stops_growing() -> wasmtime::Result<()> {
        let engine = wasmtime::Engine::default();
        let Figures {
            pages_after_warm_up,
            pages_at_end,
            live_at_end,
            held_at_end,
            ..
        } = soak(&engine, 20_000, 1_000, 20_000, |_| {})?;
        assert_eq!(
            pages_at_end, pages_after_warm_up,
            "the guest's memory grew after the warm-up"
        );
        assert_eq!((live_at_end, held_at_end), (0, 0));
        Ok(())
    }
}

/// The chapter names the tests that prove its checklist: each name must be
/// a test of this file, in the module it says.
#[test]
fn every_test_the_chapter_names_exists() {
    let chapter =
        std::fs::read_to_string(book_harness::repo_root().join("src/ch18-hostile-guests.md"))
            .expect("chapter 18");
    let source = include_str!("ch18_hostile_guests.rs");
    let named =
        regex::Regex::new(r"`(hostile|huge_table|liar|soak)::([a-z0-9_]+)`").expect("valid");
    let mut checked = 0;
    for name in named.captures_iter(&chapter) {
        let (module, test) = (&name[1], &name[2]);
        let start = source
            .find(&format!("pub mod {module} {{"))
            .expect("the module exists");
        let end = source[start + 1..]
            .find("\npub mod ")
            .map_or(source.len(), |at| start + 1 + at);
        assert!(
            source[start..end].contains(&format!("fn {test}(")),
            "chapter 18 names `{module}::{test}`, which is not a test of this file"
        );
        checked += 1;
    }
    assert!(
        checked >= 20,
        "only {checked} test names found in chapter 18"
    );
}
