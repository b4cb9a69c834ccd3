//! The book as mdBook's HTML renderer makes it: which pages `SUMMARY.md`
//! lists, in its order, and the ids it gives each page's headings, which
//! links point at (`page.md#id`).
//!
//! The book is rendered once per test process with mdBook's own loader and
//! renderer (its `links` and `index` preprocessors, none of the book's
//! external ones: diagrams and tabs add no headings) into a temporary
//! folder, and the ids are read back from the HTML. No id is computed here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use mdbook_driver::MDBook;
use mdbook_driver::book::BookItem;
use mdbook_driver::config::Config;

/// A rendered book.
pub struct Rendered {
    /// The pages `SUMMARY.md` lists, in its order (`src/ch01-introduction.md`).
    pub pages: Vec<String>,
    /// The ids of every page's headings (and definition terms, which
    /// mdBook numbers with them), by page.
    pub ids: BTreeMap<String, BTreeSet<String>>,
}

/// This book, rendered with its `book.toml` (see [`crate::book::config`]).
pub fn book() -> &'static Rendered {
    static BOOK: OnceLock<Rendered> = OnceLock::new();
    BOOK.get_or_init(|| {
        render(&crate::book::repo_root(), crate::book::config())
            .unwrap_or_else(|error| panic!("{error}"))
    })
}

/// Renders the book at `root` (its `src/SUMMARY.md` and pages) with
/// `config`, into a temporary folder, and reads the ids back.
///
/// # Errors
///
/// When mdBook cannot load or render the book, with mdBook's reason.
pub fn render(root: &Path, mut config: Config) -> Result<Rendered, String> {
    let out = tempfile::tempdir().map_err(|err| format!("a temporary folder: {err}"))?;
    config.build.build_dir = out.path().to_owned();
    let book = MDBook::load_with_config(root, config)
        .map_err(|err| format!("mdBook cannot load the book: {err:#}"))?;
    book.build()
        .map_err(|err| format!("mdBook cannot render the book: {err:#}"))?;
    let pages: Vec<String> = book
        .iter()
        .filter_map(|item| match item {
            BookItem::Chapter(chapter) => chapter.source_path.clone(),
            _ => None,
        })
        .map(|path| path.to_string_lossy().replace('\\', "/"))
        .collect();
    let mut ids = BTreeMap::new();
    for page in &pages {
        let html_path = out.path().join(Path::new(page).with_extension("html"));
        let html = std::fs::read_to_string(&html_path)
            .map_err(|err| format!("{}: {err}", html_path.display()))?;
        ids.insert(format!("src/{page}"), ids_in(&html));
    }
    Ok(Rendered {
        pages: pages.iter().map(|page| format!("src/{page}")).collect(),
        ids,
    })
}

/// The `id`s of the headings and definition terms of one rendered page.
fn ids_in(html: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (at, _) in html.match_indices('<') {
        let tag = &html[at + 1..];
        let name_end = tag.find([' ', '>']).unwrap_or(tag.len());
        if !matches!(
            &tag[..name_end],
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "dt"
        ) {
            continue;
        }
        let attributes = &tag[name_end..tag.find('>').unwrap_or(tag.len())];
        if let Some(value) = attributes.split(" id=\"").nth(1)
            && let Some(end) = value.find('"')
        {
            ids.insert(value[..end].to_owned());
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up book shows what mdBook does, which the lint then trusts:
    /// code and punctuation in a heading, a repeated heading, an explicit
    /// id, and definition terms numbered with the headings.
    #[test]
    fn ids_are_the_ones_mdbook_gives() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/SUMMARY.md"),
            "# Summary\n\n- [Page](page.md)\n- [Other](other.md)\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("src/page.md"),
            "# The `u64` trick: (ptr, len)!\n\n## Again\n\n## Again\n\n## Named {#chosen}\n\n\
             Term\n: its definition\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("src/other.md"), "# Other\n").unwrap();
        let book = render(dir.path(), Config::default()).unwrap();
        assert_eq!(book.pages, ["src/page.md", "src/other.md"]);
        let expected: BTreeSet<String> = [
            "the-u64-trick-ptr-len",
            "again",
            "again-1",
            "chosen",
            "term",
        ]
        .map(String::from)
        .into();
        assert_eq!(book.ids["src/page.md"], expected);
    }
}
