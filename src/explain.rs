//! `explain`: classify an error response someone pasted (raw HTTP, a JSON body, a token-endpoint
//! error, or an SDK/CLI rendering of one) and say what it shows and what it cannot.
//!
//! The pipeline is [`parse()`] (text → [`Observed`]), [`extract`] (→ code, message, ids, claims
//! challenge, operation), [`classify`] (→ decided checks and candidates) and [`explain`] (→ the
//! docs/interface.md report, every undecided check `unknown`, with `notes`).
//!
//! `notes` (JSON object) carries, when known:
//! - `interpretation`: one sentence, what the response means;
//! - `response`: `status`, `code`, `message`, `channel` (`graph` / `token_endpoint`), `form`;
//! - `request`: `method`, `url`, `operation` (inferred from the request URL);
//! - `support`: `request-id`, `client-request-id`, `date`, `trace-id`, `correlation-id`, `timestamp`;
//! - `claims_challenge`: the decoded `claims` and `demands` (plain sentences);
//! - `aadsts`: table rows of the AADSTS codes seen;
//! - `candidates`: `[{check, reason}]` when the response is ambiguous, with `live_checks` and
//!   `next_command` (the `graph-doctor check` invocation that separates them);
//! - `transient`: set for throttling (no check fails);
//! - `details`: further sentences; `rules`: ids of the rules that matched.

pub mod challenge;
pub mod classify;
pub mod extract;
pub mod parse;
pub mod request;
mod text;

use serde_json::json;

use crate::report::explain_notes::{
    CandidateNote, ClaimsChallengeNote, ExplainNotes, FlowPermissionsNote, RequestNote,
    RequestPermissionsNote, ResponseNote, SupportIds,
};
use crate::report::{CheckId, CheckResult, Operation, Report, Status};
use extract::{Channel, Extracted};

pub use crate::graph::observed::{Observed, RequestLine};

/// Explain's reading of an observed response's request (the inherent impl lives here because it
/// needs explain's URL parser; the type itself is [`crate::graph::observed`]).
impl Observed {
    /// The operation and ids named by the request URL (`/groups/{id}/members/$ref` →
    /// add-group-member), for the TUI to pre-fill its form.
    pub fn operation(&self) -> Option<Operation> {
        self.request.as_ref().and_then(extract::operation_of)
    }
}

/// Parses whatever was pasted. Never fails: unknown input gives an `Observed` with only `body`.
pub fn parse(input: &str) -> Observed {
    parse::parse(input)
}

/// The checks this response decides (the rest are left out). Evidence only, so `check
/// --error-file` can merge it with live results: claims challenges, Exchange policy blocks,
/// token-endpoint errors, and the group/member causes the response names.
pub fn findings(observed: &Observed) -> Vec<CheckResult> {
    classify::classify(&Extracted::from_observed(observed))
        .findings
        .into_iter()
        .map(crate::checks::titled)
        .collect()
}

/// The `explain` report: decided checks from the evidence, every other check `unknown`.
pub fn explain(observed: &Observed) -> Report {
    let ex = Extracted::from_observed(observed);
    let cl = classify::classify(&ex);
    let mut checks = cl.findings.clone();
    checks.extend(token_accepted(&ex, &checks));
    let operation = ex.operation.clone().unwrap_or_default();
    let mut report = crate::checks::report(operation.clone(), checks);
    for c in report.checks.iter_mut() {
        if c.status == Status::Unknown && c.evidence.is_empty() {
            c.summary = undecided_summary(c.id, &cl);
        }
    }
    report.source = Some("explain".into());
    report.notes = Some(notes(&ex, &cl, &report, &operation));
    report.stamp(chrono::Utc::now(), ex.ids.request_id.as_deref());
    report
}

/// The ids a support ticket asks for, as the response shows them (headers or `innerError`).
pub fn support_ids(observed: &Observed) -> extract::SupportIds {
    Extracted::from_observed(observed).ids
}

/// Why an undecided check stays `unknown` in an explain report.
fn undecided_summary(id: CheckId, cl: &classify::Classification) -> String {
    match cl.candidates.iter().find(|c| c.check == id) {
        Some(c) => format!(
            "Candidate: {} A live `graph-doctor check` decides it.",
            c.reason
        ),
        None => "Not shown by the pasted response; a live `graph-doctor check` decides it.".into(),
    }
}

/// A Graph answer decided after authentication (403 Authorization_RequestDenied, 400
/// Request_BadRequest, 404 Request_ResourceNotFound, Exchange's ErrorAccessDenied) proves the
/// token was well-formed, for Graph and unexpired when it was sent (a 401 would have come first,
/// seed 002). Only `explain` reports this: for `check --error-file` the pasted response may be
/// older than the token under diagnosis, so these passes are kept out of [`findings`].
fn token_accepted(ex: &Extracted, decided: &[CheckResult]) -> Vec<CheckResult> {
    const POST_AUTH: [&str; 9] = [
        "authorization_requestdenied",
        "request_badrequest",
        "request_resourcenotfound",
        "request_unsupportedquery",
        "erroraccessdenied",
        "badrequest",
        "resourcenotfound",
        "itemnotfound",
        "accessdenied",
    ];
    let code = ex.code.as_deref().unwrap_or_default().to_ascii_lowercase();
    let accepted = ex.channel == Channel::Graph
        && matches!(ex.status, Some(400 | 403 | 404 | 409))
        && POST_AUTH.contains(&code.as_str());
    if !accepted {
        return Vec::new();
    }
    let when = ex
        .ids
        .date
        .as_deref()
        .map(|d| format!(" (at {d})"))
        .unwrap_or_default();
    let status = ex.status.unwrap_or_default();
    [
        (CheckId::TokenFormat, "well-formed"),
        (CheckId::TokenAudience, "issued for Microsoft Graph"),
        (CheckId::TokenLifetime, "within its lifetime"),
    ]
    .into_iter()
    .filter(|(id, _)| !decided.iter().any(|c| c.id == *id))
    .map(|(id, what)| {
        let mut c = CheckResult::new(
            id,
            Status::Pass,
            format!(
                "Graph accepted the token: {status} {} is decided after authentication, so the token was {what} when this response was sent{when}.",
                ex.code.as_deref().unwrap_or_default()
            ),
        );
        c.evidence.push(classify::evidence(ex, json!({})));
        c
    })
    .collect()
}

fn notes(
    ex: &Extracted,
    cl: &classify::Classification,
    report: &Report,
    op: &Operation,
) -> ExplainNotes {
    let ids = &ex.ids;
    ExplainNotes {
        interpretation: interpretation(ex, cl, report),
        response: ResponseNote {
            status: ex.status,
            status_implied_by_code: ex.status.is_some() && ex.status_implied,
            code: ex.code.clone(),
            message: ex.message.clone(),
            channel: ex.channel.as_str().to_string(),
            form: ex.form.to_string(),
        },
        request: ex.request.as_ref().map(|r| RequestNote {
            method: r.method.clone(),
            url: crate::secret::redact(&text::clip(&r.url, 400)),
            operation: ex.operation.as_ref().map(|o| o.kind.as_str().to_string()),
        }),
        permissions: ex.request.as_ref().and_then(permissions_note),
        support: SupportIds {
            request_id: ids.request_id.clone(),
            client_request_id: ids.client_request_id.clone(),
            date: ids.date.clone(),
            trace_id: ids.trace_id.clone(),
            correlation_id: ids.correlation_id.clone(),
            timestamp: ids.timestamp.clone(),
        },
        claims_challenge: (cl.claims.is_some() || !cl.demands.is_empty()).then(|| {
            ClaimsChallengeNote {
                claims: cl.claims.clone(),
                demands: cl.demands.clone(),
            }
        }),
        aadsts: cl.aadsts.clone(),
        candidates: cl
            .candidates
            .iter()
            .map(|c| CandidateNote {
                check: c.check,
                reason: c.reason.clone(),
            })
            .collect(),
        live_checks: cl.candidates.iter().map(|c| c.check).collect(),
        next_command: (report.verdict != crate::report::Verdict::Pass).then(|| next_command(op)),
        transient: cl.transient.clone(),
        details: cl.notes.clone(),
        rules: cl.rules.clone(),
    }
}

/// What the pasted request needs, from the permissions map, when the paste shows its method and
/// a Graph URL the map (or a curated row) knows; a URL on another host is not looked up.
fn permissions_note(req: &RequestLine) -> Option<RequestPermissionsNote> {
    use crate::knowledge::permission_map::{self, FlowAnswer, Source};
    let method = req.method.as_deref()?;
    let parsed = permission_map::parse_request(method, &req.url).ok()?;
    if let Some(host) = &parsed.host {
        let origin = format!("https://{host}");
        if !crate::auth::Cloud::ALL
            .iter()
            .any(|c| c.graph_host().eq_ignore_ascii_case(&origin))
        {
            return None;
        }
    }
    let a = permission_map::lookup(&parsed);
    if a.source == Source::None {
        return None;
    }
    let flow = |f: &FlowAnswer| FlowPermissionsNote {
        least: f.least.clone(),
        alternatives: f.alternatives.clone(),
        all_needed: f.all_needed,
        admin_consent: f.admin_consent,
        unavailable: f.unavailable.clone().or_else(|| {
            f.is_empty()
                .then(|| "the permissions map lists no permission of this flow".to_string())
        }),
    };
    let (d, app) = (flow(&a.delegated), flow(&a.application));
    let mut fix = Vec::new();
    let one = |f: &FlowPermissionsNote, noun: &str, token: &str| {
        (f.unavailable.is_none() && !f.least.is_empty()).then(|| {
            format!(
                "With {token}: grant {} ({noun}{}) to the app, then acquire a new token.",
                f.least.join(if f.all_needed { " and " } else { " or " }),
                if f.admin_consent == Some(false) {
                    "; a user can consent"
                } else {
                    "; needs admin consent"
                }
            )
        })
    };
    fix.extend(one(&app, "application permission", "an app-only token"));
    fix.extend(one(&d, "delegated permission", "a delegated token"));
    let template = a.template.clone();
    let check_command = (a.operation.is_none()).then(|| {
        format!(
            "graph-doctor check --request \"{} {}\" --token-file token.jwt",
            parsed.method.as_str(),
            crate::secret::redact(&text::clip(&req.url, 400))
        )
    });
    Some(RequestPermissionsNote {
        method: parsed.method.as_str().to_string(),
        template,
        source: a.source.as_str().to_string(),
        delegated: d,
        application: app,
        fix,
        check_command,
    })
}

fn interpretation(ex: &Extracted, cl: &classify::Classification, report: &Report) -> String {
    if let Some(primary) = report.primary_cause.and_then(|id| report.check(id)) {
        return format!("{}: {}", primary.id, primary.summary);
    }
    if let Some(t) = &cl.transient {
        return t.clone();
    }
    if !cl.candidates.is_empty() {
        let what = match (&ex.code, &ex.message) {
            (Some(c), Some(m)) => format!("{c}: \"{}\"", text::clip(m, 160)),
            (None, Some(m)) => format!("\"{}\"", text::clip(m, 160)),
            (Some(c), None) => c.clone(),
            (None, None) => ex.status.map(|s| format!("HTTP {s}")).unwrap_or_default(),
        };
        return format!(
            "Ambiguous: {what} can come from {} different causes; the response alone does not say which. Run the live checks to tell them apart.",
            cl.candidates.len()
        );
    }
    if let Some(first) = cl.notes.first() {
        return first.clone();
    }
    if ex.channel == Channel::Unknown && ex.code.is_none() {
        return "No error response recognised in the input (no status, error code or known message).".into();
    }
    "The response does not point at any check of the catalogue; run the live checks.".into()
}

/// The `graph-doctor check` invocation that decides the open checks, ids filled in when the
/// request URL named them.
pub fn next_command(op: &Operation) -> String {
    let mut cmd = format!("graph-doctor check --operation {}", op.kind.as_str());
    let ph = |v: &Option<String>, p: &str| v.clone().unwrap_or_else(|| p.to_string());
    match op.kind {
        crate::report::OperationKind::AddGroupMember
        | crate::report::OperationKind::RemoveGroupMember
        | crate::report::OperationKind::AddGroupOwner
        | crate::report::OperationKind::RemoveGroupOwner => {
            cmd.push_str(&format!(
                " --group {} --member {}",
                ph(&op.group, "<group-id>"),
                ph(&op.member, "<member-id>")
            ));
        }
        crate::report::OperationKind::AddAuMember
        | crate::report::OperationKind::RemoveAuMember => {
            cmd.push_str(&format!(
                " --au {} --member {}",
                ph(&op.au, "<au-id>"),
                ph(&op.member, "<member-id>")
            ));
        }
        crate::report::OperationKind::CreateAuGroup => {
            cmd.push_str(&format!(" --au {}", ph(&op.au, "<au-id>")));
        }
        crate::report::OperationKind::Request => {
            let (m, p) = op
                .request
                .as_ref()
                .map(|r| (r.method.as_str(), r.path.as_str()))
                .unwrap_or(("GET", "<url>"));
            return format!(
                "graph-doctor check --request \"{m} {p}\" --token-file <token-file> --error-file <this-response-file>"
            );
        }
    }
    cmd.push_str(" --token-file <token-file> --error-file <this-response-file>");
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(s: &str) -> Report {
        explain(&parse(s))
    }

    fn status(r: &Report, id: CheckId) -> Status {
        r.check(id).map(|c| c.status).unwrap_or(Status::Unknown)
    }

    #[test]
    fn the_guest_policy_message_fails_member_object() {
        let r = report(
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Guests users are not allowed to join this Unified Group due to policy setting. paramName: Members, paramValue: , objectType: Microsoft.Online.DirectoryServices.Group\"}}",
        );
        assert_eq!(
            r.primary_cause,
            Some(CheckId::MemberObject),
            "{:?}",
            r.failing()
        );
        let c = r.check(CheckId::MemberObject).expect("member.object");
        assert!(c.summary.contains("AllowToAddGuests"), "{}", c.summary);
    }

    #[test]
    fn the_teams_refusal_names_a_dynamic_team_among_its_candidates() {
        let r = report(
            "POST https://graph.microsoft.com/v1.0/teams/ee0f5ae2-8bc6-4ae5-8466-7daeebbfa062/members\n\nHTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":\"Forbidden\",\"message\":\"You do not have permission to perform this operation.\"}}",
        );
        assert!(r.failing().is_empty());
        let notes = serde_json::to_value(r.notes.as_ref().expect("notes")).expect("json");
        let cands: Vec<&str> = notes["candidates"]
            .as_array()
            .expect("candidates")
            .iter()
            .filter_map(|c| c["check"].as_str())
            .collect();
        assert!(cands.contains(&"group.dynamic"), "{cands:?}");
    }

    #[test]
    fn insufficient_privileges_decides_no_failure() {
        let r = report(
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2021-10-25T15:30:49","request-id":"020d2e6d-66ef-4641-b870-0d9236e05f64","client-request-id":"020d2e6d-66ef-4641-b870-0d9236e05f64"}}}"#,
        );
        assert!(r.failing().is_empty());
        assert_eq!(r.checks.len(), 24);
        assert_eq!(status(&r, CheckId::TokenLifetime), Status::Pass);
        // Read as the JSON contract writes it.
        let notes = serde_json::to_value(r.notes.as_ref().expect("notes")).expect("json");
        assert_eq!(
            notes["support"]["request-id"],
            "020d2e6d-66ef-4641-b870-0d9236e05f64"
        );
        let cands: Vec<&str> = notes["candidates"]
            .as_array()
            .expect("candidates")
            .iter()
            .filter_map(|c| c["check"].as_str())
            .collect();
        assert!(
            cands.contains(&"group.role_assignable")
                && cands.contains(&"user.role")
                && cands.contains(&"auth.permission")
        );
        assert!(notes["next_command"]
            .as_str()
            .is_some_and(|c| c.starts_with("graph-doctor check")));
    }

    #[test]
    fn request_url_fills_the_operation_and_candidates_follow_it() {
        let r = report("POST https://graph.microsoft.com/v1.0/directory/administrativeUnits/11111111-2222-3333-4444-555555555555/members/$ref\n\nHTTP/1.1 403 Forbidden\nrequest-id: r1\n\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}");
        assert_eq!(r.operation.kind, crate::report::OperationKind::AddAuMember);
        assert_eq!(
            r.operation.au.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        // Read as the JSON contract writes it.
        let notes = serde_json::to_value(r.notes.as_ref().expect("notes")).expect("json");
        let cands: Vec<&str> = notes["candidates"]
            .as_array()
            .expect("c")
            .iter()
            .filter_map(|c| c["check"].as_str())
            .collect();
        assert!(cands.contains(&"au.target"));
        assert!(!cands.contains(&"group.dynamic"));
        assert_eq!(status(&r, CheckId::CaClaims), Status::Pass);
    }

    #[test]
    fn claims_challenge_from_header() {
        let r = report("HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzI1In19fQ==\"\n\n");
        assert_eq!(r.primary_cause, Some(CheckId::CaClaims));
        let c = r.check(CheckId::CaClaims).expect("check");
        assert!(c.summary.contains("c25"), "{}", c.summary);
        assert_eq!(
            c.evidence[0].facts["claims"]["access_token"]["acrs"]["value"],
            "c25"
        );
    }

    #[test]
    fn not_found_is_attributed_by_id() {
        let g = "11111111-2222-3333-4444-555555555555";
        let m = "66666666-7777-8888-9999-000000000000";
        let text = format!("POST /v1.0/groups/{g}/members/$ref\n{{\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{m}\"}}\n\nHTTP/1.1 404 Not Found\n\n{{\"error\":{{\"code\":\"Request_ResourceNotFound\",\"message\":\"Resource '{m}' does not exist or one of its queried reference-property objects are not present.\"}}}}");
        let r = report(&text);
        assert_eq!(r.failing(), vec![CheckId::MemberObject]);
        assert_eq!(r.operation.member.as_deref(), Some(m));
    }

    #[test]
    fn findings_leave_token_passes_out() {
        let o = parse(
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
        );
        assert!(findings(&o).iter().all(|c| c.id != CheckId::TokenLifetime));
    }
}
