//! Skipping work already done. An artifact is fresh when the stamp file
//! beside it says it was made by the same recipe (the command line, the
//! tool's version) from the same inputs, and no input changed since the
//! build that made it started.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::{Error, command};

/// Runs `command` to make `output` from `inputs`, unless the last run of
/// the same recipe (the command line, and `tool_version`) made it from the
/// same inputs, none of which changed since.
pub(crate) fn run_unless_fresh(
    command: &mut Command,
    output: &Path,
    inputs: &[PathBuf],
    tool_version: &str,
) -> Result<(), Error> {
    let recipe = format!("{tool_version}: {}", command::describe(command));
    if is_fresh(output, &recipe, inputs) {
        return Ok(());
    }
    let started = SystemTime::now();
    command::run(command, None)?;
    record(output, &recipe, inputs, started)
}

/// Whether `output` is up to date with `recipe` and `inputs`.
fn is_fresh(output: &Path, recipe: &str, inputs: &[PathBuf]) -> bool {
    let stamp = stamp_path(output);
    let Ok(recorded) = fs::read_to_string(&stamp) else {
        return false;
    };
    let Ok(started) = fs::metadata(&stamp).and_then(|meta| meta.modified()) else {
        return false;
    };
    output.exists()
        && recorded == stamp_text(recipe, inputs)
        && inputs.iter().all(|input| {
            fs::metadata(input)
                .and_then(|meta| meta.modified())
                .is_ok_and(|modified| modified <= started)
        })
}

/// Records that `output` was made by `recipe` from `inputs`, by a build
/// that started at `started`: an input edited while it ran is newer, and
/// makes the next build redo it.
fn record(
    output: &Path,
    recipe: &str,
    inputs: &[PathBuf],
    started: SystemTime,
) -> Result<(), Error> {
    let stamp = stamp_path(output);
    fs::write(&stamp, stamp_text(recipe, inputs)).map_err(Error::io(&stamp))?;
    File::options()
        .write(true)
        .open(&stamp)
        .and_then(|file| file.set_modified(started))
        .map_err(Error::io(&stamp))
}

fn stamp_path(output: &Path) -> PathBuf {
    let mut name = output.file_name().unwrap_or_default().to_owned();
    name.push(".stamp");
    output.with_file_name(name)
}

fn stamp_text(recipe: &str, inputs: &[PathBuf]) -> String {
    let mut text = format!("{recipe}\n");
    for input in inputs {
        text.push_str(&input.to_string_lossy());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn touch(path: &Path, at: SystemTime) {
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(at)
            .unwrap();
    }

    #[test]
    fn fresh_until_the_recipe_an_input_or_the_output_changes() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("guest.wat");
        let output = dir.path().join("guest.wasm");
        fs::write(&input, "(module)").unwrap();
        let inputs = [input.clone()];
        let started = SystemTime::now();
        touch(&input, started - Duration::from_secs(10));

        assert!(!is_fresh(&output, "wat", &inputs), "never built");
        fs::write(&output, b"\0asm").unwrap();
        record(&output, "wat", &inputs, started).unwrap();
        assert!(is_fresh(&output, "wat", &inputs));

        assert!(
            !is_fresh(&output, "wat --other-flag", &inputs),
            "recipe changed"
        );
        assert!(!is_fresh(&output, "wat", &[]), "inputs changed");
        touch(&input, started + Duration::from_secs(1));
        assert!(!is_fresh(&output, "wat", &inputs), "input edited");
        touch(&input, started);
        assert!(is_fresh(&output, "wat", &inputs));
        fs::remove_file(&output).unwrap();
        assert!(!is_fresh(&output, "wat", &inputs), "output deleted");
    }

    #[test]
    fn a_missing_input_is_never_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("out");
        fs::write(&output, "").unwrap();
        let gone = [dir.path().join("gone.go")];
        record(&output, "go", &gone, SystemTime::now()).unwrap();
        assert!(!is_fresh(&output, "go", &gone));
    }
}
