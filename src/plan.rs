//! Bulk triage (`check --plan FILE.csv`): one diagnosis per planned addition, side by side, all
//! their reads going through one [`Coalescer`]: the reads every row shares (the token's service
//! principal, grants, roles, licences) are made once, the per-row ones leave in full `$batch`
//! requests of 20, at most [`PlanOptions::in_flight`] at a time, 429/503 inside a batch retried
//! one by one after their own Retry-After.
//!
//! The plan file is CSV with the columns `operation,target,member` (a header line is optional;
//! `#` lines and blank lines are skipped). `target` is the group (add-group-member) or the
//! administrative unit (add-au-member, create-au-group). Targets and members may be ids or names
//! as [`crate::graph::resolve`] takes them: [`resolve_names`] resolves each distinct name once,
//! before the diagnoses; a row whose name matches several objects or none is not diagnosed, its
//! verdict `inconclusive` with the input error (and the candidates) as its cause.

pub mod apply;
pub mod render;

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use crate::engine::DiagnoseInput;
use crate::graph::coalesce::{CoalesceStats, Coalescer};
use crate::graph::resolve::{self, Resolution, Role};
use crate::graph::GraphClient;
use crate::knowledge::is_guid;
use crate::report::{CheckResult, Operation, OperationKind, Report, Status, Verdict};
use crate::secret::Secret;

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
    /// Why the row cannot be diagnosed: a name that matched several objects or none, or could
    /// not be read ([`resolve_names`]). Such a row is reported, never diagnosed.
    pub input_error: Option<String>,
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
        // An id (lowercased) or a name as typed, resolved later by `resolve_names`.
        let id = |v: &str| -> Option<String> {
            if v.is_empty() {
                None
            } else if is_guid(v) {
                Some(v.to_ascii_lowercase())
            } else {
                Some(v.to_string())
            }
        };
        let target = id(get(1)).ok_or_else(|| {
            PlanError(format!(
                "line {line}: no target (the group or administrative unit, by id or name)"
            ))
        })?;
        let member = id(get(2));
        if member.is_none() && kind != OperationKind::CreateAuGroup {
            return Err(PlanError(format!(
                "line {line}: no member id (needed by {})",
                kind.as_str()
            )));
        }
        let operation = match kind {
            kind if kind.targets_group() => Operation {
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
            input_error: None,
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

/// The cause column of a row that was not diagnosed because of its input.
pub const INPUT_ERROR: &str = "input";

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

    /// What to do: the input error, else the cause's first fix line, else its summary; empty
    /// for a pass.
    pub fn fix(&self) -> String {
        if let Some(e) = &self.row.input_error {
            return e.clone();
        }
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
    /// Requests sent to resolve names ([`resolve_names`]), before the diagnoses and outside the
    /// coalescer's counts.
    pub name_requests: usize,
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
            if row.input_error.is_some() {
                // Not diagnosed: every check undecided, the row's cause its input.
                if i < first_wave {
                    // Counted by `reserve`: entered and left at once, so no batch waits for it.
                    drop(coalescer.enter_reserved(&input.client));
                }
                let mut report = Report::from_checks(row.operation.clone(), Vec::new());
                report.source = Some("plan".into());
                let result = RowResult {
                    row: row.clone(),
                    report,
                };
                if let Some(tx) = progress {
                    let _ = tx.send((i, result.clone()));
                }
                return (i, result);
            }
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
        name_requests: 0,
    }
}

/// Where a row names a directory object, and what kind it must be: the target (the group, or
/// the administrative unit) and the member.
fn slots(op: &mut Operation) -> [(Role, &mut Option<String>); 2] {
    if op.kind.targets_group() {
        [(Role::Group, &mut op.group), (Role::Member, &mut op.member)]
    } else {
        [
            (Role::AdministrativeUnit, &mut op.au),
            (Role::Member, &mut op.member),
        ]
    }
}

/// Resolves every name in `rows` (each distinct name and role once, at most 8 at a time) with
/// `token` and puts the ids in their place; a row whose name matched several objects or none,
/// or could not be read, gets its [`PlanRow::input_error`] (with the candidates). Returns the
/// requests sent.
pub async fn resolve_names(rows: &mut [PlanRow], client: &GraphClient, token: &Secret) -> usize {
    let mut wanted: Vec<(Role, String)> = Vec::new();
    for row in rows.iter_mut() {
        for (role, slot) in slots(&mut row.operation) {
            if let Some(v) = slot.as_ref() {
                if !is_guid(v) && !wanted.iter().any(|(r, t)| *r == role && t == v) {
                    wanted.push((role, v.clone()));
                }
            }
        }
    }
    if wanted.is_empty() {
        return 0;
    }
    // Collected first, as in `run`: the wizard resolves a plan's names on a spawned task.
    let lookups: Vec<_> =
        wanted
            .iter()
            .enumerate()
            .map(|(i, (role, text))| async move {
                (i, resolve::resolve(client, token, *role, text).await)
            })
            .collect();
    let answers: Vec<(usize, resolve::Resolved)> = futures::stream::iter(lookups)
        .buffer_unordered(8)
        .collect()
        .await;
    let mut requests = 0;
    let mut outcome: Vec<Result<String, String>> = vec![Err(String::new()); wanted.len()];
    for (i, answer) in answers {
        requests += answer.requests;
        let (role, text) = &wanted[i];
        outcome[i] = match answer.resolution {
            Resolution::Resolved { object, .. } => Ok(object.id.to_ascii_lowercase()),
            Resolution::Ambiguous { candidates, .. } => Err(format!(
                "\"{text}\" matches {} objects: {}; give the id of the one you mean",
                candidates.len(),
                candidates
                    .iter()
                    .map(resolve::candidate_line)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Resolution::NotFound => Err(format!("no {} named \"{text}\" was found", role.noun())),
            Resolution::Refused(unread) => Err(format!(
                "\"{text}\" could not be resolved: {}",
                unread
                    .iter()
                    .map(resolve::Unread::describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        };
    }
    for row in rows.iter_mut() {
        let mut errors = Vec::new();
        for (role, slot) in slots(&mut row.operation) {
            let Some(v) = slot.clone() else { continue };
            let Some(i) = wanted.iter().position(|(r, t)| *r == role && *t == v) else {
                continue;
            };
            match &outcome[i] {
                Ok(id) => *slot = Some(id.clone()),
                Err(e) => errors.push(format!(
                    "{}: {e}",
                    if role == Role::Member {
                        "member"
                    } else {
                        "target"
                    }
                )),
            }
        }
        if !errors.is_empty() {
            row.input_error = Some(errors.join("; "));
        }
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "20000000-0000-4000-8000-000000000001";
    const M: &str = "10000000-0000-4000-8000-000000000002";
    const A: &str = "60000000-0000-4000-8000-000000000001";

    #[test]
    fn the_group_operations_take_their_target_as_the_group() {
        let text = format!(
            "remove-group-member,{G},{M}\nadd-group-owner,Sales DL,{M}\nremove-au-member,{A},{M}\n"
        );
        let rows = parse(&text).expect("parses");
        assert_eq!(rows[0].operation.group.as_deref(), Some(G));
        assert_eq!(rows[0].operation.au, None);
        assert_eq!(rows[1].operation.group.as_deref(), Some("Sales DL"));
        assert_eq!(rows[2].operation.au.as_deref(), Some(A));
        let mut op = rows[1].operation.clone();
        let [(role, slot), _] = slots(&mut op);
        assert_eq!((role, slot.as_deref()), (Role::Group, Some("Sales DL")));
    }

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
    fn names_are_kept_as_typed_for_the_resolver() {
        let rows = parse(&format!(
            "add-group-member,Sales DL,ada@contoso.com\nadd-au-member,\"Sales AU\",{M}\n"
        ))
        .expect("parses");
        assert_eq!(rows[0].operation.group.as_deref(), Some("Sales DL"));
        assert_eq!(rows[0].operation.member.as_deref(), Some("ada@contoso.com"));
        assert_eq!(rows[1].operation.au.as_deref(), Some("Sales AU"));
        assert_eq!(rows[1].operation.member.as_deref(), Some(M));
        assert!(rows.iter().all(|r| r.input_error.is_none()));
    }

    #[test]
    fn bad_lines_are_refused_with_their_line() {
        for (text, needle) in [
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
