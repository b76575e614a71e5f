//! The sign-in method chooser, for either token (Tab switches), noting a claims challenge being
//! answered.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::report::Status;
use crate::tui::app::App;
use crate::tui::app::Slot;
use crate::tui::view::popup;

/// Draws the modal over `area`.
pub(super) fn draw(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    slot: &Slot,
    cursor: &usize,
    claims: &Option<String>,
) {
    let t = app.theme;
    let wide = super::wide(area);
    let mut lines = vec![Line::from(vec![
        Span::raw("Sign in for the "),
        Span::styled(slot.label(), t.bold()),
        Span::styled("  (Tab switches)", t.dim()),
    ])];
    if claims.is_some() {
        lines.push(Line::from(Span::styled(
            "Answering the conditional access claims challenge from ca.claims.",
            t.status(Status::Warn),
        )));
    }
    lines.push(Line::raw(""));
    for (i, m) in crate::tui::signin::METHODS.iter().enumerate() {
        let sel = i == *cursor;
        lines.push(Line::from(Span::styled(
            format!(
                "{}{}",
                if sel { "▶ " } else { "  " },
                crate::tui::signin::label(*m)
            ),
            if sel { t.selected() } else { Style::new() },
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "Enter signs in · Esc cancels",
        t.dim(),
    )));
    popup(frame, area, "Sign in", t, Text::from(lines), wide);
}
