//! The identity platform's token endpoint, as both OAuth flows use it: the allow-listed
//! endpoint of one tenant ([`Endpoint`]), the HTTP clients (no proxy for loopback, no redirects)
//! and one form POST that reads either the answer or Entra's error ([`post_form`]).
//! https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow

use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::auth::aadsts::TokenEndpointError;
use crate::auth::cloud::check_login_destination;
use crate::auth::http_client::{client_for, may_use_proxy};
use crate::auth::sources::{SignInConfig, SignInError, DEFAULT_TIMEOUT};
use crate::secret::Secret;

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
pub(crate) fn validate_tenant(tenant: &str) -> Result<(), SignInError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Cloud;

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
}
