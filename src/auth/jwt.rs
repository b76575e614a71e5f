//! Offline JWT decoding (no signature validation: clients cannot validate Graph tokens, whose
//! format is proprietary: learn.microsoft.com/entra/identity-platform/access-tokens) and minting
//! of unsigned-looking test tokens for the simulated tenant.
//!
//! [`TokenInfo`] is the one decoded view of a token that every face uses (the TUI's Connect
//! summary, the engine's token checks, `explain`). It never keeps the signature.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};

/// Tenant id of personal Microsoft accounts (`tid`,
/// learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
pub const MSA_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The largest date claim kept (about the year 5138): far beyond any real token, small enough
/// that adding or subtracting two of them never overflows.
pub const MAX_TIME_CLAIM: i64 = 100_000_000_000;

/// Why a string is not a decodable JWT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the token is empty")]
    Empty,
    #[error("the token has {0} dot-separated parts; a JWT has 3 (header.payload.signature)")]
    Parts(usize),
    #[error("the token's {0} is not base64url")]
    Base64(&'static str),
    #[error("the token's {0} is not a JSON object")]
    Json(&'static str),
    #[error(
        "the token looks encrypted (JWE, 5 parts): it cannot be read by anyone but its resource"
    )]
    Encrypted,
}

/// Whether a token acts for a signed-in user or for the application alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `scp` present: delegated (app + user).
    Delegated,
    /// `roles` without `scp`, or `idtyp=app`: app-only.
    AppOnly,
    /// An ID token (has `nonce`/`aud`=client id and no `scp`/`roles`), not an access token.
    IdToken,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Delegated => "delegated",
            TokenKind::AppOnly => "app-only",
            TokenKind::IdToken => "id-token",
        }
    }
}

/// A decoded token: header and claims. The signature is dropped on decode.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// True when the signature part was present and non-empty.
    pub signed: bool,
}

fn b64_decode(part: &str) -> Option<Vec<u8>> {
    let trimmed = part.trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()
        .or_else(|| URL_SAFE.decode(part).ok())
}

impl TokenInfo {
    /// Decodes a compact JWT without validating its signature. Accepts a leading `Bearer `.
    pub fn decode(token: &str) -> Result<TokenInfo, JwtError> {
        let token = token.trim();
        let token = token
            .strip_prefix("Bearer ")
            .or_else(|| token.strip_prefix("bearer "))
            .unwrap_or(token)
            .trim();
        if token.is_empty() {
            return Err(JwtError::Empty);
        }
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() == 5 {
            return Err(JwtError::Encrypted);
        }
        if parts.len() != 3 {
            return Err(JwtError::Parts(parts.len()));
        }
        let header = b64_decode(parts[0]).ok_or(JwtError::Base64("header"))?;
        let payload = b64_decode(parts[1]).ok_or(JwtError::Base64("payload"))?;
        let header: Value =
            serde_json::from_slice(&header).map_err(|_| JwtError::Json("header"))?;
        let claims: Value =
            serde_json::from_slice(&payload).map_err(|_| JwtError::Json("payload"))?;
        match (header, claims) {
            (Value::Object(header), Value::Object(claims)) => Ok(TokenInfo {
                header,
                claims,
                signed: !parts[2].is_empty(),
            }),
            (Value::Object(_), _) => Err(JwtError::Json("payload")),
            _ => Err(JwtError::Json("header")),
        }
    }

    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric date claim (`exp`, `nbf`, `iat`), tolerating numbers sent as strings. Values
    /// are clamped to ±[`MAX_TIME_CLAIM`] so date arithmetic on a crafted token cannot overflow.
    pub fn time_claim(&self, name: &str) -> Option<i64> {
        let t = match self.claims.get(name)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }?;
        Some(t.clamp(-MAX_TIME_CLAIM, MAX_TIME_CLAIM))
    }

    pub fn tid(&self) -> Option<&str> {
        self.str_claim("tid")
    }

    pub fn oid(&self) -> Option<&str> {
        self.str_claim("oid")
    }

    /// `ver`: "1.0" or "2.0".
    pub fn version(&self) -> Option<&str> {
        self.str_claim("ver")
    }

    /// The client application id: `appid` (v1) or `azp` (v2).
    pub fn app_id(&self) -> Option<&str> {
        self.str_claim("appid").or_else(|| self.str_claim("azp"))
    }

    pub fn app_name(&self) -> Option<&str> {
        self.str_claim("app_displayname")
    }

    /// The audience; when `aud` is an array, the first entry.
    pub fn audience(&self) -> Option<&str> {
        match self.claims.get("aud")? {
            Value::String(s) => Some(s),
            Value::Array(a) => a.first().and_then(Value::as_str),
            _ => None,
        }
    }

    /// Who the token speaks for, for display: UPN, then preferred_username, then unique_name, then name.
    pub fn subject_name(&self) -> Option<&str> {
        ["upn", "preferred_username", "unique_name", "name"]
            .into_iter()
            .find_map(|c| self.str_claim(c))
    }

    /// Delegated scopes from `scp` (space separated).
    pub fn scopes(&self) -> Vec<String> {
        self.str_claim("scp")
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Application permissions (or, on user tokens, app roles) from `roles`.
    pub fn roles(&self) -> Vec<String> {
        string_array(self.claims.get("roles"))
    }

    /// Tenant-wide directory role template ids from `wids`.
    pub fn wids(&self) -> Vec<String> {
        string_array(self.claims.get("wids"))
    }

    pub fn amr(&self) -> Vec<String> {
        string_array(self.claims.get("amr"))
    }

    pub fn acrs(&self) -> Vec<String> {
        string_array(self.claims.get("acrs"))
    }

    /// Client capabilities (`xms_cc`, e.g. `cp1`).
    pub fn xms_cc(&self) -> Vec<String> {
        string_array(self.claims.get("xms_cc"))
    }

    /// The one classification of a token, used by every face and by the engine: an ID token
    /// (never `scp` or `roles`; `nonce`/`at_hash`/`c_hash`, or the client itself as audience
    /// with no `appid`/`azp`), else delegated (`scp`, or `idtyp=user`), else app-only: a
    /// client-credentials token carries no `roles` claim at all when no application permission
    /// was granted (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
    pub fn kind(&self) -> TokenKind {
        if self.is_id_token() {
            TokenKind::IdToken
        } else if self.claims.contains_key("scp") || self.str_claim("idtyp") == Some("user") {
            TokenKind::Delegated
        } else {
            TokenKind::AppOnly
        }
    }

    fn is_id_token(&self) -> bool {
        if self.claims.contains_key("scp") || self.claims.contains_key("roles") {
            return false;
        }
        if ["nonce", "at_hash", "c_hash"]
            .iter()
            .any(|c| self.claims.contains_key(*c))
        {
            return true;
        }
        let aud = self.audience().unwrap_or_default();
        self.app_id().is_none()
            && crate::knowledge::is_guid(aud)
            && !aud.eq_ignore_ascii_case(crate::knowledge::GRAPH_APP_ID)
            && self.str_claim("idtyp") != Some("app")
    }

    /// True for a personal Microsoft account: `tid` (or the issuer) is the consumer tenant
    /// (learn.microsoft.com/entra/identity-platform/access-token-claims-reference). A guest whose
    /// home identity is a personal account (`idp` = `live.com`) signs in to the work tenant and
    /// is not one.
    pub fn is_personal_account(&self) -> bool {
        self.tid() == Some(MSA_TENANT_ID)
            || self
                .str_claim("iss")
                .is_some_and(|iss| iss.contains(MSA_TENANT_ID))
    }

    /// Claims safe to show in a report: everything but the signature (which was never kept).
    pub fn claims_value(&self) -> Value {
        Value::Object(self.claims.clone())
    }
}

fn string_array(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Builds a compact JWT with the given claims and a throwaway signature. Graph's signatures cannot be
/// validated by clients anyway; the simulated tenant and the tests use this to issue tokens.
pub fn mint(claims: &Value) -> String {
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "kid": "graph-doctor-sim"});
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default());
    let body = format!("{}.{}", enc(&header), enc(claims));
    // A throwaway "signature": not a real RS256 signature, only shaped like one.
    let sig = URL_SAFE_NO_PAD.encode(format!("sim-signature-{}", body.len()).as_bytes());
    format!("{body}.{sig}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_a_minted_delegated_token() {
        let t = mint(
            &json!({"aud": "https://graph.microsoft.com", "scp": "User.Read GroupMember.ReadWrite.All",
            "tid": "11111111-1111-1111-1111-111111111111", "upn": "ada@contoso.com", "ver": "1.0",
            "wids": ["fdd7a751-b60b-444a-984c-02652fe8fa1c"], "exp": 2000000000}),
        );
        let info = TokenInfo::decode(&format!("Bearer {t}")).expect("decodes");
        assert_eq!(info.kind(), TokenKind::Delegated);
        assert_eq!(
            info.scopes(),
            vec!["User.Read", "GroupMember.ReadWrite.All"]
        );
        assert_eq!(info.wids().len(), 1);
        assert_eq!(info.subject_name(), Some("ada@contoso.com"));
        assert_eq!(info.time_claim("exp"), Some(2000000000));
        assert!(info.signed);
    }

    #[test]
    fn app_only_and_personal_accounts() {
        let t = mint(
            &json!({"roles": ["GroupMember.ReadWrite.All"], "idtyp": "app", "tid": MSA_TENANT_ID}),
        );
        let info = TokenInfo::decode(&t).expect("decodes");
        assert_eq!(info.kind(), TokenKind::AppOnly);
        assert!(info.is_personal_account());
    }

    #[test]
    fn a_client_credentials_token_without_any_granted_role_is_app_only() {
        // No application permission granted: no `roles` claim at all, and no `scp` either.
        let t = mint(
            &json!({"aud": "https://graph.microsoft.com", "appid": "22222222-2222-2222-2222-222222222222",
            "oid": "33333333-3333-3333-3333-333333333333", "tid": "11111111-1111-1111-1111-111111111111"}),
        );
        assert_eq!(
            TokenInfo::decode(&t).expect("decodes").kind(),
            TokenKind::AppOnly
        );
        // The client itself as audience and no appid/azp: an ID token.
        let t = mint(
            &json!({"aud": "22222222-2222-2222-2222-222222222222", "tid": "11111111-1111-1111-1111-111111111111"}),
        );
        assert_eq!(
            TokenInfo::decode(&t).expect("decodes").kind(),
            TokenKind::IdToken
        );
    }

    #[test]
    fn a_guest_from_a_personal_account_is_a_work_tenant_token() {
        let t = mint(
            &json!({"scp": "User.Read", "idp": "live.com", "tid": "11111111-1111-1111-1111-111111111111"}),
        );
        assert!(!TokenInfo::decode(&t)
            .expect("decodes")
            .is_personal_account());
    }

    #[test]
    fn extreme_dates_are_clamped() {
        let t = mint(&json!({"exp": i64::MAX, "nbf": i64::MIN, "iat": 1e300}));
        let info = TokenInfo::decode(&t).expect("decodes");
        assert_eq!(info.time_claim("exp"), Some(MAX_TIME_CLAIM));
        assert_eq!(info.time_claim("nbf"), Some(-MAX_TIME_CLAIM));
        assert_eq!(info.time_claim("iat"), Some(MAX_TIME_CLAIM));
    }

    #[test]
    fn id_tokens_are_recognised() {
        let t = mint(
            &json!({"aud": "c0ffee00-0000-0000-0000-000000000001", "nonce": "abc", "tid": "x"}),
        );
        assert_eq!(
            TokenInfo::decode(&t).expect("decodes").kind(),
            TokenKind::IdToken
        );
    }

    #[test]
    fn garbage_is_rejected_with_a_reason() {
        assert_eq!(TokenInfo::decode(""), Err(JwtError::Empty));
        assert_eq!(TokenInfo::decode("abc"), Err(JwtError::Parts(1)));
        assert_eq!(TokenInfo::decode("a.b.c.d.e"), Err(JwtError::Encrypted));
        assert_eq!(
            TokenInfo::decode("!!!.e30.x"),
            Err(JwtError::Base64("header"))
        );
        assert_eq!(
            TokenInfo::decode("e30.bm90IGpzb24.x"),
            Err(JwtError::Json("payload"))
        );
        // An opaque MSA token (compact ticket, no dots).
        assert!(TokenInfo::decode("EwBwA8l6BAAURSN/FHlDW5xN74t6GzbtsBBeBUYAAXXX").is_err());
    }
}
