//! The selected check's pane, as lines: its status, question, verdict, evidence, fix, commands and
//! docs, or the live requests while it waits. The view draws these lines on the Checks and Check
//! screens; the model measures them at the terminal size it last heard of, so scrolling is
//! bounded without asking the view.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use crate::report::{CheckId, CheckResult, Status};
use crate::tui::app::{App, Screen, Step};
use crate::tui::text::{break_at, labelled, wrap_words, wrapped_height};
use crate::tui::theme::{Theme, PENDING, SPINNER};

/// The glyph of a step: spinner while running, the status glyph once decided.
pub(crate) fn step_glyph(app: &App, step: &Step) -> (String, Style) {
    let t = app.theme;
    match step {
        Step::Pending => (PENDING.to_string(), t.dim()),
        Step::Running => (
            SPINNER[(app.tick % SPINNER.len() as u64) as usize].to_string(),
            t.title(),
        ),
        Step::Done(r) => (r.status.glyph().to_string(), t.status(r.status)),
    }
}

/// Width of the step list: the whole list fits 80 columns, and wide screens give the rest to
/// the selected check.
pub(crate) fn list_width(total: u16) -> u16 {
    if total < NARROW {
        // Beside a pane this narrow every title would be cut: the list takes the whole width
        // and Enter opens the check.
        total
    } else {
        // Wide terminals: as wide as the longest row needs, at most 45 % of the width (at
        // least 62 columns), the rest for the selected check.
        (total * 9 / 20).max(62).min(longest_row() as u16 + 1)
    }
}

/// Below this many columns the Checks screen shows the step list alone.
pub(crate) const NARROW: u16 = 100;

/// The widest step row: glyph, the longest title, a space, the longest id.
pub(crate) fn longest_row() -> usize {
    let title = CheckId::ALL
        .iter()
        .map(|id| crate::checks::spec(*id).title.chars().count())
        .max()
        .unwrap_or(40);
    let id = CheckId::ALL
        .iter()
        .map(|id| id.as_str().len())
        .max()
        .unwrap_or(20);
    2 + title + 1 + id
}

/// The area the selected check's details are drawn in, on a terminal of `w` x `h`.
fn detail_area(screen: Screen, w: u16, h: u16, footer: u16) -> Rect {
    let body = Rect::new(0, 1, w, h.saturating_sub(1 + footer));
    match screen {
        Screen::Check => Block::bordered().inner(body),
        _ => {
            let lw = list_width(w).min(w);
            Rect::new(lw + 1, body.y, w.saturating_sub(lw + 1), body.height)
        }
    }
}

/// How far the details of the selected check can scroll: until their last line is on the pane's
/// bottom row, at the terminal size the model last heard of ([`App::viewport`]).
pub(crate) fn max_scroll(app: &App) -> u16 {
    let (w, h) = app.viewport;
    let area = detail_area(app.screen, w, h, app.footer_height());
    wrapped_height(
        &check_lines(app, app.wizard_cursor, area.width as usize),
        area.width,
    )
    .saturating_sub(area.height)
}

fn heading(t: Theme, s: &str) -> Line<'static> {
    Line::from(Span::styled(s.to_string(), t.title()))
}

pub(crate) fn fact_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Everything the selected check's pane shows, laid out for `width` columns.
pub(crate) fn check_lines(app: &App, i: usize, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let Some(id) = CheckId::ALL.get(i).copied() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let step = &app.run.steps[i];
    let (glyph, gstyle) = step_glyph(app, step);
    let status_word = match step {
        Step::Pending => "NOT STARTED".to_string(),
        Step::Running => "CHECKING".to_string(),
        Step::Done(r) => r.status.as_str().to_uppercase(),
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{glyph} {status_word}  "), gstyle),
        Span::styled(crate::checks::spec(id).title.to_string(), t.bold()),
    ]));
    lines.push(Line::from(Span::styled(id.as_str().to_string(), t.dim())));
    lines.extend(labelled(
        "Question",
        9,
        crate::checks::spec(id).question,
        t.bold(),
        Style::new(),
        width,
    ));
    match step {
        Step::Pending | Step::Running => {
            lines.push(Line::raw(""));
            if matches!(step, Step::Running) || app.run.running {
                lines.push(Line::from(Span::styled(
                    "Waiting for its evidence…",
                    t.dim(),
                )));
                if !app.run.requests.is_empty() {
                    lines.push(Line::raw(""));
                    lines.push(heading(t, "Live requests"));
                    let n = app.run.requests.len();
                    for r in &app.run.requests[n.saturating_sub(6)..] {
                        lines.extend(request_line(
                            t,
                            &r.request,
                            r.status,
                            Some(r.latency_ms),
                            width,
                        ));
                    }
                }
            } else {
                lines.push(Line::from(Span::styled(
                    "Not run yet: r runs the checks.",
                    t.dim(),
                )));
            }
        }
        Step::Done(r) => result_lines(t, r, width, &mut lines),
    }
    lines
}

/// A request as `  GET /v1.0/… → 200 · 41 ms`, cut after the URL's punctuation rather than at
/// spaces: a URL is one long word, and word wrapping would strand the method on a row of its own.
fn request_line(
    t: Theme,
    request: &str,
    status: Option<u16>,
    latency: Option<u64>,
    width: usize,
) -> Vec<Line<'static>> {
    let width = width.max(8);
    let mut text: Vec<char> = format!("  {request}").chars().collect();
    let first = if text.len() <= width {
        text.len()
    } else {
        break_at(&text, width)
    };
    let mut lines = vec![Line::from(Span::styled(
        text.drain(..first).collect::<String>(),
        t.command(),
    ))];
    // Continuation rows indented under the method, cut after the URL's punctuation.
    while !text.is_empty() {
        let w = width - 4;
        let cut = if text.len() <= w {
            text.len()
        } else {
            break_at(&text, w)
        };
        lines.push(Line::from(Span::styled(
            format!("    {}", text.drain(..cut).collect::<String>()),
            t.command(),
        )));
    }
    // Evidence read offline (the token's claims, a pasted response) has neither.
    if status.is_none() && latency.is_none() {
        return lines;
    }
    let mut tail = vec![Span::raw(" → ")];
    tail.push(match status {
        Some(s) if (200..300).contains(&s) => Span::styled(format!("{s}"), t.ok()),
        Some(s) => Span::styled(format!("{s}"), t.status(Status::Fail)),
        None => Span::styled("no answer", t.status(Status::Warn)),
    });
    if let Some(ms) = latency {
        tail.push(Span::styled(format!(" · {ms} ms"), t.dim()));
    }
    let tail_w: usize = tail.iter().map(|s| s.width()).sum();
    match lines.last_mut() {
        Some(last) if last.width() + tail_w <= width => last.spans.extend(tail),
        _ => {
            tail[0] = Span::raw("    → ");
            lines.push(Line::from(tail));
        }
    }
    lines
}

/// `      key: value`, the value wrapped under the key with a little more indent.
fn fact_lines(t: Theme, key: &str, value: &str, width: usize) -> Vec<Line<'static>> {
    let key_label = format!("{key}:");
    let rows = wrap_words(
        &format!("{key_label} {value}"),
        width.saturating_sub(8).max(8),
    );
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| match (i, row.strip_prefix(&key_label)) {
            (0, Some(rest)) => Line::from(vec![
                Span::raw("      "),
                Span::styled(key_label.clone(), t.dim()),
                Span::raw(rest.to_string()),
            ]),
            (0, None) => Line::raw(format!("      {row}")),
            _ => Line::raw(format!("        {row}")),
        })
        .collect()
}

fn result_lines(t: Theme, r: &CheckResult, width: usize, lines: &mut Vec<Line<'static>>) {
    lines.push(Line::raw(""));
    let verdict_style = if r.status == Status::Fail {
        t.status(Status::Fail)
    } else {
        Style::new()
    };
    lines.extend(labelled(
        "Verdict",
        9,
        &r.summary,
        t.bold(),
        verdict_style,
        width,
    ));
    if !r.explanation.is_empty() {
        lines.extend(labelled(
            "Why",
            9,
            &r.explanation,
            t.bold(),
            Style::new(),
            width,
        ));
    }
    if !r.evidence.is_empty() {
        lines.push(Line::raw(""));
        lines.push(heading(t, "Evidence"));
        for e in &r.evidence {
            lines.extend(request_line(t, &e.request, e.status, e.latency_ms, width));
            if let Some(obj) = e.facts.as_object() {
                for (k, v) in obj {
                    let value = crate::secret::redact(&fact_value(v));
                    lines.extend(fact_lines(t, k, &value, width));
                }
            } else if !e.facts.is_null() {
                lines.push(Line::raw(format!("      {}", fact_value(&e.facts))));
            }
        }
    }
    if !r.fix.is_empty() {
        lines.push(Line::raw(""));
        lines.push(heading(t, "Fix"));
        for f in &r.fix {
            lines.extend(labelled("  •", 4, f, Style::new(), Style::new(), width));
        }
    }
    if !r.fix_commands.is_empty() {
        lines.push(Line::raw(""));
        lines.push(heading(
            t,
            "Commands (y copies all; 1-9 one, in the check view)",
        ));
        for (n, c) in r.fix_commands.iter().enumerate() {
            let kind = match c.kind {
                crate::report::CommandKind::Graph => "Graph",
                crate::report::CommandKind::Powershell => "PowerShell",
                crate::report::CommandKind::Azcli => "Azure CLI",
                crate::report::CommandKind::Portal => "Portal",
                crate::report::CommandKind::Url => "URL",
            };
            lines.push(Line::from(Span::styled(
                format!("  [{}] {kind}", n + 1),
                t.dim(),
            )));
            // The command on rows of its own, so it can be selected with the mouse too.
            for line in c.text.lines() {
                lines.extend(labelled("", 6, line, Style::new(), t.command(), width));
            }
        }
    }
    if !r.docs.is_empty() {
        lines.push(Line::raw(""));
        lines.push(heading(t, "Docs"));
        for d in &r.docs {
            lines.extend(labelled("", 2, d, Style::new(), t.dim(), width));
        }
    }
}

pub(super) fn scroll_by(app: &mut App, delta: i32) {
    let next = (i32::from(app.detail_scroll) + delta).max(0);
    app.detail_scroll = u16::try_from(next).unwrap_or(u16::MAX).min(max_scroll(app));
}
