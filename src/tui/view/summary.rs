//! The Summary screen: the verdict, the primary cause, the tally, and every failure and warning
//! (the undecided checks too when nothing failed).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use crate::report::Status;
use crate::tui::app::App;
use crate::tui::text::wrapped_height;

use super::block;

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let b = block(t, "Summary");
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(report) = app.current_report() else {
        frame.render_widget(
            Paragraph::new("No results yet: r runs the checks.").style(t.dim()),
            inner,
        );
        return;
    };
    let mut head = Vec::new();
    let (vglyph, vstyle) = match report.verdict {
        crate::report::Verdict::Pass => (Status::Pass.glyph(), t.status(Status::Pass)),
        crate::report::Verdict::Fail => (Status::Fail.glyph(), t.status(Status::Fail)),
        crate::report::Verdict::Inconclusive => {
            (Status::Unknown.glyph(), t.status(Status::Unknown))
        }
    };
    let partial = if app.run.running {
        " (still checking)"
    } else {
        ""
    };
    head.push(Line::from(vec![
        Span::styled(
            format!(
                "{vglyph} Verdict: {}",
                report.verdict.as_str().to_uppercase()
            ),
            vstyle,
        ),
        Span::styled(partial, t.dim()),
    ]));
    match report.primary_cause.and_then(|c| report.check(c)) {
        Some(c) => {
            head.push(Line::from(vec![
                Span::styled("Primary cause: ", t.bold()),
                Span::styled(format!("{} ", c.id), t.status(Status::Fail)),
                Span::raw(c.title.clone()),
            ]));
            head.push(Line::raw(c.summary.clone()));
        }
        None => head.push(Line::from(Span::styled("No check failed.", t.dim()))),
    }
    let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
    head.push(Line::from(Span::styled(
        format!(
            "{} checks: {} fail, {} warn, {} pass, {} unknown, {} skipped",
            report.checks.len(),
            count(Status::Fail),
            count(Status::Warn),
            count(Status::Pass),
            count(Status::Unknown),
            count(Status::Skipped)
        ),
        t.dim(),
    )));
    let head_h = wrapped_height(&head, inner.width).min(inner.height);
    let head_para = Paragraph::new(head).wrap(Wrap { trim: true });
    let [h_area, list_area, foot] = Layout::vertical([
        Constraint::Length(head_h + 1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(head_para, h_area);
    let rows = app.summary_rows();
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new("No failure, warning or undecided check to list.").style(t.dim()),
            list_area,
        );
    } else {
        let items: Vec<ListItem> = rows
            .iter()
            .filter_map(|i| app.run.result(*i))
            .map(|r| {
                ListItem::new(vec![
                    Line::from(vec![
                        Span::styled(format!("{} ", r.status.glyph()), t.status(r.status)),
                        Span::styled(
                            format!("{:<22}", r.id.as_str()),
                            if r.status == Status::Fail {
                                t.status(Status::Fail)
                            } else {
                                t.bold()
                            },
                        ),
                        Span::raw(r.title.clone()),
                    ]),
                    Line::from(Span::styled(format!("  {}", r.summary), t.dim())),
                ])
            })
            .collect();
        let mut state = ListState::default().with_selected(Some(app.summary_cursor));
        frame.render_stateful_widget(
            List::new(items).highlight_style(t.selected()),
            list_area,
            &mut state,
        );
    }
    frame.render_widget(
        Line::from(vec![
            Span::styled("e", t.key()),
            Span::raw(" export Markdown/JSON  "),
            Span::styled("y", t.key()),
            Span::raw(" copy the fix  "),
            Span::styled("t", t.key()),
            Span::raw(" try it  "),
            Span::styled("r", t.key()),
            Span::raw(" re-run"),
        ]),
        foot,
    );
}
