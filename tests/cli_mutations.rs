//! `mkdir`, `info_set`, `link`, `cp`, `mv`, `rm`: output, exit codes and the emulator's
//! drive afterwards.

mod common;

use common::{Env, stderr_of, stdout_of};

#[test]
fn mkdir_plain_nested_and_parents() {
    let env = Env::new();
    env.cmd().args(["mkdir", "A"]).assert().success().stdout("");
    assert!(env.item("A").unwrap().is_folder());
    // a name with a path, parent given
    env.cmd().args(["mkdir", "B", "A"]).assert().success();
    env.cmd().args(["mkdir", "A/B/C"]).assert().success();
    assert!(env.item("A/B/C").unwrap().is_folder());
    // existing: conflict without -p, success with it
    let out = env.cmd().args(["mkdir", "A/B"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("nameAlreadyExists"));
    env.cmd().args(["mkdir", "-p", "A/B"]).assert().success();
    // missing parents: an error without -p, created with it
    let out = env.cmd().args(["mkdir", "x/y/z"]).output().unwrap();
    assert!(!out.status.success());
    assert!(!env.exists("x"));
    env.cmd().args(["mkdir", "-p", "x/y/z"]).assert().success();
    assert!(env.item("x/y/z").unwrap().is_folder());
    // -p over a file fails
    env.seed_file("f", b"1");
    let out = env.cmd().args(["mkdir", "-p", "f/sub"]).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn mkdir_metadata_and_json_result() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "--json",
            "mkdir",
            "-m",
            r#"{"description": "Photos from Mordor"}"#,
            "Trip",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["name"], "Trip");
    assert_eq!(v["id"], env.id_of("Trip"));
    assert_eq!(
        env.item("Trip").unwrap().description.as_deref(),
        Some("Photos from Mordor")
    );
}

#[test]
fn info_set_renames() {
    let env = Env::new();
    env.seed_file("old.jpg", b"jpg");
    env.cmd()
        .args(["info_set", "old.jpg", r#"{"name": "new.jpg"}"#])
        .assert()
        .success()
        .stdout("");
    assert!(!env.exists("old.jpg"));
    assert_eq!(env.content("new.jpg"), b"jpg");
    env.cmd()
        .args(["info-set", "new.jpg", r#"{"description": "d"}"#])
        .assert()
        .success();
    assert_eq!(
        env.item("new.jpg").unwrap().description.as_deref(),
        Some("d")
    );
    let out = env
        .cmd()
        .args(["info_set", "missing", "{}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn link_types_and_aliases() {
    let env = Env::new();
    env.seed_file("s.txt", b"share");
    for (t, want) in [
        ("view", "view"),
        ("edit", "edit"),
        ("embed", "embed"),
        ("shared_read_link", "view"),
        ("shared_edit_link", "edit"),
    ] {
        let out = env
            .cmd()
            .args(["--json", "link", "-t", t, "s.txt"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{t}: {}", stderr_of(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["link"]["type"], want, "{t}: {v}");
        assert!(v["link"]["webUrl"].is_string(), "{v}");
    }
    let out = env
        .cmd()
        .args(["--json", "link", "--scope", "anonymous", "s.txt"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["link"]["scope"], "anonymous");
    // human output shows the link, as the original's `link: URL`
    let out = env.cmd().args(["link", "s.txt"]).output().unwrap();
    assert!(
        stdout_of(&out).starts_with("link: http"),
        "{}",
        stdout_of(&out)
    );
    let out = env.cmd().args(["link", "missing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn cp_files_and_folders() {
    let env = Env::new();
    env.seed_file("src/a.txt", b"alpha");
    env.seed_file("src/sub/b.txt", b"beta");
    env.seed_folder("dst");
    env.cmd()
        .args(["cp", "src/a.txt", "dst"])
        .assert()
        .success()
        .stdout("");
    assert_eq!(env.content("dst/a.txt"), b"alpha");
    assert_eq!(env.content("src/a.txt"), b"alpha", "source kept");
    env.cmd().args(["cp", "src", "dst"]).assert().success();
    assert_eq!(env.content("dst/src/sub/b.txt"), b"beta");
    // default destination: the root
    let out = env
        .cmd()
        .args(["--json", "cp", "src/sub/b.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["id"], env.id_of("b.txt"));
    let out = env.cmd().args(["cp", "nope", "dst"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = env
        .cmd()
        .args(["cp", "src/a.txt", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn mv_files_and_folders() {
    let env = Env::new();
    env.seed_file("a.txt", b"alpha");
    env.seed_file("f/b.txt", b"beta");
    env.seed_folder("to");
    let id = env.id_of("a.txt");
    env.cmd()
        .args(["mv", "a.txt", "to"])
        .assert()
        .success()
        .stdout("");
    assert!(!env.exists("a.txt"));
    assert_eq!(env.id_of("to/a.txt"), id, "a move keeps the id");
    env.cmd().args(["mv", "f", "to"]).assert().success();
    assert_eq!(env.content("to/f/b.txt"), b"beta");
    // back to the root (default destination)
    env.cmd().args(["mv", "to/a.txt"]).assert().success();
    assert!(env.exists("a.txt"));
    let out = env.cmd().args(["mv", "a.txt", "missing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(env.exists("a.txt"));
}

#[test]
fn rm_several_and_continue_past_a_missing_one() {
    let env = Env::new();
    env.seed_file("a", b"1");
    env.seed_file("b", b"2");
    env.seed_file("d/c", b"3");
    env.cmd()
        .args(["rm", "a", "d"])
        .assert()
        .success()
        .stdout("");
    assert!(!env.exists("a") && !env.exists("d"));
    env.seed_file("x", b"x");
    let out = env
        .cmd()
        .args(["rm", "missing1", "b", "missing2", "x"])
        .output()
        .unwrap();
    // Some deleted, some not: partial (7).
    assert_eq!(out.status.code(), Some(7));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.contains("missing1") && err.contains("missing2"),
        "{err}"
    );
    assert!(
        !env.exists("b") && !env.exists("x"),
        "the others are deleted"
    );
    // deleted bytes show in the quota
    let out = env.cmd().args(["--json", "quota"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["deleted"].as_u64().unwrap() >= 4, "{v}");
}

#[test]
fn folders_given_by_id_and_liveconnect_id() {
    let env = Env::new();
    let dir = env.seed_folder("Target");
    let (drive, num) = dir.split_once('!').unwrap();
    let lc = format!(
        "folder.{}.{}!{num}",
        drive.to_lowercase(),
        drive.to_uppercase()
    );
    // put into a folder named by id (Graph: /items/{id}:/{name}:/content)
    let f = env.write_local("by-id.txt", b"by id");
    env.cmd().arg("put").arg(&f).arg(&dir).assert().success();
    assert_eq!(env.content("Target/by-id.txt"), b"by id");
    // mkdir, ls, tree with the LiveConnect form
    env.cmd().args(["mkdir", "Sub", &lc]).assert().success();
    assert!(env.item("Target/Sub").unwrap().is_folder());
    env.cmd()
        .args(["ls", &lc])
        .assert()
        .success()
        .stdout("- Sub\n- by-id.txt\n");
    env.cmd()
        .args(["-i", "tree", &dir])
        .assert()
        .success()
        .stdout("Target:\n  Sub:\n  by-id.txt: file\n");
    // the old LiveConnect root id means the root
    let root_lc = format!("folder.{}", drive.to_lowercase());
    env.cmd()
        .args(["-k", "id", "info", &root_lc])
        .assert()
        .success()
        .stdout(format!("{}\n", env.root_id()));
    // cp and mv into a folder given by id
    env.seed_file("m.txt", b"m");
    env.cmd().args(["cp", "m.txt", &dir]).assert().success();
    assert_eq!(env.content("Target/m.txt"), b"m");
    // moving onto a taken name is a conflict, and nothing moves
    let out = env.cmd().args(["mv", "m.txt", &lc]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert!(env.exists("m.txt"));
    env.cmd().args(["rm", "Target/m.txt"]).assert().success();
    env.cmd().args(["mv", "m.txt", &lc]).assert().success();
    assert!(!env.exists("m.txt"));
    assert_eq!(env.children("Target"), vec!["Sub", "by-id.txt", "m.txt"]);
}

#[test]
fn link_organization_scope_is_passed_to_the_service() {
    let env = Env::new();
    env.seed_file("o.txt", b"o");
    let out = env
        .cmd()
        .args(["--json", "link", "--scope", "organization", "o.txt"])
        .output()
        .unwrap();
    // Graph: `organization` links exist on work/school drives only; the emulated drive
    // is a Personal one and refuses them with 400 invalidRequest, reported in one line.
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("link 'o.txt'") && err.contains("invalidRequest"),
        "{err}"
    );
}
