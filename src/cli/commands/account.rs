//! `auth`, `auth_refresh`, `quota`, `user`, `recent`, `drives`, `shared`.

use serde_json::Value;

use super::{CommandResult, Ctx, Out, fail, fail_http, to_value};
use crate::cli::args::{AuthAction, AuthArgs, Cli, DrivesArgs};
use crate::cli::exit::{ExitCode, Failure};
use crate::cli::output::human_size;

pub async fn auth(cli: &Cli, a: &AuthArgs) -> CommandResult {
    match a.action {
        Some(AuthAction::Status) => auth_status(cli).await,
        Some(AuthAction::Logout) => auth_logout(cli),
        None => crate::cli::session::auth(cli, a).await,
    }
}

/// `auth status`: the state file's sign-in, checked with the service (`/me`, `/me/drive`;
/// the token is refreshed if it must be). Never prints a token.
async fn auth_status(cli: &Cli) -> CommandResult {
    let ctx = crate::cli::session::context(cli)?;
    let store = crate::cli::session::state_file(cli)?;
    let state = store
        .load()
        .map_err(|e| Failure::new(ExitCode::Error, e.to_string()))?;
    if state.auth.refresh_token.is_none() && state.auth.access_token.is_none() {
        return Err(Failure::new(
            ExitCode::AuthNeeded,
            format!(
                "auth status: not signed in ({} holds no tokens); run `onedrive-cli auth`",
                store.path().display()
            ),
        ));
    }
    // Offline (no answer at all), what the state file holds is still printed, and the
    // failure said after it.
    let (found, offline) = match tokio::try_join!(ctx.graph.get_me(), ctx.graph.get_drive()) {
        Ok(pair) => (Some(pair), None),
        Err(e @ crate::http::Error::Transport { .. }) => (None, Some(e)),
        Err(e) => return Err(fail_http("auth status", "me")(e)),
    };
    // Re-read: the calls above may have refreshed the token.
    let state = store
        .load()
        .map_err(|e| Failure::new(ExitCode::Error, e.to_string()))?;
    let mut v = serde_json::Map::new();
    let mut put = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.insert(k.into(), Value::String(val));
        }
    };
    if let Some((me, drive)) = &found {
        put(
            "account",
            me.user_principal_name.clone().or(me.mail.clone()),
        );
        put("name", me.display_name.clone());
        put("drive", Some(drive.id.clone()));
        put("drive_type", drive.drive_type.clone());
    }
    put(
        "access_expires",
        state.auth.access_expires.map(|t| t.to_string()),
    );
    put(
        "refresh_token",
        Some(
            if state.auth.refresh_token.is_some() {
                "stored"
            } else {
                "none"
            }
            .into(),
        ),
    );
    put("scopes", state.auth.scope.clone());
    put("client_id", state.client.id.clone());
    put("tenant", Some(state.api.tenant().to_owned()));
    put("graph_url", Some(state.api.graph_url().to_owned()));
    put("state_file", Some(store.path().display().to_string()));
    let out: Out = Value::Object(v).into();
    match offline {
        None => Ok(Some(out)),
        Some(e) => {
            super::print_partial(&ctx, out)?;
            Err(fail_http(
                "auth status: the account could not be checked",
                "me",
            )(e))
        }
    }
}

/// `auth logout`: every token and pending sign-in removed from the state file; the
/// `client`, `request` and `api` sections stay.
fn auth_logout(cli: &Cli) -> CommandResult {
    let store = crate::cli::session::state_file(cli)?;
    store
        .update(|s| {
            s.auth.access_token = None;
            s.auth.refresh_token = None;
            s.auth.access_expires = None;
            s.auth.code = None;
            s.auth.pkce_state = None;
            s.auth.pkce_verifier = None;
            s.auth.scope = None;
        })
        .map_err(|e| Failure::new(ExitCode::Error, e.to_string()))?;
    crate::cli::notice(&format!(
        "signed out: the tokens were removed from {}",
        store.path().display()
    ));
    Ok(None)
}

pub async fn auth_refresh(cli: &Cli) -> CommandResult {
    crate::cli::session::auth_refresh(cli).await
}

/// The original printed `free` and `quota` in human units; Graph also reports used,
/// deleted (recycle bin) and a state, printed after them. `--json` gives Graph's raw
/// quota object (bytes).
pub async fn quota(ctx: &Ctx) -> CommandResult {
    let drive = ctx
        .graph
        .get_drive()
        .await
        .map_err(fail_http("quota", "drive"))?;
    let q = drive.quota.unwrap_or_default();
    let mut human = String::new();
    let mut shown = serde_json::Map::new();
    let mut line = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            human.push_str(&format!("{k}: {v}\n"));
            shown.insert(k.to_owned(), Value::String(v));
        }
    };
    let remaining = q.remaining.map(|r| r.max(0) as u64);
    line("free", remaining.map(human_size));
    line("quota", q.total.map(human_size));
    line("used", q.used.map(human_size));
    line("deleted", q.deleted.map(human_size));
    line("state", q.state.clone());
    Ok(Some(Out {
        value: to_value(&q),
        human: Some(human),
        human_value: Some(Value::Object(shown)),
    }))
}

/// `drives`: id, type and name of each drive, the one in use marked; `--json` gives
/// Graph's drive objects. With `--site`, the matching sites' libraries instead.
pub async fn drives(ctx: &Ctx, a: &DrivesArgs) -> CommandResult {
    if let Some(q) = &a.site {
        return site_drives(ctx, q).await;
    }
    // The list and the drive in use, asked at once.
    let (drives, current) = tokio::join!(ctx.graph.list_drives(), ctx.graph.get_drive());
    let drives = drives.map_err(fail_http("drives", "me"))?;
    let current = current.ok().map(|d| d.id);
    let human: String = drives
        .iter()
        .map(|d| {
            let mark = if Some(&d.id) == current.as_ref() {
                "*"
            } else {
                " "
            };
            format!(
                "{mark} {}  {}  {}\n",
                d.id,
                d.drive_type.as_deref().unwrap_or("-"),
                d.name.as_deref().unwrap_or("")
            )
        })
        .collect();
    Ok(Some(Out {
        value: Value::Array(drives.iter().map(to_value).collect()),
        human: Some(human),
        human_value: None,
    }))
}

/// `drives --site QUERY`: one line per document library, `ID  TYPE  SITE / LIBRARY`;
/// `--json` gives Graph's site objects, each with its `drives` (the site's navigation
/// property, as `$expand=drives` would give it). Sites are listed at once, a few at a
/// time.
async fn site_drives(ctx: &Ctx, query: &str) -> CommandResult {
    let query = query.trim();
    if query.is_empty() {
        return Err(Failure::usage("drives --site: empty query"));
    }
    let found = crate::drive::sites::libraries(&ctx.graph, query)
        .await
        .map_err(|(site, e)| fail("drives --site", site.as_deref().unwrap_or(query))(e))?;
    if found.is_empty() {
        crate::cli::notice(&format!("drives --site: no site matches '{query}'"));
    }
    let mut human = String::new();
    let mut value = Vec::new();
    for (site, drives) in &found {
        let site_name = site
            .display_name
            .as_deref()
            .or(site.name.as_deref())
            .unwrap_or(&site.id);
        for d in drives {
            human.push_str(&format!(
                "{}  {}  {site_name} / {}\n",
                d.id,
                d.drive_type.as_deref().unwrap_or("-"),
                d.name.as_deref().unwrap_or("")
            ));
        }
        let mut v = to_value(site);
        if let Some(m) = v.as_object_mut() {
            m.insert("drives".into(), to_value(drives));
        }
        value.push(v);
    }
    Ok(Some(Out {
        value: Value::Array(value),
        human: Some(human),
        human_value: None,
    }))
}

/// `shared`: one line per item shared with the user, `ADDRESS  TYPE  NAME  (OWNER)`,
/// the address being `/drives/{driveId}/items/{id}` from the item's `remoteItem`, which
/// every command accepts; `--json` gives Graph's driveItems. An empty list gets a note:
/// Microsoft retired the API (see [`crate::graph::GraphClient::shared_with_me`]).
pub async fn shared(ctx: &Ctx) -> CommandResult {
    let items = ctx
        .graph
        .shared_with_me()
        .await
        .map_err(fail_http("shared", "sharedWithMe"))?;
    if items.is_empty() && !ctx.quiet {
        crate::cli::notice(
            "shared: the service listed no shared items; Microsoft retired this list in \
             November 2026, so it may stay empty although items are shared with you: a \
             sharing link works as an object (onedrive-cli ls 'https://1drv.ms/…'), and a \
             shared folder added to your OneDrive shows in `ls` as a shortcut",
        );
    }
    let human: String = items.iter().map(shared_line).collect();
    Ok(Some(Out {
        value: Value::Array(items.iter().map(to_value).collect()),
        human: Some(human),
        human_value: None,
    }))
}

/// One `shared` line; an item without a usable `remoteItem` shows its own id.
fn shared_line(item: &crate::graph::DriveItem) -> String {
    let remote = item.remote_item.as_deref();
    let address = crate::drive::shortcut::remote_object(item)
        .map(|o| o.display())
        .unwrap_or_else(|| item.id.clone());
    let kind = if item.is_folder() { "folder" } else { "file" };
    let name = remote
        .and_then(|r| r.name.as_deref())
        .unwrap_or(item.name());
    let owner = remote
        .and_then(|r| r.extra.get("shared"))
        .and_then(|s| s.pointer("/owner/user/displayName"))
        .and_then(Value::as_str)
        .map(|o| format!("  ({o})"))
        .unwrap_or_default();
    format!("{address}  {kind}  {name}{owner}\n")
}

pub async fn user(ctx: &Ctx) -> CommandResult {
    let me = ctx.graph.get_me().await.map_err(fail_http("user", "me"))?;
    Ok(Some(to_value(me).into()))
}

pub async fn recent(ctx: &Ctx) -> CommandResult {
    let items = ctx
        .graph
        .recent()
        .await
        .map_err(fail_http("recent", "drive"))?;
    Ok(Some(
        Value::Array(items.iter().map(to_value).collect()).into(),
    ))
}
