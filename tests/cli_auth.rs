//! Sign-in flows end to end against the emulator's identity platform, token refresh
//! (on expiry and on 401, rotated refresh token persisted), and the state file.

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};

use common::{CLIENT_ID, Env, browser, stderr_of, stdout_of};

fn yaml(env: &Env) -> yaml_serde::Value {
    yaml_serde::from_str(&env.state_text()).expect("state file stays valid YAML")
}

fn auth_field(env: &Env, key: &str) -> Option<String> {
    yaml(env)
        .get("auth")
        .and_then(|a| a.get(key))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

#[test]
fn device_code_flow_signs_in() {
    let env = Env::unauthenticated();
    let out = env.cmd().args(["auth", "--device"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert!(
        all.contains("devicelogin"),
        "the user is told where to go: {all}"
    );
    let refresh = auth_field(&env, "refresh_token").expect("refresh token stored");
    assert!(auth_field(&env, "access_token").is_some());
    assert!(!all.contains(&refresh), "no token printed");
    // and the tokens work
    env.seed_file("after-auth.txt", b"x");
    env.cmd()
        .arg("ls")
        .assert()
        .success()
        .stdout("- after-auth.txt\n");
}

/// Paste-URL mode: `auth` prints the authorize URL, the "browser" (this test) opens it
/// (the emulator approves at once and redirects with `code` and `state`), and the final
/// URL is pasted back on stdin.
#[test]
fn paste_url_flow_with_pkce_and_state() {
    let env = Env::unauthenticated();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("onedrive-cli"))
        .arg("-c")
        .arg(&env.config)
        .arg("auth")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let authorize = loop {
        let line = lines
            .next()
            .expect("an authorize URL is printed")
            .expect("readable stdout");
        if let Some(i) = line.find("http") {
            let url = line[i..].trim().to_owned();
            if url.contains("/oauth2/v2.0/authorize") {
                break url;
            }
        }
    };
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    assert!(authorize.contains("state="), "{authorize}");
    assert!(authorize.contains(CLIENT_ID), "{authorize}");
    let redirected = browser(&authorize);
    assert!(redirected.contains("code="), "{redirected}");
    {
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{redirected}").unwrap();
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "auth failed: {rest:?}");
    assert!(auth_field(&env, "refresh_token").is_some());
    env.cmd().arg("user").assert().success();
}

#[test]
fn paste_url_with_a_tampered_state_is_refused() {
    let env = Env::unauthenticated();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("onedrive-cli"))
        .arg("-c")
        .arg(&env.config)
        .arg("auth")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let authorize = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(i) = line.find("http")
            && line.contains("/oauth2/v2.0/authorize")
        {
            break line[i..].trim().to_owned();
        }
    };
    let redirected = browser(&authorize);
    let (before, after) = redirected.split_once("state=").unwrap();
    let tail = after
        .split_once('&')
        .map(|(_, t)| format!("&{t}"))
        .unwrap_or_default();
    let forged = format!("{before}state=forged{tail}");
    writeln!(child.stdin.take().unwrap(), "{forged}").unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(auth_field(&env, "refresh_token").is_none());
}

#[test]
fn expired_access_token_is_refreshed_and_the_rotated_refresh_token_saved() {
    let env = Env::new();
    let old_refresh = auth_field(&env, "refresh_token").unwrap();
    let old_access = auth_field(&env, "access_token").unwrap();
    // the state file says the token expired a minute ago
    let text = env.state_text();
    let expired = common::now_unix() - 60.0;
    let text: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("access_expires:") {
                format!("  access_expires: {expired}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&env.config, text + "\n").unwrap();
    env.cmd().arg("ls").assert().success();
    let new_refresh = auth_field(&env, "refresh_token").unwrap();
    assert_ne!(new_refresh, old_refresh, "rotated refresh token persisted");
    assert_ne!(auth_field(&env, "access_token").unwrap(), old_access);
}

#[test]
fn a_401_triggers_one_refresh() {
    let env = Env::new();
    let old_refresh = auth_field(&env, "refresh_token").unwrap();
    // valid by the state file's clock, but the service has expired it
    env.emu.state.identity.expire_all_access_tokens();
    env.seed_file("x.txt", b"x");
    env.cmd().arg("ls").assert().success().stdout("- x.txt\n");
    assert_ne!(auth_field(&env, "refresh_token").unwrap(), old_refresh);
}

#[test]
fn revoked_refresh_token_asks_for_auth() {
    let env = Env::new();
    env.emu.state.identity.expire_all_access_tokens();
    env.emu.state.identity.revoke_all_refresh_tokens();
    let out = env.cmd().arg("ls").output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("auth"), "{err}");
}

#[test]
fn auth_refresh_rotates_tokens() {
    let env = Env::new();
    let old_refresh = auth_field(&env, "refresh_token").unwrap();
    let out = env.cmd().arg("auth_refresh").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_ne!(auth_field(&env, "refresh_token").unwrap(), old_refresh);
    env.cmd().arg("auth-refresh").assert().success();
    let unauth = Env::unauthenticated();
    let out = unauth.cmd().arg("auth_refresh").output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
}

#[cfg(unix)]
#[test]
fn state_file_written_with_mode_0600_and_unknown_keys_kept() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::unauthenticated();
    let text = env.state_text() + "custom_section:\n  keep: me\n";
    std::fs::write(&env.config, text).unwrap();
    std::fs::set_permissions(&env.config, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.cmd().args(["auth", "--device"]).assert().success();
    let doc = yaml(&env);
    assert_eq!(doc["custom_section"]["keep"].as_str(), Some("me"));
    assert_eq!(doc["client"]["id"].as_str(), Some(CLIENT_ID));
    let mode = std::fs::metadata(&env.config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn python_onedrive_state_file_keeps_working() {
    let env = Env::unauthenticated();
    // What python-onedrive left behind: LiveConnect-era tokens and a naive datetime.
    let text = format!(
        "client:\n  id: {CLIENT_ID}\n{}auth:\n  code: Mabc-old-code\n  access_token: EwAoAq-old\n  refresh_token: MCfR-old\n  access_expires: 2014-03-21 12:34:56.123\nrequest:\n  base_headers:\n    User-Agent: python-onedrive/14.11.0\n",
        env.api_section()
    );
    std::fs::write(&env.config, &text).unwrap();
    let out = env.cmd().arg("ls").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "old tokens: auth needed: {}",
        stderr_of(&out)
    );
    env.cmd().args(["auth", "--device"]).assert().success();
    env.cmd().arg("ls").assert().success();
    let doc = yaml(&env);
    assert_eq!(
        doc["request"]["base_headers"]["User-Agent"].as_str(),
        Some("python-onedrive/14.11.0")
    );
}

#[test]
fn bad_state_files_are_reported_and_never_modified() {
    let env = Env::unauthenticated();
    let cases = [
        "client: [unclosed\n",
        "client: just a string\n",
        "- a\n- list\n",
        "client:\n  id: {nested: map}\n",
    ];
    for text in cases {
        std::fs::write(&env.config, text).unwrap();
        for args in [&["ls"][..], &["auth", "--device"]] {
            let out = env.cmd().args(args).output().unwrap();
            assert!(!out.status.success(), "{text:?} {args:?}");
            let err = stderr_of(&out);
            assert_eq!(err.lines().count(), 1, "{text:?}: {err}");
            assert!(err.contains(&env.config.display().to_string()), "{err}");
            assert_eq!(env.state_text(), text, "file untouched");
        }
    }
}

#[test]
fn all_digit_client_id_is_used_with_a_warning() {
    let env = Env::new();
    // python-onedrive's LiveConnect ids could be all digits; unquoted, YAML reads a number.
    let text = env
        .state_text()
        .replace(&format!("id: {CLIENT_ID}"), "id: 12345678");
    std::fs::write(&env.config, text).unwrap();
    let out = env.cmd().arg("ls").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("warning") && err.contains("12345678"), "{err}");
}

#[test]
fn localhost_listener_flow() {
    let env = Env::unauthenticated();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("onedrive-cli"))
        .arg("-c")
        .arg(&env.config)
        .args(["auth", "--localhost"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let authorize = loop {
        let line = lines.next().expect("a URL is printed").unwrap();
        if let Some(i) = line.find("http")
            && line.contains("/oauth2/v2.0/authorize")
        {
            break line[i..].trim().to_owned();
        }
    };
    assert!(
        authorize.contains("redirect_uri=http%3A%2F%2Flocalhost"),
        "{authorize}"
    );
    // The "browser": the emulator approves and redirects to the CLI's listener.
    let landing = browser(&authorize);
    assert!(landing.starts_with("http://localhost:"), "{landing}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let landing = landing.replacen("localhost", "127.0.0.1", 1);
    let page = rt.block_on(async { reqwest::get(&landing).await.unwrap().status() });
    assert!(page.is_success(), "listener answered {page}");
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(auth_field(&env, "refresh_token").is_some());
    env.cmd().arg("user").assert().success();
}

/// `auth` prints the URL and, with nothing pasted, leaves the request pending in the state
/// file; `auth URL` in a later invocation finishes it (as python-onedrive's `auth URL`).
#[test]
fn paste_url_across_two_invocations() {
    let env = Env::unauthenticated();
    // `auth URL` with nothing pending: refused
    let out = env
        .cmd()
        .args([
            "auth",
            "https://login.microsoftonline.com/common/oauth2/nativeclient?code=x",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(stderr_of(&out).lines().count(), 1, "{}", stderr_of(&out));
    // first invocation: the URL, then EOF on stdin
    let out = env.cmd().arg("auth").write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let authorize = text
        .lines()
        .filter_map(|l| l.find("http").map(|i| l[i..].trim()))
        .find(|u| u.contains("/oauth2/v2.0/authorize"))
        .expect("authorize URL printed")
        .to_owned();
    assert!(auth_field(&env, "refresh_token").is_none());
    // the user signs in; second invocation with the landed URL
    let landed = browser(&authorize);
    env.cmd().args(["auth", &landed]).assert().success();
    assert!(auth_field(&env, "refresh_token").is_some());
    assert!(
        auth_field(&env, "pkce_verifier").is_none(),
        "pending request cleared"
    );
    // the code is single-use
    let out = env.cmd().args(["auth", &landed]).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn valid_tokens_leave_the_state_file_untouched() {
    let env = Env::new();
    env.seed_file("r.txt", b"r");
    let before = env.state_text();
    for args in [
        &["ls"][..],
        &["info", "r.txt"],
        &["quota"],
        &["get", "r.txt"],
    ] {
        env.cmd().args(args).assert().success();
    }
    assert_eq!(env.state_text(), before);
}
