//! `POST {item}/createLink` and `GET {item}/permissions`.
//!
//! Graph (graph-api-notes §7.5): body `{"type": "view|edit|embed", "scope":
//! "anonymous|organization|users", "password"?, "expirationDateTime"?}`; the reply is a
//! permission, `201 Created` for a new link or `200 OK` with the existing link of the
//! same type and scope. The emulated drive is Personal: `embed` is allowed (Personal
//! only) and `organization` is refused with 400 (Business/SharePoint only); without a
//! scope, Personal's default is `anonymous`. The permission carries `shareId` (`s!` +
//! the link's token; resources/permission: "A unique token that can be used to access
//! this shared item via the shares API"); [`super::shares`] finds links by it or by
//! their `link.webUrl`. Links are recorded with their drive.

use std::sync::Mutex;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Ctx, json_response, query};
use crate::drives::Drive;
use crate::error::{GraphError, GraphResult};
use crate::state::AppState;
use crate::store::{Item, ItemId};

struct LinkRecord {
    drive_id: String,
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

/// A sharing link as the Shares API finds it.
#[derive(Clone, Debug)]
pub struct LinkInfo {
    pub drive_id: String,
    pub item_id: ItemId,
    /// `view`, `edit` or `embed`.
    pub kind: String,
    /// The permission createLink answered (with its `@odata.context`).
    pub permission: Value,
}

impl LinkInfo {
    /// `s!…`: the permission's `shareId`.
    pub fn share_id(&self) -> String {
        self.permission
            .get("shareId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

impl Links {
    pub fn clear(&self) {
        self.links.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The link whose `link.webUrl` is `url`, or whose `shareId` is `share_id`.
    pub fn find(&self, url: Option<&str>, share_id: Option<&str>) -> Option<LinkInfo> {
        let links = self.links.lock().unwrap_or_else(|e| e.into_inner());
        links
            .iter()
            .find(|l| {
                let p = &l.permission;
                url.is_some_and(|u| p["link"]["webUrl"].as_str() == Some(u))
                    || share_id.is_some_and(|s| p["shareId"].as_str() == Some(s))
            })
            .map(|l| LinkInfo {
                drive_id: l.drive_id.clone(),
                item_id: l.item.clone(),
                kind: l.kind.clone(),
                permission: l.permission.clone(),
            })
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

/// `POST {item}/createLink`: 201 with a new link's permission, 200 with the existing
/// link of the same type and scope.
pub async fn create(ctx: &Ctx, item: &Item, body: Body) -> GraphResult<Response> {
    let Value::Object(o) = query::read_json(body).await? else {
        return Err(GraphError::invalid_request(
            "The request body must be a JSON object.",
        ));
    };
    let (status, permission) = make_link(&ctx.state, &ctx.drive, item, &o)?;
    Ok(json_response(status, permission))
}

/// Creates (or finds) the sharing link that the createLink body `o` asks for on `item`
/// of `drive`: `(201, permission)` for a new link, `(200, permission)` for the existing
/// one of the same type and scope. Also used by `POST /_emulator/links`.
pub fn make_link(
    state: &AppState,
    drive: &Drive,
    item: &Item,
    o: &serde_json::Map<String, Value>,
) -> GraphResult<(StatusCode, Value)> {
    let kind = str_field(o, "type")?
        .ok_or_else(|| GraphError::invalid_request("The property 'type' is required."))?;
    if !matches!(kind.as_str(), "view" | "edit" | "embed") {
        return Err(GraphError::invalid_request(format!(
            "'{kind}' is not a valid link type."
        )));
    }
    let scope = str_field(o, "scope")?.unwrap_or_else(|| "anonymous".into());
    let library = drive.is_library();
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
    let password = str_field(o, "password")?;
    let expiration = match str_field(o, "expirationDateTime")? {
        Some(s) => Some(
            s.parse::<jiff::Timestamp>()
                .map_err(|_| GraphError::invalid_request("Invalid expirationDateTime."))?,
        ),
        None => None,
    };
    let drive_id = drive.id();
    let mut links = state
        .graph
        .links
        .links
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(existing) = links
        .iter()
        .find(|l| l.drive_id == drive_id && l.item == item.id && l.kind == kind && l.scope == scope)
    {
        return Ok((StatusCode::OK, existing.permission.clone()));
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
        "@odata.context": format!("{}/v1.0/$metadata#permission", state.public_url),
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
        drive_id,
        item: item.id.clone(),
        kind,
        scope,
        permission: permission.clone(),
    });
    Ok((StatusCode::CREATED, permission))
}

/// `GET {item}/permissions`: the item's sharing links.
pub fn list(ctx: &Ctx, item: &Item) -> GraphResult<Response> {
    let drive_id = ctx.drive.id();
    let links = ctx
        .state
        .graph
        .links
        .links
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let value: Vec<Value> = links
        .iter()
        .filter(|l| l.item == item.id && l.drive_id == drive_id)
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
