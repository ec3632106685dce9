//! Every Graph call of [`GraphClient`] against the emulator.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use onedrive_emulator::{Config, Running};

use super::*;
use crate::http::{ErrorKind, HttpClient, Result, TokenSource};

struct Fixed(String);

impl TokenSource for Fixed {
    fn access_token<'a>(&'a self, _rejected: Option<&'a str>) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

async fn setup(cfg: Config) -> (Running, GraphClient) {
    let emu = onedrive_emulator::start(cfg).await.unwrap();
    let token = emu
        .state
        .identity
        .mint_access_token(Duration::from_secs(3600));
    let http = HttpClient::new()
        .unwrap()
        .with_token_source(Arc::new(Fixed(token)));
    let g = GraphClient::new(http, &format!("{}/v1.0", emu.url), DriveSelector::Me).unwrap();
    (emu, g)
}

fn fast_copy() -> Config {
    Config {
        copy_delay: Duration::from_millis(1),
        ..Config::default()
    }
}

#[tokio::test]
async fn me_drive_and_root() {
    let (_emu, g) = setup(Config::default()).await;
    let me = g.get_me().await.unwrap();
    assert!(!me.id.is_empty());
    let d = g.get_drive().await.unwrap();
    let q = d.quota.expect("quota");
    assert!(q.total.unwrap() > 0);
    let root = g.get_item(&ItemRef::Root).await.unwrap();
    assert!(root.root.is_some() && root.is_folder());
    let by_id = g.get_item(&ItemRef::id(root.id.clone())).await.unwrap();
    assert_eq!(by_id.id, root.id);
    let by_path = g.get_item(&ItemRef::path("/")).await.unwrap();
    assert_eq!(by_path.id, root.id);
}

#[tokio::test]
async fn folders_files_and_special_names() {
    let (_emu, g) = setup(Config::default()).await;
    let f = g
        .create_folder(&ItemRef::Root, "My Docs", ConflictBehavior::Fail)
        .await
        .unwrap();
    assert!(f.folder.is_some());
    let err = g
        .create_folder(&ItemRef::Root, "My Docs", ConflictBehavior::Fail)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(err.api().unwrap().has_code("nameAlreadyExists"));
    let renamed = g
        .create_folder(&ItemRef::Root, "My Docs", ConflictBehavior::Rename)
        .await
        .unwrap();
    assert_ne!(renamed.name(), "My Docs");

    let name = "a b#c%d&e+f'(1).txt";
    let target = ItemRef::path("/My Docs").join(name);
    let item = g
        .upload_small(
            &target,
            Bytes::from_static(b"hello world"),
            Some(ConflictBehavior::Fail),
        )
        .await
        .unwrap();
    assert_eq!(item.name(), name);
    assert_eq!(item.size, Some(11));
    assert_eq!(item.quick_xor_hash(), Some("aCgDG9jwBhDc4Q1yawMZAAAAAAA="));
    // The same name again: fail → 409; replace → same id.
    let err = g
        .upload_small(
            &target,
            Bytes::from_static(b"x"),
            Some(ConflictBehavior::Fail),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let replaced = g
        .upload_small(&target, Bytes::from_static(b"hello again"), None)
        .await
        .unwrap();
    assert_eq!(replaced.id, item.id);
    // Path, id and folder-id + name all name the same item, in one request each.
    let by_path = g.get_item(&target).await.unwrap();
    let by_id = g.get_item(&ItemRef::id(item.id.clone())).await.unwrap();
    let by_parent = g
        .get_item(&ItemRef::id(f.id.clone()).join(name))
        .await
        .unwrap();
    assert_eq!(
        (by_path.id.as_str(), by_id.id.as_str()),
        (item.id.as_str(), item.id.as_str())
    );
    assert_eq!(by_parent.id, item.id);
    assert_eq!(
        by_path.parent_reference.unwrap().readable_path().as_deref(),
        Some("/My Docs")
    );

    let missing = g.get_item(&ItemRef::path("/nope/x")).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(missing.api().unwrap().request_id.is_some());
}

#[tokio::test]
async fn listing_follows_next_links() {
    let (_emu, g) = setup(Config::default()).await;
    let folder = g
        .create_folder(&ItemRef::Root, "many", ConflictBehavior::Fail)
        .await
        .unwrap();
    for i in 0..5 {
        g.upload_small(
            &ItemRef::path(format!("/many/f{i}")),
            Bytes::from(vec![b'x'; i]),
            None,
        )
        .await
        .unwrap();
    }
    let all = g.list_children(&ItemRef::path("/many")).await.unwrap();
    let mut names: Vec<_> = all.iter().map(|i| i.name().to_owned()).collect();
    names.sort();
    assert_eq!(names, vec!["f0", "f1", "f2", "f3", "f4"]);
    // Small pages: three of them, every item once.
    let first = g
        .url(
            &ItemRef::id(folder.id.clone()).api_path(g.drive_selector(), Some("children")),
            Some("$top=2"),
        )
        .unwrap();
    let pages: Vec<Vec<DriveItem>> = g
        .pages::<DriveItem>(first)
        .map(|p| p.unwrap())
        .collect()
        .await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    let mut stream = std::pin::pin!(g.children_pages(&ItemRef::path("/many"), None).unwrap());
    let mut n = 0;
    while let Some(p) = stream.next().await {
        n += p.unwrap().len();
    }
    assert_eq!(n, 5);
    g.recent().await.unwrap();
}

#[tokio::test]
async fn download_whole_and_ranges() {
    let (_emu, g) = setup(Config::default()).await;
    let data: Vec<u8> = (0..=255u8).cycle().take(2048).collect();
    let f = ItemRef::path("/d.bin");
    g.upload_small(&f, Bytes::from(data.clone()), None)
        .await
        .unwrap();
    let whole = g.download(&f, None).await.unwrap();
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(whole.bytes().await.unwrap(), data);
    let part = g
        .download(&f, Some(ByteRange::FromTo(10, 19)))
        .await
        .unwrap();
    assert!(part.is_partial());
    assert_eq!(part.content_range(), Some("bytes 10-19/2048"));
    assert_eq!(part.bytes().await.unwrap(), &data[10..20]);
    let tail = g.download(&f, Some(ByteRange::Last(5))).await.unwrap();
    let mut got = Vec::new();
    let mut s = std::pin::pin!(tail.into_stream());
    while let Some(chunk) = s.next().await {
        got.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(got, &data[2043..]);
    // The downloadUrl of the item works the same, without any token.
    let item = g.get_item(&f).await.unwrap();
    let url = url::Url::parse(item.download_url.as_deref().unwrap()).unwrap();
    let from = g
        .download_url(&url, Some(ByteRange::From(2040)))
        .await
        .unwrap();
    assert_eq!(from.bytes().await.unwrap(), &data[2040..]);
    let err = g
        .download(&ItemRef::path("/none.bin"), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn upload_session_fragments_status_and_cancel() {
    let (_emu, g) = setup(Config::default()).await;
    const FRAG: usize = 327_680;
    let data: Vec<u8> = (0..(2 * FRAG + 1000)).map(|i| (i % 251) as u8).collect();
    let total = data.len() as u64;
    let target = ItemRef::path("/big/large.bin");
    let session = g
        .create_upload_session(
            &target,
            Some(ConflictBehavior::Replace),
            Some(total),
            Some("2020-01-02T03:04:05Z"),
        )
        .await
        .unwrap();
    let url = url::Url::parse(session.upload_url.as_deref().unwrap()).unwrap();
    let first = g
        .upload_fragment(
            &url,
            0,
            (Bytes::copy_from_slice(&data[..FRAG])).len() as u64,
            total,
            reqwest::Body::from(Bytes::copy_from_slice(&data[..FRAG])),
        )
        .await
        .unwrap();
    match first {
        FragmentOutcome::Accepted(s) => assert_eq!(s.next_expected_offset(), Some(FRAG as u64)),
        other => panic!("{other:?}"),
    }
    // Sending the same bytes again overlaps: 416 fragmentOverlap; status says where to go on.
    let err = g
        .upload_fragment(
            &url,
            0,
            (Bytes::copy_from_slice(&data[..FRAG])).len() as u64,
            total,
            reqwest::Body::from(Bytes::copy_from_slice(&data[..FRAG])),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(416), "{err}");
    let status = g.upload_session_status(&url).await.unwrap();
    assert_eq!(status.next_expected_offset(), Some(FRAG as u64));
    g.upload_fragment(
        &url,
        FRAG as u64,
        (Bytes::copy_from_slice(&data[FRAG..2 * FRAG])).len() as u64,
        total,
        reqwest::Body::from(Bytes::copy_from_slice(&data[FRAG..2 * FRAG])),
    )
    .await
    .unwrap();
    let done = g
        .upload_fragment(
            &url,
            2 * FRAG as u64,
            (Bytes::copy_from_slice(&data[2 * FRAG..])).len() as u64,
            total,
            reqwest::Body::from(Bytes::copy_from_slice(&data[2 * FRAG..])),
        )
        .await
        .unwrap();
    let item = match done {
        FragmentOutcome::Completed(item) => item,
        other => panic!("{other:?}"),
    };
    assert_eq!(item.size, Some(total));
    assert_eq!(
        item.file_system_info
            .as_ref()
            .and_then(|f| f.last_modified_date_time.as_deref()),
        Some("2020-01-02T03:04:05Z")
    );
    let back = g
        .download(&target, None)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(back, data);

    // A cancelled session is gone.
    let s2 = g
        .create_upload_session(&ItemRef::path("/big/other.bin"), None, None, None)
        .await
        .unwrap();
    let url2 = url::Url::parse(s2.upload_url.as_deref().unwrap()).unwrap();
    g.cancel_upload_session(&url2).await.unwrap();
    let err = g.upload_session_status(&url2).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn update_move_delete_with_preconditions() {
    let (_emu, g) = setup(Config::default()).await;
    let dest = g
        .create_folder(&ItemRef::Root, "dest", ConflictBehavior::Fail)
        .await
        .unwrap();
    let f = g
        .upload_small(&ItemRef::path("/a.txt"), Bytes::from_static(b"a"), None)
        .await
        .unwrap();
    let id = ItemRef::id(f.id.clone());
    let err = g
        .update_item(
            &id,
            &serde_json::json!({"name": "b.txt"}),
            Some("\"not-the-etag\""),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PreconditionFailed, "{err}");
    let renamed = g
        .update_item(
            &id,
            &serde_json::json!({"name": "b.txt"}),
            f.e_tag.as_deref(),
        )
        .await
        .unwrap();
    assert_eq!(renamed.name(), "b.txt");
    let moved = g
        .move_item(
            &id,
            Some(&ParentRef {
                drive_id: None,
                id: dest.id.clone(),
            }),
            Some("c.txt"),
        )
        .await
        .unwrap();
    assert_eq!(
        moved.parent_reference.unwrap().id.as_deref(),
        Some(dest.id.as_str())
    );
    g.get_item(&ItemRef::path("/dest/c.txt")).await.unwrap();
    g.delete_item(&id, None).await.unwrap();
    let err = g.get_item(&id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = g.delete_item(&id, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn copy_with_monitor_and_links() {
    let (_emu, g) = setup(fast_copy()).await;
    let dest = g
        .create_folder(&ItemRef::Root, "copies", ConflictBehavior::Fail)
        .await
        .unwrap();
    let drive = g.get_drive().await.unwrap();
    g.upload_small(
        &ItemRef::path("/src.txt"),
        Bytes::from_static(b"copy me"),
        None,
    )
    .await
    .unwrap();
    let monitor = g
        .copy_item(
            &ItemRef::path("/src.txt"),
            &ParentRef {
                drive_id: Some(drive.id.clone()),
                id: dest.id.clone(),
            },
            Some("dst.txt"),
            None,
        )
        .await
        .unwrap();
    let mut job = g.poll_monitor(&monitor).await.unwrap();
    for _ in 0..200 {
        if job.is_completed() || job.is_failed() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        job = g.poll_monitor(&monitor).await.unwrap();
    }
    assert!(job.is_completed(), "{job:?}");
    let new_id = job.resource_id.expect("resourceId");
    let copy = g.get_item(&ItemRef::id(new_id)).await.unwrap();
    assert_eq!(copy.name(), "dst.txt");
    let body = g
        .download(&ItemRef::path("/copies/dst.txt"), None)
        .await
        .unwrap();
    assert_eq!(body.bytes().await.unwrap(), "copy me");

    let perm = g
        .create_link(
            &ItemRef::path("/src.txt"),
            LinkType::View,
            Some(LinkScope::Anonymous),
        )
        .await
        .unwrap();
    let link = perm.link.expect("link");
    assert_eq!(link.link_type.as_deref(), Some("view"));
    assert!(link.web_url.is_some());
}

#[tokio::test]
async fn delta_rounds() {
    let (_emu, g) = setup(Config::default()).await;
    g.upload_small(&ItemRef::path("/d/one.txt"), Bytes::from_static(b"1"), None)
        .await
        .unwrap();
    let first = g.delta(&ItemRef::Root, None, None).await.unwrap();
    assert!(first.items.iter().any(|i| i.name() == "one.txt"));
    let link = first.delta_link.expect("deltaLink");
    g.upload_small(&ItemRef::path("/d/two.txt"), Bytes::from_static(b"2"), None)
        .await
        .unwrap();
    let second = g.delta(&ItemRef::Root, Some(&link), None).await.unwrap();
    assert!(second.items.iter().any(|i| i.name() == "two.txt"));
    assert!(!second.items.iter().any(|i| i.name() == "one.txt"));
}
