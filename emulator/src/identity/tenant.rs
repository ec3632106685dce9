//! The `{tenant}` path segment: `common`, `organizations`, `consumers`, a tenant GUID
//! or a domain name (Entra auth-code flow doc, parameter `tenant`).
//!
//! Every tenant is accepted, since the emulator has a single user. What the emulator
//! does enforce is the documented rule that a grant is redeemed against the tenant it
//! was obtained from (AADSTS700005), compared case-insensitively.

use crate::error::OAuthError;

/// Checks the shape of a tenant segment; AADSTS900023 when it is neither a GUID,
/// one of the three aliases nor a DNS name.
pub fn validate(tenant: &str) -> Result<(), OAuthError> {
    let lower = tenant.to_ascii_lowercase();
    if matches!(lower.as_str(), "common" | "organizations" | "consumers")
        || super::clients::is_guid(tenant)
        || is_domain(&lower)
    {
        return Ok(());
    }
    Err(OAuthError::new(
        "invalid_request",
        900023,
        format!(
            "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain."
        ),
    ))
}

/// Two spellings of the same tenant.
pub fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// AADSTS700005: a grant redeemed against another tenant than the one that issued it.
pub fn wrong_tenant(what: &str) -> OAuthError {
    OAuthError::new(
        "invalid_grant",
        700005,
        format!(
            "Provided {what} is intended to use against other tenant, thus rejected. \
             OAuth2 {what} must be redeemed against same tenant it was acquired for (/common or /{{tenant-ID}} as appropriate)."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_and_refused_shapes() {
        for ok in [
            "common",
            "Consumers",
            "organizations",
            "9188040d-6c67-4c5b-b112-36a304b66dad",
            "contoso.onmicrosoft.com",
        ] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
        for bad in ["foo", "-a.b", "a..b", "a_b.com", "x y.com"] {
            assert_eq!(validate(bad).unwrap_err().aadsts, 900023, "{bad}");
        }
    }
}
