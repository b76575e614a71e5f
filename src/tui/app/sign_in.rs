//! Sign-ins run by the wizard (device code, client secret, certificate, Azure CLI) for either
//! token: starting one, the device code, and the token it brings.

use crate::auth::sources::{DeviceCodePrompt, SignIn};
use crate::secret::Secret;
use crate::tui::app::{start_run, App, Effect, Modal, Screen, Slot};

/// Starts a sign-in for `slot` and shows the waiting modal (where the device code will appear).
pub fn begin_sign_in(
    app: &mut App,
    slot: Slot,
    method: SignIn,
    claims: Option<&str>,
) -> Vec<Effect> {
    let gen = app.next_gen();
    app.sign_in_gen = gen;
    let mut config = app.sign_in.clone();
    config.cloud = app.cloud;
    // Signing in again for the diagnosed token means as the same app: the failing app's own
    // client id, read from the token, unless one was given.
    if slot == Slot::Diagnosed && config.client_id.is_none() {
        config.client_id = app
            .token
            .as_ref()
            .and_then(|t| t.decoded.as_ref().ok())
            .and_then(|i| i.app_id())
            .map(str::to_string);
    }
    let mut config = crate::tui::signin::with_claims(&config, claims);
    let tenant = app.tenant_input.value().trim();
    if config.tenant.is_none() && !tenant.is_empty() {
        config.tenant = Some(tenant.to_string());
    }
    app.modal = Some(Modal::SignInWait {
        slot,
        method,
        prompt: None,
    });
    vec![Effect::SignIn {
        gen,
        slot,
        method,
        config: Box::new(config),
    }]
}

/// A device code was issued for sign-in `gen`: shown in the waiting modal.
pub(super) fn on_device_code(app: &mut App, gen: u64, prompt: DeviceCodePrompt) -> Vec<Effect> {
    if gen == app.sign_in_gen {
        if let Some(Modal::SignInWait { prompt: p, .. }) = &mut app.modal {
            *p = Some(prompt);
        }
    }
    Vec::new()
}

/// Sign-in `gen` finished: the token is taken, and a fresh diagnosed token re-runs the checks.
pub(super) fn on_signed_in(
    app: &mut App,
    gen: u64,
    slot: Slot,
    method: SignIn,
    result: Result<Secret, String>,
) -> Vec<Effect> {
    if gen != app.sign_in_gen {
        return Vec::new();
    }
    if matches!(app.modal, Some(Modal::SignInWait { .. })) {
        app.modal = None;
    }
    match result {
        Ok(secret) => {
            let source = format!("{} sign-in", method_name(method));
            app.set_token(slot, secret, source);
            app.info(format!("Signed in: the {} is ready.", slot.label()));
            let on_run = matches!(app.screen, Screen::Wizard | Screen::Check | Screen::Summary);
            // A fresh token re-runs the checks; on Connect with a complete target (the
            // command line named it), it opens them, as a token file would.
            if slot == Slot::Diagnosed && (on_run || app.missing().is_empty()) {
                return start_run(app);
            }
        }
        Err(e) => app.modal = Some(Modal::Error(format!("Sign-in failed: {e}"))),
    }
    Vec::new()
}

fn method_name(m: SignIn) -> &'static str {
    match m {
        SignIn::DeviceCode => "device code",
        SignIn::ClientSecret => "client secret",
        SignIn::ClientCertificate => "certificate",
        SignIn::AzureCli => "Azure CLI",
    }
}
