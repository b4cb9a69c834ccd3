//! `chNN-chapter/listing/*.go`: a Go `main` package of the module
//! `listings/go.mod`, compiled by the pinned Go for `wasip1` as a reactor.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use super::{Kind, output_dir};
use crate::layout::{entries, file_name};
use crate::{Built, Config, Error, Listing, build_in_parallel, command, freshness};

// ANCHOR: go_build
/// How every Go listing is built: a WASI preview 1 reactor, whose exports
/// the host calls after `_initialize`.
const GO_BUILD: &[&str] = &["build", "-buildmode=c-shared", "-trimpath"];
const GO_ENV: &[(&str, &str)] = &[
    ("GOOS", "wasip1"),
    ("GOARCH", "wasm"),
    ("GOTOOLCHAIN", "local"),
];
// ANCHOR_END: go_build

const NEEDED_BY: &str = "The Go listings";

pub(crate) struct GoPackage;

impl Kind for GoPackage {
    fn name(&self) -> &'static str {
        "go"
    }

    fn looks_like(&self) -> &'static str {
        "a folder of `.go` files (a Go `main` package)"
    }

    fn recognize(&self, entry: &Path) -> Option<String> {
        let has_go_files = entry.is_dir()
            && entries(entry)
                .ok()?
                .iter()
                .any(|file| file.extension().is_some_and(|ext| ext == "go"));
        has_go_files.then(|| file_name(entry))
    }

    /// The folder holds only `.go` files (cargo watches it whole, so
    /// anything else would rebuild the listings for nothing), and, since
    /// the cargo workspace's `members = ["ch*/*"]` matches it too, the
    /// workspace excludes it.
    fn check_layout(&self, listing: &Listing, listings_dir: &Path) -> Result<(), String> {
        let others: Vec<String> = entries(&listing.path)
            .map_err(|error| error.to_string())?
            .iter()
            .filter(|file| !file.is_file() || file.extension().is_none_or(|ext| ext != "go"))
            .map(|file| file_name(file))
            .collect();
        if !others.is_empty() {
            return Err(format!(
                "a Go listing's folder holds only its `.go` files, not {}; expected outputs go \
                 beside the tests that compare them",
                others.join(", ")
            ));
        }
        let manifest = listings_dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            return Ok(()); // no cargo workspace that could claim the folder
        };
        let workspace: CargoWorkspace = toml::from_str(&text)
            .map_err(|error| format!("cannot read {}: {error}", manifest.display()))?;
        let path = format!("{}/{}", listing.chapter, listing.slug);
        let excluded = workspace
            .workspace
            .is_some_and(|workspace| workspace.exclude.contains(&path));
        if excluded {
            Ok(())
        } else {
            Err(format!(
                "add \"{path}\" to `exclude` in listings/Cargo.toml, or cargo will look for a \
                 Cargo.toml in this Go package"
            ))
        }
    }

    fn build(&self, listings: &[&Listing], config: &Config) -> Result<Built, Error> {
        let tools = &config.tools;
        let version = tools.check_version(
            &tools.go,
            &["version"],
            &[("GOTOOLCHAIN", "local")],
            NEEDED_BY,
            |stdout, pinned| stdout.starts_with(&format!("go version go{pinned} ")),
        )?;
        let dir = output_dir(config, self.name())?;
        build_in_parallel(listings, |listing| {
            let wasm = dir.join(format!("{}.wasm", listing.stem()));
            let package = format!("./{}/{}", listing.chapter, listing.slug);
            let inputs = package_inputs(config, &package)?;
            let mut go = self.command(config);
            go.args(GO_BUILD).arg("-o").arg(&wasm).arg(&package);
            freshness::run_unless_fresh(&mut go, &wasm, &inputs, &version)?;
            let description = format!(
                "The Go package `{}`, compiled for `wasip1` as a reactor.",
                listing.source
            );
            Ok(Built::one(listing, wasm, description, inputs))
        })
    }
}

impl GoPackage {
    /// The pinned Go, in the listings' module, for wasip1.
    fn command(&self, config: &Config) -> Command {
        let mut go = Command::new(&config.tools.go.path);
        go.current_dir(&config.listings_dir)
            .envs(GO_ENV.iter().copied())
            // A go.work elsewhere must not change what the module means.
            .env("GOWORK", "off");
        go
    }
}

/// The fields of `go list -json` that say what a package is built from.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GoListPackage {
    dir: PathBuf,
    #[serde(default)]
    go_files: Vec<String>,
    #[serde(default)]
    embed_files: Vec<String>,
    #[serde(default)]
    s_files: Vec<String>,
    #[serde(default)]
    standard: bool,
    module: Option<GoModule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GoModule {
    go_mod: Option<PathBuf>,
}

#[derive(Deserialize)]
struct CargoWorkspace {
    workspace: Option<WorkspaceTable>,
}

#[derive(Deserialize)]
struct WorkspaceTable {
    #[serde(default)]
    exclude: Vec<String>,
}

/// Every file `package` is built from: its `.go` files and those of the
/// packages it imports that are not Go's own (the book's Go packages in
/// `crates/go`, through the `replace` in `listings/go.mod`), their folders
/// (where a new file would be noticed), and their modules' `go.mod` and
/// `go.sum`.
fn package_inputs(config: &Config, package: &str) -> Result<Vec<PathBuf>, Error> {
    let mut list = GoPackage.command(config);
    list.args(["list", "-deps", "-json", package]);
    let output = command::run(&mut list, None)?;
    let mut inputs = Vec::new();
    for package in serde_json::Deserializer::from_slice(&output.stdout).into_iter::<GoListPackage>()
    {
        let package = package.map_err(|error| Error::ToolOutput {
            command: command::describe(&list),
            message: error.to_string(),
        })?;
        if package.standard {
            continue;
        }
        for file in package
            .go_files
            .iter()
            .chain(&package.embed_files)
            .chain(&package.s_files)
        {
            inputs.push(package.dir.join(file));
        }
        inputs.push(package.dir.clone());
        if let Some(go_mod) = package.module.and_then(|module| module.go_mod) {
            let go_sum = go_mod.with_file_name("go.sum");
            if go_sum.is_file() {
                inputs.push(go_sum);
            }
            inputs.push(go_mod);
        }
    }
    inputs.sort();
    inputs.dedup();
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{WORKSPACE, config_for, listing_at, tree};

    #[test]
    fn a_go_package_must_be_excluded_from_the_cargo_workspace() {
        let root = tree(&[
            ("listings/Cargo.toml", WORKSPACE),
            ("listings/ch06-gc/go-greeter/main.go", "package main\n"),
            ("listings/ch06-gc/go-other/main.go", "package main\n"),
        ]);
        let listings = root.path().join("listings");
        let greeter = listing_at(&root, "listings/ch06-gc/go-greeter", "go");
        assert_eq!(GoPackage.check_layout(&greeter, &listings), Ok(()));
        let other = listing_at(&root, "listings/ch06-gc/go-other", "go");
        assert_eq!(
            GoPackage.check_layout(&other, &listings),
            Err(
                "add \"ch06-gc/go-other\" to `exclude` in listings/Cargo.toml, or cargo will \
                 look for a Cargo.toml in this Go package"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_go_package_folder_holds_only_go_files() {
        let root = tree(&[
            ("listings/Cargo.toml", WORKSPACE),
            ("listings/ch06-gc/go-greeter/main.go", "package main\n"),
            ("listings/ch06-gc/go-greeter/hazard.txt", "expected output"),
        ]);
        let greeter = listing_at(&root, "listings/ch06-gc/go-greeter", "go");
        let error = GoPackage
            .check_layout(&greeter, &root.path().join("listings"))
            .unwrap_err();
        assert!(
            error.starts_with("a Go listing's folder holds only its `.go` files, not hazard.txt")
        );
    }

    #[test]
    fn without_go_it_says_how_to_install_it() {
        let root = tree(&[("listings/ch06-gc/go-greeter/main.go", "package main\n")]);
        let config = config_for(&root);
        let listing = listing_at(&root, "listings/ch06-gc/go-greeter", "go");
        let error = GoPackage
            .build(&[&listing], &config)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "Go 1.27.3 is not installed at /no/go (a test): run `ci/setup` to install \
                 it. The Go listings need it."
            ),
            "{error}"
        );
    }
}
