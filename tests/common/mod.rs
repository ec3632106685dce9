//! Shared set-up for the integration tests: an emulator on an ephemeral loopback port,
//! a temporary state file pointing at it, and helpers to run the real `onedrive-cli`
//! binary and to look at the emulator's drive afterwards (through its `state.store`,
//! never through the client's own code).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use onedrive_emulator::store::{Blob, Conflict, FsInfo, Item, ItemKind};
use onedrive_emulator::{BackgroundEmulator, Config};

/// Client id written to the state file (any GUID is a public client for the emulator).
pub const CLIENT_ID: &str = "3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a";

/// Scopes the CLI asks for (README: Files.ReadWrite.All, offline_access, User.Read).
pub const SCOPES: &str = "Files.ReadWrite.All offline_access User.Read";

/// Every command of the original `onedrive-cli` (issue 3): `--help` and the README list
/// them all.
pub const COMMANDS: &[&str] = &[
    "auth",
    "auth_refresh",
    "quota",
    "user",
    "recent",
    "info",
    "info_set",
    "link",
    "ls",
    "mkdir",
    "get",
    "put",
    "cp",
    "mv",
    "rm",
    "tree",
    "comments",
    "comment_add",
    "comment_delete",
];

pub struct Env {
    pub emu: BackgroundEmulator,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

/// Emulator settings tuned for tests: no device-code wait, quick copies.
pub fn test_config() -> Config {
    Config {
        device_interval_secs: 0,
        device_pending_polls: 1,
        copy_delay: Duration::from_millis(20),
        ..Config::default()
    }
}

impl Env {
    /// An emulator and a state file already holding valid tokens.
    pub fn new() -> Env {
        Self::with_config(test_config())
    }

    pub fn with_config(config: Config) -> Env {
        let env = Self::unauthenticated_with(config);
        let t = env
            .emu
            .state
            .identity
            .mint_tokens(CLIENT_ID, "common", SCOPES)
            .expect("emulator mints tokens");
        let expires = now_unix() + t.expires_in as f64;
        env.write_state(&format!(
            "auth:\n  access_token: {}\n  refresh_token: {}\n  access_expires: {expires}\n",
            t.access_token,
            t.refresh_token
                .expect("offline_access gives a refresh token"),
        ));
        env
    }

    /// An emulator and a state file with only the client id and the `api` section.
    pub fn unauthenticated() -> Env {
        Self::unauthenticated_with(test_config())
    }

    pub fn unauthenticated_with(config: Config) -> Env {
        let emu = onedrive_emulator::start_in_thread(config).expect("emulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("lcrc");
        let env = Env { emu, dir, config };
        env.write_state("");
        env
    }

    /// The `api` section pointing at the emulator.
    pub fn api_section(&self) -> String {
        format!(
            "api:\n  graph_url: {url}/v1.0\n  login_url: {url}\n  tenant: common\n",
            url = self.emu.url
        )
    }

    /// Writes the state file: client, api, then `extra` (YAML text).
    pub fn write_state(&self, extra: &str) {
        let text = format!("client:\n  id: {CLIENT_ID}\n{}{extra}", self.api_section());
        std::fs::write(&self.config, text).expect("write state file");
    }

    pub fn state_text(&self) -> String {
        std::fs::read_to_string(&self.config).unwrap_or_default()
    }

    /// `onedrive-cli -c STATE` with a clean environment for the test.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = self.bare_cmd();
        c.arg("-c").arg(&self.config);
        c
    }

    /// `onedrive-cli` without `-c`.
    pub fn bare_cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("onedrive-cli").expect("binary built");
        c.env_remove("ONEDRIVE_CLI_CONFIG");
        c.env_remove("ONEDRIVE_CLI_LOG");
        c.current_dir(self.dir.path());
        c.timeout(Duration::from_secs(120));
        c
    }

    /// `onedrive-cli -c STATE ARGS` started in the background (stderr piped), with the
    /// same environment as [`Env::cmd`], for tests that act while it runs.
    pub fn spawn<I, S>(&self, args: I) -> std::process::Child
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        std::process::Command::new(env!("CARGO_BIN_EXE_onedrive-cli"))
            .env_remove("ONEDRIVE_CLI_CONFIG")
            .env_remove("ONEDRIVE_CLI_LOG")
            .current_dir(self.dir.path())
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("onedrive-cli starts")
    }

    /// Bytes of request bodies the emulator has received so far.
    /// Queues scripted emulator faults (see [`fault`]).
    pub fn script(&self, faults: impl IntoIterator<Item = onedrive_emulator::faults::ScriptEntry>) {
        self.emu
            .state
            .faults
            .add_entries(faults.into_iter().collect())
            .expect("valid scripted faults");
    }

    pub fn bytes_in(&self) -> u64 {
        self.stats()["bytes_in"].as_u64().unwrap_or(0)
    }

    /// `put --chunk-size 320K FILE`: an upload session in 320 KiB fragments.
    pub fn put_in_fragments(&self, file: &Path) -> std::process::Output {
        self.cmd()
            .args(["put", "--chunk-size", "320K"])
            .arg(file)
            .output()
            .unwrap()
    }

    /// The same in the background, returned once its first fragment has arrived.
    pub fn spawn_put_in_fragments(&self, file: &Path) -> std::process::Child {
        let child = self.spawn([
            "put".as_ref(),
            "--chunk-size".as_ref(),
            "320K".as_ref(),
            file.as_os_str(),
        ]);
        wait_until("the upload has started", Duration::from_secs(20), || {
            self.bytes_in() >= 327_680
        });
        child
    }

    /// Bytes of response bodies the emulator has sent so far.
    pub fn bytes_out(&self) -> u64 {
        self.stats()["bytes_out"].as_u64().unwrap_or(0)
    }

    /// A local file in the test's temporary directory.
    pub fn local(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write_local(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.local(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, data).expect("write local file");
        p
    }

    // ------------------------------------------------------------ drive state

    pub fn root_id(&self) -> String {
        self.emu.state.store.root_id()
    }

    /// The item at `path` (relative to the root), if any.
    pub fn item(&self, path: &str) -> Option<Item> {
        let p = path.trim_matches('/');
        if p.is_empty() {
            return self.emu.state.store.get(&self.root_id()).ok();
        }
        self.emu.state.store.resolve_path(&self.root_id(), p).ok()
    }

    pub fn exists(&self, path: &str) -> bool {
        self.item(path).is_some()
    }

    pub fn id_of(&self, path: &str) -> String {
        self.item(path)
            .unwrap_or_else(|| panic!("{path} exists in the emulator"))
            .id
    }

    /// The bytes of the file at `path`.
    pub fn content(&self, path: &str) -> Vec<u8> {
        match self.item(path).map(|i| i.kind) {
            Some(ItemKind::File(f)) => f.blob.to_vec(),
            other => panic!("{path} is not a file: {other:?}"),
        }
    }

    /// Names of the children of the folder at `path`, sorted.
    pub fn children(&self, path: &str) -> Vec<String> {
        let id = self.id_of(path);
        let mut names: Vec<String> = self
            .emu
            .state
            .store
            .children(&id)
            .expect("children")
            .into_iter()
            .map(|i| i.name)
            .collect();
        names.sort();
        names
    }

    /// Creates the folder `path` (and its parents) directly in the emulator's store.
    pub fn seed_folder(&self, path: &str) -> String {
        let mut parent = self.root_id();
        for comp in path.split('/').filter(|c| !c.is_empty()) {
            let store = &self.emu.state.store;
            parent = match store.child_by_name(&parent, comp).expect("lookup") {
                Some(i) => i.id,
                None => {
                    store
                        .create_folder(&parent, comp, Conflict::Fail)
                        .expect("mkdir")
                        .0
                        .id
                }
            };
        }
        parent
    }

    /// Creates the file `path` with `data` directly in the emulator's store.
    pub fn seed_file(&self, path: &str, data: &[u8]) -> String {
        let (dir, name) = match path.trim_matches('/').rsplit_once('/') {
            Some((d, n)) => (d, n),
            None => ("", path.trim_matches('/')),
        };
        let parent = self.seed_folder(dir);
        self.emu
            .state
            .store
            .put_file(
                &parent,
                name,
                Blob::from_bytes(data.to_vec()),
                Conflict::Replace,
                FsInfo::default(),
            )
            .expect("put_file")
            .0
            .id
    }

    // ------------------------------------------------------------ stats

    /// The emulator's request statistics (`GET /_emulator/stats` document).
    pub fn stats(&self) -> serde_json::Value {
        self.emu.state.stats.snapshot()
    }

    /// Requests served so far (admin routes excluded).
    pub fn graph_requests(&self) -> u64 {
        self.stats()["total_requests"].as_u64().unwrap_or(0)
    }
}

/// Sums the request counters of the routes matching `want`.
pub fn sum_requests(stats: &serde_json::Value, want: impl Fn(&str) -> bool) -> u64 {
    stats["requests"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| r["route"].as_str().is_some_and(&want))
                .map(|r| r["count"].as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

/// Polls `ready` until it holds; fails the test with `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "{what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A scripted emulator fault on `route` that fires once; set the other fields with
/// struct update syntax.
pub fn fault(
    route: onedrive_emulator::faults::FaultRoute,
) -> onedrive_emulator::faults::ScriptEntry {
    onedrive_emulator::faults::ScriptEntry::new(route)
}

/// A browser on the emulator's authorize URL: follows it once, without following the
/// redirect, and returns the `Location` (the URL the user lands on, with `code` and
/// `state`).
pub fn browser(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The client's own TLS set-up (ring), which a test's reqwest needs too.
    onedrive_cli::http::client::install_crypto_provider();
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = client.get(url).send().await.unwrap();
        assert!(
            resp.status().is_redirection(),
            "authorize answered {}",
            resp.status()
        );
        resp.headers()["location"].to_str().unwrap().to_owned()
    })
}

/// Asserts the shape every failure shares: exit `code`, one line on stderr that starts
/// with `onedrive-cli: ` and contains `what` (case-insensitively), nothing on stdout.
pub fn assert_failure_line(out: &std::process::Output, code: i32, what: &str) {
    let err = stderr_of(out);
    assert_eq!(out.status.code(), Some(code), "{what:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("onedrive-cli: "), "{err}");
    assert!(
        err.to_lowercase().contains(&what.to_lowercase()),
        "{what:?} in {err}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Asserts a failure with exit `code` and one line on stderr that contains `what` (as
/// written); unlike [`assert_failure_line`], stdout and the line's prefix are not looked at.
pub fn assert_one_line(out: &std::process::Output, code: i32, what: &str) {
    let err = stderr_of(out);
    assert_eq!(out.status.code(), Some(code), "{what:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(what), "{what:?} in {err}");
}

pub fn now_unix() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Deterministic pseudo-random bytes (so a failing test can be reproduced).
pub fn bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9 ^ u32::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn exists_local(p: &Path) -> bool {
    p.exists()
}

// ------------------------------------------------------------ raw requests

/// One request to the emulator over plain HTTP/1.1 (admin routes, and Graph calls the
/// client has no command for, e.g. adding a shortcut): the status and the JSON body
/// (`Null` when empty or not JSON). `bearer` adds an `Authorization` header.
pub fn request(
    env: &Env,
    method: &str,
    path: &str,
    body: &[u8],
    bearer: Option<&str>,
) -> (u16, serde_json::Value) {
    use std::io::{Read as _, Write as _};
    let addr = env
        .emu
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect to the emulator");
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("send head");
    s.write_all(body).expect("send body");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read answer");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (
        status,
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
    )
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

impl Env {
    /// The access token in the state file (for [`request`]s a test makes itself).
    pub fn access_token(&self) -> String {
        self.state_text()
            .lines()
            .find_map(|l| l.trim().strip_prefix("access_token: "))
            .expect("a signed-in state file")
            .to_owned()
    }

    /// `POST /_emulator/drives` with `body`: the created drive's id (for a library, the
    /// `drive` of the answer).
    pub fn create_drive(&self, body: serde_json::Value) -> String {
        let (status, v) = request(
            self,
            "POST",
            "/_emulator/drives",
            body.to_string().as_bytes(),
            None,
        );
        assert_eq!(status, 201, "create drive: {v}");
        v.pointer("/drive/id")
            .or_else(|| v.get("id"))
            .and_then(|i| i.as_str())
            .expect("drive id")
            .to_owned()
    }

    /// Puts `data` at `path` of any drive (folders made as needed); the item's id.
    pub fn seed_in_drive(&self, drive: &str, path: &str, data: &[u8]) -> String {
        let (status, v) = request(
            self,
            "PUT",
            &format!(
                "/_emulator/drives/{drive}/content?path={}",
                path.replace(' ', "%20")
            ),
            data,
            None,
        );
        assert!(status == 200 || status == 201, "seed {path}: {status} {v}");
        v["id"].as_str().expect("item id").to_owned()
    }

    /// Shares the item at `path` of another user's drive with the signed-in user
    /// (`role`: read or write); the item's id.
    pub fn share(&self, drive: &str, path: &str, role: &str) -> String {
        let body = serde_json::json!({"driveId": drive, "path": path, "role": role});
        let (status, v) = request(
            self,
            "POST",
            "/_emulator/share",
            body.to_string().as_bytes(),
            None,
        );
        assert_eq!(status, 200, "share {path}: {v}");
        v["id"].as_str().expect("item id").to_owned()
    }

    /// Adds a shared folder to the root of the user's drive ("Add to My files"), as
    /// the service's web UI does: `POST /me/drive/root/children` with `remoteItem`.
    pub fn add_shortcut(&self, drive: &str, id: &str) -> serde_json::Value {
        let body =
            serde_json::json!({"remoteItem": {"id": id, "parentReference": {"driveId": drive}}});
        let (status, v) = request(
            self,
            "POST",
            "/v1.0/me/drive/root/children",
            body.to_string().as_bytes(),
            Some(&self.access_token()),
        );
        assert_eq!(status, 201, "add shortcut: {v}");
        v
    }
}

impl Env {
    /// `POST /_emulator/links`: a sharing link (`view` or `edit`) on the item at `path`
    /// of any drive; its `link.webUrl`.
    pub fn sharing_link(&self, drive: &str, path: &str, kind: &str) -> String {
        let body = serde_json::json!({"driveId": drive, "path": path, "type": kind});
        let (status, v) = request(
            self,
            "POST",
            "/_emulator/links",
            body.to_string().as_bytes(),
            None,
        );
        assert!(status == 200 || status == 201, "link {path}: {status} {v}");
        v.pointer("/link/webUrl")
            .and_then(|u| u.as_str())
            .expect("link.webUrl")
            .to_owned()
    }
}

impl Env {
    /// `onedrive-cli -c STATE ARGS`, which must succeed (else the test fails with its
    /// stderr).
    pub fn ok(&self, args: &[&str]) -> std::process::Output {
        let out = self.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        out
    }

    /// [`Env::ok`]'s stdout.
    pub fn ok_stdout(&self, args: &[&str]) -> String {
        stdout_of(&self.ok(args))
    }
}

impl Env {
    /// `onedrive-cli -c STATE ARGS`, whatever its outcome.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.cmd().args(args).output().unwrap()
    }
}

impl Env {
    /// [`Env::run`], which must fail with [`assert_failure_line`]'s shape: exit `code`,
    /// one line naming `what`, nothing on stdout.
    pub fn fails(&self, args: &[&str], code: i32, what: &str) -> std::process::Output {
        let out = self.run(args);
        assert_failure_line(&out, code, what);
        out
    }

    /// `onedrive-cli -c STATE get REMOTE DST`, which must succeed.
    pub fn get_to(&self, remote: &str, dst: &Path) {
        self.cmd().args(["get", remote]).arg(dst).assert().success();
    }
}

/// `onedrive-cli -c STATE` for a state file the test wrote itself (no emulator behind
/// it; the caller's environment and working directory).
pub fn cmd_for_state(state: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("onedrive-cli").expect("binary built");
    c.arg("-c").arg(state);
    c
}
