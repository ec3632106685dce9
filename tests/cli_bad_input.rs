//! The bad-input catalogue (issue #9): a broken state file, malformed arguments, service
//! answers that are not what Graph promises, local files that change under an upload, a
//! local disk that fills during a download. Every case must end in one clear line on
//! stderr with the documented exit code, nothing lost, and the state file intact.
//!
//! The answers no service gives on purpose (HTML for JSON, truncated JSON, a lying
//! Content-Length, a redirect loop) come from a small server in this file: the emulator
//! plays the service's behaviours, not garbage.

mod common;

use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use common::{Env, assert_failure_line, bytes, cmd_for_state, stderr_of};

fn state_cases() -> Vec<(&'static str, Vec<u8>, i32, &'static str)> {
    vec![
        ("empty", b"".to_vec(), 4, "has no client.id"),
        ("only a comment", b"# nothing yet\n".to_vec(), 4, "has no client.id"),
        ("not YAML", b"client: [unclosed\n".to_vec(), 1, "not valid YAML"),
        ("not text", b"\x00\xff\xfe".to_vec(), 1, "not valid YAML"),
        ("a list", b"- a\n- b\n".to_vec(), 1, "state file"),
        (
            "wrong types",
            b"client:\n  id: [1, 2]\n".to_vec(),
            1,
            "client.id must be a string",
        ),
        (
            "a section of the wrong type",
            b"client:\n  id: 3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a\nauth: 5\n".to_vec(),
            1,
            "auth",
        ),
        (
            "an expiry of the wrong type",
            b"client:\n  id: 3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a\nauth:\n  access_token: x\n  access_expires: [1]\n"
                .to_vec(),
            1,
            "access_expires",
        ),
    ]
}

#[test]
fn every_broken_state_file_gives_one_line_and_stays_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content, code, what) in state_cases() {
        let path = dir.path().join("lcrc");
        std::fs::write(&path, &content).unwrap();
        for args in [
            &["ls"][..],
            &["quota"],
            &["put", "/etc/hostname"],
            &["auth_refresh"],
        ] {
            let out = cmd_for_state(&path)
                .args(args)
                .env_remove("ONEDRIVE_CLI_CONFIG")
                .output()
                .unwrap();
            assert_failure_line(&out, code, what);
            assert!(
                stderr_of(&out).contains(&path.display().to_string()),
                "{name}"
            );
            assert_eq!(std::fs::read(&path).unwrap(), content, "{name}: {args:?}");
        }
    }
}

#[test]
fn a_missing_state_file_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.cfg");
    let out = cmd_for_state(&path).arg("ls").output().unwrap();
    assert_failure_line(&out, 1, "does not exist");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_state_file_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lcrc");
    std::fs::create_dir(&path).unwrap();
    let out = cmd_for_state(&path).arg("ls").output().unwrap();
    assert_failure_line(&out, 1, "directory");
}

#[test]
fn a_state_file_locked_for_long_fails_instead_of_hanging() {
    let env = Env::new();
    let before = env.state_text();
    // Another process holds the state file's lock and does not let go.
    let lock_path = format!("{}.lock", env.config.display());
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    holder.lock().unwrap();
    let child = env
        .bare_cmd()
        .arg("-c")
        .arg(&env.config)
        .arg("ls")
        .env("ONEDRIVE_CLI_LOCK_WAIT", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_failure_line(&child, 1, "locked by another process");
    drop(holder);
    assert_eq!(env.state_text(), before);
    env.ok(&["ls"]);
}

#[test]
fn malformed_arguments_are_usage_errors_before_any_request() {
    let env = Env::new();
    env.seed_file("a.txt", b"abc");
    let cases: &[(&[&str], &str)] = &[
        (&["info_set", "a.txt", "{\"name\":"], "invalid JSON"),
        (&["info_set", "a.txt", "[1, 2]"], "JSON"),
        (&["get", "-b", "5-2", "a.txt"], "bad range"),
        (&["get", "-b", "x", "a.txt"], "bad range"),
        (&["get", "-b", "1-2,4-5", "a.txt"], "range"),
        (&["ls", "-r", "a-b"], "range"),
        (&["-k", "{name", "ls"], "template"),
        (&["-k", "", "ls"], "template"),
        (&["put", "--chunk-size", "10X", "/etc/hostname"], "bad size"),
        (&["--retries", "-1", "ls"], "'-1'"),
        (&["--retries", "101", "ls"], "retries"),
        (&["--read-timeout", "0", "ls"], "read-timeout"),
        (&["ls", "--checkers", "0"], "checkers"),
    ];
    let before = env.graph_requests();
    for (args, what) in cases {
        let out = env.cmd().args(*args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out)
                .to_lowercase()
                .contains(&what.to_lowercase()),
            "{args:?}: {what:?} in {}",
            stderr_of(&out)
        );
    }
    assert_eq!(env.graph_requests(), before, "no request for a usage error");
}

/// A server answering every request with `answer(path)`, on its own thread.
struct Fake {
    url: String,
    _rt: tokio::runtime::Runtime,
}

fn fake(answer: fn(&str) -> Response) -> Fake {
    fake_with_headers(answer, |_, _| None)
}

/// A server answering `special(path, headers)` where it gives an answer, else
/// `answer(path)`.
fn fake_with_headers(
    answer: fn(&str) -> Response,
    special: fn(&str, &axum::http::HeaderMap) -> Option<Response>,
) -> Fake {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(move |uri: Uri, headers: axum::http::HeaderMap| async move {
        special(uri.path(), &headers).unwrap_or_else(|| answer(uri.path()))
    });
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Fake { url, _rt: rt }
}

/// A state file with valid-looking tokens pointing at `fake`.
fn state_for(dir: &Path, fake: &Fake) -> std::path::PathBuf {
    let path = dir.join("lcrc");
    let expires = common::now_unix() + 3600.0;
    std::fs::write(
        &path,
        format!(
            "client:\n  id: {}\napi:\n  graph_url: {}/v1.0\n  login_url: {}\nauth:\n  access_token: t\n  refresh_token: r\n  access_expires: {expires}\n",
            common::CLIENT_ID,
            fake.url,
            fake.url
        ),
    )
    .unwrap();
    path
}

/// `onedrive-cli -c STATE ARGS` in `dir`, allowed a minute.
fn run_in(dir: &Path, state: &Path, args: &[&str]) -> std::process::Output {
    cmd_for_state(state)
        .args(args)
        .current_dir(dir)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

fn run_against(fake: &Fake, args: &[&str]) -> (std::process::Output, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = state_for(dir.path(), fake);
    let before = std::fs::read_to_string(&path).unwrap();
    let out = run_in(dir.path(), &path, &[&["--retries", "1"][..], args].concat());
    let after = std::fs::read_to_string(&path).unwrap();
    (out, before, after)
}

/// `args` against `fake` fails with one line naming `what`, the state file unchanged.
fn fails_keeping_state(fake: &Fake, args: &[&str], what: &str) {
    let (out, before, after) = run_against(fake, args);
    assert_failure_line(&out, 1, what);
    assert_eq!(before, after);
}

/// `quota` against `fake`, which must succeed: what it printed.
fn quota_from(fake: &Fake) -> String {
    let (out, ..) = run_against(fake, &["quota"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    common::stdout_of(&out)
}

fn json(status: StatusCode, body: &'static str) -> Response {
    (status, [("content-type", "application/json")], body).into_response()
}

#[test]
fn answers_that_are_not_json_or_cut_short_give_one_line() {
    let html = fake(|_| {
        (
            [("content-type", "text/html")],
            "<html><body>Service unavailable</body></html>",
        )
            .into_response()
    });
    let truncated = fake(|_| json(StatusCode::OK, r#"{"id":"1","name":"a.t"#));
    let not_an_item = fake(|_| json(StatusCode::OK, r#"[1, 2, 3]"#));
    for f in [&html, &truncated, &not_an_item] {
        for args in [&["info", "a.txt"][..], &["ls"], &["quota"]] {
            fails_keeping_state(f, args, "invalid JSON");
        }
    }
}

#[test]
fn an_error_status_with_a_body_that_is_not_graphs_still_gives_its_status() {
    let f = fake(|_| {
        (
            StatusCode::BAD_REQUEST,
            [("content-type", "text/html")],
            "<html>Bad Request</html>",
        )
            .into_response()
    });
    fails_keeping_state(&f, &["info", "a.txt"], "400");
}

#[test]
fn a_content_length_longer_than_the_body_is_a_cut_answer() {
    let f = fake(|_| {
        // Declares 500 bytes, sends 20, closes.
        let body = axum::body::Body::from_stream(futures_util::stream::iter([
            Ok::<_, std::io::Error>(bytes::Bytes::from_static(br#"{"id":"1","name":"a"#)),
            Err(std::io::Error::other("closed")),
        ]));
        (
            [
                ("content-type", "application/json"),
                ("content-length", "500"),
            ],
            body,
        )
            .into_response()
    });
    fails_keeping_state(&f, &["info", "a.txt"], "a.txt");
}

#[test]
fn a_redirect_loop_on_download_ends_with_one_line_and_no_file() {
    let f = fake(|path| {
        if path.ends_with("/content") || path.starts_with("/dl") {
            (StatusCode::FOUND, [("location", "/dl/again")]).into_response()
        } else {
            json(
                StatusCode::OK,
                r#"{"id":"F!1","name":"a.txt","size":3,"file":{"mimeType":"text/plain"},"parentReference":{"path":"/drive/root:"}}"#,
            )
        }
    });
    let (out, dir) = get_from(&f, &["get", "a.txt", "out.txt"]);
    assert_failure_line(&out, 1, "redirects");
    assert!(!dir.path().join("out.txt").exists());
}

#[test]
fn quotas_with_zeros_or_missing_fields_are_printed_as_given() {
    // Business drives were seen reporting all zeros, or no `remaining`/`used`
    // (OneDrive/onedrive-api-docs#1245, #483).
    let zeros = fake(|_| {
        json(
            StatusCode::OK,
            r#"{"id":"b!x","driveType":"business","quota":{"total":0,"used":0,"remaining":0,"deleted":0,"state":"normal"}}"#,
        )
    });
    let text = quota_from(&zeros);
    assert!(text.starts_with("free: 0"), "{text}");
    let partial = fake(|_| {
        json(
            StatusCode::OK,
            r#"{"id":"b!x","driveType":"business","quota":{"total":1099511627776,"state":"normal"}}"#,
        )
    });
    let text = quota_from(&partial);
    assert_eq!(text, "quota: 1024.0G\nstate: normal\n");
    let none = fake(|_| json(StatusCode::OK, r#"{"id":"b!x","driveType":"business"}"#));
    quota_from(&none);
}

/// A 12-fragment upload of `name` to an emulator answering every request 150 ms late,
/// under way (its first fragment arrived) when this returns.
fn slow_upload(name: &str) -> (Env, Vec<u8>, std::path::PathBuf, std::process::Child) {
    let env = Env::with_config(onedrive_emulator::Config {
        latency: Duration::from_millis(150),
        ..common::test_config()
    });
    let data = bytes(12 * 327_680, 5);
    let f = env.write_local(name, &data);
    let child = env.spawn_put_in_fragments(&f);
    (env, data, f, child)
}

#[test]
fn a_file_changed_during_its_upload_is_not_committed() {
    // Slow fragments, and the file rewritten (same size) while they go: the session
    // must be cancelled, not completed with a mix of two versions.
    let (env, data, f, child) = slow_upload("moving.bin");
    std::thread::sleep(Duration::from_millis(400));
    let mut changed = data.clone();
    changed[0] ^= 0xff;
    std::fs::write(&f, &changed).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_failure_line(&out, 1, "changed while it was read");
    assert!(!env.exists("moving.bin"), "nothing committed");
    // The new version goes up whole on the next run.
    env.cmd().arg("put").arg(&f).assert().success();
    assert_eq!(env.content("moving.bin"), changed);
}

#[test]
fn a_file_that_vanishes_during_its_upload_is_one_line() {
    let (env, _, f, child) = slow_upload("vanishing.bin");
    std::fs::remove_file(&f).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_failure_line(&out, 3, "vanishing.bin");
    assert!(!env.exists("vanishing.bin"));
}

#[test]
fn a_full_local_disk_keeps_the_partial_and_leaves_the_destination_alone() {
    // RLIMIT_FSIZE stands in for a full disk (no mount needed): writes past 1 MiB fail
    // (EFBIG), SIGXFSZ ignored so that the write error is what the client meets.
    let env = Env::new();
    let data = bytes(3 * 1024 * 1024, 7);
    env.seed_file("big.bin", &data);
    let dst = env.local("big.bin");
    std::fs::write(&dst, b"the old version").unwrap();
    let cli = assert_cmd::cargo::cargo_bin("onedrive-cli");
    let script = format!(
        "trap '' XFSZ; ulimit -f 1024; exec '{}' -c '{}' get big.bin '{}'",
        cli.display(),
        env.config.display(),
        dst.display()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env_remove("ONEDRIVE_CLI_CONFIG")
        .output()
        .unwrap();
    assert_failure_line(&out, 1, "big.bin");
    assert_eq!(std::fs::read(&dst).unwrap(), b"the old version");
    let partial = onedrive_cli::drive::download::partial_path(&dst);
    let kept = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    assert!(kept > 0 && kept <= 1024 * 1024, "partial kept: {kept}");
    // With room again, the run resumes from the partial and finishes.
    let before = env.bytes_out();
    env.get_to("big.bin", &dst);
    assert_eq!(std::fs::read(&dst).unwrap(), data);
    assert!(env.bytes_out() - before <= data.len() as u64 - kept + 65_536);
}

/// A 1,000-byte file without a download URL: its bytes come from `…/content`, which
/// the fakes below answer directly (as a server may; no redirect).
fn item_with_download_url(path: &str) -> Response {
    let _ = path;
    json(
        StatusCode::OK,
        r#"{"id":"F!1","name":"a.bin","size":1000,"file":{"mimeType":"application/octet-stream"},"parentReference":{"path":"/drive/root:"}}"#,
    )
}

/// The 1,000 bytes the fake serves: byte i is i % 251.
fn thousand() -> Vec<u8> {
    (0..1000u32).map(|i| (i % 251) as u8).collect()
}

/// The `a-b` of a `Range: bytes=a-b` header.
fn range_of(headers: &axum::http::HeaderMap) -> Option<(usize, usize)> {
    let v = headers
        .get("range")?
        .to_str()
        .ok()?
        .strip_prefix("bytes=")?;
    let (a, b) = v.split_once('-')?;
    if a.is_empty() {
        let n: usize = b.parse().ok()?;
        return Some((1000 - n.min(1000), 999));
    }
    let a: usize = a.parse().ok()?;
    let b: usize = if b.is_empty() { 999 } else { b.parse().ok()? };
    Some((a, b.min(999)))
}

fn get_from(f: &Fake, args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = state_for(dir.path(), f);
    let out = run_in(dir.path(), &path, args);
    (out, dir)
}

#[test]
fn a_chunked_html_page_is_never_written_as_content() {
    // OneDrive/onedrive-api-docs#133: an HTML error page with 200, here without a
    // Content-Length (chunked), so only its type tells it from the file.
    let f = fake_with_headers(item_with_download_url, |path, _| {
        path.ends_with("/content").then(|| {
            let page =
                futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                    b"<!DOCTYPE html><html><body>Sorry, something went wrong</body></html>",
                ))]);
            (
                [("content-type", "text/html; charset=utf-8")],
                axum::body::Body::from_stream(page),
            )
                .into_response()
        })
    });
    let (out, dir) = get_from(&f, &["get", "a.bin", "out.bin"]);
    assert_failure_line(&out, 1, "HTML");
    assert!(!dir.path().join("out.bin").exists());
    let (out, _) = get_from(&f, &["get", "-b", "0-99", "a.bin"]);
    assert_failure_line(&out, 1, "HTML");
}

#[test]
fn a_206_wider_or_shorter_than_asked_gives_exactly_the_range() {
    // Wider: the whole file as a 206.
    let wide = fake_with_headers(item_with_download_url, |path, _| {
        path.ends_with("/content").then(|| {
            (
                StatusCode::PARTIAL_CONTENT,
                [("content-range", "bytes 0-999/1000")],
                thousand(),
            )
                .into_response()
        })
    });
    let (out, _) = get_from(&wide, &["get", "-b", "100-199", "a.bin"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(out.stdout, &thousand()[100..200]);
    // Shorter: at most 100 bytes per answer; the rest is asked for.
    let short = fake_with_headers(item_with_download_url, |path, headers| {
        if !path.ends_with("/content") {
            return None;
        }
        let (a, b) = range_of(headers).unwrap_or((0, 999));
        let end = b.min(a + 99);
        Some(
            (
                StatusCode::PARTIAL_CONTENT,
                [("content-range", format!("bytes {a}-{end}/1000"))],
                thousand()[a..=end].to_vec(),
            )
                .into_response(),
        )
    });
    for (range, from, to) in [("0-499", 0, 500), ("200-", 200, 1000), ("-250", 750, 1000)] {
        let (out, _) = get_from(&short, &["get", "-b", range, "a.bin"]);
        assert!(out.status.success(), "{range}: {}", stderr_of(&out));
        assert_eq!(out.stdout, &thousand()[from..to], "{range}");
    }
    // A server that ignores a suffix range and sends the file's start as a 206: the
    // bytes before the range are skipped, the rest asked for.
    let start_only = fake_with_headers(item_with_download_url, |path, _| {
        path.ends_with("/content").then(|| {
            (
                StatusCode::PARTIAL_CONTENT,
                [("content-range", "bytes 0-99/1000")],
                thousand()[..100].to_vec(),
            )
                .into_response()
        })
    });
    let (out, _) = get_from(&start_only, &["get", "-b", "-250", "a.bin"]);
    assert_failure_line(&out, 1, "a.bin");
    let (out, dir) = get_from(&short, &["get", "a.bin", "whole.bin"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        std::fs::read(dir.path().join("whole.bin")).unwrap(),
        thousand()
    );
}
