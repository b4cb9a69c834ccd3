pub mod static_greeting {
    use wasmtime::{Engine, Module};

    /// To wasm, a Rust function returning a pointer or a `usize` returns an
    /// `i32`: the host never sees a pointer type.
    #[test]
    fn pointers_and_lengths_are_i32s() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH01_STATIC_GREETING)?;
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

/// The versions the introduction shows (`expected/ch01-introduction/versions.txt`)
/// are the ones the tests run with: read from the pins, the lock files and
/// the rooms' manifests.
pub mod versions {
    use book_harness::expected::assert_expected;

    #[test]
    fn the_introduction_shows_the_pinned_versions() {
        let read =
            |path: &str| std::fs::read_to_string(book_harness::repo_root().join(path)).expect(path);
        let value_after = |text: &str, key: &str| -> String {
            text.lines()
                .find_map(|line| line.trim().strip_prefix(key))
                .unwrap_or_else(|| panic!("no `{key}`"))
                .trim()
                .trim_matches('"')
                .to_owned()
        };
        let rust = value_after(&read("rust-toolchain.toml"), "channel =");
        let lock = read("Cargo.lock");
        let locked = |lock: &str, name: &str| {
            let entry = lock
                .split("[[package]]")
                .find(|entry| entry.contains(&format!("\nname = \"{name}\"\n")))
                .unwrap_or_else(|| panic!("{name} is not in the lock file"));
            value_after(entry, "version =")
        };
        let wasmtime = locked(&lock, "wasmtime");
        // The builder's, pinned exactly at the root (wasmtime's macros lock
        // another release of it).
        let wit_component = value_after(&read("Cargo.toml"), "wit-component =")
            .trim_start_matches('=')
            .to_owned();
        let listings_lock = read("listings/Cargo.lock");
        let wit_bindgen = locked(&listings_lock, "wit-bindgen");
        let extism_pdk = locked(&listings_lock, "extism-pdk");
        // What a room's package.json pins, exactly, among its devDependencies.
        let pinned_in = |manifest: &str, package: &str| -> String {
            let json: serde_json::Value = serde_json::from_str(&read(manifest)).expect("JSON");
            json["devDependencies"][package]
                .as_str()
                .unwrap_or_else(|| panic!("{manifest} pins no {package}"))
                .to_owned()
        };
        let jco = pinned_in("harness/js/package.json", "@bytecodealliance/jco");
        let tools = read("ci/tools.env");
        let mdbook = value_after(&tools, "MDBOOK_VERSION=");
        let mermaid = value_after(&tools, "MDBOOK_MERMAID_VERSION=");
        let tabs = value_after(&tools, "MDBOOK_TABS_VERSION=");
        let go = value_after(&tools, "GO_VERSION=");
        let wasm_bindgen = value_after(&tools, "WASM_BINDGEN_VERSION=");
        let nightly = value_after(&tools, "RUST_NIGHTLY=");
        let playwright = pinned_in("harness/browser/package.json", "playwright-core");
        let go_requirement = |go_mod: &str, module: &str| -> String {
            read(go_mod)
                .lines()
                .map(|line| line.trim().trim_start_matches("require").trim())
                .find_map(|line| line.strip_prefix(module))
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("no requirement of {module} in {go_mod}"))
                .to_owned()
        };
        let wazero = go_requirement(
            "crates/go/wazerohost/go.mod",
            "github.com/tetratelabs/wazero ",
        );
        let extism_go_sdk = go_requirement("harness/go/go.mod", "github.com/extism/go-sdk ");
        let assemblyscript = pinned_in("ci/assemblyscript/package.json", "assemblyscript");
        // Every Node release the JavaScript hosts run on (`ci/test js` runs each).
        let node_manifest: serde_json::Value =
            serde_json::from_str(&read("ci/node/package.json")).expect("JSON");
        let node = node_manifest["devDependencies"]
            .as_object()
            .expect("the pinned Node releases")
            .values()
            .filter_map(|spec| {
                spec.as_str()?
                    .rsplit_once('@')
                    .map(|(_, version)| version.to_owned())
            })
            .collect::<Vec<_>>()
            .join(" and ");
        assert_expected(
            "ch01-introduction/versions.txt",
            &format!(
                "| What | Version |\n\
                 |---|---|\n\
                 | Rust toolchain (guests and hosts) | {rust} |\n\
                 | Rust guest target | `wasm32-unknown-unknown` |\n\
                 | Rust nightly (the wasm64 guest, `-Z build-std`) | {nightly} |\n\
                 | wasmtime (the Rust host) | {wasmtime} |\n\
                 | wazero (the Go host) | {wazero} |\n\
                 | Go (Go guests, `GOOS=wasip1`) | {go} |\n\
                 | AssemblyScript | {assemblyscript} |\n\
                 | TinyGo | not installed; not executed |\n\
                 | wasm-bindgen (crate and CLI) | {wasm_bindgen} |\n\
                 | wit-bindgen (the component guest) | {wit_bindgen} |\n\
                 | wit-component (makes the component) | {wit_component} |\n\
                 | jco (the component in Node) | {jco} |\n\
                 | extism-pdk (the Extism plug-in) | {extism_pdk} |\n\
                 | Extism's Go SDK (the Extism host) | {extism_go_sdk} |\n\
                 | Node.js (JavaScript hosts) | {node}, pinned in `ci/node/package.json` |\n\
                 | Node.js (asc, the browser tests' driver) | the machine's, 20 or later |\n\
                 | Chromium (browser tests) | Debian's, driven by playwright-core {playwright} |\n\
                 | mdBook | {mdbook}, with mdbook-mermaid {mermaid} and mdbook-tabs {tabs} |\n"
            ),
        );
    }
}
