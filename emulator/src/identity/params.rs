//! Request parameters of the identity endpoints: the authorize query string and the
//! token/devicecode form bodies.
//!
//! The service reads only `application/x-www-form-urlencoded` bodies: a JSON body
//! looks to it like an empty form, so the first required parameter is reported
//! missing (AADSTS900144). A parameter given twice is refused (AADSTS9000411).

use std::collections::HashMap;

use axum::http::{HeaderMap, header};

use crate::error::OAuthError;

/// Decoded parameters, each present at most once.
#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
}

impl Params {
    /// Parses `a=b&c=d` (form or query encoding: `+` is a space).
    pub fn parse(raw: &[u8]) -> Result<Self, OAuthError> {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw) {
            if map.insert(k.to_string(), v.to_string()).is_some() {
                return Err(OAuthError::new(
                    "invalid_request",
                    9000411,
                    format!(
                        "The request is not properly formatted. The parameter '{k}' is duplicated."
                    ),
                ));
            }
        }
        Ok(Self { map })
    }

    /// A form body; anything not declared as a form reads as no parameters at all.
    pub fn from_form(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
            .unwrap_or(false);
        if is_form {
            Self::parse(body)
        } else {
            Ok(Self::default())
        }
    }

    /// The value, treating an empty value as absent (the service does).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The value or AADSTS900144 naming the parameter.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::missing_parameter(name))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn insert(&mut self, name: &str, value: &str) {
        self.map.insert(name.to_owned(), value.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_treats_empty_as_absent() {
        let p = Params::parse(b"scope=Files.Read+offline_access&state=&x=%2F").unwrap();
        assert_eq!(p.get("scope"), Some("Files.Read offline_access"));
        assert_eq!(p.get("state"), None);
        assert_eq!(p.get("x"), Some("/"));
        assert_eq!(p.require("state").unwrap_err().aadsts, 900144);
    }

    #[test]
    fn duplicates_are_refused() {
        let e = Params::parse(b"a=1&a=2").unwrap_err();
        assert_eq!(e.error, "invalid_request");
        assert_eq!(e.aadsts, 9000411);
    }

    #[test]
    fn non_form_body_reads_as_empty() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let p = Params::from_form(&h, b"grant_type=x").unwrap();
        assert!(!p.contains("grant_type"));
        h.insert(
            header::CONTENT_TYPE,
            "Application/X-WWW-Form-Urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        let p = Params::from_form(&h, b"grant_type=x").unwrap();
        assert_eq!(p.get("grant_type"), Some("x"));
    }
}
