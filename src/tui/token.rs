//! The Connect screen's offline token summary: who, which app, which flow, audience, tenant and
//! expiry, decoded from the claims alone (no request is made, nothing is validated).
//!
//! The token itself never reaches the screen: a text field holding one is drawn as bullets.

use crate::auth::jwt::{JwtError, TokenInfo, TokenKind};
use crate::secret::Secret;

/// A text field that may hold a secret (a token being pasted, a client secret). It edits like
/// any `tui_input::Input`, but its `Debug` never shows the value, so no `{:?}` of the model can
/// print a token.
#[derive(Clone, Default)]
pub struct SecretInput(pub tui_input::Input);

impl std::ops::Deref for SecretInput {
    type Target = tui_input::Input;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for SecretInput {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretInput([redacted], {} chars)",
            self.0.value().chars().count()
        )
    }
}

/// A token the wizard holds, with where it came from and what it decodes to.
#[derive(Debug, Clone)]
pub struct HeldToken {
    pub secret: Secret,
    /// "pasted", "file ./t.jwt", "env GRAPH_DOCTOR_TOKEN", "device code sign-in", "demo scenario"...
    pub source: String,
    pub decoded: Result<TokenInfo, JwtError>,
}

impl HeldToken {
    pub fn new(secret: Secret, source: impl Into<String>) -> HeldToken {
        let decoded = TokenInfo::decode(secret.expose());
        HeldToken {
            secret,
            source: source.into(),
            decoded,
        }
    }
}

/// What a masked field shows for a secret of `len` characters: bullets, never the value.
pub fn mask(len: usize, width: usize) -> String {
    if len == 0 {
        return String::new();
    }
    let label = format!(" ({len} chars)");
    let bullets = width.saturating_sub(label.chars().count()).clamp(6, 12);
    format!("{}{label}", "•".repeat(bullets.min(len)))
}

/// `in 59m 12s`, `expired 3h 2m ago`: a countdown an operator on the phone can read aloud.
pub fn countdown(seconds_left: i64) -> String {
    let span = |s: i64| {
        let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
        if d > 0 {
            format!("{d}d {h}h")
        } else if h > 0 {
            format!("{h}h {m:02}m")
        } else if m > 0 {
            format!("{m}m {s:02}s")
        } else {
            format!("{s}s")
        }
    };
    if seconds_left >= 0 {
        format!("in {}", span(seconds_left))
    } else {
        format!("expired {} ago", span(-seconds_left))
    }
}

/// UTC time of a unix timestamp, `2026-11-23 07:12:00Z`.
fn utc(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| ts.to_string())
}

/// One row of the summary; `warn` marks a value that already explains a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: &'static str,
    pub value: String,
    pub warn: bool,
}

fn row(label: &'static str, value: impl Into<String>) -> Row {
    Row {
        label,
        value: value.into(),
        warn: false,
    }
}

/// The summary rows of a decoded token at unix time `now`.
pub fn summary(info: &TokenInfo, now: i64) -> Vec<Row> {
    let kind = info.kind();
    let mut rows = Vec::new();
    let who = match kind {
        TokenKind::AppOnly => "the application itself (no user)".to_string(),
        _ => info
            .subject_name()
            .unwrap_or("(no user name claim)")
            .to_string(),
    };
    rows.push(row("Who", who));
    let app = match (info.app_name(), info.app_id()) {
        (Some(n), Some(id)) => format!("{n} ({id})"),
        (None, Some(id)) => id.to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => "(no appid/azp claim)".to_string(),
    };
    rows.push(row("App", app));
    let flow = match kind {
        TokenKind::Delegated => "delegated (scp: signed-in user)".to_string(),
        TokenKind::AppOnly => "app-only (roles: application permissions)".to_string(),
        TokenKind::IdToken => "an ID token, not an access token".to_string(),
    };
    rows.push(Row {
        warn: kind == TokenKind::IdToken,
        ..row("Flow", flow)
    });
    let perms = match kind {
        TokenKind::Delegated => info.scopes(),
        _ => info.roles(),
    };
    rows.push(row(
        "Permissions",
        if perms.is_empty() {
            "(none)".to_string()
        } else {
            perms.join(" ")
        },
    ));
    let aud = info.audience().unwrap_or("(no aud claim)").to_string();
    let graph = crate::auth::Cloud::for_graph_audience(&aud).is_some()
        || aud == crate::knowledge::GRAPH_APP_ID;
    rows.push(Row {
        warn: !graph,
        ..row(
            "Audience",
            if graph {
                aud
            } else {
                format!("{aud} (not Microsoft Graph)")
            },
        )
    });
    let personal = info.is_personal_account();
    rows.push(Row {
        warn: personal,
        ..row(
            "Tenant",
            match (info.tid(), personal) {
                (Some(t), true) => format!("{t} (personal Microsoft account)"),
                (Some(t), false) => t.to_string(),
                (None, _) => "(no tid claim)".to_string(),
            },
        )
    });
    match info.time_claim("exp") {
        Some(exp) => rows.push(Row {
            warn: exp < now,
            ..row(
                "Expires",
                format!("{} ({})", countdown(exp - now), utc(exp)),
            )
        }),
        None => rows.push(Row {
            warn: true,
            ..row("Expires", "(no exp claim)")
        }),
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::mint;
    use serde_json::json;

    #[test]
    fn countdown_reads_well() {
        assert_eq!(countdown(3552), "in 59m 12s");
        assert_eq!(countdown(-(3 * 3600 + 2 * 60)), "expired 3h 02m ago");
        assert_eq!(countdown(5), "in 5s");
        assert_eq!(countdown(2 * 86_400 + 3600), "in 2d 1h");
    }

    #[test]
    fn mask_never_shows_the_value() {
        let m = mask(1523, 30);
        assert!(m.starts_with("•"));
        assert!(m.ends_with("(1523 chars)"));
        assert_eq!(mask(0, 30), "");
    }

    #[test]
    fn summary_of_a_delegated_token() {
        let t = mint(
            &json!({"aud": "https://graph.microsoft.com", "scp": "User.Read",
            "tid": "11111111-1111-1111-1111-111111111111", "upn": "ada@contoso.com",
            "app_displayname": "HR sync", "appid": "22222222-2222-2222-2222-222222222222", "exp": 1_000_100}),
        );
        let info = TokenInfo::decode(&t).expect("decodes");
        let rows = summary(&info, 1_000_000);
        let get = |l: &str| rows.iter().find(|r| r.label == l).expect("row").clone();
        assert_eq!(get("Who").value, "ada@contoso.com");
        assert!(get("Flow").value.starts_with("delegated"));
        assert!(get("Expires").value.starts_with("in 1m 40s"));
        assert!(!get("Audience").warn);
        let later = summary(&info, 1_000_200);
        assert!(later.iter().any(|r| r.label == "Expires" && r.warn));
    }

    #[test]
    fn a_foreign_audience_is_flagged() {
        let t = mint(
            &json!({"aud": "https://management.azure.com", "roles": ["x"], "idtyp": "app", "exp": 5}),
        );
        let info = TokenInfo::decode(&t).expect("decodes");
        let rows = summary(&info, 0);
        assert!(rows
            .iter()
            .any(|r| r.label == "Audience" && r.warn && r.value.contains("not Microsoft Graph")));
        assert!(rows
            .iter()
            .any(|r| r.label == "Who" && r.value.contains("application")));
    }
}
