//! The client secret for a client-credentials sign-in: typed masked, then the sign-in starts.

use crossterm::event::{KeyCode, KeyEvent};

use crate::auth::sources::SignIn;
use crate::secret::Secret;
use crate::tui::app::{begin_sign_in, input_request, App, Effect, Modal, Slot};
use crate::tui::token::SecretInput;

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(
    app: &mut App,
    key: KeyEvent,
    slot: Slot,
    mut input: SecretInput,
) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {}
        KeyCode::Enter => {
            let value = input.value().trim().to_string();
            // Empty: fall back to AZURE_CLIENT_SECRET, as Azure Identity does.
            if !value.is_empty() {
                app.sign_in.client_secret = Some(Secret::new(value));
            }
            return begin_sign_in(app, slot, SignIn::ClientSecret, None);
        }
        _ => {
            if let Some(req) = input_request(&key) {
                input.handle(req);
            }
            app.modal = Some(Modal::SecretPrompt { slot, input });
        }
    }
    Vec::new()
}
