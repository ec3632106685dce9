//! `GET {folder}/delta`: change tracking with `@odata.nextLink` / `@odata.deltaLink`.
//!
//! Graph (graph-api-notes §4.2): without a token the whole subtree is enumerated; with
//! `token=latest` the reply is empty plus a deltaLink; with a previous token, the changes
//! since. Each page has either a nextLink (more in this round) or a deltaLink (round
//! done). Items come in their latest state, deleted ones with `deleted`, and (Personal,
//! observed; the doc's "no path" is Business) with `parentReference.path`. A token that can no longer be used gets `410 Gone` with a
//! `Location` that restarts the enumeration.
//!
//! A round's entries (which items, in which order, and which deletions) are computed
//! once, when it starts, and kept in a paging session: changes made during the round
//! have later sequence numbers and show up in the next round. Items are rendered in
//! their state when their page is served, so an item changed during the round may show
//! its newer state now and again in the next round, as the service allows ("the same
//! item may appear more than once in a delta feed ... use the last occurrence", delta
//! doc); one deleted or moved away during the round is left out of this round's later
//! pages and reported by the next round. Keeping ids rather than copies of the items
//! makes the first page of a 20,000-item drive cost milliseconds, and a page is
//! rendered outside the sessions' lock, so concurrent rounds do not wait for each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::{StatusCode, header};
use axum::response::Response;
use base64::Engine as _;

use super::Ctx;
use super::item_json::{DeltaJson, Page, Render, WriteJson as _};
use super::json::{self, ItemStyle, Select};
use crate::error::{GraphError, GraphResult};
use crate::store::{DeltaEntry, DeltaItem, Item, ItemFields as _};

/// Paging sessions kept at most (oldest dropped first; a dropped session's nextLink
/// answers 410 and the client restarts, as with the service).
const MAX_SESSIONS: usize = 64;

/// One paging round. The sessions' map lock is held only to find a round; a round has a
/// lock of its own, so concurrent rounds (different clients, different folders) never
/// wait for each other's pages.
struct Session {
    folder: String,
    /// Change position when the round started: the deltaLink's token.
    epoch: u64,
    seq: u64,
    /// When a page of this round was last asked for: the least recently used round
    /// is dropped first.
    used: Mutex<Instant>,
    rest: Mutex<Rest>,
}

/// What is left of a round.
enum Rest {
    /// A round of changes: its entries, fixed when it started.
    Entries(Arc<[DeltaEntry]>),
    /// A full enumeration, walked one page at a time (see
    /// [`crate::store::Store::delta_walk_each`]).
    Walk(Walk),
}

/// A full enumeration in progress.
struct Walk {
    /// Ids still to visit, and the offset (ids taken so far) the next page starts at.
    stack: Vec<crate::store::ItemId>,
    at: usize,
    /// The page served last, for a client that asks for it again after losing the
    /// answer.
    last: Option<LastPage>,
}

/// A walk's page as served: its offset, its items as written (JSON values separated by
/// commas), the offset after it, and its last item's id.
struct LastPage {
    offset: usize,
    json: Arc<Vec<u8>>,
    end: usize,
    last_id: Option<crate::store::ItemId>,
}

/// A page's entries: a walk's items already written, or a changes round's items and
/// deletions.
enum Served {
    Walk(Arc<Vec<u8>>),
    Entries(Vec<DeltaItem>),
}

/// Open paging rounds by session id.
#[derive(Default)]
pub struct DeltaSessions {
    inner: Mutex<(u64, HashMap<u64, Arc<Session>>)>,
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
            && let Some(oldest) =
                g.1.iter()
                    .min_by_key(|(_, s)| *s.used.lock().unwrap_or_else(|e| e.into_inner()))
                    .map(|(k, _)| *k)
        {
            g.1.remove(&oldest);
        }
        g.1.insert(id, Arc::new(s));
        id
    }

    fn get(&self, id: u64) -> Option<Arc<Session>> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let s = g.1.get(&id).cloned()?;
        *s.used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        Some(s)
    }
}

enum Token {
    /// End of a round: changes after `seq` of change-log `epoch`.
    Delta { epoch: u64, seq: u64 },
    /// Inside a round: session and offset.
    Next { session: u64, offset: usize },
    /// The empty page served before the page at `offset` (`--empty-pages`).
    Empty { session: u64, offset: usize },
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn encode(t: &Token) -> String {
    let s = match t {
        Token::Delta { epoch, seq } => format!("d:{epoch:x}:{seq:x}"),
        Token::Next { session, offset } => format!("n:{session:x}:{offset:x}"),
        Token::Empty { session, offset } => format!("e:{session:x}:{offset:x}"),
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
        "e" => Some(Token::Empty {
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
    if ctx.state.config.delta_root_only && !folder.is_root() {
        // OneDrive for Business (onedrive-api-docs#842, #1060).
        return Err(GraphError::new(
            StatusCode::NOT_IMPLEMENTED,
            "notSupported",
            "view.delta can only be called on the root.",
        ));
    }
    let select = Select::parse_item(ctx.query.odata("select"))?;
    let top = ctx.query.top(super::listing::DEFAULT_PAGE)?;
    let token = path_token.or_else(|| ctx.query.get("token").map(str::to_owned));
    let store = ctx.drive.store();
    let (epoch_now, seq_now) = store.delta_position();
    let (session, offset) = match token.as_deref() {
        Some("latest") => {
            let t = encode(&Token::Delta {
                epoch: epoch_now,
                seq: seq_now,
            });
            let page: Page<DeltaJson> = Page {
                context: json::items_context(&ctx.state),
                next_link: None,
                delta_link: Some(link_with(ctx, Some(&t))),
                value: Vec::new(),
                written: None,
            };
            return Ok(page.into_response());
        }
        None => {
            let walk = Rest::Walk(Walk {
                stack: vec![folder.id.clone()],
                at: 0,
                last: None,
            });
            (start_session(ctx, folder, epoch_now, seq_now, walk), 0)
        }
        Some(raw) => match decode(raw) {
            Some(Token::Delta { epoch, seq }) => {
                if epoch != epoch_now || seq > seq_now {
                    return Err(resync(ctx));
                }
                let batch = store.delta(&folder.id, Some(seq))?;
                let rest = Rest::Entries(batch.entries.into());
                (start_session(ctx, folder, batch.epoch, batch.seq, rest), 0)
            }
            Some(Token::Next { session, offset }) => (session, offset),
            Some(Token::Empty { session, offset }) => {
                // `--empty-pages`: nothing, and a nextLink to the real page.
                if ctx
                    .state
                    .graph
                    .deltas
                    .get(session)
                    .is_none_or(|s| s.folder != folder.id)
                {
                    return Err(resync(ctx));
                }
                let real = link_with(ctx, Some(&encode(&Token::Next { session, offset })));
                let page: Page<DeltaJson> = Page::empty(json::items_context(&ctx.state), real);
                return Ok(page.into_response());
            }
            None => return Err(resync(ctx)),
        },
    };
    // Serve one page of the session, under the session's own lock only.
    let Some(round) = ctx
        .state
        .graph
        .deltas
        .get(session)
        .filter(|s| s.folder == folder.id)
    else {
        return Err(resync(ctx));
    };
    let repeat = ctx.state.config.delta_repeat_items;
    let (items, end, done) = {
        let mut rest = round.rest.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *rest {
            Rest::Entries(entries) => {
                // A repeated item counts against `$top`.
                let from = if repeat {
                    offset.saturating_sub(1)
                } else {
                    offset
                };
                let end = from.saturating_add(top).max(offset + 1).min(entries.len());
                let page = entries.get(from.min(end)..end).unwrap_or_default();
                let items = store.delta_items(&folder.id, page, round.seq);
                (Served::Entries(items), end, end >= entries.len())
            }
            Rest::Walk(w) => {
                let (json, end) = if offset == w.at {
                    // Written from the store's nodes in place, under its read lock:
                    // no copy of each item (see `store::view`).
                    let again = repeat && w.last.is_some();
                    let limit = if again {
                        top.saturating_sub(1).max(1)
                    } else {
                        top
                    };
                    let render = Render::new(&ctx.state, &ctx.drive, &select, ItemStyle::DELTA);
                    let mut json = Vec::with_capacity(1200 * limit);
                    if again
                        && let Some(id) = w.last.as_ref().and_then(|l| l.last_id.as_deref())
                        && let Ok(item) = store.get(id)
                    {
                        render.item(&item).write_json(&mut json);
                    }
                    let mut last_id = None;
                    let taken =
                        store.delta_walk_each(&folder.id, &mut w.stack, limit, round.seq, |v| {
                            if !json.is_empty() {
                                json.push(b',');
                            }
                            render.item(v).write_json(&mut json);
                            last_id = Some(v.id().to_owned());
                        });
                    let json = Arc::new(json);
                    w.at = offset + taken;
                    w.last = Some(LastPage {
                        offset,
                        json: Arc::clone(&json),
                        end: w.at,
                        last_id,
                    });
                    (json, w.at)
                } else {
                    match &w.last {
                        // The page served last, asked for again.
                        Some(l) if l.offset == offset => (Arc::clone(&l.json), l.end),
                        _ => return Err(resync(ctx)),
                    }
                };
                let done = end == w.at && w.stack.is_empty();
                (Served::Walk(json), end, done)
            }
        }
    };
    // A finished round stays until it is the least recently used of MAX_SESSIONS, so
    // that a client that lost the last page's answer can ask for it again.
    let delta_token = done.then(|| {
        encode(&Token::Delta {
            epoch: round.epoch,
            seq: round.seq,
        })
    });
    let render = Render::new(&ctx.state, &ctx.drive, &select, ItemStyle::DELTA);
    let (value, written) = match &items {
        Served::Walk(json) => (Vec::new(), Some(Arc::clone(json))),
        Served::Entries(items) => (
            items
                .iter()
                .map(|e| match e {
                    DeltaItem::Item(i) => DeltaJson::Item(render.item(&**i)),
                    DeltaItem::Deleted(d) => DeltaJson::Deleted(render.deleted(d)),
                })
                .collect(),
            None,
        ),
    };
    let next_link = delta_token.is_none().then(|| {
        // With `--empty-pages`, an empty page comes first (OneDrive/onedrive-api-docs#516).
        let t = if ctx.state.config.empty_pages {
            Token::Empty {
                session,
                offset: end,
            }
        } else {
            Token::Next {
                session,
                offset: end,
            }
        };
        link_with(ctx, Some(&encode(&t)))
    });
    let page = Page {
        context: json::items_context(&ctx.state),
        next_link,
        delta_link: delta_token.map(|t| link_with(ctx, Some(&t))),
        value,
        written,
    };
    Ok(page.into_response())
}

fn start_session(ctx: &Ctx, folder: &Item, epoch: u64, seq: u64, rest: Rest) -> u64 {
    ctx.state.graph.deltas.insert(Session {
        folder: folder.id.clone(),
        epoch,
        seq,
        used: Mutex::new(Instant::now()),
        rest: Mutex::new(rest),
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
        match decode(&encode(&Token::Empty {
            session: 4,
            offset: 7,
        })) {
            Some(Token::Empty {
                session: 4,
                offset: 7,
            }) => {}
            _ => panic!("empty-page token"),
        }
        assert!(decode("not a token").is_none());
        assert!(decode(&b64().encode("x:1:2")).is_none());
    }
}
