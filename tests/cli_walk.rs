//! Reading whole subtrees (issue: listing at the limit of the service): the delta walk
//! and the folder-by-folder walk give the same `tree`, `tree -o --json` and `get -r`,
//! including names with special characters, empty folders, a folder of more than 1,000
//! children, and a folder where delta is refused (as OneDrive for Business refuses it
//! below the root). Request counts come from the emulator's own statistics.

mod common;

use common::{Env, bytes, stderr_of, stdout_of, sum_requests};

/// A drive with nesting, empty folders, special names and a folder of 1,205 children.
fn seed(env: &Env) {
    for (p, d) in [
        ("top/a b #1%.txt", &b"hello"[..]),
        ("top/ünï cødé/日本語.txt", "日本".as_bytes()),
        ("top/# hash/100% sure/x.txt", b"x"),
        ("top/sub/deeper/deepest/z.bin", b"zz"),
        ("top/zero.bin", b""),
    ] {
        env.seed_file(p, d);
    }
    env.seed_folder("top/sub/empty");
    env.seed_folder("top/empty too");
    let wide = env.seed_folder("top/wide");
    env.emu
        .state
        .store
        .populate(&wide, 0, 1205, &[1], 1)
        .unwrap();
}

fn run(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    stdout_of(&out)
}

/// Requests for delta and for children listings made by `f`.
fn counting(env: &Env, f: impl FnOnce()) -> (u64, u64) {
    let before = env.stats();
    f();
    let after = env.stats();
    let n = |s: &serde_json::Value, w: &str| sum_requests(s, |r| r.ends_with(w));
    (
        n(&after, "/delta") - n(&before, "/delta"),
        n(&after, "/children") - n(&before, "/children"),
    )
}

#[test]
fn both_walks_print_the_same_tree() {
    let env = Env::new();
    seed(&env);
    for args in [&["tree", "top"][..], &["--json", "tree", "-o", "top"][..]] {
        let mut by_delta = String::new();
        let (d, c) = counting(&env, || by_delta = run(&env, args));
        // The first page of the whole tree and the top folder's children together; the
        // tree is larger than a page, so one stream per subfolder (5; `wide` takes 2
        // pages): 3 round trips in all instead of 2 + 1 for one stream.
        assert_eq!((d, c), (1 + 6, 1), "{args:?}");
        let mut listed = String::new();
        let with_flag: Vec<&str> = args.iter().copied().chain(["--no-delta"]).collect();
        let (d, c) = counting(&env, || listed = run(&env, &with_flag));
        assert_eq!(d, 0, "--no-delta uses no delta");
        assert_eq!(
            c,
            10 + 1,
            "one listing per folder (10; the wide one has 2 pages)"
        );
        assert_eq!(by_delta, listed, "{args:?}");
    }
    let objects = run(&env, &["--json", "tree", "-o", "top"]);
    assert!(
        !objects.contains("downloadUrl") && !objects.contains("/_dl/"),
        "objects never carry the pre-authenticated download URL"
    );
    let ls = run(&env, &["--json", "ls", "-o", "top/wide"]);
    assert!(!ls.contains("downloadUrl") && !ls.contains("/_dl/"));
    let plain = run(&env, &["tree", "top"]);
    assert!(
        plain.contains("日本語.txt") && plain.contains("100% sure"),
        "{plain}"
    );
    assert!(plain.contains("file-001204.bin"), "all 1,205 children");
}

#[test]
fn a_folder_where_delta_is_refused_is_listed_folder_by_folder() {
    let env = Env::with_config(onedrive_emulator::Config {
        delta_root_only: true,
        ..common::test_config()
    });
    seed(&env);
    let listed = run(&env, &["--json", "tree", "-o", "top", "--no-delta"]);
    let mut fell_back = String::new();
    let (d, c) = counting(&env, || {
        fell_back = run(&env, &["--json", "tree", "-o", "top"]);
    });
    assert_eq!(d, 1, "delta was tried once");
    assert_eq!(
        c,
        1 + 10 + 1,
        "the top folder's children (asked with delta), then every folder"
    );
    assert_eq!(fell_back, listed);
    // On the root, delta is allowed, but not below it: a tree too large for one page
    // cannot be split per subfolder, so the one stream over the root goes on.
    let other = env.seed_folder("other");
    env.emu
        .state
        .store
        .populate(&other, 0, 1000, &[1], 1)
        .unwrap();
    let listed = run(&env, &["tree", "--no-delta"]);
    let mut by_delta = String::new();
    let (d, _) = counting(&env, || by_delta = run(&env, &["tree"]));
    // The root's first page; both subfolders refused (at most `checkers` tried at
    // once); the root stream's remaining 2 pages.
    assert!((4..=5).contains(&d), "{d} delta requests");
    assert_eq!(by_delta, listed);
}

#[test]
fn get_r_downloads_the_same_files_either_way() {
    let env = Env::new();
    seed(&env);
    env.seed_file("top/sub/big.bin", &bytes(300_000, 5));
    let a = env.local("by-delta");
    let b = env.local("by-listing");
    let (d, _) = counting(&env, || {
        run(&env, &["get", "-r", "-q", "top", a.to_str().unwrap()]);
    });
    assert_eq!(d, 1 + 6, "split into one stream per subfolder");
    run(
        &env,
        &[
            "get",
            "-r",
            "-q",
            "--no-delta",
            "--checkers",
            "3",
            "top",
            b.to_str().unwrap(),
        ],
    );
    let list = |root: &std::path::Path| {
        let mut v: Vec<(String, Vec<u8>)> = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                if p.is_dir() {
                    v.push((rel + "/", Vec::new()));
                    stack.push(p);
                } else {
                    v.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
        v.sort();
        v
    };
    let got = list(&a);
    assert_eq!(got, list(&b));
    assert!(
        got.iter().any(|(p, _)| p == "top/sub/empty/"),
        "empty folders too"
    );
    assert_eq!(
        got.iter().filter(|(p, _)| !p.ends_with('/')).count(),
        5 + 1205 + 1
    );
}

#[test]
fn items_repeated_across_delta_pages_are_listed_once() {
    // Graph: "The same item may appear more than once in a delta feed ... use the last
    // occurrence you see." The emulator repeats each page's last item on the next page.
    let env = Env::with_config(onedrive_emulator::Config {
        delta_repeat_items: true,
        ..common::test_config()
    });
    seed(&env);
    for args in [&["tree", "top"][..], &["--json", "tree", "-o", "top"][..]] {
        let by_delta = run(&env, args);
        let with_flag: Vec<&str> = args.iter().copied().chain(["--no-delta"]).collect();
        assert_eq!(by_delta, run(&env, &with_flag), "{args:?}");
    }
}
