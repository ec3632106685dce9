//! The state folder beside the state file (`~/.lcrc.d/`): persistent state other than
//! the tokens and settings, kept out of `~/.lcrc` so that the file python-onedrive
//! users know stays small and hand-editable.
//!
//! Layout: one subfolder per kind of record (`uploads/`, `downloads/`, later delta
//! tokens), one JSON file per record named by the SHA-256 of its key (keys hold local
//! paths and remote ids; hashing keeps names short and free of separators). The folder
//! is mode 0700 and records 0600: upload-session records hold pre-authenticated URLs,
//! which are credentials. Every write is atomic (temporary file in the same folder,
//! then rename), so a crash leaves the old record or the new one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// Handle on the state folder of one state file. Holds nothing open.
#[derive(Clone, Debug)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// The folder for the state file at `state_file`: its path with `.d` appended.
    pub fn for_state_file(state_file: &Path) -> Self {
        let mut s = state_file.as_os_str().to_owned();
        s.push(".d");
        Self {
            root: PathBuf::from(s),
        }
    }

    /// The folder's path.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The file holding the record `key` of `kind` (`uploads`, `downloads`).
    pub fn record_path(&self, kind: &str, key: &str) -> PathBuf {
        let digest = Sha256::digest(key.as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.root.join(kind).join(format!("{name}.json"))
    }

    /// Reads the record `key` of `kind`, or `None` (missing or unreadable).
    pub fn read(&self, kind: &str, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.record_path(kind, key)).ok()
    }

    /// Writes the record atomically, creating the folders (0700) as needed; the record
    /// is 0600.
    pub fn write(&self, kind: &str, key: &str, data: &[u8]) -> std::io::Result<()> {
        let path = self.record_path(kind, key);
        let dir = path
            .parent()
            .ok_or_else(|| std::io::Error::other("record path without a folder"))?;
        create_private_dir(&self.root)?;
        create_private_dir(dir)?;
        // tempfile creates files with mode 0600.
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(data)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Deletes the record (nothing left behind by finished transfers).
    pub fn remove(&self, kind: &str, key: &str) {
        let _ = std::fs::remove_file(self.record_path(kind, key));
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    match b.create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_private_atomic_and_removable() {
        let d = tempfile::tempdir().unwrap();
        let sd = StateDir::for_state_file(&d.path().join("lcrc"));
        assert_eq!(sd.path(), d.path().join("lcrc.d"));
        assert_eq!(sd.read("uploads", "k"), None);
        sd.write("uploads", "k", b"{\"a\":1}").unwrap();
        sd.write("uploads", "k", b"{\"a\":2}").unwrap();
        assert_eq!(sd.read("uploads", "k").unwrap(), b"{\"a\":2}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(sd.path()), 0o700);
            assert_eq!(mode(&sd.path().join("uploads")), 0o700);
            assert_eq!(mode(&sd.record_path("uploads", "k")), 0o600);
        }
        // Only the record itself is in the folder (no temporary files left).
        assert_eq!(
            std::fs::read_dir(sd.path().join("uploads"))
                .unwrap()
                .count(),
            1
        );
        sd.remove("uploads", "k");
        assert_eq!(sd.read("uploads", "k"), None);
    }
}
