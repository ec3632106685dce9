//! SharePoint sites and document libraries: `/sites?search=`, `/sites/{id}`,
//! `/sites/{id}/drives`, `/sites/{id}/drive`, and every item route against a library
//! through `/drives/{id}/...`.

mod graph_support;

use std::time::Duration;

use graph_support::{Emu, error_code, path, seg};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Creates a library `name` in site `site`; returns (site JSON, drive JSON).
async fn library(emu: &Emu, site: &str, name: &str, description: Option<&str>) -> (Value, Value) {
    let mut body = json!({"kind": "documentLibrary", "site": site, "name": name});
    if let Some(d) = description {
        body["description"] = json!(d);
    }
    let (s, v) = emu.admin_post("drives", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (v["site"].clone(), v["drive"].clone())
}

fn names(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|x| {
            x["displayName"]
                .as_str()
                .or(x["name"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn site_search_matches_keywords_case_insensitively() {
    let emu = Emu::start().await;
    library(
        &emu,
        "Marketing Team",
        "Documents",
        Some("Campaigns and brand"),
    )
    .await;
    library(&emu, "Engineering", "Documents", None).await;
    library(&emu, "Marketing Archive", "Documents", None).await;

    let (s, v) = emu.get("/sites?search=marketing").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["@odata.context"]
            .as_str()
            .unwrap_or("")
            .ends_with("$metadata#sites")
    );
    assert_eq!(names(&v), ["Marketing Team", "Marketing Archive"]);
    assert!(v.get("@odata.nextLink").is_none());

    let (_, v) = emu.get("/sites?search=MARKETING%20team").await;
    assert_eq!(names(&v), ["Marketing Team"]);
    // The description is searched too.
    let (_, v) = emu.get("/sites?search=Brand").await;
    assert_eq!(names(&v), ["Marketing Team"]);
    let site = &v["value"][0];
    let id = site["id"].as_str().expect("id");
    assert_eq!(id.split(',').count(), 3, "{id}");
    assert!(id.starts_with("contoso.sharepoint.com,"));
    assert_eq!(site["name"], "MarketingTeam");
    assert_eq!(site["description"], "Campaigns and brand");
    assert_eq!(site["siteCollection"]["hostname"], "contoso.sharepoint.com");
    assert!(
        site["webUrl"]
            .as_str()
            .unwrap_or("")
            .ends_with("/sites/MarketingTeam")
    );
    assert!(site["createdDateTime"].is_string() && site["lastModifiedDateTime"].is_string());

    let (s, v) = emu.get("/sites?search=finance").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"], json!([]));
    let (_, v) = emu.get("/sites?search=*").await;
    assert_eq!(names(&v).len(), 3);
    let (s, v) = emu.get("/sites").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&v), "invalidRequest");
}

#[tokio::test]
async fn site_search_pages_with_next_links() {
    // A small default page (`--sites-page-size 2`), and `$top` over it.
    let emu = Emu::start_with(|c| c.sites_page_size = 2).await;
    for i in 0..5 {
        library(&emu, &format!("Project {i}"), "Documents", None).await;
    }
    let mut seen = Vec::new();
    let (s, mut v) = emu.get("/sites?search=project").await;
    assert_eq!(s, StatusCode::OK);
    let mut pages = 1;
    loop {
        assert!(v["value"].as_array().expect("value").len() <= 2);
        seen.extend(names(&v));
        let Some(next) = v["@odata.nextLink"].as_str().map(str::to_owned) else {
            break;
        };
        assert!(next.contains("search=project"), "{next}");
        let (s, nv) = emu.get_url(&next).await;
        assert_eq!(s, StatusCode::OK);
        v = nv;
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        (0..5).map(|i| format!("Project {i}")).collect::<Vec<_>>()
    );
    let (_, v) = emu.get("/sites?search=project&$top=4").await;
    assert_eq!(names(&v).len(), 4);
    assert!(v["@odata.nextLink"].is_string());
    let (s, v) = emu.get("/sites?search=project&$skiptoken=garbage").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn a_site_its_drives_and_its_default_drive() {
    let emu = Emu::start().await;
    let (site, docs) = library(&emu, "Marketing Team", "Documents", None).await;
    let (site2, archive) = library(&emu, "marketing team", "Archive", None).await;
    assert_eq!(
        site["id"], site2["id"],
        "the site is found again by display name"
    );
    let id = site["id"].as_str().expect("site id");

    let (s, v) = emu.get(&format!("/sites/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["displayName"], "Marketing Team");
    // Percent-encoded commas name the same site.
    let (s, v2) = emu.get(&format!("/sites/{}", id.replace(',', "%2C"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v2["id"], v["id"]);

    let (s, v) = emu.get(&format!("/sites/{id}/drives")).await;
    assert_eq!(s, StatusCode::OK);
    let drives = v["value"].as_array().expect("drives");
    assert_eq!(drives.len(), 2);
    assert_eq!(drives[0]["id"], docs["id"]);
    assert_eq!(drives[1]["id"], archive["id"]);
    for d in drives {
        assert_eq!(d["driveType"], "documentLibrary");
        assert!(d["id"].as_str().unwrap_or("").starts_with("b!"));
        assert!(d["owner"].is_object() && d["quota"]["total"].is_u64());
    }
    let (s, v) = emu.get(&format!("/sites/{id}/drive")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id"], docs["id"]);
    assert_eq!(v["name"], "Documents");
    let (s, v) = emu
        .get(&format!(
            "/drives/{}",
            seg(archive["id"].as_str().unwrap_or(""))
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["name"], "Archive");

    let (s, v) = emu.get("/sites/contoso.sharepoint.com,nope,nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&v), "itemNotFound");
    let (s, _) = emu
        .get("/sites/contoso.sharepoint.com,nope,nope/drive/root")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = emu.post(&format!("/sites/{id}"), json!({})).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    // A library named twice in one site is refused.
    let (s, _) = emu
        .admin_post(
            "drives",
            json!({"kind": "documentLibrary", "site": "Marketing Team", "name": "documents"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn crud_upload_session_and_download_in_a_library() {
    let emu = Emu::start().await;
    let (site, drive) = library(&emu, "Marketing Team", "Documents", None).await;
    let d = seg(drive["id"].as_str().expect("drive id"));
    let base = format!("/drives/{d}");

    // Create a folder: Business-style ids, the library's driveType, no cTag on folders.
    let (s, folder) = emu
        .post(
            &format!("{base}/root/children"),
            json!({"name": "Plans", "folder": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{folder}");
    let fid = folder["id"].as_str().expect("id").to_owned();
    assert_eq!(fid.len(), 34, "{fid}");
    assert!(fid.starts_with("01") && !fid.contains('!'));
    assert_eq!(folder["parentReference"]["driveType"], "documentLibrary");
    assert_eq!(folder["parentReference"]["driveId"], drive["id"]);
    assert!(folder.get("cTag").is_none());
    let root_path = format!("/drives/{}/root:", drive["id"].as_str().unwrap_or(""));
    assert_eq!(folder["parentReference"]["path"], root_path.as_str());

    // Simple upload by path, then read it back by path and by id.
    let resp = emu
        .req(Method::PUT, &format!("{base}/root:/Plans/q1.txt:/content"))
        .body("quarter one")
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let file: Value = resp.json().await.expect("json");
    let file_id = file["id"].as_str().expect("id").to_owned();
    assert_eq!(file["parentReference"]["id"], fid.as_str());
    assert!(file["cTag"].is_string(), "files keep their cTag");
    let (s, v) = emu.get(&format!("{base}/root:/Plans/q1.txt")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id"], file_id.as_str());
    assert_eq!(v["size"], 11);
    assert_eq!(
        emu.download(&format!("{base}/items/{file_id}/content"))
            .await,
        b"quarter one"
    );

    // Upload session; its URL remembers the drive.
    let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    let (s, sess) = emu
        .post(
            &format!("{base}/items/{fid}:/big.bin:/createUploadSession"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sess}");
    let url = sess["uploadUrl"].as_str().expect("uploadUrl").to_owned();
    let first = 327_680usize;
    let resp = emu
        .http
        .put(&url)
        .header(
            "Content-Range",
            format!("bytes 0-{}/{}", first - 1, data.len()),
        )
        .body(data[..first].to_vec())
        .send()
        .await
        .expect("fragment");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let resp = emu
        .http
        .put(&url)
        .header(
            "Content-Range",
            format!("bytes {first}-{}/{}", data.len() - 1, data.len()),
        )
        .body(data[first..].to_vec())
        .send()
        .await
        .expect("fragment");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let big: Value = resp.json().await.expect("json");
    assert_eq!(big["parentReference"]["driveId"], drive["id"]);
    assert_eq!(big["size"], data.len());
    let big_id = big["id"].as_str().expect("id").to_owned();
    assert_eq!(
        emu.download(&format!("{base}/items/{big_id}/content"))
            .await,
        data
    );
    // The `@microsoft.graph.downloadUrl` of the library's item works without a token.
    let (_, v) = emu.get(&format!("{base}/items/{big_id}")).await;
    let dl = v["@microsoft.graph.downloadUrl"]
        .as_str()
        .expect("downloadUrl");
    let got = emu.http.get(dl).send().await.expect("download");
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.expect("bytes").len(), data.len());

    // Children, paged.
    let (s, v) = emu
        .get(&format!("{base}/items/{fid}/children?$top=1"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"].as_array().map(Vec::len), Some(1));
    let next = v["@odata.nextLink"].as_str().expect("nextLink").to_owned();
    let (_, v2) = emu.get_url(&next).await;
    assert_eq!(v2["value"].as_array().map(Vec::len), Some(1));
    assert_ne!(v["value"][0]["id"], v2["value"][0]["id"]);
    assert!(v2.get("@odata.nextLink").is_none());

    // Rename, copy within the library, search, delta, delete.
    let (s, v) = emu
        .patch(
            &format!("{base}/items/{file_id}"),
            json!({"name": "Q1.txt"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Q1.txt");
    let (s, h, _) = emu
        .send(
            emu.req(Method::POST, &format!("{base}/items/{file_id}/copy"))
                .json(&json!({"name": "Q1 copy.txt"})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let monitor = h
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("monitor")
        .to_owned();
    let mut done = false;
    for _ in 0..200 {
        let r = emu.http.get(&monitor).send().await.expect("monitor");
        if r.status() == StatusCode::OK {
            let b: Value = r.json().await.expect("json");
            assert_eq!(b["status"], "completed", "{b}");
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(done);
    let (s, _) = emu
        .get(&format!("{base}/root:/{}", path("Plans/Q1 copy.txt")))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = emu.get(&format!("{base}/root/search(q='q1')")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"].as_array().map(Vec::len), Some(2));
    let (s, v) = emu.get(&format!("{base}/root/delta")).await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = v["value"]
        .as_array()
        .expect("delta")
        .iter()
        .filter_map(|x| x["id"].as_str())
        .collect();
    assert!(ids.contains(&fid.as_str()) && ids.contains(&big_id.as_str()));
    assert!(v["@odata.deltaLink"].is_string());
    let (s, v) = emu
        .post(
            &format!("{base}/items/{file_id}/createLink"),
            json!({"type": "view", "scope": "organization"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "a library allows organization links: {v}"
    );
    assert_eq!(
        emu.delete(&format!("{base}/items/{file_id}")).await,
        StatusCode::NO_CONTENT
    );
    let (s, v) = emu.get(&format!("{base}/items/{file_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&v), "itemNotFound");

    // The same library through its site.
    let sid = site["id"].as_str().expect("site id");
    let (s, v) = emu
        .get(&format!("/sites/{sid}/drive/root:/Plans/big.bin"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id"], big_id.as_str());
    // The library's quota counts its own bytes; the user's drive is untouched.
    let (_, v) = emu.get(&base).await;
    assert!(v["quota"]["used"].as_u64().unwrap_or(0) >= data.len() as u64);
    let (_, v) = emu.get("/me/drive/root/children").await;
    assert_eq!(v["value"], json!([]));
    let (_, v) = emu.get("/me/drive").await;
    assert_eq!(v["quota"]["used"], 0);
}

#[tokio::test]
async fn unknown_drives_stay_404_and_reset_forgets_sites() {
    let emu = Emu::start().await;
    let (site, drive) = library(&emu, "Marketing Team", "Documents", None).await;
    let (s, v) = emu.get("/drives/b!nothing-here/root").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&v), "itemNotFound");
    let (s, _) = emu.get("/drives/0123456789ABCDEF/root/children").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let d = seg(drive["id"].as_str().expect("drive id"));
    emu.seed_file(drive["id"].as_str().unwrap_or(""), "/a/b.txt", b"x")
        .await;
    let (s, _) = emu.get(&format!("/drives/{d}/root:/a/b.txt")).await;
    assert_eq!(s, StatusCode::OK);

    let resp = emu
        .http
        .post(emu.url("/_emulator/reset"))
        .send()
        .await
        .expect("reset");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (s, _) = emu.get(&format!("/drives/{d}/root")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = emu
        .get(&format!("/sites/{}", site["id"].as_str().unwrap_or("")))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = emu.get("/sites?search=*").await;
    assert_eq!(v["value"], json!([]));
}
