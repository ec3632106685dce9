//! Shared state handed to every handler. Each module owns its own part.

use std::sync::Arc;

use crate::config::Config;
use crate::drives::DrivesState;
use crate::faults::Faults;
use crate::graph::GraphState;
use crate::identity::IdentityState;
use crate::stats::Stats;
use crate::store::Store;
use crate::transfer::TransferState;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

pub struct Inner {
    pub config: Config,
    /// Base URL without trailing slash, e.g. `http://127.0.0.1:43210`.
    pub public_url: String,
    /// Base of download, upload-session and copy-monitor URLs (`config.transfer_url`,
    /// else the public URL), without trailing slash.
    pub transfer_url: String,
    pub store: Store,
    pub identity: IdentityState,
    pub graph: GraphState,
    pub transfer: TransferState,
    pub faults: Faults,
    pub stats: Stats,
    /// Other users' drives, SharePoint sites and libraries, grants and shortcuts.
    pub drives: DrivesState,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl AppState {
    pub fn new(config: Config, public_url: String) -> std::io::Result<Self> {
        let transfer_url = config
            .transfer_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| public_url.clone());
        let inner = Inner {
            transfer_url,
            store: Store::open(&config)?,
            identity: IdentityState::new(&config),
            graph: GraphState::new(&config),
            transfer: TransferState::new(&config),
            faults: Faults::new(&config),
            stats: Stats::new(&config),
            drives: DrivesState::new(&config),
            config,
            public_url,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }
}
