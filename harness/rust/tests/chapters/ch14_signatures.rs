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

    /// Somewhere in the guest's memory the host may scribble on: the last
    /// 64 bytes of its first page, past the guest's data (the stack grows
    /// down from 1 MiB, and these guests allocate nothing).
    const SCRATCH: u32 = 65_536 - 64;

    #[test]
    fn a_struct_result_is_written_through_a_hidden_first_parameter() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate()?;
        let make_pair = instance.get_typed_func::<(u32, u32, u32), ()>(&mut store, "make_pair")?;
        make_pair.call(&mut store, (SCRATCH, 3, 4))?; // out-pointer first
        let mut pair = [0u8; 8];
        memory.read(&store, SCRATCH as usize, &mut pair)?;
        assert_eq!(pair, [3, 0, 0, 0, 4, 0, 0, 0]);
        Ok(())
    }

    #[test]
    fn a_struct_parameter_is_passed_as_the_address_of_a_copy() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate()?;
        // ANCHOR: call_by_value
        memory.write(&mut store, SCRATCH as usize, &[3, 0, 0, 0, 4, 0, 0, 0])?;
        let sum_pair = instance.get_typed_func::<u32, u32>(&mut store, "sum_pair")?;
        assert_eq!(sum_pair.call(&mut store, SCRATCH)?, 7);
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
        let greeting = instance.get_typed_func::<u32, ()>(&mut store, "greeting")?;
        greeting.call(&mut store, SCRATCH)?;
        let mut words = [0u8; 12];
        memory.read(&store, SCRATCH as usize, &mut words)?;
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
        let hash = regex::Regex::new("_[0-9a-f]{16}$").expect("a valid pattern");
        Some(hash.replace(name, "_<hash>").into_owned())
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
