//! State file: python-onedrive compatibility, preservation, permissions, bad files,
//! concurrent writers.

use std::path::PathBuf;
use std::sync::Arc;

use super::*;

/// A `~/.lcrc` as python-onedrive leaves it: client section written by the user, auth
/// section written by the tool (a naive `datetime` for access_expires), plus keys this
/// tool does not know.
const PYTHON_ONEDRIVE_LCRC: &str = "\
client:
  id: '000000004010C916'
  secret: PimIrUibJfsKsMcd0SqwPBwMTV7NDgYi
auth:
  code: 5a3b2f1c-aaaa-bbbb-cccc-0123456789ab
  access_token: EwB4Aq1DBAAUGCCXc8wU
  access_expires: 2014-03-21 12:34:56.789012
  refresh_token: CmRtmR7Tx3Qaaa!bbb
  user_id: 7b5a2c1d0e
request:
  base_headers:
    User-Agent: python-onedrive/13.0.0
custom_key:
- 1
- 2
";

fn temp_file(content: &str) -> (tempfile::TempDir, StateFile) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".lcrc");
    std::fs::write(&path, content).unwrap();
    (dir, StateFile::new(path))
}

#[test]
fn python_onedrive_state_file_is_read() {
    let (_d, sf) = temp_file(PYTHON_ONEDRIVE_LCRC);
    let s = sf.load().unwrap();
    assert_eq!(s.client.id.as_deref(), Some("000000004010C916"));
    assert_eq!(
        s.client.secret.as_deref(),
        Some("PimIrUibJfsKsMcd0SqwPBwMTV7NDgYi")
    );
    assert_eq!(s.auth.refresh_token.as_deref(), Some("CmRtmR7Tx3Qaaa!bbb"));
    assert_eq!(
        s.auth.access_expires.map(|t| t.as_second()),
        Some(
            "2014-03-21T12:34:56Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_second()
        )
    );
    assert_eq!(
        s.request.base_headers,
        vec![("User-Agent".to_owned(), "python-onedrive/13.0.0".to_owned())]
    );
    // Defaults of the new `api` section.
    assert_eq!(s.api.graph_url(), "https://graph.microsoft.com/v1.0");
    assert_eq!(s.api.login_url(), "https://login.microsoftonline.com");
    assert_eq!(s.api.tenant(), "common");
    assert_eq!(s.api.redirect_uri(), DEFAULT_REDIRECT_URI);
    assert_eq!(s.api.drive(), crate::graph::DriveSelector::Me);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    // Secrets never appear in Debug output.
    let dbg = format!("{:?}", s.auth);
    assert!(
        !dbg.contains("CmRtmR7Tx3Q") && !dbg.contains("EwB4Aq1"),
        "{dbg}"
    );
}

#[test]
fn update_preserves_unknown_keys_and_writes_mode_0600() {
    let (_d, sf) = temp_file(PYTHON_ONEDRIVE_LCRC);
    let expires: jiff::Timestamp = "2026-11-26T21:00:00Z".parse().unwrap();
    sf.update(|s| {
        s.auth.refresh_token = Some("NEW-RT".into());
        s.auth.access_token = Some("NEW-AT".into());
        s.auth.access_expires = Some(expires);
    })
    .unwrap();
    let text = std::fs::read_to_string(sf.path()).unwrap();
    let doc: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
    assert_eq!(doc["auth"]["user_id"].as_str(), Some("7b5a2c1d0e"));
    assert_eq!(doc["custom_key"][1].as_u64(), Some(2));
    assert_eq!(doc["auth"]["refresh_token"].as_str(), Some("NEW-RT"));
    assert_eq!(
        doc["auth"]["access_expires"].as_str(),
        Some("2026-11-26T21:00:00Z")
    );
    // Unchanged keys are untouched.
    assert_eq!(
        doc["auth"]["code"].as_str(),
        Some("5a3b2f1c-aaaa-bbbb-cccc-0123456789ab")
    );
    assert_eq!(doc["client"]["id"].as_str(), Some("000000004010C916"));
    let s = sf.load().unwrap();
    assert_eq!(s.auth.access_expires, Some(expires));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sf.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_new_state_file_is_created_0600_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let sf = StateFile::new(dir.path().join("sub.lcrc"));
    assert!(matches!(sf.load(), Err(ConfigError::Missing { .. })));
    assert!(matches!(
        sf.update(|s| s.client.id = Some("x".into())),
        Err(ConfigError::Missing { .. })
    ));
    assert!(!sf.path().exists());
    sf.update_with(true, |s| s.client.id = Some("0123".into()))
        .unwrap();
    let s = sf.load().unwrap();
    assert_eq!(s.client.id.as_deref(), Some("0123"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sf.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Only the state file and its lock are left in the folder (no temp files).
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec!["sub.lcrc", "sub.lcrc.lock"]);
}

#[test]
fn the_yaml_octal_trap_is_handled_with_a_warning() {
    let (_d, sf) = temp_file("client:\n  id: 1234567890123456\n");
    let s = sf.load().unwrap();
    assert_eq!(s.client.id.as_deref(), Some("1234567890123456"));
    assert_eq!(s.warnings.len(), 1);
    assert!(s.warnings[0].contains("client.id"), "{:?}", s.warnings);
    assert!(s.warnings[0].contains(&sf.path().display().to_string()));

    // Leading zeros: YAML 1.2 reads it as a string, digits intact, no warning.
    let (_d2, sf2) = temp_file("client:\n  id: 0000000040123456\n");
    let s2 = sf2.load().unwrap();
    assert_eq!(s2.client.id.as_deref(), Some("0000000040123456"));
    assert!(s2.warnings.is_empty());
    // When written back it is quoted, so YAML 1.1 readers (python-onedrive) do not
    // take it for an octal number.
    sf2.update(|s| s.client.id = Some("0000000040123457".into()))
        .unwrap();
    let text = std::fs::read_to_string(sf2.path()).unwrap();
    assert!(text.contains("'0000000040123457'"), "{text}");
}

fn assert_bad_file(content: &[u8], check: impl Fn(&ConfigError) -> bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".lcrc");
    std::fs::write(&path, content).unwrap();
    let sf = StateFile::new(&path);
    let err = sf.load().unwrap_err();
    assert!(check(&err), "{err:?}");
    let line = err.to_string();
    assert!(line.contains(&path.display().to_string()), "{line}");
    assert!(!line.contains('\n'), "{line}");
    let err2 = sf
        .update(|s| s.auth.refresh_token = Some("x".into()))
        .unwrap_err();
    assert!(check(&err2), "{err2:?}");
    assert_eq!(std::fs::read(&path).unwrap(), content, "file modified");
}

#[test]
fn bad_files_give_one_clear_error_and_are_never_modified() {
    assert_bad_file(b"client: [unclosed\n  id: x\n", |e| {
        matches!(e, ConfigError::Invalid { .. })
    });
    assert_bad_file(b"client:\n  id: a\n id: b\n\t- x\n", |e| {
        matches!(e, ConfigError::Invalid { .. })
    });
    assert_bad_file(b"\xff\xfe\x00garbage", |e| {
        matches!(e, ConfigError::Invalid { .. })
    });
    assert_bad_file(
        b"- a\n- b\n",
        |e| matches!(e, ConfigError::WrongType { key, .. } if key == "the top level"),
    );
    assert_bad_file(
        b"client: just-a-string\n",
        |e| matches!(e, ConfigError::WrongType { key, .. } if key == "client"),
    );
    assert_bad_file(
        b"client:\n  secret: [1, 2]\n",
        |e| matches!(e, ConfigError::WrongType { key, found, .. } if key == "client.secret" && found == "a list"),
    );
    assert_bad_file(
        b"auth:\n  refresh_token: {a: 1}\n",
        |e| matches!(e, ConfigError::WrongType { key, .. } if key == "auth.refresh_token"),
    );
    assert_bad_file(
        b"request:\n  base_headers: [x]\n",
        |e| matches!(e, ConfigError::WrongType { key, .. } if key == "request.base_headers"),
    );
    assert_bad_file(
        b"api:\n  graph_url: 5\n",
        |e| matches!(e, ConfigError::WrongType { key, .. } if key == "api.graph_url"),
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_read_error() {
    use std::os::unix::fs::PermissionsExt;
    let (_d, sf) = temp_file("client: {id: x}\n");
    std::fs::set_permissions(sf.path(), std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(sf.path()).is_ok() {
        // Running as root: permissions do not apply; nothing to test.
        return;
    }
    let err = sf.load().unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains(".lcrc"));
}

#[test]
fn empty_file_and_empty_sections_are_fine() {
    let (_d, sf) = temp_file("");
    let s = sf.load().unwrap();
    assert_eq!(s.client, ClientSection::default());
    let (_d2, sf2) = temp_file("client:\nauth:\n");
    assert_eq!(sf2.load().unwrap().auth, AuthSection::default());
}

#[test]
fn concurrent_writers_merge() {
    let (_d, sf) = temp_file(PYTHON_ONEDRIVE_LCRC);
    let sf = Arc::new(sf);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let sf = sf.clone();
            std::thread::spawn(move || {
                for j in 0..5 {
                    sf.update(|s| {
                        let name = format!("X-Writer-{i}");
                        s.request.base_headers.retain(|(k, _)| *k != name);
                        s.request.base_headers.push((name, j.to_string()));
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = sf.load().unwrap();
    for i in 0..8 {
        let name = format!("X-Writer-{i}");
        let v = s.request.base_headers.iter().find(|(k, _)| *k == name);
        assert_eq!(v.map(|(_, v)| v.as_str()), Some("4"), "{name} lost");
    }
    // The original header and unknown keys survived every write.
    assert!(
        s.request
            .base_headers
            .iter()
            .any(|(k, _)| k == "User-Agent")
    );
    assert_eq!(
        s.document()["custom_key"].as_sequence().map(|v| v.len()),
        Some(2)
    );
}

#[test]
fn save_changes_keeps_what_another_process_wrote_meanwhile() {
    let (_d, sf) = temp_file(PYTHON_ONEDRIVE_LCRC);
    let before = sf.load().unwrap();
    // Another process rotates the refresh token.
    sf.update(|s| s.auth.refresh_token = Some("ROTATED-BY-OTHER".into()))
        .unwrap();
    // This process changes the tenant from its stale snapshot.
    let mut after = before.clone();
    after.api.tenant = Some("consumers".into());
    sf.save_changes(&before, &after).unwrap();
    let s = sf.load().unwrap();
    assert_eq!(s.auth.refresh_token.as_deref(), Some("ROTATED-BY-OTHER"));
    assert_eq!(s.api.tenant.as_deref(), Some("consumers"));
}

#[cfg(unix)]
#[test]
fn a_symlinked_state_file_stays_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("dotfiles-lcrc");
    std::fs::write(&real, "client: {id: abc}\n").unwrap();
    let link = dir.path().join(".lcrc");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let sf = StateFile::new(&link);
    sf.update(|s| s.auth.refresh_token = Some("RT".into()))
        .unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("RT"));
}

#[test]
fn path_resolution_prefers_the_command_line() {
    let p = PathBuf::from("/tmp/x.lcrc");
    assert_eq!(resolve_path(Some(&p)).unwrap(), p);
}
