pub mod pointer_is_offset {
    use book_harness::Host;
    use book_harness::expected::assert_expected;
    use wasmtime::{Instance, Store};

    fn global_u32(store: &mut Store<Host>, instance: &Instance, name: &str) -> u32 {
        let value = instance
            .get_global(&mut *store, name)
            .unwrap_or_else(|| panic!("the guest exports the global `{name}`"))
            .get(&mut *store);
        value.unwrap_i32() as u32
    }

    #[test]
    fn the_host_reads_and_writes_at_the_address() -> wasmtime::Result<()> {
        let (mut store, instance) =
            book_harness::instantiate(book_harness::CH02_POINTER_IS_OFFSET)?;
        // ANCHOR: pointer
        let counter_address = instance.get_typed_func::<(), u32>(&mut store, "counter_address")?;
        let increment = instance.get_typed_func::<(), u32>(&mut store, "increment")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        increment.call(&mut store, ())?;
        let at = counter_address.call(&mut store, ())? as usize;

        // `read` copies bytes out of guest memory, checking the bounds.
        let mut counter = [0u8; 4];
        memory.read(&store, at, &mut counter)?;
        assert_eq!(u32::from_le_bytes(counter), 1);

        // `write` copies bytes in, checking the bounds. The guest sees the new value.
        memory.write(&mut store, at, &41u32.to_le_bytes())?;
        assert_eq!(increment.call(&mut store, ())?, 42);

        // `data` is the whole memory as a slice, for reads without a copy.
        assert_eq!(memory.data(&store)[at..at + 4], 42u32.to_le_bytes());
        // ANCHOR_END: pointer
        Ok(())
    }

    /// Where things sit in a Rust guest's memory: the stack first, then the
    /// statics, then the heap from `__heap_base` up. The page's figure is
    /// drawn from these addresses.
    #[test]
    fn statics_sit_between_the_stack_and_the_heap() -> wasmtime::Result<()> {
        let (mut store, instance) =
            book_harness::instantiate(book_harness::CH02_POINTER_IS_OFFSET)?;
        let counter_address = instance
            .get_typed_func::<(), u32>(&mut store, "counter_address")?
            .call(&mut store, ())?;
        let data_end = global_u32(&mut store, &instance, "__data_end");
        let heap_base = global_u32(&mut store, &instance, "__heap_base");
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let memory_size = memory.data_size(&store);

        let stack_size = 1 << 20; // Rust's default for wasm32: 1 MiB, placed first
        assert!(counter_address >= stack_size);
        assert!(counter_address + 4 <= data_end);
        assert!(data_end <= heap_base);
        assert!((heap_base as usize) < memory_size);

        assert_expected(
            "ch02-linear-memory/pointer-is-offset.txt",
            &format!(
                "stack (grows down)   0x000000 .. {stack_size:#08x}\n\
                 COUNTER              {counter_address:#08x} .. {:#08x}\n\
                 __data_end           {data_end:#08x}\n\
                 __heap_base          {heap_base:#08x}\n\
                 end of memory        {memory_size:#08x}  ({} pages)\n",
                counter_address + 4,
                memory_size / book_harness::PAGE_SIZE,
            ),
        );
        assert_expected(
            "ch02-linear-memory/layout.mmd",
            &format!(
                "block-beta\n  columns 4\n  \
                 stack[\"stack, grows down\\n0x000000 .. {stack_size:#08x}\"] \
                 statics[\"statics: COUNTER\\n{counter_address:#08x} .. {data_end:#08x}\"] \
                 heap[\"heap\\n{heap_base:#08x} (__heap_base) ..\"] \
                 grown[\"pages memory.grow adds\\nfrom {memory_size:#08x}\"]\n"
            ),
        );
        Ok(())
    }
}

pub mod pages_and_grow {
    use wasmtime::{Engine, Instance, Module, Store, StoreLimits, StoreLimitsBuilder};

    #[test]
    fn a_refused_grow_returns_minus_one() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH02_PAGES_AND_GROW)?;
        // ANCHOR: grow
        const PAGE_SIZE: usize = 65_536;
        // The host caps this store's memories at 20 pages.
        let limits = StoreLimitsBuilder::new()
            .memory_size(20 * PAGE_SIZE)
            .build();
        let mut store: Store<StoreLimits> = Store::new(&engine, limits);
        store.limiter(|limits| limits);
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory_pages = instance.get_typed_func::<(), u32>(&mut store, "memory_pages")?;
        let grow_memory = instance.get_typed_func::<u32, i32>(&mut store, "grow_memory")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        // 16 pages: 1 MiB of stack, and this guest has no statics.
        assert_eq!(memory_pages.call(&mut store, ())?, 16);
        assert_eq!(memory.data_size(&store), 16 * PAGE_SIZE);

        // The guest grows by 2 pages; `memory.grow` returns the old size.
        assert_eq!(grow_memory.call(&mut store, 2)?, 16);
        // The host grows the same memory; the guest sees it at once.
        assert_eq!(memory.grow(&mut store, 1)?, 18);
        assert_eq!(memory_pages.call(&mut store, ())?, 19);

        assert_eq!(grow_memory.call(&mut store, 1)?, 19); // to 20 pages: allowed
        assert_eq!(grow_memory.call(&mut store, 1)?, -1); // to 21: refused, no trap
        assert_eq!(memory.size(&store), 20); // and nothing changed

        // The same request from the host is an error for the host.
        let host_error = memory.grow(&mut store, 1).unwrap_err();
        assert_eq!(host_error.to_string(), "failed to grow memory by `1`");
        // ANCHOR_END: grow
        Ok(())
    }
}

pub mod struct_layout {
    use book_harness::expected::assert_expected;

    #[test]
    fn the_host_decodes_a_repr_c_struct() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH02_STRUCT_LAYOUT)?;
        // ANCHOR: decode
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let mut call = |name: &str| -> wasmtime::Result<u32> {
            instance
                .get_typed_func::<(), u32>(&mut store, name)?
                .call(&mut store, ())
        };
        // The guest's compiler decided the layout; the host checks it agrees.
        assert_eq!(call("sample_size")?, 12);
        assert_eq!(call("sample_align")?, 4);
        assert_eq!(call("sample_value_offset")?, 4);
        assert_eq!(call("sample_scale_offset")?, 8);
        // Without `#[repr(C)]` Rust reordered the fields and dropped a padding gap.
        assert_eq!(call("default_repr_size")?, 8);

        let address = call("sample_address")? as usize;
        let mut bytes = [0u8; 12];
        memory.read(&store, address, &mut bytes)?;
        // Little-endian: the least significant byte comes first.
        assert_eq!(bytes[4..8], [0x44, 0x33, 0x22, 0x11]);
        let kind = bytes[0];
        let value = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        let scale = u16::from_le_bytes([bytes[8], bytes[9]]);
        assert_eq!((kind, value, scale), (7, 0x1122_3344, 0xabcd));
        // ANCHOR_END: decode
        assert_eq!(address % 4, 0, "aligned like the struct");
        let hex: Vec<String> = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_expected(
            "ch02-linear-memory/sample.txt",
            &format!(
                "Sample at {address:#x}: {}\nkind {kind}, value {value:#x}, scale {scale:#x}\n",
                hex.join(" ")
            ),
        );
        Ok(())
    }
}

pub mod out_of_bounds {
    use book_harness::expected::assert_expected;
    use wasmtime::Trap;

    #[test]
    fn the_guest_traps_and_the_host_gets_an_error() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH02_OUT_OF_BOUNDS)?;
        // ANCHOR: out_of_bounds
        let load_byte = instance.get_typed_func::<u32, u32>(&mut store, "load_byte")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let memory_size = memory.data_size(&store);
        let end = u32::try_from(memory_size)?;

        // The last byte is fine, and so is address 0: wasm has no null page.
        assert_eq!(load_byte.call(&mut store, end - 1)?, 0);
        load_byte.call(&mut store, 0)?;

        // One past the end: the guest's load traps, and the call returns an
        // error whose root cause is the trap.
        let trap = load_byte.call(&mut store, end).unwrap_err();
        assert_eq!(trap.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));

        // The host's own accesses are checked too, and fail with an error.
        let mut buffer = [0u8; 4];
        let host_error = memory
            .read(&store, memory_size - 2, &mut buffer)
            .unwrap_err();
        // Slicing `data()` yourself: use `get`, which says no instead of panicking.
        assert!(
            memory
                .data(&store)
                .get(memory_size - 2..memory_size + 2)
                .is_none()
        );
        // ANCHOR_END: out_of_bounds

        assert_expected(
            "ch02-linear-memory/out-of-bounds.txt",
            &format!(
                "guest load_byte({end:#x}): {}\nhost memory.read({:#x}, 4 bytes): {host_error}\n",
                trap.downcast_ref::<Trap>().expect("a trap"),
                memory_size - 2
            ),
        );
        Ok(())
    }
}
