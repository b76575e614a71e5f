//! The sign-in method chooser: up and down, Tab for the other token, Enter signs in (asking for
//! a client secret first when there is none).

use crossterm::event::{KeyCode, KeyEvent};

use crate::auth::sources::SignIn;
use crate::tui::app::keymap::{is_down, is_up};
use crate::tui::app::{begin_sign_in, App, Effect, Modal, Slot};
use crate::tui::token::SecretInput;

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(
    app: &mut App,
    key: KeyEvent,
    slot: Slot,
    cursor: usize,
    claims: Option<String>,
) -> Vec<Effect> {
    let n = crate::tui::signin::METHODS.len();
    match key.code {
        KeyCode::Esc => Vec::new(),
        KeyCode::Tab => {
            let slot = if slot == Slot::Diagnosed {
                Slot::Reader
            } else {
                Slot::Diagnosed
            };
            app.modal = Some(Modal::SignInChoose {
                slot,
                cursor,
                claims,
            });
            Vec::new()
        }
        KeyCode::Enter => {
            let method = crate::tui::signin::METHODS[cursor.min(n - 1)];
            if method == SignIn::ClientSecret && app.sign_in.client_secret.is_none() {
                // Asked here, masked, never on the command line (where `ps` shows it).
                app.modal = Some(Modal::SecretPrompt {
                    slot,
                    input: SecretInput::default(),
                });
                return Vec::new();
            }
            begin_sign_in(app, slot, method, claims.as_deref())
        }
        _ => {
            let cursor = if is_up(&key) {
                cursor.saturating_sub(1)
            } else if is_down(&key) {
                (cursor + 1).min(n - 1)
            } else {
                cursor
            };
            app.modal = Some(Modal::SignInChoose {
                slot,
                cursor,
                claims,
            });
            Vec::new()
        }
    }
}
