//! Claims challenges: the `WWW-Authenticate` header of a 401 (`Bearer realm="",
//! authorization_uri="…", error="insufficient_claims", claims="<base64 JSON>"`), and the `claims`
//! of a token-endpoint error, parsed and decoded. The one parser of them: the engine reads live
//! answers with it, `explain` pasted ones.
//! (https://learn.microsoft.com/entra/identity-platform/claims-challenge)

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;

/// One parsed challenge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Challenge {
    /// The authentication scheme, e.g. `Bearer`.
    pub scheme: String,
    /// `error`, e.g. `insufficient_claims` or `invalid_token`.
    pub error: Option<String>,
    pub authorization_uri: Option<String>,
    /// `errorDescription` / `error_description`.
    pub error_description: Option<String>,
    /// The `claims` parameter as sent (base64).
    pub claims_raw: Option<String>,
    /// The claims request, decoded.
    pub claims: Option<Value>,
}

impl Challenge {
    /// True when the challenge asks for a new token with more claims.
    pub fn is_claims_challenge(&self) -> bool {
        self.error
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("insufficient_claims"))
            || self.claims.is_some()
    }
}

/// Parses a `WWW-Authenticate` value; the first challenge with parameters wins (a 401 may carry
/// several schemes). Values may be quoted or not; unknown parameters are ignored.
pub fn parse_www_authenticate(value: &str) -> Option<Challenge> {
    let value = value.trim().trim_start_matches(['=', ':']).trim();
    if value.is_empty() {
        return None;
    }
    let mut out = Challenge::default();
    let mut chars = value.char_indices().peekable();
    // The scheme: the first token.
    let scheme_end = value
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(value.len());
    out.scheme = value[..scheme_end].to_string();
    if out.scheme.contains('=') {
        out.scheme = "Bearer".to_string(); // parameters without a scheme
        chars = value.char_indices().peekable();
    } else {
        while chars.peek().is_some_and(|(i, _)| *i < scheme_end) {
            chars.next();
        }
    }
    let mut params: Vec<(String, String)> = Vec::new();
    loop {
        // skip separators
        while chars
            .peek()
            .is_some_and(|(_, c)| c.is_whitespace() || *c == ',')
        {
            chars.next();
        }
        let Some((start, _)) = chars.peek().copied() else {
            break;
        };
        // name
        let mut name_end = start;
        while let Some((i, c)) = chars.peek().copied() {
            if c == '=' || c == ',' || c.is_whitespace() {
                break;
            }
            name_end = i + c.len_utf8();
            chars.next();
        }
        let name = value[start..name_end].to_ascii_lowercase();
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().map(|(_, c)| *c) != Some('=') {
            if name.is_empty() {
                chars.next();
            }
            continue; // a bare token (another scheme name): keep reading parameters
        }
        chars.next();
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut val = String::new();
        if chars.peek().map(|(_, c)| *c) == Some('"') {
            chars.next();
            while let Some((_, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            val.push(n);
                        }
                    }
                    '"' => break,
                    _ => val.push(c),
                }
            }
        } else {
            while let Some((_, c)) = chars.peek().copied() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                val.push(c);
                chars.next();
            }
        }
        if !name.is_empty() && !params.iter().any(|(n, _)| *n == name) {
            params.push((name, val));
        }
    }
    for (name, val) in params {
        match name.as_str() {
            "error" => out.error = Some(val),
            "authorization_uri" => out.authorization_uri = Some(val),
            "errordescription" | "error_description" => out.error_description = Some(val),
            "claims" => {
                out.claims = decode_claims(&val);
                out.claims_raw = Some(val);
            }
            _ => {}
        }
    }
    Some(out)
}

/// A claims request: base64 (standard or url-safe, padded or not) of JSON, or the JSON itself
/// (the token endpoint sends it in clear).
pub fn decode_claims(raw: &str) -> Option<Value> {
    let raw = raw.trim();
    if raw.starts_with('{') {
        return serde_json::from_str::<Value>(raw)
            .ok()
            .filter(Value::is_object);
    }
    let bytes = STANDARD
        .decode(raw)
        .or_else(|_| STANDARD_NO_PAD.decode(raw.trim_end_matches('=')))
        .or_else(|_| URL_SAFE.decode(raw))
        .or_else(|_| URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')))
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    serde_json::from_str::<Value>(&text)
        .ok()
        .filter(Value::is_object)
}

/// A claims challenge as the `claims` parameter of a token request takes it: compact JSON.
/// Accepts what [`decode_claims`] does (the JSON of a token-endpoint error, or the base64 of a
/// Graph `WWW-Authenticate: … claims="…"`), quoted or not; `None` when it is neither.
/// https://learn.microsoft.com/entra/identity-platform/claims-challenge
pub fn claims_parameter(raw: &str) -> Option<String> {
    decode_claims(raw.trim().trim_matches('"')).map(|v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_examples_decode() {
        let c = parse_www_authenticate(r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ==""#).expect("parses");
        assert!(c.is_claims_challenge());
        assert_eq!(
            c.claims,
            Some(serde_json::json!({"access_token":{"acrs":{"essential":true,"value":"cp1"}}}))
        );
        let cae = parse_www_authenticate(r#"Bearer authorization_uri=https://login.windows.net/common/oauth2/authorize, error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=", errorDescription="revoked""#).expect("parses");
        assert_eq!(
            cae.authorization_uri.as_deref(),
            Some("https://login.windows.net/common/oauth2/authorize")
        );
        assert_eq!(cae.error_description.as_deref(), Some("revoked"));
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "=",
            "Bearer",
            "Bearer ,,, =",
            "a=\"unterminated",
            "é=é, claims=!!!",
            "Bearer error",
        ] {
            let _ = parse_www_authenticate(s);
        }
        assert!(decode_claims("not base64").is_none());
        assert!(decode_claims(
            r#"{"access_token":{"capolids":{"essential":true,"values":["a"]}}}"#
        )
        .is_some());
    }

    #[test]
    fn claims_parameter_accepts_json_and_base64() {
        let json = r#"{"access_token":{"acrs":{"essential":true,"value":"cp1"}}}"#;
        assert_eq!(claims_parameter(json).as_deref(), Some(json));
        assert_eq!(
            claims_parameter(
                "eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ=="
            )
            .as_deref(),
            Some(json)
        );
        assert_eq!(claims_parameter("not claims"), None);
        assert_eq!(claims_parameter("[1]"), None);
    }
}
