//! The token endpoint's success response (Entra auth-code flow doc, "Successful
//! response"): `token_type` (always `Bearer`), `scope`, `expires_in`,
//! `ext_expires_in` (observed), `access_token`, `refresh_token` only with
//! `offline_access`, `id_token` only with `openid`, and `client_info` when the
//! request asked for it with `client_info=1` (what MSAL libraries send and read).
//!
//! The id_token is a JWT-shaped string (header and claims are real JSON, so
//! libraries that read claims work) with a random signature: nothing can verify it,
//! which no client of this emulator should need. Access tokens stay opaque: the docs
//! tell clients never to parse them.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::tokens::{Grant, Issued, random_b64};
use super::{IdentityState, MSA_TENANT_ID};

/// How to shape a success response beyond the grant itself.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The request had `client_info=1`.
    pub client_info: bool,
    /// The emulated user's Microsoft account id (the drive's cid, as Graph's `/me`
    /// shows it).
    pub user_cid: String,
}

/// Object id of a personal account: `00000000-0000-0000-` then the 16 hex digits of
/// its cid (so id_token `oid` and Graph's `/me` id name the same user). A cid of
/// another shape is hashed into that form.
pub fn user_object_id(cid: &str) -> String {
    let lower = cid.to_ascii_lowercase();
    let hex: String = if lower.len() == 16 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        lower
    } else {
        Sha256::digest(cid.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    format!("00000000-0000-0000-{}-{}", &hex[0..4], &hex[4..16])
}

fn b64(v: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// An unsigned-in-effect OpenID Connect id_token for the emulated user.
pub fn id_token(identity: &IdentityState, grant: &Grant, nonce: Option<&str>, cid: &str) -> String {
    let s = &identity.settings;
    let oid = user_object_id(cid);
    let now = jiff::Timestamp::now().as_second();
    // `sub` is pairwise: one value per user and application.
    let sub_hash = Sha256::digest(format!("{oid}/{}", grant.client_id).as_bytes());
    let sub = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&sub_hash[..24]);
    let mut claims = json!({
        "ver": "2.0",
        "iss": format!("https://login.microsoftonline.com/{MSA_TENANT_ID}/v2.0"),
        "sub": sub,
        "aud": grant.client_id,
        "exp": now + 3600,
        "iat": now,
        "nbf": now,
        "tid": MSA_TENANT_ID,
        "oid": oid,
    });
    if let Some(obj) = claims.as_object_mut() {
        if grant.scopes.oidc.iter().any(|o| o == "profile") || grant.scopes.openid() {
            obj.insert("name".into(), json!(s.user_display_name));
            obj.insert("preferred_username".into(), json!(s.user_principal_name));
        }
        if grant.scopes.oidc.iter().any(|o| o == "email") {
            obj.insert("email".into(), json!(s.user_principal_name));
        }
        if let Some(n) = nonce {
            obj.insert("nonce".into(), json!(n));
        }
    }
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "onedrive-emulator"});
    format!("{}.{}.{}", b64(&header), b64(&claims), random_b64(256))
}

/// `client_info`: base64url of `{"uid": object id, "utid": tenant id}`.
pub fn client_info(cid: &str) -> String {
    b64(&json!({
        "uid": user_object_id(cid),
        "utid": MSA_TENANT_ID,
    }))
}

/// Builds the 200 response.
pub fn success(
    identity: &IdentityState,
    grant: &Grant,
    issued: Issued,
    nonce: Option<&str>,
    reply: &Reply,
) -> Response {
    let mut body = json!({
        "token_type": "Bearer",
        "scope": grant.scopes.granted(),
        "expires_in": issued.expires_in,
        "ext_expires_in": issued.expires_in,
        "access_token": issued.access_token,
    });
    if let Some(obj) = body.as_object_mut() {
        if let Some(rt) = issued.refresh_token {
            obj.insert("refresh_token".into(), json!(rt));
        }
        if grant.scopes.openid() {
            obj.insert(
                "id_token".into(),
                json!(id_token(identity, grant, nonce, &reply.user_cid)),
            );
        }
        if reply.client_info {
            obj.insert("client_info".into(), json!(client_info(&reply.user_cid)));
        }
    }
    let mut resp = Json(body).into_response();
    // RFC 6749 §5.1: token responses must not be cached.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_id_shape() {
        assert_eq!(
            user_object_id("B585F767A79A3B6C"),
            "00000000-0000-0000-b585-f767a79a3b6c"
        );
        let oid = user_object_id("not a cid");
        assert!(super::super::clients::is_guid(&oid));
        assert!(oid.starts_with("00000000-0000-0000-"));
    }
}
