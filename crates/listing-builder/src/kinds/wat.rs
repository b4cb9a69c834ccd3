//! `chNN-chapter/listing.wat`: a module written by hand in the text format,
//! assembled in process with the `wat` crate (in less time than a freshness
//! check would save, so always).

use std::path::Path;

use super::{Kind, file_with_extension, output_dir};
use crate::{Built, Config, Error, Listing, build_in_parallel};

pub(crate) struct Wat;

impl Kind for Wat {
    fn name(&self) -> &'static str {
        "wat"
    }

    fn looks_like(&self) -> &'static str {
        "a `.wat` file (the text format)"
    }

    fn recognize(&self, entry: &Path) -> Option<String> {
        file_with_extension(entry, "wat")
    }

    fn build(&self, listings: &[&Listing], config: &Config) -> Result<Built, Error> {
        let dir = output_dir(config, self.name())?;
        build_in_parallel(listings, |listing| {
            let wasm = dir.join(format!("{}.wasm", listing.stem()));
            let binary = wat::parse_file(&listing.path).map_err(|error| Error::Listing {
                listing: listing.source.clone(),
                message: format!("cannot assemble it:\n{error}"),
            })?;
            std::fs::write(&wasm, binary).map_err(Error::io(&wasm))?;
            let description = format!("`{}`, assembled to binary.", listing.source);
            Ok(Built::one(
                listing,
                wasm,
                description,
                vec![listing.path.clone()],
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{config_for, listing_at, tree};

    #[test]
    fn assembles_into_out_dir() {
        let root = tree(&[(
            "listings/ch04-out/packing.wat",
            "(module (func (export \"f\")))",
        )]);
        let config = config_for(&root);
        let listing = listing_at(&root, "listings/ch04-out/packing.wat", "wat");
        let built = Wat.build(&[&listing], &config).unwrap();
        let wasm = std::fs::read(&built.artifacts[0].path).unwrap();
        assert!(wasm.starts_with(b"\0asm"));
        assert_eq!(built.artifacts[0].name, "CH04_PACKING");
        assert_eq!(built.inputs, [listing.path]);
    }

    #[test]
    fn a_syntax_error_names_the_file_and_the_line() {
        let root = tree(&[(
            "listings/ch04-out/broken.wat",
            "(module\n  (func (export \"f\") nonsense))",
        )]);
        let config = config_for(&root);
        let listing = listing_at(&root, "listings/ch04-out/broken.wat", "wat");
        let error = Wat.build(&[&listing], &config).unwrap_err().to_string();
        assert!(
            error.starts_with("listings/ch04-out/broken.wat: cannot assemble it:\n"),
            "{error}"
        );
        assert!(error.contains(":2:"), "the line of the mistake: {error}");
    }
}
