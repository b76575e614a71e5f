//! The Scenario screen (`demo` without `--scenario`) and the simulated tenant once it is up:
//! its tokens and target replace the wizard's, and the checks start.

use crossterm::event::KeyEvent;
use tui_input::Input;

use crate::report::Operation;
use crate::secret::Secret;
use crate::tui::app::keymap::{is_down, is_open, is_up};
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

/// A key on the Scenario screen.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let n = app.scenarios.len();
    if is_up(&key) {
        app.scenario_cursor = app.scenario_cursor.saturating_sub(1);
    } else if is_down(&key) {
        if app.scenario_cursor + 1 < n {
            app.scenario_cursor += 1;
        }
    } else if is_open(&key) {
        if let Some((name, _)) = app.scenarios.get(app.scenario_cursor) {
            let name = name.clone();
            app.info(format!("Starting the simulated tenant for {name}…"));
            return vec![Effect::StartDemo(name)];
        }
    }
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
    if app.token.is_none() {
        app.screen = Screen::Connect;
        app.error("The scenario issues no token to diagnose: paste one.");
        return effects;
    }
    effects.extend(start_run(app));
    effects.extend(resolve_chosen(app));
    effects
}
