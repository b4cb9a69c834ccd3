pub mod host_calls {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use wasm_memory_host::bounds::{GuestSliceError, read_string};
    use wasm_memory_host::{
        Convention, Guest, GuestMessages, PackingOrder, define_message_imports,
    };
    use wasmtime::{Caller, Extern, Instance, Linker, Memory, Store, Trap, bail};

    // ANCHOR: store_data
    /// What the host keeps per store: what the guest logged and the name it
    /// asks for. No `Instance` and no `Memory`: a host function finds the
    /// memory of whoever is calling it through its `Caller`.
    struct Calls {
        log: Vec<String>,
        name: String,
        /// Where the checked allocator's reports land (chapter 5).
        messages: GuestMessages,
    }
    // ANCHOR_END: store_data

    /// The longest message `env.log` accepts.
    const MAX_LOG: u32 = 4096;

    // ANCHOR: caller_memory
    /// The memory of the instance that is calling: the export named
    /// `memory`, looked up through the caller at every call. It is always
    /// the right one, even when a store holds many instances.
    pub(super) fn caller_memory<T>(caller: &mut Caller<'_, T>) -> wasmtime::Result<Memory> {
        match caller.get_export("memory") {
            Some(Extern::Memory(memory)) => Ok(memory),
            _ => bail!("the calling module exports no memory named `memory`"),
        }
    }
    // ANCHOR_END: caller_memory

    // ANCHOR: log
    /// `env.log(ptr, len)`: reads the guest's bytes with the checks of
    /// chapter 4 (range in 32-bit arithmetic, the length capped, UTF-8
    /// validated) and returns their error as the host function's, which
    /// traps the guest.
    fn define_log(linker: &mut Linker<Calls>) -> wasmtime::Result<()> {
        linker.func_wrap(
            "env",
            "log",
            |mut caller: Caller<'_, Calls>, ptr: u32, len: u32| -> wasmtime::Result<()> {
                let memory = caller_memory(&mut caller)?;
                let text = read_string(&caller, &memory, ptr, len, MAX_LOG)?;
                caller.data_mut().log.push(text);
                Ok(())
            },
        )?;
        Ok(())
    }
    // ANCHOR_END: log

    // ANCHOR: try_log
    /// `env.try_log(ptr, len) -> i32`: the same checks, answered with an
    /// error code instead of a trap, so the guest decides what to do.
    fn define_try_log(linker: &mut Linker<Calls>) -> wasmtime::Result<()> {
        linker.func_wrap(
            "env",
            "try_log",
            |mut caller: Caller<'_, Calls>, ptr: u32, len: u32| -> wasmtime::Result<i32> {
                let memory = caller_memory(&mut caller)?;
                Ok(match read_string(&caller, &memory, ptr, len, MAX_LOG) {
                    Ok(text) => {
                        caller.data_mut().log.push(text);
                        0
                    }
                    Err(GuestSliceError::NotUtf8 { .. }) => 2,
                    Err(_) => 1, // too long, or outside memory
                })
            },
        )?;
        Ok(())
    }
    // ANCHOR_END: try_log

    // ANCHOR: fill_name
    /// `env.fill_name(buf, capacity) -> len`: writes the name into the
    /// guest's buffer when it fits and returns its length either way.
    /// `Memory::write` checks the range it writes and fails instead of
    /// writing past the end.
    fn define_fill_name(linker: &mut Linker<Calls>) -> wasmtime::Result<()> {
        linker.func_wrap(
            "env",
            "fill_name",
            |mut caller: Caller<'_, Calls>, buf: u32, capacity: u32| -> wasmtime::Result<u32> {
                let name = caller.data().name.clone();
                let len = u32::try_from(name.len())?;
                if len <= capacity {
                    let memory = caller_memory(&mut caller)?;
                    memory.write(&mut caller, buf as usize, name.as_bytes())?;
                }
                Ok(len)
            },
        )?;
        Ok(())
    }
    // ANCHOR_END: fill_name

    // ANCHOR: fetch_name
    /// `env.fetch_name() -> u64`: calls the guest's own `allocate` from
    /// inside the host function, writes the name there and returns the
    /// buffer packed as the guest expects. From then on the buffer is the
    /// guest's: the host does not free it.
    fn define_fetch_name(linker: &mut Linker<Calls>) -> wasmtime::Result<()> {
        linker.func_wrap(
            "env",
            "fetch_name",
            |mut caller: Caller<'_, Calls>| -> wasmtime::Result<u64> {
                let (ptr, len) = name_in_caller(&mut caller)?;
                Ok(PackingOrder::PointerLow.pack(ptr, len))
            },
        )?;
        Ok(())
    }

    /// The host's name, in a new buffer of the calling guest.
    fn name_in_caller(caller: &mut Caller<'_, Calls>) -> wasmtime::Result<(u32, u32)> {
        let name = caller.data().name.clone();
        let len = u32::try_from(name.len())?;
        let ptr = allocate_in_caller(caller, len)?;
        // Written after `allocate`, which may have grown the memory: no
        // slice of it is held across the call.
        let memory = caller_memory(caller)?;
        memory.write(&mut *caller, ptr as usize, name.as_bytes())?;
        Ok((ptr, len))
    }

    /// Calls the calling guest's `allocate(len)`: a host function may call
    /// back into the guest that called it.
    fn allocate_in_caller<T>(caller: &mut Caller<'_, T>, len: u32) -> wasmtime::Result<u32> {
        let Some(Extern::Func(allocate)) = caller.get_export("allocate") else {
            bail!("the calling module exports no `allocate`");
        };
        let ptr = allocate
            .typed::<u32, u32>(&caller)?
            .call(&mut *caller, len)?;
        if ptr == 0 {
            bail!("allocate({len}) returned 0: the guest is out of memory");
        }
        Ok(ptr)
    }
    // ANCHOR_END: fetch_name

    /// How a test defines one of the imports.
    type Define = fn(&mut Linker<Calls>) -> wasmtime::Result<()>;

    /// A linker with the guest's four imports (`env.log` and
    /// `env.fetch_name` as the test chooses), its store, and the guest seen
    /// through the utility (to call its exports and read its results).
    fn instantiate_with(
        define_log: Define,
        define_fetch: Define,
    ) -> wasmtime::Result<(Store<Calls>, Guest)> {
        let engine = book_harness::engine();
        let module = book_harness::module(book_harness::CH12_HOST_CALLS)?;
        // ANCHOR: linker
        let mut linker = Linker::new(engine);
        define_log(&mut linker)?;
        define_try_log(&mut linker)?;
        define_fill_name(&mut linker)?;
        define_fetch(&mut linker)?;
        define_message_imports(
            &mut linker,
            &Convention::allocate_deallocate_packed(),
            |calls: &mut Calls| &calls.messages,
        )?;
        let calls = Calls {
            log: Vec::new(),
            name: "Ferris".into(),
            messages: GuestMessages::default(),
        };
        let mut store = Store::new(engine, calls);
        let instance: Instance = linker.instantiate(&mut store, &module)?;
        // ANCHOR_END: linker
        let guest = Guest::new(
            &mut store,
            instance,
            Convention::allocate_deallocate_packed(),
        )?;
        Ok((store, guest))
    }

    /// The guest with the right host functions, but for `env.fetch_name`.
    fn instantiate(define_fetch: Define) -> wasmtime::Result<(Store<Calls>, Guest)> {
        instantiate_with(define_log, define_fetch)
    }

    fn live(store: &mut Store<Calls>, guest: &Guest) -> wasmtime::Result<u32> {
        guest
            .typed_func::<(), u32>(&mut *store, "live")?
            .call(store, ())
    }

    #[test]
    fn a_host_function_reads_the_caller_s_memory() -> wasmtime::Result<()> {
        let (mut store, guest) = instantiate(define_fetch_name)?;
        guest
            .typed_func::<(), ()>(&mut store, "hello")?
            .call(&mut store, ())?;
        assert_eq!(store.data().log, ["hello from the guest"]);
        Ok(())
    }

    #[test]
    fn the_guest_lends_a_buffer_and_the_host_fills_it() -> wasmtime::Result<()> {
        let (mut store, guest) = instantiate(define_fetch_name)?;
        // ANCHOR: call_filled
        let greet_filled = guest.output_export::<u32>(&mut store, "greet_filled")?;
        assert_eq!(greet_filled.call_string(&mut store, 64)?, "Hello, Ferris!");
        assert!(store.data().log.is_empty()); // 64 bytes were room enough

        assert_eq!(greet_filled.call_string(&mut store, 2)?, "Hello, Ferris!");
        assert_eq!(store.data().log, ["2 bytes are too few, the name needs 6"]);
        // ANCHOR_END: call_filled
        assert_eq!(live(&mut store, &guest)?, 0);
        Ok(())
    }

    #[test]
    fn the_host_allocates_with_the_guest_s_allocate_and_the_guest_frees() -> wasmtime::Result<()> {
        let (mut store, guest) = instantiate(define_fetch_name)?;
        // ANCHOR: call_fetched
        let greet_fetched = guest.output_export::<()>(&mut store, "greet_fetched")?;
        assert_eq!(greet_fetched.call_string(&mut store, ())?, "Hello, Ferris!");
        // The host freed the greeting; the guest freed the name the host
        // allocated for it. The checked allocator counts nothing live.
        assert_eq!(live(&mut store, &guest)?, 0);
        // ANCHOR_END: call_fetched
        Ok(())
    }

    // ANCHOR: frees_what_it_handed_over
    /// The mistake: a host that frees the buffer it handed over, as if it
    /// were still the host's, through the guest's `deallocate`.
    fn define_fetch_name_and_free_it(linker: &mut Linker<Calls>) -> wasmtime::Result<()> {
        linker.func_wrap(
            "env",
            "fetch_name",
            |mut caller: Caller<'_, Calls>| -> wasmtime::Result<u64> {
                let (ptr, len) = name_in_caller(&mut caller)?;
                let Some(Extern::Func(deallocate)) = caller.get_export("deallocate") else {
                    bail!("the calling module exports no `deallocate`");
                };
                let deallocate = deallocate.typed::<(u32, u32), ()>(&caller)?;
                deallocate.call(&mut caller, (ptr, len))?; // wrong: the guest owns it now
                Ok(PackingOrder::PointerLow.pack(ptr, len))
            },
        )?;
        Ok(())
    }
    // ANCHOR_END: frees_what_it_handed_over

    #[test]
    fn a_host_that_frees_what_it_handed_over_causes_a_double_free() -> wasmtime::Result<()> {
        let (mut store, guest) = instantiate(define_fetch_name_and_free_it)?;
        let greet_fetched = guest.output_export::<()>(&mut store, "greet_fetched")?;
        let error = greet_fetched.call_string(&mut store, ()).unwrap_err();
        let wasm_memory_host::Error::Call { source, .. } = &error else {
            panic!("expected a trap, got {error}");
        };
        assert_eq!(
            source.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        let report = store
            .data()
            .messages
            .take()
            .expect("the allocator's report");
        assert!(
            report.starts_with("deallocate: ") && report.contains("is not a live allocation"),
            "{report}"
        );
        Ok(())
    }

    /// The error a trapped `log_raw(ptr, len)` call carries: the host
    /// function's own.
    fn log_raw_error(ptr: u32, len: u32) -> wasmtime::Result<GuestSliceError> {
        let (mut store, guest) = instantiate(define_fetch_name)?;
        let log_raw = guest.typed_func::<(u32, u32), ()>(&mut store, "log_raw")?;
        let error = log_raw.call(&mut store, (ptr, len)).unwrap_err();
        Ok(error
            .downcast_ref::<GuestSliceError>()
            .cloned()
            .expect("the host function's error"))
    }

    #[test]
    fn lying_arguments_are_the_host_function_s_error() -> wasmtime::Result<()> {
        let memory_size = 17 * book_harness::PAGE_SIZE;
        let past_end = u32::try_from(memory_size)? - 4;
        assert_eq!(
            log_raw_error(past_end, 8)?,
            GuestSliceError::OutOfBounds {
                ptr: past_end,
                len: 8,
                memory_size
            }
        );
        // `ptr + len` wraps around 32 bits: a careless `ptr + len <= size`
        // computed in `u32` would see 8 and accept it.
        assert_eq!(
            log_raw_error(u32::MAX - 7, 16)?,
            GuestSliceError::Overflow {
                ptr: u32::MAX - 7,
                len: 16
            }
        );
        // A length of -1 as the guest's `i32`: refused by the cap before
        // the host looks at memory or allocates.
        assert_eq!(
            log_raw_error(16, u32::MAX)?,
            GuestSliceError::TooLong {
                ptr: 16,
                len: u32::MAX,
                max_len: MAX_LOG
            }
        );
        Ok(())
    }

    #[test]
    fn an_error_code_leaves_the_decision_to_the_guest() -> wasmtime::Result<()> {
        let (mut store, guest) = instantiate(define_fetch_name)?;
        // ANCHOR: error_code
        let try_log_raw = guest.typed_func::<(u32, u32), i32>(&mut store, "try_log_raw")?;
        let past_end = 17 * 65_536 - 4;
        assert_eq!(try_log_raw.call(&mut store, (past_end, 8))?, 1); // outside memory
        assert_eq!(try_log_raw.call(&mut store, (16, u32::MAX))?, 1); // too long
        // The call returned: the guest goes on, and so does the host.
        guest
            .typed_func::<(), ()>(&mut store, "hello")?
            .call(&mut store, ())?;
        assert_eq!(store.data().log, ["hello from the guest"]);
        // ANCHOR_END: error_code
        Ok(())
    }

    #[test]
    fn bytes_that_are_not_utf8_get_their_own_code() -> wasmtime::Result<()> {
        let (mut store, guest) = instantiate(define_fetch_name)?;
        let ptr = guest.copy_in(&mut store, &[0xff, 0xfe])?;
        let try_log_raw = guest.typed_func::<(u32, u32), i32>(&mut store, "try_log_raw")?;
        assert_eq!(try_log_raw.call(&mut store, (ptr.ptr(), 2))?, 2);
        guest.release(&mut store, ptr)?;
        Ok(())
    }

    // ANCHOR: careless_log
    /// What not to write: `i32` parameters, `as usize` (which sign-extends a
    /// negative `i32` to a 64-bit number near `usize::MAX`) and unchecked
    /// slicing. A lying guest makes the *host* panic.
    fn define_careless_log(linker: &mut Linker<Calls>) -> wasmtime::Result<()> {
        linker.func_wrap(
            "env",
            "log",
            |mut caller: Caller<'_, Calls>, ptr: i32, len: i32| -> wasmtime::Result<()> {
                let memory = caller_memory(&mut caller)?;
                let data = memory.data(&caller);
                let text = String::from_utf8_lossy(&data[ptr as usize..][..len as usize]);
                let text = text.into_owned();
                caller.data_mut().log.push(text);
                Ok(())
            },
        )?;
        Ok(())
    }
    // ANCHOR_END: careless_log

    #[test]
    fn a_careless_host_function_panics_the_host() -> wasmtime::Result<()> {
        // `-16` as the guest's `i32`: the pointer 0xffff_fff0.
        let sign_extended = -16i32 as usize;
        assert_eq!(sign_extended, 0xffff_ffff_ffff_fff0);
        assert_eq!(-16i32 as u32 as usize, 0xffff_fff0); // through `u32`: the guest's meaning

        let (mut store, guest) = instantiate_with(define_careless_log, define_fetch_name)?;
        let log_raw = guest.typed_func::<(u32, u32), ()>(&mut store, "log_raw")?;
        let panic = catch_unwind(AssertUnwindSafe(|| {
            log_raw.call(&mut store, (0xffff_fff0, 8))
        }))
        .expect_err("the host panics");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        // Sign-extended: not the guest's 0xffff_fff0 (4294967280).
        assert_eq!(
            message,
            "range start index 18446744073709551600 out of range for slice of length 1114112"
        );
        Ok(())
    }
}

pub mod imported_memory {
    use book_harness::expected::assert_expected;
    use wasmtime::{ExternType, Linker, Memory, MemoryType, Store};

    fn module() -> wasmtime::Result<wasmtime::Module> {
        book_harness::module(book_harness::CH12_IMPORTED_MEMORY)
    }

    // ANCHOR: minimum
    /// The smallest memory the module accepts: the minimum of its
    /// `env.memory` import, which the linker chose to hold the guest's
    /// stack and data.
    fn minimum_pages(module: &wasmtime::Module) -> Option<u64> {
        module.imports().find_map(|import| match import.ty() {
            ExternType::Memory(memory) if (import.module(), import.name()) == ("env", "memory") => {
                Some(memory.minimum())
            }
            _ => None,
        })
    }
    // ANCHOR_END: minimum

    fn instantiate_with(pages: u32) -> wasmtime::Result<(Store<()>, wasmtime::Instance, Memory)> {
        let engine = book_harness::engine();
        let module = module()?;
        // ANCHOR: create_memory
        let mut store = Store::new(engine, ());
        let memory = Memory::new(&mut store, MemoryType::new(pages, None))?;
        let mut linker = Linker::new(engine);
        linker.define(&store, "env", "memory", memory)?;
        let instance = linker.instantiate(&mut store, &module)?;
        // ANCHOR_END: create_memory
        Ok((store, instance, memory))
    }

    #[test]
    fn the_host_creates_the_memory_and_keeps_it() -> wasmtime::Result<()> {
        let pages = minimum_pages(&module()?).expect("an env.memory import");
        let (mut store, instance, memory) = instantiate_with(u32::try_from(pages)?)?;
        // ANCHOR: use_memory
        // The host holds the memory already: no export to look up.
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let sum = instance.get_typed_func::<(u32, u32), u32>(&mut store, "sum")?;
        let ptr = allocate.call(&mut store, 3)?;
        memory.write(&mut store, ptr as usize, &[1, 2, 3])?;
        assert_eq!(sum.call(&mut store, (ptr, 3))?, 6);
        // ANCHOR_END: use_memory
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        deallocate.call(&mut store, (ptr, 3))?;
        Ok(())
    }

    #[test]
    fn a_memory_below_the_module_s_minimum_is_refused() -> wasmtime::Result<()> {
        let module = module()?;
        let pages = minimum_pages(&module).expect("an env.memory import");
        let error = instantiate_with(1).expect_err("one page is too few");
        assert_expected(
            "ch12-host-functions/imported-memory.txt",
            &format!(
                "the module imports env.memory with a minimum of {pages} pages\n\
                 a memory of 1 page: {error:#}\n"
            ),
        );
        Ok(())
    }
}

/// Other memory topologies: a guest whose allocator is the host's.
pub mod imported_allocator {
    use book_harness::expected::assert_expected;
    use wasm_memory_host::PackingOrder;
    use wasm_memory_host::bounds::read_string;
    use wasmtime::{Caller, Instance, Linker, Memory, MemoryType, Store, bail};

    // ANCHOR: region
    /// What `env.allocate` does, and how the host takes the blocks back.
    trait HostAllocator: Send + 'static {
        fn allocate(&mut self, len: u32) -> wasmtime::Result<u32>;
        fn reset(&mut self);
    }

    /// The host's allocator for the guest: a bump region in the memory the
    /// host created. The guest's data is in the first page, the region is
    /// the second: the host owns it, and every block it hands out.
    struct Region {
        start: u32,
        next: u32,
        end: u32,
    }

    /// The most the host hands out at once: the guest may ask for anything.
    const MAX_ALLOCATION: u32 = 4096;

    impl HostAllocator for Region {
        fn allocate(&mut self, len: u32) -> wasmtime::Result<u32> {
            if len > MAX_ALLOCATION {
                bail!(
                    "allocate({len}): more than the {MAX_ALLOCATION} bytes the host hands out at once"
                );
            }
            // 32-bit arithmetic that cannot wrap, and the region's end.
            match self.next.checked_add(len) {
                Some(end) if end <= self.end => {
                    let ptr = self.next;
                    self.next = end;
                    Ok(ptr)
                }
                _ => bail!(
                    "allocate({len}): the host's region has {} bytes left",
                    self.end - self.next
                ),
            }
        }

        /// Takes every block back, once the host has read the guest's result.
        fn reset(&mut self) {
            self.next = self.start;
        }
    }
    // ANCHOR_END: region

    // ANCHOR: careless_region
    /// What not to write: no cap, and the end computed in 32-bit arithmetic
    /// that wraps around (as C's `uint32_t` and Go's `uint32` do, and Rust's
    /// `u32` in a release build), so a huge length passes the check.
    struct CarelessRegion(Region);

    impl HostAllocator for CarelessRegion {
        fn allocate(&mut self, len: u32) -> wasmtime::Result<u32> {
            let region = &mut self.0;
            let end = region.next.wrapping_add(len);
            if end > region.end {
                bail!("allocate({len}): the host's region is full");
            }
            let ptr = region.next;
            region.next = end;
            Ok(ptr)
        }

        fn reset(&mut self) {
            self.0.reset();
        }
    }
    // ANCHOR_END: careless_region

    /// The second page of the memory: the host's region.
    fn second_page() -> Region {
        Region {
            start: 65_536,
            next: 65_536,
            end: 131_072,
        }
    }

    fn instantiate<A: HostAllocator>(
        allocator: A,
    ) -> wasmtime::Result<(Store<A>, Instance, Memory)> {
        let engine = book_harness::engine();
        let module = book_harness::module(book_harness::CH12_IMPORTED_ALLOCATOR)?;
        // ANCHOR: host_owns
        let mut store = Store::new(engine, allocator);
        // Two pages, and no more: the host's region never moves.
        let memory = Memory::new(&mut store, MemoryType::new(2, Some(2)))?;
        let mut linker = Linker::new(engine);
        linker.define(&store, "env", "memory", memory)?;
        linker.func_wrap("env", "allocate", |mut caller: Caller<'_, A>, len: u32| {
            caller.data_mut().allocate(len)
        })?;
        let instance = linker.instantiate(&mut store, &module)?;
        // ANCHOR_END: host_owns
        Ok((store, instance, memory))
    }

    // ANCHOR: request
    /// One request: the name goes into a block of the host's region, the
    /// guest writes its greeting into another, and the host reads the
    /// greeting (checked, like any result) and takes every block back.
    fn greet<A: HostAllocator>(
        store: &mut Store<A>,
        instance: &Instance,
        memory: &Memory,
        name: &str,
    ) -> wasmtime::Result<(u32, String)> {
        let name_len = u32::try_from(name.len())?;
        let name_ptr = store.data_mut().allocate(name_len)?;
        memory.write(&mut *store, name_ptr as usize, name.as_bytes())?;
        let greet = instance.get_typed_func::<(u32, u32), u64>(&mut *store, "greet")?;
        let packed = greet.call(&mut *store, (name_ptr, name_len))?;
        let (ptr, len) = PackingOrder::PointerLow.unpack(packed);
        let greeting = read_string(&*store, memory, ptr, len, MAX_ALLOCATION)?;
        store.data_mut().reset();
        Ok((ptr, greeting))
    }
    // ANCHOR_END: request

    /// What the guest's `allocate_raw(len)` call gets, or the host's error.
    fn allocate_raw<A: HostAllocator>(
        store: &mut Store<A>,
        instance: &Instance,
        len: u32,
    ) -> wasmtime::Result<u32> {
        let allocate_raw = instance.get_typed_func::<u32, u32>(&mut *store, "allocate_raw")?;
        allocate_raw.call(&mut *store, len)
    }

    /// A length that wraps a careless `next + len` from the region's start
    /// (65536) around to 1024, where the guest keeps its data.
    const WRAPS_TO_1024: u32 = u32::MAX - 65_536 + 1 + 1024;

    #[test]
    fn the_host_allocates_for_the_guest_in_its_own_region() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate(second_page())?;
        let (ptr, greeting) = greet(&mut store, &instance, &memory, "Ferris")?;
        assert_eq!((ptr, greeting.as_str()), (65_542, "Hello, Ferris!"));
        // Every block came back: the next request uses the same addresses.
        assert_eq!(greet(&mut store, &instance, &memory, "Ferris")?.0, 65_542);
        Ok(())
    }

    #[test]
    fn a_careless_allocator_hands_out_the_guest_s_own_data() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate(CarelessRegion(second_page()))?;
        // The lie is accepted: the block "starts" at 65536, and the region's
        // next free address has wrapped around to 1024.
        assert_eq!(allocate_raw(&mut store, &instance, WRAPS_TO_1024)?, 65_536);
        let (ptr, greeting) = greet(&mut store, &instance, &memory, "Ferris")?;
        // The host wrote the name over the guest's "Hello, " at 1024, and the
        // guest built its greeting from what was left there.
        assert_eq!(&memory.data(&store)[1024..1030], b"Ferris");
        assert_eq!((ptr, greeting.as_str()), (1030, "Ferris Ferris!"));
        Ok(())
    }

    #[test]
    fn the_host_caps_and_bounds_what_a_guest_may_ask_for() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate(second_page())?;
        let (ptr, greeting) = greet(&mut store, &instance, &memory, "Ferris")?;
        let mut report = format!("greet(\"Ferris\"): {greeting:?} at {ptr:#x}\n");

        let (mut careless, careless_instance, careless_memory) =
            instantiate(CarelessRegion(second_page()))?;
        let lie = allocate_raw(&mut careless, &careless_instance, WRAPS_TO_1024)?;
        let (ptr, greeting) = greet(
            &mut careless,
            &careless_instance,
            &careless_memory,
            "Ferris",
        )?;
        report.push_str(&format!(
            "a careless allocator: allocate({WRAPS_TO_1024}) = {lie:#x}, then\n\
             greet(\"Ferris\"): {greeting:?} at {ptr:#x}\n"
        ));

        // The checked allocator refuses the same length: the guest's call
        // traps with the host's error.
        let lie = allocate_raw(&mut store, &instance, WRAPS_TO_1024).unwrap_err();
        report.push_str(&format!("the checked allocator: {}\n", lie.root_cause()));
        // And a region full of honest blocks refuses one more.
        for _ in 0..16 {
            allocate_raw(&mut store, &instance, 4096)?;
        }
        let full = allocate_raw(&mut store, &instance, 4096).unwrap_err();
        report.push_str(&format!("the checked allocator: {}\n", full.root_cause()));
        assert_expected("ch12-host-functions/imported-allocator.txt", &report);
        Ok(())
    }
}

/// Other memory topologies: two modules in one memory, laid out alone.
pub mod default_layout_en {
    use wasm_memory_host::PackingOrder;
    use wasm_memory_host::bounds::read_string;
    use wasmtime::{Instance, Linker, Memory, MemoryType, Store};

    /// The memory the host makes, and a linker that gives it to every
    /// module as `env.memory`.
    pub(super) struct SharedMemory {
        pub(super) store: Store<()>,
        pub(super) memory: Memory,
        linker: Linker<()>,
    }

    impl SharedMemory {
        pub(super) fn new(pages: u32) -> wasmtime::Result<Self> {
            let engine = book_harness::engine();
            let mut store = Store::new(engine, ());
            let memory = Memory::new(&mut store, MemoryType::new(pages, None))?;
            let mut linker = Linker::new(engine);
            linker.define(&store, "env", "memory", memory)?;
            Ok(SharedMemory {
                store,
                memory,
                linker,
            })
        }

        /// Instantiates one more module in the same memory: its data
        /// segments are written into it now.
        pub(super) fn add(&mut self, wasm_path: &str) -> wasmtime::Result<Instance> {
            let module = book_harness::module(wasm_path)?;
            self.linker.instantiate(&mut self.store, &module)
        }

        /// A module's greeting, as the host reads it: at the address the
        /// module gives, checked.
        pub(super) fn greeting(&mut self, module: &Instance) -> wasmtime::Result<(u32, String)> {
            let greeting = module.get_typed_func::<(), u64>(&mut self.store, "greeting")?;
            let (ptr, len) = PackingOrder::PointerLow.unpack(greeting.call(&mut self.store, ())?);
            Ok((ptr, read_string(&self.store, &self.memory, ptr, len, 64)?))
        }

        pub(super) fn allocate(&mut self, module: &Instance, len: u32) -> wasmtime::Result<u32> {
            let allocate = module.get_typed_func::<u32, u32>(&mut self.store, "allocate")?;
            allocate.call(&mut self.store, len)
        }
    }

    #[test]
    fn alone_in_its_memory_a_module_keeps_its_data() -> wasmtime::Result<()> {
        let mut shared = SharedMemory::new(1)?;
        let english = shared.add(book_harness::CH12_DEFAULT_LAYOUT_EN)?;
        assert_eq!(shared.greeting(&english)?, (1024, "Hello, world!".into()));
        assert_eq!(shared.allocate(&english, 16)?, 2048);
        Ok(())
    }
}

/// Other memory topologies: two modules laid out the same way collide.
pub mod default_layout_fr {
    use super::default_layout_en::SharedMemory;
    use wasmparser::{ConstExpr, DataKind, Operator, Parser, Payload};

    #[test]
    fn two_modules_laid_out_alike_overwrite_each_other() -> wasmtime::Result<()> {
        // ANCHOR: collide
        let mut shared = SharedMemory::new(1)?;
        let english = shared.add(book_harness::CH12_DEFAULT_LAYOUT_EN)?;
        let french = shared.add(book_harness::CH12_DEFAULT_LAYOUT_FR)?; // writes its data at 1024
        assert_eq!(shared.greeting(&english)?, (1024, "Salut !world!".into()));
        assert_eq!(shared.greeting(&french)?, (1024, "Salut !".into()));
        // Each allocator hands out the same block, believing it is its own.
        assert_eq!(shared.allocate(&english, 16)?, 2048);
        assert_eq!(shared.allocate(&french, 16)?, 2048);
        // ANCHOR_END: collide
        Ok(())
    }

    /// The first value of a constant expression: `i32.const` is all a
    /// linker writes for a data segment's offset or a global's start.
    fn i32_const(expr: &ConstExpr<'_>) -> Option<i32> {
        match expr.get_operators_reader().read().ok()? {
            Operator::I32Const { value } => Some(value),
            _ => None,
        }
    }

    /// Where a module's stack pointer (its first global) starts, and where
    /// its first data segment goes.
    fn stack_and_data(wasm_path: &str) -> wasmtime::Result<(i32, i32)> {
        let (mut stack, mut data) = (None, None);
        for payload in Parser::new(0).parse_all(&std::fs::read(wasm_path)?) {
            match payload? {
                Payload::GlobalSection(globals) => {
                    if let Some(first) = globals.into_iter().next() {
                        stack = i32_const(&first?.init_expr);
                    }
                }
                Payload::DataSection(segments) => {
                    if let Some(first) = segments.into_iter().next()
                        && let DataKind::Active { offset_expr, .. } = first?.kind
                    {
                        data = i32_const(&offset_expr);
                    }
                }
                _ => {}
            }
        }
        Ok((
            stack.expect("a stack pointer"),
            data.expect("a data segment"),
        ))
    }

    #[test]
    fn two_rust_guests_are_laid_out_alike() -> wasmtime::Result<()> {
        // Two Rust guests of this chapter, linked on their own by rustc's
        // wasm-ld: the same stack (below 1 MiB) and data (from 1 MiB).
        for wasm_path in [
            book_harness::CH12_HOST_CALLS,
            book_harness::CH12_IMPORTED_MEMORY,
        ] {
            assert_eq!(
                stack_and_data(wasm_path)?,
                (0x10_0000, 0x10_0000),
                "{wasm_path}"
            );
        }
        Ok(())
    }
}

/// Other memory topologies: the fix, each module in its own range.
pub mod laid_out_apart_fr {
    use super::default_layout_en::SharedMemory;
    use book_harness::expected::assert_expected;
    use wasmtime::Instance;

    #[test]
    fn modules_laid_out_apart_keep_their_data_and_their_heaps() -> wasmtime::Result<()> {
        // ANCHOR: apart
        let mut shared = SharedMemory::new(2)?;
        let english = shared.add(book_harness::CH12_DEFAULT_LAYOUT_EN)?;
        let french = shared.add(book_harness::CH12_LAID_OUT_APART_FR)?;
        assert_eq!(shared.greeting(&english)?, (1024, "Hello, world!".into()));
        assert_eq!(shared.greeting(&french)?, (66_560, "Salut !".into()));
        assert_eq!(shared.allocate(&english, 16)?, 2048);
        assert_eq!(shared.allocate(&french, 16)?, 67_584);
        // ANCHOR_END: apart
        // The English heap ends where the French data begins.
        assert_eq!(shared.allocate(&english, 65_536 - 2048 - 16)?, 2064);
        assert_eq!(shared.allocate(&english, 1)?, 0, "the English heap is full");
        assert_eq!(shared.greeting(&french)?.1, "Salut !");
        Ok(())
    }

    /// What the host reads from two modules in one memory: their
    /// greetings, and where their allocators put a block.
    fn both(
        shared: &mut SharedMemory,
        english: &Instance,
        french: &Instance,
    ) -> wasmtime::Result<String> {
        let (en, fr) = (shared.greeting(english)?, shared.greeting(french)?);
        let en_block = shared.allocate(english, 16)?;
        let fr_block = shared.allocate(french, 16)?;
        Ok(format!(
            "  English {:?} at {:#x}, French {:?} at {:#x}\n  \
             allocate(16): {en_block:#x} and {fr_block:#x}\n",
            en.1, en.0, fr.1, fr.0
        ))
    }

    #[test]
    fn each_layout_as_the_host_reads_it() -> wasmtime::Result<()> {
        let mut shared = SharedMemory::new(1)?;
        let english = shared.add(book_harness::CH12_DEFAULT_LAYOUT_EN)?;
        let (ptr, greeting) = shared.greeting(&english)?;
        let mut report = format!("the English module alone: {greeting:?} at {ptr:#x}\n");

        let french = shared.add(book_harness::CH12_DEFAULT_LAYOUT_FR)?;
        report.push_str("with the French module laid out the same way:\n");
        report.push_str(&both(&mut shared, &english, &french)?);

        let mut shared = SharedMemory::new(2)?;
        let english = shared.add(book_harness::CH12_DEFAULT_LAYOUT_EN)?;
        let french = shared.add(book_harness::CH12_LAID_OUT_APART_FR)?;
        report.push_str("with the French module laid out apart:\n");
        report.push_str(&both(&mut shared, &english, &french)?);
        assert_expected("ch12-host-functions/two-modules-one-memory.txt", &report);
        Ok(())
    }
}

/// WASI preview 1's buffers: a host's own `fd_write`, and the guests that
/// call it.
pub mod fd_write_guest {
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::checked_range;
    use wasmtime::{Caller, Instance, Linker, Memory, Store};

    use super::host_calls::caller_memory;

    // ANCHOR: errno
    /// The errno values this host returns, from WASI preview 1's `errno`.
    const ERRNO_SUCCESS: i32 = 0;
    const ERRNO_BADF: i32 = 8;
    const ERRNO_FAULT: i32 = 21;
    const ERRNO_INVAL: i32 = 28;

    /// The most iovecs the host reads in one call: its own limit.
    const MAX_IOVECS: u32 = 1024;
    // ANCHOR_END: errno

    /// What the host keeps: the bytes written to stdout, how many it takes
    /// in one call, and how many calls it served.
    struct Stdout {
        bytes: Vec<u8>,
        max_per_call: usize,
        calls: u32,
    }

    // ANCHOR: fd_write
    /// `fd_write(fd, iovs, iovs_len, nwritten) -> errno`, stdout only.
    fn define_fd_write(linker: &mut Linker<Stdout>) -> wasmtime::Result<()> {
        linker.func_wrap(
            "wasi_snapshot_preview1",
            "fd_write",
            |mut caller: Caller<'_, Stdout>,
             fd: u32,
             iovs: u32,
             iovs_len: u32,
             nwritten: u32|
             -> wasmtime::Result<i32> {
                if fd != 1 {
                    return Ok(ERRNO_BADF);
                }
                let memory = caller_memory(&mut caller)?;
                let (memory, stdout) = memory.data_and_store_mut(&mut caller);
                stdout.calls += 1;
                Ok(
                    match write_iovecs(memory, stdout, iovs, iovs_len, nwritten) {
                        Ok(()) => ERRNO_SUCCESS,
                        Err(errno) => errno,
                    },
                )
            },
        )?;
        Ok(())
    }

    /// Checks every range before it takes a byte, so a lie writes nothing:
    /// the array, each buffer it lists, and `nwritten`. Then takes at most
    /// `max_per_call` bytes, in order, and says how many at `nwritten`.
    fn write_iovecs(
        memory: &mut [u8],
        stdout: &mut Stdout,
        iovs: u32,
        iovs_len: u32,
        nwritten: u32,
    ) -> Result<(), i32> {
        if iovs_len > MAX_IOVECS {
            return Err(ERRNO_INVAL);
        }
        let size = memory.len();
        // The array: `iovs_len` pairs of (buf_ptr: u32, buf_len: u32), 8
        // bytes each, little-endian. Its length cannot overflow: capped above.
        let array = checked_range(iovs, iovs_len * 8, size, MAX_IOVECS * 8);
        let array = array.map_err(|_| ERRNO_FAULT)?;
        let mut buffers = Vec::new();
        for iovec in memory[array].chunks_exact(8) {
            let buf_ptr = u32::from_le_bytes([iovec[0], iovec[1], iovec[2], iovec[3]]);
            let buf_len = u32::from_le_bytes([iovec[4], iovec[5], iovec[6], iovec[7]]);
            // No cap on a buffer: the host copies `max_per_call` bytes at most.
            let buffer = checked_range(buf_ptr, buf_len, size, u32::MAX);
            buffers.push(buffer.map_err(|_| ERRNO_FAULT)?);
        }
        let nwritten = checked_range(nwritten, 4, size, 4).map_err(|_| ERRNO_FAULT)?;

        let mut taken = 0;
        for buffer in buffers {
            let room = stdout.max_per_call - taken;
            let bytes = &memory[buffer];
            let bytes = &bytes[..bytes.len().min(room)];
            stdout.bytes.extend_from_slice(bytes);
            taken += bytes.len();
        }
        let taken = u32::try_from(taken).expect("at most max_per_call");
        memory[nwritten].copy_from_slice(&taken.to_le_bytes());
        Ok(())
    }
    // ANCHOR_END: fd_write

    /// The guest, linked with this host's `fd_write`, which takes at most
    /// `max_per_call` bytes per call.
    fn instantiate(max_per_call: usize) -> wasmtime::Result<(Store<Stdout>, Instance, Memory)> {
        let engine = book_harness::engine();
        let module = book_harness::module(book_harness::CH12_FD_WRITE_GUEST)?;
        let mut linker = Linker::new(engine);
        define_fd_write(&mut linker)?;
        let stdout = Stdout {
            bytes: Vec::new(),
            max_per_call,
            calls: 0,
        };
        let mut store = Store::new(engine, stdout);
        let instance = linker.instantiate(&mut store, &module)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .expect("exports its memory");
        Ok((store, instance, memory))
    }

    fn call(store: &mut Store<Stdout>, instance: &Instance, export: &str) -> wasmtime::Result<i32> {
        let func = instance.get_typed_func::<(), i32>(&mut *store, export)?;
        func.call(store, ())
    }

    /// The `u32` the host wrote at 16, where the guest keeps `nwritten`.
    fn nwritten(store: &Store<Stdout>, memory: &Memory) -> u32 {
        let bytes = &memory.data(store)[16..20];
        u32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }

    #[test]
    fn a_guest_that_ignores_nwritten_loses_bytes() -> wasmtime::Result<()> {
        // ANCHOR: partial
        let (mut store, instance, memory) = instantiate(10)?;
        assert_eq!(call(&mut store, &instance, "write_once")?, ERRNO_SUCCESS);
        assert_eq!(nwritten(&store, &memory), 10); // the host said so...
        assert_eq!(store.data().bytes, b"Hello, iov"); // ...and "ecs!\n" is lost

        let (mut store, instance, _) = instantiate(10)?;
        assert_eq!(call(&mut store, &instance, "write_all")?, ERRNO_SUCCESS);
        assert_eq!(store.data().bytes, b"Hello, iovecs!\n");
        assert_eq!(store.data().calls, 2); // 10 bytes, then the last 5
        // ANCHOR_END: partial
        Ok(())
    }

    #[test]
    fn a_guest_that_loops_on_nwritten_writes_everything_whatever_the_host_takes()
    -> wasmtime::Result<()> {
        for max_per_call in 1..=16 {
            let (mut store, instance, _) = instantiate(max_per_call)?;
            assert_eq!(call(&mut store, &instance, "write_all")?, ERRNO_SUCCESS);
            assert_eq!(store.data().bytes, b"Hello, iovecs!\n", "{max_per_call}");
            assert_eq!(store.data().calls as usize, 15usize.div_ceil(max_per_call));
        }
        Ok(())
    }

    /// A lie a guest can tell `fd_write`: one iovec, which the guest
    /// writes at 256, and the arguments of its call.
    struct Lie {
        what: &'static str,
        /// What this host answers.
        errno: i32,
        iovec: [u32; 2],
        iovs: u32,
        iovs_len: u32,
        nwritten: u32,
    }

    /// "Hello, " at 32, and `nwritten` at 16: the truth, but for one number.
    const TRUTH: Lie = Lie {
        what: "the truth",
        errno: ERRNO_SUCCESS,
        iovec: [32, 7],
        iovs: 256,
        iovs_len: 1,
        nwritten: 16,
    };

    const LIES: [Lie; 4] = [
        Lie {
            what: "an iovec past the end of memory",
            errno: ERRNO_FAULT,
            iovec: [0xffff_fff0, 32],
            ..TRUTH
        },
        Lie {
            what: "an iovec array past the end of memory",
            errno: ERRNO_FAULT,
            iovs: 65_532,
            ..TRUTH
        },
        Lie {
            what: "nwritten past the end of memory",
            errno: ERRNO_FAULT,
            nwritten: 65_534,
            ..TRUTH
        },
        Lie {
            what: "more iovecs than the host reads",
            errno: ERRNO_INVAL,
            iovs_len: 1025,
            ..TRUTH
        },
    ];

    /// Calls the guest's `write_raw` with a lie: the errno it gets back.
    fn tell<T>(store: &mut Store<T>, instance: &Instance, lie: &Lie) -> wasmtime::Result<i32> {
        let memory = instance
            .get_memory(&mut *store, "memory")
            .expect("exports its memory");
        let iovec = [lie.iovec[0].to_le_bytes(), lie.iovec[1].to_le_bytes()].concat();
        memory.write(&mut *store, 256, &iovec)?;
        let write_raw =
            instance.get_typed_func::<(u32, u32, u32), i32>(&mut *store, "write_raw")?;
        write_raw.call(store, (lie.iovs, lie.iovs_len, lie.nwritten))
    }

    #[test]
    fn a_lying_iovec_gets_efault_and_writes_nothing() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate(10)?;
        let errno = call(&mut store, &instance, "write_once")?;
        let mut report = format!(
            "A host that takes at most 10 bytes per call:\n\
             write_once: errno {errno}, nwritten {}, stdout {:?}\n",
            nwritten(&store, &memory),
            String::from_utf8_lossy(&store.data().bytes)
        );
        let (mut store, instance, _) = instantiate(10)?;
        let errno = call(&mut store, &instance, "write_all")?;
        report.push_str(&format!(
            "write_all: errno {errno}, {} calls, stdout {:?}\n\n\
             The same host, and wasmtime-wasi's own fd_write, told lies:\n",
            store.data().calls,
            String::from_utf8_lossy(&store.data().bytes)
        ));

        for lie in [TRUTH].iter().chain(&LIES) {
            let (mut store, instance, _) = instantiate(10)?;
            let ours = tell(&mut store, &instance, lie)?;
            let written = String::from_utf8_lossy(&store.data().bytes).into_owned();
            assert_eq!(ours, lie.errno, "{}", lie.what);
            if ours != ERRNO_SUCCESS {
                assert_eq!(written, "", "{}: a lie writes nothing", lie.what);
            }
            // The same guest under the harness's WASI: wasmtime-wasi's.
            let (mut store, instance) =
                book_harness::instantiate(book_harness::CH12_FD_WRITE_GUEST)?;
            let theirs = match tell(&mut store, &instance, lie) {
                Ok(errno) => format!("errno {errno}"),
                Err(error) => format!("a trap: {}", error.root_cause()),
            };
            report.push_str(&format!(
                "- {}: errno {ours}, stdout {written:?}; wasmtime-wasi: {theirs}\n",
                lie.what
            ));
        }
        assert_expected("ch12-host-functions/fd-write.txt", &report);
        Ok(())
    }
}
