//! A sign-in in flight: a spinner until the device code is issued, then the address and the code,
//! large.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::auth::sources::{DeviceCodePrompt, SignIn};
use crate::tui::app::App;
use crate::tui::app::Slot;
use crate::tui::theme::SPINNER;
use crate::tui::view::popup;

/// Draws the modal over `area`.
pub(super) fn draw(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    slot: &Slot,
    method: &SignIn,
    prompt: &Option<DeviceCodePrompt>,
) {
    let t = app.theme;
    let wide = super::wide(area);
    let mut lines = vec![Line::from(format!(
        "Signing in ({}) for the {}…",
        crate::tui::signin::label(*method),
        slot.label()
    ))];
    if let Some(p) = prompt {
        lines.push(Line::raw(""));
        lines.push(Line::from("Open this address in a browser:"));
        lines.push(Line::from(Span::styled(
            format!("  {}", p.verification_uri),
            t.command()
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )));
        lines.push(Line::raw(""));
        lines.push(Line::from("and enter the code:"));
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("  {}  ", p.user_code), t.code()),
        ]));
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            format!("The code expires in {} minutes.", p.expires_in / 60),
            t.dim(),
        )));
    } else {
        lines.push(Line::from(Span::styled(
            format!(
                "{} waiting for the token endpoint…",
                SPINNER[(app.tick % 10) as usize]
            ),
            t.dim(),
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "Esc cancels; the wizard stays usable.",
        t.dim(),
    )));
    popup(frame, area, "Sign in", t, Text::from(lines), wide);
}
