//! Emulator settings. Defaults follow the service's documented behaviour
//! (see the `source:` notes on each field).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A client application registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRegistration {
    /// Application (client) id, a GUID.
    pub id: String,
    /// `Some` for a confidential client (must authenticate with this secret),
    /// `None` for a public client (must not send a secret: AADSTS700025).
    pub secret: Option<String>,
}

/// What `GET /me/drive/sharedWithMe` answers. The API is deprecated: "will operate in a
/// degraded state until November, 2026, after which it will stop returning data"
/// (learn.microsoft.com/en-us/graph/api/drive-sharedwithme); since November 2025 it was
/// seen returning one item and no nextLink (microsoftgraph/msgraph-sdk-design#120,
/// microsoftgraph/msgraph-sdk-dotnet#3040).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SharedWithMe {
    /// Every shared item, newest first, paged.
    #[default]
    Full,
    /// Only the newest shared item, no nextLink.
    Degraded,
    /// `200` with an empty `value`.
    Retired,
}

impl SharedWithMe {
    /// `full`, `degraded` or `retired`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "full" => Some(Self::Full),
            "degraded" => Some(Self::Degraded),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }

    /// The flag's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Degraded => "degraded",
            Self::Retired => "retired",
        }
    }
}

#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind; port 0 picks any free port.
    pub listen: SocketAddr,
    /// Base URL clients reach the emulator by; every generated URL (nextLink,
    /// downloadUrl, uploadUrl, monitor, redirects) uses it. `None`: derived from the
    /// bound address and scheme.
    pub public_url: Option<String>,
    /// Base URL of the pre-authenticated transfer URLs (downloadUrl, uploadUrl, copy
    /// monitor). The service serves those on other hosts (`*.files.1drv.com`,
    /// `*.up.1drv.com`, `api.onedrive.com/monitor`), which is what makes a client that
    /// follows a redirect drop its `Authorization` header; giving a second host name
    /// here reproduces that. `None`: the public URL. Served by the same listener.
    pub transfer_url: Option<String>,
    /// Persist the drive here across restarts; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    pub tls: Option<TlsFiles>,

    // ---- identity platform ----
    /// Registered clients. Empty: any well-formed GUID is accepted as a public client.
    pub clients: Vec<ClientRegistration>,
    /// Access-token lifetime (the service: 60-90 min, random).
    pub token_ttl: Duration,
    /// Authorization-code lifetime (about 10 minutes).
    pub code_ttl: Duration,
    /// Whether a refresh token that has already been redeemed still works. The docs say
    /// the old token is not revoked on use (clients are told to discard it): default true.
    pub refresh_token_reuse: bool,
    /// Device code flow: how many polls answer `authorization_pending` before tokens.
    pub device_pending_polls: u32,
    /// Device code lifetime (15 minutes).
    pub device_code_ttl: Duration,
    /// Device code polling interval announced to clients, in seconds (observed: 5).
    pub device_interval_secs: u64,

    // ---- drive ----
    /// Drive quota in bytes.
    pub quota: u64,
    /// Largest body accepted by a simple `PUT .../content` (Graph docs: 250 MB).
    pub simple_upload_limit: u64,
    /// Upload-session lifetime (observed: 24 h fixed).
    pub upload_session_ttl: Duration,
    /// Extend the session lifetime on every accepted fragment (observed on Business, 2019).
    pub upload_session_sliding: bool,
    /// HTTP status of an expired upload session's URL: 404 (`itemNotFound` inner
    /// `uploadSessionNotFound`, the default) or 401 (`unauthenticated` inner
    /// `expiredToken`, seen in OneDrive/onedrive-api-docs#1570 and #1073). Any value
    /// other than 401 means 404.
    pub upload_session_expiry_status: u16,
    /// Lifetime of `@microsoft.graph.downloadUrl` (documented: "a short period", 1 hour).
    pub download_url_ttl: Duration,
    /// How long an async copy takes before the monitor reports `completed`.
    pub copy_delay: Duration,
    /// The copy monitor answers 202 `inProgress` exactly this many times before the
    /// outcome, however long the copy takes (the copy is made at the last of them if
    /// `copy_delay` has not passed). `None`: 202 until `copy_delay` has passed. The
    /// number of 202s is undefined on the service: OneDrive/onedrive-api-docs#852.
    pub copy_monitor_polls: Option<u32>,
    /// A completed copy's monitor answers `303 See Other` with `Location:` the new
    /// driveItem (the older OneDrive doc; OneDrive/onedrive-api-docs#852, #80) instead
    /// of 200.
    pub copy_monitor_redirect: bool,
    /// The copy's `202 Accepted` carries `Content-Encoding: gzip` and
    /// `Content-Length: 0` (O365/python-o365#872).
    pub copy_accepted_gzip: bool,
    /// Emit `sha1Hash` beside `quickXorHash` (older Personal drives).
    pub legacy_sha1: bool,
    /// 0-byte files report `"hashes": {}` (seen on OneDrive for Business, fixed later:
    /// OneDrive/onedrive-api-docs#1704).
    pub no_hashes_for_empty_files: bool,
    /// `POST children` of an existing folder name answers 200 with the existing folder
    /// whatever the conflictBehavior (observed on Personal, 2019) instead of the
    /// documented `fail` → 409.
    pub mkdir_existing_ok: bool,
    /// `delta` on a folder other than the root answers 501 `notSupported` "view.delta can
    /// only be called on the root." (OneDrive for Business; onedrive-api-docs#842, #1060).
    pub delta_root_only: bool,
    /// Every delta page after the first starts with the previous page's last item again
    /// (delta doc: "The same item may appear more than once in a delta feed, for
    /// various reasons. You should use the last occurrence you see.").
    pub delta_repeat_items: bool,
    /// Every `children` page after the first starts with the previous page's last item
    /// again (items were seen twice across page boundaries: OneDrive/onedrive-api-docs
    /// #1669, #740). The repeated item counts against `$top`.
    pub children_repeat_items: bool,
    /// Before every `children` or `delta` page after the first, an empty page
    /// (`"value": []`) that carries a nextLink to it (OneDrive/onedrive-api-docs#516;
    /// microsoftgraph/microsoft-graph-docs#10289).
    pub empty_pages: bool,
    /// After content is stored (simple upload or session commit) the item settles for
    /// this long: a PATCH answers 412 `resourceModified` with `If-Match` (any value) or
    /// 409 `resourceModified` without; afterwards its eTag has changed once more
    /// (content unchanged). Zero: off. Seen on the service:
    /// OneDrive/onedrive-api-docs#800.
    pub etag_settle: Duration,
    /// What `GET /me/drive/sharedWithMe` answers (changeable at run time through
    /// `PUT /_emulator/shared-with-me`).
    pub shared_with_me: SharedWithMe,
    /// Default page size of `GET /sites?search=` (`$top` overrides it); the service's
    /// is undocumented.
    pub sites_page_size: usize,
    /// Owner of the drive, shown by `/me` and `drive.owner`.
    pub user_display_name: String,
    pub user_principal_name: String,

    // ---- operation ----
    /// Delay added to every response (a WAN round trip).
    pub latency: Duration,
    /// Seed for every random choice (ids, tokens, faults).
    pub seed: u64,
    /// Fraction (0..=1) of Graph requests that fail transiently.
    pub fault_rate: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            transfer_url: None,
            data_dir: None,
            tls: None,
            clients: Vec::new(),
            token_ttl: Duration::from_secs(3600),
            code_ttl: Duration::from_secs(600),
            refresh_token_reuse: true,
            device_pending_polls: 1,
            device_code_ttl: Duration::from_secs(900),
            device_interval_secs: 5,
            quota: 1 << 40,
            simple_upload_limit: 250 * 1024 * 1024,
            upload_session_ttl: Duration::from_secs(24 * 3600),
            upload_session_sliding: false,
            upload_session_expiry_status: 404,
            download_url_ttl: Duration::from_secs(3600),
            copy_delay: Duration::from_millis(200),
            copy_monitor_polls: None,
            copy_monitor_redirect: false,
            copy_accepted_gzip: false,
            legacy_sha1: false,
            no_hashes_for_empty_files: false,
            mkdir_existing_ok: false,
            delta_root_only: false,
            delta_repeat_items: false,
            children_repeat_items: false,
            empty_pages: false,
            etag_settle: Duration::ZERO,
            shared_with_me: SharedWithMe::Full,
            sites_page_size: 200,
            user_display_name: "Emulated User".into(),
            user_principal_name: "user@example.com".into(),
            latency: Duration::ZERO,
            seed: 0,
            fault_rate: 0.0,
        }
    }
}
