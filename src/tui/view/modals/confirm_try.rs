//! "Try it": the write that will change the tenant, waiting for a capital `Y`.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::view::popup;

/// Draws the modal over `area`.
pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect, method: &str, path: &str) {
    let t = app.theme;
    let wide = super::wide(area);
    let lines = vec![
        Line::from(Span::styled(
            "This performs the real write and WILL CHANGE THE TENANT:",
            t.error(),
        )),
        Line::raw(""),
        Line::from(Span::styled(format!("  {method} {path}"), t.command())),
        Line::raw(""),
        Line::from("with the token under diagnosis. Graph's answer is shown and classified."),
        Line::raw(""),
        Line::from(vec![
            Span::styled("Y", t.key()),
            Span::raw(" (capital) to go ahead · any other key cancels"),
        ]),
    ];
    popup(frame, area, "Try it?", t, Text::from(lines), wide);
}
