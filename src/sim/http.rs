//! The request and response shapes the simulated Graph works with, independent of axum so that
//! `$batch` can run its inner requests through the same handlers: [`Call`] (one Graph request),
//! [`Caller`] (who the token speaks for) and [`Reply`] (status, headers, body), plus Graph's error
//! envelope and its standard messages.

use serde_json::{json, Map, Value};

use crate::auth::jwt::{TokenInfo, TokenKind};

use super::rules::ACCESS_AS_USER;

/// `Content-Type` of Graph's successful JSON responses.
pub const ODATA_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// The one message behind most 403s (corpus: aad-role-assignable-add-member-docs14730 and others).
pub const INSUFFICIENT_PRIVILEGES: &str = "Insufficient privileges to complete the operation.";

/// Where `@odata.context` points (Graph always names its public root).
pub const CONTEXT_ROOT: &str = "https://graph.microsoft.com/v1.0/$metadata#";

/// One Graph request: from HTTP or from a `$batch` entry.
#[derive(Debug, Clone, Default)]
pub struct Call {
    pub method: String,
    /// Path segments below the version (`groups`, `{id}`, `members`, `$ref`), percent-decoded.
    pub segments: Vec<String>,
    /// Query options, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, when there was one (parsed JSON; a non-JSON body is refused before a handler runs).
    pub body: Option<Value>,
    /// The version root this call was addressed to (`http://127.0.0.1:PORT/v1.0`), for
    /// `@odata.nextLink`; empty means Graph's own (`https://graph.microsoft.com/v1.0`).
    pub root: String,
}

impl Call {
    /// Builds a call from a path-and-query below the version root (`groups/x?$select=id`).
    pub fn new(method: &str, path_and_query: &str) -> Call {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Call {
            method: method.to_ascii_uppercase(),
            segments: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(percent_decode)
                .collect(),
            query: url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            headers: Vec::new(),
            body: None,
            root: String::new(),
        }
    }

    /// A request header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `ConsistencyLevel: eventual` was sent (needed for advanced queries).
    pub fn eventual(&self) -> bool {
        self.header("consistencylevel")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
    }

    /// A query option's decoded value (`$select`, `$filter`…), by case-insensitive name.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The strings of a JSON array (other items and non-arrays give nothing).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes `%XX` escapes in a path segment (invalid escapes are kept as written).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Who a (valid) token speaks for, and what it may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub kind: TokenKind,
    /// `oid`: the signed-in user (delegated) or the client's service principal (app-only).
    pub oid: String,
    pub app_id: String,
    /// `scp` for delegated tokens, `roles` for app-only tokens.
    pub permissions: Vec<String>,
}

impl Caller {
    /// Reads the caller from a token that passed authentication.
    pub fn from_token(info: &TokenInfo) -> Caller {
        let kind = info.kind();
        let permissions = if kind == TokenKind::Delegated {
            info.scopes()
        } else {
            info.roles()
        };
        Caller {
            kind,
            oid: info.oid().unwrap_or_default().to_string(),
            app_id: info.app_id().unwrap_or_default().to_string(),
            permissions,
        }
    }

    /// A user is signed in (`scp`): roles and ownership matter, not only permissions.
    pub fn delegated(&self) -> bool {
        self.kind == TokenKind::Delegated
    }

    /// True when the token carries one of `perms` (Directory.AccessAsUser.All stands in for any,
    /// for delegated callers).
    pub fn has_any(&self, perms: &[&str]) -> bool {
        self.permissions.iter().any(|p| {
            perms.iter().any(|q| q.eq_ignore_ascii_case(p))
                || (self.delegated() && p.eq_ignore_ascii_case(ACCESS_AS_USER))
        })
    }

    /// True when the token itself carries one of `perms`, with no stand-in: role-assignable
    /// groups need RoleManagement.ReadWrite.Directory itself (docs/facts.md §3c: "The
    /// Group.ReadWrite.All permission won't work").
    pub fn has_own(&self, perms: &[&str]) -> bool {
        self.permissions
            .iter()
            .any(|p| perms.iter().any(|q| q.eq_ignore_ascii_case(p)))
    }

    /// True when the token carries every permission of one of the combinations.
    pub fn has_combination(&self, combos: &[&[&str]]) -> bool {
        combos
            .iter()
            .any(|combo| combo.iter().all(|p| self.has_any(&[p])))
    }
}

/// A response before it is put on the wire (or into a `$batch` response).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Reply {
    /// A JSON answer with Graph's OData content type.
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), ODATA_JSON.into())],
            body: Some(body),
        }
    }

    /// 200 with a JSON body.
    pub fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }

    /// 204, as Graph answers successful `$ref` writes.
    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Graph's error envelope. `innerError` (date, request ids) is filled in when the reply is sent.
    pub fn error(status: u16, code: &str, message: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(json!({"error": {"code": code, "message": message.into()}})),
        }
    }

    /// Adds a response header (`Retry-After`, `WWW-Authenticate`).
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// 403 Authorization_RequestDenied "Insufficient privileges to complete the operation."
    pub fn denied() -> Reply {
        Reply::error(403, "Authorization_RequestDenied", INSUFFICIENT_PRIVILEGES)
    }

    /// 404 Request_ResourceNotFound for an object id (corpus: not-found-application-objectid-contrib7618).
    pub fn not_found(id: &str) -> Reply {
        Reply::error(
            404,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }

    /// 400 BadRequest for a path Graph does not know.
    pub fn unknown_segment(segment: &str) -> Reply {
        Reply::error(
            400,
            "BadRequest",
            format!("Resource not found for the segment '{segment}'."),
        )
    }

    /// 400 with Graph's envelope.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Reply {
        Reply::error(400, code, message)
    }

    /// Fills in `innerError` of an error envelope (Graph sends date, request-id, client-request-id).
    pub fn stamp(&mut self, request_id: &str, client_request_id: &str, date: &str) {
        if let Some(Value::Object(err)) = self.body.as_mut().and_then(|b| b.get_mut("error")) {
            if !err.contains_key("innerError") {
                let mut inner = Map::new();
                inner.insert("date".into(), json!(date));
                inner.insert("request-id".into(), json!(request_id));
                inner.insert("client-request-id".into(), json!(client_request_id));
                err.insert("innerError".into(), Value::Object(inner));
            }
        }
    }

    /// A response header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_decode_paths_and_queries() {
        let c = Call::new(
            "get",
            "groups/abc/members%2F/%24ref?$filter=id%20eq%20'x'&$select=id,displayName&$count=true",
        );
        assert_eq!(c.method, "GET");
        assert_eq!(c.segments, vec!["groups", "abc", "members/", "$ref"]);
        assert_eq!(c.query_value("$filter"), Some("id eq 'x'"));
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("50%"), "50%");
    }

    #[test]
    fn stamp_fills_inner_error_once() {
        let mut r = Reply::denied();
        r.stamp("rid", "cid", "2026-01-01T00:00:00");
        r.stamp("other", "other", "x");
        let inner = &r.body.as_ref().expect("body")["error"]["innerError"];
        assert_eq!(inner["request-id"], "rid");
        assert_eq!(inner["client-request-id"], "cid");
    }
}
