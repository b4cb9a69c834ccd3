//! Chapter 18: a host facing a guest that lies. Every test provokes one
//! lie or one misbehaviour and asserts three things: the host's error is
//! the specific one (its variant and its values, and the message the
//! chapter shows), the host holds no buffer afterwards, and the guest's
//! live allocations are what they were, or what the test says the guest
//! itself lost. Then an honest call shows that both carry on.

pub mod hostile {
    use std::time::{Duration, Instant};

    use book_harness::CH18_HOSTILE;
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

    // ANCHOR: setup
    /// The hostile guest, linked once for `engine`.
    fn prepared(engine: &Engine) -> Result<InstancePre<Sandbox>, Error> {
        let module = Module::from_file(engine, CH18_HOSTILE)?;
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
    // ANCHOR_END: setup

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
/// A guest given one of the host's own addresses (wasm3#114): a wasm
/// address is an offset into the guest's memory, so it reaches nothing of
/// the host's.
pub mod native_pointer {
    use wasm_memory_host::bounds::checked_range;
    use wasmtime::{Caller, Extern, Instance, Linker, Store, bail};

    /// Bytes of the host's, which no guest may reach.
    static HOST_DATA: [u8; 16] = *b"the host's bytes";

    fn instantiate() -> wasmtime::Result<(Store<()>, Instance)> {
        let engine = book_harness::engine();
        let module = book_harness::module(book_harness::CH18_NATIVE_POINTER)?;
        let mut linker = Linker::new(engine);
        // ANCHOR: native_host_functions
        // Wrong: the host's own address of its bytes, cut to 32 bits.
        linker.func_wrap("env", "get_data", || HOST_DATA.as_ptr() as usize as u32)?;
        // Right: the guest's pointer is an offset into the guest's memory,
        // which the host checks, then copies its bytes there.
        linker.func_wrap(
            "env",
            "copy_data",
            |mut caller: Caller<'_, ()>, ptr: u32, len: u32| -> wasmtime::Result<u32> {
                let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                    bail!("the guest exports no memory");
                };
                let len = len.min(u32::try_from(HOST_DATA.len())?);
                let range = checked_range(ptr, len, memory.data_size(&caller), len)?;
                memory.data_mut(&mut caller)[range].copy_from_slice(&HOST_DATA[..len as usize]);
                Ok(len)
            },
        )?;
        // ANCHOR_END: native_host_functions
        let mut store = Store::new(engine, ());
        let instance = linker.instantiate(&mut store, &module)?;
        Ok((store, instance))
    }

    #[test]
    fn a_host_address_reaches_only_the_guest_s_own_memory() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        let read = instance.get_typed_func::<(), u32>(&mut store, "first_byte_at_host_address")?;
        // ANCHOR: host_address
        match read.call(&mut store, ()) {
            // Nearly always: the number is past the end of the guest's 64 KiB.
            Err(trap) => {
                assert_eq!(
                    trap.root_cause().to_string(),
                    "wasm trap: out of bounds memory access"
                );
            }
            // Else it is an offset inside them: the guest read its own byte.
            Ok(byte) => {
                let memory = instance.get_memory(&mut store, "memory").expect("exported");
                let offset = HOST_DATA.as_ptr() as usize as u32 as usize;
                assert_eq!(byte, u32::from(memory.data(&store)[offset]));
            }
        }
        // ANCHOR_END: host_address
        Ok(())
    }

    #[test]
    fn the_host_copies_into_a_buffer_the_guest_lends() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        let read = instance.get_typed_func::<(), u32>(&mut store, "first_byte_copied")?;
        assert_eq!(read.call(&mut store, ())?, u32::from(b't'));
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        assert_eq!(memory.data(&store)[1024..1040], HOST_DATA);
        Ok(())
    }
}

/// A host that adds the guest's offset to its memory's base address, as
/// freenet-core's host functions did (freenet-core#2864), then the checks
/// that fix it. No test reads through an unchecked address: that read would
/// be undefined behaviour in the host. The tests say where it would go.
pub mod compute_ptr {
    use std::ops::Range;

    use book_harness::expected::assert_expected;
    use wasmtime::{
        Caller, Config, Engine, Extern, Instance, InstanceAllocationStrategy, Linker, Memory,
        Module, PoolingAllocationConfig, Store, bail,
    };

    // ANCHOR: compute_ptr
    /// freenet-core's helper before its fix: the guest's offset, added to
    /// the address where the guest's memory starts in the host. Nothing is
    /// checked. (`wrapping_add`: what a release build computes.)
    fn compute_ptr(ptr: i64, start_ptr: i64) -> *const u8 {
        start_ptr.wrapping_add(ptr) as usize as *const u8
    }
    // ANCHOR_END: compute_ptr

    // ANCHOR: checks
    /// The error code freenet-core's host functions return for a bad range.
    const ERR_MEMORY_BOUNDS: i32 = -7;

    /// freenet-core's first fix (freenet-core#3013), as its description
    /// lists the checks: no negative offset, no overflow, and an end within
    /// 4 GiB, the most a 32-bit memory can ever have.
    fn within_4_gib(ptr: i64, len: i32) -> bool {
        let (Ok(ptr), Ok(len)) = (u64::try_from(ptr), u64::try_from(len)) else {
            return false; // negative
        };
        ptr.checked_add(len).is_some_and(|end| end <= 1 << 32)
    }

    /// The check this chapter asks for: the range, in arithmetic that cannot
    /// overflow, against the memory's size at the moment of the access.
    fn checked(ptr: i64, len: i32, memory_size: usize) -> Option<Range<usize>> {
        let start = usize::try_from(ptr).ok()?; // a negative offset fails here
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        (end <= memory_size).then_some(start..end)
    }

    /// The memory of the guest calling a host function.
    fn exported_memory(caller: &mut Caller<'_, Vec<String>>) -> wasmtime::Result<Memory> {
        match caller.get_export("memory") {
            Some(Extern::Memory(memory)) => Ok(memory),
            _ => bail!("the guest exports no memory"),
        }
    }
    // ANCHOR_END: checks

    /// Where `len` bytes at `address` lie, seen from a memory of `size`
    /// bytes at `base`.
    fn whereabouts(address: usize, len: i32, base: usize, size: usize) -> String {
        let len = usize::try_from(len).unwrap_or(0);
        if address < base {
            return format!("{} bytes before the memory", base - address);
        }
        let offset = address - base;
        if offset.saturating_add(len) <= size {
            "inside the memory".into()
        } else if offset >= size {
            format!("{} bytes past its end", offset - size)
        } else {
            format!("inside, and {} bytes past its end", offset + len - size)
        }
    }

    /// The guest, with `info` defined the unchecked way (`checked` false:
    /// it records where its read would go, and returns 0) or the checked way
    /// (it logs the bytes, or returns `ERR_MEMORY_BOUNDS`).
    fn instantiate(
        engine: &Engine,
        checks: bool,
    ) -> wasmtime::Result<(Store<Vec<String>>, Instance)> {
        let module = Module::from_file(engine, book_harness::CH18_COMPUTE_PTR)?;
        let mut linker = Linker::new(engine);
        if checks {
            // ANCHOR: checked_info
            linker.func_wrap(
                "freenet_log",
                "info",
                |mut caller: Caller<'_, Vec<String>>,
                 ptr: i64,
                 len: i32|
                 -> wasmtime::Result<i32> {
                    let memory = exported_memory(&mut caller)?;
                    let Some(range) = checked(ptr, len, memory.data_size(&caller)) else {
                        return Ok(ERR_MEMORY_BOUNDS);
                    };
                    let text = String::from_utf8_lossy(&memory.data(&caller)[range]).into_owned();
                    caller.data_mut().push(text);
                    Ok(0)
                },
            )?;
            // ANCHOR_END: checked_info
        } else {
            linker.func_wrap(
                "freenet_log",
                "info",
                |mut caller: Caller<'_, Vec<String>>,
                 ptr: i64,
                 len: i32|
                 -> wasmtime::Result<i32> {
                    let memory = exported_memory(&mut caller)?;
                    let start_ptr = memory.data_ptr(&caller) as usize as i64;
                    let address = compute_ptr(ptr, start_ptr) as usize;
                    // The unchecked host would now read `len` bytes at `address`.
                    let base = memory.data_ptr(&caller) as usize;
                    let seen = whereabouts(address, len, base, memory.data_size(&caller));
                    caller.data_mut().push(seen);
                    Ok(0)
                },
            )?;
        }
        let mut store = Store::new(engine, Vec::new());
        let instance = linker.instantiate(&mut store, &module)?;
        Ok((store, instance))
    }

    /// The lies: before the memory, across its end, past it, and an offset
    /// whose sum with the base overflows.
    const LIES: [(i64, i32); 4] = [(-16, 16), (65_528, 16), (1 << 20, 16), (i64::MAX, 16)];

    #[test]
    fn an_unchecked_offset_reaches_outside_the_memory() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate(book_harness::engine(), false)?;
        let log = instance.get_typed_func::<(i64, i32), i32>(&mut store, "log")?;
        let mut report = String::from("compute_ptr, unchecked, in a memory of 65536 bytes:\n");
        for (ptr, len) in LIES {
            log.call(&mut store, (ptr, len))?;
            let seen = store.data_mut().pop().expect("info was called");
            let by_4_gib = if within_4_gib(ptr, len) {
                "passes"
            } else {
                "refused"
            };
            report.push_str(&format!(
                "info({ptr}, {len}): {seen}; the 4 GiB check: {by_4_gib}\n"
            ));
        }
        // The honest call: the 20 bytes of the guest's data at 16.
        log.call(&mut store, (16, 20))?;
        assert_eq!(
            store.data().last().map(String::as_str),
            Some("inside the memory")
        );
        assert_expected("ch18-hostile-guests/compute-ptr.txt", &report);
        Ok(())
    }

    #[test]
    fn the_checked_host_returns_err_memory_bounds() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate(book_harness::engine(), true)?;
        let log = instance.get_typed_func::<(i64, i32), i32>(&mut store, "log")?;
        for (ptr, len) in LIES {
            assert_eq!(
                log.call(&mut store, (ptr, len))?,
                ERR_MEMORY_BOUNDS,
                "{ptr}"
            );
        }
        assert!(store.data().is_empty(), "nothing was read");
        assert_eq!(log.call(&mut store, (16, 20))?, 0);
        assert_eq!(store.data(), &["hello from the guest"]);
        // The size is read at each call: after a growth, the same range is
        // the guest's, and the check takes it.
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        assert_eq!(log.call(&mut store, (65_528, 16))?, ERR_MEMORY_BOUNDS);
        memory.grow(&mut store, 1)?;
        assert_eq!(log.call(&mut store, (65_528, 16))?, 0);
        Ok(())
    }

    // ANCHOR: small_slots
    /// An engine with wasmtime's pooling allocator, two slots, and each
    /// memory's reservation `reservation` bytes (`None`: the default).
    fn pool(reservation: Option<u64>) -> wasmtime::Result<Engine> {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_memories(2)
            .total_core_instances(2)
            .total_tables(2);
        let mut config = Config::new();
        if let Some(bytes) = reservation {
            pool.max_memory_size(usize::try_from(bytes)?);
            config.memory_reservation(bytes);
        }
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        Engine::new(&config)
    }
    // ANCHOR_END: small_slots

    /// From the first guest's host function: the offset of the second
    /// guest's "hello", and whether the 4 GiB check lets it through.
    fn offset_to_the_other_guest(engine: &Engine) -> wasmtime::Result<(i64, bool)> {
        let (mut first, first_instance) = instantiate(engine, false)?;
        let (mut second, second_instance) = instantiate(engine, false)?;
        let first_memory = first_instance
            .get_memory(&mut first, "memory")
            .expect("exported");
        let second_memory = second_instance
            .get_memory(&mut second, "memory")
            .expect("exported");
        let (from, to) = (
            first_memory.data_ptr(&first) as usize,
            second_memory.data_ptr(&second) as usize + 16,
        );
        let ptr = if to > from {
            i64::try_from(to - from)?
        } else {
            -i64::try_from(from - to)?
        };
        assert_eq!(
            compute_ptr(ptr, from as i64) as usize,
            to,
            "the other guest's bytes"
        );
        assert!(checked(ptr, 20, first_memory.data_size(&first)).is_none());
        Ok((ptr, within_4_gib(ptr, 20)))
    }

    #[test]
    fn the_4_gib_check_relies_on_4_gib_reservations() -> wasmtime::Result<()> {
        // wasmtime's default: each slot reserves 4 GiB and a guard, so the
        // next guest's memory is further than any offset the check lets by.
        let (ptr, passes) = offset_to_the_other_guest(&pool(None)?)?;
        assert!(!passes, "{ptr}");
        assert!(ptr.unsigned_abs() > 1 << 32);
        // Slots that reserve 16 MiB each, to fit more instances: the next
        // guest's memory is 16 MiB and a guard away, well under 4 GiB.
        let (ptr, passes) = offset_to_the_other_guest(&pool(Some(16 << 20))?)?;
        assert!(ptr.unsigned_abs() < 1 << 32, "{ptr}");
        assert_eq!(passes, ptr > 0, "a positive offset under 4 GiB passes");
        assert_expected(
            "ch18-hostile-guests/next-slot.txt",
            &format!(
                "16 MiB slots: the other guest's bytes are {} MiB {} the first guest's memory; the 4 GiB check: {}\n",
                ptr.unsigned_abs() >> 20,
                if ptr > 0 { "after" } else { "before" },
                if passes { "passes" } else { "refused" }
            ),
        );
        Ok(())
    }
}

/// Spectre (wasmtime#1032): the conditional move that keeps a misspeculated
/// bounds check from reading past the heap, and the heaps that need none.
pub mod bounds_check {
    use book_harness::expected::assert_expected;
    use wasmtime::{Config, Engine, Module};

    /// The machine code of the listing's one function, compiled with
    /// `config`, and with the heap's Spectre mitigation on or off.
    fn compiled(mut config: Config, mitigation: bool) -> wasmtime::Result<Vec<u8>> {
        // ANCHOR: flag
        let value = if mitigation { "true" } else { "false" };
        // SAFETY: the flag is one of Cranelift's settings, and both values
        // produce correct code; `false` only drops the mitigation.
        unsafe { config.cranelift_flag_set("enable_heap_access_spectre_mitigation", value) };
        // ANCHOR_END: flag
        let engine = Engine::new(&config)?;
        let module = Module::from_file(&engine, book_harness::CH18_BOUNDS_CHECK)?;
        let load = module.functions().next().expect("one function");
        Ok(module.text()[load.offset..load.offset + load.len].to_vec())
    }

    #[test]
    fn the_mitigation_changes_only_code_that_checks_bounds() -> wasmtime::Result<()> {
        // ANCHOR: configs
        // wasmtime's default on 64-bit hosts: 4 GiB reserved, a 32 MiB
        // guard after it. No 32-bit address plus offset leaves that range.
        let guarded = Config::new();
        // A memory that reserves what it uses and no guard: every access is
        // compared with the memory's size first.
        let mut checked = Config::new();
        checked.memory_reservation(0).memory_guard_size(0);
        // ANCHOR_END: configs
        let guarded_on = compiled(guarded.clone(), true)?;
        let guarded_off = compiled(guarded, false)?;
        let checked_on = compiled(checked.clone(), true)?;
        let checked_off = compiled(checked, false)?;
        assert_eq!(guarded_on, guarded_off, "a guarded heap compiles the same");
        assert_ne!(
            checked_on, checked_off,
            "a checked heap gets the mitigation"
        );
        assert!(
            checked_on.len() > checked_off.len(),
            "a conditional move more"
        );
        assert!(
            checked_off.len() > guarded_off.len(),
            "the bounds check itself"
        );
        assert_expected(
            "ch18-hostile-guests/spectre-mitigation.txt",
            &format!(
                "bytes of machine code for `load`, with the mitigation on and off:\n\
                 4 GiB reserved and a guard: {} and {}\n\
                 nothing reserved, no guard: {} and {}\n",
                guarded_on.len(),
                guarded_off.len(),
                checked_on.len(),
                checked_off.len()
            ),
        );
        Ok(())
    }
}

/// A memory limit without a limiter (wasmtime#2273): the limit of a memory
/// the host creates, and the maximum a module declares, checked before it
/// is instantiated.
pub mod imported_memory {
    use wasmtime::{Config, Engine, Instance, Memory, MemoryType, Module, Store};

    /// The guest, given a memory of `ty` that the host created.
    fn instantiate(ty: MemoryType) -> wasmtime::Result<(Store<()>, Instance, Memory)> {
        instantiate_in(&Engine::default(), ty)
    }

    /// The same, in an engine of the test's choosing.
    fn instantiate_in(
        engine: &Engine,
        ty: MemoryType,
    ) -> wasmtime::Result<(Store<()>, Instance, Memory)> {
        let module = Module::from_file(engine, book_harness::CH18_IMPORTED_MEMORY)?;
        let mut store = Store::new(engine, ());
        // ANCHOR: create
        let memory = Memory::new(&mut store, ty)?;
        let instance = Instance::new(&mut store, &module, &[memory.into()])?;
        // ANCHOR_END: create
        Ok((store, instance, memory))
    }

    #[test]
    fn a_memory_the_host_creates_has_the_host_s_limit() -> wasmtime::Result<()> {
        // No maximum: the guest takes 200 pages more, 12.6 MiB in all.
        let (mut store, instance, memory) = instantiate(MemoryType::new(1, None))?;
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
        assert_eq!(grow.call(&mut store, 200)?, 1);
        assert_eq!(memory.data_size(&store), 201 << 16);

        // ANCHOR: limit
        let five_mib = MemoryType::new(1, Some(80)); // 80 pages of 64 KiB
        // ANCHOR_END: limit
        let (mut store, instance, memory) = instantiate(five_mib)?;
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
        assert_eq!(
            grow.call(&mut store, 200)?,
            -1,
            "refused: memory.grow answers -1"
        );
        assert_eq!(grow.call(&mut store, 79)?, 1, "up to the limit");
        assert_eq!(grow.call(&mut store, 1)?, -1);
        assert_eq!(memory.data_size(&store), 5 << 20);
        Ok(())
    }

    /// An engine that reserves only what a memory uses, as a host that packs
    /// many instances might: growth then moves the memory.
    fn tight_engine() -> wasmtime::Result<Engine> {
        let mut config = Config::new();
        config
            .memory_reservation(0)
            .memory_reservation_for_growth(0)
            .memory_guard_size(0);
        Engine::new(&config)
    }

    #[test]
    fn a_base_address_kept_across_a_call_goes_stale() -> wasmtime::Result<()> {
        // With the default 4 GiB reservation the memory never moves, so a
        // kept address happens to stay right: the bug hides.
        let (mut store, instance, memory) = instantiate(MemoryType::new(1, None))?;
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
        let base = memory.data_ptr(&store);
        grow.call(&mut store, 1)?;
        assert_eq!(memory.data_ptr(&store), base);

        let (mut store, instance, memory) =
            instantiate_in(&tight_engine()?, MemoryType::new(1, None))?;
        // ANCHOR: stale_base
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
        memory.data_mut(&mut store)[..5].copy_from_slice(b"hello");
        // A raw address is no borrow: the borrow checker lets it live on.
        let base = memory.data_ptr(&store);
        assert_eq!(grow.call(&mut store, 1)?, 1); // the guest grows its memory
        // The memory moved: `base` now points at bytes the memory left
        // behind, and reading through it would be undefined behaviour.
        assert_ne!(memory.data_ptr(&store), base);
        // The fix: ask the `Memory` for its bytes again after every call.
        assert_eq!(&memory.data(&store)[..5], b"hello");
        assert_eq!(memory.data_size(&store), 2 << 16);
        // ANCHOR_END: stale_base
        Ok(())
    }
}

pub mod capped_memory {
    use wasmparser::{Parser, Payload};
    use wasmtime::{Engine, Instance, Module, Store, bail};

    // ANCHOR: declared
    /// Refuses a module unless every memory it defines declares a maximum
    /// of at most `max_pages`. (A memory it imports is the host's to create,
    /// with the host's limit.)
    fn check_declared_maximum(wasm: &[u8], max_pages: u64) -> wasmtime::Result<()> {
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::MemorySection(memories) = payload? {
                for memory in memories {
                    match memory?.maximum {
                        Some(maximum) if maximum <= max_pages => {}
                        Some(maximum) => bail!("a memory of up to {maximum} pages"),
                        None => bail!("a memory with no maximum"),
                    }
                }
            }
        }
        Ok(())
    }
    // ANCHOR_END: declared

    #[test]
    fn a_module_s_declared_maximum_is_checked_before_instantiating() -> wasmtime::Result<()> {
        let capped = std::fs::read(book_harness::CH18_CAPPED_MEMORY)?;
        let hostile = std::fs::read(book_harness::CH18_HOSTILE)?;
        check_declared_maximum(&capped, 80)?;
        let refused = check_declared_maximum(&hostile, 80).unwrap_err();
        assert_eq!(refused.to_string(), "a memory with no maximum");
        // The declared maximum binds the guest whatever it asks for.
        let engine = Engine::default();
        let module = Module::new(&engine, &capped)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
        assert_eq!(grow.call(&mut store, 200)?, -1);
        assert_eq!(grow.call(&mut store, 79)?, 1);
        Ok(())
    }
}

/// A core instance re-entered after a trap runs on the state the trap left.
pub mod busy_counter {
    use wasmtime::{Engine, Instance, Module, Store, Trap};

    #[test]
    fn a_core_instance_can_be_entered_after_a_trap_and_is_broken() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH18_BUSY_COUNTER)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let add = instance.get_typed_func::<i32, i32>(&mut store, "add")?;
        // ANCHOR: core
        assert_eq!(add.call(&mut store, 2)?, 2);
        let trap = add.call(&mut store, 0).unwrap_err(); // traps half-way
        assert_eq!(trap.downcast_ref(), Some(&Trap::UnreachableCodeReached));
        // Core wasm lets the host call again, on the state the trap left:
        // `$busy` is still set, and every call traps from now on.
        let again = add.call(&mut store, 1).unwrap_err();
        assert_eq!(again.downcast_ref(), Some(&Trap::UnreachableCodeReached));
        // ANCHOR_END: core
        Ok(())
    }
}

/// The same counter as a component (wasmtime#10995): after a trap, the
/// Component Model refuses to enter it at all.
pub mod busy_component {
    use book_harness::expected::assert_expected;
    use wasmtime::component::{Component, Instance, Linker};
    use wasmtime::{Engine, Module, Store};

    /// The component and the core module it imports, linked once.
    fn linked(engine: &Engine) -> wasmtime::Result<(Component, Linker<()>)> {
        let component = Component::from_file(engine, book_harness::CH18_BUSY_COMPONENT)?;
        let counter = Module::from_file(engine, book_harness::CH18_BUSY_COUNTER)?;
        let mut linker = Linker::new(engine);
        linker.root().module("counter", &counter)?;
        Ok((component, linker))
    }

    // ANCHOR: add
    /// Calls the component's `add(n) -> u32`.
    fn add(store: &mut Store<()>, instance: &Instance, n: u32) -> wasmtime::Result<u32> {
        let add = instance.get_typed_func::<(u32,), (u32,)>(&mut *store, "add")?;
        Ok(add.call(&mut *store, (n,))?.0)
    }
    // ANCHOR_END: add

    #[test]
    fn a_trapped_component_instance_cannot_be_entered() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (component, linker) = linked(&engine)?;
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component)?;
        // ANCHOR: refused
        assert_eq!(add(&mut store, &instance, 2)?, 2);
        let trap = add(&mut store, &instance, 0).unwrap_err();
        let refused = add(&mut store, &instance, 1).unwrap_err();
        // ANCHOR_END: refused
        // A second instance in the same store is refused too: wasmtime 48
        // marks the whole store as trapped.
        let second = linker.instantiate(&mut store, &component)?;
        let also_refused = add(&mut store, &second, 1).unwrap_err();
        assert_eq!(also_refused.to_string(), refused.to_string());
        assert_expected(
            "ch18-hostile-guests/cannot-enter.txt",
            &format!(
                "add(0): {}\nadd(1), same instance: {}\nadd(1), a new instance in the same store: {}\n",
                trap.root_cause(),
                refused.root_cause(),
                also_refused.root_cause()
            ),
        );
        // ANCHOR: new_store
        // Start over: a new store, and the component instantiated in it.
        drop(store);
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component)?;
        assert_eq!(add(&mut store, &instance, 1)?, 1); // a fresh total
        // ANCHOR_END: new_store
        Ok(())
    }
}

#[test]
fn every_test_the_chapter_names_exists() {
    let chapter =
        std::fs::read_to_string(book_harness::repo_root().join("src/ch18-hostile-guests.md"))
            .expect("chapter 18");
    let source = include_str!("ch18_hostile_guests.rs");
    let named =
        regex::Regex::new(r"`(hostile|huge_table|liar|soak|native_pointer|compute_ptr|bounds_check|imported_memory|capped_memory|busy_counter|busy_component)::([a-z0-9_]+)`").expect("valid");
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
