/// The most the host tests copy out of a guest in one read.
const MAX_LEN: u32 = 64 * 1024;

pub mod packed_return {
    use super::MAX_LEN;
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::call_with_bytes;
    use book_harness::round_trip::unpack_ptr_len;
    use wasm_memory_host::bounds::read_string;

    #[test]
    fn the_host_unpacks_reads_and_frees() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKED_RETURN)?;
        // ANCHOR: read_packed
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;

        let packed: u64 = call_with_bytes(&mut store, &instance, "greet", b"Ferris")?;
        let (ptr, len) = unpack_ptr_len(packed);
        let greeting = read_string(&store, &memory, ptr, len, MAX_LEN)?;
        // The buffer is the host's now: free it with the length the guest gave.
        deallocate.call(&mut store, (ptr, len))?;

        assert_eq!(greeting, "Hello, Ferris!");
        // ANCHOR_END: read_packed
        Ok(())
    }

    /// Unpacking with the other convention swaps pointer and length: the
    /// "length" is now a heap address, about a million, and the checked read
    /// refuses it.
    #[test]
    fn the_wrong_bit_order_is_caught() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKED_RETURN)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let packed: u64 = call_with_bytes(&mut store, &instance, "greet", b"Ferris")?;

        // ANCHOR: wrong_order
        // wazero's examples put the pointer in the high bits. Read this
        // book's packing that way and the two numbers trade places:
        let (ptr, len) = ((packed >> 32) as u32, packed as u32);
        let error = read_string(&store, &memory, ptr, len, MAX_LEN).unwrap_err();
        // ANCHOR_END: wrong_order

        let unchecked = memory
            .data(&store)
            .get(ptr as usize..ptr as usize + len as usize);
        assert!(
            unchecked.is_some(),
            "without a cap, the read 'works' and copies garbage"
        );
        assert_expected(
            "ch04-returning-bytes-out/packed-return.txt",
            &format!("packed = {packed:#018x}\n{error}\n"),
        );
        Ok(())
    }
}

pub mod out_pointer {
    use super::MAX_LEN;
    use wasm_memory_host::bounds::read_string;
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

        let mut slice = [0u8; 8];
        memory.read(&store, out as usize, &mut slice)?;
        let ptr = u32::from_le_bytes([slice[0], slice[1], slice[2], slice[3]]);
        let len = u32::from_le_bytes([slice[4], slice[5], slice[6], slice[7]]);
        let shouted = read_string(&store, &memory, ptr, len, MAX_LEN)?;

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
    use super::MAX_LEN;
    use wasm_memory_host::bounds::read_string;

    #[test]
    fn two_results_arrive_as_a_tuple() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_MULTI_VALUE)?;
        // ANCHOR: call_multi_value
        let greeting = instance.get_typed_func::<(), (u32, u32)>(&mut store, "greeting")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let (ptr, len) = greeting.call(&mut store, ())?;
        assert_eq!(
            read_string(&store, &memory, ptr, len, MAX_LEN)?,
            "Hello, multi-value!"
        );
        // ANCHOR_END: call_multi_value
        Ok(())
    }
}

pub mod lying_guest {
    use super::MAX_LEN;
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::unpack_ptr_len;
    use wasm_memory_host::bounds::{GuestSliceError, read_string};

    #[test]
    fn every_lie_is_caught_with_its_own_error() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_LYING_GUEST)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let mut report = String::new();
        for export in [
            "ends_past_memory",
            "length_wraps_around",
            "huge_length",
            "invalid_utf8",
        ] {
            let packed = instance
                .get_typed_func::<(), u64>(&mut store, export)?
                .call(&mut store, ())?;
            let (ptr, len) = unpack_ptr_len(packed);
            let error = read_string(&store, &memory, ptr, len, MAX_LEN).unwrap_err();
            let expected_variant = match export {
                "ends_past_memory" => matches!(error, GuestSliceError::OutOfBounds { .. }),
                "length_wraps_around" => matches!(error, GuestSliceError::Overflow { .. }),
                "huge_length" => matches!(error, GuestSliceError::TooLong { .. }),
                _ => matches!(error, GuestSliceError::NotUtf8 { .. }),
            };
            assert!(expected_variant, "{export}: unexpected {error:?}");
            report.push_str(&format!("{export}: {error}\n"));
        }
        assert_expected("ch04-returning-bytes-out/lying-guest.txt", &report);
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
