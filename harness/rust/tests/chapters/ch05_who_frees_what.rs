pub mod checked_allocator {
    use book_harness::Host;
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::call_with_bytes;
    use book_harness::round_trip::unpack_ptr_len;
    use wasmtime::{Instance, Store, Trap};

    /// The guest, whose `report_error` messages its store keeps.
    struct Checked {
        store: Store<Host>,
        instance: Instance,
    }

    fn instantiate() -> wasmtime::Result<Checked> {
        // The harness provides `wasm_memory.report_error`, which the checked
        // allocator imports.
        let (store, instance) = book_harness::instantiate(book_harness::CH05_CHECKED_ALLOCATOR)?;
        Ok(Checked { store, instance })
    }

    impl Checked {
        /// Calls a greeter export and returns the `(ptr, len)` it handed over.
        fn greeting(&mut self, export: &str) -> wasmtime::Result<(u32, u32)> {
            let packed: u64 = call_with_bytes(&mut self.store, &self.instance, export, b"Ferris")?;
            Ok(unpack_ptr_len(packed))
        }

        fn deallocate(&mut self, ptr: u32, len: u32) -> wasmtime::Result<()> {
            let deallocate = self
                .instance
                .get_typed_func::<(u32, u32), ()>(&mut self.store, "deallocate")?;
            deallocate.call(&mut self.store, (ptr, len))
        }

        /// Frees `(ptr, len)` and expects the checked allocator to refuse:
        /// the call traps and the host has the guest's reason.
        fn refused_free(&mut self, ptr: u32, len: u32) -> String {
            let error = self.deallocate(ptr, len).unwrap_err();
            assert_eq!(
                error.downcast_ref::<Trap>(),
                Some(&Trap::UnreachableCodeReached)
            );
            self.store
                .data()
                .messages()
                .take()
                .expect("the guest reported why")
        }
    }

    #[test]
    fn freeing_with_the_right_size_is_quiet() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        let (ptr, len) = guest.greeting("greet")?;
        guest.deallocate(ptr, len)?;
        assert_eq!(guest.store.data().messages().take(), None);
        Ok(())
    }

    #[test]
    fn mismatched_sizes_and_double_frees_are_caught() -> wasmtime::Result<()> {
        let mut report = String::new();

        // The length is not the capacity: the free has the wrong size.
        let mut guest = instantiate()?;
        let (ptr, len) = guest.greeting("greet_with_spare_capacity")?;
        assert_eq!(len, 14);
        let message = guest.refused_free(ptr, len);
        assert!(
            message.contains("allocated with 64 bytes but freed with 14"),
            "{message}"
        );
        report.push_str(&format!("deallocate({ptr:#x}, {len}): {message}\n"));

        // The same buffer freed twice. (A fresh instance: after a trap, an
        // instance's state is whatever the guest left half done.)
        let mut guest = instantiate()?;
        let (ptr, len) = guest.greeting("greet")?;
        guest.deallocate(ptr, len)?;
        let message = guest.refused_free(ptr, len);
        assert!(message.contains("is not a live allocation"), "{message}");
        report.push_str(&format!("deallocate({ptr:#x}, {len}) again: {message}\n"));

        assert_expected("ch05-who-frees-what/checked-allocator.txt", &report);
        Ok(())
    }
}

pub mod leak_on_purpose {
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::call_with_bytes;
    use book_harness::round_trip::unpack_ptr_len;
    use wasm_memory_host::bounds::read_string;

    const CALLS: usize = 10_000;

    #[test]
    fn a_buffer_leaked_once_is_the_same_every_time() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH05_LEAK_ON_PURPOSE)?;
        let version = instance.get_typed_func::<(), u64>(&mut store, "version")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let first = version.call(&mut store, ())?;
        let (ptr, len) = unpack_ptr_len(first);
        assert_eq!(
            read_string(&store, &memory, ptr, len, 1024)?,
            "leak-on-purpose 0.1.0"
        );
        let pages = memory.size(&store);
        for _ in 0..CALLS {
            assert_eq!(version.call(&mut store, ())?, first);
        }
        assert_eq!(memory.size(&store), pages);
        Ok(())
    }

    /// Pages of memory after the first greeting and after `CALLS` of them,
    /// freeing each or not. (The first call may grow the memory: the heap
    /// starts out empty.)
    fn pages_after_greetings(free_each: bool) -> wasmtime::Result<(u64, u64)> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH05_LEAK_ON_PURPOSE)?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let name = [b'x'; 100];
        let mut after_first = 0;
        for call in 0..CALLS {
            let packed: u64 = call_with_bytes(&mut store, &instance, "greet", &name)?;
            if free_each {
                let (ptr, len) = unpack_ptr_len(packed);
                deallocate.call(&mut store, (ptr, len))?;
            }
            if call == 0 {
                after_first = memory.size(&store);
            }
        }
        Ok((after_first, memory.size(&store)))
    }

    #[test]
    fn a_buffer_leaked_per_call_grows_memory() -> wasmtime::Result<()> {
        let (first, leaked) = pages_after_greetings(false)?;
        let (first_freed, freed) = pages_after_greetings(true)?;
        assert_eq!(first, first_freed);
        assert!(leaked > first + 10, "{first} -> {leaked}");
        assert_eq!(freed, first);
        assert_expected(
            "ch05-who-frees-what/leak-on-purpose.txt",
            &format!(
                "greetings of 108 bytes     after 1 call    after {CALLS} calls\n\
                 host never frees           {first:>2} pages        {leaked:>3} pages\n\
                 host frees each one        {first:>2} pages        {freed:>3} pages\n"
            ),
        );
        Ok(())
    }
}

pub mod reallocate {
    use book_harness::expected::assert_expected;
    use book_harness::{Host, Setup};
    use wasmtime::{Memory, Store, TypedFunc};

    /// The guest's three allocator exports, and its memory.
    struct Allocator {
        store: Store<Host>,
        memory: Memory,
        allocate: TypedFunc<u32, u32>,
        deallocate: TypedFunc<(u32, u32), ()>,
        reallocate: TypedFunc<(u32, u32, u32), u32>,
    }

    fn instantiate(setup: Setup) -> wasmtime::Result<Allocator> {
        let (mut store, instance) = setup.instantiate(book_harness::CH05_REALLOCATE)?;
        Ok(Allocator {
            memory: instance.get_memory(&mut store, "memory").expect("exported"),
            allocate: instance.get_typed_func(&mut store, "allocate")?,
            deallocate: instance.get_typed_func(&mut store, "deallocate")?,
            reallocate: instance.get_typed_func(&mut store, "reallocate")?,
            store,
        })
    }

    impl Allocator {
        fn write(&mut self, ptr: u32, bytes: &[u8]) -> wasmtime::Result<()> {
            Ok(self.memory.write(&mut self.store, ptr as usize, bytes)?)
        }

        fn read(&self, ptr: u32, len: usize) -> wasmtime::Result<String> {
            let mut bytes = vec![0; len];
            self.memory.read(&self.store, ptr as usize, &mut bytes)?;
            Ok(String::from_utf8(bytes)?)
        }
    }

    // ANCHOR: moved
    #[test]
    fn a_grown_block_may_move_and_its_old_place_is_reused() -> wasmtime::Result<()> {
        let mut guest = instantiate(Setup::default())?;
        let mut report = String::new();

        let old = guest.allocate.call(&mut guest.store, 16)?;
        guest.write(old, b"0123456789abcdef")?;
        let neighbour = guest.allocate.call(&mut guest.store, 16)?;
        report.push_str(&format!("allocate(16) = {old:#x}, then {neighbour:#x}\n"));

        // The block cannot grow where it is: the neighbour is in the way.
        let new = guest.reallocate.call(&mut guest.store, (old, 16, 64))?;
        assert_ne!(new, old);
        assert_eq!(guest.read(new, 16)?, "0123456789abcdef");
        report.push_str(&format!(
            "reallocate({old:#x}, 16, 64) = {new:#x}, holding {:?}\n",
            guest.read(new, 16)?
        ));

        // `old` is free now, and the next allocation of its size gets it.
        let other = guest.allocate.call(&mut guest.store, 16)?;
        assert_eq!(other, old);
        guest.write(other, b"someone else's..")?;
        report.push_str(&format!(
            "allocate(16) = {other:#x}: at {old:#x} the host now reads {:?}\n",
            guest.read(old, 16)?
        ));

        // The host's rule: after a reallocation, only the new pointer.
        guest.deallocate.call(&mut guest.store, (new, 64))?;
        guest.deallocate.call(&mut guest.store, (other, 16))?;
        guest.deallocate.call(&mut guest.store, (neighbour, 16))?;
        assert_expected("ch05-who-frees-what/reallocate-moved.txt", &report);
        Ok(())
    }
    // ANCHOR_END: moved

    #[test]
    fn a_block_may_also_grow_and_shrink_where_it_is() -> wasmtime::Result<()> {
        let mut guest = instantiate(Setup::default())?;
        let ptr = guest.allocate.call(&mut guest.store, 16)?;
        // Nothing after it: it grows in place.
        assert_eq!(guest.reallocate.call(&mut guest.store, (ptr, 16, 64))?, ptr);
        // Shrinking keeps the start, and the first bytes.
        guest.write(ptr, b"kept")?;
        assert_eq!(guest.reallocate.call(&mut guest.store, (ptr, 64, 8))?, ptr);
        assert_eq!(guest.read(ptr, 4)?, "kept");
        guest.deallocate.call(&mut guest.store, (ptr, 8))?;
        Ok(())
    }

    // ANCHOR: reallocate_refused
    #[test]
    fn a_refused_reallocation_returns_0_and_keeps_the_old_block() -> wasmtime::Result<()> {
        // 32 pages at most: the heap cannot grow to 4 MiB.
        let mut guest = instantiate(Setup::default().max_memory_pages(32))?;
        let old = guest.allocate.call(&mut guest.store, 16)?;
        guest.write(old, b"0123456789abcdef")?;

        let new = guest
            .reallocate
            .call(&mut guest.store, (old, 16, 4 << 20))?;

        // 0: refused. The old block is untouched, and still the host's.
        assert_eq!(new, 0);
        assert_eq!(guest.read(old, 16)?, "0123456789abcdef");
        guest.deallocate.call(&mut guest.store, (old, 16))?;
        assert_expected(
            "ch05-who-frees-what/reallocate-refused.txt",
            &format!(
                "reallocate({old:#x}, 16, 4194304) = {new}; {old:#x} still holds \"0123456789abcdef\"\n"
            ),
        );
        Ok(())
    }
    // ANCHOR_END: reallocate_refused
}

/// Running out of memory, with the greeter of Listing 4-1 under a limit.
pub mod out_of_memory {
    use book_harness::Setup;
    use book_harness::expected::{assert_expected, assert_expected_redacted};
    use book_harness::round_trip::call_with_bytes;
    use wasm_memory_host::{Convention, Error, Guest};
    use wasmtime::Trap;

    /// The most pages the guest's memory may grow to: 2 MiB, of which the
    /// heap has 15 pages (it starts after the guest's 1 MiB stack).
    const PAGES: usize = 32;

    // ANCHOR: trap
    #[test]
    fn running_out_inside_an_export_traps() -> wasmtime::Result<()> {
        let (mut store, instance) = Setup::default()
            .max_memory_pages(PAGES)
            .instantiate(book_harness::CH04_PACKED_RETURN)?;
        // The name fits in the heap, but not twice: `greet`'s `format!`
        // cannot allocate the greeting.
        let name = vec![b'x'; 600 * 1024];
        let error = call_with_bytes::<u64>(&mut store, &instance, "greet", &name).unwrap_err();
        assert_eq!(
            error.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        assert_expected_redacted(
            "ch05-who-frees-what/out-of-memory-trap.txt",
            // What `{error:?}` prints, without the host's own backtrace
            // that `RUST_BACKTRACE=1` adds to it.
            &format!("{error}\n\nCaused by:\n    {}\n", error.root_cause()),
            &[
                ("[OFFSET]", r"\d+: +(?<redacted>0x[0-9a-f]+) - "),
                ("[HASH]", r"(?<redacted>\[[0-9a-f]{16}\])::"),
            ],
        );
        Ok(())
    }
    // ANCHOR_END: trap

    // ANCHOR: allocate_refused
    #[test]
    fn an_allocate_that_returns_0_is_an_error_the_host_can_handle() -> wasmtime::Result<()> {
        let (mut store, instance) = Setup::default()
            .max_memory_pages(PAGES)
            .instantiate(book_harness::CH04_PACKED_RETURN)?;
        let guest = Guest::new(
            &mut store,
            instance,
            Convention::allocate_deallocate_packed(),
        )?;
        let name = "x".repeat(4 << 20);
        let error = guest.call_string(&mut store, "greet", &name).unwrap_err();
        assert!(
            matches!(&error, Error::AllocationFailed { export, size: 4194304 } if export == "allocate")
        );

        // Nothing trapped: the same instance carries on.
        let greeting = guest.call_string(&mut store, "greet", "Ferris")?;
        assert_eq!(greeting, "Hello, Ferris!");
        assert_expected(
            "ch05-who-frees-what/out-of-memory-refused.txt",
            &format!(
                "greet(a name of 4194304 bytes): {error}\n\
                 greet(\"Ferris\") on the same instance: {greeting}\n"
            ),
        );
        Ok(())
    }
    // ANCHOR_END: allocate_refused
}

pub mod wrong_free {
    use book_harness::expected::assert_expected;
    use wasmtime::Trap;

    /// Lengths past `isize::MAX` on wasm32, which no allocation can have: a
    /// host's wild number, and `-2` read as unsigned.
    pub(super) const WILD_LENGTHS: [u32; 2] = [0x8000_0000, 0xffff_fffe];

    /// Allocates `allocated` bytes in a fresh instance of `wasm`, frees them
    /// with `freed`, and returns the guest's panic message if it trapped.
    pub(super) fn free_with(
        wasm: &str,
        allocated: u32,
        freed: u32,
    ) -> wasmtime::Result<Option<String>> {
        let (mut store, instance) = book_harness::instantiate(wasm)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let ptr = allocate.call(&mut store, allocated)?;
        match deallocate.call(&mut store, (ptr, freed)) {
            Ok(()) => Ok(None),
            Err(error) => {
                assert_eq!(
                    error.downcast_ref::<Trap>(),
                    Some(&Trap::UnreachableCodeReached)
                );
                let message = store
                    .data()
                    .messages()
                    .take()
                    .expect("the guest reported its panic");
                // One line: "panicked at <file:line:column>: <message>".
                Ok(Some(
                    message
                        .split('\n')
                        .filter(|line| !line.is_empty())
                        .collect::<Vec<_>>()
                        .join(" "),
                ))
            }
        }
    }

    /// What happens to a block of `allocated` bytes freed with each of
    /// `lengths`, as lines of a report; consecutive lengths with the same
    /// outcome share a line.
    pub(super) fn outcomes(
        wasm: &str,
        allocated: u32,
        lengths: impl IntoIterator<Item = u32>,
    ) -> wasmtime::Result<Vec<String>> {
        let mut runs: Vec<(u32, u32, Option<String>)> = Vec::new();
        for len in lengths {
            let outcome = free_with(wasm, allocated, len)?;
            match runs.last_mut() {
                Some((_, last, same)) if *last + 1 == len && *same == outcome => *last = len,
                _ => runs.push((len, len, outcome)),
            }
        }
        Ok(runs
            .into_iter()
            .map(|(first, last, outcome)| {
                let lengths = match (first, last) {
                    _ if first > 0xffff => format!("{first:#x}"),
                    _ if first == last => format!("{first}"),
                    _ => format!("{first} to {last}"),
                };
                let outcome =
                    outcome.map_or("quiet".to_owned(), |message| format!("trap: {message}"));
                format!("  len {lengths}: {outcome}\n")
            })
            .collect())
    }

    #[test]
    fn std_s_allocator_checks_the_size_against_the_block() -> wasmtime::Result<()> {
        let mut report = String::new();
        for allocated in [14, 64] {
            report.push_str(&format!(
                "allocate({allocated}), then deallocate(ptr, len) with\n"
            ));
            let lengths = (1..=2 * allocated).chain(WILD_LENGTHS);
            report.extend(outcomes(book_harness::CH05_WRONG_FREE, allocated, lengths)?);
        }
        assert_expected("ch05-who-frees-what/wrong-free.txt", &report);
        Ok(())
    }

    // ANCHOR: double_free
    #[test]
    fn a_double_free_goes_unnoticed_and_one_block_is_handed_out_twice() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH05_WRONG_FREE)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;

        let ptr = allocate.call(&mut store, 14)?;
        let _neighbour = allocate.call(&mut store, 14)?;
        deallocate.call(&mut store, (ptr, 14))?;
        deallocate.call(&mut store, (ptr, 14))?; // no trap
        let next: Vec<u32> = (0..3)
            .map(|_| allocate.call(&mut store, 14))
            .collect::<Result<_, _>>()?;

        assert_eq!(next, [ptr, ptr, ptr]); // three owners for one block
        assert_eq!(store.data().messages().take(), None);
        assert_expected(
            "ch05-who-frees-what/double-free.txt",
            &format!(
                "deallocate({ptr:#x}, 14) twice: quiet\n\
                 allocate(14) three times: {:#x}, {:#x}, {:#x}\n",
                next[0], next[1], next[2]
            ),
        );
        Ok(())
    }
    // ANCHOR_END: double_free
}

pub mod wrong_free_debug {
    use super::wrong_free::{WILD_LENGTHS, outcomes};
    use book_harness::expected::assert_expected_redacted;

    #[test]
    fn debug_assertions_check_the_layout_and_nothing_else() -> wasmtime::Result<()> {
        let mut report = String::new();
        for allocated in [14, 64] {
            // Up to `isize::MAX`, the same as the release build: dlmalloc is
            // part of the prebuilt standard library, not of this crate.
            let lengths = 1..=2 * allocated;
            assert_eq!(
                outcomes(
                    book_harness::CH05_WRONG_FREE_DEBUG,
                    allocated,
                    lengths.clone()
                )?,
                outcomes(book_harness::CH05_WRONG_FREE, allocated, lengths)?
            );
        }
        report.push_str("allocate(14), then deallocate(ptr, len) with\n");
        report.extend(outcomes(
            book_harness::CH05_WRONG_FREE_DEBUG,
            14,
            WILD_LENGTHS,
        )?);
        assert_expected_redacted(
            "ch05-who-frees-what/wrong-free-debug.txt",
            &report,
            &[("[LINE]", r"lib\.rs:(?<redacted>\d+:\d+)")],
        );
        Ok(())
    }
}

/// AssemblyScript#2651: 64 blocks of 64 MiB from `heap.alloc`, all kept,
/// need more than the 4 GiB a 32-bit memory can address.
pub mod as_heap_blocks {
    use book_harness::expected::assert_expected;
    use book_harness::{Host, PAGE_SIZE};
    use wasmtime::{Instance, Store, Trap};

    /// 64 MiB, the reader's `65536 * 1024`.
    const BLOCK: u32 = 64 << 20;

    fn instantiate() -> wasmtime::Result<(Store<Host>, Instance)> {
        book_harness::instantiate(book_harness::CH05_AS_HEAP_BLOCKS)
    }

    fn pages(store: &mut Store<Host>, instance: &Instance) -> u64 {
        let memory = instance
            .get_memory(&mut *store, "memory")
            .expect("exported");
        memory.size(&*store)
    }

    // ANCHOR: four_gib
    #[test]
    fn sixty_four_blocks_of_64_mib_kept_run_out_of_4_gib() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        let keep = instance.get_typed_func::<(i32, u32), ()>(&mut store, "keepBlocks")?;
        // 63 blocks fit: the memory is then almost 4 GiB.
        keep.call(&mut store, (63, BLOCK))?;
        let before = pages(&mut store, &instance);
        assert!(before > 63 * 1024 && before <= 65_536);
        // The 64th does not: `memory.grow` fails, and the runtime traps.
        let error = keep.call(&mut store, (1, BLOCK)).unwrap_err();
        assert_eq!(
            error.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        assert_expected(
            "ch05-who-frees-what/as-heap-blocks.txt",
            &format!(
                "after 63 blocks of 64 MiB: {before} pages of the 65536 a 32-bit memory may have\n\
                 the 64th block: {}\n",
                error.root_cause()
            ),
        );
        Ok(())
    }
    // ANCHOR_END: four_gib

    // ANCHOR: free_each
    #[test]
    fn freeing_each_block_after_use_does_not_trap() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        let free_each = instance.get_typed_func::<(i32, u32), ()>(&mut store, "freeEachBlock")?;
        free_each.call(&mut store, (64, BLOCK))?;
        // One block's worth of pages, reused 64 times.
        let pages = pages(&mut store, &instance);
        assert!(pages * PAGE_SIZE as u64 >= u64::from(BLOCK) && pages < 2 * 1024 + 2);
        Ok(())
    }
    // ANCHOR_END: free_each
}
