//! A string that must never be printed: tokens and client secrets.
//!
//! `Debug` and `Display` print `[redacted]`, the buffer is zeroized on drop, and the only
//! way to read it is [`Secret::expose`], which makes every use greppable.

use zeroize::Zeroize;

/// A secret string (access token, client secret). Held in memory only.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it (an Authorization header, a token request).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Lets a token be read straight out of a token-endpoint or `az` JSON answer into a `Secret`,
/// so no plain `String` copy of it outlives the parse. There is deliberately no `Serialize`:
/// a `Secret` can never end up in a report or any other serialized output.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Names after which a value is a credential whatever its shape: an `Authorization: Bearer`
/// header, OAuth form fields and JSON members (`az` prints `accessToken`). Matched
/// case-insensitively.
const SECRET_KEYS: [&str; 8] = [
    "bearer ",
    "access_token",
    "accesstoken",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
    "device_code",
];

/// Replaces anything shaped like a JWT, and the value after a credential's name (a bearer
/// header, `client_secret=…`, `"access_token": "…"`), with `[redacted]`. Used on every string
/// that may have come from outside before it is logged or shown. Opaque tokens without a name
/// (an MSA `EwB…` token pasted alone) cannot be recognised and are not redacted.
pub fn redact(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A JWT: three base64url segments separated by dots, the first starting with "eyJ".
        if text[i..].starts_with("eyJ") {
            let end = text[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
                .map(|n| i + n)
                .unwrap_or(text.len());
            let candidate = &text[i..end];
            if candidate.matches('.').count() >= 1 && candidate.len() >= 20 {
                out.push_str("[redacted]");
                i = end;
                continue;
            }
        }
        if let Some(key) = SECRET_KEYS.iter().find(|k| lower[i..].starts_with(*k)) {
            let needs_separator = !key.ends_with(' ');
            if let Some((value_start, value_end)) =
                named_value(text, i + key.len(), needs_separator)
            {
                out.push_str(&text[i..value_start]);
                out.push_str("[redacted]");
                i = value_end;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// After a credential's name at `from`: skips `"`, `:`, `=` and spaces, then returns the span of
/// the value (up to a quote, separator or whitespace) when it is long enough to be a credential.
/// With `needs_separator`, a `:` or `=` must come first, so prose ("the access_token parameter")
/// is left alone. Without it (after `Bearer `), the value must be a token68 credential
/// (RFC 7235), not an auth-param such as `realm=""` or `authorization_uri="…"` of a
/// `WWW-Authenticate` challenge, which explains and must stay readable.
fn named_value(text: &str, from: usize, needs_separator: bool) -> Option<(usize, usize)> {
    let rest = &text[from..];
    let skip = rest
        .find(|c: char| !matches!(c, '"' | '\'' | ':' | '=' | ' ' | '\\'))
        .unwrap_or(rest.len());
    if needs_separator && !rest[..skip].contains([':', '=']) {
        return None;
    }
    let start = from + skip;
    let value = &text[start..];
    let len = value
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '&' | ',' | ';' | '}' | '\\'))
        .unwrap_or(value.len());
    if !needs_separator {
        let run = &value[..len];
        let body = run.trim_end_matches('=');
        let token68 = body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/'));
        // `name=` followed by a value (quoted or not) is an auth-param.
        let param = !token68 || value[body.len()..].starts_with("=\"");
        if param {
            return None;
        }
    }
    (len >= 8).then_some((start, start + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(format!("{s}"), "[redacted]");
        assert!(!format!("{:?}", Some(&s)).contains("eyJ"));
    }

    #[test]
    fn deserializes_from_json_and_stays_redacted() {
        #[derive(serde::Deserialize, Debug)]
        struct Reply {
            access_token: Secret,
        }
        let r: Reply = serde_json::from_str(r#"{"access_token":"eyJx.eyJy.c2ln"}"#).expect("json");
        assert_eq!(r.access_token.expose(), "eyJx.eyJy.c2ln");
        assert!(!format!("{r:?}").contains("eyJ"));
    }

    #[test]
    fn redact_removes_jwt_shaped_strings() {
        let t = "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJl end";
        let r = redact(t);
        assert_eq!(r, "Authorization: Bearer [redacted] end");
        assert_eq!(redact("no token here, é ü"), "no token here, é ü");
    }

    #[test]
    fn redact_removes_named_credentials_of_any_shape() {
        assert_eq!(
            redact("Authorization: Bearer EwBwA8l6BAAU-opaque-msa-token x"),
            "Authorization: Bearer [redacted] x"
        );
        assert_eq!(
            redact("grant_type=client_credentials&client_secret=abc~DEF.123_456&scope=x"),
            "grant_type=client_credentials&client_secret=[redacted]&scope=x"
        );
        assert_eq!(
            redact(r#"{"accessToken": "opaque-token-value-1234", "tenant": "t"}"#),
            r#"{"accessToken": "[redacted]", "tenant": "t"}"#
        );
        assert_eq!(
            redact(r#"{\"refresh_token\":\"0.AAAA-refresh\"}"#),
            r#"{\"refresh_token\":\"[redacted]\"}"#
        );
        // A challenge's auth-params explain; they are not credentials.
        let challenge = r#"Bearer authorization_uri="https://login.windows.net/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#;
        assert_eq!(redact(challenge), challenge);
        assert_eq!(
            redact(r#"Bearer realm="", error="invalid_token""#),
            r#"Bearer realm="", error="invalid_token""#
        );
        assert_eq!(
            redact("Bearer EwB4A8l6BAAURSN/padded+token=="),
            "Bearer [redacted]"
        );
        // Names alone, or with short values, are kept: they explain, they do not leak.
        assert_eq!(
            redact("the access_token parameter is missing"),
            "the access_token parameter is missing"
        );
        assert_eq!(redact("device_code=x"), "device_code=x");
    }
}
