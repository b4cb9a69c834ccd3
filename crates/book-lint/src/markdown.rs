//! A page's Markdown, parsed by mdBook's own parser with mdBook's options.

use std::sync::OnceLock;

use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};

/// The events of `text`, as mdBook parses it with the options of the
/// book's `book.toml`.
pub fn events(text: &str) -> Parser<'_> {
    static OPTIONS: OnceLock<MarkdownOptions> = OnceLock::new();
    let options = OPTIONS.get_or_init(|| {
        let mut options = MarkdownOptions::default();
        if let Some(html) = crate::book::config().html_config() {
            options.smart_punctuation = html.smart_punctuation;
            options.definition_lists = html.definition_lists;
            options.admonitions = html.admonitions;
        }
        options
    });
    new_cmark_parser(text, options)
}

/// One code block of a page.
#[derive(Debug)]
pub struct CodeBlock {
    /// The info string of a fenced block (`rust,compile_fail`); `None` for
    /// an indented block.
    pub info: Option<String>,
    /// What is inside.
    pub content: String,
}

/// Every code block of `text`, in order.
pub fn code_blocks(text: &str) -> Vec<CodeBlock> {
    let mut blocks = Vec::new();
    let mut open: Option<CodeBlock> = None;
    for event in events(text) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                open = Some(CodeBlock {
                    info: match kind {
                        CodeBlockKind::Fenced(info) => Some(info.into_string()),
                        CodeBlockKind::Indented => None,
                    },
                    content: String::new(),
                });
            }
            Event::Text(text) => {
                if let Some(block) = &mut open {
                    block.content.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            _ => {}
        }
    }
    blocks
}

/// Every inline code span of `text`, in order.
pub fn code_spans(text: &str) -> Vec<String> {
    events(text)
        .filter_map(|event| match event {
            Event::Code(code) => Some(code.into_string()),
            _ => None,
        })
        .collect()
}

/// Where every link and image of `text` points, in order.
pub fn destinations(text: &str) -> Vec<String> {
    events(text)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(dest_url.into_string())
            }
            _ => None,
        })
        .collect()
}

/// One cell of a table: its inline code spans, its text, and its links.
#[derive(Debug, Default)]
pub struct Cell {
    /// Its code spans, in order.
    pub code: Vec<String>,
    /// Its text, code spans included.
    pub text: String,
    /// Where its links point.
    pub links: Vec<String>,
}

/// The body rows of every table of `text` (header rows left out).
pub fn table_rows(text: &str) -> Vec<Vec<Cell>> {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut in_head = false;
    let mut in_cell = false;
    for event in events(text) {
        match event {
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) if !in_head => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) if !in_head => {
                in_cell = true;
                if let Some(row) = rows.last_mut() {
                    row.push(Cell::default());
                }
            }
            Event::End(TagEnd::TableCell) => in_cell = false,
            event if in_cell && !in_head => {
                let Some(cell) = rows.last_mut().and_then(|row| row.last_mut()) else {
                    continue;
                };
                match event {
                    Event::Code(code) => {
                        cell.text.push_str(&code);
                        cell.code.push(code.into_string());
                    }
                    Event::Text(text) => cell.text.push_str(&text),
                    Event::Start(Tag::Link { dest_url, .. }) => {
                        cell.links.push(dest_url.into_string());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    rows.retain(|row| !row.is_empty());
    rows
}

/// The level of the first heading of `text` (1 for `#`), if it has one.
pub fn first_heading_level(text: &str) -> Option<usize> {
    events(text).find_map(|event| match event {
        Event::Start(Tag::Heading { level, .. }) => Some(level as usize),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_after_the_last_table_is_not_taken_for_its_last_cell() {
        let rows = table_rows("| a | b |\n|---|---|\n| `x` | [y](z.md) |\n\nafter\n");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][0].code, ["x"]);
        assert_eq!(rows[0][1].links, ["z.md"]);
        assert_eq!(rows[0][1].text, "y");
    }

    #[test]
    fn code_blocks_keep_their_info_string() {
        let blocks = code_blocks("```rust,compile_fail\nlet x: u8 = 256;\n```\n\n    indented\n");
        assert_eq!(blocks[0].info.as_deref(), Some("rust,compile_fail"));
        assert_eq!(blocks[0].content, "let x: u8 = 256;\n");
        assert_eq!(blocks[1].info, None);
    }
}
