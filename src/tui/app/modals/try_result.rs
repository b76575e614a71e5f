//! Graph's answer to the real write, with what `explain` finds in it.

use crate::report::Status;
use crate::tui::app::{App, Effect, Modal};

/// The "Try it" write came back: Graph's answer, classified, in the result modal (any key
/// closes it).
pub(in crate::tui::app) fn on_try_done(
    app: &mut App,
    result: Result<(u16, String), String>,
) -> Vec<Effect> {
    app.modal = Some(match result {
        Ok((status, raw)) => {
            let mut observed = crate::explain::parse(&raw);
            observed.status = observed.status.or(Some(status));
            let report = crate::explain::explain(&observed);
            let notes = crate::report::explain_notes::ExplainNotes::of(&report);
            // Classified as `explain` would: the error's code and message, what they mean; the
            // raw body only when it is not a Graph error.
            let said = match (&notes.response.code, &notes.response.message) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.clone(),
                (None, Some(m)) => m.clone(),
                (None, None) => observed.body.clone(),
            };
            let text = if (200..300).contains(&status) || notes.interpretation.is_empty() {
                said
            } else {
                format!("{said}\n\n{}", notes.interpretation)
            };
            if (200..300).contains(&status) {
                app.info(format!("Graph answered {status}: the change was made."));
            } else {
                app.error(format!("Graph answered {status}: the change was not made."));
            }
            let findings = report
                .checks
                .iter()
                .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
                .cloned()
                .collect();
            Modal::TryResult {
                status: Some(status),
                text: crate::secret::redact(&text),
                findings,
            }
        }
        Err(e) => {
            app.error(format!("The write was not answered: {e}"));
            Modal::TryResult {
                status: None,
                text: e,
                findings: Vec::new(),
            }
        }
    });
    Vec::new()
}
