//! Recent diagnoses: the list of past runs (newest first). Enter reopens one as it was, `t`
//! takes its target for a new run, Esc closes.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::app::keymap::{is_down, is_up};
use crate::tui::app::run;
use crate::tui::app::{App, Effect, Modal, Screen};

/// Rows PgUp and PgDn move by.
const PAGE: usize = 10;

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(app: &mut App, key: KeyEvent, cursor: usize) -> Vec<Effect> {
    let n = app.history.len();
    if n == 0 {
        return Vec::new();
    }
    let last = n - 1;
    let cursor = cursor.min(last);
    let moved = match key.code {
        KeyCode::Esc | KeyCode::Char('q') => return Vec::new(),
        KeyCode::Enter => {
            reopen(app, cursor);
            return Vec::new();
        }
        KeyCode::Char('t') => {
            if let Some(e) = app.history.get(cursor).cloned() {
                run::take_target(app, &e.operation, &e.report.names);
                app.screen = Screen::Target;
                app.target_focus = 0;
                app.info(format!(
                    "Target of {} taken: Enter on Run checks diagnoses it again.",
                    e.short_time()
                ));
                return crate::tui::app::resolve_chosen(app);
            }
            return Vec::new();
        }
        KeyCode::Home => 0,
        KeyCode::End => last,
        KeyCode::PageUp => cursor.saturating_sub(PAGE),
        KeyCode::PageDown => (cursor + PAGE).min(last),
        _ if is_up(&key) => cursor.saturating_sub(1),
        _ if is_down(&key) => (cursor + 1).min(last),
        _ => cursor,
    };
    app.modal = Some(Modal::History { cursor: moved });
    Vec::new()
}

/// Shows past diagnosis `i` on the wizard's screens as it was reported (nothing is sent): its
/// target becomes the current one, so `r` runs it again live.
pub(in crate::tui::app) fn reopen(app: &mut App, i: usize) {
    let Some(e) = app.history.get(i).cloned() else {
        return;
    };
    run::show_finished(app, e.report.clone());
    app.info(format!(
        "Past diagnosis of {} ({}), shown as it was: r runs it again live.",
        e.short_time(),
        e.place
    ));
}
