//! The Checks screen: the step list of every check (with a tally and the glyphs' meaning on a
//! tall terminal) and, beside it, the selected check's details.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use crate::report::{CheckId, Status};
use crate::tui::app::detail::{check_lines, list_width, step_glyph};
use crate::tui::app::{App, Step};

use crate::tui::text::fit_words;

/// One row of the step list: glyph, title, and the check id dimmed at the right edge.
fn step_line(app: &App, i: usize, width: usize) -> Line<'static> {
    let t = app.theme;
    let id = CheckId::ALL[i];
    let step = &app.run.steps[i];
    let (glyph, gstyle) = step_glyph(app, step);
    let (title, row_style) = match step {
        Step::Done(r) => (
            r.title.clone(),
            if r.status == Status::Fail {
                t.status(Status::Fail)
            } else {
                Style::new()
            },
        ),
        _ => (crate::checks::spec(id).title.to_string(), Style::new()),
    };
    let id_s = id.as_str();
    let title_w = width.saturating_sub(2 + id_s.len() + 1);
    let title = fit_words(&title, title_w);
    let pad = title_w.saturating_sub(title.chars().count());
    Line::from(vec![
        Span::styled(format!("{glyph} "), gstyle),
        Span::styled(title, row_style),
        Span::raw(" ".repeat(pad + 1)),
        Span::styled(id_s.to_string(), row_style.patch(t.dim())),
    ])
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let list_w = list_width(area.width);
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(area);
    let width = list_area.width.saturating_sub(1) as usize;
    let items: Vec<ListItem> = (0..CheckId::ALL.len())
        .map(|i| ListItem::new(step_line(app, i, width)))
        .collect();
    let n = CheckId::ALL.len() as u16;
    // The tally always shows: under the list with the glyphs' meaning when the terminal is tall
    // enough, else on the list's last row (the list scrolls to keep the selection in view).
    let (steps_area, legend_area, legend_rows) = if list_area.height >= n + 3 {
        let [s, _, l] = Layout::vertical([
            Constraint::Length(n),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(list_area);
        (s, Some(l), 2)
    } else if list_area.height >= 2 {
        let [s, l] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(list_area);
        (s, Some(l), 1)
    } else {
        (list_area, None, 0)
    };
    let mut state = ListState::default().with_selected(Some(app.wizard_cursor));
    frame.render_stateful_widget(
        List::new(items).highlight_style(app.theme.selected()),
        steps_area,
        &mut state,
    );
    if let Some(area) = legend_area {
        let t = app.theme;
        let mut spans = Vec::new();
        let short = (area.width as usize) < 56;
        for s in [
            Status::Fail,
            Status::Warn,
            Status::Pass,
            Status::Unknown,
            Status::Skipped,
        ] {
            let count = (0..CheckId::ALL.len())
                .filter(|i| app.run.result(*i).is_some_and(|r| r.status == s))
                .count();
            if !spans.is_empty() {
                spans.push(Span::raw(if short { " " } else { "  " }));
            }
            // Narrow: "✘1 !1 ✔17 ?1 -2", the glyphs alone (the help and the legend say them).
            let text = if short {
                format!("{}{count}", s.glyph())
            } else {
                format!("{} {count} {}", s.glyph(), s.as_str())
            };
            spans.push(Span::styled(
                text,
                if count == 0 { t.dim() } else { t.status(s) },
            ));
        }
        let mut lines = vec![Line::from(spans)];
        if legend_rows > 1 {
            lines.push(Line::from(Span::styled(
                "Enter opens a check · s summary · e export · y copy the fix · ? every key",
                t.dim(),
            )));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
    }
    if detail_area.width > 4 {
        let b = Block::new()
            .borders(Borders::LEFT)
            .border_style(app.theme.dim());
        let inner = b.inner(detail_area);
        frame.render_widget(b, detail_area);
        let lines = check_lines(app, app.wizard_cursor, inner.width as usize);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((app.detail_scroll, 0)),
            inner,
        );
    }
}
