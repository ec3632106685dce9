//! The transfer engine end to end (issue: transfers of whole trees, resumable, mtime-
//! preserving): `put -r`/`get -r`, several objects, `--skip-existing`, partial failures,
//! modification times, file modes, sessions that vanish, download URLs refused, and
//! runs killed in the middle then re-run. Every check reads the emulator's own store
//! and counters, never the client's code.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use common::{Env, bytes, fault, stderr_of, sum_requests, wait_until};
use onedrive_emulator::faults::{FaultRoute, ScriptEntry};

/// 2021-03-04 05:06:07.89 UTC: a time with a fraction, stored at whole seconds.
const MTIME_MS: u64 = 1_614_834_367_890;

fn set_mtime(p: &Path) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(UNIX_EPOCH + Duration::from_millis(MTIME_MS))
        .unwrap();
}

fn mtime_secs(p: &Path) -> u64 {
    std::fs::metadata(p)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Every file under `root` (relative path → bytes), and every folder.
fn snapshot(root: &Path) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    fn walk(root: &Path, dir: &Path, f: &mut Vec<(String, Vec<u8>)>, d: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                d.push(rel);
                walk(root, &p, f, d);
            } else {
                f.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    walk(root, root, &mut files, &mut dirs);
    files.sort();
    dirs.sort();
    (files, dirs)
}

/// A tree with empty files and folders and names with `#`, `%`, spaces and non-ASCII.
fn make_tree(env: &Env) -> std::path::PathBuf {
    let root = env.local("src/tree");
    for d in ["sub dir/empty", "# hash/100% sure", "ünï cødé"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("zero.bin"), b"").unwrap();
    std::fs::write(root.join("a b #1%.txt"), b"hello").unwrap();
    std::fs::write(root.join("sub dir/big.bin"), bytes(5_000_000, 3)).unwrap();
    std::fs::write(root.join("# hash/100% sure/x.txt"), b"x").unwrap();
    std::fs::write(root.join("ünï cødé/日本語.txt"), "日本".as_bytes()).unwrap();
    root
}

#[test]
fn put_r_then_get_r_round_trips_a_tree_byte_for_byte() {
    let env = Env::new();
    let root = make_tree(&env);
    env.seed_folder("Docs");
    let out = env
        .cmd()
        .args(["put", "-r"])
        .arg(&root)
        .arg("Docs")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("5 done, 0 skipped, 0 failed"));
    assert_eq!(
        env.content("Docs/tree/sub dir/big.bin"),
        bytes(5_000_000, 3)
    );
    assert_eq!(env.content("Docs/tree/# hash/100% sure/x.txt"), b"x");
    assert!(
        env.exists("Docs/tree/sub dir/empty"),
        "empty folders are created"
    );
    assert_eq!(env.content("Docs/tree/zero.bin"), b"");

    let back = env.local("back");
    let out = env
        .cmd()
        .args(["get", "-r", "Docs/tree"])
        .arg(&back)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(snapshot(&root), snapshot(&back.join("tree")));
    // Nothing but the files: no .partial left, nothing in the state folder.
    let uploads = Path::new(&format!("{}.d/uploads", env.config.display())).to_path_buf();
    assert!(
        !uploads.exists() || std::fs::read_dir(&uploads).unwrap().count() == 0,
        "finished sessions leave no record"
    );
}

#[test]
fn several_sources_go_into_the_last_argument() {
    let env = Env::new();
    env.seed_folder("Docs");
    let a = env.write_local("a.txt", b"a");
    let b = env.write_local("b.txt", b"bb");
    env.cmd()
        .arg("put")
        .arg(&a)
        .arg(&b)
        .arg("Docs")
        .assert()
        .success();
    assert_eq!(env.children("Docs"), vec!["a.txt", "b.txt"]);
    let dst = env.local("out");
    env.cmd()
        .args(["get", "Docs/a.txt", "Docs/b.txt"])
        .arg(&dst)
        .assert()
        .success();
    assert_eq!(std::fs::read(dst.join("b.txt")).unwrap(), b"bb");
    // A folder without -r is a usage error, before any request.
    let before = env.graph_requests();
    let d = env.local("dir");
    std::fs::create_dir_all(&d).unwrap();
    env.cmd()
        .arg("put")
        .arg(&d)
        .arg(&a)
        .arg("Docs")
        .assert()
        .code(2);
    assert_eq!(
        env.graph_requests() - before,
        1,
        "only the destination was read"
    );
}

#[test]
fn skip_existing_reruns_send_nothing() {
    let env = Env::new();
    let root = make_tree(&env);
    env.cmd().args(["put", "-r"]).arg(&root).assert().success();
    let uploads = |env: &Env| {
        sum_requests(&env.stats(), |r| {
            r.ends_with("/content") || r.contains("createUploadSession") || r.starts_with("/_up")
        })
    };
    let before = uploads(&env);
    let out = env
        .cmd()
        .args(["put", "-r", "--skip-existing"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("0 done, 5 skipped"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(uploads(&env), before, "no upload request on a re-run");

    let back = env.local("back");
    env.cmd()
        .args(["get", "-r", "tree"])
        .arg(&back)
        .assert()
        .success();
    let downloads = |env: &Env| sum_requests(&env.stats(), |r| r.starts_with("/_dl"));
    let before = downloads(&env);
    // A changed local file is fetched again; the others are skipped.
    std::fs::write(back.join("tree/a b #1%.txt"), b"HELLO").unwrap();
    let out = env
        .cmd()
        .args(["get", "-r", "--skip-existing", "tree"])
        .arg(&back)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("1 done, 4 skipped"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(downloads(&env) - before, 1);
    assert_eq!(
        std::fs::read(back.join("tree/a b #1%.txt")).unwrap(),
        b"hello"
    );
}

#[test]
fn a_partial_failure_is_summarised_and_exits_7() {
    let env = Env::new();
    let dir = env.local("p");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("good.txt"), b"g").unwrap();
    // OneDrive refuses ':' in names (400): this file fails, the other one lands.
    std::fs::write(dir.join("bad:name.txt"), b"b").unwrap();
    let out = env.cmd().args(["put", "-r"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("bad:name.txt"), "{err}");
    assert!(err.contains("1 done, 0 skipped, 1 failed"), "{err}");
    assert!(env.exists("p/good.txt"));
    assert!(out.stdout.is_empty(), "stdout carries data only");
    // One missing object with -r: its own line and exit code, as without -r.
    let out = env
        .cmd()
        .args(["get", "-r", "nosuch"])
        .arg(env.local("dl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out).lines().count(), 1, "{}", stderr_of(&out));
    // Stdout takes one file: with -r, '-' is refused before any request.
    let out = env.cmd().args(["get", "-r", "p", "-"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(!env.local("-").exists());
}

#[test]
fn local_names_onedrive_sees_as_one_are_refused_not_overwritten() {
    let env = Env::new();
    let dir = env.local("c");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Read.me"), b"1").unwrap();
    std::fs::write(dir.join("read.ME"), b"2").unwrap();
    let out = env.cmd().args(["put", "-r"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("same name on OneDrive"));
    assert_eq!(env.content("c/Read.me"), b"1", "the first one, untouched");
}

#[test]
fn modification_times_go_both_ways_at_whole_seconds() {
    let env = Env::new();
    let small = env.write_local("small.txt", b"small");
    let big = env.write_local("big.bin", &bytes(700_000, 5));
    set_mtime(&small);
    set_mtime(&big);
    env.cmd().arg("put").arg(&small).assert().success();
    env.cmd()
        .args(["put", "--chunk-size", "320K"])
        .arg(&big)
        .assert()
        .success();
    for name in ["small.txt", "big.bin"] {
        let it = env.item(name).unwrap();
        assert_eq!(
            it.fs_modified.to_string(),
            "2021-03-04T05:06:07Z",
            "{name}: the local mtime, at whole seconds"
        );
    }
    let dst = env.local("dl");
    std::fs::create_dir_all(&dst).unwrap();
    env.cmd()
        .args(["get", "small.txt", "big.bin"])
        .arg(&dst)
        .assert()
        .success();
    for name in ["small.txt", "big.bin"] {
        assert_eq!(mtime_secs(&dst.join(name)), MTIME_MS / 1000, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn a_redownload_keeps_the_file_mode_and_the_partial_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.seed_file("d/h.txt", b"secret");
    env.seed_file("d/big.bin", &bytes(3_000_000, 9));
    let sec = env.write_local("sec.txt", b"old");
    std::fs::set_permissions(&sec, std::fs::Permissions::from_mode(0o600)).unwrap();
    env.get_to("d/h.txt", &sec);
    assert_eq!(std::fs::read(&sec).unwrap(), b"secret");
    let mode = std::fs::metadata(&sec).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a re-download must not widen permissions");

    // A download that keeps breaking leaves its .partial, 0600, for the next run.
    env.script([ScriptEntry {
        cut_after: Some(50_000),
        count: 100,
        ..fault(FaultRoute::Download)
    }]);
    let dst = env.local("big.bin");
    let out = env
        .cmd()
        .args(["get", "d/big.bin"])
        .arg(&dst)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("kept"), "{}", stderr_of(&out));
    let partial = env.local("big.bin.partial");
    let mode = std::fs::metadata(&partial).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!dst.exists());
    // The network is back: the re-run appends to the partial (one ranged request).
    env.emu.state.faults.clear_script();
    let out_before = env.stats()["bytes_out"].as_u64().unwrap();
    env.get_to("d/big.bin", &dst);
    let sent = env.stats()["bytes_out"].as_u64().unwrap() - out_before;
    assert_eq!(std::fs::read(&dst).unwrap(), bytes(3_000_000, 9));
    assert!(
        sent < 2_000_000,
        "resumed, not restarted: {sent} bytes sent"
    );
    assert!(!partial.exists());
}

#[test]
fn an_upload_session_that_vanishes_is_replaced_once() {
    let env = Env::with_config(onedrive_emulator::Config {
        latency: Duration::from_millis(30),
        ..common::test_config()
    });
    let data = bytes(6 * 327_680, 11);
    let f = env.write_local("v.bin", &data);
    let child = env.spawn([
        OsStr::new("put"),
        "--chunk-size".as_ref(),
        "320K".as_ref(),
        f.as_os_str(),
    ]);
    // Once two fragments are in, the session disappears (as if expired or deleted).
    wait_until("upload did not start", Duration::from_secs(20), || {
        env.bytes_in() >= 2 * 327_680
    });
    env.emu.state.transfer.sessions.clear();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.content("v.bin"), data);
    let sessions = sum_requests(&env.stats(), |r| r.contains("createUploadSession"));
    assert_eq!(sessions, 2, "exactly one new session");
}

#[test]
fn a_refused_download_url_is_fetched_again_and_is_not_an_auth_problem() {
    let env = Env::new();
    env.seed_file("r.bin", &bytes(300_000, 4));
    // The pre-authenticated URL answers 401 (expired): the item is read again.
    env.script([ScriptEntry {
        status: Some(401),
        ..fault(FaultRoute::Download)
    }]);
    let dst = env.local("r.bin");
    let out = env.cmd().args(["get", "r.bin"]).arg(&dst).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(&dst).unwrap(), bytes(300_000, 4));
    // Refused every time: an error, but exit 1, never 4 ("sign in again").
    env.script([ScriptEntry {
        status: Some(401),
        count: 10,
        ..fault(FaultRoute::Download)
    }]);
    let out = env
        .cmd()
        .args(["get", "--no-resume", "r.bin"])
        .arg(env.local("r2.bin"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(!stderr_of(&out).contains("sign in"), "{}", stderr_of(&out));
}

#[test]
fn fragment_sizes_follow_one_rule_for_both_options() {
    // Rounded down to a multiple of 320 KiB (1M is 960 KiB), as --bits-frag-bytes
    // always did; the unit tests cover the bounds (60M becomes 59.6875M).
    let env = Env::new();
    let data = bytes(2_000_000, 4);
    let f = env.write_local("x.bin", &data);
    for option in ["--chunk-size", "--bits-frag-bytes"] {
        let out = env
            .cmd()
            .args(["--debug", "put", option, "1M"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(out.status.success(), "{option}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("bytes 0-983039/2000000"),
            "{option}: fragments of 960 KiB"
        );
        assert_eq!(env.content("x.bin"), data);
    }
}

#[test]
fn a_simple_upload_cut_while_sending_reports_the_services_answer() {
    let env = Env::new();
    let data = bytes(3_000_000, 6);
    env.seed_file("taken.bin", b"old");
    let f = env.write_local("taken.bin", &data);
    // The connection breaks while the body is sent, as when the service answers 409
    // early and closes: the answer must still be reported, and fast.
    env.script([ScriptEntry {
        cut_after: Some(10_000),
        count: 10,
        method: Some("PUT".into()),
        path_contains: Some("/content".into()),
        ..fault(FaultRoute::Graph)
    }]);
    let start = std::time::Instant::now();
    let out = env.cmd().args(["put", "-n"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("nameAlreadyExists"),
        "{}",
        stderr_of(&out)
    );
    assert!(start.elapsed() < Duration::from_secs(5), "no blind retries");
    assert_eq!(env.content("taken.bin"), b"old");
    // Without -n the same cut upload still lands, through a session.
    let out = env.cmd().arg("put").arg(&f).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.content("taken.bin"), data);
}

#[test]
fn a_killed_put_resumes_its_session_and_resends_at_most_one_fragment() {
    let env = Env::with_config(onedrive_emulator::Config {
        latency: Duration::from_millis(25),
        ..common::test_config()
    });
    const FRAG: u64 = 3 * 327_680;
    let data = bytes(24 * FRAG as usize, 12);
    let f = env.write_local("k.bin", &data);
    let run = |env: &Env| {
        env.spawn([
            OsStr::new("put"),
            "--chunk-size".as_ref(),
            "960K".as_ref(),
            f.as_os_str(),
        ])
    };
    let mut child = run(&env);
    wait_until("upload did not start", Duration::from_secs(30), || {
        env.bytes_in() >= 6 * FRAG
    });
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert!(!env.exists("k.bin"));
    let sent_before = env.bytes_in();
    let out = run(&env).wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.content("k.bin"), data);
    let total = env.bytes_in();
    assert!(
        total <= data.len() as u64 + FRAG + 4096,
        "at most one fragment re-sent: {total} bytes for {} ({sent_before} before the kill)",
        data.len()
    );
    assert_eq!(
        sum_requests(&env.stats(), |r| r.contains("createUploadSession")),
        1,
        "the recorded session was continued"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_during_get_keeps_the_partial_and_says_so() {
    let env = Env::with_config(onedrive_emulator::Config {
        latency: Duration::from_millis(1500),
        ..common::test_config()
    });
    env.seed_file("slow.bin", &bytes(100_000, 8));
    let dst = env.local("slow.bin");
    let child = env.spawn([OsStr::new("get"), "slow.bin".as_ref(), dst.as_os_str()]);
    // The metadata answer takes 1.5 s, then the download request another 1.5 s: the
    // partial exists (empty) while the download is awaited.
    let partial = env.local("slow.bin.partial");
    wait_until("no partial appeared", Duration::from_secs(20), || {
        partial.exists()
    });
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("interrupted") && err.contains("kept"), "{err}");
    assert!(partial.exists(), "kept for the next run");
    assert!(!dst.exists());
}

#[test]
fn throttled_fragments_wait_for_retry_after_then_continue() {
    let env = Env::new();
    let data = bytes(4 * 327_680, 13);
    let f = env.write_local("t.bin", &data);
    env.script([ScriptEntry {
        status: Some(429),
        retry_after: Some(1),
        count: 2,
        ..fault(FaultRoute::Fragment)
    }]);
    let start = std::time::Instant::now();
    let out = env.put_in_fragments(&f);
    assert!(out.status.success(), "{}", stderr_of(&out));
    // Sleeping never ends early, so this lower bound holds on any machine.
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "Retry-After honoured twice"
    );
    assert_eq!(env.emu.state.faults.injected(), 2);
    assert_eq!(env.content("t.bin"), data);
}

#[test]
fn a_tree_of_200_mib_under_a_10_percent_fault_rate_arrives_byte_identical() {
    // One request in ten fails at random (429/503 with Retry-After: 1, 500, 504, or a
    // connection cut mid-body), both ways; the seed makes the run reproducible.
    let env = Env::with_config(onedrive_emulator::Config {
        fault_rate: 0.1,
        seed: 6,
        ..common::test_config()
    });
    let root = env.local("src/faulty");
    std::fs::create_dir_all(root.join("large")).unwrap();
    std::fs::create_dir_all(root.join("small/empty")).unwrap();
    for i in 0..8u8 {
        let name = format!("large/l{i}.bin");
        std::fs::write(root.join(name), bytes(24 << 20, 40 + i)).unwrap();
    }
    for i in 0..16u8 {
        std::fs::write(root.join(format!("small/s{i}.bin")), bytes(65_536, i)).unwrap();
    }
    let out = env
        .cmd()
        .args(["put", "-r", "--chunk-size", "5M"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("24 done, 0 skipped, 0 failed"),
        "{}",
        stderr_of(&out)
    );
    let after_put = env.emu.state.faults.injected();
    assert!(after_put >= 3, "faults were injected: {after_put}");

    let back = env.local("back");
    let out = env
        .cmd()
        .args(["get", "-r", "faulty"])
        .arg(&back)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("24 done, 0 skipped, 0 failed"),
        "{}",
        stderr_of(&out)
    );
    assert!(env.emu.state.faults.injected() > after_put);
    assert_eq!(snapshot(&root), snapshot(&back.join("faulty")));
}

#[test]
fn a_killed_get_resumes_its_partial() {
    // The first download is cut after 8 MB; its retry waits 1.5 s for an answer, and
    // the process is killed (SIGKILL) in that window, with 8 MB in the partial.
    let env = Env::with_config(onedrive_emulator::Config {
        latency: Duration::from_millis(1500),
        ..common::test_config()
    });
    const SIZE: usize = 20_000_000;
    const CUT: u64 = 8_000_000;
    let data = bytes(SIZE, 21);
    env.seed_file("k.bin", &data);
    env.script([ScriptEntry {
        cut_after: Some(CUT),
        ..fault(FaultRoute::Download)
    }]);
    let dst = env.local("k.bin");
    let partial = env.local("k.bin.partial");
    let mut child = env.spawn([OsStr::new("get"), "k.bin".as_ref(), dst.as_os_str()]);
    wait_until(
        "the partial did not reach the cut",
        Duration::from_secs(60),
        || std::fs::metadata(&partial).is_ok_and(|m| m.len() >= CUT),
    );
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert!(!dst.exists());
    let out_before = env.stats()["bytes_out"].as_u64().unwrap();
    let out = env.cmd().args(["get", "k.bin"]).arg(&dst).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(&dst).unwrap(), data);
    let sent = env.stats()["bytes_out"].as_u64().unwrap() - out_before;
    assert!(
        sent <= SIZE as u64 - CUT + 65_536,
        "the re-run continued the partial: {sent} bytes sent for {SIZE}"
    );
    assert!(!partial.exists());
}

/// Two objects that would be written to one local file: the same item named twice is
/// fetched once; two different items are not raced into one file (the second is
/// refused, exit 7).
#[test]
fn get_never_writes_two_downloads_into_one_file() {
    let env = Env::new();
    env.seed_file("A/x.txt", b"from A\n");
    env.seed_file("B/x.txt", b"from B\n");
    let id = env.id_of("A/x.txt");
    let out_dir = env.local("twice");
    let out = env
        .cmd()
        .args(["get", "A/x.txt", &id, "A/x.txt"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(out_dir.join("x.txt")).unwrap(), b"from A\n");
    let out_dir = env.local("clash");
    let out = env
        .cmd()
        .args(["get", "A/x.txt", "B/x.txt"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("'A/x.txt' is written to"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(std::fs::read(out_dir.join("x.txt")).unwrap(), b"from A\n");
}
