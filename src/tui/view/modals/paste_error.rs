//! The paste area for the error the operator saw: the end of what was pasted, redacted, scrolled
//! to the bottom.

use ratatui::layout::Rect;
use ratatui::text::{Span, Text};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::text::wrapped_height;
use crate::tui::view::{block, centered};

/// Draws the modal over `area`.
pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect, text: &str) {
    let t = app.theme;
    let wide = super::wide(area);
    let h = area.height.saturating_sub(4).max(6);
    let r = centered(area, wide, h);
    frame.render_widget(Clear, r);
    let b = block(t, "Paste the error (Tab or Ctrl-D explains · Esc cancels)");
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let body = if text.is_empty() {
        Text::from(Span::styled(
            "Paste the response Graph gave (status line, headers and body, or only the JSON body; an SDK's or CLI's printout works too). Include the request line if you have it: the target is read from it.",
            t.dim(),
        ))
    } else {
        Text::raw(crate::secret::redact(paste_tail(text)))
    };
    let lines = wrapped_height(&body.lines, inner.width);
    let para = Paragraph::new(body).wrap(Wrap { trim: false });
    let scroll = lines.saturating_sub(inner.height);
    frame.render_widget(para.scroll((scroll, 0)), inner);
}

/// The end of a pasted error that the modal shows (it scrolls to the end anyway): at most
/// [`PASTE_VIEW`] bytes, starting at a line break so a token is never cut in half (a half token
/// would escape redaction). Keeps every frame cheap whatever was pasted.
pub(in crate::tui::view) fn paste_tail(text: &str) -> &str {
    if text.len() <= PASTE_VIEW {
        return text;
    }
    let mut cut = text.len() - PASTE_VIEW;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    match text[cut..].find('\n') {
        Some(n) => &text[cut + n + 1..],
        None => "",
    }
}

/// How much of a pasted error the modal draws.
const PASTE_VIEW: usize = 16 * 1024;
