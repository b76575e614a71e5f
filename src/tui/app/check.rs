//! The Check screen's keys: scroll (Home/End to the top and bottom), next and previous check, copy one command, back.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::app::detail::{max_scroll, scroll_by};
use crate::tui::app::keymap::{is_back, is_down, is_up};
use crate::tui::app::run::{common_run_key, move_step};
use crate::tui::app::{App, Effect};

/// A key on the Check screen.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if is_up(&key) {
        scroll_by(app, -1);
    } else if is_down(&key) {
        scroll_by(app, 1);
    } else if matches!(key.code, KeyCode::PageDown | KeyCode::Char(' ')) {
        scroll_by(app, 10);
    } else if matches!(key.code, KeyCode::PageUp) {
        scroll_by(app, -10);
    } else if matches!(key.code, KeyCode::Home | KeyCode::Char('g')) {
        app.detail_scroll = 0;
    } else if matches!(key.code, KeyCode::End | KeyCode::Char('G')) {
        app.detail_scroll = max_scroll(app);
    } else if matches!(key.code, KeyCode::Char('n')) {
        move_step(app, true);
    } else if matches!(key.code, KeyCode::Char('p')) {
        move_step(app, false);
    } else if let KeyCode::Char(d @ '1'..='9') = key.code {
        let n = d as usize - '1' as usize;
        let cmd = app
            .selected_result()
            .and_then(|r| r.fix_commands.get(n))
            .map(|c| c.text.clone());
        match cmd {
            Some(t) => {
                app.info(format!("Command {} copied (OSC 52).", n + 1));
                return vec![Effect::Copy(t)];
            }
            None => app.error(format!("There is no command {}.", n + 1)),
        }
    } else if is_back(&key) {
        app.screen = app.check_from;
        app.detail_scroll = 0;
    } else if let Some(e) = common_run_key(app, &key) {
        return e;
    }
    Vec::new()
}
