//! What can happen to the wizard ([`Msg`]) and what it asks the runtime to do ([`Effect`]), with
//! the plain values effects carry: the Graph endpoint and a diagnosis to run.

use std::time::Duration;

use crossterm::event::KeyEvent;

use crate::auth::sources::{DeviceCodePrompt, SignIn, SignInConfig};
use crate::auth::Cloud;
use crate::engine::Progress;
use crate::explain::Observed;
use crate::graph::directory::Write;
use crate::report::{Operation, Report};
use crate::secret::Secret;
use crate::tui::app::{DemoSetup, Slot};
use crate::tui::picker::{PickItem, PickKind};

/// Everything that can happen. Every variant is handled by [`update`]. `Debug` is written by
/// hand: a paste or a token file's content may be a token.
pub enum Msg {
    /// A key press (releases and repeats are filtered out by the runtime).
    Key(KeyEvent),
    /// The history file could not be written (why).
    HistoryNotSaved(String),
    /// Plan `gen`'s file was read: its rows, or why it cannot be used.
    PlanLoaded {
        gen: u64,
        result: Result<Vec<crate::plan::PlanRow>, String>,
    },
    /// Row `index` of plan `gen` was diagnosed.
    PlanRow {
        gen: u64,
        index: usize,
        report: Box<crate::report::Report>,
    },
    /// Every row of plan `gen` was diagnosed.
    PlanDone {
        gen: u64,
    },
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
    /// The copied text was also written to this private file (the fallback for terminals that
    /// ignore OSC 52), or could not be.
    CopiedToFile(Result<String, String>),
    /// A click or a turn of the wheel (mouse capture is on while the wizard runs).
    Mouse(crossterm::event::MouseEvent),
    /// The "Try it" write came back: status, headers and body as raw HTTP text, or why not.
    TryDone(Result<(u16, String), String>),
    /// A background task (named) panicked: a bug, shown in a modal while the wizard goes on.
    TaskFailed(String),
    /// The runtime could not build a Graph client for the endpoint: no request can be sent.
    GraphUnavailable(String),
    /// An explorer read came back.
    Explore(crate::tui::app::ExploreMsg),
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Key(k) => write!(f, "Key({k:?})"),
            Msg::HistoryNotSaved(e) => write!(f, "HistoryNotSaved({e})"),
            Msg::PlanLoaded { gen, result } => write!(
                f,
                "PlanLoaded({gen}, {})",
                result.as_ref().map(Vec::len).unwrap_or_default()
            ),
            Msg::PlanRow { gen, index, report } => {
                write!(f, "PlanRow({gen}, {index}, {})", report.verdict.as_str())
            }
            Msg::PlanDone { gen } => write!(f, "PlanDone({gen})"),
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
            Msg::CopiedToFile(r) => write!(f, "CopiedToFile({r:?})"),
            Msg::Mouse(m) => write!(f, "Mouse({:?} {},{})", m.kind, m.column, m.row),
            Msg::TryDone(r) => write!(f, "TryDone(ok={})", r.is_ok()),
            Msg::TaskFailed(what) => write!(f, "TaskFailed({what})"),
            Msg::GraphUnavailable(e) => write!(f, "GraphUnavailable({e})"),
            Msg::Explore(m) => match m {
                crate::tui::app::ExploreMsg::Searched { gen, sections } => {
                    write!(f, "Explore::Searched({gen}, {} kinds)", sections.len())
                }
                crate::tui::app::ExploreMsg::More { gen, result } => {
                    write!(f, "Explore::More({gen}, ok={})", result.is_ok())
                }
                crate::tui::app::ExploreMsg::Read { gen, result } => {
                    write!(f, "Explore::Read({gen}, ok={})", result.is_ok())
                }
            },
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
    /// Resolve what was typed in a picker to exactly one object (`graph::resolve`: exact
    /// names, UPNs, mails, appIds), replacing the picker's search; answered as a
    /// [`Msg::SearchDone`] holding the matches (none, one or several).
    Resolve {
        kind: PickKind,
        gen: u64,
        text: String,
        token: Secret,
    },
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
    /// Write the last diagnosis's session (everything it saw, and `report`) to `path`.
    SaveSession {
        path: String,
        report: Box<crate::report::Report>,
    },
    /// Read the plan file at `path` and diagnose its rows with `input`'s tokens (its operation
    /// is ignored), reporting each row as it finishes; cancels any plan in flight.
    RunPlan {
        gen: u64,
        path: String,
        input: Box<DiagnoseRequest>,
    },
    /// Stop the plan in flight.
    CancelPlan,
    /// Add this finished diagnosis to the history file.
    Remember(Box<crate::tui::history::Entry>),
    /// Put `text` on the clipboard with OSC 52.
    Copy(String),
    /// The real write, after the operator confirmed it.
    TryOperation {
        write: Write,
        token: Secret,
    },
    CancelTry,
    /// The explorer's searches and tab reads.
    Explore(crate::tui::app::ExploreEffect),
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
