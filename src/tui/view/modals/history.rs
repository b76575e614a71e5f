//! Recent diagnoses: time, verdict, operation and target of each, newest first.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::report::{Status, Verdict};
use crate::tui::app::App;
use crate::tui::view::popup;

/// Rows of the list shown at once (the rest scroll into view with the cursor).
const SHOWN: usize = 12;

/// Draws the modal over `area`.
pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect, cursor: &usize) {
    let t = app.theme;
    let wide = super::wide(area);
    let n = app.history.len();
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{n} recent diagnoses, newest first (no token is kept)"),
            t.bold(),
        )),
        Line::raw(""),
    ];
    // Two lines an entry: what it found and where, then the operation and its target.
    let rows = ((area.height as usize).saturating_sub(8) / 2).clamp(1, SHOWN);
    let first = cursor.saturating_sub(rows - 1).min(n.saturating_sub(rows));
    let text_w = (wide as usize).saturating_sub(6);
    for (i, e) in app.history.iter().enumerate().skip(first).take(rows) {
        let sel = i == *cursor;
        let (glyph, style) = match e.verdict {
            Verdict::Pass => (Status::Pass.glyph(), t.status(Status::Pass)),
            Verdict::Fail => (Status::Fail.glyph(), t.status(Status::Fail)),
            Verdict::Inconclusive => (Status::Unknown.glyph(), t.status(Status::Unknown)),
        };
        let found = match e.primary_cause {
            Some(c) => format!("{} {c}", e.verdict.as_str()),
            None => e.verdict.as_str().to_string(),
        };
        let head = crate::tui::text::fit_words(
            &format!("{}  {found}  · {}", e.short_time(), e.place),
            text_w,
        );
        let what = crate::tui::text::fit_words(
            &format!("{}  {}", e.operation.kind.as_str(), e.target()),
            text_w,
        );
        let body = if sel { t.selected() } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(if sel { "▶ " } else { "  " }, body),
            Span::styled(format!("{glyph} "), style),
            Span::styled(head, body),
        ]));
        lines.push(Line::from(vec![
            Span::raw("    "),
            Span::styled(what, if sel { body } else { t.dim() }),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "Enter reopens it as it was · t takes its target · Esc closes",
        t.dim(),
    )));
    popup(frame, area, "Recent diagnoses", t, Text::from(lines), wide);
}
