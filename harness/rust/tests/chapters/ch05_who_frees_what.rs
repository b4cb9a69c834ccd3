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
