//! The wizard's model ([`App`]), what can happen to it ([`Msg`]), what it asks the runtime to do
//! ([`Effect`]) and [`update`], the one function that changes it (the Elm architecture).
//!
//! `update` is pure: no I/O, no clock, no terminal. Time arrives as [`Msg::Tick`], results of
//! background work as messages, and every request, file write or clipboard copy leaves as an
//! [`Effect`]. That is what lets the tests drive the whole wizard with plain values.
//!
//! This file holds the model and `update`; each screen (`scenarios`, `connect`, `target`,
//! `wizard`, `check`, `summary`) and each modal (`modals/`) has a file for what it does with keys
//! and answers, `run` a diagnosis run, `sign_in` the sign-ins, `detail` the check pane's lines
//! (measured here to bound scrolling), `keys` the routing of keys and pastes.

use std::time::Duration;

use tui_input::Input;

use crate::auth::sources::SignInConfig;
use crate::auth::Cloud;
use crate::explain::Observed;
use crate::report::{CheckResult, Operation, OperationKind, Report, Status};
use crate::secret::Secret;

mod check;
mod connect;
pub mod detail;
pub mod explorer;
mod keymap;
mod keys;
mod modals;
mod mouse;
mod msg;
mod plan;
mod run;
mod scenarios;
mod sign_in;
mod summary;
mod target;
mod wizard;

use super::picker::{PickItem, PickKind};
use super::theme::Theme;
use super::token::{HeldToken, SecretInput};
pub use connect::ConnectRow;
pub use explorer::{ExploreEffect, ExploreMsg, Explorer};
pub use keymap::input_request;
pub use modals::export::ExportFormat;
pub use modals::Modal;
pub use msg::{DiagnoseRequest, Effect, Endpoint, Msg};
pub use plan::{PlanLine, PlanView};
pub use run::{claims_of, fix_text, start_run, RequestLine, Run, Step};
pub use scenarios::DemoSetup;
pub use sign_in::begin_sign_in;
pub use target::{resolve_chosen, target_rows, Picker, TargetRow};

/// How long the picker waits after the last keystroke before it searches.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// The screens, in the order an operator meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// `demo` without `--scenario`: pick a simulated tenant.
    Scenarios,
    Connect,
    Target,
    /// The step list of the 22 checks.
    Wizard,
    /// One check, full width (Enter on a step).
    Check,
    Summary,
    /// A plan of additions, one verdict per row (Connect's *Plan file*).
    Plan,
    /// The explorer of the tenant: a search bar and a page per object (`/` on Connect).
    Explorer,
}

impl Screen {
    pub fn name(self) -> &'static str {
        match self {
            Screen::Scenarios => "Scenario",
            Screen::Connect => "Connect",
            Screen::Target => "Target",
            Screen::Wizard => "Checks",
            Screen::Check => "Check",
            Screen::Summary => "Summary",
            Screen::Plan => "Plan",
            Screen::Explorer => "Explore",
        }
    }
}

/// Which of the two tokens a field or sign-in is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The token under diagnosis: the one judged.
    Diagnosed,
    /// The optional reader token, used only for evidence reads.
    Reader,
}

impl Slot {
    pub fn label(self) -> &'static str {
        match self {
            Slot::Diagnosed => "token under diagnosis",
            Slot::Reader => "reader token",
        }
    }
}

/// The status line: the latest thing worth telling the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub error: bool,
    /// The tick it was set at: news fades back to the key hints, errors stay.
    pub at_tick: u64,
}

/// How long (in ticks of the runtime, ~120 ms) a piece of news stays in the status line.
pub const STATUS_TICKS: u64 = 80;

/// How the wizard was started: the options of `tui`/`demo` as plain values.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub cloud: Cloud,
    pub graph_url: Option<String>,
    pub timeout: Option<Duration>,
    pub operation: Operation,
    pub tenant: Option<String>,
    /// `--error-file`, parsed.
    pub observed: Option<Observed>,
    /// Client id, certificate, login URL for the sign-in flows.
    pub sign_in: SignInConfig,
    /// Demo without `--scenario`: open on the scenario picker with these (name, summary) rows.
    pub scenarios: Option<Vec<(String, String)>>,
}

/// The whole state of the wizard.
#[derive(Debug)]
pub struct App {
    pub screen: Screen,
    pub modal: Option<Modal>,
    pub help: bool,
    pub quit: bool,
    pub theme: Theme,
    /// Wall-clock unix time of the last tick (the countdown is computed from it).
    pub now: i64,
    /// Tick counter: the spinner frame.
    pub tick: u64,
    pub status: Option<StatusLine>,
    /// Counter behind every generation number (runs, searches, sign-ins).
    gen: u64,
    pub sign_in_gen: u64,

    pub scenarios: Vec<(String, String)>,
    /// The highlighted row among the scenarios the filter lets through.
    pub scenario_cursor: usize,
    /// What the operator typed on the Scenario screen: rows whose name or summary hold every word.
    pub scenario_filter: String,
    /// The running demo scenario's name.
    pub demo: Option<String>,
    /// The target the demo scenario set: the header names the scenario only while it is the one
    /// diagnosed.
    pub demo_target: Option<Operation>,

    pub cloud: Cloud,
    pub graph_url: Option<String>,
    pub timeout: Duration,
    /// The allowed Graph endpoint; `None` when the cloud and URL given are refused, so no token
    /// can be sent.
    pub endpoint: Option<Endpoint>,
    pub sign_in: SignInConfig,

    pub token: Option<HeldToken>,
    pub reader: Option<HeldToken>,
    pub connect_focus: usize,
    /// The Connect row being edited, with its text field.
    pub connect_editing: Option<ConnectRow>,
    pub connect_input: SecretInput,
    pub observed: Option<Observed>,
    /// The generic request of "Paste a failing request", diagnosed instead of the target's
    /// operation (cleared when the operator goes on to the Target screen).
    pub request: Option<Operation>,

    pub operation: OperationKind,
    pub target_focus: usize,
    pub pickers: [Picker; 3],
    pub tenant_input: Input,
    pub tenant_editing: bool,

    pub run: Run,
    pub wizard_cursor: usize,
    /// The operator moved in the step list: stop following the first failure.
    pub user_moved: bool,
    pub detail_scroll: u16,
    pub summary_cursor: usize,
    /// Where Esc from the Check screen returns.
    pub check_from: Screen,
    /// The terminal's size (columns, rows), as last reported.
    pub viewport: (u16, u16),
    /// Recent diagnoses, newest first (the runtime loads them from the history file).
    pub history: Vec<crate::tui::history::Entry>,
    /// Whether finished live runs are remembered (the runtime found a place for the file).
    pub history_on: bool,
    /// The plan loaded from Connect's *Plan file* row, and its rows' verdicts so far.
    pub plan: Option<plan::PlanView>,
    /// The Checks screen shows a plan row: Esc goes back to the plan.
    pub from_plan: bool,
    /// The explorer's search, pages and breadcrumb.
    pub explorer: Explorer,
}

impl App {
    pub fn new(config: Config, theme: Theme, now: i64) -> App {
        let timeout = config.timeout.unwrap_or(Duration::from_secs(10));
        let mut pickers = [
            Picker::new(PickKind::Group),
            Picker::new(PickKind::AdministrativeUnit),
            Picker::new(PickKind::Member),
        ];
        let op = &config.operation;
        for (kind, id) in [
            (PickKind::Group, &op.group),
            (PickKind::AdministrativeUnit, &op.au),
            (PickKind::Member, &op.member),
        ] {
            if let Some(id) = id {
                pickers[kind.index()].chosen = Some(PickItem::bare(id));
            }
        }
        let mut app = App {
            screen: if config.scenarios.is_some() {
                Screen::Scenarios
            } else {
                Screen::Connect
            },
            modal: None,
            help: false,
            quit: false,
            theme,
            now,
            tick: 0,
            status: None,
            gen: 0,
            sign_in_gen: 0,
            scenarios: config.scenarios.unwrap_or_default(),
            scenario_cursor: 0,
            scenario_filter: String::new(),
            demo: None,
            demo_target: None,
            cloud: config.cloud,
            graph_url: config.graph_url,
            timeout,
            endpoint: None,
            sign_in: config.sign_in,
            token: None,
            reader: None,
            connect_focus: 1,
            connect_editing: None,
            connect_input: SecretInput::default(),
            observed: config.observed,
            request: None,
            operation: op.kind,
            target_focus: 0,
            pickers,
            tenant_input: Input::new(config.tenant.unwrap_or_default()),
            tenant_editing: false,
            run: Run::default(),
            wizard_cursor: 0,
            user_moved: false,
            detail_scroll: 0,
            summary_cursor: 0,
            check_from: Screen::Wizard,
            viewport: (80, 24),
            history: Vec::new(),
            history_on: false,
            plan: None,
            from_plan: false,
            explorer: Explorer::default(),
        };
        // The runtime reads the first endpoint from the model; later changes come as effects.
        let _ = app.check_endpoint();
        app
    }

    fn next_gen(&mut self) -> u64 {
        self.gen += 1;
        self.gen
    }

    /// Checks the Graph endpoint again after the cloud or base URL changed, and asks the
    /// runtime to use it. A refused URL is reported and leaves no endpoint, so no token can be
    /// sent to it.
    pub fn check_endpoint(&mut self) -> Vec<Effect> {
        let url = self.graph_url.as_deref().unwrap_or(self.cloud.graph_host());
        match crate::auth::cloud::check_destination(self.cloud, url) {
            Ok(base) => {
                let endpoint = Endpoint {
                    cloud: self.cloud,
                    base,
                    timeout: self.timeout,
                };
                self.endpoint = Some(endpoint.clone());
                vec![Effect::UseGraph(endpoint)]
            }
            Err(e) => {
                self.endpoint = None;
                self.error(format!("{e}"));
                Vec::new()
            }
        }
    }

    /// Whether something on screen moves with the clock: a spinner (a run, a search, a sign-in
    /// waiting on the token endpoint) or a status line that has yet to fade. The runtime ticks
    /// fast only then; an idle wizard costs nothing.
    pub fn animating(&self) -> bool {
        self.run.running
            || self
                .plan
                .as_ref()
                .is_some_and(|p| !p.done && self.screen == Screen::Plan)
            || self.pickers.iter().any(|p| p.searching)
            || (self.screen == Screen::Explorer && self.explorer.busy())
            || matches!(self.modal, Some(Modal::SignInWait { .. }))
            || self
                .status
                .as_ref()
                .is_some_and(|s| !s.error && self.tick.saturating_sub(s.at_tick) < STATUS_TICKS)
    }

    /// The status line while it is news (errors stay until replaced).
    pub fn fresh_status(&self) -> Option<&StatusLine> {
        self.status
            .as_ref()
            .filter(|s| s.error || self.tick.saturating_sub(s.at_tick) < STATUS_TICKS)
    }

    /// The status text as the footer shows it at `width` columns: word-wrapped, at most two rows
    /// (the second cut at a word with `…`), above the key hints that always stay.
    pub fn status_rows(&self, width: u16) -> Vec<String> {
        let Some(s) = self.fresh_status() else {
            return Vec::new();
        };
        let w = (width as usize).saturating_sub(1).max(1);
        let mut rows = super::text::wrap_words(&s.text, w);
        if rows.len() > 2 {
            let rest = rows[1..].join(" ");
            rows.truncate(1);
            rows.push(super::text::fit_words(&rest, w));
        }
        rows
    }

    /// Rows under the screen: the status (0-2) and the key hints (1).
    pub fn footer_height(&self) -> u16 {
        1 + self.status_rows(self.viewport.0).len() as u16
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            error: false,
            at_tick: self.tick,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: crate::secret::redact(&text.into()),
            error: true,
            at_tick: self.tick,
        });
    }

    pub fn set_token(&mut self, slot: Slot, secret: Secret, source: impl Into<String>) {
        let held = HeldToken::new(secret, source);
        match slot {
            Slot::Diagnosed => self.token = Some(held),
            Slot::Reader => self.reader = Some(held),
        }
    }

    /// The origin (`scheme://host[:port]`) of the allowed Graph endpoint, if any.
    pub fn endpoint_origin(&self) -> Option<String> {
        self.endpoint
            .as_ref()
            .map(|e| e.base.origin().ascii_serialization())
    }

    pub fn picker(&self, kind: PickKind) -> &Picker {
        &self.pickers[kind.index()]
    }

    fn picker_mut(&mut self, kind: PickKind) -> &mut Picker {
        &mut self.pickers[kind.index()]
    }

    /// The operation and target as chosen so far.
    pub fn operation(&self) -> Operation {
        if let Some(r) = &self.request {
            return r.clone();
        }
        let id = |k: PickKind| self.picker(k).chosen.as_ref().map(|c| c.id.clone());
        let needs = target_rows(self.operation);
        let wanted = |k: PickKind| needs.contains(&TargetRow::Pick(k));
        Operation {
            kind: self.operation,
            group: id(PickKind::Group).filter(|_| wanted(PickKind::Group)),
            member: id(PickKind::Member).filter(|_| wanted(PickKind::Member)),
            au: id(PickKind::AdministrativeUnit).filter(|_| wanted(PickKind::AdministrativeUnit)),
            request: None,
        }
    }

    /// What is still missing before the checks can run, in words.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.token.is_none() {
            missing.push("a token to diagnose");
        }
        for row in target_rows(self.operation) {
            if let TargetRow::Pick(k) = row {
                if self.picker(k).chosen.is_none() {
                    missing.push(match k {
                        PickKind::Group => "the group",
                        PickKind::AdministrativeUnit => "the administrative unit",
                        PickKind::Member => "the member",
                    });
                }
            }
        }
        missing
    }

    /// The token searches and evidence reads use: the reader token when there is one.
    fn search_token(&self) -> Option<Secret> {
        self.reader
            .as_ref()
            .or(self.token.as_ref())
            .map(|t| t.secret.clone())
    }

    fn diagnose_request(&self) -> Result<DiagnoseRequest, String> {
        let token = self
            .token
            .as_ref()
            .ok_or("give a token to diagnose on the Connect screen first")?;
        if self.endpoint.is_none() {
            return Err("no Graph endpoint is allowed: check the cloud and --graph-url".into());
        }
        let tenant = self.tenant_input.value().trim();
        Ok(DiagnoseRequest {
            operation: self.operation(),
            token: token.secret.clone(),
            reader_token: self.reader.as_ref().map(|r| r.secret.clone()),
            expected_tenant: (!tenant.is_empty()).then(|| tenant.to_string()),
            cloud: self.cloud,
            observed: self.observed.clone(),
        })
    }

    /// The report as it stands: the finished one, or the decided checks so far.
    pub fn current_report(&self) -> Option<Report> {
        if let Some(r) = &self.run.report {
            return Some(r.clone());
        }
        if self.run.decided() == 0 {
            return None;
        }
        let checks = self
            .run
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Done(r) => Some(r.clone()),
                _ => None,
            })
            .collect();
        let mut r = crate::checks::report(self.operation(), checks);
        r.source = Some("tui".into());
        Some(r)
    }

    /// The scenarios the Scenario screen's filter lets through, as indices into `scenarios`.
    pub fn visible_scenarios(&self) -> Vec<usize> {
        let words: Vec<String> = self
            .scenario_filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        (0..self.scenarios.len())
            .filter(|i| {
                let (name, summary) = &self.scenarios[*i];
                let hay = format!("{} {}", name.to_lowercase(), summary.to_lowercase());
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect()
    }

    /// The demo scenario's name while its own target is the one diagnosed.
    pub fn demo_label(&self) -> Option<String> {
        let name = self.demo.as_ref()?;
        match &self.demo_target {
            Some(t) if *t != self.operation() => Some("demo tenant".to_string()),
            _ => Some(format!("demo: {name}")),
        }
    }

    /// True when a text field takes the keys (so `q`, `j`, `?` are text, not commands).
    pub fn editing(&self) -> bool {
        self.connect_editing.is_some()
            || self.tenant_editing
            || (self.screen == Screen::Scenarios && self.modal.is_none())
            || self.pickers.iter().any(|p| p.open)
            || (self.screen == Screen::Explorer && self.explorer.editing && self.modal.is_none())
            || matches!(
                self.modal,
                Some(Modal::PasteError { .. })
                    | Some(Modal::Export { .. })
                    | Some(Modal::SecretPrompt { .. })
            )
    }

    /// The selected check's result in the wizard.
    pub fn selected_result(&self) -> Option<&CheckResult> {
        self.run.result(self.wizard_cursor)
    }

    /// Summary rows: every fail, then every warning, in catalogue order; when nothing failed,
    /// the undecided checks too, since they are what stands between the operator and a verdict.
    pub fn summary_rows(&self) -> Vec<usize> {
        let by = |s: Status| {
            (0..self.run.steps.len())
                .filter(move |i| self.run.result(*i).is_some_and(|r| r.status == s))
                .collect::<Vec<_>>()
        };
        let mut rows = by(Status::Fail);
        let failed = !rows.is_empty();
        rows.extend(by(Status::Warn));
        if !failed {
            rows.extend(by(Status::Unknown));
        }
        rows
    }
}

/// The one function that changes the model.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => keys::on_key(app, key),
        Msg::Paste(text) => keys::on_paste(app, &text),
        Msg::Resize { width, height } => {
            app.viewport = (width, height);
            app.detail_scroll = app.detail_scroll.min(detail::max_scroll(app));
            Vec::new()
        }
        Msg::Tick { now } => {
            app.now = now;
            app.tick = app.tick.wrapping_add(1);
            Vec::new()
        }
        Msg::Interrupt => quit(app),
        Msg::Progress { gen, progress } => {
            if gen == app.run.gen {
                run::on_progress(app, progress);
            }
            Vec::new()
        }
        Msg::Finished { gen, report } => {
            if gen != app.run.gen {
                return Vec::new();
            }
            run::on_finished(app, *report);
            remember(app)
        }
        Msg::PlanLoaded { gen, result } => {
            plan::on_loaded(app, gen, result);
            Vec::new()
        }
        Msg::PlanRow { gen, index, report } => {
            plan::on_row(app, gen, index, report);
            Vec::new()
        }
        Msg::PlanDone { gen } => {
            plan::on_done(app, gen);
            Vec::new()
        }
        Msg::HistoryNotSaved(why) => {
            app.info(format!(
                "This diagnosis was not added to the history: {why}"
            ));
            Vec::new()
        }
        Msg::SearchDone { kind, gen, result } => target::on_search_done(app, kind, gen, result),
        Msg::DeviceCode { gen, prompt } => sign_in::on_device_code(app, gen, prompt),
        Msg::SignedIn {
            gen,
            slot,
            method,
            result,
        } => sign_in::on_signed_in(app, gen, slot, method, result),
        Msg::TokenFileRead { slot, path, result } => {
            connect::on_token_file(app, slot, path, result)
        }
        Msg::DemoReady(setup) => scenarios::on_demo_ready(app, *setup),
        Msg::TaskFailed(what) => {
            app.modal = Some(Modal::Error(format!(
                "Internal error in {what} (a bug, written to the log file); the rest of the wizard still works."
            )));
            Vec::new()
        }
        Msg::GraphUnavailable(e) => {
            app.endpoint = None;
            app.error(e);
            Vec::new()
        }
        Msg::DemoFailed(e) => {
            app.modal = Some(Modal::Error(format!(
                "The simulated tenant did not start: {e}"
            )));
            Vec::new()
        }
        Msg::Exported(result) => modals::export::on_exported(app, result),
        Msg::CopiedToFile(result) => {
            match result {
                Ok(path) => app.info(format!(
                    "Copied (OSC 52); if your terminal ignores that, it is in {path}"
                )),
                Err(e) => app.error(format!(
                    "Copied by OSC 52 only: the fallback file failed ({e})"
                )),
            }
            Vec::new()
        }
        Msg::Mouse(m) => mouse::on_mouse(app, m),
        Msg::TryDone(result) => modals::try_result::on_try_done(app, result),
        Msg::Explore(m) => explorer::on_msg(app, m),
    }
}

fn quit(app: &mut App) -> Vec<Effect> {
    app.quit = true;
    vec![
        Effect::CancelDiagnosis,
        Effect::CancelSearches,
        Effect::CancelSignIn,
        Effect::CancelTry,
        Effect::Explore(ExploreEffect::CancelAll),
        Effect::Quit,
    ]
}

#[cfg(test)]
pub(crate) mod tests;

/// A live run finished: it goes first in the history (and, through the runtime, in its file).
/// A recorded session opened offline has no endpoint and is not remembered.
fn remember(app: &mut App) -> Vec<Effect> {
    let (true, Some(endpoint), Some(report)) = (app.history_on, &app.endpoint, &app.run.report)
    else {
        return Vec::new();
    };
    let place = match &app.demo {
        Some(name) => format!("demo: {name}"),
        None => endpoint.base.host_str().unwrap_or("graph").to_string(),
    };
    let entry = crate::tui::history::Entry::of(report, &place);
    app.history = crate::tui::history::with(&app.history, entry.clone());
    vec![Effect::Remember(Box::new(entry))]
}
