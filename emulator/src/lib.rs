//! onedrive-emulator: a local, faithful copy of the Microsoft Graph v1.0 OneDrive API and
//! the Microsoft identity platform (OAuth 2.0 v2.0 endpoints).
//!
//! It is written from the service's documented behaviour (see `emulator/README.md` and the
//! project's Graph notes), never from the client's code, and does not depend on the client
//! crate: a misunderstanding shared by both would otherwise go unnoticed by every test.
//!
//! Layout (one concern per module):
//! - [`config`]: every knob the binary's flags and the tests can set.
//! - [`server`]: binding, TLS, the middleware stack (request-id, latency, stats, faults).
//! - [`error`]: Graph's error body and the identity platform's error body.
//! - [`drives`]: other users' drives, SharePoint sites and libraries, sharing.
//! - [`store`]: the drive: item tree, content blobs, quota, recycle bin, persistence.
//! - [`identity`]: `/{tenant}/oauth2/v2.0/{authorize,token,devicecode}` and token checks.
//! - [`graph`]: `/v1.0/...` routing, path addressing and the metadata endpoints.
//! - [`transfer`]: downloads (302 + pre-authenticated URLs), simple upload, upload sessions.
//! - [`faults`]: seeded random and scripted transient failures.
//! - [`stats`]: request counters and byte counters.
//! - [`admin`]: `/_emulator/...` control routes.

// Handlers return `Result<_, GraphError>` everywhere; the error is built once per failed
// request, so its size (headers + JSON extras) costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod config;
pub mod drives;
pub mod error;
pub mod faults;
pub mod graph;
pub mod identity;
pub mod preauth;
pub mod server;
pub mod state;
pub mod stats;
pub mod store;
pub mod transfer;

pub use config::Config;
pub use server::{BackgroundEmulator, Running, start, start_in_thread};
