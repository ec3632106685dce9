//! The Shares API (learn.microsoft.com/en-us/graph/api/shares-get): `u!` tokens of
//! sharing URLs and `s!` share ids, the sharedDriveItem, the shared driveItem and its
//! children, and access through `view`/`edit` links with and without
//! `Prefer: redeemSharingLink`.

mod graph_support;

use base64::Engine as _;
use graph_support::{Emu, error_code, seg};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The shares-get encoding: base64, `=` stripped, `/`→`_`, `+`→`-`, `u!` prefix.
fn encode(url: &str) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(url.as_bytes());
    format!(
        "u!{}",
        b.trim_end_matches('=').replace('/', "_").replace('+', "-")
    )
}

/// Alice's Personal drive with `/Shared/a.txt`, `/Shared/sub/b.txt`, `/Private/p.txt`
/// (nothing granted to the user). Returns the drive id.
async fn alice(emu: &Emu) -> String {
    let (id, _) = emu.personal_drive("Alice Example").await;
    emu.seed_file(&id, "/Shared/a.txt", b"hello a").await;
    emu.seed_file(&id, "/Shared/sub/b.txt", b"hello b").await;
    emu.seed_file(&id, "/Private/p.txt", b"secret").await;
    id
}

/// `POST /_emulator/links` on `path` of `drive`: the permission.
async fn admin_link(emu: &Emu, drive: &str, path: &str, kind: &str) -> Value {
    let (s, p) = emu
        .admin_post(
            "links",
            json!({"driveId": drive, "path": path, "type": kind}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    p
}

fn web_url(p: &Value) -> String {
    p["link"]["webUrl"].as_str().expect("webUrl").to_owned()
}

async fn get_prefer(emu: &Emu, path: &str, prefer: &str) -> (StatusCode, Value) {
    let (s, _, b) = emu
        .send(emu.req(Method::GET, path).header("Prefer", prefer))
        .await;
    (s, b)
}

async fn put_bytes(emu: &Emu, path: &str, data: &[u8]) -> (StatusCode, Value) {
    let (s, _, b) = emu
        .send(emu.req(Method::PUT, path).body(data.to_vec()))
        .await;
    (s, b)
}

#[tokio::test]
async fn url_token_round_trip_and_shared_drive_item() {
    let emu = Emu::start().await;
    emu.file(&emu.root_id(), "notes.txt", b"mine");
    let (s, p) = emu
        .post(
            "/me/drive/root:/notes.txt:/createLink",
            json!({"type": "view"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let url = web_url(&p);
    let share_id = p["shareId"].as_str().expect("shareId").to_owned();
    assert!(share_id.starts_with("s!"), "{share_id}");
    let token = encode(&url);
    // The token decodes back to the URL (unpadded base64url).
    let raw = token.strip_prefix("u!").expect("u!");
    assert!(!raw.contains('=') && !raw.contains('+') && !raw.contains('/'));
    let back = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .expect("base64url");
    assert_eq!(String::from_utf8(back).expect("utf8"), url);

    for t in [token.as_str(), share_id.as_str()] {
        let (s, v) = emu.get(&format!("/shares/{}", seg(t))).await;
        assert_eq!(s, StatusCode::OK, "{t}: {v}");
        assert_eq!(v["id"], json!(share_id), "{v}");
        assert_eq!(v["name"], "notes.txt");
        assert_eq!(
            v["owner"]["user"]["id"],
            json!(emu.drive_id().to_lowercase())
        );
        assert!(v.get("driveItem").is_none());
    }
    // The permission relationship is the link.
    let (s, v) = emu.get(&format!("/shares/{token}/permission")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["link"]["webUrl"], json!(url));
    assert_eq!(v["roles"], json!(["read"]));
    // Only GET.
    let (s, _) = emu.post(&format!("/shares/{token}"), json!({})).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn drive_item_children_select_and_expand_in_another_users_drive() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    let p = admin_link(&emu, &d, "/Shared", "view").await;
    let t = encode(&web_url(&p));

    let (s, v) = emu.get(&format!("/shares/{t}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Shared");
    assert_eq!(v["owner"]["user"]["displayName"], "Alice Example");

    let (s, item) = emu.get(&format!("/shares/{t}/driveItem")).await;
    assert_eq!(s, StatusCode::OK, "{item}");
    assert_eq!(item["name"], "Shared");
    assert!(item["folder"].is_object());
    assert_eq!(item["parentReference"]["driveId"], json!(d));
    let id = item["id"].as_str().expect("id").to_owned();
    // The deprecated `root` is the same item.
    let (s, root) = emu.get(&format!("/shares/{t}/root")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(root["id"], json!(id));

    let (s, sel) = emu
        .get(&format!("/shares/{t}/driveItem?$select=id,name"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        sel.get("size").is_none() && sel["name"] == "Shared",
        "{sel}"
    );

    let (s, kids) = emu.get(&format!("/shares/{t}/driveItem/children")).await;
    assert_eq!(s, StatusCode::OK, "{kids}");
    let mut names: Vec<&str> = kids["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|k| k["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["a.txt", "sub"]);

    let (s, ex) = emu
        .get(&format!("/shares/{t}/driveItem?$expand=children"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ex["children"].as_array().map(Vec::len), Some(2), "{ex}");

    // Items of the subtree by id and path; content downloads.
    let sub = kids["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|k| k["name"] == "sub")
        .and_then(|k| k["id"].as_str())
        .expect("sub id")
        .to_owned();
    let (s, v) = emu.get(&format!("/shares/{t}/items/{sub}/children")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["value"][0]["name"], "b.txt");
    assert_eq!(
        emu.download(&format!("/shares/{t}/driveItem:/a.txt:/content"))
            .await,
        b"hello a"
    );
    // An item outside the shared folder is not reached through the link.
    let private = admin_link(&emu, &d, "/Private", "view").await;
    let other = emu
        .get(&format!("/shares/{}/driveItem", encode(&web_url(&private))))
        .await
        .1["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (s, v) = emu.get(&format!("/shares/{t}/items/{other}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // `items` cannot be enumerated.
    let (s, _) = emu.get(&format!("/shares/{t}/items")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn drive_access_only_after_redeeming() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    let p = admin_link(&emu, &d, "/Shared", "view").await;
    let t = encode(&web_url(&p));
    let (s, item) = emu.get(&format!("/shares/{t}/driveItem")).await;
    assert_eq!(s, StatusCode::OK);
    let id = item["id"].as_str().expect("id").to_owned();
    // Without Prefer, and with redeemSharingLinkIfNecessary: for that request only.
    let (s, _) = get_prefer(
        &emu,
        &format!("/shares/{t}/driveItem"),
        "redeemSharingLinkIfNecessary",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = emu.get(&format!("/drives/{d}/items/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(error_code(&v), "itemNotFound");
    let (s, v) = emu.get("/me/drive/sharedWithMe").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"].as_array().map(Vec::len), Some(0), "{v}");
    // Redeemed: durable.
    let (s, _) = get_prefer(&emu, &format!("/shares/{t}"), "redeemSharingLink").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = emu.get(&format!("/drives/{d}/items/{id}/children")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["value"].as_array().map(Vec::len), Some(2));
    let (_, v) = emu.get("/me/drive/sharedWithMe").await;
    assert_eq!(v["value"][0]["remoteItem"]["id"], json!(id), "{v}");
    // Still only the shared subtree.
    let (s, _) = emu.get(&format!("/drives/{d}/root")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // An admin reset forgets links: the token no longer resolves.
    let (s, _) = emu.admin_post("reset", json!({})).await;
    assert!(s.is_success());
    let (s, v) = emu.get(&format!("/shares/{t}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}

#[tokio::test]
async fn view_link_refuses_writes_after_redeem() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    let p = admin_link(&emu, &d, "/Shared", "view").await;
    let t = encode(&web_url(&p));
    let (s, item) = get_prefer(&emu, &format!("/shares/{t}/driveItem"), "redeemSharingLink").await;
    assert_eq!(s, StatusCode::OK);
    let id = item["id"].as_str().expect("id");
    let (s, v) = put_bytes(
        &emu,
        &format!("/drives/{d}/items/{id}:/new.txt:/content"),
        b"x",
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(error_code(&v), "accessDenied");
    // Nor through the share itself.
    let (s, v) = put_bytes(
        &emu,
        &format!("/shares/{t}/driveItem:/new.txt:/content"),
        b"x",
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, _) = emu.get(&format!("/drives/{d}/items/{id}:/new.txt")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn edit_link_allows_upload_after_redeem() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    let p = admin_link(&emu, &d, "/Shared", "edit").await;
    assert_eq!(p["roles"], json!(["write"]));
    let t = p["shareId"].as_str().expect("shareId").to_owned();
    let (s, item) = emu.get(&format!("/shares/{t}/driveItem")).await;
    assert_eq!(s, StatusCode::OK);
    let id = item["id"].as_str().expect("id").to_owned();
    // Not redeemed yet: the drive route does not reach it.
    let (s, _) = put_bytes(
        &emu,
        &format!("/drives/{d}/items/{id}:/up.txt:/content"),
        b"up",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get_prefer(&emu, &format!("/shares/{t}"), "redeemSharingLink").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = put_bytes(
        &emu,
        &format!("/drives/{d}/items/{id}:/up.txt:/content"),
        b"up",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["parentReference"]["id"], json!(id));
    // Through the share too, for that request (no redeem needed).
    let (s, v) = put_bytes(
        &emu,
        &format!("/shares/{t}/driveItem:/up2.txt:/content"),
        b"2",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The shared item itself stays its owner's.
    let s = emu.delete(&format!("/drives/{d}/items/{id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_and_malformed_tokens() {
    let emu = Emu::start().await;
    for t in [
        encode("https://1drv.ms/u/s!NoSuchLink"),
        "s!NoSuchShare".to_owned(),
        "nonsense".to_owned(),
    ] {
        let (s, v) = emu.get(&format!("/shares/{}/driveItem", seg(&t))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{t}: {v}");
        assert_eq!(error_code(&v), "itemNotFound");
        let (s, _) = emu.get(&format!("/shares/{}", seg(&t))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    // Not base64, and base64 of bytes that are not UTF-8.
    for t in ["u!%2A%2A%2A", "u!_w"] {
        let (s, v) = emu.get(&format!("/shares/{t}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{t}: {v}");
        assert_eq!(error_code(&v), "invalidRequest");
    }
    // A deleted item's link no longer resolves.
    let it = emu.file(&emu.root_id(), "gone.txt", b"x");
    let (s, p) = emu
        .post(
            &format!("/me/drive/items/{}/createLink", it.id),
            json!({"type": "view"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let t = encode(&web_url(&p));
    assert_eq!(emu.get(&format!("/shares/{t}")).await.0, StatusCode::OK);
    assert_eq!(
        emu.delete(&format!("/me/drive/items/{}", it.id)).await,
        StatusCode::NO_CONTENT
    );
    let (s, _) = emu.get(&format!("/shares/{t}/driveItem")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admin_links_route_errors_and_libraries() {
    let emu = Emu::start().await;
    let d = alice(&emu).await;
    let bad = [
        json!({"driveId": d, "path": "/Shared", "type": "bogus"}),
        json!({"driveId": d, "type": "view"}),
        json!({"driveId": d, "path": "/Shared", "id": "x", "type": "view"}),
        json!({"driveId": d, "path": "/Shared", "type": "view", "extra": 1}),
    ];
    for b in bad {
        let (s, _) = emu.admin_post("links", b.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    }
    let (s, _) = emu
        .admin_post(
            "links",
            json!({"driveId": "0123456789ABCDEF", "path": "/", "type": "view"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = emu
        .admin_post(
            "links",
            json!({"driveId": d, "path": "/Nope", "type": "view"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The same link again: 200 with the same permission.
    let a = admin_link(&emu, &d, "/Shared", "view").await;
    let (s, b) = emu
        .admin_post(
            "links",
            json!({"driveId": d, "path": "/Shared", "type": "view"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a["shareId"], b["shareId"]);
    // createLink on a library item resolves too; the driveItem names the library.
    let (s, lib) = emu
        .admin_post("drives", json!({"kind": "documentLibrary", "site": "Team"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let lib = lib["drive"]["id"].as_str().expect("id").to_owned();
    emu.seed_file(&lib, "/doc.txt", b"doc").await;
    let (s, p) = emu
        .post(
            &format!("/drives/{lib}/root:/doc.txt:/createLink"),
            json!({"type": "edit", "scope": "organization"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, v) = emu
        .get(&format!("/shares/{}/driveItem", encode(&web_url(&p))))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["parentReference"]["driveId"], json!(lib));
    let (_, v) = emu.get(&format!("/shares/{}", encode(&web_url(&p)))).await;
    assert_eq!(v["owner"]["group"]["displayName"], "Team", "{v}");
}
