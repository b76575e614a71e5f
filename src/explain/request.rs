//! A failing request as an operator writes or pastes it (`check --request`, `--request-file`, the
//! wizard's "paste a failing request"): `METHOD URL`, a raw HTTP request (request line, headers,
//! blank line, body) or a `curl` command line. Only the method, the URL (with the `Host` header's
//! host for a relative one) and the body are kept: no other header is, so the `Authorization`
//! header (the token) never leaves this parser.

use super::RequestLine;

/// The methods the permissions map knows.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// A request read from a paste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastedRequest {
    /// Upper case.
    pub method: String,
    /// As written (absolute, or relative with the `Host` header's host in front when it had one).
    pub url: String,
    /// The body, redacted (`crate::secret::redact`) and clipped to 4 KiB.
    pub body: Option<String>,
    /// How it was written: `request line`, `raw HTTP`, `curl`.
    pub form: &'static str,
}

impl PastedRequest {
    /// The request as `explain`'s observed request line (for the operation its URL names).
    pub fn line(&self) -> RequestLine {
        RequestLine {
            method: Some(self.method.clone()),
            url: self.url.clone(),
            body: self.body.clone(),
        }
    }
}

/// Why a paste is not a request. The messages never quote the paste (it may hold a token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasteError {
    #[error("it is empty: give METHOD URL, a raw HTTP request or a curl command line")]
    Empty,
    #[error("no request in it: give METHOD URL (GET /users/{{id}}/memberOf), a raw HTTP request (request line, headers, blank line, body) or a curl command line")]
    NoRequest,
    #[error("unknown method '{0}': use GET, POST, PUT, PATCH or DELETE")]
    Method(String),
    #[error("the curl command line names no URL")]
    NoUrl,
}

fn clip_body(body: &str) -> Option<String> {
    let b: String = body.trim().chars().take(4096).collect();
    (!b.is_empty()).then(|| crate::secret::redact(&b))
}

fn method(m: &str) -> Result<String, PasteError> {
    let up = m.trim().to_ascii_uppercase();
    if METHODS.contains(&up.as_str()) {
        Ok(up)
    } else {
        // Only a short method-like word is quoted back; anything else may be a secret.
        let shown = if m.len() <= 10 && m.chars().all(|c| c.is_ascii_alphabetic()) {
            m.to_string()
        } else {
            "…".to_string()
        };
        Err(PasteError::Method(shown))
    }
}

/// Reads `METHOD URL`, a raw HTTP request or a curl command line.
pub fn read_request(text: &str) -> Result<PastedRequest, PasteError> {
    let t = text.trim_start_matches('\u{feff}').trim();
    if t.is_empty() {
        return Err(PasteError::Empty);
    }
    let first = t.trim_start_matches(['$', '>', ' ']);
    let word = first.split_whitespace().next().unwrap_or_default();
    if word.eq_ignore_ascii_case("curl") || word.eq_ignore_ascii_case("curl.exe") {
        return curl(first);
    }
    raw(t)
}

/// `METHOD URL [HTTP/1.1]`, then headers up to a blank line, then the body.
fn raw(t: &str) -> Result<PastedRequest, PasteError> {
    let mut lines = t.lines();
    let request_line = lines.next().unwrap_or_default().trim();
    let mut parts = request_line.split_whitespace();
    let (Some(m), Some(url)) = (parts.next(), parts.next()) else {
        return Err(PasteError::NoRequest);
    };
    let url = url.trim_matches(['"', '\'', '`']);
    if !(url.starts_with('/') || url.contains("://") || url.contains('/')) {
        return Err(PasteError::NoRequest);
    }
    let method = method(m)?;
    let mut host = None;
    let mut body = String::new();
    let mut in_body = false;
    for line in lines {
        if in_body {
            body.push_str(line);
            body.push('\n');
            continue;
        }
        if line.trim().is_empty() {
            in_body = true;
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.contains(' ') => {
                if name.trim().eq_ignore_ascii_case("host") {
                    host = Some(value.trim().to_string());
                }
                // Every other header (Authorization above all) is dropped here.
            }
            _ => {
                // Not a header: the body started without a blank line.
                in_body = true;
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    let url = match host {
        Some(h) if url.starts_with('/') && !h.is_empty() => format!("https://{h}{url}"),
        _ => url.to_string(),
    };
    Ok(PastedRequest {
        method,
        url,
        body: clip_body(&body),
        form: if request_line.contains("HTTP/") || t.lines().count() > 1 {
            "raw HTTP"
        } else {
            "request line"
        },
    })
}

/// Splits a shell command line into words: single and double quotes, backslash escapes, and
/// line continuations (`\`, PowerShell's `` ` ``, cmd's `^` at the end of a line).
fn shell_words(s: &str) -> Vec<String> {
    let joined = s
        .replace("\\\r\n", " ")
        .replace("\\\n", " ")
        .replace("`\r\n", " ")
        .replace("`\n", " ")
        .replace("^\r\n", " ")
        .replace("^\n", " ");
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = joined.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                has = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                has = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                if !matches!(n, '"' | '\\' | '$' | '`') {
                                    cur.push('\\');
                                }
                                cur.push(n);
                            }
                        }
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                has = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if has {
                    words.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                has = true;
                cur.push(c);
            }
        }
    }
    if has {
        words.push(cur);
    }
    words
}

/// curl's options that take a value (and are not the ones read below).
const CURL_VALUED: [&str; 30] = [
    "-o",
    "--output",
    "-u",
    "--user",
    "-A",
    "--user-agent",
    "-b",
    "--cookie",
    "-c",
    "--cookie-jar",
    "-e",
    "--referer",
    "--oauth2-bearer",
    "-w",
    "--write-out",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-x",
    "--proxy",
    "--cacert",
    "--cert",
    "-E",
    "--key",
    "-T",
    "--upload-file",
    "--retry",
    "-K",
    "--config",
    "--resolve",
];

fn curl(line: &str) -> Result<PastedRequest, PasteError> {
    let words = shell_words(line);
    let mut it = words.into_iter().skip(1);
    let mut method_word: Option<String> = None;
    let mut url: Option<String> = None;
    let mut host: Option<String> = None;
    let mut body: Option<String> = None;
    let mut get = false;
    while let Some(w) = it.next() {
        let (opt, glued) = match w.as_str() {
            s if s.starts_with("--") => match s.split_once('=') {
                Some((o, v)) => (o.to_string(), Some(v.to_string())),
                None => (s.to_string(), None),
            },
            s if s.starts_with('-') && s.len() > 2 && !s.starts_with("-H") => {
                // `-XPOST`, `-dbody`; a run of flags (`-sS`) has no value.
                let (o, v) = s.split_at(2);
                if matches!(o, "-X" | "-d") {
                    (o.to_string(), Some(v.to_string()))
                } else {
                    (s.to_string(), None)
                }
            }
            s if s.starts_with("-H") && s.len() > 2 => ("-H".to_string(), Some(s[2..].to_string())),
            s => (s.to_string(), None),
        };
        let mut value = || glued.clone().or_else(|| it.next());
        match opt.as_str() {
            "-X" | "--request" => method_word = value(),
            "-H" | "--header" => {
                if let Some(h) = value() {
                    if let Some((n, v)) = h.split_once(':') {
                        if n.trim().eq_ignore_ascii_case("host") {
                            host = Some(v.trim().to_string());
                        }
                    }
                    // Authorization and every other header are dropped.
                }
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" | "--json"
            | "--data-urlencode" => {
                let v = value().unwrap_or_default();
                // `@file` names a file graph-doctor does not read.
                if !v.starts_with('@') {
                    body = Some(v);
                } else {
                    body.get_or_insert_with(String::new);
                }
            }
            "--url" => url = value(),
            "-G" | "--get" => get = true,
            o if CURL_VALUED.contains(&o) => {
                let _ = value();
            }
            o if o.starts_with('-') => {}
            _ => {
                if url.is_none() {
                    url = Some(opt.clone());
                }
            }
        }
    }
    let url = url.ok_or(PasteError::NoUrl)?;
    let method = match method_word {
        Some(m) => method(&m)?,
        None if body.is_some() && !get => "POST".to_string(),
        None => "GET".to_string(),
    };
    let url = match host {
        Some(h) if url.starts_with('/') => format!("https://{h}{url}"),
        _ => url,
    };
    Ok(PastedRequest {
        method,
        url,
        body: body.as_deref().and_then(clip_body),
        form: "curl",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJl";

    #[test]
    fn a_request_line_reads_as_method_and_url() {
        let r = read_request("get /users/8b1e/memberOf").expect("reads");
        assert_eq!(r.method, "GET");
        assert_eq!(r.url, "/users/8b1e/memberOf");
        assert_eq!(r.body, None);
        assert_eq!(r.form, "request line");
    }

    #[test]
    fn a_raw_request_keeps_host_and_body_and_drops_authorization() {
        let text = format!("POST /v1.0/groups/0f2a/members/$ref HTTP/1.1\r\nHost: graph.microsoft.com\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n\r\n{{\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/5a1b\"}}\r\n");
        let r = read_request(&text).expect("reads");
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.url,
            "https://graph.microsoft.com/v1.0/groups/0f2a/members/$ref"
        );
        assert!(r
            .body
            .as_deref()
            .unwrap_or_default()
            .contains("directoryObjects/5a1b"));
        assert_eq!(r.form, "raw HTTP");
        assert!(!format!("{r:?}").contains("eyJ0eXAi"));
    }

    #[test]
    fn a_curl_line_reads_method_url_and_body_in_every_spelling() {
        let text = format!("curl -sS -X POST 'https://graph.microsoft.com/v1.0/groups/0f2a/members/$ref' \\\n  -H \"Authorization: Bearer {TOKEN}\" \\\n  -H 'Content-Type: application/json' \\\n  --data '{{\"@odata.id\":\"https://graph.microsoft.com/v1.0/directoryObjects/5a1b\"}}'");
        let r = read_request(&text).expect("reads");
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.url,
            "https://graph.microsoft.com/v1.0/groups/0f2a/members/$ref"
        );
        assert!(r.body.as_deref().unwrap_or_default().contains("5a1b"));
        assert!(!format!("{r:?}").contains("eyJ0eXAi"));
        let r = read_request(&format!("$ curl -H 'Authorization: Bearer {TOKEN}' https://graph.microsoft.com/v1.0/users/8b1e/memberOf")).expect("reads");
        assert_eq!((r.method.as_str(), r.form), ("GET", "curl"));
        assert_eq!(
            r.url,
            "https://graph.microsoft.com/v1.0/users/8b1e/memberOf"
        );
        let r = read_request("curl -XPATCH --url=https://graph.microsoft.com/v1.0/me -d '{}'")
            .expect("reads");
        assert_eq!(r.method, "PATCH");
        let r = read_request("curl -d '{\"a\":1}' https://graph.microsoft.com/v1.0/groups")
            .expect("reads");
        assert_eq!(
            r.method, "POST",
            "data without -X is a POST, as curl sends it"
        );
    }

    #[test]
    fn what_is_not_a_request_is_refused_without_quoting_it() {
        assert_eq!(read_request("  "), Err(PasteError::Empty));
        assert_eq!(read_request(TOKEN), Err(PasteError::NoRequest));
        let e = read_request(&format!("{TOKEN} /users")).expect_err("refused");
        assert!(!e.to_string().contains("eyJ"), "{e}");
        assert_eq!(read_request("curl -s"), Err(PasteError::NoUrl));
    }
}
