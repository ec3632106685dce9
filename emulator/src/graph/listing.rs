//! Collections: `children`, `search(q='…')` and `/me/drive/recent`, with `$top`,
//! `$select`, `$orderby` and `$skiptoken` paging (`@odata.nextLink` full URLs).
//!
//! Graph: default page 200 items, `$top` at most 1000, `nextLink` carries `$skiptoken`
//! and must be followed verbatim; the last page has none (graph-api-notes §4.1).

use std::cmp::Ordering;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::Value;

use super::item_json::{ItemJson, Page, Render};
use super::json::{self, ItemStyle, Select};
use super::{Ctx, query};
use crate::error::{GraphError, GraphResult};
use crate::store::{Item, ItemId};

pub const DEFAULT_PAGE: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortKey {
    Name,
    Size,
    LastModified,
}

/// Parses `$orderby=name desc,size` (Personal sorts by name, size, lastModifiedDateTime).
fn parse_orderby(raw: &str) -> GraphResult<Vec<(SortKey, bool)>> {
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or("");
        let key = match field {
            "name" => SortKey::Name,
            "size" => SortKey::Size,
            "lastModifiedDateTime" => SortKey::LastModified,
            other => {
                return Err(GraphError::invalid_request(format!(
                    "Ordering by '{other}' is not supported."
                ))
                .inner("invalidQueryOption"));
            }
        };
        let desc = match words.next() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(GraphError::invalid_request(format!(
                    "Invalid sort direction '{other}'."
                ))
                .inner("invalidQueryOption"));
            }
        };
        if words.next().is_some() {
            return Err(
                GraphError::invalid_request(format!("Invalid $orderby '{part}'."))
                    .inner("invalidQueryOption"),
            );
        }
        out.push((key, desc));
    }
    Ok(out)
}

fn compare(a: &Item, b: &Item, key: SortKey) -> Ordering {
    match key {
        SortKey::Name => a
            .name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.name.cmp(&b.name)),
        SortKey::Size => a.size.cmp(&b.size),
        SortKey::LastModified => a.modified.cmp(&b.modified),
    }
}

fn sort_items(items: &mut [Item], keys: &[(SortKey, bool)]) {
    if keys.is_empty() {
        return;
    }
    items.sort_by(|a, b| {
        for &(k, desc) in keys {
            let o = compare(a, b, k);
            let o = if desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.id.cmp(&b.id)
    });
}

/// Where a `$skiptoken` points: the page starting at `offset`, or (`empty`) the empty
/// page served before it with `--empty-pages`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Skip {
    offset: usize,
    empty: bool,
}

fn encode_skip(skip: Skip) -> String {
    let kind = if skip.empty { "empty" } else { "skip" };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{}", skip.offset))
}

fn decode_skip(token: &str) -> GraphResult<Skip> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (kind, n) = s.split_once(':')?;
            let empty = match kind {
                "skip" => false,
                "empty" => true,
                _ => return None,
            };
            Some(Skip {
                offset: n.parse().ok()?,
                empty,
            })
        })
        .ok_or_else(|| {
            GraphError::invalid_request("The $skiptoken is not valid.").inner("invalidQueryOption")
        })
}

/// What kind of collection a page belongs to (decorations its items carry, and the
/// paging quirks that apply to it).
#[derive(Clone, Copy, Default)]
struct Kind {
    search: bool,
    /// `children`: `--children-repeat-items` and `--empty-pages` apply.
    children: bool,
}

/// One page of `items` per the request's `$orderby`/`$top`/`$skiptoken`/`$select`:
/// `{"@odata.context","value":[...],"@odata.nextLink"?}`.
fn page(ctx: &Ctx, mut items: Vec<Item>, kind: Kind) -> GraphResult<Response> {
    if let Some(ob) = ctx.query.odata("orderby") {
        sort_items(&mut items, &parse_orderby(ob)?);
    }
    paged(ctx, kind, |offset, limit| {
        let total = items.len();
        let end = offset.saturating_add(limit).min(total);
        Ok((
            items.get(offset.min(end)..end).unwrap_or_default().to_vec(),
            total,
        ))
    })
}

/// Renders the page `fetch(offset, top)` returns (the items and the collection size),
/// serialized straight to the body.
///
/// For `children`, two quirks of the service can be played: `--children-repeat-items`
/// starts every page after the first with the previous page's last item again (it
/// counts against `$top`; items were seen twice across page boundaries,
/// OneDrive/onedrive-api-docs#1669, #740), and `--empty-pages` serves an empty page
/// (`"value": []`) with a nextLink before every following page (#516;
/// microsoft-graph-docs#10289).
fn paged(
    ctx: &Ctx,
    kind: Kind,
    fetch: impl FnOnce(usize, usize) -> GraphResult<(Vec<Item>, usize)>,
) -> GraphResult<Response> {
    let select = Select::parse_item(ctx.query.odata("select"))?;
    let top = ctx.query.top(DEFAULT_PAGE)?;
    let skip = match ctx.query.odata("skiptoken") {
        Some(t) => decode_skip(t)?,
        None => Skip {
            offset: 0,
            empty: false,
        },
    };
    let config = &ctx.state.config;
    let link = |skip: Skip| {
        let mut pairs = ctx.query.without_paging();
        pairs.push(("$skiptoken".into(), encode_skip(skip)));
        ctx.link(&pairs)
    };
    let next_link = |offset: usize| {
        let empty = kind.children && config.empty_pages;
        link(Skip { offset, empty })
    };
    if skip.empty {
        // The empty page, then the real one.
        let real = link(Skip {
            offset: skip.offset,
            empty: false,
        });
        let page: Page<ItemJson<'_, '_>> = Page::empty(json::items_context(&ctx.state), real);
        return Ok(page.into_response());
    }
    let offset = skip.offset;
    // A repeated item counts against `$top`; a page still moves on by one at least.
    let (from, limit) = if kind.children && config.children_repeat_items && offset > 0 {
        (offset - 1, top.max(2))
    } else {
        (offset, top)
    };
    let (items, total) = fetch(from, limit)?;
    let end = from.saturating_add(items.len());
    let mut render = Render::new(&ctx.state, &ctx.drive, &select, ItemStyle::FULL);
    render.search_result = kind.search;
    let page = Page {
        context: json::items_context(&ctx.state),
        next_link: (end < total).then(|| next_link(end)),
        delta_link: None,
        value: items.iter().map(|i| render.item(i)).collect(),
        written: None,
    };
    Ok(page.into_response())
}

/// `GET {folder}/children`. 304 when `If-None-Match` names the folder's current tag.
pub fn children(ctx: &Ctx, folder: &Item) -> GraphResult<Response> {
    if query::not_modified(&ctx.headers, folder) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    if !folder.is_folder() {
        // Graph: only folders (and packages) have children.
        return Err(GraphError::invalid_request("The item is not a folder."));
    }
    let store = ctx.drive.store();
    let kind = Kind {
        search: false,
        children: true,
    };
    if ctx.query.odata("orderby").is_some() {
        page(ctx, store.children(&folder.id)?, kind)
    } else {
        // Name order is the store's own: snapshot only the page.
        paged(ctx, kind, |offset, limit| {
            store.children_page(&folder.id, offset, limit)
        })
    }
}

/// The first page of children for `$expand=children` (no nextLink, as Graph does).
pub fn first_children_page(ctx: &Ctx, folder: &ItemId) -> GraphResult<Vec<Value>> {
    // One renderer for the page: what its items share is computed once.
    let all = Select::all();
    let render = Render::new(&ctx.state, &ctx.drive, &all, ItemStyle::FULL);
    Ok(ctx
        .drive
        .store()
        .children(folder)?
        .iter()
        .take(DEFAULT_PAGE)
        .map(|i| render.value(i))
        .collect())
}

/// `search(q='…')` below `folder`: name and description matches, paged like children.
pub fn search(ctx: &Ctx, folder: &ItemId, q: &str) -> GraphResult<Response> {
    let items = ctx.drive.store().search(folder, q)?;
    page(
        ctx,
        items,
        Kind {
            search: true,
            children: false,
        },
    )
}

/// `GET /me/drive/recent`: recently modified files, newest first (the API is deprecated
/// and returns sparse results; one page).
pub fn recent(ctx: &Ctx) -> GraphResult<Response> {
    let select = Select::parse_item(ctx.query.odata("select"))?;
    let items = ctx.drive.store().recent(25);
    let mut render = Render::new(&ctx.state, &ctx.drive, &select, ItemStyle::FULL);
    render.last_accessed = true;
    let page = Page {
        context: json::items_context(&ctx.state),
        next_link: None,
        delta_link: None,
        value: items.iter().map(|i| render.item(i)).collect(),
        written: None,
    };
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orderby_parsing() {
        assert_eq!(
            parse_orderby("name desc, size").unwrap(),
            vec![(SortKey::Name, true), (SortKey::Size, false)]
        );
        assert!(parse_orderby("bogus").is_err());
        assert!(parse_orderby("name sideways").is_err());
    }

    #[test]
    fn skiptoken_roundtrip() {
        for empty in [false, true] {
            let skip = Skip {
                offset: 1234,
                empty,
            };
            assert_eq!(decode_skip(&encode_skip(skip)).unwrap(), skip);
        }
        assert!(decode_skip("garbage!").is_err());
    }
}
