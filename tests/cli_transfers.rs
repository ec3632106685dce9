//! `get` and `put`: simple and session uploads, ranges, stdin/stdout, conflicts, and
//! hash verification, checked against the emulator's stored bytes.

mod common;

use common::{Env, bytes, stderr_of, sum_requests};
use onedrive_emulator::store::Blob;

#[test]
fn put_small_file_into_root_and_folder() {
    let env = Env::new();
    let f = env.write_local("hello.txt", b"hello world");
    env.cmd().arg("put").arg(&f).assert().success().stdout("");
    assert_eq!(env.content("hello.txt"), b"hello world");
    env.seed_folder("Docs");
    env.cmd().arg("put").arg(&f).arg("Docs").assert().success();
    assert_eq!(env.content("Docs/hello.txt"), b"hello world");
}

#[test]
fn put_conflicts_replace_fail_rename() {
    let env = Env::new();
    env.seed_file("c.txt", b"old");
    let f = env.write_local("c.txt", b"new");
    let id = env.id_of("c.txt");
    // default: replace (Graph's PUT default), same item
    env.cmd().arg("put").arg(&f).assert().success();
    assert_eq!(env.content("c.txt"), b"new");
    assert_eq!(env.id_of("c.txt"), id);
    // -n: fail with the conflict code, nothing changed
    let f2 = env.write_local("other/c.txt", b"newer");
    let out = env.cmd().args(["put", "-n"]).arg(&f2).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("nameAlreadyExists"));
    assert_eq!(env.content("c.txt"), b"new");
    // --rename keeps both
    env.cmd()
        .args(["put", "--rename"])
        .arg(&f2)
        .assert()
        .success();
    assert_eq!(env.content("c.txt"), b"new");
    let names = env.children("");
    assert_eq!(names.len(), 2, "{names:?}");
    // -d accepted
    env.cmd().args(["put", "-d"]).arg(&f).assert().success();
}

#[test]
fn put_stdin_needs_a_name() {
    let env = Env::new();
    env.cmd()
        .args(["put", "--name", "piped.txt", "-"])
        .write_stdin("from stdin")
        .assert()
        .success();
    assert_eq!(env.content("piped.txt"), b"from stdin");
    let out = env
        .cmd()
        .args(["put", "-"])
        .write_stdin("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn put_missing_local_file_exits_3() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["put", "does-not-exist.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("does-not-exist.bin"));
}

fn session_requests(env: &Env) -> u64 {
    sum_requests(&env.stats(), |r| r.contains("createUploadSession"))
}

#[test]
fn put_with_forced_session_and_fragment_size() {
    let env = Env::new();
    let data = bytes(1_000_000, 1); // 4 fragments of 320 KiB (the last shorter)
    let f = env.write_local("frag.bin", &data);
    env.cmd()
        .args(["put", "--chunk-size", "320K"])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(env.content("frag.bin"), data);
    assert_eq!(session_requests(&env), 1);
    // --bits with the original's fragment option (rounded down to 640 KiB)
    env.cmd()
        .args([
            "put",
            "--bits",
            "--bits-frag-bytes",
            "700000",
            "--name",
            "bits.bin",
        ])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(env.content("bits.bin"), data);
    assert_eq!(session_requests(&env), 2);
    // an empty file never needs a session
    let e = env.write_local("empty.bin", b"");
    env.cmd().args(["put", "--bits"]).arg(&e).assert().success();
    assert_eq!(env.content("empty.bin"), b"");
}

#[test]
fn put_large_file_uses_a_session_automatically() {
    let env = Env::new();
    let data = bytes(5 * 1024 * 1024 + 123, 2);
    let f = env.write_local("large.bin", &data);
    env.cmd().arg("put").arg(&f).assert().success();
    assert_eq!(env.content("large.bin"), data);
    assert_eq!(session_requests(&env), 1);
    // a small file does not
    let s = env.write_local("small.bin", &bytes(1000, 3));
    env.cmd().arg("put").arg(&s).assert().success();
    assert_eq!(session_requests(&env), 1);
    // large upload with -n onto an existing name: conflict
    let out = env.cmd().args(["put", "-n"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
}

#[test]
fn get_to_file_stdout_and_dash() {
    let env = Env::new();
    let data = bytes(70_000, 4);
    env.seed_file("Pics/image1.jpg", &data);
    let dst = env.local("out/deeper/copy.jpg");
    env.cmd()
        .args(["get", "Pics/image1.jpg"])
        .arg(&dst)
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        std::fs::read(&dst).unwrap(),
        data,
        "dst directories created"
    );
    let out = env.cmd().args(["get", "Pics/image1.jpg"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, data);
    let out = env
        .cmd()
        .args(["get", "Pics/image1.jpg", "-"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, data);
    // an existing directory receives the file under its name
    std::fs::create_dir_all(env.local("dir")).unwrap();
    env.get_to("Pics/image1.jpg", &env.local("dir"));
    assert_eq!(std::fs::read(env.local("dir/image1.jpg")).unwrap(), data);
}

#[test]
fn get_byte_ranges() {
    let env = Env::new();
    let data = bytes(2000, 5);
    env.seed_file("r.bin", &data);
    let cases: [(&str, &[u8]); 4] = [
        ("0-499", &data[..500]),
        ("-500", &data[1500..]),
        ("1500-", &data[1500..]),
        ("10-10", &data[10..11]),
    ];
    for (r, want) in cases {
        let out = env.cmd().args(["get", "-b", r, "r.bin"]).output().unwrap();
        assert!(out.status.success(), "{r}: {}", stderr_of(&out));
        assert_eq!(out.stdout, want, "{r}");
    }
    let dst = env.local("part.bin");
    env.cmd()
        .args(["get", "-b", "0-9", "r.bin"])
        .arg(&dst)
        .assert()
        .success();
    assert_eq!(std::fs::read(&dst).unwrap(), &data[..10]);
}

#[test]
fn get_errors() {
    let env = Env::new();
    env.seed_folder("folder");
    let out = env.cmd().args(["get", "missing.bin"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = env.cmd().args(["get", "folder"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
}

#[test]
fn get_detects_corrupted_content_and_leaves_no_file() {
    let env = Env::new();
    let id = env.seed_file("c.bin", &bytes(10_000, 6));
    env.emu
        .state
        .store
        .set_blob_unchecked(&id, Blob::from_bytes(bytes(10_000, 7)))
        .unwrap();
    let dst = env.local("c.bin");
    let out = env.cmd().args(["get", "c.bin"]).arg(&dst).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("QuickXorHash"),
        "{}",
        stderr_of(&out)
    );
    assert!(!dst.exists(), "no file left behind");
    let leftovers: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial") || n.starts_with(".onedrive-cli"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );
}

#[test]
fn put_then_get_round_trip_through_a_session() {
    let env = Env::new();
    let data = bytes(3 * 327_680 + 17, 8);
    let f = env.write_local("rt.bin", &data);
    env.cmd()
        .args(["put", "--chunk-size", "320K"])
        .arg(&f)
        .assert()
        .success();
    let out = env.cmd().args(["get", "rt.bin"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, data);
}

#[test]
fn put_accepts_the_originals_hidden_bits_hack_option() {
    let env = Env::new();
    let f = env.write_local("h.txt", b"hack");
    env.cmd()
        .args(["put", "--bits-do-auth-refresh-before-commit-hack"])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(env.content("h.txt"), b"hack");
}

#[test]
fn get_range_past_the_end_is_reported() {
    let env = Env::new();
    env.seed_file("short.bin", b"0123456789");
    let out = env
        .cmd()
        .args(["get", "-b", "100-", "short.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("get 'short.bin'") && err.contains("416"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn put_from_a_fifo_is_spooled() {
    let env = Env::new();
    let fifo = env.local("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let data = bytes(5 * 1024 * 1024, 9);
    let writer = {
        let (fifo, data) = (fifo.clone(), data.clone());
        std::thread::spawn(move || std::fs::write(fifo, data).unwrap())
    };
    env.cmd()
        .args(["put", "--name", "from-fifo.bin"])
        .arg(&fifo)
        .assert()
        .success();
    writer.join().unwrap();
    assert_eq!(env.content("from-fifo.bin"), data);
}

/// A downloaded file gets the mode of any new file (0666 less the umask), not the
/// private 0600 of the temporary file it is written through.
#[cfg(unix)]
#[test]
fn get_creates_files_with_the_usual_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::new();
    env.seed_file("m.txt", b"mode");
    let dst = env.local("m.txt");
    env.cmd()
        .arg("get")
        .arg("m.txt")
        .arg(&dst)
        .assert()
        .success();
    // What the umask makes of a plain new file, in the same folder.
    let probe = env.local("probe");
    std::fs::File::create(&probe).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dst), mode(&probe));
    assert_eq!(std::fs::read(&dst).unwrap(), b"mode");
}

/// Graph would create a missing folder on an upload by path; like the original, `put`
/// refuses a destination folder that does not exist (exit 3) or is a file, and creates
/// nothing.
#[test]
fn put_into_a_missing_folder_or_a_file_fails_and_creates_nothing() {
    let env = Env::new();
    let f = env.write_local("p.txt", b"payload");
    for session in [false, true] {
        let mut cmd = env.cmd();
        cmd.arg("put");
        if session {
            cmd.arg("--bits");
        }
        let out = cmd.arg(&f).arg("Typo/deeper").output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
        assert!(!env.exists("Typo"), "a folder was created");
    }
    env.seed_file("plain.txt", b"x");
    let out = env
        .cmd()
        .arg("put")
        .arg(&f)
        .arg("plain.txt")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("not a folder"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(env.content("plain.txt"), b"x");
    assert_eq!(env.children(""), vec!["plain.txt".to_owned()]);
}
