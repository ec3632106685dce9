//! The `scope` parameter: space-separated, Graph permissions by short name
//! (`Files.ReadWrite` means `https://graph.microsoft.com/Files.ReadWrite`) or full URI,
//! plus the OpenID Connect scopes. `offline_access` decides whether a refresh token is
//! issued and `openid` whether an id_token is (Entra auth-code flow doc).
//!
//! Accepted: `openid`, `profile`, `email`, `offline_access`, Graph permission names of
//! the form `Word.Word[.Word]` (Graph has hundreds; the emulator does not list them),
//! with or without the `https://graph.microsoft.com/` prefix, and
//! `https://graph.microsoft.com/.default`. Anything else (another resource, a malformed
//! name) is `invalid_scope` (AADSTS70011).

use crate::error::OAuthError;

pub const GRAPH_PREFIX: &str = "https://graph.microsoft.com/";
/// What `.default` grants: the static permissions of the emulated app registration.
pub const DEFAULT_PERMISSIONS: [&str; 2] = ["User.Read", "Files.ReadWrite.All"];
const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Scopes {
    /// Graph permissions in short form, in request order, without duplicates.
    pub resource: Vec<String>,
    /// OIDC scopes requested (lower-case).
    pub oidc: Vec<String>,
}

impl Scopes {
    pub fn parse(raw: &str) -> Result<Self, OAuthError> {
        let mut s = Scopes::default();
        for word in raw.split(' ').filter(|w| !w.is_empty()) {
            let lower = word.to_ascii_lowercase();
            if OIDC.contains(&lower.as_str()) {
                if !s.oidc.contains(&lower) {
                    s.oidc.push(lower);
                }
                continue;
            }
            let short = if lower.starts_with(GRAPH_PREFIX) {
                &word[GRAPH_PREFIX.len()..]
            } else {
                word
            };
            if !(short == ".default" || is_permission_name(short)) {
                return Err(invalid(word));
            }
            if !s.resource.iter().any(|r| r.eq_ignore_ascii_case(short)) {
                s.resource.push(short.to_owned());
            }
        }
        if s.resource.is_empty() && s.oidc.is_empty() {
            return Err(OAuthError::missing_parameter("scope"));
        }
        Ok(s)
    }

    pub fn offline_access(&self) -> bool {
        self.oidc.iter().any(|s| s == "offline_access")
    }

    pub fn openid(&self) -> bool {
        self.oidc.iter().any(|s| s == "openid")
    }

    /// Whether every permission of `other` was granted here (a refresh may narrow the
    /// scope, not widen it).
    pub fn covers(&self, other: &Scopes) -> bool {
        let has_default = self.resource.iter().any(|r| r == ".default");
        other.resource.iter().all(|o| {
            self.resource.iter().any(|r| r.eq_ignore_ascii_case(o))
                || (has_default
                    && DEFAULT_PERMISSIONS
                        .iter()
                        .any(|d| d.eq_ignore_ascii_case(o)))
        })
    }

    /// The token response's `scope`: the Graph permissions the access token carries
    /// (`User.Read` when only OIDC scopes were asked, as the service does for Graph),
    /// then the OIDC scopes other than `offline_access`. `.default` stands for the
    /// app registration's static permissions; the emulated registration has
    /// [`DEFAULT_PERMISSIONS`].
    pub fn granted(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut add = |p: &str| {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(p)) {
                out.push(p.to_owned());
            }
        };
        if self.resource.is_empty() {
            add("User.Read");
        }
        for r in &self.resource {
            if r == ".default" {
                DEFAULT_PERMISSIONS.iter().for_each(|p| add(p));
            } else {
                add(r);
            }
        }
        out.extend(
            self.oidc
                .iter()
                .filter(|s| s.as_str() != "offline_access")
                .cloned(),
        );
        out.join(" ")
    }
}

fn is_permission_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn invalid(word: &str) -> OAuthError {
    OAuthError::new(
        "invalid_scope",
        70011,
        format!(
            "The provided value for the input parameter 'scope' is not valid. The scope '{word}' is not valid."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_flags() {
        let s = Scopes::parse("Files.ReadWrite https://graph.microsoft.com/User.Read offline_access openid files.readwrite").unwrap();
        assert_eq!(s.resource, vec!["Files.ReadWrite", "User.Read"]);
        assert!(s.offline_access() && s.openid());
        assert_eq!(s.granted(), "Files.ReadWrite User.Read openid");
        let s =
            Scopes::parse("https://graph.microsoft.com/.default user.read offline_access").unwrap();
        assert_eq!(s.granted(), "User.Read Files.ReadWrite.All");
        let s = Scopes::parse("Files.Read").unwrap();
        assert!(!s.offline_access() && !s.openid());
    }

    #[test]
    fn refuses_other_resources_and_junk() {
        assert_eq!(
            Scopes::parse("https://outlook.office.com/Mail.Read")
                .unwrap_err()
                .aadsts,
            70011
        );
        assert_eq!(Scopes::parse("Files").unwrap_err().error, "invalid_scope");
        assert_eq!(Scopes::parse("  ").unwrap_err().aadsts, 900144);
    }

    #[test]
    fn covers_is_case_insensitive_subset() {
        let all = Scopes::parse("Files.ReadWrite User.Read offline_access").unwrap();
        assert!(all.covers(&Scopes::parse("files.readwrite").unwrap()));
        assert!(!all.covers(&Scopes::parse("Files.ReadWrite.All").unwrap()));
        let d = Scopes::parse(".default").unwrap();
        assert!(d.covers(&Scopes::parse("files.readwrite.all .default").unwrap()));
        assert!(!d.covers(&Scopes::parse("Sites.Read.All").unwrap()));
    }
}
