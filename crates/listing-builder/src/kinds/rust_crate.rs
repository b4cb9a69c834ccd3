//! `chNN-chapter/listing/Cargo.toml`: a crate of the cargo workspace
//! `listings/`, named `chNN-listing`, a `cdylib`. All of them compile in one
//! nested `cargo build --release --target wasm32-unknown-unknown`, whose
//! JSON messages say where each `.wasm` is; cargo's dep-info says what
//! each was built from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::{CrateType, Message, Metadata, MetadataCommand, Package, PackageId};

use super::{Kind, component, output_dir, wasm_bindgen};
use crate::error::MissingTool;
use crate::layout::file_name;
use crate::{Artifact, Built, Config, Error, Listing, command};

/// The target every Rust listing is compiled for.
pub(crate) const GUEST_TARGET: &str = "wasm32-unknown-unknown";

/// What to do when `--locked` refuses a lock file that no longer fits.
const LOCK_HINT: &str = "If cargo says the lock file needs updating (after you added a listing or a \
     dependency), run `cargo update --workspace --manifest-path listings/Cargo.toml`.";

pub(crate) struct RustCrate;

impl Kind for RustCrate {
    fn name(&self) -> &'static str {
        "rust"
    }

    fn looks_like(&self) -> &'static str {
        "a folder with a `Cargo.toml` (a Rust crate)"
    }

    fn recognize(&self, entry: &Path) -> Option<String> {
        entry.join("Cargo.toml").is_file().then(|| file_name(entry))
    }

    fn build(&self, listings: &[&Listing], config: &Config) -> Result<Built, Error> {
        require_target(config)?;
        let metadata = workspace_metadata(config)?;
        let packages = packages_of(listings, &metadata)?;
        let mut wasm_files = cargo_build(config)?;

        let dir = output_dir(config, self.name())?;
        let mut built = Built {
            inputs: manifests(config, &metadata),
            ..Built::default()
        };
        for (listing, package) in listings.iter().zip(packages) {
            let compiled = wasm_files.remove(&package.id).ok_or_else(|| {
                Error::Internal(format!("cargo reported no .wasm for {}", package.name))
            })?;
            built
                .inputs
                .extend(read_dep_info(&compiled.with_extension("d"))?);
            // The artifact lives in the artifacts folder, like every other: the nested
            // target folder is only cargo's cache.
            let wasm = dir.join(format!("{}.wasm", listing.stem()));
            std::fs::copy(&compiled, &wasm).map_err(Error::io(&wasm))?;
            if depends_on(package, "wasm-bindgen") {
                let versions = resolved_versions(&metadata, "wasm-bindgen");
                let glue = wasm_bindgen::generate(listing, &compiled, &versions, config)?;
                built.artifacts.extend(glue.artifacts);
                built.inputs.extend(glue.inputs);
            }
            if depends_on(package, "wit-bindgen") {
                let wrapped = component::encode(listing, &compiled, config)?;
                built.artifacts.extend(wrapped.artifacts);
                built.inputs.extend(wrapped.inputs);
            }
            built.artifacts.push(Artifact {
                name: listing.constant(),
                path: wasm,
                source: listing.source.clone(),
                description: format!(
                    "The crate `{}`, compiled for `{GUEST_TARGET}`.",
                    listing.source
                ),
            });
        }
        Ok(built)
    }
}

/// Fails with the fix, rather than with a page of "can't find crate for
/// `core`", when the wasm target is not installed.
fn require_target(config: &Config) -> Result<(), Error> {
    let mut rustc = Command::new(&config.tools.rustc);
    rustc.args(["--print", "sysroot"]);
    let output = command::run(&mut rustc, None)?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if sysroot.join("lib/rustlib").join(GUEST_TARGET).is_dir() {
        Ok(())
    } else {
        Err(Error::MissingTool(Box::new(MissingTool {
            tool: format!("The Rust target {GUEST_TARGET}"),
            path: sysroot,
            set_by: "the sysroot of the toolchain cargo runs".to_owned(),
            install: format!("run `{}` to install it", config.tools.installer),
            needed_by: "The Rust listings".to_owned(),
            detail: Some(format!("(or `rustup target add {GUEST_TARGET}`)")),
        })))
    }
}

/// A cargo command in `listings/`, with nothing of the outer build's
/// set-up: not its flags, profile or target folder, and not clippy's
/// wrapper under `cargo clippy` (the guests get their own clippy run, for
/// their own target). The jobserver stays, so both builds share the cores.
fn nested_cargo(config: &Config, mut command: Command) -> Command {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PROFILE_")
            || key.starts_with("CARGO_BUILD_")
            || matches!(
                &*key,
                "CARGO_ENCODED_RUSTFLAGS"
                    | "RUSTFLAGS"
                    | "RUSTC_WORKSPACE_WRAPPER"
                    | "CARGO_TARGET_DIR"
            )
        {
            command.env_remove(&*key);
        }
    }
    command
        .current_dir(&config.listings_dir)
        .env("CARGO_TARGET_DIR", &config.cargo_target_dir);
    command
}

fn workspace_metadata(config: &Config) -> Result<Metadata, Error> {
    let metadata = MetadataCommand::new()
        .cargo_path(&config.tools.cargo)
        .manifest_path(config.listings_dir.join("Cargo.toml"))
        .other_options(vec!["--locked".to_owned()])
        .cargo_command();
    let mut metadata = nested_cargo(config, metadata);
    let output = command::run(&mut metadata, Some(LOCK_HINT))?;
    MetadataCommand::parse(String::from_utf8_lossy(&output.stdout)).map_err(|error| {
        Error::ToolOutput {
            command: command::describe(&metadata),
            message: error.to_string(),
        }
    })
}

/// The workspace package of each listing, checked: named after the
/// listing, and a `cdylib`.
fn packages_of<'m>(
    listings: &[&Listing],
    metadata: &'m Metadata,
) -> Result<Vec<&'m Package>, Error> {
    let members = metadata.workspace_packages();
    let mut problems = Vec::new();
    let mut packages = Vec::new();
    for listing in listings {
        let manifest = canonical(&listing.path.join("Cargo.toml"));
        let Some(package) = members
            .iter()
            .find(|package| canonical(package.manifest_path.as_std_path()) == manifest)
        else {
            problems.push(format!(
                "`{}` is not a member of the cargo workspace in listings/Cargo.toml (is it in \
                 `exclude`?)",
                listing.source
            ));
            continue;
        };
        if package.name.as_str() != listing.name() {
            problems.push(format!(
                "`{}`: the crate must be named `{}`, after its chapter and folder (it is `{}`)",
                listing.source,
                listing.name(),
                package.name
            ));
        }
        let is_cdylib = package
            .targets
            .iter()
            .any(|target| target.crate_types.contains(&CrateType::CDyLib));
        if !is_cdylib {
            problems.push(format!(
                "`{}`: a guest is a `cdylib`: add `[lib] crate-type = [\"cdylib\"]` to its Cargo.toml",
                listing.source
            ));
        }
        packages.push(*package);
    }
    if problems.is_empty() {
        Ok(packages)
    } else {
        Err(Error::Layout(problems))
    }
}

/// Builds the workspace; returns each package's `.wasm`.
fn cargo_build(config: &Config) -> Result<BTreeMap<PackageId, PathBuf>, Error> {
    let mut build = Command::new(&config.tools.cargo);
    build.args([
        "build",
        "--release",
        "--locked",
        "--workspace",
        "--target",
        GUEST_TARGET,
    ]);
    build.arg("--message-format=json-render-diagnostics");
    let mut build = nested_cargo(config, build);
    // A guest that depends on the utility's crate (`crates/`, outside the
    // workspace) holds its path in panic locations, and so the addresses of
    // its static data would depend on where the repository is checked out.
    // With paths from the repository's root, the data is the same in every
    // checkout. (Not every byte: cargo hashes the crate's absolute path into
    // its symbols, so the name section differs, and in one guest of 37,
    // ch16-buffers, the order of its functions.)
    build.env(
        "CARGO_ENCODED_RUSTFLAGS",
        format!("--remap-path-prefix={}=.", config.repo_root.display()),
    );
    let output = command::run(&mut build, Some(LOCK_HINT))?;
    let mut wasm_files = BTreeMap::new();
    for message in Message::parse_stream(output.stdout.as_slice()) {
        let message = message.map_err(|error| Error::ToolOutput {
            command: command::describe(&build),
            message: error.to_string(),
        })?;
        let Message::CompilerArtifact(artifact) = message else {
            continue;
        };
        // The library, not a `[[bin]]` that a crate may also have.
        if artifact.target.crate_types.contains(&CrateType::CDyLib) {
            for file in artifact
                .filenames
                .iter()
                .filter(|file| file.extension() == Some("wasm"))
            {
                wasm_files.insert(
                    artifact.package_id.clone(),
                    file.clone().into_std_path_buf(),
                );
            }
        }
    }
    Ok(wasm_files)
}

fn depends_on(package: &Package, name: &str) -> bool {
    package
        .dependencies
        .iter()
        .any(|dependency| dependency.name == name)
}

/// What cargo reads besides the sources that dep-info names: the lock file,
/// the configuration, and the manifests of every local package (the
/// listings and their path dependencies), with the workspace manifests they
/// inherit from, up to the repository root.
fn manifests(config: &Config, metadata: &Metadata) -> Vec<PathBuf> {
    let mut files = vec![
        config.listings_dir.join("Cargo.lock"),
        config.listings_dir.join(".cargo/config.toml"),
    ];
    for package in metadata
        .packages
        .iter()
        .filter(|package| package.source.is_none())
    {
        let manifest = package.manifest_path.as_std_path();
        files.extend(
            manifest
                .ancestors()
                .skip(1)
                .take_while(|dir| dir.starts_with(&config.repo_root))
                .map(|dir| dir.join("Cargo.toml")),
        );
    }
    files.retain(|file| file.is_file());
    files.sort();
    files.dedup();
    files
}

/// Every version of `name` the lock file resolves.
fn resolved_versions(metadata: &Metadata, name: &str) -> Vec<String> {
    metadata
        .packages
        .iter()
        .filter(|package| package.name.as_str() == name)
        .map(|package| package.version.to_string())
        .collect()
}

/// The files a dep-info file (`target: dep dep...`, as rustc writes it)
/// names, including those outside `listings/` (path dependencies).
fn read_dep_info(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    Ok(parse_dep_info(&text))
}

fn parse_dep_info(text: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for line in text.lines() {
        let Some((_, deps)) = line.split_once(": ") else {
            continue;
        };
        // Paths are separated by spaces; a space inside a path is `\ `.
        let deps = deps.replace("\\ ", "\0");
        files.extend(
            deps.split(' ')
                .filter(|dep| !dep.is_empty())
                .map(|dep| PathBuf::from(dep.replace('\0', " "))),
        );
    }
    files.sort();
    files.dedup();
    files
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{config_for, listing_at, tree};

    #[test]
    fn dep_info_names_every_file_once() {
        let text = "/t/release/ch03_sum_bytes.wasm: /l/src/lib.rs /g/src/lib.rs\n\
                    /t/release/ch03_sum_bytes.d: /l/src/lib.rs /my\\ dir/a.rs\n";
        assert_eq!(
            parse_dep_info(text),
            ["/g/src/lib.rs", "/l/src/lib.rs", "/my dir/a.rs"].map(PathBuf::from)
        );
    }

    #[test]
    fn a_crate_is_named_after_its_listing_and_is_a_cdylib() {
        let manifest = |name: &str, lib: &str| {
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n{lib}")
        };
        let root = tree(&[
            (
                "listings/Cargo.toml",
                "[workspace]\nresolver = \"3\"\nmembers = [\"ch*/*\"]\n",
            ),
            (
                "listings/Cargo.lock",
                "version = 4\n\n[[package]]\nname = \"ch03-good\"\nversion = \"0.1.0\"\n\n\
                 [[package]]\nname = \"ch03-rlib\"\nversion = \"0.1.0\"\n\n\
                 [[package]]\nname = \"wrong-name\"\nversion = \"0.1.0\"\n",
            ),
            (
                "listings/ch03-in/good/Cargo.toml",
                &manifest("ch03-good", "[lib]\ncrate-type = [\"cdylib\"]\n"),
            ),
            ("listings/ch03-in/good/src/lib.rs", ""),
            (
                "listings/ch03-in/rlib/Cargo.toml",
                &manifest("ch03-rlib", ""),
            ),
            ("listings/ch03-in/rlib/src/lib.rs", ""),
            (
                "listings/ch03-in/named/Cargo.toml",
                &manifest("wrong-name", "[lib]\ncrate-type = [\"cdylib\"]\n"),
            ),
            ("listings/ch03-in/named/src/lib.rs", ""),
        ]);
        let config = config_for(&root);
        let metadata = workspace_metadata(&config).unwrap();
        // What cargo reads besides the sources: every manifest, the lock file.
        let relative: Vec<String> = manifests(&config, &metadata)
            .iter()
            .map(|file| {
                file.strip_prefix(root.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            relative,
            [
                "listings/Cargo.lock",
                "listings/Cargo.toml",
                "listings/ch03-in/good/Cargo.toml",
                "listings/ch03-in/named/Cargo.toml",
                "listings/ch03-in/rlib/Cargo.toml",
            ]
        );
        let good = listing_at(&root, "listings/ch03-in/good", "rust");
        assert_eq!(
            packages_of(&[&good], &metadata).unwrap()[0].name.as_str(),
            "ch03-good"
        );

        let rlib = listing_at(&root, "listings/ch03-in/rlib", "rust");
        let named = listing_at(&root, "listings/ch03-in/named", "rust");
        let Err(Error::Layout(problems)) = packages_of(&[&rlib, &named], &metadata) else {
            panic!("both are refused");
        };
        assert_eq!(
            problems,
            [
                "`listings/ch03-in/rlib`: a guest is a `cdylib`: add `[lib] crate-type = [\"cdylib\"]` to its Cargo.toml",
                "`listings/ch03-in/named`: the crate must be named `ch03-named`, after its chapter and folder (it is `wrong-name`)",
            ]
        );
    }

    #[test]
    fn a_missing_target_says_how_to_add_it() {
        let root = tree(&[(
            "fake-rustc.sh",
            "#!/bin/sh\necho \"$(dirname \"$0\")/sysroot\"\n",
        )]);
        let mut config = config_for(&root);
        config.tools.rustc = root.path().join("fake-rustc.sh");
        make_executable(&config.tools.rustc);
        let error = require_target(&config).unwrap_err().to_string();
        assert!(
            error.starts_with("The Rust target wasm32-unknown-unknown is not installed at "),
            "{error}"
        );
        assert!(
            error.ends_with(
                "run `ci/setup` to install it. The Rust listings need it.\n\
                 (or `rustup target add wasm32-unknown-unknown`)"
            ),
            "{error}"
        );
    }

    fn make_executable(path: &Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
