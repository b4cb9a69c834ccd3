pub mod bindgen_greeter {
    use book_listings::expected::assert_expected;

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
            book_listings::CH10_BINDGEN_GREETER_NODEJS
        );
        let glue = std::fs::read_to_string(&glue_path).expect("wasm-bindgen wrote the glue");
        for (name, excerpt) in [
            ("greet", "ch10-glue-greet.js"),
            ("reverse_bytes", "ch10-glue-reverse_bytes.js"),
            ("passStringToWasm0", "ch10-glue-passStringToWasm0.js"),
            ("getUint8ArrayMemory0", "ch10-glue-getUint8ArrayMemory0.js"),
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

    /// `name(params) -> (results)` for every exported function of a module,
    /// read with wasmparser: the rewritten module uses reference types,
    /// which the book's lean wasmtime build does not load.
    fn export_signatures(wasm: &[u8], names: &[&str]) -> Vec<String> {
        use wasmparser::{CompositeInnerType, ExternalKind, FuncType, Parser, Payload, TypeRef};
        let (mut types, mut functions, mut exports): (Vec<FuncType>, Vec<u32>, Vec<(String, u32)>) =
            Default::default();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.expect("a valid module") {
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for sub_type in group.expect("types").into_types() {
                            if let CompositeInnerType::Func(func) = sub_type.composite_type.inner {
                                types.push(func);
                            }
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        if let TypeRef::Func(index) = import.expect("imports").ty {
                            functions.push(index);
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    functions.extend(reader.into_iter().map(|index| index.expect("functions")));
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.expect("exports");
                        if export.kind == ExternalKind::Func {
                            exports.push((export.name.to_owned(), export.index));
                        }
                    }
                }
                _ => {}
            }
        }
        names
            .iter()
            .map(|name| {
                let (_, index) = exports
                    .iter()
                    .find(|(export, _)| export == name)
                    .expect(name);
                let ty = &types[functions[*index as usize] as usize];
                let list = |types: &[wasmparser::ValType]| {
                    types
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!("{name}({}) -> ({})", list(ty.params()), list(ty.results()))
            })
            .collect()
    }

    #[test]
    fn the_raw_exports_are_the_book_s_pattern() {
        // Under the glue, the module wasm-bindgen rewrote is chapters 3 and 4:
        // an allocator, and functions returning (ptr, len) as two results.
        let wasm = std::fs::read(format!(
            "{}/ch10_bindgen_greeter_bg.wasm",
            book_listings::CH10_BINDGEN_GREETER_NODEJS
        ))
        .expect("wasm-bindgen wrote the module");
        let report = export_signatures(
            &wasm,
            &[
                "__wbindgen_malloc",
                "__wbindgen_realloc",
                "__wbindgen_free",
                "greet",
                "reverse_bytes",
            ],
        );
        assert_expected("ch10-exports.txt", &format!("{}\n", report.join("\n")));
    }
}
