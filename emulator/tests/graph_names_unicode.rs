//! Names are compared as the service compares them (rclone/rclone#8634):
//! case-insensitively, and canonically equivalent Unicode forms (NFC, NFD) are the same
//! name, while each name is stored in the form it was sent in; a rename from one form
//! to the other does not take.

mod graph_support;

use graph_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// "Café.txt" with a precomposed é (U+00E9).
const NFC: &str = "Caf\u{e9}.txt";
/// The same text with e + combining acute (U+0301).
const NFD: &str = "Cafe\u{301}.txt";

async fn put(emu: &Emu, name: &str, data: &[u8], conflict: Option<&str>) -> (StatusCode, Value) {
    let mut p = format!("/me/drive/root:/{}:/content", path(name));
    if let Some(c) = conflict {
        p.push_str(&format!("?@microsoft.graph.conflictBehavior={c}"));
    }
    let (s, _, b) = emu.send(emu.req(Method::PUT, &p).body(data.to_vec())).await;
    (s, b)
}

async fn get(emu: &Emu, name: &str) -> (StatusCode, Value) {
    emu.get(&format!("/me/drive/root:/{}", path(name))).await
}

async fn names(emu: &Emu) -> Vec<String> {
    let (_, v) = emu.get("/me/drive/root/children").await;
    v["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|i| i["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn paths_in_either_form_and_case_find_the_item_stored_as_sent() {
    let emu = Emu::start().await;
    let (st, made) = put(&emu, NFC, b"one", None).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(made["name"], NFC);
    for lookup in [NFC, NFD, "CAFE\u{301}.TXT", "caf\u{e9}.TXT"] {
        let (st, v) = get(&emu, lookup).await;
        assert_eq!(st, StatusCode::OK, "{lookup:?}");
        assert_eq!(v["id"], made["id"]);
        assert_eq!(v["name"], NFC, "stored as sent");
    }
    // The other way round: an NFD name is kept in NFD.
    let (_, d) = put(&emu, "U\u{308}ber", b"x", None).await;
    assert_eq!(d["name"], "U\u{308}ber");
    let (st, v) = get(&emu, "\u{dc}ber").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["id"], d["id"]);
    assert!(names(&emu).await.contains(&"U\u{308}ber".to_owned()));
    // Inside a path too.
    let folder = emu.mkdir(&emu.root_id(), "Dossier \u{e9}t\u{e9}");
    emu.file(&folder.id, "a.txt", b"a");
    let (st, _) = get(&emu, "Dossier e\u{301}te\u{301}/A.TXT").await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn conflicts_count_both_forms_as_one_name() {
    let emu = Emu::start().await;
    let (_, nfc) = put(&emu, NFC, b"one", None).await;
    // fail
    let (st, v) = put(&emu, NFD, b"two", Some("fail")).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(error_code(&v), "nameAlreadyExists");
    // replace: the same item, its name as it was
    let (st, v) = put(&emu, NFD, b"three", Some("replace")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["id"], nfc["id"]);
    assert_eq!(v["name"], NFC);
    // rename: a new item, numbered in the form sent
    let (st, v) = put(&emu, NFD, b"four", Some("rename")).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["name"], "Cafe\u{301} 1.txt");
    assert_eq!(names(&emu).await.len(), 2);
    // Folders
    let (st, _) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "R\u{e9}sum\u{e9}", "folder": {}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = emu
        .post(
            "/me/drive/root/children",
            json!({"name": "RE\u{301}SUME\u{301}", "folder": {}, "@microsoft.graph.conflictBehavior": "fail"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    // An upload session for the other form meets the name too (default: fail).
    let (st, v) = emu
        .post(
            &format!("/me/drive/root:/{}:/createUploadSession", path(NFD)),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    // A copy to the other form of a taken name is refused at once.
    let (st, v) = emu
        .post(
            "/me/drive/root:/Cafe\u{301} 1.txt:/copy",
            json!({"name": NFD}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    // Moving another item onto the other form of a taken name.
    emu.file(&emu.root_id(), "other.txt", b"o");
    let (st, v) = emu
        .patch("/me/drive/root:/other.txt", json!({"name": NFD}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(error_code(&v), "nameAlreadyExists");
}

#[tokio::test]
async fn a_rename_to_the_other_form_does_not_take_but_a_case_change_does() {
    let emu = Emu::start().await;
    let (_, made) = put(&emu, NFD, b"one", None).await;
    let id = made["id"].as_str().expect("id");
    let (st, v) = emu
        .patch(&format!("/me/drive/items/{id}"), json!({"name": NFC}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["name"], NFD, "the NFD name stays");
    assert_eq!(v["eTag"], made["eTag"], "nothing changed");
    let (_, v) = emu.get(&format!("/me/drive/items/{id}")).await;
    assert_eq!(v["name"], NFD);
    // A change of case (and form) is a real rename.
    let (st, v) = emu
        .patch(
            &format!("/me/drive/items/{id}"),
            json!({"name": "caf\u{e9}.txt"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "caf\u{e9}.txt");
}

#[tokio::test]
async fn search_finds_either_form() {
    let emu = Emu::start().await;
    put(&emu, NFD, b"one", None).await;
    let (st, v) = emu.get("/me/drive/root/search(q='caf\u{e9}')").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["value"].as_array().map(Vec::len), Some(1), "{v}");
}
