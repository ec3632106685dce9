//! `file.mimeType` is decided by the server from the name (Graph: "determined by the
//! service", it may differ from the uploaded `Content-Type`).

/// The MIME type the emulated service reports for a file called `name`.
pub fn mime_for_name(name: &str) -> &'static str {
    let ext = match name.rfind('.') {
        Some(i) => name[i + 1..].to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match ext.as_str() {
        "txt" | "log" | "ini" | "cfg" | "conf" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "css" => "text/css",
        "js" => "application/javascript",
        "json" => "application/json",
        "xml" => "text/xml",
        "yaml" | "yml" => "application/x-yaml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/x-gzip",
        "tar" => "application/x-tar",
        "7z" => "application/x-7z-compressed",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "heic" => "image/heic",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::mime_for_name;

    #[test]
    fn by_extension_case_insensitive() {
        assert_eq!(mime_for_name("a.TXT"), "text/plain");
        assert_eq!(mime_for_name("photo.jpeg"), "image/jpeg");
        assert_eq!(mime_for_name("noext"), "application/octet-stream");
        assert_eq!(mime_for_name("x.unknownext"), "application/octet-stream");
    }
}
