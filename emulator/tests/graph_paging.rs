//! Paging quirks seen on the service, each behind a flag: `children` pages that repeat
//! the previous page's last item (`--children-repeat-items`; OneDrive/onedrive-api-docs
//! #1669, #740) and empty pages that still carry a nextLink (`--empty-pages`;
//! OneDrive/onedrive-api-docs#516, microsoftgraph/microsoft-graph-docs#10289).

mod graph_support;

use std::collections::HashSet;

use graph_support::*;
use reqwest::StatusCode;
use serde_json::Value;

/// Every page of a listing, following nextLinks verbatim (at most 1,000 pages).
async fn pages(emu: &Emu, first: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut url = emu.url(first);
    for _ in 0..1000 {
        let (st, page) = emu.get_url(&url).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        let next = page["@odata.nextLink"].as_str().map(str::to_owned);
        out.push(page);
        match next {
            Some(n) => url = n,
            None => return out,
        }
    }
    panic!("more than 1,000 pages");
}

fn ids(page: &Value) -> Vec<String> {
    page["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect()
}

/// A folder `a` holding `n` files.
fn fill(emu: &Emu, n: usize) {
    let a = emu.mkdir(&emu.root_id(), "a");
    emu.running
        .state
        .store
        .populate(&a.id, 0, n, &[1], 1)
        .expect("populate");
}

const CHILDREN: &str = "/v1.0/me/drive/root:/a:/children?$top=100";

#[tokio::test]
async fn by_default_pages_neither_repeat_nor_come_empty() {
    let emu = Emu::start().await;
    fill(&emu, 250);
    let ps = pages(&emu, CHILDREN).await;
    assert_eq!(ps.len(), 3);
    let all: Vec<String> = ps.iter().flat_map(ids).collect();
    assert_eq!(all.len(), 250);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 250);
    let ps = pages(&emu, "/v1.0/me/drive/root/delta?$top=100").await;
    assert!(ps.iter().all(|p| !ids(p).is_empty()));
}

#[tokio::test]
async fn children_repeat_the_previous_pages_last_item() {
    let emu = Emu::start_with(|c| c.children_repeat_items = true).await;
    fill(&emu, 250);
    for first in [
        CHILDREN,
        "/v1.0/me/drive/root:/a:/children?$top=100&$orderby=name desc",
    ] {
        let ps = pages(&emu, first).await;
        assert!(ps.len() >= 3, "{}", ps.len());
        for w in ps.windows(2) {
            let (prev, next) = (ids(&w[0]), ids(&w[1]));
            assert_eq!(
                next.first(),
                prev.last(),
                "a page starts with the last one's end"
            );
            assert!(next.len() <= 100, "the repeat counts against $top");
        }
        let all: Vec<String> = ps.iter().flat_map(ids).collect();
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), 250);
        assert_eq!(all.len(), 250 + ps.len() - 1, "one repeat per later page");
    }
    // `$top=1` still moves on.
    let ps = pages(&emu, "/v1.0/me/drive/root:/a:/children?$top=1").await;
    let all: Vec<String> = ps.iter().flat_map(ids).collect();
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 250);
}

#[tokio::test]
async fn empty_pages_come_between_children_pages() {
    let emu = Emu::start_with(|c| c.empty_pages = true).await;
    fill(&emu, 250);
    let ps = pages(&emu, CHILDREN).await;
    // real, empty, real, empty, real
    assert_eq!(ps.len(), 5);
    for (i, p) in ps.iter().enumerate() {
        let empty = ids(p).is_empty();
        assert_eq!(empty, i % 2 == 1, "page {i}: {p}");
        if empty {
            assert_eq!(p["value"], Value::Array(Vec::new()));
            assert!(p["@odata.nextLink"].is_string(), "an empty page leads on");
        }
    }
    let all: Vec<String> = ps.iter().flat_map(ids).collect();
    assert_eq!(all.len(), 250);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 250);
    // A folder that fits one page has no empty page.
    let (_, one) = emu.get("/me/drive/root/children").await;
    assert!(one["@odata.nextLink"].is_null());
}

#[tokio::test]
async fn empty_pages_come_between_delta_pages() {
    let emu = Emu::start_with(|c| c.empty_pages = true).await;
    fill(&emu, 250);
    let ps = pages(&emu, "/v1.0/me/drive/root/delta?$top=100").await;
    assert_eq!(ps.len(), 5);
    for (i, p) in ps.iter().enumerate() {
        assert_eq!(ids(p).is_empty(), i % 2 == 1, "page {i}: {p}");
        assert!(p["@odata.deltaLink"].is_null() == (i + 1 < ps.len()));
    }
    let all: Vec<String> = ps.iter().flat_map(ids).collect();
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 1 + 1 + 250);
    // The round's deltaLink works as usual.
    let link = ps[4]["@odata.deltaLink"].as_str().expect("deltaLink");
    let (st, next) = emu.get_url(link).await;
    assert_eq!(st, StatusCode::OK);
    assert!(next["@odata.deltaLink"].is_string());
}
