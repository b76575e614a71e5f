//! The frame around every screen: the header line (the scenario, the operation, the run's
//! progress or verdict, the target's names, the four steps) and the footer (news or key hints).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use crate::report::{CheckId, Status};
use crate::tui::app::{App, Screen};
use crate::tui::picker::PickKind;
use crate::tui::theme::SPINNER;

pub(super) fn draw_header(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let mut left = vec![Span::styled(" graph-doctor ", t.title())];
    let demo_span = match app.demo_label() {
        Some(d) => {
            left.push(Span::styled(format!("{d} "), t.dim()));
            true
        }
        None => false,
    };
    let op = app.operation();
    if matches!(app.screen, Screen::Wizard | Screen::Check | Screen::Summary) {
        left.push(Span::raw(op.kind.as_str().to_string()));
        if let Some(r) = &app.run.report {
            left.push(Span::raw(" · "));
            left.push(Span::styled(
                format!("verdict {}", r.verdict.as_str()),
                match r.verdict {
                    crate::report::Verdict::Pass => t.status(Status::Pass),
                    crate::report::Verdict::Fail => t.status(Status::Fail),
                    crate::report::Verdict::Inconclusive => t.status(Status::Unknown),
                },
            ));
        } else if app.run.running {
            left.push(Span::styled(
                format!(
                    " · {} checking {}/{}",
                    SPINNER[(app.tick % SPINNER.len() as u64) as usize],
                    app.run.decided(),
                    CheckId::ALL.len()
                ),
                t.dim(),
            ));
        }
        // Names once the lookups of the preset ids came back: "Sales DL ← Ben Member".
        let named = |k: PickKind| {
            app.picker(k)
                .chosen
                .as_ref()
                .filter(|c| c.name != c.id)
                .map(|c| c.name.clone())
        };
        let target = match op.kind {
            k if k.targets_group() => named(PickKind::Group),
            _ => named(PickKind::AdministrativeUnit),
        };
        if let Some(name) = target {
            let member = named(PickKind::Member)
                .map(|m| format!(" ← {m}"))
                .unwrap_or_default();
            left.push(Span::styled(format!(" · {name}{member}"), t.dim()));
        }
    }
    let steps = [
        (Screen::Connect, "1 Connect"),
        (Screen::Target, "2 Target"),
        (Screen::Wizard, "3 Checks"),
        (Screen::Summary, "4 Summary"),
    ];
    let current = if app.screen == Screen::Check {
        Screen::Wizard
    } else {
        app.screen
    };
    let mut right: Vec<Span> = Vec::new();
    for (i, (s, label)) in steps.iter().enumerate() {
        if i > 0 {
            right.push(Span::styled(" › ", t.dim()));
        }
        right.push(if *s == current {
            Span::styled(*label, t.title().add_modifier(Modifier::UNDERLINED))
        } else {
            Span::styled(*label, t.dim())
        });
    }
    right.push(Span::raw(" "));
    if app.screen == Screen::Explorer {
        // The explorer is beside the four steps, not one of them.
        right = vec![
            Span::styled("Explore", t.title().add_modifier(Modifier::UNDERLINED)),
            Span::raw(" "),
        ];
    }
    let left_w: usize = left.iter().map(|s| s.width()).sum();
    let mut right_w: usize = right.iter().map(|s| s.width()).sum();
    if left_w + right_w >= area.width as usize {
        // Narrow: the steps as "3/4 Checks", the current one only.
        let n = steps
            .iter()
            .position(|(s, _)| *s == current)
            .map_or(0, |i| i + 1);
        let name = steps
            .get(n.saturating_sub(1))
            .map_or("", |(_, l)| l.split_once(' ').map_or(*l, |(_, w)| w));
        right = vec![
            Span::styled(format!("{n}/4 "), t.dim()),
            Span::styled(
                name.to_string(),
                t.title().add_modifier(Modifier::UNDERLINED),
            ),
            Span::raw(" "),
        ];
        right_w = right.iter().map(|s| s.width()).sum();
    }
    let room = (area.width as usize).saturating_sub(right_w + 1);
    let mut left_w = left_w;
    if left_w > room && demo_span {
        // The demo's name gives way before the verdict does.
        left.remove(1);
        left_w = left.iter().map(|s| s.width()).sum();
    }
    if left_w > room {
        // Still too long: the target's names give way first, at a word, with an ellipsis.
        let mut used = 0usize;
        let mut kept = Vec::new();
        for span in left {
            let w = span.width();
            if used + w <= room {
                used += w;
                kept.push(span);
            } else {
                let cut = crate::tui::text::fit_words(&span.content, room.saturating_sub(used));
                if !cut.is_empty() {
                    kept.push(Span::styled(cut, span.style));
                }
                break;
            }
        }
        left = kept;
    }
    let [l, r] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(right_w as u16)]).areas(area);
    frame.render_widget(Line::from(left), l);
    frame.render_widget(Line::from(right), r);
}

fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.screen == Screen::Scenarios && app.modal.is_none() {
        return vec![
            ("type", "filter"),
            ("↑↓", "move"),
            ("Enter", "start"),
            ("Esc", "clear"),
            ("?", "help"),
            ("Ctrl-C", "quit"),
        ];
    }
    if app.editing() {
        return vec![("Enter", "done"), ("Esc", "cancel"), ("Ctrl-C", "quit")];
    }
    let mut h: Vec<(&str, &str)> = match app.screen {
        Screen::Scenarios => Vec::new(),
        Screen::Connect => vec![
            ("↑↓", "move"),
            ("Enter", "edit/choose"),
            ("Tab", "continue"),
            ("/", "explore"),
        ],
        Screen::Target => vec![
            ("↑↓", "move"),
            ("Enter", "choose"),
            ("Tab", "run"),
            ("Esc", "back"),
        ],
        Screen::Wizard => vec![
            ("↑↓", "move"),
            ("Enter", "open"),
            ("s", "summary"),
            ("r", "re-run"),
            ("e", "export"),
            ("y", "copy fix"),
        ],
        Screen::Check => vec![
            ("↑↓", "scroll"),
            ("n/p", "next/prev"),
            ("y", "copy fix"),
            ("Esc", "back"),
        ],
        Screen::Summary => vec![
            ("↑↓", "move"),
            ("Enter", "open"),
            ("e", "export"),
            ("y", "copy fix"),
            ("Esc", "back"),
        ],
        Screen::Plan => vec![("↑↓", "move"), ("Enter", "open row"), ("Esc", "back")],
        Screen::Explorer if app.explorer.stack.is_empty() => vec![
            ("/", "search"),
            ("↑↓", "move"),
            ("Enter", "open"),
            ("d", "diagnose"),
            ("Esc", "back"),
        ],
        Screen::Explorer => vec![
            ("Tab", "next tab"),
            ("Enter", "follow"),
            ("d", "diagnose"),
            ("y", "copy id"),
            ("o", "open"),
            ("Esc", "back"),
        ],
    };
    h.push(("?", "help"));
    h.push(("q", "quit"));
    h
}

/// The footer: the status (news or an error, word-wrapped on up to two rows) above the key hints,
/// which always stay; hints that do not fit are dropped from the middle, `? help` and `q quit`
/// kept.
pub(super) fn draw_footer(app: &App, status: &[String], frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let style = match app.fresh_status() {
        Some(s) if s.error => t.error(),
        _ => t.ok(),
    };
    for (i, row) in status.iter().enumerate() {
        let r = Rect::new(area.x, area.y + i as u16, area.width, 1);
        frame.render_widget(Line::from(Span::styled(format!(" {row}"), style)), r);
    }
    let mut h = hints(app);
    let width = |h: &[(&str, &str)]| -> usize {
        1 + h
            .iter()
            .map(|(k, w)| k.chars().count() + w.chars().count() + 3)
            .sum::<usize>()
    };
    while width(&h) > area.width as usize && h.len() > 2 {
        h.remove(h.len() - 3);
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, what) in h {
        spans.push(Span::styled(k, t.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    let y = area.y + status.len() as u16;
    if y < area.bottom() {
        frame.render_widget(Line::from(spans), Rect::new(area.x, y, area.width, 1));
    }
}
