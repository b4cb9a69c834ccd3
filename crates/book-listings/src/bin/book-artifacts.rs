//! Writes `target/book-artifacts.json`, the compiled listings by name, for
//! hosts written in other languages, and prints its path:
//!
//! ```console
//! $ BOOK_ARTIFACTS=$(cargo run -q -p book-listings --bin book-artifacts) node --test crates/wasm-memory-js
//! ```
//!
//! With `--copy DIR NAME...`, also copies the named artifacts into `DIR`
//! (the book's interactive pages load them from there).

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
    let path = book_listings::write_artifacts_json()
        .map_err(|err| format!("cannot write the artifacts file: {err}"))?;
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        None => {}
        Some("--copy") => {
            let dir = args.next().ok_or("--copy needs a folder")?;
            std::fs::create_dir_all(&dir).map_err(|err| format!("cannot create {dir}: {err}"))?;
            for name in args {
                let (_, source) = book_listings::ARTIFACTS
                    .iter()
                    .find(|(known, _)| *known == name)
                    .ok_or_else(|| format!("no artifact is named {name}"))?;
                let file = Path::new(source).file_name().expect("artifacts are files");
                let dest = Path::new(&dir).join(file);
                std::fs::copy(source, &dest)
                    .map_err(|err| format!("cannot copy {source} to {}: {err}", dest.display()))?;
            }
        }
        Some(other) => {
            return Err(format!(
                "unknown argument {other}; usage: book-artifacts [--copy DIR NAME...]"
            ));
        }
    }
    println!("{}", path.display());
    Ok(())
}
