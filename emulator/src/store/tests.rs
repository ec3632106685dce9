//! Unit tests of the store contract.

use super::*;

fn store() -> Store {
    Store::open(&Config::default()).expect("open")
}

fn store_with(f: impl FnOnce(&mut Config)) -> Store {
    let mut c = Config::default();
    f(&mut c);
    Store::open(&c).expect("open")
}

fn blob(s: &str) -> Blob {
    Blob::from_bytes(s.as_bytes().to_vec())
}

/// Makes `/a/sub/f.txt` (4 bytes, "data") in `s`: the items `a`, `sub` and `f.txt`.
fn a_sub_f(s: &Store) -> (Item, Item, Item) {
    let (a, _) = s.create_folder(&s.root_id(), "a", Conflict::Fail).unwrap();
    let (sub, _) = s.create_folder(&a.id, "sub", Conflict::Fail).unwrap();
    let (f, _) = s
        .put_file(
            &sub.id,
            "f.txt",
            blob("data"),
            Conflict::Fail,
            FsInfo::default(),
        )
        .unwrap();
    (a, sub, f)
}

fn code(e: crate::error::GraphError) -> (u16, String, Option<String>) {
    (e.status.as_u16(), e.code, e.inner_code)
}

#[test]
fn ids_are_personal_style() {
    let s = store();
    let d = s.drive_id();
    assert_eq!(d.len(), 16);
    assert!(
        d.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
    );
    let root = s.get(&s.root_id()).unwrap();
    assert!(root.is_root());
    assert!(root.id.starts_with(&format!("{d}!")));
    let (f, created) = s.create_folder(&root.id, "A", Conflict::Fail).unwrap();
    assert!(created);
    assert!(f.id.starts_with(&format!("{d}!")));
    assert_ne!(f.id, root.id);
    // Same seed, same drive id.
    assert_eq!(store().drive_id(), d);
    assert_ne!(store_with(|c| c.seed = 7).drive_id(), d);
}

#[test]
fn paths_resolve_case_insensitively_and_keep_case() {
    let s = store();
    let root = s.root_id();
    let (a, _) = s.create_folder(&root, "My Docs", Conflict::Fail).unwrap();
    let (f, created) = s
        .put_file(
            &a.id,
            "Ünïcode File.TXT",
            blob("hi"),
            Conflict::Fail,
            FsInfo::default(),
        )
        .unwrap();
    assert!(created);
    let got = s.resolve_path(&root, "my docs/ünïcode file.txt").unwrap();
    assert_eq!(got.id, f.id);
    assert_eq!(got.name, "Ünïcode File.TXT");
    assert_eq!(s.path_of(&f.id).unwrap(), "/My Docs/Ünïcode File.TXT");
    assert_eq!(s.path_of(&root).unwrap(), "");
    assert_eq!(s.resolve_path(&root, "").unwrap().id, root);
    assert_eq!(code(s.resolve_path(&root, "nope/x").unwrap_err()).0, 404);
    // A file is not a folder to walk through.
    assert_eq!(
        code(
            s.resolve_path(&root, "My Docs/Ünïcode File.TXT/x")
                .unwrap_err()
        )
        .0,
        404
    );
    let by_name = s.child_by_name(&a.id, "ÜNÏCODE FILE.txt").unwrap().unwrap();
    assert_eq!(by_name.id, f.id);
    assert!(s.child_by_name(&a.id, "other").unwrap().is_none());
    assert_eq!(code(s.get("nope").unwrap_err()).1, "itemNotFound");
    // Drive-id part of an item id: any case, leading zeros optional.
    let lower = f.id.to_lowercase();
    assert_eq!(s.get(&lower).unwrap().id, f.id);
    let (drive, n) = f.id.split_once('!').unwrap();
    let trimmed = format!("{}!{n}", drive.trim_start_matches('0'));
    assert_eq!(s.get(&trimmed).unwrap().id, f.id);
    assert!(s.get(&format!("FFFF{}!{n}", &drive[4..])).is_err() || drive.starts_with("FFFF"));
}

#[test]
fn children_are_in_stable_name_order() {
    let s = store();
    let root = s.root_id();
    for n in ["b", "C", "a"] {
        s.create_folder(&root, n, Conflict::Fail).unwrap();
    }
    let names: Vec<_> = s
        .children(&root)
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["a", "b", "C"]);
    assert_eq!(s.get(&root).unwrap().child_count, 3);
}

#[test]
fn folder_conflict_behaviours() {
    let s = store();
    let root = s.root_id();
    let (orig, _) = s.create_folder(&root, "My Folder", Conflict::Fail).unwrap();
    let e = s
        .create_folder(&root, "my folder", Conflict::Fail)
        .unwrap_err();
    assert_eq!(code(e), (409, "nameAlreadyExists".into(), None));
    let (r1, c1) = s
        .create_folder(&root, "My Folder", Conflict::Rename)
        .unwrap();
    assert!(c1);
    assert_eq!(r1.name, "My Folder 1");
    let (r2, _) = s
        .create_folder(&root, "My Folder", Conflict::Rename)
        .unwrap();
    assert_eq!(r2.name, "My Folder 2");
    s.put_file(
        &orig.id,
        "x",
        blob("12345"),
        Conflict::Fail,
        FsInfo::default(),
    )
    .unwrap();
    let (rep, created) = s
        .create_folder(&root, "My Folder", Conflict::Replace)
        .unwrap();
    assert!(created);
    assert_ne!(rep.id, orig.id);
    assert_eq!(rep.child_count, 0);
    assert_eq!(code(s.get(&orig.id).unwrap_err()).0, 404);
    assert_eq!(s.quota().deleted, 5);
    // Observed-Personal switch: existing folder back with created = false.
    let s2 = store_with(|c| c.mkdir_existing_ok = true);
    let root2 = s2.root_id();
    let (a, _) = s2.create_folder(&root2, "A", Conflict::Fail).unwrap();
    let (again, created) = s2.create_folder(&root2, "a", Conflict::Fail).unwrap();
    assert!(!created);
    assert_eq!(again.id, a.id);
}

#[test]
fn file_conflict_behaviours_and_tags() {
    let s = store();
    let root = s.root_id();
    let (f, created) = s
        .put_file(
            &root,
            "name.txt",
            blob("one"),
            Conflict::Fail,
            FsInfo::default(),
        )
        .unwrap();
    assert!(created);
    let e = s
        .put_file(
            &root,
            "NAME.txt",
            blob("two"),
            Conflict::Fail,
            FsInfo::default(),
        )
        .unwrap_err();
    assert_eq!(code(e).0, 409);
    let (r, created) = s
        .put_file(
            &root,
            "name.txt",
            blob("two"),
            Conflict::Rename,
            FsInfo::default(),
        )
        .unwrap();
    assert!(created);
    assert_eq!(r.name, "name 1.txt");
    let (rep, created) = s
        .put_file(
            &root,
            "name.txt",
            blob("three!"),
            Conflict::Replace,
            FsInfo::default(),
        )
        .unwrap();
    assert!(!created);
    assert_eq!(rep.id, f.id);
    assert_eq!(rep.size, 6);
    assert_ne!(rep.etag, f.etag);
    assert_ne!(rep.ctag, f.ctag);
    assert_eq!(
        rep.file().unwrap().quick_xor_hash,
        blob("three!").quick_xor_hash()
    );
    // Metadata change: eTag changes, cTag does not.
    let renamed = s
        .update(
            &f.id,
            ItemPatch {
                name: Some("renamed.txt".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_ne!(renamed.etag, rep.etag);
    assert_eq!(renamed.ctag, rep.ctag);
    assert!(renamed.matches_tag(&format!("\"{}\"", renamed.etag)));
    assert!(renamed.matches_tag(&renamed.ctag));
    assert!(!renamed.matches_tag(&rep.etag));
    // A file over a folder is refused even with replace.
    s.create_folder(&root, "dir", Conflict::Fail).unwrap();
    let e = s
        .put_file(
            &root,
            "dir",
            blob("x"),
            Conflict::Replace,
            FsInfo::default(),
        )
        .unwrap_err();
    assert_eq!(code(e).0, 409);
    assert_eq!(s.get(&root).unwrap().size, 3 + 6);
}

#[test]
fn folder_size_and_ctag_follow_descendants() {
    let s = store();
    let root = s.root_id();
    let (a, _) = s.create_folder(&root, "a", Conflict::Fail).unwrap();
    let (b, _) = s.create_folder(&a.id, "b", Conflict::Fail).unwrap();
    let before_a = s.get(&a.id).unwrap();
    let (f, _) = s
        .put_file(
            &b.id,
            "f.bin",
            blob("0123456789"),
            Conflict::Fail,
            FsInfo::default(),
        )
        .unwrap();
    let after_a = s.get(&a.id).unwrap();
    assert_eq!(after_a.size, 10);
    assert_eq!(s.get(&root).unwrap().size, 10);
    assert_ne!(
        after_a.ctag, before_a.ctag,
        "folder cTag follows descendants"
    );
    assert_eq!(
        after_a.etag, before_a.etag,
        "folder eTag only follows own props"
    );
    s.replace_content(&f.id, blob("01234"), FsInfo::default())
        .unwrap();
    assert_eq!(s.get(&a.id).unwrap().size, 5);
    assert_eq!(s.quota().used, 5);
}

#[test]
fn update_moves_renames_and_rejects_cycles() {
    let s = store();
    let root = s.root_id();
    let (a, _) = s.create_folder(&root, "a", Conflict::Fail).unwrap();
    let (b, _) = s.create_folder(&a.id, "b", Conflict::Fail).unwrap();
    let (c, _) = s.create_folder(&root, "c", Conflict::Fail).unwrap();
    s.put_file(&b.id, "f", blob("abc"), Conflict::Fail, FsInfo::default())
        .unwrap();
    let mv = |id: &str, parent: &str| {
        s.update(
            id,
            ItemPatch {
                parent_id: Some(parent.into()),
                ..Default::default()
            },
        )
    };
    assert_eq!(code(mv(&a.id, &b.id).unwrap_err()).0, 400);
    assert_eq!(code(mv(&a.id, &a.id).unwrap_err()).0, 400);
    let moved = mv(&b.id, &c.id).unwrap();
    assert_eq!(moved.parent_id.as_deref(), Some(c.id.as_str()));
    assert_eq!(s.path_of(&b.id).unwrap(), "/c/b");
    assert_eq!(s.get(&a.id).unwrap().size, 0);
    assert_eq!(s.get(&c.id).unwrap().size, 3);
    // Name taken at the destination.
    s.create_folder(&a.id, "B", Conflict::Fail).unwrap();
    assert_eq!(code(mv(&b.id, &a.id).unwrap_err()).0, 409);
    // Case-only rename in place is fine.
    let r = s
        .update(
            &b.id,
            ItemPatch {
                name: Some("B".into()),
                description: Some("desc".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(r.name, "B");
    assert_eq!(r.description.as_deref(), Some("desc"));
    let e = s
        .update(
            &b.id,
            ItemPatch {
                name: Some("bad:name".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(code(e).2.as_deref(), Some("invalidPath"));
    let e = s
        .update(
            &root,
            ItemPatch {
                name: Some("x".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(code(e).0, 400);
    let t = jiff::Timestamp::from_second(1_500_000_000).unwrap();
    let r = s
        .update(
            &b.id,
            ItemPatch {
                fs: FsInfo {
                    created: Some(t),
                    modified: Some(t),
                },
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(r.fs_modified, t);
    assert_eq!(r.fs_created, t);
}

#[test]
fn delete_goes_to_recycle_bin() {
    let s = store();
    let root = s.root_id();
    let (a, _) = s.create_folder(&root, "a", Conflict::Fail).unwrap();
    let (f, _) = s
        .put_file(&a.id, "f", blob("abcd"), Conflict::Fail, FsInfo::default())
        .unwrap();
    s.put_file(&root, "g", blob("xy"), Conflict::Fail, FsInfo::default())
        .unwrap();
    assert_eq!(s.quota().used, 6);
    s.delete(&a.id).unwrap();
    assert_eq!(code(s.get(&f.id).unwrap_err()).0, 404);
    let q = s.quota();
    assert_eq!((q.used, q.deleted), (2, 4));
    assert_eq!(q.remaining, q.total - 2);
    assert_eq!(s.get(&root).unwrap().size, 2);
    assert_eq!(code(s.delete(&root).unwrap_err()).0, 403);
    assert_eq!(code(s.delete(&a.id).unwrap_err()).0, 404);
    // A new item with the same name gets a new id.
    let (a2, _) = s.create_folder(&root, "a", Conflict::Fail).unwrap();
    assert_ne!(a2.id, a.id);
}

#[test]
fn quota_limits_writes() {
    let s = store_with(|c| c.quota = 10);
    let root = s.root_id();
    s.put_file(
        &root,
        "a",
        blob("12345678"),
        Conflict::Fail,
        FsInfo::default(),
    )
    .unwrap();
    let e = s
        .put_file(&root, "b", blob("123"), Conflict::Fail, FsInfo::default())
        .unwrap_err();
    assert_eq!(code(e), (507, "quotaLimitReached".into(), None));
    assert_eq!(code(s.check_quota(3).unwrap_err()).0, 507);
    s.check_quota(2).unwrap();
    // Replacing counts the difference only.
    s.put_file(
        &root,
        "a",
        blob("1234567890"),
        Conflict::Replace,
        FsInfo::default(),
    )
    .unwrap();
    assert_eq!(s.quota().state, "exceeded");
    s.set_quota(1000);
    assert_eq!(s.quota().state, "normal");
    s.set_quota(11);
    assert_eq!(s.quota().state, "nearing");
    let s = store_with(|c| c.quota = 1000);
    s.put_file(
        &s.root_id(),
        "big",
        Blob::from_bytes(vec![0u8; 995]),
        Conflict::Fail,
        FsInfo::default(),
    )
    .unwrap();
    assert_eq!(s.quota().state, "critical");
}

#[test]
fn copy_is_deep_with_new_ids() {
    let s = store();
    let root = s.root_id();
    let (a, sub, f) = a_sub_f(&s);
    let (dst, _) = s.create_folder(&root, "dst", Conflict::Fail).unwrap();
    let c = s.copy(&a.id, &dst.id, None, Conflict::Fail).unwrap();
    assert_ne!(c.id, a.id);
    assert_eq!(c.name, "a");
    assert_eq!(c.size, 4);
    let cf = s.resolve_path(&dst.id, "a/sub/f.txt").unwrap();
    assert_ne!(cf.id, f.id);
    assert_eq!(
        cf.file().unwrap().quick_xor_hash,
        f.file().unwrap().quick_xor_hash
    );
    assert_eq!(s.quota().used, 8);
    let e = s.copy(&a.id, &dst.id, None, Conflict::Fail).unwrap_err();
    assert_eq!(code(e).0, 409);
    let r = s.copy(&a.id, &dst.id, None, Conflict::Rename).unwrap();
    assert_eq!(r.name, "a 1");
    let n = s
        .copy(&f.id, &root, Some("new.txt"), Conflict::Fail)
        .unwrap();
    assert_eq!(n.name, "new.txt");
    assert_eq!(
        code(s.copy(&a.id, &sub.id, None, Conflict::Fail).unwrap_err()).0,
        400
    );
    assert_eq!(
        code(s.copy(&a.id, &f.id, None, Conflict::Fail).unwrap_err()).0,
        400
    );
}

#[test]
fn names_and_path_length_are_checked() {
    let s = store();
    let root = s.root_id();
    for bad in ["a?b", "CON", "~$x", " lead", "trail "] {
        let e = s.create_folder(&root, bad, Conflict::Fail).unwrap_err();
        assert_eq!(
            code(e),
            (400, "invalidRequest".into(), Some("invalidPath".into()))
        );
        let e = s
            .put_file(&root, bad, blob(""), Conflict::Fail, FsInfo::default())
            .unwrap_err();
        assert_eq!(code(e).0, 400);
    }
    let long = "x".repeat(200);
    let (a, _) = s.create_folder(&root, &long, Conflict::Fail).unwrap();
    // "x"*200 + "/" + "y"*198 = 399 chars: fine; one more is too long.
    s.create_folder(&a.id, &"y".repeat(198), Conflict::Fail)
        .unwrap();
    let e = s
        .create_folder(&a.id, &"z".repeat(199), Conflict::Fail)
        .unwrap_err();
    assert_eq!(code(e).2.as_deref(), Some("pathIsTooLong"));
    // Moving a subtree re-checks its deepest path.
    let (b, _) = s.create_folder(&root, "bb", Conflict::Fail).unwrap();
    let e = s
        .update(
            &a.id,
            ItemPatch {
                parent_id: Some(b.id.clone()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(code(e).2.as_deref(), Some("pathIsTooLong"));
}

#[test]
fn special_folders_are_created_once() {
    let s = store();
    let d = s.special("documents").unwrap();
    assert_eq!(d.name, "Documents");
    assert_eq!(d.special_folder.as_deref(), Some("documents"));
    assert_eq!(s.special("Documents").unwrap().id, d.id);
    let cr = s.special("cameraroll").unwrap();
    assert_eq!(s.path_of(&cr.id).unwrap(), "/Pictures/Camera Roll");
    let app = s.special("approot").unwrap();
    assert!(s.path_of(&app.id).unwrap().starts_with("/Apps/"));
    assert_eq!(code(s.special("nonsense").unwrap_err()).0, 400);
    // An existing folder with the display name is adopted.
    let s2 = store();
    let (m, _) = s2
        .create_folder(&s2.root_id(), "music", Conflict::Fail)
        .unwrap();
    assert_eq!(s2.special("music").unwrap().id, m.id);
}

#[test]
fn corrupting_keeps_recorded_hashes() {
    let s = store();
    let (f, _) = s
        .put_file(
            &s.root_id(),
            "f",
            blob("good"),
            Conflict::Fail,
            FsInfo::default(),
        )
        .unwrap();
    s.set_blob_unchecked(&f.id, blob("evil")).unwrap();
    let g = s.get(&f.id).unwrap();
    assert_eq!(g.file().unwrap().blob.to_vec(), b"evil");
    assert_eq!(
        g.file().unwrap().quick_xor_hash,
        blob("good").quick_xor_hash()
    );
    assert_eq!(g.etag, f.etag);
}

#[test]
fn populate_is_fast_enough_for_20000_items() {
    let s = store();
    let root = s.root_id();
    let sum = s.populate(&root, 20, 20_000, &[0, 10, 1000], 1).unwrap();
    assert_eq!(sum.folder_ids.len(), 20);
    assert_eq!(sum.file_ids.len(), 20_000);
    assert_eq!(s.item_count(), 1 + 20 + 20_000);
    assert_eq!(s.children(&sum.folder_ids[0]).unwrap().len(), 1000);
    assert_eq!(s.get(&root).unwrap().size, sum.bytes);
    // Again: names are taken, so they are renamed, never failing.
    let again = s.populate(&root, 1, 3, &[], 1).unwrap();
    assert_eq!(s.get(&again.folder_ids[0]).unwrap().name, "folder-00000 1");
}

#[test]
fn populate_nests_folders_within_the_depth_asked() {
    let s = store();
    let root = s.root_id();
    // 2,000 folders in at most 6 levels: fanout 4 (4 + 16 + ... + 4^6 >= 2,000, while
    // 3 + 9 + ... + 3^6 = 1,092 is not enough).
    let sum = s.populate(&root, 2000, 20_000, &[1], 6).unwrap();
    assert_eq!(s.item_count(), 1 + 2000 + 20_000);
    assert_eq!(s.children(&root).unwrap().len(), 4);
    let depth = |id: &str| s.path_of(id).unwrap().matches('/').count();
    let deepest = sum.folder_ids.iter().map(|id| depth(id)).max().unwrap();
    assert_eq!(deepest, 6);
    // Heap order: folder 4 is the first child of folder 0.
    assert_eq!(
        s.path_of(&sum.folder_ids[4]).unwrap(),
        "/folder-00000/folder-00004"
    );
    // Flat when depth is 0 or 1.
    let flat = s.populate(&sum.folder_ids[0], 7, 0, &[], 0).unwrap();
    for id in &flat.folder_ids {
        assert_eq!(depth(id), 2);
    }
}

#[test]
fn delta_reports_changes_since_a_position() {
    let s = store();
    let root = s.root_id();
    let full = s.delta(&root, None).unwrap();
    assert_eq!(full.entries.len(), 1);
    let (a, _) = s.create_folder(&root, "a", Conflict::Fail).unwrap();
    let (f, _) = s
        .put_file(&a.id, "f", blob("1"), Conflict::Fail, FsInfo::default())
        .unwrap();
    let (g, _) = s
        .put_file(&root, "g", blob("1"), Conflict::Fail, FsInfo::default())
        .unwrap();
    let mid = s.delta(&root, Some(full.seq)).unwrap();
    let ids: Vec<String> = mid
        .entries
        .iter()
        .map(|e| match e {
            DeltaEntry::Item(i) => i.clone(),
            DeltaEntry::Deleted(d) => d.id.clone(),
        })
        .collect();
    // Parents first (root, a, f), then g: tree pre-order.
    assert_eq!(
        ids,
        [root.clone(), a.id.clone(), f.id.clone(), g.id.clone()]
    );
    s.delete(&a.id).unwrap();
    let after = s.delta(&root, Some(mid.seq)).unwrap();
    let deleted: Vec<_> = after
        .entries
        .iter()
        .filter_map(|e| match e {
            DeltaEntry::Deleted(d) => Some(d.id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(deleted, [a.id.clone(), f.id.clone()]);
    assert!(
        after
            .entries
            .iter()
            .any(|e| matches!(e, DeltaEntry::Item(i) if *i == root))
    );
    assert!(s.delta(&root, Some(after.seq)).unwrap().entries.is_empty());
    // Scoped to a folder: only its subtree.
    let (b, _) = s.create_folder(&root, "b", Conflict::Fail).unwrap();
    let pos = s.delta_position().1;
    s.put_file(&b.id, "in", blob(""), Conflict::Fail, FsInfo::default())
        .unwrap();
    s.put_file(&root, "out", blob(""), Conflict::Fail, FsInfo::default())
        .unwrap();
    let scoped = s.delta(&b.id, Some(pos)).unwrap();
    assert_eq!(scoped.entries.len(), 2);
}

#[test]
fn search_and_recent() {
    let s = store();
    let root = s.root_id();
    let (a, _) = s.create_folder(&root, "Reports", Conflict::Fail).unwrap();
    s.put_file(
        &a.id,
        "Q1 report.txt",
        blob("x"),
        Conflict::Fail,
        FsInfo::default(),
    )
    .unwrap();
    s.put_file(
        &root,
        "other.txt",
        blob("x"),
        Conflict::Fail,
        FsInfo::default(),
    )
    .unwrap();
    let hits: Vec<_> = s
        .search(&root, "REPORT")
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(hits, ["Reports", "Q1 report.txt"]);
    assert_eq!(s.search(&a.id, "other").unwrap().len(), 0);
    let recent = s.recent(10);
    assert_eq!(recent.len(), 2);
    assert!(recent.iter().all(|i| !i.is_folder()));
}

#[test]
fn reset_empties_the_drive() {
    let s = store_with(|c| c.quota = 100);
    let root = s.root_id();
    s.put_file(&root, "a", blob("abc"), Conflict::Fail, FsInfo::default())
        .unwrap();
    s.set_quota(5);
    let (epoch, _) = s.delta_position();
    let old = s.child_by_name(&root, "a").unwrap().unwrap();
    s.reset();
    assert_eq!(s.children(&root).unwrap().len(), 0);
    assert_eq!(s.root_id(), root);
    let (fresh, _) = s.create_folder(&root, "b", Conflict::Fail).unwrap();
    assert_ne!(fresh.id, old.id, "ids are not reused after a reset");
    assert_eq!(s.quota().total, 100);
    assert_eq!(s.quota().used, 0);
    assert_ne!(s.delta_position().0, epoch);
}

#[test]
fn persists_across_reopen() {
    let dir = std::env::temp_dir().join(format!(
        "onedrive-emulator-store-test-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let cfg = Config {
        data_dir: Some(dir.clone()),
        ..Config::default()
    };
    let (fid, gid, etag);
    {
        let s = Store::open(&cfg).unwrap();
        let root = s.root_id();
        let (a, _) = s.create_folder(&root, "a b", Conflict::Fail).unwrap();
        let (f, _) = s
            .put_file(
                &a.id,
                "ü.txt",
                blob("hello"),
                Conflict::Fail,
                FsInfo::default(),
            )
            .unwrap();
        let (g, _) = s
            .put_file(&root, "gone", blob("zz"), Conflict::Fail, FsInfo::default())
            .unwrap();
        s.put_file(
            &root,
            "gone",
            blob("zzz"),
            Conflict::Replace,
            FsInfo::default(),
        )
        .unwrap();
        s.delete(&g.id).unwrap();
        fid = f.id;
        gid = g.id;
        etag = s.get(&fid).unwrap().etag;
        s.flush().unwrap();
        // Dropping the store flushes again and stops the background saver.
    }
    {
        let s = Store::open(&cfg).unwrap();
        let f = s.resolve_path(&s.root_id(), "A B/Ü.TXT").unwrap();
        assert_eq!(f.id, fid);
        assert_eq!(f.etag, etag);
        assert_eq!(f.file().unwrap().blob.to_vec(), b"hello");
        assert_eq!(s.get(&s.root_id()).unwrap().size, 5);
        assert_eq!(s.quota().deleted, 3);
        assert_eq!(code(s.get(&gid).unwrap_err()).0, 404);
        // New ids do not collide with old ones.
        let (n, _) = s.create_folder(&s.root_id(), "n", Conflict::Fail).unwrap();
        assert_ne!(n.id, fid);
        // Only the live blob is kept on disk.
        let blobs = std::fs::read_dir(dir.join("blobs")).unwrap().count();
        assert_eq!(blobs, 1);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn copy_from_another_store_is_deep_in_the_destination() {
    let src = store();
    let (a, _, _) = a_sub_f(&src);
    let dst = Store::in_memory(
        "b!library".into(),
        IdStyle::Business("ABCDEFGH".into()),
        &Config::default(),
    );
    let c = dst
        .copy_from(&src, &a.id, &dst.root_id(), None, Conflict::Fail)
        .unwrap();
    assert!(c.id.starts_with("01ABCDEFGH"), "{}", c.id);
    assert_eq!(c.size, 4);
    let cf = dst.resolve_path(&dst.root_id(), "a/sub/f.txt").unwrap();
    assert!(cf.id.starts_with("01ABCDEFGH"));
    assert_eq!((dst.quota().used, src.quota().used), (4, 4));
    // The destination's names and quota decide.
    let e = dst
        .copy_from(&src, &a.id, &dst.root_id(), None, Conflict::Fail)
        .unwrap_err();
    assert_eq!(code(e).0, 409);
    dst.set_quota(6);
    let e = dst
        .copy_from(&src, &a.id, &dst.root_id(), None, Conflict::Rename)
        .unwrap_err();
    assert_eq!(code(e).0, 507);
    // The same store: an ordinary copy.
    let n = src
        .copy_from(&src, &a.id, &src.root_id(), Some("b"), Conflict::Fail)
        .unwrap();
    assert_eq!(n.name, "b");
}
