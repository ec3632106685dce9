//! The typed view of the state file, and the mapping between it and the YAML document.
//!
//! The document (`yaml_serde::Mapping`) is kept as read, so keys this tool does not know
//! survive a write. Known keys are validated on read (a wrong type is an error naming the
//! key) and written back only when their value changed.

use std::path::Path;

use yaml_serde::{Mapping, Value};

use super::ConfigError;

/// Production identity platform (the global cloud's).
pub const DEFAULT_LOGIN_URL: &str = super::cloud::Cloud::Global.login_url();
/// Work/school and personal accounts.
pub const DEFAULT_TENANT: &str = "common";
/// The redirect URI for native clients (embedded browser: the user lands on a blank page
/// whose URL carries `?code=…`).
pub const DEFAULT_REDIRECT_URI: &str = super::cloud::Cloud::Global.native_redirect_uri();

/// `client:` — the application registration.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientSection {
    /// Application (client) id.
    pub id: Option<String>,
    /// Client secret: present only for a confidential client.
    pub secret: Option<String>,
}

impl std::fmt::Debug for ClientSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSection")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// `auth:` — tokens (secrets: never print them).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthSection {
    /// The last authorization code (kept for python-onedrive compatibility; single-use).
    pub code: Option<String>,
    pub refresh_token: Option<String>,
    pub access_token: Option<String>,
    /// When the access token expires. `None`: unknown (treated as expired).
    pub access_expires: Option<jiff::Timestamp>,
    /// A paste-URL sign-in waiting for its redirect URL (`auth` printed the URL, `auth URL`
    /// completes it): the `state` sent, and the PKCE verifier (a secret, as the tokens).
    pub pkce_state: Option<String>,
    pub pkce_verifier: Option<String>,
    /// The scopes the identity platform granted with the last token (its `scope`,
    /// space-separated), for `auth status`.
    pub scope: Option<String>,
}

impl std::fmt::Debug for AuthSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |o: &Option<String>| if o.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("AuthSection")
            .field("code", &s(&self.code))
            .field("refresh_token", &s(&self.refresh_token))
            .field("access_token", &s(&self.access_token))
            .field("access_expires", &self.access_expires)
            .field("pkce_state", &self.pkce_state)
            .field("pkce_verifier", &s(&self.pkce_verifier))
            .finish()
    }
}

/// `request:` — extra headers for every request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestSection {
    pub base_headers: Vec<(String, String)>,
}

/// `api:` — endpoints and drive (new in this tool; all optional).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiSection {
    pub graph_url: Option<String>,
    pub login_url: Option<String>,
    pub tenant: Option<String>,
    pub redirect_uri: Option<String>,
    /// `/me/drive` (default) or `/drives/{id}`.
    pub drive: Option<String>,
    /// A national cloud's hosts (`global`, `us-gov`, `us-gov-dod`, `china`), under
    /// `graph_url`/`login_url`/`redirect_uri` when those are set.
    pub cloud: Option<super::cloud::Cloud>,
}

impl ApiSection {
    /// The cloud whose hosts apply where none is given (the global one by default).
    fn cloud(&self) -> super::cloud::Cloud {
        self.cloud.unwrap_or(super::cloud::Cloud::Global)
    }
    pub fn graph_url(&self) -> &str {
        self.graph_url
            .as_deref()
            .unwrap_or(self.cloud().graph_url())
    }
    pub fn login_url(&self) -> &str {
        self.login_url
            .as_deref()
            .unwrap_or(self.cloud().login_url())
    }
    pub fn tenant(&self) -> &str {
        self.tenant.as_deref().unwrap_or(DEFAULT_TENANT)
    }
    pub fn redirect_uri(&self) -> &str {
        self.redirect_uri
            .as_deref()
            .unwrap_or(self.cloud().native_redirect_uri())
    }
    pub fn drive(&self) -> crate::graph::DriveSelector {
        crate::graph::DriveSelector::parse(self.drive.as_deref().unwrap_or(""))
    }
}

/// The state file's contents. `Debug` omits the raw document (it holds the tokens).
#[derive(Clone, Default, PartialEq)]
pub struct State {
    pub client: ClientSection,
    pub auth: AuthSection,
    pub request: RequestSection,
    pub api: ApiSection,
    /// Non-fatal findings while reading (e.g. the YAML octal trap), one line each.
    pub warnings: Vec<String>,
    /// The file it was read from (for messages that must name it).
    pub path: std::path::PathBuf,
    /// The document as read, unknown keys included.
    doc: Mapping,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("client", &self.client)
            .field("auth", &self.auth)
            .field("request", &self.request)
            .field("api", &self.api)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

fn wrong(path: &Path, key: &str, expected: &str, found: &Value) -> ConfigError {
    ConfigError::WrongType {
        path: path.to_owned(),
        key: key.to_owned(),
        expected: expected.to_owned(),
        found: type_name(found).to_owned(),
    }
}

/// A section: absent or empty (`client:`) is an empty mapping.
fn section<'a>(
    path: &Path,
    doc: &'a Mapping,
    name: &str,
) -> Result<Option<&'a Mapping>, ConfigError> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Mapping(m)) => Ok(Some(m)),
        Some(other) => Err(wrong(path, name, "a mapping", other)),
    }
}

fn string(
    path: &Path,
    sec: Option<&Mapping>,
    sname: &str,
    key: &str,
) -> Result<Option<String>, ConfigError> {
    match sec.and_then(|m| m.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong(path, &format!("{sname}.{key}"), "a string", other)),
    }
}

/// python-onedrive stored a `datetime` (YAML timestamp, naive, `2014-03-21 12:34:56.123`);
/// this tool writes RFC 3339. Unparsable text just means "expired".
fn parse_expires(path: &Path, v: Option<&Value>) -> Result<Option<jiff::Timestamp>, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n
            .as_f64()
            .and_then(|f| jiff::Timestamp::from_millisecond((f * 1000.0) as i64).ok())),
        Some(Value::String(s)) => {
            let s = s.trim();
            if let Ok(t) = s.parse::<jiff::Timestamp>() {
                return Ok(Some(t));
            }
            let civil = s.replace(' ', "T");
            Ok(civil
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp()))
        }
        Some(other) => Err(wrong(path, "auth.access_expires", "a timestamp", other)),
    }
}

impl State {
    /// Validates a parsed document into a state.
    pub(super) fn from_doc(path: &Path, doc: Mapping) -> Result<Self, ConfigError> {
        let mut warnings = Vec::new();

        let client = section(path, &doc, "client")?;
        let id = match client.and_then(|m| m.get("id")) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            // The YAML octal trap: an unquoted all-digit id is read as a number by YAML
            // parsers (YAML 1.1 even reads a leading-zero one as octal). Use its digits.
            Some(Value::Number(n)) => {
                let s = n.to_string();
                warnings.push(format!(
                    "warning: {}: client.id is an unquoted number in YAML; using \"{s}\" \
                     (quote it, e.g. id: '{s}', to be sure it is read as written)",
                    path.display()
                ));
                Some(s)
            }
            Some(other) => return Err(wrong(path, "client.id", "a string", other)),
        };
        let client = ClientSection {
            id,
            secret: string(path, client, "client", "secret")?,
        };

        let a = section(path, &doc, "auth")?;
        let auth = AuthSection {
            code: string(path, a, "auth", "code")?,
            refresh_token: string(path, a, "auth", "refresh_token")?,
            access_token: string(path, a, "auth", "access_token")?,
            access_expires: parse_expires(path, a.and_then(|m| m.get("access_expires")))?,
            pkce_state: string(path, a, "auth", "pkce_state")?,
            pkce_verifier: string(path, a, "auth", "pkce_verifier")?,
            scope: string(path, a, "auth", "scope")?,
        };

        let r = section(path, &doc, "request")?;
        let mut base_headers = Vec::new();
        match r.and_then(|m| m.get("base_headers")) {
            None | Some(Value::Null) => {}
            Some(Value::Mapping(h)) => {
                for (k, v) in h {
                    let key = match k {
                        Value::String(s) => s.clone(),
                        other => {
                            return Err(wrong(path, "request.base_headers key", "a string", other));
                        }
                    };
                    let val = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        other => {
                            return Err(wrong(
                                path,
                                &format!("request.base_headers.{key}"),
                                "a string",
                                other,
                            ));
                        }
                    };
                    base_headers.push((key, val));
                }
            }
            Some(other) => return Err(wrong(path, "request.base_headers", "a mapping", other)),
        }

        let api_sec = section(path, &doc, "api")?;
        let api =
            ApiSection {
                graph_url: string(path, api_sec, "api", "graph_url")?,
                login_url: string(path, api_sec, "api", "login_url")?,
                tenant: string(path, api_sec, "api", "tenant")?,
                redirect_uri: string(path, api_sec, "api", "redirect_uri")?,
                drive: string(path, api_sec, "api", "drive")?,
                cloud: match string(path, api_sec, "api", "cloud")? {
                    None => None,
                    Some(c) => Some(super::cloud::Cloud::parse(&c).ok_or_else(|| {
                        ConfigError::WrongType {
                            path: path.to_path_buf(),
                            key: "api.cloud".into(),
                            expected: format!("one of {}", super::cloud::Cloud::names()),
                            found: format!("{c:?}"),
                        }
                    })?),
                },
            };

        Ok(State {
            client,
            auth,
            request: RequestSection { base_headers },
            api,
            warnings,
            path: path.to_path_buf(),
            doc,
        })
    }

    /// Writes into `target` (the freshest document) every known key whose value differs
    /// between `before` (as read) and `self` (after the caller's changes). Keys not
    /// changed here keep whatever another process may have written meanwhile.
    pub(super) fn apply_changes(&self, before: &State, target: &mut Mapping) {
        fn set(target: &mut Mapping, sec: &str, key: &str, v: Option<Value>) {
            let entry = target
                .entry(Value::String(sec.into()))
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            if !matches!(entry, Value::Mapping(_)) {
                *entry = Value::Mapping(Mapping::new());
            }
            if let Value::Mapping(m) = entry {
                match v {
                    Some(v) => {
                        m.insert(Value::String(key.into()), v);
                    }
                    None => {
                        m.remove(key);
                    }
                }
            }
        }
        let s = |o: &Option<String>| o.clone().map(Value::String);
        macro_rules! field {
            ($sec:ident, $key:ident) => {
                if self.$sec.$key != before.$sec.$key {
                    set(
                        target,
                        stringify!($sec),
                        stringify!($key),
                        s(&self.$sec.$key),
                    );
                }
            };
        }
        field!(client, id);
        field!(client, secret);
        field!(auth, code);
        field!(auth, refresh_token);
        field!(auth, access_token);
        field!(auth, pkce_state);
        field!(auth, pkce_verifier);
        field!(auth, scope);
        if self.auth.access_expires != before.auth.access_expires {
            let v = self
                .auth
                .access_expires
                .map(|t| Value::String(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()));
            set(target, "auth", "access_expires", v);
        }
        if self.request.base_headers != before.request.base_headers {
            let mut m = Mapping::new();
            for (k, v) in &self.request.base_headers {
                m.insert(Value::String(k.clone()), Value::String(v.clone()));
            }
            let v = (!m.is_empty()).then_some(Value::Mapping(m));
            set(target, "request", "base_headers", v);
        }
        field!(api, graph_url);
        field!(api, login_url);
        field!(api, tenant);
        field!(api, redirect_uri);
        field!(api, drive);
    }

    /// Copies into `self` every known field that differs between `before` and `after`.
    pub(super) fn merge_changes(&mut self, before: &State, after: &State) {
        macro_rules! field {
            ($sec:ident, $key:ident) => {
                if after.$sec.$key != before.$sec.$key {
                    self.$sec.$key = after.$sec.$key.clone();
                }
            };
        }
        field!(client, id);
        field!(client, secret);
        field!(auth, code);
        field!(auth, refresh_token);
        field!(auth, access_token);
        field!(auth, access_expires);
        field!(auth, pkce_state);
        field!(auth, pkce_verifier);
        field!(auth, scope);
        field!(request, base_headers);
        field!(api, graph_url);
        field!(api, login_url);
        field!(api, tenant);
        field!(api, redirect_uri);
        field!(api, drive);
    }

    /// The document as read (unknown keys included).
    pub fn document(&self) -> &Mapping {
        &self.doc
    }
}
