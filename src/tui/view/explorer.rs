//! The explorer: the breadcrumb and the search bar on top; under them the search results,
//! grouped by kind with Graph's count, or the page of the object followed, its tabs (a spinner
//! on the one being read) and the rows of the current tab (or why it could not be read).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use crate::graph::directory::ObjectType;
use crate::tui::app::explorer::{ObjectPage, TabState};
use crate::tui::app::App;
use crate::tui::text::fit_spans;
use crate::tui::theme::SPINNER;

use super::block;

fn kind_label(k: &ObjectType) -> &str {
    match k {
        ObjectType::User => "Users",
        ObjectType::Group => "Groups",
        ObjectType::Device => "Devices",
        ObjectType::ServicePrincipal => "Service principals",
        ObjectType::Contact => "Contacts",
        ObjectType::AdministrativeUnit => "Administrative units",
        ObjectType::Other(n) => n.as_str(),
    }
}

fn spinner(app: &App) -> &'static str {
    SPINNER[(app.tick % SPINNER.len() as u64) as usize]
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let e = &app.explorer;
    let [crumb, bar, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Min(1),
    ])
    .areas(area);
    let mut spans = vec![Span::styled(" Explore", t.title())];
    for name in e.breadcrumb() {
        spans.push(Span::styled(" › ", t.dim()));
        spans.push(Span::raw(name));
    }
    frame.render_widget(Line::from(fit_spans(spans, area.width as usize)), crumb);
    // The search bar.
    let b = block(t, "Search: name, UPN, mail, mailNickname, appId or id");
    let inner = b.inner(bar);
    frame.render_widget(b, bar);
    let value = e.query.value();
    let mut line = vec![Span::styled(
        "/ ",
        if e.editing { t.key() } else { t.dim() },
    )];
    let w = (inner.width as usize).saturating_sub(14);
    let scroll = e.query.visual_scroll(w);
    let shown: String = value.chars().skip(scroll).collect();
    line.push(Span::styled(
        shown,
        if e.editing { t.editing() } else { t.bold() },
    ));
    if e.searching {
        line.push(Span::styled(
            format!("  {} searching", spinner(app)),
            t.dim(),
        ));
    }
    frame.render_widget(Line::from(line), inner);
    if e.editing {
        let c = e.query.visual_cursor().saturating_sub(scroll) as u16;
        frame.set_cursor_position((inner.x + 2 + c, inner.y));
    }
    match e.page() {
        Some(page) => draw_page(app, page, frame, rest),
        None => draw_results(app, frame, rest),
    }
}

fn draw_results(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let e = &app.explorer;
    if let Some(err) = &e.search_error {
        frame.render_widget(
            Paragraph::new(Span::styled(err.clone(), t.error())).wrap(Wrap { trim: false }),
            area,
        );
        return;
    }
    if e.sections.is_empty() {
        let text = if e.query.value().trim().is_empty() {
            "Type a name, a UPN, a mail address or paste an object id or appId. Results come by kind, a page at a time."
        } else if e.searching {
            "Searching…"
        } else {
            "Nothing found."
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, t.dim())).wrap(Wrap { trim: false }),
            area,
        );
        return;
    }
    let width = area.width as usize;
    let mut items: Vec<ListItem> = Vec::new();
    let mut selected_row = None;
    let mut n = 0usize;
    for sec in &e.sections {
        let count = match sec.count {
            Some(c) => format!("{c} found"),
            None => format!("{} shown", sec.items.len()),
        };
        let mut head = vec![
            Span::styled(kind_label(&sec.kind).to_string(), t.title()),
            Span::styled(format!(" · {count}"), t.dim()),
        ];
        if sec.loading.is_some() {
            head.push(Span::styled(format!(" {}", spinner(app)), t.dim()));
        }
        if let Some(err) = &sec.error {
            head.push(Span::styled(format!(" · {err}"), t.error()));
        }
        items.push(ListItem::new(Line::from(fit_spans(head, width))));
        for it in &sec.items {
            if n == e.cursor {
                selected_row = Some(items.len());
            }
            n += 1;
            let mut spans = vec![Span::raw("  "), Span::styled(it.name.clone(), t.bold())];
            for b in &it.badges {
                spans.push(Span::styled(format!(" [{b}]"), t.badge()));
            }
            if !it.detail.is_empty() {
                spans.push(Span::styled(format!("  {}", it.detail), t.dim()));
            }
            items.push(ListItem::new(Line::from(fit_spans(spans, width))));
        }
        if sec.next.is_some() {
            items.push(ListItem::new(Line::from(Span::styled(
                "  … more: scroll down to read the next page",
                t.dim(),
            ))));
        }
    }
    let mut state = ListState::default();
    state.select(selected_row);
    // The marker shows the row without colour too (NO_COLOR, a monochrome terminal).
    let list = List::new(items)
        .highlight_style(if e.editing { t.dim() } else { t.selected() })
        .highlight_symbol(if e.editing { "  " } else { "▶ " });
    frame.render_stateful_widget(list, area, &mut state);
}

fn draw_page(app: &App, page: &ObjectPage, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let [tabs_area, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut spans = Vec::new();
    for (i, tv) in page.tabs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", t.dim()));
        }
        let mut label = format!("{} {}", i + 1, tv.tab.label());
        if let Some(c) = tv.count {
            label.push_str(&format!(" ({c})"));
        }
        if matches!(tv.state, TabState::Loading(_)) {
            label.push_str(&format!(" {}", spinner(app)));
        }
        spans.push(if i == page.tab {
            Span::styled(label, t.title().add_modifier(Modifier::UNDERLINED))
        } else {
            Span::styled(label, t.dim())
        });
    }
    frame.render_widget(Line::from(fit_spans(spans, area.width as usize)), tabs_area);
    let Some(tv) = page.current() else {
        return;
    };
    let title = format!("{} · {}", page.name, tv.tab.label());
    let b = block(t, &title);
    let inner = b.inner(body);
    frame.render_widget(b, body);
    if let TabState::Failed(why) = &tv.state {
        frame.render_widget(
            Paragraph::new(Span::styled(why.clone(), t.error())).wrap(Wrap { trim: false }),
            inner,
        );
        return;
    }
    if tv.rows.is_empty() {
        let text = match tv.state {
            TabState::Loading(_) => format!("{} reading…", spinner(app)),
            _ => "None.".to_string(),
        };
        frame.render_widget(Span::styled(text, t.dim()), inner);
        return;
    }
    let width = inner.width as usize;
    let key_w = tv
        .rows
        .iter()
        .map(|r| r.text.chars().count())
        .max()
        .unwrap_or(0)
        .min(width / 2)
        + 2;
    let mut items: Vec<ListItem> = tv
        .rows
        .iter()
        .map(|r| {
            let name: String = if r.text.chars().count() > key_w - 2 {
                let mut s: String = r.text.chars().take(key_w - 3).collect();
                s.push('…');
                s
            } else {
                r.text.clone()
            };
            let style = if r.link.is_some() { t.bold() } else { t.key() };
            let spans = vec![
                Span::styled(format!("{name:<key_w$}"), style),
                Span::styled(r.detail.clone(), t.dim()),
            ];
            ListItem::new(Line::from(fit_spans(spans, width)))
        })
        .collect();
    if tv.next.is_some() || matches!(tv.state, TabState::Loading(_)) {
        let more = match tv.state {
            TabState::Loading(_) => format!("{} reading the next page…", spinner(app)),
            _ => "… more: scroll down to read the next page".to_string(),
        };
        items.push(ListItem::new(Line::from(Span::styled(more, t.dim()))));
    }
    let mut state = ListState::default();
    state.select(Some(tv.cursor));
    frame.render_stateful_widget(
        List::new(items)
            .highlight_style(t.selected())
            .highlight_symbol("▶ "),
        inner,
        &mut state,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::explore::{Page, Row};
    use crate::tui::app::{update, Config, ExploreMsg, Msg};
    use crate::tui::theme::Theme;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn render(app: &App) -> String {
        let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        term.draw(|f| crate::tui::view::view(app, f)).expect("draw");
        let buf = term.backend().buffer().clone();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_page_shows_its_tabs_rows_and_a_refusal_at_80x24() {
        let mut app = App::new(
            Config {
                graph_url: Some("http://127.0.0.1:9".into()),
                ..Config::default()
            },
            Theme::default(),
            0,
        );
        app.set_token(
            crate::tui::app::Slot::Diagnosed,
            crate::secret::Secret::new("t"),
            "test",
        );
        let key =
            |app: &mut App, c: KeyCode| update(app, Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
        key(&mut app, KeyCode::Char('/'));
        assert_eq!(app.screen, crate::tui::app::Screen::Explorer);
        for c in "Sales".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        let gen = app.explorer.search_gen;
        let group = crate::graph::directory::DirectoryObject::from_value(
            &serde_json::json!({"id": "g1", "displayName": "Sales DL", "mailEnabled": true, "securityEnabled": false, "groupTypes": []}),
            &ObjectType::Group,
        )
        .expect("group");
        update(
            &mut app,
            Msg::Explore(ExploreMsg::Searched {
                gen,
                sections: vec![crate::graph::directory::Section {
                    holds: ObjectType::Group,
                    objects: vec![group],
                    count: Some(1),
                    next: None,
                    error: None,
                }],
            }),
        );
        let screen = render(&app);
        assert!(screen.contains("Groups · 1 found"), "{screen}");
        assert!(screen.contains("Sales DL [distribution]"), "{screen}");
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Tab);
        let gen = match app
            .explorer
            .page()
            .and_then(|p| p.current())
            .map(|t| &t.state)
        {
            Some(TabState::Loading(g)) => *g,
            other => panic!("{other:?}"),
        };
        let screen = render(&app);
        assert!(screen.contains("2 Members ⠋"), "{screen}");
        update(
            &mut app,
            Msg::Explore(ExploreMsg::Read {
                gen,
                result: Ok(Page {
                    rows: vec![Row {
                        text: "Cara Helpdesk".into(),
                        detail: "user · cara@contoso.com".into(),
                        link: Some(("u3".into(), ObjectType::User)),
                    }],
                    count: Some(1),
                    next: None,
                    object_type: None,
                }),
            }),
        );
        let screen = render(&app);
        assert!(screen.contains("Explore › Sales DL"), "{screen}");
        assert!(screen.contains("2 Members (1)"), "{screen}");
        assert!(screen.contains("Cara Helpdesk"), "{screen}");
        // Owners refused: the permission the reading token lacks, not an empty list.
        key(&mut app, KeyCode::Tab);
        let gen = match app
            .explorer
            .page()
            .and_then(|p| p.current())
            .map(|t| &t.state)
        {
            Some(TabState::Loading(g)) => *g,
            other => panic!("{other:?}"),
        };
        update(
            &mut app,
            Msg::Explore(ExploreMsg::Read {
                gen,
                result: Err(crate::graph::explore::TabError {
                    status: Some(403),
                    code: Some("Authorization_RequestDenied".into()),
                    needs: Some("GroupMember.Read.All".into()),
                    message: "403 Authorization_RequestDenied: the reading token lacks GroupMember.Read.All (delegated permission)".into(),
                }),
            }),
        );
        let screen = render(&app);
        assert!(screen.contains("lacks GroupMember.Read.All"), "{screen}");
        insta::assert_snapshot!(screen);
    }
}
