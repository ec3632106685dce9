//! Documented exit codes and the one-line failure report.
//!
//! Every failure ends the process with one line on stderr saying what failed, on which
//! object, and the service's error code and message, then one of the codes below (also
//! listed in `--help` and README.md).

use std::fmt;

/// Process exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    Ok = 0,
    Error = 1,
    Usage = 2,
    NotFound = 3,
    AuthNeeded = 4,
    Conflict = 5,
    NotSupported = 6,
    /// Some objects of a multi-object command failed, the others succeeded.
    Partial = 7,
    /// Stopped by SIGINT (Ctrl-C): 128 + 2, as shells report it.
    Interrupted = 130,
    /// Stopped by SIGTERM: 128 + 15.
    Terminated = 143,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The code's name in `--json` error objects when the service gave no code of its
    /// own (README, "Exit codes").
    pub fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Usage => "usage",
            Self::NotFound => "notFound",
            Self::AuthNeeded => "authenticationNeeded",
            Self::Conflict => "conflict",
            Self::NotSupported => "notSupported",
            Self::Partial => "partialFailure",
            Self::Interrupted => "interrupted",
            Self::Terminated => "terminated",
        }
    }

    /// The exit code for a service error, from the Graph error code (preferred: Graph
    /// says to branch on `code`) or else the HTTP status.
    pub fn for_service(status: Option<u16>, code: Option<&str>) -> Self {
        if let Some(code) = code {
            match code {
                "itemNotFound" | "ItemNotFound" | "notFound" | "uploadSessionNotFound" => {
                    return Self::NotFound;
                }
                "nameAlreadyExists" | "upload_name_conflict" => return Self::Conflict,
                "unauthenticated"
                | "InvalidAuthenticationToken"
                | "invalid_grant"
                | "interaction_required"
                | "expiredToken" => return Self::AuthNeeded,
                "notSupported" | "NotSupported" => return Self::NotSupported,
                _ => {}
            }
        }
        match status {
            Some(404) | Some(410) => Self::NotFound,
            Some(401) => Self::AuthNeeded,
            Some(409) => Self::Conflict,
            Some(501) => Self::NotSupported,
            _ => Self::Error,
        }
    }
}

/// A failure ready to be reported: the exit code and the stderr line (without the
/// program-name prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: ExitCode,
    pub message: String,
    /// The service's error code (the most specific one, e.g. `nameAlreadyExists`), for
    /// `--json` error objects.
    pub service_code: Option<String>,
}

impl Failure {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            service_code: None,
        }
    }

    /// `{"error": {"code", "message", "exit_code"}}`: the failure under `--json`
    /// (`code`: the service's code, else the exit code's name).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "code": self.service_code.as_deref().unwrap_or(self.code.name()),
                "message": self.message,
                "exit_code": self.code.code(),
            }
        })
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Usage, message)
    }

    /// `what` failed on `object`; the service answered `status`/`code`/`message`.
    pub fn service(
        what: &str,
        object: Option<&str>,
        status: Option<u16>,
        code: Option<&str>,
        message: &str,
    ) -> Self {
        let mut line = what.to_owned();
        if let Some(o) = object {
            line.push_str(&format!(" '{o}'"));
        }
        line.push_str(": ");
        match (code, status) {
            (Some(c), Some(s)) => line.push_str(&format!("{c} (HTTP {s}): ")),
            (Some(c), None) => line.push_str(&format!("{c}: ")),
            (None, Some(s)) => line.push_str(&format!("HTTP {s}: ")),
            (None, None) => {}
        }
        line.push_str(message.trim());
        let mut f = Self::new(ExitCode::for_service(status, code), line);
        f.service_code = code.map(|c| c.rsplit('/').next().unwrap_or(c).to_owned());
        f
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit code of a library error class.
pub fn exit_for_kind(kind: crate::http::ErrorKind) -> ExitCode {
    use crate::http::ErrorKind as K;
    match kind {
        K::NotFound => ExitCode::NotFound,
        K::Conflict => ExitCode::Conflict,
        K::AuthRequired => ExitCode::AuthNeeded,
        K::NotSupported => ExitCode::NotSupported,
        _ => ExitCode::Error,
    }
}

/// Turns a drive-layer error into the failure line: `what 'object': code (HTTP n): message`.
pub fn drive_failure(what: &str, object: Option<&str>, err: &crate::drive::DriveError) -> Failure {
    let mut f = drive_failure_line(what, object, err);
    if f.code == ExitCode::AuthNeeded && !f.message.contains("onedrive-cli auth") {
        f.message
            .push_str(" (sign in again with `onedrive-cli auth`)");
    }
    f
}

fn drive_failure_line(what: &str, object: Option<&str>, err: &crate::drive::DriveError) -> Failure {
    use crate::drive::DriveError as D;
    use crate::http::Error as H;
    let prefix = match object {
        Some(o) => format!("{what} '{o}'"),
        None => what.to_owned(),
    };
    match err {
        D::Http(H::Api(api)) => {
            let mut code = api.code.clone();
            let inner = api.most_specific_code();
            if inner != api.code {
                code = format!("{code}/{inner}");
            }
            let mut f = Failure::service(
                what,
                object,
                Some(api.status.as_u16()),
                Some(&code),
                &api.message,
            );
            f.code = exit_for_kind(api.kind());
            f
        }
        D::Http(H::OAuth(o)) => {
            let first = o.description.lines().next().unwrap_or("").trim().to_owned();
            let mut f = Failure::service(
                what,
                object,
                Some(o.status.as_u16()),
                Some(&o.error),
                &first,
            );
            f.code = exit_for_kind(err_kind(err));
            f
        }
        D::Http(h) => Failure::new(exit_for_kind(h.kind()), format!("{prefix}: {h}")),
        D::BinaryToTerminal => Failure::new(ExitCode::Usage, format!("{prefix}: {err}")),
        D::BetweenDrives => Failure::new(ExitCode::NotSupported, format!("{prefix}: {err}")),
        D::Destination(inner) => {
            drive_failure_line(&format!("{what}: destination folder"), None, inner)
        }
        D::Local { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Failure::new(ExitCode::NotFound, format!("{prefix}: {err}"))
        }
        _ => Failure::new(ExitCode::Error, format!("{prefix}: {err}")),
    }
}

fn err_kind(err: &crate::drive::DriveError) -> crate::http::ErrorKind {
    match err {
        crate::drive::DriveError::Http(h) => h.kind(),
        _ => crate::http::ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_map_to_documented_exit_codes() {
        let cases = [
            (Some(404), Some("itemNotFound"), ExitCode::NotFound),
            (Some(409), Some("nameAlreadyExists"), ExitCode::Conflict),
            (
                Some(401),
                Some("InvalidAuthenticationToken"),
                ExitCode::AuthNeeded,
            ),
            (Some(400), Some("invalid_grant"), ExitCode::AuthNeeded),
            (Some(400), Some("notSupported"), ExitCode::NotSupported),
            (Some(500), Some("generalException"), ExitCode::Error),
            (Some(404), None, ExitCode::NotFound),
            (Some(409), Some("somethingElse"), ExitCode::Conflict),
            (None, None, ExitCode::Error),
        ];
        for (status, code, want) in cases {
            assert_eq!(
                ExitCode::for_service(status, code),
                want,
                "{status:?} {code:?}"
            );
        }
    }

    #[test]
    fn service_failure_line_names_everything() {
        let f = Failure::service(
            "get",
            Some("Pics/a.jpg"),
            Some(404),
            Some("itemNotFound"),
            "The resource could not be found.\n",
        );
        assert_eq!(f.code, ExitCode::NotFound);
        assert_eq!(
            f.message,
            "get 'Pics/a.jpg': itemNotFound (HTTP 404): The resource could not be found."
        );
        assert!(!f.message.contains('\n'));
    }

    #[test]
    fn codes_are_the_documented_numbers() {
        let all = [
            ExitCode::Ok,
            ExitCode::Error,
            ExitCode::Usage,
            ExitCode::NotFound,
            ExitCode::AuthNeeded,
            ExitCode::Conflict,
            ExitCode::NotSupported,
            ExitCode::Partial,
            ExitCode::Interrupted,
            ExitCode::Terminated,
        ];
        let nums: Vec<i32> = all.iter().map(|c| c.code()).collect();
        assert_eq!(nums, vec![0, 1, 2, 3, 4, 5, 6, 7, 130, 143]);
        assert!(super::super::args::EXIT_CODES_HELP.contains("6  not supported"));
        assert!(super::super::args::EXIT_CODES_HELP.contains("7  partial failure"));
    }

    fn api(status: u16, code: &str, inner: &[&str]) -> crate::drive::DriveError {
        crate::drive::DriveError::Http(crate::http::Error::Api(Box::new(crate::http::ApiError {
            status: crate::http::StatusCode::from_u16(status).unwrap(),
            code: code.into(),
            message: "The message.".into(),
            inner_codes: inner.iter().map(|s| s.to_string()).collect(),
            request_id: None,
            client_request_id: None,
            retry_after: None,
            method: "GET".into(),
            url: "https://graph.example/v1.0/me/drive/root".into(),
            preauthenticated: false,
        })))
    }

    #[test]
    fn library_errors_become_one_line_and_the_documented_code() {
        let f = drive_failure("info", Some("a/b"), &api(404, "itemNotFound", &[]));
        assert_eq!(f.code, ExitCode::NotFound);
        assert_eq!(
            f.message,
            "info 'a/b': itemNotFound (HTTP 404): The message."
        );
        let f = drive_failure("put", Some("x"), &api(409, "nameAlreadyExists", &[]));
        assert_eq!(f.code, ExitCode::Conflict);
        let f = drive_failure(
            "put",
            Some("x"),
            &api(416, "invalidRange", &["fragmentOverlap"]),
        );
        assert_eq!(f.code, ExitCode::Error);
        assert!(
            f.message
                .contains("invalidRange/fragmentOverlap (HTTP 416)"),
            "{}",
            f.message
        );
        let f = drive_failure("ls", None, &api(401, "InvalidAuthenticationToken", &[]));
        assert_eq!(f.code, ExitCode::AuthNeeded);
        assert!(
            f.message
                .ends_with("(sign in again with `onedrive-cli auth`)"),
            "{}",
            f.message
        );
        let local = crate::drive::DriveError::local(
            "/tmp/nope",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert_eq!(
            drive_failure("put", Some("nope"), &local).code,
            ExitCode::NotFound
        );
        let hash = crate::drive::DriveError::HashMismatch {
            expected: "a".into(),
            actual: "b".into(),
        };
        let f = drive_failure("get", Some("f"), &hash);
        assert_eq!(f.code, ExitCode::Error);
        assert!(
            f.message.starts_with("get 'f': QuickXorHash mismatch"),
            "{}",
            f.message
        );
        assert!(!f.message.contains('\n'));
    }
}
