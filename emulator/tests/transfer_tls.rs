//! HTTPS: the same routes over TLS (HTTP/1.1 and h2 by ALPN). tests/data holds a test
//! CA and a leaf certificate it signed for localhost, 127.0.0.1, graph.microsoft.com and
//! login.microsoftonline.com, with its key (not a secret: for tests only).

use std::path::PathBuf;
use std::time::Duration;

use onedrive_emulator::Config;
use onedrive_emulator::config::TlsFiles;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[tokio::test]
async fn serves_https_with_h2_and_http1() {
    let running = onedrive_emulator::start(Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        tls: Some(TlsFiles {
            cert: data("localhost-cert.pem"),
            key: data("localhost-key.pem"),
        }),
        ..Config::default()
    })
    .await
    .expect("starts with TLS");
    assert!(running.url.starts_with("https://"), "{}", running.url);
    let token = running
        .state
        .identity
        .mint_access_token(Duration::from_secs(600));
    let pem = std::fs::read(data("test-ca.pem")).expect("ca cert");
    let cert = reqwest::Certificate::from_pem(&pem).expect("pem");
    for http2 in [false, true] {
        let mut b = reqwest::Client::builder()
            .tls_certs_only([cert.clone()])
            .redirect(reqwest::redirect::Policy::none());
        if !http2 {
            b = b.http1_only();
        }
        let http = b.build().expect("client");
        let r = http
            .put(format!(
                "{}/v1.0/me/drive/root:/t.txt:/content",
                running.url
            ))
            .bearer_auth(&token)
            .body("over tls")
            .send()
            .await
            .expect("PUT over TLS");
        assert!(r.status().is_success(), "{}", r.status());
        let want = if http2 {
            reqwest::Version::HTTP_2
        } else {
            reqwest::Version::HTTP_11
        };
        assert_eq!(r.version(), want);
        let r = http
            .get(format!(
                "{}/v1.0/me/drive/root:/t.txt:/content",
                running.url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET content");
        let loc = r.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        assert!(loc.starts_with("https://"), "{loc}");
        let body = http.get(loc).send().await.expect("download").text().await;
        assert_eq!(body.ok().as_deref(), Some("over tls"));
    }
    running.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn bad_certificate_fails_start() {
    let r = onedrive_emulator::start(Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        tls: Some(TlsFiles {
            cert: data("missing.pem"),
            key: data("localhost-key.pem"),
        }),
        ..Config::default()
    })
    .await;
    assert!(r.is_err());
}
