//! Prints where the artifact manifest is
//! (`target/book-artifacts/artifacts.json`), for the host rooms written in
//! other languages. Run it
//! through `ci/book-artifacts`, from the repository root:
//!
//! ```console
//! $ export BOOK_ARTIFACTS=$(ci/book-artifacts)
//! ```
//!
//! With `--copy-widgets DIR`, first copies into `DIR` every compiled guest
//! that the book's interactive examples load: each `wasm/NAME.wasm` that a
//! file of `src/widgets/` names. The widgets are the list.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("book-artifacts: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next(), args.next()) {
        (None, ..) => {}
        (Some("--copy-widgets"), Some(dir), None) => copy_widget_guests(Path::new(&dir))?,
        _ => return Err("usage: book-artifacts [--copy-widgets DIR]".to_owned()),
    }
    println!("{}", book_artifacts::MANIFEST);
    Ok(())
}

fn copy_widget_guests(dir: &Path) -> Result<(), String> {
    let widgets = book_artifacts::repo_root().join("src/widgets");
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    for file in widget_guests(&widgets)? {
        let source = artifact_named(&file).ok_or_else(|| {
            format!("a widget loads wasm/{file}, but no listing is compiled to {file}")
        })?;
        let dest = dir.join(&file);
        std::fs::copy(source, &dest)
            .map_err(|err| format!("cannot copy {source} to {}: {err}", dest.display()))?;
    }
    Ok(())
}

/// The path of the artifact whose file is named `file`.
fn artifact_named(file: &str) -> Option<&'static str> {
    book_artifacts::ARTIFACTS
        .iter()
        .map(|(_, path)| *path)
        .find(|path| Path::new(path).file_name().is_some_and(|name| name == file))
}

/// The `NAME.wasm` of every `'wasm/NAME.wasm'` in the widgets' sources.
fn widget_guests(widgets: &Path) -> Result<Vec<String>, String> {
    let read_dir =
        std::fs::read_dir(widgets).map_err(|err| format!("{}: {err}", widgets.display()))?;
    let mut guests = Vec::new();
    for entry in read_dir {
        let path = entry.map_err(|err| err.to_string())?.path();
        if path.extension().is_some_and(|ext| ext == "js") {
            let source = std::fs::read_to_string(&path)
                .map_err(|err| format!("{}: {err}", path.display()))?;
            guests.extend(guests_named_in(&source));
        }
    }
    guests.sort();
    guests.dedup();
    Ok(guests)
}

fn guests_named_in(source: &str) -> Vec<String> {
    source
        .split(['\'', '"', '`'])
        .filter_map(|literal| literal.strip_prefix("wasm/"))
        .filter(|name| name.ends_with(".wasm") && !name.contains('/'))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_guests_a_widget_fetches() {
        let source = "const a = fetch(new URL('wasm/ch04_packing.wasm', root));\n\
                      const b = \"wasm/ch06_as_greeter.wasm\"; // 'wasm/' alone is not one\n\
                      const c = 'src/wasm/x.js';";
        assert_eq!(
            guests_named_in(source),
            ["ch04_packing.wasm", "ch06_as_greeter.wasm"]
        );
    }

    #[test]
    fn every_widget_guest_is_a_compiled_listing() {
        let guests = widget_guests(&book_artifacts::repo_root().join("src/widgets")).unwrap();
        assert!(!guests.is_empty());
        for guest in guests {
            assert!(
                artifact_named(&guest).is_some(),
                "a widget loads wasm/{guest}, which no listing compiles to"
            );
        }
    }
}
