//! The client secret for a client-credentials sign-in, typed masked.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::app::Slot;
use crate::tui::token::{mask, SecretInput};
use crate::tui::view::popup;

/// Draws the modal over `area`.
pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect, slot: &Slot, input: &SecretInput) {
    let t = app.theme;
    let wide = super::wide(area);
    let m = mask(input.value().chars().count(), 30);
    let lines = vec![
        Line::from(format!("Client secret for the {} (client credentials):", slot.label())),
        Line::from(Span::styled(
            if m.is_empty() { " ".to_string() } else { m.clone() },
            t.editing(),
        )),
        Line::raw(""),
        Line::from(Span::styled(
            "Kept in memory only. Empty uses AZURE_CLIENT_SECRET. The client id and tenant come from --client-id / AZURE_CLIENT_ID and --tenant / AZURE_TENANT_ID (or the Target screen's tenant).",
            t.dim(),
        )),
        Line::from(Span::styled("Enter signs in · Esc cancels", t.dim())),
    ];
    let inner = popup(frame, area, "Client secret", t, Text::from(lines), wide);
    frame.set_cursor_position((
        (inner.x + m.chars().count() as u16).min(inner.right().saturating_sub(1)),
        inner.y + 1,
    ));
}
