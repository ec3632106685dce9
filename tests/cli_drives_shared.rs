//! Other drives (issue 8): SharePoint document libraries found with `drives --site`,
//! items shared with the user (`shared`, Graph's `sharedWithMe`), Graph's own
//! `/drives/{id}/...` addresses in every command, and paths through shared-folder
//! shortcuts. The emulator plays the other drives from Microsoft's documents (see its
//! README: sites, grants, shortcuts); set-up goes through its admin routes.

mod common;

use common::*;
use onedrive_emulator::config::SharedWithMe;
use serde_json::{Value, json};

fn lines(out: &std::process::Output) -> Vec<String> {
    stdout_of(out).lines().map(str::to_owned).collect()
}

fn json_out(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "{}", stderr_of(out));
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

/// Two libraries of "Marketing Team", one of "Finance".
fn libraries(env: &Env) -> (String, String, String) {
    let docs = env.create_drive(json!({"kind": "documentLibrary", "site": "Marketing Team",
        "name": "Documents", "description": "Campaigns and brand"}));
    let assets = env.create_drive(json!({"kind": "documentLibrary", "site": "Marketing Team",
        "name": "Assets"}));
    let finance = env.create_drive(json!({"kind": "documentLibrary", "site": "Finance",
        "name": "Documents"}));
    (docs, assets, finance)
}

#[test]
fn drives_site_lists_the_libraries_of_matching_sites() {
    let env = Env::with_config(onedrive_emulator::Config {
        // Paging of the site search is followed.
        sites_page_size: 1,
        ..test_config()
    });
    let (docs, assets, finance) = libraries(&env);
    let out = env
        .cmd()
        .args(["drives", "--site", "marketing"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let l = lines(&out);
    assert_eq!(l.len(), 2, "{l:?}");
    assert!(
        l.iter()
            .any(|x| x == &format!("{docs}  documentLibrary  Marketing Team / Documents")),
        "{l:?}"
    );
    assert!(
        l.iter()
            .any(|x| x == &format!("{assets}  documentLibrary  Marketing Team / Assets")),
        "{l:?}"
    );
    assert!(!stdout_of(&out).contains(&finance));

    // Two sites, over two pages of one: both found.
    let out = env.cmd().args(["drives", "--site", "*"]).output().unwrap();
    assert_eq!(lines(&out).len(), 3, "{}", stdout_of(&out));

    // --json: Graph's sites, each with its `drives`.
    let v = json_out(
        &env.cmd()
            .args(["--json", "drives", "--site", "Finance"])
            .output()
            .unwrap(),
    );
    let sites = v.as_array().expect("array");
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0]["displayName"], "Finance");
    assert!(sites[0]["id"].as_str().unwrap().contains(','), "{v}");
    assert_eq!(sites[0]["drives"][0]["id"], finance.as_str());
    assert_eq!(sites[0]["drives"][0]["driveType"], "documentLibrary");

    // No match: nothing on stdout, a note on stderr, success.
    let out = env
        .cmd()
        .args(["drives", "--site", "nothing like it"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout_of(&out), "");
    assert!(
        stderr_of(&out).contains("no site matches 'nothing like it'"),
        "{}",
        stderr_of(&out)
    );

    // An empty query is a usage error, before any request.
    let out = env.cmd().args(["drives", "--site", " "]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
}

#[test]
fn a_document_library_is_used_by_its_address_and_by_drive() {
    let env = Env::new();
    let (docs, _, _) = libraries(&env);
    let root = format!("/drives/{docs}/root");
    let ok = |args: &[&str]| {
        let out = env.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        out
    };
    ok(&["mkdir", "Reports", &root]);
    let local = env.write_local("q1.txt", b"first quarter\n");
    ok(&["put", local.to_str().unwrap(), &format!("{root}:/Reports")]);
    let listed = ok(&["ls", &format!("{root}:/Reports")]);
    assert_eq!(stdout_of(&listed), "- q1.txt\n");
    let got = ok(&["get", &format!("{root}:/Reports/q1.txt"), "-"]);
    assert_eq!(got.stdout, b"first quarter\n");
    // The same library through --drive, by plain paths.
    let listed = ok(&["--drive", &docs, "ls", "Reports"]);
    assert_eq!(stdout_of(&listed), "- q1.txt\n");
    let info = json_out(&ok(&["--json", "info", &format!("{root}:/Reports/q1.txt")]));
    assert_eq!(info["parentReference"]["driveId"], docs.as_str());
    assert_eq!(info["parentReference"]["driveType"], "documentLibrary");
    // Nothing of it landed in the user's own drive.
    assert!(!env.exists("/Reports"));
    // A copy from the library into the user's own drive (Graph copies between drives).
    ok(&["cp", &format!("{root}:/Reports/q1.txt"), "/"]);
    assert_eq!(env.content("/q1.txt"), b"first quarter\n");
    // A move cannot: Graph's PATCH stays in one drive.
    let out = env
        .cmd()
        .args(["mv", &format!("{root}:/Reports/q1.txt"), "/"])
        .output()
        .unwrap();
    assert_failure_line(&out, 6, "mv");
    assert!(
        stderr_of(&out).contains("cannot move between drives"),
        "{}",
        stderr_of(&out)
    );
    ok(&["rm", &format!("{root}:/Reports/q1.txt")]);
    assert_eq!(stdout_of(&ok(&["ls", &format!("{root}:/Reports")])), "");
}

/// Alice's drive with `/Team Docs/plan.txt` and `/Private/diary.txt`; `/Team Docs` is
/// shared with the user (`role`). Returns (drive id, shared folder id).
fn alice(env: &Env, role: &str) -> (String, String) {
    let drive = env.create_drive(json!({"kind": "personal", "owner": "Alice"}));
    env.seed_in_drive(&drive, "/Team Docs/plan.txt", b"the plan\n");
    env.seed_in_drive(&drive, "/Private/diary.txt", b"secret\n");
    let folder = env.share(&drive, "/Team Docs", role);
    (drive, folder)
}

#[test]
fn shared_lists_addresses_that_every_command_accepts() {
    let env = Env::new();
    let (drive, folder) = alice(&env, "write");
    let address = format!("/drives/{drive}/items/{folder}");
    let out = env.cmd().arg("shared").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        format!("{address}  folder  Team Docs  (Alice)\n")
    );

    let ok = |args: &[&str]| {
        let out = env.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        out
    };
    assert_eq!(stdout_of(&ok(&["ls", &address])), "- plan.txt\n");
    assert_eq!(
        ok(&["get", &format!("{address}:/plan.txt"), "-"]).stdout,
        b"the plan\n"
    );
    let local = env.write_local("notes.txt", b"my notes\n");
    ok(&["put", local.to_str().unwrap(), &address]);
    assert_eq!(
        stdout_of(&ok(&["ls", &address])),
        "- notes.txt\n- plan.txt\n"
    );
    assert!(
        !env.exists("/notes.txt"),
        "the upload went to the sharer's drive"
    );
    let tree = ok(&["tree", &address]);
    assert!(
        stdout_of(&tree).contains("notes.txt: file"),
        "{}",
        stdout_of(&tree)
    );
    let dir = env.dir.path().join("copy");
    ok(&["get", "-r", &address, dir.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(dir.join("Team Docs/plan.txt")).unwrap(),
        b"the plan\n"
    );
    ok(&["rm", &format!("{address}:/notes.txt")]);

    // --json: Graph's driveItems, with remoteItem.
    let v = json_out(&ok(&["--json", "shared"]));
    assert_eq!(v[0]["remoteItem"]["id"], folder.as_str());
    assert_eq!(
        v[0]["remoteItem"]["parentReference"]["driveId"],
        drive.as_str()
    );

    // The rest of Alice's drive stays out of reach: the service's 404, exit 3.
    let out = env
        .cmd()
        .args(["ls", &format!("/drives/{drive}/root:/Private")])
        .output()
        .unwrap();
    assert_failure_line(&out, 3, "ls");
}

#[test]
fn a_read_only_share_refuses_writes_with_the_services_reason() {
    let env = Env::new();
    let (drive, folder) = alice(&env, "read");
    let address = format!("/drives/{drive}/items/{folder}");
    let local = env.write_local("x.txt", b"x");
    let out = env
        .cmd()
        .args(["put", local.to_str().unwrap(), &address])
        .output()
        .unwrap();
    assert_failure_line(&out, 1, "put");
    assert!(
        stderr_of(&out).contains("accessDenied"),
        "{}",
        stderr_of(&out)
    );
    // Reading still works.
    let out = env
        .cmd()
        .args(["get", &format!("{address}:/plan.txt"), "-"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"the plan\n", "{}", stderr_of(&out));
}

#[test]
fn shared_says_when_the_retired_list_is_empty_or_cut() {
    let env = Env::with_config(onedrive_emulator::Config {
        shared_with_me: SharedWithMe::Retired,
        ..test_config()
    });
    alice(&env, "read");
    let out = env.cmd().arg("shared").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    assert!(err.contains("retired") && err.contains("shortcut"), "{err}");
    // -q: errors only.
    let out = env.cmd().args(["-q", "shared"]).output().unwrap();
    assert_eq!(stderr_of(&out), "");
    // --json: an empty list, still one document.
    assert_eq!(
        json_out(&env.cmd().args(["--json", "shared"]).output().unwrap()),
        json!([])
    );

    // Degraded (one item, no nextLink, as seen since Nov 2025): what the service gives.
    let env = Env::with_config(onedrive_emulator::Config {
        shared_with_me: SharedWithMe::Degraded,
        ..test_config()
    });
    let (drive, _) = alice(&env, "read");
    let newest = env.share(&drive, "/Private", "read");
    let out = env.cmd().arg("shared").output().unwrap();
    assert_eq!(lines(&out).len(), 1, "{}", stdout_of(&out));
    assert!(stdout_of(&out).contains(&newest));
}

#[test]
fn paths_through_a_shortcut_reach_the_shared_folder() {
    let env = Env::new();
    let (drive, folder) = alice(&env, "write");
    env.add_shortcut(&drive, &folder);
    let ok = |args: &[&str]| {
        let out = env.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        out
    };
    // The shortcut is in the root; naming it lists the shared folder.
    assert_eq!(stdout_of(&ok(&["ls"])), "- Team Docs\n");
    assert_eq!(stdout_of(&ok(&["ls", "Team Docs"])), "- plan.txt\n");
    // A path through it: the service answers 404, the client asks the sharer's drive.
    let before = env.graph_requests();
    assert_eq!(
        ok(&["get", "Team Docs/plan.txt", "-"]).stdout,
        b"the plan\n"
    );
    let spent = env.graph_requests() - before;
    assert!(spent <= 5, "get through a shortcut took {spent} requests");
    let info = json_out(&ok(&["--json", "info", "Team Docs/plan.txt"]));
    assert_eq!(info["parentReference"]["driveId"], drive.as_str());
    // Uploads, new folders and removals go to the sharer's drive.
    let local = env.write_local("n.txt", b"new\n");
    ok(&["put", local.to_str().unwrap(), "Team Docs"]);
    ok(&["mkdir", "Minutes", "Team Docs"]);
    ok(&["mkdir", "Team Docs/Minutes/2026"]);
    assert_eq!(stdout_of(&ok(&["ls", "Team Docs/Minutes"])), "- 2026\n");
    assert_eq!(
        stdout_of(&ok(&["ls", "Team Docs"])),
        "- Minutes\n- n.txt\n- plan.txt\n"
    );
    ok(&["rm", "Team Docs/n.txt"]);
    // A tree from above shows the shortcut without going in; naming it goes in.
    let top = stdout_of(&ok(&["tree"]));
    assert!(top.contains("Team Docs: shortcut"), "{top}");
    assert!(!top.contains("plan.txt"), "{top}");
    let inside = stdout_of(&ok(&["tree", "Team Docs"]));
    assert!(inside.contains("plan.txt: file"), "{inside}");
    // get -r of the root does not pull the shared tree in; of the shortcut, it does.
    let dir = env.dir.path().join("all");
    let all = ok(&["get", "-r", "/", dir.to_str().unwrap()]);
    assert!(
        stderr_of(&all).contains("'Team Docs' is a shortcut to a shared folder, not entered"),
        "{}",
        stderr_of(&all)
    );
    assert!(
        !dir.join("root/Team Docs/plan.txt").exists() && !dir.join("Team Docs/plan.txt").exists()
    );
    let dir = env.dir.path().join("team");
    ok(&["get", "-r", "Team Docs", dir.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(dir.join("Team Docs/plan.txt")).unwrap(),
        b"the plan\n"
    );
    // Out of the shared folder into the user's own drive: a move between drives.
    let out = env
        .cmd()
        .args(["mv", "Team Docs/plan.txt", "/"])
        .output()
        .unwrap();
    assert_failure_line(&out, 6, "mv");
    // Inside the shared folder, a move stays in one drive.
    ok(&["mv", "Team Docs/plan.txt", "Team Docs/Minutes"]);
    assert_eq!(stdout_of(&ok(&["ls", "Team Docs/Minutes"])), "- 2026\n- plan.txt\n");
    // A path that does not exist behind the shortcut is still "not found" (exit 3).
    let out = env
        .cmd()
        .args(["info", "Team Docs/nope.txt"])
        .output()
        .unwrap();
    assert_failure_line(&out, 3, "info");
}

#[test]
fn changes_follow_a_shared_folder_with_its_own_delta() {
    let env = Env::new();
    let (drive, folder) = alice(&env, "write");
    let address = format!("/drives/{drive}/items/{folder}");
    let out = env.cmd().args(["changes", &address]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    env.seed_in_drive(&drive, "/Team Docs/added.txt", b"added\n");
    let out = env.cmd().args(["changes", &address]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("+ /Team Docs/added.txt") || stdout_of(&out).contains("added.txt"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn a_drive_address_that_is_not_found_gets_a_hint_and_p_reads_it_as_a_path() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["info", "drives/0000000000000ABC/items/X!1"])
        .output()
        .unwrap();
    assert_failure_line(&out, 3, "info");
    assert!(
        stderr_of(&out).contains("-p reads it as a path"),
        "{}",
        stderr_of(&out)
    );
    env.seed_file("/drives/x/items/y", b"a file with an odd path\n");
    let out = env
        .cmd()
        .args(["-p", "get", "drives/x/items/y", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.stdout,
        b"a file with an odd path\n",
        "{}",
        stderr_of(&out)
    );
}
