pub mod bindgen_greeter {
    use book_harness::expected::assert_expected;

    /// The top-level function `name` of a generated JavaScript file: from
    /// its `function name(` line to the first line that is just `}`.
    fn extract_function(glue: &str, name: &str) -> Option<String> {
        let start = glue.find(&format!("\nfunction {name}("))? + 1;
        let end = glue[start..].find("\n}\n")? + start + 3;
        Some(glue[start..end].to_owned())
    }

    /// The chapter shows these functions of the glue wasm-bindgen generates.
    /// If an upgrade renames or drops one, this fails; if one changes, it
    /// fails until `SNAPSHOTS=overwrite` rewrites the excerpt, and the chapter is re-read.
    #[test]
    fn the_glue_the_chapter_shows_is_the_glue_wasm_bindgen_generates() {
        let glue_path = format!(
            "{}/ch10_bindgen_greeter.js",
            book_harness::CH10_BINDGEN_GREETER_NODEJS
        );
        let glue = std::fs::read_to_string(&glue_path).expect("wasm-bindgen wrote the glue");
        for (name, excerpt) in [
            ("greet", "ch10-wasm-bindgen/glue-greet.js"),
            ("reverse_bytes", "ch10-wasm-bindgen/glue-reverse_bytes.js"),
            (
                "passStringToWasm0",
                "ch10-wasm-bindgen/glue-passStringToWasm0.js",
            ),
            (
                "getUint8ArrayMemory0",
                "ch10-wasm-bindgen/glue-getUint8ArrayMemory0.js",
            ),
        ] {
            let function = extract_function(&glue, name).unwrap_or_else(|| {
                panic!(
                    "{glue_path} has no top-level `function {name}(` any more: wasm-bindgen's glue \
                     changed, and chapter 10, which explains it, must change with it"
                )
            });
            assert_expected(excerpt, &function);
        }
    }

    #[test]
    fn the_raw_exports_are_the_book_s_pattern() {
        // Under the glue, the module wasm-bindgen rewrote is chapters 3 and 4:
        // an allocator, and functions returning (ptr, len) as two results.
        let wasm = std::fs::read(format!(
            "{}/ch10_bindgen_greeter_bg.wasm",
            book_harness::CH10_BINDGEN_GREETER_NODEJS
        ))
        .expect("wasm-bindgen wrote the module");
        let exports = book_harness::signatures::exported_functions(&wasm).expect("a valid module");
        let shown = [
            "__wbindgen_malloc",
            "__wbindgen_realloc",
            "__wbindgen_free",
            "greet",
            "reverse_bytes",
        ];
        let report: String = shown
            .iter()
            .map(|name| {
                let export = exports.iter().find(|export| export.name == *name);
                format!("{}\n", export.unwrap_or_else(|| panic!("no export {name}")))
            })
            .collect();
        assert_expected("ch10-wasm-bindgen/exports.txt", &report);
    }
}

/// Chapter 10's memory hazards run in JavaScript
/// (`harness/js/ch10_wasm_bindgen.test.mjs`): objects that only `free()`
/// gives back, callbacks that hold memory, slices copied both ways, views
/// made in Rust, a stale view mid-copy, a string freed with the wrong size
/// (the glue before 0.2.92). Here, the
/// one fact they rely on that wasmtime can read: the memory's maximum.
pub mod bindgen_memory {
    #[test]
    fn its_memory_stops_at_16_mib() -> wasmtime::Result<()> {
        let wasm = format!(
            "{}/ch10_bindgen_memory_bg.wasm",
            book_harness::CH10_BINDGEN_MEMORY_WEB
        );
        let module = wasmtime::Module::from_file(book_harness::engine(), wasm)?;
        let memory = module
            .get_export("memory")
            .and_then(|export| export.memory().cloned())
            .expect("the guest exports its memory");
        // 256 pages of 64 KiB: what `build.rs` asks the linker for.
        assert_eq!(memory.maximum(), Some(256));
        Ok(())
    }
}

/// The same `reverse_bytes` as `bindgen_greeter`, with wee_alloc as the
/// global allocator: the JavaScript test measures what each keeps.
pub mod bindgen_wee_alloc {
    #[test]
    fn it_exports_what_the_greeter_exports_for_bytes() -> wasmtime::Result<()> {
        let wasm = std::fs::read(format!(
            "{}/ch10_bindgen_wee_alloc_bg.wasm",
            book_harness::CH10_BINDGEN_WEE_ALLOC_WEB
        ))?;
        let exports = book_harness::signatures::exported_functions(&wasm)?;
        for name in ["__wbindgen_malloc", "__wbindgen_free", "reverse_bytes"] {
            assert!(
                exports.iter().any(|export| export.name == name),
                "no export {name}"
            );
        }
        Ok(())
    }
}
