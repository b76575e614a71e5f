//! A diagnosis run: its steps as the engine decides them, the live requests, the report; starting
//! one, following the first failure, and the keys the Checks, Check and Summary screens share.

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use crate::engine::Progress;
use crate::report::{CheckId, CheckResult, Names, Operation, OperationKind, Report, Status};
use crate::tui::app::modals::confirm_try::confirm_try;
use crate::tui::app::{App, Effect, ExportFormat, Modal, PickKind, Screen, Slot};
use crate::tui::picker::PickItem;

/// How many live requests the wizard remembers (the engine makes a few dozen per run).
const MAX_REQUESTS: usize = 500;

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
    // A live run is not a plan's row any more: Esc goes back to the target (cancelling it).
    app.from_plan = false;
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

/// The engine reported progress for the current run.
pub(super) fn on_progress(app: &mut App, progress: Progress) {
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

/// Shows a report that was finished elsewhere (a past diagnosis, a plan's row) on the Checks
/// screen, sending nothing: its operation and objects become the wizard's target (named where
/// the report names them), so `r` runs it again live. A new run generation drops any late
/// answer of the run it replaces.
/// Returns the effect that cancels a run still in flight (its answer would be dropped anyway).
pub(super) fn show_finished(app: &mut App, report: Report) -> Vec<Effect> {
    let cancel = if app.run.running {
        vec![Effect::CancelDiagnosis]
    } else {
        Vec::new()
    };
    take_target(app, &report.operation, &report.names);
    let gen = app.next_gen();
    app.run = Run {
        gen,
        ..Run::default()
    };
    app.user_moved = false;
    app.wizard_cursor = 0;
    app.detail_scroll = 0;
    app.summary_cursor = 0;
    on_finished(app, report);
    app.screen = Screen::Wizard;
    cancel
}

/// Makes `op` the wizard's target: a generic request, or the operation with its objects.
pub(super) fn take_target(app: &mut App, op: &Operation, names: &Names) {
    if op.kind == OperationKind::Request {
        app.request = Some(op.clone());
        return;
    }
    app.request = None;
    app.operation = op.kind;
    for (kind, id, name) in [
        (PickKind::Group, &op.group, &names.group),
        (PickKind::AdministrativeUnit, &op.au, &names.au),
        (PickKind::Member, &op.member, &names.member),
    ] {
        app.pickers[kind.index()].chosen = id.as_ref().map(|id| {
            let mut item = PickItem::bare(id);
            if let Some(n) = name {
                item.name = n.clone();
            }
            item
        });
    }
}

/// The current run finished: every step takes its result, and the status line says the verdict.
pub(super) fn on_finished(app: &mut App, mut report: Report) {
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
            "Done: verdict {}, primary cause {c}. Enter opens it, s the summary.",
            verdict.as_str()
        )),
        None => app.info(format!(
            "Done: verdict {}. s shows the summary.",
            verdict.as_str()
        )),
    }
}

/// Moves the selection in the step list (the operator moved: stop following the first failure).
pub(super) fn move_step(app: &mut App, down: bool) {
    let n = CheckId::ALL.len();
    app.wizard_cursor = if down {
        (app.wizard_cursor + 1).min(n - 1)
    } else {
        app.wizard_cursor.saturating_sub(1)
    };
    app.user_moved = true;
    app.detail_scroll = 0;
}

/// Keys the wizard, a check and the summary share: re-run, export, copy, try, claims, summary.
pub(super) fn common_run_key(app: &mut App, key: &KeyEvent) -> Option<Vec<Effect>> {
    match key.code {
        KeyCode::Char('r') => Some(start_run(app)),
        KeyCode::Char('e') => {
            if app.current_report().is_none() {
                app.error("Nothing to export yet: wait for the first results.");
            } else {
                app.modal = Some(Modal::Export {
                    input: Input::new(super::modals::export::default_name(
                        app.now,
                        ExportFormat::Markdown,
                    )),
                    format: ExportFormat::Markdown,
                });
            }
            Some(Vec::new())
        }
        KeyCode::Char('y') => {
            let idx = if app.screen == Screen::Summary {
                app.summary_rows().get(app.summary_cursor).copied()
            } else {
                Some(app.wizard_cursor)
            };
            let text = idx.and_then(|i| app.run.result(i)).and_then(fix_text);
            match text {
                Some(t) => {
                    app.info("Fix copied to the clipboard (OSC 52).");
                    Some(vec![Effect::Copy(t)])
                }
                None => {
                    app.error("This check has no fix to copy.");
                    Some(Vec::new())
                }
            }
        }
        KeyCode::Char('t') => Some(confirm_try(app)),
        KeyCode::Char('c') => {
            let claims = app
                .run
                .result(
                    CheckId::ALL
                        .iter()
                        .position(|c| *c == CheckId::CaClaims)
                        .unwrap_or(5),
                )
                .filter(|r| r.status == Status::Fail)
                .and_then(claims_of);
            match claims {
                Some(c) => {
                    app.modal = Some(Modal::SignInChoose {
                        slot: Slot::Diagnosed,
                        cursor: 0,
                        claims: Some(c),
                    });
                }
                None => app.error("No claims challenge to answer: ca.claims did not fail."),
            }
            Some(Vec::new())
        }
        KeyCode::Char('s') | KeyCode::Tab => {
            app.screen = Screen::Summary;
            app.summary_cursor = 0;
            Some(Vec::new())
        }
        _ => None,
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
