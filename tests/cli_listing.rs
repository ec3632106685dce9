//! `ls`, `tree`, and how objects are resolved (paths, ids, LiveConnect ids; one request).

mod common;

use common::{Env, stderr_of, stdout_of};

fn seed_pics(env: &Env) {
    env.seed_file("Documents/README.txt", b"readme");
    env.seed_file("Pics/image2.jpg", b"2");
    env.seed_file("Pics/image1.jpg", b"1");
    env.seed_folder("Empty");
}

#[test]
fn ls_prints_sorted_names() {
    let env = Env::new();
    for n in ["b", "C", "a", "B10", "B2"] {
        env.seed_file(n, n.as_bytes());
    }
    env.seed_folder("dir");
    env.cmd()
        .arg("ls")
        .assert()
        .success()
        .stdout("- B10\n- B2\n- C\n- a\n- b\n- dir\n");
}

#[test]
fn ls_ranges_as_the_original() {
    let env = Env::new();
    for i in 0..6 {
        env.seed_file(&format!("d/f{i}"), b"x");
    }
    let cases = [
        ("2", "- f0\n- f1\n"),
        ("-2", "- f0\n- f1\n"),
        ("4-", "- f4\n- f5\n"),
        ("1-3", "- f1\n- f2\n- f3\n"),
        ("3:1", "- f3\n"),
        ("10-", ""),
    ];
    for (r, want) in cases {
        env.cmd()
            .args(["ls", "-r", r, "d"])
            .assert()
            .success()
            .stdout(want);
    }
}

#[test]
fn ls_objects_and_errors() {
    let env = Env::new();
    env.seed_file("d/x.txt", b"12345");
    let out = env
        .cmd()
        .args(["--json", "ls", "-o", "d"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["name"], "x.txt");
    assert_eq!(v[0]["size"], 5);
    let human = env.cmd().args(["ls", "-o", "d"]).output().unwrap();
    let text = stdout_of(&human);
    assert!(text.starts_with("- "), "{text}");
    assert!(text.contains("\n  name: x.txt\n"), "{text}");
    // missing folder
    let out = env.cmd().args(["ls", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr_of(&out).contains("itemNotFound"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn ls_follows_pages() {
    let env = Env::new();
    let folder = env.seed_folder("many");
    env.emu
        .state
        .store
        .populate(&folder, 0, 1205, &[1], 1)
        .expect("populate");
    let out = env.cmd().args(["ls", "many"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().count(), 1205);
}

#[test]
fn ls_unsorted_streams_pages_and_stops_once_its_range_is_printed() {
    let env = Env::new();
    let folder = env.seed_folder("many");
    env.emu
        .state
        .store
        .populate(&folder, 0, 2500, &[1], 1)
        .expect("populate");
    let children = |env: &Env| common::sum_requests(&env.stats(), |r| r.ends_with("/children"));
    // The whole listing: the same names as the sorted one.
    let sorted = stdout_of(&env.cmd().args(["ls", "many"]).output().unwrap());
    let before = children(&env);
    let out = env.cmd().args(["ls", "-U", "many"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(children(&env) - before, 3, "three pages of up to 1,000");
    let mut unsorted: Vec<String> = stdout_of(&out).lines().map(str::to_owned).collect();
    unsorted.sort();
    let mut want: Vec<String> = sorted.lines().map(str::to_owned).collect();
    want.sort();
    assert_eq!(unsorted, want);
    // A range inside the first page: one request, and exactly the range.
    let before = children(&env);
    let out = env
        .cmd()
        .args(["ls", "-U", "-r", "5-3", "many"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(children(&env) - before, 1, "no page after the range");
    assert_eq!(stdout_of(&out).lines().count(), 3);
    // --json and -k print the same bytes as the sorted command does for the same items.
    for args in [&["--json"][..], &["-k", "name"][..]] {
        let u: Vec<&str> = args
            .iter()
            .copied()
            .chain(["ls", "-U", "-o", "-r", "2", "many"])
            .collect();
        let s: Vec<&str> = args
            .iter()
            .copied()
            .chain(["ls", "-o", "-r", "2", "many"])
            .collect();
        let u = stdout_of(&env.cmd().args(&u).output().unwrap());
        let s = stdout_of(&env.cmd().args(&s).output().unwrap());
        assert_eq!(u, s, "{args:?}");
    }
}

#[test]
fn tree_as_the_original_readme() {
    let env = Env::new();
    seed_pics(&env);
    let root_name = env.item("").unwrap().name;
    let out = env.cmd().arg("tree").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        format!(
            "{root_name}:\n  Documents:\n    README.txt: file\n  Empty:\n  Pics:\n    image1.jpg: file\n    image2.jpg: file\n"
        )
    );
    env.cmd()
        .args(["tree", "Pics"])
        .assert()
        .success()
        .stdout("Pics:\n  image1.jpg: file\n  image2.jpg: file\n");
}

#[test]
fn tree_objects_and_errors() {
    let env = Env::new();
    seed_pics(&env);
    let out = env
        .cmd()
        .args(["--json", "tree", "-o", "Pics"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Pics"]["image1.jpg"][0], "file");
    assert_eq!(
        v["Pics"]["image1.jpg"][1]["id"],
        env.id_of("Pics/image1.jpg")
    );
    let out = env
        .cmd()
        .args(["tree", "Pics/image1.jpg"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a file is not a tree");
    let out = env.cmd().args(["tree", "missing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// Graph requests served between two stats readings for one command.
fn requests_for(env: &Env, args: &[&str]) -> (u64, String) {
    let before = env.graph_requests();
    let out = env.cmd().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    (env.graph_requests() - before, stdout_of(&out))
}

#[test]
fn a_path_an_id_and_a_liveconnect_id_each_resolve_with_one_request() {
    let env = Env::new();
    env.seed_file("deep/er/still/deeper/file.txt", b"x");
    let id = env.id_of("deep/er/still/deeper/file.txt");

    let (n, out) = requests_for(&env, &["-k", "id", "info", "deep/er/still/deeper/file.txt"]);
    assert_eq!(n, 1, "path: one request");
    assert_eq!(out.trim(), id);

    let (n, out) = requests_for(&env, &["-k", "id", "info", &id]);
    assert_eq!(n, 1, "id: one request");
    assert_eq!(out.trim(), id);

    // The emulator's ids are Personal-style `DRIVEID!N`; python-onedrive knew them as
    // `file.<drive id lowercase>.<DRIVE ID>!N`.
    let (drive, num) = id.split_once('!').expect("Personal-style id");
    let lc = format!(
        "file.{}.{}!{num}",
        drive.to_lowercase(),
        drive.to_uppercase()
    );
    let (n, out) = requests_for(&env, &["-k", "id", "info", &lc]);
    assert_eq!(n, 1, "LiveConnect id: one request");
    assert_eq!(out.trim(), id);

    // -p forces a path reading: an id string is then a (missing) path
    let out = env.cmd().args(["-p", "info", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    // -i forces an id reading
    let out = env.cmd().args(["-i", "info", "deep"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "'deep' is no id");
}

#[test]
fn ls_of_a_file_is_an_error() {
    let env = Env::new();
    env.seed_file("plain.txt", b"x");
    let out = env.cmd().args(["ls", "plain.txt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("onedrive-cli: ls 'plain.txt': "), "{err}");
    assert!(stdout_of(&out).is_empty());
}
