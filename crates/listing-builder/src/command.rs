//! Running the compilers: output captured, and on failure an error with the
//! command line (to rerun it by hand) and what it wrote to stderr.

use std::process::{Command, Output, Stdio};

use crate::Error;

/// Runs `command` to the end, capturing its stdout and stderr.
///
/// # Errors
///
/// [`Error::Spawn`] if it cannot start, [`Error::CommandFailed`] (with
/// `hint`) if it exits unsuccessfully.
pub(crate) fn run(command: &mut Command, hint: Option<&str>) -> Result<Output, Error> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            command: describe(command),
            source,
        })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(Error::CommandFailed {
            command: describe(command),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            hint: hint.map(str::to_owned),
        })
    }
}

/// `cd DIR && KEY=value program arg...`, quoted so that it can be pasted
/// into a shell. Variables the command removes are not shown.
pub(crate) fn describe(command: &Command) -> String {
    let mut words = Vec::new();
    if let Some(dir) = command.get_current_dir() {
        words.push(format!("cd {} &&", quote(&dir.to_string_lossy())));
    }
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            words.push(format!(
                "{}={}",
                key.to_string_lossy(),
                quote(&value.to_string_lossy())
            ));
        }
    }
    words.push(quote(&command.get_program().to_string_lossy()));
    words.extend(command.get_args().map(|arg| quote(&arg.to_string_lossy())));
    words.join(" ")
}

fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_a_command_as_a_shell_line() {
        let mut command = Command::new("go");
        command
            .current_dir("/tmp/my listings")
            .env("GOOS", "wasip1")
            .env_remove("RUSTFLAGS")
            .args(["build", "-o", "it's.wasm"]);
        assert_eq!(
            describe(&command),
            r"cd '/tmp/my listings' && GOOS=wasip1 go build -o 'it'\''s.wasm'"
        );
    }

    #[test]
    fn a_failure_carries_the_command_its_stderr_and_the_hint() {
        let error = run(
            Command::new("sh").args([
                "-c",
                "echo out; echo 'line one' >&2; echo 'line two' >&2; exit 3",
            ]),
            Some("try this"),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "this command failed (exit status: 3):\n  \
             sh -c 'echo out; echo '\\''line one'\\'' >&2; echo '\\''line two'\\'' >&2; exit 3'\n  \
             | line one\n  | line two\ntry this"
        );
    }

    #[test]
    fn a_missing_program_says_which() {
        let error = run(&mut Command::new("/no/such/compiler"), None).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot run `/no/such/compiler`: "),
            "{error}"
        );
    }

    #[test]
    fn success_returns_the_output() {
        let output = run(Command::new("sh").args(["-c", "echo hello"]), None).unwrap();
        assert_eq!(output.stdout, b"hello\n");
    }
}
