//! `POST {item}/createLink` and `GET {item}/permissions`.
//!
//! Graph (graph-api-notes §7.5): body `{"type": "view|edit|embed", "scope":
//! "anonymous|organization|users", "password"?, "expirationDateTime"?}`; the reply is a
//! permission, `201 Created` for a new link or `200 OK` with the existing link of the
//! same type and scope. The emulated drive is Personal: `embed` is allowed (Personal
//! only) and `organization` is refused with 400 (Business/SharePoint only); without a
//! scope, Personal's default is `anonymous`.

use std::sync::Mutex;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Ctx, json_response, query};
use crate::error::{GraphError, GraphResult};
use crate::store::{Item, ItemId};

struct LinkRecord {
    item: ItemId,
    kind: String,
    scope: String,
    permission: Value,
}

/// Sharing links created so far.
#[derive(Default)]
pub struct Links {
    links: Mutex<Vec<LinkRecord>>,
}

impl Links {
    pub fn clear(&self) {
        self.links.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn random_token(len: usize) -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn str_field(o: &serde_json::Map<String, Value>, k: &str) -> GraphResult<Option<String>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(GraphError::invalid_request(format!(
            "'{k}' must be a string."
        ))),
    }
}

pub async fn create(ctx: &Ctx, item: &Item, body: Body) -> GraphResult<Response> {
    let Value::Object(o) = query::read_json(body).await? else {
        return Err(GraphError::invalid_request(
            "The request body must be a JSON object.",
        ));
    };
    let kind = str_field(&o, "type")?
        .ok_or_else(|| GraphError::invalid_request("The property 'type' is required."))?;
    if !matches!(kind.as_str(), "view" | "edit" | "embed") {
        return Err(GraphError::invalid_request(format!(
            "'{kind}' is not a valid link type."
        )));
    }
    let scope = str_field(&o, "scope")?.unwrap_or_else(|| "anonymous".into());
    let library = ctx.drive.is_library();
    if library && kind == "embed" {
        // createLink: `embed` is OneDrive Personal only.
        return Err(GraphError::invalid_request(
            "Embed links are only supported on OneDrive personal.",
        ));
    }
    match scope.as_str() {
        "anonymous" | "users" => {}
        "organization" if library => {}
        "organization" => {
            return Err(GraphError::invalid_request(
                "Organization links are not supported on OneDrive personal.",
            ));
        }
        other => {
            return Err(GraphError::invalid_request(format!(
                "'{other}' is not a valid link scope."
            )));
        }
    }
    let password = str_field(&o, "password")?;
    let expiration = match str_field(&o, "expirationDateTime")? {
        Some(s) => Some(
            s.parse::<jiff::Timestamp>()
                .map_err(|_| GraphError::invalid_request("Invalid expirationDateTime."))?,
        ),
        None => None,
    };
    let mut links = ctx
        .state
        .graph
        .links
        .links
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(existing) = links
        .iter()
        .find(|l| l.item == item.id && l.kind == kind && l.scope == scope)
    {
        return Ok(json_response(StatusCode::OK, existing.permission.clone()));
    }
    let share = random_token(22);
    let letter = if item.is_folder() { 'f' } else { 'u' };
    let web_url = format!("https://1drv.ms/{letter}/s!{share}");
    let role = if kind == "edit" { "write" } else { "read" };
    let mut link = json!({
        "type": kind,
        "scope": scope,
        "webUrl": web_url,
        "application": {"id": "00000000-0000-0000-0000-000000000000", "displayName": "onedrive-emulator"},
    });
    if kind == "embed" {
        let embed = format!(
            "https://onedrive.live.com/embed?resid={}&authkey=!{share}",
            item.id
        );
        link["webUrl"] = json!(embed);
        link["webHtml"] = json!(format!(
            "<iframe src=\"{embed}\" width=\"98\" height=\"120\" frameborder=\"0\" scrolling=\"no\"></iframe>"
        ));
    }
    let mut permission = json!({
        "@odata.context": format!("{}/v1.0/$metadata#permission", ctx.state.public_url),
        "id": random_token(16),
        "roles": [role],
        "shareId": format!("s!{share}"),
        "hasPassword": password.is_some(),
        "link": link,
    });
    if let Some(t) = expiration {
        permission["expirationDateTime"] = json!(super::json::ts(t));
    }
    links.push(LinkRecord {
        item: item.id.clone(),
        kind,
        scope,
        permission: permission.clone(),
    });
    Ok(json_response(StatusCode::CREATED, permission))
}

/// `GET {item}/permissions`: the item's sharing links.
pub fn list(ctx: &Ctx, item: &Item) -> GraphResult<Response> {
    let links = ctx
        .state
        .graph
        .links
        .links
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let value: Vec<Value> = links
        .iter()
        .filter(|l| l.item == item.id)
        .map(|l| {
            let mut p = l.permission.clone();
            if let Some(o) = p.as_object_mut() {
                o.remove("@odata.context");
            }
            p
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#Collection(permission)", ctx.state.public_url),
            "value": value,
        }),
    ))
}
