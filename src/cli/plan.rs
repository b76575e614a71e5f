//! `check --plan FILE.csv`: bulk triage on the command line. Reads the plan, diagnoses every row
//! ([`crate::plan::run`]) with a progress bar on stderr when it is a terminal, prints the table in
//! the chosen format and exits with the worst row's code.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::{read_text, DiagnoseOpts, Format, Limit, UsageError};
use crate::plan::{PlanOptions, PlanOutcome};

/// A plan of 10,000 rows of three ids is under 1 MiB.
const PLAN_LIMIT: Limit = Limit {
    bytes: 4 * 1024 * 1024,
    hint: "a plan is lines of operation,target,member",
};

/// Runs the plan at `path`; returns the output and the exit code.
pub async fn run(
    path: &Path,
    opts: &DiagnoseOpts,
    format: Option<Format>,
    deadline: std::time::Duration,
) -> Result<(String, i32), UsageError> {
    let text = read_text(path, "--plan", PLAN_LIMIT)?;
    let rows = crate::plan::parse(&text.text)
        .map_err(|e| UsageError::new(format!("--plan {}: {e}", text.name)))?;
    if opts.group.is_some() || opts.member.is_some() || opts.au.is_some() {
        return Err(UsageError::new(
            "--plan takes its targets from the file: drop --group, --member and --au",
        ));
    }
    let template = super::diagnose_input(opts).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let total = rows.len();
    let bar = std::io::stderr().is_terminal();
    let progress = tokio::spawn(async move {
        let mut done = 0;
        while rx.recv().await.is_some() {
            done += 1;
            if bar {
                draw(done, total);
            }
        }
        if bar {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K");
            let _ = e.flush();
        }
    });
    let options = PlanOptions {
        deadline,
        ..PlanOptions::default()
    };
    let outcome = crate::plan::run(&rows, &template, options, Some(&tx)).await;
    drop(tx);
    let _ = progress.await;
    Ok((render(&outcome, format), outcome.worst().exit_code()))
}

/// `plan: [#######.............] 120/200 rows`
fn draw(done: usize, total: usize) {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let mut e = std::io::stderr().lock();
    let _ = write!(
        e,
        "\r\x1b[2Kplan: [{}{}] {done}/{total} rows",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled.min(WIDTH))
    );
    let _ = e.flush();
}

pub fn render(o: &PlanOutcome, format: Option<Format>) -> String {
    match format.unwrap_or(Format::Text) {
        Format::Json => crate::plan::render::json(o),
        Format::Csv => crate::plan::render::csv(o),
        Format::Markdown => crate::plan::render::markdown(o),
        Format::Text => crate::plan::render::text(o),
    }
}
