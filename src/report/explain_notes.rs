//! `explain`'s notes (the report's free-form `notes` object, see `crate::explain`) read once into
//! plain fields, so the text and Markdown renderers only decide how each part looks.
//!
//! Declared from `text.rs` (`#[path]`), next to [`super::token_line`], the other helper both
//! renderers share.

use serde_json::{Map, Value};

use crate::report::{CheckId, Report};

/// The request the pasted response belonged to.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RequestNote<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub operation: Option<&'a str>,
}

/// What `explain` wrote into `notes`, every part optional.
#[derive(Debug, Default)]
pub(crate) struct Notes<'a> {
    pub interpretation: Option<&'a str>,
    /// `status`, `code`, `message`, `channel`… as written.
    pub response: Option<&'a Map<String, Value>>,
    pub request: Option<RequestNote<'a>>,
    /// The decoded claims request of a claims challenge.
    pub claims: Option<&'a Value>,
    /// What the claims challenge demands, in sentences.
    pub demands: Vec<&'a str>,
    pub transient: Option<&'a str>,
    /// `(check, reason)` when the response is ambiguous.
    pub candidates: Vec<(&'a str, &'a str)>,
    pub next_command: Option<&'a str>,
    pub details: Vec<&'a str>,
    /// `(label, value)` ids for a support ticket.
    pub support: Vec<(&'a str, &'a str)>,
}

fn strs(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

impl<'a> Notes<'a> {
    /// The notes of `report`; empty when it has none (a live `check` report).
    pub fn of(report: &'a Report) -> Notes<'a> {
        report.notes.as_ref().map(Notes::read).unwrap_or_default()
    }

    pub fn read(notes: &'a Value) -> Notes<'a> {
        let s = |v: &'a Value, k: &str| v.get(k).and_then(Value::as_str);
        let challenge = notes.get("claims_challenge");
        Notes {
            interpretation: s(notes, "interpretation"),
            response: notes.get("response").and_then(Value::as_object),
            request: notes.get("request").map(|r| RequestNote {
                method: s(r, "method").unwrap_or_default().trim(),
                url: s(r, "url").unwrap_or_default(),
                operation: s(r, "operation"),
            }),
            claims: challenge
                .and_then(|c| c.get("claims"))
                .filter(|v| !v.is_null()),
            demands: strs(challenge.and_then(|c| c.get("demands"))),
            transient: s(notes, "transient"),
            candidates: notes
                .get("candidates")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|c| {
                            (
                                s(c, "check").unwrap_or_default(),
                                s(c, "reason").unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            next_command: s(notes, "next_command"),
            details: strs(notes.get("details")),
            support: notes
                .get("support")
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// True when `explain` named this check a candidate cause (described once, under the
    /// candidates, rather than on its own line).
    pub fn is_candidate(&self, id: CheckId) -> bool {
        self.candidates.iter().any(|(c, _)| *c == id.as_str())
    }

    /// A field of `response` as text (numbers written out), if present.
    pub fn response_field(&self, key: &str) -> Option<String> {
        let v = self.response?.get(key)?;
        Some(
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string()),
        )
    }

    /// True when the claims challenge part was written (decoded claims or demands).
    pub fn has_claims_challenge(&self) -> bool {
        self.claims.is_some() || !self.demands.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_part_and_tolerates_missing_ones() {
        let v = json!({
            "interpretation": "i",
            "response": {"status": 403, "code": "c"},
            "request": {"method": "POST ", "url": "/v1.0/groups/g/members/$ref", "operation": "add-group-member"},
            "claims_challenge": {"claims": null, "demands": ["d"]},
            "candidates": [{"check": "user.role", "reason": "r"}],
            "next_command": "graph-doctor check",
            "details": ["x", 1],
            "support": {"request-id": "r-1"}
        });
        let n = Notes::read(&v);
        assert_eq!(n.interpretation, Some("i"));
        assert_eq!(n.response_field("status").as_deref(), Some("403"));
        assert_eq!(n.request.as_ref().map(|r| r.method), Some("POST"));
        assert!(n.claims.is_none() && n.has_claims_challenge());
        assert!(n.is_candidate(CheckId::UserRole) && !n.is_candidate(CheckId::AuTarget));
        assert_eq!(n.details, vec!["x"]);
        assert_eq!(n.support, vec![("request-id", "r-1")]);
        let none = json!({});
        let empty = Notes::read(&none);
        assert!(empty.candidates.is_empty() && empty.request.is_none());
    }
}
