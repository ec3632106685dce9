//! Property-based fuzzing of every parser that reads input from the user, the state file
//! or the network (issue #9). Stable Rust has no cargo-fuzz, so these run on proptest:
//! 256 cases per property in `cargo test`; `bench/fuzz.sh` runs them with many more cases
//! for a bounded time. Each property says what must hold for *any* input: no panic, and
//! the parser's own contract (a round trip, a bound, an unchanged file on failure).
//! Findings are kept as plain tests at the end of this file.

use std::path::Path;

use onedrive_cli::cli::output::Template;
use onedrive_cli::config::StateFile;
use onedrive_cli::drive::range::{ByteRange, ListRange};
use onedrive_cli::drive::upload::{bits_frag_bytes, chunk_size, parse_size};
use onedrive_cli::graph::{Collection, Drive, DriveItem, UploadSession};
use onedrive_cli::http::error::{decode_error, parse_retry_after};
use onedrive_cli::http::header::HeaderMap;
use onedrive_cli::http::{StatusCode, header};
use proptest::prelude::*;
use serde_json::Value;

/// Any JSON value, a few levels deep, with keys drawn partly from Graph's vocabulary so
/// that decoders meet their own fields with the wrong types.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("name".to_owned()),
        Just("size".to_owned()),
        Just("file".to_owned()),
        Just("folder".to_owned()),
        Just("hashes".to_owned()),
        Just("quickXorHash".to_owned()),
        Just("parentReference".to_owned()),
        Just("path".to_owned()),
        Just("eTag".to_owned()),
        Just("deleted".to_owned()),
        Just("value".to_owned()),
        Just("@odata.nextLink".to_owned()),
        Just("@odata.deltaLink".to_owned()),
        Just("quota".to_owned()),
        Just("remaining".to_owned()),
        Just("total".to_owned()),
        Just("used".to_owned()),
        Just("uploadUrl".to_owned()),
        Just("nextExpectedRanges".to_owned()),
        Just("expirationDateTime".to_owned()),
        Just("lastModifiedDateTime".to_owned()),
        Just("error".to_owned()),
        Just("code".to_owned()),
        Just("message".to_owned()),
        Just("innerError".to_owned()),
        Just("childCount".to_owned()),
        "[a-zA-Z@.]{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        Just(Value::String("2026-11-30T06:20:44Z".into())),
        Just(Value::String("0-".into())),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// State-file text: random bytes, YAML built from the file's own keys with values of any
/// type, and the real layout with odd values.
fn state_text() -> impl Strategy<Value = String> {
    let section_key = prop_oneof![
        Just("client"),
        Just("auth"),
        Just("request"),
        Just("api"),
        Just("extra")
    ];
    let leaf_key = prop_oneof![
        Just("id"),
        Just("secret"),
        Just("code"),
        Just("refresh_token"),
        Just("access_token"),
        Just("access_expires"),
        Just("base_headers"),
        Just("graph_url"),
        Just("login_url"),
        Just("tenant"),
        Just("drive"),
        Just("redirect_uri"),
        Just("scope"),
    ];
    let yaml_scalar = prop_oneof![
        Just("null".to_owned()),
        Just("~".to_owned()),
        Just("true".to_owned()),
        Just("0777".to_owned()),
        Just("[1, 2]".to_owned()),
        Just("{a: b}".to_owned()),
        Just("'3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a'".to_owned()),
        Just("2026-11-30T06:20:44Z".to_owned()),
        Just("-1".to_owned()),
        Just("1e999".to_owned()),
        "[ -~]{0,16}",
    ];
    let structured = prop::collection::vec(
        (
            section_key,
            prop::collection::vec((leaf_key, yaml_scalar), 0..5),
        ),
        0..5,
    )
    .prop_map(|sections| {
        let mut out = String::new();
        for (section, leaves) in sections {
            out.push_str(section);
            out.push_str(":\n");
            for (k, v) in leaves {
                out.push_str(&format!("  {k}: {v}\n"));
            }
        }
        out
    });
    prop_oneof![
        ".{0,200}",
        prop::collection::vec(any::<u8>(), 0..200)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        structured,
    ]
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

proptest! {
    // Cases come from PROPTEST_CASES (256 by default); findings are kept as the plain
    // tests below rather than in a regressions file.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The state file: any content loads or fails with an error (never a panic); an
    /// update either fails and leaves the bytes untouched, or writes a file that loads
    /// again with the change and the other sections as they were read.
    #[test]
    fn any_state_file_loads_or_fails_and_an_update_never_damages_it(text in state_text()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lcrc");
        write(&path, &text);
        let store = StateFile::new(&path);
        let loaded = store.load();
        let updated = store.update(|s| s.auth.access_token = Some("fuzz-token".into()));
        match (loaded, updated) {
            (Ok(before), Ok(after)) => {
                prop_assert_eq!(after.auth.access_token.as_deref(), Some("fuzz-token"));
                let again = store.load().expect("a file written by update loads again");
                prop_assert_eq!(again.auth.access_token.as_deref(), Some("fuzz-token"));
                prop_assert_eq!(&again.client.id, &before.client.id);
                prop_assert_eq!(&again.auth.refresh_token, &before.auth.refresh_token);
            }
            (Err(_), Err(_)) => {
                prop_assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
            }
            (l, u) => prop_assert!(false, "load {:?} but update {:?}", l.is_ok(), u.is_ok()),
        }
    }

    /// `get -b`: any text parses or is refused; what parses prints back as itself.
    #[test]
    fn byte_ranges_parse_or_fail_and_round_trip(s in "[ 0-9a-z=,:-]{0,24}") {
        if let Ok(r) = ByteRange::parse(&s) {
            prop_assert_eq!(ByteRange::parse(&r.to_string()).ok(), Some(r));
        }
    }

    #[test]
    fn byte_ranges_of_numbers(a in any::<u64>(), b in any::<u64>()) {
        let r = ByteRange::parse(&format!("{a}-{b}"));
        if a <= b {
            prop_assert_eq!(r.ok(), Some(ByteRange::FromTo(a, b)));
        } else {
            prop_assert!(r.is_err());
        }
        prop_assert_eq!(ByteRange::parse(&format!("bytes=-{b}")).ok(), Some(ByteRange::Suffix(b)));
    }

    /// `ls -r`: never panics; `offset-limit` keeps both numbers.
    #[test]
    fn list_ranges(s in "[ 0-9:a-]{0,24}", o in any::<u64>(), l in any::<u64>()) {
        let _ = ListRange::parse(&s);
        let r = ListRange::parse(&format!("{o}-{l}")).unwrap();
        prop_assert_eq!((r.offset, r.limit), (Some(o), Some(l)));
    }

    /// Sizes: a number times its unit, or an error, never a wrapped product; the
    /// fragment options stay within Graph's bounds (320 KiB multiples under 60 MiB).
    #[test]
    fn sizes(s in "[ 0-9a-zA-Z.]{0,16}", n in any::<u64>(), unit in 0usize..4) {
        let _ = parse_size(&s);
        let (suffix, mult) = [("", 1u64), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)][unit];
        prop_assert_eq!(parse_size(&format!("{n}{suffix}")).ok(), n.checked_mul(mult));
        if let Ok(c) = chunk_size(&s) {
            prop_assert!(c > 0 && c % 327_680 == 0 && c < 60 * 1024 * 1024);
        }
        if let Ok(c) = bits_frag_bytes(&s) {
            prop_assert!(c >= 327_680 && c % 327_680 == 0 && c < 60 * 1024 * 1024);
        }
    }

    /// `-k`: any template parses or is refused; rendering any object never panics, and
    /// a template without braces is the one key's value.
    #[test]
    fn templates(spec in ".{0,32}", obj in json_value()) {
        if let Ok(t) = Template::parse(&spec) {
            let _ = t.render(&obj);
        }
    }

    #[test]
    fn a_plain_key_renders_its_value(key in "[a-z]{1,8}", v in ".{0,16}") {
        let t = Template::parse(&key).unwrap();
        let obj = serde_json::json!({ key.clone(): v.clone() });
        prop_assert_eq!(t.render(&obj), Some(v));
        prop_assert_eq!(t.render(&serde_json::json!({})), None);
    }

    /// Graph's answers: any JSON decodes into the wire types or fails, never panics.
    #[test]
    fn graph_bodies_decode_or_fail(v in json_value()) {
        let text = v.to_string();
        let _ = serde_json::from_str::<DriveItem>(&text);
        let _ = serde_json::from_str::<Collection<DriveItem>>(&text);
        let _ = serde_json::from_str::<Drive>(&text);
        let _ = serde_json::from_str::<UploadSession>(&text);
        if let Ok(item) = serde_json::from_str::<DriveItem>(&text) {
            let _ = item.name();
            let _ = item.quick_xor_hash();
            let _ = item.is_folder();
        }
        if let Ok(s) = serde_json::from_str::<UploadSession>(&text) {
            let _ = s.next_expected_offset();
        }
    }

    /// Error answers: any body (JSON or not, truncated or not) under any status gives a
    /// typed error that keeps the status and prints as one line.
    #[test]
    fn error_bodies_decode_into_one_line(
        status in 400u16..600,
        body in prop_oneof![
            json_value().prop_map(|v| v.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..300),
            json_value().prop_map(|v| { let s = v.to_string(); s.as_bytes()[..s.len() / 2].to_vec() }),
        ],
        retry_after in prop::option::of("[ -~]{0,40}"),
    ) {
        let mut headers = HeaderMap::new();
        if let Some(ra) = retry_after.as_deref().and_then(|v| header::HeaderValue::from_str(v).ok()) {
            headers.insert(header::RETRY_AFTER, ra);
        }
        let status = StatusCode::from_u16(status).unwrap();
        let err = decode_error(status, &headers, &body, "GET", "https://graph.microsoft.com/v1.0/me/drive");
        prop_assert_eq!(err.status(), Some(status));
        let line = err.to_string();
        prop_assert!(!line.contains('\n'), "{:?}", line);
        if let Some(d) = parse_retry_after(&headers) {
            prop_assert!(d <= std::time::Duration::from_secs(86_400));
        }
    }
}
