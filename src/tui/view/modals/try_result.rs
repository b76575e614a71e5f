//! Graph's answer to the real write, with what `explain` finds in it.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::report::{CheckResult, Status};
use crate::tui::app::App;
use crate::tui::view::popup;

/// Draws the modal over `area`.
pub(super) fn draw(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    status: &Option<u16>,
    text: &str,
    findings: &[CheckResult],
) {
    let t = app.theme;
    let wide = super::wide(area);
    let mut lines = vec![match status {
        Some(s) if (200..300).contains(s) => Line::from(Span::styled(
            format!(
                "{} Graph answered {s}: the change was made.",
                Status::Pass.glyph()
            ),
            t.ok(),
        )),
        Some(s) => Line::from(Span::styled(
            format!("{} Graph answered {s}.", Status::Fail.glyph()),
            t.error(),
        )),
        None => Line::from(Span::styled("No answer from Graph.", t.error())),
    }];
    let body: String = text.chars().take(600).collect();
    if !body.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::raw(body));
    }
    for f in findings {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {} ", f.status.glyph(), f.id),
                t.status(f.status),
            ),
            Span::raw(f.summary.clone()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("Any key closes this.", t.dim())));
    popup(frame, area, "Graph's answer", t, Text::from(lines), wide);
}
