//! A Rust listing that depends on `wit-bindgen` also becomes a component:
//! the core module carries its WIT world in a custom section (the
//! `generate!` macro puts it there), and `wit-component` wraps the module
//! in a component that lifts and lowers every export and import through
//! the canonical ABI. One more artifact, `<CONSTANT>_COMPONENT`, made in
//! process in less time than a freshness check would save.

use std::path::Path;

use crate::{Artifact, Built, Config, Error, Listing};

/// Encodes the core module `compiled` of `listing` as a component in
/// `<artifacts_dir>/component/`.
pub(crate) fn encode(listing: &Listing, compiled: &Path, config: &Config) -> Result<Built, Error> {
    let core = std::fs::read(compiled).map_err(Error::io(compiled))?;
    let component = wit_component::ComponentEncoder::default()
        .module(&core)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|error| Error::Listing {
            listing: listing.source.clone(),
            // `{:#}` keeps anyhow's chain of causes on one line each.
            message: format!("wit-component cannot make it a component: {error:#}"),
        })?;
    let dir = super::output_dir(config, "component")?;
    let path = dir.join(format!("{}.component.wasm", listing.stem()));
    std::fs::write(&path, component).map_err(Error::io(&path))?;
    Ok(Built {
        artifacts: vec![Artifact {
            name: format!("{}_COMPONENT", listing.constant()),
            path,
            source: listing.source.clone(),
            description: format!(
                "`{}` as a component: its core module wrapped by `wit-component`.",
                listing.name()
            ),
        }],
        inputs: vec![compiled.to_owned()],
    })
}
