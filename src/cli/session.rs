//! Wiring the layers for one invocation: state file → HTTP client (base headers) →
//! token manager (refresh, persistence) → Graph client; and the `auth` commands, which
//! only drive the `auth` layer's flows and print what the user must do.

use std::io::{BufRead as _, Write as _};
use std::sync::Arc;

use serde_json::json;

use super::args::{AuthArgs, Cli};
use super::commands::{CommandResult, Ctx};
use super::exit::{ExitCode, Failure, drive_failure};
use crate::auth::{
    self, AuthorizationRequest, DevicePollOptions, OAuthSettings, Pkce, TokenManager,
};
use crate::config::{State, StateFile};
use crate::drive::resolve::Reading;
use crate::graph::GraphClient;
use crate::http::HttpClient;

/// The state file and what it held when the command started.
pub struct Loaded {
    pub store: StateFile,
    pub state: State,
}

fn http_failure(what: &str, e: crate::http::Error) -> Failure {
    drive_failure(what, None, &crate::drive::DriveError::Http(e))
}

/// Reads the state file (`-c`, `ONEDRIVE_CLI_CONFIG`, `~/.lcrc`); its warnings (e.g. the
/// YAML octal trap on an all-digit client id) go to stderr.
pub fn load(cli: &Cli) -> Result<Loaded, Failure> {
    let cfg_err = |e: crate::config::ConfigError| Failure::new(ExitCode::Error, e.to_string());
    let path = crate::config::resolve_path(cli.config.as_deref()).map_err(cfg_err)?;
    let store = StateFile::new(path);
    let state = store.load().map_err(cfg_err)?;
    for w in &state.warnings {
        let _ = writeln!(std::io::stderr(), "onedrive-cli: warning: {w}");
    }
    Ok(Loaded { store, state })
}

/// The HTTP client with the state file's `request.base_headers`.
fn http_client(state: &State) -> Result<HttpClient, Failure> {
    let headers = state
        .request
        .base_headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()));
    HttpClient::builder()
        .base_headers(headers)
        .and_then(|b| b.build())
        .map_err(|e| http_failure("state file request.base_headers", e))
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

/// Everything a Graph command needs.
pub fn context(cli: &Cli) -> Result<Ctx, Failure> {
    let Loaded { store, state } = load(cli)?;
    let http = http_client(&state)?;
    let tokens = Arc::new(
        TokenManager::from_state(http, &state, store).map_err(|e| http_failure("sign-in", e))?,
    );
    let graph = GraphClient::new(
        tokens.authorized_http(),
        state.api.graph_url(),
        state.api.drive(),
    )
    .map_err(|e| http_failure("state file api.graph_url", e))?;
    Ok(Ctx {
        graph,
        reading: reading(cli),
        show_results: cli.json || cli.object_key.is_some(),
    })
}

const DONE: &str = "API authorization was completed successfully.";

/// `auth [URL]` and `auth --device`.
pub async fn auth(cli: &Cli, a: &AuthArgs) -> CommandResult {
    let Loaded { store, state } = load(cli)?;
    let http = http_client(&state)?;
    let settings = OAuthSettings::from_state(&state).map_err(|e| http_failure("auth", e))?;
    let resp = if a.device {
        auth::device::run(&http, &settings, &DevicePollOptions::default(), |d| {
            println!("{}", d.instructions());
        })
        .await
        .map_err(|e| http_failure("auth --device", e))?
    } else {
        let request = match (&a.url, &state.auth.pkce_state, &state.auth.pkce_verifier) {
            // `auth URL` finishing the sign-in an earlier `auth` started.
            (Some(_), Some(st), Some(v)) => {
                AuthorizationRequest::with(&settings, st.clone(), Pkce::from_verifier(v.clone()))
                    .map_err(|e| http_failure("auth", e))?
            }
            (Some(_), _, _) => {
                return Err(Failure::new(
                    ExitCode::AuthNeeded,
                    "auth: no sign-in is pending; run `onedrive-cli auth` to get the URL to visit",
                ));
            }
            (None, _, _) => start_paste_url(&store, &settings)?,
        };
        let url = match &a.url {
            Some(u) => u.clone(),
            None => read_redirect_url()?,
        };
        request
            .complete(&http, &settings, &url)
            .await
            .map_err(|e| http_failure("auth", e))?
    };
    let tokens =
        TokenManager::from_state(http, &state, store).map_err(|e| http_failure("auth", e))?;
    tokens
        .accept(&resp)
        .await
        .map_err(|e| http_failure("auth: saving the tokens", e))?;
    println!("{DONE}");
    Ok(None)
}

/// Prints the authorize URL, keeping its `state` and PKCE verifier in the state file so
/// that `auth URL` in a later invocation can finish the sign-in.
fn start_paste_url(
    store: &StateFile,
    settings: &OAuthSettings,
) -> Result<AuthorizationRequest, Failure> {
    let request = AuthorizationRequest::new(settings).map_err(|e| http_failure("auth", e))?;
    let (st, verifier) = (request.state.clone(), request.pkce.verifier.clone());
    store
        .update(|s| {
            s.auth.pkce_state = Some(st);
            s.auth.pkce_verifier = Some(verifier);
        })
        .map_err(|e| Failure::new(ExitCode::Error, e.to_string()))?;
    println!(
        "Visit the following URL in any web browser, sign in, allow the access asked for,\n\
         and paste the URL of the empty page you are redirected to in the end\n\
         (it starts with \"{}\").",
        settings.redirect_uri
    );
    println!("Alternatively, pass that URL to \"onedrive-cli auth 'URL'\".\n");
    println!("URL to visit: {}\n", request.url);
    Ok(request)
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
    let Loaded { store, state } = load(cli)?;
    let http = http_client(&state)?;
    let tokens = TokenManager::from_state(http, &state, store)
        .map_err(|e| http_failure("auth_refresh", e))?;
    let new = tokens
        .refresh()
        .await
        .map_err(|e| http_failure("auth_refresh", e))?;
    if cli.json || cli.object_key.is_some() {
        let expires = new.expires_at.map(|t| t.to_string());
        return Ok(Some(json!({ "access_expires": expires }).into()));
    }
    Ok(None)
}
