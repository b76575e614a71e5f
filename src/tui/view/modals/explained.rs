//! What `explain` made of the pasted error: its interpretation, findings, candidates, claims
//! demands, the ids for a support ticket, and the target read from the request.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::report::Status;
use crate::report::{Operation, Report};
use crate::tui::app::detail::fact_value;
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
    let notes = report.notes.as_ref();
    let note = |k: &str| notes.and_then(|n| n.get(k));
    let mut lines = vec![
        Line::from(Span::styled(
            "Enter runs the live checks with this evidence · Esc closes",
            t.key(),
        )),
        Line::raw(""),
    ];
    if let Some(i) = note("interpretation").and_then(|v| v.as_str()) {
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
    if let Some(cands) = note("candidates").and_then(|v| v.as_array()) {
        let ids: Vec<&str> = cands
            .iter()
            .filter_map(|c| c.get("check")?.as_str())
            .collect();
        lines.push(Line::from(vec![
            Span::styled("? could be: ", t.status(Status::Unknown)),
            Span::raw(ids.join(", ")),
        ]));
    }
    if let Some(d) = note("claims_challenge")
        .and_then(|c| c.get("demands"))
        .and_then(|v| v.as_array())
    {
        for x in d.iter().filter_map(|x| x.as_str()) {
            lines.push(Line::raw(format!("  claims: {x}")));
        }
    }
    if let Some(support) = note("support").and_then(|v| v.as_object()) {
        let ids: Vec<String> = support
            .iter()
            .map(|(k, v)| format!("{k} {}", fact_value(v)))
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
