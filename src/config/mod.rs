//! The state file (`~/.lcrc`): YAML, compatible with python-onedrive's.
//!
//! Sections of the original: `client: {id, secret}`, `auth: {code, refresh_token,
//! access_token, access_expires}`, `request: {base_headers}`; new and optional:
//! `api: {graph_url, login_url, tenant, redirect_uri, drive}`.
//!
//! Concurrency and safety (several `onedrive-cli` processes, e.g. cron jobs, share it):
//! - reads take a shared lock, writes an exclusive lock, on a sidecar `~/.lcrc.lock`
//!   (the file itself is replaced by rename, so a lock on it would protect nothing);
//! - a write re-reads the file under the lock and applies only the keys this process
//!   changed, so a refresh token rotated by another process meanwhile is not lost;
//! - the new content goes to a temporary file in the same folder, then is renamed over
//!   the old one (atomic: readers see the old or the new file, never half of one);
//! - the file is created with mode 0600 (it holds tokens and maybe a client secret);
//! - a file that is missing, unreadable, not YAML or of the wrong shape gives one error
//!   naming the file and the problem, and is never modified.
//!
//! The YAML octal trap (python-onedrive's README warns about it): an unquoted client id
//! made only of digits is a *number* to YAML parsers, and YAML 1.1 parsers (PyYAML)
//! even read one with a leading zero as octal. This tool parses YAML 1.2, where a
//! leading-zero digit string stays a string, so `id: 0000000040123456` keeps its digits;
//! an all-digit id without leading zero is read as a number and converted back to its
//! digits, with a warning asking to quote it (`id: '…'`). Values this tool writes that
//! look like numbers are always quoted.
//!
//! Comments and flow style (`{a: b}`) are not preserved on write (every serde YAML
//! library drops them); the file is machine-owned once the tool has written it.

pub mod cloud;
mod state;
mod state_dir;
#[cfg(test)]
mod tests;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use yaml_serde::{Mapping, Value};

pub use state::{
    ApiSection, AuthSection, ClientSection, DEFAULT_LOGIN_URL, DEFAULT_REDIRECT_URI,
    DEFAULT_TENANT, RequestSection, State,
};
pub use state_dir::StateDir;

/// Longest wait for the state file's lock: its holders only read or write the file.
const STATE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Longest wait for the refresh lock: its holder is refreshing the token over the
/// network, retries included (up to `--retry-max-time`, 600 s by default, plus the
/// idle limit of its last attempt).
const REFRESH_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(900);

/// Environment variable that shortens or lengthens both lock waits (seconds), for
/// scripts that would rather fail fast, and for tests.
pub const LOCK_WAIT_ENV: &str = "ONEDRIVE_CLI_LOCK_WAIT";

fn lock_wait(default: std::time::Duration) -> std::time::Duration {
    std::env::var(LOCK_WAIT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| std::time::Duration::from_secs_f64(s.min(86_400.0)))
        .unwrap_or(default)
}

/// Environment variable naming the state file (after `-c/--config`).
pub const CONFIG_ENV: &str = "ONEDRIVE_CLI_CONFIG";

/// A state-file failure: always names the file and the problem, in one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "state file {} does not exist; create it with your application's client id \
         (client: {{id: '…'}}) and run `onedrive-cli auth`",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error("cannot read state file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state file {} is not valid YAML: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("state file {}: {key} must be {expected}, found {found}", path.display())]
    WrongType {
        path: PathBuf,
        key: String,
        expected: String,
        found: String,
    },
    #[error("cannot write state file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no state file path: set -c/--config, {CONFIG_ENV} or HOME")]
    NoPath,
    /// Nothing can be signed in without the app registration's id; `auth` cannot help.
    #[error(
        "state file {} has no client.id: add your app registration's Application (client) \
         ID as `client: {{id: '…'}}`, then run `onedrive-cli auth`",
        path.display()
    )]
    NoClientId { path: PathBuf },
    #[error(
        "state file {} is locked by another process (waited {} s for {}); \
         is another onedrive-cli stuck?",
        path.display(), waited.as_secs(), lock.display()
    )]
    Locked {
        path: PathBuf,
        lock: PathBuf,
        waited: std::time::Duration,
    },
}

/// The state file path: `-c/--config` if given, else `$ONEDRIVE_CLI_CONFIG`, else `~/.lcrc`.
pub fn resolve_path(cli: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(p) = cli {
        return Ok(p.to_owned());
    }
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".lcrc"))
        .ok_or(ConfigError::NoPath)
}

/// Handle on the state file. Cheap; holds no file open between calls.
#[derive(Clone, Debug)]
pub struct StateFile {
    path: PathBuf,
    overrides: ApiOverrides,
}

/// `api` settings given on the command line (`--cloud`, `--drive`) for one invocation:
/// they win over the file's on every read, and are never written to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiOverrides {
    pub cloud: Option<cloud::Cloud>,
    /// A drive id (or `/drives/{id}`, or `me`).
    pub drive: Option<String>,
}

/// Guard of [`StateFile::refresh_lock`]; the lock is released on drop (file closed).
#[derive(Debug)]
pub struct RefreshLock {
    _file: File,
}

/// Which lock to take on the sidecar.
enum LockKind {
    Shared,
    Exclusive,
}

impl StateFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            overrides: ApiOverrides::default(),
        }
    }

    /// The same file, read with `overrides` applied (see [`ApiOverrides`]).
    pub fn with_overrides(mut self, overrides: ApiOverrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// The state file's path (as given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state folder beside this file (`~/.lcrc.d/`), for resumable transfers and
    /// other records that do not belong in the state file itself.
    pub fn state_dir(&self) -> StateDir {
        StateDir::for_state_file(&self.path)
    }

    /// `~/.lcrc.lock`: the sidecar that carries the locks.
    pub fn lock_path(&self) -> PathBuf {
        let mut s = self.path.as_os_str().to_owned();
        s.push(".lock");
        PathBuf::from(s)
    }

    /// Takes the cross-process *refresh* lock (a second sidecar, `~/.lcrc.refresh.lock`),
    /// blocking until no other process holds it; released when the guard drops.
    ///
    /// Held around a token refresh, it makes concurrent processes (twenty cron jobs
    /// starting at once) refresh one at a time: each re-reads the state file after
    /// getting the lock and uses the tokens the previous holder stored, instead of
    /// redeeming a refresh token that rotation has just made stale.
    pub fn refresh_lock(&self) -> Result<RefreshLock, ConfigError> {
        let mut s = self.path.as_os_str().to_owned();
        s.push(".refresh.lock");
        let path = PathBuf::from(s);
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let f = opts.open(&path).map_err(|e| ConfigError::Write {
            path: path.clone(),
            source: e,
        })?;
        // The holder is refreshing over the network (with its retries).
        self.wait_for_lock(&f, &path, LockKind::Exclusive, lock_wait(REFRESH_LOCK_WAIT))?;
        Ok(RefreshLock { _file: f })
    }

    fn lock(&self, kind: LockKind) -> Result<Option<File>, ConfigError> {
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let f = match opts.open(self.lock_path()) {
            Ok(f) => f,
            // A read-only folder (or a missing one): read without the lock rather than
            // refuse; writing will fail anyway with a clear error.
            Err(_) if matches!(kind, LockKind::Shared) => return Ok(None),
            Err(e) => {
                return Err(ConfigError::Write {
                    path: self.path.clone(),
                    source: e,
                });
            }
        };
        // Holders only read or write the file: a lock held longer is a stuck process.
        self.wait_for_lock(&f, &self.lock_path(), kind, lock_wait(STATE_LOCK_WAIT))?;
        Ok(Some(f))
    }

    /// Takes `kind` of lock on `f` (the sidecar at `lock`), waiting at most `limit`
    /// for another process to release it: a stuck process fails this one with one line
    /// ([`ConfigError::Locked`]) instead of hanging a cron job for ever.
    fn wait_for_lock(
        &self,
        f: &File,
        lock: &Path,
        kind: LockKind,
        limit: std::time::Duration,
    ) -> Result<(), ConfigError> {
        let started = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(5);
        loop {
            let res = match kind {
                LockKind::Shared => f.try_lock_shared(),
                LockKind::Exclusive => f.try_lock(),
            };
            match res {
                Ok(()) => return Ok(()),
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(ConfigError::Read {
                        path: lock.to_path_buf(),
                        source: e,
                    });
                }
            }
            let waited = started.elapsed();
            if waited >= limit {
                return Err(ConfigError::Locked {
                    path: self.path.clone(),
                    lock: lock.to_path_buf(),
                    waited,
                });
            }
            std::thread::sleep(pause.min(limit - waited));
            pause = (pause * 2).min(std::time::Duration::from_millis(200));
        }
    }

    /// Reads the document; `Ok(None)` when the file does not exist.
    fn read_doc(&self) -> Result<Option<Mapping>, ConfigError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(ConfigError::Read {
                    path: self.path.clone(),
                    source: e,
                });
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::Invalid {
            path: self.path.clone(),
            message: "not UTF-8 text".into(),
        })?;
        let value: Value = yaml_serde::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: self.path.clone(),
            message: e.to_string().lines().next().unwrap_or("").to_owned(),
        })?;
        match value {
            Value::Mapping(m) => Ok(Some(m)),
            // An empty file.
            Value::Null => Ok(Some(Mapping::new())),
            other => Err(ConfigError::WrongType {
                path: self.path.clone(),
                key: "the top level".into(),
                expected: "a mapping".into(),
                found: match other {
                    Value::Sequence(_) => "a list",
                    Value::String(_) => "a string",
                    Value::Number(_) => "a number",
                    _ => "a scalar",
                }
                .into(),
            }),
        }
    }

    /// Reads the state (shared lock). A missing file is [`ConfigError::Missing`].
    pub fn load(&self) -> Result<State, ConfigError> {
        self.load_opt()?.ok_or_else(|| ConfigError::Missing {
            path: self.path.clone(),
        })
    }

    /// Reads the state (shared lock); `None` when the file does not exist (and then no
    /// lock file is left beside the missing one).
    pub fn load_opt(&self) -> Result<Option<State>, ConfigError> {
        if fs::symlink_metadata(&self.path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            return Ok(None);
        }
        let _lock = self.lock(LockKind::Shared)?;
        match self.read_doc()? {
            Some(doc) => Ok(Some(self.overridden(State::from_doc(&self.path, doc)?))),
            None => Ok(None),
        }
    }

    /// `state` with this invocation's [`ApiOverrides`].
    fn overridden(&self, mut state: State) -> State {
        if let Some(c) = self.overrides.cloud {
            state.api.cloud = Some(c);
        }
        if let Some(d) = &self.overrides.drive {
            state.api.drive = Some(d.clone());
        }
        state
    }

    /// Re-reads the file under an exclusive lock, lets `change` modify the state, and
    /// writes back only what `change` modified. Fails with [`ConfigError::Missing`] when
    /// the file does not exist, unless `create` is set.
    pub fn update_with(
        &self,
        create: bool,
        change: impl FnOnce(&mut State),
    ) -> Result<State, ConfigError> {
        let _lock = self.lock(LockKind::Exclusive)?;
        let doc = match self.read_doc()? {
            Some(d) => d,
            None if create => Mapping::new(),
            None => {
                return Err(ConfigError::Missing {
                    path: self.path.clone(),
                });
            }
        };
        let before = State::from_doc(&self.path, doc.clone())?;
        let mut after = before.clone();
        change(&mut after);
        if after == before {
            return Ok(self.overridden(after));
        }
        let mut doc = doc;
        after.apply_changes(&before, &mut doc);
        self.write_doc(&doc)?;
        Ok(self.overridden(State::from_doc(&self.path, doc)?))
    }

    /// [`update_with`](Self::update_with) on an existing file.
    pub fn update(&self, change: impl FnOnce(&mut State)) -> Result<State, ConfigError> {
        self.update_with(false, change)
    }

    /// Saves the difference between `before` (a state read earlier) and `after` onto
    /// the file's current content: changes made meanwhile by other processes to other
    /// keys are kept.
    pub fn save_changes(&self, before: &State, after: &State) -> Result<State, ConfigError> {
        self.update_with(true, |fresh| fresh.merge_changes(before, after))
    }

    /// The path actually written: the target of a symlink (dotfile managers link
    /// `~/.lcrc`), so the rename replaces the file, not the link.
    fn real_path(&self) -> PathBuf {
        match fs::symlink_metadata(&self.path) {
            Ok(m) if m.file_type().is_symlink() => {
                fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone())
            }
            _ => self.path.clone(),
        }
    }

    fn write_doc(&self, doc: &Mapping) -> Result<(), ConfigError> {
        let werr = |e: std::io::Error| ConfigError::Write {
            path: self.path.clone(),
            source: e,
        };
        let text = yaml_serde::to_string(&Value::Mapping(doc.clone()))
            .map_err(|e| werr(std::io::Error::other(e.to_string())))?;
        let target = self.real_path();
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        // tempfile creates the file with mode 0600 on Unix.
        let mut tmp = tempfile::Builder::new()
            .prefix(".lcrc.")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(werr)?;
        tmp.write_all(text.as_bytes()).map_err(werr)?;
        tmp.as_file().sync_all().map_err(werr)?;
        tmp.persist(&target).map_err(|e| werr(e.error))?;
        Ok(())
    }
}
