//! The transfer engine: `get` and `put` of one file or ten thousand, in parallel,
//! resumable after a crash.
//!
//! One job per file; the same path serves `put a.txt` and `put -r tree/`:
//! - [`plan`]: turns the command's sources into jobs (walking local or remote
//!   folders), refusing what cannot be transferred safely (names that would escape
//!   the destination, two local names OneDrive would see as one);
//! - [`workers`]: runs the jobs `--transfers` at a time; a failed job never stops the
//!   others, and every worker shares the process's one retry/throttle governor
//!   (`http::retry::Governor`), so a 429 pauses them all;
//! - [`journal`]: the [`crate::drive::resume::ResumeStore`] in the state folder that
//!   makes upload sessions and partial downloads survive the process;
//! - [`reporter`]: progress bars on a terminal and the summary line;
//! - [`put`] and [`get`]: the two directions, built from the above and the
//!   single-file protocol in `drive::upload` / `drive::download`.
//!
//! Design after rclone's split of checking and transferring, and abraunegg/onedrive's
//! session records (shared/design-notes.md); our own code throughout.

pub mod get;
pub mod journal;
pub mod plan;
pub mod put;
pub mod reporter;
pub mod workers;

/// Files in flight by default (`--transfers`). Small files are round-trip bound (a
/// simple upload is a PUT plus the PATCH of its modification time), so throughput
/// grows with files in flight: `put -r` of 200 × 64 KiB at 20 ms per response took
/// 2.79 s with 4, 1.50 s with 8 and 0.92 s with 16 (README, "Transfer defaults"). 8
/// rather than 16 because the service throttles per user and application (Graph:
/// 429 with `Retry-After`), which every worker then waits out together; rclone's
/// OneDrive default is 4.
pub const DEFAULT_TRANSFERS: usize = 8;

/// What became of one job.
#[derive(Debug)]
pub enum Outcome {
    /// Transferred: bytes moved by this run.
    Done { bytes: u64 },
    /// `--skip-existing`: the destination already has the same size and QuickXorHash.
    Skipped,
    /// Not transferred; the reason as an error.
    Failed(crate::drive::DriveError),
    /// Refused before any request (unsafe name, local collision, unreadable file).
    Refused(String),
}

/// One job's report line: what it was (as the user named it) and its outcome.
#[derive(Debug)]
pub struct JobReport {
    pub source: String,
    pub destination: String,
    pub outcome: Outcome,
    /// The resulting item (put) or the downloaded item (get), for `--json`.
    pub item: Option<crate::graph::DriveItem>,
}

/// The result of a whole `get`/`put`.
#[derive(Debug, Default)]
pub struct Summary {
    pub jobs: Vec<JobReport>,
    pub elapsed: std::time::Duration,
}

impl Summary {
    /// A summary that starts with the jobs the plan refused: (what, why).
    pub fn refused(refused: Vec<(String, String)>) -> Self {
        Self {
            jobs: refused
                .into_iter()
                .map(|(source, why)| JobReport {
                    source,
                    destination: String::new(),
                    outcome: Outcome::Refused(why),
                    item: None,
                })
                .collect(),
            elapsed: std::time::Duration::ZERO,
        }
    }

    pub fn done(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Done { .. }))
    }
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped))
    }
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_) | Outcome::Refused(_)))
    }
    pub fn bytes(&self) -> u64 {
        self.jobs
            .iter()
            .map(|j| match j.outcome {
                Outcome::Done { bytes } => bytes,
                _ => 0,
            })
            .sum()
    }
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.jobs.iter().filter(|j| f(&j.outcome)).count()
    }
}
