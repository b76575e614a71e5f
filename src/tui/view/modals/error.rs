//! The Error modal: what went wrong, in words that say what to do; any key closes it.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::view::popup;

/// Draws the modal over `area`.
pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect, e: &str) {
    let t = app.theme;
    let wide = super::wide(area);
    let mut lines: Vec<Line> = e
        .lines()
        .map(|l| Line::from(Span::styled(l.to_string(), t.error())))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("Any key closes this.", t.dim())));
    let text = Text::from(lines);
    popup(frame, area, "Error", t, text, wide);
}
