//! The Target screen: the operation, its pickers, the expected tenant and Run; under them the
//! open picker's live results, or how the screen works.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::app::{target_rows, App, TargetRow};
use crate::tui::picker::{PickItem, PickKind};
use crate::tui::theme::{Theme, SPINNER};

use super::block;
use crate::tui::text::{fit_spans, fit_words};

/// A picker row: name, badges, UPN or mail, and the id when there is room for all of it (an id
/// cut short would only mislead, so it is shown whole or not at all).
fn item_line(t: Theme, item: &PickItem, width: usize) -> Line<'static> {
    let mut spans = vec![Span::styled(item.name.clone(), t.bold())];
    for b in &item.badges {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("[{b}]"), t.badge()));
    }
    if !item.detail.is_empty() {
        spans.push(Span::styled(format!("  {}", item.detail), t.dim()));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    if item.name != item.id && used + 2 + item.id.len() <= width {
        spans.push(Span::styled(format!("  {}", item.id), t.dim()));
    }
    Line::from(fit_spans(spans, width))
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
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
                                match k {
                                    PickKind::Member => "(none) Enter, then type a name, UPN or id",
                                    _ => "(none) Enter, then type a name or id",
                                },
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
        frame.render_widget(
            Line::from(fit_spans(spans, inner.width as usize)),
            Rect::new(inner.x, y, inner.width, 1),
        );
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
            } else if p.input.value().is_empty() && !p.results.is_empty() {
                format!(
                    "The first {} {}s: type to search",
                    p.results.len(),
                    p.kind.label().to_lowercase()
                )
            } else if p.input.value().is_empty() {
                format!("Search {}s", p.kind.label().to_lowercase())
            } else {
                format!("{} result(s) for “{}”", p.results.len(), p.input.value())
            };
            let b = block(t, &fit_words(&title, rest.width.saturating_sub(4) as usize));
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
                let hint = match p.kind {
                    PickKind::Member => "Type any word of a display name or the start of a UPN, or paste an object id. Users, groups, devices, service principals and contacts are searched.",
                    PickKind::Group => "Type any word of the group's display name, or paste its object id.",
                    PickKind::AdministrativeUnit => "Type any word of the administrative unit's name, or paste its object id.",
                };
                let msg = if p.searching {
                    hint.to_string()
                } else {
                    format!("Nothing found. {hint}")
                };
                frame.render_widget(
                    Paragraph::new(msg).style(t.dim()).wrap(Wrap { trim: true }),
                    bin,
                );
            } else {
                let items: Vec<ListItem> = p
                    .results
                    .iter()
                    .map(|i| ListItem::new(item_line(t, i, bin.width.saturating_sub(2) as usize)))
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
