//! Chapter 11's guest under wasmtime (its wazero host tests are Go tests in
//! harness/go/chapter11), and wasmtime's row of the chapter's table.

pub mod go_seed {
    use std::sync::{Arc, Mutex};

    use wasm_memory_host::{Allocator, Convention, Guest, PackingOrder, Results};
    use wasmtime::{Caller, Extern};

    /// The memory of the guest calling a host function.
    fn memory_of<T>(caller: &mut Caller<'_, T>) -> wasmtime::Memory {
        caller
            .get_export("memory")
            .and_then(Extern::into_memory)
            .expect("the guest exports its memory")
    }

    /// The same guest, the same host functions, under wasmtime.
    #[test]
    fn the_guest_and_its_host_functions_under_wasmtime() -> Result<(), wasm_memory_host::Error> {
        let logged = Arc::new(Mutex::new(Vec::new()));
        let log = logged.clone();
        let config = b"{\"greeting\": \"hi\"}";
        let (mut store, instance) = book_harness::Setup::default()
            .host_functions(|linker| {
                linker.func_wrap(
                    "env",
                    "log",
                    move |mut caller: Caller<'_, _>, ptr: u32, len: u32| {
                        let memory = memory_of(&mut caller);
                        let bytes =
                            wasm_memory_host::bounds::read_bytes(&caller, &memory, ptr, len, 1024)?;
                        log.lock()
                            .expect("not poisoned")
                            .push(String::from_utf8_lossy(&bytes).into_owned());
                        wasmtime::Result::<()>::Ok(())
                    },
                )?;
                linker.func_wrap("env", "config_len", move || config.len() as u32)?;
                linker.func_wrap(
                    "env",
                    "read_config",
                    move |mut caller: Caller<'_, _>, ptr: u32, len: u32| {
                        let memory = memory_of(&mut caller);
                        assert_eq!(len as usize, config.len());
                        memory.write(&mut caller, ptr as usize, config)?;
                        wasmtime::Result::<()>::Ok(())
                    },
                )?;
                Ok(())
            })
            .instantiate(book_harness::CH11_GO_SEED)?;
        // One guest, seen under the two packing orders its exports use.
        let pointer_high = Convention::new(
            Allocator::allocate_deallocate(),
            Results::Packed(PackingOrder::PointerHigh),
        );
        let low = Guest::new(
            &mut store,
            instance,
            Convention::allocate_deallocate_packed(),
        )?;
        let high = Guest::new(&mut store, instance, pointer_high)?;

        // Calls `export`, reads the buffer it hands over, gives it back.
        let mut call_for_string = |export: &str, order: PackingOrder| {
            let guest = if order == PackingOrder::PointerLow {
                &low
            } else {
                &high
            };
            guest
                .output_export::<()>(&mut store, export)?
                .call_string(&mut store, ())
        };
        let greeting = "Hello from a Go guest";
        assert_eq!(
            call_for_string("greeting", PackingOrder::PointerLow)?,
            greeting
        );
        assert_eq!(
            call_for_string("greeting_pointer_high", PackingOrder::PointerHigh)?,
            greeting
        );
        assert_eq!(
            call_for_string("configured", PackingOrder::PointerLow)?,
            "configured with {\"greeting\": \"hi\"}"
        );

        instance
            .get_typed_func::<(), ()>(&mut store, "log_greeting")?
            .call(&mut store, ())?;
        assert_eq!(
            *logged.lock().expect("not poisoned"),
            ["a message for the host's log"]
        );

        low.check_leaks()?;
        high.check_leaks()?;
        Ok(())
    }
}

/// wasmtime's row of the table of hosts.
pub mod hosts_table {
    use book_harness::expected::assert_expected;
    use wasm_memory_host::{Convention, Guest};

    #[test]
    fn wasmtime_row() -> Result<(), wasm_memory_host::Error> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKED_RETURN)?;
        let guest = Guest::new(
            &mut store,
            instance,
            Convention::allocate_deallocate_packed(),
        )?;
        let greeting = guest.call_string(&mut store, "greet", "Ferris")?;
        assert_eq!(greeting, "Hello, Ferris!");
        let memory = guest.memory();
        let size = memory.data_size(&store);
        assert!(memory.read(&store, size - 2, &mut [0; 4]).is_err());
        assert!(memory.data(&store).get(size - 2..size + 2).is_none());
        let hex: String = greeting.bytes().map(|byte| format!("{byte:02x}")).collect();
        assert_expected(
            "ch11-a-go-host-with-wazero/hosts-wasmtime.md",
            &format!(
                "| wasmtime (Rust) | `memory.data(&store)`: a slice borrowed from the store | \
                 no stale slice can exist: holding one across a call does not compile (chapter 2) | \
                 `read` returns a `MemoryAccessError`; `data().get(range)` returns `None` | `{hex}` |\n"
            ),
        );
        Ok(())
    }
}
