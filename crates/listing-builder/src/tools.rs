//! The compilers the kinds of listing need: where they are, which versions
//! are pinned, and one clear error when one is missing.
//!
//! Where each tool is comes from an environment variable, which the
//! repository's `.cargo/config.toml` sets for every cargo command (`[env]`,
//! paths relative to the repository) and which the caller's environment
//! overrides. The pinned versions come from a `KEY=value` file that the
//! install script reads too (`ci/tools.env`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::MissingTool;
use crate::{Error, command};

/// A program the build runs.
#[derive(Clone, Debug)]
pub struct Tool {
    /// What it is called in messages: `Go`, `wasm-bindgen`.
    pub name: &'static str,
    /// Where it is (or a bare name, looked up on `PATH`).
    pub path: PathBuf,
    /// The version pinned for it, if the build checks one.
    pub pinned: Option<String>,
    /// The environment variable that says where it is: `BOOK_GO`.
    pub var: &'static str,
    /// Where [`Tool::path`] came from, for messages: `BOOK_GO`, or that
    /// the variable is not set.
    pub set_by: String,
    /// How to get it, for messages: "run `ci/setup` to install it".
    pub install: String,
}

impl Tool {
    /// `Go 1.27.3`, or just `Go` when no version is pinned.
    pub fn label(&self) -> String {
        match &self.pinned {
            Some(version) => format!("{} {version}", self.name),
            None => self.name.to_owned(),
        }
    }
}

/// Every tool a kind of listing may need. A tool is looked at only when a
/// listing of a kind that needs it exists.
#[derive(Clone, Debug)]
pub struct Tools {
    /// The script that installs the tools: named when one is missing or
    /// at another version.
    pub installer: String,
    /// The file the pinned versions come from, named when one does not match.
    pub pins_file: PathBuf,
    /// Cargo, for the nested build of the Rust listings (cargo's `CARGO`).
    pub cargo: PathBuf,
    /// The compiler that cargo uses (cargo's `RUSTC`).
    pub rustc: PathBuf,
    /// Go, for Go listings (`BOOK_GO`, `GO_VERSION`).
    pub go: Tool,
    /// Node.js, which runs the AssemblyScript compiler (`BOOK_NODE`).
    pub node: Tool,
    /// AssemblyScript's `asc.js` (`BOOK_ASC`), pinned by its npm lock file.
    pub asc: Tool,
    /// The wasm-bindgen CLI (`BOOK_WASM_BINDGEN`, `WASM_BINDGEN_VERSION`).
    pub wasm_bindgen: Tool,
}

impl Tools {
    /// The environment variables that say where the tools are, for
    /// `cargo:rerun-if-env-changed`.
    pub fn env_vars(&self) -> [&'static str; 4] {
        [&self.go, &self.node, &self.asc, &self.wasm_bindgen].map(|tool| tool.var)
    }

    /// The tools as the environment names them, with the versions pinned in
    /// `pins_file` (`GO_VERSION`, `WASM_BINDGEN_VERSION`).
    ///
    /// # Errors
    ///
    /// When `pins_file` cannot be read or lacks a pin.
    pub fn from_env(pins_file: &Path, installer: &str) -> Result<Tools, Error> {
        let pins = read_pins(pins_file)?;
        let pin = |key: &str| {
            pins.get(key).cloned().ok_or_else(|| Error::Io {
                path: pins_file.to_owned(),
                source: std::io::Error::other(format!("no `{key}=` line")),
            })
        };
        let run_installer = format!("run `{installer}` to install it");
        let tool = |name, var: &'static str, default: &str, pinned, install: &str| {
            let set = std::env::var_os(var);
            Tool {
                name,
                var,
                set_by: if set.is_some() {
                    var.to_owned()
                } else {
                    format!("{var} is not set, so `{default}` from PATH")
                },
                path: set.map_or_else(|| PathBuf::from(default), PathBuf::from),
                pinned,
                install: install.to_owned(),
            }
        };
        let node_install = format!("install Node.js 20 or later, which `{installer}` requires");
        let from_cargo =
            |var: &str, default: &str| std::env::var_os(var).map_or(default.into(), PathBuf::from);
        Ok(Tools {
            installer: installer.to_owned(),
            pins_file: pins_file.to_owned(),
            cargo: from_cargo("CARGO", "cargo"),
            rustc: from_cargo("RUSTC", "rustc"),
            go: tool(
                "Go",
                "BOOK_GO",
                "go",
                Some(pin("GO_VERSION")?),
                &run_installer,
            ),
            node: tool("Node.js", "BOOK_NODE", "node", None, &node_install),
            asc: tool(
                "AssemblyScript's asc.js",
                "BOOK_ASC",
                "asc.js",
                None,
                &run_installer,
            ),
            wasm_bindgen: tool(
                "wasm-bindgen",
                "BOOK_WASM_BINDGEN",
                "wasm-bindgen",
                Some(pin("WASM_BINDGEN_VERSION")?),
                &run_installer,
            ),
        })
    }

    /// The error for a tool that is not there.
    pub(crate) fn missing(&self, tool: &Tool, needed_by: &str, detail: Option<String>) -> Error {
        Error::MissingTool(Box::new(MissingTool {
            tool: tool.label(),
            path: tool.path.clone(),
            set_by: tool.set_by.clone(),
            install: tool.install.clone(),
            needed_by: needed_by.to_owned(),
            detail,
        }))
    }

    /// Requires `tool` to be a file (a script that another program runs).
    pub(crate) fn require_file(&self, tool: &Tool, needed_by: &str) -> Result<(), Error> {
        if tool.path.is_file() {
            Ok(())
        } else {
            Err(self.missing(tool, needed_by, None))
        }
    }

    /// Runs `tool` with `args` (and `env`), requires it to succeed and its
    /// stdout to satisfy `is_pinned(stdout, pinned)`; returns the stdout.
    pub(crate) fn check_version(
        &self,
        tool: &Tool,
        args: &[&str],
        env: &[(&str, &str)],
        needed_by: &str,
        is_pinned: impl Fn(&str, &str) -> bool,
    ) -> Result<String, Error> {
        let mut version = Command::new(&tool.path);
        version.args(args).envs(env.iter().copied());
        let output = match command::run(&mut version, None) {
            Ok(output) => output,
            Err(Error::Spawn { source, .. }) => {
                return Err(self.missing(tool, needed_by, Some(source.to_string())));
            }
            Err(error) => return Err(self.missing(tool, needed_by, Some(error.to_string()))),
        };
        let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        match &tool.pinned {
            Some(pinned) if !is_pinned(&stdout, pinned) => Err(Error::WrongVersion {
                path: tool.path.clone(),
                found: stdout,
                expected: format!("{} ({})", tool.label(), self.pins_file.display()),
                installer: self.installer.clone(),
            }),
            _ => Ok(stdout),
        }
    }
}

/// The `KEY=value` lines of a file that a shell script also `source`s;
/// blank lines and `#` comments are skipped.
///
/// # Errors
///
/// When the file cannot be read, or a line is neither.
pub(crate) fn read_pins(path: &Path) -> Result<BTreeMap<String, String>, Error> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    let mut pins = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').ok_or_else(|| Error::Io {
            path: path.to_owned(),
            source: std::io::Error::other(format!(
                "line {}: expected KEY=value, found `{line}`",
                number + 1
            )),
        })?;
        pins.insert(key.trim().to_owned(), value.trim().to_owned());
    }
    Ok(pins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::tools_for_tests;

    #[test]
    fn pins_are_key_value_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tools.env");
        std::fs::write(
            &file,
            "# Pinned versions\nMDBOOK_VERSION=0.5.4\n\n  GO_VERSION = 1.27.3 \n",
        )
        .unwrap();
        let pins = read_pins(&file).unwrap();
        assert_eq!(pins["GO_VERSION"], "1.27.3");
        assert_eq!(pins["MDBOOK_VERSION"], "0.5.4");
        assert_eq!(pins.len(), 2);

        std::fs::write(&file, "GO_VERSION 1.27.3\n").unwrap();
        let error = read_pins(&file).unwrap_err().to_string();
        assert!(
            error.ends_with("line 1: expected KEY=value, found `GO_VERSION 1.27.3`"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_tool_names_itself_its_path_and_the_installer() {
        let tools = tools_for_tests();
        let error = tools
            .check_version(&tools.go, &["version"], &[], "The Go listings", |_, _| true)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Go 1.27.3 is not installed at /no/go (a test): run `ci/setup` to install it. \
             The Go listings need it.\nNo such file or directory (os error 2)"
        );
        let error = tools
            .require_file(&tools.asc, "The AssemblyScript listings")
            .unwrap_err();
        assert!(error.to_string().starts_with(
            "AssemblyScript's asc.js is not installed at /no/asc.js (a test): run `ci/setup`"
        ));
    }

    #[test]
    fn a_wrong_version_says_which_is_pinned() {
        let mut tools = tools_for_tests();
        tools.go.path = "echo".into();
        let error = tools
            .check_version(
                &tools.go,
                &["go version go1.26.8 linux/amd64"],
                &[],
                "Go",
                |out, pin| out.starts_with(&format!("go version go{pin} ")),
            )
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "echo is `go version go1.26.8 linux/amd64`, but Go 1.27.3 (ci/tools.env) is pinned: \
             run `ci/setup`"
        );
    }
}
