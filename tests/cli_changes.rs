//! `changes [FOLDER]` (issue: listing at the limit of the service): the first call
//! records and prints nothing (everything with --all); later calls print one line per
//! item added, modified or deleted under the folder since the previous call, across
//! adds, edits, renames, moves into and out of the folder, deletes of folders with
//! content, a 410 from the service, and --reset. The record lives in the state folder.

mod common;

use common::{Env, stderr_of, stdout_of};
use onedrive_emulator::store::ItemPatch;

fn changes(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().arg("changes").args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    stdout_of(&out)
}

fn patch(env: &Env, path: &str, p: ItemPatch) {
    env.emu.state.store.update(&env.id_of(path), p).unwrap();
}

#[test]
fn changes_reports_adds_edits_renames_moves_and_deletes() {
    let env = Env::new();
    env.seed_file("w/a.txt", b"a");
    env.seed_file("w/sub/b.txt", b"b");
    env.seed_file("w/gone/c.txt", b"c");
    env.seed_file("w/leaving.txt", b"l");
    env.seed_file("outside/coming.txt", b"m");
    // First call: nothing printed, the state recorded.
    assert_eq!(changes(&env, &["w"]), "");
    assert_eq!(changes(&env, &["w"]), "", "nothing changed");

    env.seed_file("w/new.txt", b"n");
    env.seed_file("w/a.txt", b"edited");
    patch(
        &env,
        "w/sub",
        ItemPatch {
            name: Some("renamed".into()),
            ..Default::default()
        },
    );
    env.emu.state.store.delete(&env.id_of("w/gone")).unwrap();
    let outside = env.id_of("outside");
    let w = env.id_of("w");
    patch(
        &env,
        "w/leaving.txt",
        ItemPatch {
            parent_id: Some(outside),
            ..Default::default()
        },
    );
    patch(
        &env,
        "outside/coming.txt",
        ItemPatch {
            parent_id: Some(w),
            ..Default::default()
        },
    );
    let got = changes(&env, &["w"]);
    let want = [
        "~ w/a.txt",
        "+ w/coming.txt",
        "+ w/new.txt",
        "~ w/renamed/",
        "- w/leaving.txt",
        "- w/gone/c.txt",
        "- w/gone/",
    ];
    for line in want {
        assert!(
            got.lines().any(|l| l == line),
            "missing {line:?} in:\n{got}"
        );
    }
    // Renaming a folder does not report what it holds; nothing is reported twice.
    assert!(!got.contains("b.txt"), "{got}");
    assert_eq!(changes(&env, &["w"]), "", "reported once");

    // --json: one object per change.
    env.seed_file("w/j.txt", b"j");
    let out = env.cmd().args(["--json", "changes", "w"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["change"], "added");
    assert_eq!(v[0]["path"], "w/j.txt");
    assert_eq!(v[0]["folder"], false);
    assert!(v[0]["id"].is_string());
}

#[test]
fn changes_below_the_root_work_where_delta_is_root_only() {
    // OneDrive for Business: delta only on the root (501 below it). Changes follow the
    // root's delta, filtered to the folder, so a subfolder can be watched there too.
    let env = Env::with_config(onedrive_emulator::Config {
        delta_root_only: true,
        ..common::test_config()
    });
    env.seed_file("w/sub/a.txt", b"a");
    env.seed_file("elsewhere.txt", b"e");
    assert_eq!(changes(&env, &["w"]), "");
    env.seed_file("w/sub/b.txt", b"b");
    env.seed_file("not-watched.txt", b"n");
    assert_eq!(changes(&env, &["w"]), "+ w/sub/b.txt\n");
    // -k: one line per change, no list marker.
    env.seed_file("w/k.txt", b"k");
    let out = env
        .cmd()
        .args(["-k", "{change} {path}", "changes", "w"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "added w/k.txt\n");
}

#[test]
fn a_folder_moved_in_is_reported_with_its_content() {
    // Graph reports the moved folder, not what it holds
    // (microsoftgraph/microsoft-graph-docs-contrib#7188): its content is read.
    let env = Env::new();
    env.seed_file("w/a.txt", b"a");
    env.seed_file("outside/dir/f.txt", b"f");
    env.seed_file("outside/dir/deep/g.txt", b"g");
    assert_eq!(changes(&env, &["w"]), "");
    let w = env.id_of("w");
    patch(
        &env,
        "outside/dir",
        ItemPatch {
            parent_id: Some(w),
            ..Default::default()
        },
    );
    assert_eq!(
        changes(&env, &["w"]),
        "+ w/dir/\n+ w/dir/deep/\n+ w/dir/deep/g.txt\n+ w/dir/f.txt\n"
    );
    // Now known: a later delete inside it is reported.
    env.emu
        .state
        .store
        .delete(&env.id_of("w/dir/f.txt"))
        .unwrap();
    assert_eq!(changes(&env, &["w"]), "- w/dir/f.txt\n");
}

#[test]
fn all_reset_and_the_record_stay_out_of_the_output() {
    let env = Env::new();
    env.seed_file("w/a.txt", b"a");
    env.seed_folder("w/empty");
    let first = changes(&env, &["--all", "w"]);
    assert_eq!(first, "+ w/a.txt\n+ w/empty/\n");
    // The record is in the state folder, private, and holds no token.
    let dir = std::path::PathBuf::from(format!("{}.d/delta", env.config.display()));
    let records: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(records.len(), 1);
    let text = std::fs::read_to_string(records[0].as_ref().unwrap().path()).unwrap();
    assert!(text.contains("delta"), "{text}");
    assert!(!text.contains("Bearer") && !text.contains("access_token"));
    // --reset forgets it: the next call records again and prints nothing.
    env.seed_file("w/b.txt", b"b");
    assert_eq!(changes(&env, &["--reset", "w"]), "");
    env.seed_file("w/c.txt", b"c");
    assert_eq!(changes(&env, &["w"]), "+ w/c.txt\n");
    // The root works too (paths from the drive root).
    assert_eq!(changes(&env, &[]), "");
    env.seed_file("top.txt", b"t");
    assert_eq!(changes(&env, &[]), "+ top.txt\n");
}

#[test]
fn a_410_starts_over_and_compares_with_the_last_known_state() {
    let env = Env::new();
    env.seed_file("w/keep.txt", b"k");
    env.seed_file("w/old.txt", b"o");
    assert_eq!(changes(&env, &["w"]), "");
    // The service can no longer serve the link: 410 Gone, then a full enumeration.
    env.emu.state.store.delete(&env.id_of("w/old.txt")).unwrap();
    env.seed_file("w/fresh.txt", b"f");
    env.script([onedrive_emulator::faults::ScriptEntry {
        status: Some(410),
        path_contains: Some("delta".into()),
        ..common::fault(onedrive_emulator::faults::FaultRoute::Graph)
    }]);
    let out = env.cmd().args(["changes", "w"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("410"), "{}", stderr_of(&out));
    let got = stdout_of(&out);
    assert_eq!(got, "+ w/fresh.txt\n- w/old.txt\n");
    assert_eq!(changes(&env, &["w"]), "", "back to incremental rounds");
}
