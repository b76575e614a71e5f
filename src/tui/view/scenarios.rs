//! The Scenario screen (`demo` without `--scenario`): the built-in simulated tenants, and what
//! the highlighted one shows.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::app::App;

use super::{block, fit};

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
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
    let list_w = (name_w + 4).min(area.width / 2).max(30);
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(area);
    let visible = app.visible_scenarios();
    let title = if app.scenario_filter.is_empty() {
        format!("Scenario ({}) · type to filter", app.scenarios.len())
    } else {
        format!(
            "{}/{} for “{}”",
            visible.len(),
            app.scenarios.len(),
            app.scenario_filter
        )
    };
    let outer = block(t, &fit(&title, list_area.width.saturating_sub(4) as usize));
    let inner = outer.inner(list_area);
    frame.render_widget(outer, list_area);
    let items: Vec<ListItem> = visible
        .iter()
        .filter_map(|i| app.scenarios.get(*i))
        .map(|(name, _)| ListItem::new(Line::from(Span::raw(name.clone()))))
        .collect();
    if items.is_empty() {
        frame.render_widget(
            Paragraph::new("No scenario matches: Backspace or Esc widens the filter.")
                .style(t.dim())
                .wrap(Wrap { trim: true }),
            inner,
        );
    }
    let mut state = ListState::default().with_selected(Some(app.scenario_cursor));
    frame.render_stateful_widget(
        List::new(items)
            .highlight_style(t.selected())
            .highlight_symbol("▶ "),
        inner,
        &mut state,
    );
    let (name, summary) = visible
        .get(app.scenario_cursor)
        .and_then(|i| app.scenarios.get(*i))
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
