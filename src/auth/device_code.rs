//! The device-code flow (OAuth 2.0 device authorization grant, RFC 8628, as the Microsoft
//! identity platform implements it): a delegated token for whoever signs in on another device.
//!
//! It suits graph-doctor's users: a help-desk engineer over SSH has no browser on the machine,
//! and the code can be read out to the person on the phone. `--client-id` signs in as the
//! failing app itself (it must allow public client flows); otherwise the documented default
//! public client is used ([`crate::auth::sources::DEFAULT_PUBLIC_CLIENT_ID`]).

use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::auth::sources::{DeviceCodePrompt, SignInConfig, SignInError};
use crate::auth::token_endpoint::{post_form, Endpoint, Reply, TokenAnswer};
use crate::secret::Secret;

/// RFC 8628 §3.5: the poll interval when the server gives none.
const DEFAULT_INTERVAL: u64 = 5;
/// RFC 8628 §3.5: how much a `slow_down` answer adds to the interval.
const SLOW_DOWN_STEP: u64 = 5;
/// The shortest wait between two polls, whatever the server says (a simulated tenant may say 0).
const MIN_WAIT: Duration = Duration::from_millis(50);

/// The devicecode endpoint's answer. `device_code` is a credential (it can be redeemed for the
/// token until it expires), so it is held as a [`Secret`].
#[derive(Deserialize)]
struct DeviceCodeAnswer {
    device_code: Secret,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    message: Option<String>,
}

/// Runs the flow: asks for a code, hands it to `on_prompt`, then polls the token endpoint at the
/// server's interval until the user finishes, declines, or the code expires.
pub(crate) async fn sign_in(
    cfg: &SignInConfig,
    on_prompt: &(impl Fn(DeviceCodePrompt) + Send + Sync),
) -> Result<Secret, SignInError> {
    let endpoint = Endpoint::resolve(cfg, &cfg.resolved_tenant())?;
    let client_id = cfg.resolved_client_id();
    let scope = cfg.scope_string();
    let mut form: Vec<(&str, &str)> = vec![("client_id", &client_id), ("scope", &scope)];
    if let Some(claims) = cfg.claims.as_deref() {
        form.push(("claims", claims));
    }
    let answer =
        match post_form::<DeviceCodeAnswer>(cfg, &endpoint.device_code_url(), &form).await? {
            Reply::Ok(a) => a,
            Reply::Error(e) => return Err(SignInError::TokenEndpoint(Box::new(e))),
        };
    let expires_in = answer.expires_in.unwrap_or(900);
    let started = Instant::now();
    on_prompt(DeviceCodePrompt {
        user_code: answer.user_code.clone(),
        verification_uri: answer.verification_uri.clone(),
        message: answer.message.clone().unwrap_or_default(),
        expires_in,
    });

    let mut interval = answer.interval.unwrap_or(DEFAULT_INTERVAL);
    let grant = "urn:ietf:params:oauth:grant-type:device_code";
    loop {
        tokio::time::sleep(Duration::from_secs(interval).max(MIN_WAIT)).await;
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", grant),
            ("client_id", &client_id),
            ("device_code", answer.device_code.expose()),
        ];
        if let Some(claims) = cfg.claims.as_deref() {
            form.push(("claims", claims));
        }
        match post_form::<TokenAnswer>(cfg, &endpoint.token_url(), &form).await? {
            Reply::Ok(t) => return Ok(t.access_token),
            Reply::Error(e) => match next_step(&e.error, interval) {
                Poll::Wait(next) if started.elapsed() < Duration::from_secs(expires_in) => {
                    interval = next;
                }
                Poll::Wait(_) => {
                    return Err(SignInError::Setup(format!(
                        "the device code expired after {expires_in} s before the sign-in was finished: start the sign-in again"
                    )))
                }
                Poll::Stop => return Err(SignInError::TokenEndpoint(Box::new(e))),
            },
        }
    }
}

/// What a polling error means for the loop.
#[derive(Debug, PartialEq, Eq)]
enum Poll {
    /// Poll again after this many seconds.
    Wait(u64),
    /// A final answer (declined, expired, refused): report it.
    Stop,
}

/// RFC 8628 §3.5: `authorization_pending` keeps the interval, `slow_down` adds five seconds,
/// anything else ends the flow.
fn next_step(error: &str, interval: u64) -> Poll {
    match error {
        "authorization_pending" => Poll::Wait(interval),
        "slow_down" => Poll::Wait(interval.saturating_add(SLOW_DOWN_STEP)),
        _ => Poll::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_follows_rfc_8628() {
        assert_eq!(next_step("authorization_pending", 3), Poll::Wait(3));
        assert_eq!(next_step("slow_down", 3), Poll::Wait(8));
        assert_eq!(next_step("authorization_declined", 3), Poll::Stop);
        assert_eq!(next_step("expired_token", 3), Poll::Stop);
        assert_eq!(next_step("invalid_grant", 3), Poll::Stop);
    }

    #[test]
    fn device_code_answer_keeps_the_code_secret() {
        let a: DeviceCodeAnswer = serde_json::from_str(
            r#"{"device_code":"DAQABAAEAAAD-secret","user_code":"ABCD-EFGH","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5,"message":"To sign in, use a web browser"}"#,
        )
        .expect("json");
        assert_eq!(a.device_code.to_string(), "[redacted]");
        assert_eq!(a.interval, Some(5));
    }
}
