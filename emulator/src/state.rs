//! Shared state handed to every handler.

use std::sync::Arc;

use crate::config::Config;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

pub struct Inner {
    pub config: Config,
    /// Base URL without trailing slash, e.g. `http://127.0.0.1:43210`.
    pub public_url: String,
    pub store: Store,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl AppState {
    pub fn new(config: Config, public_url: String) -> std::io::Result<Self> {
        let store = Store::open(&config)?;
        Ok(Self { inner: Arc::new(Inner { config, public_url, store }) })
    }
}
