//! `--data-dir`: a drive built over HTTP is still there after a restart.

mod graph_support;

use graph_support::Emu;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn drive_survives_restart() {
    let dir = std::env::temp_dir().join(format!(
        "onedrive-emulator-graph-persist-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let (folder_id, file_id, etag, drive_id);
    {
        let emu = Emu::start_with(|c| c.data_dir = Some(dir.clone())).await;
        let (s, f) = emu
            .post(
                "/me/drive/root/children",
                json!({"name": "keep me", "folder": {}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        folder_id = f["id"].as_str().unwrap().to_owned();
        let file = emu.file(&folder_id, "ü.bin", b"persisted bytes");
        file_id = file.id.clone();
        let (_, j) = emu
            .patch(
                &format!("/me/drive/items/{file_id}"),
                json!({"description": "d"}),
            )
            .await;
        etag = j["eTag"].as_str().unwrap().to_owned();
        drive_id = emu.drive_id();
        emu.running.state.store.flush().expect("flush");
        let state = emu.running.state.clone();
        emu.running.shutdown().await.expect("shutdown");
        drop(state);
    }
    {
        let emu = Emu::start_with(|c| {
            c.data_dir = Some(dir.clone());
            // A different seed would give a different drive id to a new drive.
            c.seed = 99;
        })
        .await;
        assert_eq!(emu.drive_id(), drive_id);
        let (s, j) = emu.get("/me/drive/root:/keep%20me/%C3%BC.bin").await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(j["id"], file_id.as_str());
        assert_eq!(j["eTag"], etag.as_str());
        assert_eq!(j["description"], "d");
        assert_eq!(j["size"], 15);
        let item = emu.running.state.store.get(&file_id).unwrap();
        assert_eq!(item.file().unwrap().blob.to_vec(), b"persisted bytes");
        let (_, root) = emu.get("/me/drive/root").await;
        assert_eq!(root["size"], 15);
        // New items get fresh ids.
        let (s, n) = emu
            .post(
                "/me/drive/root/children",
                json!({"name": "new", "folder": {}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_ne!(n["id"], folder_id.as_str());
        assert_ne!(n["id"], file_id.as_str());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
