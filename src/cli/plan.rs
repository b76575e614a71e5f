//! `check --plan FILE.csv`: bulk triage on the command line. Reads the plan, diagnoses every row
//! ([`crate::plan::run`]) with a progress bar on stderr when it is a terminal, prints the table in
//! the chosen format and exits with the worst row's code.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::{read_text, DiagnoseOpts, Format, Limit, UsageError};
use crate::plan::{PlanOptions, PlanOutcome};

/// A plan of 10,000 rows of three ids (or names) is under 1 MiB.
const PLAN_LIMIT: Limit = Limit {
    bytes: 4 * 1024 * 1024,
    hint: "a plan is lines of operation,target,member",
};

/// `--apply` and `--yes`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Apply {
    pub apply: bool,
    pub yes: bool,
}

/// Runs the plan at `path`; returns the output and the exit code.
pub async fn run(
    path: &Path,
    opts: &DiagnoseOpts,
    format: Option<Format>,
    deadline: std::time::Duration,
    apply: Apply,
) -> Result<(String, i32), UsageError> {
    if apply.apply && !apply.yes && !std::io::stdin().is_terminal() {
        return Err(UsageError::new(
            "--apply asks for a typed yes on a terminal; in a script, confirm with --yes",
        ));
    }
    let text = read_text(path, "--plan", PLAN_LIMIT)?;
    let rows = crate::plan::parse(&text.text)
        .map_err(|e| UsageError::new(format!("--plan {}: {e}", text.name)))?;
    if opts.group.is_some() || opts.member.is_some() || opts.au.is_some() {
        return Err(UsageError::new(
            "--plan takes its targets from the file: drop --group, --member and --au",
        ));
    }
    if opts.error_file.is_some() {
        // One pasted response belongs to one attempt; merged into every row it would decide
        // them all.
        return Err(UsageError::new(
            "--plan diagnoses each row live: drop --error-file (explain the pasted response on its own)",
        ));
    }
    let template = super::diagnose_input(opts).await?;
    // Names among the targets and members, each resolved once with the token evidence reads
    // use, before any diagnosis.
    let mut rows = rows;
    let name_requests = crate::plan::resolve_names(
        &mut rows,
        &template.client,
        super::names::reading_token(&template),
    )
    .await;
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
    let mut outcome = crate::plan::run(&rows, &template, options, Some(&tx)).await;
    outcome.name_requests = name_requests;
    drop(tx);
    let _ = progress.await;
    let mut out = render(&outcome, format);
    if apply.apply {
        let applied = apply_rows(&outcome, &template, apply.yes).await?;
        out = with_applied(out, &applied, format);
    }
    Ok((out, outcome.worst().exit_code()))
}

/// Lists what `--apply` would do, asks for "yes" (unless `yes`), performs it.
async fn apply_rows(
    outcome: &PlanOutcome,
    template: &crate::engine::DiagnoseInput,
    yes: bool,
) -> Result<Vec<crate::plan::apply::Applied>, UsageError> {
    let rows = crate::plan::apply::applicable(&outcome.rows);
    let mut e = std::io::stderr().lock();
    if rows.is_empty() {
        let _ = writeln!(e, "--apply: no row passed; nothing to perform.");
        return Ok(Vec::new());
    }
    let _ = writeln!(
        e,
        "--apply will perform these {} additions (rows that failed are left out):",
        rows.len()
    );
    for r in &rows {
        let op = &r.row.operation;
        let _ = writeln!(
            e,
            "  row {:>4}: {} {} into {}",
            r.row.row,
            op.kind.as_str(),
            op.member.as_deref().unwrap_or(""),
            op.group.as_deref().or(op.au.as_deref()).unwrap_or("")
        );
    }
    if !yes {
        let _ = write!(e, "Type yes to change the tenant: ");
        let _ = e.flush();
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        if line.trim() != "yes" {
            let _ = writeln!(e, "--apply: not confirmed; nothing was changed.");
            return Ok(Vec::new());
        }
    }
    drop(e);
    let applied = crate::plan::apply::perform(&rows, &template.client, &template.token).await;
    Ok(applied)
}

/// The table followed by what `--apply` did (JSON: an `applied` member).
fn with_applied(
    out: String,
    applied: &[crate::plan::apply::Applied],
    format: Option<Format>,
) -> String {
    if format == Some(Format::Json) {
        let mut v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "applied".into(),
                serde_json::to_value(applied).unwrap_or_default(),
            );
        }
        return serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    }
    let mut out = out;
    out.push_str(&format!("\nApplied ({}):\n", applied.len()));
    for a in applied {
        out.push_str(&format!(
            "  row {:>4}: {} -> {}{}\n",
            a.row,
            a.request,
            a.status.map_or("no answer".to_string(), |s| s.to_string()),
            a.error
                .as_deref()
                .map(|e| format!(" ({})", crate::report::terminal::escape_controls(e)))
                .unwrap_or_default()
        ));
    }
    out
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
