//! The Scenario screen (`demo` without `--scenario`) and the simulated tenant once it is up:
//! its tokens and target replace the wizard's, and the checks start.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;

use crate::report::Operation;
use crate::secret::Secret;
use crate::tui::app::target::PAGE;
use crate::tui::app::{resolve_chosen, start_run, App, Effect, Screen, Slot};
use crate::tui::picker::{PickItem, PickKind};

/// The simulated tenant the demo started, as the wizard needs it.
#[derive(Debug, Clone)]
pub struct DemoSetup {
    pub scenario: String,
    pub base_url: String,
    pub token: Option<Secret>,
    pub reader: Option<Secret>,
    pub target: Operation,
}

/// A key on the Scenario screen: typing filters the list (by name and summary), the arrows,
/// Home/End and PgUp/PgDn move, Backspace and Esc undo the filter, Enter starts the scenario.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let visible = app.visible_scenarios();
    let last = visible.len().saturating_sub(1);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Up => app.scenario_cursor = app.scenario_cursor.saturating_sub(1),
        KeyCode::Down => app.scenario_cursor = (app.scenario_cursor + 1).min(last),
        KeyCode::Home => app.scenario_cursor = 0,
        KeyCode::End => app.scenario_cursor = last,
        KeyCode::PageUp => app.scenario_cursor = app.scenario_cursor.saturating_sub(PAGE),
        KeyCode::PageDown => app.scenario_cursor = (app.scenario_cursor + PAGE).min(last),
        KeyCode::Enter => return start_selected(app),
        KeyCode::Backspace => {
            app.scenario_filter.pop();
            app.scenario_cursor = 0;
        }
        KeyCode::Esc => {
            app.scenario_filter.clear();
            app.scenario_cursor = 0;
        }
        KeyCode::Char('u') if ctrl => {
            app.scenario_filter.clear();
            app.scenario_cursor = 0;
        }
        KeyCode::Char(c) if !ctrl => {
            app.scenario_filter.push(c);
            app.scenario_cursor = 0;
        }
        _ => {}
    }
    Vec::new()
}

/// Starts the highlighted scenario's simulated tenant.
pub(super) fn start_selected(app: &mut App) -> Vec<Effect> {
    let visible = app.visible_scenarios();
    if let Some((name, _)) = visible
        .get(app.scenario_cursor)
        .and_then(|i| app.scenarios.get(*i))
    {
        let name = name.clone();
        app.info(format!("Starting the simulated tenant for {name}…"));
        return vec![Effect::StartDemo(name)];
    }
    app.error("No scenario matches the filter: Backspace or Esc to widen it.");
    Vec::new()
}

pub(super) fn on_demo_ready(app: &mut App, setup: DemoSetup) -> Vec<Effect> {
    app.demo = Some(setup.scenario.clone());
    app.graph_url = Some(setup.base_url.clone());
    let mut effects = app.check_endpoint();
    // The simulated tenant also serves the token endpoint: sign-ins in the demo go there.
    if app.sign_in.login_url.is_none() {
        app.sign_in.login_url = Some(setup.base_url.clone());
    }
    app.token = None;
    app.reader = None;
    if let Some(t) = setup.token {
        app.set_token(
            Slot::Diagnosed,
            t,
            format!("demo scenario {}", setup.scenario),
        );
    }
    if let Some(r) = setup.reader {
        app.set_token(Slot::Reader, r, format!("demo scenario {}", setup.scenario));
    }
    app.operation = setup.target.kind;
    // A generic request's scenario is diagnosed as that request.
    app.request = setup.target.request.is_some().then(|| setup.target.clone());
    for (kind, id) in [
        (PickKind::Group, &setup.target.group),
        (PickKind::AdministrativeUnit, &setup.target.au),
        (PickKind::Member, &setup.target.member),
    ] {
        let p = app.picker_mut(kind);
        p.chosen = id.as_deref().map(PickItem::bare);
        p.results.clear();
        p.input = Input::default();
    }
    app.demo_target = Some(app.operation());
    if app.token.is_none() {
        app.screen = Screen::Connect;
        app.error("The scenario issues no token to diagnose: paste one.");
        return effects;
    }
    effects.extend(start_run(app));
    effects.extend(resolve_chosen(app));
    effects
}
