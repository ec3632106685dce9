//! Items shared from another user's OneDrive Personal drive: `sharedWithMe` in its
//! three modes, what the grant lets the user reach, and shortcuts ("Add to My files").

mod graph_support;

use graph_support::{Emu, error_code, seg};
use onedrive_emulator::config::SharedWithMe;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Alice's drive with `/Team Docs/{a.txt, sub/b.txt}`, `/Private/secret.txt`,
/// `/Photos`; returns her drive id.
async fn alice(emu: &Emu) -> String {
    let (id, d) = emu.personal_drive("Alice Example").await;
    assert_eq!(d["driveType"], "personal");
    assert_eq!(d["owner"]["user"]["displayName"], "Alice Example");
    assert_eq!(id.len(), 16);
    emu.seed_file(&id, "/Team Docs/a.txt", b"hello a").await;
    emu.seed_file(&id, "/Team Docs/sub/b.txt", b"hello b").await;
    emu.seed_file(&id, "/Private/secret.txt", b"secret").await;
    emu.seed_folder(&id, "/Photos").await;
    id
}

fn ids(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|x| x["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn shared_with_me_full_degraded_retired() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    let team = emu.share(&d, "/Team Docs", "read").await;
    let a = emu.share(&d, "/Team Docs/a.txt", "read").await;
    let photos = emu.share(&d, "/Photos", "write").await;

    let (s, v) = emu.get("/me/drive/sharedWithMe").await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["@odata.context"].is_string());
    // Newest grant first.
    assert_eq!(
        ids(&v),
        [&photos["id"], &a["id"], &team["id"]].map(|x| x.as_str().unwrap_or("").to_owned())
    );
    let item = &v["value"][2];
    let r = &item["remoteItem"];
    assert_eq!(r["id"], team["id"]);
    assert_eq!(r["name"], "Team Docs");
    assert_eq!(r["folder"]["childCount"], 2);
    assert_eq!(r["size"], 14);
    assert_eq!(r["parentReference"]["driveId"], d.as_str());
    assert_eq!(r["parentReference"]["driveType"], "personal");
    assert!(r["parentReference"]["id"].is_string());
    assert_eq!(r["shared"]["owner"]["user"]["displayName"], "Alice Example");
    assert_eq!(r["shared"]["owner"]["user"]["id"], d.to_lowercase());
    assert_eq!(r["createdBy"]["user"]["displayName"], "Alice Example");
    assert!(r["lastModifiedDateTime"].is_string() && r["webUrl"].is_string());
    assert_eq!(item["name"], "Team Docs");
    assert_eq!(
        v["value"][1]["remoteItem"]["file"]["mimeType"],
        "text/plain"
    );

    // Full mode pages.
    let (_, p1) = emu.get("/me/drive/sharedWithMe?$top=2").await;
    assert_eq!(p1["value"].as_array().map(Vec::len), Some(2));
    let next = p1["@odata.nextLink"].as_str().expect("nextLink").to_owned();
    let (_, p2) = emu.get_url(&next).await;
    assert_eq!(ids(&p2), [team["id"].as_str().unwrap_or("")]);
    assert!(p2.get("@odata.nextLink").is_none());

    // Degraded and retired, switched at run time.
    let (s, m) = emu
        .admin_put("shared-with-me", br#"{"mode":"degraded"}"#.to_vec())
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["mode"], "degraded");
    let (_, v) = emu.get("/me/drive/sharedWithMe?$top=1").await;
    assert_eq!(ids(&v), [photos["id"].as_str().unwrap_or("")]);
    assert!(v.get("@odata.nextLink").is_none());
    emu.admin_put("shared-with-me", br#"{"mode":"retired"}"#.to_vec())
        .await;
    let (s, v) = emu.get("/me/drive/sharedWithMe").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"], json!([]));
    let (s, _) = emu
        .admin_put("shared-with-me", br#"{"mode":"gone"}"#.to_vec())
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn shared_with_me_mode_from_config() {
    let emu = Emu::start_with(|c| c.shared_with_me = SharedWithMe::Degraded).await;
    let d = alice(&emu).await;
    emu.share(&d, "/Team Docs", "read").await;
    let newest = emu.share(&d, "/Photos", "read").await;
    let (_, v) = emu.get("/me/drive/sharedWithMe").await;
    assert_eq!(ids(&v), [newest["id"].as_str().unwrap_or("")]);
    let emu = Emu::start_with(|c| c.shared_with_me = SharedWithMe::Retired).await;
    let d = alice(&emu).await;
    emu.share(&d, "/Team Docs", "read").await;
    let (s, v) = emu.get("/me/drive/sharedWithMe").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"], json!([]));
}

#[tokio::test]
async fn a_grant_reaches_its_subtree_only() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    // Nothing shared yet: the drive is not found at all.
    let (s, v) = emu.get(&format!("/drives/{d}/root")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&v), "itemNotFound");

    let team = emu.share(&d, "/Team Docs", "read").await;
    let tid = team["id"].as_str().expect("id").to_owned();
    let base = format!("/drives/{d}");

    // Inside the grant: the folder, its children, paths below it, content.
    let (s, v) = emu.get(&format!("{base}/items/{tid}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Team Docs");
    assert_eq!(v["parentReference"]["driveType"], "personal");
    let (s, v) = emu.get(&format!("{base}/items/{tid}/children")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"].as_array().map(Vec::len), Some(2));
    let (s, v) = emu.get(&format!("{base}/items/{tid}:/sub/b.txt")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["name"], "b.txt");
    assert!(
        v["parentReference"]["path"]
            .as_str()
            .unwrap_or("")
            .starts_with(&format!("/drives/{d}/root:/Team Docs")),
        "{v}"
    );
    let b_id = v["id"].as_str().expect("id").to_owned();
    assert_eq!(
        emu.download(&format!("{base}/items/{b_id}/content")).await,
        b"hello b"
    );
    assert_eq!(
        emu.download(&format!("{base}/items/{tid}:/a.txt:/content"))
            .await,
        b"hello a"
    );
    let (s, _) = emu.get(&format!("{base}/items/{tid}/delta")).await;
    assert_eq!(s, StatusCode::OK);

    // Outside it: 404 itemNotFound, whatever the address.
    let (_, private) = emu
        .admin_put(
            &format!("drives/{d}/content?path={}&folder=true", seg("/Private")),
            Vec::new(),
        )
        .await;
    let pid = private["id"].as_str().expect("id").to_owned();
    for p in [
        format!("{base}/root"),
        format!("{base}/root/children"),
        format!("{base}/root:/Team Docs"),
        format!("{base}/root:/Private/secret.txt"),
        format!("{base}/items/{pid}"),
        format!("{base}/items/{pid}/children"),
        format!("{base}/special/documents"),
        format!("{base}/root/delta"),
        format!("{base}/search(q='secret')"),
    ] {
        let (s, v) = emu.get(&p).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}: {v}");
        assert_eq!(error_code(&v), "itemNotFound", "{p}");
    }
    // The drive resource itself: 200, without the owner's quota.
    let (s, v) = emu.get(&base).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["driveType"], "personal");
    assert_eq!(v["owner"]["user"]["displayName"], "Alice Example");
    assert!(v.get("quota").is_none());

    // A read grant: every write is 403 accessDenied.
    let resp = emu
        .req(
            Method::PUT,
            &format!("{base}/items/{tid}:/new.txt:/content"),
        )
        .body("x")
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(error_code(&body), "accessDenied");
    let (s, _) = emu
        .post(
            &format!("{base}/items/{tid}/children"),
            json!({"name": "n", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = emu
        .post(
            &format!("{base}/items/{tid}:/big.bin:/createUploadSession"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        emu.delete(&format!("{base}/items/{b_id}")).await,
        StatusCode::FORBIDDEN
    );
    let (s, _) = emu
        .patch(&format!("{base}/items/{b_id}"), json!({"name": "c.txt"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A write grant on a folder: uploads, folders and deletes inside it work.
    let photos = emu.share(&d, "/Photos", "write").await;
    let ph = photos["id"].as_str().expect("id").to_owned();
    let resp = emu
        .req(
            Method::PUT,
            &format!("{base}/items/{ph}:/2026/x.jpg:/content"),
        )
        .body("jpeg")
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let x: Value = resp.json().await.expect("json");
    assert_eq!(x["parentReference"]["driveId"], d.as_str());
    let (s, sess) = emu
        .post(
            &format!("{base}/items/{ph}:/s.bin:/createUploadSession"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let url = sess["uploadUrl"].as_str().expect("uploadUrl");
    let resp = emu
        .http
        .put(url)
        .header("Content-Range", "bytes 0-2/3")
        .body("abc")
        .send()
        .await
        .expect("fragment");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (s, _) = emu
        .post(
            &format!("{base}/items/{ph}/children"),
            json!({"name": "Albums", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let xid = x["id"].as_str().expect("id");
    assert_eq!(
        emu.delete(&format!("{base}/items/{xid}")).await,
        StatusCode::NO_CONTENT
    );
    // The shared folder itself stays its owner's.
    assert_eq!(
        emu.delete(&format!("{base}/items/{ph}")).await,
        StatusCode::FORBIDDEN
    );
    // Nothing of this reached the user's own drive.
    let (_, v) = emu.get("/me/drive/root/children").await;
    assert_eq!(v["value"], json!([]));
}

#[tokio::test]
async fn shortcuts_in_the_root_only_and_never_passed_through() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    let team = emu.share(&d, "/Team Docs", "write").await;
    let tid = team["id"].as_str().expect("id").to_owned();

    let add = |name: &str, rid: &str, drive: &str| json!({"name": name, "remoteItem": {"id": rid, "parentReference": {"driveId": drive}}});
    // Not shared with the user: 404 (they cannot see it).
    let (_, private) = emu
        .admin_put(
            &format!("drives/{d}/content?path={}&folder=true", seg("/Private")),
            Vec::new(),
        )
        .await;
    let (s, v) = emu
        .post(
            "/me/drive/root/children",
            add("P", private["id"].as_str().unwrap_or(""), &d),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(error_code(&v), "itemNotFound");
    // Only in the root.
    let (_, mine) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "Mine", "folder": {}}),
        )
        .await;
    let mine_id = mine["id"].as_str().expect("id").to_owned();
    let (s, v) = emu
        .post(
            &format!("/me/drive/items/{mine_id}/children"),
            add("T", &tid, &d),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&v), "invalidRequest");
    let (s, _) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "T", "remoteItem": {"id": tid}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, sc) = emu
        .post("/me/drive/root/children", add("Shortcut", &tid, &d))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sc}");
    let sid = sc["id"].as_str().expect("id").to_owned();
    assert_ne!(sid, tid);
    assert_eq!(sc["name"], "Shortcut");
    assert_eq!(sc["parentReference"]["driveId"], emu.drive_id().as_str());
    let r = &sc["remoteItem"];
    assert_eq!(r["id"], tid.as_str());
    assert_eq!(r["name"], "Team Docs");
    assert_eq!(r["folder"]["childCount"], 2);
    assert_eq!(r["size"], 14);
    assert_eq!(r["parentReference"]["driveId"], d.as_str());
    assert_eq!(r["parentReference"]["driveType"], "personal");
    assert!(sc.get("folder").is_none(), "{sc}");

    // Listed in the root; the shortcut itself answers by path.
    let (_, v) = emu.get("/me/drive/root/children").await;
    let listed = v["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|x| x["id"] == sid.as_str())
        .cloned()
        .expect("shortcut listed");
    assert_eq!(listed["remoteItem"]["id"], tid.as_str());
    let (s, v) = emu.get("/me/drive/root:/Shortcut").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["remoteItem"]["id"], tid.as_str());

    // Nothing through it: reads, listings, uploads.
    for p in [
        "/me/drive/root:/Shortcut/a.txt".to_owned(),
        "/me/drive/root:/Shortcut:/children".to_owned(),
        "/me/drive/root:/Shortcut/sub:/children".to_owned(),
        format!("/me/drive/items/{sid}/children"),
        format!("/me/drive/items/{sid}:/a.txt"),
    ] {
        let (s, v) = emu.get(&p).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}: {v}");
        assert_eq!(error_code(&v), "itemNotFound");
    }
    let resp = emu
        .req(Method::PUT, "/me/drive/root:/Shortcut/new/x.txt:/content")
        .body("x")
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let (s, _) = emu
        .post(
            "/me/drive/root:/Shortcut/y.bin:/createUploadSession",
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = emu
        .post(
            &format!("/me/drive/items/{sid}/children"),
            json!({"name": "z", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Nothing was created under the shortcut, nor in the shared folder.
    let (_, v) = emu.get(&format!("/drives/{d}/items/{tid}/children")).await;
    assert_eq!(v["value"].as_array().map(Vec::len), Some(2));

    // The remote folder is addressed in the sharer's drive.
    let rd = r["parentReference"]["driveId"].as_str().expect("driveId");
    let (s, v) = emu
        .get(&format!("/drives/{rd}/items/{tid}:/sub/b.txt"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["name"], "b.txt");
    let resp = emu
        .req(
            Method::PUT,
            &format!("/drives/{rd}/items/{tid}:/added.txt:/content"),
        )
        .body("added")
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (_, v) = emu.get("/me/drive/root:/Shortcut").await;
    assert_eq!(v["remoteItem"]["folder"]["childCount"], 3);

    // A second shortcut of the same name: 409.
    let (s, _) = emu
        .post("/me/drive/root/children", add("Shortcut", &tid, &d))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Deleting the shortcut leaves the shared folder alone.
    assert_eq!(
        emu.delete(&format!("/me/drive/items/{sid}")).await,
        StatusCode::NO_CONTENT
    );
    let (s, _) = emu.get("/me/drive/root:/Shortcut").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = emu.get(&format!("/drives/{d}/items/{tid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["folder"]["childCount"], 3);
}

#[tokio::test]
async fn reset_forgets_other_drives_grants_and_shortcuts() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    let team = emu.share(&d, "/Team Docs", "read").await;
    let tid = team["id"].as_str().expect("id").to_owned();
    let (s, _) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "S", "remoteItem": {"id": tid, "parentReference": {"driveId": d}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = emu.admin_post("reset", json!({})).await;
    assert_eq!(v, Value::Null);
    let (_, v) = emu.get("/me/drive/sharedWithMe").await;
    assert_eq!(v["value"], json!([]));
    let (s, _) = emu.get(&format!("/drives/{d}/items/{tid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = emu.get("/me/drive/root/children").await;
    assert_eq!(v["value"], json!([]));
    let resp = emu
        .http
        .get(emu.url("/_emulator/drives"))
        .send()
        .await
        .expect("list");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["value"], json!([]));
    // Sharing needs an existing drive and item.
    let (s, _) = emu
        .admin_post(
            "share",
            json!({"driveId": d, "path": "/Team Docs", "role": "read"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
