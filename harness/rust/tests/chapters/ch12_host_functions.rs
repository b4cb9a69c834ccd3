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
        let live = guest.typed_func::<(), u32>(&mut store, "live")?;
        assert_eq!(live.call(&mut store, ())?, 0);
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
    use std::io::Read;

    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::checked_range;
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
    fn a_reader_writes_straight_into_the_guest_s_memory() -> wasmtime::Result<()> {
        let pages = minimum_pages(&module()?).expect("an env.memory import");
        let (mut store, instance, memory) = instantiate_with(u32::try_from(pages)?)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let sum = instance.get_typed_func::<(u32, u32), u32>(&mut store, "sum")?;
        // ANCHOR: in_place
        let len = 64 * 1024;
        let ptr = allocate.call(&mut store, len)?;
        let range = checked_range(ptr, len, memory.data_size(&store), len)?;
        // The source of the bytes (a file, a socket; here 64 KiB of ones)
        // writes them into the guest's memory: no buffer of the host's between.
        std::io::repeat(1).read_exact(&mut memory.data_mut(&mut store)[range.clone()])?;
        assert_eq!(sum.call(&mut store, (ptr, len))?, len);
        // And the host reads them where they are: a borrow, not a copy.
        let in_guest: &[u8] = &memory.data(&store)[range];
        assert!(in_guest.iter().all(|&byte| byte == 1));
        // ANCHOR_END: in_place
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        deallocate.call(&mut store, (ptr, len))?;
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

    // ANCHOR: host_malloc
    /// `env.allocate` as the host's own `malloc`, which is what exposing the
    /// host's C functions as imports gives the guest: blocks in the host's
    /// address space. A wasm pointer is 32 bits, so the guest gets the low
    /// 32 bits of the block's address, a number like any other.
    struct HostMalloc {
        blocks: Vec<Box<[u8]>>,
    }

    impl HostAllocator for HostMalloc {
        fn allocate(&mut self, len: u32) -> wasmtime::Result<u32> {
            let block = vec![0; len as usize].into_boxed_slice();
            let address = block.as_ptr() as usize;
            self.blocks.push(block);
            Ok(address as u32)
        }

        fn reset(&mut self) {
            self.blocks.clear();
        }
    }
    // ANCHOR_END: host_malloc

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
    /// greeting, checked like any result, and takes every block back.
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
    fn a_host_malloc_hands_the_guest_an_address_it_cannot_reach() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate(HostMalloc { blocks: Vec::new() })?;
        let greet = instance.get_typed_func::<(u32, u32), u64>(&mut store, "greet")?;
        // ANCHOR: malloc_call
        // The guest greets "Hello" (its own bytes at 1024) into a block of
        // the host's `malloc`, through the number it got for it.
        let result = greet.call(&mut store, (1024, 5));
        let block = store.data().blocks[0].as_ptr() as usize;
        match result {
            // Nearly always: that number is past the end of the guest's 128 KiB.
            Err(trap) => assert_eq!(
                trap.root_cause().to_string(),
                "wasm trap: out of bounds memory access"
            ),
            // Else it is an offset in the guest's own memory, and the guest
            // wrote there, over whatever of its own it held.
            Ok(packed) => {
                let (ptr, _) = PackingOrder::PointerLow.unpack(packed);
                assert_eq!(ptr, block as u32);
                assert_eq!(&memory.data(&store)[ptr as usize..][..5], b"Hello");
            }
        }
        // Either way the host's block is untouched: the guest cannot reach it.
        assert_eq!(&store.data().blocks[0][..], &[0; 13]);
        // ANCHOR_END: malloc_call
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
    use book_harness::CH12_DEFAULT_LAYOUT_EN;
    use wasm_memory_host::PackingOrder;
    use wasm_memory_host::bounds::read_string;
    use wasmtime::{Engine, Instance, Linker, Memory, MemoryType, Module, Store};

    // ANCHOR: shared_memory
    /// The memory the host makes, and a linker that gives it to every
    /// module as `env.memory`.
    pub(super) struct SharedMemory {
        pub(super) store: Store<()>,
        pub(super) memory: Memory,
        linker: Linker<()>,
    }

    impl SharedMemory {
        pub(super) fn new(pages: u32) -> wasmtime::Result<Self> {
            let engine = Engine::default();
            let mut store = Store::new(&engine, ());
            let memory = Memory::new(&mut store, MemoryType::new(pages, None))?;
            let mut linker = Linker::new(&engine);
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
            let module = Module::from_file(self.store.engine(), wasm_path)?;
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
    // ANCHOR_END: shared_memory

    #[test]
    fn alone_in_its_memory_a_module_keeps_its_data() -> wasmtime::Result<()> {
        let mut shared = SharedMemory::new(1)?;
        let english = shared.add(CH12_DEFAULT_LAYOUT_EN)?;
        assert_eq!(shared.greeting(&english)?, (1024, "Hello, world!".into()));
        assert_eq!(shared.allocate(&english, 16)?, 2048);
        Ok(())
    }
}

/// Other memory topologies: two modules laid out the same way collide.
pub mod default_layout_fr {
    use super::default_layout_en::SharedMemory;
    use book_harness::{CH12_DEFAULT_LAYOUT_EN, CH12_DEFAULT_LAYOUT_FR};

    #[test]
    fn two_modules_laid_out_alike_overwrite_each_other() -> wasmtime::Result<()> {
        // ANCHOR: collide
        let mut shared = SharedMemory::new(1)?;
        let english = shared.add(CH12_DEFAULT_LAYOUT_EN)?;
        let french = shared.add(CH12_DEFAULT_LAYOUT_FR)?; // writes its data at 1024
        assert_eq!(shared.greeting(&english)?, (1024, "Salut !world!".into()));
        assert_eq!(shared.greeting(&french)?, (1024, "Salut !".into()));
        // Each allocator hands out the same block, believing it is its own.
        assert_eq!(shared.allocate(&english, 16)?, 2048);
        assert_eq!(shared.allocate(&french, 16)?, 2048);
        // ANCHOR_END: collide
        Ok(())
    }

    #[test]
    fn two_rust_guests_are_laid_out_alike() -> wasmtime::Result<()> {
        // Two Rust guests of this chapter, linked on their own by rustc's
        // wasm-ld: the same stack (below 1 MiB) and data (from 1 MiB).
        for wasm_path in [
            book_harness::CH12_HOST_CALLS,
            book_harness::CH12_IMPORTED_MEMORY,
        ] {
            let layout = book_harness::signatures::layout(&std::fs::read(wasm_path)?)?;
            assert_eq!(
                (layout.stack_start, layout.data_start),
                (Some(0x10_0000), Some(0x10_0000)),
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
    use book_harness::{CH12_DEFAULT_LAYOUT_EN, CH12_LAID_OUT_APART_FR};
    use wasmtime::Instance;

    #[test]
    fn modules_laid_out_apart_keep_their_data_and_their_heaps() -> wasmtime::Result<()> {
        // ANCHOR: apart
        let mut shared = SharedMemory::new(2)?;
        let english = shared.add(CH12_DEFAULT_LAYOUT_EN)?;
        let french = shared.add(CH12_LAID_OUT_APART_FR)?;
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
    /// greetings (address, text), and where their allocators put a block.
    struct Seen {
        english: (u32, String),
        french: (u32, String),
        blocks: (u32, u32),
    }

    fn both(
        shared: &mut SharedMemory,
        english: &Instance,
        french: &Instance,
    ) -> wasmtime::Result<Seen> {
        let (english_greeting, french_greeting) =
            (shared.greeting(english)?, shared.greeting(french)?);
        let blocks = (shared.allocate(english, 16)?, shared.allocate(french, 16)?);
        Ok(Seen {
            english: english_greeting,
            french: french_greeting,
            blocks,
        })
    }

    impl Seen {
        fn report(&self) -> String {
            format!(
                "  English {:?} at {:#x}, French {:?} at {:#x}\n  \
                 allocate(16): {:#x} and {:#x}\n",
                self.english.1,
                self.english.0,
                self.french.1,
                self.french.0,
                self.blocks.0,
                self.blocks.1
            )
        }
    }

    /// The figure of chapter 12: each layout's data and heaps, at the
    /// addresses this run saw. (Mermaid labels take no double quotes.)
    fn figure(alike: &Seen, apart: &Seen) -> String {
        format!(
            "block-beta\n  columns 2\n  \
             alike[\"Laid out alike: one page\"]:2\n  \
             alike_data[\"{:#x}: both modules' data\\nthe English text now reads '{}'\"]\n  \
             alike_heap[\"{:#x} and {:#x}: both allocators'\\nfirst block, the same one\"]\n  \
             apart[\"Laid out apart: two pages\"]:2\n  \
             english[\"{:#x}: English data '{}'\\nfirst block at {:#x}\"]\n  \
             french[\"{:#x}: French data '{}'\\nfirst block at {:#x}\"]\n",
            alike.english.0,
            alike.english.1,
            alike.blocks.0,
            alike.blocks.1,
            apart.english.0,
            apart.english.1,
            apart.blocks.0,
            apart.french.0,
            apart.french.1,
            apart.blocks.1,
        )
    }

    #[test]
    fn each_layout_as_the_host_reads_it() -> wasmtime::Result<()> {
        let mut shared = SharedMemory::new(1)?;
        let english = shared.add(CH12_DEFAULT_LAYOUT_EN)?;
        let (ptr, greeting) = shared.greeting(&english)?;
        let mut report = format!("the English module alone: {greeting:?} at {ptr:#x}\n");

        let french = shared.add(book_harness::CH12_DEFAULT_LAYOUT_FR)?;
        report.push_str("with the French module laid out the same way:\n");
        let alike = both(&mut shared, &english, &french)?;
        report.push_str(&alike.report());

        let mut shared = SharedMemory::new(2)?;
        let english = shared.add(CH12_DEFAULT_LAYOUT_EN)?;
        let french = shared.add(CH12_LAID_OUT_APART_FR)?;
        report.push_str("with the French module laid out apart:\n");
        let apart = both(&mut shared, &english, &french)?;
        report.push_str(&apart.report());
        assert_expected(
            "ch12-host-functions/two-modules-one-memory.mmd",
            &figure(&alike, &apart),
        );
        assert_expected("ch12-host-functions/two-modules-one-memory.txt", &report);
        Ok(())
    }
}

/// WASI preview 1's buffers: a host's own `fd_write`, and the guests that
/// call it.
pub mod fd_write_guest {
    use std::sync::{Arc, Mutex};

    use book_harness::expected::assert_expected;
    use book_harness::{CH08_GO_SHOUT, CH12_FD_WRITE_GUEST, Host};
    use wasm_memory_host::bounds::checked_range;
    use wasmtime::{Caller, Engine, Instance, Linker, Memory, Module, Store, Val};
    use wasmtime_wasi::WasiCtxBuilder;
    use wasmtime_wasi::p1::WasiP1Ctx;
    use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

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
    // ANCHOR: stdout
    /// What a guest wrote to one of its descriptors, as this host keeps it:
    /// the bytes, how many it takes per call at most, and the calls made.
    struct Stdout {
        bytes: Vec<u8>,
        max_per_call: usize,
        calls: u32,
    }
    // ANCHOR_END: stdout

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

    // ANCHOR: fd_write_guest_host
    /// The guest, linked with this host's `fd_write`, which takes at most
    /// `max_per_call` bytes per call.
    fn instantiate(max_per_call: usize) -> wasmtime::Result<(Store<Stdout>, Instance, Memory)> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, CH12_FD_WRITE_GUEST)?;
        let mut linker = Linker::new(&engine);
        define_fd_write(&mut linker)?;
        let stdout = Stdout {
            bytes: Vec::new(),
            max_per_call,
            calls: 0,
        };
        let mut store = Store::new(&engine, stdout);
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
    // ANCHOR_END: fd_write_guest_host

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
            let (mut store, instance) = book_harness::instantiate(CH12_FD_WRITE_GUEST)?;
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

    #[test]
    fn a_host_s_own_fd_write_takes_what_a_compiled_guest_prints() -> wasmtime::Result<()> {
        // ANCHOR: own_fd_write
        // What the guest writes to stdout (fd 1) and stderr (fd 2).
        let printed = Arc::new(Mutex::new([1, 2].map(|_| Stdout {
            bytes: Vec::new(),
            max_per_call: usize::MAX,
            calls: 0,
        })));
        let ours = Arc::clone(&printed);
        // Every WASI call of the guest is wasmtime-wasi's, but `fd_write`,
        // which the host defines again, in a linker that allows shadowing.
        let define_own_fd_write = move |linker: &mut Linker<Host>| -> wasmtime::Result<()> {
            linker.func_wrap(
                "wasi_snapshot_preview1",
                "fd_write",
                move |mut caller: Caller<'_, Host>, fd: u32, iovs, iovs_len, nwritten| {
                    let memory = caller_memory(&mut caller)?;
                    let bytes = memory.data_mut(&mut caller);
                    let mut printed = ours.lock().expect("not poisoned");
                    let errno = match fd {
                        1 | 2 => {
                            let out = &mut printed[fd as usize - 1];
                            out.calls += 1;
                            match write_iovecs(bytes, out, iovs, iovs_len, nwritten) {
                                Ok(()) => ERRNO_SUCCESS,
                                Err(errno) => errno,
                            }
                        }
                        _ => ERRNO_BADF,
                    };
                    wasmtime::Result::<i32>::Ok(errno)
                },
            )?;
            Ok(())
        };
        // ANCHOR_END: own_fd_write
        let (mut store, instance) = book_harness::Setup::default()
            .host_functions(define_own_fd_write)
            .instantiate(CH08_GO_SHOUT)?;
        // ANCHOR: own_fd_write_panic
        // Chapter 3's mistake, a pointer the guest never handed out: Go's
        // runtime panics, prints why to stderr, and traps.
        let shout = instance.get_typed_func::<(u32, u32), u64>(&mut store, "shout")?;
        shout.call(&mut store, (0, 1)).unwrap_err();
        let printed = printed.lock().expect("not poisoned");
        let stderr = String::from_utf8_lossy(&printed[1].bytes);
        assert!(stderr.starts_with(
            "panic: keepalive: no buffer is kept at 0x0 (released twice, or never kept)"
        ));
        // ANCHOR_END: own_fd_write_panic
        // wasmtime-wasi's stderr, which the harness keeps, got nothing.
        assert_eq!(store.data().stderr(), "");
        Ok(())
    }

    // ANCHOR: capture_stdout
    /// The guest linked with wasmtime-wasi's own WASI preview 1, its stdout
    /// kept in memory (neither inherited from the host nor a file), where
    /// the host reads it as a variable.
    fn under_wasmtime_wasi() -> wasmtime::Result<(Store<WasiP1Ctx>, Instance, MemoryOutputPipe)> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, CH12_FD_WRITE_GUEST)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |wasi| wasi)?;
        let stdout = MemoryOutputPipe::new(64 * 1024);
        let wasi = WasiCtxBuilder::new().stdout(stdout.clone()).build_p1();
        let mut store = Store::new(&engine, wasi);
        let instance = linker.instantiate(&mut store, &module)?;
        Ok((store, instance, stdout))
    }
    // ANCHOR_END: capture_stdout

    #[test]
    fn wasmtime_wasi_writes_one_iovec_per_call() -> wasmtime::Result<()> {
        // ANCHOR: one_iovec
        let (mut store, instance, stdout) = under_wasmtime_wasi()?;
        let write_once = instance.get_typed_func::<(), i32>(&mut store, "write_once")?;
        assert_eq!(write_once.call(&mut store, ())?, ERRNO_SUCCESS);
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let nwritten = u32::from_le_bytes(memory.data(&store)[16..20].try_into()?);
        // Two iovecs, "Hello, " and "iovecs!\n": the first one, and it says so.
        assert_eq!((nwritten, &stdout.contents()[..]), (7, &b"Hello, "[..]));

        // The guest that loops on nwritten calls again for the second.
        let (mut store, instance, stdout) = under_wasmtime_wasi()?;
        let write_all = instance.get_typed_func::<(), i32>(&mut store, "write_all")?;
        assert_eq!(write_all.call(&mut store, ())?, ERRNO_SUCCESS);
        assert_eq!(stdout.contents(), "Hello, iovecs!\n");
        // ANCHOR_END: one_iovec
        Ok(())
    }

    #[test]
    fn the_output_of_a_function_that_returns_nothing_is_its_stdout() -> wasmtime::Result<()> {
        let (mut store, instance, stdout) = under_wasmtime_wasi()?;
        // ANCHOR: no_result
        let run = instance.get_func(&mut store, "run").expect("exported");
        // `run` returns nothing: asking it for one result is an error.
        let error = run.call(&mut store, &[], &mut [Val::I32(0)]).unwrap_err();
        assert_eq!(error.to_string(), "expected 0 results, got 1");
        // Called as it is, its output is what it wrote to stdout.
        run.call(&mut store, &[], &mut [])?;
        assert_eq!(stdout.contents(), "Hello, iovecs!\n");
        // ANCHOR_END: no_result
        Ok(())
    }

    #[test]
    fn an_iovec_may_end_exactly_at_the_end_of_memory() -> wasmtime::Result<()> {
        let mut report =
            String::from("A memory of one page, 65536 bytes, \"TEST\" in its last four:\n");
        for iovec in [[65_532, 4], [65_532, 5]] {
            let lie = Lie {
                what: "",
                errno: ERRNO_SUCCESS,
                iovec,
                ..TRUTH
            };
            let (mut store, instance, memory) = instantiate(10)?;
            memory.write(&mut store, 65_532, b"TEST")?;
            let ours = tell(&mut store, &instance, &lie)?;
            let written = String::from_utf8_lossy(&store.data().bytes).into_owned();

            let (mut store, instance, stdout) = under_wasmtime_wasi()?;
            let memory = instance.get_memory(&mut store, "memory").expect("exported");
            memory.write(&mut store, 65_532, b"TEST")?;
            let theirs = match tell(&mut store, &instance, &lie) {
                Ok(errno) => format!(
                    "errno {errno}, stdout {:?}",
                    String::from_utf8_lossy(&stdout.contents())
                ),
                Err(error) => format!("a trap: {}", error.root_cause()),
            };
            report.push_str(&format!(
                "- iovec ({}, {}): this host: errno {ours}, stdout {written:?}; wasmtime-wasi: {theirs}\n",
                iovec[0], iovec[1]
            ));
        }
        assert_expected("ch12-host-functions/fd-write-boundary.txt", &report);
        Ok(())
    }
}

/// wasmtime#4985: a WASI module without a memory export, whose `_start`
/// calls only `proc_exit`.
pub mod exit_42 {
    use book_harness::expected::assert_expected;
    use wasmtime::{Engine, Linker, Memory, MemoryType, Module, Store};
    use wasmtime_wasi::p1::WasiP1Ctx;
    use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
    use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

    // ANCHOR: run_wasi
    /// Runs a WASI command as `wasmtime run` does: WASI preview 1 in the
    /// linker, `_start`, and the exit code out of `proc_exit`'s error. If
    /// `memory` is given, the host also defines `env.memory` with that
    /// many pages, for a module that imports its memory.
    pub(super) fn run_wasi(wasm_path: &str, memory: Option<u32>) -> wasmtime::Result<String> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, wasm_path)?;
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |wasi| wasi)?;
        let stdout = MemoryOutputPipe::new(4096);
        let wasi = WasiCtxBuilder::new().stdout(stdout.clone()).build_p1();
        let mut store = Store::new(&engine, wasi);
        if let Some(pages) = memory {
            let memory = Memory::new(&mut store, MemoryType::new(pages, None))?;
            linker.define(&store, "env", "memory", memory)?;
        }
        let instance = linker.instantiate(&mut store, &module)?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let error = start
            .call(&mut store, ())
            .expect_err("_start ends in proc_exit");
        let stdout = String::from_utf8(stdout.contents().to_vec())?;
        match error.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => Ok(format!("stdout {stdout:?}, exit code {code}")),
            None => Err(error),
        }
    }
    // ANCHOR_END: run_wasi

    /// What `run_wasi` gives, or the root cause of its error.
    pub(super) fn outcome(wasm_path: &str, memory: Option<u32>) -> String {
        match run_wasi(wasm_path, memory) {
            Ok(ran) => ran,
            Err(error) => format!("error: {}", error.root_cause()),
        }
    }

    #[test]
    fn a_module_without_a_memory_export_cannot_call_wasi() {
        assert_eq!(
            outcome(book_harness::CH12_EXIT_42, None),
            "error: missing required memory export"
        );
    }

    #[test]
    fn what_each_module_gets_from_wasmtime_wasi() {
        let report = [
            (
                "exit-42.wat (no memory)",
                outcome(book_harness::CH12_EXIT_42, None),
            ),
            (
                "imports-memory.wat, the linker has WASI only",
                outcome(book_harness::CH12_IMPORTS_MEMORY, None),
            ),
            (
                "imports-memory.wat, the host defines env.memory",
                outcome(book_harness::CH12_IMPORTS_MEMORY, Some(2)),
            ),
            (
                "imports-and-exports-memory.wat, the host defines env.memory",
                outcome(book_harness::CH12_IMPORTS_AND_EXPORTS_MEMORY, Some(2)),
            ),
            (
                "exports-memory.wat",
                outcome(book_harness::CH12_EXPORTS_MEMORY, None),
            ),
        ]
        .iter()
        .map(|(module, outcome)| format!("- {module}: {outcome}\n"))
        .collect::<String>();
        assert_expected("ch12-host-functions/wasi-memory.txt", &report);
    }
}

/// wasmer#3246: a WASI module that imports its memory and does not export it.
pub mod imports_memory {
    use super::exit_42::outcome;

    #[test]
    fn nothing_provides_env_memory_to_a_wasi_module() {
        assert_eq!(
            outcome(book_harness::CH12_IMPORTS_MEMORY, None),
            "error: unknown import: `env::memory` has not been defined"
        );
    }

    #[test]
    fn an_imported_memory_that_is_not_exported_is_not_found_by_wasi() {
        assert_eq!(
            outcome(book_harness::CH12_IMPORTS_MEMORY, Some(2)),
            "error: missing required memory export"
        );
    }
}

/// The fix for a module that must import its memory: export it too.
pub mod imports_and_exports_memory {
    use super::exit_42::run_wasi;

    #[test]
    fn an_imported_memory_exported_again_is_found_by_wasi() -> wasmtime::Result<()> {
        let ran = run_wasi(book_harness::CH12_IMPORTS_AND_EXPORTS_MEMORY, Some(2))?;
        assert_eq!(ran, "stdout \"hello, wasm!\\n\", exit code 42");
        Ok(())
    }
}

/// The fix for the others: define the memory, and export it.
pub mod exports_memory {
    use super::exit_42::run_wasi;

    #[test]
    fn a_defined_and_exported_memory_is_what_wasi_expects() -> wasmtime::Result<()> {
        let ran = run_wasi(book_harness::CH12_EXPORTS_MEMORY, None)?;
        assert_eq!(ran, "stdout \"hello, wasm!\\n\", exit code 42");
        Ok(())
    }
}

/// WASI#27 and WASI#396: what `environ_sizes_get` counts, and what
/// `environ_get` writes (and does not write) into the guest's buffers.
pub mod environ_guest {
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::checked_range;
    use wasmtime::{Caller, Instance, Linker, Store};
    use wasmtime_wasi::WasiCtxBuilder;

    use super::host_calls::caller_memory;

    const ERRNO_SUCCESS: i32 = 0;
    const ERRNO_FAULT: i32 = 21;

    // ANCHOR: environ
    /// The environment this host gives its guest.
    struct Environment {
        vars: Vec<(String, String)>,
    }

    /// One "key=value\0" string per pair: what `environ_get` writes.
    fn entries(vars: &[(String, String)]) -> Vec<Vec<u8>> {
        let entry = |(key, value): &(String, String)| format!("{key}={value}\0").into_bytes();
        vars.iter().map(entry).collect()
    }

    /// `environ_sizes_get(count_out, size_out)`: the number of pairs, and the
    /// bytes of all their strings, each one's NUL included.
    /// `environ_get(environ, environ_buf)`: one pointer per pair, and the
    /// strings. Nothing after the last pointer: a NULL to end the array is
    /// the caller's, in a slot the caller allocated.
    fn define_environ(linker: &mut Linker<Environment>) -> wasmtime::Result<()> {
        linker.func_wrap(
            "wasi_snapshot_preview1",
            "environ_sizes_get",
            |mut caller: Caller<'_, Environment>, count_out: u32, size_out: u32| {
                let entries = entries(&caller.data().vars);
                let count = u32::try_from(entries.len())?;
                let size = u32::try_from(entries.iter().map(Vec::len).sum::<usize>())?;
                let memory = caller_memory(&mut caller)?;
                let bytes = memory.data_mut(&mut caller);
                let size_of = bytes.len();
                let (Ok(count_at), Ok(size_at)) = (
                    checked_range(count_out, 4, size_of, 4),
                    checked_range(size_out, 4, size_of, 4),
                ) else {
                    return Ok(ERRNO_FAULT);
                };
                bytes[count_at].copy_from_slice(&count.to_le_bytes());
                bytes[size_at].copy_from_slice(&size.to_le_bytes());
                wasmtime::Result::<i32>::Ok(ERRNO_SUCCESS)
            },
        )?;
        linker.func_wrap(
            "wasi_snapshot_preview1",
            "environ_get",
            |mut caller: Caller<'_, Environment>, environ: u32, environ_buf: u32| {
                let entries = entries(&caller.data().vars);
                let memory = caller_memory(&mut caller)?;
                let bytes = memory.data_mut(&mut caller);
                wasmtime::Result::<i32>::Ok(
                    match write_strings(bytes, &entries, environ, environ_buf) {
                        Some(()) => ERRNO_SUCCESS,
                        None => ERRNO_FAULT,
                    },
                )
            },
        )?;
        Ok(())
    }

    /// Checks both ranges before it writes a byte, then writes a pointer per
    /// string at `pointers` and the strings one after another from `buf`.
    fn write_strings(
        memory: &mut [u8],
        strings: &[Vec<u8>],
        pointers: u32,
        buf: u32,
    ) -> Option<()> {
        let count = u32::try_from(strings.len()).ok()?;
        let size = u32::try_from(strings.iter().map(Vec::len).sum::<usize>()).ok()?;
        let pointers =
            checked_range(pointers, count.checked_mul(4)?, memory.len(), u32::MAX).ok()?;
        checked_range(buf, size, memory.len(), u32::MAX).ok()?;
        let mut at = buf;
        for (slot, string) in memory[pointers].chunks_exact_mut(4).zip(strings) {
            slot.copy_from_slice(&at.to_le_bytes());
            at += u32::try_from(string.len()).ok()?; // within `buf..buf + size`
        }
        let mut at = buf as usize;
        for string in strings {
            memory[at..at + string.len()].copy_from_slice(string);
            at += string.len();
        }
        Some(())
    }
    // ANCHOR_END: environ

    /// The environment and arguments of these tests.
    fn vars() -> Vec<(String, String)> {
        [("HOME", "/home/guest"), ("LANG", "fr_FR.UTF-8")]
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .to_vec()
    }
    const ARGS: [&str; 2] = ["guest.wasm", "--verbose"];

    /// Where the guest's buffers go, as a libc would lay them out.
    const COUNT_AT: u32 = 0;
    const SIZE_AT: u32 = 4;
    const POINTERS: u32 = 0x100;
    const BUF: u32 = 0x200;

    fn u32_at(bytes: &[u8], at: u32) -> u32 {
        let at = at as usize;
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
    }

    /// Calls `<what>_sizes`, then `<what>` over buffers set to 0xff, and
    /// says what landed where.
    fn dump<T>(store: &mut Store<T>, instance: &Instance, what: &str) -> wasmtime::Result<String> {
        let memory = instance
            .get_memory(&mut *store, "memory")
            .expect("exported");
        let sizes =
            instance.get_typed_func::<(u32, u32), i32>(&mut *store, &format!("{what}_sizes"))?;
        let get = instance.get_typed_func::<(u32, u32), i32>(&mut *store, what)?;
        assert_eq!(sizes.call(&mut *store, (COUNT_AT, SIZE_AT))?, ERRNO_SUCCESS);
        let (count, size) = (
            u32_at(memory.data(&*store), COUNT_AT),
            u32_at(memory.data(&*store), SIZE_AT),
        );
        memory.data_mut(&mut *store)[POINTERS as usize..0x400].fill(0xff);
        assert_eq!(get.call(&mut *store, (POINTERS, BUF))?, ERRNO_SUCCESS);
        let bytes = memory.data(&*store);
        let mut report = format!(
            "{what}_sizes_get: count {count}, size {size}\n{what}_get({POINTERS:#x}, {BUF:#x}), over bytes set to 0xff:\n"
        );
        for slot in 0..count {
            let at = POINTERS + 4 * slot;
            let ptr = u32_at(bytes, at);
            let end = bytes[ptr as usize..]
                .iter()
                .position(|&byte| byte == 0)
                .expect("a NUL")
                + 1;
            let string = String::from_utf8_lossy(&bytes[ptr as usize..ptr as usize + end]);
            report.push_str(&format!("  {at:#x}: {ptr:#x} -> {string:?}\n"));
        }
        let after = POINTERS + 4 * count;
        report.push_str(&format!(
            "  {after:#x}: {:#x}: not written, no NULL pointer\n  {:#x}, after the {size} bytes of strings: {:#x}: not written\n",
            u32_at(bytes, after),
            BUF + size,
            bytes[(BUF + size) as usize]
        ));
        Ok(report)
    }

    fn under_wasmtime_wasi() -> wasmtime::Result<(Store<wasmtime_wasi::p1::WasiP1Ctx>, Instance)> {
        let engine = book_harness::engine();
        let module = book_harness::module(book_harness::CH12_ENVIRON_GUEST)?;
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |wasi| wasi)?;
        let wasi = WasiCtxBuilder::new().envs(&vars()).args(&ARGS).build_p1();
        let mut store = Store::new(engine, wasi);
        let instance = linker.instantiate(&mut store, &module)?;
        Ok((store, instance))
    }

    fn under_this_host() -> wasmtime::Result<(Store<Environment>, Instance)> {
        let engine = book_harness::engine();
        let module = book_harness::module(book_harness::CH12_ENVIRON_GUEST)?;
        let mut linker = Linker::new(engine);
        define_environ(&mut linker)?;
        // This host gives no arguments: a guest that asks traps.
        linker.define_unknown_imports_as_traps(&module)?;
        let mut store = Store::new(engine, Environment { vars: vars() });
        let instance = linker.instantiate(&mut store, &module)?;
        Ok((store, instance))
    }

    #[test]
    fn environ_get_writes_one_pointer_per_pair_and_no_null() -> wasmtime::Result<()> {
        let (mut store, instance) = under_wasmtime_wasi()?;
        let environ = dump(&mut store, &instance, "environ")?;
        let args = dump(&mut store, &instance, "args")?;
        let (mut store, instance) = under_this_host()?;
        let ours = dump(&mut store, &instance, "environ")?;
        assert_eq!(ours, environ, "this host writes what wasmtime-wasi writes");
        assert_expected(
            "ch12-host-functions/environ.txt",
            &format!(
                "wasmtime-wasi, the environment HOME=/home/guest and LANG=fr_FR.UTF-8:\n{environ}\n\
                 wasmtime-wasi, the arguments {ARGS:?}:\n{args}\n\
                 This chapter's host, the same environment: the same bytes.\n"
            ),
        );
        Ok(())
    }

    #[test]
    fn a_buffer_past_the_end_is_a_fault_and_nothing_is_written() -> wasmtime::Result<()> {
        let (mut store, instance) = under_this_host()?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let get = instance.get_typed_func::<(u32, u32), i32>(&mut store, "environ")?;
        let before = memory.data(&store).to_vec();
        // The strings would end 10 bytes past the end of the one page.
        assert_eq!(get.call(&mut store, (POINTERS, 65_536 - 24))?, ERRNO_FAULT);
        assert_eq!(memory.data(&store), &before[..]);
        Ok(())
    }
}

/// AssemblyScript#700: `--importMemory`, and a data bank the host writes
/// into the memory before the module is instantiated.
pub mod as_data_bank {
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::process::Command;
    use std::sync::Mutex;

    use book_harness::expected::assert_expected;
    use wasmtime::{Engine, ExternType, Instance, Linker, Memory, MemoryType, Module, Store};

    /// Compiles the listing again, as the builder does (the same asc, the
    /// same flags), plus `extra`: the one listing of the book that is built
    /// two more ways, so this test runs asc itself, once per way.
    fn compile(name: &str, extra: &[&str]) -> wasmtime::Result<PathBuf> {
        static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
        let mut built = BUILT.lock().expect("not poisoned");
        if let Some(out) = built.get(name) {
            return Ok(out.clone());
        }
        let root = book_harness::repo_root();
        let file = format!("{}.wasm", name.replace([' ', '-'], ""));
        let out = root.join("target/as-data-bank").join(file);
        std::fs::create_dir_all(out.parent().expect("a folder"))?;
        let asc = std::env::var_os("BOOK_ASC").expect("BOOK_ASC, from .cargo/config.toml");
        let node = std::env::var_os("BOOK_NODE").unwrap_or_else(|| "node".into());
        // ANCHOR: asc
        let output = Command::new(node)
            .arg(asc)
            .arg(root.join("listings/ch12-host-functions/as-data-bank.ts"))
            .args([
                "--runtime",
                "incremental",
                "--exportRuntime",
                "--optimizeLevel",
                "2",
            ])
            .args(extra) // ["--importMemory", "--memoryBase", "65536"]
            .arg("--outFile")
            .arg(&out)
            .output()?;
        // ANCHOR_END: asc
        assert!(
            output.status.success(),
            "asc failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        built.insert(name.to_owned(), out.clone());
        Ok(out)
    }

    // ANCHOR: bank_host
    /// The module's `env.memory` import, if it has one: its minimum in pages.
    fn imported_memory(module: &Module) -> Option<u64> {
        module.imports().find_map(|import| match import.ty() {
            ExternType::Memory(memory) if (import.module(), import.name()) == ("env", "memory") => {
                Some(memory.minimum())
            }
            _ => None,
        })
    }

    /// The build whose first page is the host's.
    const RESERVED: &str = "--importMemory --memoryBase 65536";

    /// The host's data bank: 4 KiB of a pattern, and what its bytes add up to.
    const BANK_LEN: u32 = 4096;
    fn bank() -> Vec<u8> {
        (0..BANK_LEN).map(|i| (i % 251) as u8).collect()
    }
    fn bank_sum() -> u32 {
        bank().iter().map(|&byte| u32::from(byte)).sum()
    }

    /// A host whose `abort` fails the call with AssemblyScript's arguments.
    fn linker(engine: &Engine) -> wasmtime::Result<Linker<()>> {
        let mut linker = Linker::new(engine);
        linker.func_wrap("env", "abort", |_: u32, _: u32, line: u32, column: u32| {
            wasmtime::Result::<()>::Err(wasmtime::format_err!("abort at {line}:{column}"))
        })?;
        Ok(linker)
    }

    /// What the module's `bankSum` adds up, over the bank's length at `at`.
    fn sum_at(store: &mut Store<()>, instance: &Instance, at: u32) -> wasmtime::Result<u32> {
        let bank_sum = instance.get_typed_func::<(u32, u32), u32>(&mut *store, "bankSum")?;
        bank_sum.call(&mut *store, (at, BANK_LEN))
    }
    // ANCHOR_END: bank_host

    // ANCHOR: prepopulate
    /// Creates the memory, writes the bank at `at` before the module
    /// exists, then instantiates the module over it.
    fn instantiate_over_bank(
        wasm: &PathBuf,
        at: usize,
    ) -> wasmtime::Result<(Store<()>, Instance, Memory)> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, wasm)?;
        let minimum = imported_memory(&module).expect("built with --importMemory");
        let mut store = Store::new(&engine, ());
        let memory = Memory::new(&mut store, MemoryType::new(u32::try_from(minimum)?, None))?;
        memory.write(&mut store, at, &bank())?;
        let mut linker = linker(&engine)?;
        linker.define(&store, "env", "memory", memory)?;
        let instance = linker.instantiate(&mut store, &module)?;
        Ok((store, instance, memory))
    }
    // ANCHOR_END: prepopulate

    #[test]
    fn built_as_every_listing_it_defines_and_exports_its_memory() -> wasmtime::Result<()> {
        let module = book_harness::module(book_harness::CH12_AS_DATA_BANK)?;
        assert_eq!(imported_memory(&module), None);
        assert!(module.get_export("memory").is_some());
        Ok(())
    }

    #[test]
    fn a_reserved_first_page_keeps_the_host_s_bank() -> wasmtime::Result<()> {
        let wasm = compile(RESERVED, &["--importMemory", "--memoryBase", "65536"])?;
        // ANCHOR: reserved
        let (mut store, instance, memory) = instantiate_over_bank(&wasm, 0)?;
        // The module reads the host's bytes with its ordinary loads.
        assert_eq!(sum_at(&mut store, &instance, 0)?, bank_sum());
        // Its heap grows the memory as it would grow its own...
        let keep = instance.get_typed_func::<i32, ()>(&mut store, "keep")?;
        for _ in 0..8 {
            keep.call(&mut store, 1 << 20)?;
        }
        assert!(memory.size(&store) > 8 * 16);
        // ...and never reaches below 64 KiB, where the bank is.
        assert_eq!(&memory.data(&store)[..BANK_LEN as usize], &bank()[..]);
        // ANCHOR_END: reserved
        Ok(())
    }

    #[test]
    fn what_each_build_does_to_a_prepopulated_memory() -> wasmtime::Result<()> {
        let mut report = String::new();
        for (name, flags, at) in [
            ("--importMemory", &["--importMemory"][..], 1024),
            (
                RESERVED,
                &["--importMemory", "--memoryBase", "65536"][..],
                0,
            ),
        ] {
            let wasm = compile(name, flags)?;
            let module = Module::from_file(book_harness::engine(), &wasm)?;
            let minimum = imported_memory(&module).expect("an import");
            let (mut store, instance, memory) = instantiate_over_bank(&wasm, at)?;
            let changed = memory.data(&store)[at..at + BANK_LEN as usize]
                .iter()
                .zip(bank())
                .filter(|(now, was)| **now != *was)
                .count();
            let sum = sum_at(&mut store, &instance, u32::try_from(at)?)?;
            report.push_str(&format!(
                "{name}: imports env.memory, minimum {minimum} page{}; the bank at {at:#x}: \
                 {changed} of its {BANK_LEN} bytes changed by instantiation, bankSum {}\n",
                if minimum == 1 { "" } else { "s" },
                if sum == bank_sum() {
                    "right".to_owned()
                } else {
                    format!("{sum}, not {}", bank_sum())
                }
            ));
        }
        assert_expected("ch12-host-functions/as-data-bank.txt", &report);
        Ok(())
    }
}

/// The guest of "An import that awaits" (JSPI), whose JSPI tests are in
/// the JavaScript room (`harness/js/ch12_jspi.test.mjs`) and the browser
/// room. wasmtime runs it here with a synchronous `env.fetch_bytes`, which
/// writes through the caller's memory as `fill_name` does.
pub mod awaiting_import {
    use book_harness::Host;
    use wasmtime::{Caller, Linker};

    use super::host_calls::caller_memory;

    #[test]
    fn a_synchronous_fetch_bytes_fills_the_buffer_the_guest_lends() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::Setup::default()
            .host_functions(|linker: &mut Linker<Host>| {
                linker.func_wrap(
                    "env",
                    "fetch_bytes",
                    |mut caller: Caller<'_, Host>, ptr: u32, len: u32| {
                        let memory = caller_memory(&mut caller)?;
                        let bytes = b"hello";
                        let count = bytes.len().min(usize::try_from(len)?);
                        memory.write(&mut caller, usize::try_from(ptr)?, &bytes[..count])?;
                        wasmtime::Result::<u32>::Ok(u32::try_from(count)?)
                    },
                )?;
                Ok(())
            })
            .instantiate(book_harness::CH12_AWAITING_IMPORT)?;
        let grow = instance.get_typed_func::<u32, i32>(&mut store, "grow")?;
        assert_eq!(grow.call(&mut store, 1)?, 1);
        let fill = instance.get_typed_func::<(u32, u32), u32>(&mut store, "fill_after_fetch")?;
        assert_eq!(fill.call(&mut store, (16, 5))?, 5);
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        assert_eq!(&memory.data(&store)[16..21], b"hello");
        Ok(())
    }
}
