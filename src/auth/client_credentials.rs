//! The client-credentials flow (app-only): the failing app's own token, obtained with its client
//! secret (AZURE_CLIENT_SECRET) or its certificate (AZURE_CLIENT_CERTIFICATE_PATH or
//! `--certificate`), following Azure Identity's `EnvironmentCredential` conventions.
//!
//! The scope is always `{graph}/.default`: an app-only token carries exactly the application
//! permissions already granted, which is what the diagnosis must judge.

use crate::auth::certificate::ClientCertificate;
use crate::auth::sources::{
    SignInConfig, SignInError, CLIENT_CERTIFICATE_PATH_ENV, CLIENT_ID_ENV, CLIENT_SECRET_ENV,
    TENANT_ENV,
};
use crate::auth::token_endpoint::{post_form, Endpoint, Reply, TokenAnswer};
use crate::secret::Secret;

/// The tenant and client id an app-only sign-in needs: no default makes sense for either.
fn app_identity(cfg: &SignInConfig, what: &str) -> Result<(String, String), SignInError> {
    let tenant = cfg.explicit_tenant().filter(|t| {
        !["organizations", "common", "consumers"].contains(&t.to_ascii_lowercase().as_str())
    });
    let tenant = tenant.ok_or_else(|| {
        SignInError::Setup(format!(
            "{what} needs the app's tenant: give --tenant (tenant id or domain) or set {TENANT_ENV}"
        ))
    })?;
    let client_id = cfg.explicit_client_id().ok_or_else(|| {
        SignInError::Setup(format!(
            "{what} needs the app's client id: give --client-id or set {CLIENT_ID_ENV}"
        ))
    })?;
    Ok((tenant, client_id))
}

/// Client credentials with a secret. The secret comes from the config (typed into the TUI) or
/// AZURE_CLIENT_SECRET, never from the command line, and is sent only to the allow-listed token
/// endpoint.
pub(crate) async fn with_secret(cfg: &SignInConfig) -> Result<Secret, SignInError> {
    let (tenant, client_id) = app_identity(cfg, "client-secret sign-in")?;
    let secret = match &cfg.client_secret {
        Some(s) if !s.is_empty() => s.clone(),
        _ => std::env::var(CLIENT_SECRET_ENV)
            .ok()
            .map(Secret::new)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                SignInError::Setup(format!(
                    "client-secret sign-in reads the secret from {CLIENT_SECRET_ENV} (never from the command line): set it"
                ))
            })?,
    };
    let endpoint = Endpoint::resolve(cfg, &tenant)?;
    let scope = cfg.cloud.graph_default_scope();
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "client_credentials"),
        ("client_id", &client_id),
        ("client_secret", secret.expose().trim()),
        ("scope", &scope),
    ];
    if let Some(claims) = cfg.claims.as_deref() {
        form.push(("claims", claims));
    }
    request(cfg, &endpoint, &form).await
}

/// Client credentials with a certificate: a client assertion JWT signed with its key.
pub(crate) async fn with_certificate(cfg: &SignInConfig) -> Result<Secret, SignInError> {
    let (tenant, client_id) = app_identity(cfg, "client-certificate sign-in")?;
    let path = cfg
        .certificate
        .clone()
        .or_else(|| {
            std::env::var_os(CLIENT_CERTIFICATE_PATH_ENV)
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from)
        })
        .ok_or_else(|| {
            SignInError::Setup(format!(
                "client-certificate sign-in needs a PEM with the certificate and its private key: give --certificate PATH or set {CLIENT_CERTIFICATE_PATH_ENV}"
            ))
        })?;
    let endpoint = Endpoint::resolve(cfg, &tenant)?;
    let cert =
        ClientCertificate::from_pem_file(&path).map_err(|e| SignInError::Setup(e.to_string()))?;
    let assertion = cert
        .assertion(
            &client_id,
            &endpoint.token_url(),
            chrono::Utc::now().timestamp(),
        )
        .map_err(|e| SignInError::Setup(e.to_string()))?;
    let scope = cfg.cloud.graph_default_scope();
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "client_credentials"),
        ("client_id", &client_id),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.expose()),
        ("scope", &scope),
    ];
    if let Some(claims) = cfg.claims.as_deref() {
        form.push(("claims", claims));
    }
    request(cfg, &endpoint, &form).await
}

async fn request(
    cfg: &SignInConfig,
    endpoint: &Endpoint,
    form: &[(&str, &str)],
) -> Result<Secret, SignInError> {
    match post_form::<TokenAnswer>(cfg, &endpoint.token_url(), form).await? {
        Reply::Ok(t) => Ok(t.access_token),
        Reply::Error(e) => Err(SignInError::TokenEndpoint(Box::new(e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn app_only_flows_need_a_real_tenant_and_a_client_id() {
        // Explicit values only (no env reads decide this test): "organizations" is refused.
        let cfg = SignInConfig {
            tenant: Some("organizations".into()),
            client_id: Some("app".into()),
            ..Default::default()
        };
        let e = app_identity(&cfg, "x").expect_err("needs a tenant");
        assert!(e.to_string().contains("--tenant"));
        let cfg = SignInConfig {
            tenant: Some("contoso.onmicrosoft.com".into()),
            client_id: Some("app".into()),
            certificate: Some("/nonexistent/cert.pem".into()),
            login_url: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        // The certificate is read before anything is sent: a missing file is a setup error.
        let e = with_certificate(&cfg).await.expect_err("no file");
        assert!(matches!(e, SignInError::Setup(ref m) if m.contains("/nonexistent/cert.pem")));
    }
}
