//! The export prompt: the format (Tab switches) and the file name.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;
use tui_input::Input;

use crate::tui::app::{App, ExportFormat};
use crate::tui::view::popup;

/// Draws the modal over `area`.
pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect, input: &Input, format: &ExportFormat) {
    let t = app.theme;
    let wide = super::wide(area);
    let label = match format {
        ExportFormat::Markdown => "Markdown",
        ExportFormat::Json => "JSON",
        ExportFormat::Session => "Session (for graph-doctor open / check --replay)",
    };
    let lines = vec![
        Line::from(vec![
            Span::raw("Format: "),
            Span::styled(label, t.bold()),
            Span::styled("  (Tab switches)", t.dim()),
        ]),
        Line::from(vec![
            Span::raw("File:   "),
            Span::styled(input.value().to_string(), t.editing()),
        ]),
        Line::raw(""),
        Line::from(Span::styled(
            "The report holds claims, never a token. An existing file is never overwritten. Enter writes · Esc cancels",
            t.dim(),
        )),
    ];
    let inner = popup(frame, area, "Export the report", t, Text::from(lines), wide);
    frame.set_cursor_position((
        (inner.x + 8 + input.visual_cursor() as u16).min(inner.right().saturating_sub(1)),
        inner.y + 1,
    ));
}
