//! The `?` overlay: every key, by what it does.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::tui::app::App;

use super::popup;

/// Every key, by screen: the `?` overlay.
pub const HELP: &[(&str, &str)] = &[
    ("↑/↓  j/k", "move"),
    ("Enter  →", "open, choose, edit"),
    ("Esc  ←", "back (leaving a screen cancels its requests)"),
    ("Tab", "continue (Connect), run (Target), summary (Checks)"),
    ("r", "re-run the checks"),
    ("s", "summary of fails and warnings"),
    ("e", "export the report (Markdown or JSON) to a file"),
    ("y", "copy the selected check's fix (OSC 52)"),
    ("1-9", "copy one command (in a check)"),
    ("n / p", "next / previous check (in a check)"),
    ("PgUp/PgDn", "scroll the check's details"),
    ("c", "sign in again answering a claims challenge"),
    ("t", "try it: the real write, after a confirmation"),
    ("x", "forget a token or a chosen object"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:<11}"), t.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled(
        "In text fields keys type; Enter confirms, Esc cancels. Any key closes this.",
        t.dim(),
    )));
    popup(frame, area, "Keys", t, Text::from(lines), 72);
}
