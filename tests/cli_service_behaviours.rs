//! The service as it really behaves (issue #9): each behaviour the emulator can play
//! (see emulator/README.md, "Faults" and the flags table, for the public report behind
//! each), and what the client must do about it: report the service's answer, retry
//! only what is transient within its bounds, never write bytes that were not asked for,
//! never lose or corrupt data.

mod common;

use std::time::{Duration, Instant};

use common::{Env, assert_one_line, bytes, fault, stderr_of};
use onedrive_emulator::faults::{DownloadAnswer, Early, FaultRoute, ScriptEntry};

/// `onedrive-cli -c STATE ARGS`, allowed a minute (for the tests that wait out stalls
/// and retries).
fn run_for_a_minute(env: &Env, args: &[&str]) -> std::process::Output {
    env.cmd()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

/// `put --chunk-size 320K` of a local file `name` holding `data` (with whatever faults
/// are scripted): it must succeed and leave `data` at `name` on the drive.
fn put_lands_whole(env: &Env, name: &str, data: &[u8]) {
    let f = env.write_local(name, data);
    let out = env.put_in_fragments(&f);
    assert!(out.status.success(), "{name}: {}", stderr_of(&out));
    assert_eq!(env.content(name), data, "{name}");
}

/// A 429 with `Retry-After` sent before the upload's body is read.
fn early_429(early: Early, count: u32, method: &str) -> ScriptEntry {
    ScriptEntry {
        status: Some(429),
        retry_after: Some(1),
        early: Some(early),
        count,
        method: Some(method.into()),
        ..fault(FaultRoute::Any)
    }
}

#[test]
fn a_429_answered_before_a_simple_upload_is_read_is_waited_for() {
    // The issue's case: two 429s (Retry-After) to a 3 MB simple upload, answered before
    // the body is read; the client must see the answer and wait as told every time.
    let env = Env::new();
    let data = bytes(3_000_000, 1);
    let f = env.write_local("early.bin", &data);
    env.script([early_429(Early::Drain, 2, "PUT")]);
    let started = Instant::now();
    let out = env.cmd().arg("put").arg(&f).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.emu.state.faults.injected(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(env.content("early.bin"), data);
}

#[test]
fn an_early_answer_that_closes_the_connection_is_survived() {
    // The front end answers and closes without reading (with `Connection: close`, or
    // just leaving the body unread): the client may only see its connection reset
    // while sending. It must still get the file up, whole, within its retries.
    for early in [Some(Early::Close), None] {
        let env = Env::with_config(onedrive_emulator::Config {
            latency: Duration::from_millis(20),
            ..common::test_config()
        });
        let data = bytes(3_000_000, 2);
        let f = env.write_local("closed.bin", &data);
        env.script([ScriptEntry {
            early,
            ..early_429(Early::Close, 2, "PUT")
        }]);
        let out = env.cmd().arg("put").arg(&f).output().unwrap();
        assert!(out.status.success(), "{early:?}: {}", stderr_of(&out));
        assert_eq!(env.emu.state.faults.injected(), 2);
        assert_eq!(env.content("closed.bin"), data);
    }
}

#[test]
fn early_answers_to_fragments_are_waited_for_or_survived() {
    for (i, early) in [Early::Drain, Early::Close].into_iter().enumerate() {
        let env = Env::new();
        let data = bytes(4 * 327_680 + 7, 3 + i as u8);
        let f = env.write_local("frag.bin", &data);
        env.script([ScriptEntry {
            route: FaultRoute::Fragment,
            ..early_429(early, 2, "PUT")
        }]);
        let started = Instant::now();
        let out = env.put_in_fragments(&f);
        assert!(out.status.success(), "{early:?}: {}", stderr_of(&out));
        assert_eq!(env.emu.state.faults.injected(), 2);
        if matches!(early, Early::Drain) {
            assert!(started.elapsed() >= Duration::from_secs(2));
        }
        assert_eq!(env.content("frag.bin"), data);
    }
}

#[test]
fn a_fragment_cut_with_a_kept_prefix_resumes_where_the_session_says() {
    // OneDrive/onedrive-api-docs#75: the session kept part of a broken fragment.
    let env = Env::new();
    env.script([ScriptEntry {
        cut_after: Some(100_000),
        keep: true,
        ..fault(FaultRoute::Fragment)
    }]);
    put_lands_whole(&env, "prefix.bin", &bytes(4 * 327_680 + 7, 21));
    assert_eq!(env.emu.state.faults.injected(), 1);
}

#[test]
fn fragments_stored_but_answered_with_an_error_are_not_lost_or_doubled() {
    // OneDrive/onedrive-api-docs#64, #698: the fragment was stored, the answer lost.
    // Once in the middle (the retry meets 416 and asks the session), once on the last
    // fragment (the file is committed and the session gone).
    for (count, name) in [(1, "middle.bin"), (4, "last.bin")] {
        let env = Env::new();
        env.script([ScriptEntry {
            status: Some(503),
            after: true,
            count,
            ..fault(FaultRoute::Fragment)
        }]);
        put_lands_whole(&env, name, &bytes(3 * 327_680 + 11, 22));
        assert_eq!(env.children(""), vec![name.to_owned()], "one file, no copy");
    }
}

#[test]
fn a_vanished_upload_session_is_replaced_by_a_new_one() {
    let env = Env::new();
    env.script([ScriptEntry {
        drop_session: true,
        ..fault(FaultRoute::Fragment)
    }]);
    put_lands_whole(&env, "vanish.bin", &bytes(3 * 327_680 + 5, 23));
}

#[test]
fn an_expired_session_answering_401_starts_a_new_one_without_refreshing_the_token() {
    // OneDrive/onedrive-api-docs#1570: the upload URL answered 401 expiredToken after
    // its lifetime. That is the URL's expiry, not the Graph token's.
    let env = Env::with_config(onedrive_emulator::Config {
        upload_session_expiry_status: 401,
        upload_session_ttl: Duration::from_secs(1),
        latency: Duration::from_millis(100),
        ..common::test_config()
    });
    let data = bytes(8 * 327_680, 24);
    let f = env.write_local("expiring.bin", &data);
    // A first run is killed after its first fragment: its session is recorded.
    let mut child = env.spawn_put_in_fragments(&f);
    child.kill().unwrap();
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(1200));
    let state_before = env.state_text();
    let out = env.put_in_fragments(&f);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.content("expiring.bin"), data);
    assert_eq!(env.state_text(), state_before, "no token refresh");
}

/// A file of `len` bytes on the drive, fetched with one scripted download answer.
fn get_with_answer(
    answer: DownloadAnswer,
    len: usize,
    args: &[&str],
) -> (Env, Vec<u8>, std::process::Output) {
    let env = Env::new();
    let data = bytes(len, 25);
    env.seed_file("f.bin", &data);
    env.script([ScriptEntry {
        answer: Some(answer),
        ..fault(FaultRoute::Download)
    }]);
    let out = env.cmd().args(args).output().unwrap();
    assert_eq!(env.emu.state.faults.injected(), 1);
    (env, data, out)
}

#[test]
fn a_range_answered_with_the_whole_file_is_sliced_to_what_was_asked() {
    // OneDrive/onedrive-api-docs#62, #133: Range ignored, 200 with the whole file.
    for (range, from, to) in [("10-19", 10, 20), ("-5", 995, 1000), ("990-", 990, 1000)] {
        let (_env, data, out) =
            get_with_answer(DownloadAnswer::Whole, 1000, &["get", "-b", range, "f.bin"]);
        assert!(out.status.success(), "{range}: {}", stderr_of(&out));
        assert_eq!(out.stdout, &data[from..to], "{range}");
    }
}

#[test]
fn a_resume_answered_with_the_whole_file_keeps_the_file_right() {
    let env = Env::new();
    let data = bytes(3 * 1024 * 1024, 26);
    env.seed_file("r.bin", &data);
    env.script([
        ScriptEntry {
            cut_after: Some(1024 * 1024),
            ..fault(FaultRoute::Download)
        },
        ScriptEntry {
            answer: Some(DownloadAnswer::Whole),
            ..fault(FaultRoute::Download)
        },
    ]);
    let dst = env.local("r.bin");
    let out = env.cmd().args(["get", "r.bin"]).arg(&dst).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.emu.state.faults.injected(), 2);
    assert_eq!(std::fs::read(&dst).unwrap(), data);
}

#[test]
fn an_empty_or_html_answer_is_never_written_as_content() {
    // OneDrive/onedrive-api-docs#495 (empty 200), #133 (an HTML error page).
    for answer in [DownloadAnswer::Empty, DownloadAnswer::Html] {
        let exit_1 = |out: &std::process::Output| {
            assert_eq!(out.status.code(), Some(1), "{answer:?}: {}", stderr_of(out));
        };
        let (_env, _, out) = get_with_answer(answer, 1000, &["get", "-b", "0-99", "f.bin"]);
        exit_1(&out);
        assert!(out.stdout.is_empty(), "{answer:?}: nothing on stdout");
        assert_eq!(stderr_of(&out).lines().count(), 1);

        let (env, _, out) = get_with_answer(answer, 1000, &["get", "f.bin", "-"]);
        exit_1(&out);
        assert!(out.stdout.is_empty(), "{answer:?}: nothing on stdout");

        let dst = env.local("f.bin");
        env.script([ScriptEntry {
            answer: Some(answer),
            ..fault(FaultRoute::Download)
        }]);
        exit_1(&env.cmd().args(["get", "f.bin"]).arg(&dst).output().unwrap());
        assert!(!dst.exists(), "{answer:?}: no file");
        assert!(!onedrive_cli::drive::download::partial_path(&dst).exists());
    }
}

#[test]
fn stalled_connections_are_dropped_after_the_read_timeout_and_retried() {
    let env = Env::new();
    let data = bytes(2 * 1024 * 1024, 27);
    env.seed_file("s.bin", &data);
    // A download that stops after 100 KB without closing.
    env.script([ScriptEntry {
        stall_after: Some(100_000),
        ..fault(FaultRoute::Download)
    }]);
    let dst = env.local("s.bin");
    let out = run_for_a_minute(
        &env,
        &["--read-timeout", "1", "get", "s.bin", dst.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(&dst).unwrap(), data);
    // A Graph call that never answers.
    env.script([ScriptEntry {
        stall_after: Some(0),
        ..fault(FaultRoute::Graph)
    }]);
    let out = run_for_a_minute(&env, &["ls", "--read-timeout", "1"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(common::stdout_of(&out), "- s.bin\n");
    // A fragment whose body the service stops reading.
    let up = bytes(3 * 327_680 + 1, 28);
    let f = env.write_local("up.bin", &up);
    env.script([ScriptEntry {
        stall_after: Some(1000),
        ..fault(FaultRoute::Fragment)
    }]);
    let out = run_for_a_minute(
        &env,
        &[
            "--retries",
            "2",
            "--read-timeout",
            "1",
            "put",
            "--chunk-size",
            "320K",
            f.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.content("up.bin"), up);
    // Without retries, a stall is one line naming what happened.
    env.script([ScriptEntry {
        stall_after: Some(0),
        ..fault(FaultRoute::Graph)
    }]);
    let out = run_for_a_minute(&env, &["--retries", "0", "--read-timeout", "1", "ls"]);
    assert_one_line(&out, 1, "no data moved for 1 s");
}

/// A drive with `wide` (2,600 files in one folder) and `deep` (3 folders, 2,600 files).
fn paged_drive(config: onedrive_emulator::Config) -> Env {
    let env = Env::with_config(config);
    for (name, folders) in [("wide", 0), ("deep", 3)] {
        let id = env.seed_folder(name);
        env.emu
            .state
            .store
            .populate(&id, folders, 2600, &[1], 1)
            .expect("populate");
    }
    env
}

/// Asserts two listings are equal, showing the first difference (not 2,600 lines).
fn assert_same(got: &[String], want: &[String], what: &str) {
    if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        panic!(
            "{what}: {} lines vs {} expected; line {i}: {:?} vs {:?}",
            got.len(),
            want.len(),
            got.get(i),
            want.get(i)
        );
    }
}

fn lines(env: &Env, args: &[&str]) -> Vec<String> {
    let out = env.cmd().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    common::stdout_of(&out).lines().map(str::to_owned).collect()
}

#[test]
fn pages_that_repeat_items_or_come_empty_list_each_item_once() {
    // OneDrive/onedrive-api-docs#1669, #740 (repeats), #516 (empty pages with nextLink).
    let plain = paged_drive(common::test_config());
    let quirky = paged_drive(onedrive_emulator::Config {
        children_repeat_items: true,
        delta_repeat_items: true,
        empty_pages: true,
        ..common::test_config()
    });
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let wide = lines(&plain, &["ls", "wide"]);
    assert_eq!(wide.len(), 2600);
    assert_same(&lines(&quirky, &["ls", "wide"]), &wide, "ls");
    assert_same(
        &sorted(lines(&quirky, &["ls", "-U", "wide"])),
        &sorted(wide),
        "ls -U",
    );
    for walk in [
        &["tree", "deep"][..],
        &["tree", "--no-delta", "deep"],
        &["tree", "wide"],
    ] {
        let expected = lines(&plain, walk);
        assert!(expected.len() > 2600, "{walk:?}");
        assert_same(&lines(&quirky, walk), &expected, &format!("{walk:?}"));
    }
}

#[test]
fn empty_hashes_are_checked_by_size_and_never_taken_for_corruption() {
    // OneDrive/onedrive-api-docs#1704: `hashes: {}` for 0-byte files on Business.
    let env = Env::with_config(onedrive_emulator::Config {
        no_hashes_for_empty_files: true,
        ..common::test_config()
    });
    let empty = env.write_local("empty.txt", b"");
    env.cmd().arg("put").arg(&empty).assert().success();
    let dst = env.local("got-empty.txt");
    env.get_to("empty.txt", &dst);
    assert_eq!(std::fs::read(&dst).unwrap(), b"");
    // A chosen item whose hashes are blank: checked by size, downloaded whole.
    let data = bytes(100_000, 29);
    let id = env.seed_file("blank.bin", &data);
    env.emu.state.store.blank_hashes(&id).unwrap();
    let dst = env.local("blank.bin");
    env.get_to("blank.bin", &dst);
    assert_eq!(std::fs::read(&dst).unwrap(), data);
    // The upload side: a stored item answered without hashes is checked by size.
    let up = env.write_local("up.bin", &bytes(50_000, 30));
    env.cmd().arg("put").arg(&up).assert().success();
}

#[test]
fn copy_monitors_are_followed_however_they_answer() {
    // OneDrive/onedrive-api-docs#852, #80: any number of 202s, a 303 to the new item;
    // O365/python-o365#872: a 202 with `Content-Encoding: gzip` and no body.
    let variants: [(&str, onedrive_emulator::Config); 3] = [
        (
            "several 202s",
            onedrive_emulator::Config {
                copy_monitor_polls: Some(4),
                ..common::test_config()
            },
        ),
        (
            "303 when done",
            onedrive_emulator::Config {
                copy_monitor_redirect: true,
                ..common::test_config()
            },
        ),
        (
            "gzip 202",
            onedrive_emulator::Config {
                copy_accepted_gzip: true,
                ..common::test_config()
            },
        ),
    ];
    for (what, config) in variants {
        let env = Env::with_config(config);
        let data = bytes(10_000, 31);
        env.seed_file("a.bin", &data);
        env.seed_folder("to");
        let out = env.run(&["cp", "a.bin", "to"]);
        assert!(out.status.success(), "{what}: {}", stderr_of(&out));
        assert_eq!(env.content("to/a.bin"), data, "{what}");
    }
}

#[test]
fn a_copy_that_fails_says_why_in_one_line() {
    let env = Env::new();
    env.seed_file("a.bin", b"abc");
    env.seed_folder("to");
    env.script([ScriptEntry {
        copy_fail: true,
        ..fault(FaultRoute::Graph)
    }]);
    let out = env.run(&["cp", "a.bin", "to"]);
    assert_one_line(&out, 1, "copy failed");
    assert!(!env.exists("to/a.bin"));
}

#[test]
fn an_etag_that_moves_after_the_upload_still_gets_the_modification_time() {
    // OneDrive/onedrive-api-docs#800: 412 (with If-Match) / 409 (without) right after
    // an upload, "later it worked".
    let env = Env::with_config(onedrive_emulator::Config {
        etag_settle: Duration::from_millis(800),
        ..common::test_config()
    });
    let f = env.write_local("old.txt", b"written long ago");
    let when = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000); // 2001-09-09
    std::fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_modified(when)
        .unwrap();
    let out = env.cmd().arg("put").arg(&f).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
    let item = env.item("old.txt").unwrap();
    assert_eq!(
        item.fs_modified.to_string(),
        "2001-09-09T01:46:40Z",
        "{item:?}"
    );
}

#[test]
fn two_unicode_forms_of_one_name_are_one_item() {
    // rclone/rclone#8634: stored as sent, compared canonically.
    let env = Env::new();
    let nfc = "Caf\u{e9}.txt";
    let nfd = "Cafe\u{301}.txt";
    env.seed_file(nfc, b"old");
    let f = env.write_local(nfd, b"new content");
    env.cmd().arg("put").arg(&f).assert().success();
    assert_eq!(
        env.children(""),
        vec![nfc.to_owned()],
        "replaced, not a second file"
    );
    assert_eq!(env.content(nfc), b"new content");
    // Either form of the path finds it.
    let out = env.ok(&["get", nfd, "-"]);
    assert_eq!(out.stdout, b"new content");
    // A rename to the other form is answered 200 and does not take: not a success.
    let out = env.run(&["info_set", nfc, &format!("{{\"name\": \"{nfd}\"}}")]);
    assert_one_line(&out, 5, "kept the name");
    // put -r of a tree named in the other form finds what is there.
    let tree = env.local("t");
    std::fs::create_dir_all(tree.join(nfd.replace(".txt", ""))).unwrap();
    std::fs::write(tree.join(nfd), b"same").unwrap();
    env.cmd().args(["put", "-r"]).arg(&tree).assert().success();
    let again = env.cmd().args(["put", "-r"]).arg(&tree).output().unwrap();
    assert!(again.status.success(), "{}", stderr_of(&again));
    assert!(
        stderr_of(&again).contains("0 done") || stderr_of(&again).contains("skipped"),
        "{}",
        stderr_of(&again)
    );
}

#[test]
fn names_the_service_refuses_are_reported_with_its_reason() {
    let env = Env::new();
    for bad in ["a:b.txt", "CON", " lead.txt", "~$lock.docx", "x_vti_y"] {
        let f = env.write_local(bad, b"x");
        let out = env.cmd().arg("put").arg(&f).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{bad:?}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("invalidPath") || err.contains("name"), "{err}");
    }
    // In a tree, the refused name fails alone: the rest goes up, exit 7 (partial).
    let tree = env.local("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("ok.txt"), b"ok").unwrap();
    std::fs::write(tree.join("bad:name.txt"), b"bad").unwrap();
    let out = env.cmd().args(["put", "-r"]).arg(&tree).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
    assert_eq!(env.content("tree/ok.txt"), b"ok");
    assert!(
        stderr_of(&out).contains("bad:name.txt"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn retries_stop_at_the_retry_budget_with_one_line() {
    // A service that keeps throttling: the client gives up when --retry-max-time is
    // spent, not after --retries, and says what the service answered.
    let env = Env::new();
    env.script([ScriptEntry {
        status: Some(503),
        retry_after: Some(1),
        count: 1000,
        ..fault(FaultRoute::Graph)
    }]);
    let started = Instant::now();
    let out = run_for_a_minute(&env, &["ls", "--retries", "100", "--retry-max-time", "3"]);
    assert_one_line(&out, 1, "503");
    let tries = env.emu.state.faults.injected();
    // 1 s apart within 3 s: the first try and at most 3 retries.
    assert!((2..=4).contains(&tries), "{tries} requests");
    assert!(started.elapsed() >= Duration::from_secs(2));
    // And --retries bounds it when it is the smaller.
    env.emu.state.faults.clear_script();
    env.script([ScriptEntry {
        status: Some(503),
        retry_after: Some(0),
        count: 1000,
        ..fault(FaultRoute::Graph)
    }]);
    let before = env.emu.state.faults.injected();
    let out = env.run(&["--retries", "2", "ls"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(env.emu.state.faults.injected() - before, 3);
}
