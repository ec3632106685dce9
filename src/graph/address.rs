//! Addressing drive items: which drive, which item, and the URL path that names them.
//!
//! Graph: `:` switches to path syntax relative to the item before it
//! (`/me/drive/root:/a/b c:/children`); a path as the last segment needs no closing
//! colon. Each path segment is percent-encoded on its own (RFC 3986 `pchar`), `/` stays
//! the separator, and the URL is never encoded as a whole (notes §3.2–§3.3).

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Bytes left raw in a path segment: RFC 3986 unreserved + sub-delims + `@`.
/// `:` is encoded although `pchar` allows it: inside a Graph path it would end the path
/// syntax, and no OneDrive name may contain it anyway.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'@');

/// Percent-encodes one path segment (a name or an id).
pub fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Encodes a `/`-separated path segment by segment, dropping empty segments, with a
/// leading `/` (`"a//b c/"` → `"/a/b%20c"`; `""` → `""`).
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| format!("/{}", encode_segment(s)))
        .collect()
}

/// Which drive requests address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DriveSelector {
    /// `/me/drive`: the signed-in user's default drive.
    #[default]
    Me,
    /// `/drives/{id}`.
    Id(String),
}

impl DriveSelector {
    /// Reads the state file's `api.drive`: empty, `me` or `/me/drive` select the default
    /// drive; `/drives/{id}` or a bare id select that drive.
    pub fn parse(s: &str) -> Self {
        let t = s.trim().trim_end_matches('/');
        if t.is_empty() || t.eq_ignore_ascii_case("me") || t.eq_ignore_ascii_case("/me/drive") {
            return DriveSelector::Me;
        }
        let id = t
            .strip_prefix("/drives/")
            .or_else(|| t.strip_prefix("drives/"))
            .unwrap_or(t);
        DriveSelector::Id(id.to_owned())
    }

    /// The drive id this selector names (`None` for `/me/drive`, whose id takes a
    /// request).
    pub fn id(&self) -> Option<&str> {
        match self {
            DriveSelector::Me => None,
            DriveSelector::Id(id) => Some(id),
        }
    }

    /// `/me/drive` or `/drives/{id}` (encoded).
    pub fn api_path(&self) -> String {
        match self {
            DriveSelector::Me => "/me/drive".to_owned(),
            DriveSelector::Id(id) => format!("/drives/{}", encode_segment(id)),
        }
    }
}

/// One drive item, named without a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemRef {
    /// The drive root.
    Root,
    /// An item id in the selected drive.
    Id(String),
    /// A path from the root (`/a/b c`; leading/trailing/double slashes ignored; an
    /// empty path is the root).
    Path(String),
    /// A path relative to a folder given by id (`/items/{id}:/rel`), e.g. a new file
    /// in a folder known by id. Items of another drive (a shared folder's content,
    /// notes §3.2) are addressed this way by a client for that drive
    /// ([`crate::graph::GraphClient::for_drive`]).
    IdPath { id: String, path: String },
}

impl ItemRef {
    /// A path from the root.
    pub fn path(p: impl Into<String>) -> Self {
        ItemRef::Path(p.into())
    }

    /// An id (`root` is the root alias Graph accepts in URLs).
    pub fn id(id: impl Into<String>) -> Self {
        ItemRef::Id(id.into())
    }

    /// The child `name` (may contain `/`) of this item.
    pub fn join(&self, name: &str) -> ItemRef {
        let name = name.trim_matches('/');
        match self {
            ItemRef::Root => ItemRef::Path(format!("/{name}")),
            ItemRef::Path(p) => ItemRef::Path(format!("{}/{name}", p.trim_end_matches('/'))),
            ItemRef::Id(id) => ItemRef::IdPath {
                id: id.clone(),
                path: name.to_owned(),
            },
            ItemRef::IdPath { id, path } => ItemRef::IdPath {
                id: id.clone(),
                path: format!("{}/{name}", path.trim_end_matches('/')),
            },
        }
    }

    /// True for the root, `Id("root")` and empty paths.
    pub fn is_root(&self) -> bool {
        match self {
            ItemRef::Root => true,
            ItemRef::Id(id) => id == "root",
            ItemRef::Path(p) => encode_path(p).is_empty(),
            _ => false,
        }
    }

    /// The API path naming this item, optionally followed by a relationship or action
    /// (`children`, `content`, `createUploadSession`, `copy`, `createLink`).
    ///
    /// `Root` → `/me/drive/root[/rel]`; `Id` → `/me/drive/items/{id}[/rel]`;
    /// `Path` → `/me/drive/root:/a/b[:/rel]`.
    pub fn api_path(&self, drive: &DriveSelector, rel: Option<&str>) -> String {
        let d = drive.api_path();
        let plain = |base: String| match rel {
            Some(r) => format!("{base}/{r}"),
            None => base,
        };
        let colon = |base: String| match rel {
            Some(r) => format!("{base}:/{r}"),
            None => base,
        };
        match self {
            ItemRef::Root => plain(format!("{d}/root")),
            ItemRef::Id(id) if id == "root" => plain(format!("{d}/root")),
            ItemRef::Id(id) => plain(format!("{d}/items/{}", encode_segment(id))),
            ItemRef::Path(p) => {
                let enc = encode_path(p);
                if enc.is_empty() {
                    plain(format!("{d}/root"))
                } else {
                    colon(format!("{d}/root:{enc}"))
                }
            }
            ItemRef::IdPath { id, path } => {
                let enc = encode_path(path);
                let item = format!("{d}/items/{}", encode_segment(id));
                if enc.is_empty() {
                    plain(item)
                } else {
                    colon(format!("{item}:{enc}"))
                }
            }
        }
    }
}

impl fmt::Display for ItemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemRef::Root => write!(f, "/"),
            ItemRef::Id(id) => write!(f, "{id}"),
            ItemRef::Path(p) => {
                if p.starts_with('/') {
                    write!(f, "{p}")
                } else {
                    write!(f, "/{p}")
                }
            }
            ItemRef::IdPath { id, path } => write!(f, "{id}:/{}", path.trim_start_matches('/')),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_encoding_follows_graph_rules() {
        assert_eq!(encode_segment("Ryan's Files"), "Ryan's%20Files");
        assert_eq!(encode_segment("doc (1).docx"), "doc%20(1).docx");
        assert_eq!(encode_segment("estimate%s.docx"), "estimate%25s.docx");
        assert_eq!(encode_segment("a#b?c"), "a%23b%3Fc");
        assert_eq!(encode_segment("x:y"), "x%3Ay");
        assert_eq!(encode_segment("é"), "%C3%A9");
        assert_eq!(
            encode_segment("7DDA670C5E7F91DF!103664"),
            "7DDA670C5E7F91DF!103664"
        );
        assert_eq!(
            encode_path("/Ryan's Files//doc (1).docx/"),
            "/Ryan's%20Files/doc%20(1).docx"
        );
    }

    #[test]
    fn api_paths() {
        let me = DriveSelector::Me;
        assert_eq!(ItemRef::Root.api_path(&me, None), "/me/drive/root");
        assert_eq!(
            ItemRef::Root.api_path(&me, Some("children")),
            "/me/drive/root/children"
        );
        assert_eq!(ItemRef::path("/").api_path(&me, None), "/me/drive/root");
        assert_eq!(
            ItemRef::path("/a/b c").api_path(&me, None),
            "/me/drive/root:/a/b%20c"
        );
        assert_eq!(
            ItemRef::path("a/b c").api_path(&me, Some("content")),
            "/me/drive/root:/a/b%20c:/content"
        );
        assert_eq!(
            ItemRef::id("ABC!1").api_path(&me, Some("children")),
            "/me/drive/items/ABC!1/children"
        );
        assert_eq!(ItemRef::id("root").api_path(&me, None), "/me/drive/root");
        let d = DriveSelector::Id("b!x y".into());
        assert_eq!(
            ItemRef::id("ABC!1")
                .join("new file.txt")
                .api_path(&d, Some("content")),
            "/drives/b!x%20y/items/ABC!1:/new%20file.txt:/content"
        );
        assert_eq!(
            ItemRef::Root.join("n").api_path(&me, None),
            "/me/drive/root:/n"
        );
        assert_eq!(
            ItemRef::path("/a").join("b/c").api_path(&me, None),
            "/me/drive/root:/a/b/c"
        );
        let other = DriveSelector::Id("D1".into());
        assert_eq!(
            ItemRef::id("D1!5").api_path(&other, None),
            "/drives/D1/items/D1!5"
        );
        assert_eq!(
            ItemRef::id("D1!5")
                .join("x y")
                .api_path(&other, Some("content")),
            "/drives/D1/items/D1!5:/x%20y:/content"
        );
    }

    #[test]
    fn drive_selector_parsing() {
        assert_eq!(DriveSelector::parse(""), DriveSelector::Me);
        assert_eq!(DriveSelector::parse("/me/drive"), DriveSelector::Me);
        assert_eq!(
            DriveSelector::parse("/drives/ABC/"),
            DriveSelector::Id("ABC".into())
        );
        assert_eq!(
            DriveSelector::parse("b!xyz"),
            DriveSelector::Id("b!xyz".into())
        );
        assert_eq!(DriveSelector::Id("ABC".into()).api_path(), "/drives/ABC");
    }

    #[test]
    fn roots() {
        assert!(ItemRef::Root.is_root());
        assert!(ItemRef::path("//").is_root());
        assert!(ItemRef::id("root").is_root());
        assert!(!ItemRef::path("/a").is_root());
    }
}
