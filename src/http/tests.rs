//! Behaviour of [`HttpClient::send`] against a small local server: retries, Retry-After,
//! the single refresh on 401, no token on unauthenticated requests, no redirects followed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures_util::future::BoxFuture;
use url::Url;

use super::*;

#[derive(Default)]
struct Seen {
    count: AtomicUsize,
    auth: Mutex<Vec<Option<String>>>,
    headers: Mutex<Vec<HeaderMap>>,
}

type Handler = fn(usize) -> Response;

async fn serve(handler: Handler) -> (Url, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .fallback(any(
            |State((seen, h)): State<(Arc<Seen>, Handler)>, headers: HeaderMap| async move {
                let n = seen.count.fetch_add(1, Ordering::SeqCst);
                seen.auth.lock().unwrap().push(
                    headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                );
                seen.headers.lock().unwrap().push(headers);
                h(n)
            },
        ))
        .with_state((seen.clone(), handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (Url::parse(&format!("http://{addr}/v1.0/x")).unwrap(), seen)
}

fn fast_policy(max: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries: max,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(5),
        max_elapsed: Duration::from_secs(600),
    }
}

/// Hands out `token-0`, `token-1`, … : a new one each time the previous is rejected.
#[derive(Default)]
struct CountingTokens {
    issued: AtomicUsize,
    rejected: Mutex<Vec<String>>,
}

impl TokenSource for CountingTokens {
    fn access_token<'a>(&'a self, rejected: Option<&'a str>) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            if let Some(r) = rejected {
                self.rejected.lock().unwrap().push(r.to_owned());
                self.issued.fetch_add(1, Ordering::SeqCst);
            }
            Ok(format!("token-{}", self.issued.load(Ordering::SeqCst)))
        })
    }
}

fn client(max: u32) -> (HttpClient, Arc<CountingTokens>) {
    let tokens = Arc::new(CountingTokens::default());
    let http = HttpClient::builder()
        .retry(fast_policy(max))
        .base_headers([("X-Test", "base")])
        .unwrap()
        .build()
        .unwrap()
        .with_token_source(tokens.clone());
    (http, tokens)
}

fn ok_json() -> Response {
    (
        [("content-type", "application/json")],
        r#"{"id":"1","name":"n"}"#,
    )
        .into_response()
}

#[tokio::test]
async fn retries_429_honouring_decimal_retry_after() {
    let (url, seen) = serve(|n| {
        if n == 0 {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "0.05")],
                r#"{"error":{"code":"activityLimitReached","message":"slow down"}}"#,
            )
                .into_response()
        } else {
            ok_json()
        }
    })
    .await;
    let (http, _) = client(3);
    let v: serde_json::Value = http
        .send_json(Request::new(Method::GET, url))
        .await
        .unwrap();
    assert_eq!(v["name"], "n");
    assert_eq!(seen.count.load(Ordering::SeqCst), 2);
    let headers = seen.headers.lock().unwrap();
    assert_eq!(headers[1].get("x-test").unwrap(), "base");
    // One client-request-id per logical request, the same on the retry.
    let id0 = headers[0]
        .get("client-request-id")
        .expect("client-request-id");
    assert_eq!(id0.len(), 36);
    assert_eq!(Some(id0), headers[1].get("client-request-id"));
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_error_is_typed() {
    let (url, seen) = serve(|_| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"error":{"code":"serviceNotAvailable","message":"busy"}}"#,
        )
            .into_response()
    })
    .await;
    let (http, _) = client(2);
    let err = http.send(Request::new(Method::GET, url)).await.unwrap_err();
    assert_eq!(seen.count.load(Ordering::SeqCst), 3);
    let api = err.api().expect("api error");
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.code, "serviceNotAvailable");
    assert_eq!(err.kind(), ErrorKind::Throttled);
}

#[tokio::test]
async fn post_is_not_retried_on_502_but_get_is() {
    let (url, seen) = serve(|n| {
        if n % 2 == 0 {
            StatusCode::BAD_GATEWAY.into_response()
        } else {
            ok_json()
        }
    })
    .await;
    let (http, _) = client(3);
    let err = http
        .send(
            Request::new(Method::POST, url.clone())
                .json(&serde_json::json!({}))
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert_eq!(seen.count.load(Ordering::SeqCst), 1);
    // n = 1 → ok: a GET answered 502 at n = 2 is retried and succeeds at n = 3.
    http.send(Request::new(Method::GET, url.clone()))
        .await
        .unwrap();
    http.send(Request::new(Method::GET, url)).await.unwrap();
    assert_eq!(seen.count.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried_on_504() {
    // createUploadSession, createLink, folder creation under `fail`: a repeat after a
    // lost answer changes nothing, so a 504 (maybe after the work was done) is retried.
    let (url, seen) = serve(|n| {
        if n == 0 {
            StatusCode::GATEWAY_TIMEOUT.into_response()
        } else {
            ok_json()
        }
    })
    .await;
    let (http, _) = client(3);
    http.send(
        Request::new(Method::POST, url)
            .json(&serde_json::json!({}))
            .unwrap()
            .idempotent(),
    )
    .await
    .unwrap();
    assert_eq!(seen.count.load(Ordering::SeqCst), 2);
}

/// A 200 whose body stops after a few bytes: the connection breaks mid-answer.
fn cut_json() -> Response {
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
        Ok(bytes::Bytes::from_static(br#"{"id":"1","na"#)),
        Err(std::io::Error::other("cut")),
    ];
    (
        [("content-type", "application/json")],
        axum::body::Body::from_stream(futures_util::stream::iter(chunks)),
    )
        .into_response()
}

#[tokio::test]
async fn an_answer_cut_mid_body_is_asked_for_again_when_the_request_can_be_repeated() {
    let (url, seen) = serve(|n| if n == 0 { cut_json() } else { ok_json() }).await;
    let (http, _) = client(3);
    let v: serde_json::Value = http
        .send_json(Request::new(Method::GET, url.clone()))
        .await
        .unwrap();
    assert_eq!(v["name"], "n");
    assert_eq!(seen.count.load(Ordering::SeqCst), 2);
    // A POST (not idempotent) is not sent twice: the cut is reported.
    let (url, seen) = serve(|n| if n == 0 { cut_json() } else { ok_json() }).await;
    let err = http
        .send_json::<serde_json::Value>(
            Request::new(Method::POST, url)
                .json(&serde_json::json!({}))
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert_eq!(seen.count.load(Ordering::SeqCst), 1);
}

/// Headers and the start of a body, then nothing more, the connection left open.
fn stalled_json() -> Response {
    let first = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
        br#"{"id":"1","na"#,
    ))]);
    (
        [("content-type", "application/json")],
        axum::body::Body::from_stream(futures_util::StreamExt::chain(
            first,
            futures_util::stream::pending(),
        )),
    )
        .into_response()
}

#[tokio::test]
async fn a_stalled_answer_is_given_up_after_the_idle_limit_and_asked_for_again() {
    let (url, seen) = serve(|n| if n == 0 { stalled_json() } else { ok_json() }).await;
    let tokens = Arc::new(CountingTokens::default());
    let idle = Duration::from_millis(300);
    let http = HttpClient::builder()
        .retry(fast_policy(3))
        .timeouts(crate::http::Timeouts {
            connect: Duration::from_secs(5),
            idle,
        })
        .build()
        .unwrap()
        .with_token_source(tokens);
    let started = std::time::Instant::now();
    let v: serde_json::Value = http
        .send_json(Request::new(Method::GET, url.clone()))
        .await
        .unwrap();
    assert_eq!(v["name"], "n");
    assert_eq!(seen.count.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() >= idle);
    // Without retries the stall is a transport error saying what happened.
    let (url, _) = serve(|_| stalled_json()).await;
    let http = HttpClient::builder()
        .retry(RetryPolicy::none())
        .timeouts(crate::http::Timeouts {
            connect: Duration::from_secs(5),
            idle,
        })
        .build()
        .unwrap()
        .with_token_source(Arc::new(CountingTokens::default()));
    let err = http
        .send_json::<serde_json::Value>(Request::new(Method::GET, url))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
}

#[tokio::test]
async fn a_401_refreshes_the_token_once() {
    let (url, seen) = serve(|n| {
        if n == 0 {
            (
                StatusCode::UNAUTHORIZED,
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}"#,
            )
                .into_response()
        } else {
            ok_json()
        }
    })
    .await;
    let (http, tokens) = client(0);
    http.send(Request::new(Method::GET, url)).await.unwrap();
    assert_eq!(
        *seen.auth.lock().unwrap(),
        vec![
            Some("Bearer token-0".to_owned()),
            Some("Bearer token-1".to_owned())
        ]
    );
    assert_eq!(*tokens.rejected.lock().unwrap(), vec!["token-0".to_owned()]);
}

#[tokio::test]
async fn a_second_401_is_an_error() {
    let (url, seen) = serve(|_| StatusCode::UNAUTHORIZED.into_response()).await;
    let (http, _) = client(3);
    let err = http.send(Request::new(Method::GET, url)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthRequired);
    assert_eq!(seen.count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn unauthenticated_requests_carry_no_token_and_redirects_are_returned() {
    let (url, seen) = serve(|_| {
        (
            StatusCode::FOUND,
            [("location", "http://127.0.0.1:9/dl/secret")],
        )
            .into_response()
    })
    .await;
    let (http, _) = client(0);
    let resp = http
        .send(Request::preauthenticated(Method::GET, url))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(*seen.auth.lock().unwrap(), vec![None]);
}

#[tokio::test]
async fn no_token_source_means_auth_required() {
    let (url, seen) = serve(|_| ok_json()).await;
    let http = HttpClient::new().unwrap();
    let err = http.send(Request::new(Method::GET, url)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthRequired);
    assert_eq!(seen.count.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn transport_errors_do_not_show_secret_urls() {
    // Nothing listens on port 9 of loopback (discard); connecting fails.
    let url = Url::parse("http://127.0.0.1:9/up/SECRET-TOKEN?sig=abc").unwrap();
    let http = HttpClient::builder().retry(fast_policy(1)).build().unwrap();
    let err = http
        .send(Request::preauthenticated(Method::GET, url))
        .await
        .unwrap_err();
    let s = format!("{err} {err:?}");
    assert!(!s.contains("SECRET-TOKEN") && !s.contains("abc"), "{s}");
    assert!(matches!(err, Error::Transport { .. }));
    // The line says why (the cause chain), not only "error sending request".
    let line = err.to_string();
    assert!(line.to_lowercase().contains("connect"), "{line}");
    assert!(!line.contains('\n'), "{line}");
}

#[test]
fn base_headers_may_not_set_authorization() {
    assert!(
        HttpClient::builder()
            .base_headers([("Authorization", "Bearer x")])
            .is_err()
    );
}
