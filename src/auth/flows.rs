//! Sign-in: the one entry point ([`sign_in`]) for every way of obtaining a token, and the
//! classification of token-endpoint errors for people. The endpoint itself is
//! [`crate::auth::token_endpoint`]; the settings and constants are [`crate::auth::sources`].
//!
//! The flows are written by hand on one reqwest client rather than with the `oauth2` or
//! `azure_identity` crates (docs/auth.md says why in full): `oauth2`'s device-code poll types its
//! errors as the RFC 6749 triple and drops the fields Entra adds (`error_codes`, `suberror`,
//! `claims`, `correlation_id`), which are exactly what the diagnosis needs; `azure_identity` has no
//! device-code credential, needs OpenSSL for certificates and flattens token-endpoint errors.

use crate::auth::aadsts::{first_sentence, AadstsCode, TokenEndpointError};
use crate::auth::challenge::claims_parameter;
use crate::auth::sources::{DeviceCodePrompt, SignIn, SignInConfig, SignInError};
use crate::auth::token_endpoint::validate_tenant;
use crate::report::CheckId;
use crate::secret::Secret;

/// Obtains a token with `method`. Every destination is checked against the cloud's allow-list
/// before the first connection; `on_prompt` is called once, with the code to show, in the
/// device-code flow. To cancel (the TUI's Esc), drop the future: nothing is left running.
pub async fn sign_in(
    method: SignIn,
    cfg: &SignInConfig,
    on_prompt: impl Fn(DeviceCodePrompt) + Send + Sync,
) -> Result<Secret, SignInError> {
    let token = match method {
        SignIn::DeviceCode => crate::auth::device_code::sign_in(cfg, &on_prompt).await?,
        SignIn::ClientSecret => crate::auth::client_credentials::with_secret(cfg).await?,
        SignIn::ClientCertificate => crate::auth::client_credentials::with_certificate(cfg).await?,
        SignIn::AzureCli => crate::auth::azure_cli::get_token(cfg).await?,
    };
    if token.is_empty() {
        return Err(SignInError::Transport(
            "the sign-in answered without an access token".into(),
        ));
    }
    Ok(token)
}

/// The admin-consent URL for `client_id` in `tenant` on the cloud's login host (AADSTS65001's fix).
pub fn admin_consent_url(cfg: &SignInConfig, tenant: &str, client_id: &str) -> String {
    let base = cfg.login_base();
    let tenant = if validate_tenant(tenant).is_ok() {
        tenant
    } else {
        "organizations"
    };
    let mut url = format!("{}/{tenant}/adminconsent", base.trim_end_matches('/'));
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("client_id", client_id);
    url.push('?');
    url.push_str(&query.finish());
    url
}

/// A token-endpoint error explained for people: what it means, what to do, and what it gives
/// the diagnosis (the catalogue check it speaks to, a claims challenge, a consent URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// e.g. `AADSTS7000215 InvalidClientSecret`, or the OAuth `error` when no code is known.
    pub headline: String,
    pub meaning: String,
    pub fix: String,
    /// The catalogue check this error speaks to.
    pub check: Option<CheckId>,
    /// The claims to satisfy (compact JSON), for a conditional-access challenge.
    pub claims: Option<String>,
    /// `{login}/{tenant}/adminconsent?client_id=…` for a missing consent (AADSTS65001).
    pub admin_consent_url: Option<String>,
    /// Correlation id and timestamp, for the sign-in logs.
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
}

/// Classifies a token-endpoint error through the AADSTS table (`assets/knowledge/aadsts.json`).
/// `cfg` supplies the login host, tenant and client id the consent URL needs.
pub fn classify(err: &TokenEndpointError, cfg: &SignInConfig) -> Classification {
    let row: Option<&AadstsCode> = err.known();
    let claims = err.claims.as_deref().and_then(claims_parameter);
    let interaction = err.error == "interaction_required" || claims.is_some();
    let (headline, meaning, mut fix, check) = match row {
        Some(r) => (
            format!("AADSTS{} {}", r.code, r.name),
            r.meaning.clone(),
            r.fix.clone(),
            r.check_id(),
        ),
        None if interaction => (
            err.error.clone(),
            "The sign-in needs user interaction: conditional access asks for another authentication step.".to_string(),
            "Sign in again interactively (device code) and complete what is asked; pass the claims below.".to_string(),
            Some(CheckId::CaClaims),
        ),
        None => (
            match err.codes.first() {
                Some(c) => format!("AADSTS{c} ({})", err.error),
                None => err.error.clone(),
            },
            first_sentence(&err.description),
            format!(
                "Look the code up at {}/error?code={} and check the sign-in logs by correlation id.",
                cfg.cloud.login_host(),
                err.codes.first().map(u32::to_string).unwrap_or_default()
            ),
            None,
        ),
    };
    let consent = err.codes.contains(&65001) || err.suberror.as_deref() == Some("consent_required");
    let admin_consent_url =
        consent.then(|| admin_consent_url(cfg, &cfg.resolved_tenant(), &cfg.resolved_client_id()));
    if let Some(url) = &admin_consent_url {
        fix = format!("Grant admin consent (a Global or Privileged Role Administrator): {url}");
    }
    Classification {
        headline,
        meaning,
        fix: crate::secret::redact(&fix),
        check,
        claims,
        admin_consent_url,
        correlation_id: err.correlation_id.clone(),
        timestamp: err.timestamp.clone(),
    }
}

impl Classification {
    /// The classification on one line, for the command line's exit-2 message.
    pub fn one_line(&self) -> String {
        let mut line = format!("{}: {} Fix: {}", self.headline, self.meaning, self.fix);
        if let Some(c) = &self.claims {
            line.push_str(&format!(" Claims to satisfy: {c}"));
        }
        if let Some(id) = &self.correlation_id {
            line.push_str(&format!(" (correlation id {id})"));
        }
        line.replace(['\r', '\n'], " ")
    }

    /// The classification as a few plain lines for the CLI and the TUI's error panel.
    pub fn render(&self) -> String {
        let mut out = format!("{}: {}\nFix: {}\n", self.headline, self.meaning, self.fix);
        if let Some(c) = &self.claims {
            out.push_str(&format!("Claims to satisfy: {c}\n"));
        }
        if let Some(id) = &self.correlation_id {
            out.push_str(&format!(
                "Correlation id: {id}{} (Entra admin center > Sign-in logs)\n",
                self.timestamp
                    .as_deref()
                    .map(|t| format!(", at {t}"))
                    .unwrap_or_default()
            ));
        }
        out
    }
}

/// Renders any sign-in error for people: the classification for a token-endpoint error, the
/// one-line message otherwise.
pub fn render_sign_in_error(err: &SignInError, cfg: &SignInConfig) -> String {
    match err {
        SignInError::TokenEndpoint(e) => classify(e, cfg).render(),
        other => format!("{other}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn error(json: &str) -> TokenEndpointError {
        let v: Value = serde_json::from_str(json).expect("json");
        TokenEndpointError::from_value(&v).expect("token endpoint error")
    }

    /// The TUI runs a sign-in on a spawned task: its future must be `Send`.
    #[test]
    fn sign_in_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let cfg = SignInConfig::default();
        for method in [
            SignIn::DeviceCode,
            SignIn::ClientSecret,
            SignIn::ClientCertificate,
            SignIn::AzureCli,
        ] {
            let fut = sign_in(method, &cfg, |_| {});
            assert_send(&fut);
        }
    }

    #[test]
    fn classifies_every_documented_code() {
        let cfg = SignInConfig {
            tenant: Some("contoso.onmicrosoft.com".into()),
            client_id: Some("11111111-2222-3333-4444-555555555555".into()),
            ..Default::default()
        };
        let cases = [
            (50076, Some(CheckId::CaClaims)),
            (50079, Some(CheckId::CaClaims)),
            (53003, Some(CheckId::CaClaims)),
            (65001, Some(CheckId::AuthConsent)),
            (7000215, None),
            (700016, None),
            (50020, Some(CheckId::TokenAccount)),
        ];
        for (code, check) in cases {
            let e = error(&format!(
                r#"{{"error":"invalid_grant","error_description":"AADSTS{code}: text.\r\nTrace ID: t","error_codes":[{code}]}}"#
            ));
            let c = classify(&e, &cfg);
            assert!(c.headline.starts_with(&format!("AADSTS{code} ")), "{code}");
            assert_eq!(c.check, check, "{code}");
            assert!(!c.fix.is_empty());
            let line = SignInError::TokenEndpoint(Box::new(e)).to_string();
            assert!(!line.contains('\n') && line.contains(&format!("AADSTS{code}")));
        }
    }

    #[test]
    fn consent_error_carries_the_admin_consent_url() {
        let cfg = SignInConfig {
            tenant: Some("contoso.onmicrosoft.com".into()),
            client_id: Some("11111111-2222-3333-4444-555555555555".into()),
            ..Default::default()
        };
        let e = error(
            r#"{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application with ID 'x'.","error_codes":[65001],"suberror":"consent_required"}"#,
        );
        let c = classify(&e, &cfg);
        assert_eq!(
            c.admin_consent_url.as_deref(),
            Some("https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=11111111-2222-3333-4444-555555555555")
        );
        assert!(c.render().contains("adminconsent?client_id="));
        assert!(!c.one_line().contains('\n'));
        assert!(c.one_line().contains("adminconsent?client_id="));
    }

    #[test]
    fn conditional_access_claims_are_decoded() {
        let e = error(
            r#"{"error":"interaction_required","error_description":"AADSTS53003: Access has been blocked by Conditional Access policies.","error_codes":[53003],"claims":"{\"access_token\":{\"capolids\":{\"essential\":true,\"values\":[\"p1\"]}}}","correlation_id":"c-1","timestamp":"2024-01-01 00:00:00Z"}"#,
        );
        let c = classify(&e, &SignInConfig::default());
        assert_eq!(
            c.claims.as_deref(),
            Some(r#"{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}"#)
        );
        let text = c.render();
        assert!(text.contains("Claims to satisfy"));
        assert!(text.contains("c-1"));
        // An interaction_required answer without a known code still points at ca.claims.
        let bare = error(r#"{"error":"interaction_required","error_description":"x"}"#);
        assert_eq!(
            classify(&bare, &SignInConfig::default()).check,
            Some(CheckId::CaClaims)
        );
    }

    #[test]
    fn the_corpus_token_endpoint_entries_classify() {
        let corpus: Value =
            serde_json::from_str(include_str!("../../tests/data/graph-errors.json")).expect("json");
        let mut seen = 0;
        for entry in corpus.as_array().expect("array") {
            if entry["channel"] != "token_endpoint" {
                continue;
            }
            let body = entry["body_normalized"]
                .as_str()
                .or(entry["body"].as_str())
                .expect("body");
            let Ok(v) = serde_json::from_str::<Value>(body) else {
                continue;
            };
            let e = TokenEndpointError::from_value(&v).expect("token endpoint error");
            let c = classify(&e, &SignInConfig::default());
            assert!(c.headline.starts_with("AADSTS"), "{}", entry["id"]);
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} corpus entries parsed");
    }
}
