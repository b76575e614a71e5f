//! Sign-in: the one entry point ([`sign_in`]) for every way of obtaining a token, the token
//! endpoint both OAuth flows share, and the classification of its errors for people.
//!
//! The flows are written by hand on one reqwest client rather than with the `oauth2` or
//! `azure_identity` crates (docs/auth.md says why in full): `oauth2`'s device-code poll types its
//! errors as the RFC 6749 triple and drops the fields Entra adds (`error_codes`, `suberror`,
//! `claims`, `correlation_id`), which are exactly what the diagnosis needs; `azure_identity` has no
//! device-code credential, needs OpenSSL for certificates and flattens token-endpoint errors.

use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::auth::aadsts::{AadstsCode, TokenEndpointError};
use crate::auth::cloud::check_login_destination;
use crate::auth::http_client::{client_for, may_use_proxy};
use crate::auth::sources::{DeviceCodePrompt, SignIn, SignInConfig, SignInError};
use crate::report::CheckId;
use crate::secret::Secret;

/// The public client the device-code flow uses when neither `--client-id` nor AZURE_CLIENT_ID is
/// given: "Microsoft Graph Command Line Tools" (the client of `Connect-MgGraph` and `mgc`), a
/// first-party multi-tenant public client that may request any Graph delegated scope with
/// dynamic consent. The Azure CLI's client (`04b07795-8ddb-461a-bbee-02f9e1bf7b46`) is not used:
/// its Graph scopes are fixed by preauthorization, so asking it for, say, Directory.Read.All
/// fails with AADSTS65002.
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// The tenant a delegated sign-in uses when none is given: any work or school account, never a
/// personal one (personal accounts do not support groups:
/// learn.microsoft.com/graph/office365-groups-concept-overview).
pub const DEFAULT_TENANT: &str = "organizations";

// Azure Identity's environment variables: the names its `EnvironmentCredential` reads, so the
// failing app's own settings work unchanged.
/// The app's tenant (id or domain), when `--tenant` is not given.
pub const TENANT_ENV: &str = "AZURE_TENANT_ID";
/// The client id, when `--client-id` is not given.
pub const CLIENT_ID_ENV: &str = "AZURE_CLIENT_ID";
/// The client secret: the only place it is read from on the command line (never an argument).
pub const CLIENT_SECRET_ENV: &str = "AZURE_CLIENT_SECRET";
/// The PEM with certificate and key, when `--certificate` is not given.
pub const CLIENT_CERTIFICATE_PATH_ENV: &str = "AZURE_CLIENT_CERTIFICATE_PATH";

/// Delegated scopes for a reader sign-in with the device code: the least-privileged reads behind
/// every evidence query the engine makes (directory objects, role assignments and PIM
/// eligibilities). Relative names; [`SignInConfig::scope_string`] prefixes the cloud's Graph host.
pub const READER_SCOPES: [&str; 3] = [
    "Directory.Read.All",
    "RoleManagement.Read.Directory",
    "RoleEligibilitySchedule.Read.Directory",
];

/// How long one token-endpoint request may take when the config gives no timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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

/// The token endpoint of one tenant, its destination already allow-listed.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Login base (the cloud's login host or a loopback simulated tenant), no trailing slash.
    base: String,
    tenant: String,
}

impl Endpoint {
    /// The endpoint for `tenant` under the config's login URL (or the cloud's login host), refused
    /// before any connection unless it is the selected cloud's login host or a loopback address.
    pub fn resolve(cfg: &SignInConfig, tenant: &str) -> Result<Endpoint, SignInError> {
        let base = cfg.login_base();
        let url = check_login_destination(cfg.cloud, &base)
            .map_err(|e| SignInError::Setup(format!("--login-url: {e}")))?;
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(SignInError::Setup(format!(
                "--login-url '{base}' must be a plain base URL such as {}",
                cfg.cloud.login_host()
            )));
        }
        validate_tenant(tenant)?;
        Ok(Endpoint {
            base: url.as_str().trim_end_matches('/').to_string(),
            tenant: tenant.to_string(),
        })
    }

    /// `{login}/{tenant}/oauth2/v2.0/token`
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.base, self.tenant)
    }

    /// `{login}/{tenant}/oauth2/v2.0/devicecode`
    pub fn device_code_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/devicecode", self.base, self.tenant)
    }
}

/// A tenant goes into the token endpoint's path, so only a GUID-or-domain shape is accepted:
/// nothing that could add a path segment, a query or another host.
fn validate_tenant(tenant: &str) -> Result<(), SignInError> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 256
        && !tenant.starts_with('.')
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(SignInError::Setup(format!(
            "tenant '{tenant}' is not a tenant id or domain (e.g. contoso.onmicrosoft.com)"
        )))
    }
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

/// The HTTP clients for the token endpoint, built once each: one that reaches loopback addresses
/// directly and one that may use the environment's proxy (for the cloud's https login host).
/// Neither follows redirects: a redirect would carry a client secret or assertion to whatever
/// host it names (src/auth/http_client.rs).
fn http(url: &Url) -> Result<&'static reqwest::Client, SignInError> {
    static DIRECT: OnceLock<reqwest::Client> = OnceLock::new();
    static PROXIED: OnceLock<reqwest::Client> = OnceLock::new();
    let cell = if may_use_proxy(url) {
        &PROXIED
    } else {
        &DIRECT
    };
    if let Some(c) = cell.get() {
        return Ok(c);
    }
    let client = client_for(url)
        .map_err(|e| SignInError::Transport(format!("cannot start the HTTP client: {e}")))?;
    Ok(cell.get_or_init(|| client))
}

/// A successful token answer. Only the access token is read; a refresh or ID token in the same
/// answer is never deserialized, so it never exists outside the response buffer.
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: Secret,
}

/// What the token endpoint said to one request.
pub(crate) enum Reply<T> {
    Ok(T),
    Error(TokenEndpointError),
}

/// POSTs `form` to `url` (already allow-listed) and reads a JSON answer of type `T`, or the token
/// endpoint's error. Form values may hold secrets: they are never logged, and transport errors
/// name only the host.
pub(crate) async fn post_form<T: serde::de::DeserializeOwned>(
    cfg: &SignInConfig,
    url: &str,
    form: &[(&str, &str)],
) -> Result<Reply<T>, SignInError> {
    let timeout = cfg.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let parsed = Url::parse(url)
        .map_err(|_| SignInError::Setup(format!("'{url}' is not a valid token endpoint URL")))?;
    let host = parsed.host_str().unwrap_or_default().to_string();
    tracing::debug!(%host, "token endpoint request");
    let resp = http(&parsed)?
        .post(parsed)
        .form(form)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| transport(&e, &host, timeout))?;
    let status = resp.status();
    if status.is_redirection() {
        return Err(SignInError::Transport(format!(
            "the token endpoint at {host} answered with a redirect ({status}); redirects are not followed with credentials"
        )));
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| transport(&e, &host, timeout))?;
    if status.is_success() {
        if let Ok(answer) = serde_json::from_slice::<T>(&bytes) {
            return Ok(Reply::Ok(answer));
        }
    }
    if let Some(err) = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .as_ref()
        .and_then(TokenEndpointError::from_value)
    {
        tracing::debug!(%host, error = %err.error, codes = ?err.codes, "token endpoint error");
        return Ok(Reply::Error(err));
    }
    let snippet: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
    Err(SignInError::Transport(format!(
        "the token endpoint at {host} answered {status} with an unexpected body: {}",
        crate::secret::redact(snippet.lines().next().unwrap_or_default())
    )))
}

/// A reqwest error as one line naming the host only (reqwest errors carry the URL; ours holds no
/// secret, but the host is all the operator needs).
fn transport(e: &reqwest::Error, host: &str, timeout: Duration) -> SignInError {
    if e.is_timeout() {
        SignInError::Transport(format!(
            "the token endpoint at {host} did not answer within {} s",
            timeout.as_secs()
        ))
    } else if e.is_connect() {
        SignInError::Transport(format!("could not connect to the token endpoint at {host}"))
    } else {
        let mut cur: &dyn std::error::Error = e;
        while let Some(next) = cur.source() {
            cur = next;
        }
        SignInError::Transport(format!(
            "the request to the token endpoint at {host} failed: {}",
            crate::secret::redact(&cur.to_string())
        ))
    }
}

/// Normalises a claims challenge to the compact JSON the `claims` parameter takes. Accepts the
/// JSON itself (a token-endpoint error's `claims`) or its base64 form (a Graph
/// `WWW-Authenticate: … claims="…"`, learn.microsoft.com/entra/identity-platform/claims-challenge).
/// `None` when it is neither.
pub fn claims_parameter(raw: &str) -> Option<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let raw = raw.trim().trim_matches('"');
    let json = |text: &str| {
        serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object)
            .map(|v| v.to_string())
    };
    if let Some(j) = json(raw) {
        return Some(j);
    }
    let bytes = STANDARD
        .decode(raw)
        .ok()
        .or_else(|| URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok())?;
    json(&String::from_utf8(bytes).ok()?)
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

/// The first sentence (or line) of a token-endpoint description, without its trace lines.
pub(crate) fn first_sentence(description: &str) -> String {
    let line = description
        .split(['\r', '\n'])
        .next()
        .unwrap_or_default()
        .trim();
    let line = line.split(" Trace ID:").next().unwrap_or(line);
    crate::secret::redact(line)
}

/// One line for [`SignInError::TokenEndpoint`]'s `Display`: the code and the table's meaning, else
/// the first sentence of Entra's description.
pub(crate) fn one_line(err: &TokenEndpointError) -> String {
    let what = match err.known() {
        Some(r) => format!("AADSTS{} {}: {}", r.code, r.name, r.meaning),
        None if err.description.is_empty() => err.error.clone(),
        None => first_sentence(&err.description),
    };
    let mut line = format!("sign-in refused by the token endpoint: {what}");
    if err.codes.contains(&65001) {
        line.push_str(" An administrator can grant consent at the admin-consent URL.");
    }
    if err.claims.is_some() || err.error == "interaction_required" {
        line.push_str(" Sign in again interactively to satisfy the claims challenge.");
    }
    line.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Cloud;

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
    fn endpoint_urls_follow_the_v2_layout() {
        let cfg = SignInConfig::default();
        let ep = Endpoint::resolve(&cfg, "contoso.onmicrosoft.com").expect("ok");
        assert_eq!(
            ep.token_url(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        let cfg = SignInConfig {
            cloud: Cloud::China,
            ..Default::default()
        };
        let ep = Endpoint::resolve(&cfg, "organizations").expect("ok");
        assert_eq!(
            ep.device_code_url(),
            "https://login.chinacloudapi.cn/organizations/oauth2/v2.0/devicecode"
        );
        let cfg = SignInConfig {
            login_url: Some("http://127.0.0.1:4000/".into()),
            ..Default::default()
        };
        assert_eq!(
            Endpoint::resolve(&cfg, "t").expect("ok").token_url(),
            "http://127.0.0.1:4000/t/oauth2/v2.0/token"
        );
    }

    #[test]
    fn foreign_login_hosts_and_odd_tenants_are_refused() {
        for login in [
            "https://evil.example",
            "http://login.microsoftonline.com",
            "https://graph.microsoft.com",
            "https://login.microsoftonline.us",
        ] {
            let cfg = SignInConfig {
                login_url: Some(login.into()),
                ..Default::default()
            };
            let e = Endpoint::resolve(&cfg, "organizations").expect_err(login);
            assert!(matches!(e, SignInError::Setup(_)), "{login}");
            assert!(!e.to_string().contains('\n'));
        }
        for tenant in ["../x", "a/b", "a?b", "evil.example@x", "", ".."] {
            assert!(
                Endpoint::resolve(&SignInConfig::default(), tenant).is_err(),
                "{tenant}"
            );
        }
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
