//! A CLI that feels native in shells and scripts (issue #8): errors as JSON objects
//! under `--json`, documented exit codes for failed sign-ins, completions and a man page
//! generated from the live definitions, `auth status`/`auth logout`, a `get` result
//! that says where it wrote, and notices for the waits the service asks for.

mod common;

use clap::CommandFactory as _;
use common::{Env, fault, stderr_of, stdout_of};
use onedrive_emulator::faults::{FaultRoute, ScriptEntry};

/// The one JSON object a `--json` failure prints on stderr.
fn error_object(out: &std::process::Output) -> serde_json::Value {
    let err = stderr_of(out);
    assert_eq!(err.lines().count(), 1, "one object: {err}");
    let v: serde_json::Value = serde_json::from_str(&err).expect("stderr is JSON");
    assert_eq!(
        v["error"]["exit_code"].as_i64(),
        out.status.code().map(i64::from),
        "{v}"
    );
    assert!(v["error"]["message"].is_string(), "{v}");
    v
}

#[test]
fn under_json_every_error_is_one_object_on_stderr() {
    let env = Env::new();
    // A service error: Graph's code.
    let out = env.run(&["--json", "info", "nope"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert_eq!(error_object(&out)["error"]["code"], "itemNotFound");
    // A usage error, caught by the parser: the exit code's name.
    let out = env.run(&["--json", "lst"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(error_object(&out)["error"]["code"], "usage");
    // --json after the command too.
    let out = env.run(&["get", "-b", "9-3", "x", "--json"]);
    assert_eq!(error_object(&out)["error"]["code"], "usage");
    // Several failures: one object per line.
    let out = env.run(&["--json", "rm", "nope1", "nope2"]);
    let lines: Vec<serde_json::Value> = stderr_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|v| v["error"]["exit_code"] == 3));
    // A state-file problem.
    std::fs::write(&env.config, "client: [").unwrap();
    let out = env.run(&["--json", "ls"]);
    assert_eq!(error_object(&out)["error"]["code"], "error");
}

/// Starts a paste-URL sign-in (`auth` with nothing on stdin) and returns the URL the
/// browser lands on after approving.
fn landed_url(env: &Env) -> String {
    let out = env.cmd().arg("auth").write_stdin("").output().unwrap();
    let authorize = stdout_of(&out)
        .lines()
        .find_map(|l| l.strip_prefix("URL to visit: ").map(str::to_owned))
        .expect("an authorize URL");
    common::browser(&authorize)
}

#[test]
fn a_sign_in_that_cannot_complete_is_exit_4() {
    let env = Env::unauthenticated();
    let url = landed_url(&env);
    env.ok(&["auth", &url]);
    // The same URL again: the sign-in it belonged to is over.
    let out = env.run(&["auth", &url]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out).lines().count(), 1);
    // A changed state.
    let url = landed_url(&env);
    let forged = url.replace("state=", "state=x");
    let out = env.run(&["auth", &forged]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    let out = env.run(&["--json", "auth", &forged]);
    assert_eq!(error_object(&out)["error"]["exit_code"], 4);
}

#[test]
fn completions_and_man_page_come_from_the_live_definitions() {
    let env = Env::new();
    let cli = onedrive_cli::cli::args::Cli::command();
    let names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    assert!(names.len() >= common::COMMANDS.len());
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = env
            .bare_cmd()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr_of(&out));
        let text = stdout_of(&out);
        for n in &names {
            assert!(text.contains(n.as_str()), "{shell} completes {n}");
        }
        assert!(text.contains("json") && text.contains("retries"), "{shell}");
    }
    // bash: every state the script moves to has its case (else nothing after the command
    // name completes).
    let bash = stdout_of(
        &env.bare_cmd()
            .args(["completions", "bash"])
            .output()
            .unwrap(),
    );
    for line in bash.lines() {
        if let Some(state) = line
            .trim()
            .strip_prefix("cmd=\"")
            .and_then(|r| r.strip_suffix('"'))
            && !state.is_empty()
        {
            assert!(
                bash.contains(&format!("        {state})")),
                "no case for {state}"
            );
        }
    }
    // And bash itself completes an option of a command from it.
    let script = env.local("complete.bash");
    std::fs::write(&script, &bash).unwrap();
    let probe = format!(
        "source '{}'; COMP_WORDS=(onedrive-cli rm --perm); COMP_CWORD=2; _onedrive__cli onedrive-cli --perm rm; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &probe])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("--permanent"),
        "bash completes rm --perm: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.bare_cmd().arg("man").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let man = stdout_of(&out);
    assert!(
        man.starts_with(".ie") || man.contains(".TH onedrive-cli 1"),
        "roff"
    );
    for n in &names {
        assert!(man.contains(&n.replace('-', "\\-")), "man page lists {n}");
    }
    assert!(
        man.contains(".SH \"EXIT CODES\""),
        "the exit codes are in the man page"
    );
    // Each command's own options, in a section of the one page.
    assert!(man.contains(".SH \"COMMAND: RM\""), "a section per command");
    assert!(man.contains("\\-\\-permanent") && man.contains("\\-\\-chunk\\-size"));
    assert!(
        !man.contains("\\-cli\\-rm(1)"),
        "no pages that do not exist"
    );
    // Neither needs a state file.
    let out = env
        .bare_cmd()
        .args(["-c", "/nonexistent/lcrc", "completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn auth_status_and_logout() {
    let env = Env::new();
    let text = env.ok_stdout(&["auth", "status"]);
    assert!(text.contains("account: user@example.com"), "{text}");
    assert!(text.contains("drive_type: personal"), "{text}");
    assert!(text.contains("access_expires: "), "{text}");
    let state = env.state_text();
    let yaml: yaml_serde::Value = yaml_serde::from_str(&state).unwrap();
    for secret in ["access_token", "refresh_token"] {
        let t = yaml["auth"][secret].as_str().unwrap();
        assert!(!text.contains(t), "{secret} never printed");
    }
    let out = env.run(&["--json", "auth", "status"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["refresh_token"], "stored");
    // Logout forgets the tokens and keeps the client settings.
    env.ok(&["auth", "logout"]);
    let state = env.state_text();
    assert!(
        !state.contains("refresh_token") && !state.contains("access_token"),
        "{state}"
    );
    assert!(
        state.contains(common::CLIENT_ID) && state.contains("graph_url"),
        "{state}"
    );
    let out = env.run(&["auth", "status"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    let out = env.run(&["ls"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
}

#[test]
fn a_json_get_says_where_it_wrote_and_what_it_checked() {
    let env = Env::new();
    env.seed_file("a.txt", b"abc");
    let dst = env.local("out.txt");
    let out = env
        .cmd()
        .args(["--json", "get", "a.txt"])
        .arg(&dst)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        !text.contains("downloadUrl") && !text.contains("/_dl/"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["path"], dst.display().to_string());
    assert_eq!(v["size"], 3);
    assert_eq!(v["verified"], "quickXorHash");
    assert_eq!(v["item"]["name"], "a.txt");
}

#[test]
fn waits_and_retries_are_told_with_v_and_nothing_is_told_with_q() {
    let env = Env::new();
    env.seed_file("t.txt", b"t");
    let throttle = || ScriptEntry {
        status: Some(429),
        retry_after: Some(1),
        ..fault(FaultRoute::Graph)
    };
    env.script([throttle()]);
    let out = env.run(&["ls", "-v"]);
    assert!(out.status.success());
    assert!(
        stderr_of(&out).contains("the service asked to wait 1.0s"),
        "{}",
        stderr_of(&out)
    );
    // Not a terminal, no -v: silent.
    env.script([throttle()]);
    let out = env.run(&["ls"]);
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
    // -q: no summary line for a fully successful transfer either.
    let f = env.write_local("q.txt", b"q");
    let out = env.cmd().args(["put", "-q"]).arg(&f).output().unwrap();
    assert!(out.status.success());
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
    let out = env.run(&["-v", "-q", "ls"]);
    assert_eq!(out.status.code(), Some(2), "-v and -q conflict");
}

#[test]
fn drives_are_listed_and_any_one_can_be_used() {
    let env = Env::new();
    env.seed_file("a.txt", b"a");
    let out = env.ok(&["drives"]);
    let drive_id = env.emu.state.store.drive_id();
    assert!(
        stdout_of(&out).starts_with(&format!("* {drive_id}  personal")),
        "{}",
        stdout_of(&out)
    );
    let out = env.run(&["--json", "drives"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["id"], drive_id.as_str());
    // --drive (anywhere on the line) sends every request to that drive.
    let out = env.run(&["--debug", "ls", "--drive", &drive_id]);
    assert_eq!(stdout_of(&out), "- a.txt\n");
    assert!(
        stderr_of(&out).contains(&format!("/v1.0/drives/{drive_id}/root")),
        "{}",
        stderr_of(&out)
    );
    let out = env.run(&["ls", "--drive", "nope"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    // The state file's api.drive does the same, and --drive wins over it.
    let text = env.state_text().replace("api:\n", "api:\n  drive: nope\n");
    std::fs::write(&env.config, text).unwrap();
    let out = env.run(&["ls"]);
    assert_eq!(out.status.code(), Some(3));
    let out = env.run(&["ls", "--drive", &drive_id]);
    assert_eq!(stdout_of(&out), "- a.txt\n", "{}", stderr_of(&out));
    assert!(env.state_text().contains("drive: nope"), "never written");
}

#[test]
fn a_cloud_selects_its_login_and_graph_hosts() {
    // The sign-in URL shows the cloud's identity platform and redirect URI without any
    // network access; a state file with no hosts of its own.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("lcrc");
    // A state file naming only the client and `api.cloud`.
    let with_cloud = |cloud: &str| {
        let text = format!(
            "client:\n  id: {}\napi:\n  cloud: {cloud}\n",
            common::CLIENT_ID
        );
        std::fs::write(&state, text).unwrap();
    };
    for (cloud, login) in [
        ("global", "https://login.microsoftonline.com/"),
        ("us-gov", "https://login.microsoftonline.us/"),
        ("us-gov-dod", "https://login.microsoftonline.us/"),
        ("china", "https://login.chinacloudapi.cn/"),
    ] {
        std::fs::write(&state, format!("client:\n  id: {}\n", common::CLIENT_ID)).unwrap();
        let out = common::cmd_for_state(&state)
            .args(["auth", "--cloud", cloud])
            .write_stdin("")
            .output()
            .unwrap();
        let text = stdout_of(&out);
        let url = text
            .lines()
            .find_map(|l| l.strip_prefix("URL to visit: "))
            .unwrap_or_else(|| panic!("{cloud}: {text}"));
        assert!(url.starts_with(login), "{cloud}: {url}");
        let redirect = format!(
            "redirect_uri={}",
            login.replace(':', "%3A").replace('/', "%2F")
        );
        assert!(url.contains(&redirect), "{cloud}: {url}");
        // The same from api.cloud in the state file.
        with_cloud(cloud);
        let out = common::cmd_for_state(&state)
            .arg("auth")
            .write_stdin("")
            .output()
            .unwrap();
        assert!(
            stdout_of(&out).contains(&format!("URL to visit: {login}")),
            "{cloud}"
        );
    }
    // An unknown cloud in the file is one clear line.
    with_cloud("mars");
    let out = common::cmd_for_state(&state).arg("ls").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("api.cloud must be one of"),
        "{}",
        stderr_of(&out)
    );
    // The Graph host of each cloud.
    use onedrive_cli::config::cloud::Cloud;
    assert_eq!(
        Cloud::China.graph_url(),
        "https://microsoftgraph.chinacloudapi.cn/v1.0"
    );
    assert_eq!(
        Cloud::UsGovDod.graph_url(),
        "https://dod-graph.microsoft.us/v1.0"
    );
}

#[test]
fn rm_permanent_skips_the_recycle_bin_and_says_when_the_drive_cannot() {
    let env = Env::new();
    env.seed_file("a.txt", b"0123456789");
    env.seed_file("b.txt", b"0123456789");
    env.ok(&["rm", "--permanent", "a.txt"]);
    assert!(!env.exists("a.txt"));
    let quota = |env: &Env| -> serde_json::Value {
        let out = env.run(&["--json", "quota"]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(quota(&env)["deleted"], 0, "not in the recycle bin");
    env.ok(&["rm", "b.txt"]);
    assert_eq!(quota(&env)["deleted"], 10, "plain rm uses the recycle bin");
    // A drive that does not offer it: exit 6, one line.
    env.seed_file("c.txt", b"c");
    env.script([ScriptEntry {
        status: Some(501),
        path_contains: Some("permanentDelete".into()),
        ..fault(FaultRoute::Graph)
    }]);
    let out = env.run(&["rm", "--permanent", "c.txt"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out).lines().count(), 1);
    assert!(env.exists("c.txt"));
}

#[test]
fn review_findings_stay_fixed() {
    let env = Env::new();
    env.seed_file("Docs/a.txt", b"abc");
    // Options between `auth` and its action.
    let out = env.ok(&["auth", "--json", "status"]);
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok());
    let out = env.run(&["auth", "-k", "account", "status"]);
    assert_eq!(stdout_of(&out), "user@example.com\n", "{}", stderr_of(&out));
    // -q: no notices either (logout's, changes' "now watching", -k's warning).
    let out = env.run(&["-q", "changes", "Docs"]);
    assert!(
        out.status.success() && stderr_of(&out).is_empty(),
        "{}",
        stderr_of(&out)
    );
    let out = env.run(&["-q", "-k", "nmae", "info", "Docs"]);
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
    // --raw and -k reach commands with their own layout.
    let out = env.run(&["--raw", "quota"]);
    assert!(stdout_of(&out).contains("free\t"), "{}", stdout_of(&out));
    let out = env.run(&["-k", "total", "quota"]);
    assert_eq!(stdout_of(&out), "1099511627776\n", "{}", stderr_of(&out));
    // --name is a name, not a path.
    let f = env.write_local("n.txt", b"n");
    let out = env
        .cmd()
        .args(["put", "--name", "x/y/z.txt"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(!env.exists("x"));
    // One failure, one code, whichever line of a --json rm it is on.
    let out = env.run(&["--json", "rm", "nope1", "nope2"]);
    let codes: Vec<String> = stderr_of(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["error"]["code"].to_string())
        .collect();
    assert_eq!(codes, vec!["\"itemNotFound\"", "\"itemNotFound\""]);
    // Several files under --json: each failure an object, no plain summary line.
    let bad = env.write_local("bad:name.txt", b"x");
    let out = env
        .cmd()
        .args(["--json", "put"])
        .arg(&f)
        .arg(&bad)
        .arg("Docs")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
    for l in stderr_of(&out).lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|_| panic!("{l}"));
        assert!(v["error"]["code"].is_string(), "{v}");
    }
    assert!(
        stderr_of(&out).contains("invalidPath"),
        "{}",
        stderr_of(&out)
    );
    // A reader that stops early (`| head -c 10`) is not an error.
    env.seed_file("big.bin", &common::bytes(4 << 20, 9));
    for _ in 0..3 {
        let cli = assert_cmd::cargo::cargo_bin("onedrive-cli");
        let cmd = format!(
            "set -o pipefail; '{}' -c '{}' get big.bin | head -c 10 > /dev/null",
            cli.display(),
            env.config.display()
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &cmd])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn an_option_given_twice_takes_the_last_and_an_empty_drive_is_refused() {
    let env = Env::new();
    env.seed_file("a.txt", b"a");
    // A wrapper script sets -c; the user's own -c wins.
    let out = env
        .bare_cmd()
        .args(["-c", "/nonexistent/lcrc", "-c"])
        .arg(&env.config)
        .arg("ls")
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "- a.txt\n", "{}", stderr_of(&out));
    let out = env.run(&["ls", "--drive", ""]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("--drive"), "{}", stderr_of(&out));
}

#[test]
fn auth_status_offline_still_shows_what_is_stored() {
    let env = Env::new();
    // The service unreachable (nothing listens on port 1).
    let text = env.state_text().replace(&env.emu.url, "http://127.0.0.1:1");
    std::fs::write(&env.config, text).unwrap();
    let out = env.run(&["--retries", "0", "auth", "status"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let shown = stdout_of(&out);
    assert!(shown.contains("refresh_token: stored"), "{shown}");
    assert!(shown.contains(common::CLIENT_ID), "{shown}");
    assert!(!shown.contains("account:"), "{shown}");
    assert_eq!(stderr_of(&out).lines().count(), 1, "{}", stderr_of(&out));
}

#[test]
fn a_signal_ends_any_command_with_its_code_and_one_error_object() {
    let env = Env::new();
    for (signal, code, name) in [("-INT", 130, "interrupted"), ("-TERM", 143, "terminated")] {
        // A listing that never gets its answer.
        env.script([ScriptEntry {
            stall_after: Some(0),
            ..fault(FaultRoute::Graph)
        }]);
        let child = env.spawn(["--json", "ls"]);
        common::wait_until(
            "the request is stalled",
            std::time::Duration::from_secs(20),
            || env.emu.state.faults.injected() > 0,
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
        let killed = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{}", stderr_of(&out));
        let v = error_object(&out);
        assert_eq!(v["error"]["code"], name, "{v}");
        env.emu.state.faults.clear_script();
    }
}
