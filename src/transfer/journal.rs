//! The resumable-transfer journal: [`ResumeStore`] records kept in the state folder
//! beside the config file (`config::StateDir`), one file per upload session or
//! partial download, written atomically and removed when the transfer ends.

use crate::config::StateDir;
use crate::drive::resume::ResumeStore;

/// Records in `uploads/` and `downloads/` of the state folder; the kind is the first
/// line of the key (`upload`, `download`), as `drive::upload` and `drive::download`
/// build them.
#[derive(Clone, Debug)]
pub struct Journal {
    dir: StateDir,
}

impl Journal {
    pub fn new(dir: StateDir) -> Self {
        Self { dir }
    }

    fn kind(key: &str) -> &'static str {
        match key.split('\n').next() {
            Some("upload") => "uploads",
            Some("download") => "downloads",
            _ => "other",
        }
    }
}

impl ResumeStore for Journal {
    fn load(&self, key: &str) -> Option<serde_json::Value> {
        let data = self.dir.read(Self::kind(key), key)?;
        serde_json::from_slice(&data).ok()
    }

    fn save(&self, key: &str, value: &serde_json::Value) -> std::io::Result<()> {
        let data = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        self.dir.write(Self::kind(key), key, &data)
    }

    fn clear(&self, key: &str) {
        self.dir.remove(Self::kind(key), key);
    }
}
