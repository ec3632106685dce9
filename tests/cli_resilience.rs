//! Transient failures (scripted with the emulator's faults): retries, resumed upload
//! sessions, broken downloads that leave nothing behind; and `--debug` redaction.

mod common;

use common::{Env, bytes, fault, stderr_of};
use onedrive_emulator::faults::{FaultRoute, ScriptEntry};

#[test]
fn throttled_graph_call_is_retried() {
    let env = Env::new();
    env.seed_file("t.txt", b"t");
    env.script([ScriptEntry {
        status: Some(503),
        retry_after: Some(0),
        ..fault(FaultRoute::Graph)
    }]);
    env.cmd().arg("ls").assert().success().stdout("- t.txt\n");
    assert_eq!(env.emu.state.faults.injected(), 1);
}

#[test]
fn upload_session_survives_a_broken_fragment() {
    let env = Env::new();
    let data = bytes(4 * 327_680 + 99, 11);
    let f = env.write_local("resume.bin", &data);
    // the second fragment's connection breaks after 1000 bytes
    env.script([ScriptEntry {
        cut_after: Some(1000),
        path_contains: None,
        ..fault(FaultRoute::Fragment)
    }]);
    let out = env.put_in_fragments(&f);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.emu.state.faults.injected(), 1);
    assert_eq!(env.content("resume.bin"), data);
}

#[test]
fn upload_session_survives_server_errors_on_fragments() {
    let env = Env::new();
    let data = bytes(3 * 327_680, 12);
    let f = env.write_local("s.bin", &data);
    env.script([ScriptEntry {
        status: Some(500),
        count: 2,
        ..fault(FaultRoute::Fragment)
    }]);
    env.cmd()
        .args(["put", "--chunk-size", "320K"])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(env.content("s.bin"), data);
}

#[test]
fn a_broken_download_is_retried() {
    let env = Env::new();
    let data = bytes(200_000, 13);
    env.seed_file("d.bin", &data);
    env.script([ScriptEntry {
        cut_after: Some(5000),
        ..fault(FaultRoute::Download)
    }]);
    let dst = env.local("out/d.bin");
    let out = env.cmd().args(["get", "d.bin"]).arg(&dst).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.emu.state.faults.injected(), 1);
    assert_eq!(std::fs::read(&dst).unwrap(), data);
}

#[test]
fn debug_traces_requests_without_secrets() {
    let env = Env::new();
    env.seed_file("dbg.txt", b"debug");
    let state = env.state_text();
    let token_of = |key: &str| {
        state
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")))
            .map(str::to_owned)
            .unwrap()
    };
    let access = token_of("access_token");
    let refresh = token_of("refresh_token");
    let out = env
        .cmd()
        .args(["--debug", "get", "dbg.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(out.stdout, b"debug");
    let err = stderr_of(&out);
    assert!(
        err.contains("GET "),
        "--debug traces requests on stderr: {err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "no colour codes when stderr is not a terminal"
    );
    assert!(err.contains("Bearer REDACTED"), "{err}");
    assert!(!err.contains(&access) && !err.contains(&refresh), "{err}");
    // the same after a refresh (tokens in request and response bodies)
    env.emu.state.identity.expire_all_access_tokens();
    let out = env.cmd().args(["--debug", "ls"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let state = env.state_text();
    for line in state.lines() {
        let l = line.trim();
        for key in ["access_token: ", "refresh_token: "] {
            if let Some(secret) = l.strip_prefix(key) {
                assert!(!err.contains(secret), "{key} leaked: {err}");
            }
        }
    }
}

#[test]
fn config_path_from_the_environment() {
    let env = Env::new();
    env.seed_file("env.txt", b"x");
    env.bare_cmd()
        .env("ONEDRIVE_CLI_CONFIG", &env.config)
        .arg("ls")
        .assert()
        .success()
        .stdout("- env.txt\n");
}

#[test]
fn a_download_broken_mid_body_is_resumed_with_ranges() {
    let env = Env::new();
    let data = bytes(600_000, 14);
    env.seed_file("m.bin", &data);
    // twice: the body stops after 150,000 bytes (headers long sent)
    env.script([ScriptEntry {
        cut_after: Some(150_000),
        count: 2,
        ..fault(FaultRoute::Download)
    }]);
    let dst = env.local("m.bin");
    let out = env
        .cmd()
        .args(["--debug", "get", "m.bin"])
        .arg(&dst)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(env.emu.state.faults.injected(), 2);
    assert_eq!(
        std::fs::read(&dst).unwrap(),
        data,
        "resumed bytes verified by hash"
    );
    let err = stderr_of(&out);
    assert!(err.contains("resuming at byte 150000"), "{err}");
    assert!(err.contains("resuming at byte 300000"), "{err}");
}
