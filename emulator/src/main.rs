//! `onedrive-emulator` binary. (Skeleton: flags being filled in.)

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let running = onedrive_emulator::start(onedrive_emulator::Config::default()).await?;
    println!("{}", running.url);
    running.wait().await
}
