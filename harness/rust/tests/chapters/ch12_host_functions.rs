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
    fn caller_memory<T>(caller: &mut Caller<'_, T>) -> wasmtime::Result<Memory> {
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
