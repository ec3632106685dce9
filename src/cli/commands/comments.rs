//! `comments`, `comment_add`, `comment_delete`: python-onedrive had them on LiveConnect;
//! Microsoft Graph has no comments API for drive items, so they only say so.

use super::CommandResult;
use crate::cli::args::Command;
use crate::cli::exit::{ExitCode, Failure};

pub fn not_supported(cmd: &Command) -> CommandResult {
    let name = match cmd {
        Command::CommentAdd(_) => "comment_add",
        Command::CommentDelete(_) => "comment_delete",
        _ => "comments",
    };
    Err(Failure::new(
        ExitCode::NotSupported,
        format!("{name}: not supported: Microsoft Graph has no comments API for OneDrive items"),
    ))
}
