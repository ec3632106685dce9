//! Audit (issue 2, "Bad input never crashes it"): a table of malformed requests, sent as
//! raw bytes over TCP so that nothing on the way fixes them up. Each case asserts the
//! status, Graph's error body (`error.code`, `error.message`,
//! `error.innerError.request-id` equal to the `request-id` header) and that the emulator
//! still answers a normal request afterwards.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Emu {
    running: onedrive_emulator::Running,
    token: String,
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: non-JSON body ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

async fn start() -> Emu {
    let running = onedrive_emulator::start(onedrive_emulator::Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..onedrive_emulator::Config::default()
    })
    .await
    .expect("start emulator");
    let token = running
        .state
        .identity
        .mint_access_token(Duration::from_secs(3600));
    Emu { running, token }
}

/// Decodes a chunked body (enough of RFC 9112 §7.1 for these replies).
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return out;
        };
        raw = &raw[eol + 2..];
        if size == 0 || raw.len() < size {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or_default();
    }
}

/// Sends `bytes` as they are and reads until the server closes (or answers enough).
/// `None` when the connection was closed without any response.
async fn raw_bytes(emu: &Emu, bytes: &[u8]) -> Option<Resp> {
    let mut s = TcpStream::connect(emu.running.addr).await.expect("connect");
    // A server may close before reading everything (e.g. on a too-large header); a
    // failed write is then not an error of the test.
    let _ = s.write_all(bytes).await;
    let mut buf = Vec::new();
    // The timeout only guards against a hang; it asserts nothing about speed.
    let read = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "no answer and no close within 30 s");
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Some(Resp {
        status,
        headers,
        body,
    })
}

/// `head` is the request line plus headers (no trailing blank line); `Host` and
/// `Connection: close` are added.
async fn raw(emu: &Emu, head: &str, body: &[u8]) -> Resp {
    let mut req = format!(
        "{head}\r\nHost: {}\r\nConnection: close\r\n\r\n",
        emu.running.addr
    )
    .into_bytes();
    req.extend_from_slice(body);
    raw_bytes(emu, &req)
        .await
        .unwrap_or_else(|| panic!("{head}: connection closed without a response"))
}

/// Asserts Graph's error shape, with the body's request id equal to the header's.
fn assert_graph_error(what: &str, r: &Resp, status: u16, code: Option<&str>) {
    assert_eq!(
        r.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&r.body)
    );
    let rid = r
        .header("request-id")
        .unwrap_or_else(|| panic!("{what}: no request-id header"));
    assert!(!rid.is_empty(), "{what}: empty request-id");
    let v = r.json();
    let err = &v["error"];
    let c = err["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no error.code in {v}"));
    assert!(!c.is_empty(), "{what}: empty code");
    if let Some(code) = code {
        assert_eq!(c, code, "{what}: {v}");
    }
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: no error.message in {v}"
    );
    assert_eq!(
        err["innerError"]["request-id"].as_str(),
        Some(rid),
        "{what}: innerError.request-id ≠ header in {v}"
    );
    assert!(
        err["innerError"]["date"].is_string(),
        "{what}: no innerError.date in {v}"
    );
    let ct = r.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("application/json"),
        "{what}: content-type {ct}"
    );
}

/// A normal request still works.
async fn assert_alive(emu: &Emu, after: &str) {
    let r = raw(
        emu,
        &format!(
            "GET /v1.0/me/drive/root HTTP/1.1\r\nAuthorization: Bearer {}",
            emu.token
        ),
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "not alive after {after}");
    assert_eq!(r.json()["name"], "root", "after {after}");
}

fn auth(emu: &Emu) -> String {
    format!("Authorization: Bearer {}", emu.token)
}

/// One table row: method, path, extra header lines, body, expected status and code.
struct Case {
    method: &'static str,
    path: String,
    headers: Vec<String>,
    body: Vec<u8>,
    status: u16,
    code: Option<&'static str>,
}

fn case(method: &'static str, path: impl Into<String>, body: &[u8], status: u16) -> Case {
    Case {
        method,
        path: path.into(),
        headers: vec!["Content-Type: application/json".into()],
        body: body.to_vec(),
        status,
        code: None,
    }
}

impl Case {
    fn code(mut self, c: &'static str) -> Self {
        self.code = Some(c);
        self
    }
    fn headers(mut self, h: &[&str]) -> Self {
        self.headers = h.iter().map(|s| s.to_string()).collect();
        self
    }
}

async fn run_cases(emu: &Emu, cases: Vec<Case>, with_auth: bool) {
    for c in cases {
        let mut head = format!("{} {} HTTP/1.1", c.method, c.path);
        if with_auth {
            head.push_str("\r\n");
            head.push_str(&auth(emu));
        }
        for h in &c.headers {
            head.push_str("\r\n");
            head.push_str(h);
        }
        // Content-Length is sent unless the case sets its own framing.
        let framed = c.headers.iter().any(|h| {
            let h = h.to_ascii_lowercase();
            h.starts_with("content-length:") || h.starts_with("transfer-encoding:")
        });
        if !framed {
            head.push_str(&format!("\r\nContent-Length: {}", c.body.len()));
        }
        let what: String = format!("{} {} {:?}", c.method, c.path, c.headers)
            .chars()
            .take(160)
            .collect();
        let r = raw(emu, &head, &c.body).await;
        assert_graph_error(&what, &r, c.status, c.code);
        assert_alive(emu, &what).await;
    }
}

/// Creates `/f` and `/f/a.txt`; returns the file's id.
async fn fixtures(emu: &Emu) -> String {
    let r = raw(
        emu,
        &format!(
            "POST /v1.0/me/drive/root/children HTTP/1.1\r\n{}\r\nContent-Type: application/json\r\nContent-Length: 25",
            auth(emu)
        ),
        br#"{"name":"f","folder":{}} "#,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let r = raw(
        emu,
        &format!(
            "PUT /v1.0/me/drive/root:/f/a.txt:/content HTTP/1.1\r\n{}\r\nContent-Type: text/plain\r\nContent-Length: 5",
            auth(emu)
        ),
        b"hello",
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()["id"].as_str().expect("id").to_owned()
}

/// Creates an upload session for `/f/{name}`; returns the uploadUrl's path.
async fn session(emu: &Emu, name: &str) -> String {
    let r = raw(
        emu,
        &format!(
            "POST /v1.0/me/drive/root:/f/{name}:/createUploadSession HTTP/1.1\r\n{}\r\nContent-Length: 0",
            auth(emu)
        ),
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let url = r.json()["uploadUrl"]
        .as_str()
        .expect("uploadUrl")
        .to_owned();
    let base = &emu.running.url;
    url.strip_prefix(base.as_str())
        .unwrap_or_else(|| panic!("uploadUrl {url} not under {base}"))
        .to_owned()
}

#[tokio::test]
async fn malformed_json_bodies_on_every_post_and_patch() {
    let emu = start().await;
    let id = fixtures(&emu).await;
    let file = format!("/v1.0/me/drive/items/{id}");
    let mut cases = Vec::new();
    let endpoints = [
        ("POST", "/v1.0/me/drive/root/children".to_owned()),
        ("POST", "/v1.0/me/drive/root:/f:/children".to_owned()),
        ("PATCH", file.clone()),
        ("PATCH", "/v1.0/me/drive/root:/f/a.txt".to_owned()),
        ("POST", format!("{file}/copy")),
        ("POST", format!("{file}/createLink")),
        (
            "POST",
            "/v1.0/me/drive/root:/f/new.bin:/createUploadSession".to_owned(),
        ),
    ];
    for (m, p) in &endpoints {
        for body in [
            &b"{"[..],
            b"{\"name\":",
            b"not json",
            b"[1,2,3]",
            b"\"a string\"",
            b"42",
            b"{\"name\":\"\xff\xfe\"}",
            b"{\"a\":1}}",
        ] {
            cases.push(case(m, p.clone(), body, 400));
        }
    }
    // Wrongly typed members, one per endpoint's own fields.
    cases.push(case(
        "POST",
        "/v1.0/me/drive/root/children",
        br#"{"name":5,"folder":{}}"#,
        400,
    ));
    cases.push(case(
        "POST",
        "/v1.0/me/drive/root/children",
        br#"{"name":"x","folder":{},"@microsoft.graph.conflictBehavior":"sideways"}"#,
        400,
    ));
    cases.push(case("PATCH", file.clone(), br#"{"name":["a"]}"#, 400));
    cases.push(case(
        "PATCH",
        file.clone(),
        br#"{"parentReference":"root"}"#,
        400,
    ));
    cases.push(case(
        "PATCH",
        file.clone(),
        br#"{"fileSystemInfo":{"lastModifiedDateTime":"yesterday"}}"#,
        400,
    ));
    cases.push(case(
        "POST",
        format!("{file}/copy"),
        br#"{"parentReference":{"id":17}}"#,
        400,
    ));
    cases.push(case(
        "POST",
        format!("{file}/createLink"),
        br#"{"type":"bogus"}"#,
        400,
    ));
    cases.push(case(
        "POST",
        format!("{file}/createLink"),
        br#"{"type":"view","scope":"galaxy"}"#,
        400,
    ));
    cases.push(case(
        "POST",
        "/v1.0/me/drive/root:/f/new.bin:/createUploadSession",
        br#"{"item":"x"}"#,
        400,
    ));
    cases.push(case(
        "POST",
        "/v1.0/me/drive/root:/f/new.bin:/createUploadSession",
        br#"{"item":{"@microsoft.graph.conflictBehavior":"sideways"}}"#,
        400,
    ));
    run_cases(&emu, cases, true).await;
    // Nothing was created or changed by any of them.
    let r = raw(
        &emu,
        &format!(
            "GET /v1.0/me/drive/root:/f:/children HTTP/1.1\r\n{}",
            auth(&emu)
        ),
        b"",
    )
    .await;
    let names: Vec<String> = r.json()["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["a.txt"]);
}

#[tokio::test]
async fn json_bodies_need_a_json_content_type() {
    // Graph: "Unable to read JSON request payload. Please ensure Content-Type header is
    // set and payload is of valid JSON format." (400 BadRequest).
    let emu = start().await;
    let id = fixtures(&emu).await;
    let file = format!("/v1.0/me/drive/items/{id}");
    let folder = br#"{"name":"g","folder":{}}"#;
    let mut cases = Vec::new();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let headers: Vec<String> = ct
            .map(|c| format!("Content-Type: {c}"))
            .into_iter()
            .collect();
        for (m, p, b) in [
            (
                "POST",
                "/v1.0/me/drive/root/children".to_owned(),
                &folder[..],
            ),
            ("PATCH", file.clone(), br#"{"name":"b.txt"}"#),
            ("POST", format!("{file}/createLink"), br#"{"type":"view"}"#),
            ("POST", format!("{file}/copy"), br#"{"name":"c.txt"}"#),
        ] {
            let mut c = case(m, p, b, 400).code("BadRequest");
            c.headers = headers.clone();
            cases.push(c);
        }
    }
    run_cases(&emu, cases, true).await;
    // With the right type (and a charset parameter) the same body works.
    let r = raw(
        &emu,
        &format!(
            "POST /v1.0/me/drive/root/children HTTP/1.1\r\n{}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}",
            auth(&emu),
            folder.len()
        ),
        folder,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
}

#[tokio::test]
async fn wrong_content_range_and_framing_on_fragments() {
    let emu = start().await;
    fixtures(&emu).await;
    let up = session(&emu, "s.bin").await;
    let ten = b"0123456789";
    let mut cases = Vec::new();
    for (range, status) in [
        ("bytes 0-9", 400),
        ("bytes=0-9/10", 400),
        ("items 0-9/10", 400),
        ("bytes 9-0/10", 400),
        ("bytes 0-9/5", 400),
        ("bytes -9/10", 400),
        ("bytes 0-/10", 400),
        ("bytes */10", 400),
        ("bytes 0-9/*", 400),
        ("bytes a-b/c", 400),
        (
            "bytes 0-99999999999999999999999/100000000000000000000000",
            400,
        ),
        ("bytes 0x0-0x9/10", 400),
        ("", 400),
        ("bytes 0-9/10, bytes 10-19/20", 400),
    ] {
        cases.push(
            case("PUT", up.clone(), ten, status).headers(&[&format!("Content-Range: {range}")]),
        );
    }
    // Missing Content-Range.
    cases.push(case("PUT", up.clone(), ten, 400).headers(&[]));
    // Content-Length that disagrees with the range.
    cases.push(
        case("PUT", up.clone(), b"01234", 400)
            .headers(&["Content-Range: bytes 0-9/10", "Content-Length: 5"]),
    );
    // No Content-Length (chunked body): 411 Length Required.
    cases.push(
        case("PUT", up.clone(), b"a\r\n0123456789\r\n0\r\n\r\n", 411)
            .headers(&["Content-Range: bytes 0-9/10", "Transfer-Encoding: chunked"]),
    );
    run_cases(&emu, cases, false).await;
    // The session is untouched: it still expects byte 0, and a right fragment works.
    let r = raw(&emu, &format!("GET {up} HTTP/1.1"), b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["nextExpectedRanges"], serde_json::json!(["0-"]));
    let r = raw(
        &emu,
        &format!("PUT {up} HTTP/1.1\r\nContent-Range: bytes 0-9/10\r\nContent-Length: 10"),
        ten,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["size"], 10);
}

#[tokio::test]
async fn absurd_query_options() {
    let emu = start().await;
    fixtures(&emu).await;
    let children = "/v1.0/me/drive/root/children";
    let mut cases = Vec::new();
    for q in [
        "$top=0",
        "$top=-1",
        "$top=1001",
        "$top=abc",
        "$top=99999999999999999999999999",
        "$top=1.5",
        "$skiptoken=garbage",
        "$skiptoken=%FF%FE",
        "$skiptoken=",
        "$orderby=nonsense",
        "$orderby=name%20sideways",
        "$orderby=name%20asc%20desc",
        "$select=nosuchproperty",
        "$select=name,,%FF",
    ] {
        cases.push(case("GET", format!("{children}?{q}"), b"", 400).headers(&[]));
    }
    for q in ["token=garbage", "token=%00%01"] {
        cases.push(case("GET", format!("/v1.0/me/drive/root/delta?{q}"), b"", 410).headers(&[]));
    }
    run_cases(&emu, cases, true).await;
}

#[tokio::test]
async fn bad_path_addressing() {
    let emu = start().await;
    fixtures(&emu).await;
    let mut cases = Vec::new();
    // Invalid percent-encoding, or encoding that decodes to invalid UTF-8.
    for p in ["f/%ZZ", "f/%", "f/a%2", "f/%C3%28", "f/%FF.txt"] {
        cases.push(case("GET", format!("/v1.0/me/drive/root:/{p}:"), b"", 400).headers(&[]));
    }
    // A decoded path of 400 characters or more (the service's limit): reading one is
    // simply not found; creating one is refused.
    let long = "a".repeat(500);
    cases.push(
        case("GET", format!("/v1.0/me/drive/root:/{long}:"), b"", 404)
            .headers(&[])
            .code("itemNotFound"),
    );
    cases.push(
        case(
            "PUT",
            format!("/v1.0/me/drive/root:/{long}:/content"),
            b"x",
            400,
        )
        .headers(&[]),
    );
    let deep = vec!["d"; 300].join("/");
    cases.push(case("GET", format!("/v1.0/me/drive/root:/{deep}:"), b"", 404).headers(&[]));
    cases.push(
        case(
            "PUT",
            format!("/v1.0/me/drive/root:/{deep}:/content"),
            b"x",
            400,
        )
        .headers(&[]),
    );
    // Not found is 404, not a crash: a path that is merely absent.
    cases.push(
        case(
            "GET",
            "/v1.0/me/drive/root:/f/nothing%20here.txt:",
            b"",
            404,
        )
        .headers(&[])
        .code("itemNotFound"),
    );
    // Ids that cannot exist.
    for id in ["%00", "..%2F..", "ABCDEF0123456789!99999999999999999999999"] {
        cases.push(case("GET", format!("/v1.0/me/drive/items/{id}"), b"", 404).headers(&[]));
    }
    run_cases(&emu, cases, true).await;
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let emu = start().await;
    fixtures(&emu).await;
    let mut cases = Vec::new();
    for p in [
        "/",
        "/nope",
        "/v1.0",
        "/v1.0/",
        "/v1.0/nope",
        "/v1.0/me/nope",
        "/v1.0/me/drive/nope",
        "/v1.0/me/drive/root/nope",
        "/v1.0/me/drive/items",
        "/v2.0/me/drive",
    ] {
        cases.push(case("GET", p, b"", 400).headers(&[]).code("BadRequest"));
    }
    for (m, p) in [
        ("DELETE", "/v1.0/me"),
        ("POST", "/v1.0/me/drive"),
        ("PUT", "/v1.0/me/drive/root/children"),
        ("PATCH", "/v1.0/me/drive/recent"),
    ] {
        cases.push(case(m, p, b"", 405).headers(&[]));
    }
    run_cases(&emu, cases, true).await;
    // A made-up method gets an answer (405 or 400), never a hang or a crash.
    let r = raw(
        &emu,
        &format!("FROBNICATE /v1.0/me/drive HTTP/1.1\r\n{}", auth(&emu)),
        b"",
    )
    .await;
    assert!(
        r.status == 405 || r.status == 400,
        "FROBNICATE: {}",
        r.status
    );
    assert_graph_error("FROBNICATE", &r, r.status, None);
    assert_alive(&emu, "FROBNICATE").await;
}

#[tokio::test]
async fn missing_and_broken_authorization() {
    let emu = start().await;
    let mut cases = Vec::new();
    for h in [
        None,
        Some("Authorization: Bearer"),
        Some("Authorization: Bearer "),
        Some("Authorization: Basic dXNlcjpwYXNz"),
        Some("Authorization: Bearer not-a-token"),
        Some("Authorization: bearer\tx\ty"),
    ] {
        let headers: Vec<&str> = h.into_iter().collect();
        cases.push(case("GET", "/v1.0/me/drive", b"", 401).headers(&headers));
    }
    run_cases(&emu, cases, false).await;
    // Invalid UTF-8 (obs-text) in the Authorization value.
    let mut req = format!(
        "GET /v1.0/me/drive HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer ",
        emu.running.addr
    )
    .into_bytes();
    req.extend_from_slice(b"\xff\xfe\xfd\r\n\r\n");
    let r = raw_bytes(&emu, &req).await.expect("answer");
    assert_graph_error("obs-text token", &r, 401, None);
    assert_alive(&emu, "obs-text token").await;
}

#[tokio::test]
async fn oversized_headers() {
    let emu = start().await;
    let big = "x".repeat(20 * 1024);
    let many: Vec<String> = (0..100)
        .map(|i| format!("X-Filler-{i}: {}", "y".repeat(1000)))
        .collect();
    let huge = "z".repeat(1_000_000);
    let mut cases = vec![
        case("GET", "/v1.0/me/drive", b"", 431).headers(&[&format!("X-Big: {big}")]),
        case("GET", "/v1.0/me/drive", b"", 431).headers(&[&format!("X-Huge: {huge}")]),
    ];
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    cases.push(case("GET", "/v1.0/me/drive", b"", 431).headers(&refs));
    // A huge Authorization value is a header problem first, not a token problem.
    cases.push(
        case("GET", "/v1.0/me/drive", b"", 431).headers(&[&format!("Authorization: Bearer {big}")]),
    );
    run_cases(&emu, cases, false).await;
}

#[tokio::test]
async fn identity_endpoints_answer_their_own_error_shape() {
    let emu = start().await;
    for (path, ct, body) in [
        (
            "/common/oauth2/v2.0/token",
            Some("application/json"),
            &b"{\"grant_type\":\"x\"}"[..],
        ),
        (
            "/common/oauth2/v2.0/token",
            None,
            b"grant_type=authorization_code",
        ),
        (
            "/common/oauth2/v2.0/token",
            Some("application/x-www-form-urlencoded"),
            b"%%%=&&&=%ZZ",
        ),
        (
            "/common/oauth2/v2.0/token",
            Some("application/x-www-form-urlencoded"),
            b"grant_type=\xff\xfe",
        ),
        (
            "/common/oauth2/v2.0/devicecode",
            Some("application/x-www-form-urlencoded"),
            b"client_id=not-a-guid&scope=",
        ),
    ] {
        let mut head = format!("POST {path} HTTP/1.1\r\nContent-Length: {}", body.len());
        if let Some(ct) = ct {
            head.push_str(&format!("\r\nContent-Type: {ct}"));
        }
        let r = raw(&emu, &head, body).await;
        let what = format!("{path} {ct:?} {:?}", String::from_utf8_lossy(body));
        assert!(r.status == 400 || r.status == 401, "{what}: {}", r.status);
        let v = r.json();
        assert!(v["error"].is_string(), "{what}: {v}");
        assert!(v["error_description"].is_string(), "{what}: {v}");
        assert!(v["error_codes"].is_array(), "{what}: {v}");
        assert_alive(&emu, &what).await;
    }
}

#[tokio::test]
async fn raw_garbage_over_tcp() {
    let emu = start().await;
    let garbage: Vec<Vec<u8>> = vec![
        b"\x00\x01\x02\x03garbage\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /v1.0/me HTTP/1.1\r\nNo colon here\r\n\r\n".to_vec(),
        b"GET /v1.0/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"POST /v1.0/me/drive/root/children HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"
            .to_vec(),
        b"POST /v1.0/me/drive/root/children HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
            .to_vec(),
        b"POST /v1.0/me/drive/root/children HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        // A request cut off in its headers, then the client goes away.
        b"GET /v1.0/me/drive HTTP/1.1\r\nHost: x\r\nAuthor".to_vec(),
        // Not HTTP at all: a TLS ClientHello on the plain-HTTP port.
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03".to_vec(),
        vec![0xAB; 70_000],
    ];
    for g in &garbage {
        let what = String::from_utf8_lossy(&g[..g.len().min(40)]).into_owned();
        let mut s = TcpStream::connect(emu.running.addr).await.expect("connect");
        let _ = s.write_all(g).await;
        let _ = s.shutdown().await;
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "{what}: no answer and no close");
        // Either a 4xx/5xx status line from the HTTP layer, or a plain close.
        if !buf.is_empty() {
            let line = String::from_utf8_lossy(&buf[..buf.len().min(20)]).into_owned();
            assert!(
                line.starts_with("HTTP/1.1 4") || line.starts_with("HTTP/1.1 5"),
                "{what}: {line}"
            );
        }
        assert_alive(&emu, &what).await;
    }
}

#[tokio::test]
async fn admin_routes_refuse_bad_bodies_with_graph_errors() {
    let emu = start().await;
    let mut cases = Vec::new();
    for (p, b) in [
        ("/_emulator/populate", &b"{"[..]),
        ("/_emulator/populate", br#"{"path":"/x","folders":-1}"#),
        (
            "/_emulator/faults",
            br#"{"route":"nowhere","count":1,"status":503}"#,
        ),
        ("/_emulator/faults", b"[{]"),
        ("/_emulator/corrupt", br#"{"path":"/does/not/exist"}"#),
    ] {
        cases.push(case("POST", p, b, 400));
    }
    cases.pop();
    cases.push(case(
        "POST",
        "/_emulator/corrupt",
        br#"{"path":"/does/not/exist"}"#,
        404,
    ));
    cases.push(case("PUT", "/_emulator/quota", br#"{"total":"lots"}"#, 400));
    run_cases(&emu, cases, false).await;
}
