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
    if let Some(d) = &app.demo {
        left.push(Span::styled(format!("demo: {d} "), t.dim()));
    }
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
    let right_w: usize = right.iter().map(|s| s.width()).sum();
    let left_w: usize = left.iter().map(|s| s.width()).sum();
    if left_w + right_w < area.width as usize {
        let [l, r] = Layout::horizontal([Constraint::Min(1), Constraint::Length(right_w as u16)])
            .areas(area);
        frame.render_widget(Line::from(left), l);
        frame.render_widget(Line::from(right), r);
    } else {
        frame.render_widget(Line::from(left), area);
    }
}

fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.editing() {
        return vec![("Enter", "done"), ("Esc", "cancel"), ("Ctrl-C", "quit")];
    }
    let mut h: Vec<(&str, &str)> = match app.screen {
        Screen::Scenarios => vec![("↑↓", "move"), ("Enter", "open")],
        Screen::Connect => vec![
            ("↑↓", "move"),
            ("Enter", "edit/choose"),
            ("Tab", "continue"),
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
    };
    h.push(("?", "help"));
    h.push(("q", "quit"));
    h
}

pub(super) fn draw_footer(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let fresh = app
        .status
        .as_ref()
        .filter(|s| s.error || app.tick.saturating_sub(s.at_tick) < crate::tui::app::STATUS_TICKS);
    let line = match fresh {
        Some(s) => Line::from(Span::styled(
            format!(" {}", s.text),
            if s.error { t.error() } else { t.ok() },
        )),
        None => {
            let mut spans = vec![Span::raw(" ")];
            for (k, what) in hints(app) {
                spans.push(Span::styled(k, t.key()));
                spans.push(Span::raw(format!(" {what}  ")));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(line, area);
}
