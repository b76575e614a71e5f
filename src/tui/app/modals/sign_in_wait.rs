//! A sign-in in flight: Esc cancels it; the wizard stays usable meanwhile.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::app::{App, Effect, Modal};

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(app: &mut App, key: KeyEvent, m: Modal) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        app.sign_in_gen = app.next_gen();
        app.info("Sign-in cancelled.");
        vec![Effect::CancelSignIn]
    } else {
        app.modal = Some(m);
        Vec::new()
    }
}
