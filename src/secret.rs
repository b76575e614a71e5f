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
        // A JWT: base64url segments separated by dots, the first starting with "eyJ".
        if text[i..].starts_with("eyJ") {
            let (end, dots) = jwt_span(text, i);
            if dots >= 1 && end - i >= 20 {
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

/// The end of the JWT-shaped run starting at `from` (at "eyJ"), and how many dots it holds.
/// Matches what the JWT parser (`auth::jwt::TokenInfo::decode`) accepts: header and payload are
/// base64url with or without `=` padding; the signature is never decoded there, so after the
/// second dot everything up to whitespace or a delimiter (quote, `&`, `,`, `;`, brackets, `<`,
/// `>`, `\`) counts, padded or standard base64 (`+`, `/`) included.
fn jwt_span(text: &str, from: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let segment = |mut j: usize| {
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'-' | b'_'))
        {
            j += 1;
        }
        while j < bytes.len() && bytes[j] == b'=' {
            j += 1;
        }
        j
    };
    let mut j = segment(from);
    let mut dots = 0;
    while j < bytes.len() && bytes[j] == b'.' {
        dots += 1;
        j += 1;
        if dots >= 2 {
            // The signature (and any further part of a JWE): all but whitespace and delimiters.
            while j < bytes.len()
                && !bytes[j].is_ascii_whitespace()
                && !matches!(
                    bytes[j],
                    b'"' | b'\''
                        | b'&'
                        | b','
                        | b';'
                        | b'<'
                        | b'>'
                        | b'('
                        | b')'
                        | b'['
                        | b']'
                        | b'{'
                        | b'}'
                        | b'\\'
                        | b'`'
                )
                && bytes[j] < 0x80
            {
                j += 1;
            }
            break;
        }
        j = segment(j);
    }
    (j, dots)
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
    fn redact_removes_every_token_the_jwt_parser_accepts() {
        use crate::auth::jwt::TokenInfo;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
        use base64::Engine;
        // Lengths that give every padding (none, `=`, `==`) on header and payload.
        let headers = [
            r#"{"alg":"RS256"}"#,
            r#"{"alg":"RS256","typ":"JWT"}"#,
            r#"{"typ":"JWT","x":1}"#,
        ];
        let payloads = [
            r#"{"aud":"https://graph.microsoft.com","upn":"a@b.c"}"#,
            r#"{"aud":"x","oid":"1"}"#,
            r#"{"aud":"00000003"}"#,
        ];
        let signature = b"SIGNATURE-CANARY-\xfb\xff\xfe-0123456789";
        let sigs = [
            URL_SAFE_NO_PAD.encode(signature),
            URL_SAFE.encode(signature),
            STANDARD.encode(signature),
        ];
        let mut seen_padding = 0;
        for h in headers {
            for p in payloads {
                for sig in &sigs {
                    for (he, pe) in [
                        (URL_SAFE.encode(h), URL_SAFE.encode(p)),
                        (URL_SAFE_NO_PAD.encode(h), URL_SAFE.encode(p)),
                        (URL_SAFE.encode(h), URL_SAFE_NO_PAD.encode(p)),
                    ] {
                        let token = format!("{he}.{pe}.{sig}");
                        seen_padding += usize::from(he.ends_with('=') || pe.ends_with('='));
                        assert!(TokenInfo::decode(&token).is_ok(), "{token}");
                        for (shown, expected) in [
                            (
                                format!("Authorization: Bearer {token}"),
                                "Authorization: Bearer [redacted]".to_string(),
                            ),
                            (
                                format!("token {token} end."),
                                "token [redacted] end.".to_string(),
                            ),
                            (
                                format!(r#"{{"t":"{token}","n":1}}"#),
                                r#"{"t":"[redacted]","n":1}"#.to_string(),
                            ),
                            (format!("?t={token}&x=1"), "?t=[redacted]&x=1".to_string()),
                        ] {
                            assert_eq!(redact(&shown), expected, "{shown}");
                        }
                    }
                }
            }
        }
        assert!(seen_padding > 10, "padded forms were exercised");
        // The exact shape of the issue: padded header and payload, then the signature.
        let token = "eyJhbGciOiJSUzI1NiJ9==.eyJhdWQiOiJ4In0=.SIGxyz-signature_part";
        assert!(TokenInfo::decode(token).is_ok());
        assert_eq!(redact(&format!("x {token} y")), "x [redacted] y");
        // Encrypted tokens (five parts) go too; a lone padded base64 claims value stays.
        assert_eq!(
            redact("eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVy.dGFn z"),
            "[redacted] z"
        );
        assert_eq!(
            redact(r#"claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#),
            r#"claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#
        );
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
