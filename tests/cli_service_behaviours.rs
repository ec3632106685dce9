//! The service as it really behaves (issue #9): each behaviour the emulator can play
//! (see emulator/README.md, "Faults" and the flags table, for the public report behind
//! each), and what the client must do about it: report the service's answer, retry
//! only what is transient within its bounds, never write bytes that were not asked for,
//! never lose or corrupt data.

mod common;

use std::time::{Duration, Instant};

use common::{Env, bytes, fault, stderr_of};
use onedrive_emulator::faults::{Early, FaultRoute, ScriptedFault};

/// A 429 with `Retry-After` sent before the upload's body is read.
fn early_429(early: Early, count: u32, method: &str) -> ScriptedFault {
    ScriptedFault {
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
    // The case: two 429s (Retry-After) to a 3 MB simple upload, answered before
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
        env.script([ScriptedFault {
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
        env.script([ScriptedFault {
            route: FaultRoute::Fragment,
            ..early_429(early, 2, "PUT")
        }]);
        let started = Instant::now();
        let out = env
            .cmd()
            .args(["put", "--chunk-size", "320K"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(out.status.success(), "{early:?}: {}", stderr_of(&out));
        assert_eq!(env.emu.state.faults.injected(), 2);
        if matches!(early, Early::Drain) {
            assert!(started.elapsed() >= Duration::from_secs(2));
        }
        assert_eq!(env.content("frag.bin"), data);
    }
}
