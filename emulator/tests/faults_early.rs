//! Early answers: a scripted status fault on a request that carries a body is answered
//! before the body is read, then the connection is closed (`"early": "close"`) or the
//! body is read and discarded (`"early": "drain"`).

mod transfer_support;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use transfer_support::*;

/// 25 × 320 KiB: a valid (non-last) fragment of a few MB.
const BIG: usize = 25 * KIB320;

async fn bytes_in(emu: &Emu) -> u64 {
    let v = json_of(emu.admin(Method::GET, "stats", None).await).await;
    v["bytes_in"].as_u64().expect("bytes_in")
}

/// Waits (up to 10 s) until the server has read `want` request-body bytes; returns
/// what it read.
async fn wait_bytes_in(emu: &Emu, want: u64) -> u64 {
    for _ in 0..200 {
        let n = bytes_in(emu).await;
        if n >= want {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bytes_in(emu).await
}

/// A session and its URL, then stats zeroed.
async fn session(emu: &Emu, name: &str) -> String {
    let (st, v) = emu.create_session(name, json!({})).await;
    assert_eq!(st, StatusCode::OK);
    let url = v["uploadUrl"].as_str().expect("uploadUrl").to_owned();
    emu.admin(Method::POST, "stats/reset", None).await;
    url
}

/// A fragment PUT of `BIG` bytes whose body sends its first MiB, then waits until the
/// test opens `gate` (or 5 s pass) before sending the rest: an answer that arrives
/// while the gate is shut was sent before the body was read.
fn gated_fragment(
    emu: &Emu,
    url: &str,
) -> (reqwest::RequestBuilder, tokio::sync::oneshot::Sender<()>) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let data = pattern(BIG, 3);
    let first = bytes::Bytes::copy_from_slice(&data[..1 << 20]);
    let rest = bytes::Bytes::copy_from_slice(&data[1 << 20..]);
    let stream = futures_util::stream::unfold(
        (0u8, Some(rx), first, rest),
        |(step, rx, first, rest)| async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(first.clone()), (1, rx, first, rest))),
                1 => {
                    if let Some(rx) = rx {
                        let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
                    }
                    Some((Ok(rest.clone()), (2, None, first, rest)))
                }
                _ => None,
            }
        },
    );
    let rb = emu
        .http
        .put(url)
        .header("content-range", format!("bytes 0-{}/{}", BIG - 1, 4 * BIG))
        .header("content-length", BIG.to_string())
        .body(reqwest::Body::wrap_stream(stream));
    (rb, tx)
}

#[tokio::test]
async fn drain_answers_before_reading_then_reads_the_whole_body() {
    let emu = start_default().await;
    let url = session(&emu, "drain.bin").await;
    emu.admin(
        Method::POST,
        "faults",
        Some(json!({"route": "fragment", "status": 429, "retry_after": 7, "early": "drain"})),
    )
    .await;
    let (rb, gate) = gated_fragment(&emu, &url);
    // The answer comes while most of the body is still held back by the gate.
    let r = tokio::time::timeout(Duration::from_secs(4), rb.send())
        .await
        .expect("answered before the body was sent")
        .expect("the client sees the answer");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "7");
    assert!(r.headers().get("connection").is_none());
    let v: Value = r.json().await.expect("error body");
    assert_eq!(v["error"]["code"], "activityLimitReached");
    let _ = gate.send(());
    // The server reads the rest and throws it away.
    assert_eq!(wait_bytes_in(&emu, BIG as u64).await, BIG as u64);
    // Nothing was stored.
    let r = emu.http.get(&url).send().await.expect("status");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["nextExpectedRanges"], json!(["0-"]));
}

#[tokio::test]
async fn close_answers_and_never_reads_the_body() {
    let emu = start_default().await;
    let url = session(&emu, "close.bin").await;
    emu.admin(
        Method::POST,
        "faults",
        Some(json!({"route": "fragment", "status": 507, "early": "close"})),
    )
    .await;
    let (rb, gate) = gated_fragment(&emu, &url);
    match tokio::time::timeout(Duration::from_secs(4), rb.send())
        .await
        .expect("answered (or reset) before the body was sent")
    {
        Ok(r) => {
            assert_eq!(r.status(), StatusCode::INSUFFICIENT_STORAGE);
            assert_eq!(r.headers()["connection"], "close");
        }
        // A client still sending may see the reset rather than the answer.
        Err(e) => assert!(!e.is_timeout(), "{e}"),
    }
    let _ = gate.send(());
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Not one byte of the body went through the server.
    assert_eq!(bytes_in(&emu).await, 0);
    // The server is fine and the session untouched.
    let r = emu.http.get(&url).send().await.expect("status");
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["nextExpectedRanges"], json!(["0-"]));
}

#[tokio::test]
async fn without_early_the_body_is_left_unread_as_before() {
    let emu = start_default().await;
    let url = session(&emu, "plain.bin").await;
    emu.admin(
        Method::POST,
        "faults",
        Some(json!({"route": "fragment", "status": 503, "retry_after": 1})),
    )
    .await;
    let data = pattern(BIG, 5);
    let r = emu
        .http
        .put(&url)
        .header("content-range", format!("bytes 0-{}/{}", BIG - 1, 4 * BIG))
        .body(data)
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bytes_in(&emu).await, 0);
}

#[tokio::test]
async fn a_drained_request_leaves_the_connection_usable() {
    // Whole bodies (not gated): the answer, then the same client goes on.
    let emu = start_default().await;
    let url = session(&emu, "again.bin").await;
    emu.admin(
        Method::POST,
        "faults",
        Some(json!({"route": "fragment", "status": 413, "early": "drain"})),
    )
    .await;
    let data = pattern(BIG, 9);
    let r = emu.fragment(&url, 0, &data, 4 * BIG).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = emu.fragment(&url, 0, &data, 4 * BIG).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["nextExpectedRanges"], json!([format!("{BIG}-")]));
}

#[tokio::test]
async fn early_goes_with_a_status_only() {
    let emu = start_default().await;
    for bad in [
        json!({"route": "fragment", "early": "drain"}),
        json!({"route": "fragment", "cut_after": 10, "early": "close"}),
        json!({"route": "fragment", "status": 503, "early": "drain", "after": true}),
        json!({"route": "fragment", "status": 503, "early": "sideways"}),
    ] {
        let r = emu.admin(Method::POST, "faults", Some(bad.clone())).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let v = json_of(emu.admin(Method::GET, "faults", None).await).await;
    assert_eq!(v["pending"], json!([]));
}
