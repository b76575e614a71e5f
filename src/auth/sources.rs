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
