//! The Checks screen's keys: move in the step list, scroll the details, open a check, go back
//! (cancelling a run in flight).

use crossterm::event::{KeyCode, KeyEvent};

use crate::report::CheckId;
use crate::tui::app::detail::scroll_by;
use crate::tui::app::keymap::{is_back, is_down, is_open, is_up};
use crate::tui::app::run::{common_run_key, move_step};
use crate::tui::app::{resolve_chosen, App, Effect, Screen};

/// A key on the Checks screen.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if is_up(&key) {
        move_step(app, false);
    } else if is_down(&key) {
        move_step(app, true);
    } else if matches!(key.code, KeyCode::PageDown | KeyCode::Char('J')) {
        scroll_by(app, 5);
    } else if matches!(key.code, KeyCode::PageUp | KeyCode::Char('K')) {
        scroll_by(app, -5);
    } else if matches!(key.code, KeyCode::Home | KeyCode::Char('g')) {
        app.wizard_cursor = 0;
        app.user_moved = true;
    } else if matches!(key.code, KeyCode::End | KeyCode::Char('G')) {
        app.wizard_cursor = CheckId::ALL.len() - 1;
        app.user_moved = true;
    } else if is_open(&key) {
        app.check_from = Screen::Wizard;
        app.screen = Screen::Check;
        app.detail_scroll = 0;
    } else if is_back(&key) && app.from_plan {
        app.from_plan = false;
        app.screen = Screen::Plan;
    } else if is_back(&key) {
        app.screen = Screen::Target;
        if app.run.running {
            app.run.running = false;
            app.info("Checks cancelled: Tab runs them again.");
        }
        let mut effects = vec![Effect::CancelDiagnosis];
        effects.extend(resolve_chosen(app));
        return effects;
    } else if let Some(e) = common_run_key(app, &key) {
        return e;
    }
    Vec::new()
}
