//! Client applications: who may ask for tokens, how they authenticate, and where
//! authorization responses may be sent.
//!
//! With no registration configured, any well-formed client id (a GUID) is a public
//! client, as a multi-tenant native app registration would be. With registrations,
//! only those ids are known (AADSTS700016 otherwise) and a registration with a secret
//! is a confidential client.
//!
//! Client authentication (Entra auth-code flow doc, "Redeem a code"; RFC 6749 §2.3.1):
//! a public client must send neither `client_secret` nor `client_assertion`
//! (AADSTS700025); a confidential client must send its secret, in the form or with
//! HTTP Basic (AADSTS7000218 when absent, AADSTS7000215 when wrong). Using both
//! methods at once is refused (RFC 6749 §2.3: "MUST NOT use more than one").

use axum::http::{HeaderMap, header};
use base64::Engine;

use super::params::Params;
use crate::config::ClientRegistration;
use crate::error::OAuthError;

/// The redirect URI of embedded-browser native apps (Entra auth-code flow doc).
pub const NATIVE_CLIENT_REDIRECT: &str =
    "https://login.microsoftonline.com/common/oauth2/nativeclient";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientKind {
    Public,
    Confidential { secret: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Lower-case GUID.
    pub id: String,
    pub kind: ClientKind,
}

/// The known clients.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    registered: Vec<ClientRegistration>,
}

impl Registry {
    pub fn new(registered: &[ClientRegistration]) -> Self {
        Self {
            registered: registered.to_vec(),
        }
    }

    /// Looks up a client id (already known to be present).
    pub fn lookup(&self, id: &str, tenant: &str) -> Result<Client, OAuthError> {
        if !is_guid(id) {
            return Err(OAuthError::new(
                "invalid_request",
                700038,
                format!("{id} is not a valid application identifier."),
            ));
        }
        let id = id.to_ascii_lowercase();
        if self.registered.is_empty() {
            return Ok(Client {
                id,
                kind: ClientKind::Public,
            });
        }
        match self
            .registered
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(&id))
        {
            Some(reg) => Ok(Client {
                id,
                kind: match &reg.secret {
                    Some(s) => ClientKind::Confidential { secret: s.clone() },
                    None => ClientKind::Public,
                },
            }),
            None => Err(OAuthError::new(
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{id}' was not found in the directory '{tenant}'. \
                     This can happen if the application has not been installed by the administrator of the tenant \
                     or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                ),
            )),
        }
    }

    /// The client named by a request without client authentication (authorize,
    /// devicecode): `client_id` is required.
    pub fn identify(&self, params: &Params, tenant: &str) -> Result<Client, OAuthError> {
        let id = params.require("client_id")?;
        self.lookup(id, tenant)
    }

    /// The client of a token request, authenticated as its kind requires.
    pub fn authenticate(
        &self,
        params: &Params,
        headers: &HeaderMap,
        tenant: &str,
    ) -> Result<Client, OAuthError> {
        let basic = basic_credentials(headers)?;
        let form_secret = params.get("client_secret");
        let assertion = params.contains("client_assertion");
        let id = match (&basic, params.get("client_id")) {
            (Some((bid, _)), Some(fid)) if !bid.eq_ignore_ascii_case(fid) => {
                return Err(malformed());
            }
            (Some((bid, _)), _) => bid.as_str(),
            (None, Some(fid)) => fid,
            (None, None) => return Err(OAuthError::missing_parameter("client_id")),
        };
        let client = self.lookup(id, tenant)?;
        let methods = usize::from(basic.is_some())
            + usize::from(form_secret.is_some())
            + usize::from(assertion);
        if methods > 1 {
            return Err(malformed());
        }
        let presented = basic.as_ref().map(|(_, s)| s.as_str()).or(form_secret);
        match &client.kind {
            ClientKind::Public => {
                if presented.is_some() || assertion {
                    return Err(OAuthError::new(
                        "invalid_client",
                        700025,
                        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
                    ));
                }
            }
            ClientKind::Confidential { secret } => match presented {
                Some(given) if constant_time_eq(given.as_bytes(), secret.as_bytes()) => {}
                Some(_) => {
                    return Err(OAuthError::new(
                        "invalid_client",
                        7000215,
                        format!(
                            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, \
                             not the client secret ID, for a secret added to app '{}'.",
                            client.id
                        ),
                    ));
                }
                None if assertion => {
                    return Err(OAuthError::new(
                        "invalid_client",
                        700027,
                        "Client assertion failed signature validation.",
                    ));
                }
                None => {
                    return Err(OAuthError::new(
                        "invalid_client",
                        7000218,
                        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                    ));
                }
            },
        }
        Ok(client)
    }
}

fn malformed() -> OAuthError {
    OAuthError::new(
        "invalid_request",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
/// `None` without such a header. Other schemes are not client authentication and are
/// ignored (an HTTP session that also calls Graph may carry its `Bearer` header here);
/// an unreadable Basic header is a malformed request.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let Some((scheme, rest)) = value.to_str().ok().and_then(|v| v.split_once(' ')) else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `8-4-4-4-12` hexadecimal digits (an Application (client) ID).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Checks a `redirect_uri` against what a native app registration allows:
/// the `nativeclient` URI, or `http://localhost` / `http://127.0.0.1` with any port
/// and path (Entra: loopback redirect URIs ignore the port). Errors are shown to the
/// user, never redirected (the URI is not trusted).
pub fn check_redirect_uri(uri: &str, client_id: &str) -> Result<(), OAuthError> {
    let parsed = url::Url::parse(uri).map_err(|_| {
        OAuthError::new(
            "invalid_request",
            90102,
            "'redirect_uri' value must be a valid absolute URI.",
        )
    })?;
    let allowed = if uri == NATIVE_CLIENT_REDIRECT {
        true
    } else {
        parsed.scheme() == "http"
            && matches!(parsed.host_str(), Some("localhost") | Some("127.0.0.1"))
            && parsed.username().is_empty()
            && parsed.password().is_none()
            && parsed.fragment().is_none()
    };
    if allowed {
        Ok(())
    } else {
        Err(OAuthError::new(
            "invalid_request",
            50011,
            format!(
                "The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application \
                 '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. \
                 Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";

    #[test]
    fn guid_shape() {
        assert!(is_guid(ID));
        assert!(is_guid(&ID.to_uppercase()));
        assert!(!is_guid("6731de76-14a6-49ae-97bc-6eba6914391"));
        assert!(!is_guid("6731de76x14a6-49ae-97bc-6eba6914391e"));
        assert!(!is_guid("g731de76-14a6-49ae-97bc-6eba6914391e"));
    }

    #[test]
    fn redirect_uris() {
        for ok in [
            NATIVE_CLIENT_REDIRECT,
            "http://localhost",
            "http://localhost:53682/",
            "http://127.0.0.1:8080/callback/x?y=1",
        ] {
            assert!(check_redirect_uri(ok, ID).is_ok(), "{ok}");
        }
        for bad in [
            "https://localhost/",
            "http://example.com/",
            "http://localhost.example.com/",
            "http://user@localhost/",
            "http://localhost/#frag",
            "https://login.microsoftonline.com/common/oauth2/nativeclient/x",
        ] {
            assert_eq!(
                check_redirect_uri(bad, ID).unwrap_err().aadsts,
                50011,
                "{bad}"
            );
        }
        assert_eq!(
            check_redirect_uri("not a uri", ID).unwrap_err().aadsts,
            90102
        );
    }

    #[test]
    fn registry_kinds() {
        let open = Registry::new(&[]);
        assert_eq!(open.lookup(ID, "common").unwrap().kind, ClientKind::Public);
        assert_eq!(open.lookup("abc", "common").unwrap_err().aadsts, 700038);
        let reg = Registry::new(&[ClientRegistration {
            id: ID.into(),
            secret: Some("s".into()),
        }]);
        assert!(matches!(
            reg.lookup(&ID.to_uppercase(), "common").unwrap().kind,
            ClientKind::Confidential { .. }
        ));
        let e = reg
            .lookup("00000000-0000-0000-0000-000000000001", "common")
            .unwrap_err();
        assert_eq!(
            (e.error.as_str(), e.aadsts),
            ("unauthorized_client", 700016)
        );
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut h = HeaderMap::new();
        let raw = base64::engine::general_purpose::STANDARD.encode(format!("{ID}:a%2Bb%3Ac"));
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {raw}").parse().unwrap(),
        );
        assert_eq!(
            basic_credentials(&h).unwrap(),
            Some((ID.to_string(), "a+b:c".to_string()))
        );
        h.insert(header::AUTHORIZATION, "Bearer EwBxyz".parse().unwrap());
        assert_eq!(basic_credentials(&h).unwrap(), None);
        h.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(basic_credentials(&h).unwrap_err().error, "invalid_request");
    }
}
