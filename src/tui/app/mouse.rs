//! The mouse (crossterm's mouse capture): a click selects a row of the step list or the scenario
//! list (a click on the selected row opens it), the wheel scrolls the pane under the pointer.
//! Rows are found from the layout the view draws at [`App::viewport`], so this stays pure.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use crate::report::CheckId;
use crate::tui::app::detail::{list_width, scroll_by};
use crate::tui::app::run::move_step;
use crate::tui::app::{App, Effect, Screen};

/// How many rows one notch of the wheel scrolls a check's details.
const WHEEL: i32 = 3;

/// The rows the body of a screen has: the terminal less the header and the footer.
fn body_rows(app: &App) -> u16 {
    app.viewport.1.saturating_sub(1 + app.footer_height())
}

/// The first item a list of `len` items shows in `height` rows with `selected` in view: what
/// ratatui's `List` does with a fresh `ListState`.
fn list_offset(selected: usize, height: usize) -> usize {
    (selected + 1).saturating_sub(height.max(1))
}

/// The step under row `row` of the Checks screen, if any.
fn step_at(app: &App, row: u16) -> Option<usize> {
    let n = CheckId::ALL.len();
    let body = body_rows(app) as usize;
    // The list's height: every step on a tall terminal, else all rows but the tally's.
    let height = if body >= n + 3 {
        n
    } else {
        body.saturating_sub(1)
    };
    let line = (row as usize).checked_sub(1)?;
    if line >= height {
        return None;
    }
    let i = list_offset(app.wizard_cursor, height) + line;
    (i < n).then_some(i)
}

/// The scenario under row `row` of the Scenario screen, if any (the list sits in a bordered box).
fn scenario_at(app: &App, row: u16) -> Option<usize> {
    let height = body_rows(app).saturating_sub(2) as usize;
    let line = (row as usize).checked_sub(2)?;
    if line >= height {
        return None;
    }
    let i = list_offset(app.scenario_cursor, height) + line;
    (i < app.visible_scenarios().len()).then_some(i)
}

pub(super) fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if app.modal.is_some() || app.help {
        return Vec::new();
    }
    let in_list = m.column < list_width(app.viewport.0);
    match (app.screen, m.kind) {
        (Screen::Check, MouseEventKind::ScrollDown) => scroll_by(app, WHEEL),
        (Screen::Check, MouseEventKind::ScrollUp) => scroll_by(app, -WHEEL),
        (Screen::Wizard, MouseEventKind::ScrollDown) if !in_list => scroll_by(app, WHEEL),
        (Screen::Wizard, MouseEventKind::ScrollUp) if !in_list => scroll_by(app, -WHEEL),
        (Screen::Wizard, MouseEventKind::ScrollDown) => move_step(app, true),
        (Screen::Wizard, MouseEventKind::ScrollUp) => move_step(app, false),
        (Screen::Wizard, MouseEventKind::Down(MouseButton::Left)) if in_list => {
            if let Some(i) = step_at(app, m.row) {
                if i == app.wizard_cursor {
                    app.check_from = Screen::Wizard;
                    app.screen = Screen::Check;
                } else {
                    app.wizard_cursor = i;
                    app.user_moved = true;
                }
                app.detail_scroll = 0;
            }
        }
        (Screen::Scenarios, MouseEventKind::ScrollDown) => {
            let last = app.visible_scenarios().len().saturating_sub(1);
            app.scenario_cursor = (app.scenario_cursor + 1).min(last);
        }
        (Screen::Scenarios, MouseEventKind::ScrollUp) => {
            app.scenario_cursor = app.scenario_cursor.saturating_sub(1);
        }
        (Screen::Scenarios, MouseEventKind::Down(MouseButton::Left)) => {
            if let Some(i) = scenario_at(app, m.row) {
                if i == app.scenario_cursor {
                    return super::scenarios::start_selected(app);
                }
                app.scenario_cursor = i;
            }
        }
        (Screen::Summary, MouseEventKind::ScrollDown) => {
            let last = app.summary_rows().len().saturating_sub(1);
            app.summary_cursor = (app.summary_cursor + 1).min(last);
        }
        (Screen::Summary, MouseEventKind::ScrollUp) => {
            app.summary_cursor = app.summary_cursor.saturating_sub(1);
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_offset_keeps_the_selection_in_view() {
        assert_eq!(super::list_offset(0, 19), 0);
        assert_eq!(super::list_offset(18, 19), 0);
        assert_eq!(super::list_offset(21, 19), 3);
    }
}
