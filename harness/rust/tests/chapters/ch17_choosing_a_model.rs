//! Chapter 17: one task (`shout`, `checksum`) under every memory model.

pub mod hand_written {
    use book_harness::component;
    use book_harness::models::{HandWritten, WithUtility};
    use wasmtime::Engine;

    /// The same inputs for every model: ASCII, non-ASCII, empty.
    const TEXTS: [(&str, &str); 3] = [("hello", "HELLO"), ("grüße", "GRÜSSE"), ("", "")];

    #[test]
    fn the_task_by_hand() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let mut guest = HandWritten::new(&engine, book_harness::CH17_HAND_WRITTEN)?;
        for (text, shouted) in TEXTS {
            assert_eq!(guest.shout(text)?, shouted);
        }
        assert_eq!(guest.checksum(&[1, 2, 250])?, 253);
        Ok(())
    }

    #[test]
    fn the_task_through_the_utility() -> Result<(), wasm_memory_host::Error> {
        let engine = Engine::default();
        let mut guest = WithUtility::new(&engine, book_harness::CH17_HAND_WRITTEN)?;
        for (text, shouted) in TEXTS {
            assert_eq!(guest.shout(text)?, shouted);
        }
        assert_eq!(guest.checksum(&[1, 2, 250])?, 253);
        guest.guest().check_leaks()?;
        Ok(())
    }

    /// The component of chapter 16 gives the same answers: the models
    /// differ in who does the work, not in what the task is.
    #[test]
    fn the_component_agrees() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, shouter) = component::instantiate(&engine, "wasmtime")?;
        let mut guest = HandWritten::new(&engine, book_harness::CH17_HAND_WRITTEN)?;
        // ANCHOR: component_agrees
        let bytes: Vec<u8> = (0..=255).cycle().take(70_000).collect();
        for (text, _) in TEXTS {
            assert_eq!(shouter.call_shout(&mut store, text)?, guest.shout(text)?);
        }
        assert_eq!(
            shouter.call_checksum(&mut store, &bytes)?,
            guest.checksum(&bytes)?
        );
        // ANCHOR_END: component_agrees
        Ok(())
    }
}

pub mod lying_shout {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use book_harness::expected::assert_expected;
    use book_harness::models::{HandWritten, WithUtility};
    use wasmtime::Engine;

    /// The hand-written host slices memory with the guest's numbers: the
    /// lie panics the host, which is the host's crash, not the guest's.
    #[test]
    fn the_hand_written_host_panics() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let liar = book_harness::CH17_LYING_SHOUT;
        // ANCHOR: trusting_host_panics
        let mut guest = HandWritten::new(&engine, liar)?;
        let panic = catch_unwind(AssertUnwindSafe(|| guest.shout("hello")))
            .expect_err("slicing past the end of memory panics");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert_eq!(
            message,
            "range end index 16 out of range for slice of length 8"
        );
        // ANCHOR_END: trusting_host_panics
        assert_expected(
            "ch17-choosing-a-model/liar-hand-written.txt",
            &format!("panic: {message}\n"),
        );
        Ok(())
    }

    #[test]
    fn the_utility_returns_an_error() -> Result<(), wasm_memory_host::Error> {
        let engine = Engine::default();
        let mut guest = WithUtility::new(&engine, book_harness::CH17_LYING_SHOUT)?;
        let error = guest.shout("hello").expect_err("a lie");
        assert_expected(
            "ch17-choosing-a-model/liar-utility.txt",
            &format!("error: {error}\n"),
        );
        guest.guest().check_leaks()?;
        Ok(())
    }
}

pub mod extism_shout {
    //! What `#[plugin_fn]` compiles to, read from the plug-in's bytes. Its
    //! host tests are Go: harness/go/chapter17.

    use book_harness::signatures::{exported_functions, imported_functions};

    /// The compiled plug-in.
    fn plugin() -> Vec<u8> {
        std::fs::read(book_harness::CH17_EXTISM_SHOUT).expect("the compiled plug-in")
    }

    #[test]
    fn every_export_takes_nothing_and_returns_an_exit_code() {
        // The PDK exports no function of its own; besides these, the module
        // exports only its memory and the linker's `__data_end` and
        // `__heap_base` globals.
        let exports = exported_functions(&plugin()).expect("a valid module");
        let mut names: Vec<&str> = exports.iter().map(|export| export.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "allocate_and_free",
                "allocate_and_keep",
                "checksum",
                "lie",
                "lie_outside",
                "shout"
            ]
        );
        for export in &exports {
            assert_eq!(export.ty(), "() -> (i32)", "{export}");
        }
    }

    #[test]
    fn every_import_is_the_kernel_s_and_takes_64_bit_offsets() {
        // Only what the plug-in uses is imported: input, output, error,
        // and the kernel's allocator. An offset into the kernel's memory is
        // an i64, even in a 32-bit module.
        let mut imports: Vec<String> = imported_functions(&plugin())
            .expect("a valid module")
            .iter()
            .map(
                |import| match import.name.strip_prefix("extism:host/env.") {
                    Some(name) => format!("{name}{}", import.ty()),
                    None => panic!("{import} is not the kernel's"),
                },
            )
            .collect();
        imports.sort();
        assert_eq!(
            imports,
            [
                "alloc(i64) -> (i64)",
                "error_set(i64) -> ()",
                "free(i64) -> ()",
                "input_length() -> (i64)",
                "input_load_u64(i64) -> (i64)",
                "input_load_u8(i64) -> (i32)",
                "output_set(i64, i64) -> ()",
                "store_u64(i64, i64) -> ()",
                "store_u8(i64, i32) -> ()",
            ]
        );
    }
}

/// `name(params) -> (results)` of every function `wasm_path` exports, sorted.
fn exports_of(wasm_path: &str) -> Vec<String> {
    let wasm = std::fs::read(wasm_path).unwrap_or_else(|err| panic!("{wasm_path}: {err}"));
    let mut exports: Vec<String> = book_harness::signatures::exported_functions(&wasm)
        .unwrap_or_else(|err| panic!("{wasm_path} is not a valid module: {err}"))
        .iter()
        .map(ToString::to_string)
        .collect();
    exports.sort();
    exports
}

/// The module wasm-bindgen wrote beside its web glue for the task: what the
/// glue calls. Its hosts are JavaScript: `harness/js/ch17_choosing_a_model.test.mjs`.
fn bindgen_module() -> String {
    format!(
        "{}/ch17_bindgen_shout_bg.wasm",
        book_harness::CH17_BINDGEN_SHOUT_WEB
    )
}

pub mod bindgen_shout {
    /// After wasm-bindgen, `shout` returns its `(ptr, len)` as two values
    /// (the multi-value rewrite of chapter 10), and the glue's allocator
    /// exports are there.
    #[test]
    fn the_glue_calls_these_exports() {
        assert_eq!(
            super::exports_of(&super::bindgen_module()),
            [
                "__wbindgen_free(i32, i32, i32) -> ()",
                "__wbindgen_malloc(i32, i32) -> (i32)",
                "__wbindgen_realloc(i32, i32, i32, i32) -> (i32)",
                "__wbindgen_start() -> ()",
                "checksum(i32, i32) -> (i32)",
                "shout(i32, i32) -> (i32, i32)",
            ]
        );
    }
}

pub mod lying_bindgen {
    /// Every export of the stand-in is one the glue calls, with the same
    /// type, so the glue cannot tell it from the module it was made for
    /// (it leaves out `checksum`, which the lie does not need).
    #[test]
    fn it_exports_what_the_glue_calls() {
        let glue_calls = super::exports_of(&super::bindgen_module());
        let stand_in = super::exports_of(book_harness::CH17_LYING_BINDGEN);
        assert!(stand_in.contains(&"shout(i32, i32) -> (i32, i32)".to_owned()));
        for export in &stand_in {
            assert!(
                glue_calls.contains(export),
                "{export} is not in {glue_calls:?}"
            );
        }
    }
}

pub mod as_shout {
    /// The task and the liar, beside AssemblyScript's runtime exports; the
    /// bindings' tests are JavaScript: `harness/js/ch17_choosing_a_model.test.mjs`.
    #[test]
    fn it_exports_the_task_and_the_liar() {
        let exports = super::exports_of(book_harness::CH17_AS_SHOUT);
        for export in [
            "shout(i32) -> (i32)",
            "checksum(i32) -> (i32)",
            "lie(i32) -> (i32)",
            "__new(i32, i32) -> (i32)",
        ] {
            assert!(
                exports.iter().any(|e| e == export),
                "{export} in {exports:?}"
            );
        }
    }
}

pub mod comparison {
    //! The chapter's comparison tables. Each model's row says what the model
    //! does for the reader; its "a lying guest gets" cell is the file that
    //! model's liar test wrote (in Rust, Go or JavaScript), so the table
    //! shows what was executed, not what was expected.

    use book_harness::expected::{assert_expected, expected_file};

    /// One model on one host, as the tables describe it.
    struct Model {
        name: &'static str,
        allocates: &'static str,
        frees: &'static str,
        by_hand: &'static str,
        host: &'static str,
        guests: &'static str,
        checks: &'static str,
        /// `expected/ch17-choosing-a-model/liar-<liar>.txt`, and the test that writes it.
        liar: (&'static str, &'static str),
    }

    const MODELS: &[Model] = &[
        Model {
            name: "Hand-written (chapters 3 to 5)",
            allocates: "the host, calling the guest's `allocate`",
            frees: "the host, calling `deallocate` for both buffers",
            by_hand: "everything: packing, copies, frees, checks",
            host: "wasmtime, raw calls",
            guests: "any that exports an allocator",
            checks: "only Rust's slice indexing, which panics",
            liar: (
                "hand-written",
                "ch17 `lying_shout::the_hand_written_host_panics`",
            ),
        },
        Model {
            name: "The utility, Rust (`wasm-memory-host`)",
            allocates: "the utility, through the guest's allocator",
            frees: "the utility; its ledger reports what was not released",
            by_hand: "naming the guest's convention",
            host: "wasmtime",
            guests: "Rust, Go, AssemblyScript",
            checks: "the utility: every `(ptr, len)`, lengths capped, UTF-8",
            liar: (
                "utility",
                "ch17 `lying_shout::the_utility_returns_an_error`",
            ),
        },
        Model {
            name: "The utility, Go (`wazerohost`)",
            allocates: "as in Rust",
            frees: "as in Rust",
            by_hand: "as in Rust",
            host: "wazero",
            guests: "Rust, Go, AssemblyScript",
            checks: "as in Rust",
            liar: (
                "utility-go",
                "`chapter17_test.go`, `TestWazerohostRefusesTheLie`",
            ),
        },
        Model {
            name: "The utility, JavaScript (`wasm-memory-js`)",
            allocates: "as in Rust",
            frees: "as in Rust",
            by_hand: "as in Rust",
            host: "Node, browsers",
            guests: "Rust, Go, AssemblyScript",
            checks: "as in Rust",
            liar: ("utility-js", "`ch17_choosing_a_model.test.mjs`"),
        },
        Model {
            name: "The Component Model, `bindgen!`",
            allocates: "wasmtime, through the guest's `cabi_realloc`",
            frees: "the guest frees arguments; wasmtime calls `cabi_post_*` for results",
            by_hand: "nothing for these types: a WIT file, and a component to build",
            host: "wasmtime",
            guests: "those with a WIT generator",
            checks: "wasmtime, when it lifts: bounds, alignment, UTF-8",
            liar: (
                "component-model-wasmtime",
                "ch16 `lying_component::the_chapter_17_lie`",
            ),
        },
        Model {
            name: "The Component Model, `jco transpile`",
            allocates: "jco's generated JavaScript, through `cabi_realloc`",
            frees: "the guest frees arguments; the generated code calls `cabi_post_*`",
            by_hand: "nothing for these types",
            host: "Node, browsers",
            guests: "as with wasmtime",
            checks: "nothing in the generated code; a typed array's constructor throws",
            liar: ("component-model-jco", "`ch16_the_component_model.test.mjs`"),
        },
        Model {
            name: "Extism, the Go SDK",
            allocates: "the SDK (the input) and the plug-in (the output), in the kernel's memory",
            frees: "the kernel's reset at the start of the next call; `free` only reuses space within a call",
            by_hand: "the bytes' encoding (a `u32` is 4 bytes)",
            host: "wazero (through the SDK)",
            guests: "those with an Extism PDK",
            checks: "the kernel, on `output_set`: against the region its allocator manages, not the block",
            liar: ("extism", "`chapter17_test.go`, `TestExtismLie`"),
        },
        Model {
            name: "wasm-bindgen",
            allocates: "the glue, calling `__wbindgen_malloc`",
            frees: "the guest frees arguments; the glue calls `__wbindgen_free` for results",
            by_hand: "nothing: the glue is the host",
            host: "Node, browsers",
            guests: "Rust",
            checks: "nothing: the glue trusts the module it was generated for",
            liar: ("wasm-bindgen", "`ch17_choosing_a_model.test.mjs`"),
        },
        Model {
            name: "AssemblyScript's bindings",
            allocates: "the bindings, calling `__new`",
            frees: "the guest's collector; the bindings pin arguments while they lower more",
            by_hand: "nothing: the bindings are the host",
            host: "Node, browsers",
            guests: "AssemblyScript",
            checks: "nothing: the bindings trust the module",
            liar: ("assemblyscript", "`ch17_choosing_a_model.test.mjs`"),
        },
    ];

    /// The first line of `expected/ch17-choosing-a-model/liar-<slug>.txt`.
    fn observed(slug: &str, written_by: &str) -> String {
        let path = expected_file(&format!("ch17-choosing-a-model/liar-{slug}.txt"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{}: {err}; {written_by} writes it", path.display()));
        text.lines().next().unwrap_or_default().replace('|', "\\|")
    }

    #[test]
    fn the_models_compared() {
        let mut models = String::from(
            "| Model | Who allocates | Who frees | Still by hand | Host | Guests |\n\
             |---|---|---|---|---|---|\n",
        );
        let mut lies = String::from("| Model | Who checks | A lying guest gets |\n|---|---|---|\n");
        for model in MODELS {
            models.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                model.name, model.allocates, model.frees, model.by_hand, model.host, model.guests,
            ));
            let (slug, written_by) = model.liar;
            lies.push_str(&format!(
                "| {} | {} | {} |\n",
                model.name,
                model.checks,
                observed(slug, written_by),
            ));
        }
        assert_expected("ch17-choosing-a-model/models.md", &models);
        assert_expected("ch17-choosing-a-model/lies.md", &lies);
    }
}

/// A call into the host per item (wasmtime#9686): a guest that sums an
/// iterator the host owns, one host call per item, and the same items
/// summed after the host wrote them into the guest's memory, in one call.
/// What each costs is cited on the page, not timed here.
pub mod sum_by_calls {
    use std::ops::Range;

    use wasmtime::{Engine, Func, FuncType, Instance, Linker, Module, Store, Val, ValType};

    /// The items: the numbers the host's iterator yields.
    const ITEMS: i64 = 1_000_000;

    fn module(engine: &Engine) -> wasmtime::Result<Module> {
        Module::from_file(engine, book_harness::CH17_SUM_BY_CALLS)
    }

    /// The guest, with `next` defined with `Func::wrap`: typed, as the
    /// examples of `Func` in wasmtime's documentation define host functions.
    fn with_wrap(engine: &Engine) -> wasmtime::Result<(Store<Range<i64>>, Instance)> {
        // ANCHOR: wrap
        let mut linker = Linker::new(engine);
        linker.func_wrap(
            "env",
            "next",
            |mut caller: wasmtime::Caller<'_, Range<i64>>| caller.data_mut().next().unwrap_or(0),
        )?;
        // ANCHOR_END: wrap
        let mut store = Store::new(engine, 0..ITEMS);
        let instance = linker.instantiate(&mut store, &module(engine)?)?;
        Ok((store, instance))
    }

    /// The same function defined with `Func::new`: its arguments and results
    /// go through slices of `Val`, checked at run time.
    fn with_new(engine: &Engine) -> wasmtime::Result<(Store<Range<i64>>, Instance)> {
        let mut store = Store::new(engine, 0..ITEMS);
        let ty = FuncType::new(engine, [], [ValType::I64]);
        let next = Func::new(&mut store, ty, |mut caller, _params, results| {
            results[0] = Val::I64(caller.data_mut().next().unwrap_or(0));
            Ok(())
        });
        let instance = Instance::new(&mut store, &module(engine)?, &[next.into()])?;
        Ok((store, instance))
    }

    /// Sums by calling the host `ITEMS` times.
    fn by_calls(store: &mut Store<Range<i64>>, instance: &Instance) -> wasmtime::Result<i64> {
        let sum = instance.get_typed_func::<i32, i64>(&mut *store, "sum_by_calls")?;
        sum.call(&mut *store, i32::try_from(ITEMS)?)
    }

    #[test]
    fn one_host_call_per_item_with_wrap_or_new() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let expected: i64 = (0..ITEMS).sum();
        let (mut store, instance) = with_wrap(&engine)?;
        assert_eq!(by_calls(&mut store, &instance)?, expected);
        let (mut store, instance) = with_new(&engine)?;
        assert_eq!(by_calls(&mut store, &instance)?, expected);
        // Every item was taken from the host's iterator, one call each.
        assert_eq!(store.data().clone().next(), None);
        Ok(())
    }

    #[test]
    fn one_call_for_items_written_into_memory() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let expected: i64 = (0..ITEMS).sum();
        let (mut store, instance) = with_wrap(&engine)?;
        // The items as wasm stores an i64: 8 bytes, little-endian.
        let bytes: Vec<u8> = (0..ITEMS).flat_map(i64::to_le_bytes).collect();
        // ANCHOR: in_memory
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let pages = (bytes.len() as u64).div_ceil(65536);
        memory.grow(&mut store, pages)?; // room after the first page
        memory.write(&mut store, 65536, &bytes)?; // one copy of 8 MB
        let sum = instance.get_typed_func::<(i32, i32), i64>(&mut store, "sum_in_memory")?;
        let total = sum.call(&mut store, (65536, i32::try_from(ITEMS)?))?;
        // ANCHOR_END: in_memory
        assert_eq!(total, expected);
        // No host call was made: the iterator was not touched.
        assert_eq!(store.data().start, 0);
        Ok(())
    }
}

/// The names of `wasm`'s functions, by index, from its name section.
fn function_names(wasm: &[u8]) -> std::collections::BTreeMap<u32, String> {
    use wasmparser::{BinaryReader, Name, NameSectionReader, Parser, Payload};
    let mut names = std::collections::BTreeMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(section) = payload.expect("valid wasm")
            && section.name() == "name"
        {
            let reader = BinaryReader::new(section.data(), section.data_offset());
            for name in NameSectionReader::new(reader) {
                if let Name::Function(map) = name.expect("a name subsection") {
                    for naming in map {
                        let naming = naming.expect("a name");
                        names.insert(naming.index, naming.name.to_string());
                    }
                }
            }
        }
    }
    names
}

/// What the book's Rust guests contain, as Rust 1.95 builds them for
/// `wasm32-unknown-unknown` (binaryen#4403): `memory.copy` and
/// `memory.fill` in place of calls to `memcpy` and `memset`.
pub mod bulk_memory {
    use wasmparser::{Operator, Parser, Payload};

    /// The functions of `wasm` whose names mention `needle`, and how many
    /// `memory.copy` and `memory.fill` instructions its code has.
    fn survey(wasm: &[u8], needles: &[&str]) -> (Vec<String>, usize, usize) {
        let (mut copies, mut fills) = (0, 0);
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::CodeSectionEntry(body) = payload.expect("valid wasm") {
                let mut operators = body.get_operators_reader().expect("operators");
                while !operators.eof() {
                    match operators.read().expect("an operator") {
                        Operator::MemoryCopy { .. } => copies += 1,
                        Operator::MemoryFill { .. } => fills += 1,
                        _ => {}
                    }
                }
            }
        }
        let named = super::function_names(wasm)
            .into_values()
            .filter(|name| needles.iter().any(|needle| name.contains(needle)))
            .collect();
        (named, copies, fills)
    }

    #[test]
    fn rust_guests_copy_and_fill_with_bulk_memory_instructions() {
        for path in [
            book_harness::CH15_GROWING_GUEST,
            book_harness::CH16_SHOUTER,
            book_harness::CH17_HAND_WRITTEN,
        ] {
            let wasm = std::fs::read(path).expect("built");
            let (named, copies, fills) = survey(&wasm, &["memcpy", "memmove", "memset"]);
            assert!(named.is_empty(), "{path}: {named:?}");
            assert!(copies > 0, "{path}: no memory.copy");
            assert!(fills > 0, "{path}: no memory.fill");
        }
    }
}

/// The race of `benches/models.rs` is fair when the two guests do the same
/// work: what their `shout` exports call, and where their buffers land.
pub mod same_work {
    use std::collections::BTreeSet;

    use book_harness::component;
    use wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef};
    use wasmtime::{Engine, Instance, Module, Store};

    /// The names of the functions that the export `export` of `wasm`
    /// reaches by direct calls, itself included.
    fn reachable(wasm: &[u8], export: &str) -> BTreeSet<String> {
        let (mut imported, mut bodies) = (0, Vec::new());
        let mut start = None;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.expect("valid wasm") {
                Payload::ImportSection(imports) => {
                    for import in imports.into_imports() {
                        if let TypeRef::Func(_) = import.expect("an import").ty {
                            imported += 1;
                        }
                    }
                }
                Payload::ExportSection(exports) => {
                    for item in exports {
                        let item = item.expect("an export");
                        if item.name == export && item.kind == ExternalKind::Func {
                            start = Some(item.index);
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let mut calls = Vec::new();
                    let mut operators = body.get_operators_reader().expect("operators");
                    while !operators.eof() {
                        if let Operator::Call { function_index } = operators.read().expect("op") {
                            calls.push(function_index);
                        }
                    }
                    bodies.push(calls);
                }
                _ => {}
            }
        }
        let (mut seen, mut todo) = (BTreeSet::new(), vec![start.expect("exported")]);
        while let Some(index) = todo.pop() {
            if seen.insert(index) && index >= imported {
                todo.extend(&bodies[(index - imported) as usize]);
            }
        }
        let names = super::function_names(wasm);
        seen.iter().map(|index| names[index].clone()).collect()
    }

    // ANCHOR: one_check
    /// Both guests' `shout` run the standard library's `to_uppercase`; only
    /// the hand-written one that does not trust its host reaches a UTF-8
    /// check. The component's generated code trusts the canonical ABI.
    #[test]
    fn the_guests_differ_by_one_utf8_check() {
        let hand = std::fs::read(book_harness::CH17_HAND_WRITTEN).expect("built");
        let core = std::fs::read(book_harness::CH16_SHOUTER).expect("built");
        for (wasm, export, checks) in [
            (&hand, "shout", true),
            (&hand, "shout_trusting", false),
            (&core, "shout", false),
        ] {
            let calls = reachable(wasm, export);
            let calls_any = |needle| calls.iter().any(|name| name.contains(needle));
            assert!(calls_any("to_uppercase"), "{export}: {calls:?}");
            assert_eq!(calls_any("from_utf8"), checks, "{export}: {calls:?}");
        }
    }
    // ANCHOR_END: one_check

    /// `(input, result, memory size in pages)` of each call of `shout` with
    /// `size` bytes, under the hand-written convention.
    fn by_hand(size: usize, calls: usize) -> wasmtime::Result<Vec<(u32, u32, u64)>> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH17_HAND_WRITTEN)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let shout = instance.get_typed_func::<(u32, u32), u64>(&mut store, "shout")?;
        let mut seen = Vec::new();
        for _ in 0..calls {
            let input = allocate.call(&mut store, size as u32)?;
            memory.data_mut(&mut store)[input as usize..][..size].fill(b'x');
            let result = shout.call(&mut store, (input, size as u32))? as u32;
            deallocate.call(&mut store, (input, size as u32))?;
            deallocate.call(&mut store, (result, size as u32))?;
            seen.push((input, result, memory.size(&store)));
        }
        Ok(seen)
    }

    /// The same for the component's core module, called with the canonical
    /// ABI's steps: `cabi_realloc`, `shout`, `cabi_post_shout`.
    fn by_canonical_abi(size: usize, calls: usize) -> wasmtime::Result<Vec<(u32, u32, u64)>> {
        let mut store = Store::new(&Engine::default(), ());
        let instance = component::core_instance(&mut store)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let realloc =
            instance.get_typed_func::<(u32, u32, u32, u32), u32>(&mut store, "cabi_realloc")?;
        let shout = instance.get_typed_func::<(u32, u32), u32>(&mut store, "shout")?;
        let post_return = instance.get_typed_func::<u32, ()>(&mut store, "cabi_post_shout")?;
        let mut seen = Vec::new();
        for _ in 0..calls {
            let input = realloc.call(&mut store, (0, 0, 1, size as u32))?;
            memory.data_mut(&mut store)[input as usize..][..size].fill(b'x');
            let area = shout.call(&mut store, (input, size as u32))? as usize;
            let result = memory.data(&store)[area..][..4]
                .try_into()
                .expect("4 bytes");
            post_return.call(&mut store, area as u32)?;
            seen.push((input, u32::from_le_bytes(result), memory.size(&store)));
        }
        Ok(seen)
    }

    // ANCHOR: same_blocks
    /// Call after call, each guest reuses the blocks of its first call and
    /// its memory does not grow; the result lies at the same distance from
    /// the input in both.
    #[test]
    fn both_guests_reuse_the_same_blocks() -> wasmtime::Result<()> {
        for size in [16, 1 << 10, 64 << 10, 1 << 20] {
            let (hand, core) = (by_hand(size, 5)?, by_canonical_abi(size, 5)?);
            for calls in [&hand, &core] {
                assert!(calls.iter().all(|call| *call == calls[0]), "{calls:?}");
            }
            let distance = |(input, result, _): (u32, u32, u64)| result - input;
            assert_eq!(distance(hand[0]), distance(core[0]), "{size} B");
        }
        Ok(())
    }
    // ANCHOR_END: same_blocks
}
