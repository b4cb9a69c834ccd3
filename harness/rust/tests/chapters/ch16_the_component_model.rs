//! Chapter 16: the Component Model under wasmtime. The component's host
//! side is generated (`book_harness::component`); these tests call it,
//! then take the component apart to show what the canonical ABI does with
//! the pointers of chapters 3 to 5.

pub mod shouter {
    use book_harness::component::{self, Stats};
    use book_harness::expected::assert_expected;
    use book_harness::signatures::{exported_functions, imported_functions};
    use wasmtime::{Engine, Store, TypedFunc};

    // ANCHOR: calls
    #[test]
    fn the_host_calls_with_rust_types() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, shouter) = component::instantiate(&engine, "wasmtime")?;

        assert_eq!(
            shouter.call_shout(&mut store, "hello, ünïcode")?,
            "HELLO, ÜNÏCODE"
        );
        assert_eq!(shouter.call_checksum(&mut store, &[1, 2, 250])?, 253);
        let stats = shouter.call_measure(&mut store, b"abc")?;
        assert_eq!((stats.length, stats.checksum), (3, 97 + 98 + 99));
        // The import: the guest calls `host-name`, the host returns a String.
        assert_eq!(shouter.call_greet(&mut store)?, "Hello, wasmtime!");
        Ok(())
    }
    // ANCHOR_END: calls

    // ANCHOR: nothing_leaks
    /// Every argument the host lowered was freed by the guest (its `String`
    /// owns the buffer), every result was freed by `cabi_post_shout` or
    /// `cabi_post_greet`, which wasmtime called after lifting it, and every
    /// name the import returned was freed by `greet`: nothing is live
    /// between calls.
    #[test]
    fn post_return_frees_every_result() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, shouter) = component::instantiate(&engine, "wasmtime")?;
        for round in 0..1000 {
            let text = format!("round {round}");
            assert_eq!(shouter.call_shout(&mut store, &text)?, text.to_uppercase());
            // The import's String, lowered into the guest, is freed there.
            assert_eq!(shouter.call_greet(&mut store)?, "Hello, wasmtime!");
        }
        shouter.call_measure(&mut store, &[7; 4096])?;
        assert_eq!(shouter.call_live(&mut store)?, 0);
        Ok(())
    }
    // ANCHOR_END: nothing_leaks

    #[test]
    fn a_record_is_a_struct() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, shouter) = component::instantiate(&engine, "wasmtime")?;
        let Stats { length, checksum } = shouter.call_measure(&mut store, &[255; 1 << 20])?;
        assert_eq!((length, checksum), (1 << 20, 255 << 20));
        Ok(())
    }

    /// `import or export | function | core type`, for every function the
    /// core module imports and exports.
    fn core_signature_table() -> String {
        let wasm = std::fs::read(book_harness::CH16_SHOUTER).expect("the compiled listing");
        let imports = imported_functions(&wasm).expect("a valid module");
        let exports = exported_functions(&wasm).expect("a valid module");
        let mut table = String::from("| | Core function | Core type |\n|---|---|---|\n");
        for import in &imports {
            table.push_str(&format!(
                "| import | `{}` | `{}` |\n",
                import.name,
                import.ty()
            ));
        }
        for export in &exports {
            table.push_str(&format!(
                "| export | `{}` | `{}` |\n",
                export.name,
                export.ty()
            ));
        }
        table
    }

    /// `generate!` embeds the world in the core module, in a custom section
    /// named after the generator's version and the world, which
    /// wit-component reads back.
    #[test]
    fn the_world_travels_in_a_custom_section() {
        let wasm = std::fs::read(book_harness::CH16_SHOUTER).expect("the compiled listing");
        let sections: Vec<String> = wasmparser::Parser::new(0)
            .parse_all(&wasm)
            .filter_map(|payload| match payload {
                Ok(wasmparser::Payload::CustomSection(section)) => Some(section.name().to_owned()),
                _ => None,
            })
            .filter(|name| name.starts_with("component-type"))
            .collect();
        assert_eq!(
            sections,
            ["component-type:wit-bindgen:0.61.1:book:shouter:shouter:encoded world"]
        );
    }

    // ANCHOR: core_signatures
    /// What wit-bindgen compiled the world to, read from the core module
    /// that wit-component wraps: the chapter's table is this test's output.
    #[test]
    fn the_core_module_speaks_the_canonical_abi() {
        let table = core_signature_table();
        assert_expected("ch16-the-component-model/core-signatures.md", &table);
        let row = |name: &str| {
            table
                .lines()
                .find(|line| line.contains(&format!("`{name}`")))
                .unwrap_or_else(|| panic!("no {name} in\n{table}"))
                .to_owned()
        };
        // The allocator: realloc(old_ptr, old_size, align, new_size).
        assert!(row("cabi_realloc").ends_with("`(i32, i32, i32, i32) -> (i32)` |"));
        // A string argument is (ptr, len); a string result does not fit in
        // MAX_FLAT_RESULTS = 1 value, so it comes back as one pointer to a
        // return area that holds (ptr, len).
        assert!(row("shout").ends_with("`(i32, i32) -> (i32)` |"));
        // Post-return gets that pointer, to free what it points at.
        assert!(row("cabi_post_shout").ends_with("`(i32) -> ()` |"));
        // A number result fits in one value: no return area, nothing to free.
        assert!(row("checksum").ends_with("`(i32, i32) -> (i32)` |"));
        assert!(!table.contains("cabi_post_checksum"));
        // An import whose result is a string gets an out-pointer parameter:
        // the guest says where the host must write (ptr, len).
        assert!(row("$root.host-name").ends_with("`(i32) -> ()` |"));
    }
    // ANCHOR_END: core_signatures

    // ANCHOR: by_hand
    /// What wasmtime does for `call_shout`, written out: the calls of
    /// chapters 3 to 5 under other names.
    #[test]
    fn the_canonical_abi_by_hand() -> wasmtime::Result<()> {
        let mut store = Store::new(&Engine::default(), ());
        let instance = component::core_instance(&mut store)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let realloc: TypedFunc<(u32, u32, u32, u32), u32> =
            instance.get_typed_func(&mut store, "cabi_realloc")?;
        let shout: TypedFunc<(u32, u32), u32> = instance.get_typed_func(&mut store, "shout")?;
        let post_shout: TypedFunc<u32, ()> =
            instance.get_typed_func(&mut store, "cabi_post_shout")?;
        let live: TypedFunc<(), u32> = instance.get_typed_func(&mut store, "live")?;

        // allocate: realloc(0, 0, align 1, len), then write the argument.
        let text = b"hello";
        let ptr = realloc.call(&mut store, (0, 0, 1, text.len() as u32))?;
        memory.write(&mut store, ptr as usize, text)?;
        // The call: the result is the address of a return area.
        let area = shout.call(&mut store, (ptr, text.len() as u32))?;
        let mut pair = [0u8; 8];
        memory.read(&store, area as usize, &mut pair)?;
        let result_ptr = u32::from_le_bytes(pair[..4].try_into()?);
        let result_len = u32::from_le_bytes(pair[4..].try_into()?);
        let mut result = vec![0u8; result_len as usize];
        memory.read(&store, result_ptr as usize, &mut result)?;
        assert_eq!(result, b"HELLO");
        // The guest freed the argument; the result is the one live buffer.
        assert_eq!(live.call(&mut store, ())?, 1);
        // deallocate: post-return, with the same return-area pointer.
        post_shout.call(&mut store, area)?;
        assert_eq!(live.call(&mut store, ())?, 0);
        Ok(())
    }
    // ANCHOR_END: by_hand
}

pub mod lying_component {
    use book_harness::expected::assert_expected;
    use wasmtime::component::{Component, Linker};
    use wasmtime::{Engine, Store};

    /// Calls the export `name` of the lying component, a `func(text:
    /// string) -> string`, in a fresh instance, and returns what the host
    /// got.
    fn call(name: &str) -> wasmtime::Result<String> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_LYING_COMPONENT)?;
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &component)?;
        let shout = instance.get_typed_func::<(&str,), (String,)>(&mut store, name)?;
        let (text,) = shout.call(&mut store, ("hello",))?;
        Ok(text)
    }

    // ANCHOR: lies
    /// Lifting checks the return area and the string inside it; lowering
    /// checks what `cabi_realloc` answered. Each lie is an error for the
    /// host, never a read outside the guest's memory.
    #[test]
    fn every_lie_is_an_error_for_the_host() {
        let mut report = String::new();
        for name in [
            "past-the-end",
            "misaligned",
            "not-utf8",
            "realloc-past-the-end",
        ] {
            let error = call(name).expect_err("a lie");
            report.push_str(&format!("{name}: {error:#}\n"));
        }
        assert_expected("ch16-the-component-model/lying-component.txt", &report);
    }
    // ANCHOR_END: lies

    /// The lie that every model of chapter 17 is told, and what the host
    /// sees: one line of the chapter's comparison table.
    #[test]
    fn the_chapter_17_lie() {
        let error = call("past-the-end").expect_err("a lie");
        assert_expected(
            "ch17-choosing-a-model/liar-component-model-wasmtime.txt",
            &format!("error: {error:#}\n"),
        );
    }
}

/// A caller that keeps strings in UTF-16 and a callee that takes UTF-8,
/// composed: wasmtime transcodes between them with the callee's
/// `cabi_realloc`, as the canonical ABI's `store_string_to_utf8` says.
pub mod transcoding {
    use book_harness::expected::assert_expected;
    use wasmtime::component::{Component, Instance, Linker};
    use wasmtime::{Engine, Store};

    /// One call of the callee's `cabi_realloc`, as its log has it.
    #[derive(Debug, PartialEq)]
    struct Realloc {
        old_ptr: u32,
        old_size: u32,
        align: u32,
        new_size: u32,
        answer: u32,
    }

    /// A fresh instance, after the caller's export `send` has passed its
    /// string to the callee.
    fn send(send: &str) -> wasmtime::Result<(Store<()>, Instance)> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_TRANSCODING)?;
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &component)?;
        let send = instance.get_typed_func::<(), ()>(&mut store, send)?;
        send.call(&mut store, ())?;
        Ok((store, instance))
    }

    /// What the callee received, and every `cabi_realloc` call it served.
    fn received(
        store: &mut Store<()>,
        instance: &Instance,
    ) -> wasmtime::Result<(String, Vec<Realloc>)> {
        let received = instance.get_typed_func::<(), (String,)>(&mut *store, "received")?;
        let (text,) = received.call(&mut *store, ())?;
        let reallocs = instance.get_typed_func::<(), (Vec<u32>,)>(&mut *store, "reallocs")?;
        let (log,) = reallocs.call(&mut *store, ())?;
        let calls = log
            .chunks_exact(5)
            .map(|call| Realloc {
                old_ptr: call[0],
                old_size: call[1],
                align: call[2],
                new_size: call[3],
                answer: call[4],
            })
            .collect();
        Ok((text, calls))
    }

    /// `len` bytes of the callee's memory at `ptr`.
    fn peek(
        store: &mut Store<()>,
        instance: &Instance,
        ptr: u32,
        len: u32,
    ) -> wasmtime::Result<Vec<u8>> {
        let peek = instance.get_typed_func::<(u32, u32), (Vec<u8>,)>(&mut *store, "peek")?;
        Ok(peek.call(&mut *store, (ptr, len))?.0)
    }

    #[test]
    fn an_ascii_string_takes_one_allocation() -> wasmtime::Result<()> {
        let (mut store, instance) = send("send-ascii")?;
        let (text, calls) = received(&mut store, &instance)?;
        assert_eq!(text, "hello");
        // One code unit, one byte: the first guess was right.
        assert_eq!(
            calls,
            [Realloc {
                old_ptr: 0,
                old_size: 0,
                align: 1,
                new_size: 5,
                answer: 1024
            }]
        );
        Ok(())
    }

    // ANCHOR: transcoded
    #[test]
    fn a_longer_encoding_grows_to_the_worst_case_then_shrinks() -> wasmtime::Result<()> {
        let (mut store, instance) = send("send-accented")?;
        let (text, calls) = received(&mut store, &instance)?;
        assert_eq!(text, "héllo wörld"); // 11 UTF-16 code units, 13 bytes of UTF-8
        let [first, grown, shrunk] = &calls[..] else {
            panic!("{calls:?}")
        };
        // One byte per code unit: 11 bytes, too few for 13.
        assert_eq!((first.old_ptr, first.old_size, first.new_size), (0, 0, 11));
        // Grown to the worst case, 3 bytes per code unit: realloc keeps the
        // 11 bytes of the block, and the rest of the string goes after the
        // bytes written so far.
        assert_eq!(
            (grown.old_ptr, grown.old_size, grown.new_size),
            (first.answer, 11, 33)
        );
        // Shrunk to the 13 bytes used.
        assert_eq!(
            (shrunk.old_ptr, shrunk.old_size, shrunk.new_size),
            (grown.answer, 33, 13)
        );
        // When it was grown, the first block held what the first pass wrote:
        // the ASCII before the first character that is not, here "h".
        assert_eq!(
            peek(&mut store, &instance, first.answer, 11)?,
            b"h\0\0\0\0\0\0\0\0\0\0"
        );
        // ANCHOR_END: transcoded

        let mut report = String::new();
        for (send, string) in [("send-ascii", "hello"), ("send-accented", "héllo wörld")] {
            let (mut store, instance) = self::send(send)?;
            let (text, calls) = received(&mut store, &instance)?;
            report.push_str(&format!(
                "{string:?}: {} UTF-16 code units, {} bytes of UTF-8\n",
                string.encode_utf16().count(),
                string.len()
            ));
            for call in &calls {
                report.push_str(&format!(
                    "  cabi_realloc({}, {}, {}, {}) -> {}",
                    call.old_ptr, call.old_size, call.align, call.new_size, call.answer
                ));
                if call.new_size > call.old_size && call.old_size > 0 {
                    let before = peek(&mut store, &instance, call.old_ptr, call.old_size)?;
                    report.push_str(&format!(
                        ": the old block held {:?}",
                        String::from_utf8_lossy(&before)
                    ));
                }
                report.push('\n');
            }
            report.push_str(&format!("  the callee received {text:?}\n"));
        }
        assert_expected("ch16-the-component-model/transcoding.txt", &report);
        Ok(())
    }
}

/// Lists of numbers in and out of a hand-written component: the host gets
/// a copy, whatever the element type.
pub mod byte_lists {
    use wasmtime::component::{Component, Linker};
    use wasmtime::{Engine, Store};

    #[test]
    fn a_list_result_is_the_host_s_own_copy() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_BYTE_LISTS)?;
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &component)?;
        let echo_u8 = instance.get_typed_func::<(&[u8],), (Vec<u8>,)>(&mut store, "echo-u8")?;
        let echo_f32 = instance.get_typed_func::<(&[f32],), (Vec<f32>,)>(&mut store, "echo-f32")?;

        let (first,) = echo_u8.call(&mut store, (&[1, 2, 3],))?;
        // The guest's bump allocator never reuses memory, and lifting copies:
        // a second call changes nothing in the first result.
        let (second,) = echo_u8.call(&mut store, (&[4, 5, 6],))?;
        assert_eq!((first, second), (vec![1, 2, 3], vec![4, 5, 6]));
        assert_eq!(echo_f32.call(&mut store, (&[0.5, -2.0],))?.0, [0.5, -2.0]);
        Ok(())
    }
}

/// The canonical ABI written by hand in AssemblyScript, the core module that
/// `as_component` makes a component of.
pub mod as_shouter {
    use book_harness::signatures::exported_functions;

    #[test]
    fn the_module_exports_what_the_canonical_abi_calls() -> wasmtime::Result<()> {
        let wasm = std::fs::read(book_harness::CH16_AS_SHOUTER)?;
        let exports = exported_functions(&wasm)?;
        let ty = |name: &str| {
            exports
                .iter()
                .find(|signature| signature.name == name)
                .map(|signature| signature.ty())
        };
        assert_eq!(
            ty("cabi_realloc").as_deref(),
            Some("(i32, i32, i32, i32) -> (i32)")
        );
        assert_eq!(ty("shout").as_deref(), Some("(i32, i32) -> (i32)"));
        assert_eq!(ty("cabi_post_shout").as_deref(), Some("(i32) -> ()"));
        Ok(())
    }

    /// `heap.alloc` aligns every block to 16 bytes: any alignment the
    /// canonical ABI asks for up to 16 is met.
    #[test]
    fn the_allocator_aligns_to_16_bytes() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH16_AS_SHOUTER)?;
        let realloc =
            instance.get_typed_func::<(u32, u32, u32, u32), u32>(&mut store, "cabi_realloc")?;
        for size in [1, 3, 8, 17, 100, 4096] {
            let ptr = realloc.call(&mut store, (0, 0, 16, size))?;
            assert_eq!(ptr % 16, 0, "{size} bytes at {ptr:#x}");
            // Growing keeps the bytes and the alignment.
            let grown = realloc.call(&mut store, (ptr, size, 16, size * 3))?;
            assert_eq!(grown % 16, 0);
        }
        Ok(())
    }
}

/// An AssemblyScript guest as a component, under wasmtime's lifting and
/// lowering: the allocator and the post-return function are the guest's own.
pub mod as_component {
    use wasmtime::component::{Component, Instance, Linker};
    use wasmtime::{Engine, Module, Store};

    // ANCHOR: as_instantiate
    /// The component, given the compiled AssemblyScript module it imports.
    fn instantiate() -> wasmtime::Result<(Store<()>, Instance)> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_AS_COMPONENT)?;
        let module = Module::from_file(&engine, book_harness::CH16_AS_SHOUTER)?;
        let mut linker = Linker::new(&engine);
        linker.root().module("guest", &module)?;
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component)?;
        Ok((store, instance))
    }
    // ANCHOR_END: as_instantiate

    #[test]
    fn wasmtime_calls_an_assemblyscript_guest_through_the_canonical_abi() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        // ANCHOR: as_call
        let shout = instance.get_typed_func::<(&str,), (String,)>(&mut store, "shout")?;
        assert_eq!(
            shout.call(&mut store, ("hello, ünïcode",))?.0,
            "HELLO, ÜNÏCODE"
        );
        assert_eq!(shout.call(&mut store, ("",))?.0, "");
        // ANCHOR_END: as_call
        Ok(())
    }

    #[test]
    fn the_guest_frees_every_argument_and_result() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        let shout = instance.get_typed_func::<(&str,), (String,)>(&mut store, "shout")?;
        let pages = instance.get_typed_func::<(), (u32,)>(&mut store, "pages")?;
        let text = "ö".repeat(2048); // 4 KiB in, 4 KiB out
        shout.call(&mut store, (&text,))?;
        let (before,) = pages.call(&mut store, ())?;
        for _ in 0..10_000 {
            assert_eq!(shout.call(&mut store, (&text,))?.0, "Ö".repeat(2048));
        }
        // 80 MiB went in and out: a leak would have grown the memory.
        assert_eq!(pages.call(&mut store, ())?.0, before);
        Ok(())
    }
}
