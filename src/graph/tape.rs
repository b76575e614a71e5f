//! A tape of HTTP exchanges: what a [`GraphClient`](super::GraphClient) sent and what came back,
//! kept when the client was given one ([`GraphClient::with_tape`](super::GraphClient::with_tape)),
//! for `check --record` and the TUI's "save session".
//!
//! What is kept is what a colleague needs to see the diagnosis again: method, path, the request
//! headers that are not credentials (`ConsistencyLevel`, `client-request-id`), the request body
//! (a `$batch` of reads; never a credential), the status, the response headers that matter
//! (request-id, client-request-id, date, WWW-Authenticate, Retry-After, content-type) and the
//! body, with timings. The `Authorization` header is never kept: which token sent a request is
//! kept as a label (`diagnosed`, `reader`) matched against a hash held only in memory. Every
//! string passes through [`crate::secret::redact`] before it is kept.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::secret::Secret;

/// The response headers worth keeping: the ids Microsoft support asks for, the date, the claims
/// challenge and the throttling wait (https://learn.microsoft.com/graph/errors,
/// https://learn.microsoft.com/graph/throttling), and the content type.
pub const KEPT_RESPONSE_HEADERS: &[&str] = &[
    "request-id",
    "client-request-id",
    "date",
    "www-authenticate",
    "retry-after",
    "content-type",
];

/// Request headers never kept, whatever the request said.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];

/// One HTTP exchange as it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Which token sent it (`diagnosed`, `reader`), or `other` for one the tape was not told of.
    pub token: String,
    pub method: String,
    /// Path and query below the Graph root, starting with `/v1.0/` or `/beta/`.
    pub path: String,
    /// Request headers other than credentials, names lower-cased.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
    /// None when no HTTP answer came (see `error`).
    pub status: Option<u16>,
    /// The [`KEPT_RESPONSE_HEADERS`] the answer carried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_headers: Vec<(String, String)>,
    /// The body as JSON (`null` when empty or not JSON).
    #[serde(default)]
    pub body: Value,
    /// The body when it was not JSON (truncated to 2 KiB by the client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The transport error, when no answer came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was sent, in milliseconds after the tape started.
    pub started_ms: u64,
    /// How long the answer took, in milliseconds.
    pub latency_ms: u64,
}

impl Exchange {
    /// A response header, by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// (label, hash of the token): the hash stays in memory, never in an exchange.
    tokens: Vec<(String, u64)>,
    exchanges: Vec<Exchange>,
}

/// A shared tape: clones append to the same list.
#[derive(Debug, Clone)]
pub struct Tape {
    inner: Arc<Mutex<Inner>>,
    started: Instant,
}

impl Default for Tape {
    fn default() -> Self {
        Tape::new()
    }
}

/// JSON members whose value is a credential whatever its shape (OAuth answers, `az` output,
/// an application's `passwordCredentials[].secretText`).
const CREDENTIAL_MEMBERS: &[&str] = &[
    "access_token",
    "accessToken",
    "refresh_token",
    "refreshToken",
    "id_token",
    "client_secret",
    "client_assertion",
    "device_code",
    "secretText",
    "password",
];

fn token_hash(token: &str) -> u64 {
    let mut h = DefaultHasher::new();
    token.trim().hash(&mut h);
    h.finish()
}

/// Every string inside a JSON value, redacted.
pub fn redact_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(crate::secret::redact(s)),
        Value::Array(a) => Value::Array(a.iter().map(redact_value).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let credential = CREDENTIAL_MEMBERS.iter().any(|c| k.eq_ignore_ascii_case(c));
                    if credential && !v.is_null() {
                        (k.clone(), Value::String("[redacted]".into()))
                    } else {
                        (k.clone(), redact_value(v))
                    }
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

impl Tape {
    pub fn new() -> Tape {
        Tape {
            inner: Arc::new(Mutex::new(Inner::default())),
            started: Instant::now(),
        }
    }

    /// Tells the tape which token is which, so exchanges say `diagnosed` or `reader`.
    pub fn name_token(&self, label: &str, token: &Secret) {
        if let Ok(mut inner) = self.inner.lock() {
            let h = token_hash(token.expose());
            inner.tokens.retain(|(l, _)| l != label);
            inner.tokens.push((label.to_string(), h));
        }
    }

    /// The label of `token` (`other` when not named).
    pub fn label_of(&self, token: &Secret) -> String {
        let h = token_hash(token.expose());
        self.inner
            .lock()
            .ok()
            .and_then(|inner| {
                inner
                    .tokens
                    .iter()
                    .find(|(_, t)| *t == h)
                    .map(|(l, _)| l.clone())
            })
            .unwrap_or_else(|| "other".into())
    }

    /// Milliseconds since the tape started.
    pub fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Keeps one exchange, redacting every string in it and dropping credential headers and
    /// headers not worth keeping.
    pub fn push(&self, mut e: Exchange) {
        e.path = crate::secret::redact(&e.path);
        e.request_headers
            .retain(|(n, _)| !CREDENTIAL_HEADERS.iter().any(|c| n.eq_ignore_ascii_case(c)));
        for (n, v) in &mut e.request_headers {
            *n = n.to_ascii_lowercase();
            *v = crate::secret::redact(v);
        }
        e.response_headers.retain(|(n, _)| {
            KEPT_RESPONSE_HEADERS
                .iter()
                .any(|k| n.eq_ignore_ascii_case(k))
        });
        for (n, v) in &mut e.response_headers {
            *n = n.to_ascii_lowercase();
            *v = crate::secret::redact(v);
        }
        e.request_body = e.request_body.as_ref().map(redact_value);
        e.body = redact_value(&e.body);
        e.text = e.text.as_deref().map(crate::secret::redact);
        e.error = e.error.as_deref().map(crate::secret::redact);
        if let Ok(mut inner) = self.inner.lock() {
            inner.exchanges.push(e);
        }
    }

    /// Everything kept so far, in the order the answers came.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.inner
            .lock()
            .map(|i| i.exchanges.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_never_reach_the_tape() {
        let tape = Tape::new();
        let token = Secret::new("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        tape.name_token("diagnosed", &token);
        assert_eq!(tape.label_of(&token), "diagnosed");
        assert_eq!(tape.label_of(&Secret::new("other")), "other");
        tape.push(Exchange {
            token: tape.label_of(&token),
            method: "GET".into(),
            path: "/v1.0/me".into(),
            request_headers: vec![
                ("Authorization".into(), format!("Bearer {}", token.expose())),
                ("ConsistencyLevel".into(), "eventual".into()),
            ],
            request_body: None,
            status: Some(200),
            response_headers: vec![
                ("request-id".into(), "r1".into()),
                ("set-cookie".into(), "x=y".into()),
            ],
            body: json!({"echo": token.expose(), "client_secret": "s3cr3t-value-long-enough"}),
            text: None,
            error: None,
            started_ms: 0,
            latency_ms: 1,
        });
        let kept = serde_json::to_string(&tape.exchanges()).expect("json");
        assert!(!kept.contains("c2lnbmF0dXJl"), "{kept}");
        assert!(
            !kept.to_ascii_lowercase().contains("authorization"),
            "{kept}"
        );
        assert!(!kept.contains("set-cookie"), "{kept}");
        assert!(kept.contains("consistencylevel") && kept.contains("request-id"));
    }
}
