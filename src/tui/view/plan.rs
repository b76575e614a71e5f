//! The Plan screen: one line per planned addition (row, operation, target ← member, verdict,
//! primary cause), filled in as each diagnosis finishes, with the tally and a spinner above.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use crate::report::{Status, Verdict};
use crate::tui::app::App;
use crate::tui::theme::SPINNER;

use super::{block, fit};

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let Some(plan) = &app.plan else {
        frame.render_widget(Paragraph::new("No plan loaded.").style(t.dim()), area);
        return;
    };
    let (done, all) = plan.progress();
    let (pass, fail, inconclusive) = plan.tally();
    let title = fit(
        &format!("Plan {} · {done}/{all} diagnosed", plan.path),
        area.width.saturating_sub(4) as usize,
    );
    let outer = block(t, &title);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [head, list] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    let spin = if plan.done {
        String::new()
    } else {
        format!("{} ", SPINNER[(app.tick % SPINNER.len() as u64) as usize])
    };
    let head_line = match &plan.rows {
        None => Line::from(Span::styled(format!("{spin}reading the file…"), t.dim())),
        Some(_) => Line::from(vec![
            Span::raw(spin),
            Span::styled(
                format!("{} {pass} pass  ", Status::Pass.glyph()),
                t.status(Status::Pass),
            ),
            Span::styled(
                format!("{} {fail} fail  ", Status::Fail.glyph()),
                t.status(Status::Fail),
            ),
            Span::styled(
                format!("{} {inconclusive} inconclusive  ", Status::Unknown.glyph()),
                t.status(Status::Unknown),
            ),
            Span::styled(
                if plan.done {
                    "every row diagnosed".to_string()
                } else {
                    format!("{} to go", all - done)
                },
                t.dim(),
            ),
        ]),
    };
    frame.render_widget(Paragraph::new(head_line).wrap(Wrap { trim: true }), head);
    let rows = plan.rows.as_deref().unwrap_or_default();
    let width = list.width.saturating_sub(2) as usize;
    let items: Vec<ListItem> = rows
        .iter()
        .map(|line| {
            let op = &line.row.operation;
            // Named once the row's diagnosis has read the objects; ids until then.
            let names = line
                .report
                .as_ref()
                .map(|r| r.names.clone())
                .unwrap_or_default();
            let container = names
                .group
                .as_deref()
                .or(names.au.as_deref())
                .or(op.group.as_deref())
                .or(op.au.as_deref())
                .unwrap_or("-");
            let target = match names.member.as_deref().or(op.member.as_deref()) {
                Some(m) => format!("{container} ← {m}"),
                None => container.to_string(),
            };
            let (glyph, style, verdict) =
                match line.report.as_ref().map(|r| (r.verdict, r.primary_cause)) {
                    // A name that matched several objects or none: not diagnosed.
                    _ if line.row.input_error.is_some() => (
                        Status::Unknown.glyph(),
                        t.status(Status::Unknown),
                        "name not resolved".to_string(),
                    ),
                    None => ("…", t.dim(), "…".to_string()),
                    Some((Verdict::Pass, _)) => (
                        Status::Pass.glyph(),
                        t.status(Status::Pass),
                        "pass".to_string(),
                    ),
                    Some((Verdict::Fail, c)) => (
                        Status::Fail.glyph(),
                        t.status(Status::Fail),
                        c.map(|c| c.to_string()).unwrap_or_else(|| "fail".into()),
                    ),
                    Some((Verdict::Inconclusive, _)) => (
                        Status::Unknown.glyph(),
                        t.status(Status::Unknown),
                        "inconclusive".to_string(),
                    ),
                };
            let left = format!("{:>4} {} ", line.row.row, op.kind.as_str());
            let room = width.saturating_sub(left.chars().count() + verdict.chars().count() + 4);
            ListItem::new(Line::from(vec![
                Span::styled(format!("{glyph} "), style),
                Span::raw(left),
                Span::styled(format!("{:<room$} ", fit(&target, room)), Style::new()),
                Span::styled(verdict, style),
            ]))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(plan.cursor));
    frame.render_stateful_widget(
        List::new(items)
            .highlight_style(t.selected())
            .highlight_symbol("▶ "),
        list,
        &mut state,
    );
}
