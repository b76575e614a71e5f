//! Bulk triage (`check --plan FILE.csv`): one diagnosis per planned addition, side by side, all
//! their reads going through one [`Coalescer`]: the reads every row shares (the token's service
//! principal, grants, roles, licences) are made once, the per-row ones leave in full `$batch`
//! requests of 20, at most [`PlanOptions::in_flight`] at a time, 429/503 inside a batch retried
//! one by one after their own Retry-After.
//!
//! The plan file is CSV with the columns `operation,target,member` (a header line is optional;
//! `#` lines and blank lines are skipped). `target` is the group (add-group-member) or the
//! administrative unit (add-au-member, create-au-group). Ids only: there is no name resolver
//! yet, so a name is refused with its line number.

pub mod apply;
pub mod render;

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use crate::engine::DiagnoseInput;
use crate::graph::coalesce::{CoalesceStats, Coalescer};
use crate::knowledge::is_guid;
use crate::report::{CheckResult, Operation, OperationKind, Report, Status, Verdict};

/// The most rows a plan may hold.
pub const MAX_ROWS: usize = 10_000;

/// One planned addition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    /// 1-based number among the data rows (the table's `row`).
    pub row: usize,
    /// 1-based line of the file.
    pub line: usize,
    pub operation: Operation,
}

/// A plan that could not be read: one line naming the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// The cells of a CSV line: commas split, surrounding spaces and double quotes removed (a
/// quoted cell may hold commas; `""` inside quotes is a quote).
fn cells(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

/// Parses a plan.
pub fn parse(text: &str) -> Result<Vec<PlanRow>, PlanError> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let c = cells(trimmed);
        if rows.is_empty() && c[0].eq_ignore_ascii_case("operation") {
            continue;
        }
        if c.len() > 3 {
            return Err(PlanError(format!(
                "line {line}: {} columns; a plan has operation,target,member",
                c.len()
            )));
        }
        let get = |n: usize| c.get(n).map(String::as_str).unwrap_or("");
        let kind = if get(0).is_empty() {
            OperationKind::default()
        } else {
            OperationKind::parse(&get(0).to_ascii_lowercase()).ok_or_else(|| {
                PlanError(format!(
                    "line {line}: unknown operation '{}': use add-group-member, add-au-member or create-au-group",
                    get(0)
                ))
            })?
        };
        let id = |what: &str, v: &str| -> Result<Option<String>, PlanError> {
            if v.is_empty() {
                return Ok(None);
            }
            if !is_guid(v) {
                return Err(PlanError(format!(
                    "line {line}: {what} '{v}' is not an object id; plans take ids (names are not resolved yet)"
                )));
            }
            Ok(Some(v.to_ascii_lowercase()))
        };
        let target = id("target", get(1))?.ok_or_else(|| {
            PlanError(format!(
                "line {line}: no target (the group or administrative unit id)"
            ))
        })?;
        let member = id("member", get(2))?;
        if member.is_none() && kind != OperationKind::CreateAuGroup {
            return Err(PlanError(format!(
                "line {line}: no member id (needed by {})",
                kind.as_str()
            )));
        }
        let operation = match kind {
            OperationKind::AddGroupMember => Operation {
                kind,
                group: Some(target),
                member,
                au: None,
                request: None,
            },
            _ => Operation {
                kind,
                group: None,
                member,
                au: Some(target),
                request: None,
            },
        };
        rows.push(PlanRow {
            row: rows.len() + 1,
            line,
            operation,
        });
        if rows.len() > MAX_ROWS {
            return Err(PlanError(format!(
                "more than {MAX_ROWS} rows: split the plan"
            )));
        }
    }
    if rows.is_empty() {
        return Err(PlanError(
            "no rows: a plan has lines of operation,target,member".into(),
        ));
    }
    Ok(rows)
}

/// How a plan runs.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Diagnoses running at a time.
    pub rows_at_once: usize,
    /// `$batch` requests under way at a time (Graph throttles per app and tenant:
    /// https://learn.microsoft.com/graph/throttling-limits).
    pub in_flight: usize,
    /// Each row's overall deadline.
    pub deadline: Duration,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            rows_at_once: 200,
            in_flight: 4,
            deadline: crate::engine::DEFAULT_DEADLINE,
        }
    }
}

/// One row's diagnosis.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub row: PlanRow,
    pub report: Report,
}

impl RowResult {
    /// The check the row's verdict rests on: the primary cause, else the first undecided.
    pub fn cause(&self) -> Option<&CheckResult> {
        match self.report.primary_cause {
            Some(id) => self.report.checks.iter().find(|c| c.id == id),
            None => self
                .report
                .checks
                .iter()
                .find(|c| c.status == Status::Unknown),
        }
    }

    /// What to do: the cause's first fix line, else its summary; empty for a pass.
    pub fn fix(&self) -> String {
        match self.cause() {
            Some(c) => c.fix.first().cloned().unwrap_or_else(|| c.summary.clone()),
            None => String::new(),
        }
    }
}

/// What a plan came to.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    /// In the plan's order.
    pub rows: Vec<RowResult>,
    pub stats: CoalesceStats,
}

impl PlanOutcome {
    /// The worst verdict of any row (fail, then inconclusive, then pass).
    pub fn worst(&self) -> Verdict {
        let v: Vec<Verdict> = self.rows.iter().map(|r| r.report.verdict).collect();
        if v.contains(&Verdict::Fail) {
            Verdict::Fail
        } else if v.contains(&Verdict::Inconclusive) {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        }
    }
}

/// Diagnoses every row with `template`'s tokens, cloud, tenant and client; reports each row on
/// `progress` as it finishes (its index in `rows`).
pub async fn run(
    rows: &[PlanRow],
    template: &DiagnoseInput,
    options: PlanOptions,
    progress: Option<&UnboundedSender<(usize, RowResult)>>,
) -> PlanOutcome {
    let coalescer = Coalescer::new(options.in_flight);
    let client = template
        .client
        .coalescing(std::sync::Arc::new(coalescer.clone()));
    // The first wave starts together: counted before any of them asks.
    let first_wave = options.rows_at_once.max(1).min(rows.len());
    coalescer.reserve(first_wave);
    let runs = rows.iter().enumerate().map(|(i, row)| {
        let input = DiagnoseInput {
            operation: row.operation.clone(),
            client: client.clone(),
            ..template.clone()
        };
        let coalescer = coalescer.clone();
        async move {
            let entered = if i < first_wave {
                coalescer.enter_reserved(&input.client)
            } else {
                coalescer.enter(&input.client)
            };
            let (mut report, _) =
                crate::engine::diagnose_within(&input, options.deadline, None).await;
            drop(entered);
            report.source = Some("plan".into());
            let result = RowResult {
                row: row.clone(),
                report,
            };
            if let Some(tx) = progress {
                let _ = tx.send((i, result.clone()));
            }
            (i, result)
        }
    });
    // Collected first: a stream over the mapping closure itself is not `Send` for every lifetime
    // (rust-lang/rust#102211), and the wizard runs a plan on a spawned task.
    let runs: Vec<_> = runs.collect();
    let mut done: Vec<(usize, RowResult)> = futures::stream::iter(runs)
        .buffer_unordered(options.rows_at_once.max(1))
        .collect()
        .await;
    done.sort_by_key(|(i, _)| *i);
    PlanOutcome {
        rows: done.into_iter().map(|(_, r)| r).collect(),
        stats: coalescer.stats(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "20000000-0000-4000-8000-000000000001";
    const M: &str = "10000000-0000-4000-8000-000000000002";
    const A: &str = "60000000-0000-4000-8000-000000000001";

    #[test]
    fn rows_header_comments_and_quotes() {
        let text = format!(
            "operation,target,member\n# a comment\n\nadd-group-member,{G},{M}\n\"add-au-member\", \"{A}\" ,{M}\ncreate-au-group,{A}\n,{G},{M}\n"
        );
        let rows = parse(&text).expect("parses");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].line, 4);
        assert_eq!(rows[0].operation.group.as_deref(), Some(G));
        assert_eq!(rows[1].operation.kind, OperationKind::AddAuMember);
        assert_eq!(rows[1].operation.au.as_deref(), Some(A));
        assert_eq!(rows[2].operation.member, None);
        assert_eq!(rows[3].operation.kind, OperationKind::AddGroupMember);
        assert_eq!(rows[3].row, 4);
    }

    #[test]
    fn names_and_bad_lines_are_refused_with_their_line() {
        for (text, needle) in [
            (
                format!("add-group-member,Sales,{M}"),
                "line 1: target 'Sales' is not an object id",
            ),
            (
                format!("add-group-member,{G},ada@contoso.com"),
                "names are not resolved",
            ),
            (format!("move,{G},{M}"), "unknown operation 'move'"),
            (format!("add-group-member,{G}"), "no member"),
            (format!("add-group-member,{G},{M},x"), "4 columns"),
            ("operation,target,member\n".to_string(), "no rows"),
        ] {
            let e = parse(&text).expect_err("refused");
            assert!(e.0.contains(needle), "{text}: {e}");
        }
    }
}
