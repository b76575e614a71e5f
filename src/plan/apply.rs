//! `check --plan FILE --apply`: performing the additions whose diagnosis passed, one `$batch` of
//! at most 20 writes at a time, each answer reported. Only rows that passed, and only member
//! additions (`add-group-member`, `add-au-member`): `create-au-group` would create a group,
//! which a plan does not describe, so those rows are never applied. The confirmation itself is
//! the command line's (an interactive `yes`, or `--yes`).

use crate::graph::directory::Write;
use crate::graph::{BatchOutcome, GraphClient, GraphRequest, MAX_BATCH};
use crate::report::{OperationKind, Verdict};
use crate::secret::Secret;

use super::RowResult;

/// One addition performed (or attempted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    pub row: usize,
    /// `POST /v1.0/groups/{id}/members/$ref` …
    pub request: String,
    /// Graph's status (204 when added), None when no answer came.
    pub status: Option<u16>,
    /// Graph's error code and message, or the transport error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The rows `--apply` would perform: passed, and a member addition.
pub fn applicable(rows: &[RowResult]) -> Vec<&RowResult> {
    rows.iter()
        .filter(|r| {
            r.report.verdict == Verdict::Pass
                && r.row.operation.kind != OperationKind::CreateAuGroup
        })
        .collect()
}

fn write_of(r: &RowResult, client: &GraphClient) -> Option<GraphRequest> {
    let w = Write::for_operation(&r.row.operation)?;
    Some(
        w.request(client.base().as_str())
            .header("Content-Type", "application/json"),
    )
}

/// Performs `rows` (from [`applicable`]) with `token`, a batch at a time.
pub async fn perform(rows: &[&RowResult], client: &GraphClient, token: &Secret) -> Vec<Applied> {
    let client = client.without_coalescer();
    let mut out = Vec::new();
    let planned: Vec<(usize, GraphRequest)> = rows
        .iter()
        .filter_map(|r| write_of(r, &client).map(|w| (r.row.row, w)))
        .collect();
    for chunk in planned.chunks(MAX_BATCH) {
        let reqs: Vec<GraphRequest> = chunk.iter().map(|(_, w)| w.clone()).collect();
        let answer =
            |row: usize, req: &GraphRequest, status: Option<u16>, error: Option<String>| Applied {
                row,
                request: req.describe(),
                status,
                error: error.map(|e| crate::secret::redact(&e)),
            };
        match client.batch(token, &reqs).await {
            Ok(BatchOutcome::Items(items)) => {
                for ((row, req), r) in chunk.iter().zip(items) {
                    out.push(match r {
                        Some(r) => {
                            let error = r.error().map(|e| format!("{}: {}", e.code, e.message));
                            answer(*row, req, Some(r.status), error)
                        }
                        None => answer(
                            *row,
                            req,
                            None,
                            Some("left out of the batch's answer".into()),
                        ),
                    });
                }
            }
            Ok(BatchOutcome::Whole(r)) => {
                let error = r
                    .error()
                    .map(|e| format!("{}: {}", e.code, e.message))
                    .unwrap_or_else(|| format!("the batch was answered {}", r.status));
                for (row, req) in chunk {
                    out.push(answer(*row, req, Some(r.status), Some(error.clone())));
                }
            }
            Err(e) => {
                for (row, req) in chunk {
                    out.push(answer(*row, req, None, Some(e.to_string())));
                }
            }
        }
    }
    out
}
