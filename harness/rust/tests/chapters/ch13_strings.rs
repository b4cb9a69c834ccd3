pub mod as_strings {
    use book_harness::Host;
    use book_harness::assemblyscript::object_length;
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::{read_bytes, read_string};
    use wasmtime::{Instance, Memory, Store};

    /// AssemblyScript's class ids for the two objects a host makes.
    const ARRAY_BUFFER_ID: u32 = 1;
    const STRING_ID: u32 = 2;

    /// The longest object these tests read back.
    const MAX_LEN: u32 = 1 << 20;

    /// The AssemblyScript guest, and its memory.
    struct Strings {
        store: Store<Host>,
        instance: Instance,
        memory: Memory,
    }

    fn instantiate() -> wasmtime::Result<Strings> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH13_AS_STRINGS)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .expect("exports its memory");
        Ok(Strings {
            store,
            instance,
            memory,
        })
    }

    impl Strings {
        fn call<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
            &mut self,
            name: &str,
            params: P,
        ) -> wasmtime::Result<R> {
            let func = self
                .instance
                .get_typed_func::<P, R>(&mut self.store, name)?;
            func.call(&mut self.store, params)
        }

        // ANCHOR: new_string
        /// A new AssemblyScript string holding `units`: `__new` makes an
        /// object of class 2 with room for `2 * units.len()` bytes, and the
        /// host writes the UTF-16 code units into it, little-endian.
        fn new_string(&mut self, units: &[u16]) -> wasmtime::Result<u32> {
            let size = u32::try_from(2 * units.len())?;
            let ptr: u32 = self.call("__new", (size, STRING_ID))?;
            let bytes: Vec<u8> = units.iter().flat_map(|unit| unit.to_le_bytes()).collect();
            self.memory.write(&mut self.store, ptr as usize, &bytes)?;
            Ok(ptr)
        }
        // ANCHOR_END: new_string

        // ANCHOR: read_string
        /// The code units of the AssemblyScript string at `ptr`, checked: the
        /// object's class id (8 bytes before the object) must be 2, and its
        /// byte length (4 bytes before it) must be even and inside memory.
        fn read_units(&mut self, ptr: u32) -> wasmtime::Result<Vec<u16>> {
            let class_id = self.header_word(ptr, 8)?;
            if class_id != STRING_ID {
                wasmtime::bail!("the object at {ptr:#x} has class id {class_id}, not a string");
            }
            let len = object_length(&self.store, &self.memory, ptr)?;
            if len % 2 != 0 {
                wasmtime::bail!("the string at {ptr:#x} has an odd byte length, {len}");
            }
            let bytes = read_bytes(&self.store, &self.memory, ptr, len, MAX_LEN)?;
            Ok(bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect())
        }

        /// The string at `ptr` as a Rust `String`: UTF-16 validated, so a
        /// lone surrogate (which a JavaScript or AssemblyScript string may
        /// hold) is an error, not a replacement character.
        fn read_string(&mut self, ptr: u32) -> wasmtime::Result<String> {
            Ok(String::from_utf16(&self.read_units(ptr)?)?)
        }
        // ANCHOR_END: read_string

        /// The 32-bit header field `back` bytes before the object at `ptr`.
        fn header_word(&mut self, ptr: u32, back: u32) -> wasmtime::Result<u32> {
            let bytes = read_bytes(&self.store, &self.memory, ptr.saturating_sub(back), 4, 4)?;
            Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        }

        fn shout(&mut self, text: &str) -> wasmtime::Result<String> {
            let units: Vec<u16> = text.encode_utf16().collect();
            let ptr = self.new_string(&units)?;
            let result: u32 = self.call("shout", ptr)?;
            self.read_string(result)
        }
    }

    #[test]
    fn a_string_crosses_as_utf16_both_ways() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        // ANCHOR: shout
        assert_eq!(guest.shout("héllo wörld 🦀")?, "HÉLLO WÖRLD 🦀");
        // ANCHOR_END: shout
        Ok(())
    }

    #[test]
    fn the_header_holds_the_class_id_and_the_byte_length() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        let text = "héllo 🦀";
        let units: Vec<u16> = text.encode_utf16().collect();
        let ptr = guest.new_string(&units)?;
        let count: i32 = guest.call("units", ptr)?;
        let class_id = guest.header_word(ptr, 8)?;
        let byte_length = guest.header_word(ptr, 4)?;
        assert_expected(
            "ch13-strings/as-string-header.txt",
            &format!(
                "{text:?}: class id {class_id}, rtSize {byte_length} bytes, \
                 `.length` {count} code units; as UTF-8 it is {} bytes\n",
                text.len()
            ),
        );
        assert_eq!(byte_length as usize, 2 * units.len());
        Ok(())
    }

    #[test]
    fn a_lone_surrogate_survives_the_guest_but_is_not_a_rust_string() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        let ptr = guest.new_string(&[0xd800, u16::from(b'a')])?;
        let result: u32 = guest.call("shout", ptr)?;
        assert_eq!(guest.read_units(result)?, [0xd800, u16::from(b'A')]);
        let error = guest.read_string(result).unwrap_err();
        assert_eq!(error.to_string(), "invalid utf-16: lone surrogate found");
        Ok(())
    }

    #[test]
    fn utf8_crosses_in_an_array_buffer() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        // ANCHOR: utf8
        let text = "héllo wörld";
        let len = u32::try_from(text.len())?;
        let ptr: u32 = guest.call("__new", (len, ARRAY_BUFFER_ID))?;
        guest
            .memory
            .write(&mut guest.store, ptr as usize, text.as_bytes())?;
        let result: u32 = guest.call("shoutUtf8", ptr)?;
        assert_eq!(guest.header_word(result, 8)?, ARRAY_BUFFER_ID);
        let len = object_length(&guest.store, &guest.memory, result)?;
        let bytes = read_bytes(&guest.store, &guest.memory, result, len, MAX_LEN)?;
        assert_eq!(String::from_utf8(bytes)?, "HÉLLO WÖRLD");
        // ANCHOR_END: utf8
        Ok(())
    }

    /// A host that reads the guest's UTF-16 as UTF-8, and one that writes
    /// UTF-8 where the guest expects UTF-16: nothing stops either, and
    /// what comes out is the wrong text, or an error only by luck.
    #[test]
    fn the_wrong_encoding_reads_as_other_text() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        let mut report = String::new();

        // UTF-16 read as UTF-8: ASCII becomes NULs between letters; the
        // first other character, as here, is not UTF-8 at all.
        for text in ["hello", "héllo"] {
            let ptr = guest.new_string(&text.encode_utf16().collect::<Vec<_>>())?;
            let result: u32 = guest.call("shout", ptr)?;
            let len = object_length(&guest.store, &guest.memory, result)?;
            let as_utf8 = read_string(&guest.store, &guest.memory, result, len, MAX_LEN);
            let shown = match &as_utf8 {
                Ok(text) => format!("{text:?}"),
                Err(error) => format!("error: {error}"),
            };
            report.push_str(&format!(
                "shout({text:?}), its UTF-16 read as UTF-8: {shown}\n"
            ));
        }
        // UTF-8 written where the guest reads UTF-16: two bytes per unit.
        let text = "hello!";
        let len = u32::try_from(text.len())?;
        let ptr: u32 = guest.call("__new", (len, STRING_ID))?;
        guest
            .memory
            .write(&mut guest.store, ptr as usize, text.as_bytes())?;
        let units: i32 = guest.call("units", ptr)?;
        let result: u32 = guest.call("shout", ptr)?;
        let shouted = guest.read_string(result)?;
        report.push_str(&format!(
            "{text:?} written as UTF-8: the guest sees {units} code units, and shouts {shouted:?}\n"
        ));
        assert_eq!(units, 3);
        assert_expected("ch13-strings/wrong-encoding.txt", &report);
        Ok(())
    }

    /// `join(first, second)` with both strings made by the host, and a
    /// full collection between the two `__new` calls; pinned or not.
    fn join_with_a_collection_between(pin_first: bool) -> wasmtime::Result<String> {
        let mut guest = instantiate()?;
        // ANCHOR: two_arguments
        let first = guest.new_string(&"first".encode_utf16().collect::<Vec<_>>())?;
        if pin_first {
            let _: u32 = guest.call("__pin", first)?; // the collector now sees it
        }
        // Allocating the second argument may run the collector: here it
        // surely does, and nothing in the guest refers to `first`.
        guest.call::<(), ()>("__collect", ())?;
        let second = guest.new_string(&"other".encode_utf16().collect::<Vec<_>>())?;
        let joined: u32 = guest.call("join", (first, second))?;
        let joined = guest.read_string(joined)?;
        if pin_first {
            guest.call::<u32, ()>("__unpin", first)?; // after the call, not before
        }
        // ANCHOR_END: two_arguments
        Ok(joined)
    }

    #[test]
    fn an_unpinned_first_argument_is_collected_before_the_call() -> wasmtime::Result<()> {
        assert_eq!(join_with_a_collection_between(false)?, "other, other");
        Ok(())
    }

    #[test]
    fn pinning_the_first_argument_keeps_it() -> wasmtime::Result<()> {
        assert_eq!(join_with_a_collection_between(true)?, "first, other");
        Ok(())
    }
}

/// The guest the JavaScript room drives through the AssemblyScript loader
/// (`harness/js/ch13_strings.test.mjs`). Under wasmtime, the same rule for
/// an object the host holds: pinned, it and what it refers to survive a
/// collection; not pinned, its blocks go to the next allocations.
pub mod as_loader {
    fn field_after_a_collection(pin: bool) -> wasmtime::Result<i32> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH13_AS_LOADER)?;
        let new_holder = instance.get_typed_func::<(), u32>(&mut store, "newHolder")?;
        let pin_object = instance.get_typed_func::<u32, u32>(&mut store, "__pin")?;
        let collect = instance.get_typed_func::<(), ()>(&mut store, "__collect")?;
        let churn = instance.get_typed_func::<i32, ()>(&mut store, "churn")?;
        let field_of = instance.get_typed_func::<u32, i32>(&mut store, "fieldOf")?;
        let holder = new_holder.call(&mut store, ())?;
        if pin {
            pin_object.call(&mut store, holder)?;
        }
        collect.call(&mut store, ())?;
        churn.call(&mut store, 100)?;
        field_of.call(&mut store, holder)
    }

    #[test]
    fn a_pinned_object_keeps_its_members() -> wasmtime::Result<()> {
        assert_eq!(field_after_a_collection(true)?, 123456);
        Ok(())
    }

    #[test]
    fn an_unpinned_object_s_member_is_collected_and_reused() -> wasmtime::Result<()> {
        assert_ne!(field_after_a_collection(false)?, 123456);
        Ok(())
    }
}

pub mod go_strings {
    use wasm_memory_host::{Convention, Guest};

    fn instantiate() -> wasmtime::Result<(wasmtime::Store<book_harness::Host>, Guest)> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH13_GO_STRINGS)?;
        let guest = Guest::new(
            &mut store,
            instance,
            Convention::allocate_deallocate_packed(),
        )?;
        Ok((store, guest))
    }

    #[test]
    fn a_go_string_views_the_host_s_bytes() -> wasmtime::Result<()> {
        let (mut store, guest) = instantiate()?;
        let input = guest.copy_in(&mut store, "Hello from wasmtime".as_bytes())?;
        let count_vowels = guest.typed_func::<(u32, u32), u32>(&mut store, "count_vowels")?;
        let vowels = count_vowels.call(&mut store, (input.ptr(), input.len()))?;
        guest.release(&mut store, input)?;
        assert_eq!(vowels, 6); // e, o, o, a, i, e
        Ok(())
    }

    #[test]
    fn a_go_string_s_own_bytes_are_handed_over_and_freed() -> wasmtime::Result<()> {
        let (mut store, guest) = instantiate()?;
        let greeting = guest.output_export::<()>(&mut store, "greeting")?;
        assert_eq!(
            greeting.call_string(&mut store, ())?,
            "Hello from a Go string, call 1"
        );
        assert_eq!(
            greeting.call_string(&mut store, ())?,
            "Hello from a Go string, call 2"
        );
        let live = guest.typed_func::<(), u32>(&mut store, "live")?;
        assert_eq!(
            live.call(&mut store, ())?,
            0,
            "the keepalive package let go of both"
        );
        Ok(())
    }
}

/// AssemblyScript#2847's `getA`, as the builder compiles it: the bytes
/// before the returned address are the object's header.
pub mod as_get_a {
    use wasm_memory_host::bounds::read_bytes;

    #[test]
    fn the_eight_bytes_before_a_string_are_its_class_id_and_length() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH13_AS_GET_A)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .expect("exports its memory");
        let ptr = instance
            .get_typed_func::<(), u32>(&mut store, "getA")?
            .call(&mut store, ())?;
        let bytes = read_bytes(&store, &memory, ptr - 8, 10, 10)?;
        assert_eq!(bytes, [2, 0, 0, 0, 2, 0, 0, 0, 65, 0]);
        Ok(())
    }
}

/// What fills an AssemblyScript guest's first page, under the incremental
/// runtime the builder uses: static data, then a 32 KiB shadow stack, then
/// the heap. The JavaScript test compiles the listing with each runtime.
pub mod as_one_page {
    #[test]
    fn the_shadow_stack_sits_between_static_data_and_the_heap() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH13_AS_ONE_PAGE)?;
        let data_end = instance
            .get_typed_func::<(), u32>(&mut store, "dataEnd")?
            .call(&mut store, ())?;
        let heap_base = instance
            .get_typed_func::<(), u32>(&mut store, "heapBase")?
            .call(&mut store, ())?;
        assert_eq!(heap_base - data_end, 32 * 1024);
        let keep = instance.get_typed_func::<(), i32>(&mut store, "keep")?;
        for kept in 1..=3 {
            assert_eq!(keep.call(&mut store, ())?, kept);
        }
        Ok(())
    }
}
