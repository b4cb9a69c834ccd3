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
