//! A Graph request as typed or pasted (`GET https://graph.microsoft.com/v1.0/users/…`,
//! `/me/memberOf?$select=id`, `users/alice@contoso.com`), normalised for matching against the
//! permissions map's templates.

use super::data::{squeeze, Method};

/// The longest URL accepted (Graph itself refuses far shorter request lines).
pub const MAX_URL: usize = 8192;

/// A request, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// `https`, when the URL was absolute.
    pub scheme: Option<String>,
    /// The host, lower case, when the URL named one (the caller checks it is Graph's).
    pub host: Option<String>,
    /// `v1.0` or `beta`, when the URL named one (the map covers both alike).
    pub version: Option<String>,
    /// The resource path as given, percent-decoded, without host, version, query or fragment.
    pub path: String,
    /// The path's segments as matched: lower case, whitespace dropped, and a path-based
    /// address (`root:/folder/file.xlsx:`) kept as one segment.
    pub segments: Vec<String>,
}

/// Why a request could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("unknown method '{0}': use GET, POST, PUT, PATCH or DELETE")]
    Method(String),
    #[error("the URL is empty: give a Graph URL such as https://graph.microsoft.com/v1.0/me or /users/{{id}}")]
    EmptyUrl,
    #[error("the URL is longer than {MAX_URL} characters")]
    TooLong,
    #[error(
        "the URL '{0}' names no resource: give the path after the version, such as /users/{{id}}"
    )]
    NoPath(String),
}

/// Reads a method and a URL (absolute or relative, `v1.0` or `beta`, with or without a query
/// string).
pub fn parse_request(method: &str, url: &str) -> Result<Request, RequestError> {
    let method = Method::parse(method).ok_or_else(|| RequestError::Method(method.to_string()))?;
    let url = url.trim();
    if url.is_empty() {
        return Err(RequestError::EmptyUrl);
    }
    if url.len() > MAX_URL {
        return Err(RequestError::TooLong);
    }
    let (scheme, rest) = match url.split_once("://") {
        Some((s, rest)) if !s.contains('/') => (Some(s.to_ascii_lowercase()), rest),
        _ => (None, url),
    };
    let (host, path) = if scheme.is_some() {
        match rest.find('/') {
            Some(i) => (Some(&rest[..i]), &rest[i..]),
            None => (Some(rest), ""),
        }
    } else if rest.starts_with('/') {
        (None, rest)
    } else {
        // `graph.microsoft.com/v1.0/me` names a host; `users/{id}` and `v1.0/me` do not.
        let first = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if first.contains('.') && !is_version(first) {
            let i = first.len();
            (Some(&rest[..i]), &rest[i..])
        } else {
            (None, rest)
        }
    };
    let host = host.map(|h| h.to_ascii_lowercase());
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode(path);
    let mut raw: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    let version = match raw.first() {
        Some(v) if is_version(v) => {
            let v = v.to_ascii_lowercase();
            raw.remove(0);
            Some(v)
        }
        _ => None,
    };
    if raw.is_empty() {
        return Err(RequestError::NoPath(url.to_string()));
    }
    Ok(Request {
        method,
        scheme,
        host,
        version,
        path: format!("/{}", raw.join("/")),
        segments: match_segments(&raw),
    })
}

fn is_version(s: &str) -> bool {
    s.eq_ignore_ascii_case("v1.0") || s.eq_ignore_ascii_case("beta")
}

/// Lower case, no whitespace, and a path-based address kept whole: after a segment ending in
/// `:` (`root:`, `items/{id}:`), the segments up to the next one ending in `:` are one segment,
/// as in the map's `root:/{id}:` (https://learn.microsoft.com/en-us/graph/onedrive-addressing-driveitems).
fn match_segments(raw: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let seg = squeeze(raw[i]);
        let opens_path = seg.ends_with(':') && i + 1 < raw.len();
        out.push(seg);
        i += 1;
        if opens_path {
            let mut joined = Vec::new();
            while i < raw.len() {
                let s = squeeze(raw[i]);
                i += 1;
                let closes = s.ends_with(':');
                joined.push(s);
                if closes {
                    break;
                }
            }
            out.push(joined.join("/"));
        }
    }
    out
}

/// `%40` → `@`; invalid escapes are kept as they are, invalid UTF-8 replaced.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
