//! Reading what was pasted into an [`Observed`]: a raw HTTP exchange (request line, status line,
//! headers, body, also `curl -v` and the `HTTP 401; Unauthorized` / `www-authenticate =Bearer …`
//! shapes of docs/facts.md §7a), a bare body, or an SDK/CLI rendering whose status is written as
//! `Status: 403 (Forbidden)`, `unexpected status 403`, `403 Client Error: Forbidden`…
//!
//! Tolerant by design: nothing here fails or panics; what cannot be read is left out.

use super::{Observed, RequestLine};

/// Longest input considered. A pasted error is a few kilobytes; the cap keeps the embedded-JSON
/// search (which tries each `{`) bounded on hostile input.
pub const MAX_INPUT: usize = 512 * 1024;

const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];

/// How many occurrences of a needle the scanners examine: a real paste has a handful; the cap
/// keeps hostile input (a needle repeated 100 000 times) linear.
const MAX_ATTEMPTS: usize = 256;

/// Header names recognised at the start of a paste that has no status line.
const KNOWN_HEADERS: [&str; 16] = [
    "www-authenticate",
    "request-id",
    "client-request-id",
    "date",
    "content-type",
    "content-length",
    "retry-after",
    "x-ms-ags-diagnostic",
    "strict-transport-security",
    "cache-control",
    "transfer-encoding",
    "vary",
    "x-ms-resource-unit",
    "x-ms-request-id",
    "x-ms-correlation-id",
    "location",
];

/// See [`super::parse()`].
pub fn parse(input: &str) -> Observed {
    let text = clip_bytes(input.strip_prefix('\u{feff}').unwrap_or(input), MAX_INPUT);
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();

    let status_at = lines
        .iter()
        .position(|l| status_line(strip_curl(l)).is_some());
    let mut observed = Observed::default();
    match status_at {
        Some(i) => {
            observed.status = status_line(strip_curl(lines[i]));
            observed.request = request_in_lines(&lines[..i]);
            let (headers, body_from) = header_block(&lines[i + 1..]);
            observed.headers = headers;
            observed.body = lines[i + 1 + body_from..].join("\n").trim().to_string();
        }
        None => {
            // Headers pasted without their status line, then the body.
            let (headers, body_from) = match lines.iter().position(|l| !l.trim().is_empty()) {
                Some(first) if header_line(strip_curl(lines[first]), true).is_some() => {
                    let (h, n) = header_block(&lines[first..]);
                    (h, first + n)
                }
                _ => (Vec::new(), 0),
            };
            observed.headers = headers;
            observed.body = lines[body_from.min(lines.len())..]
                .join("\n")
                .trim()
                .to_string();
            observed.status = status_in_text(&observed.body);
        }
    }
    if observed.request.is_none() {
        observed.request = request_in_text(text);
    }
    if let Some(req) = observed.request.as_mut() {
        if req.body.is_none() {
            req.body = odata_refs(text);
        }
    }
    observed
}

fn clip_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `curl -v` prefixes response lines with `< ` and request lines with `> `.
fn strip_curl(line: &str) -> &str {
    let t = line.trim_start();
    if t == "<" || t == ">" {
        return "";
    }
    t.strip_prefix("< ")
        .or_else(|| t.strip_prefix("> "))
        .unwrap_or(line)
}

/// `HTTP/1.1 403 Forbidden`, `HTTP/2 401`, `HTTP 401; Unauthorized`: the status code.
pub(crate) fn status_line(line: &str) -> Option<u16> {
    let t = line.trim();
    let head = t.get(..4)?;
    if !head.eq_ignore_ascii_case("http") {
        return None;
    }
    let mut rest = &t[4..];
    if let Some(r) = rest.strip_prefix('/') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    }
    let after_sep = rest.trim_start_matches([' ', ';', ':', '\t']);
    if after_sep.len() == rest.len() {
        return None; // "HTTPS://…" or "HTTPClient": not a status line
    }
    three_digit_status(after_sep)
}

/// A status code at the start of `s`: three digits in 100..=599, not followed by another digit.
fn three_digit_status(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() > 3 && (b[3].is_ascii_alphanumeric() || b[3] == b'.' || b[3] == b'-') {
        return None;
    }
    let n: u16 = s.get(..3)?.parse().ok()?;
    (100..=599).contains(&n).then_some(n)
}

/// `Name: value`, `Name : value` (PowerShell) or `name =value` (docs/facts.md §7a). With `known_only`,
/// only the header names graph-doctor cares about (used when there is no status line to anchor on).
fn header_line(line: &str, known_only: bool) -> Option<(String, String)> {
    if line.starts_with([' ', '\t']) {
        return None;
    }
    let sep = line.find([':', '='])?;
    let name = line[..sep].trim_end();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if known_only && !KNOWN_HEADERS.contains(&lower.as_str()) {
        return None;
    }
    let value = line[sep + 1..].trim().to_string();
    Some((lower, value))
}

/// Headers up to the first blank line (or the first line that is clearly body), with folded
/// continuation lines joined. Returns the headers and the index where the body starts.
fn header_block(lines: &[&str]) -> (Vec<(String, String)>, usize) {
    let mut headers: Vec<(String, String)> = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let line = strip_curl(raw);
        if line.trim().is_empty() {
            return (finish(headers), i + 1);
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
                continue;
            }
        }
        match header_line(line, false) {
            Some(h) => headers.push(h),
            None => return (finish(headers), i),
        }
    }
    (finish(headers), lines.len())
}

/// The Authorization header never leaves the parser: reports must not carry tokens.
fn finish(mut headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers.retain(|(n, _)| n != "authorization" && n != "cookie" && n != "set-cookie");
    headers
}

/// A request line (`POST https://graph.microsoft.com/v1.0/groups/{id}/members/$ref HTTP/1.1`)
/// among the lines before the status line, with the request body after it.
fn request_in_lines(lines: &[&str]) -> Option<RequestLine> {
    let (i, mut req) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| method_and_url(strip_curl(l).trim()).map(|r| (i, r)))?;
    // The request body (clipped) starts after the request headers: the member reference, or the
    // group being created. Request headers (Authorization!) are never kept.
    let after = &lines[i + 1..];
    let headers_end = after
        .iter()
        .position(|l| header_line(strip_curl(l), false).is_none())
        .unwrap_or(after.len());
    let body_from = match after.get(headers_end) {
        Some(l) if strip_curl(l).trim().is_empty() => headers_end + 1,
        _ => headers_end,
    };
    let rest = after[body_from..].join("\n");
    let body: String = rest.chars().take(4096).collect();
    req.body = (!body.trim().is_empty()).then(|| crate::secret::redact(&body));
    Some(req)
}

fn method_and_url(line: &str) -> Option<RequestLine> {
    let (method, rest) = line.split_once(' ')?;
    let method = method.trim_matches(['`', '"', '\'']);
    let upper = method.to_ascii_uppercase();
    if !METHODS.contains(&upper.as_str()) {
        return None;
    }
    let url = rest
        .split_whitespace()
        .next()?
        .trim_matches(['`', '"', '\'', ',']);
    if !(url.starts_with('/') || url.to_ascii_lowercase().starts_with("http")) {
        return None;
    }
    Some(RequestLine {
        method: Some(upper),
        url: url.to_string(),
        body: None,
    })
}

/// A request named anywhere in the text: `POST https://…` (Guzzle: "`GET https://…/me` resulted
/// in…"), else the first Microsoft Graph URL that is not a member reference (`@odata.id`) and not
/// the sign-in endpoint (python-requests: "Forbidden for url: https://…").
fn request_in_text(text: &str) -> Option<RequestLine> {
    let lower = text.to_ascii_lowercase();
    for m in METHODS {
        let needle = format!("{} ", m.to_ascii_lowercase());
        let mut from = 0;
        let mut attempts = 0;
        while let Some(rel) = lower.get(from..).and_then(|r| r.find(&needle)) {
            let pos = from + rel;
            from = pos + 1;
            let glued = pos > 0 && lower.as_bytes()[pos - 1].is_ascii_alphanumeric();
            if glued {
                continue;
            }
            attempts += 1;
            if attempts > MAX_ATTEMPTS {
                break;
            }
            let line: String = text[pos..]
                .chars()
                .take_while(|c| *c != '\n')
                .take(2048)
                .collect();
            if let Some(r) = method_and_url(&line) {
                if r.url.contains("/v1.0/") || r.url.contains("/beta/") || r.url.starts_with('/') {
                    return Some(r);
                }
            }
        }
    }
    let mut from = 0;
    let mut attempts = 0;
    while let Some(rel) = lower.get(from..).and_then(|r| r.find("https://")) {
        attempts += 1;
        if attempts > MAX_ATTEMPTS {
            break;
        }
        let pos = from + rel;
        let url: String = text[pos..]
            .chars()
            .take_while(|c| {
                !c.is_whitespace() && !matches!(c, '"' | '\'' | '`' | '|' | ',' | ')' | '\\')
            })
            .take(2048)
            .collect();
        // Resume after this URL (at least past "https://") so every byte is scanned once.
        from = pos + url.len().max(8);
        while from < text.len() && !text.is_char_boundary(from) {
            from += 1;
        }
        let ul = url.to_ascii_lowercase();
        let graph = ul.contains("/v1.0/") || ul.contains("/beta/");
        let window_start = pos.saturating_sub(24);
        let before = lower.get(window_start..pos).unwrap_or_default();
        let is_ref = before.contains("odata.id") || before.contains("odata.bind");
        if graph && !is_ref && !ul.contains("login.") {
            return Some(RequestLine {
                method: None,
                url,
                body: None,
            });
        }
    }
    None
}

/// The `@odata.id` / `members@odata.bind` references (and `@odata.type`) of a request body
/// quoted somewhere in the text, kept as written so the member id can be recovered.
fn odata_refs(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut refs = Vec::new();
    for key in ["@odata.id", "members@odata.bind", "@odata.type"] {
        let mut from = 0;
        while let Some(rel) = lower.get(from..).and_then(|r| r.find(key)) {
            let pos = from + rel;
            from = pos + key.len();
            let window: String = text[pos..].chars().take(400).collect();
            // An array of references may span lines: keep up to its closing bracket.
            let end = if key == "members@odata.bind" {
                window.find(']').map(|e| e + 1).unwrap_or(window.len())
            } else {
                window.find('\n').unwrap_or(window.len())
            };
            refs.push(window[..end].to_string());
            if refs.len() > 20 {
                break;
            }
        }
    }
    (!refs.is_empty()).then(|| refs.join("\n"))
}

/// Byte offsets of `needle` in `hay`, left to right, at most [`MAX_ATTEMPTS`] of them.
fn occurrences<'a>(hay: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        let pos = from + hay.get(from..)?.find(needle)?;
        from = pos + needle.len().max(1);
        Some(pos)
    })
    .take(MAX_ATTEMPTS)
}

/// Reason phrases an SDK may print instead of (or next to) the code.
const REASONS: [(&str, u16); 9] = [
    ("bad request", 400),
    ("unauthorized", 401),
    ("forbidden", 403),
    ("not found", 404),
    ("conflict", 409),
    ("too many requests", 429),
    ("internal server error", 500),
    ("service unavailable", 503),
    ("gateway timeout", 504),
];

/// The HTTP status written somewhere in an SDK/CLI rendering, when there is no status line.
pub(crate) fn status_in_text(text: &str) -> Option<u16> {
    let lower = text.to_ascii_lowercase();
    // 1. keyword then number: "Status: 403 (Forbidden)", "unexpected status 403", "status code 403",
    //    "http error: 401", "received HTTP status 401", "\"status\": 403", "statusCode=403".
    const KEYS: [&str; 10] = [
        "responsestatuscode",
        "httpstatuscode",
        "status code",
        "statuscode",
        "status",
        "http error",
        "response code",
        "responsecode",
        "http status",
        "code",
    ];
    for key in KEYS {
        for pos in occurrences(&lower, key) {
            let from = pos + key.len();
            if pos > 0 && lower.as_bytes()[pos - 1].is_ascii_alphabetic() {
                continue;
            }
            let rest = lower[from..].trim_start_matches([' ', ':', '=', '"', '\'', '\t', '(']);
            if let Some(n) = three_digit_status(rest) {
                if n >= 400 || key != "code" {
                    return Some(n);
                }
            }
            // "Status Code: Unauthorized"
            if key != "code" {
                for (reason, n) in REASONS {
                    if rest.starts_with(reason) {
                        return Some(n);
                    }
                }
            }
        }
    }
    // 2. number then reason: "403 Forbidden", "403 Client Error", "(403) Forbidden", "`400 Bad Request`".
    let bytes = lower.as_bytes();
    for i in 0..bytes.len().saturating_sub(2) {
        if i > 0
            && (bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'-'
                || bytes[i - 1] == b':')
        {
            continue;
        }
        let Some(rest) = lower.get(i..) else { continue };
        let Some(n) = three_digit_status(rest) else {
            continue;
        };
        if n < 400 {
            continue;
        }
        let after = rest[3..].trim_start_matches([' ', ')', '(', '-', ':']);
        let reason_follows = REASONS
            .iter()
            .any(|(r, code)| *code == n && after.starts_with(r))
            || after.starts_with("client error")
            || after.starts_with("server error");
        // A paste that starts with the code: "403 ErrorAccessDenied — …", "429 - {…}".
        let leading = lower[..i].trim().is_empty();
        if reason_follows || leading {
            return Some(n);
        }
    }
    // 3. reason then number: "Forbidden (403)", "Unauthorized (HTTP 401)", "Bad Request - 400".
    for (reason, n) in REASONS {
        for pos in occurrences(&lower, reason) {
            let after = lower[pos + reason.len()..].trim_start_matches([' ', '(', '-', ':', '[']);
            let after = after.strip_prefix("http").unwrap_or(after).trim_start();
            if three_digit_status(after) == Some(n) {
                return Some(n);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(status_line("HTTP/1.1 403 Forbidden"), Some(403));
        assert_eq!(status_line("HTTP/2 401"), Some(401));
        assert_eq!(status_line("HTTP 401; Unauthorized"), Some(401));
        assert_eq!(status_line("https://graph.microsoft.com"), None);
        assert_eq!(status_line("HTTP/1.1 4033"), None);
    }

    #[test]
    fn raw_response_with_folded_header() {
        let o = parse("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n  error=\"insufficient_claims\"\r\nrequest-id: abc\r\n\r\n{\"error\":{}}");
        assert_eq!(o.status, Some(401));
        assert_eq!(
            o.header("www-authenticate"),
            Some("Bearer error=\"insufficient_claims\"")
        );
        assert_eq!(o.body, "{\"error\":{}}");
    }

    #[test]
    fn facts_7a_shape() {
        let o = parse("HTTP 401; Unauthorized\nwww-authenticate =Bearer realm=\"\", error=\"insufficient_claims\"");
        assert_eq!(o.status, Some(401));
        assert!(o
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer")));
    }

    #[test]
    fn request_and_authorization_header() {
        let o = parse("POST https://graph.microsoft.com/v1.0/groups/g/members/$ref HTTP/1.1\nAuthorization: Bearer eyJ.x.y\n\n{\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/m\"}\n\nHTTP/1.1 400 Bad Request\nContent-Type: application/json\n\n{}");
        assert_eq!(o.status, Some(400));
        let r = o.request.expect("request");
        assert_eq!(r.method.as_deref(), Some("POST"));
        assert!(r.body.is_some_and(|b| b.contains("directoryObjects/m")));
        assert!(o.headers.iter().all(|(n, _)| n != "authorization"));
    }

    #[test]
    fn request_body_without_blank_line_or_headers() {
        let o = parse("POST https://graph.microsoft.com/v1.0/groups/g/members/$ref\n{\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/m\"}\n\nHTTP/1.1 403 Forbidden\n\n{}");
        let body = o.request.and_then(|r| r.body).unwrap_or_default();
        assert!(body.contains("directoryObjects/m"), "{body}");
    }

    #[test]
    fn statuses_in_renderings() {
        assert_eq!(
            status_in_text("x Status: 403 (Forbidden) ErrorCode: y"),
            Some(403)
        );
        assert_eq!(
            status_in_text("unexpected status 403 with OData error"),
            Some(403)
        );
        assert_eq!(
            status_in_text("HTTPError: 403 Client Error: Forbidden for url"),
            Some(403)
        );
        assert_eq!(
            status_in_text("Status Code: Unauthorized Exception"),
            Some(401)
        );
        assert_eq!(status_in_text("403 ErrorAccessDenied — [RAOP]"), Some(403));
        assert_eq!(
            status_in_text("resulted in a `400 Bad Request` response"),
            Some(400)
        );
        assert_eq!(
            status_in_text("CompactToken parsing failed with error code: 80049217"),
            None
        );
        assert_eq!(status_in_text("Timestamp: 2023-01-04 19:44:18Z"), None);
        assert_eq!(
            status_in_text("Forbidden (403): Insufficient privileges"),
            Some(403)
        );
        assert_eq!(
            status_in_text("Unauthorized (HTTP 401). Failed to complete operation."),
            Some(401)
        );
        assert_eq!(status_in_text("Forbidden (404)"), None);
    }
}
