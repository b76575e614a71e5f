//! The Connect screen: the cloud, the tokens (masked), sign-in and the pasted error on the
//! left; the token under diagnosis decoded offline on the right.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::auth::jwt::TokenInfo;
use crate::report::Status;
use crate::tui::app::{App, ConnectRow};
use crate::tui::text::{fit_spans, labelled};
use crate::tui::theme::Theme;
use crate::tui::token::{mask, summary};

use super::block;

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
        row @ (ConnectRow::TokenFile | ConnectRow::Plan) => {
            if editing {
                let scroll = input.visual_scroll(width.saturating_sub(1));
                let shown: String = input.value().chars().skip(scroll).collect();
                let cursor = (input.visual_cursor().saturating_sub(scroll)) as u16;
                (Line::from(Span::styled(shown, t.editing())), Some(cursor))
            } else {
                let hint = match (row, &app.plan) {
                    (ConnectRow::Plan, Some(p)) => {
                        let (done, all) = p.progress();
                        format!("{} · {done}/{all} diagnosed", p.path)
                    }
                    (ConnectRow::Plan, None) => "Enter a CSV path to triage".to_string(),
                    _ => "Enter a path to load".to_string(),
                };
                (Line::from(Span::styled(hint, t.dim())), None)
            }
        }
        ConnectRow::SignIn => (
            Line::from(Span::styled(
                "device code · secret · cert · az CLI",
                t.dim(),
            )),
            None,
        ),
        ConnectRow::Recent => (
            Line::from(Span::styled(
                match (app.history.len(), app.history_on) {
                    (0, true) => "none yet".to_string(),
                    (0, false) => "off".to_string(),
                    (1, _) => "1 past diagnosis · Enter to open".to_string(),
                    (n, _) => format!("{n} past diagnoses · Enter to open"),
                },
                t.dim(),
            )),
            None,
        ),
        ConnectRow::PasteRequest => (
            Line::from(Span::styled(
                match app.request.as_ref().and_then(|o| o.request.as_ref()) {
                    Some(r) => format!("✔ {} {}", r.method, r.path),
                    None => "Enter to type METHOD URL (GET /users/{id}/memberOf)".to_string(),
                },
                if app.request.is_some() {
                    t.ok()
                } else {
                    t.dim()
                },
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

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
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
        frame.render_widget(Line::from(fit_spans(spans, inner.width as usize)), r);
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
