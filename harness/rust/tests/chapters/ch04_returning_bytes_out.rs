//! Chapter 4's hosts in wasmtime. Each anchor shown on the page has a twin
//! in the Go, JavaScript and Python rooms that asserts the same thing on the
//! same compiled listing, and writes the same expected file.

// ANCHOR: checked_range
use std::ops::Range;

/// The most bytes this host copies out of a guest in one read.
const MAX_LEN: u32 = 64 * 1024;

/// Where `len` bytes at `ptr` lie in a memory of `memory_size` bytes, or why
/// the host refuses them. The cap comes first, before any arithmetic or
/// allocation; `checked_add` catches an end that wraps around 32 bits.
fn checked_range(ptr: u32, len: u32, memory_size: usize) -> Result<Range<usize>, String> {
    if len > MAX_LEN {
        return Err(format!(
            "{len} bytes at {ptr:#x}: more than the {MAX_LEN} bytes the host accepts"
        ));
    }
    let Some(end) = ptr.checked_add(len) else {
        return Err(format!(
            "{len} bytes at {ptr:#x}: the end overflows a 32-bit address"
        ));
    };
    if end as usize > memory_size {
        return Err(format!(
            "{len} bytes at {ptr:#x}: past the end of the {memory_size}-byte memory"
        ));
    }
    Ok(ptr as usize..end as usize)
}
// ANCHOR_END: checked_range

/// The short check agrees with the utility's full one, `checked_range` of
/// `wasm_memory_host::bounds`, on every edge.
#[test]
fn the_short_check_agrees_with_the_utility() {
    use wasm_memory_host::bounds;
    let size = 1_114_112;
    for (ptr, len) in [
        (0, 0),
        (0x10_fff8, 8),
        (0x10_fff8, 16),
        (0xffff_fff0, 0x20),
        (1024, MAX_LEN),
        (1024, MAX_LEN + 1),
        (1024, 3 << 30),
        (size as u32, 0),
    ] {
        assert_eq!(
            checked_range(ptr, len, size).ok(),
            bounds::checked_range(ptr, len, size, MAX_LEN).ok(),
            "({ptr:#x}, {len})"
        );
    }
}

pub mod packed_return {
    use super::checked_range;
    use book_harness::expected::assert_expected;

    #[test]
    fn the_host_unpacks_reads_and_frees() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKED_RETURN)?;
        // ANCHOR: read_packed
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let greet = instance.get_typed_func::<(u32, u32), u64>(&mut store, "greet")?;

        // The name goes in as in chapter 3, and is freed after the call.
        let name = b"Ferris";
        let name_ptr = allocate.call(&mut store, name.len() as u32)?;
        memory.write(&mut store, name_ptr as usize, name)?;
        let packed = greet.call(&mut store, (name_ptr, name.len() as u32))?;
        deallocate.call(&mut store, (name_ptr, name.len() as u32))?;

        // This book's order: pointer low, length high.
        let (ptr, len) = (packed as u32, (packed >> 32) as u32);
        let range = checked_range(ptr, len, memory.data_size(&store))
            .map_err(|refused| wasmtime::format_err!("greet returned {refused}"))?;
        let greeting = String::from_utf8(memory.data(&store)[range].to_vec())?;
        // The buffer is the host's now: free it with the length the guest gave.
        deallocate.call(&mut store, (ptr, len))?;

        assert_eq!(greeting, "Hello, Ferris!");
        // ANCHOR_END: read_packed
        assert_expected(
            "ch04-returning-bytes-out/hand-over.mmd",
            &format!(
                "flowchart TD\n  \
                 name[\"host: the name<br>{name_ptr:#x}, {} bytes\"]\n  \
                 built[\"guest: builds the greeting<br>{ptr:#x}, {len} bytes\"]\n  \
                 handed[\"host owns it:<br>greet returned {packed:#018x}\"]\n  \
                 freed[\"guest's allocator again:<br>deallocate({ptr:#x}, {len})\"]\n  \
                 name -- \"greet borrows it\" --> built -- \"return\" --> handed -- \"copy, then free\" --> freed\n",
                name.len()
            ),
        );
        Ok(())
    }

    /// Unpacking with the other convention swaps pointer and length: the
    /// "length" is now a heap address, about a million, and the check
    /// refuses it before copying anything.
    #[test]
    fn the_wrong_bit_order_is_caught() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKED_RETURN)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let packed: u64 =
            book_harness::round_trip::call_with_bytes(&mut store, &instance, "greet", b"Ferris")?;

        // ANCHOR: wrong_order
        // wazero's examples put the pointer in the high bits. Read this
        // book's packing that way and the two numbers trade places:
        let (ptr, len) = ((packed >> 32) as u32, packed as u32);
        let refused = checked_range(ptr, len, memory.data_size(&store)).unwrap_err();
        // ANCHOR_END: wrong_order

        // Without the cap, the read "works" and copies a megabyte of garbage.
        let unchecked = memory
            .data(&store)
            .get(ptr as usize..ptr as usize + len as usize);
        assert!(unchecked.is_some());
        assert_expected(
            "ch04-returning-bytes-out/packed-return.txt",
            &format!("packed = {packed:#018x}\n{refused}\n"),
        );
        // The utility's full check refuses it too, in its own words.
        let error =
            wasm_memory_host::bounds::read_string(&store, &memory, ptr, len, super::MAX_LEN)
                .unwrap_err();
        assert_expected(
            "ch04-returning-bytes-out/packed-return-utility.txt",
            &format!("packed = {packed:#018x}\n{error}\n"),
        );
        Ok(())
    }
}

pub mod out_pointer {
    use super::checked_range;
    use wasmtime::{FuncType, Module, ValType};

    fn signature(module: &Module, export: &str) -> (Vec<String>, Vec<String>) {
        let ty: FuncType = module
            .get_export(export)
            .and_then(|ty| ty.func().cloned())
            .expect("an exported function");
        let names =
            |types: &mut dyn Iterator<Item = ValType>| types.map(|t| t.to_string()).collect();
        (names(&mut ty.params()), names(&mut ty.results()))
    }

    /// Both exports compile to the same wasm signature: the struct return
    /// became a hidden first parameter.
    #[test]
    fn a_returned_struct_becomes_an_out_pointer() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_OUT_POINTER)?;
        let module = instance.module(&store);
        let three_i32s = vec!["i32".to_owned(); 3];
        assert_eq!(
            signature(module, "uppercase_into"),
            (three_i32s.clone(), vec![])
        );
        assert_eq!(signature(module, "uppercase"), (three_i32s, vec![]));

        // The signature the Rust source suggests does not exist.
        let as_written = instance.get_typed_func::<(u32, u32), u64>(&mut store, "uppercase");
        let error = as_written.err().expect("a type mismatch");
        assert!(format!("{error:?}").contains("type mismatch"), "{error:?}");
        Ok(())
    }

    #[test]
    fn the_host_passes_the_out_pointer_first() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_OUT_POINTER)?;
        // ANCHOR: call_hidden
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let uppercase = instance.get_typed_func::<(u32, u32, u32), ()>(&mut store, "uppercase")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let text = b"shout";
        let text_ptr = allocate.call(&mut store, 5)?;
        memory.write(&mut store, text_ptr as usize, text)?;
        // 8 bytes for the returned `GuestSlice { ptr, len }`.
        let out = allocate.call(&mut store, 8)?;

        // The hidden out-pointer comes first, before the Rust parameters.
        uppercase.call(&mut store, (out, text_ptr, 5))?;

        let mut slot = [0u8; 8];
        memory.read(&store, out as usize, &mut slot)?;
        let ptr = u32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]);
        let len = u32::from_le_bytes([slot[4], slot[5], slot[6], slot[7]]);
        let range = checked_range(ptr, len, memory.data_size(&store))
            .map_err(|refused| wasmtime::format_err!("uppercase returned {refused}"))?;
        let shouted = String::from_utf8(memory.data(&store)[range].to_vec())?;

        // Three buffers, three owners' duties: all three are the host's.
        deallocate.call(&mut store, (ptr, len))?;
        deallocate.call(&mut store, (out, 8))?;
        deallocate.call(&mut store, (text_ptr, 5))?;
        assert_eq!(shouted, "SHOUT");
        // ANCHOR_END: call_hidden
        Ok(())
    }
}

pub mod multi_value {
    use super::checked_range;

    #[test]
    fn two_results_arrive_as_a_tuple() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_MULTI_VALUE)?;
        // ANCHOR: call_multi_value
        let greeting = instance.get_typed_func::<(), (u32, u32)>(&mut store, "greeting")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let (ptr, len) = greeting.call(&mut store, ())?;
        let range = checked_range(ptr, len, memory.data_size(&store))
            .map_err(|refused| wasmtime::format_err!("greeting returned {refused}"))?;
        assert_eq!(&memory.data(&store)[range], b"Hello, multi-value!");
        // ANCHOR_END: call_multi_value
        Ok(())
    }
}

pub mod lying_guest {
    use super::{MAX_LEN, checked_range};
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::unpack_ptr_len;
    use wasm_memory_host::bounds::read_string;

    #[test]
    fn every_lie_is_caught_with_its_own_error() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_LYING_GUEST)?;
        // ANCHOR: lies
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let mut report = String::new();
        for export in [
            "ends_past_memory",
            "length_wraps_around",
            "huge_length",
            "invalid_utf8",
        ] {
            let lie = instance.get_typed_func::<(), u64>(&mut store, export)?;
            let packed = lie.call(&mut store, ())?;
            let (ptr, len) = (packed as u32, (packed >> 32) as u32);
            let refused = match checked_range(ptr, len, memory.data_size(&store)) {
                Err(refused) => refused,
                // In bounds: the bytes must still be the UTF-8 the host expects.
                Ok(range) => match std::str::from_utf8(&memory.data(&store)[range]) {
                    Err(_) => format!("{len} bytes at {ptr:#x}: not UTF-8"),
                    Ok(text) => panic!("{export} told the truth: {text:?}"),
                },
            };
            report.push_str(&format!("{export}: {refused}\n"));
        }
        // ANCHOR_END: lies
        assert_expected("ch04-returning-bytes-out/lying-guest.txt", &report);
        Ok(())
    }

    /// The utility's full check names the same four lies, each with its own
    /// error variant (shown on the reference page).
    #[test]
    fn the_utility_names_each_lie_with_its_own_variant() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_LYING_GUEST)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let mut report = String::new();
        // Each lie, and the variant that names it.
        for (export, variant) in [
            ("ends_past_memory", "OutOfBounds"),
            ("length_wraps_around", "Overflow"),
            ("huge_length", "TooLong"),
            ("invalid_utf8", "NotUtf8"),
        ] {
            let packed = instance
                .get_typed_func::<(), u64>(&mut store, export)?
                .call(&mut store, ())?;
            let (ptr, len) = unpack_ptr_len(packed);
            let error = read_string(&store, &memory, ptr, len, MAX_LEN).unwrap_err();
            let debug = format!("{error:?}");
            assert!(
                debug.starts_with(&format!("{variant} {{")),
                "{export}: {debug}"
            );
            report.push_str(&format!("{export}: {error}\n"));
        }
        assert_expected("ch04-returning-bytes-out/lying-guest-utility.txt", &report);
        Ok(())
    }
}

pub mod packing {
    use wasm_memory_host::PackingOrder;

    /// The wasm packing functions agree with the host crate's, in both
    /// orders, at the edges of the 32-bit range.
    #[test]
    fn wasm_and_host_pack_the_same_way() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKING)?;
        let pack_low =
            instance.get_typed_func::<(u32, u32), u64>(&mut store, "pack_pointer_low")?;
        let pack_high =
            instance.get_typed_func::<(u32, u32), u64>(&mut store, "pack_pointer_high")?;
        let unpack_low =
            instance.get_typed_func::<u64, (u32, u32)>(&mut store, "unpack_pointer_low")?;
        let unpack_high =
            instance.get_typed_func::<u64, (u32, u32)>(&mut store, "unpack_pointer_high")?;
        for (ptr, len) in [
            (0, 0),
            (0x0011_0018, 14),
            (u32::MAX, 1),
            (1, u32::MAX),
            (u32::MAX, u32::MAX),
        ] {
            let low = pack_low.call(&mut store, (ptr, len))?;
            let high = pack_high.call(&mut store, (ptr, len))?;
            assert_eq!(low, PackingOrder::PointerLow.pack(ptr, len));
            assert_eq!(high, PackingOrder::PointerHigh.pack(ptr, len));
            assert_eq!(unpack_low.call(&mut store, low)?, (ptr, len));
            assert_eq!(unpack_high.call(&mut store, high)?, (ptr, len));
        }
        Ok(())
    }
}
