//! Authorization-code flow with PKCE, paste-URL mode.
//!
//! 1. [`AuthorizationRequest::new`] builds the authorize URL (client id, scope, redirect
//!    URI, a random `state`, the S256 challenge); the CLI prints it, and keeps `state`
//!    and the verifier (in the state file) if the answer comes in a later invocation.
//! 2. The user signs in; the browser lands on `{redirect_uri}?code=…&state=…` (or
//!    `?error=…&error_description=…`), and the user pastes that URL.
//! 3. [`parse_redirect`] checks `state` and extracts the code; [`exchange_code`] redeems it
//!    (same `redirect_uri`, the PKCE verifier). The code lives about 10 minutes.

use url::Url;

use super::pkce::{Pkce, random_token};
use super::{OAuthSettings, TokenResponse, token_request};
use crate::http::{Error, HttpClient, Result};

/// An authorization request in progress.
#[derive(Clone, Debug)]
pub struct AuthorizationRequest {
    /// The URL to open in a browser.
    pub url: Url,
    /// Echoed back unchanged by the service (CSRF protection).
    pub state: String,
    pub pkce: Pkce,
}

impl AuthorizationRequest {
    /// A new request with fresh `state` and PKCE verifier.
    pub fn new(settings: &OAuthSettings) -> Result<Self> {
        Self::with(settings, random_token(16), Pkce::generate())
    }

    /// A request with given `state` and PKCE pair (to rebuild a pending one).
    pub fn with(settings: &OAuthSettings, state: String, pkce: Pkce) -> Result<Self> {
        let mut url = settings.endpoint("authorize")?;
        url.query_pairs_mut()
            .append_pair("client_id", &settings.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &settings.redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &settings.scope)
            .append_pair("state", &state)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", pkce.method());
        Ok(Self { url, state, pkce })
    }

    /// Redeems the code from the pasted redirect URL `input`.
    pub async fn complete(
        &self,
        http: &HttpClient,
        settings: &OAuthSettings,
        input: &str,
    ) -> Result<TokenResponse> {
        let code = parse_redirect(input, Some(&self.state))?;
        exchange_code(http, settings, &code, &self.pkce.verifier).await
    }
}

/// Extracts the authorization code from the URL the browser landed on.
///
/// Reads the query (and the fragment, for `response_mode=fragment`). An `error` there
/// becomes [`Error::Authorization`] with the service's `error_description`; a `state`
/// different from `expected_state` is refused (the response was not for this request).
/// A bare code (no URL) is accepted as is.
pub fn parse_redirect(input: &str, expected_state: Option<&str>) -> Result<String> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Error::Authorization("no redirect URL given".into()));
    }
    let url = match Url::parse(input) {
        Ok(u) => u,
        Err(_) if !input.contains(['?', '&', '=', ' ', '/']) => return Ok(input.to_owned()),
        Err(e) => {
            return Err(Error::Authorization(format!(
                "cannot parse the redirect URL: {e}"
            )));
        }
    };
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if let Some(f) = url.fragment() {
        pairs.extend(url::form_urlencoded::parse(f.as_bytes()).into_owned());
    }
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if let Some(err) = get("error") {
        let desc = get("error_description").unwrap_or("");
        let first = desc.lines().next().unwrap_or("").trim();
        return Err(Error::Authorization(if first.is_empty() {
            err.to_owned()
        } else {
            format!("{err}: {first}")
        }));
    }
    if let Some(expected) = expected_state {
        match get("state") {
            Some(s) if s == expected => {}
            Some(_) => {
                return Err(Error::Authorization(
                    "the state in the redirect URL does not match this authorization request \
                     (a URL from another attempt?); run `auth` again"
                        .into(),
                ));
            }
            None => {
                return Err(Error::Authorization(
                    "the redirect URL has no state parameter".into(),
                ));
            }
        }
    }
    match get("code") {
        Some(c) if !c.is_empty() => Ok(c.to_owned()),
        _ => Err(Error::Authorization(
            "the redirect URL has no code parameter".into(),
        )),
    }
}

/// Redeems an authorization code (`grant_type=authorization_code`).
pub async fn exchange_code(
    http: &HttpClient,
    settings: &OAuthSettings,
    code: &str,
    verifier: &str,
) -> Result<TokenResponse> {
    token_request(
        http,
        settings,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", settings.redirect_uri.as_str()),
            ("code_verifier", verifier),
            ("scope", settings.scope.as_str()),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OAuthSettings {
        OAuthSettings {
            client_id: "6731de76-14a6-49ae-97bc-6eba6914391e".into(),
            client_secret: None,
            login_url: "https://login.microsoftonline.com".into(),
            tenant: "common".into(),
            redirect_uri: crate::config::DEFAULT_REDIRECT_URI.into(),
            scope: super::super::DEFAULT_SCOPE.into(),
        }
    }

    #[test]
    fn authorize_url_has_every_parameter() {
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        let req = AuthorizationRequest::with(&settings(), "st4te".into(), pkce).unwrap();
        assert!(
            req.url
                .as_str()
                .starts_with("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?")
        );
        let q: std::collections::HashMap<_, _> = req.url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "6731de76-14a6-49ae-97bc-6eba6914391e");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["redirect_uri"], crate::config::DEFAULT_REDIRECT_URI);
        assert_eq!(q["scope"], "Files.ReadWrite.All offline_access User.Read");
        assert_eq!(q["state"], "st4te");
        assert_eq!(
            q["code_challenge"],
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!req.url.as_str().contains("dBjftJeZ4CVP"));
    }

    #[test]
    fn redirect_parsing() {
        let base = "https://login.microsoftonline.com/common/oauth2/nativeclient";
        assert_eq!(
            parse_redirect(&format!("{base}?code=M.C1_x%2By&state=s1"), Some("s1")).unwrap(),
            "M.C1_x+y"
        );
        assert!(matches!(
            parse_redirect(&format!("{base}?code=c&state=other"), Some("s1")),
            Err(Error::Authorization(m)) if m.contains("state")
        ));
        assert!(parse_redirect(&format!("{base}?code=c"), Some("s1")).is_err());
        let e = parse_redirect(
            &format!("{base}?error=access_denied&error_description=AADSTS65004%3A+User+declined.%0D%0ATrace+ID%3A+x&state=s1"),
            Some("s1"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "authorization failed: access_denied: AADSTS65004: User declined."
        );
        assert_eq!(
            parse_redirect(&format!("{base}#code=f&state=s1"), Some("s1")).unwrap(),
            "f"
        );
        assert_eq!(
            parse_redirect("  M.R3_BAY.abc \n", None).unwrap(),
            "M.R3_BAY.abc"
        );
        assert!(parse_redirect("", None).is_err());
        assert!(parse_redirect(&format!("{base}?state=s1"), Some("s1")).is_err());
    }
}
