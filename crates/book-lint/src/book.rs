//! Where the book is, and its pages.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use mdbook_driver::config::Config;

/// A page of `src/`, read once.
pub struct Page {
    /// `src/ch03-passing-bytes-in.md`, relative to the repository root.
    pub path: String,
    /// Its Markdown, as written (includes not expanded).
    pub text: String,
}

/// The root of the repository.
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The text of a file of the repository.
///
/// # Panics
///
/// When it cannot be read: the lint's rules are tests, and a missing file
/// is their failure, named.
pub fn read(path: &str) -> String {
    fs::read_to_string(repo_root().join(path))
        .unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

/// The book's `book.toml`, as mdBook reads it, without what the lint does
/// not run: the external preprocessors (diagrams, tabs, dedenting, none of
/// which adds or renames a heading) and the extra scripts and styles that
/// `ci/setup` installs.
///
/// # Panics
///
/// When `book.toml` cannot be read, with mdBook's reason.
pub fn config() -> Config {
    let path = repo_root().join("book.toml");
    let mut config = Config::from_disk(&path)
        .unwrap_or_else(|err| panic!("mdBook cannot read {}: {err:#}", path.display()));
    let none: BTreeMap<String, String> = BTreeMap::new();
    let cleared = config
        .set("preprocessor", &none)
        .and_then(|()| config.set("output.html.additional-js", Vec::<String>::new()))
        .and_then(|()| config.set("output.html.additional-css", Vec::<String>::new()));
    cleared.unwrap_or_else(|err| panic!("{}: {err:#}", path.display()));
    config
}

/// Every page of `src/` but `SUMMARY.md`, sorted by path.
pub fn pages() -> Vec<Page> {
    let src = repo_root().join("src");
    let mut pages: Vec<Page> = fs::read_dir(&src)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", src.display()))
        .map(|entry| entry.expect("a readable entry of src/").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .filter(|path| !path.ends_with("SUMMARY.md"))
        .map(|path| {
            let path = format!(
                "src/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            Page {
                text: read(&path),
                path,
            }
        })
        .collect();
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    pages
}

/// The numbered chapters, `src/chNN-slug.md`, in order.
pub fn chapters() -> Vec<Page> {
    pages()
        .into_iter()
        .filter(|page| is_chapter(&page.path))
        .collect()
}

/// Whether `path` is a numbered chapter's file, `src/chNN-slug.md`.
pub fn is_chapter(path: &str) -> bool {
    path.strip_prefix("src/ch").is_some_and(|rest| {
        rest.len() > 3 && rest[..2].bytes().all(|b| b.is_ascii_digit()) && &rest[2..3] == "-"
    })
}

/// `src/../listings/a/b` becomes `listings/a/b`; `None` if it leaves the
/// repository.
pub fn normalize(path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// Every file under `path` of the repository (or `path` itself), with
/// paths relative to the repository root, sorted. Build output
/// (`target/`, `node_modules/`) is left out.
pub fn files_under(path: &str) -> Vec<String> {
    fn walk(root: &Path, path: &Path, files: &mut Vec<String>) {
        if path.is_file() {
            if let Ok(relative) = path.strip_prefix(root) {
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        } else if let Ok(entries) = fs::read_dir(path) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if name != "target" && name != "node_modules" {
                    walk(root, &entry.path(), files);
                }
            }
        }
    }
    let root = repo_root();
    let mut files = Vec::new();
    walk(&root, &root.join(path), &mut files);
    files.sort();
    files
}
