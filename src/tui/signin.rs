//! The one seam between the wizard and the sign-in flows of `crate::auth`.
//!
//! The TUI knows only this: a method, a config, a callback for the device-code prompt, and a
//! token or a classified error at the end. How the flows talk to the token endpoint is the auth
//! layer's business; keeping the seam this thin means wiring a new flow touches one function.

use crate::auth::sources::SignIn;
use crate::auth::sources::{DeviceCodePrompt, SignInConfig};
use crate::secret::Secret;

/// Every method the Connect screen offers, in the order shown.
pub const METHODS: [SignIn; 4] = [
    SignIn::DeviceCode,
    SignIn::ClientSecret,
    SignIn::ClientCertificate,
    SignIn::AzureCli,
];

/// How a method is named on screen.
pub fn label(method: SignIn) -> &'static str {
    match method {
        SignIn::DeviceCode => "Device code (delegated: sign in in a browser)",
        SignIn::ClientSecret => "Client secret (app-only: AZURE_CLIENT_SECRET)",
        SignIn::ClientCertificate => "Certificate (app-only: AZURE_CLIENT_CERTIFICATE_PATH)",
        SignIn::AzureCli => "Azure CLI (az account get-access-token)",
    }
}

/// Runs a sign-in for `slot`. `on_prompt` is called once a device code is issued, before the
/// wait for the operator starts, so the screen can show the code while this future is pending.
/// Dropping the future (aborting its task) cancels the sign-in. A failure comes back as the auth
/// layer's full classification (meaning, fix, consent URL or claims), ready for a modal.
pub async fn sign_in(
    method: SignIn,
    reader: bool,
    config: SignInConfig,
    on_prompt: impl Fn(DeviceCodePrompt) + Send + Sync + 'static,
) -> Result<Secret, String> {
    let config = if reader {
        config.for_reader(method)
    } else {
        config
    };
    crate::auth::flows::sign_in(method, &config, on_prompt)
        .await
        .map_err(|e| crate::auth::flows::render_sign_in_error(&e, &config))
}

/// The config answering a claims challenge, as `ca.claims` reported it (base64 from
/// `WWW-Authenticate` or decoded JSON); the plain config when the claims cannot be read.
pub fn with_claims(config: &SignInConfig, claims: Option<&str>) -> SignInConfig {
    claims
        .and_then(|c| config.with_claims_challenge(c))
        .unwrap_or_else(|| config.clone())
}
