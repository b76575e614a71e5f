//! The one seam between the wizard and the sign-in flows of `crate::auth`.
//!
//! The TUI knows only this: a method, a config, a callback for the device-code prompt, and a
//! token or a classified error at the end. How the flows talk to the token endpoint is the auth
//! layer's business; keeping the seam this thin means wiring a new flow touches one function.

use crate::auth::sources::{DeviceCodePrompt, SignInConfig, SignInError};
use crate::auth::Secret;
use crate::cli::SignIn;

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

/// Runs a sign-in. `on_prompt` is called once a device code is issued, before the wait for the
/// operator starts, so the screen can show the code while this future is still pending.
/// Dropping the future (aborting its task) cancels the sign-in.
pub async fn sign_in(
    method: SignIn,
    config: SignInConfig,
    on_prompt: impl Fn(DeviceCodePrompt) + Send + Sync + 'static,
) -> Result<Secret, SignInError> {
    let _ = (&config, &on_prompt);
    Err(SignInError::Setup(format!(
        "{} sign-in is not available in this build yet: paste a token, give --token-file or set GRAPH_DOCTOR_TOKEN",
        match method {
            SignIn::DeviceCode => "device code",
            SignIn::ClientSecret => "client secret",
            SignIn::ClientCertificate => "certificate",
            SignIn::AzureCli => "Azure CLI",
        }
    )))
}
