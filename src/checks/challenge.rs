//! `ca.claims` (conditional access claims challenges) and `exchange.policy` (Exchange Online EWS
//! application access policies): decided from what Graph answered and from `--error-file`.

use serde_json::{json, Value};

use super::finish;
use crate::checks::evidence::{Challenge, Ctx};
use crate::checks::{CheckSpec, Merge, Schedule};
use crate::report::{CheckId, CheckResult, CommandKind, Evidence, FixCommand, Status};

/// `ca.claims`: Is a conditional access claims challenge outstanding?
pub const CA_CLAIMS: CheckSpec = CheckSpec {
    id: CheckId::CaClaims,
    title: "No conditional access claims challenge",
    question: "Is a conditional access claims challenge outstanding?",
    rule: "Conditional access can demand more than the token proves (MFA, an authentication context, a fresh sign-in after revocation). Graph then answers 401 with WWW-Authenticate error=\"insufficient_claims\" and base64 claims that must be passed back to /authorize.",
    docs: &["https://learn.microsoft.com/entra/identity-platform/claims-challenge", "https://learn.microsoft.com/entra/identity-platform/app-resilience-continuous-access-evaluation"],
    needs: &[],
    schedule: Schedule::AfterAllReads,
    merge: Merge::FailureWins { unless: Some(weighed_a_challenge) },
    decide: ca_claims,
    on_refusal: None,
};

/// `exchange.policy`: Is an Exchange Online EWS application access policy blocking the call?
pub const EXCHANGE_POLICY: CheckSpec = CheckSpec {
    id: CheckId::ExchangePolicy,
    title: "No Exchange application access policy block",
    question: "Is an Exchange Online EWS application access policy blocking the call?",
    rule: "Graph APIs that reach Exchange Online obey its EWS application access policies; a blocked client gets 403 ErrorAccessDenied \"Access to OData is disabled.\"",
    docs: &["https://learn.microsoft.com/graph/resolve-auth-errors#403-forbidden-access-to-odata-is-disabled"],
    needs: &[],
    schedule: Schedule::OnReads,
    merge: Merge::FailureWins { unless: None },
    decide: exchange_policy,
    on_refusal: None,
};

/// Reads a `WWW-Authenticate` value with [`crate::auth::challenge`]; `Some((claims base64,
/// decoded claims))` when it carries `error="insufficient_claims"`.
pub fn parse_www_authenticate(v: &str) -> Option<(Option<String>, Option<Value>)> {
    if !v.to_ascii_lowercase().contains("insufficient_claims") {
        return None;
    }
    let c = crate::auth::challenge::parse_www_authenticate(v)?;
    let b64 = c.claims_raw.filter(|s| !s.trim().is_empty());
    Some((b64, c.claims))
}

/// What a claims request demands, in words, and whether `token` already satisfies it.
fn demands(claims: &Value, ctx: &Ctx) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut satisfied = true;
    let at = claims.get("access_token").unwrap_or(claims);
    let info = ctx.token.info.as_ref();
    if let Some(acrs) = at.get("acrs") {
        let wanted: Vec<String> = match (acrs.get("value"), acrs.get("values")) {
            (Some(Value::String(v)), _) => vec![v.clone()],
            (_, Some(Value::Array(a))) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let have = info.map(|i| i.acrs()).unwrap_or_default();
        if wanted.is_empty() || !wanted.iter().any(|w| have.contains(w)) {
            satisfied = false;
        }
        out.push(format!("authentication context {} (a conditional access step-up such as multi-factor authentication or a compliant device)", wanted.join(", ")));
    }
    if let Some(nbf) = at.get("nbf") {
        let v = nbf.get("value").and_then(|v| {
            v.as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .or_else(|| v.as_i64())
        });
        let iat = info.and_then(|i| i.time_claim("iat"));
        if !matches!((v, iat), (Some(v), Some(iat)) if iat >= v) {
            satisfied = false;
        }
        out.push("a token issued after the session was revoked or changed (continuous access evaluation: sign in again)".to_string());
    }
    if out.is_empty() {
        satisfied = false;
        out.push(format!("these claims: {at}"));
    }
    (out, satisfied)
}

/// Scans the pasted response for a claims challenge or a token-endpoint interaction requirement.
fn observed_challenges(ctx: &Ctx) -> (Vec<Challenge>, Option<String>) {
    let Some(o) = ctx.observed else {
        return (Vec::new(), None);
    };
    let mut found = Vec::new();
    let header_lines: Vec<String> = o
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, v)| v.clone())
        .chain(
            o.body
                .lines()
                .filter(|l| l.to_ascii_lowercase().contains("insufficient_claims"))
                .map(str::to_string),
        )
        .collect();
    for line in header_lines {
        if let Some((b64, claims)) = parse_www_authenticate(&line) {
            found.push(Challenge {
                seen_in: "--error-file".into(),
                status: o.status,
                claims_b64: b64,
                claims,
            });
            break;
        }
    }
    // A token-endpoint answer: interaction_required / MFA / blocked by conditional access (docs/facts.md §7b).
    let body = o.body.to_ascii_lowercase();
    let interaction = [
        "interaction_required",
        "aadsts50076",
        "aadsts50079",
        "aadsts53003",
    ]
    .iter()
    .find(|k| body.contains(*k))
    .map(|k| k.to_string());
    if interaction.is_some() && found.is_empty() {
        // The token-endpoint error may carry the claims to pass back.
        let claims = serde_json::from_str::<Value>(&o.body)
            .ok()
            .and_then(|v| v.get("claims").and_then(Value::as_str).map(str::to_string));
        let decoded = claims.as_deref().and_then(|c| {
            serde_json::from_str(c)
                .ok()
                .or_else(|| crate::auth::challenge::decode_claims(c))
        });
        found.push(Challenge {
            seen_in: "--error-file (token endpoint)".into(),
            status: o.status,
            claims_b64: claims,
            claims: decoded,
        });
    }
    (found, interaction)
}

/// `ca.claims`: is a conditional access claims challenge outstanding? (docs/facts.md §7a)
/// Whether a live `ca.claims` decision weighed a claims challenge (and found the token already
/// satisfies it): a pasted answer carrying the same challenge then adds nothing.
fn weighed_a_challenge(live: &CheckResult) -> bool {
    live.evidence
        .iter()
        .any(|e| e.facts.get("error").and_then(Value::as_str) == Some("insufficient_claims"))
}

pub fn ca_claims(ctx: &Ctx) -> CheckResult {
    let id = CheckId::CaClaims;
    let (mut challenges, interaction) = observed_challenges(ctx);
    challenges.extend(ctx.challenges.iter().cloned());
    let mut evidence: Vec<Evidence> = challenges
        .iter()
        .map(|c| Evidence {
            request: c.seen_in.clone(),
            status: c.status,
            latency_ms: None,
            facts: json!({"error": "insufficient_claims", "claims": c.claims, "claims_base64": c.claims_b64}),
        })
        .collect();
    if challenges.is_empty() {
        if ctx.diagnosed_answers == 0 && ctx.observed.is_none() {
            return finish(CheckResult::unknown(id, "Graph gave no answer to the token under diagnosis (it was not sent or Graph was unreachable) and no --error-file was given, so no challenge could be seen."));
        }
        let cp1 = ctx
            .token
            .info
            .as_ref()
            .is_some_and(|i| i.xms_cc().iter().any(|c| c == "cp1"));
        let note = if cp1 {
            ""
        } else {
            " (the client did not declare the cp1 capability, xms_cc, so Graph may not send challenges to it)"
        };
        let seen = ctx.diagnosed_answers + usize::from(ctx.observed.is_some());
        let mut r = CheckResult::new(
            id,
            Status::Pass,
            format!("None of the {seen} answers seen carried a claims challenge{note}."),
        );
        r.evidence.push(Evidence { request: "WWW-Authenticate headers of every answer to the diagnosed token".into(), status: None, latency_ms: None, facts: json!({"answers": ctx.diagnosed_answers, "error_file": ctx.observed.is_some(), "xms_cc": ctx.token.info.as_ref().map(|i| i.xms_cc())}) });
        return finish(r);
    }
    let mut all_satisfied = interaction.is_none();
    let mut what = Vec::new();
    for c in &challenges {
        match &c.claims {
            Some(claims) => {
                let (d, ok) = demands(claims, ctx);
                all_satisfied &= ok;
                what.extend(d);
            }
            None => {
                all_satisfied = false;
                if let Some(k) = &interaction {
                    what.push(format!("user interaction at sign-in ({k}: multi-factor authentication or another conditional access requirement)"));
                } else {
                    what.push("claims that could not be decoded".into());
                }
            }
        }
    }
    what.dedup();
    if all_satisfied {
        let r = CheckResult::new(
            id,
            Status::Pass,
            format!(
                "A claims challenge was seen, but the token already satisfies it ({}).",
                what.join("; ")
            ),
        );
        let mut r = finish(r);
        r.evidence.append(&mut evidence);
        return r;
    }
    let first = &challenges[0];
    let mut r = CheckResult::new(
        id,
        Status::Fail,
        format!(
            "Conditional access demands {} before Graph accepts this token (seen in {}).",
            what.join("; and "),
            first.seen_in
        ),
    );
    r.evidence = evidence;
    r.fix = vec![
        "Clear the cached token, then sign in again passing the decoded claims to /authorize (MSAL: WithClaims / claims parameter) so the user can satisfy the policy; keep passing them until a token is issued.".into(),
        "If the client cannot handle claims challenges, declare the cp1 client capability only once it can; otherwise ask the conditional access administrator which policy applies (Entra admin center > Protection > Conditional Access > Sign-in logs).".into(),
    ];
    if let Some(b64) = &first.claims_b64 {
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Azcli,
            text: format!(
                "az login --tenant {} --scope {}/.default --claims-challenge \"{b64}\"",
                ctx.token.tid().unwrap_or("<tenant-id>"),
                ctx.cloud.graph_host()
            ),
        });
    }
    if let Some(c) = &first.claims {
        let enc: String = url::form_urlencoded::byte_serialize(c.to_string().as_bytes()).collect();
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Url,
            text: format!(
                "{}/{}/oauth2/v2.0/authorize?client_id={}&response_type=code&scope={}/.default&claims={enc}",
                ctx.cloud.login_host(),
                ctx.token.tid().unwrap_or("organizations"),
                ctx.token.app_id().unwrap_or("<client-id>"),
                ctx.cloud.graph_host()
            ),
        });
    }
    finish(r)
}

/// `exchange.policy`: only an Exchange answer ("Access to OData is disabled", ErrorAccessDenied,
/// `[RAOP]`) shows an EWS application access policy; no Graph read does.
pub fn exchange_policy(ctx: &Ctx) -> CheckResult {
    let id = CheckId::ExchangePolicy;
    let Some(o) = ctx.observed else {
        return finish(CheckResult::skipped(id, "Only an Exchange Online answer shows an EWS application access policy, and no --error-file was given."));
    };
    let body = o.body.to_ascii_lowercase();
    if body.contains("access to odata is disabled") || body.contains("[raop]") {
        let mut r = CheckResult::new(id, Status::Fail, "The pasted response is Exchange Online's 403 ErrorAccessDenied \"Access to OData is disabled\": an EWS application access policy blocks this client.");
        r.evidence.push(Evidence {
            request: "--error-file".into(),
            status: o.status,
            latency_ms: None,
            facts: json!({"code": "ErrorAccessDenied", "message": "Access to OData is disabled."}),
        });
        r.fix = vec![
            "An Exchange administrator checks the policy: Get-OrganizationConfig | fl EwsApplicationAccessPolicy,EWS*List (organization) and Get-CASMailbox <user> | fl EwsApplicationAccessPolicy,EWS*List (mailbox).".into(),
            "EnforceAllowList: add the application's User-Agent to EwsAllowList. EnforceBlockList: remove it from EwsBlockList. Changes take a while to apply.".into(),
        ];
        r.fix_commands = vec![
            FixCommand { kind: CommandKind::Powershell, text: "Get-OrganizationConfig | Format-List EwsApplicationAccessPolicy,EWS*List".into() },
            FixCommand { kind: CommandKind::Powershell, text: "Get-CASMailbox <user-principal-name> | Format-List EwsApplicationAccessPolicy,EWS*List".into() },
        ];
        return finish(r);
    }
    finish(CheckResult::skipped(id, "The pasted response is not an Exchange Online EWS policy refusal; no Graph read can show such a policy."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    #[test]
    fn parses_the_documented_challenges() {
        let v = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ==""#;
        let (b64, claims) = parse_www_authenticate(v).expect("challenge");
        assert!(b64.is_some());
        assert_eq!(
            claims.expect("decodes")["access_token"]["acrs"]["value"],
            "cp1"
        );
        let cae = r#"Bearer authorization_uri=https://login.windows.net/common/oauth2/authorize, error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=", errorDescription="x""#;
        let (_, c) = parse_www_authenticate(cae).expect("challenge");
        assert_eq!(
            c.expect("decodes")["access_token"]["nbf"]["value"],
            "1604106651"
        );
        assert!(parse_www_authenticate(r#"Bearer realm="", error="invalid_token""#).is_none());
    }

    use crate::checks::evidence::ReadKey;
    use crate::checks::testkit::*;
    use crate::graph::observed::Observed;

    fn challenge(claims: Value) -> Challenge {
        let b64 = STANDARD.encode(claims.to_string());
        Challenge {
            seen_in: "GET /v1.0/groups/x".into(),
            status: Some(401),
            claims_b64: Some(b64),
            claims: Some(claims),
        }
    }

    #[test]
    fn ca_claims_from_live_answers() {
        let w = World::new(app_only(&[])).values(ReadKey::GroupMember, json!([]));
        assert_eq!(ca_claims(&w.ctx()).status, Status::Pass);
        let mut w = World::new(app_only(&[])).values(ReadKey::GroupMember, json!([]));
        w.challenges.push(challenge(
            json!({"access_token": {"acrs": {"essential": true, "value": "c1"}}}),
        ));
        let r = ca_claims(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary.contains("authentication context c1"),
            "{}",
            r.summary
        );
        assert!(!r.fix.is_empty() && r.fix_commands.iter().any(|c| c.text.contains("claims=")));
        // CAE revocation: a token issued before the demanded nbf does not satisfy it.
        let mut w = World::new(app_only(&[])).values(ReadKey::GroupMember, json!([]));
        w.challenges.push(challenge(
            json!({"access_token": {"nbf": {"essential": true, "value": (NOW + 10).to_string()}}}),
        ));
        assert_eq!(ca_claims(&w.ctx()).status, Status::Fail);
        let mut w = World::new(app_only(&[])).values(ReadKey::GroupMember, json!([]));
        w.challenges.push(challenge(
            json!({"access_token": {"nbf": {"essential": true, "value": (NOW - 600).to_string()}}}),
        ));
        assert_eq!(ca_claims(&w.ctx()).status, Status::Pass);
        // Nothing seen at all: unknown, not a guessed pass.
        let w = World::new(app_only(&[]));
        assert_eq!(ca_claims(&w.ctx()).status, Status::Unknown);
    }

    #[test]
    fn ca_claims_and_exchange_policy_from_the_error_file() {
        let mut w = World::new(app_only(&[]));
        w.observed = Some(Observed { status: Some(400), headers: vec![], body: r#"{"error":"interaction_required","error_description":"AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication","error_codes":[50076],"suberror":"basic_action"}"#.into(), ..Default::default() });
        let r = ca_claims(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert_eq!(exchange_policy(&w.ctx()).status, Status::Skipped);
        let mut w = World::new(app_only(&[]));
        w.observed = Some(Observed { status: Some(403), headers: vec![], body: r#"{"error":{"code":"ErrorAccessDenied","message":"Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."}}"#.into(), ..Default::default() });
        let r = exchange_policy(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.text.contains("Get-CASMailbox")));
        assert_eq!(
            exchange_policy(&World::new(app_only(&[])).ctx()).status,
            Status::Skipped
        );
        let mut w = World::new(app_only(&[]));
        w.observed = Some(Observed { status: Some(401), headers: vec![("www-authenticate".into(), r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ==""#.into())], body: String::new(), ..Default::default() });
        assert_eq!(ca_claims(&w.ctx()).status, Status::Fail);
    }
}
