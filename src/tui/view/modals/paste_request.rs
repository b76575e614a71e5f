//! "Paste a failing request": the field (`METHOD URL`, redacted), and once looked up, what the
//! permissions map says the request needs per flow.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::view::{block, centered};

/// Draws the modal over `area`.
pub(super) fn draw(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    text: &str,
    shown: &Option<Vec<String>>,
) {
    let t = app.theme;
    let wide = super::wide(area);
    let h = area.height.saturating_sub(4).max(8);
    let r = centered(area, wide, h);
    frame.render_widget(Clear, r);
    let title = if shown.is_some() {
        "Paste a failing request (Enter diagnoses · type to change · Esc closes)"
    } else {
        "Paste a failing request (Enter looks it up · Esc cancels)"
    };
    let b = block(t, title);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let mut lines: Vec<Line> = Vec::new();
    if text.is_empty() {
        lines.push(Line::from(Span::styled(
            "METHOD URL, e.g. GET /users/{id}/memberOf (a raw request or a curl line works too; its Authorization header is never kept)",
            t.dim(),
        )));
    } else {
        // One line of the field: the request, never a token pasted with it.
        let shown_text = crate::secret::redact(text.lines().next().unwrap_or_default());
        lines.push(Line::from(vec![
            Span::styled("> ", t.dim()),
            Span::styled(shown_text, t.bold()),
        ]));
    }
    if let Some(s) = shown {
        lines.push(Line::raw(""));
        lines.extend(s.iter().map(|l| Line::raw(l.clone())));
    }
    frame.render_widget(
        Paragraph::new(Text::from(lines)).wrap(Wrap { trim: false }),
        inner,
    );
}
