//! Building the client stack from the state file: config → token source → HTTP → Graph.
//!
//! (Interim: reads `api.graph_url` and `auth.access_token` directly until the config and
//! auth layers land; then this module only wires them together.)

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::args::{AuthArgs, Cli};
use super::commands::{CommandResult, Ctx};
use super::exit::{ExitCode, Failure};
use crate::drive::resolve::Reading;
use crate::graph::{DEFAULT_GRAPH_URL, DriveSelector, GraphClient};
use crate::http::{Error as HttpError, HttpClient, TokenSource};

/// The state file path: `-c`, `ONEDRIVE_CLI_CONFIG` (via clap), else `~/.lcrc`.
pub fn state_path(cli: &Cli) -> PathBuf {
    match &cli.config {
        Some(p) => p.clone(),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".lcrc"),
    }
}

struct StaticToken(Option<String>);

impl TokenSource for StaticToken {
    fn access_token<'a>(
        &'a self,
        rejected: Option<&'a str>,
    ) -> BoxFuture<'a, Result<String, HttpError>> {
        Box::pin(async move {
            match (&self.0, rejected) {
                (Some(t), None) => Ok(t.clone()),
                _ => Err(HttpError::AuthRequired(
                    "no valid access token; run `onedrive-cli auth`".into(),
                )),
            }
        })
    }
}

pub fn context(cli: &Cli) -> Result<Ctx, Failure> {
    let path = state_path(cli);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::new(
            ExitCode::Error,
            format!("state file {}: {e}", path.display()),
        )
    })?;
    let doc: yaml_serde::Value = yaml_serde::from_str(&text).map_err(|e| {
        Failure::new(
            ExitCode::Error,
            format!("state file {}: invalid YAML: {e}", path.display()),
        )
    })?;
    let get = |a: &str, b: &str| {
        doc.get(a)
            .and_then(|s| s.get(b))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let graph_url = get("api", "graph_url").unwrap_or_else(|| DEFAULT_GRAPH_URL.to_owned());
    let token = get("auth", "access_token");
    let http = HttpClient::new()
        .map_err(|e| Failure::new(ExitCode::Error, e.to_string()))?
        .with_token_source(Arc::new(StaticToken(token)));
    let graph = GraphClient::new(http, &graph_url, DriveSelector::Me)
        .map_err(|e| Failure::new(ExitCode::Error, e.to_string()))?;
    Ok(Ctx {
        graph,
        reading: reading(cli),
        show_results: cli.json || cli.object_key.is_some(),
    })
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

pub async fn auth(_cli: &Cli, _a: &AuthArgs) -> CommandResult {
    Err(Failure::new(ExitCode::Error, "auth not available yet"))
}

pub async fn auth_refresh(_cli: &Cli) -> CommandResult {
    Err(Failure::new(
        ExitCode::Error,
        "auth_refresh not available yet",
    ))
}
