//! `POST {item}/copy` between drives (Graph "driveItem: copy": `parentReference` with
//! the destination's `driveId` and `id`): the user's own drive, document libraries and
//! folders shared with the user; the monitor names the destination drive.

mod graph_support;

use std::time::Duration;

use graph_support::{Emu, error_code, seg};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A document library; returns its drive id and root id.
async fn library(emu: &Emu) -> (String, String) {
    let (s, v) = emu
        .admin_post(
            "drives",
            json!({"kind": "documentLibrary", "site": "Team", "name": "Documents"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["drive"]["id"].as_str().expect("drive id").to_owned();
    let (s, root) = emu.get(&format!("/drives/{id}/root")).await;
    assert_eq!(s, StatusCode::OK);
    (id, root["id"].as_str().expect("root id").to_owned())
}

/// Alice's Personal drive with `/Team Docs/a.txt`, `/Drop/`, `/Read Only/`,
/// `/Private/`; `/Team Docs` shared `read`, `/Drop` `write`, `/Read Only` `read`.
/// Returns her drive id and the ids of the three shared folders (the user cannot reach
/// them by path: her root is not shared).
async fn alice(emu: &Emu) -> (String, [String; 3]) {
    let (id, _) = emu.personal_drive("Alice Example").await;
    emu.seed_file(&id, "/Team Docs/a.txt", b"hello a").await;
    emu.seed_file(&id, "/Team Docs/sub/b.txt", b"hello b").await;
    for f in ["/Drop", "/Read Only", "/Private"] {
        emu.seed_folder(&id, f).await;
    }
    let mut ids = Vec::new();
    for (p, role) in [
        ("/Team Docs", "read"),
        ("/Drop", "write"),
        ("/Read Only", "read"),
    ] {
        let v = emu.share(&id, p, role).await;
        ids.push(v["id"].as_str().expect("id").to_owned());
    }
    let ids: [String; 3] = ids.try_into().expect("three");
    (id, ids)
}

async fn item_id(emu: &Emu, path: &str) -> String {
    let (s, v) = emu.get(path).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v["id"].as_str().expect("id").to_owned()
}

/// `POST {url}` (`{item}/copy` and its query); the 202's monitor URL (panics on
/// anything else).
async fn start_copy(emu: &Emu, url: &str, body: Value) -> String {
    let (s, h, v) = emu.send(emu.req(Method::POST, url).json(&body)).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    h.get("location")
        .and_then(|v| v.to_str().ok())
        .expect("monitor")
        .to_owned()
}

/// The copy's answer (status, error code) when it is refused.
async fn refused(emu: &Emu, item: &str, body: Value) -> (StatusCode, String) {
    let (s, _, v) = emu
        .send(emu.req(Method::POST, &format!("{item}/copy")).json(&body))
        .await;
    assert_ne!(s, StatusCode::ACCEPTED, "{body}");
    (s, error_code(&v))
}

/// Polls the monitor until it stops answering 202; its last answer.
async fn finish(emu: &Emu, monitor: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    for _ in 0..250 {
        let r = emu.send(emu.http.get(monitor)).await;
        if r.0 != StatusCode::ACCEPTED {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the copy never ended");
}

/// Copies and waits; the new item's id (`resourceId`).
async fn copy(emu: &Emu, item: &str, body: Value) -> String {
    let monitor = start_copy(emu, &format!("{item}/copy"), body).await;
    let (s, _, v) = finish(emu, &monitor).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "completed", "{v}");
    v["resourceId"].as_str().expect("resourceId").to_owned()
}

#[tokio::test]
async fn own_drive_folder_to_library_with_its_subtree() {
    let emu = Emu::start().await;
    let (lib, lib_root) = library(&emu).await;
    let src = emu.mkdir(&emu.root_id(), "Src");
    emu.file(&src.id, "a.txt", b"alpha");
    let sub = emu.mkdir(&src.id, "sub");
    emu.file(&sub.id, "b.txt", b"bravo!");

    let rid = copy(
        &emu,
        &format!("/me/drive/items/{}", src.id),
        json!({"parentReference": {"driveId": lib, "id": lib_root}, "name": "Copied"}),
    )
    .await;
    // The new folder is the library's, with an id of the library's format.
    assert!(rid.starts_with("01") && rid.len() == 34, "{rid}");
    let (s, v) = emu.get(&format!("/drives/{lib}/items/{rid}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Copied");
    assert_eq!(v["size"], 11);
    assert_eq!(v["folder"]["childCount"], 2);
    assert_eq!(v["parentReference"]["driveId"], lib.as_str());
    assert_eq!(v["parentReference"]["id"], lib_root.as_str());
    let (s, _) = emu.get(&format!("/me/drive/items/{rid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The whole subtree, with its content.
    let b = format!("/drives/{lib}/root:/{}", seg("Copied/sub/b.txt"));
    let bid = item_id(&emu, &b).await;
    assert!(bid.starts_with("01"), "{bid}");
    assert_eq!(emu.download(&format!("{b}:/content")).await, b"bravo!");
    // The source is untouched; the own drive holds nothing new.
    let (_, v) = emu.get("/me/drive/root/children").await;
    assert_eq!(v["value"].as_array().map(Vec::len), Some(1));
    let (_, v) = emu.get(&format!("/drives/{lib}/root")).await;
    assert_eq!(v["size"], 11);
}

#[tokio::test]
async fn library_to_own_drive_and_the_destination_decides_conflicts_and_quota() {
    let emu = Emu::start().await;
    let (lib, _) = library(&emu).await;
    let f = emu.seed_file(&lib, "/Plans/q1.txt", b"plans").await;
    let fid = f["id"].as_str().expect("id").to_owned();
    let src = format!("/drives/{lib}/items/{fid}");
    let own = emu.drive_id();
    let dest = emu.mkdir(&emu.root_id(), "Inbox");

    let rid = copy(
        &emu,
        &src,
        json!({"parentReference": {"driveId": own, "id": dest.id}}),
    )
    .await;
    assert!(rid.contains('!'), "a Personal id: {rid}");
    let (s, v) = emu.get(&format!("/drives/{own}/items/{rid}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "q1.txt");
    assert_eq!(v["parentReference"]["id"], dest.id.as_str());
    assert_eq!(
        emu.download(&format!("/me/drive/items/{rid}/content"))
            .await,
        b"plans"
    );
    // The name is now taken in the destination (not in the source's folder).
    let body = json!({"parentReference": {"driveId": own, "id": dest.id}});
    let (s, code) = refused(&emu, &src, body.clone()).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::CONFLICT, "nameAlreadyExists")
    );
    let monitor = start_copy(
        &emu,
        &format!("{src}/copy?@microsoft.graph.conflictBehavior=rename"),
        body,
    )
    .await;
    let (_, _, v) = finish(&emu, &monitor).await;
    let renamed = v["resourceId"].as_str().expect("resourceId");
    let (_, v) = emu.get(&format!("/me/drive/items/{renamed}")).await;
    assert_eq!(v["name"], "q1 1.txt");
    // The destination's quota applies (the library has room; the own drive has not).
    let (s, _) = emu.admin_put("quota", br#"{"total": 12}"#.to_vec()).await;
    assert_eq!(s, StatusCode::OK);
    let (s, code) = refused(
        &emu,
        &src,
        json!({"parentReference": {"driveId": own, "id": dest.id}, "name": "again.txt"}),
    )
    .await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::INSUFFICIENT_STORAGE, "quotaLimitReached")
    );
}

#[tokio::test]
async fn the_redirect_names_the_destination_drive() {
    let emu = Emu::start_with(|c| c.copy_monitor_redirect = true).await;
    let (lib, lib_root) = library(&emu).await;
    let f = emu.file(&emu.root_id(), "r.txt", b"r");
    let monitor = start_copy(
        &emu,
        &format!("/me/drive/items/{}/copy", f.id),
        json!({"parentReference": {"driveId": lib, "id": lib_root}}),
    )
    .await;
    let (s, h, v) = finish(&emu, &monitor).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let rid = v["resourceId"].as_str().expect("resourceId");
    let loc = h["location"].to_str().expect("ascii");
    assert!(
        loc.ends_with(&format!("/v1.0/drives/{lib}/items/{rid}")),
        "{loc}"
    );
    let (s, _) = emu.get_url(loc).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn shared_folders_as_source_and_destination() {
    let emu = Emu::start().await;
    let (d, [team, drop, ro]) = alice(&emu).await;
    let own = emu.drive_id();
    let inbox = emu.mkdir(&emu.root_id(), "Inbox");

    // A `read` grant is enough to copy out of it, folder and all.
    let rid = copy(
        &emu,
        &format!("/drives/{d}/items/{team}"),
        json!({"parentReference": {"driveId": own, "id": inbox.id}}),
    )
    .await;
    let (s, v) = emu.get(&format!("/me/drive/items/{rid}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Team Docs");
    assert_eq!(v["size"], 14);
    assert_eq!(
        emu.download(&format!(
            "/me/drive/root:/{}:/content",
            seg("Inbox/Team Docs/sub/b.txt")
        ))
        .await,
        b"hello b"
    );

    // Into a `write` grant: the copy is Alice's drive's (by the parentReference path
    // form too).
    let mine = emu.file(&emu.root_id(), "mine.txt", b"my data");
    let rid = copy(
        &emu,
        &format!("/me/drive/items/{}", mine.id),
        json!({"parentReference": {"driveId": d, "id": drop}}),
    )
    .await;
    let (s, v) = emu.get(&format!("/drives/{d}/items/{rid}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["parentReference"]["id"], drop.as_str());
    assert_eq!(v["parentReference"]["driveId"], d.as_str());
    let rid2 = copy(
        &emu,
        &format!("/me/drive/items/{}", mine.id),
        json!({"parentReference": {"path": format!("/drives/{d}/root:/Drop")}, "name": "m2.txt"}),
    )
    .await;
    let (s, v) = emu.get(&format!("/drives/{d}/items/{rid2}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "m2.txt");

    // A `read` grant refuses it (403); outside any grant, or an unknown drive: 404.
    let src = format!("/me/drive/items/{}", mine.id);
    let (s, code) = refused(
        &emu,
        &src,
        json!({"parentReference": {"driveId": d, "id": ro}}),
    )
    .await;
    assert_eq!((s, code.as_str()), (StatusCode::FORBIDDEN, "accessDenied"));
    let private = emu.seed_folder(&d, "/Private").await;
    let pid = private["id"].as_str().expect("id");
    let (s, code) = refused(
        &emu,
        &src,
        json!({"parentReference": {"driveId": d, "id": pid}}),
    )
    .await;
    assert_eq!((s, code.as_str()), (StatusCode::NOT_FOUND, "itemNotFound"));
    let (s, code) = refused(
        &emu,
        &src,
        json!({"parentReference": {"driveId": "b!nope", "id": pid}}),
    )
    .await;
    assert_eq!((s, code.as_str()), (StatusCode::NOT_FOUND, "itemNotFound"));
    // Another drive with no folder named: 400.
    let (s, code) = refused(&emu, &src, json!({"parentReference": {"driveId": d}})).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalidRequest")
    );
    // Nothing reached Read Only or Private.
    let (_, v) = emu.get(&format!("/drives/{d}/items/{ro}/children")).await;
    assert_eq!(v["value"], json!([]));
}

#[tokio::test]
async fn moves_between_drives_and_copies_into_shortcuts_stay_refused() {
    let emu = Emu::start().await;
    let (d, [_, drop, _]) = alice(&emu).await;
    let (lib, lib_root) = library(&emu).await;
    let mine = emu.file(&emu.root_id(), "mine.txt", b"x");
    let src = format!("/me/drive/items/{}", mine.id);
    // PATCH cannot move between drives (driveItem: move).
    let (s, v) = emu
        .patch(
            &src,
            json!({"parentReference": {"driveId": lib, "id": lib_root}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&v), "invalidRequest");
    // A shortcut to Drop in the own drive: not a folder to copy into.
    let (s, sc) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "Drop", "remoteItem": {"id": drop, "parentReference": {"driveId": d}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sc}");
    let sid = sc["id"].as_str().expect("id");
    let f = emu.seed_file(&lib, "/f.txt", b"f").await;
    let lib_src = format!("/drives/{lib}/items/{}", f["id"].as_str().expect("id"));
    let (s, code) = refused(
        &emu,
        &lib_src,
        json!({"parentReference": {"driveId": emu.drive_id(), "id": sid}}),
    )
    .await;
    assert_eq!((s, code.as_str()), (StatusCode::NOT_FOUND, "itemNotFound"));
    let (s, code) = refused(&emu, &format!("/me/drive/items/{sid}"), json!({})).await;
    assert_eq!((s, code.as_str()), (StatusCode::NOT_FOUND, "itemNotFound"));
}
