//! Arguments, output formats, exit codes and the read-only commands, run against the
//! emulator with the real binary.

mod common;

use common::{Env, stderr_of, stdout_of};
use predicates::prelude::*;

#[test]
fn help_documents_every_command_and_the_exit_codes() {
    let env = Env::unauthenticated();
    let out = env.cmd().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = stdout_of(&out);
    for cmd in common::COMMANDS {
        assert!(text.contains(cmd), "--help lists {cmd}");
    }
    for code in [
        "0  success",
        "2  usage",
        "3  not found",
        "4  authentication",
        "5  conflict",
        "6  not supported",
    ] {
        assert!(text.contains(code), "--help documents exit code '{code}'");
    }
}

#[test]
fn version_flag() {
    let env = Env::unauthenticated();
    env.cmd()
        .arg("-V")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("onedrive-cli "));
}

#[test]
fn usage_errors_exit_2_before_any_request() {
    let env = Env::new();
    let before = env.graph_requests();
    let cases: Vec<Vec<&str>> = vec![
        vec!["-p", "-i", "info"],
        vec!["-k", "{name", "info"],
        vec!["-k", "{}", "info"],
        vec!["ls", "-r", "x-y"],
        vec!["get", "-b", "9-3", "f"],
        vec!["get", "-b", "bytes", "f"],
        vec!["info_set", "f", "{not json"],
        vec!["info_set", "f", "[1, 2]"],
        vec!["mkdir", "-m", "nope", "d"],
        vec!["put", "--chunk-size", "100Q", "f"],
        vec!["put", "-", "/"],
        vec!["put", "-n", "--rename", "f"],
        vec!["nosuchcommand"],
        vec!["link", "-t", "bogus", "f"],
    ];
    for args in cases {
        let out = env.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.starts_with("onedrive-cli: "), "{args:?}: {err}");
    }
    assert_eq!(env.graph_requests(), before, "no request for bad input");
}

#[test]
fn info_defaults_to_the_root_and_prints_sorted_keys() {
    let env = Env::new();
    let out = env.cmd().arg("info").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('-'))
        .filter_map(|l| l.split(':').next())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "top-level keys sorted:\n{text}");
    assert!(text.contains(&format!("id: {}\n", env.root_id())), "{text}");
    assert!(text.contains("root:\n"), "{text}");
}

#[test]
fn info_json_is_one_document() {
    let env = Env::new();
    env.seed_file("Docs/a.txt", b"hello");
    let out = env
        .cmd()
        .args(["--json", "info", "Docs/a.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["name"], "a.txt");
    assert_eq!(v["size"], 5);
    assert_eq!(v["id"], env.id_of("Docs/a.txt"));
}

#[test]
fn info_missing_object_exits_3_with_one_line() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["info", "no/such/file.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("no/such/file.txt"), "names the object: {err}");
    assert!(err.contains("itemNotFound"), "service code: {err}");
    assert!(stdout_of(&out).is_empty());
}

#[test]
fn object_key_and_templates() {
    let env = Env::new();
    env.seed_file("b.txt", b"b");
    env.seed_file("a.txt", b"aa");
    env.seed_folder("dir");
    // bare key
    env.cmd()
        .args(["-k", "id", "info", "a.txt"])
        .assert()
        .success()
        .stdout(format!("{}\n", env.id_of("a.txt")));
    // template over a list: the folder has no `file` facet and is skipped
    let out = env
        .cmd()
        .args(["-k", "{name} {size} {file.mimeType}", "ls", "-o"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("- a.txt 2 "), "{text}");
    assert!(lines[1].starts_with("- b.txt 1 "), "{text}");
    // python-onedrive's {0[key]} form
    env.cmd()
        .args(["-k", "{0[name]}", "info", "b.txt"])
        .assert()
        .success()
        .stdout("b.txt\n");
    // a key no object has: nothing printed, success
    env.cmd()
        .args(["-k", "nosuchkey", "info", "b.txt"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn encoding_option_is_accepted() {
    let env = Env::new();
    env.seed_file("é.txt", b"x");
    env.cmd()
        .args(["-e", "latin1", "ls"])
        .assert()
        .success()
        .stdout("- é.txt\n");
}

#[test]
fn quota_prints_free_and_quota_first() {
    let env = Env::new();
    env.seed_file("big.bin", &vec![7u8; 3 * 1024 * 1024]);
    let out = env.cmd().arg("quota").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("free: ") && lines[0].ends_with(['B', 'K', 'M', 'G', 'T']),
        "{text}"
    );
    assert_eq!(
        lines[1], "quota: 1024.0G",
        "default emulator quota is 1 TiB: {text}"
    );
    assert!(text.contains("used: 3.0M\n"), "{text}");
    assert!(text.contains("deleted: "), "{text}");
    assert!(text.contains("state: normal\n"), "{text}");
    // --json: Graph's quota object in bytes
    let out = env.cmd().args(["--json", "quota"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 1u64 << 40);
    assert_eq!(v["used"], 3 * 1024 * 1024);
}

#[test]
fn user_prints_the_signed_in_user() {
    let env = Env::new();
    env.cmd()
        .arg("user")
        .assert()
        .success()
        .stdout(predicate::str::contains("displayName: Emulated User"));
}

#[test]
fn recent_lists_objects() {
    let env = Env::new();
    env.seed_file("r.txt", b"recent");
    let out = env.cmd().args(["--json", "recent"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.is_array(), "{v}");
}

#[test]
fn comments_are_not_supported() {
    let env = Env::new();
    for args in [
        vec!["comments", "x"],
        vec!["comment_add", "x", "hello"],
        vec!["comment-add", "x", "hello"],
        vec!["comment_delete", "1"],
        vec!["comment-delete", "1"],
    ] {
        let out = env.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(6), "{args:?}");
        let err = stderr_of(&out);
        assert_eq!(err.lines().count(), 1);
        assert!(err.contains("not supported"), "{err}");
    }
}

#[test]
fn missing_state_file_is_one_clear_line() {
    let env = Env::new();
    let missing = env.local("nope/lcrc");
    let out = env
        .bare_cmd()
        .arg("-c")
        .arg(&missing)
        .arg("ls")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("nope/lcrc"), "names the file: {err}");
    assert!(!missing.exists(), "not created");
}

#[test]
fn no_tokens_means_exit_4() {
    let env = Env::unauthenticated();
    let out = env.cmd().arg("ls").output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("auth"), "{}", stderr_of(&out));
}
