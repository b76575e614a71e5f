//! Drawing: `view` is a pure function of the [`App`]; it never waits on anything.
//!
//! Layouts are chosen so the whole step list fits an 80x24 terminal (one header line, the 22
//! checks, one status line) and use the extra room of a wide terminal for the selected check.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use crate::auth::jwt::TokenInfo;
use crate::report::{CheckId, CheckResult, Status};

use super::app::{target_rows, App, ConnectRow, ExportFormat, Modal, Screen, Step, TargetRow};
use super::picker::{PickItem, PickKind};
use super::theme::{Theme, PENDING, SPINNER};
use super::token::{mask, summary};

/// Draws one frame.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(app, frame, header);
    match app.screen {
        Screen::Scenarios => draw_scenarios(app, frame, body),
        Screen::Connect => draw_connect(app, frame, body),
        Screen::Target => draw_target(app, frame, body),
        Screen::Wizard => draw_wizard(app, frame, body),
        Screen::Check => draw_check(app, frame, body),
        Screen::Summary => draw_summary(app, frame, body),
    }
    draw_footer(app, frame, footer);
    if let Some(m) = &app.modal {
        draw_modal(app, m, frame, area);
    }
    if app.help {
        draw_help(app, frame, area);
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

fn draw_header(app: &App, frame: &mut Frame, area: Rect) {
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
            crate::report::OperationKind::AddGroupMember => named(PickKind::Group),
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

fn draw_footer(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let fresh = app
        .status
        .as_ref()
        .filter(|s| s.error || app.tick.saturating_sub(s.at_tick) < super::app::STATUS_TICKS);
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

fn block(t: Theme, title: &str) -> Block<'static> {
    Block::bordered().title(Span::styled(format!(" {title} "), t.title()))
}

fn draw_scenarios(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    if app.scenarios.is_empty() {
        let outer = block(t, "Pick a scenario of the simulated tenant");
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        frame.render_widget(
            Paragraph::new("No built-in scenario is available in this build.").style(t.error()),
            inner,
        );
        return;
    }
    let name_w = app
        .scenarios
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(10) as u16;
    let list_w = (name_w + 4).min(area.width / 2).max(20);
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(area);
    let outer = block(t, "Scenario");
    let inner = outer.inner(list_area);
    frame.render_widget(outer, list_area);
    let items: Vec<ListItem> = app
        .scenarios
        .iter()
        .map(|(name, _)| ListItem::new(Line::from(Span::raw(name.clone()))))
        .collect();
    let mut state = ListState::default().with_selected(Some(app.scenario_cursor));
    frame.render_stateful_widget(
        List::new(items)
            .highlight_style(t.selected())
            .highlight_symbol("▶ "),
        inner,
        &mut state,
    );
    let (name, summary) = app
        .scenarios
        .get(app.scenario_cursor)
        .cloned()
        .unwrap_or_default();
    let b = block(t, "The simulated tenant: no account needed");
    let din = b.inner(detail_area);
    frame.render_widget(b, detail_area);
    let lines = vec![
        Line::from(Span::styled(name, t.bold())),
        Line::raw(""),
        Line::raw(summary),
        Line::raw(""),
        Line::from(vec![
            Span::styled("Enter", t.key()),
            Span::raw(" starts it on 127.0.0.1 inside graph-doctor and runs the checks with the scenario's token, as a live tenant would answer."),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), din);
}

fn connect_value(app: &App, row: ConnectRow, width: usize) -> (Line<'static>, Option<u16>) {
    let t = app.theme;
    let editing = app.connect_editing == Some(row);
    let input = &app.connect_input;
    match row {
        ConnectRow::Cloud => {
            let host = app
                .graph_url
                .clone()
                .unwrap_or_else(|| app.cloud.graph_host().to_string());
            (
                Line::from(vec![
                    Span::styled(app.cloud.as_str().to_string(), t.bold()),
                    Span::styled(format!("  {host}"), t.dim()),
                ]),
                None,
            )
        }
        ConnectRow::Token | ConnectRow::Reader => {
            let held = if row == ConnectRow::Token {
                &app.token
            } else {
                &app.reader
            };
            if editing {
                let m = mask(input.value().chars().count(), width);
                let cursor = m.chars().count() as u16;
                (Line::from(Span::styled(m, t.editing())), Some(cursor))
            } else if let Some(h) = held {
                (
                    Line::from(vec![
                        Span::raw(mask(
                            h.secret.expose().chars().count(),
                            width.saturating_sub(12),
                        )),
                        Span::styled(format!(" {}", h.source), t.dim()),
                    ]),
                    None,
                )
            } else if row == ConnectRow::Token {
                (
                    Line::from(Span::styled("(none) Enter, then paste", t.dim())),
                    None,
                )
            } else {
                (Line::from(Span::styled("(optional)", t.dim())), None)
            }
        }
        ConnectRow::TokenFile => {
            if editing {
                let scroll = input.visual_scroll(width.saturating_sub(1));
                let shown: String = input.value().chars().skip(scroll).collect();
                let cursor = (input.visual_cursor().saturating_sub(scroll)) as u16;
                (Line::from(Span::styled(shown, t.editing())), Some(cursor))
            } else {
                (
                    Line::from(Span::styled("Enter a path to load", t.dim())),
                    None,
                )
            }
        }
        ConnectRow::SignIn => (
            Line::from(Span::styled(
                "device code · secret · cert · az CLI",
                t.dim(),
            )),
            None,
        ),
        ConnectRow::PasteError => match &app.observed {
            Some(o) => (
                Line::from(Span::styled(
                    match o.status {
                        Some(s) => format!("✔ pasted (HTTP {s})"),
                        None => "✔ pasted".to_string(),
                    },
                    t.ok(),
                )),
                None,
            ),
            None => (
                Line::from(Span::styled("Enter to paste what Graph answered", t.dim())),
                None,
            ),
        },
        ConnectRow::Continue => (Line::from(Span::styled("→ Target", t.bold())), None),
    }
}

fn draw_connect(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(52), Constraint::Percentage(48)]).areas(area);
    let form = block(t, "Connect");
    let inner = form.inner(left);
    frame.render_widget(form, left);
    let label_w = 16usize;
    let value_w = (inner.width as usize).saturating_sub(label_w + 2);
    for (i, row) in ConnectRow::ALL.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let focused = i == app.connect_focus;
        let marker = if focused { "▶ " } else { "  " };
        let (value, cursor) = connect_value(app, *row, value_w);
        let mut spans = vec![
            Span::styled(marker, t.key()),
            Span::styled(
                format!("{:<w$}", row.label(), w = label_w),
                if focused { t.selected() } else { t.bold() },
            ),
        ];
        spans.extend(value.spans);
        let r = Rect::new(inner.x, y, inner.width, 1);
        frame.render_widget(Line::from(spans), r);
        if let Some(c) = cursor {
            frame.set_cursor_position((
                (inner.x + 2 + label_w as u16 + c).min(inner.right().saturating_sub(1)),
                y,
            ));
        }
    }
    let help_y = inner.y + ConnectRow::ALL.len() as u16 + 1;
    if help_y < inner.bottom() {
        let help = ConnectRow::ALL[app.connect_focus].help();
        frame.render_widget(
            Paragraph::new(help)
                .style(t.dim())
                .wrap(Wrap { trim: true }),
            Rect::new(inner.x, help_y, inner.width, inner.bottom() - help_y),
        );
    }

    let panel = block(t, "Token, decoded offline");
    let pin = panel.inner(right);
    frame.render_widget(panel, right);
    let mut lines = token_lines(
        app,
        app.token.as_ref().map(|h| &h.decoded),
        pin.width as usize,
    );
    if let Some(h) = &app.token {
        for (i, l) in summary_line(t, "From", &h.source, false, pin.width as usize)
            .into_iter()
            .enumerate()
        {
            lines.insert(i, l);
        }
    }
    if let Some(r) = &app.reader {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled("Reader token", t.title())));
        match &r.decoded {
            Ok(info) => {
                for row in summary(info, app.now)
                    .into_iter()
                    .filter(|r| matches!(r.label, "Who" | "Flow" | "Expires"))
                {
                    lines.extend(summary_line(
                        t,
                        row.label,
                        &row.value,
                        row.warn,
                        pin.width as usize,
                    ));
                }
            }
            Err(e) => lines.push(Line::from(Span::styled(
                format!("Cannot decode: {e}"),
                t.error(),
            ))),
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), pin);
}

/// Word-wraps `text` to `width` columns (words longer than a row are cut across rows).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = row.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            row.push(' ');
            row.extend(word.iter());
            continue;
        }
        if used > 0 {
            rows.push(std::mem::take(&mut row));
        }
        while word.len() > width {
            rows.push(word.drain(..width).collect());
        }
        row = word.into_iter().collect();
    }
    rows.push(row);
    rows
}

/// `label  value` with the value wrapped under itself (a hanging indent), so a column of labels
/// stays readable in a narrow pane.
fn labelled(
    label: &str,
    label_w: usize,
    value: &str,
    label_style: Style,
    value_style: Style,
    width: usize,
) -> Vec<Line<'static>> {
    let value_w = width.saturating_sub(label_w).max(8);
    wrap_words(value, value_w)
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let head = if i == 0 {
                format!("{label:<label_w$}")
            } else {
                " ".repeat(label_w)
            };
            Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(row, value_style),
            ])
        })
        .collect()
}

fn summary_line(
    t: Theme,
    label: &str,
    value: &str,
    warn: bool,
    width: usize,
) -> Vec<Line<'static>> {
    let style = if warn {
        t.status(Status::Fail)
    } else {
        Style::new()
    };
    labelled(label, 12, value, t.bold(), style, width)
}

fn token_lines(
    app: &App,
    decoded: Option<&Result<TokenInfo, crate::auth::jwt::JwtError>>,
    width: usize,
) -> Vec<Line<'static>> {
    let t = app.theme;
    match decoded {
        None => vec![
            Line::from(Span::styled("No token yet.", t.dim())),
            Line::raw(""),
            Line::from(Span::styled(
                "As soon as one is there, its claims show here: who, which app, delegated or app-only, audience, tenant and expiry. Nothing is sent anywhere to decode it.",
                t.dim(),
            )),
        ],
        Some(Err(e)) => vec![
            Line::from(Span::styled(format!("{} Cannot decode: {e}", Status::Fail.glyph()), t.error())),
            Line::from(Span::styled(
                "Graph needs a JWT access token (three base64url parts). The checks will say more.",
                t.dim(),
            )),
        ],
        Some(Ok(info)) => summary(info, app.now)
            .into_iter()
            .flat_map(|r| summary_line(t, r.label, &r.value, r.warn, width))
            .collect(),
    }
}

fn item_line(t: Theme, item: &PickItem, width: usize) -> Line<'static> {
    let mut spans = vec![Span::styled(item.name.clone(), t.bold())];
    for b in &item.badges {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("[{b}]"), t.badge()));
    }
    if !item.detail.is_empty() {
        spans.push(Span::styled(format!("  {}", item.detail), t.dim()));
    }
    if item.name != item.id && width > 60 {
        spans.push(Span::styled(format!("  {}", item.id), t.dim()));
    }
    Line::from(spans)
}

fn draw_target(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let rows = target_rows(app.operation);
    let open = app.pickers.iter().find(|p| p.open);
    let form_h = (rows.len() as u16 + 4).min(area.height);
    let [form_area, rest] =
        Layout::vertical([Constraint::Length(form_h), Constraint::Min(0)]).areas(area);
    let form = block(t, "Target: what failed, on which objects");
    let inner = form.inner(form_area);
    frame.render_widget(form, form_area);
    let label_w = 14usize;
    let value_w = (inner.width as usize).saturating_sub(label_w + 2);
    for (i, row) in rows.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let focused = i == app.target_focus;
        let (label, value, cursor): (&str, Line, Option<u16>) = match row {
            TargetRow::Operation => (
                "Operation",
                Line::from(vec![
                    Span::styled(app.operation.as_str(), t.bold()),
                    Span::styled(format!("  {}", app.operation.describe()), t.dim()),
                ]),
                None,
            ),
            TargetRow::Pick(k) => {
                let p = app.picker(*k);
                if p.open {
                    let scroll = p.input.visual_scroll(value_w.saturating_sub(1));
                    let shown: String = p.input.value().chars().skip(scroll).collect();
                    let c = p.input.visual_cursor().saturating_sub(scroll) as u16;
                    (
                        k.label(),
                        Line::from(Span::styled(
                            if shown.is_empty() {
                                String::new()
                            } else {
                                shown
                            },
                            t.editing(),
                        )),
                        Some(c),
                    )
                } else {
                    (
                        k.label(),
                        match &p.chosen {
                            Some(c) => item_line(t, c, value_w),
                            None => Line::from(Span::styled(
                                "(none) Enter, then type a name, UPN or id",
                                t.dim(),
                            )),
                        },
                        None,
                    )
                }
            }
            TargetRow::Tenant => {
                let v = app.tenant_input.value();
                (
                    "Tenant",
                    if app.tenant_editing {
                        Line::from(Span::styled(v.to_string(), t.editing()))
                    } else if v.is_empty() {
                        Line::from(Span::styled(
                            "(optional) expected tenant id or domain",
                            t.dim(),
                        ))
                    } else {
                        Line::raw(v.to_string())
                    },
                    app.tenant_editing
                        .then(|| app.tenant_input.visual_cursor() as u16),
                )
            }
            TargetRow::Run => {
                let missing = app.missing();
                (
                    "",
                    if missing.is_empty() {
                        Line::from(Span::styled(
                            "▶ Run the checks",
                            t.ok().add_modifier(Modifier::BOLD),
                        ))
                    } else {
                        Line::from(Span::styled(
                            format!("Still needed: {}", missing.join(", ")),
                            t.dim(),
                        ))
                    },
                    None,
                )
            }
        };
        let mut spans = vec![
            Span::styled(if focused { "▶ " } else { "  " }, t.key()),
            Span::styled(
                format!("{label:<label_w$}"),
                if focused { t.selected() } else { t.bold() },
            ),
        ];
        spans.extend(value.spans);
        frame.render_widget(Line::from(spans), Rect::new(inner.x, y, inner.width, 1));
        if let Some(c) = cursor {
            frame.set_cursor_position((
                (inner.x + 2 + label_w as u16 + c).min(inner.right().saturating_sub(1)),
                y,
            ));
        }
    }
    if rest.height == 0 {
        return;
    }
    match open {
        Some(p) => {
            let title = if p.searching {
                format!(
                    "{} Searching {}s for “{}”",
                    SPINNER[(app.tick % SPINNER.len() as u64) as usize],
                    p.kind.label().to_lowercase(),
                    p.input.value()
                )
            } else if p.input.value().is_empty() {
                format!("Search {}s", p.kind.label().to_lowercase())
            } else {
                format!("{} result(s) for “{}”", p.results.len(), p.input.value())
            };
            let b = block(t, &title);
            let bin = b.inner(rest);
            frame.render_widget(b, rest);
            if let Some(e) = &p.error {
                frame.render_widget(
                    Paragraph::new(e.clone())
                        .style(t.error())
                        .wrap(Wrap { trim: true }),
                    bin,
                );
            } else if p.results.is_empty() {
                let msg = match p.kind {
                    PickKind::Member => "Type part of a display name or UPN, or paste an object id. Users, groups, devices, service principals and contacts are searched.",
                    _ => "Type the start of a display name, or paste an object id.",
                };
                frame.render_widget(
                    Paragraph::new(msg).style(t.dim()).wrap(Wrap { trim: true }),
                    bin,
                );
            } else {
                let items: Vec<ListItem> = p
                    .results
                    .iter()
                    .map(|i| ListItem::new(item_line(t, i, bin.width as usize)))
                    .collect();
                let mut state = ListState::default().with_selected(Some(p.highlight));
                frame.render_stateful_widget(
                    List::new(items)
                        .highlight_style(t.selected())
                        .highlight_symbol("▶ "),
                    bin,
                    &mut state,
                );
            }
        }
        None => {
            let text = vec![
                Line::from(Span::styled("How this works", t.title())),
                Line::from("Choose the operation that failed and the objects it touched. Enter on a picker searches Graph live as you type (after a short pause), by display name, UPN or a pasted object id; each result shows its type."),
                Line::raw(""),
                Line::from(Span::styled(
                    "Searches use the reader token when there is one, else the token under diagnosis.",
                    t.dim(),
                )),
            ];
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), rest);
        }
    }
}

/// The glyph of a step: spinner while running, the status glyph once decided.
fn step_glyph(app: &App, step: &Step) -> (String, Style) {
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
        _ => (id.title().to_string(), Style::new()),
    };
    let id_s = id.as_str();
    let title_w = width.saturating_sub(2 + id_s.len() + 1);
    let title = fit(&title, title_w);
    let pad = title_w.saturating_sub(title.chars().count());
    Line::from(vec![
        Span::styled(format!("{glyph} "), gstyle),
        Span::styled(title, row_style),
        Span::raw(" ".repeat(pad + 1)),
        Span::styled(id_s.to_string(), row_style.patch(t.dim())),
    ])
}

/// Width of the step list: the whole list fits 80 columns, and wide screens give the rest to
/// the selected check.
fn list_width(total: u16) -> u16 {
    if total >= 110 {
        62
    } else {
        (total * 11 / 20).max(30)
    }
}

/// The area the selected check's details are drawn in, on a terminal of `w` x `h`.
fn detail_area(screen: Screen, w: u16, h: u16) -> Rect {
    let body = Rect::new(0, 1, w, h.saturating_sub(2));
    match screen {
        Screen::Check => Block::bordered().inner(body),
        _ => {
            let lw = list_width(w).min(w);
            Rect::new(lw + 1, body.y, w.saturating_sub(lw + 1), body.height)
        }
    }
}

/// How far the details of the selected check can scroll before the last line reaches the top
/// of what fits.
pub fn detail_max_scroll(app: &App, w: u16, h: u16) -> u16 {
    let area = detail_area(app.screen, w, h);
    wrapped_height(
        &check_lines(app, app.wizard_cursor, area.width as usize),
        area.width,
    )
    .saturating_sub(area.height)
}

fn draw_wizard(app: &App, frame: &mut Frame, area: Rect) {
    let list_w = list_width(area.width);
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(area);
    let width = list_area.width.saturating_sub(1) as usize;
    let items: Vec<ListItem> = (0..CheckId::ALL.len())
        .map(|i| ListItem::new(step_line(app, i, width)))
        .collect();
    let n = CheckId::ALL.len() as u16;
    let (steps_area, legend_area) = if list_area.height >= n + 3 {
        let [s, _, l] = Layout::vertical([
            Constraint::Length(n),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(list_area);
        (s, Some(l))
    } else {
        (list_area, None)
    };
    let mut state = ListState::default().with_selected(Some(app.wizard_cursor));
    frame.render_stateful_widget(
        List::new(items).highlight_style(app.theme.selected()),
        steps_area,
        &mut state,
    );
    // On a tall terminal, the tally and the glyphs' meaning under the list.
    if let Some(area) = legend_area {
        let t = app.theme;
        let mut spans = Vec::new();
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
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(
                format!("{} {count} {}", s.glyph(), s.as_str()),
                if count == 0 { t.dim() } else { t.status(s) },
            ));
        }
        let lines = vec![
            Line::from(spans),
            Line::from(Span::styled(
                "Enter opens a check · s summary · e export · y copy the fix · ? every key",
                t.dim(),
            )),
        ];
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

fn draw_check(app: &App, frame: &mut Frame, area: Rect) {
    let id = CheckId::ALL[app.wizard_cursor.min(CheckId::ALL.len() - 1)];
    let b = block(app.theme, &format!("{}  {}", id.as_str(), id.title()));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    frame.render_widget(
        Paragraph::new(check_lines(app, app.wizard_cursor, inner.width as usize))
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll, 0)),
        inner,
    );
}

fn heading(t: Theme, s: &str) -> Line<'static> {
    Line::from(Span::styled(s.to_string(), t.title()))
}

fn fact_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Everything the selected check's pane shows, laid out for `width` columns.
pub fn check_lines(app: &App, i: usize, width: usize) -> Vec<Line<'static>> {
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
        Span::styled(id.title().to_string(), t.bold()),
    ]));
    lines.push(Line::from(Span::styled(id.as_str().to_string(), t.dim())));
    lines.extend(labelled(
        "Question",
        9,
        id.question(),
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

/// A request as `  GET /v1.0/… → 200 · 41 ms`, cut by characters rather than words: a URL is one
/// long word, and word wrapping would strand the method on a row of its own.
fn request_line(
    t: Theme,
    request: &str,
    status: Option<u16>,
    latency: Option<u64>,
    width: usize,
) -> Vec<Line<'static>> {
    let width = width.max(8);
    let text: Vec<char> = format!("  {request}").chars().collect();
    let first = text.len().min(width);
    let mut lines = vec![Line::from(Span::styled(
        text[..first].iter().collect::<String>(),
        t.command(),
    ))];
    // Continuation rows indented under the method.
    for chunk in text[first..].chunks(width - 4) {
        lines.push(Line::from(Span::styled(
            format!("    {}", chunk.iter().collect::<String>()),
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

fn draw_summary(app: &App, frame: &mut Frame, area: Rect) {
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

/// How many rows `lines` take when word-wrapped at `width`, the way a wrapping `Paragraph`
/// lays them out (greedy, words longer than a row broken across rows).
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = width.max(1) as usize;
    let mut rows = 0usize;
    for line in lines {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let mut used = 0usize;
        let mut line_rows = 1usize;
        for (i, word) in text.split(' ').enumerate() {
            let len = word.chars().count() + usize::from(i > 0 && used > 0);
            if used + len <= w {
                used += len;
            } else {
                let wl = word.chars().count();
                line_rows += 1;
                used = wl;
                while used > w {
                    line_rows += 1;
                    used -= w;
                }
            }
        }
        rows += line_rows;
    }
    rows.min(u16::MAX as usize) as u16
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

fn draw_modal(app: &App, modal: &Modal, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let wide = area.width.saturating_sub(4).min(90);
    match modal {
        Modal::Error(e) => {
            let mut lines: Vec<Line> = e
                .lines()
                .map(|l| Line::from(Span::styled(l.to_string(), t.error())))
                .collect();
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled("Any key closes this.", t.dim())));
            let text = Text::from(lines);
            popup(frame, area, "Error", t, text, wide);
        }
        Modal::SignInChoose {
            slot,
            cursor,
            claims,
        } => {
            let mut lines = vec![Line::from(vec![
                Span::raw("Sign in for the "),
                Span::styled(slot.label(), t.bold()),
                Span::styled("  (Tab switches)", t.dim()),
            ])];
            if claims.is_some() {
                lines.push(Line::from(Span::styled(
                    "Answering the conditional access claims challenge from ca.claims.",
                    t.status(Status::Warn),
                )));
            }
            lines.push(Line::raw(""));
            for (i, m) in super::signin::METHODS.iter().enumerate() {
                let sel = i == *cursor;
                lines.push(Line::from(Span::styled(
                    format!(
                        "{}{}",
                        if sel { "▶ " } else { "  " },
                        super::signin::label(*m)
                    ),
                    if sel { t.selected() } else { Style::new() },
                )));
            }
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                "Enter signs in · Esc cancels",
                t.dim(),
            )));
            popup(frame, area, "Sign in", t, Text::from(lines), wide);
        }
        Modal::SignInWait {
            slot,
            method,
            prompt,
        } => {
            let mut lines = vec![Line::from(format!(
                "Signing in ({}) for the {}…",
                super::signin::label(*method),
                slot.label()
            ))];
            if let Some(p) = prompt {
                lines.push(Line::raw(""));
                lines.push(Line::from("Open this address in a browser:"));
                lines.push(Line::from(Span::styled(
                    format!("  {}", p.verification_uri),
                    t.command()
                        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                )));
                lines.push(Line::raw(""));
                lines.push(Line::from("and enter the code:"));
                lines.push(Line::from(vec![
                    Span::raw("  "),
                    Span::styled(format!("  {}  ", p.user_code), t.code()),
                ]));
                lines.push(Line::raw(""));
                lines.push(Line::from(Span::styled(
                    format!("The code expires in {} minutes.", p.expires_in / 60),
                    t.dim(),
                )));
            } else {
                lines.push(Line::from(Span::styled(
                    format!(
                        "{} waiting for the token endpoint…",
                        SPINNER[(app.tick % 10) as usize]
                    ),
                    t.dim(),
                )));
            }
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                "Esc cancels; the wizard stays usable.",
                t.dim(),
            )));
            popup(frame, area, "Sign in", t, Text::from(lines), wide);
        }
        Modal::PasteError { text } => {
            let h = area.height.saturating_sub(4).max(6);
            let r = centered(area, wide, h);
            frame.render_widget(Clear, r);
            let b = block(t, "Paste the error (Tab or Ctrl-D explains · Esc cancels)");
            let inner = b.inner(r);
            frame.render_widget(b, r);
            let body = if text.is_empty() {
                Text::from(Span::styled(
                    "Paste the response Graph gave (status line, headers and body, or only the JSON body; an SDK's or CLI's printout works too). Include the request line if you have it: the target is read from it.",
                    t.dim(),
                ))
            } else {
                Text::raw(crate::secret::redact(paste_tail(text)))
            };
            let lines = wrapped_height(&body.lines, inner.width);
            let para = Paragraph::new(body).wrap(Wrap { trim: false });
            let scroll = lines.saturating_sub(inner.height);
            frame.render_widget(para.scroll((scroll, 0)), inner);
        }
        Modal::Explained { report, hint } => {
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
        Modal::Export { input, format } => {
            let label = match format {
                ExportFormat::Markdown => "Markdown",
                ExportFormat::Json => "JSON",
            };
            let lines = vec![
                Line::from(vec![
                    Span::raw("Format: "),
                    Span::styled(label, t.bold()),
                    Span::styled("  (Tab switches)", t.dim()),
                ]),
                Line::from(vec![
                    Span::raw("File:   "),
                    Span::styled(input.value().to_string(), t.editing()),
                ]),
                Line::raw(""),
                Line::from(Span::styled(
                    "The report holds claims, never a token. Enter writes · Esc cancels",
                    t.dim(),
                )),
            ];
            let inner = popup(frame, area, "Export the report", t, Text::from(lines), wide);
            frame.set_cursor_position((
                (inner.x + 8 + input.visual_cursor() as u16).min(inner.right().saturating_sub(1)),
                inner.y + 1,
            ));
        }
        Modal::SecretPrompt { slot, input } => {
            let m = mask(input.value().chars().count(), 30);
            let lines = vec![
                Line::from(format!("Client secret for the {} (client credentials):", slot.label())),
                Line::from(Span::styled(
                    if m.is_empty() { " ".to_string() } else { m.clone() },
                    t.editing(),
                )),
                Line::raw(""),
                Line::from(Span::styled(
                    "Kept in memory only. Empty uses AZURE_CLIENT_SECRET. The client id and tenant come from --client-id / AZURE_CLIENT_ID and --tenant / AZURE_TENANT_ID (or the Target screen's tenant).",
                    t.dim(),
                )),
                Line::from(Span::styled("Enter signs in · Esc cancels", t.dim())),
            ];
            let inner = popup(frame, area, "Client secret", t, Text::from(lines), wide);
            frame.set_cursor_position((
                (inner.x + m.chars().count() as u16).min(inner.right().saturating_sub(1)),
                inner.y + 1,
            ));
        }
        Modal::ConfirmTry { method, path } => {
            let lines = vec![
                Line::from(Span::styled(
                    "This performs the real write and WILL CHANGE THE TENANT:",
                    t.error(),
                )),
                Line::raw(""),
                Line::from(Span::styled(format!("  {method} {path}"), t.command())),
                Line::raw(""),
                Line::from(
                    "with the token under diagnosis. Graph's answer is shown and classified.",
                ),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("Y", t.key()),
                    Span::raw(" (capital) to go ahead · any other key cancels"),
                ]),
            ];
            popup(frame, area, "Try it?", t, Text::from(lines), wide);
        }
        Modal::TryResult {
            status,
            text,
            findings,
        } => {
            let mut lines = vec![match status {
                Some(s) if (200..300).contains(s) => Line::from(Span::styled(
                    format!(
                        "{} Graph answered {s}: the change was made.",
                        Status::Pass.glyph()
                    ),
                    t.ok(),
                )),
                Some(s) => Line::from(Span::styled(
                    format!("{} Graph answered {s}.", Status::Fail.glyph()),
                    t.error(),
                )),
                None => Line::from(Span::styled("No answer from Graph.", t.error())),
            }];
            let body: String = text.chars().take(600).collect();
            if !body.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::raw(body));
            }
            for f in findings {
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{} {} ", f.status.glyph(), f.id),
                        t.status(f.status),
                    ),
                    Span::raw(f.summary.clone()),
                ]));
            }
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled("Any key closes this.", t.dim())));
            popup(frame, area, "Graph's answer", t, Text::from(lines), wide);
        }
    }
}

/// Every key, by screen: the `?` overlay.
pub const HELP: &[(&str, &str)] = &[
    ("↑/↓  j/k", "move"),
    ("Enter  →", "open, choose, edit"),
    ("Esc  ←", "back (leaving a screen cancels its requests)"),
    ("Tab", "continue (Connect), run (Target), summary (Checks)"),
    ("r", "re-run the checks"),
    ("s", "summary of fails and warnings"),
    ("e", "export the report (Markdown or JSON) to a file"),
    ("y", "copy the selected check's fix (OSC 52)"),
    ("1-9", "copy one command (in a check)"),
    ("n / p", "next / previous check (in a check)"),
    ("PgUp/PgDn", "scroll the check's details"),
    ("c", "sign in again answering a claims challenge"),
    ("t", "try it: the real write, after a confirmation"),
    ("x", "forget a token or a chosen object"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

fn draw_help(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:<11}"), t.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled(
        "In text fields keys type; Enter confirms, Esc cancels. Any key closes this.",
        t.dim(),
    )));
    popup(frame, area, "Keys", t, Text::from(lines), 72);
}

/// The end of a pasted error that the modal shows (it scrolls to the end anyway): at most
/// [`PASTE_VIEW`] bytes, starting at a line break so a token is never cut in half (a half token
/// would escape redaction). Keeps every frame cheap whatever was pasted.
fn paste_tail(text: &str) -> &str {
    if text.len() <= PASTE_VIEW {
        return text;
    }
    let mut cut = text.len() - PASTE_VIEW;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    match text[cut..].find('\n') {
        Some(n) => &text[cut + n + 1..],
        None => "",
    }
}

/// How much of a pasted error the modal draws.
const PASTE_VIEW: usize = 16 * 1024;

#[cfg(test)]
mod tests;
