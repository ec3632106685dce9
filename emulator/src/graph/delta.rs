//! `GET {folder}/delta`: change tracking with `@odata.nextLink` / `@odata.deltaLink`.
//!
//! Graph (graph-api-notes §4.2): without a token the whole subtree is enumerated; with
//! `token=latest` the reply is empty plus a deltaLink; with a previous token, the changes
//! since. Each page has either a nextLink (more in this round) or a deltaLink (round
//! done). Items come in their latest state, deleted ones with `deleted`, and (Personal,
//! observed; the doc's "no path" is Business) with `parentReference.path`. A token that can no longer be used gets `410 Gone` with a
//! `Location` that restarts the enumeration.
//!
//! A round's entries are computed once, when it starts, and kept in a paging session, so
//! pages stay consistent while the drive changes: changes made during the round have
//! later sequence numbers and show up in the next round.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use super::json::{self, ItemStyle, Select};
use super::{Ctx, json_response};
use crate::error::{GraphError, GraphResult};
use crate::store::{DeltaEntry, Item};

/// Paging sessions kept at most (oldest dropped first; a dropped session's nextLink
/// answers 410 and the client restarts, as with the service).
const MAX_SESSIONS: usize = 64;

struct Session {
    folder: String,
    entries: Vec<DeltaEntry>,
    epoch: u64,
    seq: u64,
    started: Instant,
}

/// Open paging rounds by session id.
#[derive(Default)]
pub struct DeltaSessions {
    inner: Mutex<(u64, HashMap<u64, Session>)>,
}

impl DeltaSessions {
    pub fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clear();
    }

    fn insert(&self, s: Session) -> u64 {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0 += 1;
        let id = g.0;
        if g.1.len() >= MAX_SESSIONS
            && let Some(oldest) = g.1.iter().min_by_key(|(_, s)| s.started).map(|(k, _)| *k)
        {
            g.1.remove(&oldest);
        }
        g.1.insert(id, s);
        id
    }
}

enum Token {
    /// End of a round: changes after `seq` of change-log `epoch`.
    Delta { epoch: u64, seq: u64 },
    /// Inside a round: session and offset.
    Next { session: u64, offset: usize },
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn encode(t: &Token) -> String {
    let s = match t {
        Token::Delta { epoch, seq } => format!("d:{epoch:x}:{seq:x}"),
        Token::Next { session, offset } => format!("n:{session:x}:{offset:x}"),
    };
    b64().encode(s)
}

fn decode(raw: &str) -> Option<Token> {
    let s = String::from_utf8(b64().decode(raw).ok()?).ok()?;
    let mut parts = s.split(':');
    let kind = parts.next()?;
    let a = u64::from_str_radix(parts.next()?, 16).ok()?;
    let b = u64::from_str_radix(parts.next()?, 16).ok()?;
    if parts.next().is_some() {
        return None;
    }
    match kind {
        "d" => Some(Token::Delta { epoch: a, seq: b }),
        "n" => Some(Token::Next {
            session: a,
            offset: usize::try_from(b).ok()?,
        }),
        _ => None,
    }
}

/// The delta URL without any token (`.../delta`), to build links from.
fn base_link(ctx: &Ctx) -> String {
    let path = match ctx.raw_path.rfind('/') {
        Some(i) => format!("{}/delta", &ctx.raw_path[..i]),
        None => ctx.raw_path.clone(),
    };
    format!("{}/v1.0{}", ctx.state.public_url, path)
}

fn link_with(ctx: &Ctx, token: Option<&str>) -> String {
    let mut pairs = ctx.query.without_paging();
    if let Some(t) = token {
        pairs.push(("token".into(), t.to_owned()));
    }
    let mut url = base_link(ctx);
    if !pairs.is_empty() {
        url.push('?');
        url.push_str(&super::query::query_string(&pairs));
    }
    url
}

/// 410 with a Location that restarts the full enumeration.
fn resync(ctx: &Ctx) -> GraphError {
    GraphError::new(
        StatusCode::GONE,
        "resyncChangesApplyDifferences",
        "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about.",
    )
    .inner("resyncRequired")
    .header(header::LOCATION, &link_with(ctx, None))
}

pub fn delta(ctx: &Ctx, folder: &Item, path_token: Option<String>) -> GraphResult<Response> {
    if !folder.is_folder() {
        return Err(GraphError::invalid_request(
            "delta is only supported on folders.",
        ));
    }
    let select = Select::parse_item(ctx.query.odata("select"))?;
    let top = ctx.query.top(super::listing::DEFAULT_PAGE)?;
    let token = path_token.or_else(|| ctx.query.get("token").map(str::to_owned));
    let store = &ctx.state.store;
    let (epoch_now, seq_now) = store.delta_position();
    let (session, offset) = match token.as_deref() {
        Some("latest") => {
            let t = encode(&Token::Delta {
                epoch: epoch_now,
                seq: seq_now,
            });
            return Ok(json_response(
                StatusCode::OK,
                json!({
                    "@odata.context": json::items_context(&ctx.state),
                    "value": [],
                    "@odata.deltaLink": link_with(ctx, Some(&t)),
                }),
            ));
        }
        None => {
            let batch = store.delta(&folder.id, None)?;
            (start_session(ctx, folder, batch), 0)
        }
        Some(raw) => match decode(raw) {
            Some(Token::Delta { epoch, seq }) => {
                if epoch != epoch_now || seq > seq_now {
                    return Err(resync(ctx));
                }
                let batch = store.delta(&folder.id, Some(seq))?;
                (start_session(ctx, folder, batch), 0)
            }
            Some(Token::Next { session, offset }) => (session, offset),
            None => return Err(resync(ctx)),
        },
    };
    // Serve one page of the session.
    let mut g = ctx
        .state
        .graph
        .deltas
        .inner
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let Some(s) = g.1.get(&session).filter(|s| s.folder == folder.id) else {
        drop(g);
        return Err(resync(ctx));
    };
    let end = offset.saturating_add(top).min(s.entries.len());
    let value: Vec<Value> = s
        .entries
        .get(offset.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|e| match e {
            DeltaEntry::Item(i) => {
                select.apply(json::item_json_styled(&ctx.state, i, ItemStyle::DELTA))
            }
            DeltaEntry::Deleted(d) => {
                // A deletion stays recognisable whatever `$select` asked for.
                let mut v = select.apply(json::deleted_json(&ctx.state, d));
                v["deleted"] = json!({"state": "deleted"});
                v
            }
        })
        .collect();
    let mut out = json!({
        "@odata.context": json::items_context(&ctx.state),
        "value": value,
    });
    if end < s.entries.len() {
        let t = encode(&Token::Next {
            session,
            offset: end,
        });
        out["@odata.nextLink"] = json!(link_with(ctx, Some(&t)));
    } else {
        let t = encode(&Token::Delta {
            epoch: s.epoch,
            seq: s.seq,
        });
        out["@odata.deltaLink"] = json!(link_with(ctx, Some(&t)));
        g.1.remove(&session);
    }
    drop(g);
    Ok(json_response(StatusCode::OK, out))
}

fn start_session(ctx: &Ctx, folder: &Item, batch: crate::store::DeltaBatch) -> u64 {
    ctx.state.graph.deltas.insert(Session {
        folder: folder.id.clone(),
        entries: batch.entries,
        epoch: batch.epoch,
        seq: batch.seq,
        started: Instant::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_roundtrip_and_garbage_is_rejected() {
        match decode(&encode(&Token::Delta { epoch: 7, seq: 99 })) {
            Some(Token::Delta { epoch: 7, seq: 99 }) => {}
            _ => panic!("delta token"),
        }
        match decode(&encode(&Token::Next {
            session: 3,
            offset: 200,
        })) {
            Some(Token::Next {
                session: 3,
                offset: 200,
            }) => {}
            _ => panic!("next token"),
        }
        assert!(decode("not a token").is_none());
        assert!(decode(&b64().encode("x:1:2")).is_none());
    }
}
