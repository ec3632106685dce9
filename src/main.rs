fn main() {
    std::process::exit(onedrive_cli::cli::main());
}
