//! Wiring the stack from the state file: config → HTTP (base headers) → token manager →
//! Graph client (base URL and drive from `api`). One call for every command that talks
//! to Graph.

use std::sync::Arc;

use super::client::GraphClient;
use crate::auth::TokenManager;
use crate::auth::login::http_for_state;
use crate::config::{State, StateFile};
use crate::http::{HttpClient, Network, Result};

/// A ready-to-use Graph client and what it was built from.
#[derive(Debug)]
pub struct Connection {
    pub store: StateFile,
    /// The state as read (its `warnings` are for the user, on stderr).
    pub state: State,
    pub tokens: Arc<TokenManager>,
    pub graph: GraphClient,
}

impl Connection {
    /// Reads the state file and builds the client (no request is made).
    pub fn open(store: StateFile, network: &Network) -> Result<Self> {
        let state = store.load()?;
        let http = http_for_state(&state, network)?;
        Self::with_http(store, state, http)
    }

    /// Like [`open`](Self::open) with a given HTTP client (custom transport or retry).
    pub fn with_http(store: StateFile, state: State, http: HttpClient) -> Result<Self> {
        let tokens = Arc::new(TokenManager::from_state(http, &state, store.clone())?);
        let graph = GraphClient::new(
            tokens.authorized_http(),
            state.api.graph_url(),
            state.api.drive(),
        )?;
        Ok(Self {
            store,
            state,
            tokens,
            graph,
        })
    }
}
