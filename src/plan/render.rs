//! A plan's table: row, operation, target, member, verdict, primary cause, fix, as text, CSV,
//! Markdown or JSON (each row's full report included in JSON).

use serde_json::{json, Value};

use super::{PlanOutcome, RowResult};
use crate::report::terminal::escape_controls;

/// The target column: the group or the administrative unit.
fn target(r: &RowResult) -> &str {
    let op = &r.row.operation;
    op.group.as_deref().or(op.au.as_deref()).unwrap_or("")
}

fn member(r: &RowResult) -> &str {
    r.row.operation.member.as_deref().unwrap_or("")
}

/// The cause column: the primary cause, or the first undecided check marked `(unknown)`.
fn cause(r: &RowResult) -> String {
    if r.row.input_error.is_some() {
        return super::INPUT_ERROR.to_string();
    }
    match (r.report.primary_cause, r.cause()) {
        (Some(id), _) => id.as_str().to_string(),
        (None, Some(c)) => format!("{} (unknown)", c.id.as_str()),
        (None, None) => String::new(),
    }
}

fn one_line(s: &str) -> String {
    escape_controls(&s.replace(['\n', '\r'], " ")).into_owned()
}

/// Plain text: an aligned table, one row a line (the fix in full at the end of the line).
pub fn text(o: &PlanOutcome) -> String {
    let mut out = String::new();
    let causes: Vec<String> = o.rows.iter().map(cause).collect();
    let w = causes.iter().map(String::len).max().unwrap_or(0).max(13);
    out.push_str(&format!(
        "{:>4}  {:<12}  {:<16}  {:<w$}  {}\n",
        "ROW", "VERDICT", "OPERATION", "PRIMARY CAUSE", "FIX"
    ));
    for (r, c) in o.rows.iter().zip(&causes) {
        out.push_str(&format!(
            "{:>4}  {:<12}  {:<16}  {:<w$}  {}\n",
            r.row.row,
            r.report.verdict.as_str(),
            r.row.operation.kind.as_str(),
            c,
            one_line(&r.fix())
        ));
    }
    let count = |v: crate::report::Verdict| o.rows.iter().filter(|r| r.report.verdict == v).count();
    out.push_str(&format!(
        "\n{} rows: {} pass, {} fail, {} inconclusive. {} reads asked, {} answered by a read already made, {} $batch requests.\n",
        o.rows.len(),
        count(crate::report::Verdict::Pass),
        count(crate::report::Verdict::Fail),
        count(crate::report::Verdict::Inconclusive),
        o.stats.asked,
        o.stats.shared,
        o.stats.batches
    ));
    if o.name_requests > 0 {
        out.push_str(&format!(
            "Names were resolved first with {} requests.\n",
            o.name_requests
        ));
    }
    out
}

fn csv_cell(s: &str) -> String {
    let s = one_line(s);
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// CSV with a header line; the plan's own columns first, so it can be edited and run again.
pub fn csv(o: &PlanOutcome) -> String {
    let mut out = String::from("row,operation,target,member,verdict,primary_cause,fix\n");
    for r in &o.rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.row.row,
            r.row.operation.kind.as_str(),
            target(r),
            member(r),
            r.report.verdict.as_str(),
            csv_cell(&cause(r)),
            csv_cell(&r.fix())
        ));
    }
    out
}

/// A Markdown table.
pub fn markdown(o: &PlanOutcome) -> String {
    let cell = |s: &str| one_line(s).replace('|', "\\|");
    let mut out = String::from("# graph-doctor plan\n\n| row | operation | target | member | verdict | primary cause | fix |\n|---|---|---|---|---|---|---|\n");
    for r in &o.rows {
        out.push_str(&format!(
            "| {} | {} | `{}` | `{}` | **{}** | {} | {} |\n",
            r.row.row,
            r.row.operation.kind.as_str(),
            target(r),
            member(r),
            r.report.verdict.as_str(),
            cell(&cause(r)),
            cell(&r.fix())
        ));
    }
    out
}

/// One JSON object: `schema`, `verdict` (the worst row's), `rows` (each with its report).
pub fn json(o: &PlanOutcome) -> String {
    let rows: Vec<Value> = o
        .rows
        .iter()
        .map(|r| {
            let mut row = json!({
                "row": r.row.row,
                "line": r.row.line,
                "operation": r.row.operation,
                "verdict": r.report.verdict,
                "primary_cause": r.report.primary_cause,
                "cause": cause(r),
                "fix": r.fix(),
                "report": r.report,
            });
            if let (Some(e), Some(o)) = (&r.row.input_error, row.as_object_mut()) {
                o.insert("input_error".into(), json!(e));
            }
            row
        })
        .collect();
    let v = json!({
        "schema": "graph-doctor/plan/v1",
        "verdict": o.worst(),
        "rows": rows,
        "requests": {
            "asked": o.stats.asked,
            "shared": o.stats.shared,
            "batches": o.stats.batches,
            "names": o.name_requests,
        },
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
