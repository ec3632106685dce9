//! The CLI's main job against the bundled emulator, with no account and no network:
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! Starts `onedrive-emulator` on a loopback port, writes a temporary state file whose
//! `api` section points at it, then runs `onedrive-cli` commands (in-process, exactly as
//! the binary does): `auth --device` (the emulator approves the device code at once),
//! `user`, `put` (a small file, and a large one through an upload session), `mkdir`,
//! `ls`, `tree`, `get` (checked against the uploaded bytes), `quota`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn run() -> Result<(), String> {
    let emu = onedrive_emulator::start_in_thread(onedrive_emulator::Config {
        device_interval_secs: 1,
        copy_delay: Duration::from_millis(50),
        ..Default::default()
    })
    .map_err(|e| format!("starting the emulator: {e}"))?;
    println!("# emulator listening at {}", emu.url);

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let state = dir.path().join("lcrc");
    let state_text = format!(
        "client:\n  id: 3b1c5e2a-7d4f-4e0b-9a6c-1f2e3d4c5b6a\napi:\n  graph_url: {url}/v1.0\n  login_url: {url}\n  tenant: common\n",
        url = emu.url
    );
    std::fs::write(&state, &state_text).map_err(|e| e.to_string())?;
    println!("# state file {}:\n{state_text}", state.display());

    let small = dir.path().join("hello.txt");
    std::fs::write(&small, b"Hello from onedrive-cli!\n").map_err(|e| e.to_string())?;
    let large = dir.path().join("large.bin");
    let large_data: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&large, &large_data).map_err(|e| e.to_string())?;
    let back = dir.path().join("downloads/large.bin");

    let s = state.to_string_lossy().into_owned();
    let p = |p: &Path| p.to_string_lossy().into_owned();
    let steps: Vec<Vec<String>> = vec![
        vec!["auth".into(), "--device".into()],
        vec!["user".into()],
        vec!["mkdir".into(), "-p".into(), "Documents/Notes".into()],
        vec!["put".into(), p(&small), "Documents/Notes".into()],
        vec!["put".into(), p(&large)],
        vec!["ls".into()],
        vec!["tree".into()],
        vec!["get".into(), "Documents/Notes/hello.txt".into()],
        vec!["get".into(), "large.bin".into(), p(&back)],
        vec!["quota".into()],
    ];
    for step in steps {
        println!("$ onedrive-cli {}", step.join(" "));
        let args = ["onedrive-cli".to_owned(), "-c".into(), s.clone()]
            .into_iter()
            .chain(step.iter().cloned());
        let code = onedrive_cli::cli::main_from(args);
        if code != 0 {
            return Err(format!(
                "`onedrive-cli {}` exited with {code}",
                step.join(" ")
            ));
        }
        println!();
    }
    let got = std::fs::read(&back).map_err(|e| e.to_string())?;
    if got != large_data {
        return Err("the downloaded file differs from the uploaded one".into());
    }
    println!(
        "# downloaded large.bin matches the uploaded bytes ({} bytes)",
        got.len()
    );
    Ok(())
}
