//! The wizard's start from the command line: `graph-doctor`, `tui` and `demo` options become a
//! plain [`WizardConfig`]. Every usage error (a bad id, a refused URL, an unreadable
//! `--error-file`) is found here, before the wizard takes the terminal over.

use super::tokens::sign_in_config;
use super::{read_text, DemoOpts, DiagnoseOpts, UsageError, TOKEN_LIMIT};
use crate::auth::sources::{READER_TOKEN_ENV, TOKEN_ENV};
use crate::secret::Secret;
use crate::tui::app::{Config, Slot};
use crate::tui::{StartToken, TargetOverride, WizardConfig, WizardError};

/// `graph-doctor` and `graph-doctor tui`.
pub async fn run(opts: &DiagnoseOpts) -> Result<i32, UsageError> {
    let mut config = config(opts)?;
    config.tokens = start_tokens(opts);
    crate::tui::run_wizard(config, None).await.map_err(usage)
}

/// `graph-doctor demo`: the scenario issues the tokens, so no token option is read.
pub async fn demo(opts: &DemoOpts) -> Result<i32, UsageError> {
    let config = config(&opts.diagnose)?;
    crate::tui::run_demo(opts.scenario.clone(), config)
        .await
        .map_err(usage)
}

fn usage(e: WizardError) -> UsageError {
    UsageError(e.0)
}

/// The wizard's configuration from the shared options, tokens aside.
fn config(opts: &DiagnoseOpts) -> Result<WizardConfig, UsageError> {
    let operation = opts.operation()?;
    let timeout = opts.timeout()?;
    // Refuses a foreign --graph-url now, with exit code 2, rather than inside the UI.
    opts.client()?;
    let observed = opts.observed()?;
    let sign_in = sign_in_config(opts);
    Ok(WizardConfig {
        app: Config {
            cloud: opts.cloud(),
            graph_url: opts.graph_url.clone(),
            timeout: Some(timeout),
            operation,
            tenant: opts.tenant.clone(),
            observed,
            sign_in,
            scenarios: None,
        },
        tokens: Vec::new(),
        sign_in: opts.sign_in,
        reader_sign_in: opts.reader_sign_in,
        target: TargetOverride {
            kind: opts.operation,
            group: opts.group.clone(),
            member: opts.member.clone(),
            au: opts.au.clone(),
        },
    })
}

/// Tokens from `--token-file`, `--reader-token-file` and the environment. A missing one is not
/// an error: the Connect screen asks for it. An unreadable file is said in the status line.
fn start_tokens(opts: &DiagnoseOpts) -> Vec<StartToken> {
    let mut found = Vec::new();
    for (slot, file, env) in [
        (Slot::Diagnosed, &opts.token_file, TOKEN_ENV),
        (Slot::Reader, &opts.reader_token_file, READER_TOKEN_ENV),
    ] {
        match file {
            Some(path) if path.as_os_str() != "-" => match read_text(path, "token file", TOKEN_LIMIT).map(|t| t.text) {
                Ok(t) if !t.trim().is_empty() => found.push(StartToken::Loaded {
                    slot,
                    secret: Secret::new(t.trim().to_string()),
                    source: format!("file {}", path.display()),
                }),
                Ok(_) => found.push(StartToken::Problem(format!(
                    "{} is empty",
                    path.display()
                ))),
                Err(e) => found.push(StartToken::Problem(e.to_string())),
            },
            Some(_) => found.push(StartToken::Problem(
                "A token on standard input cannot be read by the wizard (its terminal is the input): paste it on the Connect screen.".to_string(),
            )),
            None => {
                if let Some(v) = std::env::var(env).ok().filter(|v| !v.trim().is_empty()) {
                    found.push(StartToken::Loaded {
                        slot,
                        secret: Secret::new(v.trim().to_string()),
                        source: format!("env {env}"),
                    });
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_are_read_here_and_problems_said_in_the_status_line() {
        let dir = std::env::temp_dir().join(format!("gd-wizard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let good = dir.join("good");
        std::fs::write(&good, "  eyJ0eXAiOiJKV1QifQ.e30.c2ln\n").expect("write");
        let empty = dir.join("empty");
        std::fs::write(&empty, "\n").expect("write");
        let opts = DiagnoseOpts {
            token_file: Some(good.clone()),
            reader_token_file: Some(empty.clone()),
            ..Default::default()
        };
        let found = start_tokens(&opts);
        assert_eq!(found.len(), 2);
        match &found[0] {
            StartToken::Loaded {
                slot,
                secret,
                source,
            } => {
                assert_eq!(*slot, Slot::Diagnosed);
                assert_eq!(secret.expose(), "eyJ0eXAiOiJKV1QifQ.e30.c2ln");
                assert_eq!(source, &format!("file {}", good.display()));
            }
            other => panic!("not loaded: {other:?}"),
        }
        assert!(
            matches!(&found[1], StartToken::Problem(p) if *p == format!("{} is empty", empty.display()))
        );
        let opts = DiagnoseOpts {
            token_file: Some("-".into()),
            reader_token_file: Some(dir.join("missing")),
            ..Default::default()
        };
        let found = start_tokens(&opts);
        assert!(matches!(&found[0], StartToken::Problem(p) if p.contains("standard input")));
        assert!(matches!(&found[1], StartToken::Problem(p) if p.starts_with("token file ")));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_options_become_plain_values_and_bad_ones_are_usage_errors() {
        let opts = DiagnoseOpts {
            group: Some(" 8B1E7AB2-1C2D-4E5F-8A9B-0C1D2E3F4A5B".into()),
            tenant: Some("contoso.com".into()),
            timeout: 5.0,
            sign_in: Some(crate::auth::sources::SignIn::DeviceCode),
            ..Default::default()
        };
        let c = config(&opts).expect("valid options");
        assert_eq!(
            c.app.operation.group.as_deref(),
            Some("8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b")
        );
        // A demo's target takes the ids as typed.
        assert_eq!(c.target.group, opts.group);
        assert_eq!(c.app.timeout, Some(std::time::Duration::from_secs(5)));
        assert_eq!(c.app.tenant.as_deref(), Some("contoso.com"));
        assert_eq!(c.sign_in, opts.sign_in);
        assert!(c.tokens.is_empty());
        let bad = DiagnoseOpts {
            graph_url: Some("https://graph.example.com".into()),
            timeout: 5.0,
            ..Default::default()
        };
        assert!(config(&bad).is_err());
    }
}
