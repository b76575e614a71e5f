//! The Summary screen's keys: move among the failures and warnings, open one, back.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::app::keymap::{is_back, is_down, is_open, is_up};
use crate::tui::app::run::common_run_key;
use crate::tui::app::{App, Effect, Screen};

/// A key on the Summary screen.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let n = app.summary_rows().len();
    if is_up(&key) {
        app.summary_cursor = app.summary_cursor.saturating_sub(1);
    } else if is_down(&key) {
        if app.summary_cursor + 1 < n {
            app.summary_cursor += 1;
        }
    } else if is_open(&key) {
        if let Some(i) = app.summary_rows().get(app.summary_cursor) {
            app.wizard_cursor = *i;
            app.user_moved = true;
            app.check_from = Screen::Summary;
            app.screen = Screen::Check;
            app.detail_scroll = 0;
        }
    } else if is_back(&key) {
        app.screen = Screen::Wizard;
    } else if let Some(e) = common_run_key(app, &key) {
        if app.screen == Screen::Summary && matches!(key.code, KeyCode::Char('s') | KeyCode::Tab) {
            app.screen = Screen::Wizard;
        }
        return e;
    }
    Vec::new()
}
