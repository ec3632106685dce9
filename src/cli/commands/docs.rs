//! `completions SHELL` and `man`: generated from the live clap definitions (clap_complete,
//! clap_mangen), so they can never describe another version of the commands.

use clap::CommandFactory as _;

use super::{CommandResult, Out};
use crate::cli::args::Cli;
use crate::cli::exit::{ExitCode, Failure};

/// The completion script for `shell`, printed as the command's human output.
pub fn completions(shell: clap_complete::Shell) -> CommandResult {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "onedrive-cli", &mut buf);
    if shell == clap_complete::Shell::Bash {
        // clap_complete 4.6 names the bash states of a hyphenated program inconsistently
        // (`cmd="onedrive__cli__subcmd__ls"` but the case label
        // `onedrive__subcmd__cli__subcmd__ls)`), so nothing after the command name would
        // complete; one spelling for both.
        let s = String::from_utf8_lossy(&buf).replace("onedrive__subcmd__cli", "onedrive__cli");
        buf = s.into_bytes();
    }
    text(buf)
}

/// The manual page in roff: synopsis, the global options, every command with what it
/// does, and the exit codes (`onedrive-cli COMMAND --help` has each command's options).
pub fn man() -> CommandResult {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Failure::new(ExitCode::Error, format!("man: {e}")))?;
    text(buf)
}

fn text(buf: Vec<u8>) -> CommandResult {
    let s = String::from_utf8(buf)
        .map_err(|e| Failure::new(ExitCode::Error, format!("generated text is not UTF-8: {e}")))?;
    Ok(Some(Out {
        value: serde_json::Value::String(s.clone()),
        human: Some(s),
        human_value: None,
    }))
}
