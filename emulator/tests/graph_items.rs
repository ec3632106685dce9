//! Graph metadata endpoints on single items: /me, drives, items by id / path / special,
//! create folder, PATCH, DELETE, preconditions, names, auth and routing errors.

mod graph_support;

use graph_support::{Emu, error_code, inner_code, path, seg};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn me_and_drive_resources() {
    let emu = Emu::start_with(|c| c.quota = 1_000_000).await;
    let (s, me) = emu.get("/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["displayName"], "Emulated User");
    assert_eq!(me["userPrincipalName"], "user@example.com");
    assert!(
        me["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#users/$entity")
    );

    emu.file(&emu.root_id(), "f", b"12345");
    let (s, d) = emu.get("/me/drive").await;
    assert_eq!(s, StatusCode::OK);
    let id = d["id"].as_str().unwrap();
    assert_eq!(id.len(), 16);
    assert_eq!(d["driveType"], "personal");
    assert_eq!(d["quota"]["total"], 1_000_000);
    assert_eq!(d["quota"]["used"], 5);
    assert_eq!(d["quota"]["remaining"], 999_995);
    assert_eq!(d["quota"]["deleted"], 0);
    assert_eq!(d["quota"]["state"], "normal");
    assert!(d["owner"]["user"]["displayName"].is_string());

    // Same drive by id, case-insensitively; $select keeps id.
    let (s, d2) = emu
        .get(&format!(
            "/drives/{}?$select=driveType,quota",
            id.to_lowercase()
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d2["id"], id);
    assert!(d2.get("owner").is_none());
    assert!(d2.get("quota").is_some());
    let (s, b) = emu.get("/drives/0123456789ABCDEF").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&b), "itemNotFound");
    let (s, b) = emu.get("/me/drive?$select=bogus").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(inner_code(&b).as_deref(), Some("invalidQueryOption"));

    let (s, list) = emu.get("/me/drives").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["value"][0]["id"], id);
}

#[tokio::test]
async fn root_and_item_json_fields() {
    let emu = Emu::start().await;
    let (s, root) = emu.get("/me/drive/root").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(root["id"], emu.root_id().as_str());
    assert_eq!(root["root"], json!({}));
    // Graph: the root's parentReference names only its drive (abraunegg's onedrive
    // reads `parentReference.driveId` from `GET /me/drive/root`).
    assert_eq!(
        root["parentReference"],
        json!({"driveId": emu.drive_id(), "driveType": "personal"})
    );
    assert!(root["folder"]["childCount"].is_number());
    // `items/root` is an alias.
    let (_, alias) = emu.get("/me/drive/items/root").await;
    assert_eq!(alias["id"], root["id"]);

    let a = emu.mkdir(&emu.root_id(), "A dir");
    let f = emu.file(&a.id, "hello.txt", b"hello world");
    let (s, j) = emu.get(&format!("/me/drive/items/{}", seg(&f.id))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["name"], "hello.txt");
    assert_eq!(j["size"], 11);
    assert_eq!(j["file"]["mimeType"], "text/plain");
    // Test vector from the notes: "hello world".
    assert_eq!(
        j["file"]["hashes"]["quickXorHash"],
        "aCgDG9jwBhDc4Q1yawMZAAAAAAA="
    );
    assert!(j["file"]["hashes"].get("sha1Hash").is_none());
    assert!(j["file"]["hashes"].get("sha256Hash").is_none());
    assert_eq!(j["parentReference"]["id"], a.id.as_str());
    assert_eq!(j["parentReference"]["driveId"], emu.drive_id().as_str());
    assert_eq!(j["parentReference"]["driveType"], "personal");
    assert_eq!(j["parentReference"]["path"], "/drive/root:/A dir");
    assert!(j["eTag"].is_string() && j["cTag"].is_string());
    assert!(j["createdDateTime"].as_str().unwrap().ends_with('Z'));
    assert!(j["fileSystemInfo"]["lastModifiedDateTime"].is_string());
    assert!(j["webUrl"].is_string());
    assert!(
        j["@microsoft.graph.downloadUrl"]
            .as_str()
            .unwrap()
            .starts_with(&emu.running.url)
    );
    assert!(j["@odata.context"].as_str().unwrap().contains("$metadata#"));
    // A root child's parent path is "/drive/root:".
    let (_, aj) = emu.get(&format!("/me/drive/items/{}", a.id)).await;
    assert_eq!(aj["parentReference"]["path"], "/drive/root:");
    assert_eq!(aj["folder"]["childCount"], 1);
    assert_eq!(aj["size"], 11);

    // $select: the named fields plus id.
    let (_, sel) = emu
        .get(&format!("/me/drive/items/{}?$select=name,size", f.id))
        .await;
    let mut keys: Vec<_> = sel
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with("@odata"))
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(keys, ["id", "name", "size"]);
    let (s, b) = emu
        .get(&format!("/me/drive/items/{}?$select=nonsense", f.id))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&b), "invalidRequest");

    // $expand=children on a folder.
    let (_, ex) = emu
        .get(&format!("/me/drive/items/{}?$expand=children", a.id))
        .await;
    assert_eq!(ex["children"][0]["name"], "hello.txt");

    let (s, b) = emu.get("/me/drive/items/NOPE!1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&b), "itemNotFound");
}

#[tokio::test]
async fn legacy_sha1_mode_adds_sha1() {
    let emu = Emu::start_with(|c| c.legacy_sha1 = true).await;
    let f = emu.file(&emu.root_id(), "a", b"abc");
    let (_, j) = emu.get(&format!("/me/drive/items/{}", f.id)).await;
    assert_eq!(
        j["file"]["hashes"]["sha1Hash"],
        "A9993E364706816ABA3E25717850C26C9CD0D89D"
    );
}

#[tokio::test]
async fn path_addressing_with_special_characters() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    let names = [
        "with space",
        "hash#tag",
        "per%cent",
        "plus+sign",
        "ünïcødé ✓",
        "Ryan's Files",
        "saved_game[1].bin",
        "semi;colon=eq&amp",
    ];
    for n in names {
        let d = emu.mkdir(&root, n);
        let f = emu.file(&d.id, &format!("{n}.txt"), b"x");
        // GET /root:/{dir}/{file} with each segment percent-encoded.
        let (s, j) = emu
            .get(&format!(
                "/me/drive/root:/{}/{}",
                seg(n),
                seg(&format!("{n}.txt"))
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{n}: {j}");
        assert_eq!(j["id"], f.id.as_str(), "{n}");
        assert_eq!(j["name"], format!("{n}.txt"));
        assert_eq!(j["parentReference"]["path"], format!("/drive/root:/{n}"));
        // With a closing colon and /children; case-insensitive.
        let (s, j) = emu
            .get(&format!(
                "/me/drive/root:/{}:/children",
                seg(&n.to_uppercase())
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{n}: {j}");
        assert_eq!(j["value"][0]["id"], f.id.as_str());
        // Relative to an item id.
        let (s, j) = emu
            .get(&format!(
                "/me/drive/items/{}:/{}:",
                d.id,
                seg(&format!("{n}.txt"))
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{n}: {j}");
        assert_eq!(j["id"], f.id.as_str());
    }
    // A literal '+' is a plus, not a space: "plus sign" does not exist.
    let (s, _) = emu.get("/me/drive/root:/plus%20sign").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A decoded `/` separates names and `.` is the current folder: abraunegg's onedrive
    // asks `GET /drives/{d}/root:/.%2Fa%2Fb` whether a local path exists online.
    let a = emu.mkdir(&root, "a");
    let b = emu.mkdir(&a.id, "b");
    let (s, _) = emu.get("/me/drive/root:/a/b").await;
    assert_eq!(s, StatusCode::OK);
    for p in [
        "/me/drive/root:/a%2Fb",
        "/me/drive/root:/.%2Fa%2Fb",
        "/me/drive/root:/./a/b:",
    ] {
        let (s, j) = emu.get(p).await;
        assert_eq!(s, StatusCode::OK, "{p}: {j}");
        assert_eq!(j["id"], b.id.as_str(), "{p}");
    }
    let (s, j) = emu
        .get(&format!(
            "/drives/{}/root:/.%2Fa%2Fb?select=id,name",
            emu.drive_id()
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(j["name"], "b");
    let (s, _) = emu.get("/me/drive/root:/.%2Fa%2Fnone").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // /drives/{id}/root: works the same.
    let (s, _) = emu
        .get(&format!("/drives/{}/root:/{}", emu.drive_id(), path("a/b")))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Bad UTF-8 in a segment.
    let (s, b) = emu.get("/me/drive/root:/%FF%FE").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    error_code(&b);
}

#[tokio::test]
async fn special_folders() {
    let emu = Emu::start().await;
    // HEAD never provisions.
    let (s, _, _) = emu
        .send(emu.req(Method::HEAD, "/me/drive/special/documents"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, d) = emu.get("/me/drive/special/documents").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["name"], "Documents");
    assert_eq!(d["specialFolder"]["name"], "documents");
    let (s, _, _) = emu
        .send(emu.req(Method::HEAD, "/me/drive/special/documents"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, again) = emu.get("/me/drive/special/documents").await;
    assert_eq!(again["id"], d["id"]);
    for (name, display) in [
        ("photos", "Pictures"),
        ("cameraroll", "Camera Roll"),
        ("music", "Music"),
    ] {
        let (s, j) = emu.get(&format!("/me/drive/special/{name}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(j["name"], display);
    }
    let (s, app) = emu.get("/me/drive/special/approot").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        app["parentReference"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/drive/root:/Apps")
    );
    // Paths below a special folder, and children.
    let app_id = app["id"].as_str().unwrap();
    let x = emu.mkdir(app_id, "x y");
    let (s, j) = emu.get("/me/drive/special/approot:/x%20y").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["id"], x.id.as_str());
    let (s, j) = emu.get("/me/drive/special/approot/children").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["value"].as_array().unwrap().len(), 1);
    let (s, b) = emu.get("/me/drive/special/nonsense").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    error_code(&b);
}

#[tokio::test]
async fn create_folder_conflict_behaviours() {
    let emu = Emu::start().await;
    let (s, a) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "My Folder", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(a["name"], "My Folder");
    assert_eq!(a["folder"]["childCount"], 0);
    assert_eq!(a["size"], 0);
    // Default is fail → 409 nameAlreadyExists (case-insensitive match).
    let (s, b) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "my folder", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(error_code(&b), "nameAlreadyExists");
    let (s, b) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "My Folder", "folder": {}, "@microsoft.graph.conflictBehavior": "fail"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(error_code(&b), "nameAlreadyExists");
    // rename: "My Folder 1", then "My Folder 2".
    for expected in ["My Folder 1", "My Folder 2"] {
        let (s, r) = emu
            .post(
                "/me/drive/root/children",
                json!({"name": "My Folder", "folder": {}, "@microsoft.graph.conflictBehavior": "rename"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(r["name"], expected);
    }
    // The query string form and the legacy body key work too.
    let (s, r) = emu
        .post(
            "/me/drive/root/children?@microsoft.graph.conflictBehavior=rename",
            json!({"name": "My Folder", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(r["name"], "My Folder 3");
    let (s, _) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "My Folder", "folder": {}, "@name.conflictBehavior": "fail"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // replace: a new, empty folder takes the name.
    let a_id = a["id"].as_str().unwrap();
    emu.file(a_id, "inside", b"1234");
    let (s, r) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "My Folder", "folder": {}, "@microsoft.graph.conflictBehavior": "replace"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(r["id"], a["id"]);
    assert_eq!(r["folder"]["childCount"], 0);
    let (s, _) = emu.get(&format!("/me/drive/items/{a_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // By path, into a sub folder.
    let (s, r) = emu
        .post(
            "/me/drive/root:/My%20Folder:/children",
            json!({"name": "sub", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(r["parentReference"]["path"], "/drive/root:/My Folder");
    // Errors: bad conflictBehavior, no name, no folder facet, bad JSON, invalid names.
    let cases = [
        json!({"name": "x", "folder": {}, "@microsoft.graph.conflictBehavior": "sideways"}),
        json!({"folder": {}}),
        json!({"name": "x"}),
        json!({"name": 5, "folder": {}}),
        json!(["not", "an", "object"]),
    ];
    for c in cases {
        let (s, b) = emu.post("/me/drive/root/children", c.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{c}");
        assert_eq!(error_code(&b), "invalidRequest");
    }
    let (s, _, b) = emu
        .send(
            emu.req(Method::POST, "/me/drive/root/children")
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&b), "invalidRequest");
    // Children of a file.
    let f = emu.file(&emu.root_id(), "file.txt", b"");
    let (s, _) = emu
        .post(
            &format!("/me/drive/items/{}/children", f.id),
            json!({"name": "x", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn mkdir_existing_ok_switch_answers_200() {
    let emu = Emu::start_with(|c| c.mkdir_existing_ok = true).await;
    let (s, a) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "d", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, b) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "D", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a["id"], b["id"]);
}

#[tokio::test]
async fn invalid_names_are_rejected() {
    let emu = Emu::start().await;
    for bad in [
        "a*b",
        "a:b",
        "a<b",
        "a>b",
        "a?b",
        "a\"b",
        "a|b",
        "a\\b",
        " lead",
        "trail ",
        "CON",
        "lpt1",
        ".lock",
        "desktop.ini",
        "~$temp",
        "x_vti_y",
    ] {
        let (s, b) = emu
            .post(
                "/me/drive/root/children",
                json!({"name": bad, "folder": {}}),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(error_code(&b), "invalidRequest", "{bad:?}");
        assert_eq!(inner_code(&b).as_deref(), Some("invalidPath"), "{bad:?}");
    }
    // Path length: the decoded path must stay under 400 characters.
    let long = "n".repeat(250);
    let (s, _) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": long, "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, b) = emu
        .post(
            &format!("/me/drive/root:/{long}:/children"),
            json!({"name": "m".repeat(149), "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(inner_code(&b).as_deref(), Some("pathIsTooLong"));
    let (s, _) = emu
        .post(
            &format!("/me/drive/root:/{long}:/children"),
            json!({"name": "m".repeat(148), "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn patch_rename_move_and_cycles() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    let a = emu.mkdir(&root, "a");
    let b = emu.mkdir(&a.id, "b");
    let c = emu.mkdir(&root, "c");
    let f = emu.file(&b.id, "f.txt", b"abc");
    let item = |id: &str| format!("/me/drive/items/{id}");

    // Rename.
    let (s, j) = emu.patch(&item(&f.id), json!({"name": "g.txt"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["name"], "g.txt");
    assert_eq!(j["id"], f.id.as_str());
    assert_ne!(j["eTag"], f.etag.as_str());
    assert_eq!(j["cTag"], f.ctag.as_str(), "a rename is no content change");
    // Move and rename in one request.
    let (s, j) = emu
        .patch(
            &item(&f.id),
            json!({"parentReference": {"id": c.id}, "name": "moved.txt"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["parentReference"]["path"], "/drive/root:/c");
    assert_eq!(j["name"], "moved.txt");
    // Move by parentReference.path, with driveId.
    let (s, j) = emu
        .patch(
            &item(&f.id),
            json!({"parentReference": {"driveId": emu.drive_id(), "path": "/drive/root:/a/b"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["parentReference"]["id"], b.id.as_str());
    // Into its own descendant → 400; onto a taken name → 409.
    let (s, e) = emu
        .patch(&item(&a.id), json!({"parentReference": {"id": b.id}}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    error_code(&e);
    emu.mkdir(&c.id, "B");
    let (s, e) = emu
        .patch(&item(&b.id), json!({"parentReference": {"id": c.id}}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(error_code(&e), "nameAlreadyExists");
    // The "root" alias is refused; the real root id works.
    let (s, _) = emu
        .patch(&item(&b.id), json!({"parentReference": {"id": "root"}}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, j) = emu
        .patch(&item(&b.id), json!({"parentReference": {"id": root}}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["parentReference"]["path"], "/drive/root:");
    // Other drive, unknown parent, file as parent.
    let (s, _) = emu
        .patch(
            &item(&b.id),
            json!({"parentReference": {"driveId": "FFFFFFFFFFFFFFFF", "id": a.id}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = emu
        .patch(&item(&b.id), json!({"parentReference": {"id": "NOPE!9"}}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = emu
        .patch(&item(&b.id), json!({"parentReference": {"id": f.id}}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // description and fileSystemInfo.
    let (s, j) = emu
        .patch(
            &item(&f.id),
            json!({"description": "notes", "fileSystemInfo": {"lastModifiedDateTime": "2020-01-02T03:04:05Z", "createdDateTime": "2019-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["description"], "notes");
    assert_eq!(
        j["fileSystemInfo"]["lastModifiedDateTime"],
        "2020-01-02T03:04:05Z"
    );
    assert_eq!(
        j["fileSystemInfo"]["createdDateTime"],
        "2019-01-01T00:00:00Z"
    );
    // Read-only and unknown properties, bad values, invalid names.
    let (s, e) = emu.patch(&item(&f.id), json!({"size": 5})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(inner_code(&e).as_deref(), Some("propertyNotUpdateable"));
    let (s, _) = emu.patch(&item(&f.id), json!({"bogus": 1})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = emu
        .patch(
            &item(&f.id),
            json!({"fileSystemInfo": {"lastModifiedDateTime": "yesterday"}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, e) = emu.patch(&item(&f.id), json!({"name": "a/b"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(inner_code(&e).as_deref(), Some("invalidPath"));
    // PATCH by path.
    let (s, j) = emu
        .patch(
            "/me/drive/root:/a/b/moved.txt",
            json!({"name": "final.txt"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{j}");
    let (s, j) = emu
        .patch("/me/drive/root:/b/moved.txt", json!({"name": "final.txt"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    // The root cannot be renamed.
    let (s, _) = emu.patch("/me/drive/root", json!({"name": "x"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn if_match_and_if_none_match() {
    let emu = Emu::start().await;
    let f = emu.file(&emu.root_id(), "f", b"data");
    let url = format!("/me/drive/items/{}", f.id);
    // Stale eTag → 412 and nothing changes.
    let (s, _, e) = emu
        .send(
            emu.req(Method::PATCH, &url)
                .header("if-match", "\"aStale\"")
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    assert_eq!(error_code(&e), "resourceModified");
    assert_eq!(emu.running.state.store.get(&f.id).unwrap().name, "f");
    // Current eTag (quoted or not) passes.
    let (s, _, j) = emu
        .send(
            emu.req(Method::PATCH, &url)
                .header("if-match", format!("\"{}\"", f.etag))
                .json(&json!({"name": "g"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let etag = j["eTag"].as_str().unwrap().to_owned();
    // The old one no longer matches: DELETE refused.
    let (s, _, _) = emu
        .send(emu.req(Method::DELETE, &url).header("if-match", &f.etag))
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    assert!(emu.running.state.store.get(&f.id).is_ok());
    // If-None-Match with the current tag → 304; with another → 200.
    let (s, _, body) = emu
        .send(emu.req(Method::GET, &url).header("if-none-match", &etag))
        .await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    assert!(body.is_null());
    let (s, _, _) = emu
        .send(
            emu.req(Method::GET, &url)
                .header("if-none-match", "\"other\""),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // If-None-Match: * on an existing item → 412.
    let (s, _, _) = emu
        .send(emu.req(Method::GET, &url).header("if-none-match", "*"))
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    // Children: 304 with the folder's cTag.
    let (_, root) = emu.get("/me/drive/root").await;
    let (s, _, _) = emu
        .send(
            emu.req(Method::GET, "/me/drive/root/children")
                .header("if-none-match", root["cTag"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    let (s, _, _) = emu
        .send(emu.req(Method::DELETE, &url).header("if-match", &etag))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn delete_moves_to_recycle_bin() {
    let emu = Emu::start().await;
    let a = emu.mkdir(&emu.root_id(), "a");
    let f = emu.file(&a.id, "f", b"0123456789");
    emu.file(&emu.root_id(), "keep", b"xy");
    assert_eq!(
        emu.delete("/me/drive/root:/a").await,
        StatusCode::NO_CONTENT
    );
    let (s, b) = emu.get(&format!("/me/drive/items/{}", f.id)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&b), "itemNotFound");
    let (_, d) = emu.get("/me/drive").await;
    assert_eq!(d["quota"]["deleted"], 10);
    assert_eq!(d["quota"]["used"], 2);
    assert_eq!(
        emu.delete(&format!("/me/drive/items/{}", a.id)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(emu.delete("/me/drive/root").await, StatusCode::FORBIDDEN);
    let (_, root) = emu.get("/me/drive/root").await;
    assert_eq!(root["size"], 2);
    assert_eq!(root["folder"]["childCount"], 1);
}

#[tokio::test]
async fn permanent_delete_skips_the_recycle_bin() {
    // Graph "driveItem: permanentDelete": 204, "permanently removed and aren't sent to
    // the recycle bin".
    let emu = Emu::start().await;
    let a = emu.mkdir(&emu.root_id(), "a");
    let f = emu.file(&a.id, "f", b"0123456789");
    let (s, _, _) = emu
        .send(
            emu.req(
                Method::POST,
                &format!("/me/drive/items/{}/permanentDelete", a.id),
            )
            .header("content-length", "0"),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = emu.get(&format!("/me/drive/items/{}", f.id)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, d) = emu.get("/me/drive").await;
    assert_eq!(d["quota"]["deleted"], 0, "not in the recycle bin");
    assert_eq!(d["quota"]["used"], 0);
    let (s, _, _) = emu
        .send(emu.req(
            Method::GET,
            &format!("/me/drive/items/{}/permanentDelete", emu.root_id()),
        ))
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn auth_routing_and_method_errors() {
    let emu = Emu::start().await;
    // No token → 401 in Graph's shape.
    let (s, _, b) = emu.send(emu.http.get(emu.url("/v1.0/me/drive/root"))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    error_code(&b);
    let (s, _, _) = emu
        .send(
            emu.http
                .get(emu.url("/v1.0/me/drive/root"))
                .bearer_auth("garbage"),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Unknown segments → 400 BadRequest; every response has a request-id.
    for p in [
        "/me/drive/bogus",
        "/me/nonsense",
        "/users",
        "/me/drive/root/bogus",
        "/me/drive/root:/a:/bogus",
    ] {
        let (s, h, b) = emu.send(emu.req(Method::GET, p)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
        assert_eq!(error_code(&b), "BadRequest", "{p}");
        assert_eq!(
            h["request-id"].to_str().unwrap(),
            b["error"]["innerError"]["request-id"].as_str().unwrap()
        );
    }
    // Wrong methods → 405.
    for (m, p) in [
        (Method::DELETE, "/me/drive"),
        (Method::POST, "/me"),
        (Method::PUT, "/me/drive/root"),
        (Method::DELETE, "/me/drive/root/children"),
        (Method::GET, "/me/drive/root/copy"),
        (Method::GET, "/me/drive/root/createUploadSession"),
    ] {
        let (s, _, b) = emu.send(emu.req(m.clone(), p)).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{m} {p}");
        error_code(&b);
    }
    // Listing a file's children.
    let f = emu.file(&emu.root_id(), "f", b"");
    let (s, _) = emu.get(&format!("/me/drive/items/{}/children", f.id)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn route_labels_reach_stats() {
    let emu = Emu::start().await;
    for _ in 0..3 {
        emu.get("/me/drive/root/children").await;
    }
    emu.get(&format!("/me/drive/items/{}", emu.root_id())).await;
    let text = emu.running.state.stats.snapshot().to_string();
    assert!(text.contains("/root/children"), "{text}");
    assert!(text.contains("/items/{id}"), "{text}");
    assert!(!text.contains(&emu.root_id()), "ids are not labels: {text}");
}

#[tokio::test]
async fn uploads_are_routed_to_their_targets() {
    let emu = Emu::start().await;
    let put = |p: &str, data: &'static [u8]| {
        emu.req(Method::PUT, p)
            .header("content-type", "application/octet-stream")
            .body(data)
    };
    // PUT by path creates the missing folders on the way (the service does).
    let (s, _, j) = emu
        .send(put(
            "/me/drive/root:/new%20dir/sub/f%2Bile.txt:/content",
            b"abc",
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
    assert_eq!(j["name"], "f+ile.txt");
    assert_eq!(j["parentReference"]["path"], "/drive/root:/new dir/sub");
    let id = j["id"].as_str().unwrap().to_owned();
    // By parent id + name, replacing (default conflictBehavior for PUT).
    let sub = emu
        .running
        .state
        .store
        .resolve_path(&emu.root_id(), "new dir/sub")
        .unwrap();
    let (s, _, j) = emu
        .send(put(
            &format!("/me/drive/items/{}:/F+ILE.txt:/content", sub.id),
            b"abcd",
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(j["id"], id.as_str());
    assert_eq!(j["size"], 4);
    // By item id, with a stale If-Match → 412, then a current one.
    let (s, _, _) = emu
        .send(put(&format!("/me/drive/items/{id}/content"), b"x").header("if-match", "\"stale\""))
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    let (s, _, j) = emu
        .send(
            put(&format!("/me/drive/items/{id}/content"), b"xyz")
                .header("if-match", j["eTag"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(j["size"], 3);
    // A bad conflictBehavior, an invalid name, a file in the way of a folder.
    let (s, _, _) = emu
        .send(put(
            "/me/drive/root:/g.txt:/content?@microsoft.graph.conflictBehavior=maybe",
            b"",
        ))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, b) = emu
        .send(put("/me/drive/root:/bad%3Fname:/content", b""))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _, _) = emu
        .send(put(
            "/me/drive/root:/new%20dir/sub/f+ile.txt/x.txt:/content",
            b"",
        ))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Upload session by path: the session URL lives outside /v1.0.
    let (s, _, j) = emu
        .send(
            emu.req(
                Method::POST,
                "/me/drive/root:/big%20one.bin:/createUploadSession",
            )
            .json(&json!({"item": {"@microsoft.graph.conflictBehavior": "rename"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let upload_url = j["uploadUrl"].as_str().unwrap();
    assert!(upload_url.starts_with(&emu.running.url) && !upload_url.contains("/v1.0/"));
    // Download: 302 to the pre-authenticated URL.
    let (s, h, _) = emu
        .send(emu.req(
            Method::GET,
            "/me/drive/root:/new%20dir/sub/f+ile.txt:/content",
        ))
        .await;
    assert_eq!(s, StatusCode::FOUND);
    let loc = h["location"].to_str().unwrap().to_owned();
    let bytes = emu
        .http
        .get(&loc)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"xyz");
    let (s, _) = emu.get("/me/drive/root:/missing.txt:/content").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn parallel_uploads_into_one_new_folder() {
    let emu = std::sync::Arc::new(Emu::start().await);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let emu = emu.clone();
        tasks.push(tokio::spawn(async move {
            let (s, _, j) = emu
                .send(
                    emu.req(
                        Method::PUT,
                        &format!("/me/drive/root:/fresh/deeper/f{i}.txt:/content"),
                    )
                    .body(format!("file {i}")),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{j}");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let (_, root) = emu.get("/me/drive/root/children").await;
    assert_eq!(
        root["value"].as_array().unwrap().len(),
        1,
        "one folder: {root}"
    );
    let (_, kids) = emu.get("/me/drive/root:/fresh/deeper:/children").await;
    assert_eq!(kids["value"].as_array().unwrap().len(), 16);
}

#[tokio::test]
async fn addressing_variants() {
    let emu = Emu::start().await;
    let a = emu.mkdir(&emu.root_id(), "a");
    // HEAD answers like GET without a body.
    let (s, _, b) = emu.send(emu.req(Method::HEAD, "/me/drive/root:/a")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(b.is_null());
    // An empty path is the base item; a trailing colon is allowed; `/drive` alias.
    for p in ["/me/drive/root:", "/me/drive/root:/", "/drive/root"] {
        let (s, j) = emu.get(p).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert_eq!(j["id"], emu.root_id().as_str(), "{p}");
    }
    let (s, j) = emu.get("/me/drive/root:/a:").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["id"], a.id.as_str());
    // Drive ids: lowercase and without the leading zeros the service sometimes drops.
    let drive = emu.drive_id();
    let short = drive.trim_start_matches('0');
    let (s, _) = emu
        .get(&format!(
            "/drives/{}/items/{}",
            short.to_lowercase(),
            a.id.to_lowercase()
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Item ids percent-encoded.
    let (s, _) = emu
        .get(&format!("/me/drive/items/{}", a.id.replace('!', "%21")))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Unknown $expand → 400; namespace-qualified actions work.
    let (s, b) = emu.get("/me/drive/root?$expand=bogus").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(inner_code(&b).as_deref(), Some("invalidQueryOption"));
    let (s, _) = emu
        .post(
            &format!("/me/drive/items/{}/microsoft.graph.createLink", a.id),
            json!({"type": "view"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}
