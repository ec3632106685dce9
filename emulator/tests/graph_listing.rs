//! Collections: children paging / `$top` / `$select` / `$orderby`, search, recent, delta.

mod graph_support;

use std::collections::HashSet;

use graph_support::{Emu, error_code, inner_code};
use reqwest::StatusCode;
use serde_json::Value;

fn names(page: &Value) -> Vec<String> {
    page["value"]
        .as_array()
        .expect("value array")
        .iter()
        .map(|v| v["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Follows `@odata.nextLink` to the end; returns every item and the page count.
async fn collect_all(emu: &Emu, first: &str) -> (Vec<Value>, usize) {
    let (s, mut page) = emu.get(first).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let mut all = Vec::new();
    let mut pages = 1;
    loop {
        all.extend(page["value"].as_array().unwrap().iter().cloned());
        let Some(next) = page["@odata.nextLink"].as_str() else {
            break;
        };
        assert!(next.starts_with(&emu.running.url), "full URL: {next}");
        assert!(next.contains("$skiptoken="), "Graph-style link: {next}");
        let (s, p) = emu.get_url(next).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        page = p;
        pages += 1;
    }
    (all, pages)
}

#[tokio::test]
async fn paging_across_more_than_1000_children() {
    let emu = Emu::start().await;
    let dir = emu.mkdir(&emu.root_id(), "big");
    emu.running
        .state
        .store
        .populate(&dir.id, 0, 2345, &[1], 1)
        .unwrap();
    let base = format!("/me/drive/items/{}/children", dir.id);
    // Default page: 200.
    let (_, first) = emu.get(&base).await;
    assert_eq!(first["value"].as_array().unwrap().len(), 200);
    let (all, pages) = collect_all(&emu, &base).await;
    assert_eq!(all.len(), 2345);
    assert_eq!(pages, 12);
    let ids: HashSet<_> = all.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2345, "no duplicates");
    // $top=1000: three pages, and the nextLink keeps $top and $select.
    let (all, pages) = collect_all(&emu, &format!("{base}?$top=1000&$select=name")).await;
    assert_eq!((all.len(), pages), (2345, 3));
    assert!(
        all.iter()
            .all(|v| v.get("size").is_none() && v["id"].is_string())
    );
    // Same by path, without `$`.
    let (all, pages) = collect_all(&emu, "/me/drive/root:/big:/children?top=500").await;
    assert_eq!((all.len(), pages), (2345, 5));
}

#[tokio::test]
async fn top_limits() {
    let emu = Emu::start().await;
    for (q, inner) in [
        ("$top=1001", "tooManyResultsRequested"),
        ("$top=0", "zeroOrFewerResultsRequested"),
        ("$top=-3", "zeroOrFewerResultsRequested"),
        ("$top=ten", "invalidQueryOption"),
    ] {
        let (s, b) = emu.get(&format!("/me/drive/root/children?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(error_code(&b), "invalidRequest");
        assert_eq!(inner_code(&b).as_deref(), Some(inner), "{q}");
    }
    let (s, _) = emu.get("/me/drive/root/children?$top=1000").await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = emu.get("/me/drive/root/children?$skiptoken=bogus").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    error_code(&b);
}

#[tokio::test]
async fn orderby_and_select() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    emu.file(&root, "b.txt", b"1");
    emu.file(&root, "A.txt", b"333");
    emu.file(&root, "c.txt", b"22");
    let (_, p) = emu.get("/me/drive/root/children").await;
    assert_eq!(names(&p), ["A.txt", "b.txt", "c.txt"]);
    let (_, p) = emu
        .get("/me/drive/root/children?$orderby=name%20desc")
        .await;
    assert_eq!(names(&p), ["c.txt", "b.txt", "A.txt"]);
    let (_, p) = emu.get("/me/drive/root/children?$orderby=size").await;
    assert_eq!(names(&p), ["b.txt", "c.txt", "A.txt"]);
    let (_, p) = emu.get("/me/drive/root/children?$orderby=size+desc").await;
    assert_eq!(names(&p), ["A.txt", "c.txt", "b.txt"]);
    // lastModifiedDateTime: touch b last.
    emu.running
        .state
        .store
        .update(
            &emu.running
                .state
                .store
                .resolve_path(&root, "b.txt")
                .unwrap()
                .id,
            onedrive_emulator::store::ItemPatch {
                description: Some("touched".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let (_, p) = emu
        .get("/me/drive/root/children?$orderby=lastModifiedDateTime%20desc&$top=1")
        .await;
    assert_eq!(names(&p), ["b.txt"]);
    assert!(p["@odata.nextLink"].as_str().unwrap().contains("orderby"));
    let (s, b) = emu.get("/me/drive/root/children?$orderby=color").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    error_code(&b);
    // $select on children: named fields + id only; downloadUrl on request.
    let (_, p) = emu
        .get("/me/drive/root/children?$select=name,@microsoft.graph.downloadUrl")
        .await;
    for v in p["value"].as_array().unwrap() {
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["@microsoft.graph.downloadUrl", "id", "name"]);
    }
    let (_, p) = emu
        .get("/me/drive/root/children?$select=name,@content.downloadUrl")
        .await;
    assert!(p["value"][0]["@content.downloadUrl"].is_string());
    let (s, _) = emu.get("/me/drive/root/children?$select=name,nope").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_with_quotes_and_paging() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    let d = emu.mkdir(&root, "Reports");
    emu.file(&d.id, "Q1 report.txt", b"x");
    emu.file(&d.id, "it's a report.txt", b"x");
    emu.file(&root, "unrelated.bin", b"x");
    let (s, p) = emu.get("/me/drive/root/search(q='report')").await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let mut n = names(&p);
    n.sort();
    assert_eq!(n, ["Q1 report.txt", "Reports", "it's a report.txt"]);
    assert!(p["value"][0]["searchResult"].is_object());
    // '' inside the literal is one quote; percent-encoded form too.
    let (_, p) = emu.get("/me/drive/root/search(q='it''s')").await;
    assert_eq!(names(&p), ["it's a report.txt"]);
    let (_, p) = emu.get("/me/drive/root/search(q=%27it%27%27s%27)").await;
    assert_eq!(names(&p), ["it's a report.txt"]);
    // Drive-wide search and a folder-scoped search.
    let (s, p) = emu.get("/me/drive/search(q='unrelated')").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(names(&p), ["unrelated.bin"]);
    let (_, p) = emu
        .get(&format!("/me/drive/items/{}/search(q='unrelated')", d.id))
        .await;
    assert!(names(&p).is_empty());
    // Paged with $top.
    let (all, pages) = collect_all(&emu, "/me/drive/root/search(q='r')?$top=1").await;
    assert_eq!(all.len(), pages);
    assert!(pages >= 3);
    // Malformed literal.
    let (s, b) = emu.get("/me/drive/root/search(q=report)").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    error_code(&b);
}

#[tokio::test]
async fn recent_lists_files_newest_first() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    emu.mkdir(&root, "folder");
    emu.file(&root, "old", b"1");
    let new = emu.file(&root, "new", b"2");
    emu.running
        .state
        .store
        .replace_content(
            &new.id,
            onedrive_emulator::store::Blob::from_bytes(b"22".to_vec()),
            Default::default(),
        )
        .unwrap();
    let (s, p) = emu.get("/me/drive/recent").await;
    assert_eq!(s, StatusCode::OK);
    let n = names(&p);
    assert_eq!(n.first().map(String::as_str), Some("new"));
    assert!(!n.contains(&"folder".to_owned()));
    assert!(p["value"][0]["fileSystemInfo"]["lastAccessedDateTime"].is_string());
}

fn delta_ids(all: &[Value]) -> Vec<(String, bool)> {
    all.iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or_default().to_owned(),
                v.get("deleted").is_some(),
            )
        })
        .collect()
}

/// Follows a delta round to its deltaLink.
async fn delta_round(emu: &Emu, url: &str) -> (Vec<Value>, String, usize) {
    let (s, mut page) = emu.get_url(url).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let mut all = Vec::new();
    let mut pages = 1;
    loop {
        all.extend(page["value"].as_array().unwrap().iter().cloned());
        if let Some(d) = page["@odata.deltaLink"].as_str() {
            assert!(page.get("@odata.nextLink").is_none());
            return (all, d.to_owned(), pages);
        }
        let next = page["@odata.nextLink"]
            .as_str()
            .expect("nextLink or deltaLink");
        let (s, p) = emu.get_url(next).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        page = p;
        pages += 1;
    }
}

#[tokio::test]
async fn delta_enumerates_then_reports_changes() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    let a = emu.mkdir(&root, "a");
    emu.running
        .state
        .store
        .populate(&a.id, 0, 450, &[3], 1)
        .unwrap();
    let start = emu.url("/v1.0/me/drive/root/delta");
    let (all, link, pages) = delta_round(&emu, &start).await;
    assert_eq!(all.len(), 1 + 1 + 450);
    assert_eq!(pages, 3);
    assert_eq!(all[0]["id"], root.as_str());
    assert_eq!(all[1]["name"], "a", "parents before children");
    // Personal's delta carries parentReference.path (the doc's omission is Business's):
    // abraunegg's onedrive 2.4 drops changes below the root without it.
    assert_eq!(all[1]["parentReference"]["path"], "/drive/root:");
    assert!(
        all[2..]
            .iter()
            .all(|v| v["parentReference"]["path"] == "/drive/root:/a"),
        "parentReference.path in delta"
    );
    // Nothing changed: an empty round.
    let (again, link, _) = delta_round(&emu, &link).await;
    assert!(again.is_empty(), "{again:?}");
    // Changes: a new file, a rename, a delete (folder with content).
    let b = emu.mkdir(&root, "b");
    emu.file(&b.id, "new.txt", b"x");
    let f0 = emu
        .running
        .state
        .store
        .resolve_path(&a.id, "file-000000.bin")
        .unwrap();
    emu.running
        .state
        .store
        .update(
            &f0.id,
            onedrive_emulator::store::ItemPatch {
                name: Some("renamed.bin".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let gone = emu.mkdir(&root, "gone");
    emu.file(&gone.id, "inner", b"y");
    let (d, link, _) = delta_round(&emu, &link).await;
    let seen = delta_ids(&d);
    assert!(seen.contains(&("new.txt".into(), false)), "{seen:?}");
    assert!(seen.contains(&("renamed.bin".into(), false)));
    assert!(seen.contains(&("b".into(), false)));
    // gone was created and deleted... only after this round; delete it now.
    assert!(seen.contains(&("gone".into(), false)));
    assert_eq!(
        emu.delete(&format!("/me/drive/items/{}", gone.id)).await,
        StatusCode::NO_CONTENT
    );
    let (d, link, _) = delta_round(&emu, &link).await;
    let seen = delta_ids(&d);
    assert!(seen.contains(&("gone".into(), true)), "{seen:?}");
    assert!(seen.contains(&("inner".into(), true)));
    let deleted = d.iter().find(|v| v["name"] == "gone").unwrap();
    assert_eq!(deleted["deleted"]["state"], "deleted");
    assert!(deleted["folder"].is_object());
    assert!(deleted.get("size").is_none());
    // token=latest: empty value and a deltaLink that sees only later changes.
    let (s, latest) = emu.get("/me/drive/root/delta?token=latest").await;
    assert_eq!(s, StatusCode::OK);
    assert!(latest["value"].as_array().unwrap().is_empty());
    let latest_link = latest["@odata.deltaLink"].as_str().unwrap().to_owned();
    emu.file(&root, "after-latest", b"z");
    let (d, _, _) = delta_round(&emu, &latest_link).await;
    let seen = delta_ids(&d);
    assert!(seen.contains(&("after-latest".into(), false)));
    assert!(!seen.iter().any(|(n, _)| n == "new.txt"));
    // The function form delta(token='...') works like ?token=.
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let (s, p) = emu
        .get(&format!("/me/drive/root/delta(token='{token}')"))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert!(p["@odata.deltaLink"].is_string());
    // $select applies; deletions keep their `deleted` facet.
    let (_, p) = emu.get("/me/drive/root/delta?$select=name").await;
    assert!(p["value"][0].get("size").is_none());
    let (s, latest) = emu
        .get("/me/drive/root/delta?token=latest&$select=id,name")
        .await;
    assert_eq!(s, StatusCode::OK);
    let keep = emu
        .running
        .state
        .store
        .resolve_path(&root, "after-latest")
        .unwrap();
    assert_eq!(
        emu.delete(&format!("/me/drive/items/{}", keep.id)).await,
        StatusCode::NO_CONTENT
    );
    let (d, _, _) = delta_round(&emu, latest["@odata.deltaLink"].as_str().unwrap()).await;
    let gone = d
        .iter()
        .find(|v| v["id"] == keep.id.as_str())
        .expect("deleted entry");
    assert!(gone["deleted"].is_object(), "{gone}");
    assert!(gone.get("parentReference").is_none(), "{gone}");
}

#[tokio::test]
async fn delta_on_a_folder_and_invalid_tokens() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    let a = emu.mkdir(&root, "a");
    emu.file(&a.id, "in-a", b"1");
    emu.file(&root, "outside", b"1");
    let (all, link, _) = delta_round(
        &emu,
        &emu.url(&format!("/v1.0/me/drive/items/{}/delta", a.id)),
    )
    .await;
    assert_eq!(
        delta_ids(&all),
        [("a".into(), false), ("in-a".into(), false)]
    );
    emu.file(&root, "outside2", b"1");
    let (d, _, _) = delta_round(&emu, &link).await;
    assert!(d.is_empty(), "{d:?}");
    // Garbage token → 410 with a Location that restarts.
    let (s, h, b) = emu
        .send(emu.req(reqwest::Method::GET, "/me/drive/root/delta?token=garbage"))
        .await;
    assert_eq!(s, StatusCode::GONE);
    error_code(&b);
    let restart = h["location"].to_str().unwrap().to_owned();
    assert!(!restart.contains("token="));
    let (all, root_link, _) = delta_round(&emu, &restart).await;
    assert_eq!(all.len(), 5);
    // After a reset, old tokens are gone too (and so is folder `a`: 404).
    emu.running.state.store.reset();
    let (s, _) = emu.get_url(&root_link).await;
    assert_eq!(s, StatusCode::GONE);
    let (s, _) = emu.get_url(&link).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // delta on a file.
    let f = emu.file(&emu.root_id(), "f", b"");
    let (s, _) = emu.get(&format!("/me/drive/items/{}/delta", f.id)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_delta_page_asked_for_again_is_the_same_page() {
    // A client that lost an answer follows the same nextLink again: it must get that
    // page again, not the one after it (which would silently skip items).
    let emu = Emu::start().await;
    let root = emu.root_id();
    let a = emu.mkdir(&root, "a");
    emu.running
        .state
        .store
        .populate(&a.id, 3, 250, &[1], 2)
        .unwrap();
    let (s, first) = emu.get("/me/drive/root/delta?$top=100").await;
    assert_eq!(s, StatusCode::OK);
    let next = first["@odata.nextLink"].as_str().unwrap().to_owned();
    let (_, p1) = emu.get_url(&next).await;
    let (s, again) = emu.get_url(&next).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    // Same items (download URLs carry a fresh expiry, so compare ids and eTags).
    let keys = |p: &Value| -> Vec<(String, String)> {
        p["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["id"].to_string(), v["eTag"].to_string()))
            .collect()
    };
    assert_eq!(keys(&p1), keys(&again));
    assert_eq!(keys(&p1).len(), 100);
    assert_eq!(p1["@odata.nextLink"], again["@odata.nextLink"]);
    // The last page too: asked for again after the round ended, it comes again.
    let (s, small) = emu
        .get(&format!("/me/drive/items/{}/delta?$top=200", a.id))
        .await;
    assert_eq!(s, StatusCode::OK);
    let last = small["@odata.nextLink"].as_str().unwrap().to_owned();
    let (s, end) = emu.get_url(&last).await;
    assert_eq!(s, StatusCode::OK);
    assert!(end["@odata.deltaLink"].is_string(), "a 2-page round");
    let (s, again) = emu.get_url(&last).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(keys(&end), keys(&again));
    // The round still completes, every item once, parents before children.
    let (rest, _, _) = delta_round(&emu, p1["@odata.nextLink"].as_str().unwrap()).await;
    let mut all: Vec<Value> = first["value"].as_array().unwrap().clone();
    all.extend(p1["value"].as_array().unwrap().iter().cloned());
    all.extend(rest);
    assert_eq!(all.len(), 1 + 1 + 3 + 250);
    let ids: HashSet<&str> = all.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "no item twice");
    let mut seen = HashSet::new();
    for v in &all {
        if let Some(parent) = v["parentReference"]["id"].as_str() {
            assert!(seen.contains(parent), "parent of {} came first", v["name"]);
        }
        seen.insert(v["id"].as_str().unwrap());
    }
}

#[tokio::test]
async fn an_item_deleted_during_a_round_is_reported_by_the_next_round() {
    let emu = Emu::start().await;
    let root = emu.root_id();
    let a = emu.mkdir(&root, "a");
    emu.running
        .state
        .store
        .populate(&a.id, 0, 300, &[1], 1)
        .unwrap();
    let (s, first) = emu.get("/me/drive/root/delta?$top=100").await;
    assert_eq!(s, StatusCode::OK);
    // The last file is still to come in this round: delete it now.
    let last = emu
        .running
        .state
        .store
        .resolve_path(&a.id, "file-000299.bin")
        .unwrap();
    assert_eq!(
        emu.delete(&format!("/me/drive/items/{}", last.id)).await,
        StatusCode::NO_CONTENT
    );
    let (rest, link, _) = delta_round(&emu, first["@odata.nextLink"].as_str().unwrap()).await;
    assert!(
        !rest.iter().any(|v| v["id"] == last.id.as_str()),
        "a deleted item is not served as live"
    );
    assert_eq!(
        first["value"].as_array().unwrap().len() + rest.len(),
        1 + 1 + 299
    );
    let (next, _, _) = delta_round(&emu, &link).await;
    let gone = next
        .iter()
        .find(|v| v["id"] == last.id.as_str())
        .expect("reported");
    assert!(gone["deleted"].is_object(), "{gone}");
}

#[tokio::test]
async fn delta_repeat_items_repeats_the_previous_pages_last_item() {
    let emu = Emu::start_with(|c| c.delta_repeat_items = true).await;
    let root = emu.root_id();
    let a = emu.mkdir(&root, "a");
    emu.running
        .state
        .store
        .populate(&a.id, 0, 250, &[1], 1)
        .unwrap();
    let (all, _, pages) = delta_round(&emu, &emu.url("/v1.0/me/drive/root/delta?$top=100")).await;
    let distinct: HashSet<&str> = all.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(distinct.len(), 1 + 1 + 250);
    assert_eq!(
        all.len(),
        distinct.len() + pages - 1,
        "one repeat per later page"
    );
    assert!(pages >= 3);
}
