//! What `explain` made of the pasted error: Enter takes the target the request names and runs
//! the live checks with the evidence.

use crossterm::event::{KeyCode, KeyEvent};

use crate::report::Operation;
use crate::tui::app::{start_run, App, Effect, Screen};
use crate::tui::picker::{PickItem, PickKind};

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(
    app: &mut App,
    key: KeyEvent,
    hint: Option<Operation>,
) -> Vec<Effect> {
    if key.code == KeyCode::Enter {
        apply_hint(app, hint.as_ref());
        if app.token.is_some() && app.missing().is_empty() {
            return start_run(app);
        }
        if app.token.is_some() {
            app.screen = Screen::Target;
            app.target_focus = 0;
        } else {
            app.info("Now give the token the failing call used, to run the live checks.");
        }
    }
    Vec::new()
}

fn apply_hint(app: &mut App, hint: Option<&Operation>) {
    let Some(op) = hint else { return };
    app.operation = op.kind;
    for (kind, id) in [
        (PickKind::Group, &op.group),
        (PickKind::AdministrativeUnit, &op.au),
        (PickKind::Member, &op.member),
    ] {
        if let Some(id) = id {
            app.picker_mut(kind).chosen = Some(PickItem::bare(id));
        }
    }
}
