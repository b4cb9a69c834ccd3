pub mod allocate_deallocate {

    #[test]
    fn a_buffer_from_allocate_holds_what_the_host_writes() -> wasmtime::Result<()> {
        let (mut store, instance) =
            book_harness::instantiate(book_harness::CH03_ALLOCATE_DEALLOCATE)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let first = allocate.call(&mut store, 16)?;
        let second = allocate.call(&mut store, 16)?;
        assert!(first != 0 && second != 0);
        assert!(
            first + 16 <= second || second + 16 <= first,
            "buffers overlap"
        );
        memory.write(&mut store, first as usize, &[1; 16])?;
        memory.write(&mut store, second as usize, &[2; 16])?;
        assert_eq!(memory.data(&store)[first as usize..][..16], [1; 16]);

        deallocate.call(&mut store, (first, 16))?;
        deallocate.call(&mut store, (second, 16))?;
        // The allocator reuses freed memory.
        assert_eq!(allocate.call(&mut store, 16)?, first);
        Ok(())
    }

    #[test]
    fn zero_bytes_is_a_dangling_pointer() -> wasmtime::Result<()> {
        let (mut store, instance) =
            book_harness::instantiate(book_harness::CH03_ALLOCATE_DEALLOCATE)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        assert_eq!(allocate.call(&mut store, 0)?, 1);
        deallocate.call(&mut store, (1, 0))?;
        Ok(())
    }

    #[test]
    fn failure_is_a_zero_pointer() -> wasmtime::Result<()> {
        // 32 pages at most: a 4 MiB allocation cannot succeed.
        let (mut store, instance) = book_harness::Setup::default()
            .max_memory_pages(32)
            .instantiate(book_harness::CH03_ALLOCATE_DEALLOCATE)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;

        assert_eq!(allocate.call(&mut store, 4 << 20)?, 0); // memory.grow refused
        assert_eq!(allocate.call(&mut store, u32::MAX)?, 0); // no valid layout
        assert_ne!(allocate.call(&mut store, 1024)?, 0); // small ones still work
        Ok(())
    }
}

pub mod sum_bytes {
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::{call_with_bytes, take_bytes};

    #[test]
    fn the_guest_reads_what_the_host_wrote() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_SUM_BYTES)?;
        let input = b"bytes in linear memory";
        let sum: u32 = call_with_bytes(&mut store, &instance, "sum_bytes", input)?;
        assert_eq!(sum, input.iter().map(|&byte| u32::from(byte)).sum::<u32>());

        // ANCHOR: round_trip
        let sum: u32 = call_with_bytes(&mut store, &instance, "sum_bytes", &[1, 2, 3, 250])?;
        assert_eq!(sum, 256);
        // ANCHOR_END: round_trip
        Ok(())
    }

    /// The four steps one by one, to draw who owns the buffer at each: the
    /// page's figure, with the address this run saw.
    #[test]
    fn who_owns_the_buffer_at_each_step() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_SUM_BYTES)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let sum_bytes = instance.get_typed_func::<(u32, u32), u32>(&mut store, "sum_bytes")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let input = [1u8, 2, 3, 250];
        let ptr = allocate.call(&mut store, 4)?;
        memory.write(&mut store, ptr as usize, &input)?;
        let sum = sum_bytes.call(&mut store, (ptr, 4))?;
        deallocate.call(&mut store, (ptr, 4))?;
        assert_eq!(sum, 256);
        assert_expected(
            "ch03-passing-bytes-in/round-trip.mmd",
            &round_trip_figure(ptr, &input, sum),
        );
        Ok(())
    }

    /// The figure of the round trip: each step, and who owns the bytes
    /// `ptr..ptr + input.len()` after it.
    fn round_trip_figure(ptr: u32, input: &[u8], sum: u32) -> String {
        let len = input.len();
        let end = ptr as usize + len;
        let bytes: Vec<String> = input.iter().map(|byte| format!("{byte:02x}")).collect();
        format!(
            "flowchart LR\n  \
             allocated[\"host: allocate({len})<br/>guest: {ptr:#x}<br/>the host owns {ptr:#x}..{end:#x}\"]\n  \
             written[\"host writes {}<br/>at {ptr:#x}\"]\n  \
             called[\"host: sum_bytes({ptr:#x}, {len})<br/>guest: {sum}<br/>the guest borrowed the bytes\"]\n  \
             freed[\"host: deallocate({ptr:#x}, {len})<br/>the guest's allocator owns {ptr:#x}..{end:#x}\"]\n  \
             allocated --> written --> called --> freed\n",
            bytes.join(" ")
        )
    }

    /// The other way to get room in guest memory: the host grows the memory
    /// and keeps the new page. Rust's allocator only uses pages it grew
    /// itself, so it never hands this one out.
    #[test]
    fn host_owned_pages_are_left_alone() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_SUM_BYTES)?;
        // ANCHOR: host_owned_page
        const PAGE_SIZE: usize = 65_536;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let sum_bytes = instance.get_typed_func::<(u32, u32), u32>(&mut store, "sum_bytes")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        // The host claims a page: it grows the memory and keeps the new page.
        let host_page = usize::try_from(memory.grow(&mut store, 1)?)? * PAGE_SIZE;
        memory.write(&mut store, host_page, &[1, 2, 3])?;
        assert_eq!(
            sum_bytes.call(&mut store, (u32::try_from(host_page)?, 3))?,
            6
        );

        // The guest allocates 1 MiB for itself: none of it is the host's page.
        for _ in 0..256 {
            let ptr = allocate.call(&mut store, 4096)? as usize;
            assert!(ptr + 4096 <= host_page || ptr >= host_page + PAGE_SIZE);
        }
        assert_eq!(memory.data(&store)[host_page..host_page + 3], [1, 2, 3]);
        // ANCHOR_END: host_owned_page
        Ok(())
    }

    /// A payload of `len` bytes, like the JSON of wasmtime-go#174.
    fn payload(len: usize) -> Vec<u8> {
        b"{\"key\": \"value\"}, "
            .iter()
            .copied()
            .cycle()
            .take(len)
            .collect()
    }

    /// What became of a payload written at `at` (0, or where `allocate`
    /// said), then uppercased by chapter 8's `shout`, which allocates its
    /// result.
    fn shout_at_zero(guest: &str, len: usize) -> wasmtime::Result<String> {
        let (mut store, instance) = book_harness::instantiate(guest)?;
        let input = payload(len);
        // ANCHOR: at_zero
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let shout = instance.get_typed_func::<(u32, u32), u64>(&mut store, "shout")?;

        memory.grow(&mut store, 64)?; // 4 MiB more: the payload fits in memory
        memory.write(&mut store, 0, &input)?; // address 0: nobody allocated it
        let result = shout.call(&mut store, (0, u32::try_from(input.len())?));
        // ANCHOR_END: at_zero
        Ok(match result {
            Err(trap) => {
                let stderr = store.data().stderr();
                match stderr.lines().find(|line| line.starts_with("panic:")) {
                    Some(panic) => format!("{}, after {panic:?} on stderr", trap.root_cause()),
                    None => trap.root_cause().to_string(),
                }
            }
            Ok(packed) => {
                let output = take_bytes(&mut store, &instance, packed, u32::MAX)?;
                if output == input.to_ascii_uppercase() {
                    "the right result".to_owned()
                } else {
                    let first = output
                        .iter()
                        .zip(input.to_ascii_uppercase())
                        .position(|(got, want)| *got != want)
                        .unwrap_or(output.len().min(len));
                    format!("a wrong result, and no error: it differs from byte {first:#x} on")
                }
            }
        })
    }

    #[test]
    fn a_payload_written_at_address_0_paves_over_the_guest() -> wasmtime::Result<()> {
        // Every host sees the same outcomes: they are the guest's. Only the
        // words of a trap differ, so the report says "the call traps".
        let mut report = String::from("Chapter 8's Rust `shout`, the payload at address 0:\n");
        for kib in [100, 1024, 1100] {
            let outcome = shout_at_zero(book_harness::CH08_RUST_SHOUT, kib * 1024)?;
            let outcome = if outcome.starts_with("wasm trap: ") {
                "the call traps"
            } else {
                &outcome
            };
            report.push_str(&format!("- {kib} KiB: {outcome}\n"));
        }
        let go_outcome = shout_at_zero(book_harness::CH08_GO_SHOUT, 1024)?;
        assert_expected(
            "ch03-passing-bytes-in/go-shout-at-zero.txt",
            &format!(
                "Chapter 8's Go `shout` (the keepalive package), the payload at address 0:\n\
                 - 1 KiB: {go_outcome}\n"
            ),
        );

        let (mut store, instance) = book_harness::instantiate(book_harness::CH08_RUST_SHOUT)?;
        let input = payload(1100 * 1024);
        // ANCHOR: allocated
        // The same 1100 KiB where `allocate` puts them: the right result.
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let packed: u64 = call_with_bytes(&mut store, &instance, "shout", &input)?;

        // `shout` returns its result's address and length packed in a u64
        // (chapter 4): copy the bytes out, then give the buffer back.
        let (ptr, len) = (packed as u32, (packed >> 32) as u32);
        let mut output = vec![0; len as usize];
        memory.read(&store, ptr as usize, &mut output)?;
        deallocate.call(&mut store, (ptr, len))?;
        assert_eq!(output, input.to_ascii_uppercase());
        // ANCHOR_END: allocated
        report.push_str("Chapter 8's Rust `shout`, the payload where `allocate` put it:\n- 1100 KiB: the right result\n");
        assert_expected("ch03-passing-bytes-in/payload-at-zero.txt", &report);
        Ok(())
    }
}

pub mod utf8_strings {
    use book_harness::round_trip::call_with_bytes;

    #[test]
    fn the_guest_counts_characters_not_bytes() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_UTF8_STRINGS)?;
        // ANCHOR: count_chars
        // A Rust `&str` is UTF-8 already: its bytes are the string.
        let text = "héllo, wörld";
        assert_eq!(text.len(), 14); // bytes
        let chars: i32 = call_with_bytes(&mut store, &instance, "count_chars", text.as_bytes())?;
        assert_eq!(chars, 12);

        // Bytes that are not UTF-8 are refused by the guest, not trusted.
        let not_utf8 = [b'h', 0xff, b'i'];
        let chars: i32 = call_with_bytes(&mut store, &instance, "count_chars", &not_utf8)?;
        assert_eq!(chars, -1);
        // ANCHOR_END: count_chars
        Ok(())
    }
}

/// An AssemblyScript export that takes a string, from a host that is not
/// JavaScript (wasmtime-dotnet#97).
pub mod as_greet {
    use std::sync::{Arc, Mutex};

    use book_harness::Host;
    use book_harness::assemblyscript::object_length;
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::read_bytes;
    use wasmtime::{Caller, Instance, Linker, Memory, Store};

    /// What the guest passed to `abort`, as the wasmtime-dotnet reader's host
    /// printed it; then `abort` returns, and the guest runs `unreachable`.
    type Aborts = Arc<Mutex<Vec<String>>>;

    fn instantiate(aborts: &Aborts) -> wasmtime::Result<(Store<Host>, Instance, Memory)> {
        let aborts = Arc::clone(aborts);
        let (mut store, instance) = book_harness::Setup::default()
            .host_functions(move |linker: &mut Linker<Host>| {
                linker.func_wrap(
                    "env",
                    "abort",
                    move |mut caller: Caller<'_, Host>, message: u32, _: u32, _: u32, _: u32| {
                        let memory = caller
                            .get_export("memory")
                            .and_then(|export| export.into_memory())
                            .expect("exported");
                        let text = read_utf16(&caller, &memory, message)?;
                        aborts.lock().expect("not poisoned").push(text);
                        wasmtime::Result::<()>::Ok(())
                    },
                )?;
                Ok(())
            })
            .instantiate(book_harness::CH03_AS_GREET)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        Ok((store, instance, memory))
    }

    /// The AssemblyScript string at `ptr`: its byte length from its header,
    /// then that many bytes of UTF-16, checked.
    fn read_utf16(
        store: impl wasmtime::AsContext,
        memory: &Memory,
        ptr: u32,
    ) -> wasmtime::Result<String> {
        let store = store.as_context();
        let len = object_length(&store, memory, ptr)?;
        let bytes = read_bytes(&store, memory, ptr, len, 1 << 20)?;
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        Ok(String::from_utf16(&units)?)
    }

    #[test]
    fn a_pointer_to_raw_bytes_is_not_a_string() -> wasmtime::Result<()> {
        let aborts = Aborts::default();
        let (mut store, instance, memory) = instantiate(&aborts)?;
        // ANCHOR: raw_bytes
        const PAGE_SIZE: usize = 65_536;
        // "world" as UTF-8, in a page the host grew for itself, and its address.
        let page = usize::try_from(memory.grow(&mut store, 1)?)? * PAGE_SIZE;
        let ptr = page + 16;
        memory.write(&mut store, ptr, "world".as_bytes())?;
        let greet = instance.get_typed_func::<u32, u32>(&mut store, "greet")?;
        let error = greet.call(&mut store, u32::try_from(ptr)?).unwrap_err();
        // ANCHOR_END: raw_bytes
        let report = format!(
            "abort: {:?}\n{}\n",
            aborts.lock().expect("not poisoned"),
            error.root_cause()
        );
        assert_expected("ch03-passing-bytes-in/as-raw-bytes.txt", &report);
        Ok(())
    }

    #[test]
    fn a_string_made_with_new_and_pinned_for_the_call() -> wasmtime::Result<()> {
        let aborts = Aborts::default();
        let (mut store, instance, memory) = instantiate(&aborts)?;
        // ANCHOR: as_string
        /// AssemblyScript's class id for `String`, `__new`'s second argument.
        const STRING_ID: u32 = 2;
        let new = instance.get_typed_func::<(u32, u32), u32>(&mut store, "__new")?;
        let pin = instance.get_typed_func::<u32, u32>(&mut store, "__pin")?;
        let unpin = instance.get_typed_func::<u32, ()>(&mut store, "__unpin")?;
        let greet = instance.get_typed_func::<u32, u32>(&mut store, "greet")?;

        // An object of the runtime, with room for the UTF-16 code units.
        let units: Vec<u8> = "world".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let name = new.call(&mut store, (u32::try_from(units.len())?, STRING_ID))?;
        memory.write(&mut store, name as usize, &units)?;
        // Pinned: `greet` allocates, and an allocation may run the collector,
        // which knows of no reference to `name` but the pin.
        pin.call(&mut store, name)?;
        let greeting = greet.call(&mut store, name);
        unpin.call(&mut store, name)?;
        // The result is an object of the collector: read it before the next
        // call. Its length in bytes is the 4 bytes before it.
        let greeting = greeting? as usize;
        let mut length = [0u8; 4];
        memory.read(&store, greeting - 4, &mut length)?;
        let mut bytes = vec![0u8; u32::from_le_bytes(length) as usize];
        memory.read(&store, greeting, &mut bytes)?;
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units)?, "Hello, world!");
        // ANCHOR_END: as_string
        assert!(aborts.lock().expect("not poisoned").is_empty());
        // asc's own JavaScript bindings for the module make a string the same
        // way: `__new(length << 1, 2)`, then the code units.
        let bindings = std::path::Path::new(book_harness::CH03_AS_GREET).with_extension("js");
        assert!(std::fs::read_to_string(bindings)?.contains("__new(length << 1, 2)"));
        Ok(())
    }
}

/// Viceroy#491: pages added to a guest's memory by someone else, under a
/// guest that, like TinyGo's runtime, takes all memory up to its size as
/// its heap.
pub mod heap_to_memory_size {
    use book_harness::expected::assert_expected;

    const STATE: &[u8; 16] = b"the host's state";

    /// The host grows the memory by a page and writes its state there, before
    /// or after the guest starts (its `_initialize`); then the guest
    /// allocates 16 blocks of 4 KiB. What is left of the host's state.
    fn host_page_after(guest: &str, grow_before_start: bool) -> wasmtime::Result<String> {
        let (mut store, instance) = book_harness::Setup::default()
            .skip_initialize()
            .instantiate(guest)?;
        // ANCHOR: grown_before_start
        const PAGE_SIZE: usize = 65_536;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        // The guest's start-up code, if it has any (a Rust cdylib has none).
        let start = instance.get_func(&mut store, "_initialize");
        if let Some(start) = start.filter(|_| !grow_before_start) {
            start.call(&mut store, &[], &mut [])?;
        }
        // The host claims a page, as the component adapter does for its
        // state and stack, and writes there.
        let host_page = usize::try_from(memory.grow(&mut store, 1)?)? * PAGE_SIZE;
        memory.write(&mut store, host_page, STATE)?;
        if let Some(start) = start.filter(|_| grow_before_start) {
            start.call(&mut store, &[], &mut [])?;
        }
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let mut blocks = Vec::new();
        for _ in 0..16 {
            blocks.push(allocate.call(&mut store, 4096)? as usize);
        }
        let state = &memory.data(&store)[host_page..host_page + STATE.len()];
        // ANCHOR_END: grown_before_start
        let in_host_page = blocks
            .iter()
            .filter(|&&ptr| ptr < host_page + PAGE_SIZE && ptr + 4096 > host_page)
            .map(|ptr| format!("{ptr:#x}"))
            .collect::<Vec<_>>();
        Ok(format!(
            "blocks in the host's page at {host_page:#x}: {in_host_page:?}; the host's state: {:?}",
            String::from_utf8_lossy(state)
        ))
    }

    #[test]
    fn a_heap_that_ends_at_memory_size_takes_the_host_s_page() -> wasmtime::Result<()> {
        let guest = book_harness::CH03_HEAP_TO_MEMORY_SIZE;
        let before = host_page_after(guest, true)?;
        let after = host_page_after(guest, false)?;
        let rust_before = host_page_after(book_harness::CH03_SUM_BYTES, true)?;
        assert!(rust_before.ends_with("[]; the host's state: \"the host's state\""));
        assert_expected(
            "ch03-passing-bytes-in/heap-to-memory-size.txt",
            &format!(
                "A heap that ends at memory.size (heap-to-memory-size.wat), 16 blocks of 4 KiB:\n\
                 - the host's page grown before the guest starts: {before}\n\
                 - the host's page grown after it started: {after}\n\
                 Rust's allocator (sum-bytes), the same 16 blocks:\n\
                 - the host's page grown before the first allocation: {rust_before}\n"
            ),
        );
        Ok(())
    }
}
