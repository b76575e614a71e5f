//! The Azure CLI as a token source: `az account get-access-token --resource-type ms-graph`, for
//! operators already signed in with `az login`. The token is read from az's JSON on a pipe; it
//! never touches a file or the terminal.
//!
//! `az` picks the Graph of its own active cloud (`az cloud set`), so the token's audience is
//! checked against `--cloud` and a mismatch is explained rather than diagnosed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;

use crate::auth::aadsts::{codes_in_text, TokenEndpointError};
use crate::auth::sources::{SignInConfig, SignInError};
use crate::auth::{Cloud, TokenInfo};
use crate::secret::Secret;

/// How long `az` may take (it may refresh its own token first, which can be slow).
const AZ_TIMEOUT: Duration = Duration::from_secs(120);

/// The part of az's answer graph-doctor reads.
#[derive(Deserialize)]
struct AzAnswer {
    #[serde(rename = "accessToken")]
    access_token: Secret,
}

/// Finds `az` on PATH (`az.cmd` on Windows, where the CLI ships as a batch file).
pub fn find_az() -> Option<PathBuf> {
    let names: &[&str] = if cfg!(windows) {
        &["az.cmd", "az.exe", "az"]
    } else {
        &["az"]
    };
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Gets a Graph token from the Azure CLI found on PATH.
pub(crate) async fn get_token(cfg: &SignInConfig) -> Result<Secret, SignInError> {
    let az = find_az().ok_or_else(|| {
        SignInError::Setup(
            "the Azure CLI (az) is not installed or not on PATH: install it and run `az login`, or use --sign-in device-code"
                .into(),
        )
    })?;
    get_token_with(&az, cfg).await
}

/// Runs `program` as the Azure CLI (tests pass a stand-in script).
pub(crate) async fn get_token_with(
    program: &Path,
    cfg: &SignInConfig,
) -> Result<Secret, SignInError> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args([
        "account",
        "get-access-token",
        "--resource-type",
        "ms-graph",
        "--output",
        "json",
    ]);
    if let Some(tenant) = cfg.explicit_tenant() {
        cmd.args(["--tenant", &tenant]);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(AZ_TIMEOUT, cmd.output())
        .await
        .map_err(|_| {
            SignInError::Transport(format!(
                "az account get-access-token did not finish within {} s",
                AZ_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| SignInError::Setup(format!("cannot run {}: {e}", program.display())))?;
    let mut stdout = output.stdout;
    let result = if output.status.success() {
        let parsed = serde_json::from_slice::<AzAnswer>(&stdout).map_err(|_| {
            SignInError::Transport(
                "az account get-access-token printed no accessToken (is this the Azure CLI?)"
                    .into(),
            )
        });
        parsed.and_then(|a| check_cloud(a.access_token, cfg.cloud))
    } else {
        Err(failure(&String::from_utf8_lossy(&output.stderr)))
    };
    // az's stdout held the token: wipe the buffer now that the Secret owns its copy.
    zeroize::Zeroize::zeroize(&mut stdout);
    result
}

/// Refuses a token az obtained for another cloud's Graph (its active cloud is not `--cloud`).
fn check_cloud(token: Secret, cloud: Cloud) -> Result<Secret, SignInError> {
    let aud = TokenInfo::decode(token.expose())
        .ok()
        .and_then(|i| i.audience().map(str::to_string));
    match aud.as_deref().and_then(Cloud::for_graph_audience) {
        Some(other) if other != cloud => Err(SignInError::Setup(format!(
            "az is signed in to the {} cloud but --cloud is {}: run `az cloud set --name {}` and `az login`, or pass --cloud {}",
            other.as_str(),
            cloud.as_str(),
            cloud.azure_cli_name(),
            other.as_str()
        ))),
        _ => Ok(token),
    }
}

/// az's failure as a sign-in error: an AADSTS error in its message is classified like a
/// token-endpoint answer; anything else is its first `ERROR:` line.
fn failure(stderr: &str) -> SignInError {
    let text = crate::secret::redact(stderr);
    let codes = codes_in_text(&text);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("ERROR:"))
        .or_else(|| text.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("no message")
        .trim_start_matches("ERROR:")
        .trim()
        .to_string();
    if !codes.is_empty() {
        let from = text
            .find("AADSTS")
            .map(|i| text[i..].to_string())
            .unwrap_or_default();
        return SignInError::TokenEndpoint(Box::new(TokenEndpointError {
            error: if text.contains("interaction_required") {
                "interaction_required".into()
            } else {
                "az".into()
            },
            description: from,
            codes,
            ..Default::default()
        }));
    }
    let hint = if line.contains("az login") {
        ""
    } else {
        " (run `az login` first)"
    };
    SignInError::Setup(format!("az account get-access-token failed: {line}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn az_failures_become_one_line() {
        let e = failure("ERROR: Please run 'az login' to setup account.\n");
        assert_eq!(
            e.to_string(),
            "az account get-access-token failed: Please run 'az login' to setup account."
        );
        let e = failure("ERROR: AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.\nTrace ID: x\n");
        match &e {
            SignInError::TokenEndpoint(t) => assert_eq!(t.codes, vec![50076]),
            other => panic!("unexpected {other:?}"),
        }
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn a_token_for_another_cloud_is_explained() {
        let token =
            crate::auth::jwt::mint(&serde_json::json!({"aud": "https://graph.microsoft.us"}));
        let e = check_cloud(Secret::new(token.clone()), Cloud::Global).expect_err("other cloud");
        assert!(e.to_string().contains("az cloud set --name AzureCloud"));
        assert!(check_cloud(Secret::new(token), Cloud::UsGov).is_ok());
    }
}
