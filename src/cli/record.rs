//! `check --record FILE` and `check --replay FILE`: the command-line side of
//! [`crate::record`]. A replay prints the current engine's report over the recorded answers;
//! when it differs from the recorded one, what changed and the recorded report follow it (text,
//! Markdown), or sit beside it under `replay` (JSON).

use std::path::Path;
use std::time::Instant;

use super::{render, Format, UsageError};
use crate::engine::{DiagnoseInput, Stats};
use crate::graph::tape::Tape;
use crate::record::format::Made;
use crate::record::{Recording, Replayed};
use crate::report::Report;

/// When a recorded diagnosis started.
pub struct Clock {
    pub unix: i64,
    pub at: Instant,
}

impl Clock {
    pub fn now() -> Clock {
        Clock {
            unix: chrono::Utc::now().timestamp(),
            at: Instant::now(),
        }
    }
}

/// Writes the recording of a finished `check` to `path`.
#[allow(clippy::too_many_arguments)]
pub fn write(
    path: &Path,
    input: &DiagnoseInput,
    tape: &Tape,
    clock: &Clock,
    deadline_secs: u64,
    stats: Stats,
    report: &Report,
) -> Result<(), UsageError> {
    let recording = Recording::new(Made {
        input,
        source: "check",
        started_unix: clock.unix,
        deadline_secs,
        duration_ms: clock.at.elapsed().as_millis() as u64,
        stats,
        exchanges: tape.exchanges(),
        report,
    });
    recording
        .write(path)
        .map_err(|e| UsageError::new(format!("--record: {e}")))
}

/// `check --replay FILE`: the output and the exit code (the replayed report's verdict).
pub async fn replay(path: &Path, format: Option<Format>) -> Result<(String, i32), UsageError> {
    let replayed = crate::record::replay(path)
        .await
        .map_err(|e| UsageError::new(format!("--replay: {e}")))?;
    let code = replayed.report.verdict.exit_code();
    Ok((render_replay(&replayed, format), code))
}

/// The replayed report, and beside it what changed since the recording.
pub fn render_replay(r: &Replayed, format: Option<Format>) -> String {
    let rec = &r.recording;
    match format.unwrap_or(Format::Text) {
        Format::Json => {
            let mut v = serde_json::to_value(&r.report).unwrap_or_default();
            let mut replay = serde_json::json!({
                "recorded_by": rec.graph_doctor,
                "recorded_at": rec.recorded_at,
                "record_version": rec.version,
                "differs": !r.changes.is_empty(),
                "changes": r.changes,
            });
            if !r.changes.is_empty() {
                replay["recorded_report"] = serde_json::to_value(&rec.report).unwrap_or_default();
            }
            if let Some(o) = v.as_object_mut() {
                o.insert("replay".into(), replay);
            }
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
        f => {
            let md = f == Format::Markdown;
            let mut out = render(&r.report, Some(f));
            let head = format!(
                "Replayed a session recorded by graph-doctor {} at {} ({} exchanges).",
                rec.graph_doctor,
                rec.recorded_at,
                rec.exchanges.len()
            );
            out.push('\n');
            if md {
                out.push_str("## Replay\n\n");
            }
            out.push_str(&crate::report::terminal::escape_controls(&head));
            out.push('\n');
            if r.changes.is_empty() {
                out.push_str("This graph-doctor agrees with the recorded report.\n");
                return out;
            }
            out.push_str("This graph-doctor differs from the recorded report:\n");
            for c in &r.changes {
                out.push_str(&format!(
                    "{}{}: recorded {}, now {}\n",
                    if md { "- " } else { "  " },
                    c.what,
                    c.recorded,
                    c.now
                ));
            }
            out.push_str(if md {
                "\n## The recorded report\n\n"
            } else {
                "\nThe recorded report:\n\n"
            });
            out.push_str(&render(&rec.report, Some(f)));
            out
        }
    }
}
