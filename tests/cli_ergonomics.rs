//! Command-line ergonomics (issue #10): errors that name the argument that failed,
//! options after the command, a safe `rm`, `--raw` and `-k` for scripts, no binary on a
//! terminal nobody asked for, the original's `link` output.

mod common;

use common::{Env, assert_one_line, stderr_of, stdout_of};

#[test]
fn a_missing_or_wrong_destination_is_named_not_the_source() {
    let env = Env::new();
    env.seed_file("Documents/small.txt", b"hi");
    env.seed_file("Documents/other.txt", b"x");
    env.seed_folder("Projects");
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["mv", "Documents/small.txt", "Documents/hello.txt"],
            3,
            "mv: destination folder 'Documents/hello.txt': itemNotFound",
        ),
        (
            &["mv", "Documents/small.txt", "Documents/other.txt"],
            1,
            "mv: destination 'Documents/other.txt' is a file, not a folder",
        ),
        (
            &["cp", "Documents/small.txt", "Documents/copy.bin"],
            3,
            "cp: destination folder 'Documents/copy.bin'",
        ),
        (
            &["mkdir", "Documents", "NewFolder"],
            3,
            "mkdir: destination folder 'NewFolder'",
        ),
        (&["mkdir", "a/b"], 3, "mkdir: destination folder 'a'"),
        (
            &["put", "/etc/hostname", "Documnets"],
            3,
            "put: destination folder 'Documnets'",
        ),
        (
            &["mv", "Documents/nope.txt", "Projects"],
            3,
            "mv 'Documents/nope.txt'",
        ),
    ];
    for (args, code, what) in cases {
        assert_one_line(&env.run(args), *code, what);
    }
    // The hints say what the command does.
    let out = env.run(&["mv", "Documents/small.txt", "Documents/hello.txt"]);
    assert!(stderr_of(&out).contains("info_set"), "{}", stderr_of(&out));
    let out = env.run(&["mkdir", "a/b"]);
    assert!(stderr_of(&out).contains("-p"), "{}", stderr_of(&out));
    // Nothing moved or made.
    assert!(env.exists("Documents/small.txt"));
    assert!(!env.exists("a"));
}

#[test]
fn global_options_work_after_the_command() {
    let env = Env::new();
    env.seed_file("Documents/a.txt", b"a");
    let out = env.ok(&["ls", "Documents", "--json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        serde_json::json!(["a.txt"])
    );
    let id = env.id_of("Documents");
    let out = env.run(&["info", "Documents", "-k", "id"]);
    assert_eq!(stdout_of(&out), format!("{id}\n"));
    let out = env.run(&["info", "--debug", "Documents"]);
    assert!(out.status.success());
    assert!(
        stderr_of(&out).contains("GET"),
        "a trace: {}",
        stderr_of(&out)
    );
    // -c after the command too.
    let out = env
        .bare_cmd()
        .args(["ls", "Documents", "-c"])
        .arg(&env.config)
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "- a.txt\n", "{}", stderr_of(&out));
    // `mkdir -p` after the command still means parents.
    env.ok(&["mkdir", "-p", "x/y/z"]);
    assert!(env.exists("x/y/z"));
}

#[test]
fn unknown_commands_and_options_get_a_suggestion() {
    let env = Env::new();
    assert_one_line(&env.run(&["lst"]), 2, "did you mean 'ls'");
    assert_one_line(&env.run(&["ls", "--objets"]), 2, "--objects");
}

#[test]
fn rm_refuses_a_folder_named_by_an_empty_variable_and_the_root() {
    let env = Env::new();
    for i in 0..3 {
        env.seed_file(&format!("Sort/f{i}.txt"), b"x");
    }
    // DIR=Sort; FILE=; rm "$DIR/$FILE"
    for arg in ["Sort/", "Sort//"] {
        assert_one_line(&env.run(&["rm", arg]), 2, "-r");
        assert_eq!(env.children("Sort").len(), 3, "nothing deleted");
    }
    for root in ["/", "root"] {
        for extra in [&[][..], &["-r"]] {
            let out = env.cmd().arg("rm").args(extra).arg(root).output().unwrap();
            assert_one_line(&out, 2, "root");
        }
    }
    // The original's behaviour stays: rm removes a folder named without the slash.
    env.ok(&["rm", "-r", "Sort/"]);
    assert!(!env.exists("Sort"));
}

#[test]
fn a_partial_rm_says_what_was_deleted_and_exits_7() {
    let env = Env::new();
    env.seed_file("a.txt", b"a");
    env.seed_file("b.txt", b"b");
    let out = env.run(&["--json", "rm", "a.txt", "nope", "b.txt"]);
    assert_one_line(&out, 7, "rm 'nope'");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        serde_json::json!(["a.txt", "b.txt"])
    );
    assert!(!env.exists("a.txt") && !env.exists("b.txt"));
    // All failed alike: their own code.
    let out = env.run(&["rm", "nope", "nope2"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn raw_output_is_one_bare_value_per_line() {
    let env = Env::new();
    env.seed_file("Scratch/-", b"a dash");
    env.seed_file("Scratch/two words.txt", b"x");
    let ids: Vec<String> = ["Scratch/-", "Scratch/two words.txt"]
        .iter()
        .map(|p| env.id_of(p))
        .collect();
    assert_eq!(
        env.ok_stdout(&["-k", "id", "--raw", "ls", "-o", "Scratch"]),
        format!("{}\n{}\n", ids[0], ids[1])
    );
    // Without --raw the original's layout stays (and -k's help points to --raw).
    let out = env.run(&["-k", "id", "ls", "Scratch"]);
    assert_eq!(stdout_of(&out), format!("- {}\n- {}\n", ids[0], ids[1]));
    let help = env.run(&["--help"]);
    assert!(stdout_of(&help).contains("--raw"));
    // ls -U streams the same bare lines.
    let out = env.run(&["ls", "-U", "--raw", "Scratch"]);
    let text = stdout_of(&out);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(lines, vec!["-", "two words.txt"]);
    // A mapping: key<TAB>value.
    let out = env.run(&["--raw", "info", "Scratch/-"]);
    assert!(stdout_of(&out).contains("name\t-\n"), "{}", stdout_of(&out));
}

#[test]
fn k_reads_the_objects_it_needs_and_warns_when_nothing_has_the_key() {
    let env = Env::new();
    env.seed_file("Documents/a.txt", b"abc");
    // ls without -o: -k still sees the objects.
    let out = env.run(&["-k", "{name} {size}", "ls", "Documents"]);
    assert_eq!(stdout_of(&out), "- a.txt 3\n", "{}", stderr_of(&out));
    // tree: one line per item, the folder first.
    let out = env.run(&["--raw", "-k", "name", "tree", "Documents"]);
    assert_eq!(stdout_of(&out), "Documents\na.txt\n", "{}", stderr_of(&out));
    // A key nothing has: a warning, not silence.
    let out = env.run(&["-k", "nmae", "info", "Documents"]);
    assert!(out.status.success());
    assert_eq!(stdout_of(&out), "");
    assert!(
        stderr_of(&out).contains("warning: -k nmae"),
        "{}",
        stderr_of(&out)
    );
    // A key some have: no warning.
    let out = env.run(&["-k", "file.mimeType", "ls", "-o", "Documents"]);
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
}

#[test]
fn link_prints_the_originals_keys() {
    let env = Env::new();
    env.seed_file("a.txt", b"a");
    let text = env.ok_stdout(&["link", "a.txt"]);
    assert!(text.starts_with("link: http"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    let out = env.run(&["-k", "link", "link", "a.txt"]);
    assert!(stdout_of(&out).starts_with("http"), "{}", stdout_of(&out));
    let out = env.run(&["link", "-t", "embed", "a.txt"]);
    assert!(
        stdout_of(&out).starts_with("embed_html: <iframe"),
        "{}",
        stdout_of(&out)
    );
    // --json keeps Graph's permission object.
    let out = env.run(&["--json", "link", "a.txt"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["link"]["webUrl"].is_string(), "{v}");
    assert!(v["id"].is_string(), "{v}");
}

#[test]
fn the_parent_reference_path_form_is_a_path() {
    let env = Env::new();
    env.seed_file("Documents/a.txt", b"a");
    let out = env.run(&["-k", "name", "info", "/drive/root:/Documents"]);
    assert_eq!(stdout_of(&out), "Documents\n", "{}", stderr_of(&out));
    let out = env.run(&["ls", "/drive/root:/Documents"]);
    assert_eq!(stdout_of(&out), "- a.txt\n", "{}", stderr_of(&out));
}

/// Runs the CLI with stdout (and stderr) on a pseudo-terminal (util-linux `script`):
/// the exit code and what the terminal showed.
fn on_a_terminal(env: &Env, args: &str) -> (Option<i32>, String) {
    let cli = assert_cmd::cargo::cargo_bin("onedrive-cli");
    let cmd = format!("'{}' -c '{}' {args}", cli.display(), env.config.display());
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("ONEDRIVE_CLI_CONFIG")
        .output()
        .expect("util-linux `script` runs the command on a terminal");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn binary_content_is_not_dumped_on_a_terminal_unless_asked() {
    let env = Env::new();
    let mut binary = vec![0u8, 159, 146, 150];
    binary.extend(common::bytes(100_000, 3));
    env.seed_file("m1.bin", &binary);
    env.seed_file("notes.txt", "héllo, terminal\n".as_bytes());
    let (code, shown) = on_a_terminal(&env, "get m1.bin");
    assert_eq!(code, Some(2), "{shown}");
    assert!(
        shown.contains("binary content is not written to a terminal"),
        "{shown}"
    );
    assert!(
        shown.len() < 1000,
        "no bytes dumped: {} bytes shown",
        shown.len()
    );
    // Text is printed; '-' forces binary out.
    let (code, shown) = on_a_terminal(&env, "get notes.txt");
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("héllo, terminal"), "{shown}");
    let (code, shown) = on_a_terminal(&env, "get m1.bin -");
    assert_eq!(code, Some(0), "{}", &shown[..shown.len().min(200)]);
    assert!(shown.len() > 50_000);
    // Not a terminal: bytes go to the pipe as always.
    let out = env.run(&["get", "m1.bin"]);
    assert_eq!(out.stdout, binary);
}

#[test]
fn a_local_file_in_the_way_of_a_download_folder_is_named() {
    let env = Env::new();
    env.seed_file("x.txt", b"x");
    let part = env.write_local("part.bin", b"a file");
    let dst = part.join("x.txt");
    let out = env.cmd().args(["get", "x.txt"]).arg(&dst).output().unwrap();
    assert_one_line(&out, 1, "part.bin: is a file, not a folder");
}

#[test]
fn an_argument_read_as_an_id_that_is_not_found_hints_at_p() {
    let env = Env::new();
    // A folder whose name looks like a Graph id.
    env.seed_file("ABCDEF0123456789!999/a.txt", b"a");
    assert_one_line(
        &env.run(&["ls", "ABCDEF0123456789!999"]),
        3,
        "-p reads it as a path",
    );
    let out = env.run(&["-p", "ls", "ABCDEF0123456789!999"]);
    assert_eq!(stdout_of(&out), "- a.txt\n", "{}", stderr_of(&out));
}

#[test]
fn copying_or_moving_a_folder_into_itself_says_so() {
    let env = Env::new();
    env.seed_folder("Projects/2026");
    for cmd in ["cp", "mv"] {
        assert_one_line(
            &env.run(&[cmd, "Projects", "Projects/2026"]),
            1,
            "into itself",
        );
    }
    assert_eq!(env.children("Projects/2026"), Vec::<String>::new());
}
