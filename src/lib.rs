//! onedrive-cli: a command-line client for Microsoft OneDrive on Microsoft Graph v1.0.
//!
//! The library is layered; each layer only uses the ones above it in this list:
//! 1. [`http`]: the one place requests are sent, retried, traced (with secrets redacted)
//!    and Graph errors decoded into typed errors.
//! 2. [`auth`]: OAuth 2.0 on the Microsoft identity platform (authorization code + PKCE,
//!    device code, refresh), producing access tokens for the HTTP layer.
//! 3. [`config`]: the `~/.lcrc` state file (locked, atomic, unknown keys preserved).
//! 4. [`graph`]: a thin typed wrapper, one method per Graph call (wire types in `graph::types`).
//! 5. [`drive`]: convenience API: object resolution, walks, uploads, downloads, copies.
//! 6. [`transfer`]: the transfer engine: many files in parallel, resumable (`get`/`put`).
//! 7. [`cli`]: argument parsing and output formatting only; no protocol logic.

pub mod auth;
pub mod cli;
pub mod config;
pub mod drive;
pub mod graph;
pub mod http;
pub mod transfer;
