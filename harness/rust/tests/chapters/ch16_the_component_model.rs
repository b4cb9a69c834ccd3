//! Chapter 16: the Component Model under wasmtime. The component's host
//! side is generated (`book_harness::component`); these tests call it,
//! then take the component apart to show what the canonical ABI does with
//! the pointers of chapters 3 to 5.

pub mod shouter {
    use book_harness::component::{self, Stats};
    use book_harness::expected::assert_expected;
    use book_harness::signatures::{exported_functions, imported_functions};
    use wasmtime::component::WasmStr;
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

    /// A result lifted as a `WasmStr` is a range of the guest's memory, not
    /// a copy. But `call` has already run `cabi_post_shout`: the range is
    /// a block the guest freed, which its next allocation may reuse.
    #[test]
    fn a_borrowed_result_is_a_freed_block() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, instance) = component::instance(&engine, "wasmtime")?;
        // ANCHOR: borrowed_result
        let shout = instance.get_typed_func::<(&str,), (WasmStr,)>(&mut store, "shout")?;
        let live = instance.get_typed_func::<(), (u32,)>(&mut store, "live")?;

        let (first,) = shout.call(&mut store, ("first call",))?;
        // Post-return ran inside `call`: nothing is live in the guest.
        assert_eq!(live.call(&mut store, ())?.0, 0);
        let mut report = format!("after the first call: {:?}\n", first.to_str(&store)?);
        // The next call allocates, and gets the same block back.
        let (second,) = shout.call(&mut store, ("2nd call..",))?;
        report.push_str(&format!(
            "after the second call: {:?}, the second result: {:?}\n",
            first.to_str(&store)?,
            second.to_str(&store)?
        ));
        // ANCHOR_END: borrowed_result
        assert_expected("ch16-the-component-model/borrowed-result.txt", &report);
        Ok(())
    }
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
    /// The component in `component_file`, given the compiled AssemblyScript
    /// module it imports, in `module_file`.
    fn instantiate_with(
        component_file: &str,
        module_file: &str,
    ) -> wasmtime::Result<(Store<()>, Instance)> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, component_file)?;
        let module = Module::from_file(&engine, module_file)?;
        let mut linker = Linker::new(&engine);
        linker.root().module("guest", &module)?;
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component)?;
        Ok((store, instance))
    }
    // ANCHOR_END: as_instantiate

    /// Listing 16-5 around Listing 16-4.
    fn instantiate() -> wasmtime::Result<(Store<()>, Instance)> {
        instantiate_with(
            book_harness::CH16_AS_COMPONENT,
            book_harness::CH16_AS_SHOUTER,
        )
    }

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

/// A WIT resource implemented by a Rust guest: the host holds handles, the
/// guest holds the bytes, and dropping the last owner's handle runs the
/// guest's destructor.
pub mod buffers {
    use book_harness::expected::assert_expected;
    use book_harness::signatures::{exported_functions, imported_functions};
    use wasmtime::component::{Component, Linker, ResourceAny};
    use wasmtime::{Engine, Store};

    // ANCHOR: bindgen
    /// `Owner` (the world) and, for the exported interface,
    /// `exports::book::buffers::buffers::Guest`: `buffer()` (the resource's
    /// constructor and methods), `call_checksum`, `call_consume`, ...
    mod generated {
        wasmtime::component::bindgen!({
            world: "owner",
            path: "../../listings/ch16-the-component-model/buffers/wit",
        });
    }
    use generated::Owner;
    // ANCHOR_END: bindgen

    fn instantiate() -> wasmtime::Result<(Store<()>, Owner)> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_BUFFERS_COMPONENT)?;
        let mut store = Store::new(&engine, ());
        let owner = Owner::instantiate(&mut store, &component, &Linker::new(&engine))?;
        Ok((store, owner))
    }

    // ANCHOR: live
    /// `(buffers alive, allocations live)` in the guest.
    fn live(store: &mut Store<()>, owner: &Owner) -> wasmtime::Result<(u32, u32)> {
        let buffers = owner.book_buffers_buffers();
        Ok((
            buffers.call_live_buffers(&mut *store)?,
            buffers.call_live_allocations(&mut *store)?,
        ))
    }
    // ANCHOR_END: live

    #[test]
    fn the_host_holds_a_handle_and_the_guest_the_bytes() -> wasmtime::Result<()> {
        let (mut store, owner) = instantiate()?;
        // ANCHOR: handles
        let buffers = owner.book_buffers_buffers();
        let methods = buffers.buffer(); // the constructor and the methods

        // An own handle: an index into the store's table, not an address.
        let buffer: ResourceAny = methods.call_constructor(&mut store, 16)?;
        assert!(buffer.owned());
        methods.call_write(&mut store, buffer, 0, b"hello")?;
        assert_eq!(methods.call_read(&mut store, buffer, 0, 5)?, b"hello");
        // Lent for one call: the guest reads it, the host still owns it.
        assert_eq!(buffers.call_checksum(&mut store, buffer)?, 532);
        // In the guest's heap: one buffer, in two allocations (the object
        // the handle stands for, and its 16 bytes).
        assert_eq!(live(&mut store, &owner)?, (1, 2));

        // Dropping the own handle runs the guest's destructor.
        buffer.resource_drop(&mut store)?;
        assert_eq!(live(&mut store, &owner)?, (0, 0));

        // Passed as `own`, it is the guest's to drop, at the end of `consume`.
        let given = methods.call_constructor(&mut store, 16)?;
        assert_eq!(buffers.call_consume(&mut store, given)?, 0);
        assert_eq!(live(&mut store, &owner)?, (0, 0));
        // ANCHOR_END: handles
        Ok(())
    }

    // ANCHOR: stale
    /// `ResourceAny` is `Copy`: the compiler lets the host use a handle it
    /// dropped or gave away. The store's table refuses it, and the refusal
    /// is a trap: that instance takes no more calls.
    #[test]
    fn a_dropped_or_moved_handle_is_refused() -> wasmtime::Result<()> {
        let mut report = String::new();

        let (mut store, owner) = instantiate()?;
        let methods = owner.book_buffers_buffers().buffer();
        let dropped = methods.call_constructor(&mut store, 16)?;
        dropped.resource_drop(&mut store)?;
        let error = dropped.resource_drop(&mut store).expect_err("dropped");
        report.push_str(&format!("resource_drop again: {error:#}\n"));
        let error = methods.call_read(&mut store, dropped, 0, 5);
        let error = error.expect_err("dropped");
        report.push_str(&format!("read after resource_drop: {error:#}\n"));
        let error = methods
            .call_constructor(&mut store, 16)
            .expect_err("trapped");
        report.push_str(&format!("then any call: {error:#}\n"));

        let (mut store, owner) = instantiate()?;
        let methods = owner.book_buffers_buffers().buffer();
        let first = methods.call_constructor(&mut store, 16)?;
        first.resource_drop(&mut store)?;
        let _second = methods.call_constructor(&mut store, 16)?; // the same slot
        let error = methods.call_read(&mut store, first, 0, 5);
        let error = error.expect_err("dropped");
        report.push_str(&format!(
            "read after resource_drop, slot reused: {error:#}\n"
        ));

        let (mut store, owner) = instantiate()?;
        let buffers = owner.book_buffers_buffers();
        let moved = buffers.buffer().call_constructor(&mut store, 16)?;
        buffers.call_consume(&mut store, moved)?;
        let error = buffers.call_checksum(&mut store, moved).expect_err("moved");
        report.push_str(&format!("checksum after consume: {error:#}\n"));

        assert_expected("ch16-the-component-model/stale-handles.txt", &report);
        Ok(())
    }
    // ANCHOR_END: stale

    /// A handle the host never drops keeps its buffer alive in the guest,
    /// until the store, and the guest's memory with it, goes.
    #[test]
    fn a_forgotten_handle_keeps_its_buffer() -> wasmtime::Result<()> {
        let (mut store, owner) = instantiate()?;
        for _ in 0..3 {
            let _forgotten = owner
                .book_buffers_buffers()
                .buffer()
                .call_constructor(&mut store, 16)?;
        }
        assert_eq!(live(&mut store, &owner)?, (3, 6));
        Ok(())
    }

    /// What the core module inside the component sees of the resource:
    /// handles and representations, both `i32`.
    #[test]
    fn the_core_module_sees_handles_and_representations() {
        let wasm = std::fs::read(book_harness::CH16_BUFFERS).expect("the compiled listing");
        let imports = imported_functions(&wasm).expect("a valid module");
        let exports = exported_functions(&wasm).expect("a valid module");
        // The resource's intrinsics, constructor, destructor and methods,
        // and the two functions that take a buffer.
        let shown = |name: &str| {
            name.contains("[resource-")
                || name.starts_with("book:buffers/buffers#[")
                || name.ends_with("#checksum")
                || name.ends_with("#consume")
        };
        let mut table = String::from("| | Core function | Core type |\n|---|---|---|\n");
        for import in imports.iter().filter(|import| shown(&import.name)) {
            let (name, ty) = (&import.name, import.ty());
            table.push_str(&format!("| import | `{name}` | `{ty}` |\n"));
        }
        for export in exports.iter().filter(|export| shown(&export.name)) {
            let (name, ty) = (&export.name, export.ty());
            table.push_str(&format!("| export | `{name}` | `{ty}` |\n"));
        }
        assert_expected("ch16-the-component-model/resource-signatures.md", &table);
    }
}

pub mod borrow_scope {
    use book_harness::expected::assert_expected;
    use wasmtime::component::{Component, Instance, Linker, Resource, ResourceType};
    use wasmtime::{Engine, Store};

    /// The host's resource type; the host holds the state it stands for.
    struct Ticket;

    fn instantiate() -> wasmtime::Result<(Store<()>, Instance)> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_BORROW_SCOPE)?;
        let mut linker = Linker::new(&engine);
        linker
            .root()
            .resource("ticket", ResourceType::host::<Ticket>(), |_, _| Ok(()))?;
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component)?;
        Ok((store, instance))
    }

    // ANCHOR: borrows
    #[test]
    fn a_borrow_ends_with_the_call() -> wasmtime::Result<()> {
        let mut report = String::new();

        // The guest keeps the borrow past its return: refused.
        let (mut store, instance) = instantiate()?;
        let keep = instance.get_typed_func::<(&Resource<Ticket>,), ()>(&mut store, "keep")?;
        let ticket = Resource::<Ticket>::new_own(7);
        let error = keep.call(&mut store, (&ticket,)).expect_err("kept");
        report.push_str(&format!("keep: {error:#}\n"));

        // The guest drops it before returning, and keeps its index: the
        // index means nothing in the next call.
        let (mut store, instance) = instantiate()?;
        let release = instance.get_typed_func::<(&Resource<Ticket>,), ()>(&mut store, "release")?;
        let ticket = Resource::<Ticket>::new_own(7);
        release.call(&mut store, (&ticket,))?;
        let drop_kept = instance.get_typed_func::<(), ()>(&mut store, "drop-kept")?;
        let error = drop_kept.call(&mut store, ()).expect_err("stale");
        // The root cause: the whole error also holds the wasm backtrace.
        let cause = error.root_cause();
        report.push_str(&format!("release, then drop-kept: {cause}\n"));

        assert_expected("ch16-the-component-model/borrow-scope.txt", &report);
        Ok(())
    }
    // ANCHOR_END: borrows
}

/// The guest hands bytes of its memory to a host import: the one direction
/// in which wasmtime 48 lets the host read them in place, for the length of
/// the call.
pub mod sends_bytes {
    use wasmtime::component::{Component, Linker, WasmList};
    use wasmtime::{Engine, Store, StoreContextMut};

    /// The wrapping sum of the bytes, as in chapter 17's `checksum`.
    fn checksum(bytes: &[u8]) -> u32 {
        bytes
            .iter()
            .fold(0u32, |sum, &byte| sum.wrapping_add(u32::from(byte)))
    }

    const SENT: &[u8] = b"bytes in the guest's memory";

    #[test]
    fn the_host_reads_an_argument_in_place() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_SENDS_BYTES)?;
        // ANCHOR: sink
        let mut linker = Linker::<Vec<u32>>::new(&engine);
        linker.root().func_wrap(
            "sink",
            |mut store: StoreContextMut<'_, Vec<u32>>, (bytes,): (WasmList<u8>,)| {
                // The guest's own bytes, where they are: no copy. The slice
                // borrows `store`, so it ends before `store` is used again.
                let slice = bytes.as_le_slice(&store);
                let sum = slice
                    .iter()
                    .fold(0u32, |sum, &b| sum.wrapping_add(u32::from(b)));
                store.data_mut().push(sum);
                Ok(())
            },
        )?;
        // ANCHOR_END: sink
        let mut store = Store::new(&engine, Vec::new());
        let instance = linker.instantiate(&mut store, &component)?;
        let send = instance.get_typed_func::<(u32,), ()>(&mut store, "send")?;
        send.call(&mut store, (SENT.len() as u32,))?;
        send.call(&mut store, (5,))?;
        assert_eq!(*store.data(), [checksum(SENT), checksum(b"bytes")]);
        Ok(())
    }

    /// The same import with a `Vec<u8>`: a copy, the same sums.
    #[test]
    fn a_vec_argument_is_a_copy_of_the_same_bytes() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_SENDS_BYTES)?;
        let mut linker = Linker::<Vec<u8>>::new(&engine);
        linker.root().func_wrap(
            "sink",
            |mut store: StoreContextMut<'_, Vec<u8>>, (bytes,): (Vec<u8>,)| {
                *store.data_mut() = bytes;
                Ok(())
            },
        )?;
        let mut store = Store::new(&engine, Vec::new());
        let instance = linker.instantiate(&mut store, &component)?;
        let send = instance.get_typed_func::<(u32,), ()>(&mut store, "send")?;
        send.call(&mut store, (SENT.len() as u32,))?;
        assert_eq!(store.data(), SENT);
        Ok(())
    }
}

/// `stream<u8>` both ways: the host feeds the guest's buffers in place, and
/// takes from them in place (`book_harness::component::streams`).
pub mod streamer {
    use std::sync::Arc;

    use book_harness::component::streams::{Feed, Sip, Window};

    /// Listings 16-12 and 16-13, as a component.
    const STREAMER: &str = book_harness::CH16_STREAMER_COMPONENT;
    use book_harness::expected::{assert_expected, assert_expected_redacted};
    use book_harness::signatures::{exported_functions, imported_functions};
    use futures::executor::block_on;
    use wasmtime::component::{Component, ComponentType, Instance, Lift, Linker, StreamReader};
    use wasmtime::{Config, Engine, ResourceLimiter, Store};

    const INPUT: &[u8] = b"hello, streams";

    /// One read as the guest saw it: the `landing` record of the world.
    #[derive(ComponentType, Lift, Debug, PartialEq)]
    #[component(record)]
    struct Landing {
        address: u32,
        asked: u32,
        bytes: Vec<u8>,
    }

    // ANCHOR: stream_instantiate
    fn instantiate(engine: &Engine) -> wasmtime::Result<(Store<()>, Instance)> {
        let mut store = Store::new(engine, ());
        let instance = instantiate_in(&mut store)?;
        Ok((store, instance))
    }

    fn instantiate_in<T: Send + 'static>(store: &mut Store<T>) -> wasmtime::Result<Instance> {
        let component = Component::from_file(store.engine(), STREAMER)?;
        // An async export needs an async instantiation and async calls.
        block_on(Linker::new(store.engine()).instantiate_async(store, &component))
    }
    // ANCHOR_END: stream_instantiate

    // ANCHOR: stream_checksum
    #[test]
    fn the_guest_sums_what_the_host_streams() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, instance) = instantiate(&engine)?;
        let checksum =
            instance.get_typed_func::<(StreamReader<u8>, u32), (u32,)>(&mut store, "checksum")?;
        // The host's end: a producer, which wasmtime polls when the guest
        // reads. The guest lends 4 bytes at a time.
        let (feed, _) = Feed::new(Arc::from(INPUT), usize::MAX);
        let input = StreamReader::new(&mut store, feed)?;
        // The store's event loop runs while the call is awaited.
        let (sum,) = block_on(store.run_concurrent(async move |accessor| {
            checksum.call_concurrent(accessor, (input, 4)).await
        }))??;
        assert_eq!(sum, INPUT.iter().map(|&byte| u32::from(byte)).sum::<u32>());
        Ok(())
    }
    // ANCHOR_END: stream_checksum

    // ANCHOR: stream_landings
    /// The guest lends 16 bytes of free space; the host fills 5 of them per
    /// read. Each read lands right after the last, in the same buffer, and
    /// the host's window is that buffer in the guest's memory.
    #[test]
    fn every_read_lands_in_the_guest_s_buffer() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, instance) = instantiate(&engine)?;
        let landings = instance
            .get_typed_func::<(StreamReader<u8>, u32), (Vec<Landing>,)>(&mut store, "landings")?;
        let (feed, windows) = Feed::new(Arc::from(INPUT), 5);
        let input = StreamReader::new(&mut store, feed)?;
        let (reads,) = block_on(store.run_concurrent(async move |accessor| {
            landings.call_concurrent(accessor, (input, 16)).await
        }))??;

        // What the guest saw: its (ptr, count) each time, and the bytes.
        let a = reads[0].address;
        let seen: Vec<_> = reads
            .iter()
            .map(|read| (read.address - a, read.asked))
            .collect();
        assert_eq!(seen, [(0, 16), (5, 11), (10, 6)]);
        let bytes: Vec<&[u8]> = reads.iter().map(|read| &read.bytes[..]).collect();
        assert_eq!(bytes, [&b"hello"[..], b", str", b"eams"]);

        // What the host was handed: the same spans, as host addresses.
        let windows = windows.lock().unwrap().clone();
        let p = windows[0].address;
        let lent: Vec<_> = windows.iter().map(|w| (w.address - p, w.len)).collect();
        assert_eq!(lent, [(0, 16), (5, 11), (10, 6)]);
        // One offset maps every guest address to the host's: the start of
        // the guest's linear memory in the host process.
        let base = p - a as usize;
        assert!(
            windows
                .iter()
                .zip(&reads)
                .all(|(w, r)| w.address - r.address as usize == base)
        );
        Ok(())
    }
    // ANCHOR_END: stream_landings

    /// The sizes the guest's memory was created with and grew to, in
    /// bytes: the first is its initial size.
    #[derive(Default)]
    struct Sizes(Vec<usize>);

    impl ResourceLimiter for Sizes {
        fn memory_growing(
            &mut self,
            _: usize,
            desired: usize,
            _: Option<usize>,
        ) -> wasmtime::Result<bool> {
            self.0.push(desired);
            Ok(true)
        }

        fn table_growing(
            &mut self,
            _: usize,
            _: usize,
            _: Option<usize>,
        ) -> wasmtime::Result<bool> {
            Ok(true)
        }
    }

    /// The sizes of the guest's memory while it sums `size` bytes, passed
    /// whole as a `list<u8>` or through a stream read 64 KiB at a time.
    fn memory_sizes(size: usize, as_stream: bool) -> wasmtime::Result<Vec<usize>> {
        let mut store = Store::new(&Engine::default(), Sizes::default());
        store.limiter(|sizes| sizes);
        let instance = instantiate_in(&mut store)?;
        let bytes = vec![1u8; size];
        let sum = if as_stream {
            let checksum = instance
                .get_typed_func::<(StreamReader<u8>, u32), (u32,)>(&mut store, "checksum")?;
            let (feed, _) = Feed::new(Arc::from(bytes), usize::MAX);
            let input = StreamReader::new(&mut store, feed)?;
            block_on(store.run_concurrent(async move |accessor| {
                checksum.call_concurrent(accessor, (input, 64 << 10)).await
            }))??
            .0
        } else {
            let checksum =
                instance.get_typed_func::<(&[u8],), (u32,)>(&mut store, "checksum-list")?;
            block_on(checksum.call_async(&mut store, (&bytes,)))?.0
        };
        assert_eq!(sum as usize, size);
        Ok(store.into_data().0)
    }

    // ANCHOR: stream_memory
    /// A list must fit in the guest's memory whole; a stream needs only the
    /// buffer the guest reads it into.
    #[test]
    fn a_stream_needs_only_its_buffer() -> wasmtime::Result<()> {
        const MIB: usize = 1 << 20;
        let list = memory_sizes(16 * MIB, false)?;
        let stream = memory_sizes(16 * MIB, true)?;
        let start = list[0];
        let (after_list, after_stream) = (list[list.len() - 1], stream[stream.len() - 1]);
        assert_eq!(stream[0], start);
        assert!(after_list > start + 16 * MIB);
        assert!(after_stream < start + (256 << 10));
        assert_expected(
            "ch16-the-component-model/stream-memory.txt",
            &format!(
                "the guest's memory at the start: {} KiB\n\
                 after 16 MiB as a list<u8>: {} KiB\n\
                 after 16 MiB as a stream<u8>, read 64 KiB at a time: {} KiB\n",
                start >> 10,
                after_list >> 10,
                after_stream >> 10
            ),
        );
        Ok(())
    }
    // ANCHOR_END: stream_memory

    // ANCHOR: stream_shout
    /// The guest writes 4 bytes at a time; the host takes at most 3 of each
    /// write. wasmtime completes the write with 3, the guest writes the
    /// last byte again, from where the host stopped in the same buffer.
    #[test]
    fn a_partial_write_gives_the_rest_back() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, instance) = instantiate(&engine)?;
        let shout = instance
            .get_typed_func::<(StreamReader<u8>, u32), (StreamReader<u8>,)>(&mut store, "shout")?;
        let (feed, _) = Feed::new(Arc::from(INPUT), usize::MAX);
        let input = StreamReader::new(&mut store, feed)?;
        let (sip, done) = Sip::new(3);
        let (bytes, windows) = block_on(store.run_concurrent(async move |accessor| {
            // Returns at `task.return`, with the readable end: the guest
            // writes after it has returned.
            let (output,) = shout.call_concurrent(accessor, (input, 4)).await?;
            accessor.with(|access| output.pipe(access, sip))?;
            Ok::<_, wasmtime::Error>(done.await?)
        }))??;

        assert_eq!(bytes, b"HELLO, STREAMS");
        let lens: Vec<usize> = windows.iter().map(|w| w.len).collect();
        assert_eq!(lens, [4, 1, 4, 1, 4, 1, 2]);
        // The rest is the same guest buffer, 3 bytes on; and every chunk
        // is written from the one buffer the guest reads into.
        let rest = |w: &[Window]| w[1].address == w[0].address + 3;
        assert!(windows[..6].chunks(2).all(rest));
        assert!(
            windows
                .iter()
                .step_by(2)
                .all(|w| w.address == windows[0].address)
        );
        Ok(())
    }
    // ANCHOR_END: stream_shout

    /// What wit-bindgen made of the async exports: every function the core
    /// module imports and exports.
    #[test]
    fn the_core_module_speaks_the_async_abi() {
        let wasm = std::fs::read(book_harness::CH16_STREAMER).expect("the compiled listing");
        let mut table = String::from("| | Core function | Core type |\n|---|---|---|\n");
        for (kind, functions) in [
            ("import", imported_functions(&wasm).expect("a valid module")),
            ("export", exported_functions(&wasm).expect("a valid module")),
        ] {
            for function in functions.iter() {
                table.push_str(&format!(
                    "| {kind} | `{}` | `{}` |\n",
                    function.name,
                    function.ty()
                ));
            }
        }
        assert_expected("ch16-the-component-model/streamer-core.md", &table);
    }

    // ANCHOR: stream_refusals
    /// Two ways to be refused before a byte moves.
    #[test]
    fn streams_need_concurrency_and_an_async_call() -> wasmtime::Result<()> {
        let mut config = Config::new();
        config.concurrency_support(false);
        let engine = Engine::new(&config)?;
        let error = Component::from_file(&engine, book_harness::CH16_STREAMER_COMPONENT)
            .expect_err("no stream without concurrency");
        let without = format!("{:#}", error);

        let engine = Engine::default();
        let (mut store, instance) = instantiate(&engine)?;
        let checksum =
            instance.get_typed_func::<(StreamReader<u8>, u32), (u32,)>(&mut store, "checksum")?;
        let input = StreamReader::new(&mut store, INPUT.to_vec())?;
        let error = checksum
            .call(&mut store, (input, 4))
            .expect_err("an async export");
        let sync = format!("{}", error.root_cause());

        assert_expected_redacted(
            "ch16-the-component-model/streams-refused.txt",
            &format!("concurrency_support(false): {without}\nTypedFunc::call: {sync}\n"),
            &[("[OFFSET]", r"at offset (?<redacted>0x[0-9a-f]+)")],
        );
        Ok(())
    }
    // ANCHOR_END: stream_refusals
}

/// A component whose core module passes `stream.read` and `stream.write`
/// any (ptr, count): what wasmtime checks, and what it cannot.
pub mod lying_streams {
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use book_harness::component::streams::Feed;

    /// Listing 16-14, a component written by hand.
    const LYING_STREAMS: &str = book_harness::CH16_LYING_STREAMS;
    use book_harness::expected::assert_expected;
    use futures::executor::block_on;
    use wasmtime::component::{
        Component, Destination, Linker, StreamProducer, StreamReader, StreamResult,
    };
    use wasmtime::{Engine, Store, StoreContextMut};

    const INPUT: &[u8] = b"hello, streams";

    /// Calls `read(input, ptr, count)` in a fresh instance; then the `len`
    /// bytes at `peek_at`, if asked. Returns the code `stream.read`
    /// answered, the bytes, and the length of the window the host got.
    fn read(
        ptr: u32,
        count: u32,
        peek: Option<(u32, u32)>,
    ) -> wasmtime::Result<(u32, Vec<u8>, usize)> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_LYING_STREAMS)?;
        let mut store = Store::new(&engine, ());
        block_on(async {
            let instance = Linker::new(&engine)
                .instantiate_async(&mut store, &component)
                .await?;
            let read = instance
                .get_typed_func::<(StreamReader<u8>, u32, u32), (u32,)>(&mut store, "read")?;
            let peek_at = instance.get_typed_func::<(u32, u32), (Vec<u8>,)>(&mut store, "peek")?;
            let (feed, windows) = Feed::new(Arc::from(INPUT), usize::MAX);
            let input = StreamReader::new(&mut store, feed)?;
            let (code,) = read.call_async(&mut store, (input, ptr, count)).await?;
            let bytes = match peek {
                Some(span) => peek_at.call_async(&mut store, span).await?.0,
                None => Vec::new(),
            };
            let window = windows.lock().unwrap().first().map_or(0, |w| w.len);
            Ok((code, bytes, window))
        })
    }

    // ANCHOR: stream_lies
    #[test]
    fn a_buffer_outside_memory_is_refused() {
        const END: u32 = 65536; // one page of memory
        let mut report = String::new();
        for (lie, ptr, count) in [
            ("in bounds, [1024, 1040)", 1024, 16),
            ("up to the last byte", END - 14, 14),
            ("4 bytes past the end", END - 4, 14),
            ("far past the end", 0xffff_fff0, 64),
            ("a count of 2^28", 0, 1 << 28),
            ("a count of 0, anywhere", 0xffff_ffff, 0),
        ] {
            let line = match read(ptr, count, None) {
                Ok((code, _, window)) => format!("accepted: code {code:#x}, a window of {window}"),
                // The wasm backtrace is the error's context; the check's own
                // words are its root cause.
                Err(error) => format!("refused: {}", error.root_cause()),
            };
            report.push_str(&format!("stream.read, {lie}: {line}\n"));
        }
        for (lie, ptr, count) in [("in bounds", 1024, 16), ("past the end", END - 6, 16)] {
            let line = match write(ptr, count) {
                Ok(code) => format!("accepted: code {code:#x}"),
                Err(error) => format!("refused: {}", error.root_cause()),
            };
            report.push_str(&format!("stream.write, {lie}: {line}\n"));
        }
        assert_expected("ch16-the-component-model/lying-streams.txt", &report);
    }
    // ANCHOR_END: stream_lies

    /// Calls `write(ptr, count)` in a fresh instance: one `stream.write` of
    /// [ptr, ptr + count) to a stream nobody reads yet.
    fn write(ptr: u32, count: u32) -> wasmtime::Result<u32> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, book_harness::CH16_LYING_STREAMS)?;
        let mut store = Store::new(&engine, ());
        block_on(async {
            let instance = Linker::new(&engine)
                .instantiate_async(&mut store, &component)
                .await?;
            let write = instance.get_typed_func::<(u32, u32), (u32,)>(&mut store, "write")?;
            Ok(write.call_async(&mut store, (ptr, count)).await?.0)
        })
    }

    // ANCHOR: later
    /// A producer with nothing yet: a read of it waits, its buffer lent.
    struct Later;

    impl<D: 'static> StreamProducer<D> for Later {
        type Item = u8;
        type Buffer = Option<u8>;

        fn poll_produce<'a>(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: StoreContextMut<'a, D>,
            _: Destination<'a, u8, Option<u8>>,
            finish: bool,
        ) -> Poll<wasmtime::Result<StreamResult>> {
            if finish {
                Poll::Ready(Ok(StreamResult::Cancelled))
            } else {
                Poll::Pending
            }
        }
    }
    // ANCHOR_END: later

    // ANCHOR: stream_lent
    /// A read that cannot complete yet answers BLOCKED (-1): the buffer
    /// stays lent until an event says the read is done. A second read of
    /// the same stream meanwhile is refused.
    #[test]
    fn a_second_read_while_the_buffer_is_lent_is_refused() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, LYING_STREAMS)?;
        let mut store = Store::new(&engine, ());
        let error = block_on(async {
            let instance = Linker::new(&engine)
                .instantiate_async(&mut store, &component)
                .await?;
            let read_twice = instance
                .get_typed_func::<(StreamReader<u8>, u32, u32), (u32,)>(&mut store, "read-twice")?;
            let input = StreamReader::new(&mut store, Later)?;
            read_twice.call_async(&mut store, (input, 1024, 16)).await
        })
        .expect_err("one read at a time");
        assert_eq!(
            error.root_cause().to_string(),
            "wasm trap: cannot have concurrent operations active on a future/stream"
        );
        Ok(())
    }
    // ANCHOR_END: stream_lent

    // ANCHOR: stream_overrun
    /// The guest's buffer is [40, 48), and its own 16 bytes sit right
    /// after it, at [48, 64). A read at 40 with a count of 32 claims
    /// [40, 72): inside memory, so wasmtime accepts it, and the 14 bytes
    /// overwrite what the guest kept after its buffer.
    #[test]
    fn a_count_past_the_guest_s_buffer_is_accepted() -> wasmtime::Result<()> {
        let (code, before, _) = read(1024, 16, Some((48, 16)))?;
        assert_eq!(before, b"the guest's own.");
        let (code_40, after, window) = read(40, 32, Some((48, 16)))?;
        assert_eq!((code, code_40, window), ((14 << 4) | 1, (14 << 4) | 1, 32));
        assert_eq!(after, b"treamsest's own.");
        Ok(())
    }
    // ANCHOR_END: stream_overrun
}

/// WASI 0.3's stdout is a `stream<u8>`: the guest writes, wasmtime-wasi's
/// `p3` reads, from the guest's buffer.
pub mod stdout_stream {
    use book_harness::component::streams::Stdout;

    /// Listings 16-15 and 16-16, as a component.
    const PRINTER: &str = book_harness::CH16_STDOUT_STREAM_COMPONENT;
    use futures::executor::block_on;
    use wasmtime::component::{Component, Linker, ResourceTable};
    use wasmtime::{Engine, Store};
    use wasmtime_wasi::p3::bindings::cli::types::ErrorCode;
    use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

    const TEXT: &[u8] = b"hello from WASI 0.3\n";

    // ANCHOR: wasi_view
    /// What the store keeps for WASI: its context (where stdout goes) and
    /// the table of its resources.
    struct Wasi {
        ctx: WasiCtx,
        table: ResourceTable,
    }

    impl WasiView for Wasi {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView {
                ctx: &mut self.ctx,
                table: &mut self.table,
            }
        }
    }
    // ANCHOR_END: wasi_view

    // ANCHOR: wasi_stdout
    /// stdout takes at most 5 of each write's bytes, and is handed the
    /// guest's one buffer each time, 5 bytes further on.
    #[test]
    fn stdout_reads_the_guest_s_buffer() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, PRINTER)?;
        let mut linker = Linker::new(&engine);
        // Every WASI 0.3 interface of wasmtime-wasi: `wasi:cli/stdout@0.3.0`
        // among them.
        wasmtime_wasi::p3::add_to_linker(&mut linker)?;
        let stdout = Stdout::new(5);
        let wasi = Wasi {
            ctx: WasiCtxBuilder::new().stdout(stdout.clone()).build(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&engine, wasi);
        let instance = block_on(linker.instantiate_async(&mut store, &component))?;
        let print =
            instance.get_typed_func::<(Vec<u8>,), (Result<(), ErrorCode>,)>(&mut store, "print")?;
        let (answer,) = block_on(store.run_concurrent(async move |accessor| {
            print.call_concurrent(accessor, (TEXT.to_vec(),)).await
        }))??;

        assert!(answer.is_ok());
        assert_eq!(stdout.contents(), TEXT);
        let windows = stdout.windows();
        let p = windows[0].address;
        let lent: Vec<_> = windows.iter().map(|w| (w.address - p, w.len)).collect();
        assert_eq!(lent, [(0, 20), (5, 15), (10, 10), (15, 5)]);
        Ok(())
    }
    // ANCHOR_END: wasi_stdout
}
