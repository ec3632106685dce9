//! Acceptance audit of issue 3: the cases a demanding user tries by hand (odd names,
//! empty files, pipes, wrong object kinds, the README's exact quota lines), each run
//! with the real binary against the emulator and checked in the emulator's drive.

mod common;

use std::io::Read as _;
use std::process::{Command, Stdio};

use common::{Env, bytes, stderr_of, stdout_of, test_config};

/// One line on stderr, prefixed, and never a panic or a backtrace.
fn assert_one_line_error(out: &std::process::Output, what: &str) {
    let err = stderr_of(out);
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    assert!(err.starts_with("onedrive-cli: "), "{what}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{what}: {err}"
    );
}

#[test]
fn quota_first_lines_exactly_as_the_originals_readme() {
    // The README's account: 25 GiB, about 104 MiB used.
    let env = Env::with_config(onedrive_emulator::Config {
        quota: 25 << 30,
        ..test_config()
    });
    env.seed_file("big.bin", &vec![0u8; 104 * 1024 * 1024 + 200 * 1024]);
    let out = env.cmd().arg("quota").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..2], ["free: 24.9G", "quota: 25.0G"], "{text}");
    assert!(text.contains("used: 104.2M\n"), "{text}");
    // the original's keys for -k, in the same units
    env.cmd()
        .args(["-k", "free", "quota"])
        .assert()
        .success()
        .stdout("24.9G\n");
    env.cmd()
        .args(["-k", "{free} of {quota}", "quota"])
        .assert()
        .success()
        .stdout("24.9G of 25.0G\n");
    // with --json, -k picks from Graph's quota object (bytes)
    env.cmd()
        .args(["--json", "-k", "total", "quota"])
        .assert()
        .success()
        .stdout(predicates::str::contains(format!("{}", 25u64 << 30)));
}

/// Names that need percent-encoding (or none) in a Graph path, and a leading dash.
const ODD_NAMES: [&str; 8] = [
    "a b.txt",
    "#hash.txt",
    "100%.txt",
    "a+b.txt",
    "ünï cödé ✓.txt",
    "-dash.txt",
    "semi;colon&amp=.txt",
    "it's (1).txt",
];

#[test]
fn odd_file_names_round_trip_through_put_ls_info_get_rm() {
    let env = Env::new();
    env.seed_folder("Odd dir #1");
    for (i, name) in ODD_NAMES.iter().enumerate() {
        let data = bytes(100 + i, i as u8);
        let local = env.write_local(name, &data);
        // `--` lets a leading-dash name through, as any Unix tool
        env.cmd()
            .args(["put", "--"])
            .arg(&local)
            .arg("Odd dir #1")
            .assert()
            .success();
        let remote = format!("Odd dir #1/{name}");
        assert_eq!(env.content(&remote), data, "{name}: stored bytes");
        let out = env
            .cmd()
            .args(["-k", "name", "info", "--", &remote])
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out), format!("{name}\n"));
        let out = env.cmd().args(["get", "--", &remote]).output().unwrap();
        assert!(out.status.success(), "{name}: {}", stderr_of(&out));
        assert_eq!(out.stdout, data, "{name}: downloaded bytes");
    }
    let mut want: Vec<String> = ODD_NAMES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(env.children("Odd dir #1"), want);
    let listed = env.cmd().args(["ls", "Odd dir #1"]).output().unwrap();
    let listed: Vec<String> = stdout_of(&listed)
        .lines()
        .map(|l| l.strip_prefix("- ").unwrap_or(l).to_owned())
        .collect();
    assert_eq!(listed.len(), ODD_NAMES.len(), "{listed:?}");
    for name in ODD_NAMES {
        // the YAML-like printer may quote a name, but every one is there
        assert!(
            listed
                .iter()
                .any(|l| l.contains(name.trim_start_matches('-'))),
            "{name} listed: {listed:?}"
        );
    }
    let mut args = vec!["rm".to_owned(), "--".to_owned()];
    args.extend(ODD_NAMES.iter().map(|n| format!("Odd dir #1/{n}")));
    env.cmd().args(&args).assert().success();
    assert!(env.children("Odd dir #1").is_empty());
}

#[test]
fn empty_files_up_and_down() {
    let env = Env::new();
    let e = env.write_local("empty.txt", b"");
    env.cmd().arg("put").arg(&e).assert().success();
    assert_eq!(env.content("empty.txt"), b"");
    let out = env.cmd().args(["get", "empty.txt"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let dst = env.local("down/empty.txt");
    env.get_to("empty.txt", &dst);
    assert_eq!(std::fs::read(&dst).unwrap(), b"");
    env.cmd()
        .args(["put", "--name", "empty-stdin.txt", "-"])
        .write_stdin("")
        .assert()
        .success();
    assert_eq!(env.content("empty-stdin.txt"), b"");
}

#[cfg(unix)]
#[test]
fn get_into_a_pipe_closed_early_is_quiet() {
    let env = Env::new();
    env.seed_file("big.bin", &bytes(4 * 1024 * 1024, 11));
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("onedrive-cli"))
        .arg("-c")
        .arg(&env.config)
        .args(["get", "big.bin"])
        .env_remove("ONEDRIVE_CLI_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -c10`: read ten bytes, then close the pipe
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(&head, &bytes(10, 11)[..]);
    assert!(
        out.stderr.is_empty(),
        "no complaint about the closed pipe: {}",
        stderr_of(&out)
    );
    assert!(out.status.success(), "{:?}", out.status);
}

#[cfg(unix)]
#[test]
fn downloaded_files_get_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::new();
    env.seed_file("photo.jpg", b"jpeg");
    let dst = env.local("photo.jpg");
    env.get_to("photo.jpg", &dst);
    // like `cp` or `curl -o`: 0666 less the umask, not the 0600 of a temporary file
    let mode = std::fs::metadata(&dst).unwrap().permissions().mode() & 0o777;
    let reference = env.write_local("reference", b"");
    let want = std::fs::metadata(&reference).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, want, "got {mode:o}, a new file gets {want:o}");
}

#[test]
fn folders_where_files_are_expected_and_files_where_folders_are() {
    let env = Env::new();
    env.seed_file("f.txt", b"file");
    env.seed_folder("d");
    let before = env.graph_requests();
    // put of a local directory: refused before any request
    std::fs::create_dir_all(env.local("localdir")).unwrap();
    let out = env
        .cmd()
        .arg("put")
        .arg(env.local("localdir"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_one_line_error(&out, "put DIR");
    assert!(stderr_of(&out).contains("localdir"), "{}", stderr_of(&out));
    assert_eq!(env.graph_requests(), before, "no request for a local error");
    assert!(!env.exists("localdir"));
    // put into a file, cp into a file, mv into a file: failures, nothing changed
    let local = env.write_local("n.txt", b"n");
    for (args, what) in [
        (
            vec!["put".into(), local.display().to_string(), "f.txt".into()],
            "put into a file",
        ),
        (
            vec!["cp".into(), "d".into(), "f.txt".into()],
            "cp into a file",
        ),
        (
            vec!["mv".into(), "d".into(), "f.txt".into()],
            "mv into a file",
        ),
        (
            vec!["mkdir".into(), "sub".into(), "f.txt".into()],
            "mkdir in a file",
        ),
    ] {
        let out = env.cmd().args(&args).output().unwrap();
        assert!(!out.status.success(), "{what}");
        assert_ne!(out.status.code(), Some(0), "{what}");
        assert_one_line_error(&out, what);
    }
    assert_eq!(env.children(""), vec!["d", "f.txt"]);
    assert_eq!(env.content("f.txt"), b"file");
    assert!(env.children("d").is_empty());
    // get of a folder: one line, no file left behind
    let dst = env.local("d-copy");
    let out = env.cmd().args(["get", "d"]).arg(&dst).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_one_line_error(&out, "get FOLDER");
    assert!(!dst.exists());
}

#[test]
fn moving_a_folder_into_itself_is_refused() {
    let env = Env::new();
    env.seed_file("top/inner/x", b"x");
    let out = env.cmd().args(["mv", "top", "top/inner"]).output().unwrap();
    assert!(!out.status.success());
    assert_one_line_error(&out, "mv into itself");
    assert_eq!(env.content("top/inner/x"), b"x");
}

#[test]
fn rm_reports_each_missing_object_on_its_own_line() {
    let env = Env::new();
    env.seed_file("keep/me", b"1");
    env.seed_file("gone", b"2");
    // two missing objects around an existing one: each reported on its own line, the
    // existing one still deleted, and the exit code says "partly done" (7)
    let out = env
        .cmd()
        .args(["rm", "missing-one", "gone", "missing-two"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 2, "{err}");
    for l in err.lines() {
        assert!(l.starts_with("onedrive-cli: rm '"), "{l}");
    }
    assert!(!env.exists("gone"));
    assert!(env.exists("keep/me"));
}

#[test]
fn debug_output_never_shows_tokens_even_on_failures_and_refreshes() {
    let env = Env::new();
    env.emu.state.identity.expire_all_access_tokens();
    let state = env.state_text();
    let secrets: Vec<String> = state
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            ["access_token: ", "refresh_token: "]
                .iter()
                .find_map(|k| l.strip_prefix(k))
                .map(|v| v.trim_matches(['\'', '"']).to_owned())
        })
        .collect();
    assert_eq!(secrets.len(), 2, "{state}");
    let out = env
        .cmd()
        .args(["--debug", "info", "no/such"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let new_state = env.state_text();
    let all = format!("{}{}", stderr_of(&out), stdout_of(&out));
    let mut check: Vec<String> = secrets.clone();
    check.extend(new_state.lines().filter_map(|l| {
        let l = l.trim();
        ["access_token: ", "refresh_token: "]
            .iter()
            .find_map(|k| l.strip_prefix(k))
            .map(|v| v.trim_matches(['\'', '"']).to_owned())
    }));
    for s in &check {
        // a prefix long enough to identify the secret
        let probe: String = s.chars().take(24).collect();
        assert!(
            !all.contains(&probe),
            "secret leaked in --debug output:\n{all}"
        );
    }
    assert_ne!(new_state, state, "the 401 made a refresh that was saved");
}

#[test]
fn ci_runs_exactly_the_readmes_test_command() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let ci_cmd = ci
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap()
        .to_owned();
    assert!(ci_cmd.starts_with("cargo test"), "{ci_cmd}");
    // the README's two set-up commands on a fresh clone
    let block: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("## Try it"))
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        block,
        ["cargo run --example quickstart", ci_cmd.as_str()],
        "README's fresh-clone commands"
    );
    let workflow = std::fs::read_dir(root.join(".github/workflows"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(
        workflow.contains(&format!("run: {ci_cmd}")),
        "the workflow runs the same command"
    );
}

/// `.` and `..` are no item names; in a URL they would be removed by dot-segment
/// normalisation, so `rm a/missing/..` used to delete `a` with exit 0.
#[test]
fn dot_and_dot_dot_components_are_refused_before_any_request() {
    let env = Env::new();
    env.seed_file("keep/inner.txt", b"precious");
    let before = env.graph_requests();
    for args in [
        &["rm", "keep/no-such-thing/.."][..],
        &["rm", "keep/inner.txt/.."],
        &["info", ".."],
        &["-i", "info", ".."],
        &["ls", "keep/."],
        &["get", "keep/./inner.txt"],
        &["mv", "keep/inner.txt", "keep/.."],
        &["mkdir", "..", "keep"],
        &["put", "--name", "..", "keep/inner.txt"],
    ] {
        let out = env.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out, &format!("{args:?}"));
    }
    assert_eq!(env.graph_requests(), before, "no request for bad input");
    assert_eq!(env.content("keep/inner.txt"), b"precious");
    assert_eq!(env.children(""), vec!["keep"]);
    // names that merely contain dots are ordinary
    for name in [".bashrc", "a..b", "..hidden", "x."] {
        let f = env.write_local(name, name.as_bytes());
        env.cmd()
            .args(["put"])
            .arg(&f)
            .arg("keep")
            .assert()
            .success();
        assert_eq!(env.content(&format!("keep/{name}")), name.as_bytes());
        env.cmd()
            .args(["rm", &format!("keep/{name}")])
            .assert()
            .success();
    }
    assert_eq!(env.children("keep"), vec!["inner.txt"]);
}

#[test]
fn readme_documents_every_exit_code_and_command() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for code in 0..=7 {
        assert!(
            readme.contains(&format!("| {code} | ")),
            "README's exit code table has {code}"
        );
    }
    for cmd in common::COMMANDS {
        assert!(
            readme.lines().any(|l| l.starts_with('|')
                && (l.contains(&format!("`{cmd}`")) || l.contains(&format!("`{cmd} ")))),
            "README's command table has {cmd}"
        );
    }
}

/// Several cron jobs start at once with an expired access token, against a service
/// where a refresh token works once: every job must still succeed, and the state file
/// stays a valid document holding the latest tokens.
#[test]
fn parallel_invocations_refreshing_at_once_all_succeed() {
    let env = Env::with_config(onedrive_emulator::Config {
        refresh_token_reuse: false,
        ..test_config()
    });
    env.seed_file("cron.txt", b"c");
    let text = env.state_text();
    let expired: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("access_expires:") {
                "  access_expires: 1000".to_owned()
            } else {
                l.to_owned()
            }
        })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(&env.config, expired).unwrap();
    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(assert_cmd::cargo::cargo_bin("onedrive-cli"))
                .arg("-c")
                .arg(&env.config)
                .arg("ls")
                .env_remove("ONEDRIVE_CLI_LOG")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert_eq!(stdout_of(&out), "- cron.txt\n");
    }
    // the file is whole, and what it holds works for the next job
    env.cmd()
        .arg("ls")
        .assert()
        .success()
        .stdout("- cron.txt\n");
}

#[cfg(unix)]
#[test]
fn a_newline_in_a_name_still_gives_one_error_line() {
    let env = Env::new();
    let f = env.write_local("multi\nline", b"x");
    let out = env.cmd().arg("put").arg(&f).output().unwrap();
    // Graph refuses control characters in names (400 invalidRequest)
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_one_line_error(&out, "put");
    assert!(
        stderr_of(&out).contains("multi\\nline"),
        "{}",
        stderr_of(&out)
    );
    let out = env
        .cmd()
        .args(["rm", "gone\nfor good", "also\tmissing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 2, "one line per object: {err}");
    assert!(
        err.contains("gone\\nfor good") && err.contains("also\\tmissing"),
        "{err}"
    );
    assert!(env.children("").is_empty());
}

/// Device code flow: the CLI polls through `authorization_pending` answers (here three)
/// and signs in on the first success, polling no further.
#[test]
fn device_flow_polls_through_pending_then_succeeds() {
    let env = Env::unauthenticated_with(onedrive_emulator::Config {
        device_pending_polls: 3,
        ..test_config()
    });
    let out = env.cmd().args(["auth", "--device"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let token_calls = common::sum_requests(&env.stats(), |r| r.contains("/token"));
    assert_eq!(
        token_calls,
        4,
        "three pending polls, then tokens: {}",
        env.stats()
    );
    assert!(env.state_text().contains("refresh_token:"));
    env.cmd().arg("user").assert().success();
}
