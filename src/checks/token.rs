//! Offline token analysis and the `token.*` checks: `token.format`, `token.account`,
//! `token.audience`, `token.lifetime`, `token.tenant`.
//!
//! The JWT is decoded without signature validation: clients cannot validate Graph tokens
//! (docs/facts.md §6d, <https://learn.microsoft.com/entra/identity-platform/access-tokens>).

use serde_json::{json, Value};

use crate::auth::jwt::MSA_TENANT_ID;
use crate::auth::Cloud;
use std::collections::HashMap;

use crate::checks::evidence::ReadKey;
use crate::checks::evidence::{utc, Read, TokenAnalysis};
use crate::checks::{CheckSpec, Merge, Schedule};
use crate::knowledge::Flow;
use crate::report::{CheckId, CheckResult, CommandKind, FixCommand, Status};

// The rule and the Microsoft pages behind each token check.
const FORMAT_RULE: &str = "Microsoft Graph accepts only an access token issued for it: a compact JWT (header.payload.signature). ID tokens, opaque personal-account tokens and truncated copies are refused with 401 InvalidAuthenticationToken.";
const FORMAT_DOCS: &[&str] = &[DOC_ACCESS_TOKENS, DOC_AUTH_ERRORS];

const ACCOUNT_RULE: &str = "Adding members to groups and administrative units is not supported for personal Microsoft accounts (tenant 9188040d-6c67-4c5b-b112-36a304b66dad); Graph answers 401.";
const ACCOUNT_DOCS: &[&str] = &[
    "https://learn.microsoft.com/graph/api/group-post-members",
    DOC_AUTH_ERRORS,
];

const AUDIENCE_RULE: &str = "Graph checks that the token's aud claim names Microsoft Graph (https://graph.microsoft.com, with or without a trailing slash, or its app id 00000003-0000-0000-c000-000000000000 in v2 tokens). A token for another API or another national cloud is refused.";
const AUDIENCE_DOCS: &[&str] = &[DOC_AUTH_ERRORS, DOC_DEPLOYMENTS, DOC_CLAIMS];

const LIFETIME_RULE: &str = "An access token is valid from nbf to exp (usually 60-90 minutes; up to 28 hours with continuous access evaluation). Graph refuses an expired or not-yet-valid token with 401; 5 minutes of clock skew are tolerated here.";
const LIFETIME_DOCS: &[&str] = &[DOC_ACCESS_TOKENS, DOC_AUTH_ERRORS];

const TENANT_RULE: &str = "The tid claim names the tenant that issued the token; objects of another tenant are not found (404) or not writable with it.";
const TENANT_DOCS: &[&str] = &[DOC_CLAIMS];

/// `token.format`: Is the token a well-formed JWT access token?
pub const TOKEN_FORMAT: CheckSpec = CheckSpec {
    id: CheckId::TokenFormat,
    title: "Token is a well-formed JWT access token",
    question: "Is the token a well-formed JWT access token?",
    rule: FORMAT_RULE,
    docs: FORMAT_DOCS,
    needs: &[],
    schedule: Schedule::OnReads,
    merge: Merge::GraphAnswerWins,
    decide: |ctx| token_format(ctx.token),
    on_refusal: Some(refused_by_graph),
};

/// `token.account`: Is it a work or school account, not a personal Microsoft account?
pub const TOKEN_ACCOUNT: CheckSpec = CheckSpec {
    id: CheckId::TokenAccount,
    title: "Work or school account",
    question: "Is it a work or school account, not a personal Microsoft account?",
    rule: ACCOUNT_RULE,
    docs: ACCOUNT_DOCS,
    needs: &[],
    schedule: Schedule::OnReads,
    merge: Merge::GraphAnswerWins,
    decide: |ctx| token_account(ctx.token),
    on_refusal: None,
};

/// `token.audience`: Is it issued for Microsoft Graph in the selected cloud?
pub const TOKEN_AUDIENCE: CheckSpec = CheckSpec {
    id: CheckId::TokenAudience,
    title: "Token is issued for Microsoft Graph",
    question: "Is it issued for Microsoft Graph in the selected cloud?",
    rule: AUDIENCE_RULE,
    docs: AUDIENCE_DOCS,
    needs: &[],
    schedule: Schedule::OnReads,
    merge: Merge::GraphAnswerWins,
    decide: |ctx| token_audience(ctx.token, ctx.cloud),
    on_refusal: None,
};

/// `token.lifetime`: Is it inside its nbf..exp window (5 minutes' skew allowed)?
pub const TOKEN_LIFETIME: CheckSpec = CheckSpec {
    id: CheckId::TokenLifetime,
    title: "Token is within its lifetime",
    question: "Is it inside its nbf..exp window (5 minutes' skew allowed)?",
    rule: LIFETIME_RULE,
    docs: LIFETIME_DOCS,
    needs: &[],
    schedule: Schedule::OnReads,
    merge: Merge::GraphAnswerWins,
    decide: |ctx| token_lifetime(ctx.token),
    on_refusal: None,
};

/// `token.tenant`: Is it from the tenant the operator expects?
pub const TOKEN_TENANT: CheckSpec = CheckSpec {
    id: CheckId::TokenTenant,
    title: "Token is from the expected tenant",
    question: "Is it from the tenant the operator expects?",
    rule: TENANT_RULE,
    docs: TENANT_DOCS,
    needs: &[ReadKey::Organization],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: |ctx| {
        token_tenant(
            ctx.token,
            ctx.expected_tenant,
            ctx.read(&ReadKey::Organization),
        )
    },
    on_refusal: None,
};

/// Clock skew tolerated on `nbf`/`exp` (the Microsoft.IdentityModel default, docs/facts.md §6e).
pub const SKEW_SECS: i64 = 300;

const DOC_ACCESS_TOKENS: &str = "https://learn.microsoft.com/entra/identity-platform/access-tokens";
const DOC_CLAIMS: &str =
    "https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference";
const DOC_AUTH_ERRORS: &str = "https://learn.microsoft.com/graph/resolve-auth-errors";
const DOC_DEPLOYMENTS: &str = "https://learn.microsoft.com/graph/deployments";

/// The checks of this family: when one fails, it says why Graph refused the token.
const TOKEN_CHECKS: [CheckId; 5] = [
    CheckId::TokenFormat,
    CheckId::TokenAccount,
    CheckId::TokenAudience,
    CheckId::TokenLifetime,
    CheckId::TokenTenant,
];

/// `token.format` decided again from Graph's 401 to the diagnosed token (no claims challenge):
/// Graph's answer is its verdict on the token, even when the token decodes as a JWT access
/// token. Nothing changes when a token check already fails (that failure says why).
fn refused_by_graph(
    refused: &Read,
    decided: &HashMap<CheckId, CheckResult>,
) -> Option<CheckResult> {
    let token_failed = TOKEN_CHECKS
        .iter()
        .any(|id| decided.get(id).is_some_and(|r| r.status == Status::Fail));
    let live = decided
        .get(&CheckId::TokenFormat)
        .filter(|_| !token_failed)?;
    let why = refused
        .error()
        .map(|e| format!("{}: {}", e.code, e.message))
        .unwrap_or_else(|| "no reason given".into());
    let mut r = CheckResult::new(
        CheckId::TokenFormat,
        Status::Fail,
        format!(
            "Graph refused the token with 401 ({why}), although it decodes as a JWT access token."
        ),
    );
    r.fix = vec!["Acquire a new access token for Microsoft Graph from the tenant's authority and send it unchanged (no quotes, line breaks or truncation).".into()];
    r.evidence = vec![refused.evidence()];
    r.evidence.extend(live.evidence.iter().cloned());
    Some(r)
}

/// Why the token cannot be sent to Graph (`None` when it can): a token that fails
/// `token.format`, `token.account`, `token.audience` or `token.lifetime` would only earn a 401.
pub fn unusable(ta: &TokenAnalysis, cloud: Cloud) -> Option<(CheckId, String)> {
    for (id, r) in [
        (CheckId::TokenFormat, token_format(ta)),
        (CheckId::TokenAccount, token_account(ta)),
        (CheckId::TokenAudience, token_audience(ta, cloud)),
        (CheckId::TokenLifetime, token_lifetime(ta)),
    ] {
        if r.status == Status::Fail {
            return Some((id, r.summary));
        }
    }
    None
}

/// `token.format`: a well-formed JWT access token (not an ID token, not opaque, not truncated).
pub fn token_format(ta: &TokenAnalysis) -> CheckResult {
    let Some(info) = &ta.info else {
        let reason = ta
            .decode_error
            .clone()
            .unwrap_or_else(|| "it could not be decoded".into());
        let mut r = CheckResult::new(
            CheckId::TokenFormat,
            Status::Fail,
            format!("The token is not a readable JWT: {reason}."),
        );
        r.fix = vec![
            "Copy the whole access token (three base64url parts separated by dots, usually starting with eyJ), not an ID token, a refresh token or a truncated copy.".into(),
            "A token for a personal Microsoft account is opaque and cannot be used: sign in with a work or school account.".into(),
        ];
        r.evidence
            .push(ta.evidence(json!({"decoded": false, "reason": reason})));
        return r;
    };
    let ver = info.version().unwrap_or("?");
    let facts = json!({"typ": info.header.get("typ"), "alg": info.header.get("alg"), "ver": ver, "has_scp": info.claims.contains_key("scp"), "has_roles": info.claims.contains_key("roles"), "idtyp": info.claims.get("idtyp")});
    if ta.id_token {
        let mut r = CheckResult::new(CheckId::TokenFormat, Status::Fail, format!("This is an ID token (v{ver}), not an access token: it proves who signed in to the app, and Graph refuses it."));
        r.fix = vec!["Request an access token for Microsoft Graph (scope https://graph.microsoft.com/.default or a named Graph scope), not the id_token of the sign-in response.".into()];
        r.evidence.push(ta.evidence(facts));
        return r;
    }
    if !info.signed {
        let mut r = CheckResult::new(CheckId::TokenFormat, Status::Fail, "The token has no signature part (it ends with a dot): it was truncated or built by hand.".to_string());
        r.fix = vec!["Copy the whole access token including its third (signature) part.".into()];
        r.evidence.push(ta.evidence(facts));
        return r;
    }
    let flow = match ta.flow {
        Some(Flow::Delegated) => "delegated (scp: app + signed-in user)",
        _ => "app-only (no scp: client credentials)",
    };
    let mut r = CheckResult::new(
        CheckId::TokenFormat,
        Status::Pass,
        format!("A v{ver} JWT access token, {flow}."),
    );
    r.evidence.push(ta.evidence(facts));
    r
}

/// `token.account`: a work or school account, not a personal Microsoft account (docs/facts.md §6a).
pub fn token_account(ta: &TokenAnalysis) -> CheckResult {
    let Some(info) = &ta.info else {
        return CheckResult::new(
            CheckId::TokenAccount,
            Status::Unknown,
            "The token could not be decoded (see token.format), so its account type is unknown.",
        );
    };
    let tid = info.tid();
    let iss = info.str_claim("iss").unwrap_or_default();
    let facts = json!({"tid": tid, "iss": iss, "idp": info.claims.get("idp")});
    let personal = tid == Some(MSA_TENANT_ID) || iss.contains(MSA_TENANT_ID);
    let mut r = if personal {
        let mut r = CheckResult::new(CheckId::TokenAccount, Status::Fail, format!("The token belongs to a personal Microsoft account (tenant {MSA_TENANT_ID}); Graph does not support groups for personal accounts."));
        r.fix = vec![
            "Sign in with a work or school account of the tenant that owns the group (use the tenant-specific authority https://login.microsoftonline.com/{tenant-id}, not /consumers or /common).".into(),
        ];
        r
    } else if tid.is_none() {
        CheckResult::new(
            CheckId::TokenAccount,
            Status::Unknown,
            "The token has no tid claim, so the account type cannot be told.",
        )
    } else {
        CheckResult::new(
            CheckId::TokenAccount,
            Status::Pass,
            format!(
                "A work or school account of tenant {}.",
                tid.unwrap_or_default()
            ),
        )
    };
    r.evidence.push(ta.evidence(facts));
    r
}

/// What an `aud` that is not this cloud's Graph is, with what to do about it.
fn classify_audience(aud: &str, cloud: Cloud) -> (String, String) {
    let a = aud.trim_end_matches('/').to_ascii_lowercase();
    let want = cloud.graph_host();
    if let Some(other) = Cloud::for_graph_audience(aud) {
        return (
            format!("Microsoft Graph of the {} cloud ({}), not the {} cloud ({want})", other.as_str(), other.graph_host(), cloud.as_str()),
            format!("Tokens are not interchangeable between national clouds: request the token from {} for {want}, or run with --cloud {}.", cloud.login_host(), other.as_str()),
        );
    }
    if a == "https://graph.windows.net"
        || a == "00000002-0000-0000-c000-000000000000"
        || a == "https://graph.chinacloudapi.cn"
    {
        return (
            "Azure AD Graph (graph.windows.net), the retired API, not Microsoft Graph".into(),
            format!("Request the token for Microsoft Graph: scope {want}/.default (or resource {want}) instead of https://graph.windows.net/."),
        );
    }
    if a.starts_with("https://management.") || a == "797f4846-ba00-4fd7-ba43-dac1f8f63013" {
        return (
            "Azure Resource Manager (management.azure.com), not Microsoft Graph".into(),
            format!("Request the token for Microsoft Graph: scope {want}/.default; with the Azure CLI: az account get-access-token --resource-type ms-graph."),
        );
    }
    if a.contains("sharepoint.com") || a == "00000003-0000-0ff1-ce00-000000000000" {
        return (
            "SharePoint Online, not Microsoft Graph".into(),
            format!("Request the token for Microsoft Graph: scope {want}/.default."),
        );
    }
    if a.contains("outlook.office") || a == "00000002-0000-0ff1-ce00-000000000000" {
        return (
            "Exchange Online, not Microsoft Graph".into(),
            format!("Request the token for Microsoft Graph: scope {want}/.default."),
        );
    }
    (
        format!("another API ({aud}), not Microsoft Graph"),
        format!("Request the token for Microsoft Graph: scope {want}/.default or a named Graph scope such as {want}/GroupMember.ReadWrite.All."),
    )
}

/// The cloud whose login host issued the token (v2 issuer `{login}/{tid}/v2.0`), when it is a
/// known cloud other than `cloud`. US Government L4 and L5 share a login host, so they are not
/// told apart here; unknown or v1 issuers are not judged.
fn foreign_issuer(info: &crate::auth::TokenInfo, cloud: Cloud) -> Option<Cloud> {
    let iss = url::Url::parse(info.str_claim("iss")?).ok()?;
    let origin = iss.origin().ascii_serialization();
    if origin == cloud.login_host() {
        return None;
    }
    Cloud::ALL.into_iter().find(|c| c.login_host() == origin)
}

/// `token.audience`: issued for Microsoft Graph in the selected cloud (docs/facts.md §6a).
pub fn token_audience(ta: &TokenAnalysis, cloud: Cloud) -> CheckResult {
    let Some(info) = &ta.info else {
        return CheckResult::new(
            CheckId::TokenAudience,
            Status::Unknown,
            "The token could not be decoded (see token.format), so its audience is unknown.",
        );
    };
    let Some(aud) = info.audience() else {
        let mut r = CheckResult::new(
            CheckId::TokenAudience,
            Status::Fail,
            "The token has no aud claim; Graph cannot accept it.",
        );
        r.fix = vec![format!(
            "Request an access token for Microsoft Graph (scope {}/.default).",
            cloud.graph_host()
        )];
        return r;
    };
    let facts = json!({"aud": aud, "cloud": cloud.as_str(), "accepted": cloud.graph_audiences(), "iss": info.str_claim("iss")});
    let ok = cloud
        .graph_audiences()
        .iter()
        .any(|a| a.eq_ignore_ascii_case(aud));
    // Graph's app id is the same in every cloud: a v2 token's issuer tells which cloud's login
    // issued it, and tokens are not interchangeable between clouds (docs/facts.md §6a).
    if let Some(issuer_cloud) = ok.then(|| foreign_issuer(info, cloud)).flatten() {
        let mut r = CheckResult::new(
            CheckId::TokenAudience,
            Status::Fail,
            format!(
                "The token is for Microsoft Graph (aud = {aud}) but was issued by the {} cloud's login ({}), not the {} cloud's: tokens are not interchangeable between clouds.",
                issuer_cloud.as_str(),
                issuer_cloud.login_host(),
                cloud.as_str()
            ));
        r.fix = vec![format!(
            "Acquire the token from {} (scope {}/.default), or run graph-doctor with --cloud {}.",
            cloud.login_host(),
            cloud.graph_host(),
            issuer_cloud.as_str()
        )];
        r.evidence.push(ta.evidence(facts));
        return r;
    }
    let mut r = if ok {
        CheckResult::new(
            CheckId::TokenAudience,
            Status::Pass,
            format!(
                "Issued for Microsoft Graph ({aud}) in the {} cloud.",
                cloud.as_str()
            ),
        )
    } else {
        let (what, fix) = classify_audience(aud, cloud);
        let mut r = CheckResult::new(
            CheckId::TokenAudience,
            Status::Fail,
            format!("The token's audience is {what}: aud = {aud}."),
        );
        r.fix = vec![fix];
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Azcli,
            text: "az account get-access-token --resource-type ms-graph".into(),
        });
        r
    };
    r.evidence.push(ta.evidence(facts));
    r
}

fn duration_text(secs: i64) -> String {
    let s = secs.abs();
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        format!("{} min", s / 60)
    } else if s < 172_800 {
        format!("{} h", s / 3600)
    } else {
        format!("{} days", s / 86_400)
    }
}

/// `token.lifetime`: inside `nbf..exp`, 5 minutes' skew allowed (docs/facts.md §6e).
pub fn token_lifetime(ta: &TokenAnalysis) -> CheckResult {
    let Some(info) = &ta.info else {
        return CheckResult::new(
            CheckId::TokenLifetime,
            Status::Unknown,
            "The token could not be decoded (see token.format), so its lifetime is unknown.",
        );
    };
    let now = ta.now;
    let exp = info.time_claim("exp");
    let nbf = info.time_claim("nbf");
    let facts = json!({"now_utc": utc(now), "nbf": nbf, "exp": exp, "nbf_utc": nbf.map(utc), "exp_utc": exp.map(utc), "skew_seconds": SKEW_SECS});
    let mut r = match exp {
        None => {
            let mut r = CheckResult::new(
                CheckId::TokenLifetime,
                Status::Fail,
                "The token has no exp claim; access tokens always carry one.",
            );
            r.fix = vec!["Acquire a new access token for Microsoft Graph.".into()];
            r
        }
        Some(exp) if now > exp + SKEW_SECS => {
            let mut r = CheckResult::new(
                CheckId::TokenLifetime,
                Status::Fail,
                format!(
                    "The token expired {} ago (exp {}).",
                    duration_text(now - exp),
                    utc(exp)
                ),
            );
            r.fix = vec!["Acquire a new token (MSAL's AcquireTokenSilent refreshes it for you); tokens cannot be extended.".into()];
            r
        }
        Some(_) if nbf.is_some_and(|n| now + SKEW_SECS < n) => {
            let n = nbf.unwrap_or_default();
            let mut r = CheckResult::new(CheckId::TokenLifetime, Status::Fail, format!("The token is not valid yet: nbf {} is {} in the future (check this machine's clock).", utc(n), duration_text(n - now)));
            r.fix = vec!["Check the clocks of this machine and of the machine that requested the token, then acquire a new token.".into()];
            r
        }
        Some(exp) if now > exp => CheckResult::new(
            CheckId::TokenLifetime,
            Status::Warn,
            format!(
                "The token expired {} ago but is inside the 5-minute skew; acquire a new one.",
                duration_text(now - exp)
            ),
        ),
        Some(exp) => CheckResult::new(
            CheckId::TokenLifetime,
            Status::Pass,
            format!(
                "Valid until {} ({} left).",
                utc(exp),
                duration_text(exp - now)
            ),
        ),
    };
    r.evidence.push(ta.evidence(facts));
    r
}

/// `token.tenant`: from the tenant the operator expects (`--tenant`: id or verified domain).
/// `organization` is the answer to `GET /organization?$select=id,verifiedDomains`, needed only
/// when a domain was given.
pub fn token_tenant(
    ta: &TokenAnalysis,
    expected: Option<&str>,
    organization: Option<&crate::checks::evidence::Read>,
) -> CheckResult {
    let Some(expected) = expected.map(str::trim).filter(|e| !e.is_empty()) else {
        return CheckResult::new(
            CheckId::TokenTenant,
            Status::Skipped,
            "No --tenant was given, so the token's tenant was not compared.",
        );
    };
    let Some(tid) = ta.tid() else {
        return CheckResult::new(
            CheckId::TokenTenant,
            Status::Unknown,
            "The token has no readable tid claim (see token.format).",
        );
    };
    let wrong_fix = |r: &mut CheckResult| {
        r.fix = vec![format!("Request the token from the expected tenant's authority: https://login.microsoftonline.com/{expected}/oauth2/v2.0/token (not /common or another tenant).")];
    };
    if crate::knowledge::is_guid(expected) {
        let mut r = if expected.eq_ignore_ascii_case(tid) {
            CheckResult::new(
                CheckId::TokenTenant,
                Status::Pass,
                format!("Issued by the expected tenant {tid}."),
            )
        } else {
            let mut r = CheckResult::new(
                CheckId::TokenTenant,
                Status::Fail,
                format!("Issued by tenant {tid}, not the expected tenant {expected}."),
            );
            wrong_fix(&mut r);
            r
        };
        r.evidence
            .push(ta.evidence(json!({"tid": tid, "expected": expected})));
        return r;
    }
    // A domain: the organization's verified domains tell.
    let Some(read) = organization else {
        return CheckResult::new(CheckId::TokenTenant, Status::Unknown, format!("--tenant {expected} is a domain, and the tenant's verified domains could not be read."));
    };
    let mut r = match read.ok_body() {
        Some(body) => {
            let orgs = body.get("value").and_then(Value::as_array).cloned().unwrap_or_default();
            let org = orgs.iter().find(|o| o.get("id").and_then(Value::as_str).is_some_and(|i| i.eq_ignore_ascii_case(tid))).or(orgs.first());
            let domains: Vec<String> = org
                .and_then(|o| o.get("verifiedDomains"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|d| d.get("name").and_then(Value::as_str).map(str::to_string)).collect())
                .unwrap_or_default();
            let org_id = org.and_then(|o| o.get("id")).and_then(Value::as_str).unwrap_or_default();
            if org_id.eq_ignore_ascii_case(tid) && domains.iter().any(|d| d.eq_ignore_ascii_case(expected)) {
                CheckResult::new(CheckId::TokenTenant, Status::Pass, format!("Issued by tenant {tid}, which has the verified domain {expected}."))
            } else if org_id.eq_ignore_ascii_case(tid) {
                let mut r = CheckResult::new(CheckId::TokenTenant, Status::Fail, format!("Issued by tenant {tid}, whose verified domains ({}) do not include {expected}.", domains.join(", ")));
                wrong_fix(&mut r);
                r
            } else {
                CheckResult::new(CheckId::TokenTenant, Status::Unknown, format!("The organization read answered for tenant {org_id}, not the token's tenant {tid}."))
            }
        }
        None => CheckResult::new(CheckId::TokenTenant, Status::Unknown, format!("--tenant {expected} is a domain, and the tenant's verified domains could not be read: {}. The read needs {}.", read.failure_text(), crate::checks::evidence::needed("organization", ta.flow))),
    };
    r.evidence.push(read.evidence());
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::mint;
    use crate::knowledge::GRAPH_APP_ID;
    use crate::secret::Secret;

    const NOW: i64 = 1_900_000_000;

    fn analyse(claims: Value) -> TokenAnalysis {
        TokenAnalysis::new(&Secret::new(mint(&claims)), NOW)
    }

    fn delegated() -> Value {
        json!({"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/11111111-1111-1111-1111-111111111111/", "tid": "11111111-1111-1111-1111-111111111111", "scp": "GroupMember.ReadWrite.All User.Read", "appid": "22222222-2222-2222-2222-222222222222", "oid": "33333333-3333-3333-3333-333333333333", "ver": "1.0", "nbf": NOW - 60, "exp": NOW + 3600, "wids": ["fdd7a751-b60b-444a-984c-02652fe8fa1c"]})
    }

    #[test]
    fn delegated_and_app_only_tokens_pass_format() {
        let ta = analyse(delegated());
        assert_eq!(ta.flow, Some(Flow::Delegated));
        assert_eq!(token_format(&ta).status, Status::Pass);
        let app = analyse(
            json!({"aud": GRAPH_APP_ID, "tid": "t", "azp": "22222222-2222-2222-2222-222222222222", "ver": "2.0", "exp": NOW + 60}),
        );
        assert_eq!(
            app.flow,
            Some(Flow::Application),
            "no roles at all is still app-only"
        );
        assert_eq!(token_format(&app).status, Status::Pass);
        let v = ta.report_value().expect("claims");
        assert_eq!(v["wids_names"][0], "Groups Administrator");
        assert!(v.get("signature").is_none());
    }

    #[test]
    fn garbage_id_tokens_and_unsigned_tokens_fail_format() {
        let garbage = TokenAnalysis::new(&Secret::new("not a token"), NOW);
        let r = token_format(&garbage);
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("not a readable JWT"));
        assert_eq!(token_account(&garbage).status, Status::Unknown);
        assert!(unusable(&garbage, Cloud::Global).is_some());
        let id = analyse(
            json!({"aud": "22222222-2222-2222-2222-222222222222", "nonce": "n", "tid": "t", "exp": NOW + 60}),
        );
        assert!(id.id_token);
        assert_eq!(token_format(&id).status, Status::Fail);
        let t = mint(&delegated());
        let unsigned = format!(
            "{}.",
            t.rsplit_once('.').map(|(a, _)| a).unwrap_or_default()
        );
        assert_eq!(
            token_format(&TokenAnalysis::new(&Secret::new(unsigned), NOW)).status,
            Status::Fail
        );
    }

    #[test]
    fn a_v2_graph_token_from_another_clouds_login_is_refused() {
        let mut c = delegated();
        c["aud"] = json!(crate::knowledge::GRAPH_APP_ID);
        c["iss"] = json!(format!(
            "https://login.microsoftonline.us/11111111-1111-1111-1111-111111111111/v2.0"
        ));
        let r = token_audience(&analyse(c.clone()), Cloud::Global);
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(r.summary.contains("usgov"), "{}", r.summary);
        assert_eq!(
            token_audience(&analyse(c.clone()), Cloud::UsGov).status,
            Status::Pass
        );
        c["iss"] = json!(format!(
            "https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/v2.0"
        ));
        assert_eq!(
            token_audience(&analyse(c), Cloud::Global).status,
            Status::Pass
        );
    }

    #[test]
    fn ids_that_are_not_guids_are_not_used_in_requests() {
        let mut c = delegated();
        c["oid"] = json!("../../servicePrincipals");
        c["appid"] = json!("x' or 1 eq 1");
        let t = analyse(c);
        assert_eq!(t.oid(), None);
        assert_eq!(t.app_id(), None);
        assert!(analyse(delegated()).oid().is_some());
    }

    #[test]
    fn personal_accounts_fail() {
        let mut c = delegated();
        c["tid"] = json!(MSA_TENANT_ID);
        assert_eq!(token_account(&analyse(c)).status, Status::Fail);
        // A guest from a personal account inside a work tenant is a work-tenant token.
        let mut g = delegated();
        g["idp"] = json!("live.com");
        assert_eq!(token_account(&analyse(g)).status, Status::Pass);
    }

    #[test]
    fn audiences_are_told_apart() {
        for (aud, word) in [
            ("https://graph.windows.net/", "Azure AD Graph"),
            ("00000002-0000-0000-c000-000000000000", "Azure AD Graph"),
            ("https://management.azure.com/", "Azure Resource Manager"),
            ("https://graph.microsoft.us", "usgov"),
            ("https://contoso.sharepoint.com", "SharePoint"),
            ("api://my-api", "another API"),
        ] {
            let mut c = delegated();
            c["aud"] = json!(aud);
            let r = token_audience(&analyse(c), Cloud::Global);
            assert_eq!(r.status, Status::Fail, "{aud}");
            assert!(r.summary.contains(word), "{aud}: {}", r.summary);
        }
        for aud in ["https://graph.microsoft.com/", GRAPH_APP_ID] {
            let mut c = delegated();
            c["aud"] = json!(aud);
            assert_eq!(
                token_audience(&analyse(c), Cloud::Global).status,
                Status::Pass
            );
        }
        let mut c = delegated();
        c["aud"] = json!("https://graph.microsoft.us/");
        assert_eq!(
            token_audience(&analyse(c), Cloud::UsGov).status,
            Status::Pass
        );
    }

    #[test]
    fn lifetime_allows_five_minutes_of_skew() {
        let mut c = delegated();
        c["exp"] = json!(NOW - 3600);
        let r = token_lifetime(&analyse(c.clone()));
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("expired 60 min ago"), "{}", r.summary);
        c["exp"] = json!(NOW - 120);
        assert_eq!(token_lifetime(&analyse(c.clone())).status, Status::Warn);
        c["exp"] = json!(NOW + 3600);
        c["nbf"] = json!(NOW + 3000);
        assert_eq!(token_lifetime(&analyse(c.clone())).status, Status::Fail);
        c["nbf"] = json!(NOW + 200);
        assert_eq!(token_lifetime(&analyse(c)).status, Status::Pass);
    }

    #[test]
    fn tenant_is_compared_by_id() {
        let ta = analyse(delegated());
        assert_eq!(token_tenant(&ta, None, None).status, Status::Skipped);
        assert_eq!(
            token_tenant(&ta, Some("11111111-1111-1111-1111-111111111111"), None).status,
            Status::Pass
        );
        assert_eq!(
            token_tenant(&ta, Some("44444444-1111-1111-1111-111111111111"), None).status,
            Status::Fail
        );
        assert_eq!(
            token_tenant(&ta, Some("contoso.com"), None).status,
            Status::Unknown
        );
    }

    #[test]
    fn tenant_is_compared_by_verified_domain() {
        use crate::checks::evidence::{Read, ReadKey};
        let ta = analyse(delegated());
        let org = |status: u16, body: Value| {
            Read::answered(
                ReadKey::Organization,
                "GET /v1.0/organization?$select=id,verifiedDomains",
                status,
                body,
            )
        };
        let ok = org(
            200,
            json!({"value": [{"id": "11111111-1111-1111-1111-111111111111", "verifiedDomains": [{"name": "contoso.com"}, {"name": "contoso.onmicrosoft.com"}]}]}),
        );
        assert_eq!(
            token_tenant(&ta, Some("contoso.onmicrosoft.com"), Some(&ok)).status,
            Status::Pass
        );
        let r = token_tenant(&ta, Some("fabrikam.com"), Some(&ok));
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("contoso.com"));
        let denied = org(
            403,
            json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}),
        );
        let r = token_tenant(&ta, Some("fabrikam.com"), Some(&denied));
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("User.Read"), "{}", r.summary);
    }
}
