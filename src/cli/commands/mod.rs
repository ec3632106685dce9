//! One module per command group. Each command turns its arguments into calls of the
//! `drive`/`graph` layers and returns the result as a JSON value for the formatter.

pub mod comments;

use serde_json::Value;

use super::args::{Cli, Command};
use super::exit::{ExitCode, Failure};

/// What a command produced: a value to print, or nothing (its output, if any, is done).
pub type CommandResult = Result<Option<Value>, Failure>;

/// Runs the parsed command.
pub async fn run(cli: &Cli) -> CommandResult {
    match &cli.command {
        Command::Comments(_) | Command::CommentAdd(_) | Command::CommentDelete(_) => {
            comments::not_supported(&cli.command)
        }
        _ => Err(Failure::new(ExitCode::Error, "command not implemented yet")),
    }
}
