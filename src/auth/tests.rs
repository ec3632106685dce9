//! End-to-end sign-in and refresh against the emulator's identity platform and Graph.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::BoxFuture;
use onedrive_emulator::config::ClientRegistration;
use onedrive_emulator::{Config, Running};

use super::*;
use crate::config::StateFile;
use crate::graph::{DriveSelector, GraphClient};
use crate::http::{ErrorKind, TokenSource, Transport, TransportError};

const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";

/// Counts token-endpoint requests while forwarding to reqwest (also shows the transport
/// is swappable).
struct Counting {
    inner: reqwest::Client,
    token_posts: Arc<AtomicUsize>,
}

impl Transport for Counting {
    fn execute(
        &self,
        request: reqwest::Request,
    ) -> BoxFuture<'static, Result<reqwest::Response, TransportError>> {
        if request.url().path().ends_with("/oauth2/v2.0/token") {
            self.token_posts.fetch_add(1, Ordering::SeqCst);
        }
        Transport::execute(&self.inner, request)
    }
}

struct Setup {
    emu: Running,
    _dir: tempfile::TempDir,
    store: StateFile,
    http: HttpClient,
    token_posts: Arc<AtomicUsize>,
}

async fn setup(cfg: Config, secret: Option<&str>) -> Setup {
    let emu = onedrive_emulator::start(cfg).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = StateFile::new(dir.path().join(".lcrc"));
    let secret_line = secret
        .map(|s| format!("  secret: {s}\n"))
        .unwrap_or_default();
    std::fs::write(
        store.path(),
        format!(
            "client:\n  id: {CLIENT_ID}\n{secret_line}api:\n  graph_url: {u}/v1.0\n  login_url: {u}\n  tenant: common\nkeep_me: 1\n",
            u = emu.url
        ),
    )
    .unwrap();
    let token_posts = Arc::new(AtomicUsize::new(0));
    let http = HttpClient::builder()
        .transport(Arc::new(Counting {
            inner: crate::http::client::default_reqwest_client("test").unwrap(),
            token_posts: token_posts.clone(),
        }))
        .retry(crate::http::RetryPolicy::none())
        .build()
        .unwrap();
    Setup {
        emu,
        _dir: dir,
        store,
        http,
        token_posts,
    }
}

/// Plays the browser: GET the authorize URL, return where it redirects.
async fn browser(url: &url::Url) -> String {
    crate::http::client::install_crypto_provider();
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = c.get(url.clone()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302, "authorize did not redirect");
    resp.headers()["location"].to_str().unwrap().to_owned()
}

impl Setup {
    fn manager(&self) -> Arc<TokenManager> {
        let state = self.store.load().unwrap();
        Arc::new(TokenManager::from_state(self.http.clone(), &state, self.store.clone()).unwrap())
    }

    fn graph(&self, m: &Arc<TokenManager>) -> GraphClient {
        let state = self.store.load().unwrap();
        GraphClient::new(
            m.authorized_http(),
            state.api.graph_url(),
            DriveSelector::Me,
        )
        .unwrap()
    }

    /// Signs in with the paste-URL flow; returns the manager.
    async fn sign_in(&self) -> Arc<TokenManager> {
        let m = self.manager();
        let req = AuthorizationRequest::new(m.settings()).unwrap();
        let landed = browser(&req.url).await;
        let resp = req.complete(m.http(), m.settings(), &landed).await.unwrap();
        m.accept(&resp).await.unwrap();
        m
    }
}

#[tokio::test]
async fn paste_url_flow_with_pkce_and_state_then_graph_calls() {
    let s = setup(Config::default(), None).await;
    let m = s.manager();
    let req = AuthorizationRequest::new(m.settings()).unwrap();
    let landed = browser(&req.url).await;
    assert!(
        landed.starts_with(crate::config::DEFAULT_REDIRECT_URI),
        "{landed}"
    );
    let resp = req.complete(m.http(), m.settings(), &landed).await.unwrap();
    assert!(
        resp.refresh_token.is_some(),
        "offline_access gives a refresh token"
    );
    m.accept(&resp).await.unwrap();

    let state = s.store.load().unwrap();
    assert_eq!(
        state.auth.access_token.as_deref(),
        Some(resp.access_token.as_str())
    );
    assert_eq!(state.auth.refresh_token, resp.refresh_token);
    assert!(state.auth.access_expires.unwrap() > jiff::Timestamp::now());
    assert_eq!(state.document()["keep_me"].as_u64(), Some(1));

    let me = s.graph(&m).get_me().await.unwrap();
    assert!(!me.id.is_empty());
    assert_eq!(s.token_posts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_code_is_refused_without_the_right_verifier_or_state() {
    let s = setup(Config::default(), None).await;
    let m = s.manager();
    let req = AuthorizationRequest::new(m.settings()).unwrap();
    let landed = browser(&req.url).await;
    // A URL for another request (other state) is refused before any request.
    let other = AuthorizationRequest::new(m.settings()).unwrap();
    let err = other
        .complete(m.http(), m.settings(), &landed)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authorization(_)), "{err:?}");
    assert_eq!(s.token_posts.load(Ordering::SeqCst), 0);
    // The right code with a wrong verifier: invalid_grant.
    let code = parse_redirect(&landed, Some(&req.state)).unwrap();
    let err = code::exchange_code(m.http(), m.settings(), &code, &Pkce::generate().verifier)
        .await
        .unwrap_err();
    match &err {
        Error::OAuth(o) => assert_eq!(o.error, "invalid_grant"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn device_code_flow_pending_then_success() {
    let cfg = Config {
        device_interval_secs: 0,
        device_pending_polls: 2,
        ..Config::default()
    };
    let s = setup(cfg, None).await;
    let m = s.manager();
    let mut shown = String::new();
    let resp = device::run(m.http(), m.settings(), &DevicePollOptions::default(), |a| {
        shown = a.instructions();
        assert!(!format!("{a:?}").contains(&a.device_code));
    })
    .await
    .unwrap();
    assert!(!shown.is_empty());
    // Two `authorization_pending` answers, then the tokens.
    assert_eq!(s.token_posts.load(Ordering::SeqCst), 3);
    m.accept(&resp).await.unwrap();
    s.graph(&m).get_drive().await.unwrap();
}

#[tokio::test]
async fn device_code_declined_stops_polling() {
    let cfg = Config {
        device_interval_secs: 0,
        device_pending_polls: 1000,
        ..Config::default()
    };
    let s = setup(cfg, None).await;
    let m = s.manager();
    let identity = s.emu.state.clone();
    let err = device::run(m.http(), m.settings(), &DevicePollOptions::default(), |a| {
        assert!(identity.identity.decline_device_code(&a.user_code));
    })
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Authorization(m) if m.contains("declined")),
        "{err:?}"
    );
}

#[tokio::test]
async fn refresh_before_expiry_rotates_and_persists_the_refresh_token() {
    let s = setup(Config::default(), None).await;
    s.sign_in().await;
    let old = s.store.load().unwrap().auth;
    // The stored access token is about to expire (less than the margin left).
    s.store
        .update(|st| {
            st.auth.access_expires =
                Some(jiff::Timestamp::now() + jiff::SignedDuration::from_secs(10))
        })
        .unwrap();
    let posts_before = s.token_posts.load(Ordering::SeqCst);
    let m = s.manager();
    s.graph(&m).get_me().await.unwrap();
    assert_eq!(s.token_posts.load(Ordering::SeqCst), posts_before + 1);
    let new = s.store.load().unwrap().auth;
    assert_ne!(
        new.refresh_token, old.refresh_token,
        "refresh token rotated"
    );
    assert_ne!(new.access_token, old.access_token);
    assert_eq!(
        m.current().await.refresh_token,
        new.refresh_token,
        "persisted the token in use"
    );
    assert_eq!(s.emu.state.identity.counts().refreshes, 1);
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries() {
    let s = setup(Config::default(), None).await;
    let m = s.sign_in().await;
    let g = s.graph(&m);
    let old_rt = s.store.load().unwrap().auth.refresh_token;
    // The service revokes the access token early; the client still thinks it valid.
    assert!(s.emu.state.identity.expire_all_access_tokens() >= 1);
    g.get_me().await.unwrap();
    assert_eq!(s.emu.state.identity.counts().refreshes, 1);
    let new_rt = s.store.load().unwrap().auth.refresh_token;
    assert_ne!(new_rt, old_rt);
    // A revoked refresh token: the next 401 cannot be cured; authentication needed.
    s.emu.state.identity.expire_all_access_tokens();
    s.emu.state.identity.revoke_all_refresh_tokens();
    let err = g.get_me().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthRequired, "{err:?}");
}

#[tokio::test]
async fn auth_refresh_without_a_refresh_token_asks_for_auth() {
    let s = setup(Config::default(), None).await;
    let m = s.manager();
    let err = m.refresh().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthRequired);
    let err = s.graph(&m).get_me().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthRequired);
    assert_eq!(s.token_posts.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn confidential_client_sends_its_secret() {
    let cfg = Config {
        clients: vec![ClientRegistration {
            id: CLIENT_ID.into(),
            secret: Some("s3cr3t".into()),
        }],
        ..Config::default()
    };
    let s = setup(cfg.clone(), Some("s3cr3t")).await;
    let m = s.sign_in().await;
    assert!(m.settings().is_confidential());
    m.refresh().await.unwrap();

    // The same app without its secret cannot redeem codes.
    let s2 = setup(cfg, None).await;
    let m2 = s2.manager();
    let req = AuthorizationRequest::new(m2.settings()).unwrap();
    let landed = browser(&req.url).await;
    let err = req
        .complete(m2.http(), m2.settings(), &landed)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OAuth(_)), "{err:?}");
}

#[tokio::test]
async fn a_public_client_sending_a_secret_is_refused() {
    let s = setup(Config::default(), Some("not-expected")).await;
    let m = s.manager();
    let req = AuthorizationRequest::new(m.settings()).unwrap();
    let landed = browser(&req.url).await;
    let err = req
        .complete(m.http(), m.settings(), &landed)
        .await
        .unwrap_err();
    match &err {
        Error::OAuth(o) => assert!(
            o.error_codes.contains(&700025) || o.error == "invalid_client",
            "{o:?}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn paste_url_across_two_invocations_via_the_state_file() {
    let s = setup(Config::default(), None).await;
    // `auth URL` before `auth`: nothing pending.
    let err = login::finish_paste(&s.store, &s.http, "https://x/?code=a&state=b")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authorization(_)), "{err:?}");
    // First invocation: print the URL.
    let url = login::begin_paste(&s.store).unwrap();
    let pending = s.store.load().unwrap().auth;
    assert!(pending.pkce_state.is_some() && pending.pkce_verifier.is_some());
    assert!(
        !url.as_str()
            .contains(pending.pkce_verifier.as_deref().unwrap())
    );
    // Second invocation: the pasted URL.
    let landed = browser(&url).await;
    let tokens = login::finish_paste(&s.store, &s.http, &landed)
        .await
        .unwrap();
    let st = s.store.load().unwrap();
    assert_eq!(st.auth.refresh_token, tokens.refresh_token);
    assert_eq!(st.auth.pkce_state, None, "pending request cleared");
    assert_eq!(st.auth.pkce_verifier, None);
    // The whole stack from the state file.
    let conn = crate::graph::Connection::with_http(s.store.clone(), st, s.http.clone()).unwrap();
    conn.graph
        .get_item(&crate::graph::ItemRef::Root)
        .await
        .unwrap();
    // auth_refresh rotates and stores.
    let t2 = login::refresh(&s.store, &s.http).await.unwrap();
    assert_ne!(t2.refresh_token, tokens.refresh_token);
    assert_eq!(s.store.load().unwrap().auth.refresh_token, t2.refresh_token);
}

#[tokio::test]
async fn device_sign_in_stores_tokens() {
    let cfg = Config {
        device_interval_secs: 0,
        ..Config::default()
    };
    let s = setup(cfg, None).await;
    let t = login::device_sign_in(&s.store, &s.http, &DevicePollOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!(s.store.load().unwrap().auth.access_token, t.access_token);
}

#[tokio::test]
async fn no_client_id_is_authentication_needed() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateFile::new(dir.path().join(".lcrc"));
    std::fs::write(store.path(), "auth: {}\n").unwrap();
    let err = login::begin_paste(&store).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthRequired);
    assert!(err.to_string().contains("client.id"), "{err}");
}

/// A `tracing` writer collecting everything into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Runs [`debug_traces_never_show_secrets_inner`] alone in a child process: `tracing`
/// caches per-callsite interest process-wide, so tests running in parallel threads
/// without a subscriber can hide this test's events from its thread-local subscriber.
#[test]
fn debug_traces_never_show_secrets() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "auth::tests::debug_traces_never_show_secrets_inner",
            "--include-ignored",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[tokio::test]
#[ignore = "run in its own process by debug_traces_never_show_secrets"]
async fn debug_traces_never_show_secrets_inner() {
    let cfg = Config {
        clients: vec![ClientRegistration {
            id: CLIENT_ID.into(),
            secret: Some("the-client-secret".into()),
        }],
        ..Config::default()
    };
    let s = setup(cfg, Some("the-client-secret")).await;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // A confidential client (so a secret is sent), every kind of secret on the wire:
    // code + verifier + secret (form), tokens (JSON), bearer (header), downloadUrl
    // (Location + JSON), uploadUrl (JSON + request URL).
    let url = login::begin_paste(&s.store).unwrap();
    let landed = browser(&url).await;
    let code = parse_redirect(&landed, None).unwrap();
    let verifier = s.store.load().unwrap().auth.pkce_verifier.unwrap();
    let tokens = login::finish_paste(&s.store, &s.http, &landed)
        .await
        .unwrap();
    let conn = crate::graph::Connection::with_http(
        s.store.clone(),
        s.store.load().unwrap(),
        s.http.clone(),
    )
    .unwrap();
    let g = &conn.graph;
    let f = crate::graph::ItemRef::path("/t.txt");
    g.upload_small(&f, bytes::Bytes::from_static(b"data"), None)
        .await
        .unwrap();
    let item = g.get_item(&f).await.unwrap();
    g.download(&f, None).await.unwrap().bytes().await.unwrap();
    let session = g
        .create_upload_session(&crate::graph::ItemRef::path("/u.bin"), None, None, None)
        .await
        .unwrap();
    let up = url::Url::parse(session.upload_url.as_deref().unwrap()).unwrap();
    g.upload_fragment(
        &up,
        0,
        (bytes::Bytes::from_static(b"abcd")).len() as u64,
        4,
        reqwest::Body::from(bytes::Bytes::from_static(b"abcd")),
    )
    .await
    .unwrap();
    login::refresh(&s.store, &s.http).await.unwrap();
    let refreshed = s.store.load().unwrap().auth;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("REDACTED"),
        "tracing captured nothing?\n{text}"
    );
    assert!(text.contains("/oauth2/v2.0/token"), "{text}");
    let download_url = item.download_url.unwrap();
    let secrets = [
        "the-client-secret",
        code.as_str(),
        verifier.as_str(),
        tokens.access_token.as_deref().unwrap(),
        tokens.refresh_token.as_deref().unwrap(),
        refreshed.access_token.as_deref().unwrap(),
        refreshed.refresh_token.as_deref().unwrap(),
        download_url.as_str(),
        up.path(),
    ];
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "secret {secret:?} leaked into:\n{text}"
        );
    }
}

#[tokio::test]
async fn localhost_redirect_listener() {
    let s = setup(Config::default(), None).await;
    let (tx, rx) = tokio::sync::oneshot::channel::<url::Url>();
    let browser_task = tokio::spawn(async move {
        let url = rx.await.unwrap();
        let landed = browser(&url).await;
        assert!(landed.starts_with("http://localhost:"), "{landed}");
        let landed = landed.replacen("localhost", "127.0.0.1", 1);
        crate::http::client::install_crypto_provider();
        let c = reqwest::Client::new();
        // A stray request first (browsers ask for a favicon): ignored.
        let u = url::Url::parse(&landed).unwrap();
        let fav = u.join("/favicon.ico").unwrap();
        assert_eq!(c.get(fav).send().await.unwrap().status().as_u16(), 404);
        let page = c.get(&landed).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains("Sign-in complete"));
    });
    let mut tx = Some(tx);
    let tokens =
        login::loopback_sign_in(&s.store, &s.http, std::time::Duration::from_secs(30), |u| {
            tx.take().unwrap().send(u.clone()).unwrap();
        })
        .await
        .unwrap();
    browser_task.await.unwrap();
    assert_eq!(
        s.store.load().unwrap().auth.refresh_token,
        tokens.refresh_token
    );
}

#[tokio::test]
async fn concurrent_processes_refresh_once_and_share_the_rotated_token() {
    // Strict rotation: a redeemed refresh token is dead, so a second refresh with the
    // same stale token would fail; the refresh lock makes the others reuse the result.
    let cfg = Config {
        refresh_token_reuse: false,
        ..Config::default()
    };
    let s = setup(cfg, None).await;
    s.sign_in().await;
    s.store
        .update(|st| st.auth.access_expires = Some(jiff::Timestamp::UNIX_EPOCH))
        .unwrap();
    // Four "processes", each with its own manager read from the same file.
    let managers: Vec<_> = (0..4).map(|_| s.manager()).collect();
    let results =
        futures_util::future::join_all(managers.iter().map(|m| m.access_token(None))).await;
    let tokens: Vec<String> = results.into_iter().map(|r| r.unwrap()).collect();
    assert!(tokens.windows(2).all(|w| w[0] == w[1]), "{}", tokens.len());
    assert_eq!(s.emu.state.identity.counts().refreshes, 1);
    assert_eq!(
        s.store.load().unwrap().auth.access_token.as_deref(),
        Some(tokens[0].as_str())
    );
}
