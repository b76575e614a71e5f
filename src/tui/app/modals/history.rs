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
        KeyCode::Enter => return reopen(app, cursor),
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
pub(in crate::tui::app) fn reopen(app: &mut App, i: usize) -> Vec<Effect> {
    let Some(e) = app.history.get(i).cloned() else {
        return Vec::new();
    };
    let effects = run::show_finished(app, e.report.clone());
    // `r` sends the entry's ids to the endpoint in use now, which may not be where it ran.
    let here = match (&app.demo, &app.endpoint) {
        (Some(name), _) => format!("demo: {name}"),
        (None, Some(ep)) => ep.base.host_str().unwrap_or("graph").to_string(),
        (None, None) => String::new(),
    };
    let again = if here == e.place {
        "r runs it again live".to_string()
    } else {
        format!("r runs it again against {here}, not {}", e.place)
    };
    app.info(format!(
        "Past diagnosis of {} ({}), shown as it was: {again}.",
        e.short_time(),
        e.place
    ));
    effects
}
