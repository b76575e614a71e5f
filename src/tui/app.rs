//! The wizard's model ([`App`]), what can happen to it ([`Msg`]), what it asks the runtime to do
//! ([`Effect`]) and [`update`], the one function that changes it (the Elm architecture).
//!
//! `update` is pure: no I/O, no clock, no terminal. Time arrives as [`Msg::Tick`], results of
//! background work as messages, and every request, file write or clipboard copy leaves as an
//! [`Effect`]. That is what lets the tests drive the whole wizard with plain values.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

use crate::auth::sources::SignIn;
use crate::auth::sources::{DeviceCodePrompt, SignInConfig};
use crate::auth::Cloud;
use crate::engine::Progress;
use crate::explain::Observed;
use crate::graph::directory::Write;
use crate::report::{CheckId, CheckResult, Operation, OperationKind, Report, Status};
use crate::secret::Secret;

pub mod detail;
mod keys;

use super::picker::{PickItem, PickKind};
use super::theme::Theme;
use super::token::{HeldToken, SecretInput};
use detail::max_scroll;
use keys::{on_key, on_paste};

/// How long the picker waits after the last keystroke before it searches.
pub const DEBOUNCE: Duration = Duration::from_millis(300);
/// How many live requests the wizard remembers (the engine makes a few dozen per run).
const MAX_REQUESTS: usize = 500;

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

/// The rows of the Connect screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectRow {
    Cloud,
    Token,
    TokenFile,
    Reader,
    SignIn,
    PasteError,
    Continue,
}

impl ConnectRow {
    pub const ALL: [ConnectRow; 7] = [
        ConnectRow::Cloud,
        ConnectRow::Token,
        ConnectRow::TokenFile,
        ConnectRow::Reader,
        ConnectRow::SignIn,
        ConnectRow::PasteError,
        ConnectRow::Continue,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ConnectRow::Cloud => "Cloud",
            ConnectRow::Token => "Token",
            ConnectRow::TokenFile => "Token file",
            ConnectRow::Reader => "Reader token",
            ConnectRow::SignIn => "Sign in",
            ConnectRow::PasteError => "Paste the error",
            ConnectRow::Continue => "Continue",
        }
    }

    /// The one-line help under the form.
    pub fn help(self) -> &'static str {
        match self {
            ConnectRow::Cloud => "Enter cycles: global, usgov, usgov-dod, china (decides where a token may be sent).",
            ConnectRow::Token => "Enter, then paste the access token under diagnosis (shown masked). Also --token-file or GRAPH_DOCTOR_TOKEN.",
            ConnectRow::TokenFile => "Enter, type the path of a file holding the token, Enter to load it.",
            ConnectRow::Reader => "Optional: an administrator's token used only to read evidence the diagnosed token cannot.",
            ConnectRow::SignIn => "Sign in to get a token: device code, client secret, certificate or the Azure CLI.",
            ConnectRow::PasteError => "Paste the failing response you saw: explained at once, then checked live.",
            ConnectRow::Continue => "Go on to choose the operation, group, administrative unit and member.",
        }
    }
}

/// The rows of the Target screen (which pickers show depends on the operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetRow {
    Operation,
    Pick(PickKind),
    Tenant,
    Run,
}

/// The rows for an operation, top to bottom.
pub fn target_rows(op: OperationKind) -> Vec<TargetRow> {
    let mut rows = vec![TargetRow::Operation];
    match op {
        OperationKind::AddGroupMember => {
            rows.push(TargetRow::Pick(PickKind::Group));
            rows.push(TargetRow::Pick(PickKind::Member));
        }
        OperationKind::AddAuMember => {
            rows.push(TargetRow::Pick(PickKind::AdministrativeUnit));
            rows.push(TargetRow::Pick(PickKind::Member));
        }
        OperationKind::CreateAuGroup => rows.push(TargetRow::Pick(PickKind::AdministrativeUnit)),
    }
    rows.push(TargetRow::Tenant);
    rows.push(TargetRow::Run);
    rows
}

/// A combobox: a query, live results, a highlighted row, and the object chosen.
#[derive(Debug, Clone)]
pub struct Picker {
    pub kind: PickKind,
    pub input: Input,
    /// True while the operator types a query and browses results.
    pub open: bool,
    pub results: Vec<PickItem>,
    pub highlight: usize,
    pub chosen: Option<PickItem>,
    /// A search is in flight (debounce included).
    pub searching: bool,
    /// The generation of the last search asked for: older answers are dropped.
    pub gen: u64,
    pub error: Option<String>,
}

impl Picker {
    fn new(kind: PickKind) -> Picker {
        Picker {
            kind,
            input: Input::default(),
            open: false,
            results: Vec::new(),
            highlight: 0,
            chosen: None,
            searching: false,
            gen: 0,
            error: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    Json,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::Json => "json",
        }
    }
}

/// What sits on top of the screen and takes the keys.
#[derive(Debug, Clone)]
pub enum Modal {
    /// An error, in words that say what to do. Any key closes it.
    Error(String),
    /// Choose a sign-in method for a slot (Tab switches the slot).
    SignInChoose {
        slot: Slot,
        cursor: usize,
        /// A claims challenge to answer (decoded JSON), when re-signing in for `ca.claims`.
        claims: Option<String>,
    },
    /// A sign-in in flight: the device code, once issued, shown large.
    SignInWait {
        slot: Slot,
        method: SignIn,
        prompt: Option<DeviceCodePrompt>,
    },
    /// A multi-line paste area for the error the operator saw.
    PasteError {
        text: String,
    },
    /// What `explain` made of the pasted error.
    Explained {
        report: Box<Report>,
        /// The operation and ids the pasted request names, applied on Enter.
        hint: Option<Operation>,
    },
    Export {
        input: Input,
        format: ExportFormat,
    },
    /// "Try it": says what will change in the tenant, waits for `Y`.
    ConfirmTry {
        method: String,
        path: String,
    },
    /// The client secret for a client-credentials sign-in, typed masked.
    SecretPrompt {
        slot: Slot,
        input: SecretInput,
    },
    /// Graph's answer to the real write, classified.
    TryResult {
        status: Option<u16>,
        text: String,
        findings: Vec<CheckResult>,
    },
}

/// A step of the wizard.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Pending,
    Running,
    Done(CheckResult),
}

/// A live request, as the engine reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    pub request: String,
    pub status: Option<u16>,
    pub latency_ms: u64,
}

/// One diagnosis run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Generation: progress from an older (cancelled) run is dropped.
    pub gen: u64,
    pub running: bool,
    pub steps: Vec<Step>,
    pub requests: Vec<RequestLine>,
    pub report: Option<Report>,
}

impl Default for Run {
    fn default() -> Self {
        Run {
            gen: 0,
            running: false,
            steps: vec![Step::Pending; CheckId::ALL.len()],
            requests: Vec::new(),
            report: None,
        }
    }
}

impl Run {
    pub fn result(&self, i: usize) -> Option<&CheckResult> {
        match self.steps.get(i) {
            Some(Step::Done(r)) => Some(r),
            _ => None,
        }
    }

    /// Index of the first failing check decided so far, in catalogue order.
    pub fn first_failing(&self) -> Option<usize> {
        (0..self.steps.len()).find(|i| self.result(*i).is_some_and(|r| r.status == Status::Fail))
    }

    pub fn decided(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::Done(_)))
            .count()
    }
}

/// The simulated tenant the demo started, as the wizard needs it.
#[derive(Debug, Clone)]
pub struct DemoSetup {
    pub scenario: String,
    pub base_url: String,
    pub token: Option<Secret>,
    pub reader: Option<Secret>,
    pub target: Operation,
}

/// Everything that can happen. Every variant is handled by [`update`]. `Debug` is written by
/// hand: a paste or a token file's content may be a token.
pub enum Msg {
    /// A key press (releases and repeats are filtered out by the runtime).
    Key(KeyEvent),
    /// A bracketed paste: a token or an error response, in one piece.
    Paste(String),
    /// The terminal's size, at start and on every resize: the next frame is laid out anew, and
    /// scrolling is bounded by what fits.
    Resize {
        width: u16,
        height: u16,
    },
    /// A timer tick (spinner frames, the expiry countdown), with the wall-clock unix time.
    Tick {
        now: i64,
    },
    /// Ctrl-C or SIGTERM from outside the key stream.
    Interrupt,
    /// The engine reported progress for run `gen`.
    Progress {
        gen: u64,
        progress: Progress,
    },
    /// Run `gen` finished.
    Finished {
        gen: u64,
        report: Box<Report>,
    },
    /// A picker search finished.
    SearchDone {
        kind: PickKind,
        gen: u64,
        result: Result<Vec<PickItem>, String>,
    },
    /// A device code was issued for sign-in `gen`.
    DeviceCode {
        gen: u64,
        prompt: DeviceCodePrompt,
    },
    /// Sign-in `gen` finished.
    SignedIn {
        gen: u64,
        slot: Slot,
        method: SignIn,
        result: Result<Secret, String>,
    },
    /// A token file was read (or not).
    TokenFileRead {
        slot: Slot,
        path: String,
        result: Result<String, String>,
    },
    /// The simulated tenant is up.
    DemoReady(Box<DemoSetup>),
    DemoFailed(String),
    /// The export was written (the path) or not (why).
    Exported(Result<String, String>),
    /// The "Try it" write came back: status, headers and body as raw HTTP text, or why not.
    TryDone(Result<(u16, String), String>),
    /// A background task (named) panicked: a bug, shown in a modal while the wizard goes on.
    TaskFailed(String),
    /// The runtime could not build a Graph client for the endpoint: no request can be sent.
    GraphUnavailable(String),
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Key(k) => write!(f, "Key({k:?})"),
            Msg::Paste(s) => write!(f, "Paste([{} chars])", s.chars().count()),
            Msg::Resize { width, height } => write!(f, "Resize({width}x{height})"),
            Msg::Tick { now } => write!(f, "Tick({now})"),
            Msg::Interrupt => f.write_str("Interrupt"),
            Msg::Progress { gen, progress } => write!(f, "Progress({gen}, {progress:?})"),
            Msg::Finished { gen, report } => {
                write!(f, "Finished({gen}, {})", report.verdict.as_str())
            }
            Msg::SearchDone { kind, gen, result } => write!(
                f,
                "SearchDone({kind:?}, {gen}, {})",
                result.as_ref().map(|r| r.len()).unwrap_or_default()
            ),
            Msg::DeviceCode { gen, .. } => write!(f, "DeviceCode({gen})"),
            Msg::SignedIn {
                gen,
                slot,
                method,
                result,
            } => {
                write!(
                    f,
                    "SignedIn({gen}, {slot:?}, {method:?}, ok={})",
                    result.is_ok()
                )
            }
            Msg::TokenFileRead { slot, path, result } => {
                write!(f, "TokenFileRead({slot:?}, {path}, ok={})", result.is_ok())
            }
            Msg::DemoReady(d) => write!(f, "DemoReady({})", d.scenario),
            Msg::DemoFailed(e) => write!(f, "DemoFailed({e})"),
            Msg::Exported(r) => write!(f, "Exported({r:?})"),
            Msg::TryDone(r) => write!(f, "TryDone(ok={})", r.is_ok()),
            Msg::TaskFailed(what) => write!(f, "TaskFailed({what})"),
            Msg::GraphUnavailable(e) => write!(f, "GraphUnavailable({e})"),
        }
    }
}

/// What `update` asks the runtime to do. The runtime owns every task and its cancellation.
#[derive(Debug)]
pub enum Effect {
    Quit,
    /// Send Graph requests to this endpoint from now on (the model checked it against the host
    /// allow-list; the runtime builds the one client for it).
    UseGraph(Endpoint),
    /// Start run `gen` (cancelling any run in flight).
    Diagnose {
        gen: u64,
        input: Box<DiagnoseRequest>,
    },
    CancelDiagnosis,
    /// Search after [`DEBOUNCE`], replacing (aborting) this picker's previous search.
    Search {
        kind: PickKind,
        gen: u64,
        query: String,
        token: Secret,
    },
    /// Abort every search in flight (leaving the Target screen).
    CancelSearches,
    SignIn {
        gen: u64,
        slot: Slot,
        method: SignIn,
        config: Box<SignInConfig>,
    },
    CancelSignIn,
    ReadTokenFile {
        slot: Slot,
        path: String,
    },
    /// Start the named scenario's simulated tenant (stopping the previous one).
    StartDemo(String),
    /// Write `contents` (already checked to hold no token) to `path`.
    Export {
        path: String,
        contents: String,
    },
    /// Put `text` on the clipboard with OSC 52.
    Copy(String),
    /// The real write, after the operator confirmed it.
    TryOperation {
        write: Write,
        token: Secret,
    },
    CancelTry,
}

/// Where Graph requests go: the cloud's Graph root or an allowed `--graph-url`, already checked
/// against the host allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub cloud: Cloud,
    /// The Graph root, e.g. `https://graph.microsoft.com/`.
    pub base: url::Url,
    pub timeout: Duration,
}

/// A diagnosis to run: the engine's input but the client, which the runtime owns.
#[derive(Debug, Clone)]
pub struct DiagnoseRequest {
    pub operation: Operation,
    pub token: Secret,
    pub reader_token: Option<Secret>,
    pub expected_tenant: Option<String>,
    pub cloud: Cloud,
    pub observed: Option<Observed>,
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
    pub scenario_cursor: usize,
    /// The running demo scenario's name.
    pub demo: Option<String>,

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
            demo: None,
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

    pub fn picker(&self, kind: PickKind) -> &Picker {
        &self.pickers[kind.index()]
    }

    fn picker_mut(&mut self, kind: PickKind) -> &mut Picker {
        &mut self.pickers[kind.index()]
    }

    /// The operation and target as chosen so far.
    pub fn operation(&self) -> Operation {
        let id = |k: PickKind| self.picker(k).chosen.as_ref().map(|c| c.id.clone());
        let needs = target_rows(self.operation);
        let wanted = |k: PickKind| needs.contains(&TargetRow::Pick(k));
        Operation {
            kind: self.operation,
            group: id(PickKind::Group).filter(|_| wanted(PickKind::Group)),
            member: id(PickKind::Member).filter(|_| wanted(PickKind::Member)),
            au: id(PickKind::AdministrativeUnit).filter(|_| wanted(PickKind::AdministrativeUnit)),
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
        let mut r = Report::from_checks(self.operation(), checks);
        r.source = Some("tui".into());
        Some(r)
    }

    /// True when a text field takes the keys (so `q`, `j`, `?` are text, not commands).
    pub fn editing(&self) -> bool {
        self.connect_editing.is_some()
            || self.tenant_editing
            || self.pickers.iter().any(|p| p.open)
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

/// Maps a key to a text-field edit (tui-input's requests), for every single-line field.
pub fn input_request(key: &KeyEvent) -> Option<InputRequest> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('u') if ctrl => InputRequest::DeleteLine,
        KeyCode::Char('w') if ctrl => InputRequest::DeletePrevWord,
        KeyCode::Char('a') if ctrl => InputRequest::GoToStart,
        KeyCode::Char('e') if ctrl => InputRequest::GoToEnd,
        KeyCode::Char(_) if ctrl => return None,
        KeyCode::Char(c) => InputRequest::InsertChar(c),
        KeyCode::Backspace => InputRequest::DeletePrevChar,
        KeyCode::Delete => InputRequest::DeleteNextChar,
        KeyCode::Left => InputRequest::GoToPrevChar,
        KeyCode::Right => InputRequest::GoToNextChar,
        KeyCode::Home => InputRequest::GoToStart,
        KeyCode::End => InputRequest::GoToEnd,
        _ => return None,
    })
}

/// The one function that changes the model.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Paste(text) => on_paste(app, &text),
        Msg::Resize { width, height } => {
            app.viewport = (width, height);
            app.detail_scroll = app.detail_scroll.min(max_scroll(app));
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
                on_progress(app, progress);
            }
            Vec::new()
        }
        Msg::Finished { gen, report } => {
            if gen == app.run.gen {
                on_finished(app, *report);
            }
            Vec::new()
        }
        Msg::SearchDone { kind, gen, result } => {
            let p = app.picker_mut(kind);
            if gen == p.gen && !p.open {
                // A lookup of a preset id: give the chosen object its name and badges.
                p.searching = false;
                if let (Ok(items), Some(chosen)) = (&result, &p.chosen) {
                    if let Some(found) = items.iter().find(|i| i.id == chosen.id) {
                        p.chosen = Some(found.clone());
                    }
                }
            } else if gen == p.gen {
                p.searching = false;
                match result {
                    Ok(items) => {
                        p.results = items;
                        p.highlight = 0;
                        p.error = None;
                    }
                    Err(e) => {
                        p.results.clear();
                        p.error = Some(crate::secret::redact(&e));
                    }
                }
            }
            Vec::new()
        }
        Msg::DeviceCode { gen, prompt } => {
            if gen == app.sign_in_gen {
                if let Some(Modal::SignInWait { prompt: p, .. }) = &mut app.modal {
                    *p = Some(prompt);
                }
            }
            Vec::new()
        }
        Msg::SignedIn {
            gen,
            slot,
            method,
            result,
        } => {
            if gen != app.sign_in_gen {
                return Vec::new();
            }
            if matches!(app.modal, Some(Modal::SignInWait { .. })) {
                app.modal = None;
            }
            match result {
                Ok(secret) => {
                    let source = format!("{} sign-in", method_name(method));
                    app.set_token(slot, secret, source);
                    app.info(format!("Signed in: the {} is ready.", slot.label()));
                    let on_run =
                        matches!(app.screen, Screen::Wizard | Screen::Check | Screen::Summary);
                    // A fresh token re-runs the checks; on Connect with a complete target (the
                    // command line named it), it opens them, as a token file would.
                    if slot == Slot::Diagnosed && (on_run || app.missing().is_empty()) {
                        return start_run(app);
                    }
                }
                Err(e) => app.modal = Some(Modal::Error(format!("Sign-in failed: {e}"))),
            }
            Vec::new()
        }
        Msg::TokenFileRead { slot, path, result } => {
            match result {
                Ok(mut text) => {
                    let secret = Secret::new(text.trim().to_string());
                    // Only the Secret keeps the token: wipe the plain copy read from the file.
                    zeroize::Zeroize::zeroize(&mut text);
                    if secret.is_empty() {
                        app.error(format!("{path} is empty: it should hold one access token"));
                    } else {
                        app.set_token(slot, secret, format!("file {path}"));
                        app.info(format!("Loaded the {} from {path}.", slot.label()));
                    }
                }
                Err(e) => app.error(format!("Cannot read {path}: {e}")),
            }
            Vec::new()
        }
        Msg::DemoReady(setup) => on_demo_ready(app, *setup),
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
        Msg::Exported(result) => {
            match result {
                Ok(path) => app.info(format!("Report written to {path} (it holds no token).")),
                Err(e) => app.modal = Some(Modal::Error(format!("Export failed: {e}"))),
            }
            Vec::new()
        }
        Msg::TryDone(result) => {
            app.modal = Some(match result {
                Ok((status, raw)) => {
                    let observed = crate::explain::parse(&raw);
                    let findings = crate::explain::findings(&observed)
                        .into_iter()
                        .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
                        .collect();
                    Modal::TryResult {
                        status: Some(status),
                        text: crate::secret::redact(&observed.body),
                        findings,
                    }
                }
                Err(e) => Modal::TryResult {
                    status: None,
                    text: e,
                    findings: Vec::new(),
                },
            });
            Vec::new()
        }
    }
}

fn method_name(m: SignIn) -> &'static str {
    match m {
        SignIn::DeviceCode => "device code",
        SignIn::ClientSecret => "client secret",
        SignIn::ClientCertificate => "certificate",
        SignIn::AzureCli => "Azure CLI",
    }
}

fn quit(app: &mut App) -> Vec<Effect> {
    app.quit = true;
    vec![
        Effect::CancelDiagnosis,
        Effect::CancelSearches,
        Effect::CancelSignIn,
        Effect::CancelTry,
        Effect::Quit,
    ]
}

fn on_progress(app: &mut App, progress: Progress) {
    match progress {
        Progress::Running(id) => {
            if let Some(i) = CheckId::ALL.iter().position(|c| *c == id) {
                if app.run.steps[i] == Step::Pending {
                    app.run.steps[i] = Step::Running;
                }
            }
        }
        Progress::Request {
            request,
            status,
            latency_ms,
        } => {
            if app.run.requests.len() < MAX_REQUESTS {
                app.run.requests.push(RequestLine {
                    request: crate::secret::redact(&request),
                    status,
                    latency_ms,
                });
            }
        }
        Progress::Decided(result) => {
            if let Some(i) = CheckId::ALL.iter().position(|c| *c == result.id) {
                app.run.steps[i] = Step::Done(result);
            }
            follow_first_failure(app);
        }
    }
}

/// Focuses the first failing check, until the operator moves on their own.
fn follow_first_failure(app: &mut App) {
    if app.user_moved {
        return;
    }
    if let Some(i) = app.run.first_failing() {
        if app.wizard_cursor != i {
            app.wizard_cursor = i;
            app.detail_scroll = 0;
        }
    }
}

fn on_finished(app: &mut App, mut report: Report) {
    report.source = Some("tui".into());
    for (i, id) in CheckId::ALL.iter().enumerate() {
        if let Some(r) = report.check(*id) {
            app.run.steps[i] = Step::Done(r.clone());
        }
    }
    app.run.running = false;
    let verdict = report.verdict;
    let cause = report.primary_cause;
    app.run.report = Some(report);
    follow_first_failure(app);
    match cause {
        Some(c) => app.info(format!(
            "Done: verdict {} — primary cause {c}. Enter opens it, s shows the summary.",
            verdict.as_str()
        )),
        None => app.info(format!(
            "Done: verdict {}. s shows the summary.",
            verdict.as_str()
        )),
    }
}

fn on_demo_ready(app: &mut App, setup: DemoSetup) -> Vec<Effect> {
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

/// Starts a diagnosis run and opens the wizard on it.
pub fn start_run(app: &mut App) -> Vec<Effect> {
    let input = match app.diagnose_request() {
        Ok(i) => i,
        Err(e) => {
            app.error(e);
            return Vec::new();
        }
    };
    let gen = app.next_gen();
    app.run = Run {
        gen,
        running: true,
        ..Run::default()
    };
    app.user_moved = false;
    app.wizard_cursor = 0;
    app.detail_scroll = 0;
    app.summary_cursor = 0;
    if !matches!(app.screen, Screen::Wizard | Screen::Check | Screen::Summary) {
        app.screen = Screen::Wizard;
    }
    app.info("Checking… results fill in as the evidence arrives.");
    vec![
        Effect::CancelSearches,
        Effect::Diagnose {
            gen,
            input: Box::new(input),
        },
    ]
}

/// Looks up the chosen objects known only by id (from the command line, a scenario or a pasted
/// error), so the Target screen and the header show names and type badges.
pub fn resolve_chosen(app: &mut App) -> Vec<Effect> {
    let (Some(token), true) = (app.search_token(), app.endpoint.is_some()) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    for kind in [
        PickKind::Group,
        PickKind::AdministrativeUnit,
        PickKind::Member,
    ] {
        let gen = app.next_gen();
        let p = app.picker_mut(kind);
        let bare = p
            .chosen
            .as_ref()
            .filter(|c| c.name == c.id && c.badges.is_empty() && crate::knowledge::is_guid(&c.id))
            .map(|c| c.id.clone());
        if let (Some(id), false) = (bare, p.open) {
            p.gen = gen;
            effects.push(Effect::Search {
                kind,
                gen,
                query: id,
                token: token.clone(),
            });
        }
    }
    effects
}

fn search(app: &mut App, kind: PickKind) -> Vec<Effect> {
    let query = app.picker(kind).input.value().trim().to_string();
    let gen = app.next_gen();
    let token = app.search_token();
    let graph = app.endpoint.is_some();
    let p = app.picker_mut(kind);
    p.gen = gen;
    p.error = None;
    if query.is_empty() {
        p.results.clear();
        p.searching = false;
        return vec![Effect::CancelSearches];
    }
    match (token, graph) {
        (Some(token), true) => {
            p.searching = true;
            vec![Effect::Search {
                kind,
                gen,
                query,
                token,
            }]
        }
        _ => {
            p.searching = false;
            p.error = Some("no token or Graph endpoint to search with: paste the object id".into());
            Vec::new()
        }
    }
}

/// The text `y` copies: the copyable commands when the check has some, else its fix lines.
pub fn fix_text(r: &CheckResult) -> Option<String> {
    if !r.fix_commands.is_empty() {
        Some(
            r.fix_commands
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    } else if !r.fix.is_empty() {
        Some(r.fix.join("\n"))
    } else {
        None
    }
}

/// The claims a failed `ca.claims` asks for, from the facts its evidence carries.
pub fn claims_of(r: &CheckResult) -> Option<String> {
    r.evidence.iter().find_map(|e| {
        ["claims", "claims_decoded", "decoded_claims"]
            .iter()
            .find_map(|k| match e.facts.get(*k)? {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                v @ serde_json::Value::Object(_) => Some(v.to_string()),
                _ => None,
            })
    })
}

/// Starts a sign-in for `slot` and shows the waiting modal (where the device code will appear).
pub fn begin_sign_in(
    app: &mut App,
    slot: Slot,
    method: SignIn,
    claims: Option<&str>,
) -> Vec<Effect> {
    let gen = app.next_gen();
    app.sign_in_gen = gen;
    let mut config = app.sign_in.clone();
    config.cloud = app.cloud;
    // Signing in again for the diagnosed token means as the same app: the failing app's own
    // client id, read from the token, unless one was given.
    if slot == Slot::Diagnosed && config.client_id.is_none() {
        config.client_id = app
            .token
            .as_ref()
            .and_then(|t| t.decoded.as_ref().ok())
            .and_then(|i| i.app_id())
            .map(str::to_string);
    }
    let mut config = super::signin::with_claims(&config, claims);
    let tenant = app.tenant_input.value().trim();
    if config.tenant.is_none() && !tenant.is_empty() {
        config.tenant = Some(tenant.to_string());
    }
    app.modal = Some(Modal::SignInWait {
        slot,
        method,
        prompt: None,
    });
    vec![Effect::SignIn {
        gen,
        slot,
        method,
        config: Box::new(config),
    }]
}

/// The export, with every token the wizard holds scrubbed from it (the report never holds one;
/// this is the second lock on that door).
fn export_contents(app: &App, format: ExportFormat) -> Option<String> {
    let report = app.current_report()?;
    let mut text = match format {
        ExportFormat::Markdown => crate::report::markdown::render(&report),
        ExportFormat::Json => crate::report::json::render(&report),
    };
    for t in [&app.token, &app.reader].into_iter().flatten() {
        let raw = t.secret.expose().trim();
        if raw.len() >= 8 {
            text = text.replace(raw, "[redacted]");
        }
    }
    Some(crate::secret::redact(&text))
}

fn explain_paste(app: &mut App, text: String) -> Vec<Effect> {
    if text.trim().is_empty() {
        app.error("Nothing was pasted.");
        return Vec::new();
    }
    let observed = crate::explain::parse(&text);
    let report = crate::explain::explain(&observed);
    let hint = crate::explain::extract::pasted_operation(&text);
    app.observed = Some(observed);
    app.modal = Some(Modal::Explained {
        report: Box::new(report),
        hint,
    });
    Vec::new()
}

fn apply_hint(app: &mut App, hint: Option<&Operation>) {
    let Some(op) = hint else { return };
    app.operation = op.kind;
    for (kind, id) in [
        (PickKind::Group, &op.group),
        (PickKind::AdministrativeUnit, &op.au),
        (PickKind::Member, &op.member),
    ] {
        if let Some(id) = id {
            app.picker_mut(kind).chosen = Some(PickItem::bare(id));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
