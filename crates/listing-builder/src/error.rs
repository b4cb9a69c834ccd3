//! Everything that can stop a build, said so that the reader knows what to do.

use std::path::PathBuf;

/// Why the listings could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Files in `listings/` that do not follow the layout in CONTRIBUTING.md.
    #[error("the listings do not follow the layout (see CONTRIBUTING.md):\n{}", bullets(.0))]
    Layout(Vec<String>),

    /// A compiler or generator is not where the build looks for it.
    #[error("{0}")]
    MissingTool(Box<MissingTool>),

    /// A tool is there, at a version other than the pinned one.
    #[error("{path} is `{found}`, but {expected} is pinned: run `{installer}`")]
    WrongVersion {
        /// The tool that answered.
        path: PathBuf,
        /// What it says it is.
        found: String,
        /// `Go 1.27.3 (ci/tools.env)`
        expected: String,
        /// The script that installs the pinned one.
        installer: String,
    },

    /// A command ran and failed: the command line, so it can be rerun by
    /// hand, and what it wrote to stderr.
    #[error("this command failed ({status}):\n  {command}\n{}{}", indent(stderr), hint.as_deref().map(|h| format!("\n{h}")).unwrap_or_default())]
    CommandFailed {
        /// The command, as a line to paste into a shell.
        command: String,
        /// `exit status: 1`
        status: String,
        /// What it wrote to stderr.
        stderr: String,
        /// What usually fixes it, if the builder knows.
        hint: Option<String>,
    },

    /// A command could not be started at all.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The command, as a line to paste into a shell.
        command: String,
        /// Why it did not start.
        source: std::io::Error,
    },

    /// A file the build reads or writes.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },

    /// Output of a tool that is not what the builder expects.
    #[error("cannot understand the output of `{command}`: {message}")]
    ToolOutput {
        /// The command, as a line to paste into a shell.
        command: String,
        /// What did not parse.
        message: String,
    },

    /// A listing that does not fit its kind: a crate that is not a `cdylib`,
    /// crate and crate versions that do not match, and the like.
    #[error("{listing}: {message}")]
    Listing {
        /// The listing's source, from the repository root.
        listing: String,
        /// What is wrong with it.
        message: String,
    },

    /// A bug in the builder.
    #[error("listing-builder: {0}")]
    Internal(String),

    /// Several kinds failed at once.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n\n"))]
    Several(Vec<Error>),
}

impl Error {
    /// One error for many: itself if there is just one.
    pub(crate) fn all(mut errors: Vec<Error>) -> Error {
        if errors.len() == 1 {
            errors.remove(0)
        } else {
            Error::Several(errors)
        }
    }

    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// What [`Error::MissingTool`] says: which tool, where it was looked for,
/// and how to install it.
#[derive(Debug)]
pub struct MissingTool {
    /// `Go 1.27.3`
    pub tool: String,
    /// Where the build looked.
    pub path: PathBuf,
    /// Where the path comes from: `BOOK_GO`.
    pub set_by: String,
    /// How to get it: "run `ci/setup` to install it".
    pub install: String,
    /// `The Go listings`
    pub needed_by: String,
    /// What running it said, if it ran.
    pub detail: Option<String>,
}

impl std::fmt::Display for MissingTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is not installed at {} ({}): {}. {} need it.",
            self.tool,
            self.path.display(),
            self.set_by,
            self.install,
            self.needed_by
        )?;
        match &self.detail {
            Some(detail) => write!(f, "\n{detail}"),
            None => Ok(()),
        }
    }
}

fn bullets(problems: &[String]) -> String {
    problems
        .iter()
        .map(|problem| format!("- {problem}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn indent(text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() {
        return "  (it wrote nothing to stderr)".to_owned();
    }
    text.lines()
        .map(|line| format!("  | {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
