//! Chapter 9's host blocks under wasmtime: the same guests, inputs and
//! expected outputs as the JavaScript host of
//! `harness/js/ch09_javascript_hosts.test.mjs` (run by Node's test runner,
//! `ci/test js`), where an `i64` is a Rust `i64` and nothing is lost.

/// Chapter 4's `greet`, called as the JavaScript host calls it.
pub mod round_trip {
    #[test]
    fn a_round_trip_with_the_plain_api() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKED_RETURN)?;
        // ANCHOR: round_trip
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let greet = instance.get_typed_func::<(u32, u32), u64>(&mut store, "greet")?;

        // In: allocate in the guest, copy the name into its memory.
        let name = "Ferris".as_bytes();
        let len = u32::try_from(name.len())?;
        let name_ptr = allocate.call(&mut store, len)?;
        memory.write(&mut store, usize::try_from(name_ptr)?, name)?;

        // The call. The packed i64 is typed as a u64: no sign to undo.
        let packed = greet.call(&mut store, (name_ptr, len))?;
        deallocate.call(&mut store, (name_ptr, len))?;

        // Out: unpack, read (`get` checks the range), copy, then free.
        let (ptr, len) = (packed as u32, (packed >> 32) as u32);
        let (start, end) = (
            usize::try_from(ptr)?,
            usize::try_from(ptr)? + usize::try_from(len)?,
        );
        let bytes = memory.data(&store).get(start..end).map(<[u8]>::to_vec);
        let bytes = bytes.ok_or_else(|| {
            wasmtime::format_err!("greet returned ptr {ptr}, len {len}: outside memory")
        })?;
        deallocate.call(&mut store, (ptr, len))?;
        assert_eq!(String::from_utf8(bytes)?, "Hello, Ferris!");
        // ANCHOR_END: round_trip
        Ok(())
    }
}

/// Bytes from elsewhere: one copy into the guest, or read in place by an
/// API that fills the caller's buffer.
pub mod bytes_in {
    use std::fs::File;
    use std::io::Read;

    #[test]
    fn one_copy_or_read_in_place() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_SUM_BYTES)?;
        // Any file: this one starts with "\0asm".
        let mut file = File::open(book_harness::CH03_SUM_BYTES)?;
        // ANCHOR: bytes_in
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let sum_bytes = instance.get_typed_func::<(u32, u32), u32>(&mut store, "sum_bytes")?;

        // A message that arrived in a buffer of its own: one copy, with write.
        let message = [1u8, 2, 3, 4];
        let ptr = allocate.call(&mut store, 4)?;
        memory.write(&mut store, ptr as usize, &message)?;
        let message_sum = sum_bytes.call(&mut store, (ptr, 4))?;
        deallocate.call(&mut store, (ptr, 4))?;

        // `data_mut` is the memory itself, so `read_exact` fills it with no
        // copy: the bytes land in the guest's memory.
        let at = allocate.call(&mut store, 4)?;
        let start = at as usize;
        file.read_exact(&mut memory.data_mut(&mut store)[start..start + 4])?;
        let file_sum = sum_bytes.call(&mut store, (at, 4))?; // the guest reads the file's first bytes
        deallocate.call(&mut store, (at, 4))?;
        // ANCHOR_END: bytes_in
        book_harness::expected::assert_expected(
            "ch09-javascript-hosts/bytes-in.txt",
            &format!(
                "a message copied in: sum {message_sum}\n4 bytes read in place: sum {file_sum}\n"
            ),
        );
        Ok(())
    }
}

/// Under wasmtime a view cannot outlive a call: `Memory::data` borrows the
/// store, which the call needs mutably. The view is made after the call.
pub mod stale_view {
    #[test]
    fn a_view_made_after_the_call_sees_the_grown_memory() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKED_RETURN)?;
        // ANCHOR: stale
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        memory.data_mut(&mut store)[1024..1029].copy_from_slice(b"Hello");
        let pages_before = memory.size(&store);

        // The call allocates 4 MiB, so the guest grows its memory. A slice
        // from `memory.data(&store)` held across it would not compile: the
        // call borrows the store mutably.
        allocate.call(&mut store, 4 << 20)?;

        // A fresh view sees the memory as it is now.
        let fresh = memory.data(&store);
        let pages_after = memory.size(&store);
        let hello = std::str::from_utf8(&fresh[1024..1029])?;
        // ANCHOR_END: stale
        assert!(pages_after > pages_before);
        book_harness::expected::assert_expected(
            "ch09-javascript-hosts/stale-view.txt",
            &format!(
                "before the call: {pages_before} pages\nafter allocate(4 MiB): {pages_after} pages\na fresh view reads {hello:?} at 1024\n"
            ),
        );
        Ok(())
    }
}

pub mod numbers {
    #[test]
    fn two_to_the_53_plus_one_survives_an_i64_round_trip() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH09_NUMBERS)?;
        // ANCHOR: numbers_host
        let next_i64 = instance.get_typed_func::<i64, i64>(&mut store, "next_i64")?;
        let next_i32 = instance.get_typed_func::<i32, i32>(&mut store, "next_i32")?;
        // An i64 is an i64: 2^53 + 1 is exact.
        let exact = next_i64.call(&mut store, 1 << 53)?;
        assert_eq!(exact, (1 << 53) + 1);
        // i64.add wraps: the largest i64, plus one, is the smallest.
        let wrapped = next_i64.call(&mut store, i64::MAX)?;
        assert_eq!(wrapped, i64::MIN);
        let wrapped_unsigned = wrapped as u64; // the same 64 bits, unsigned
        // Typed as i32, a pointer at 2 GiB is negative; typing the export
        // `u32` instead gives the unsigned reading directly.
        let pointer = next_i32.call(&mut store, i32::MAX)?;
        assert_eq!(pointer, i32::MIN);
        let pointer_unsigned = pointer as u32; // the same 32 bits, unsigned
        // ANCHOR_END: numbers_host
        let next_u32 = instance.get_typed_func::<u32, u32>(&mut store, "next_i32")?;
        assert_eq!(
            next_u32.call(&mut store, i32::MAX as u32)?,
            pointer_unsigned
        );
        book_harness::expected::assert_expected(
            "ch09-javascript-hosts/numbers.txt",
            &format!(
                "next_i64(2^53) = {exact}\nnext_i64(2^63 - 1) = {wrapped}, unsigned {wrapped_unsigned}\nnext_i32(2^31 - 1) = {pointer}, unsigned {pointer_unsigned}\n"
            ),
        );
        Ok(())
    }
}

pub mod length_prefix {
    use wasmtime::{AsContext, Memory};

    // ANCHOR: read_prefixed
    /// A copy of the bytes at a length-prefixed pointer. The 4-byte length is
    /// read from guest memory, so it is checked like the bytes it announces.
    fn read_prefixed(store: impl AsContext, memory: Memory, ptr: u32) -> Result<Vec<u8>, String> {
        let data = memory.data(&store);
        let size = data.len();
        let at = ptr as usize; // a u32 fits a host's usize
        let Some(prefix) = data.get(at..at + 4) else {
            return Err(format!(
                "the length at {ptr} runs past the end of memory ({size} bytes)"
            ));
        };
        let len = u32::from_le_bytes(prefix.try_into().expect("4 bytes")); // little-endian, as wasm is
        match data.get(at + 4..at + 4 + len as usize) {
            Some(bytes) => Ok(bytes.to_vec()), // a copy
            None => Err(format!(
                "{len} bytes at {} run past the end of memory ({size} bytes)",
                at + 4
            )),
        }
    }
    // ANCHOR_END: read_prefixed

    #[test]
    fn the_length_is_read_from_memory_and_checked_like_the_bytes() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH09_LENGTH_PREFIX)?;
        // ANCHOR: prefixed_calls
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let greeting = instance.get_typed_func::<(), u32>(&mut store, "greeting")?;
        let lying_greeting = instance.get_typed_func::<(), u32>(&mut store, "lying_greeting")?;
        let ptr = greeting.call(&mut store, ())?;
        let text =
            String::from_utf8(read_prefixed(&store, memory, ptr).map_err(wasmtime::Error::msg)?)?;
        assert_eq!(text, "Hello, prefix!");
        let ptr = lying_greeting.call(&mut store, ())?; // its prefix says 1 GiB
        let refused = read_prefixed(&store, memory, ptr).expect_err("1 GiB in 64 KiB");
        // ANCHOR_END: prefixed_calls
        book_harness::expected::assert_expected(
            "ch09-javascript-hosts/length-prefix.txt",
            &format!("greeting: {text:?}\nlying_greeting: {refused}\n"),
        );
        Ok(())
    }
}

/// The guest whose allocator tells the host when the memory grew. Under
/// wasmtime no view goes stale (`Memory::data` borrows the store), so the
/// test checks what the JavaScript host relies on: every growth is reported,
/// during the call, with the memory's new size in pages.
pub mod grow_notify {
    use wasm_memory_host::bounds::read_bytes;
    use wasmtime::{Caller, Engine, Linker, Module, Store};

    #[test]
    fn every_growth_is_reported_with_the_new_size() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH09_GROW_NOTIFY)?;
        // ANCHOR: rebuild_on_grow
        /// What the host keeps of the guest's calls.
        #[derive(Default)]
        struct Log {
            logged: Vec<String>,
            grown_to: Vec<u32>,
        }
        let mut linker = Linker::<Log>::new(&engine);
        linker.func_wrap(
            "env",
            "console_log",
            |mut caller: Caller<'_, Log>, ptr: u32, len: u32| -> wasmtime::Result<()> {
                // No view is kept: each call borrows the memory as it is now.
                let memory = caller
                    .get_export("memory")
                    .and_then(|export| export.into_memory());
                let memory = memory.expect("the guest exports its memory");
                let text = String::from_utf8(read_bytes(&caller, &memory, ptr, len, 1024)?)?;
                caller.data_mut().logged.push(text);
                Ok(())
            },
        )?;
        // Called by the guest's allocator, inside the call, right after growth.
        linker.func_wrap(
            "env",
            "memory_grew",
            |mut caller: Caller<'_, Log>, pages: u32| {
                caller.data_mut().grown_to.push(pages);
            },
        )?;
        let mut store = Store::new(&engine, Log::default());
        let instance = linker.instantiate(&mut store, &module)?;
        let log_after_allocating =
            instance.get_typed_func::<u32, u32>(&mut store, "log_after_allocating")?;
        for _ in 0..4 {
            log_after_allocating.call(&mut store, 1 << 20)?;
        }
        // ANCHOR_END: rebuild_on_grow
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let pages = u32::try_from(memory.data_size(&store) / book_harness::PAGE_SIZE)?;
        let Log { logged, grown_to } = store.into_data();
        assert!(!grown_to.is_empty(), "4 MiB of allocations grew the memory");
        assert_eq!(grown_to.last(), Some(&pages));
        assert!(grown_to.windows(2).all(|pair| pair[0] < pair[1]));
        let quoted: Vec<String> = logged.iter().map(|line| format!("{line:?}")).collect();
        let sizes: Vec<String> = grown_to.iter().map(u32::to_string).collect();
        book_harness::expected::assert_expected(
            "ch09-javascript-hosts/grow-notify.txt",
            &format!(
                "logged: [{}]\ngrew to: {} pages\n",
                quoted.join(","),
                sizes.join(", ")
            ),
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
