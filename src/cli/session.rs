//! The state file and the connection for one invocation, and the `auth` commands. The
//! flows themselves live in `auth::login`; this module only prints and reads.

use std::io::{BufRead as _, Write as _};

use serde_json::json;

use super::args::{AuthArgs, Cli};
use super::commands::{CommandResult, Ctx};
use super::exit::{ExitCode, Failure, drive_failure, exit_for_kind};
use crate::auth::{DevicePollOptions, login};
use crate::config::StateFile;
use crate::drive::resolve::Reading;
use crate::graph::Connection;
use crate::http::Error as HttpError;

/// The failure line for an error of the network/state layers during `what`.
fn failure(what: &str, e: HttpError) -> Failure {
    match e {
        // Already one line naming the file and the problem; its kind gives the code (a
        // missing client id is "authentication needed", like a missing token).
        HttpError::Config(_) => Failure::new(exit_for_kind(e.kind()), e.to_string()),
        e => drive_failure(what, None, &crate::drive::DriveError::Http(e)),
    }
}

/// The state file: `-c`, else `ONEDRIVE_CLI_CONFIG`, else `~/.lcrc`; read with
/// `--cloud` and `--drive` applied.
pub fn state_file(cli: &Cli) -> Result<StateFile, Failure> {
    // An empty --drive (an unset variable in a script) would silently mean your own
    // drive: refuse it.
    if cli.drive.as_deref().is_some_and(|d| d.trim().is_empty()) {
        return Err(Failure::usage(
            "--drive: empty drive id (see `onedrive-cli drives` for the ids)",
        ));
    }
    crate::config::resolve_path(cli.config.as_deref())
        .map(|p| {
            StateFile::new(p).with_overrides(crate::config::ApiOverrides {
                cloud: cli.cloud,
                drive: cli.drive.clone(),
            })
        })
        .map_err(|e| Failure::new(ExitCode::Error, e.to_string()))
}

pub fn reading(cli: &Cli) -> Reading {
    if cli.path {
        Reading::Path
    } else if cli.id {
        Reading::Id
    } else {
        Reading::Guess
    }
}

/// Everything a Graph command needs. The state file's warnings (e.g. the YAML octal
/// trap on an all-digit client id) go to stderr.
pub fn context(cli: &Cli) -> Result<Ctx, Failure> {
    let store = state_file(cli)?;
    let state_dir = store.state_dir();
    let conn =
        Connection::open(store, &cli.network.network()).map_err(|e| failure("sign-in", e))?;
    for w in &conn.state.warnings {
        crate::cli::notice(w);
    }
    Ok(Ctx {
        graph: conn.graph,
        reading: reading(cli),
        show_results: cli.json || cli.object_key.is_some(),
        progress_bars: !cli.debug && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        quiet: cli.quiet,
        state_dir,
        output: super::output::OutputOptions::from_cli(cli)?,
    })
}

/// How long `auth --localhost` waits for the browser.
const LOOPBACK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

const DONE: &str = "API authorization was completed successfully.";

/// `auth [URL]` and `auth --device`.
pub async fn auth(cli: &Cli, a: &AuthArgs) -> CommandResult {
    let store = state_file(cli)?;
    let state = store.load().map_err(|e| failure("auth", e.into()))?;
    let http =
        login::http_for_state(&state, &cli.network.network()).map_err(|e| failure("auth", e))?;
    if a.localhost {
        login::loopback_sign_in(&store, &http, LOOPBACK_TIMEOUT, |url| {
            println!("Visit the following URL in any web browser on this machine and sign in:");
            println!("URL to visit: {url}\n");
        })
        .await
        .map_err(|e| failure("auth --localhost", e))?;
    } else if a.device {
        login::device_sign_in(&store, &http, &DevicePollOptions::default(), |d| {
            println!("{}", d.instructions());
        })
        .await
        .map_err(|e| failure("auth --device", e))?;
    } else {
        let landed = match &a.url {
            Some(u) => u.clone(),
            None => {
                let url = login::begin_paste(&store).map_err(|e| failure("auth", e))?;
                println!(
                    "Visit the following URL in any web browser, sign in, allow the access asked for,\n\
                     and paste the URL of the empty page you are redirected to in the end\n\
                     (it starts with \"{}\").",
                    state.api.redirect_uri()
                );
                println!("Alternatively, pass that URL to \"onedrive-cli auth 'URL'\".\n");
                println!("URL to visit: {url}\n");
                read_redirect_url()?
            }
        };
        login::finish_paste(&store, &http, &landed)
            .await
            .map_err(|e| failure("auth", e))?;
    }
    println!("{DONE}");
    Ok(None)
}

fn read_redirect_url() -> Result<String, Failure> {
    print!("URL after last redirect: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(ExitCode::Error, format!("auth: reading stdin: {e}")))?;
    println!();
    let url = line.trim().to_owned();
    if url.is_empty() {
        return Err(Failure::new(
            ExitCode::AuthNeeded,
            "auth: no URL given; finish with `onedrive-cli auth 'URL'`",
        ));
    }
    Ok(url)
}

/// `auth_refresh`: a refresh now; the rotated refresh token is saved at once.
pub async fn auth_refresh(cli: &Cli) -> CommandResult {
    let store = state_file(cli)?;
    let state = store
        .load()
        .map_err(|e| failure("auth_refresh", e.into()))?;
    let http = login::http_for_state(&state, &cli.network.network())
        .map_err(|e| failure("auth_refresh", e))?;
    let new = login::refresh(&store, &http)
        .await
        .map_err(|e| failure("auth_refresh", e))?;
    if cli.json || cli.object_key.is_some() {
        let expires = new.expires_at.map(|t| t.to_string());
        return Ok(Some(json!({ "access_expires": expires }).into()));
    }
    Ok(None)
}
