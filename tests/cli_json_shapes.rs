//! The `--json` contract (README, "Machine output"): one JSON document per invocation on
//! stdout, Graph's field names where the result is a Graph resource. Each command's shape
//! is pinned here, so a change to it is a deliberate one.

mod common;

use common::{Env, stderr_of};
use serde_json::Value;

/// `--json ARGS`: exit 0 and one JSON document on stdout.
fn json(env: &Env, args: &[&str]) -> Value {
    let out = env.cmd().arg("--json").args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Asserts `v` is an object holding each key (`a.b` for nested ones).
fn has(v: &Value, keys: &[&str], what: &str) {
    assert!(v.is_object(), "{what}: {v}");
    for k in keys {
        let p = format!("/{}", k.replace('.', "/"));
        assert!(v.pointer(&p).is_some(), "{what}: no {k} in {v}");
    }
}

/// A driveItem as Graph gives it, never with a pre-authenticated URL.
fn drive_item(v: &Value, what: &str) {
    has(v, &["id", "name", "eTag", "parentReference"], what);
    assert!(
        v.get("@microsoft.graph.downloadUrl").is_none(),
        "{what}: {v}"
    );
}

#[test]
fn every_command_prints_its_documented_shape() {
    let env = Env::new();
    env.seed_file("Docs/a.txt", b"abc");
    let f = env.write_local("b.txt", b"bb");
    let tree = env.local("t");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("c.txt"), b"c").unwrap();

    has(
        &json(&env, &["quota"]),
        &["total", "used", "remaining", "deleted", "state"],
        "quota",
    );
    has(
        &json(&env, &["user"]),
        &["id", "displayName", "userPrincipalName"],
        "user",
    );
    drive_item(&json(&env, &["info", "Docs/a.txt"]), "info");
    has(
        &json(&env, &["info", "Docs/a.txt"]),
        &["size", "file.hashes"],
        "info",
    );
    assert_eq!(json(&env, &["ls", "Docs"]), serde_json::json!(["a.txt"]));
    assert_eq!(
        json(&env, &["ls", "-U", "Docs"]),
        serde_json::json!(["a.txt"])
    );
    let objects = json(&env, &["ls", "-o", "Docs"]);
    drive_item(&objects[0], "ls -o");
    let t = json(&env, &["tree", "Docs"]);
    assert_eq!(t, serde_json::json!({"Docs": {"a.txt": "file"}}));
    let t = json(&env, &["tree", "-o", "Docs"]);
    assert_eq!(t["Docs"]["a.txt"][0], "file");
    drive_item(&t["Docs"]["a.txt"][1], "tree -o");
    drive_item(&json(&env, &["mkdir", "New"]), "mkdir");
    drive_item(&json(&env, &["put", f.to_str().unwrap(), "New"]), "put");
    drive_item(
        &json(&env, &["info_set", "New/b.txt", r#"{"description": "d"}"#]),
        "info_set",
    );
    drive_item(&json(&env, &["cp", "Docs/a.txt", "New"]), "cp");
    drive_item(&json(&env, &["mv", "New/a.txt", "/"]), "mv");
    let dst = env.local("got.txt");
    let got = json(&env, &["get", "Docs/a.txt", dst.to_str().unwrap()]);
    has(
        &got,
        &[
            "path",
            "size",
            "bytesTransferred",
            "verified",
            "quickXorHash",
            "item",
        ],
        "get",
    );
    drive_item(&got["item"], "get");
    let out_dir = env.local("out");
    for (cmd, src, dst) in [
        ("put", tree.to_str().unwrap(), "Docs"),
        ("get", "New", out_dir.to_str().unwrap()),
    ] {
        let v = json(&env, &[cmd, "-r", src, dst]);
        has(
            &v,
            &["done", "skipped", "failed", "bytes", "transfers"],
            cmd,
        );
        has(&v["transfers"][0], &["destination", "bytes", "item"], cmd);
    }
    assert_eq!(json(&env, &["rm", "a.txt"]), serde_json::json!(["a.txt"]));
    has(
        &json(&env, &["link", "Docs/a.txt"]),
        &["id", "link.webUrl", "link.type"],
        "link",
    );
    let drives = json(&env, &["drives"]);
    has(&drives[0], &["id", "driveType"], "drives");
    // drives --site: Graph's sites, each with its `drives` ($expand=drives's shape).
    env.create_drive(
        serde_json::json!({"kind": "documentLibrary", "site": "Shapes",
        "name": "Documents"}),
    );
    let sites = json(&env, &["drives", "--site", "shapes"]);
    has(
        &sites[0],
        &["id", "displayName", "webUrl", "drives"],
        "drives --site",
    );
    has(
        &sites[0]["drives"][0],
        &["id", "driveType", "name"],
        "drives --site",
    );
    // shared: Graph's driveItems, each with the remoteItem that addresses it.
    let other = env.create_drive(serde_json::json!({"kind": "personal", "owner": "Bob"}));
    env.seed_in_drive(&other, "/Shared/s.txt", b"s");
    env.share(&other, "/Shared", "read");
    let shared = json(&env, &["shared"]);
    has(
        &shared[0],
        &[
            "id",
            "name",
            "remoteItem.id",
            "remoteItem.parentReference.driveId",
        ],
        "shared",
    );
    has(
        &json(&env, &["auth", "status"]),
        &[
            "account",
            "drive",
            "access_expires",
            "refresh_token",
            "client_id",
        ],
        "auth status",
    );
    assert!(json(&env, &["recent"]).is_array());
    assert!(json(&env, &["changes", "Docs"]).is_array());
    // Commands that change something print the result only on request: without
    // --json or -k, nothing on stdout.
    let out = env.run(&["mkdir", "Quiet"]);
    assert!(out.stdout.is_empty());
}
