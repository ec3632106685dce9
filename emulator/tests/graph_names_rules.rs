//! Naming rules (Microsoft support: "Restrictions and limitations in OneDrive and
//! SharePoint"; Graph: "Addressing resources in a drive on OneDrive"), each refused with
//! 400 `invalidRequest` inner `invalidPath` wherever a name is given: simple upload,
//! upload session, new folder, rename, copy.

mod graph_support;

use graph_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Names refused for files and folders alike, one per rule.
const BAD: &[(&str, &str)] = &[
    ("a\"b", "quotation mark"),
    ("a*b", "asterisk"),
    ("a:b", "colon"),
    ("a<b", "less than"),
    ("a>b", "greater than"),
    ("a?b", "question mark"),
    ("a/b", "slash"),
    ("a\\b", "backslash"),
    ("a|b", "vertical bar"),
    ("a\u{7}b", "control character"),
    (" lead", "leading space"),
    ("trail ", "trailing space"),
    (".lock", "reserved .lock"),
    ("CON", "reserved CON"),
    ("prn", "reserved PRN"),
    ("Aux", "reserved AUX"),
    ("NUL", "reserved NUL"),
    ("COM0", "reserved COM0"),
    ("com9", "reserved COM9"),
    ("LPT0", "reserved LPT0"),
    ("lpt9", "reserved LPT9"),
    ("Desktop.INI", "reserved desktop.ini"),
    ("~$report.docx", "starts with ~$"),
    ("a_vti_b", "_vti_ inside"),
    ("_VTI_", "_vti_ in any case"),
    (".", "dot"),
    ("..", "dot dot"),
];

/// Names accepted (other rules' neighbours).
const GOOD: &[&str] = &[
    "con.txt",
    "CONSOLE",
    "COM10",
    "~report.docx",
    "a~$b",
    "vti_x",
    ".hidden",
    "a#b%c&d{e}",
    "forms",
    "x.",
];

fn assert_invalid_path(st: StatusCode, v: &Value, what: &str) {
    assert_eq!(st, StatusCode::BAD_REQUEST, "{what}: {v}");
    assert_eq!(error_code(v), "invalidRequest", "{what}");
    assert_eq!(inner_code(v).as_deref(), Some("invalidPath"), "{what}");
}

async fn mkdir(emu: &Emu, name: &str) -> (StatusCode, Value) {
    emu.post(
        "/me/drive/root/children",
        json!({"name": name, "folder": {}}),
    )
    .await
}

async fn rename(emu: &Emu, id: &str, name: &str) -> (StatusCode, Value) {
    emu.patch(&format!("/me/drive/items/{id}"), json!({"name": name}))
        .await
}

#[tokio::test]
async fn every_rule_is_refused_for_folders_renames_and_copies() {
    let emu = Emu::start().await;
    let file = emu.file(&emu.root_id(), "f.txt", b"f");
    let dir = emu.mkdir(&emu.root_id(), "d");
    for (name, rule) in BAD {
        let (st, v) = mkdir(&emu, name).await;
        assert_invalid_path(st, &v, &format!("mkdir {rule}"));
        let (st, v) = rename(&emu, &file.id, name).await;
        assert_invalid_path(st, &v, &format!("rename file {rule}"));
        let (st, v) = rename(&emu, &dir.id, name).await;
        assert_invalid_path(st, &v, &format!("rename folder {rule}"));
        let (st, v) = emu
            .post(
                &format!("/me/drive/items/{}/copy", file.id),
                json!({"name": name}),
            )
            .await;
        assert_invalid_path(st, &v, &format!("copy {rule}"));
    }
    let (_, v) = emu.get("/me/drive/root/children").await;
    assert_eq!(
        v["value"].as_array().map(Vec::len),
        Some(2),
        "nothing was made"
    );
}

#[tokio::test]
async fn every_path_safe_rule_is_refused_for_uploads_up_front() {
    let emu = Emu::start().await;
    for (name, rule) in BAD {
        if name.contains('/') || name.contains(':') || *name == "." || *name == ".." {
            continue; // not a single segment of a path
        }
        let p = format!("/me/drive/root:/new/{}:/content", path(name));
        let (st, _, v) = emu
            .send(emu.req(Method::PUT, &p).body(b"abc".to_vec()))
            .await;
        assert_invalid_path(st, &v, &format!("upload {rule}"));
        let p = format!("/me/drive/root:/{}:/createUploadSession", path(name));
        let (st, v) = emu.post(&p, json!({})).await;
        assert_invalid_path(st, &v, &format!("upload session {rule}"));
    }
    // No parent folder was made for the refused uploads.
    assert_eq!(
        emu.get("/me/drive/root:/new").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn folder_names_cannot_end_with_a_period_file_names_can() {
    let emu = Emu::start().await;
    let (st, v) = mkdir(&emu, "dir.").await;
    assert_invalid_path(st, &v, "mkdir dir.");
    let dir = emu.mkdir(&emu.root_id(), "dir");
    let (st, v) = rename(&emu, &dir.id, "dir.").await;
    assert_invalid_path(st, &v, "rename folder to dir.");
    // A missing parent named so is refused too.
    let (st, _, v) = emu
        .send(
            emu.req(Method::PUT, "/me/drive/root:/sub./f.txt:/content")
                .body(b"x".to_vec()),
        )
        .await;
    assert_invalid_path(st, &v, "parent sub.");
    // Files may.
    let (st, _, v) = emu
        .send(
            emu.req(Method::PUT, "/me/drive/root:/file.:/content")
                .body(b"x".to_vec()),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = rename(&emu, v["id"].as_str().expect("id"), "other.").await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn neighbouring_names_are_accepted() {
    let emu = Emu::start().await;
    for name in GOOD {
        let folder_ok = !name.ends_with('.');
        let (st, v) = mkdir(&emu, &format!("{name}-dir")).await;
        assert_eq!(st, StatusCode::CREATED, "mkdir {name}: {v}");
        if folder_ok {
            let (st, v) = mkdir(&emu, name).await;
            assert_eq!(st, StatusCode::CREATED, "mkdir {name}: {v}");
        }
        let p = format!("/me/drive/root:/files/{}:/content", path(name));
        let (st, _, v) = emu.send(emu.req(Method::PUT, &p).body(b"x".to_vec())).await;
        assert_eq!(st, StatusCode::CREATED, "upload {name}: {v}");
    }
}
