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

/// Replaces anything shaped like a JWT (or a long bearer value) in `text` with `[redacted]`.
/// Used on every string that may have come from outside before it is logged or shown.
pub fn redact(text: &str) -> String {
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
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
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
}
