//! The JSON report (docs/interface.md): one object, pretty-printed, newline-terminated.

use super::Report;

/// Renders the report. As in the text and Markdown renderers, a last pass blanks out anything
/// shaped like a token or a named credential: it only rewrites text inside JSON strings, so the
/// output stays valid JSON.
pub fn render(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    crate::secret::redact(&s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckId, CheckResult, Evidence, Operation, Status};

    #[test]
    fn a_token_that_slipped_into_evidence_is_blanked_and_the_json_stays_valid() {
        let jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlZ21lbnQ";
        let mut c = CheckResult::new(CheckId::GroupExists, Status::Fail, "x");
        c.evidence.push(Evidence {
            request: format!("POST /v1.0/groups/1/members/$ref?access_token={jwt}"),
            status: Some(403),
            latency_ms: None,
            facts: serde_json::json!({"note": format!("Bearer {jwt}")}),
        });
        let out = render(&Report::from_checks(Operation::default(), vec![c]));
        assert!(!out.contains("eyJ"), "{out}");
        assert!(!out.contains("c2lnbmF0dXJl"), "{out}");
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(parsed["schema"], "graph-doctor/report/v1");
    }
}
