//! Output shown in the book comes from files that tests compare against.
//!
//! A test produces the text (an error message, a table of values) and calls
//! [`assert_expected`] with a file of `expected/`, grouped by chapter
//! (`"ch08-a-small-utility/errors.txt"`); the chapter `{{#include}}`s the
//! same file. The comparison is
//! [snapbox](https://docs.rs/snapbox)'s; when the output changes on purpose,
//! rerun the tests with `SNAPSHOTS=overwrite` to rewrite the files, and review
//! the diff. The Go and JavaScript tests have one helper each that does the
//! same, with the same variable.

use std::path::PathBuf;

use snapbox::{Assert, Data, Redactions};

/// Where every expected-output file is, from the repository root: one
/// folder per chapter, named like the chapter's file.
pub const EXPECTED_DIR: &str = "expected";

/// The folder of the expected-output files.
pub fn expected_dir() -> PathBuf {
    crate::repo_root().join(EXPECTED_DIR)
}

/// The path of the expected-output file `name`, such as
/// `ch08-a-small-utility/errors.txt`.
pub fn expected_file(name: &str) -> PathBuf {
    expected_dir().join(name)
}

/// Asserts that `expected/<name>` holds exactly `actual` (`name` is
/// `<chapter>/<file>`); with
/// `SNAPSHOTS=overwrite`, writes `actual` there instead.
///
/// # Panics
///
/// When the file differs or cannot be read, with a diff.
#[track_caller]
pub fn assert_expected(name: &str, actual: &str) {
    // `raw`: byte for byte, with no wildcards (`...` is JavaScript too).
    assert()
        .redact_with(Redactions::new())
        .eq(actual, Data::read_from(&expected_file(name), None).raw());
}

/// Like [`assert_expected`], for output with parts that change when
/// unrelated code does: each `(placeholder, pattern)` replaces what the
/// pattern's `redacted` group matches with the placeholder, in the output
/// and in the file, such as `("[LINE]", r"lib\.rs:(?<redacted>\d+)")`.
///
/// # Panics
///
/// When the file differs, or a pattern is not a valid regular expression.
#[track_caller]
pub fn assert_expected_redacted(name: &str, actual: &str, redactions: &[(&'static str, &str)]) {
    let mut placeholders = Redactions::new();
    for (placeholder, pattern) in redactions {
        let pattern = regex::Regex::new(pattern).expect("a valid regular expression");
        placeholders
            .insert(placeholder, pattern)
            .expect("a placeholder in brackets, like [LINE]");
    }
    assert()
        .redact_with(placeholders)
        .eq(actual, Data::read_from(&expected_file(name), None));
}

fn assert() -> Assert {
    Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        // Expected outputs hold JavaScript and Markdown: `\` stays `\`.
        .normalize_paths(false)
}
