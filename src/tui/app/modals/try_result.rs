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
            let observed = crate::explain::parse(&raw);
            let findings = crate::explain::findings(&observed)
                .into_iter()
                .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
                .collect();
            Modal::TryResult {
                status: Some(status),
                text: crate::secret::redact(&observed.body),
                findings,
            }
        }
        Err(e) => Modal::TryResult {
            status: None,
            text: e,
            findings: Vec::new(),
        },
    });
    Vec::new()
}
