//! Progress and the end-of-run summary.
//!
//! Bars (indicatif) only on a terminal and without `-q`: one for the whole run and one
//! per file in flight, with bytes, rate and ETA. Elsewhere (pipes, logs, cron) nothing
//! is drawn; the summary and failures are the only lines, on stderr, so stdout stays
//! data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Summary;
use crate::drive::Progress;

/// Draws bars for one run.
pub struct Reporter {
    multi: Option<MultiProgress>,
    total: Option<ProgressBar>,
}

impl Reporter {
    /// `bars`: stderr is a terminal and the user did not ask for quiet. `total_bytes`
    /// of `files` files are planned.
    pub fn new(bars: bool, files: usize, total_bytes: u64) -> Self {
        if !bars {
            return Self {
                multi: None,
                total: None,
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let total = if files > 1 {
            let b = multi.add(ProgressBar::new(total_bytes));
            if let Ok(s) = ProgressStyle::with_template(
                "total {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} ({msg})",
            ) {
                b.set_style(s);
            }
            b.set_message(format!("{files} files"));
            Some(b)
        } else {
            None
        };
        Self {
            multi: Some(multi),
            total,
        }
    }

    /// A progress handle for one file; its bar disappears when the handle's file ends
    /// ([`FileBar::finish`]).
    pub fn file(&self, label: &str) -> FileBar {
        let Some(multi) = &self.multi else {
            return FileBar {
                bar: None,
                progress: Progress::none(),
            };
        };
        let bar = multi.add(ProgressBar::new(0));
        if let Ok(s) = ProgressStyle::with_template(
            "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        ) {
            bar.set_style(s);
        }
        bar.set_message(label.to_owned());
        let b = bar.clone();
        let total = self.total.clone();
        let last = Arc::new(AtomicU64::new(0));
        let progress = Progress::new(move |done, size| {
            b.set_length(size);
            b.set_position(done);
            if let Some(t) = &total {
                let before = last.swap(done, Ordering::Relaxed);
                if done >= before {
                    t.inc(done - before);
                }
            }
        });
        FileBar {
            bar: Some(bar),
            progress,
        }
    }

    /// Counts a file that moved no bytes through a bar (skipped, failed early).
    pub fn advance(&self, bytes: u64) {
        if let Some(t) = &self.total {
            t.inc(bytes);
        }
    }

    /// Clears every bar.
    pub fn finish(&self) {
        if let Some(t) = &self.total {
            t.finish_and_clear();
        }
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

/// One file's bar.
pub struct FileBar {
    bar: Option<ProgressBar>,
    pub progress: Progress,
}

impl FileBar {
    pub fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}

/// `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    indicatif::BinaryBytes(n).to_string()
}

/// The summary line: `12 done, 3 skipped, 1 failed (15.20 MiB in 3.1 s)`.
pub fn summary_line(s: &Summary) -> String {
    let secs = s.elapsed.as_secs_f64();
    format!(
        "{} done, {} skipped, {} failed ({} in {secs:.1} s)",
        s.done(),
        s.skipped(),
        s.failed(),
        human_bytes(s.bytes())
    )
}
