//! Every code block is run, or is included from a file that is:
//!
//! - ```` ```rust ````: a doctest (of `book-harness`, and under `mdbook
//!   test`), never `ignore` or `no_run`, and never an include (the doctest
//!   would see the directive, not the file);
//! - ```` ```mermaid ````: a diagram;
//! - ```` ```console ````: commands whose every `$ program` is a script of
//!   this repository;
//! - any other language: exactly one `{{#include}}`, and nothing else.

use crate::book::{pages, repo_root};
use crate::markdown::code_blocks;

use super::assert_none;

/// The rule for one block.
fn check(info: Option<&str>, content: &str) -> Result<(), String> {
    let Some(info) = info else {
        return Err("an indented code block: use a fenced one with a language".to_owned());
    };
    let mut words = info.split(',').map(str::trim);
    let language = words.next().unwrap_or("");
    let attributes: Vec<&str> = words.collect();
    let is_one_include = {
        let trimmed = content.trim();
        trimmed.starts_with("{{#") && trimmed.ends_with("}}") && trimmed.lines().count() == 1
    };
    match language {
        "" => Err("label the block with its language".to_owned()),
        "rust" => {
            if let Some(attribute) = attributes
                .iter()
                .find(|a| a.starts_with("ignore") || **a == "no_run")
            {
                return Err(format!(
                    "`{attribute}` means the block is not run; make it pass, or mark wrong \
                     code `compile_fail` / `should_panic` so the test proves it fails"
                ));
            }
            if content.contains("{{#") {
                return Err(
                    "```rust blocks are doctests and cannot include files (the cargo doctest \
                     sees the directive, not the file); show included code in a ```rs block"
                        .to_owned(),
                );
            }
            Ok(())
        }
        "mermaid" => Ok(()),
        "console" => {
            for command in content.lines().filter_map(|line| line.strip_prefix("$ ")) {
                let program = command.split_whitespace().next().unwrap_or("");
                if !repo_root().join(program).is_file() {
                    return Err(format!("`{program}` is not a script in this repository"));
                }
            }
            Ok(())
        }
        _ if is_one_include => Ok(()),
        _ => Err(format!(
            "a ```{language} block must be one `{{{{#include file:anchor}}}}` of a file the \
             tests run (or be a ```rust doctest)"
        )),
    }
}

#[test]
fn every_code_block_is_run_or_included() {
    let mut problems = Vec::new();
    for page in pages() {
        for block in code_blocks(&page.text) {
            if let Err(problem) = check(block.info.as_deref(), &block.content) {
                let first_line = block.content.lines().next().unwrap_or("");
                problems.push(format!(
                    "{}: block starting `{first_line}`: {problem}",
                    page.path
                ));
            }
        }
    }
    assert_none(&problems, "code blocks");
}

#[test]
fn a_block_that_breaks_a_rule_is_refused() {
    assert!(check(Some("rust"), "assert!(true);").is_ok());
    assert!(check(Some("rust,compile_fail"), "let x: u8 = 256;").is_ok());
    assert!(check(Some("rust,ignore"), "x").is_err());
    assert!(check(Some("rust,no_run"), "x").is_err());
    assert!(check(Some("rust"), "{{#include a.rs}}").is_err());
    assert!(check(Some("rs"), "{{#include a.rs:x}}\n").is_ok());
    assert!(check(Some("rs"), "fn typed_by_hand() {}").is_err());
    assert!(check(Some("text"), "output typed by hand").is_err());
    assert!(check(Some(""), "x").is_err());
    assert!(check(None, "indented").is_err());
    assert!(check(Some("console"), "$ ci/test\n").is_ok());
    assert!(check(Some("console"), "$ ci/no-such-script\n").is_err());
}
