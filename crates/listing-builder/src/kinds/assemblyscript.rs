//! `chNN-chapter/listing.ts`: an AssemblyScript module, compiled by the
//! pinned `asc` (run by Node.js) with the incremental garbage collector.

use std::path::Path;
use std::process::Command;

use super::{Kind, file_with_extension, output_dir};
use crate::{Built, Config, Error, Listing, build_in_parallel, freshness};

// ANCHOR: asc_flags
/// How every AssemblyScript listing is built: the incremental garbage
/// collector, with its entry points (`__new`, `__pin`, `__unpin`,
/// `__collect`) exported to the host, and the JavaScript bindings asc
/// generates (`listing.js` beside `listing.wasm`, which they do not change).
const ASC_FLAGS: &[&str] = &[
    "--runtime",
    "incremental",
    "--exportRuntime",
    "--optimizeLevel",
    "2",
    "--bindings",
    "esm",
];
// ANCHOR_END: asc_flags

const NEEDED_BY: &str = "The AssemblyScript listings";

pub(crate) struct AssemblyScript;

impl Kind for AssemblyScript {
    fn name(&self) -> &'static str {
        "assemblyscript"
    }

    fn looks_like(&self) -> &'static str {
        "a `.ts` file (AssemblyScript)"
    }

    fn recognize(&self, entry: &Path) -> Option<String> {
        file_with_extension(entry, "ts")
    }

    fn build(&self, listings: &[&Listing], config: &Config) -> Result<Built, Error> {
        let tools = &config.tools;
        tools.require_file(&tools.asc, NEEDED_BY)?;
        let node = tools.check_version(&tools.node, &["--version"], &[], NEEDED_BY, |_, _| true)?;
        let dir = output_dir(config, self.name())?;
        // The compiler's version is in its package's package.json, beside
        // `bin/`: a reinstall at another version rewrites it.
        let asc_package = tools.asc.path.with_file_name("../package.json");
        build_in_parallel(listings, |listing| {
            let wasm = dir.join(format!("{}.wasm", listing.stem()));
            let mut asc = Command::new(&tools.node.path);
            asc.arg(&tools.asc.path)
                .arg(&listing.path)
                .args(ASC_FLAGS)
                .arg("--outFile")
                .arg(&wasm);
            let inputs = vec![
                listing.path.clone(),
                tools.asc.path.clone(),
                asc_package.clone(),
            ];
            freshness::run_unless_fresh(&mut asc, &wasm, &inputs, &format!("node {node}"))?;
            let description = format!(
                "`{}`, compiled by AssemblyScript with the incremental GC.",
                listing.source
            );
            Ok(Built::one(listing, wasm, description, inputs))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{config_for, listing_at, tree};

    #[test]
    fn without_the_compiler_it_says_how_to_install_it() {
        let root = tree(&[("listings/ch06-gc/as-greeter.ts", "")]);
        let config = config_for(&root);
        let listing = listing_at(&root, "listings/ch06-gc/as-greeter.ts", "assemblyscript");
        let error = AssemblyScript.build(&[&listing], &config).unwrap_err();
        assert_eq!(
            error.to_string(),
            "AssemblyScript's asc.js is not installed at /no/asc.js (a test): run `ci/setup` \
             to install it. The AssemblyScript listings need it."
        );
    }

    #[test]
    fn runs_asc_once_then_skips_the_fresh_artifact() {
        let root = tree(&[
            (
                "listings/ch06-gc/as-greeter.ts",
                "export function f(): void {}",
            ),
            // A stand-in for the assemblyscript package: its `bin/asc.js`
            // writes what it was asked to, and counts its runs.
            ("assemblyscript/package.json", "{\"version\": \"0.0.0\"}"),
            (
                "assemblyscript/bin/asc.js",
                "echo run >> \"$(dirname \"$0\")/../runs\"; \
                 while [ \"$1\" != --outFile ]; do shift; done; printf '\\0asm' > \"$2\"",
            ),
        ]);
        let mut config = config_for(&root);
        config.tools.asc.path = root.path().join("assemblyscript/bin/asc.js");
        let listing = listing_at(&root, "listings/ch06-gc/as-greeter.ts", "assemblyscript");

        let built = AssemblyScript.build(&[&listing], &config).unwrap();
        assert_eq!(std::fs::read(&built.artifacts[0].path).unwrap(), b"\0asm");
        AssemblyScript.build(&[&listing], &config).unwrap();
        let runs = std::fs::read_to_string(root.path().join("assemblyscript/runs")).unwrap();
        assert_eq!(runs.lines().count(), 1, "the second build found it fresh");
    }
}
