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
/// does, then a section per command with its synopsis and options, and the exit codes.
/// One page: the `onedrive-cli-COMMAND(1)` pages clap_mangen's list points to are not
/// installed, so the list names the sections instead.
pub fn man() -> CommandResult {
    let fail = |e: std::io::Error| Failure::new(ExitCode::Error, format!("man: {e}"));
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(fail)?;
    let mut page = String::from_utf8_lossy(&buf).into_owned();
    let mut sections = String::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        page = page.replace(
            &format!("onedrive\\-cli\\-{}(1)", roff(name)),
            &format!("onedrive\\-cli {}", roff(name)),
        );
        let man = clap_mangen::Man::new(sub.clone().bin_name(format!("onedrive-cli {name}")));
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part).map_err(fail)?;
        man.render_options_section(&mut part).map_err(fail)?;
        let part = String::from_utf8_lossy(&part)
            .replace(".SH SYNOPSIS", ".SS Synopsis")
            .replace(".SH OPTIONS", ".SS Options");
        sections.push_str(&format!(".SH \"COMMAND: {}\"\n", roff(name).to_uppercase()));
        if let Some(about) = sub.get_about() {
            sections.push_str(&format!("{}\n", roff(&about.to_string())));
        }
        sections.push_str(&part);
    }
    // The exit codes as a table (one line each), not run together as a paragraph.
    let page = page
        .replace(".SH EXTRA\nExit codes:\n", ".SH \"EXIT CODES\"\n.nf\n")
        .replacen("\n\nObjects are", "\n.fi\n.SH OBJECTS\nObjects are", 1);
    let page = match page.find(".SH \"EXIT CODES\"") {
        Some(i) => format!("{}{sections}{}", &page[..i], &page[i..]),
        None => page + &sections,
    };
    text(page.into_bytes())
}

/// Text as roff shows it literally (hyphens escaped, as clap_mangen writes them).
fn roff(s: &str) -> String {
    s.replace('-', "\\-")
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
