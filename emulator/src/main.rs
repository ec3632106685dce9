//! `onedrive-emulator` binary: flags for every [`Config`] field, prints the bound URL on
//! stdout (one line, flushed, so scripts can read it), serves until Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use onedrive_emulator::Config;
use onedrive_emulator::config::{ClientRegistration, TlsFiles};

/// A faithful local emulator of the Microsoft Graph OneDrive API (v1.0) and the Microsoft
/// identity platform (OAuth 2.0 v2.0 endpoints). See emulator/README.md.
#[derive(Parser, Debug)]
#[command(name = "onedrive-emulator", version, about)]
struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8321", value_name = "ADDR")]
    listen: SocketAddr,
    /// Base URL clients reach the emulator by; used in every URL it generates
    /// (nextLink, downloadUrl, uploadUrl, copy monitor, redirects).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Base URL for download, upload-session and copy-monitor URLs (default: the public
    /// URL). Give a second host name of this listener so that, as with the service,
    /// those URLs are on another host than Graph and redirect-following clients drop
    /// their Authorization header.
    #[arg(long, value_name = "URL")]
    transfer_url: Option<String>,
    /// Persist the drive in DIR across restarts (default: in memory only).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Register a client: ID (public client) or ID:SECRET (confidential). Repeatable.
    /// Without any, every well-formed GUID is accepted as a public client.
    #[arg(long = "client", value_name = "ID[:SECRET]")]
    clients: Vec<String>,
    /// Access-token lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    token_ttl: u64,
    /// Authorization-code lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    code_ttl: u64,
    /// Whether an already-redeemed refresh token still works (true, as documented, or false).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    refresh_token_reuse: bool,
    /// Device code flow: polls answered `authorization_pending` before tokens are issued.
    #[arg(long, value_name = "N", default_value_t = 1)]
    device_pending_polls: u32,
    /// Device code lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    device_code_ttl: u64,
    /// Device code polling interval announced to clients, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    device_interval: u64,

    /// Drive quota (bytes; suffixes K, M, G, T are powers of 1024, KB, MB, GB, TB of 1000).
    #[arg(long, value_name = "BYTES", default_value = "1T", value_parser = parse_size)]
    quota: u64,
    /// Largest simple-upload (PUT .../content) body.
    #[arg(long, value_name = "BYTES", default_value = "250MB", value_parser = parse_size)]
    simple_upload_limit: u64,
    /// Upload-session lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 24 * 3600)]
    upload_session_ttl: u64,
    /// Extend an upload session's lifetime on every accepted fragment.
    #[arg(long)]
    upload_session_sliding: bool,
    /// Status of an expired upload session's URL: 404 (itemNotFound /
    /// uploadSessionNotFound) or 401 (unauthenticated / expiredToken, as seen on the
    /// service).
    #[arg(long, value_name = "404|401", default_value_t = 404, value_parser = parse_expiry_status)]
    upload_session_expiry_status: u16,
    /// Lifetime of pre-authenticated download URLs, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    download_url_ttl: u64,
    /// How long an asynchronous copy takes, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    copy_delay_ms: u64,
    /// The copy monitor answers 202 exactly N times before the outcome, however long
    /// the copy takes (default: 202 until the copy delay has passed).
    #[arg(long, value_name = "N")]
    copy_monitor_polls: Option<u32>,
    /// A completed copy's monitor answers 303 See Other with Location: the new item.
    #[arg(long)]
    copy_monitor_redirect: bool,
    /// The copy's 202 carries Content-Encoding: gzip and Content-Length: 0.
    #[arg(long)]
    copy_accepted_gzip: bool,
    /// Report sha1Hash beside quickXorHash (older Personal drives).
    #[arg(long)]
    legacy_sha1: bool,
    /// 0-byte files report "hashes": {} (seen on Business).
    #[arg(long)]
    no_hashes_for_empty_files: bool,
    /// Creating a folder whose name exists answers 200 with it (observed on Personal)
    /// instead of the documented 409.
    #[arg(long)]
    mkdir_existing_ok: bool,
    /// Delta on a folder other than the root answers 501 notSupported (Business).
    #[arg(long)]
    delta_root_only: bool,
    /// Every delta page after the first repeats the previous page's last item.
    #[arg(long)]
    delta_repeat_items: bool,
    /// Every children page after the first repeats the previous page's last item.
    #[arg(long)]
    children_repeat_items: bool,
    /// An empty page with a nextLink before every following children or delta page.
    #[arg(long)]
    empty_pages: bool,
    /// After an upload, the item "settles" for MS milliseconds: PATCH answers 412
    /// (with If-Match) or 409 (without), then its eTag changes once more.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    etag_settle_ms: u64,
    /// What GET /me/drive/sharedWithMe answers: full (every grant, paged), degraded
    /// (the newest grant only, no nextLink) or retired (an empty value).
    #[arg(long, value_name = "full|degraded|retired", default_value = "full", value_parser = parse_shared_with_me)]
    shared_with_me: onedrive_emulator::config::SharedWithMe,
    /// Default page size of GET /sites?search= ($top overrides it).
    #[arg(long, value_name = "N", default_value_t = 200)]
    sites_page_size: usize,
    /// The drive owner's display name.
    #[arg(long, value_name = "NAME", default_value = "Emulated User")]
    user_name: String,
    /// The drive owner's user principal name (e-mail).
    #[arg(long, value_name = "UPN", default_value = "user@example.com")]
    user_principal_name: String,

    /// Delay every response by this many milliseconds (a WAN round trip).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
    /// Seed for every random choice (ids, fault injection).
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// Fraction (0 to 1) of Graph requests, upload fragments and downloads that fail
    /// transiently (429/503 with Retry-After, 500, 504, cut connections).
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_rate)]
    fault_rate: f64,
}

/// `123`, `5G`, `1.5GiB`, `250MB`.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a size: {s:?} (examples: 1048576, 5G, 250MB)"))?;
    let mult: f64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KIB" => 1024.0,
        "M" | "MIB" => 1024f64.powi(2),
        "G" | "GIB" => 1024f64.powi(3),
        "T" | "TIB" => 1024f64.powi(4),
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        other => return Err(format!("unknown size unit {other:?} in {s:?}")),
    };
    let v = n * mult;
    if !v.is_finite() || v < 0.0 || v > u64::MAX as f64 {
        return Err(format!("size out of range: {s:?}"));
    }
    Ok(v.round() as u64)
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("not a fraction between 0 and 1: {s:?}")),
    }
}

fn parse_shared_with_me(s: &str) -> Result<onedrive_emulator::config::SharedWithMe, String> {
    onedrive_emulator::config::SharedWithMe::parse(s)
        .ok_or_else(|| format!("expected full, degraded or retired, not {s:?}"))
}

fn parse_expiry_status(s: &str) -> Result<u16, String> {
    match s.trim() {
        "404" => Ok(404),
        "401" => Ok(401),
        _ => Err(format!("expected 404 or 401, not {s:?}")),
    }
}

fn parse_client(s: &str) -> ClientRegistration {
    match s.split_once(':') {
        Some((id, secret)) => ClientRegistration {
            id: id.to_owned(),
            secret: Some(secret.to_owned()),
        },
        None => ClientRegistration {
            id: s.to_owned(),
            secret: None,
        },
    }
}

impl Args {
    // `..Default` keeps this compiling when other modules add settings.
    #[allow(clippy::needless_update)]
    fn into_config(self) -> Config {
        let secs = Duration::from_secs;
        Config {
            listen: self.listen,
            public_url: self.public_url,
            transfer_url: self.transfer_url,
            data_dir: self.data_dir,
            tls: match (self.tls_cert, self.tls_key) {
                (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
                _ => None,
            },
            clients: self.clients.iter().map(|c| parse_client(c)).collect(),
            token_ttl: secs(self.token_ttl),
            code_ttl: secs(self.code_ttl),
            refresh_token_reuse: self.refresh_token_reuse,
            device_pending_polls: self.device_pending_polls,
            device_code_ttl: secs(self.device_code_ttl),
            device_interval_secs: self.device_interval,
            quota: self.quota,
            simple_upload_limit: self.simple_upload_limit,
            upload_session_ttl: secs(self.upload_session_ttl),
            upload_session_sliding: self.upload_session_sliding,
            upload_session_expiry_status: self.upload_session_expiry_status,
            download_url_ttl: secs(self.download_url_ttl),
            copy_delay: Duration::from_millis(self.copy_delay_ms),
            copy_monitor_polls: self.copy_monitor_polls,
            copy_monitor_redirect: self.copy_monitor_redirect,
            copy_accepted_gzip: self.copy_accepted_gzip,
            legacy_sha1: self.legacy_sha1,
            no_hashes_for_empty_files: self.no_hashes_for_empty_files,
            mkdir_existing_ok: self.mkdir_existing_ok,
            delta_root_only: self.delta_root_only,
            delta_repeat_items: self.delta_repeat_items,
            children_repeat_items: self.children_repeat_items,
            empty_pages: self.empty_pages,
            etag_settle: Duration::from_millis(self.etag_settle_ms),
            shared_with_me: self.shared_with_me,
            sites_page_size: self.sites_page_size.max(1),
            user_display_name: self.user_name,
            user_principal_name: self.user_principal_name,
            latency: Duration::from_millis(self.latency_ms),
            seed: self.seed,
            fault_rate: self.fault_rate,
            ..Config::default()
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Args::parse().into_config();
    let running = match onedrive_emulator::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("onedrive-emulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let state = running.state.clone();
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", running.url);
        let _ = out.flush();
    }
    shutdown_signal().await;
    // Open keep-alive or streaming connections get a few seconds to finish.
    let done = tokio::time::timeout(Duration::from_secs(5), running.shutdown()).await;
    // With --data-dir, write the drive out now rather than rely on the background save.
    if let Err(e) = state.store.flush() {
        eprintln!("onedrive-emulator: saving the drive: {e}");
    }
    drop(state);
    match done {
        Ok(Err(e)) => {
            eprintln!("onedrive-emulator: {e}");
            std::process::ExitCode::FAILURE
        }
        _ => std::process::ExitCode::SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("5G"), Ok(5 << 30));
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert_eq!(parse_size("250MB"), Ok(250_000_000));
        assert!(parse_size("5X").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("-1").is_err());
    }

    #[test]
    fn every_flag_parses() {
        let a = Args::try_parse_from([
            "onedrive-emulator",
            "--listen",
            "127.0.0.1:0",
            "--client",
            "00000000-0000-0000-0000-000000000001",
            "--client",
            "00000000-0000-0000-0000-000000000002:s3cret",
            "--quota",
            "5G",
            "--fault-rate",
            "0.25",
            "--refresh-token-reuse",
            "false",
            "--latency-ms",
            "30",
            "--upload-session-expiry-status",
            "401",
            "--children-repeat-items",
            "--empty-pages",
            "--no-hashes-for-empty-files",
            "--copy-monitor-polls",
            "3",
            "--copy-monitor-redirect",
            "--copy-accepted-gzip",
            "--etag-settle-ms",
            "250",
            "--shared-with-me",
            "degraded",
            "--sites-page-size",
            "2",
        ])
        .map(Args::into_config);
        let c = a.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.quota, 5 << 30);
        assert_eq!(c.clients.len(), 2);
        assert_eq!(c.clients[1].secret.as_deref(), Some("s3cret"));
        assert!(!c.refresh_token_reuse);
        assert_eq!(c.latency, Duration::from_millis(30));
        assert_eq!(c.upload_session_expiry_status, 401);
        assert!(c.children_repeat_items && c.empty_pages && c.no_hashes_for_empty_files);
        assert_eq!(c.copy_monitor_polls, Some(3));
        assert!(c.copy_monitor_redirect && c.copy_accepted_gzip);
        assert_eq!(c.etag_settle, Duration::from_millis(250));
        assert_eq!(
            c.shared_with_me,
            onedrive_emulator::config::SharedWithMe::Degraded
        );
        assert_eq!(c.sites_page_size, 2);
        let d = Args::try_parse_from(["x"]).map(Args::into_config);
        let d = d.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.upload_session_expiry_status, 404);
        assert!(!d.children_repeat_items && !d.empty_pages && !d.no_hashes_for_empty_files);
        assert_eq!(d.copy_monitor_polls, None);
        assert!(!d.copy_monitor_redirect && !d.copy_accepted_gzip);
        assert_eq!(d.etag_settle, Duration::ZERO);
        assert!(Args::try_parse_from(["x", "--fault-rate", "2"]).is_err());
        assert!(Args::try_parse_from(["x", "--upload-session-expiry-status", "403"]).is_err());
        assert!(Args::try_parse_from(["x", "--tls-cert", "a.pem"]).is_err());
        assert!(Args::try_parse_from(["x", "--shared-with-me", "half"]).is_err());
    }
}
