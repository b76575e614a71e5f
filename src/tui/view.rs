//! Drawing: `view` is a pure function of the [`App`]; it never waits on anything.
//!
//! Layouts are chosen so the whole step list fits an 80x24 terminal (one header line, the 22
//! checks, one status line) and use the extra room of a wide terminal for the selected check.
//! One file per screen (`scenarios`, `connect`, `target`, `wizard`, `check`, `summary`), the
//! frame around them (`chrome`), the modals (`modals/`, one file each) and the help overlay;
//! this file holds the helpers they share.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Screen};
use super::text::wrapped_height;
use super::theme::Theme;

mod check;
mod chrome;
mod connect;
mod explorer;
mod help;
mod modals;
mod plan;
mod scenarios;
mod summary;
mod target;
mod wizard;

pub use help::{keys_for, HELP};

/// Draws one frame.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let status_rows = app.status_rows(area.width);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1 + status_rows.len() as u16),
    ])
    .areas(area);
    chrome::draw_header(app, frame, header);
    match app.screen {
        Screen::Scenarios => scenarios::draw(app, frame, body),
        Screen::Connect => connect::draw(app, frame, body),
        Screen::Target => target::draw(app, frame, body),
        Screen::Wizard => wizard::draw(app, frame, body),
        Screen::Check => check::draw(app, frame, body),
        Screen::Summary => summary::draw(app, frame, body),
        Screen::Plan => plan::draw(app, frame, body),
        Screen::Explorer => explorer::draw(app, frame, body),
    }
    chrome::draw_footer(app, &status_rows, frame, footer);
    if let Some(m) = &app.modal {
        modals::draw(app, m, frame, area);
    }
    if app.help {
        help::draw(app, frame, area);
    }
}

/// Cuts `s` to `width` characters, ending in `…` when it was longer.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

fn block(t: Theme, title: &str) -> Block<'static> {
    Block::bordered().title(Span::styled(format!(" {title} "), t.title()))
}

/// A centred rectangle of at most `w` x `h` inside `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn popup(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    t: Theme,
    text: Text<'static>,
    w: u16,
) -> Rect {
    let inner_w = w.min(area.width).saturating_sub(2).max(1);
    let h = (wrapped_height(&text.lines, inner_w) + 2).min(area.height);
    let para = Paragraph::new(text).wrap(Wrap { trim: false });
    let r = centered(area, w, h);
    frame.render_widget(Clear, r);
    let b = block(t, title);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    frame.render_widget(para, inner);
    inner
}

#[cfg(test)]
use modals::paste_tail;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_request;
