//! What each command costs the service, in requests (the emulator's counters): the
//! numbers the roadmap's "listing at the limit" work starts from.

mod common;

use common::{Env, bytes, stderr_of};

/// Requests served while running `args`.
fn cost(env: &Env, args: &[&str]) -> u64 {
    let before = env.graph_requests();
    let out = env.cmd().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    env.graph_requests() - before
}

#[test]
fn one_request_commands() {
    let env = Env::new();
    env.seed_file("a/b/c.txt", b"c");
    assert_eq!(
        cost(&env, &["ls", "a/b"]),
        1,
        "ls: children by path, no resolve"
    );
    assert_eq!(cost(&env, &["info", "a/b/c.txt"]), 1);
    assert_eq!(cost(&env, &["quota"]), 1);
    assert_eq!(cost(&env, &["user"]), 1);
    assert_eq!(cost(&env, &["rm", "a/b/c.txt"]), 1);
    let f = env.write_local("small.txt", b"small");
    assert_eq!(
        cost(&env, &["put", f.to_str().unwrap()]),
        2,
        "simple PUT by path into the root, then the PATCH that sets fileSystemInfo \
         (a simple upload cannot carry the modification time)"
    );
    assert_eq!(
        cost(&env, &["put", f.to_str().unwrap(), "a"]),
        3,
        "the folder is resolved first (a missing one must not be created), then PUT + PATCH"
    );
    assert_eq!(cost(&env, &["mkdir", "new", "a"]), 1);
    assert_eq!(
        cost(&env, &["info_set", "a/new", r#"{"name": "renamed"}"#]),
        1
    );
    assert_eq!(cost(&env, &["link", "a/small.txt"]), 1);
}

#[test]
fn get_costs_metadata_plus_the_bytes() {
    let env = Env::new();
    env.seed_file("g.bin", &bytes(100_000, 21));
    // item metadata (hash + downloadUrl), then the pre-authenticated download
    assert_eq!(cost(&env, &["get", "g.bin", "-"]), 2);
}

#[test]
fn session_upload_costs_one_request_per_fragment_plus_one() {
    let env = Env::new();
    let f = env.write_local("s.bin", &bytes(5 * 327_680, 22));
    assert_eq!(
        cost(&env, &["put", "--chunk-size", "640K", f.to_str().unwrap()]),
        1 + 3,
        "createUploadSession + 3 fragments"
    );
}

#[test]
fn tree_reads_the_subtree_with_one_delta_page() {
    let env = Env::new();
    for p in ["x/1", "x/y/2", "x/y/z/3", "w/4", "5"] {
        env.seed_file(p, b"f");
    }
    env.seed_folder("empty");
    // the root item, then the first delta page (12 items: up to 1,000 a page) and the
    // root's children, asked for together (the children would split a larger tree
    // into one delta stream per subfolder): two round trips
    assert_eq!(cost(&env, &["tree"]), 1 + 2);
}

#[test]
fn tree_without_delta_lists_each_folder_once() {
    let env = Env::new();
    for p in ["x/1", "x/y/2", "x/y/z/3", "w/4", "5"] {
        env.seed_file(p, b"f");
    }
    env.seed_folder("empty");
    // the root item, then one listing per folder: /, x, x/y, x/y/z, w, empty
    assert_eq!(cost(&env, &["tree", "--no-delta"]), 1 + 6);
}

#[test]
fn stdin_over_the_simple_limit_goes_through_a_session() {
    let env = Env::new();
    let data = bytes(4 * 1024 * 1024 + 1, 23);
    let before = common::sum_requests(&env.stats(), |r| r.contains("createUploadSession"));
    env.cmd()
        .args(["put", "--name", "piped.bin", "-"])
        .write_stdin(data.clone())
        .assert()
        .success();
    let after = common::sum_requests(&env.stats(), |r| r.contains("createUploadSession"));
    assert_eq!(after - before, 1);
    assert_eq!(env.content("piped.bin"), data);
}
