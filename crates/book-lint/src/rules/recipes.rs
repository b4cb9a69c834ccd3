//! The recipes (`listings/recipes/`), as their pages show them:
//!
//! - each pair of `recipes.toml` is shown by one page, which includes its
//!   script, the output `ci/recipes` compares, and every file of its
//!   folders whole (lock files aside: the page names them);
//! - every guest and every host of the matrix is in some pair;
//! - `src/recipes.md` includes the matrix table `ci/recipes` wrote;
//! - the quick start shows the first three pairs.

use std::collections::BTreeSet;
use std::process::Command;

use serde::Deserialize;

use crate::book::{Page, pages, read, repo_root};
use crate::includes::directives;
use crate::sources::EXPECTED_DIR;

use super::assert_none;

const RECIPES_DIR: &str = "listings/recipes";

#[derive(Deserialize)]
struct Manifest {
    guest: Vec<Folder>,
    host: Vec<Folder>,
    pair: Vec<Pair>,
}

#[derive(Deserialize)]
struct Folder {
    folder: String,
}

#[derive(Deserialize)]
struct Pair {
    script: String,
    folders: Vec<String>,
    expected: String,
}

fn manifest() -> Manifest {
    toml::from_str(&read(&format!("{RECIPES_DIR}/recipes.toml")))
        .unwrap_or_else(|error| panic!("{RECIPES_DIR}/recipes.toml: {error}"))
}

/// The files of a recipe folder a reader copies (as `ci/recipes` copies
/// them: what git knows or would, ignored files aside).
fn folder_files(folder: &str) -> Vec<String> {
    let output = Command::new("git")
        .args(["ls-files", "-co", "--exclude-standard", "--"])
        .arg(format!("{RECIPES_DIR}/{folder}"))
        .current_dir(repo_root())
        .output()
        .expect("git ls-files runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Lock files: too long to read on a page, which says they come along.
fn is_lock_file(file: &str) -> bool {
    ["Cargo.lock", "go.sum", "package-lock.json"]
        .iter()
        .any(|name| file.ends_with(&format!("/{name}")))
        || file.ends_with("/.gitignore")
}

/// The files `page` includes whole (no anchor).
fn whole_includes(page: &Page) -> BTreeSet<String> {
    directives(page)
        .unwrap_or_default()
        .iter()
        .filter(|directive| directive.kind == "include")
        .filter_map(|directive| directive.target(page))
        .filter(|(_, selector)| selector.is_none())
        .map(|(file, _)| file)
        .collect()
}

/// What is missing from the page that shows `pair`, given each page's
/// whole includes.
fn pair_problems(
    pair: &Pair,
    shown: &[(String, BTreeSet<String>)],
    files: impl Fn(&str) -> Vec<String>,
) -> Vec<String> {
    let script = format!("{RECIPES_DIR}/{}", pair.script);
    let Some((page, includes)) = shown
        .iter()
        .find(|(_, includes)| includes.contains(&script))
    else {
        return vec![format!("{script}: no page includes it whole")];
    };
    let expected = format!("{EXPECTED_DIR}/{}", pair.expected);
    let mut problems = Vec::new();
    if !includes.contains(&expected) {
        problems.push(format!(
            "{page}: shows {script} but not its output, {expected}"
        ));
    }
    for folder in &pair.folders {
        for file in files(folder).into_iter().filter(|file| !is_lock_file(file)) {
            if !includes.contains(&file) {
                problems.push(format!(
                    "{page}: shows {script} but not {file}, which the reader copies: include it whole"
                ));
            }
        }
    }
    problems
}

#[test]
fn every_recipe_is_shown_whole_with_its_output() {
    let manifest = manifest();
    let shown: Vec<(String, BTreeSet<String>)> = pages()
        .iter()
        .map(|page| (page.path.clone(), whole_includes(page)))
        .collect();
    let mut problems: Vec<String> = manifest
        .pair
        .iter()
        .flat_map(|pair| pair_problems(pair, &shown, folder_files))
        .collect();
    let in_pairs: BTreeSet<&str> = manifest
        .pair
        .iter()
        .flat_map(|pair| pair.folders.iter().map(String::as_str))
        .collect();
    for folder in manifest.guest.iter().chain(&manifest.host) {
        if !in_pairs.contains(folder.folder.as_str()) {
            problems.push(format!(
                "{RECIPES_DIR}/{}: in the matrix, but in no pair a page shows",
                folder.folder
            ));
        }
    }
    let includes_of = |path: &str| {
        shown
            .iter()
            .find(|(page, _)| page == path)
            .map(|(_, includes)| includes.clone())
            .unwrap_or_default()
    };
    if !includes_of("src/recipes.md").contains(&format!("{EXPECTED_DIR}/recipes/matrix.md")) {
        problems.push("src/recipes.md: include the matrix, expected/recipes/matrix.md".to_owned());
    }
    let quick_start = includes_of("src/quick-start.md");
    for pair in manifest.pair.iter().take(3) {
        if !quick_start.contains(&format!("{RECIPES_DIR}/{}", pair.script)) {
            problems.push(format!("src/quick-start.md: show the pair {}", pair.script));
        }
    }
    assert_none(&problems, "recipes");
}

#[test]
fn a_recipe_shown_in_part_is_refused() {
    let pair = Pair {
        script: "pairs/c-python.sh".to_owned(),
        folders: vec!["guests/c".to_owned()],
        expected: "recipes/c-python.txt".to_owned(),
    };
    let files = |_: &str| {
        vec![
            "listings/recipes/guests/c/greet.c".to_owned(),
            "listings/recipes/guests/c/build.sh".to_owned(),
            "listings/recipes/guests/c/.gitignore".to_owned(),
        ]
    };
    let page = |includes: &[&str]| {
        vec![(
            "src/recipes-c-python.md".to_owned(),
            includes.iter().map(|file| (*file).to_owned()).collect(),
        )]
    };
    assert_eq!(
        pair_problems(&pair, &page(&[]), files),
        ["listings/recipes/pairs/c-python.sh: no page includes it whole"]
    );
    let partial = page(&[
        "listings/recipes/pairs/c-python.sh",
        "listings/recipes/guests/c/greet.c",
    ]);
    assert_eq!(
        pair_problems(&pair, &partial, files),
        [
            "src/recipes-c-python.md: shows listings/recipes/pairs/c-python.sh but not its output, expected/recipes/c-python.txt",
            "src/recipes-c-python.md: shows listings/recipes/pairs/c-python.sh but not listings/recipes/guests/c/build.sh, which the reader copies: include it whole",
        ]
    );
    let whole = page(&[
        "listings/recipes/pairs/c-python.sh",
        "listings/recipes/guests/c/greet.c",
        "listings/recipes/guests/c/build.sh",
        "expected/recipes/c-python.txt",
    ]);
    assert!(pair_problems(&pair, &whole, files).is_empty());
}
