//! Parsing of `/v1.0/...` request paths into what they address.
//!
//! Graph's path addressing (`/me/drive/root:/a/b c/ü.txt:/content`) does not fit a route
//! matcher, so the raw (still percent-encoded) path is parsed here:
//! - the path is split on `/`, each segment is percent-decoded exactly once as UTF-8;
//!   `+` stays a literal plus (it is a sub-delim in paths, only forms turn it into a space);
//! - inside the relative path (`root:/…:`) a decoded `/` (`%2F`) separates names too and
//!   `.` names the current folder: the service resolves `root:/.%2Fdir%2Ffile`, which is
//!   how abraunegg's onedrive asks whether a local file exists online (a name can never
//!   contain `/`, so nothing else could be meant);
//! - a raw `:` ends the item part and starts a relative path; the next segment ending
//!   with a raw `:` closes it (a path as the last segment needs no closing colon).
//!   Names cannot contain `:`, so an encoded `%3A` is never syntax.

use percent_encoding::percent_decode_str;

use crate::error::{GraphError, GraphResult};

/// Which drive a request names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriveRef {
    /// `/me/drive`
    Me,
    /// `/drives/{drive-id}`
    Id(String),
    /// `/sites/{site-id}/drive`: the site's default document library.
    Site(String),
    /// `/shares/{shareIdOrEncodedSharingUrl}/driveItem` (also `root`, `items/{id}`):
    /// the drive of a sharing link's item, reached through the link (the token decoded
    /// once, as any segment).
    Share(String),
}

/// The item a request starts from, before any `:/path:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemBase {
    /// `/root` (also `/items/root`).
    Root,
    /// `/items/{id}`
    Id(String),
    /// `/special/{name}`
    Special(String),
}

/// The relationship or action after the item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The item itself.
    None,
    Children,
    Content,
    CreateUploadSession,
    Copy,
    CreateLink,
    Permissions,
    /// `POST {item}/permanentDelete`.
    PermanentDelete,
    /// `delta` or `delta(token='...')`.
    Delta(Option<String>),
    /// `search(q='...')`.
    Search(String),
}

/// What a `/v1.0` path addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `/me`
    Me,
    /// `/me/drives`
    MeDrives,
    /// `/me/drive`, `/drives/{id}`
    Drive(DriveRef),
    /// `/me/drive/recent`
    Recent(DriveRef),
    /// `/me/drive/search(q='...')`
    DriveSearch(DriveRef, String),
    /// `/me/drive/sharedWithMe`
    SharedWithMe(DriveRef),
    /// `/sites` (with `?search=`)
    Sites,
    /// `/sites/{site-id}` (decoded: raw or `%2C` commas alike)
    Site(String),
    /// `/sites/{site-id}/drives`
    SiteDrives(String),
    /// `/shares/{token}`: the sharedDriveItem.
    Share(String),
    /// `/shares/{token}/permission`: the sharing link's permission.
    SharePermission(String),
    /// An item, optionally through a relative path, with an action.
    Item {
        drive: DriveRef,
        base: ItemBase,
        /// Decoded relative path segments (`root:/a/b:` → `["a","b"]`); `None` without `:`.
        path: Option<Vec<String>>,
        action: Action,
    },
}

impl Target {
    /// A short route label for stats (`/items/{id}/children`, `/root:/{path}:/content`).
    pub fn label(&self) -> String {
        match self {
            Target::Me => "/me".into(),
            Target::MeDrives => "/me/drives".into(),
            Target::Drive(_) => "/drive".into(),
            Target::Recent(_) => "/drive/recent".into(),
            Target::DriveSearch(..) => "/drive/search".into(),
            Target::SharedWithMe(_) => "/drive/sharedWithMe".into(),
            Target::Sites => "/sites".into(),
            Target::Site(_) => "/sites/{site-id}".into(),
            Target::SiteDrives(_) => "/sites/{site-id}/drives".into(),
            Target::Share(_) => "/shares/{token}".into(),
            Target::SharePermission(_) => "/shares/{token}/permission".into(),
            Target::Item {
                drive,
                base,
                path,
                action,
            } => {
                let shared = matches!(drive, DriveRef::Share(_));
                let mut s = match base {
                    ItemBase::Root if shared => "/shares/{token}/driveItem".to_owned(),
                    ItemBase::Id(_) if shared => "/shares/{token}/items/{id}".to_owned(),
                    ItemBase::Root => "/root".to_owned(),
                    ItemBase::Id(_) => "/items/{id}".to_owned(),
                    ItemBase::Special(_) => "/special/{name}".to_owned(),
                };
                if path.is_some() {
                    s.push_str(":/{path}:");
                }
                let tail = match action {
                    Action::None => "",
                    Action::Children => "/children",
                    Action::Content => "/content",
                    Action::CreateUploadSession => "/createUploadSession",
                    Action::Copy => "/copy",
                    Action::CreateLink => "/createLink",
                    Action::Permissions => "/permissions",
                    Action::PermanentDelete => "/permanentDelete",
                    Action::Delta(_) => "/delta",
                    Action::Search(_) => "/search",
                };
                s.push_str(tail);
                s
            }
        }
    }
}

/// Graph's answer to a path it cannot map.
pub fn bad_segment(seg: &str) -> GraphError {
    GraphError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "BadRequest",
        format!("Resource not found for the segment '{seg}'."),
    )
}

/// Percent-decodes one raw segment (UTF-8, once).
pub fn decode_segment(raw: &str) -> GraphResult<String> {
    // A `%` not followed by two hex digits is not a URL (RFC 3986 §2.1): refuse it
    // rather than guess a name (a lenient decoder would keep it as a literal `%`).
    let b = raw.as_bytes();
    let malformed = b.iter().enumerate().any(|(i, &c)| {
        c == b'%'
            && !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if malformed {
        return Err(GraphError::invalid_request(
            "The URL contains an invalid percent-encoding.",
        ));
    }
    percent_decode_str(raw)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| GraphError::invalid_request("The URL contains an invalid UTF-8 sequence."))
}

/// Parses an OData function argument `name(param='value')` (quotes doubled inside).
/// `raw` is the decoded segment. Returns `None` if `raw` is not a call of `name`.
pub fn function_arg(raw: &str, name: &str, param: &str) -> Option<GraphResult<Option<String>>> {
    let rest = raw.strip_prefix(name)?;
    if rest.is_empty() {
        return Some(Ok(None));
    }
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    if inner.trim().is_empty() {
        return Some(Ok(None));
    }
    let Some(value) = inner
        .strip_prefix(param)
        .map(str::trim_start)
        .and_then(|v| v.strip_prefix('='))
        .map(str::trim)
    else {
        return Some(Err(GraphError::invalid_request(format!(
            "Invalid parameter in '{raw}'."
        ))));
    };
    let Some(quoted) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) else {
        return Some(Err(GraphError::invalid_request(format!(
            "The value of '{param}' must be a quoted string."
        ))));
    };
    // OData string literal: a quote inside is doubled.
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                return Some(Err(GraphError::invalid_request(
                    "Unescaped quote in a string literal.",
                )));
            }
        }
        out.push(c);
    }
    Some(Ok(Some(out)))
}

/// Strips the optional `microsoft.graph.` namespace of an action segment.
fn unqualified(seg: &str) -> &str {
    seg.strip_prefix("microsoft.graph.").unwrap_or(seg)
}

/// Parses the actions after an item (`children`, `content`, ...): exactly one segment,
/// except `search(q='a/b')` whose unencoded `/` split it.
fn parse_action(raw_segs: &[&str]) -> GraphResult<Action> {
    if raw_segs.is_empty() || (raw_segs.len() == 1 && raw_segs[0].is_empty()) {
        return Ok(Action::None);
    }
    let joined = raw_segs.join("/");
    let decoded = decode_segment(&joined)?;
    let seg = unqualified(&decoded);
    if let Some(arg) = function_arg(seg, "search", "q") {
        return match arg? {
            Some(q) => Ok(Action::Search(q)),
            None => Err(GraphError::invalid_request(
                "search requires the parameter q.",
            )),
        };
    }
    if raw_segs.len() > 1 {
        return Err(bad_segment(&decode_segment(raw_segs[1])?));
    }
    if let Some(arg) = function_arg(seg, "delta", "token") {
        return Ok(Action::Delta(arg?));
    }
    match seg {
        "children" => Ok(Action::Children),
        "content" => Ok(Action::Content),
        "createUploadSession" => Ok(Action::CreateUploadSession),
        "copy" => Ok(Action::Copy),
        "createLink" => Ok(Action::CreateLink),
        "permissions" => Ok(Action::Permissions),
        "permanentDelete" => Ok(Action::PermanentDelete),
        other => Err(bad_segment(other)),
    }
}

/// Parses the path after `/v1.0` (raw, percent-encoded; leading `/` optional).
pub fn parse(raw_path: &str) -> GraphResult<Target> {
    let trimmed = raw_path.trim_start_matches('/');
    let segs: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    };
    let first = segs.first().copied().unwrap_or("");
    let (drive, rest) = match first {
        "me" => match segs.get(1).copied() {
            None | Some("") if segs.len() <= 2 => return Ok(Target::Me),
            Some("drives") if segs.len() == 2 => return Ok(Target::MeDrives),
            Some("drive") => (DriveRef::Me, &segs[2..]),
            Some(other) => return Err(bad_segment(&decode_segment(other)?)),
            None => return Ok(Target::Me),
        },
        "drives" => match segs.get(1) {
            Some(id) if !id.is_empty() => (DriveRef::Id(decode_segment(id)?), &segs[2..]),
            _ => return Err(bad_segment("drives")),
        },
        "drive" => (DriveRef::Me, &segs[1..]),
        "sites" => {
            let Some(&raw_id) = segs.get(1).filter(|s| !s.is_empty()) else {
                if segs.len() <= 2 {
                    return Ok(Target::Sites);
                }
                return Err(bad_segment("sites"));
            };
            let id = decode_segment(raw_id)?;
            match segs.get(2).copied() {
                None | Some("") if segs.len() <= 3 => return Ok(Target::Site(id)),
                Some("drives") if segs.len() == 3 => return Ok(Target::SiteDrives(id)),
                Some("drive") => (DriveRef::Site(id), &segs[3..]),
                Some(other) => return Err(bad_segment(&decode_segment(other)?)),
                None => return Ok(Target::Site(id)),
            }
        }
        "shares" => return parse_share(&segs[1..]),
        other => return Err(bad_segment(&decode_segment(other)?)),
    };
    parse_drive_rest(drive, rest)
}

/// `/shares/{token}[/permission|/driveItem…|/root…|/items/{id}…]` (shares-get,
/// resources/shareddriveitem). `driveItem` and the deprecated `root` name the shared
/// item itself and are followed as an item base (`driveItem:/a/b:` paths included);
/// `items` alone cannot be enumerated (400).
fn parse_share(segs: &[&str]) -> GraphResult<Target> {
    let Some(&raw_token) = segs.first().filter(|s| !s.is_empty()) else {
        return Err(bad_segment("shares"));
    };
    let token = decode_segment(raw_token)?;
    let rest = &segs[1..];
    match rest.first().copied() {
        None => Ok(Target::Share(token)),
        Some("") if rest.len() == 1 => Ok(Target::Share(token)),
        Some("permission") if rest.len() == 1 => Ok(Target::SharePermission(token)),
        Some(head @ ("driveItem" | "driveItem:" | "root" | "root:")) => {
            let mut rewritten: Vec<&str> = rest.to_vec();
            rewritten[0] = if head.ends_with(':') { "root:" } else { "root" };
            parse_drive_rest(DriveRef::Share(token), &rewritten)
        }
        Some("items") if rest.get(1).is_some_and(|s| !s.is_empty()) => {
            parse_drive_rest(DriveRef::Share(token), rest)
        }
        Some("items") => Err(GraphError::invalid_request(
            "The items collection of a share cannot be enumerated.",
        )),
        Some(other) => Err(bad_segment(&decode_segment(other)?)),
    }
}

fn parse_drive_rest(drive: DriveRef, rest: &[&str]) -> GraphResult<Target> {
    let Some(&head) = rest.first() else {
        return Ok(Target::Drive(drive));
    };
    if head.is_empty() && rest.len() == 1 {
        return Ok(Target::Drive(drive));
    }
    // The segment naming the base item may carry the opening colon: `root:`, `{id}:`.
    let (base, after) = if head == "root" || head == "root:" {
        (ItemBase::Root, rest)
    } else if head == "items" {
        let Some(&raw_id) = rest.get(1) else {
            return Err(bad_segment("items"));
        };
        let id_part = raw_id.strip_suffix(':').unwrap_or(raw_id);
        let id = decode_segment(id_part)?;
        let base = if id == "root" {
            ItemBase::Root
        } else {
            ItemBase::Id(id)
        };
        (base, &rest[1..])
    } else if head == "special" {
        let Some(&raw_name) = rest.get(1) else {
            return Err(bad_segment("special"));
        };
        let name = decode_segment(raw_name.strip_suffix(':').unwrap_or(raw_name))?;
        (ItemBase::Special(name), &rest[1..])
    } else if head == "recent" && rest.len() == 1 {
        return Ok(Target::Recent(drive));
    } else if head == "sharedWithMe" && rest.len() == 1 {
        return Ok(Target::SharedWithMe(drive));
    } else {
        let decoded = decode_segment(&rest.join("/"))?;
        if let Some(arg) = function_arg(unqualified(&decoded), "search", "q") {
            return match arg? {
                Some(q) => Ok(Target::DriveSearch(drive, q)),
                None => Err(GraphError::invalid_request(
                    "search requires the parameter q.",
                )),
            };
        }
        return Err(bad_segment(&decode_segment(head)?));
    };
    // `after[0]` is the base segment (`root`, `{id}`, `{name}`), maybe ending in ':'.
    let base_seg = after[0];
    let tail = &after[1..];
    if !base_seg.ends_with(':') {
        return Ok(Target::Item {
            drive,
            base,
            path: None,
            action: parse_action(tail)?,
        });
    }
    // Path mode: segments up to one ending with ':' (or to the end).
    let mut path = Vec::new();
    let mut i = 0;
    let mut closed = false;
    while i < tail.len() {
        let seg = tail[i];
        i += 1;
        if let Some(last) = seg.strip_suffix(':') {
            push_path_names(&mut path, last)?;
            closed = true;
            break;
        }
        push_path_names(&mut path, seg)?;
    }
    let action = if closed {
        parse_action(&tail[i..])?
    } else {
        Action::None
    };
    Ok(Target::Item {
        drive,
        base,
        path: Some(path),
        action,
    })
}

/// Appends the names of one raw path segment: decoded, split again on a decoded `/`,
/// without empty and `.` names.
fn push_path_names(path: &mut Vec<String>, raw: &str) -> GraphResult<()> {
    let decoded = decode_segment(raw)?;
    path.extend(
        decoded
            .split('/')
            .filter(|n| !n.is_empty() && *n != ".")
            .map(str::to_owned),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(base: ItemBase, path: Option<&[&str]>, action: Action) -> Target {
        Target::Item {
            drive: DriveRef::Me,
            base,
            path: path.map(|p| p.iter().map(|s| s.to_string()).collect()),
            action,
        }
    }

    #[test]
    fn top_level() {
        assert_eq!(parse("/me").unwrap(), Target::Me);
        assert_eq!(parse("/me/drives").unwrap(), Target::MeDrives);
        assert_eq!(parse("/me/drive").unwrap(), Target::Drive(DriveRef::Me));
        assert_eq!(
            parse("/drives/ABC%21").unwrap(),
            Target::Drive(DriveRef::Id("ABC!".into()))
        );
        assert_eq!(
            parse("/me/drive/recent").unwrap(),
            Target::Recent(DriveRef::Me)
        );
        assert_eq!(
            parse("/me/drive/search(q='it''s')").unwrap(),
            Target::DriveSearch(DriveRef::Me, "it's".into())
        );
        assert_eq!(
            parse("/me/drive/sharedWithMe").unwrap(),
            Target::SharedWithMe(DriveRef::Me)
        );
        assert_eq!(parse("/sites").unwrap(), Target::Sites);
        assert_eq!(
            parse("/sites/h.example,a,b").unwrap(),
            Target::Site("h.example,a,b".into())
        );
        assert_eq!(
            parse("/sites/h.example%2Ca%2Cb/drives").unwrap(),
            Target::SiteDrives("h.example,a,b".into())
        );
        assert_eq!(
            parse("/sites/h,a,b/drive").unwrap(),
            Target::Drive(DriveRef::Site("h,a,b".into()))
        );
        assert_eq!(
            parse("/sites/h,a,b/drive/root:/x").unwrap(),
            Target::Item {
                drive: DriveRef::Site("h,a,b".into()),
                base: ItemBase::Root,
                path: Some(vec!["x".into()]),
                action: Action::None
            }
        );
        assert!(parse("/sites/h,a,b/lists").is_err());
        assert!(parse("/me/nonsense").is_err());
        assert!(parse("/users").is_err());
    }

    #[test]
    fn items_by_id_root_special() {
        assert_eq!(
            parse("/me/drive/root").unwrap(),
            item(ItemBase::Root, None, Action::None)
        );
        assert_eq!(
            parse("/me/drive/items/root/children").unwrap(),
            item(ItemBase::Root, None, Action::Children)
        );
        assert_eq!(
            parse("/me/drive/items/AB%2112/content").unwrap(),
            item(ItemBase::Id("AB!12".into()), None, Action::Content)
        );
        assert_eq!(
            parse("/me/drive/special/approot").unwrap(),
            item(ItemBase::Special("approot".into()), None, Action::None)
        );
        assert_eq!(
            parse("/me/drive/items/X/microsoft.graph.createLink").unwrap(),
            item(ItemBase::Id("X".into()), None, Action::CreateLink)
        );
        assert_eq!(
            parse("/me/drive/root/delta(token='abc')").unwrap(),
            item(ItemBase::Root, None, Action::Delta(Some("abc".into())))
        );
        assert_eq!(
            parse("/me/drive/root/search(q='a%2Fb')").unwrap(),
            item(ItemBase::Root, None, Action::Search("a/b".into()))
        );
        assert_eq!(
            parse("/me/drive/root/search(q='a/b')").unwrap(),
            item(ItemBase::Root, None, Action::Search("a/b".into()))
        );
        assert!(parse("/me/drive/root/bogus").is_err());
        assert!(parse("/me/drive/items").is_err());
    }

    #[test]
    fn path_addressing_decodes_each_segment_once() {
        assert_eq!(
            parse("/me/drive/root:/a%20b/%C3%BC+x%25.txt:/content").unwrap(),
            item(ItemBase::Root, Some(&["a b", "ü+x%.txt"]), Action::Content)
        );
        // No closing colon: the path is the last part.
        assert_eq!(
            parse("/me/drive/root:/a/b%23c").unwrap(),
            item(ItemBase::Root, Some(&["a", "b#c"]), Action::None)
        );
        assert_eq!(
            parse("/me/drive/root:/a:").unwrap(),
            item(ItemBase::Root, Some(&["a"]), Action::None)
        );
        // A decoded `/` separates names too; `.` is the current folder.
        assert_eq!(
            parse("/me/drive/root:/a%2Fb:/children").unwrap(),
            item(ItemBase::Root, Some(&["a", "b"]), Action::Children)
        );
        assert_eq!(
            parse("/drives/D/root:/.%2Fdir%2Ff.txt").unwrap(),
            Target::Item {
                drive: DriveRef::Id("D".into()),
                base: ItemBase::Root,
                path: Some(vec!["dir".into(), "f.txt".into()]),
                action: Action::None,
            }
        );
        assert_eq!(
            parse("/me/drive/root:/./a:").unwrap(),
            item(ItemBase::Root, Some(&["a"]), Action::None)
        );
        assert_eq!(
            parse("/me/drive/items/P%211:/new.txt:/createUploadSession").unwrap(),
            item(
                ItemBase::Id("P!1".into()),
                Some(&["new.txt"]),
                Action::CreateUploadSession
            )
        );
        assert_eq!(
            parse("/me/drive/special/approot:/x/y:/content").unwrap(),
            item(
                ItemBase::Special("approot".into()),
                Some(&["x", "y"]),
                Action::Content
            )
        );
        assert_eq!(
            parse("/drives/D/root:/x").unwrap(),
            Target::Item {
                drive: DriveRef::Id("D".into()),
                base: ItemBase::Root,
                path: Some(vec!["x".into()]),
                action: Action::None
            }
        );
        assert!(parse("/me/drive/root:/a%FF").is_err());
        assert!(parse("/me/drive/root:/a:/nope").is_err());
    }

    #[test]
    fn shares() {
        assert_eq!(
            parse("/shares/u!aGk").unwrap(),
            Target::Share("u!aGk".into())
        );
        assert_eq!(
            parse("/shares/s!x/permission").unwrap(),
            Target::SharePermission("s!x".into())
        );
        let share = |base, path: Option<&[&str]>, action| Target::Item {
            drive: DriveRef::Share("s!x".into()),
            base,
            path: path.map(|p| p.iter().map(|s| s.to_string()).collect()),
            action,
        };
        assert_eq!(
            parse("/shares/s!x/driveItem").unwrap(),
            share(ItemBase::Root, None, Action::None)
        );
        assert_eq!(
            parse("/shares/s!x/root/children").unwrap(),
            share(ItemBase::Root, None, Action::Children)
        );
        assert_eq!(
            parse("/shares/s!x/driveItem:/a/b.txt:/content").unwrap(),
            share(ItemBase::Root, Some(&["a", "b.txt"]), Action::Content)
        );
        assert_eq!(
            parse("/shares/s!x/items/AB%2112/children").unwrap(),
            share(ItemBase::Id("AB!12".into()), None, Action::Children)
        );
        assert_eq!(
            parse("/shares/s!x/driveItem").unwrap().label(),
            "/shares/{token}/driveItem"
        );
        assert!(parse("/shares/s!x/items").is_err());
        assert!(parse("/shares").is_err());
        assert!(parse("/shares/s!x/list").is_err());
        assert!(parse("/shares/s!x/driveItem/bogus").is_err());
    }

    #[test]
    fn labels() {
        assert_eq!(
            parse("/me/drive/items/X/children").unwrap().label(),
            "/items/{id}/children"
        );
        assert_eq!(
            parse("/me/drive/root:/a:/content").unwrap().label(),
            "/root:/{path}:/content"
        );
    }
}
