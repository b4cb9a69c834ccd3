/// The function exports of `wasm`, read from its bytes.
fn exports_of(wasm_path: &str) -> Vec<book_harness::signatures::Signature> {
    let wasm = std::fs::read(wasm_path).unwrap_or_else(|err| panic!("{wasm_path}: {err}"));
    book_harness::signatures::exported_functions(&wasm)
        .unwrap_or_else(|err| panic!("{wasm_path} is not a valid module: {err}"))
}

pub mod rust_signatures {
    use book_harness::expected::assert_expected;
    use wasmtime::{Instance, Memory, Store};

    const SOURCE: &str = "listings/ch14-signatures/rust-signatures/src/lib.rs";

    /// `name -> fn name(...) -> ...` for every `extern "C" fn` of the
    /// listing's source, as written there.
    fn source_signatures() -> Vec<(String, String)> {
        let source = std::fs::read_to_string(book_harness::repo_root().join(SOURCE))
            .expect("the listing's source");
        source
            .lines()
            .filter_map(|line| {
                let rest = line.split_once("extern \"C\" fn ")?.1;
                let name = rest.split_once('(')?.0;
                let signature = rest.trim_end_matches(" {").trim_end_matches('{').trim();
                Some((name.to_owned(), format!("fn {signature}")))
            })
            .collect()
    }

    #[test]
    fn the_table_is_what_rustc_compiled() {
        let exports = super::exports_of(book_harness::CH14_RUST_SIGNATURES);
        let mut table = String::from("| Rust source | wasm export |\n|---|---|\n");
        for (name, rust) in source_signatures() {
            let wasm = exports
                .iter()
                .find(|export| export.name == name)
                .unwrap_or_else(|| panic!("{name} is not exported"));
            table.push_str(&format!("| `{rust}` | `{}` |\n", wasm.ty()));
        }
        assert_expected("ch14-signatures/rust-signatures.md", &table);
    }

    fn instantiate() -> wasmtime::Result<(Store<book_harness::Host>, Instance, Memory)> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH14_RUST_SIGNATURES)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .expect("exports its memory");
        Ok((store, instance, memory))
    }

    /// Room the guest's allocator gives, for a value passed by address.
    fn allocate_room(
        store: &mut Store<book_harness::Host>,
        instance: &Instance,
        size: u32,
    ) -> wasmtime::Result<u32> {
        let allocate_room = instance.get_typed_func::<u32, u32>(&mut *store, "allocate_room")?;
        allocate_room.call(&mut *store, size)
    }

    #[test]
    fn a_struct_result_is_written_through_a_hidden_first_parameter() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate()?;
        let out = allocate_room(&mut store, &instance, 8)?;
        let make_pair = instance.get_typed_func::<(u32, u32, u32), ()>(&mut store, "make_pair")?;
        make_pair.call(&mut store, (out, 3, 4))?; // out-pointer first
        let mut pair = [0u8; 8];
        memory.read(&store, out as usize, &mut pair)?;
        assert_eq!(pair, [3, 0, 0, 0, 4, 0, 0, 0]);
        Ok(())
    }

    #[test]
    fn a_struct_parameter_is_passed_as_the_address_of_a_copy() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate()?;
        // ANCHOR: call_by_value
        let allocate_room = instance.get_typed_func::<u32, u32>(&mut store, "allocate_room")?;
        let deallocate_room =
            instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate_room")?;
        let sum_pair = instance.get_typed_func::<u32, u32>(&mut store, "sum_pair")?;

        let pair = allocate_room.call(&mut store, 8)?; // room the guest gives, for one Pair
        memory.write(&mut store, pair as usize, &[3, 0, 0, 0, 4, 0, 0, 0])?; // { first: 3, second: 4 }
        assert_eq!(sum_pair.call(&mut store, pair)?, 7);
        deallocate_room.call(&mut store, (pair, 8))?;
        // ANCHOR_END: call_by_value
        // The two-`i32` signature of Rust before 1.89 is refused.
        assert!(
            instance
                .get_typed_func::<(u32, u32), u32>(&mut store, "sum_pair")
                .is_err()
        );
        Ok(())
    }

    #[test]
    fn a_string_result_is_three_words_written_through_an_out_pointer() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate()?;
        let out = allocate_room(&mut store, &instance, 12)?;
        let greeting = instance.get_typed_func::<u32, ()>(&mut store, "greeting")?;
        greeting.call(&mut store, out)?;
        let mut words = [0u8; 12];
        memory.read(&store, out as usize, &mut words)?;
        let word = |i: usize| u32::from_le_bytes(words[4 * i..4 * i + 4].try_into().unwrap());
        // `String`'s fields are in no promised order: find the pointer as the
        // word that is neither 5 (the length and the capacity).
        let ptr = (0..3).map(word).find(|&w| w != 5).expect("a pointer");
        assert_eq!(
            [word(0), word(1), word(2)]
                .iter()
                .filter(|&&w| w == 5)
                .count(),
            2
        );
        let mut text = [0u8; 5];
        memory.read(&store, ptr as usize, &mut text)?;
        assert_eq!(&text, b"hello");
        Ok(())
    }

    /// The value of an exported `i32` global.
    fn global(store: &mut Store<book_harness::Host>, instance: &Instance, name: &str) -> u32 {
        let global = instance
            .get_global(&mut *store, name)
            .unwrap_or_else(|| panic!("the guest exports `{name}`"));
        global.get(&mut *store).unwrap_i32() as u32
    }

    /// A fixed offset "past the guest's data" is not: the stack comes first
    /// in a Rust guest's memory, and 0xFFC0 lies inside it. Room from the
    /// guest's allocator lies in the heap, above everything the linker
    /// placed.
    #[test]
    fn a_fixed_offset_lies_inside_the_guest_s_stack() -> wasmtime::Result<()> {
        const FIXED_OFFSET: u32 = 0xFFC0; // the last 64 bytes of the first page
        let (mut store, instance, memory) = instantiate()?;
        // It works, by luck: no frame of `sum_pair` reaches down to it.
        memory.write(&mut store, FIXED_OFFSET as usize, &[3, 0, 0, 0, 4, 0, 0, 0])?;
        let sum_pair = instance.get_typed_func::<u32, u32>(&mut store, "sum_pair")?;
        assert_eq!(sum_pair.call(&mut store, FIXED_OFFSET)?, 7);

        // The linker exports no `__stack_pointer`: its start is read from the
        // module's bytes.
        let wasm = std::fs::read(book_harness::CH14_RUST_SIGNATURES)?;
        let stack_start = book_harness::signatures::layout(&wasm)?
            .stack_start
            .expect("an i32 stack pointer");
        let data_end = global(&mut store, &instance, "__data_end");
        let heap_base = global(&mut store, &instance, "__heap_base");
        let room = allocate_room(&mut store, &instance, 8)?;

        // The stack is 0 .. stack_start, and grows down from its top: a deep
        // enough call reaches any address below it.
        assert!(FIXED_OFFSET + 64 <= stack_start, "inside the stack");
        assert!(stack_start < data_end && data_end <= heap_base);
        assert!(room >= heap_base, "the allocator's room is in the heap");
        assert_eq!(room % 8, 0);

        assert_expected(
            "ch14-signatures/fixed-offset.txt",
            &format!(
                "stack (grows down)       0x000000 .. {stack_start:#08x}\n\
                 the fixed offset         {FIXED_OFFSET:#08x} .. {:#08x}  inside the stack\n\
                 statics                  {stack_start:#08x} .. {data_end:#08x} (__data_end)\n\
                 heap                     {heap_base:#08x} (__heap_base) ..\n\
                 allocate_room(8)         {room:#08x}  in the heap\n",
                FIXED_OFFSET + 64,
            ),
        );
        assert_expected(
            "ch14-signatures/fixed-offset.mmd",
            &format!(
                "block-beta\n  columns 3\n  \
                 stack[\"stack, grows down\\n0x000000 .. {stack_start:#08x}\\nholds the fixed offset {FIXED_OFFSET:#06x}\"] \
                 statics[\"statics\\n{stack_start:#08x} .. {data_end:#08x}\"] \
                 heap[\"heap from {heap_base:#08x}\\nholds allocate_room(8) = {room:#08x}\"]\n"
            ),
        );
        Ok(())
    }
}

pub mod every_export {
    use book_harness::expected::assert_expected;

    /// Every wasm file the listings compile to, with its listing's source:
    /// the artifacts, and the modules inside the folders wasm-bindgen wrote.
    fn compiled_modules() -> Vec<(String, String)> {
        let manifest = std::fs::read_to_string(book_harness::MANIFEST).expect("the manifest");
        let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
        let mut modules = Vec::new();
        for artifact in manifest["artifacts"]
            .as_object()
            .expect("artifacts")
            .values()
        {
            let path = artifact["path"].as_str().expect("a path");
            let source = artifact["source"].as_str().expect("a source");
            let path = std::path::Path::new(path);
            if path
                .extension()
                .is_some_and(|extension| extension == "wasm")
            {
                // A component's own exports are typed in WIT, not wasm:
                // chapter 16 reads the core module inside it.
                let bytes = std::fs::read(path).expect("a compiled listing");
                if wasmparser::Parser::is_component(&bytes) {
                    continue;
                }
                modules.push((source.to_owned(), path.display().to_string()));
            } else if path.is_dir() {
                for entry in std::fs::read_dir(path).expect("a folder") {
                    let inner = entry.expect("an entry").path();
                    if inner
                        .extension()
                        .is_some_and(|extension| extension == "wasm")
                    {
                        let target = path.file_name().unwrap_or_default().to_string_lossy();
                        modules.push((
                            format!("{source}, after wasm-bindgen --target {target}"),
                            inner.display().to_string(),
                        ));
                    }
                }
            }
        }
        modules.sort();
        modules
    }

    /// The exports a reader looks for. rustc's output for a wasm-bindgen
    /// crate also exports one `__wbindgen_describe_*` function per binding,
    /// which the wasm-bindgen CLI runs to learn the types and then removes;
    /// and its names end in a hash that depends on the build, which is
    /// shown as `<hash>`.
    fn shown(name: &str) -> Option<String> {
        if name.starts_with("__wbindgen_describe") {
            return None;
        }
        // A hash: wasm-bindgen's `_` and 16 hex digits, or rustc's symbol
        // hash, `h` and 16, which moves when any dependency's features do.
        let hash = regex::Regex::new("(_|h)[0-9a-f]{16}$").expect("a valid pattern");
        Some(hash.replace(name, "${1}<hash>").into_owned())
    }

    #[test]
    fn every_signature_of_every_listing_is_in_the_table() {
        let mut table = String::from("| Listing | Export | Type |\n|---|---|---|\n");
        for (source, path) in compiled_modules() {
            let source = source.trim_start_matches("listings/");
            let exports = super::exports_of(&path);
            let shown = exports
                .iter()
                .filter_map(|export| Some((shown(&export.name)?, export)));
            for (i, (name, export)) in shown.enumerate() {
                let listing = if i == 0 {
                    format!("`{source}`")
                } else {
                    String::new()
                };
                table.push_str(&format!("| {listing} | `{name}` | `{}` |\n", export.ty()));
            }
        }
        assert_expected("ch14-signatures/every-export.md", &table);
    }
}

/// What a reader sees when host and guest disagree about a contract that
/// no type checks: the order of `(ptr, len)`, a memory's sharedness, the
/// memory's name.
pub mod disagreements {
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::read_string;
    use wasm_memory_host::{Allocator, Convention, Error, Guest, PackingOrder, Results};
    use wasmtime::{Config, Engine, Linker, Memory, MemoryType, Module, SharedMemory, Store};

    #[test]
    fn arguments_in_the_wrong_order_give_a_wrong_answer_not_an_error() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_SUM_BYTES)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        // `(i32, i32) -> i32` either way: the types cannot tell.
        let sum_bytes = instance.get_typed_func::<(u32, u32), u32>(&mut store, "sum_bytes")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let ptr = allocate.call(&mut store, 6)?;
        memory.write(&mut store, ptr as usize, b"Ferris")?;

        let right = sum_bytes.call(&mut store, (ptr, 6))?;
        let swapped = sum_bytes.call(&mut store, (6, ptr))?; // (len, ptr)
        assert_eq!(right, b"Ferris".iter().map(|&b| u32::from(b)).sum::<u32>());
        assert_ne!(swapped, right);

        // A guest that checks its input may refuse it instead: `greet`
        // finds those bytes are not UTF-8 and returns 0, no greeting.
        let (mut store, instance) = book_harness::instantiate(book_harness::CH04_PACKED_RETURN)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let greet = instance.get_typed_func::<(u32, u32), u64>(&mut store, "greet")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let name = allocate.call(&mut store, 6)?;
        memory.write(&mut store, name as usize, b"Ferris")?;
        let greeting = greet.call(&mut store, (6, name))?;
        assert_eq!(greeting, 0);

        assert_expected(
            "ch14-signatures/argument-order.txt",
            &format!(
                "sum_bytes({ptr:#x}, 6) = {right}: the bytes of \"Ferris\"\n\
                 sum_bytes(6, {ptr:#x}) = {swapped}: {ptr} bytes from address 6\n\
                 greet(6, {name:#x}) = {greeting}: no greeting\n"
            ),
        );
        Ok(())
    }

    /// An engine that can make shared memories (threads).
    fn threads_engine() -> wasmtime::Result<Engine> {
        let mut config = Config::new();
        config.shared_memory(true);
        Engine::new(&config)
    }

    /// Instantiates `wasm` with `memory` as its `env.memory`, and returns
    /// wasmtime's error and its cause, on one line.
    fn refused(
        engine: &Engine,
        store: &mut Store<()>,
        wasm: &str,
        memory: impl Into<wasmtime::Extern>,
    ) -> wasmtime::Result<String> {
        let module = Module::from_file(engine, wasm)?;
        let mut linker = Linker::new(engine);
        linker.define(&*store, "env", "memory", memory)?;
        let error = linker.instantiate(&mut *store, &module).unwrap_err();
        Ok(format!("{error}: {}", error.root_cause()))
    }

    #[test]
    fn a_shared_memory_and_a_plain_one_are_not_interchangeable() -> wasmtime::Result<()> {
        let engine = threads_engine()?;
        let mut store = Store::new(&engine, ());

        // Chapter 19's writer imports `(memory 1 16 shared)`.
        let plain = Memory::new(&mut store, MemoryType::new(1, Some(16)))?;
        let plain_for_shared =
            refused(&engine, &mut store, book_harness::CH19_SHARED_WRITER, plain)?;

        // Chapter 12's guest imports `(memory 17)`, not shared.
        let shared = SharedMemory::new(&engine, MemoryType::shared(17, 17))?;
        let shared_for_plain = refused(
            &engine,
            &mut store,
            book_harness::CH12_IMPORTED_MEMORY,
            shared,
        )?;

        assert_expected(
            "ch14-signatures/sharedness.txt",
            &format!(
                "a plain memory for a shared import: {plain_for_shared}\n\
                 a shared memory for a plain import: {shared_for_plain}\n"
            ),
        );
        Ok(())
    }

    #[test]
    fn the_host_finds_the_memory_by_its_export_name() -> wasmtime::Result<()> {
        // Chapter 19's mailbox guest has two memories and exports one, as
        // `mailbox`: there is no `memory`.
        let convention =
            Convention::new(Allocator::None, Results::Packed(PackingOrder::PointerLow));
        let (mut store, instance) = book_harness::instantiate(book_harness::CH19_MAILBOX)?;
        let Err(error) = Guest::new(&mut store, instance, convention.clone()) else {
            panic!("a guest without a `memory` export");
        };
        assert!(matches!(&error, Error::MissingExport { name, .. } if name == "memory"));

        let guest = Guest::new(&mut store, instance, convention.memory_export("mailbox"))?;
        let handle = guest.typed_func::<u32, i32>(&mut store, "handle")?;
        guest.memory().write(&mut store, 0, b"hello")?;
        let reply_len = u32::try_from(handle.call(&mut store, 5)?)?;
        let reply = read_string(&store, &guest.memory(), 0, reply_len, 64)?;
        assert_eq!(reply, "HELLO");

        assert_expected(
            "ch14-signatures/memory-name.txt",
            &format!(
                "the default convention: {error}\n\
                 with .memory_export(\"mailbox\"): handle(\"hello\") replies {reply:?}\n"
            ),
        );
        Ok(())
    }
}
