//! What an object argument on the command line means: a path, an id, or the root.
//!
//! Objects are paths relative to the drive root unless they look like an id, as in
//! python-onedrive. Ids recognised:
//! - Graph Personal ids `0123456789ABCDEF!123` (the drive id, `!`, a number; newer drives
//!   use `!s` + 32 hex, and drive ids may lose a leading zero, so 15 hex digits occur);
//! - Graph Business ids: `01` + 32 uppercase letters/digits;
//! - `root`;
//! - the original's LiveConnect ids `file.<16 hex>.<16 HEX>!N` / `folder.…`, converted to
//!   the Graph id `<16 HEX>!N` (OneDrive Personal kept the numbering), and the bare
//!   LiveConnect root `folder.<16 hex>` and `me/skydrive`, meaning the root.
//!
//! Items of other drives are named in Graph's own addressing (notes §3.1–§3.2), as
//! `drives` and `shared` print them:
//! - `/drives/{drive-id}/root[:/a/b]`: a drive's root, or a path from it (a
//!   SharePoint document library);
//! - `/drives/{drive-id}/items/{item-id}[:/a/b]`: an item, or a path below a folder
//!   (a shared item, `remoteItem`).
//!
//! The `drives/` prefix is read this way unless `-p` says the argument is a path.
//!
//! Resolving never walks the tree: a path becomes Graph path addressing
//! (`/root:/a/b`), which the service resolves in the same request.

/// How to read object arguments (`-p` / `-i` / neither).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reading {
    /// Guess: an id if it looks like one, else a path.
    #[default]
    Guess,
    /// `-p/--path`: always a path.
    Path,
    /// `-i/--id`: always an id (LiveConnect ids are still converted).
    Id,
}

/// An object argument as given: a sharing URL, which names its item only once read
/// (one request, see [`super::sharing_url`]), or an object, named without a request.
/// `-p` reads every argument as a path, links included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Argument {
    Link(super::sharing_url::SharingUrl),
    Object(Object),
}

impl Argument {
    /// Parses an object argument (`None`: the root).
    pub fn parse(arg: Option<&str>, reading: Reading) -> Argument {
        match arg
            .filter(|_| reading != Reading::Path)
            .and_then(super::sharing_url::SharingUrl::parse)
        {
            Some(link) => Argument::Link(link),
            None => Argument::Object(Object::parse(arg, reading)),
        }
    }

    pub fn is_link(&self) -> bool {
        matches!(self, Argument::Link(_))
    }

    /// The object: a link is read (and redeemed) first. Errors: a link the service
    /// cannot open (see [`super::sharing_url::resolve`]).
    pub async fn locate(self, graph: &crate::graph::GraphClient) -> super::error::Result<Object> {
        match self {
            Argument::Link(link) => super::sharing_url::resolve(graph, &link).await,
            Argument::Object(o) => Ok(o),
        }
    }

    /// How messages name the argument before it is located: a link by its host only.
    pub fn shown(&self, raw: &str) -> String {
        match self {
            Argument::Link(link) => link.shown(),
            Argument::Object(_) => raw.to_owned(),
        }
    }

    /// How results name the located object: as given (`raw`), except a link, named by
    /// its item's `/drives/...` address (a link is a credential, the address is not,
    /// and it works in later commands).
    pub fn named(&self, raw: &str, located: &Object) -> String {
        match self {
            Argument::Link(_) => located.display(),
            Argument::Object(_) => raw.to_owned(),
        }
    }
}

/// A parsed object argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Object {
    Root,
    Id(String),
    /// A path relative to the root, without leading or trailing `/`, never empty.
    Path(String),
    /// An item of another drive (`/drives/{drive_id}/...`): its root (`id` `None`) or
    /// an item by id, optionally followed by a path below it (no leading or trailing
    /// `/`, never empty).
    InDrive {
        drive_id: String,
        id: Option<String>,
        path: Option<String>,
    },
}

impl Object {
    /// Parses an object argument; `None` (argument omitted) is the root.
    pub fn parse(arg: Option<&str>, reading: Reading) -> Object {
        let Some(arg) = arg else {
            return Object::Root;
        };
        if reading != Reading::Path
            && let Some(o) = Self::graph_address(arg)
        {
            return o;
        }
        match reading {
            Reading::Path => Self::path(arg),
            Reading::Id => match liveconnect_to_graph(arg) {
                Some(o) => o,
                None if arg == "root" => Object::Root,
                None => Object::Id(arg.to_owned()),
            },
            Reading::Guess => {
                if let Some(o) = liveconnect_to_graph(arg) {
                    o
                } else if arg == "root" || arg == "me/skydrive" {
                    Object::Root
                } else if is_graph_id(arg) {
                    Object::Id(arg.to_owned())
                } else {
                    Self::path(arg)
                }
            }
        }
    }

    /// A path from the root. The form the service gives in `parentReference.path`
    /// (`/drive/root:/Documents`, which this tool prints too) is read as the same path.
    fn path(arg: &str) -> Object {
        let arg = arg.trim_start_matches('/');
        let arg = arg.strip_prefix("drive/root:").unwrap_or(arg);
        let p = arg.trim_matches('/');
        if p.is_empty() {
            Object::Root
        } else {
            Object::Path(p.to_owned())
        }
    }

    /// Graph's own address of an item of any drive:
    /// `/drives/{d}/root[:/path[:]]` or `/drives/{d}/items/{id}[:/path[:]]` (the leading
    /// `/` optional). Ids may be percent-encoded, as in a URL copied from a request log.
    /// `None` when `arg` is not of that form.
    fn graph_address(arg: &str) -> Option<Object> {
        let rest = arg
            .strip_prefix('/')
            .unwrap_or(arg)
            .strip_prefix("drives/")?;
        // `.` and `..` (however encoded) are no ids: a URL path would have them removed
        // (RFC 3986 §5.2.4) and address another resource.
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned())
                .filter(|c| c != "." && c != "..")
        };
        // The path part begins at the first `:`, which no id contains.
        let (head, path) = match rest.split_once(':') {
            Some((h, p)) => {
                let p = p.trim_end_matches(':').trim_matches('/');
                (h, (!p.is_empty()).then(|| p.to_owned()))
            }
            None => (rest, None),
        };
        let mut segs = head.trim_end_matches('/').split('/');
        let drive_id = decode(segs.next().filter(|d| !d.is_empty())?)?;
        let id = match (segs.next(), segs.next(), segs.next()) {
            (Some("root"), None, None) => None,
            (Some("items"), Some(id), None) if !id.is_empty() => Some(decode(id)?),
            _ => return None,
        };
        Some(Object::InDrive { drive_id, id, path })
    }

    /// The drive this object names explicitly (`/drives/{id}/...`); `None` for objects
    /// of the drive the command runs on.
    pub fn drive_id(&self) -> Option<&str> {
        match self {
            Object::InDrive { drive_id, .. } => Some(drive_id),
            _ => None,
        }
    }

    /// How the object reads in messages: a path, an id, or Graph's `/drives/...` form.
    pub fn display(&self) -> String {
        match self {
            Object::Root => "/".into(),
            Object::Id(id) => id.clone(),
            Object::Path(p) => p.clone(),
            Object::InDrive { drive_id, id, path } => {
                let base = match id {
                    Some(id) => format!("/drives/{drive_id}/items/{id}"),
                    None => format!("/drives/{drive_id}/root"),
                };
                match path {
                    Some(p) => format!("{base}:/{p}"),
                    None => base,
                }
            }
        }
    }
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Graph Personal (`HEX{15,16}!N`, `HEX16!s<32 hex>`) or Business (`01` + 32 uppercase
/// alphanumerics) item id.
pub fn is_graph_id(s: &str) -> bool {
    if let Some((drive, item)) = s.split_once('!') {
        let drive_ok = (15..=16).contains(&drive.len()) && is_hex(drive);
        let item_ok = (!item.is_empty() && item.bytes().all(|b| b.is_ascii_digit()))
            || item
                .strip_prefix('s')
                .is_some_and(|h| h.len() == 32 && is_hex(h));
        return drive_ok && item_ok;
    }
    s.len() == 34
        && s.starts_with("01")
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// python-onedrive's LiveConnect ids: `file.<16 hex lower>.<16 HEX upper>!N` (also
/// `folder.`, `photo.`, … types) → Graph `<16 HEX>!N`; `folder.<16 hex>` (the old root)
/// → the root.
pub fn liveconnect_to_graph(s: &str) -> Option<Object> {
    let (kind, rest) = s.split_once('.')?;
    if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let lower_ok = |h: &str| {
        h.len() == 16
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if kind == "folder" && lower_ok(rest) {
        return Some(Object::Root);
    }
    let (uid_lower, tail) = rest.split_once('.')?;
    let (uid_upper, num) = tail.split_once('!')?;
    let upper_ok = uid_upper.len() == 16
        && uid_upper
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
    if lower_ok(uid_lower) && upper_ok && !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit())
    {
        Some(Object::Id(format!("{uid_upper}!{num}")))
    } else {
        None
    }
}

impl Object {
    /// The Graph address of this object within its drive (no request: paths use Graph
    /// path addressing). An [`Object::InDrive`] is addressed by a client for that drive
    /// ([`Object::drive_id`], [`crate::graph::GraphClient::for_drive`]).
    pub fn item_ref(&self) -> crate::graph::ItemRef {
        use crate::graph::ItemRef;
        match self {
            Object::Root => ItemRef::Root,
            Object::Id(id) => ItemRef::Id(id.clone()),
            Object::Path(p) => ItemRef::Path(format!("/{p}")),
            Object::InDrive { id, path, .. } => match (id, path) {
                (None, None) => ItemRef::Root,
                (None, Some(p)) => ItemRef::Path(format!("/{p}")),
                (Some(id), None) => ItemRef::Id(id.clone()),
                (Some(id), Some(p)) => ItemRef::IdPath {
                    id: id.clone(),
                    path: p.clone(),
                },
            },
        }
    }

    /// The client that addresses this object: `graph` itself, or the same client
    /// pointed at the drive the object names.
    pub fn graph(&self, graph: &crate::graph::GraphClient) -> crate::graph::GraphClient {
        match self.drive_id() {
            Some(d) => graph.for_drive(crate::graph::DriveSelector::Id(d.to_owned())),
            None => graph.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guess(s: &str) -> Object {
        Object::parse(Some(s), Reading::Guess)
    }

    #[test]
    fn ids_are_recognised() {
        assert_eq!(
            guess("7DDA670C5E7F91DF!103664"),
            Object::Id("7DDA670C5E7F91DF!103664".into())
        );
        assert_eq!(
            guess("7dda670c5e7f91df!1"),
            Object::Id("7dda670c5e7f91df!1".into())
        );
        assert_eq!(
            guess("DA670C5E7F91DF1!7"),
            Object::Id("DA670C5E7F91DF1!7".into())
        );
        let s = "7DDA670C5E7F91DF!sea8cc6beffdb43d7976fbc7da445c639";
        assert_eq!(guess(s), Object::Id(s.into()));
        let b = "01NKDM7HMOJTVYMDOSXFDK2QJDXCDI3WUK";
        assert_eq!(guess(b), Object::Id(b.into()));
        assert_eq!(guess("root"), Object::Root);
        assert_eq!(guess("me/skydrive"), Object::Root);
    }

    #[test]
    fn liveconnect_ids_are_converted() {
        assert_eq!(
            guess("file.7dda670c5e7f91df.7DDA670C5E7F91DF!103664"),
            Object::Id("7DDA670C5E7F91DF!103664".into())
        );
        assert_eq!(
            guess("folder.7dda670c5e7f91df.7DDA670C5E7F91DF!12"),
            Object::Id("7DDA670C5E7F91DF!12".into())
        );
        assert_eq!(guess("folder.7dda670c5e7f91df"), Object::Root);
        // -i still converts them
        assert_eq!(
            Object::parse(
                Some("file.7dda670c5e7f91df.7DDA670C5E7F91DF!3"),
                Reading::Id
            ),
            Object::Id("7DDA670C5E7F91DF!3".into())
        );
    }

    #[test]
    fn near_misses_are_paths() {
        for p in [
            "Documents",
            "a/b.txt",
            "7DDA670C5E7F91DF!",
            "7DDA670C5E7F91DG!1",
            "01nkdm7hmojtvymdosxfdk2qjdxcdi3wuk",
            "01NKDM7HMOJTVYMDOSXFDK2QJDXCDI3WU",
            "file.7DDA670C5E7F91DF.7DDA670C5E7F91DF!1",
            "file.7dda670c5e7f91df.7dda670c5e7f91df!1",
            "notes.txt",
            "x.y.z!1",
        ] {
            assert_eq!(guess(p), Object::Path(p.into()), "{p}");
        }
    }

    #[test]
    fn forced_readings() {
        assert_eq!(
            Object::parse(Some("7DDA670C5E7F91DF!1"), Reading::Path),
            Object::Path("7DDA670C5E7F91DF!1".into())
        );
        assert_eq!(
            Object::parse(Some("root"), Reading::Path),
            Object::Path("root".into())
        );
        assert_eq!(
            Object::parse(Some("abc"), Reading::Id),
            Object::Id("abc".into())
        );
        assert_eq!(Object::parse(None, Reading::Id), Object::Root);
    }

    #[test]
    fn graph_addresses_name_other_drives() {
        let indrive = |d: &str, id: Option<&str>, path: Option<&str>| Object::InDrive {
            drive_id: d.into(),
            id: id.map(Into::into),
            path: path.map(Into::into),
        };
        assert_eq!(guess("drives/b!xY/root"), indrive("b!xY", None, None));
        assert_eq!(
            guess("/drives/b!xY/root:/Reports/q1.xlsx"),
            indrive("b!xY", None, Some("Reports/q1.xlsx"))
        );
        assert_eq!(
            guess("/drives/ABC/items/ABC!104"),
            indrive("ABC", Some("ABC!104"), None)
        );
        assert_eq!(
            guess("/drives/ABC/items/ABC%21104:/a b/c.txt:"),
            indrive("ABC", Some("ABC!104"), Some("a b/c.txt"))
        );
        // -i reads them too; -p keeps the literal path.
        assert_eq!(
            Object::parse(Some("/drives/ABC/items/ABC!1"), Reading::Id),
            indrive("ABC", Some("ABC!1"), None)
        );
        assert_eq!(
            Object::parse(Some("drives/ABC/items/ABC!1"), Reading::Path),
            Object::Path("drives/ABC/items/ABC!1".into())
        );
        // Not Graph addresses: ordinary paths.
        for p in [
            "drives",
            "drives/x",
            "/drives/x/",
            "drives/x/notes.txt",
            "drives/x/items",
            "drives/x/items/",
            "drives/x/root/a",
        ] {
            assert_eq!(guess(p), Object::Path(p.trim_matches('/').into()), "{p}");
        }
        // Encoded dot segments are not ids (the URL would be normalised elsewhere).
        assert_eq!(
            guess("/drives/L/items/%2E%2E"),
            Object::Path("drives/L/items/%2E%2E".into())
        );
        assert_eq!(
            guess("/drives/%2e/root"),
            Object::Path("drives/%2e/root".into())
        );
        // Round trip through display.
        let o = indrive("ABC", Some("ABC!1"), Some("a/b"));
        assert_eq!(guess(&o.display()), o);
        assert_eq!(
            o.item_ref()
                .api_path(&crate::graph::DriveSelector::Id("ABC".into()), None),
            "/drives/ABC/items/ABC!1:/a/b"
        );
    }

    #[test]
    fn paths_are_trimmed() {
        assert_eq!(guess("/a/b/"), Object::Path("a/b".into()));
        assert_eq!(guess("/"), Object::Root);
        assert_eq!(guess(""), Object::Root);
    }
}
