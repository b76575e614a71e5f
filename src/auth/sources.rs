//! Where a token comes from: a file (or standard input), the environment, or a sign-in flow
//! ([`crate::auth::flows`]); and the sign-in API's types the TUI's Connect screen uses.

use std::path::Path;

use crate::auth::flows::{
    CLIENT_ID_ENV, DEFAULT_PUBLIC_CLIENT_ID, DEFAULT_TENANT, DEFAULT_TIMEOUT, READER_SCOPES,
    TENANT_ENV,
};
use crate::cli::{read_text, DiagnoseOpts, SignIn, UsageError};
use crate::secret::Secret;

/// Env var holding the token under diagnosis.
pub const TOKEN_ENV: &str = "GRAPH_DOCTOR_TOKEN";
/// Env var holding the optional reader token.
pub const READER_TOKEN_ENV: &str = "GRAPH_DOCTOR_READER_TOKEN";

/// Wraps untrusted text as a secret (trimmed) and wipes the buffer it came in.
fn into_secret(mut text: String) -> Secret {
    let token = Secret::new(text.trim());
    zeroize::Zeroize::zeroize(&mut text);
    token
}

fn from_file(path: &Path, option: &str) -> Result<Secret, UsageError> {
    let token = into_secret(read_text(path, option)?);
    if token.is_empty() {
        return Err(UsageError::new(format!(
            "{option} {}: the file is empty",
            path.display()
        )));
    }
    Ok(token)
}

fn from_env(var: &str) -> Option<Secret> {
    std::env::var(var)
        .ok()
        .map(into_secret)
        .filter(|s| !s.is_empty())
}

/// The diagnosed token (required) and the reader token (optional), from files, the environment or
/// a sign-in (`--sign-in`, `--reader-sign-in`). An explicit option beats the environment; a file
/// and a sign-in for the same token are refused as ambiguous. Every sign-in error is a setup
/// error (exit 2, one line); a device-code prompt goes to stderr.
pub async fn tokens(opts: &DiagnoseOpts) -> Result<(Secret, Option<Secret>), UsageError> {
    if opts.sign_in.is_some() && opts.token_file.is_some() {
        return Err(UsageError::new(
            "give either --token-file or --sign-in for the token under diagnosis, not both",
        ));
    }
    if opts.reader_sign_in.is_some() && opts.reader_token_file.is_some() {
        return Err(UsageError::new(
            "give either --reader-token-file or --reader-sign-in for the reader token, not both",
        ));
    }
    let cfg = SignInConfig::from_opts(opts);
    let token = match (&opts.token_file, opts.sign_in) {
        (Some(p), _) => from_file(p, "--token-file")?,
        (None, Some(method)) => sign_in_for_cli(method, &cfg, "--sign-in").await?,
        (None, None) => from_env(TOKEN_ENV).ok_or_else(|| {
            UsageError::new(format!(
                "no token to diagnose: give --token-file PATH (or - for standard input), set {TOKEN_ENV}, or use --sign-in"
            ))
        })?,
    };
    let reader = match (&opts.reader_token_file, opts.reader_sign_in) {
        (Some(p), _) => Some(from_file(p, "--reader-token-file")?),
        (None, Some(method)) => {
            let cfg = cfg.for_reader(method);
            Some(sign_in_for_cli(method, &cfg, "--reader-sign-in").await?)
        }
        (None, None) => from_env(READER_TOKEN_ENV),
    };
    Ok((token, reader))
}

/// Runs a sign-in for the command line: the device code is shown on stderr (stdout carries only
/// the report), and a failure becomes one line naming the option.
async fn sign_in_for_cli(
    method: SignIn,
    cfg: &SignInConfig,
    option: &str,
) -> Result<Secret, UsageError> {
    let on_prompt = |p: DeviceCodePrompt| {
        let text = if p.message.trim().is_empty() {
            format!(
                "To sign in, open {} and enter the code {}",
                p.verification_uri, p.user_code
            )
        } else {
            p.message.clone()
        };
        eprintln!("{}", crate::secret::redact(text.trim()));
    };
    crate::auth::flows::sign_in(method, cfg, on_prompt)
        .await
        .map_err(|e| match &e {
            SignInError::TokenEndpoint(t) => UsageError::new(format!(
                "{option}: sign-in refused by the token endpoint: {}",
                crate::auth::flows::classify(t, cfg).one_line()
            )),
            _ => UsageError::new(format!("{option}: {e}")),
        })
}

/// Settings for a sign-in flow. Build it with [`SignInConfig::from_opts`] (command line) or
/// field by field with `..Default::default()` (the TUI): fields may be added.
#[derive(Debug, Clone, Default)]
pub struct SignInConfig {
    pub cloud: crate::auth::Cloud,
    /// Override of the login base URL (the cloud's login host, or a loopback simulated tenant).
    pub login_url: Option<String>,
    /// Tenant id or domain (`--tenant`, else AZURE_TENANT_ID, else `organizations`).
    pub tenant: Option<String>,
    /// Client id (`--client-id`, else AZURE_CLIENT_ID, else the documented default public client).
    pub client_id: Option<String>,
    /// PEM with certificate and key (`--certificate`, else AZURE_CLIENT_CERTIFICATE_PATH).
    pub certificate: Option<std::path::PathBuf>,
    /// A claims challenge to satisfy (decoded JSON), passed on to the token request.
    pub claims: Option<String>,
    /// A client secret typed into the TUI; `None` reads AZURE_CLIENT_SECRET. Never a command-line
    /// argument: arguments are visible to every user of the machine (`ps`).
    pub client_secret: Option<Secret>,
    /// Delegated scopes for the device code (names relative to Graph, like `Directory.Read.All`,
    /// or full URIs); empty means `{graph}/.default`, what the app already has consent for.
    pub scopes: Vec<String>,
    /// Per-request timeout for the token endpoint (default 30 s).
    pub timeout: Option<std::time::Duration>,
}

impl SignInConfig {
    /// The config the command-line options describe. Without `--login-url`, a loopback
    /// `--graph-url` is also the login host: the simulated tenant serves both on one address, and
    /// a credential never leaves the machine by accident when Graph is local.
    pub fn from_opts(opts: &DiagnoseOpts) -> SignInConfig {
        let local_graph = opts.graph_url.as_deref().and_then(|g| {
            let url = url::Url::parse(g).ok()?;
            crate::auth::cloud::is_loopback(&url).then(|| url.origin().ascii_serialization())
        });
        SignInConfig {
            cloud: opts.cloud(),
            login_url: opts.login_url.clone().or(local_graph),
            tenant: opts.tenant.clone(),
            client_id: opts.client_id.clone(),
            certificate: opts.certificate.clone(),
            timeout: opts.timeout().ok().map(|t| t.max(DEFAULT_TIMEOUT)),
            ..Default::default()
        }
    }

    /// The same config for the reader token: a device-code reader asks for the evidence reads
    /// ([`READER_SCOPES`]) explicitly, since `.default` on a public client may hold none of them.
    pub fn for_reader(&self, method: SignIn) -> SignInConfig {
        let mut cfg = self.clone();
        if method == SignIn::DeviceCode && cfg.scopes.is_empty() {
            cfg.scopes = READER_SCOPES.iter().map(|s| s.to_string()).collect();
        }
        cfg
    }

    /// The same config answering a claims challenge (base64 from `WWW-Authenticate`, or JSON).
    /// `None` when `claims` is neither.
    pub fn with_claims_challenge(&self, claims: &str) -> Option<SignInConfig> {
        let mut cfg = self.clone();
        cfg.claims = Some(crate::auth::flows::claims_parameter(claims)?);
        Some(cfg)
    }

    /// The login base URL: `login_url`, else the cloud's login host.
    pub fn login_base(&self) -> String {
        self.login_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(self.cloud.login_host())
            .to_string()
    }

    /// `tenant`, else AZURE_TENANT_ID, else `organizations`.
    pub fn resolved_tenant(&self) -> String {
        self.explicit_tenant()
            .unwrap_or_else(|| DEFAULT_TENANT.to_string())
    }

    /// `tenant` or AZURE_TENANT_ID; `None` when neither is set (app-only flows need one).
    pub fn explicit_tenant(&self) -> Option<String> {
        non_empty(self.tenant.clone()).or_else(|| non_empty(std::env::var(TENANT_ENV).ok()))
    }

    /// `client_id` or AZURE_CLIENT_ID; `None` when neither is set.
    pub fn explicit_client_id(&self) -> Option<String> {
        non_empty(self.client_id.clone()).or_else(|| non_empty(std::env::var(CLIENT_ID_ENV).ok()))
    }

    /// The client id a delegated sign-in uses: explicit, else [`DEFAULT_PUBLIC_CLIENT_ID`].
    pub fn resolved_client_id(&self) -> String {
        self.explicit_client_id()
            .unwrap_or_else(|| DEFAULT_PUBLIC_CLIENT_ID.to_string())
    }

    /// The space-separated `scope` parameter for a delegated request.
    pub fn scope_string(&self) -> String {
        let graph = self.cloud.graph_host();
        if self.scopes.is_empty() {
            return self.cloud.graph_default_scope();
        }
        self.scopes
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.contains("://") || s == "offline_access" || s == "openid" || s == "profile" {
                    s.to_string()
                } else {
                    format!("{graph}/{s}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// What the operator must do to finish a device-code sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    pub expires_in: u64,
}

/// Why a sign-in failed. Each displays as one line; [`crate::auth::flows::render_sign_in_error`]
/// gives the fuller classification (meaning, fix, claims, consent URL).
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The token endpoint answered with an error (classified through the AADSTS table). Boxed:
    /// the body is large and errors travel through every `Result` of the flows.
    #[error("{}", crate::auth::flows::one_line(.0))]
    TokenEndpoint(Box<crate::auth::aadsts::TokenEndpointError>),
    /// Something to fix before signing in (a missing client id, an unreadable certificate, a
    /// refused host); nothing was sent.
    #[error("{0}")]
    Setup(String),
    /// No usable answer (connection, timeout, an unexpected body).
    #[error("{0}")]
    Transport(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_graph_url_is_also_the_login_host() {
        let opts = DiagnoseOpts {
            graph_url: Some("http://127.0.0.1:4321/".into()),
            ..Default::default()
        };
        assert_eq!(
            SignInConfig::from_opts(&opts).login_base(),
            "http://127.0.0.1:4321"
        );
        let opts = DiagnoseOpts {
            graph_url: Some("https://graph.microsoft.us".into()),
            cloud: Some(crate::auth::Cloud::UsGov),
            ..Default::default()
        };
        assert_eq!(
            SignInConfig::from_opts(&opts).login_base(),
            "https://login.microsoftonline.us"
        );
        let opts = DiagnoseOpts {
            graph_url: Some("http://127.0.0.1:4321".into()),
            login_url: Some("http://127.0.0.1:9999".into()),
            ..Default::default()
        };
        assert_eq!(
            SignInConfig::from_opts(&opts).login_base(),
            "http://127.0.0.1:9999"
        );
    }

    #[test]
    fn debug_output_never_shows_a_client_secret() {
        let cfg = SignInConfig {
            client_secret: Some(Secret::new("very-secret-value")),
            ..Default::default()
        };
        assert!(!format!("{cfg:?}").contains("very-secret-value"));
    }

    #[test]
    fn scopes_are_prefixed_with_the_clouds_graph_host() {
        let cfg = SignInConfig {
            cloud: crate::auth::Cloud::China,
            scopes: vec![
                "Directory.Read.All".into(),
                "offline_access".into(),
                "https://graph.microsoft.com/User.Read".into(),
            ],
            ..Default::default()
        };
        assert_eq!(
            cfg.scope_string(),
            "https://microsoftgraph.chinacloudapi.cn/Directory.Read.All offline_access https://graph.microsoft.com/User.Read"
        );
    }
}
