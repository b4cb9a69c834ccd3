//! A Rust listing that depends on `wasm-bindgen` also gets the JavaScript
//! glue that the pinned `wasm-bindgen` CLI generates, for Node.js and for
//! browsers: two more artifacts, each a folder.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Artifact, Built, Config, Error, Listing, freshness};

/// The glue the book runs: for Node (CommonJS) and for browsers (ES module).
const TARGETS: [&str; 2] = ["nodejs", "web"];

const NEEDED_BY: &str = "The listings that use wasm-bindgen";

/// Generates the glue of `listing`, compiled to `compiled`, whose lock file
/// resolves the `wasm-bindgen` crate to `crate_versions`.
pub(crate) fn generate(
    listing: &Listing,
    compiled: &Path,
    crate_versions: &[String],
    config: &Config,
) -> Result<Built, Error> {
    let tools = &config.tools;
    let cli = &tools.wasm_bindgen;
    let version = tools.check_version(cli, &["--version"], &[], NEEDED_BY, |stdout, pinned| {
        stdout == format!("wasm-bindgen {pinned}")
    })?;
    let pinned = cli.pinned.as_deref().ok_or_else(|| {
        Error::Internal("the wasm-bindgen CLI has no pinned version to match the crate".to_owned())
    })?;
    require_matching_crate(&listing.source, crate_versions, pinned)?;

    let mut built = Built::default();
    let inputs: Vec<PathBuf> = vec![compiled.to_owned(), cli.path.clone()];
    for target in TARGETS {
        let glue = config
            .artifacts_dir
            .join("bindgen")
            .join(listing.stem())
            .join(target);
        std::fs::create_dir_all(&glue).map_err(Error::io(&glue))?;
        let mut bindgen = Command::new(&cli.path);
        bindgen
            .args(["--target", target, "--out-dir"])
            .arg(&glue)
            .arg(compiled);
        freshness::run_unless_fresh(&mut bindgen, &glue, &inputs, &version)?;
        built.artifacts.push(Artifact {
            name: format!("{}_{}", listing.constant(), target.to_uppercase()),
            path: glue,
            source: listing.source.clone(),
            description: format!(
                "The JavaScript glue and wasm that `wasm-bindgen --target {target}` generated \
                 for `{}`: a folder.",
                listing.name()
            ),
        });
    }
    built.inputs = inputs;
    Ok(built)
}

/// The glue and the crate must be the same version, exactly.
fn require_matching_crate(
    source: &str,
    crate_versions: &[String],
    pinned: &str,
) -> Result<(), Error> {
    if !crate_versions.is_empty() && crate_versions.iter().all(|version| version == pinned) {
        return Ok(());
    }
    Err(Error::Listing {
        listing: source.to_owned(),
        message: format!(
            "listings/Cargo.lock locks the wasm-bindgen crate at {}, but the wasm-bindgen CLI is \
             pinned to {pinned} (ci/tools.env): the glue and the crate must match exactly",
            if crate_versions.is_empty() {
                "no version".to_owned()
            } else {
                crate_versions.join(" and ")
            }
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_and_the_cli_must_match() {
        let source = "listings/ch10-bindgen/greeter";
        assert!(require_matching_crate(source, &["0.2.129".to_owned()], "0.2.129").is_ok());
        let error = require_matching_crate(source, &["0.2.130".to_owned()], "0.2.129").unwrap_err();
        assert_eq!(
            error.to_string(),
            "listings/ch10-bindgen/greeter: listings/Cargo.lock locks the wasm-bindgen crate at \
             0.2.130, but the wasm-bindgen CLI is pinned to 0.2.129 (ci/tools.env): the glue and \
             the crate must match exactly"
        );
    }
}
