//! Every file of `expected/` is compared by a test of some host room, and
//! sits in the folder of the chapter that shows it. The outputs of the
//! playgrounds, `expected/playground/`, are the browser room's: its test
//! compares each with the page that shows it, and refuses one no page shows.

use crate::book::repo_root;
use crate::sources::{EXPECTED_DIR, expected_files, room_sources, without_comment_lines};

use super::assert_none;
use super::includes::is_named_by_a_test;

/// What is wrong with the expected output `name` (`chapter/file`).
fn problem(name: &str, room_sources: &str) -> Option<String> {
    if name.starts_with("playground/") {
        return None; // harness/browser/playgrounds.test.mjs
    }
    let Some((chapter, _)) = name.split_once('/') else {
        return Some(format!(
            "{EXPECTED_DIR}/{name}: expected outputs are grouped by chapter, in \
             `{EXPECTED_DIR}/chNN-slug/`"
        ));
    };
    if !repo_root().join(format!("src/{chapter}.md")).is_file() {
        return Some(format!(
            "{EXPECTED_DIR}/{name}: `{chapter}` is not a chapter (src/{chapter}.md)"
        ));
    }
    (!is_named_by_a_test(name, room_sources)).then(|| {
        format!(
            "{EXPECTED_DIR}/{name}: no test compares against it (delete it, or name it in the \
             test that produces it, as \"{name}\")"
        )
    })
}

#[test]
fn every_expected_output_is_compared_by_a_test() {
    let room_sources = room_sources();
    let files = expected_files();
    let problems: Vec<String> = files
        .iter()
        .filter_map(|name| problem(name, &room_sources))
        .collect();
    assert_none(&problems, "expected outputs");
    assert!(files.len() >= 50, "only {} expected outputs", files.len());
}

#[test]
fn an_unread_or_misplaced_output_is_refused() {
    // A name in a comment compares nothing: `other.txt` is refused below.
    let sources = without_comment_lines(
        "/// Like \"ch08-a-small-utility/other.txt\", in a comment.\n\
         assert_expected(\"ch08-a-small-utility/errors.txt\", &report);\n",
    );
    let sources = sources.as_str();
    assert_eq!(problem("ch08-a-small-utility/errors.txt", sources), None);
    let refused = [
        (
            "ch08-a-small-utility/other.txt",
            "no test compares against it",
        ),
        ("errors.txt", "grouped by chapter"),
        ("ch99-nowhere/errors.txt", "is not a chapter"),
    ];
    for (name, reason) in refused {
        let problem = problem(name, sources).unwrap_or_default();
        assert!(problem.contains(reason), "{name}: {problem:?}");
    }
}
