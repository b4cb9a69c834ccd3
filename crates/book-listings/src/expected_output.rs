//! Output shown in the book comes from files that tests compare against.
//!
//! A test produces the text (an error message, a table of values) and calls
//! [`assert_matches_file`]; the chapter `{{#include}}`s the same file. Run the
//! tests with `BLESS=1` to rewrite the files from what the tests produce, then
//! review the diff.

use std::fs;

/// Asserts that the file at `path_from_repo_root` holds exactly `actual`, or
/// writes `actual` to it when the environment variable `BLESS` is `1`.
///
/// # Panics
///
/// When the file differs or cannot be read (and `BLESS` is not `1`), with both
/// texts in the message.
pub fn assert_matches_file(path_from_repo_root: &str, actual: &str) {
    let path = crate::repo_root().join(path_from_repo_root);
    if std::env::var_os("BLESS").is_some_and(|value| value == "1") {
        fs::write(&path, actual)
            .unwrap_or_else(|err| panic!("cannot write {path_from_repo_root}: {err}"));
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!("cannot read {path_from_repo_root}: {err}; run with BLESS=1 to create it")
    });
    assert!(
        expected == actual,
        "{path_from_repo_root} does not match what the test produced.\n\
         --- expected (the file) ---\n{expected}\n\
         --- actual (the test) ---\n{actual}\n\
         If the new output is right, rerun the tests with BLESS=1 and review the diff."
    );
}
