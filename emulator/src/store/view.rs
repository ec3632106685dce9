//! What a driveItem's JSON is written from: a snapshot ([`Item`]) or a node read in
//! place under the store's lock ([`NodeView`]).
//!
//! A full delta round writes every item of the drive once. Taking a snapshot of each
//! (a dozen strings copied, then freed) was a third of a page's time, so delta walks
//! write from the nodes themselves while they hold the read lock; single items and
//! other listings keep using snapshots. Both give the same JSON.

use std::borrow::Cow;

use jiff::Timestamp;

use super::tree::{Content, Node, Tree};
use super::{Item, ItemKind};

/// The facts a driveItem's JSON shows.
pub trait ItemFields {
    fn id(&self) -> &str;
    fn name(&self) -> &str;
    /// `None` for the root.
    fn parent_id(&self) -> Option<&str>;
    /// A file's MIME type, QuickXorHash and (legacy) SHA-1.
    fn file(&self) -> Option<(&str, &str, Option<&str>)>;
    /// A folder's number of children.
    fn child_count(&self) -> Option<u64>;
    /// A file whose `hashes` are reported as `{}` (see [`super::FileMeta::hashes_blank`]).
    fn hashes_blank(&self) -> bool;
    fn created(&self) -> Timestamp;
    fn modified(&self) -> Timestamp;
    fn fs_created(&self) -> Timestamp;
    fn fs_modified(&self) -> Timestamp;
    fn description(&self) -> Option<&str>;
    fn special_folder(&self) -> Option<&str>;
    /// Bytes: the file's, or a folder's whole subtree.
    fn size(&self) -> u64;
    fn etag(&self) -> Cow<'_, str>;
    fn ctag(&self) -> Cow<'_, str>;
    /// The decoded path (`/a/b`) of the folder `id`, when the source can tell it
    /// without taking the store's lock (`None`: ask the store).
    fn path_of(&self, id: &str) -> Option<Option<String>>;
}

impl ItemFields for Item {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn parent_id(&self) -> Option<&str> {
        self.parent_id.as_deref()
    }
    fn file(&self) -> Option<(&str, &str, Option<&str>)> {
        match &self.kind {
            ItemKind::File(f) => Some((&f.mime_type, &f.quick_xor_hash, f.sha1_hash.as_deref())),
            ItemKind::Folder => None,
        }
    }
    fn child_count(&self) -> Option<u64> {
        self.is_folder().then_some(self.child_count)
    }
    fn hashes_blank(&self) -> bool {
        self.file().is_some_and(|f| f.hashes_blank)
    }
    fn created(&self) -> Timestamp {
        self.created
    }
    fn modified(&self) -> Timestamp {
        self.modified
    }
    fn fs_created(&self) -> Timestamp {
        self.fs_created
    }
    fn fs_modified(&self) -> Timestamp {
        self.fs_modified
    }
    fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    fn special_folder(&self) -> Option<&str> {
        self.special_folder.as_deref()
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn etag(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.etag)
    }
    fn ctag(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.ctag)
    }
    fn path_of(&self, _id: &str) -> Option<Option<String>> {
        None
    }
}

/// A node of the store, read in place (the store's read lock is held meanwhile).
pub struct NodeView<'a> {
    pub(crate) tree: &'a Tree,
    pub(crate) node: &'a Node,
}

impl ItemFields for NodeView<'_> {
    fn id(&self) -> &str {
        &self.node.id
    }
    fn name(&self) -> &str {
        &self.node.name
    }
    fn parent_id(&self) -> Option<&str> {
        self.node.parent.as_deref()
    }
    fn file(&self) -> Option<(&str, &str, Option<&str>)> {
        match &self.node.content {
            Content::File(f) => Some((&f.mime_type, &f.quick_xor_hash, f.sha1_hash.as_deref())),
            Content::Folder { .. } => None,
        }
    }
    fn child_count(&self) -> Option<u64> {
        match &self.node.content {
            Content::Folder { children, .. } => Some(children.len() as u64),
            Content::File(_) => None,
        }
    }
    fn hashes_blank(&self) -> bool {
        matches!(&self.node.content, Content::File(f) if f.hashes_blank)
    }
    fn created(&self) -> Timestamp {
        self.node.created
    }
    fn modified(&self) -> Timestamp {
        self.node.modified
    }
    fn fs_created(&self) -> Timestamp {
        self.node.fs_created
    }
    fn fs_modified(&self) -> Timestamp {
        self.node.fs_modified
    }
    fn description(&self) -> Option<&str> {
        self.node.description.as_deref()
    }
    fn special_folder(&self) -> Option<&str> {
        self.node.special.as_deref()
    }
    fn size(&self) -> u64 {
        self.node.size()
    }
    fn etag(&self) -> Cow<'_, str> {
        Cow::Owned(self.tree.etag(self.node))
    }
    fn ctag(&self) -> Cow<'_, str> {
        Cow::Owned(self.tree.ctag(self.node))
    }
    fn path_of(&self, id: &str) -> Option<Option<String>> {
        Some(self.tree.path_of(id).ok())
    }
}
