//! Record and replay: one file with everything a diagnosis saw (`check --record FILE`, the TUI's
//! "save session"), opened offline (`graph-doctor open FILE`) or re-run by the current engine
//! (`check --replay FILE`). The format is `docs/record-format.md`.
//!
//! - [`format`]: the [`Recording`] (operation, decoded claims, exchanges, timings, report), its
//!   version, writing it privately and reading it back with one-line refusals;
//! - [`server`]: the loopback server that answers the recorded responses, so a replay is the
//!   real engine speaking HTTP through reqwest, not a fake client.
//!
//! Why a loopback server rather than a recorded-response layer inside the Graph client: the
//! engine, the client's batching, retries, Retry-After handling and error envelope parsing all
//! run exactly as they do against Graph, so a newer engine that batches differently or asks in
//! another order still gets each recorded answer for the same request (answers are matched by
//! token, method and URL, inside or outside a `$batch`), and the client has no test-only path.

pub mod format;
pub mod server;

use std::path::Path;
use std::time::Duration;

pub use format::{RecordError, Recording, FORMAT, VERSION};

use crate::engine::DiagnoseInput;
use crate::graph::tape::Tape;
use crate::graph::GraphClient;
use crate::report::{CheckId, Report};

/// A tape for `input`'s client, told which token is which; the input's client records on it.
pub fn start(input: &mut DiagnoseInput) -> Tape {
    let tape = Tape::new();
    tape.name_token("diagnosed", &input.token);
    if let Some(r) = &input.reader_token {
        tape.name_token("reader", r);
    }
    input.client = input.client.with_tape(tape.clone());
    tape
}

/// What re-running a recording gave.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub recording: Recording,
    /// The current engine's report over the recorded answers.
    pub report: Report,
    /// Where it differs from the recorded report (empty when the verdicts agree).
    pub changes: Vec<Change>,
}

/// One difference between the recorded report and the replayed one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// A check id, or `verdict` / `primary_cause`.
    pub what: String,
    pub recorded: String,
    pub now: String,
}

/// The differences in verdict, primary cause and check statuses.
pub fn changes(recorded: &Report, now: &Report) -> Vec<Change> {
    let mut out = Vec::new();
    if recorded.verdict != now.verdict {
        out.push(Change {
            what: "verdict".into(),
            recorded: recorded.verdict.as_str().into(),
            now: now.verdict.as_str().into(),
        });
    }
    let cause = |c: Option<CheckId>| c.map_or("none".to_string(), |c| c.as_str().to_string());
    if recorded.primary_cause != now.primary_cause {
        out.push(Change {
            what: "primary_cause".into(),
            recorded: cause(recorded.primary_cause),
            now: cause(now.primary_cause),
        });
    }
    let status = |r: &Report, id: CheckId| {
        r.checks
            .iter()
            .find(|c| c.id == id)
            .map_or("absent".to_string(), |c| c.status.as_str().to_string())
    };
    for id in CheckId::ALL {
        let (a, b) = (status(recorded, id), status(now, id));
        if a != b {
            out.push(Change {
                what: id.as_str().into(),
                recorded: a,
                now: b,
            });
        }
    }
    out
}

/// Re-runs the current engine over `path`'s recorded answers, served from loopback, judging the
/// token as of when it was recorded.
pub async fn replay(path: &Path) -> Result<Replayed, RecordError> {
    let recording = Recording::read(path)?;
    replay_recording(recording).await
}

/// [`replay`] of a recording already read.
pub async fn replay_recording(recording: Recording) -> Result<Replayed, RecordError> {
    let tokens = recording.rebuilt_tokens();
    let served = server::ReplayServer::start(&recording, &tokens)
        .await
        .map_err(|e| RecordError::Io(format!("cannot serve the recording on loopback: {e}")))?;
    let timeout = Duration::from_secs(recording.timeout_secs.clamp(1, 600));
    let client = GraphClient::new(recording.cloud(), Some(&served.base_url), timeout)
        .map_err(|e| RecordError::Io(e.to_string()))?;
    let input = DiagnoseInput {
        operation: recording.operation.clone(),
        token: tokens.diagnosed.clone(),
        reader_token: tokens.reader.clone(),
        expected_tenant: recording.expected_tenant.clone(),
        cloud: recording.cloud(),
        client,
        observed: recording.observed.clone(),
    };
    let deadline = Duration::from_secs(recording.deadline_secs.clamp(1, 600));
    let (mut report, _) =
        crate::engine::diagnose_at(&input, recording.recorded_at_unix, deadline, None).await;
    served.shutdown().await;
    report.source = Some("replay".into());
    let changes = changes(&recording.report, &report);
    Ok(Replayed {
        recording,
        report,
        changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, Operation, Status};

    #[test]
    fn changes_name_verdict_cause_and_statuses() {
        let fail = Report::from_checks(
            Operation::default(),
            vec![CheckResult::new(CheckId::GroupType, Status::Fail, "x")],
        );
        let pass = Report::from_checks(
            Operation::default(),
            vec![CheckResult::new(CheckId::GroupType, Status::Pass, "x")],
        );
        assert!(changes(&fail, &fail).is_empty());
        let c = changes(&fail, &pass);
        let whats: Vec<&str> = c.iter().map(|c| c.what.as_str()).collect();
        assert!(whats.contains(&"primary_cause"), "{whats:?}");
        assert!(whats.contains(&"group.type"), "{whats:?}");
    }
}
