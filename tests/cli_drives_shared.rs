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

/// `put -r` of a local folder `folder` made with one file, `file` holding `data`, to
/// `dest`.
fn put_folder(
    env: &Env,
    folder: &str,
    file: &str,
    data: &[u8],
    dest: &str,
) -> std::process::Output {
    env.write_local(&format!("{folder}/{file}"), data);
    env.cmd()
        .args(["put", "-r"])
        .arg(env.local(folder))
        .arg(dest)
        .output()
        .unwrap()
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
    let out = env.ok(&["drives", "--site", "marketing"]);
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
    let out = env.run(&["drives", "--site", "*"]);
    assert_eq!(lines(&out).len(), 3, "{}", stdout_of(&out));

    // --json: Graph's sites, each with its `drives`.
    let v = json_out(&env.run(&["--json", "drives", "--site", "Finance"]));
    let sites = v.as_array().expect("array");
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0]["displayName"], "Finance");
    assert!(sites[0]["id"].as_str().unwrap().contains(','), "{v}");
    assert_eq!(sites[0]["drives"][0]["id"], finance.as_str());
    assert_eq!(sites[0]["drives"][0]["driveType"], "documentLibrary");

    // No match: nothing on stdout, a note on stderr, success.
    let out = env.run(&["drives", "--site", "nothing like it"]);
    assert!(out.status.success());
    assert_eq!(stdout_of(&out), "");
    assert!(
        stderr_of(&out).contains("no site matches 'nothing like it'"),
        "{}",
        stderr_of(&out)
    );

    // An empty query is a usage error, before any request.
    let out = env.run(&["drives", "--site", " "]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
}

#[test]
fn a_document_library_is_used_by_its_address_and_by_drive() {
    let env = Env::new();
    let (docs, _, _) = libraries(&env);
    let root = format!("/drives/{docs}/root");
    env.ok(&["mkdir", "Reports", &root]);
    let local = env.write_local("q1.txt", b"first quarter\n");
    env.ok(&["put", local.to_str().unwrap(), &format!("{root}:/Reports")]);
    let listed = env.ok(&["ls", &format!("{root}:/Reports")]);
    assert_eq!(stdout_of(&listed), "- q1.txt\n");
    let got = env.ok(&["get", &format!("{root}:/Reports/q1.txt"), "-"]);
    assert_eq!(got.stdout, b"first quarter\n");
    // The same library through --drive, by plain paths.
    let listed = env.ok(&["--drive", &docs, "ls", "Reports"]);
    assert_eq!(stdout_of(&listed), "- q1.txt\n");
    let info = json_out(&env.ok(&["--json", "info", &format!("{root}:/Reports/q1.txt")]));
    assert_eq!(info["parentReference"]["driveId"], docs.as_str());
    assert_eq!(info["parentReference"]["driveType"], "documentLibrary");
    // Nothing of it landed in the user's own drive.
    assert!(!env.exists("/Reports"));
    // A copy from the library into the user's own drive (Graph copies between drives).
    env.ok(&["cp", &format!("{root}:/Reports/q1.txt"), "/"]);
    assert_eq!(env.content("/q1.txt"), b"first quarter\n");
    // A move cannot: Graph's PATCH stays in one drive.
    let out = env.fails(&["mv", &format!("{root}:/Reports/q1.txt"), "/"], 6, "mv");
    assert!(
        stderr_of(&out).contains("cannot move between drives"),
        "{}",
        stderr_of(&out)
    );
    env.ok(&["rm", &format!("{root}:/Reports/q1.txt")]);
    assert_eq!(stdout_of(&env.ok(&["ls", &format!("{root}:/Reports")])), "");
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

/// [`alice`] and the shared folder's `/drives/D/items/I` address.
fn shared_folder(env: &Env, role: &str) -> (String, String, String) {
    let (drive, folder) = alice(env, role);
    let address = format!("/drives/{drive}/items/{folder}");
    (drive, folder, address)
}

#[test]
fn shared_lists_addresses_that_every_command_accepts() {
    let env = Env::new();
    let (drive, folder, address) = shared_folder(&env, "write");
    let out = env.ok(&["shared"]);
    assert_eq!(
        stdout_of(&out),
        format!("{address}  folder  Team Docs  (Alice)\n")
    );

    assert_eq!(stdout_of(&env.ok(&["ls", &address])), "- plan.txt\n");
    assert_eq!(
        env.ok(&["get", &format!("{address}:/plan.txt"), "-"])
            .stdout,
        b"the plan\n"
    );
    let local = env.write_local("notes.txt", b"my notes\n");
    env.ok(&["put", local.to_str().unwrap(), &address]);
    assert_eq!(
        stdout_of(&env.ok(&["ls", &address])),
        "- notes.txt\n- plan.txt\n"
    );
    assert!(
        !env.exists("/notes.txt"),
        "the upload went to the sharer's drive"
    );
    let tree = env.ok(&["tree", &address]);
    assert!(
        stdout_of(&tree).contains("notes.txt: file"),
        "{}",
        stdout_of(&tree)
    );
    let dir = env.dir.path().join("copy");
    env.ok(&["get", "-r", &address, dir.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(dir.join("Team Docs/plan.txt")).unwrap(),
        b"the plan\n"
    );
    env.ok(&["rm", &format!("{address}:/notes.txt")]);

    // --json: Graph's driveItems, with remoteItem.
    let v = json_out(&env.ok(&["--json", "shared"]));
    assert_eq!(v[0]["remoteItem"]["id"], folder.as_str());
    assert_eq!(
        v[0]["remoteItem"]["parentReference"]["driveId"],
        drive.as_str()
    );

    // The rest of Alice's drive stays out of reach: the service's 404, exit 3.
    env.fails(&["ls", &format!("/drives/{drive}/root:/Private")], 3, "ls");
}

#[test]
fn a_read_only_share_refuses_writes_with_the_services_reason() {
    let env = Env::new();
    let (_, _, address) = shared_folder(&env, "read");
    let local = env.write_local("x.txt", b"x");
    let out = env.fails(&["put", local.to_str().unwrap(), &address], 1, "put");
    assert!(
        stderr_of(&out).contains("accessDenied"),
        "{}",
        stderr_of(&out)
    );
    // A folder that cannot be made is told in the same form, without the URL.
    let out = put_folder(&env, "up", "a.txt", b"a", &address);
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("cannot create folder 'up': accessDenied (HTTP 403)")
            && !err.contains("http://"),
        "{err}"
    );
    // Reading still works.
    let out = env.run(&["get", &format!("{address}:/plan.txt"), "-"]);
    assert_eq!(out.stdout, b"the plan\n", "{}", stderr_of(&out));
}

#[test]
fn shared_says_when_the_retired_list_is_empty_or_cut() {
    let env = Env::with_config(onedrive_emulator::Config {
        shared_with_me: SharedWithMe::Retired,
        ..test_config()
    });
    alice(&env, "read");
    let out = env.ok(&["shared"]);
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    assert!(err.contains("retired") && err.contains("shortcut"), "{err}");
    // -q: errors only.
    let out = env.run(&["-q", "shared"]);
    assert_eq!(stderr_of(&out), "");
    // --json: an empty list, still one document.
    assert_eq!(json_out(&env.run(&["--json", "shared"])), json!([]));

    // Degraded (one item, no nextLink, as seen since Nov 2025): what the service gives.
    let env = Env::with_config(onedrive_emulator::Config {
        shared_with_me: SharedWithMe::Degraded,
        ..test_config()
    });
    let (drive, _) = alice(&env, "read");
    let newest = env.share(&drive, "/Private", "read");
    let out = env.run(&["shared"]);
    assert_eq!(lines(&out).len(), 1, "{}", stdout_of(&out));
    assert!(stdout_of(&out).contains(&newest));
}

#[test]
fn paths_through_a_shortcut_reach_the_shared_folder() {
    let env = Env::new();
    let (drive, folder) = alice(&env, "write");
    env.add_shortcut(&drive, &folder);
    // The shortcut is in the root; naming it lists the shared folder.
    assert_eq!(stdout_of(&env.ok(&["ls"])), "- Team Docs\n");
    assert_eq!(stdout_of(&env.ok(&["ls", "Team Docs"])), "- plan.txt\n");
    // A path through it: the service answers 404, the client asks the sharer's drive.
    let before = env.graph_requests();
    assert_eq!(
        env.ok(&["get", "Team Docs/plan.txt", "-"]).stdout,
        b"the plan\n"
    );
    let spent = env.graph_requests() - before;
    // The item's 404, the shortcut, then the usual two (the item and its bytes).
    assert_eq!(spent, 4, "get through a shortcut took {spent} requests");
    let info = json_out(&env.ok(&["--json", "info", "Team Docs/plan.txt"]));
    assert_eq!(info["parentReference"]["driveId"], drive.as_str());
    // Uploads, new folders and removals go to the sharer's drive.
    let local = env.write_local("n.txt", b"new\n");
    env.ok(&["put", local.to_str().unwrap(), "Team Docs"]);
    env.ok(&["mkdir", "Minutes", "Team Docs"]);
    env.ok(&["mkdir", "Team Docs/Minutes/2026"]);
    assert_eq!(stdout_of(&env.ok(&["ls", "Team Docs/Minutes"])), "- 2026\n");
    assert_eq!(
        stdout_of(&env.ok(&["ls", "Team Docs"])),
        "- Minutes\n- n.txt\n- plan.txt\n"
    );
    env.ok(&["rm", "Team Docs/n.txt"]);
    // A tree from above shows the shortcut without going in; naming it goes in.
    let top = stdout_of(&env.ok(&["tree"]));
    assert!(top.contains("Team Docs: shortcut"), "{top}");
    assert!(!top.contains("plan.txt"), "{top}");
    let inside = stdout_of(&env.ok(&["tree", "Team Docs"]));
    assert!(inside.contains("plan.txt: file"), "{inside}");
    // get -r of the root does not pull the shared tree in; of the shortcut, it does.
    let dir = env.dir.path().join("all");
    let all = env.ok(&["get", "-r", "/", dir.to_str().unwrap()]);
    assert!(
        stderr_of(&all).contains("'Team Docs' is a shortcut to a shared folder, not entered"),
        "{}",
        stderr_of(&all)
    );
    assert!(
        !dir.join("root/Team Docs/plan.txt").exists() && !dir.join("Team Docs/plan.txt").exists()
    );
    let dir = env.dir.path().join("team");
    env.ok(&["get", "-r", "Team Docs", dir.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(dir.join("Team Docs/plan.txt")).unwrap(),
        b"the plan\n"
    );
    // put -r of a local folder of the shortcut's name: refused with the way to do it.
    let out = put_folder(&env, "Team Docs", "x.txt", b"x", "/");
    let local = env.local("Team Docs");
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("is a shortcut to a shared folder; put into it by naming it"),
        "{}",
        stderr_of(&out)
    );
    env.ok(&[
        "put",
        "-r",
        local.join("x.txt").to_str().unwrap(),
        "Team Docs",
    ]);
    // Out of the shared folder into the user's own drive: a move between drives.
    env.fails(&["mv", "Team Docs/plan.txt", "/"], 6, "mv");
    // Inside the shared folder, a move stays in one drive.
    env.ok(&["mv", "Team Docs/plan.txt", "Team Docs/Minutes"]);
    assert_eq!(
        stdout_of(&env.ok(&["ls", "Team Docs/Minutes"])),
        "- 2026\n- plan.txt\n"
    );
    // A path that does not exist behind the shortcut is still "not found" (exit 3).
    env.fails(&["info", "Team Docs/nope.txt"], 3, "info");
}

#[test]
fn changes_follow_a_shared_folder_with_its_own_delta() {
    let env = Env::new();
    let (drive, _, address) = shared_folder(&env, "write");
    env.ok(&["changes", &address]);
    env.seed_in_drive(&drive, "/Team Docs/added.txt", b"added\n");
    let out = env.ok(&["changes", &address]);
    assert!(
        stdout_of(&out).contains("+ /Team Docs/added.txt") || stdout_of(&out).contains("added.txt"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn a_drive_address_that_is_not_found_gets_a_hint_and_p_reads_it_as_a_path() {
    let env = Env::new();
    let out = env.fails(&["info", "drives/0000000000000ABC/items/X!1"], 3, "info");
    assert!(
        stderr_of(&out).contains("-p reads it as a path"),
        "{}",
        stderr_of(&out)
    );
    env.seed_file("/drives/x/items/y", b"a file with an odd path\n");
    let out = env.run(&["-p", "get", "drives/x/items/y", "-"]);
    assert_eq!(
        out.stdout,
        b"a file with an odd path\n",
        "{}",
        stderr_of(&out)
    );
}

// ---------------------------------------------------------------- found by a review

#[test]
fn an_upload_into_another_drives_root_never_continues_a_session_of_ones_own_root() {
    use onedrive_emulator::faults::{FaultRoute, ScriptEntry};
    let env = Env::new();
    let (docs, _, _) = libraries(&env);
    let file = env.write_local("big.bin", &bytes(700 * 1024, 7));
    // The first fragment fails and nothing retries: the session is kept for a resume.
    env.script([ScriptEntry {
        status: Some(500),
        count: 1,
        ..fault(FaultRoute::Fragment)
    }]);
    let out = env
        .cmd()
        .args(["--retries", "0", "put", "--chunk-size", "320K"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the fault must stop the first upload"
    );
    let out = env
        .cmd()
        .args(["--drive", &docs, "put", "--chunk-size", "320K"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!env.exists("/big.bin"), "landed in the user's own root");
    let listed = env.run(&["ls", &format!("/drives/{docs}/root")]);
    assert_eq!(stdout_of(&listed), "- big.bin\n");
}

/// [`alice`]'s shared folder added to the user's root as a shortcut renamed `TD2`.
fn renamed_shortcut(env: &Env) -> (String, String) {
    let (drive, folder) = alice(env, "write");
    env.add_shortcut(&drive, &folder);
    env.ok(&["info_set", "Team Docs", r#"{"name": "TD2"}"#]);
    (drive, folder)
}

#[test]
fn a_renamed_shortcut_is_shown_and_downloaded_under_its_own_name() {
    let env = Env::new();
    renamed_shortcut(&env);
    // Bob shares a folder of the same name, added too.
    let bob = env.create_drive(json!({"kind": "personal", "owner": "Bob"}));
    env.seed_in_drive(&bob, "/Team Docs/plan.txt", b"bob's plan\n");
    let bobs = env.share(&bob, "/Team Docs", "read");
    env.add_shortcut(&bob, &bobs);
    let tree = env.run(&["tree", "TD2"]);
    assert!(
        stdout_of(&tree).starts_with("TD2:\n"),
        "{}",
        stdout_of(&tree)
    );
    let dir = env.dir.path().join("both");
    let out = env
        .cmd()
        .args(["get", "-r", "TD2", "Team Docs"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        std::fs::read(dir.join("TD2/plan.txt")).unwrap(),
        b"the plan\n"
    );
    assert_eq!(
        std::fs::read(dir.join("Team Docs/plan.txt")).unwrap(),
        b"bob's plan\n"
    );
}

#[test]
fn changes_prints_paths_that_get_accepts_in_every_drive() {
    let env = Env::new();
    let (drive, folder) = renamed_shortcut(&env);
    let (docs, _, _) = libraries(&env);
    let lib = format!("/drives/{docs}/root:/Reports");
    env.ok(&["mkdir", "Reports", &format!("/drives/{docs}/root")]);
    let by_id = format!("/drives/{drive}/items/{folder}");
    for watched in ["TD2", lib.as_str(), by_id.as_str()] {
        env.ok(&["changes", "--reset", watched]);
        let name = format!("n{}.txt", watched.len());
        let local = env.write_local(&name, b"new\n");
        env.cmd()
            .arg("put")
            .arg(&local)
            .arg(watched)
            .assert()
            .success();
        let out = env.run(&["changes", watched]);
        assert!(out.status.success(), "{watched}: {}", stderr_of(&out));
        let text = stdout_of(&out);
        let added = text
            .lines()
            .find_map(|l| l.strip_prefix("+ "))
            .unwrap_or_else(|| panic!("{watched}: {text}"));
        let got = env.run(&["get", added, "-"]);
        assert_eq!(
            got.stdout,
            b"new\n",
            "{watched}: '{added}': {}",
            stderr_of(&got)
        );
    }
}

#[test]
fn changes_of_a_library_folder_named_by_id_use_the_roots_delta() {
    // Business offers delta on the root only (onedrive-api-docs#842).
    let env = Env::with_config(onedrive_emulator::Config {
        delta_root_only: true,
        ..test_config()
    });
    let (docs, _, _) = libraries(&env);
    let f = env.seed_in_drive(&docs, "/F/a.txt", b"a");
    let info = json_out(&env.run(&["--json", "info", &format!("/drives/{docs}/root:/F")]));
    let _ = f;
    let id = info["id"].as_str().unwrap().to_owned();
    env.ok(&["changes", &format!("/drives/{docs}/items/{id}")]);
}

#[test]
fn mkdir_goes_through_shortcuts_and_takes_drive_addresses() {
    let env = Env::new();
    let (drive, folder) = alice(&env, "write");
    env.add_shortcut(&drive, &folder);
    env.ok(&["mkdir", "-p", "Team Docs/newB/c"]);
    env.ok(&["mkdir", "-p", "Team Docs"]);
    assert_eq!(stdout_of(&env.ok(&["ls", "Team Docs/newB"])), "- c\n");
    let (docs, _, _) = libraries(&env);
    env.ok(&["mkdir", "-p", &format!("/drives/{docs}/root:/zz/inner")]);
    env.ok(&["mkdir", &format!("/drives/{docs}/root:/zz2")]);
    let listed = env.ok(&["ls", &format!("/drives/{docs}/root")]);
    assert_eq!(stdout_of(&listed), "- zz\n- zz2\n");
    assert_eq!(
        stdout_of(&env.ok(&["ls", &format!("/drives/{docs}/root:/zz")])),
        "- inner\n"
    );
    assert!(
        !env.exists("/drives"),
        "nothing made in the user's own drive"
    );
}

#[test]
fn a_shortcut_named_by_id_or_by_the_own_drives_address_is_followed() {
    let env = Env::new();
    let (drive, folder) = alice(&env, "write");
    let shortcut = env.add_shortcut(&drive, &folder)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = env.emu.state.store.drive_id();
    assert_eq!(env.ok_stdout(&["ls", &shortcut]), "- plan.txt\n");
    assert_eq!(
        env.ok_stdout(&["ls", &format!("/drives/{own}/root:/Team Docs")]),
        "- plan.txt\n"
    );
    env.ok_stdout(&["mkdir", "newD", &shortcut]);
    assert_eq!(
        env.ok_stdout(&[
            "get",
            &format!("/drives/{own}/items/{shortcut}:/plan.txt"),
            "-"
        ]),
        "the plan\n"
    );
}

#[test]
fn a_move_within_one_drive_named_two_ways_is_made() {
    let env = Env::new();
    env.seed_file("Docs/h.txt", b"h");
    env.seed_folder("Docs/a");
    let own = env.emu.state.store.drive_id();
    env.ok(&["mv", &format!("/drives/{own}/root:/Docs/h.txt"), "Docs/a"]);
    assert!(env.exists("/Docs/a/h.txt"));
    env.ok(&[
        "mv",
        "Docs/a/h.txt",
        &format!("/drives/{}/root:/Docs", own.to_lowercase()),
    ]);
    assert!(env.exists("/Docs/h.txt"));
}

#[test]
fn another_drives_root_is_refused_by_rm_and_checked_by_put() {
    let env = Env::new();
    let (docs, _, _) = libraries(&env);
    env.fails(
        &["rm", "-r", &format!("/drives/{docs}/items/root")],
        2,
        "rm",
    );
    let local = env.write_local("h.txt", b"h");
    let out = env
        .cmd()
        .arg("put")
        .arg(&local)
        .arg("/drives/0000000000000ABC/root")
        .output()
        .unwrap();
    assert_failure_line(&out, 3, "destination folder");
}

// ---------------------------------------------------------------- sharing links

#[test]
fn a_sharing_link_is_an_object_of_every_command() {
    let env = Env::new();
    let drive = env.create_drive(json!({"kind": "personal", "owner": "Carol"}));
    env.seed_in_drive(&drive, "/Trip/day1.txt", b"beach\n");
    env.seed_in_drive(&drive, "/Trip/Photos/p.jpg", b"jpeg");
    let folder = env.sharing_link(&drive, "/Trip", "edit");
    let file = env.sharing_link(&drive, "/Trip/day1.txt", "view");
    assert_eq!(
        stdout_of(&env.ok(&["ls", &folder])),
        "- Photos\n- day1.txt\n"
    );
    assert_eq!(env.ok(&["get", &file, "-"]).stdout, b"beach\n");
    let info = json_out(&env.ok(&["--json", "info", &folder]));
    assert_eq!(info["parentReference"]["driveId"], drive.as_str());
    let local = env.write_local("day2.txt", b"hike\n");
    env.ok(&["put", local.to_str().unwrap(), &folder]);
    let tree = stdout_of(&env.ok(&["tree", &folder]));
    assert!(
        tree.contains("day2.txt: file") && tree.contains("p.jpg"),
        "{tree}"
    );
    let dir = env.dir.path().join("trip");
    env.ok(&["get", "-r", &folder, dir.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(dir.join("Trip/Photos/p.jpg")).unwrap(),
        b"jpeg"
    );
    // The link was redeemed: the item is now reachable in its drive, as `info` showed.
    let id = info["id"].as_str().unwrap();
    let listed = env.ok(&["ls", &format!("/drives/{drive}/items/{id}")]);
    assert!(stdout_of(&listed).contains("day2.txt"));
}

#[test]
fn a_view_link_refuses_writes_and_links_never_show_in_messages() {
    let env = Env::new();
    let drive = env.create_drive(json!({"kind": "personal", "owner": "Carol"}));
    env.seed_in_drive(&drive, "/Trip/day1.txt", b"beach\n");
    let view = env.sharing_link(&drive, "/Trip", "view");
    let secret = view.rsplit('/').next().unwrap().to_owned();
    let local = env.write_local("x.txt", b"x");
    let out = env
        .cmd()
        .args(["--debug", "put"])
        .arg(&local)
        .arg(&view)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("accessDenied"), "{err}");
    assert!(!err.contains(&secret), "the link leaked: {err}");
    assert!(err.contains("shares/u!REDACTED"), "{err}");
    // An unknown link: 404, exit 3, one line naming the link by its host.
    let fake = "https://1drv.ms/f/s!NoSuchLinkAtAllXXXXXXXX";
    let unnamed = |out: &std::process::Output| {
        assert!(!stderr_of(out).contains("NoSuchLink"), "{}", stderr_of(out));
    };
    unnamed(&env.fails(&["ls", fake], 3, "sharing link https://1drv.ms/…"));
    // -p reads it as a path (of a folder that does not exist).
    let out = env.run(&["-p", "ls", fake]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    unnamed(&out);
}

#[test]
fn links_are_checked_last_and_never_repeated_even_in_usage_errors() {
    let env = Env::new();
    let drive = env.create_drive(json!({"kind": "personal", "owner": "Carol"}));
    env.seed_in_drive(&drive, "/Trip/day1.txt", b"beach\n");
    let edit = env.sharing_link(&drive, "/Trip/day1.txt", "edit");
    let secret = |l: &str| l.rsplit('/').next().unwrap().to_owned();
    let quiet_about = |out: &std::process::Output, link: &str| {
        let all = format!("{}{}", stderr_of(out), stdout_of(out));
        assert!(!all.contains(&secret(link)), "the link leaked: {all}");
    };
    // rm: a usage error is found before any request, so the link is not redeemed.
    let before = env.graph_requests();
    let out = env.fails(&["rm", &edit, "/"], 2, "rm");
    quiet_about(&out, &edit);
    assert_eq!(
        env.graph_requests(),
        before,
        "requests before a usage error"
    );
    // mkdir NAME cannot be a link: usage, before any request.
    let out = env.fails(&["mkdir", &edit], 2, "mkdir");
    quiet_about(&out, &edit);
    assert_eq!(env.graph_requests(), before);
    // Local checks and clap's own errors do not repeat it either.
    let out = env.fails(&["put", "--name", &edit, "-", "/"], 2, "put --name");
    quiet_about(&out, &edit);
    let out = env.run(&["ls", &edit, &edit]);
    assert_eq!(out.status.code(), Some(2));
    quiet_about(&out, &edit);
    let out = env.run(&["--json", "ls", &edit, &edit]);
    quiet_about(&out, &edit);
    // A link that is the start of another is not shown through the longer one.
    let long = format!("{edit}SECRETTAIL");
    let out = env.run(&["get", "-r", &edit, &long, "o"]);
    assert!(
        !stderr_of(&out).contains("SECRETTAIL"),
        "{}",
        stderr_of(&out)
    );
    // rm of a missing link and an existing file: the file goes, exit 7 (partial).
    env.seed_file("/up.txt", b"u");
    let out = env.run(&[
        "rm",
        "/up.txt",
        "https://1drv.ms/f/s!NoSuchLinkAtAllXXXXXXXX",
    ]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
    assert!(!env.exists("/up.txt"));
    // --json results name a link by its item's address, never by the link.
    let own = env.emu.state.store.drive_id();
    env.seed_file("/mine.txt", b"m");
    let mine = env.sharing_link(&own, "/mine.txt", "edit");
    let out = env.run(&["--json", "rm", &mine]);
    quiet_about(&out, &mine);
    let removed = json_out(&out);
    assert!(
        removed[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("/drives/{own}/items/")),
        "{removed}"
    );
    assert!(!env.exists("/mine.txt"));
}

#[test]
fn changes_of_a_shared_folder_without_delta_compare_listings() {
    // Business refuses delta below the root, and a sharee cannot read the sharer's root.
    let env = Env::with_config(onedrive_emulator::Config {
        delta_root_only: true,
        ..test_config()
    });
    let (drive, _, address) = shared_folder(&env, "read");
    let out = env.ok(&["changes", &address]);
    assert!(
        stderr_of(&out).contains("offers no delta"),
        "{}",
        stderr_of(&out)
    );
    env.seed_in_drive(&drive, "/Team Docs/added.txt", b"added\n");
    let text = env.ok_stdout(&["changes", &address]);
    let added = text
        .lines()
        .find_map(|l| l.strip_prefix("+ "))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(env.ok(&["get", added, "-"]).stdout, b"added\n");
    assert_eq!(env.ok_stdout(&["changes", &address]), "");
}

#[test]
fn mkdir_refuses_an_address_that_names_no_new_folder() {
    let env = Env::new();
    let (docs, _, _) = libraries(&env);
    let before = env.graph_requests();
    for args in [
        vec!["mkdir".to_owned(), format!("/drives/{docs}/root")],
        vec![
            "mkdir".to_owned(),
            format!("/drives/{docs}/root:/x"),
            "Docs".to_owned(),
        ],
    ] {
        let out = env.cmd().args(&args).output().unwrap();
        assert_failure_line(&out, 2, "mkdir");
    }
    assert_eq!(env.graph_requests(), before, "no request for a usage error");
}

#[test]
fn a_refused_delta_on_ones_own_drive_stays_an_error_and_a_sites_failure_names_it() {
    use onedrive_emulator::faults::{FaultRoute, ScriptEntry};
    let env = Env::new();
    env.seed_file("Docs/a.txt", b"a");
    env.script([ScriptEntry {
        status: Some(403),
        count: 1,
        path_contains: Some("delta".into()),
        ..fault(FaultRoute::Graph)
    }]);
    env.fails(&["changes", "Docs"], 1, "changes");
    // Nothing was recorded: the next call starts watching with delta.
    let out = env.ok(&["changes", "Docs"]);
    assert!(!stderr_of(&out).contains("no delta"), "{}", stderr_of(&out));
    env.seed_file("Docs/a.txt", b"changed");
    assert_eq!(env.ok_stdout(&["changes", "Docs"]), "~ Docs/a.txt\n");

    libraries(&env);
    env.script([ScriptEntry {
        status: Some(404),
        count: 1,
        path_contains: Some("/drives".into()),
        ..fault(FaultRoute::Graph)
    }]);
    env.fails(
        &["drives", "--site", "marketing"],
        3,
        "drives --site 'Marketing Team'",
    );
}
