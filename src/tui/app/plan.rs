//! The Plan screen (`check --plan` in the wizard): a CSV of planned additions loaded from
//! Connect's *Plan file* row, each row diagnosed in the background (the same `plan::run` as the
//! command line: shared reads once, the rest in `$batch` requests) and filled in as it finishes;
//! Enter opens a finished row's diagnosis on the Checks screen, Esc there comes back here.

use crossterm::event::{KeyCode, KeyEvent};

use crate::plan::PlanRow;
use crate::report::{Report, Verdict};
use crate::tui::app::keymap::{is_back, is_down, is_open, is_up};
use crate::tui::app::run;
use crate::tui::app::{App, DiagnoseRequest, Effect, Screen};

/// Rows PgUp and PgDn move by.
const PAGE: usize = 10;

/// A plan being triaged.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub gen: u64,
    /// The file, as typed.
    pub path: String,
    /// `None` while the file is read.
    pub rows: Option<Vec<PlanLine>>,
    pub cursor: usize,
    /// Every row has its verdict.
    pub done: bool,
}

/// One row of the plan and, once diagnosed, its report.
#[derive(Debug, Clone)]
pub struct PlanLine {
    pub row: PlanRow,
    pub report: Option<Box<Report>>,
}

impl PlanView {
    /// Rows finished, and rows in all.
    pub fn progress(&self) -> (usize, usize) {
        let rows = self.rows.as_deref().unwrap_or_default();
        (
            rows.iter().filter(|r| r.report.is_some()).count(),
            rows.len(),
        )
    }

    /// How many finished rows have each verdict: (pass, fail, inconclusive).
    pub fn tally(&self) -> (usize, usize, usize) {
        let mut t = (0, 0, 0);
        for r in self.rows.as_deref().unwrap_or_default() {
            match r.report.as_ref().map(|r| r.verdict) {
                Some(Verdict::Pass) => t.0 += 1,
                Some(Verdict::Fail) => t.1 += 1,
                Some(Verdict::Inconclusive) => t.2 += 1,
                None => {}
            }
        }
        t
    }
}

/// Enter on the *Plan file* row with a path: read it and diagnose every row.
pub(super) fn load(app: &mut App, path: String) -> Vec<Effect> {
    let input = match app.diagnose_request() {
        // A pasted error belongs to one attempt, not to every row of a plan.
        Ok(i) => DiagnoseRequest {
            observed: None,
            ..i
        },
        Err(e) => {
            app.error(e);
            return Vec::new();
        }
    };
    let gen = app.next_gen();
    app.plan = Some(PlanView {
        gen,
        path: path.clone(),
        rows: None,
        cursor: 0,
        done: false,
    });
    app.screen = Screen::Plan;
    app.info(format!("Reading the plan {path}…"));
    vec![Effect::RunPlan {
        gen,
        path,
        input: Box::new(input),
    }]
}

/// The plan file was read (its rows) or not (why).
pub(super) fn on_loaded(app: &mut App, gen: u64, result: Result<Vec<PlanRow>, String>) {
    let Some(plan) = app.plan.as_mut().filter(|p| p.gen == gen) else {
        return;
    };
    match result {
        Ok(rows) => {
            let n = rows.len();
            plan.rows = Some(
                rows.into_iter()
                    .map(|row| PlanLine { row, report: None })
                    .collect(),
            );
            plan.done = n == 0;
            app.info(format!(
                "{n} rows: each fills in as its diagnosis finishes. Enter opens a finished one."
            ));
        }
        Err(e) => {
            plan.rows = Some(Vec::new());
            plan.done = true;
            app.error(format!("The plan cannot be used: {e}"));
        }
    }
}

/// Row `index` of plan `gen` finished.
pub(super) fn on_row(app: &mut App, gen: u64, index: usize, report: Box<Report>) {
    let Some(plan) = app.plan.as_mut().filter(|p| p.gen == gen) else {
        return;
    };
    if let Some(line) = plan.rows.as_mut().and_then(|r| r.get_mut(index)) {
        line.report = Some(report);
    }
}

/// Every row of plan `gen` finished.
pub(super) fn on_done(app: &mut App, gen: u64) {
    let Some(plan) = app.plan.as_mut().filter(|p| p.gen == gen) else {
        return;
    };
    plan.done = true;
    if plan.rows.is_none() {
        // Ended before the file was read (the task failed): nothing to show.
        plan.rows = Some(Vec::new());
    }
    let (pass, fail, inconclusive) = plan.tally();
    app.info(format!(
        "Plan done: {pass} pass, {fail} fail, {inconclusive} inconclusive. Enter opens a row."
    ));
}

/// A key on the Plan screen.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(plan) = app.plan.as_mut() else {
        app.screen = Screen::Connect;
        return Vec::new();
    };
    let n = plan.rows.as_ref().map_or(0, Vec::len);
    let last = n.saturating_sub(1);
    if is_back(&key) {
        let running = !plan.done;
        app.screen = Screen::Connect;
        if running {
            app.info("Plan cancelled: the rows not yet diagnosed were dropped.");
            return vec![Effect::CancelPlan];
        }
        return Vec::new();
    }
    plan.cursor = match key.code {
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        KeyCode::PageUp => plan.cursor.saturating_sub(PAGE),
        KeyCode::PageDown => (plan.cursor + PAGE).min(last),
        _ if is_up(&key) => plan.cursor.saturating_sub(1),
        _ if is_down(&key) => (plan.cursor + 1).min(last),
        _ => plan.cursor,
    };
    if is_open(&key) {
        return open_row(app);
    }
    Vec::new()
}

/// Opens the selected row's diagnosis on the Checks screen (its target becomes the wizard's).
fn open_row(app: &mut App) -> Vec<Effect> {
    let Some(plan) = &app.plan else {
        return Vec::new();
    };
    let Some(line) = plan.rows.as_ref().and_then(|r| r.get(plan.cursor)).cloned() else {
        return Vec::new();
    };
    if let Some(e) = &line.row.input_error {
        app.error(format!("Row {} was not diagnosed: {e}", line.row.row));
        return Vec::new();
    }
    let Some(report) = line.report else {
        app.info(format!(
            "Row {} is still being diagnosed: it opens once its verdict is in.",
            line.row.row
        ));
        return Vec::new();
    };
    let effects = run::show_finished(app, *report);
    app.from_plan = true;
    app.info(format!(
        "Row {} of the plan (line {}): Esc goes back to the plan.",
        line.row.row, line.row.line
    ));
    effects
}
