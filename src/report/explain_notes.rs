//! `explain`'s notes: what a pasted response shows beyond the checks it decides, as the report's
//! `notes` object. Written by `crate::explain`, read by the text and Markdown renderers and the
//! TUI. Fields are only ever added (the JSON keys are part of the report contract).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::report::{CheckId, Report};

/// Everything `explain` says about a pasted response, every part optional but `interpretation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExplainNotes {
    /// One sentence: what the response means.
    #[serde(default)]
    pub interpretation: String,
    #[serde(default)]
    pub response: ResponseNote,
    /// The request the response belonged to, when the paste shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestNote>,
    /// What the pasted request needs, per flow, from Microsoft's permissions map (when the paste
    /// shows the method and a Graph URL the map knows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<RequestPermissionsNote>,
    /// Ids for a support ticket.
    #[serde(default, skip_serializing_if = "SupportIds::is_empty")]
    pub support: SupportIds,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims_challenge: Option<ClaimsChallengeNote>,
    /// The AADSTS table rows of the codes seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aadsts: Vec<Value>,
    /// The checks the response points at without deciding, when it is ambiguous.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<CandidateNote>,
    /// The ids of `candidates`: the live checks that tell them apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub live_checks: Vec<CheckId>,
    /// The `graph-doctor check` invocation that separates the candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_command: Option<String>,
    /// Set for throttling or an outage: no check fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient: Option<String>,
    /// Further sentences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Ids of the rules that matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

/// The response as read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseNote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The status was not in the paste; the error code implies it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub status_implied_by_code: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `graph` or `token_endpoint`.
    #[serde(default)]
    pub channel: String,
    /// How the paste was written (raw HTTP, JSON body, SDK rendering...).
    #[serde(default)]
    pub form: String,
}

/// The request the pasted response belonged to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestNote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default)]
    pub url: String,
    /// The operation inferred from the URL (`add-group-member`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// The permissions a pasted request needs (`graph-doctor permissions METHOD URL`'s answer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPermissionsNote {
    pub method: String,
    /// The permissions map's template (`/users/{id}/memberof`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// `map` or `curated`.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub delegated: FlowPermissionsNote,
    #[serde(default)]
    pub application: FlowPermissionsNote,
    /// What to grant, in sentences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix: Vec<String>,
    /// The `graph-doctor check --request` invocation that judges the token and the app's grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_command: Option<String>,
}

/// One flow's answer in a [`RequestPermissionsNote`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowPermissionsNote {
    /// Any one suffices (each is needed when `all_needed`).
    #[serde(default)]
    pub least: Vec<String>,
    #[serde(default)]
    pub alternatives: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_needed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_consent: Option<bool>,
    /// Why no permission of this flow can make the request, when none can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl FlowPermissionsNote {
    /// "User.Read.All (admin consent); higher: Directory.Read.All", or why the flow cannot.
    pub fn line(&self) -> String {
        if let Some(u) = &self.unavailable {
            return format!("not possible: {u}");
        }
        if self.least.is_empty() {
            return "none listed".into();
        }
        let mut s = self
            .least
            .join(if self.all_needed { " and " } else { " or " });
        match self.admin_consent {
            Some(true) => s.push_str(" (admin consent)"),
            Some(false) => s.push_str(" (user consent)"),
            None => {}
        }
        if !self.alternatives.is_empty() {
            s.push_str(&format!("; higher: {}", self.alternatives.join(", ")));
        }
        s
    }
}

/// The ids Microsoft support asks for, as the response carried them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportIds {
    #[serde(
        rename = "request-id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
    #[serde(
        rename = "client-request-id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(rename = "trace-id", default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(
        rename = "correlation-id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl SupportIds {
    /// `(label, value)` of each id present, in the order a ticket lists them.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("request-id", &self.request_id),
            ("client-request-id", &self.client_request_id),
            ("date", &self.date),
            ("trace-id", &self.trace_id),
            ("correlation-id", &self.correlation_id),
            ("timestamp", &self.timestamp),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }
}

/// A claims challenge: the decoded claims request and what it demands, in sentences.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClaimsChallengeNote {
    #[serde(default)]
    pub claims: Option<Value>,
    #[serde(default)]
    pub demands: Vec<String>,
}

/// A check the response may point at, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateNote {
    pub check: CheckId,
    pub reason: String,
}

impl ExplainNotes {
    /// The notes of `report`; empty when it has none (a live `check` report).
    pub fn of(report: &Report) -> std::borrow::Cow<'_, ExplainNotes> {
        match &report.notes {
            Some(n) => std::borrow::Cow::Borrowed(n),
            None => std::borrow::Cow::Owned(ExplainNotes::default()),
        }
    }

    /// True when `explain` named this check a candidate cause (described once, under the
    /// candidates, rather than on its own line).
    pub fn is_candidate(&self, id: CheckId) -> bool {
        self.candidates.iter().any(|c| c.check == id)
    }

    /// The claims challenge's demands (empty without one).
    pub fn demands(&self) -> &[String] {
        self.claims_challenge
            .as_ref()
            .map(|c| c.demands.as_slice())
            .unwrap_or_default()
    }

    /// The decoded claims of the claims challenge, when there are some.
    pub fn claims(&self) -> Option<&Value> {
        self.claims_challenge
            .as_ref()
            .and_then(|c| c.claims.as_ref())
            .filter(|v| !v.is_null())
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
            "response": {"status": 403, "code": "c", "channel": "graph", "form": "json"},
            "request": {"method": "POST", "url": "/v1.0/groups/g/members/$ref", "operation": "add-group-member"},
            "support": {"request-id": "r-1"},
            "claims_challenge": {"claims": null, "demands": ["d"]},
            "candidates": [{"check": "user.role", "reason": "r"}],
            "next_command": "graph-doctor check",
            "details": ["x"]
        });
        let n: ExplainNotes = serde_json::from_value(v.clone()).expect("notes");
        assert_eq!(n.interpretation, "i");
        assert_eq!(n.response.status, Some(403));
        assert_eq!(
            n.request.as_ref().and_then(|r| r.method.as_deref()),
            Some("POST")
        );
        assert!(n.claims().is_none() && n.demands() == ["d"]);
        assert!(n.is_candidate(CheckId::UserRole) && !n.is_candidate(CheckId::AuTarget));
        assert_eq!(n.support.pairs(), vec![("request-id", "r-1")]);
        // Written back, it is the same object (keys in the same order).
        assert_eq!(
            serde_json::to_string(&n).expect("json"),
            serde_json::to_string(&v).expect("json")
        );
        let empty: ExplainNotes = serde_json::from_value(json!({})).expect("empty");
        assert!(empty.candidates.is_empty() && empty.request.is_none());
    }

    #[test]
    fn an_unknown_candidate_check_is_refused() {
        let v = json!({"candidates": [{"check": "no.such", "reason": "r"}]});
        assert!(serde_json::from_value::<ExplainNotes>(v).is_err());
    }
}
