//! Name and path rules of OneDrive (Graph notes §8.5), how names are compared, and the
//! conflict-rename scheme.
//!
//! The service rejects a bad name with `400 invalidRequest` (inner `invalidPath`), and a
//! path whose decoded length reaches 400 characters with inner `pathIsTooLong`.
//!
//! Rules played (Microsoft support, "Restrictions and limitations in OneDrive and
//! SharePoint" / "Invalid file names and file types", for OneDrive Personal, work or
//! school and SharePoint in Microsoft 365; and Graph's "Addressing resources in a
//! drive on OneDrive"), for files and folders alike unless said:
//! - the characters `" * : < > ? / \ |` anywhere (support article), and control
//!   characters (no printable name holds them; kept from before);
//! - a leading or trailing space (support article);
//! - the names `.lock`, `CON`, `PRN`, `AUX`, `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9`,
//!   `desktop.ini`, in any case (support article), and `.`, `..`;
//! - a name starting with `~$`, and `_vti_` anywhere in a name (support article);
//! - folders only: a name ending with a period (Graph addressing page: "Folder names
//!   can't end with a period").
//!
//! Not played, as they are SharePoint/Business rules and the emulated drive is a
//! Personal one: `forms` as a folder at a library's root, folder names (Business: any
//! name) beginning with `~`, and the `#`/`%` ban of older SharePoint. No per-name
//! length limit is documented.

use unicode_normalization::UnicodeNormalization as _;

use crate::error::GraphError;

/// The form under which names are compared: two names are the same name when their
/// keys are equal. The service compares names case-insensitively, and canonically
/// equivalent Unicode forms (NFC `é` and NFD `e` + U+0301) count as the same name,
/// while names are stored in the form sent (rclone/rclone#8634). So the key is the
/// lowercase NFC form; names themselves are never rewritten.
pub fn name_key(name: &str) -> String {
    if name.is_ascii() {
        // The common case: no normalization to do.
        return name.to_ascii_lowercase();
    }
    name.to_lowercase().nfc().collect()
}

/// Whether two names are canonically equivalent (the same text in NFC and NFD, say)
/// without being equal: a rename from one to the other does not take on the service
/// (rclone/rclone#8634).
pub fn same_text(a: &str, b: &str) -> bool {
    a == b || a.nfc().eq(b.nfc())
}

/// Characters OneDrive refuses anywhere in a name (support article "Invalid file names
/// and file types in OneDrive").
const INVALID_CHARS: &[char] = &['"', '*', ':', '<', '>', '?', '/', '\\', '|'];

/// Names refused outright (compared case-insensitively).
const RESERVED: &[&str] = &[
    ".lock",
    "con",
    "prn",
    "aux",
    "nul",
    "desktop.ini",
    "com0",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "lpt0",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
];

/// A decoded path (relative to the root, segments joined by `/`) must be *shorter*
/// than this many characters.
pub const MAX_PATH_CHARS: usize = 400;

fn invalid_name(message: String) -> GraphError {
    GraphError::invalid_request(message).inner("invalidPath")
}

/// Checks the name of a file or folder to be (kept or created); `Err` is the service's
/// 400 `invalidRequest` inner `invalidPath`.
pub fn validate_item_name(name: &str, is_folder: bool) -> Result<(), GraphError> {
    validate_name(name)?;
    if is_folder && name.ends_with('.') {
        return Err(invalid_name(
            "Folder names cannot end with a period.".into(),
        ));
    }
    Ok(())
}

/// Checks the rules every item name follows, files and folders alike (see the module
/// docs); `Err` is the service's 400 `invalidRequest` inner `invalidPath`.
pub fn validate_name(name: &str) -> Result<(), GraphError> {
    if name.is_empty() {
        return Err(invalid_name("The name of an item cannot be empty.".into()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| INVALID_CHARS.contains(c) || c.is_control())
    {
        return Err(invalid_name(format!(
            "The provided name contains an invalid character ({c:?})."
        )));
    }
    // `.` and `..` mean the folder itself and its parent in every file system a drive
    // syncs to (and `.` in Graph's own path syntax): never an item's name.
    if name == "." || name == ".." {
        return Err(invalid_name(format!("The name '{name}' is not allowed.")));
    }
    if name.starts_with(' ') || name.ends_with(' ') {
        return Err(invalid_name(
            "The provided name cannot begin or end with a space.".into(),
        ));
    }
    let lower = name.to_lowercase();
    if RESERVED.contains(&lower.as_str()) {
        return Err(invalid_name(format!("The name '{name}' is reserved.")));
    }
    if name.starts_with("~$") {
        return Err(invalid_name("Names cannot begin with '~$'.".into()));
    }
    if lower.contains("_vti_") {
        return Err(invalid_name("Names cannot contain '_vti_'.".into()));
    }
    Ok(())
}

/// Checks the length of a full decoded path (e.g. `Documents/a/b.txt`).
pub fn validate_path_len(chars: usize) -> Result<(), GraphError> {
    if chars >= MAX_PATH_CHARS {
        return Err(GraphError::invalid_request(format!(
            "The path is too long: it must be shorter than {MAX_PATH_CHARS} characters."
        ))
        .inner("pathIsTooLong"));
    }
    Ok(())
}

/// The `n`-th candidate of the service's rename scheme: `report 1.txt` for files
/// (the number goes before the last extension), `My Folder 1` for folders.
pub fn numbered(name: &str, n: u64, is_folder: bool) -> String {
    if !is_folder {
        // A leading dot alone (".bashrc") is not an extension.
        if let Some(dot) = name.rfind('.').filter(|&i| i > 0) {
            return format!("{} {n}{}", &name[..dot], &name[dot..]);
        }
    }
    format!("{name} {n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dot_and_dot_dot() {
        for name in [".", ".."] {
            let e = validate_name(name).unwrap_err();
            assert_eq!(
                (e.status.as_u16(), e.inner_code.as_deref()),
                (400, Some("invalidPath"))
            );
        }
        for name in ["...", ".a", "a..b", "..hidden"] {
            assert!(validate_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn accepts_ordinary_names() {
        for n in [
            "a.txt",
            "My Folder",
            "ü €.bin",
            "a#b%c+d",
            "saved_game[1].bin",
            "x.",
        ] {
            assert!(validate_name(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn rejects_bad_names_with_invalid_path() {
        for n in [
            "",
            "a*b",
            "a:b",
            "a\"b",
            "a<b",
            "a>b",
            "a?b",
            "a/b",
            "a\\b",
            "a|b",
            " a",
            "a ",
            "CON",
            "nul",
            "Com5",
            "LPT0",
            ".lock",
            "Desktop.ini",
            "~$doc.docx",
            "x_vti_y",
            "a\u{1}b",
        ] {
            let e = validate_name(n).expect_err(n);
            assert_eq!(e.status.as_u16(), 400);
            assert_eq!(e.code, "invalidRequest");
            assert_eq!(e.inner_code.as_deref(), Some("invalidPath"));
        }
    }

    #[test]
    fn names_compare_case_insensitively_and_across_unicode_forms() {
        assert_eq!(name_key("Caf\u{e9}.TXT"), name_key("cafe\u{301}.txt"));
        assert_eq!(name_key("ABC.txt"), "abc.txt");
        // KELVIN SIGN is canonically `K`.
        assert_eq!(name_key("\u{212a}"), name_key("k"));
        assert_ne!(name_key("cafe.txt"), name_key("caf\u{e9}.txt"));
        assert!(same_text("Caf\u{e9}", "Cafe\u{301}"));
        assert!(same_text("\u{212a}", "K"));
        assert!(
            !same_text("Caf\u{e9}", "caf\u{e9}"),
            "case is not the same text"
        );
        assert!(!same_text("a", "b"));
    }

    #[test]
    fn folders_cannot_end_with_a_period_files_can() {
        for n in ["dir.", "a..", "x.y."] {
            let e = validate_item_name(n, true).unwrap_err();
            assert_eq!(e.inner_code.as_deref(), Some("invalidPath"));
            assert!(validate_item_name(n, false).is_ok(), "{n}");
        }
        assert!(validate_item_name("dir.d", true).is_ok());
        assert!(validate_item_name("CON", false).is_err());
    }

    #[test]
    fn path_limit_is_exclusive() {
        assert!(validate_path_len(399).is_ok());
        let e = validate_path_len(400).unwrap_err();
        assert_eq!(e.inner_code.as_deref(), Some("pathIsTooLong"));
    }

    #[test]
    fn rename_scheme() {
        assert_eq!(numbered("name.txt", 1, false), "name 1.txt");
        assert_eq!(numbered("a.tar.gz", 2, false), "a.tar 2.gz");
        assert_eq!(numbered(".bashrc", 1, false), ".bashrc 1");
        assert_eq!(numbered("noext", 3, false), "noext 3");
        assert_eq!(numbered("My.Folder", 1, true), "My.Folder 1");
    }
}
