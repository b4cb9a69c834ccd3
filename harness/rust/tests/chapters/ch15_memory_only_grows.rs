pub mod growing_guest {
    use book_harness::expected::assert_expected;
    use book_harness::recycling::{growing_guest, pooling_engine};
    use wasmtime::{
        Config, Engine, InstanceAllocationStrategy, InstancePre, PoolingAllocationConfig, Store,
        Trap,
    };

    const MIB: u32 = 1024 * 1024;

    // ANCHOR: growing
    /// The guest in a store of its own, and a shorthand for its exports.
    struct Growing {
        store: Store<()>,
        instance: wasmtime::Instance,
    }

    impl Growing {
        fn from(pre: &InstancePre<()>) -> wasmtime::Result<Self> {
            let mut store = Store::new(pre.module().engine(), ());
            let instance = pre.instantiate(&mut store)?;
            Ok(Growing { store, instance })
        }

        fn call(&mut self, export: &str, len: u32) -> wasmtime::Result<u32> {
            let func = self
                .instance
                .get_typed_func::<u32, u32>(&mut self.store, export)?;
            func.call(&mut self.store, len)
        }

        /// The memory's size in pages, as the host sees it.
        fn pages(&mut self) -> u64 {
            let memory = self.instance.get_memory(&mut self.store, "memory");
            let memory = memory.expect("exports its memory");
            memory.size(&self.store)
        }
    }
    // ANCHOR_END: growing

    #[test]
    fn freeing_does_not_shrink_memory() -> wasmtime::Result<()> {
        let pre = growing_guest(book_harness::engine())?;
        let mut guest = Growing::from(&pre)?;
        // ANCHOR: never_shrinks
        let before = guest.pages();
        guest.call("work_fresh", 8 * MIB)?; // allocated, used and freed
        let after = guest.pages();
        guest
            .instance
            .get_typed_func::<(), ()>(&mut guest.store, "forget")?
            .call(&mut guest.store, ())?;
        assert_eq!(guest.pages(), after); // nothing gives the pages back
        // ANCHOR_END: never_shrinks
        assert!(after >= before + 128, "8 MiB are 128 pages");
        let pages = guest
            .instance
            .get_typed_func::<(), u32>(&mut guest.store, "pages")?;
        assert_eq!(
            u64::from(pages.call(&mut guest.store, ())?),
            after,
            "the guest agrees"
        );
        assert_expected(
            "ch15-memory-only-grows/never-shrinks.txt",
            &format!(
                "pages before: {before}\n\
                 after an 8 MiB buffer was allocated and freed: {after}\n\
                 after everything was freed: {}\n",
                guest.pages()
            ),
        );
        Ok(())
    }

    #[test]
    fn kept_buffers_grow_memory_and_a_reused_one_does_not() -> wasmtime::Result<()> {
        let pre = growing_guest(book_harness::engine())?;
        let mut table = String::from(
            "| Strategy | pages at start | after 1 call | after 100 calls |\n|---|---|---|---|\n",
        );
        let mut after_100 = Vec::new();
        for export in ["work_and_remember", "work_fresh", "work_in_scratch"] {
            let mut guest = Growing::from(&pre)?;
            let start = guest.pages();
            guest.call(export, 64 * 1024)?;
            let one = guest.pages();
            for _ in 1..100 {
                assert_eq!(guest.call(export, 64 * 1024)?, 64 * 1024);
            }
            let hundred = guest.pages();
            table.push_str(&format!("| `{export}` | {start} | {one} | {hundred} |\n"));
            after_100.push(hundred - one);
        }
        assert_expected("ch15-memory-only-grows/strategies.md", &table);
        // Remembering grows by at least a page per call; the others not at all.
        assert!(after_100[0] >= 99, "{table}");
        assert_eq!(after_100[1..], [0, 0], "{table}");
        Ok(())
    }

    #[test]
    fn a_new_instance_starts_at_the_module_s_size() -> wasmtime::Result<()> {
        let pre = growing_guest(book_harness::engine())?; // linked once
        // ANCHOR: instance_pre
        let mut first = Growing::from(&pre)?;
        let initial = first.pages();
        first.call("work_and_remember", 8 * MIB)?;
        assert!(first.pages() > initial);
        drop(first); // the store, and its memory, are gone

        let mut second = Growing::from(&pre)?;
        assert_eq!(second.pages(), initial);
        // ANCHOR_END: instance_pre
        Ok(())
    }

    #[test]
    fn a_reused_pool_slot_is_reset_to_the_module_s_memory() -> wasmtime::Result<()> {
        // One slot: every instance after the first reuses it.
        let engine = pooling_engine(1)?;
        let pre = growing_guest(&engine)?;
        let mut first = Growing::from(&pre)?;
        let initial = first.pages();
        let memory = first.instance.get_memory(&mut first.store, "memory");
        let memory = memory.expect("exports its memory");
        first.call("work_and_remember", 8 * MIB)?;
        let last = memory.data_size(&first.store) - 1;
        memory.data_mut(&mut first.store)[last] = 0xee; // a mark past the initial size
        // While it lives, the slot is taken: a second instance is refused.
        assert!(Growing::from(&pre).is_err(), "one slot, one instance");
        drop(first);

        let mut next = Growing::from(&pre)?; // the same slot
        assert_eq!(next.pages(), initial);
        let memory = next.instance.get_memory(&mut next.store, "memory");
        let memory = memory.expect("exports its memory");
        assert_eq!(memory.grow(&mut next.store, 200)?, initial);
        assert_eq!(memory.data(&next.store)[last], 0, "the old mark is gone");
        Ok(())
    }

    #[test]
    fn dropping_each_store_gives_its_instance_back() -> wasmtime::Result<()> {
        // A pool of one slot: an instance whose store is still alive holds
        // it, so a second instance is refused instead of using more memory.
        let engine = pooling_engine(1)?;
        let pre = growing_guest(&engine)?;
        // ANCHOR: per_run
        // Kept: the engine, the module, the linking (`pre`). Per run: a store
        // and an instance, dropped at the end of the iteration.
        for _ in 0..1_000 {
            let mut run = Growing::from(&pre)?;
            run.call("work_fresh", 64 * 1024)?;
        } // 1,000 runs in one slot: each dropped store gave it back
        // ANCHOR_END: per_run
        let kept = Growing::from(&pre)?; // a store that outlives its run
        let Err(error) = Growing::from(&pre) else {
            panic!("a second instance while the first store lives");
        };
        assert_expected(
            "ch15-memory-only-grows/store-kept.txt",
            &format!("{error:#}\n"),
        );
        drop(kept);
        Growing::from(&pre)?; // its slot is free again
        Ok(())
    }

    #[test]
    fn a_pool_slot_caps_the_memory() -> wasmtime::Result<()> {
        let engine = pooling_engine(1)?;
        let mut guest = Growing::from(&growing_guest(&engine)?)?;
        // 32 MiB do not fit in a 16 MiB slot: the allocator's `memory.grow`
        // fails, and Rust's allocation failure aborts the guest.
        let error = guest.call("work_fresh", 32 * MIB).unwrap_err();
        assert_eq!(
            error.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        Ok(())
    }

    /// A pool whose idle slots keep `keep` bytes of their memory resident.
    fn keeping_pool(keep: usize) -> wasmtime::Result<Engine> {
        // ANCHOR: keep_resident
        let mut pool = PoolingAllocationConfig::default();
        pool.total_memories(4)
            .total_core_instances(4)
            .total_tables(4)
            .max_memory_size(16 << 20)
            // After an instance goes, reset the first `keep` bytes of its slot
            // with `memset` and keep them in RAM for the next instance; give
            // the rest back with `madvise`. The default keeps nothing.
            .linear_memory_keep_resident(keep)
            // At most this many idle slots that once held an instance (100
            // by default); beyond them, idle slots are reused before new ones.
            .max_unused_warm_slots(1);
        let mut config = Config::new();
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // ANCHOR_END: keep_resident
        Engine::new(&config)
    }

    #[test]
    fn an_idle_slot_keeps_only_what_keep_resident_says() -> wasmtime::Result<()> {
        // The bytes of a new instance, from an engine without a pool.
        let fresh = {
            let mut guest = Growing::from(&growing_guest(book_harness::engine())?)?;
            let memory = guest.instance.get_memory(&mut guest.store, "memory");
            memory
                .expect("exports its memory")
                .data(&guest.store)
                .to_vec()
        };
        let mut report = String::new();
        for keep in [0, MIB as usize] {
            let engine = keeping_pool(keep)?;
            let pre = growing_guest(&engine)?;
            // ANCHOR: idle
            let mut guest = Growing::from(&pre)?;
            guest.call("work_fresh", 8 * MIB)?; // touches 8 MiB, frees them
            drop(guest); // the slot is idle now, and warm
            let pool = engine.pooling_allocator_metrics().expect("a pool");
            let (warm, resident) = (
                pool.unused_warm_memories(),
                pool.unused_memory_bytes_resident(),
            );
            // ANCHOR_END: idle
            assert_eq!(warm, 1, "one idle slot that held an instance");
            report.push_str(&format!(
                "linear_memory_keep_resident({keep}): {warm} idle warm slot, \
                 {resident} bytes of it kept resident\n"
            ));
            // Kept or not, the next instance finds the bytes of a new one.
            let mut next = Growing::from(&pre)?;
            let memory = next.instance.get_memory(&mut next.store, "memory");
            let memory = memory.expect("exports its memory");
            assert!(memory.data(&next.store) == fresh, "a reused slot is reset");
            drop(next);
            // In wasmtime 48 nothing else releases them; dropping every
            // module that used the slot does.
            drop(pre);
            report.push_str(&format!(
                "  once the module is dropped: {} bytes\n",
                pool.unused_memory_bytes_resident()
            ));
            if keep == 0 {
                assert_eq!(resident, 0, "nothing kept by default");
            } else {
                assert!(resident > 0 && resident <= keep, "{report}");
            }
        }
        assert_expected("ch15-memory-only-grows/keep-resident.txt", &report);
        Ok(())
    }
}

/// What one instance reserves of the process's address space
/// (wasmtime-go#84): measured in a process of its own, since the other
/// tests of this binary create instances on other threads at the same time.
pub mod address_space {
    use std::process::Command;

    use book_harness::expected::assert_expected;
    use book_harness::recycling::growing_guest;
    use wasmtime::{Config, Engine, InstancePre, Linker, Module, Store};

    /// The variable that makes `measured_in_a_process_of_its_own` measure.
    const CHILD: &str = "BOOK_CH15_ADDRESS_SPACE";
    const MIB: u64 = 1024 * 1024;

    /// This process's virtual memory size in bytes (`VmSize`, Linux).
    fn vm_size() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("Linux");
        let line = status.lines().find(|line| line.starts_with("VmSize:"));
        let kib = line
            .expect("VmSize")
            .split_whitespace()
            .nth(1)
            .expect("a number");
        kib.parse::<u64>().expect("KiB") * 1024
    }

    /// Instantiates `pre` three times, keeping every store, then drops them:
    /// the address space each live instance added, and what is left of it
    /// once they are gone, both in MiB.
    fn reserved(pre: &InstancePre<()>) -> wasmtime::Result<(u64, u64)> {
        let engine = pre.module().engine();
        // One instance first, dropped: what is mapped once per engine or
        // module is not counted.
        pre.instantiate(&mut Store::new(engine, ()))?;
        let before = vm_size();
        // ANCHOR: kept
        let mut stores = Vec::new();
        for _ in 0..3 {
            let mut store = Store::new(engine, ());
            pre.instantiate(&mut store)?;
            stores.push(store); // alive: its memory's reservation with it
        }
        // ANCHOR_END: kept
        let per_instance = (vm_size() - before) / 3;
        drop(stores);
        let left = vm_size().saturating_sub(before);
        Ok((per_instance.div_ceil(MIB), left.div_ceil(MIB)))
    }

    #[test]
    fn measured_in_a_process_of_its_own() -> wasmtime::Result<()> {
        if std::env::var_os(CHILD).is_none() {
            return Ok(()); // only `each_live_instance_reserves_address_space` runs it
        }
        let no_memory = wat::parse_str(r#"(module (func (export "foo")))"#)?;
        let engine = Engine::default();
        let module = Module::new(&engine, no_memory)?;
        let pre = Linker::new(&engine).instantiate_pre(&module)?;
        println!("a module without a memory: {:?}", reserved(&pre)?);
        println!(
            "the growing guest, 17 pages, wasmtime's defaults: {:?}",
            reserved(&growing_guest(&engine)?)?
        );
        // ANCHOR: small
        let mut config = Config::new();
        config
            .memory_reservation(0) // reserve what the memory has, no more
            .memory_reservation_for_growth(1 << 20) // and 1 MiB to grow into
            .memory_guard_size(0)
            .guard_before_linear_memory(false);
        // ANCHOR_END: small
        let small = Engine::new(&config)?;
        println!(
            "the growing guest, 17 pages, reserving what it uses: {:?}",
            reserved(&growing_guest(&small)?)?
        );
        Ok(())
    }

    #[test]
    fn each_live_instance_reserves_address_space() -> wasmtime::Result<()> {
        let me = std::env::current_exe()?;
        let path = module_path!().split_once("::").map_or("", |(_, path)| path);
        let name = format!("{path}::measured_in_a_process_of_its_own");
        let output = Command::new(me)
            .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()?;
        let stdout = String::from_utf8(output.stdout)?;
        assert!(output.status.success(), "{stdout}");
        let lines: Vec<&str> = stdout.lines().filter(|line| line.contains(": (")).collect();
        assert_eq!(lines.len(), 3, "{stdout}");
        let figures: Vec<(u64, u64)> = lines
            .iter()
            .map(|line| {
                let (_, pair) = line.rsplit_once(": (").expect("a pair");
                let (per, left) = pair.trim_end_matches(')').split_once(", ").expect("two");
                (per.parse().expect("MiB"), left.parse().expect("MiB"))
            })
            .collect();
        // No memory, nothing reserved; wasmtime's defaults, 4 GiB and a
        // 32 MiB guard on each side; a small reservation, about 2 MiB.
        assert!(figures[0].0 <= 1, "{stdout}");
        assert!((4_160..=4_162).contains(&figures[1].0), "{stdout}");
        assert!((2..=4).contains(&figures[2].0), "{stdout}");
        // Once the stores are dropped, the address space is given back.
        assert!(figures.iter().all(|&(_, left)| left <= 1), "{stdout}");
        assert_expected(
            "ch15-memory-only-grows/address-space.txt",
            &format!(
                "address space each live instance adds, in MiB (rounded up):\n\
                 a module without a memory: {}\n\
                 a memory, wasmtime's defaults: {} (4 GiB, and a 32 MiB guard on each side)\n\
                 a memory, reserving what it uses and 1 MiB to grow into: {}\n\
                 left once the stores are dropped: {}, {} and {}\n",
                figures[0].0, figures[1].0, figures[2].0, figures[0].1, figures[1].1, figures[2].1,
            ),
        );
        Ok(())
    }
}

/// One instance per thread, and why a copy of memory is not a reset.
pub mod bump_in_a_global {
    use book_harness::expected::assert_expected;
    use book_harness::recycling::pooling_engine;
    use wasmtime::{Engine, Instance, InstancePre, Linker, Memory, Module, Store};

    /// The guest compiled for `engine` and linked once: it imports nothing.
    fn bump_in_a_global(engine: &Engine) -> wasmtime::Result<InstancePre<()>> {
        let module = Module::from_file(engine, book_harness::CH15_BUMP_IN_A_GLOBAL)?;
        Linker::new(engine).instantiate_pre(&module)
    }

    // ANCHOR: bump
    /// An instance in a store of its own.
    struct Bump {
        store: Store<()>,
        instance: Instance,
        memory: Memory,
    }

    impl Bump {
        fn from(pre: &InstancePre<()>) -> wasmtime::Result<Self> {
            let mut store = Store::new(pre.module().engine(), ());
            let instance = pre.instantiate(&mut store)?;
            let memory = instance
                .get_memory(&mut store, "memory")
                .expect("exports its memory");
            Ok(Bump {
                store,
                instance,
                memory,
            })
        }

        fn allocate(&mut self, len: u32) -> wasmtime::Result<u32> {
            let allocate = self
                .instance
                .get_typed_func::<u32, u32>(&mut self.store, "allocate")?;
            allocate.call(&mut self.store, len)
        }

        fn pages(&self) -> u64 {
            self.memory.size(&self.store)
        }
    }
    // ANCHOR_END: bump

    /// Fails to compile unless `T` may be shared by threads.
    fn shared_by_threads<T: Send + Sync>() {}
    /// Fails to compile unless `T` may move to another thread.
    fn moves_between_threads<T: Send>() {}

    #[test]
    fn one_store_per_thread_from_one_instance_pre() -> wasmtime::Result<()> {
        shared_by_threads::<Engine>();
        shared_by_threads::<Module>();
        shared_by_threads::<InstancePre<()>>();
        moves_between_threads::<Store<()>>();

        let pre = bump_in_a_global(book_harness::engine())?; // compiled and linked once
        // ANCHOR: per_thread
        let lasts = std::thread::scope(|scope| {
            let workers: Vec<_> = (1..=4)
                .map(|calls| {
                    let pre = &pre; // shared: `InstancePre` is `Send + Sync`
                    scope.spawn(move || -> wasmtime::Result<u32> {
                        // This thread's own store and instance.
                        let mut store = Store::new(pre.module().engine(), ());
                        let instance = pre.instantiate(&mut store)?;
                        let allocate =
                            instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
                        let mut last = 0;
                        for _ in 0..calls {
                            last = allocate.call(&mut store, 16)?;
                        }
                        Ok(last)
                    })
                })
                .collect();
            let lasts = workers
                .into_iter()
                .map(|worker| worker.join().expect("no panic"));
            lasts.collect::<wasmtime::Result<Vec<u32>>>()
        })?;
        // Each instance counted its own calls, and no other thread's.
        assert_eq!(lasts, [1024, 1040, 1056, 1072]);
        // ANCHOR_END: per_thread
        Ok(())
    }

    #[test]
    fn restoring_the_bytes_restores_neither_the_global_nor_the_size() -> wasmtime::Result<()> {
        let pre = bump_in_a_global(book_harness::engine())?;
        let mut guest = Bump::from(&pre)?;
        let mut report = format!(
            "a new instance: {} page, and allocate(16) would return 1024\n",
            guest.pages()
        );
        // ANCHOR: restore
        let saved = guest.memory.data(&guest.store).to_vec(); // 1 page of bytes
        assert_eq!(guest.allocate(100_000)?, 1024); // grows the memory to 2 pages
        let grown = guest.pages();

        // "Restore": the saved bytes go back where they were.
        guest.memory.data_mut(&mut guest.store)[..saved.len()].copy_from_slice(&saved);
        let after_restore = guest.allocate(16)?;
        assert_eq!(after_restore, 1024 + 100_000); // $next was not in the copy
        assert_eq!(guest.pages(), grown); // and memory does not shrink
        // ANCHOR_END: restore
        assert_eq!(grown, 2);
        report.push_str(&format!(
            "saved its bytes, then allocate(100000) = 1024: {grown} pages\n\
             restored the bytes, then allocate(16) = {after_restore}: {} pages\n",
            guest.pages()
        ));

        // ANCHOR: fresh
        let mut fresh = Bump::from(&pre)?; // the same InstancePre, a new store
        assert_eq!(fresh.allocate(16)?, 1024);
        assert_eq!(fresh.pages(), 1);
        // ANCHOR_END: fresh
        report.push_str(&format!(
            "a new instance from the same InstancePre: allocate(16) = 1024: {} page\n",
            fresh.pages()
        ));

        // The pooling allocator's reused slot starts over the same way.
        let engine = pooling_engine(1)?;
        let pooled = bump_in_a_global(&engine)?;
        let mut first = Bump::from(&pooled)?;
        first.allocate(100_000)?;
        drop(first);
        let mut reused = Bump::from(&pooled)?; // the same slot
        assert_eq!((reused.allocate(16)?, reused.pages()), (1024, 1));
        report.push_str("a reused slot of the pooling allocator: allocate(16) = 1024: 1 page\n");
        assert_expected(
            "ch15-memory-only-grows/snapshot-is-not-a-reset.txt",
            &report,
        );
        Ok(())
    }
}

/// `memory.discard` (the memory-control proposal): wasmtime 48 refuses a
/// module that uses it, and refuses an engine that asks for it.
pub mod memory_discard {
    use book_harness::expected::assert_expected;
    use wasmtime::{Config, Engine, Module, WasmFeatures};

    #[test]
    fn wasmtime_48_refuses_memory_discard() -> wasmtime::Result<()> {
        let wasm = std::fs::read(book_harness::CH15_MEMORY_DISCARD)?;
        // ANCHOR: refused
        // Not enabled by default: the module does not validate.
        let module = Module::new(&Engine::default(), &wasm).unwrap_err();
        // Nor can it be enabled: wasmtime does not implement the proposal.
        let mut config = Config::new();
        config.wasm_features(WasmFeatures::MEMORY_CONTROL, true);
        let engine = Engine::new(&config).unwrap_err();
        // ANCHOR_END: refused
        assert_expected(
            "ch15-memory-only-grows/memory-discard.txt",
            &format!(
                "a module using memory.discard: {module:#}\n\
                 an engine with WasmFeatures::MEMORY_CONTROL: {engine:#}\n"
            ),
        );
        Ok(())
    }

    /// wasm-bindgen#5287 added `--experimental-memory-discard`, and
    /// wasm-bindgen#5320 reverted it: the pinned CLI does not have it.
    #[test]
    fn the_pinned_wasm_bindgen_has_no_memory_discard_option() -> wasmtime::Result<()> {
        let cli = env!("BOOK_WASM_BINDGEN"); // set by .cargo/config.toml
        let run = |arg: &str| -> wasmtime::Result<String> {
            let output = std::process::Command::new(cli).arg(arg).output()?;
            Ok(String::from_utf8(output.stdout)?)
        };
        assert_eq!(run("--version")?.trim(), "wasm-bindgen 0.2.129");
        let help = run("--help")?;
        assert!(
            help.contains("--experimental-reset-state-function"),
            "{help}"
        );
        assert!(!help.contains("memory-discard"), "{help}");
        Ok(())
    }
}

/// Custom page sizes: a memory whose page is one byte.
pub mod byte_pages {
    use book_harness::expected::assert_expected;
    use wasmtime::{Config, Engine, Instance, Module, Store, Trap};

    #[test]
    fn a_memory_of_one_byte_pages_grows_by_the_byte() -> wasmtime::Result<()> {
        let wasm = std::fs::read(book_harness::CH15_BYTE_PAGES)?;
        // Off by default: without the flag, the module does not validate.
        let refused = Module::new(&Engine::default(), &wasm).unwrap_err();
        // ANCHOR: byte_pages
        let mut config = Config::new();
        config.wasm_custom_page_sizes(true); // off by default in wasmtime 48
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, &wasm)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        assert_eq!(memory.page_size(&store), 1); // bytes per page
        assert_eq!((memory.size(&store), memory.data_size(&store)), (1, 1));

        let grow = instance.get_typed_func::<u32, i32>(&mut store, "grow")?;
        assert_eq!(grow.call(&mut store, 99)?, 1); // the old size, in pages
        assert_eq!((memory.size(&store), memory.data_size(&store)), (100, 100));
        // ANCHOR_END: byte_pages
        let store8 = instance.get_typed_func::<(u32, u32), ()>(&mut store, "store")?;
        store8.call(&mut store, (99, 0xee))?; // the last byte
        let past_end = store8.call(&mut store, (100, 0xee)).unwrap_err();
        assert_eq!(
            past_end.downcast_ref::<Trap>(),
            Some(&Trap::MemoryOutOfBounds)
        );
        assert_expected(
            "ch15-memory-only-grows/byte-pages.txt",
            &format!(
                "without wasm_custom_page_sizes(true): {refused:#}\n\
                 with it: a page of {} byte; the memory starts at 1 page = 1 byte\n\
                 after grow(99): {} pages = {} bytes\n\
                 a store at byte 100: {}\n",
                memory.page_size(&store),
                memory.size(&store),
                memory.data_size(&store),
                Trap::MemoryOutOfBounds,
            ),
        );
        Ok(())
    }
}

/// A double free that the guest's allocator does not notice, and wasmtime's
/// memory checker.
pub mod double_free {
    use book_harness::expected::assert_expected;
    use wasmtime::{Config, Engine, Instance, Module, Store};

    #[test]
    fn a_double_free_hands_one_block_to_two_owners() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH15_DOUBLE_FREE)?;
        let malloc = instance.get_typed_func::<u32, u32>(&mut store, "malloc")?;
        let free = instance.get_typed_func::<u32, ()>(&mut store, "free")?;
        // ANCHOR: double_free
        let block = malloc.call(&mut store, 16)?;
        free.call(&mut store, block)?;
        free.call(&mut store, block)?; // the bug: freed twice, and no error
        let first = malloc.call(&mut store, 16)?;
        let second = malloc.call(&mut store, 16)?;
        assert_eq!((first, second), (block, block)); // one block, two owners
        // ANCHOR_END: double_free
        Ok(())
    }

    #[test]
    fn wmemcheck_catches_the_double_free() -> wasmtime::Result<()> {
        let wasm_path = book_harness::CH15_DOUBLE_FREE;
        // ANCHOR: wmemcheck
        let mut config = Config::new();
        config.wmemcheck(true); // needs wasmtime's `wmemcheck` cargo feature
        let engine = Engine::new(&config)?;
        let module = Module::from_file(&engine, wasm_path)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let malloc = instance.get_typed_func::<u32, u32>(&mut store, "malloc")?;
        let free = instance.get_typed_func::<u32, ()>(&mut store, "free")?;

        let block = malloc.call(&mut store, 16)?;
        free.call(&mut store, block)?;
        let error = free.call(&mut store, block).unwrap_err(); // the second free
        // ANCHOR_END: wmemcheck
        assert_expected(
            "ch15-memory-only-grows/wmemcheck.txt",
            &format!("{error:#}\n"),
        );
        Ok(())
    }
}
