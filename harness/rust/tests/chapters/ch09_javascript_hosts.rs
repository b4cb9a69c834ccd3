//! Chapter 9's hosts are JavaScript: `harness/js/ch09_javascript_hosts.test.mjs`,
//! run by Node's test runner (`ci/test js`). These tests hold the same guests to the same numbers
//! under wasmtime, where an `i64` is a Rust `i64` and nothing is lost.

pub mod numbers {
    #[test]
    fn two_to_the_53_plus_one_survives_an_i64_round_trip() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH09_NUMBERS)?;
        let next_i64 = instance.get_typed_func::<i64, i64>(&mut store, "next_i64")?;
        assert_eq!(next_i64.call(&mut store, 1 << 53)?, (1 << 53) + 1);
        assert_eq!(next_i64.call(&mut store, i64::MAX)?, i64::MIN); // wraps, as i64.add does
        Ok(())
    }
}

pub mod length_prefix {
    use wasm_memory_host::bounds::{GuestSliceError, read_bytes};

    /// The bytes at a length-prefixed pointer: the 4-byte length, checked
    /// like any read, then the bytes it announces, checked against memory.
    fn read_prefixed(export: &str) -> wasmtime::Result<Result<Vec<u8>, GuestSliceError>> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH09_LENGTH_PREFIX)?;
        let memory = instance.get_memory(&mut store, "memory").expect("a memory");
        let ptr = instance
            .get_typed_func::<(), u32>(&mut store, export)?
            .call(&mut store, ())?;
        let prefix = match read_bytes(&store, &memory, ptr, 4, 4) {
            Ok(prefix) => prefix,
            Err(error) => return Ok(Err(error)),
        };
        let len = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        Ok(read_bytes(
            &store,
            &memory,
            ptr.saturating_add(4),
            len,
            u32::MAX,
        ))
    }

    #[test]
    fn the_length_is_read_from_memory_and_checked_like_the_bytes() -> wasmtime::Result<()> {
        assert_eq!(read_prefixed("greeting")?, Ok(b"Hello, prefix!".to_vec()));
        assert_eq!(
            read_prefixed("lying_greeting")?,
            Err(GuestSliceError::OutOfBounds {
                ptr: 2052,
                len: 1 << 30,
                memory_size: 65_536
            })
        );
        Ok(())
    }
}

/// The guest whose allocator tells the host when the memory grew. Under
/// wasmtime no view goes stale (`Memory::data` borrows the store), so the
/// test checks what the JavaScript host relies on: every growth is reported,
/// during the call, with the memory's new size in pages.
pub mod grow_notify {
    use std::sync::{Arc, Mutex};

    use book_harness::Host;
    use wasm_memory_host::bounds::read_bytes;
    use wasmtime::{Caller, Linker};

    #[test]
    fn every_growth_is_reported_with_the_new_size() -> wasmtime::Result<()> {
        let grown = Arc::new(Mutex::new(Vec::<u32>::new()));
        let logged = Arc::new(Mutex::new(Vec::<String>::new()));
        let (grown_in, logged_in) = (Arc::clone(&grown), Arc::clone(&logged));
        let (mut store, instance) = book_harness::Setup::default()
            .host_functions(move |linker: &mut Linker<Host>| {
                linker.func_wrap("env", "memory_grew", move |pages: u32| {
                    grown_in.lock().expect("not poisoned").push(pages);
                })?;
                linker.func_wrap(
                    "env",
                    "console_log",
                    move |mut caller: Caller<'_, Host>, ptr: u32, len: u32| {
                        let memory = caller
                            .get_export("memory")
                            .and_then(|export| export.into_memory())
                            .expect("exported");
                        let bytes = read_bytes(&caller, &memory, ptr, len, 1024)?;
                        logged_in
                            .lock()
                            .expect("not poisoned")
                            .push(String::from_utf8(bytes)?);
                        wasmtime::Result::<()>::Ok(())
                    },
                )?;
                Ok(())
            })
            .instantiate(book_harness::CH09_GROW_NOTIFY)?;
        let log = instance.get_typed_func::<u32, u32>(&mut store, "log_after_allocating")?;
        for _ in 0..4 {
            assert_eq!(log.call(&mut store, 1 << 20)?, 1 << 20);
        }
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let pages = u32::try_from(memory.data_size(&store) / book_harness::PAGE_SIZE)?;
        let grown = grown.lock().expect("not poisoned").clone();
        assert!(!grown.is_empty(), "4 MiB of allocations grew the memory");
        assert_eq!(grown.last(), Some(&pages));
        assert!(grown.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(
            *logged.lock().expect("not poisoned"),
            vec!["allocated 1048576 bytes"; 4]
        );
        Ok(())
    }
}

/// A memory of 1 GiB up front. A store limit stands in for a device with
/// little room: below the initial size the instance is refused; above it,
/// `memory.grow` inside the guest returns -1 at the limit, and traps nothing.
pub mod big_memory {
    #[test]
    fn no_room_refuses_the_instance_and_memory_grow_returns_minus_one() -> wasmtime::Result<()> {
        let refused = book_harness::Setup::default()
            .max_memory_pages(1024)
            .instantiate(book_harness::CH09_BIG_MEMORY);
        let message = match refused {
            Err(error) => format!("{error:#}"),
            Ok(_) => panic!("a 1 GiB memory fitted under a 64 MiB limit"),
        };
        assert_eq!(
            message,
            "memory minimum size of 16384 pages exceeds memory limits"
        );

        let (mut store, instance) = book_harness::Setup::default()
            .max_memory_pages(16384 + 1024)
            .instantiate(book_harness::CH09_BIG_MEMORY)?;
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
        assert_eq!(grow.call(&mut store, 1024)?, 16384);
        assert_eq!(grow.call(&mut store, 1)?, -1);
        Ok(())
    }
}
