pub mod static_greeting {
    use wasmtime::{Engine, Module};

    /// To wasm, a Rust function returning a pointer or a `usize` returns an
    /// `i32`: the host never sees a pointer type.
    #[test]
    fn pointers_and_lengths_are_i32s() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_listings::CH01_STATIC_GREETING)?;
        for export in ["greeting_ptr", "greeting_len"] {
            let ty = module
                .get_export(export)
                .and_then(|ty| ty.func().cloned())
                .unwrap_or_else(|| panic!("`{export}` is an exported function"));
            assert_eq!(ty.params().count(), 0, "{export}");
            let results: Vec<String> = ty.results().map(|ty| ty.to_string()).collect();
            assert_eq!(results, ["i32"], "{export}");
        }
        Ok(())
    }
}
