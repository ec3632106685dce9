//! SIGINT and SIGTERM: a command stops with the documented exit code (130, 143) and one
//! failure line (a JSON object under `--json`), instead of dying silently. Transfers add
//! what they kept for a re-run.

use crate::cli::exit::{ExitCode, Failure};

/// Which signal stopped the run.
pub enum Stop {
    Interrupt,
    Terminate,
}

/// Resolves when SIGINT or SIGTERM arrives (never, if they cannot be watched).
pub async fn stop_signal() -> Stop {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => Stop::Interrupt,
            _ = term.recv() => Stop::Terminate,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Stop::Interrupt
    }
}

/// The failure that ends an interrupted run, after keeping or removing partial files.
pub fn interrupted(stop: Stop, what: &str, note: String) -> Failure {
    let code = match stop {
        Stop::Interrupt => ExitCode::Interrupted,
        Stop::Terminate => ExitCode::Terminated,
    };
    Failure::new(code, format!("{what}: interrupted; {note}"))
}
