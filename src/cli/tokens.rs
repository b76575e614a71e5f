//! Tokens from command-line options: `--token-file`/`--reader-token-file` (a path, or `-` for
//! standard input), the environment (`GRAPH_DOCTOR_TOKEN`, `GRAPH_DOCTOR_READER_TOKEN`), or a
//! sign-in (`--sign-in`, `--reader-sign-in`) run through [`crate::auth::flows`].

use std::path::Path;

use super::{read_text_noted, DiagnoseOpts, UsageError, TOKEN_LIMIT};
use crate::auth::sources::DEFAULT_TIMEOUT;
use crate::auth::sources::{
    DeviceCodePrompt, SignIn, SignInConfig, SignInError, READER_TOKEN_ENV, TOKEN_ENV,
};
use crate::secret::Secret;

/// Wraps untrusted text as a secret (trimmed) and wipes the buffer it came in.
fn into_secret(mut text: String) -> Secret {
    let token = Secret::new(text.trim());
    zeroize::Zeroize::zeroize(&mut text);
    token
}

fn from_file(path: &Path, option: &str) -> Result<Secret, UsageError> {
    let token = into_secret(read_text_noted(path, option, TOKEN_LIMIT)?);
    if token.is_empty() {
        return Err(UsageError::new(if path.as_os_str() == "-" {
            format!("{option} -: standard input was empty (pipe or paste the token)")
        } else {
            format!("{option} {}: the file is empty", path.display())
        }));
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
    let cfg = sign_in_config(opts);
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
        eprintln!("{}", super::for_stderr(text.trim()));
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

/// The config the command-line options describe. Without `--login-url`, a loopback
/// `--graph-url` is also the login host: the simulated tenant serves both on one address, and
/// a credential never leaves the machine by accident when Graph is local.
pub fn sign_in_config(opts: &DiagnoseOpts) -> SignInConfig {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_graph_url_is_also_the_login_host() {
        let opts = DiagnoseOpts {
            graph_url: Some("http://127.0.0.1:4321/".into()),
            ..Default::default()
        };
        assert_eq!(sign_in_config(&opts).login_base(), "http://127.0.0.1:4321");
        let opts = DiagnoseOpts {
            graph_url: Some("https://graph.microsoft.us".into()),
            cloud: Some(crate::auth::Cloud::UsGov),
            ..Default::default()
        };
        assert_eq!(
            sign_in_config(&opts).login_base(),
            "https://login.microsoftonline.us"
        );
        let opts = DiagnoseOpts {
            graph_url: Some("http://127.0.0.1:4321".into()),
            login_url: Some("http://127.0.0.1:9999".into()),
            ..Default::default()
        };
        assert_eq!(sign_in_config(&opts).login_base(), "http://127.0.0.1:9999");
    }
}
