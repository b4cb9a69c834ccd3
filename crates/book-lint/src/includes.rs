//! The `{{#...}}` directives of a page, and what mdBook makes of each.
//!
//! Finding a directive is only finding `{{#` and `}}`; what an include
//! *includes* (which file, which lines between which anchors, and whether
//! that failed) is left to mdBook's own link preprocessor, run on each
//! directive alone so that a failure names its directive.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use mdbook_driver::book::{Book, BookItem, Chapter};
use mdbook_driver::builtin_preprocessors::LinkPreprocessor;
use mdbook_driver::config::Config;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use crate::book::{Page, normalize, repo_root};

/// One `{{#kind argument}}` of a page, escaped ones (`\{{#...}}`) aside.
#[derive(Debug, PartialEq)]
pub struct Directive {
    /// The directive as written, for messages and for mdBook.
    pub text: String,
    /// The line it starts on, from 1.
    pub line: usize,
    /// `include`, `rustdoc_include`, `tabs`, ...
    pub kind: String,
    /// Whatever follows the kind, trimmed.
    pub argument: String,
}

impl Directive {
    /// For an include, the file it names, relative to the repository root
    /// (`None` if the path leaves the repository), and what follows the
    /// first `:` (an anchor, or line numbers), if anything.
    pub fn target(&self, page: &Page) -> Option<(String, Option<&str>)> {
        let (file, selector) = match self.argument.split_once(':') {
            Some((file, selector)) => (file, Some(selector)),
            None => (self.argument.as_str(), None),
        };
        let page_dir = Path::new(&page.path).parent().unwrap_or(Path::new(""));
        normalize(&page_dir.join(file)).map(|file| (file, selector))
    }

    /// Whether it names lines by number (`file:3:9`, `file:3`), which
    /// drift when the file changes, rather than by anchor.
    pub fn selects_line_numbers(&self) -> bool {
        self.argument
            .split_once(':')
            .is_some_and(|(_, selector)| selector.chars().all(|c| c.is_ascii_digit() || c == ':'))
    }

    /// Whether it starts its line: mdBook does not indent what it includes,
    /// so an indented include inside a list item ends the item and leaves
    /// its code fence open.
    pub fn starts_its_line(&self, page: &Page) -> bool {
        page.text
            .lines()
            .nth(self.line - 1)
            .is_none_or(|line| !line.starts_with([' ', '\t']))
    }
}

/// Every directive of `page`, in order; `Err` for a `{{#` never closed.
pub fn directives(page: &Page) -> Result<Vec<Directive>, String> {
    let mut found = Vec::new();
    let mut offset = 0;
    while let Some(start) = page.text[offset..].find("{{#").map(|at| offset + at) {
        let line = page.text[..start].matches('\n').count() + 1;
        let Some(length) = page.text[start..].find("}}") else {
            return Err(format!("{}:{line}: `{{{{#` is never closed", page.path));
        };
        let text = &page.text[start..start + length + 2];
        offset = start + length + 2;
        if page.text[..start].ends_with('\\') {
            continue; // escaped: shown as written
        }
        let inner = text[3..text.len() - 2].trim();
        let (kind, argument) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        found.push(Directive {
            text: text.to_owned(),
            line,
            kind: kind.to_owned(),
            argument: argument.trim().to_owned(),
        });
    }
    Ok(found)
}

/// What mdBook's link preprocessor makes of `directive` on `page`: the
/// text that replaces it, or what mdBook reported when it could not
/// include it (it then leaves the directive as written, and still exits 0).
///
/// An anchor that does not exist is no error to mdBook: it includes
/// nothing, which the caller sees as an empty expansion.
pub fn expand(page: &Page, directive: &Directive) -> Result<String, String> {
    let chapter_path = Path::new(&page.path)
        .strip_prefix("src")
        .unwrap_or(Path::new(&page.path))
        .to_owned();
    let chapter = Chapter::new("lint", directive.text.clone(), chapter_path, Vec::new());
    let book = Book::new_with_items(vec![BookItem::Chapter(chapter)]);
    let context = PreprocessorContext::new(repo_root(), Config::default(), "html".to_owned());

    let reported = Reported::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(reported.clone())
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .finish();
    let expanded = tracing::subscriber::with_default(subscriber, || {
        LinkPreprocessor::new().run(&context, book)
    })
    .map_err(|error| format!("mdBook's link preprocessor failed: {error:#}"))?;
    // One line per event, as `ERROR Error updating ...` and `WARN Caused
    // By: ...`: kept as one sentence, levels dropped.
    let messages: Vec<String> = reported
        .text()
        .lines()
        .map(|line| {
            line.trim()
                .trim_start_matches("ERROR")
                .trim_start_matches("WARN")
                .trim()
        })
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    if !messages.is_empty() {
        return Err(messages.join("; "));
    }
    Ok(expanded
        .chapters()
        .next()
        .map(|chapter| chapter.content.clone())
        .unwrap_or_default())
}

/// What mdBook logged, collected instead of printed.
#[derive(Clone, Default)]
struct Reported(Arc<Mutex<Vec<u8>>>);

impl Reported {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

impl Write for Reported {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Reported {
    type Writer = Reported;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
