//! The Shares API: `GET /shares/{shareIdOrEncodedSharingUrl}` and the items reached
//! through a sharing link (learn.microsoft.com/en-us/graph/api/shares-get,
//! resources/shareddriveitem).
//!
//! - The token is either `u!` + unpadded base64url of a sharing URL (the `link.webUrl`
//!   of a link made by `createLink` or `POST /_emulator/links`), or the link's
//!   `shareId` (`s!…`, as createLink answers it). The decoder also takes padding and
//!   the standard alphabet (`+`, `/`). A `u!` token that is not base64 or not UTF-8 →
//!   400 `invalidRequest`; a URL or share id no link has, or a link whose item or drive
//!   is gone → 404 `itemNotFound`.
//! - `GET /shares/{t}` → the sharedDriveItem `{"@odata.context","id","name","owner"}`;
//!   `id` is the link's `shareId` whichever form was used.
//! - `GET /shares/{t}/permission` → the link's permission.
//! - `/shares/{t}/driveItem` (and the deprecated `root`) is the shared item as an item
//!   base, `/shares/{t}/items/{id}` an item of its subtree (another id → 404): every
//!   item route follows (`children`, `content`, `$expand=children`, paths, and writes
//!   under an `edit` link).
//! - Access: a `view` (or `embed`) link gives read, an `edit` link write, to the item
//!   and its subtree, added to what the user has already. `Prefer: redeemSharingLink`
//!   makes it durable: another user's Personal item becomes a grant of the user (as
//!   `POST /_emulator/share`: `/drives/{d}/items/{id}` works afterwards, and it is the
//!   newest in `sharedWithMe`). `redeemSharingLinkIfNecessary`, or no Prefer header,
//!   gives access for that request only. Links to the user's own items and to
//!   document libraries change nothing (the user may already do everything there).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use super::json_response;
use super::links::LinkInfo;
use crate::drives::registry::DriveType;
use crate::drives::sharing::{self, Grant, Role};
use crate::drives::{Access, Drive, find_by_id};
use crate::error::{GraphError, GraphResult};
use crate::state::AppState;
use crate::store::{Item, Store};

/// A sharing link resolved for one request.
pub struct Share {
    pub link: LinkInfo,
    pub drive: Drive,
    /// The user's access to `drive` for this request (the link's role included).
    pub access: Access,
    /// The shared item.
    pub item: Item,
}

/// The sharing URL a `u!` token encodes; 400 `invalidRequest` when it is not base64
/// of UTF-8 text.
pub fn decode_url_token(b64: &str) -> GraphResult<String> {
    let norm: String = b64
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(norm.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| GraphError::invalid_request("The request is malformed or incorrect."))
}

/// The `u!` token of a sharing URL (shares-get "Encoding sharing URLs").
pub fn encode_url_token(url: &str) -> String {
    format!(
        "u!{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url.as_bytes())
    )
}

fn link_not_found() -> GraphError {
    GraphError::not_found("The sharing link does not exist or has been removed.")
}

/// Whether the request's `Prefer` header asks for `redeemSharingLink` (durable access).
fn redeem_durably(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::HeaderName::from_static("prefer"))
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.split(';').next().unwrap_or("").trim())
        .any(|p| p.eq_ignore_ascii_case("redeemSharingLink"))
}

/// Whether `item` is `root` or below it in `store`.
pub fn within(store: &Store, root: &str, item: &Item) -> bool {
    let mut cur = Some(item.clone());
    // Bounded: a tree has no cycles, but never loop forever on a broken one.
    for _ in 0..10_000 {
        let Some(it) = cur else {
            return false;
        };
        if it.id == root {
            return true;
        }
        cur = it.parent_id.as_ref().and_then(|p| store.get(p).ok());
    }
    false
}

/// Finds the link `token` names and the user's access through it, redeeming it when
/// the request says `Prefer: redeemSharingLink`.
pub fn resolve(state: &AppState, token: &str, headers: &HeaderMap) -> GraphResult<Share> {
    let link = if let Some(b64) = token.strip_prefix("u!") {
        let url = decode_url_token(b64)?;
        state.graph.links.find(Some(&url), None)
    } else if token.starts_with("s!") {
        state.graph.links.find(None, Some(token))
    } else {
        None
    }
    .ok_or_else(link_not_found)?;
    let drive = find_by_id(state, &link.drive_id).ok_or_else(link_not_found)?;
    let item = drive
        .store()
        .get(&link.item_id)
        .map_err(|_| link_not_found())?;
    let role = if link.kind == "edit" {
        Role::Write
    } else {
        Role::Read
    };
    let access = match &drive {
        Drive::Other(d) if d.drive_type == DriveType::Personal => {
            let sharing = &state.drives.sharing;
            let held = sharing
                .grants_for(&d.id)
                .into_iter()
                .find(|g| g.item_id == item.id)
                .map(|g| g.role);
            // A link never takes away a role the user holds on the same item.
            let role = if held == Some(Role::Write) {
                Role::Write
            } else {
                role
            };
            if redeem_durably(headers) && held != Some(role) {
                sharing.grant(&d.id, &item.id, role);
            }
            let mut grants = sharing.grants_for(&d.id);
            if !grants
                .iter()
                .any(|g| g.item_id == item.id && g.role == role)
            {
                grants.push(Grant {
                    drive_id: d.id.clone(),
                    item_id: item.id.clone(),
                    role,
                    at: jiff::Timestamp::now(),
                });
            }
            Access::Shared(grants)
        }
        _ => Access::Full,
    };
    Ok(Share {
        link,
        drive,
        access,
        item,
    })
}

/// `owner` of a shared item: the drive's owner (`user`), a library's site (`group`).
fn owner(state: &AppState, drive: &Drive) -> Value {
    match drive {
        Drive::Own(_) => json!({"user": {
            "displayName": state.config.user_display_name,
            "id": super::json::user_id(state),
        }}),
        Drive::Other(d) => d.owner_json(),
    }
}

/// `GET /shares/{token}`: the sharedDriveItem.
pub fn shared_drive_item(state: &AppState, share: &Share) -> Response {
    json_response(
        StatusCode::OK,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#shares/$entity", state.public_url),
            "id": share.link.share_id(),
            "name": share.item.name,
            "owner": owner(state, &share.drive),
        }),
    )
}

/// `GET /shares/{token}/permission`: the link's permission.
pub fn permission(state: &AppState, share: &Share) -> Response {
    let mut p = share.link.permission.clone();
    if let Some(o) = p.as_object_mut() {
        o.insert(
            "@odata.context".into(),
            json!(format!(
                "{}/v1.0/$metadata#shares('{}')/permission/$entity",
                state.public_url,
                share.link.share_id()
            )),
        );
    }
    json_response(StatusCode::OK, p)
}

/// 404 for an item outside the shared subtree.
pub fn outside() -> GraphError {
    sharing::not_visible()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_tokens_round_trip() {
        let url = "https://1drv.ms/f/s!AbC?x=1&y=~";
        let t = encode_url_token(url);
        assert!(t.starts_with("u!") && !t.contains('=') && !t.contains('+'));
        assert_eq!(decode_url_token(&t[2..]).unwrap(), url);
        // Padding and the standard alphabet are taken too.
        let std = base64::engine::general_purpose::STANDARD.encode(url);
        assert_eq!(decode_url_token(&std).unwrap(), url);
        assert!(decode_url_token("***").is_err());
        assert!(decode_url_token("_w").is_err()); // 0xFF: not UTF-8
    }
}
