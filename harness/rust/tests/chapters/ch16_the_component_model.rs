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
