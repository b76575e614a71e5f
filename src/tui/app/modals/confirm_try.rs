//! "Try it": the confirmation before the real write (only a capital `Y` sends it), and opening
//! it from the run screens.

use crossterm::event::{KeyCode, KeyEvent};

use crate::graph::directory::Write;
use crate::tui::app::{App, Effect, Modal};

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Char('Y') {
        match (
            app.token.as_ref().map(|t| t.secret.clone()),
            app.endpoint.is_some(),
            Write::for_operation(&app.operation()),
        ) {
            (Some(token), true, Some(write)) => {
                app.info(format!(
                    "Sending {} (this changes the tenant)…",
                    write.describe()
                ));
                return vec![Effect::TryOperation { write, token }];
            }
            _ => app.error("Try it needs a token and a complete target."),
        }
    } else {
        app.info("Nothing was changed.");
    }
    Vec::new()
}

/// `t` on a run screen: opens the confirmation for the write the target describes.
pub(in crate::tui::app) fn confirm_try(app: &mut App) -> Vec<Effect> {
    match (app.token.is_some(), Write::for_operation(&app.operation())) {
        (true, Some(write)) => {
            app.modal = Some(Modal::ConfirmTry {
                method: write.method().to_string(),
                path: write.path(),
            });
        }
        _ => app.error("Try it needs a token and a complete target."),
    }
    Vec::new()
}
