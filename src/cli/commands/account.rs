//! `auth`, `auth_refresh`, `quota`, `user`, `recent`.

use serde_json::Value;

use super::{CommandResult, Ctx, Out, fail_http, to_value};
use crate::cli::args::{AuthArgs, Cli};
use crate::cli::output::human_size;

pub async fn auth(cli: &Cli, a: &AuthArgs) -> CommandResult {
    crate::cli::session::auth(cli, a).await
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
