//! OData query options and small request helpers shared by the endpoints.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};

use crate::error::{GraphError, GraphResult};
use crate::store::{Conflict, Item};

/// Largest JSON body the metadata endpoints read (they are all tiny).
const JSON_LIMIT: usize = 1 << 20;

/// The decoded query string. OData options may be written with or without `$`.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    /// A plain parameter (`token`, `@microsoft.graph.conflictBehavior`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// An OData system option, `$name` or `name`.
    pub fn odata(&self, name: &str) -> Option<&str> {
        let dollar = format!("${name}");
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&dollar) || k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query re-encoded without `$skiptoken`/`token` (to build nextLinks).
    pub fn without_paging(&self) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter(|(k, _)| {
                let k = k.trim_start_matches('$').to_ascii_lowercase();
                k != "skiptoken" && k != "token"
            })
            .cloned()
            .collect()
    }

    /// `$top`: default `default`, at most 1000 (Graph: larger → 400), at least 1.
    pub fn top(&self, default: usize) -> GraphResult<usize> {
        let Some(raw) = self.odata("top") else {
            return Ok(default);
        };
        let n: i64 = raw.trim().parse().map_err(|_| {
            GraphError::invalid_request(format!("Invalid value '{raw}' for $top."))
                .inner("invalidQueryOption")
        })?;
        if n <= 0 {
            return Err(GraphError::invalid_request(
                "The $top query option must be greater than zero.",
            )
            .inner("zeroOrFewerResultsRequested"));
        }
        if n > 1000 {
            return Err(GraphError::invalid_request(
                "The limit of '1000' for Top query has been exceeded.",
            )
            .inner("tooManyResultsRequested"));
        }
        Ok(n as usize)
    }

    /// `@microsoft.graph.conflictBehavior` from the query string.
    pub fn conflict(&self) -> GraphResult<Option<Conflict>> {
        match self.get("@microsoft.graph.conflictBehavior") {
            None => Ok(None),
            Some(v) => parse_conflict(v).map(Some),
        }
    }
}

/// Encodes query pairs the way Graph writes its links: `$skiptoken=...&$top=5`, with
/// `$`, `@`, `,` and `'` left as they are (clients sometimes look for `$skiptoken=`
/// in a nextLink), and everything that would break the query percent-encoded.
pub fn query_string(pairs: &[(String, String)]) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const QUERY: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'&')
        .add(b'+')
        .add(b'<')
        .add(b'=')
        .add(b'>')
        .add(b'[')
        .add(b']')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}')
        .add(b'\\')
        .add(b'^');
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QUERY),
                utf8_percent_encode(v, QUERY)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub fn parse_conflict(v: &str) -> GraphResult<Conflict> {
    Conflict::parse(v).ok_or_else(|| {
        GraphError::invalid_request(format!(
            "Invalid value '{v}' for @microsoft.graph.conflictBehavior."
        ))
    })
}

/// Reads a small JSON body; an empty body is `{}`. Malformed JSON → 400.
pub async fn read_json(body: Body) -> GraphResult<serde_json::Value> {
    let bytes = read_small(body).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| GraphError::invalid_request(format!("Invalid JSON in the request body: {e}")))
}

/// Graph reads a request payload as JSON only when `Content-Type` says so: a POST or
/// PATCH with a body and no (or another) content type gets 400 `BadRequest` "Unable to
/// read JSON request payload..." (observed on Graph, microsoft-graph-docs-contrib#6337).
/// Every POST/PATCH under `/v1.0` takes a JSON body; an empty body needs no type.
pub fn check_json_content_type(
    method: &axum::http::Method,
    headers: &HeaderMap,
) -> GraphResult<()> {
    use axum::http::{Method, header as h};
    if method != Method::POST && method != Method::PATCH {
        return Ok(());
    }
    let has_body = headers.contains_key(h::TRANSFER_ENCODING)
        || header(headers, "content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0);
    let is_json = header(headers, "content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if has_body && !is_json {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        ));
    }
    Ok(())
}

/// Reads a small body whole (the limit guards memory; Graph answers 413 above it).
pub async fn read_small(body: Body) -> GraphResult<bytes::Bytes> {
    axum::body::to_bytes(body, JSON_LIMIT).await.map_err(|_| {
        GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalidRequest",
            "The request body is too large.",
        )
    })
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks `If-Match` (412 `resourceModified` when no listed tag is current) and
/// `If-None-Match: *` (412 when the item exists) for a write or a single-item request.
pub fn check_preconditions(headers: &HeaderMap, item: &Item) -> GraphResult<()> {
    if let Some(v) = header(headers, "if-match") {
        let ok = v.split(',').any(|t| t.trim() == "*" || item.matches_tag(t));
        if !ok {
            return Err(precondition_failed(
                "ETag does not match current item's value",
            ));
        }
    }
    if let Some(v) = header(headers, "if-none-match")
        && v.trim() == "*"
    {
        return Err(precondition_failed("The item already exists."));
    }
    Ok(())
}

/// `If-None-Match` with the item's current eTag or cTag on a GET → 304.
pub fn not_modified(headers: &HeaderMap, item: &Item) -> bool {
    header(headers, "if-none-match")
        .is_some_and(|v| v.trim() != "*" && v.split(',').any(|t| item.matches_tag(t)))
}

pub fn precondition_failed(msg: &str) -> GraphError {
    GraphError::new(StatusCode::PRECONDITION_FAILED, "resourceModified", msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_round_trips_and_keeps_odata_dollars() {
        let pairs = vec![
            ("$select".to_owned(), "name,size".to_owned()),
            ("$orderby".to_owned(), "name desc".to_owned()),
            ("q".to_owned(), "a&b=c+d%e#f ü".to_owned()),
            (
                "@microsoft.graph.conflictBehavior".to_owned(),
                "rename".to_owned(),
            ),
        ];
        let s = query_string(&pairs);
        assert!(
            s.starts_with("$select=name,size&$orderby=name%20desc&"),
            "{s}"
        );
        assert!(
            s.contains("@microsoft.graph.conflictBehavior=rename"),
            "{s}"
        );
        let back = Query::parse(Some(&s));
        for (k, v) in &pairs {
            assert_eq!(back.get(k), Some(v.as_str()), "{k}");
        }
    }
}
