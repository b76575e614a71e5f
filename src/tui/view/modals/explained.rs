//! What `explain` made of the pasted error: its interpretation, findings, candidates, claims
//! demands, the ids for a support ticket, and the target read from the request.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::report::Status;
use crate::report::{Operation, Report};
use crate::tui::app::App;
use crate::tui::view::popup;

/// Draws the modal over `area`.
pub(super) fn draw(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    report: &Report,
    hint: &Option<Operation>,
) {
    let t = app.theme;
    let wide = super::wide(area);
    let notes = crate::report::explain_notes::ExplainNotes::of(report);
    let mut lines = vec![
        Line::from(Span::styled(
            "Enter runs the live checks with this evidence · Esc closes",
            t.key(),
        )),
        Line::raw(""),
    ];
    if let Some(i) = Some(notes.interpretation.as_str()).filter(|i| !i.is_empty()) {
        lines.push(Line::from(Span::styled(crate::secret::redact(i), t.bold())));
    }
    for c in report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail || c.status == Status::Warn)
    {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {} ", c.status.glyph(), c.id.as_str()),
                t.status(c.status),
            ),
            Span::raw(c.summary.clone()),
        ]));
    }
    let settled: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Pass | Status::Skipped))
        .map(|c| c.id.as_str())
        .collect();
    if !settled.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{} settled: ", Status::Pass.glyph()), t.ok()),
            Span::raw(settled.join(", ")),
        ]));
    }
    if !notes.candidates.is_empty() {
        let ids: Vec<&str> = notes.candidates.iter().map(|c| c.check.as_str()).collect();
        lines.push(Line::from(vec![
            Span::styled("? could be: ", t.status(Status::Unknown)),
            Span::raw(ids.join(", ")),
        ]));
    }
    for x in notes.demands() {
        lines.push(Line::raw(format!("  claims: {x}")));
    }
    if !notes.support.is_empty() {
        let ids: Vec<String> = notes
            .support
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        lines.push(Line::from(vec![
            Span::styled("For the ticket: ", t.dim()),
            Span::raw(ids.join(" · ")),
        ]));
    }
    if let Some(op) = hint {
        let mut s = format!("From the request: {}", op.kind.as_str());
        for (label, id) in [("group", &op.group), ("au", &op.au), ("member", &op.member)] {
            if let Some(id) = id {
                s.push_str(&format!(" · {label} {id}"));
            }
        }
        lines.push(Line::from(Span::styled(s, t.ok())));
    }
    popup(
        frame,
        area,
        "What the error shows",
        t,
        Text::from(lines),
        wide,
    );
}
