//! Sharing URLs (sharing links) as objects: `onedrive-cli get 'https://1drv.ms/…'`.
//!
//! Graph reaches the item behind a sharing link through "Access shared items"
//! (`GET /shares/{token}/driveItem`, learn.microsoft.com/graph/api/shares-get), the
//! token being the link encoded as `u!` + unpadded base64url. The request carries
//! `Prefer: redeemSharingLink`, which the docs liken to opening the link in a browser
//! ("accepting the sharing gesture"): the access it gives lasts, so that the item can
//! then be worked on in its own drive (`/drives/{driveId}/items/{id}`) like any
//! shared item, by the several requests a listing or a transfer takes.
//!
//! Since Microsoft retired `sharedWithMe` (November 2026), a link is the one way to
//! name an item shared with you that you did not add to your OneDrive.
//!
//! A link is a credential (an anonymous one gives access to whoever holds it): it is
//! shown in messages by its host only, and `--debug` traces hide the token
//! (`http::redact`).

use base64::Engine as _;

use super::error::{DriveError, Result};
use super::resolve::Object;
use crate::graph::GraphClient;

/// A sharing URL given as an object. It names the shared item itself: SharePoint
/// links hold `:` in their own path (`/:f:/s/site/…`), so no `:/path` suffix can be
/// told apart; an item below a shared folder is named by the `/drives/...` address
/// `info LINK` shows (its `parentReference.driveId` and `id`), or by `ls`-ing the link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharingUrl {
    /// The URL as given (`https://1drv.ms/f/s!…`); a credential, never printed.
    pub url: String,
}

impl SharingUrl {
    /// An `http(s)://` argument with something after the scheme; `None` for anything
    /// else.
    pub fn parse(arg: &str) -> Option<SharingUrl> {
        let after = |scheme: &str| {
            arg.get(..scheme.len())
                .filter(|p| p.eq_ignore_ascii_case(scheme))
                .and_then(|_| arg.get(scheme.len()..))
        };
        let rest = after("https://").or_else(|| after("http://"))?;
        (!rest.is_empty()).then(|| SharingUrl {
            url: arg.to_owned(),
        })
    }

    /// The encoded sharing URL Graph takes in place of a share id: `u!` + the URL in
    /// unpadded base64url (shares-get, "Encoding sharing URLs").
    pub fn encoded(&self) -> String {
        format!(
            "u!{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.url.as_bytes())
        )
    }

    /// The link as messages show it: `sharing link` and [`SharingUrl::host_only`].
    pub fn shown(&self) -> String {
        format!("sharing link {}", self.host_only())
    }

    /// Scheme and host only (`https://1drv.ms/…`): what may be printed of a link.
    pub fn host_only(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(u) => format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or("?")),
            Err(_) => "http(s)://…".to_owned(),
        }
    }
}

/// The object a sharing URL names, in its own drive: one request
/// (`GET /shares/{encoded}/driveItem`, redeeming the link). Errors: the service's (404
/// `itemNotFound` for a link it does not know, 400 for a malformed one), or
/// [`DriveError::Protocol`] when the answer names no drive.
pub async fn resolve(graph: &GraphClient, link: &SharingUrl) -> Result<Object> {
    let item = graph.shared_drive_item(&link.encoded()).await?;
    let drive_id = item
        .parent_reference
        .and_then(|p| p.drive_id)
        .ok_or_else(|| {
            DriveError::Protocol("the service did not say which drive the link's item is in".into())
        })?;
    Ok(Object::InDrive {
        drive_id,
        id: Some(item.id),
        path: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_recognised_whole() {
        let l = SharingUrl::parse("https://1drv.ms/f/s!AbC-d_e").unwrap();
        assert_eq!(l.url, "https://1drv.ms/f/s!AbC-d_e");
        // SharePoint links hold `:f:/` in their path: kept whole.
        let sp = "HTTPS://contoso.sharepoint.com/:f:/s/Team/EaBc?e=x1";
        assert_eq!(SharingUrl::parse(sp).unwrap().url, sp);
        for not in [
            "1drv.ms/f/s!x",
            "https://",
            "ftp://x/y",
            "Documents",
            "/drives/x/root",
        ] {
            assert_eq!(SharingUrl::parse(not), None, "{not}");
        }
    }

    #[test]
    fn tokens_follow_the_documented_encoding() {
        // shares-get: base64 the URL, drop the `=` padding, `/` → `_`, `+` → `-`, `u!`.
        let l = SharingUrl::parse(
            "https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1",
        )
        .unwrap();
        assert_eq!(
            l.encoded(),
            "u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx"
        );
        let odd = SharingUrl::parse("https://x/??>>").unwrap().encoded();
        assert!(!odd.contains(['+', '/', '=']), "{odd}");
    }

    #[test]
    fn links_are_shown_by_their_host_only() {
        let l = SharingUrl::parse("https://1drv.ms/f/s!SECRET").unwrap();
        assert_eq!(l.shown(), "sharing link https://1drv.ms/…");
        assert!(!l.shown().contains("SECRET"));
    }
}
