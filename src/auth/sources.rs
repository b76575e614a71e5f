//! Where a token comes from: a file (or standard input), the environment, or a sign-in flow.

use std::path::Path;

use crate::auth::Secret;
use crate::cli::{read_text, DiagnoseOpts, UsageError};

/// Env var holding the token under diagnosis.
pub const TOKEN_ENV: &str = "GRAPH_DOCTOR_TOKEN";
/// Env var holding the optional reader token.
pub const READER_TOKEN_ENV: &str = "GRAPH_DOCTOR_READER_TOKEN";

fn from_file(path: &Path, option: &str) -> Result<Secret, UsageError> {
    let text = read_text(path, option)?;
    let token = Secret::new(text.trim().to_string());
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
        .map(|v| Secret::new(v.trim().to_string()))
        .filter(|s| !s.is_empty())
}

/// The diagnosed token (required) and the reader token (optional).
pub async fn tokens(opts: &DiagnoseOpts) -> Result<(Secret, Option<Secret>), UsageError> {
    let token = match &opts.token_file {
        Some(p) => from_file(p, "--token-file")?,
        None => from_env(TOKEN_ENV).ok_or_else(|| {
            UsageError::new(format!(
                "no token to diagnose: give --token-file PATH (or - for standard input), set {TOKEN_ENV}, or use --sign-in"
            ))
        })?,
    };
    let reader = match &opts.reader_token_file {
        Some(p) => Some(from_file(p, "--reader-token-file")?),
        None => from_env(READER_TOKEN_ENV),
    };
    Ok((token, reader))
}

/// Settings for a sign-in flow.
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
}

/// What the operator must do to finish a device-code sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    pub expires_in: u64,
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The token endpoint answered with an error (classified through the AADSTS table).
    #[error("{}", .0.description.lines().next().unwrap_or(&.0.error))]
    TokenEndpoint(crate::auth::aadsts::TokenEndpointError),
    #[error("{0}")]
    Setup(String),
    #[error("{0}")]
    Transport(String),
}
