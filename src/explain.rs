//! `explain`: classify an error response someone pasted (raw HTTP, a JSON body, a token-endpoint
//! error, or an SDK/CLI rendering of one).

use crate::report::{CheckResult, Report};

/// A response as the operator saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// HTTP status, when it could be read (status line, SDK rendering).
    pub status: Option<u16>,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (or the whole text when no body could be separated).
    pub body: String,
}

/// Parses whatever was pasted. Never fails: unknown input gives an `Observed` with only `body`.
pub fn parse(input: &str) -> Observed {
    Observed {
        status: None,
        headers: Vec::new(),
        body: input.to_string(),
    }
}

/// The checks this response speaks to, decided (the rest are left out).
pub fn findings(observed: &Observed) -> Vec<CheckResult> {
    let _ = observed;
    Vec::new()
}

/// The `explain` report: decided checks from the evidence, every other check `unknown`.
pub fn explain(observed: &Observed) -> Report {
    let mut r = Report::from_checks(Default::default(), findings(observed));
    r.source = Some("explain".into());
    r
}
