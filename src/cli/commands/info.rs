//! `info`, `info_set`, `link`.

use serde_json::Value;

use super::{CommandResult, Ctx, fail_http, to_value};
use crate::cli::args::{InfoArgs, InfoSetArgs, LinkArgs, LinkScope, LinkType};
use crate::cli::exit::{ExitCode, Failure};
use crate::drive::locate::on_object;
use crate::graph;

pub async fn info(ctx: &Ctx, a: &InfoArgs) -> CommandResult {
    let obj = ctx.object("info", a.object.as_deref()).await?;
    let item = on_object(&ctx.graph, &obj, |g, r| async move { g.get_item(&r).await })
        .await
        .map_err(fail_http("info", &obj.display()))?;
    Ok(Some(to_value(item).into()))
}

pub async fn info_set(ctx: &Ctx, a: &InfoSetArgs, data: Value) -> CommandResult {
    let obj = ctx.object("info_set", Some(&a.object)).await?;
    let data = &data;
    let item = on_object(&ctx.graph, &obj, |g, r| async move {
        g.update_item(&r, data, None).await
    })
    .await
    .map_err(fail_http("info_set", &a.object))?;
    // The service answers 200 to a rename it does not make: to another Unicode form of
    // the same name (it compares names canonically, rclone/rclone#8634). Never report
    // success for a name the item does not have.
    if let Some(wanted) = data.get("name").and_then(Value::as_str)
        && item.name() != wanted
    {
        return Err(Failure::new(
            ExitCode::Conflict,
            format!(
                "info_set '{}': the service kept the name {:?} instead of {:?} (it counts \
                 both as the same name; rename to another name first)",
                a.object,
                item.name(),
                wanted
            ),
        ));
    }
    ctx.result(item)
}

pub async fn link(ctx: &Ctx, a: &LinkArgs) -> CommandResult {
    let obj = ctx.object("link", Some(&a.object)).await?;
    let t = match a.link_type {
        LinkType::View => graph::LinkType::View,
        LinkType::Edit => graph::LinkType::Edit,
        LinkType::Embed => graph::LinkType::Embed,
    };
    let scope = a.scope.map(|s| match s {
        LinkScope::Anonymous => graph::LinkScope::Anonymous,
        LinkScope::Organization => graph::LinkScope::Organization,
    });
    let perm = on_object(&ctx.graph, &obj, |g, r| async move {
        g.create_link(&r, t, scope).await
    })
    .await
    .map_err(fail_http("link", &a.object))?;
    // As the original printed it: `link: URL` (view and edit), `embed_html: <iframe…>`
    // (embed); `--json` keeps Graph's whole permission object, `-k link` gives the URL.
    let value = to_value(&perm);
    let url = value.pointer("/link/webUrl").cloned();
    let html = value.pointer("/link/webHtml").cloned();
    let mut shown = serde_json::Map::new();
    if let Some(u) = url {
        shown.insert("link".into(), u);
    }
    if let Some(h) = html {
        shown.insert("embed_html".into(), h);
    }
    if shown.is_empty() {
        return Ok(Some(value.into()));
    }
    let key = if a.link_type == LinkType::Embed && shown.contains_key("embed_html") {
        "embed_html"
    } else {
        "link"
    };
    let human = shown
        .get(key)
        .map(|v| format!("{key}: {}\n", v.as_str().unwrap_or_default()))
        .unwrap_or_default();
    Ok(Some(super::Out {
        value,
        human: Some(human),
        human_value: Some(Value::Object(shown)),
    }))
}
