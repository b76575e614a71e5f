//! The Check screen: one check's details, full width, scrolled.

use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::report::CheckId;
use crate::tui::app::detail::check_lines;
use crate::tui::app::App;

use super::block;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let id = CheckId::ALL[app.wizard_cursor.min(CheckId::ALL.len() - 1)];
    let b = block(
        app.theme,
        &crate::tui::text::fit_words(
            &format!("{}  {}", id.as_str(), crate::checks::spec(id).title),
            area.width.saturating_sub(6) as usize,
        ),
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    frame.render_widget(
        Paragraph::new(check_lines(app, app.wizard_cursor, inner.width as usize))
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll, 0)),
        inner,
    );
}
