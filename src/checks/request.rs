//! Any Graph request (`check --request "GET /users/{id}/memberOf"`): `request.consent` and
//! `request.permission`. What the request needs comes from Microsoft's permissions map
//! (`knowledge::permission_map`, the data behind every Graph API page's permissions table); what
//! the app has comes from the token's `scp`/`roles` and from the client service principal's
//! grants (appRoleAssignments, oauth2PermissionGrants), named through the map's permission ids.
//! How to read a permissions table: https://learn.microsoft.com/graph/permissions-reference
//!
//! The deep operations (adding a member to a group or an administrative unit, creating a group in
//! one) never get here: `check --request` routes them to their own checks, and these two say
//! `skipped` for them.

use serde_json::{json, Value};

use crate::checks::evidence::{Ctx, ReadKey};
use crate::checks::facts::{client_sp_id, graph_sp_id};
use crate::checks::{fixes, CheckSpec, Merge, Schedule};
use crate::knowledge::permission_map::{self, Answer, FlowAnswer, Source};
use crate::knowledge::Flow;
use crate::report::{CheckId, CheckResult, CommandKind, FixCommand, OperationKind, Status};

const DOC_PERMISSIONS: &str = "https://learn.microsoft.com/graph/permissions-reference";
const DOC_OVERVIEW: &str = "https://learn.microsoft.com/graph/permissions-overview";
const DOC_CONSENT: &str =
    "https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent";

/// `request.consent`: Is a permission the request needs granted to the app, in the token's flow?
pub const REQUEST_CONSENT: CheckSpec = CheckSpec {
    id: CheckId::RequestConsent,
    title: "A permission the request needs is granted to the app",
    question: "Is a permission the permissions map lists for this request granted (consented) to the app, in the token's flow?",
    rule: "A permission reaches a token only once it is granted to the app's service principal: an application permission as an appRoleAssignment, a delegated one as an oauth2PermissionGrant (admin or user consent). A grant in the other flow does not help.",
    docs: &[DOC_CONSENT, DOC_OVERVIEW],
    needs: &[ReadKey::ClientSp, ReadKey::GraphSp, ReadKey::AppRoleAssignments, ReadKey::Oauth2Grants],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: request_consent,
    on_refusal: None,
};

/// `request.permission`: Does the token carry a permission the map lists for this request?
pub const REQUEST_PERMISSION: CheckSpec = CheckSpec {
    id: CheckId::RequestPermission,
    title: "Token carries a permission the request needs",
    question: "Does the token carry a permission the permissions map lists for this request in its flow (with what that permission also requires)?",
    rule: "Graph allows a request when the token carries one of the permissions its permissions table lists for the token's flow (delegated: scp; application: roles); the least-privileged one is enough. Otherwise it answers 403 Authorization_RequestDenied.",
    docs: &[DOC_PERMISSIONS, DOC_OVERVIEW],
    needs: &[],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: request_permission,
    on_refusal: None,
};

/// Whether `id` is one of this family's checks.
pub fn is_request_check(id: CheckId) -> bool {
    matches!(id, CheckId::RequestConsent | CheckId::RequestPermission)
}

/// The map's answer for the request under diagnosis.
fn answer(ctx: &Ctx) -> Option<Answer> {
    let r = ctx.op.request.as_ref()?;
    permission_map::lookup_str(&r.method, &r.path).ok()
}

/// "GET /users/{id}/memberof" (the template), or the path when nothing matched.
fn label(ctx: &Ctx, a: &Answer) -> String {
    let r = ctx.op.request.as_ref();
    format!(
        "{} {}",
        r.map(|r| r.method.as_str()).unwrap_or("GET"),
        a.template
            .clone()
            .or_else(|| r.map(|r| r.path.clone()))
            .unwrap_or_default()
    )
}

fn flow_label(flow: Flow) -> &'static str {
    match flow {
        Flow::Delegated => "delegated (work or school account)",
        Flow::Application => "application",
    }
}

/// Whether the permissions `held` satisfy the flow's answer: every entry of `all_of` met by one
/// of its names, together with what that name also requires (`AlsoRequires=` in the map).
fn satisfied_by(fa: &FlowAnswer, held: &[String]) -> Option<String> {
    let has = |n: &str| held.iter().any(|h| h.eq_ignore_ascii_case(n));
    let mut met = Vec::new();
    for entry in &fa.all_of {
        let hit = entry.iter().find(|n| {
            has(n)
                && fa
                    .options
                    .iter()
                    .find(|o| o.name.eq_ignore_ascii_case(n))
                    .is_none_or(|o| o.also_requires.iter().all(|a| has(a)))
        })?;
        met.push(hit.clone());
    }
    (!met.is_empty()).then(|| met.join(" and "))
}

/// "User.Read.All (least privileged; with X), or Directory.Read.All; higher: …".
fn wanted(fa: &FlowAnswer) -> String {
    let with = |n: &String| {
        let also = fa
            .options
            .iter()
            .find(|o| &o.name == n)
            .map(|o| o.also_requires.clone())
            .unwrap_or_default();
        if also.is_empty() {
            n.clone()
        } else {
            format!("{n} (with {})", also.join(", "))
        }
    };
    let joiner = if fa.all_needed { " and " } else { " or " };
    let least: Vec<String> = fa.least.iter().map(with).collect();
    let mut s = format!("least privileged {}", least.join(joiner));
    if !fa.alternatives.is_empty() {
        s.push_str(&format!("; higher: {}", fa.alternatives.join(", ")));
    }
    s
}

/// The facts of the map's answer worth quoting as evidence.
fn map_facts(a: &Answer, fa: &FlowAnswer, flow: Flow) -> Value {
    json!({
        "template": a.template,
        "source": a.source.as_str(),
        "flow": flow.as_str(),
        "least": fa.least,
        "alternatives": fa.alternatives,
        "admin_consent": fa.admin_consent,
    })
}

fn map_evidence(a: &Answer, fa: &FlowAnswer, flow: Flow) -> crate::report::Evidence {
    crate::report::Evidence {
        request: "Microsoft Graph permissions map (offline)".into(),
        status: None,
        latency_ms: None,
        facts: map_facts(a, fa, flow),
    }
}

/// Why the check cannot start: not a generic request, no flow, no map entry.
fn precondition(ctx: &Ctx, id: CheckId) -> Result<(Answer, Flow), Box<CheckResult>> {
    if ctx.op.kind != OperationKind::Request {
        return Err(Box::new(CheckResult::skipped(
            id,
            format!(
                "Only for a generic request (check --request); {} is diagnosed by auth.flow, auth.consent and auth.permission.",
                ctx.op.kind.as_str()
            ),
        )));
    }
    let Some(a) = answer(ctx) else {
        return Err(Box::new(CheckResult::unknown(
            id,
            "The request could not be read (check --request \"METHOD URL\").",
        )));
    };
    if a.source == Source::None {
        let nearest: Vec<String> = a
            .nearest
            .iter()
            .take(3)
            .map(|(m, t)| format!("{} {t}", m.as_str()))
            .collect();
        return Err(Box::new(CheckResult::unknown(
            id,
            format!(
                "The permissions map has no entry for {} {}, so which permission it needs is not known (nearest: {}); `graph-doctor permissions` shows the lookup.",
                a.request.method.as_str(),
                a.request.path,
                if nearest.is_empty() { "none".to_string() } else { nearest.join(", ") }
            ),
        )));
    }
    let Some(flow) = ctx.flow() else {
        return Err(Box::new(CheckResult::unknown(
            id,
            "The token's flow (delegated scp or application roles) could not be read: the token.* checks say why.",
        )));
    };
    Ok((a, flow))
}

/// The permissions of the map granted to the app in `flow`, by name (through the map's ids for
/// app roles), or why they could not be read.
fn granted(ctx: &Ctx, flow: Flow) -> Result<Vec<String>, String> {
    if client_sp_id(ctx).is_none() {
        return Err(ctx.unreadable(
            "app's service principal (whose grants say what is consented)",
            &ReadKey::ClientSp,
        ));
    }
    let graph = graph_sp_id(ctx);
    let for_graph = |v: &Value| {
        graph.as_deref().is_none_or(|g| {
            v.get("resourceId")
                .and_then(Value::as_str)
                .is_none_or(|r| r.eq_ignore_ascii_case(g))
        })
    };
    match flow {
        Flow::Application => {
            let key = ReadKey::AppRoleAssignments;
            let values = ctx
                .read(&key)
                .and_then(|r| r.values())
                .ok_or_else(|| ctx.unreadable("app's application permission grants", &key))?;
            Ok(values
                .iter()
                .filter(|v| for_graph(v))
                .filter_map(|v| {
                    let (p, f) = permission_map::by_id(v.get("appRoleId")?.as_str()?)?;
                    (f == Flow::Application).then(|| p.name.to_string())
                })
                .collect())
        }
        Flow::Delegated => {
            let key = ReadKey::Oauth2Grants;
            let values = ctx
                .read(&key)
                .and_then(|r| r.values())
                .ok_or_else(|| ctx.unreadable("app's delegated permission grants", &key))?;
            let oid = ctx.token.oid();
            Ok(crate::checks::facts::delegated_scopes(
                values.iter().filter(|v| for_graph(v)),
                oid,
            ))
        }
    }
}

/// How to grant the least-privileged permission of `fa` in `flow`, with the map's id.
fn grant_fix(ctx: &Ctx, fa: &FlowAnswer, flow: Flow) -> (Vec<String>, Vec<FixCommand>) {
    let app = ctx.token.app_id().unwrap_or("<app-id>");
    let tenant = ctx.token.tid().unwrap_or("<tenant-id>");
    let Some(least) = fa.least.first() else {
        return (Vec::new(), Vec::new());
    };
    let consent = match fa.admin_consent {
        Some(false) => "a user can consent to it (or an administrator for everyone)",
        _ => "an administrator must grant consent",
    };
    let mut fix = vec![format!(
        "Add {least} ({}) of Microsoft Graph to the app {app} and grant it: {consent}; then acquire a new token.",
        flow.permission_noun()
    )];
    let mut cmds = vec![FixCommand {
        kind: CommandKind::Portal,
        text: format!(
            "Entra admin center > App registrations > (app {app}) > API permissions > Add a permission > Microsoft Graph > {} > {least} > Grant admin consent",
            if flow == Flow::Application { "Application permissions" } else { "Delegated permissions" }
        ),
    }];
    if let Some(id) = permission_map::id_of(least, flow) {
        let kind = if flow == Flow::Application {
            "Role"
        } else {
            "Scope"
        };
        cmds.push(FixCommand {
            kind: CommandKind::Azcli,
            text: format!(
                "az ad app permission add --id {app} --api {} --api-permissions {id}={kind} && az ad app permission admin-consent --id {app}",
                crate::knowledge::GRAPH_APP_ID
            ),
        });
        if flow == Flow::Application {
            let sp = client_sp_id(ctx).unwrap_or_else(|| "<client-service-principal-id>".into());
            let graph =
                graph_sp_id(ctx).unwrap_or_else(|| "<microsoft-graph-service-principal-id>".into());
            cmds.push(FixCommand {
                kind: CommandKind::Graph,
                text: format!("POST /v1.0/servicePrincipals/{sp}/appRoleAssignments {{\"principalId\": \"{sp}\", \"resourceId\": \"{graph}\", \"appRoleId\": \"{id}\"}}"),
            });
        }
    }
    cmds.push(FixCommand {
        kind: CommandKind::Url,
        text: fixes::admin_consent_url(ctx.cloud, tenant, app),
    });
    if fa.least.len() > 1 && !fa.all_needed {
        fix.push(format!(
            "Any one of {} will do (the least privileged).",
            fa.least.join(", ")
        ));
    }
    (fix, cmds)
}

/// The answer of a flow in which no permission can make the request, as a failure naming the
/// flow that can.
fn wrong_flow(ctx: &Ctx, id: CheckId, a: &Answer, flow: Flow) -> CheckResult {
    let other = a.flow(flow.other());
    let fa = a.flow(flow);
    let why = fa.unavailable.clone().unwrap_or_else(|| {
        format!(
            "the permissions map lists no {} for it",
            flow.permission_noun()
        )
    });
    let mut r = CheckResult::new(
        id,
        Status::Fail,
        format!(
            "{} cannot be made with {}: {why}.{}",
            label(ctx, a),
            flow.a_token(),
            if other.is_empty() {
                String::new()
            } else {
                format!(" With {}: {}.", flow.other().a_token(), wanted(other))
            }
        ),
    );
    if !other.is_empty() {
        r.fix.push(format!(
            "Acquire {} ({}) carrying {}.",
            flow.other().a_token(),
            match flow.other() {
                Flow::Application => "client credentials: a secret or a certificate",
                Flow::Delegated => "a signed-in user: device code or authorization code",
            },
            other.least.join(" or ")
        ));
    }
    r.evidence.push(map_evidence(a, fa, flow));
    r
}

fn request_consent(ctx: &Ctx) -> CheckResult {
    let id = CheckId::RequestConsent;
    let (a, flow) = match precondition(ctx, id) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let fa = a.flow(flow);
    if fa.is_empty() {
        return CheckResult::skipped(
            id,
            format!(
                "No {} can make {} (request.permission says which flow can), so there is no grant to look for.",
                flow.permission_noun(),
                label(ctx, &a)
            ),
        );
    }
    let grants = match granted(ctx, flow) {
        Ok(g) => g,
        Err(why) => return CheckResult::unknown(id, why),
    };
    let key = match flow {
        Flow::Application => ReadKey::AppRoleAssignments,
        Flow::Delegated => ReadKey::Oauth2Grants,
    };
    let mut evidence = ctx.evidence(&key);
    evidence.push(map_evidence(&a, fa, flow));
    if let Some(met) = satisfied_by(fa, &grants) {
        let mut r = CheckResult::new(
            id,
            Status::Pass,
            format!(
                "{met} is granted to the app as {}, which the permissions map lists for {}.",
                flow.permission_noun(),
                label(ctx, &a)
            ),
        );
        r.evidence = evidence;
        return r;
    }
    let truncated = ctx.read(&key).and_then(|r| r.truncation());
    if let Some(t) = truncated {
        return CheckResult::unknown(
            id,
            format!(
                "None of the permissions {} needs is among the app's grants read, but the listing was truncated {}: the grant may be on the pages not read.",
                label(ctx, &a),
                t.describe()
            ),
        );
    }
    // Granted in the other flow only: the token's flow is the thing to change.
    let in_other = granted(ctx, flow.other())
        .ok()
        .and_then(|g| satisfied_by(a.flow(flow.other()), &g));
    let mut r = CheckResult::new(
        id,
        Status::Fail,
        match &in_other {
            Some(other) => format!(
                "{} needs {} ({}), but none is granted to the app; {other} is granted as {}, which {} does not carry.",
                label(ctx, &a),
                flow.a_permission(),
                wanted(fa),
                flow.other().permission_noun(),
                flow.a_token()
            ),
            None => format!(
                "{} needs {} ({}), but none is granted to the app (granted: {}).",
                label(ctx, &a),
                flow.a_permission(),
                wanted(fa),
                if grants.is_empty() { "none".to_string() } else { grants.join(", ") }
            ),
        },
    );
    let (fix, cmds) = grant_fix(ctx, fa, flow);
    r.fix = fix;
    if in_other.is_some() {
        r.fix.push(format!(
            "Or acquire {} instead: the permission granted in that flow is enough.",
            flow.other().a_token()
        ));
    }
    r.fix_commands = cmds;
    r.evidence = evidence;
    r
}

fn request_permission(ctx: &Ctx) -> CheckResult {
    let id = CheckId::RequestPermission;
    let (a, flow) = match precondition(ctx, id) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let fa = a.flow(flow);
    if fa.is_empty() || fa.unavailable.is_some() {
        return wrong_flow(ctx, id, &a, flow);
    }
    let held = ctx.token.permissions();
    let claim = match flow {
        Flow::Delegated => "scp",
        Flow::Application => "roles",
    };
    let token_ev = crate::report::Evidence {
        request: "token claims (decoded offline)".into(),
        status: None,
        latency_ms: None,
        facts: json!({ claim: held }),
    };
    if let Some(met) = satisfied_by(fa, &held) {
        let least = fa.least.iter().any(|l| met.contains(l.as_str()));
        let mut r = CheckResult::new(
            id,
            Status::Pass,
            format!(
                "The token's {claim} carries {met}, which the permissions map lists for {} ({}).",
                label(ctx, &a),
                if least {
                    "least privileged"
                } else {
                    "higher privileged; the least privileged would do"
                }
            ),
        );
        r.evidence = vec![token_ev, map_evidence(&a, fa, flow)];
        return r;
    }
    let mut r = CheckResult::new(
        id,
        Status::Fail,
        format!(
            "The token's {claim} ({}) carries none of the {} permissions {} needs: {}. Graph answers 403 Authorization_RequestDenied.",
            if held.is_empty() { "empty".to_string() } else { held.join(" ") },
            flow_label(flow),
            label(ctx, &a),
            wanted(fa)
        ),
    );
    let (fix, cmds) = grant_fix(ctx, fa, flow);
    r.fix = fix;
    r.fix.push(
        "If request.consent passes, the permission was granted after this token was issued: acquire a new token."
            .into(),
    );
    r.fix_commands = cmds;
    r.evidence = vec![token_ev, map_evidence(&a, fa, flow)];
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{app_only, delegated, World, SP};
    use crate::report::{Operation, RequestTarget};

    fn memberof(mut w: World) -> World {
        w.op = Operation {
            kind: OperationKind::Request,
            request: Some(RequestTarget {
                method: "GET".into(),
                path: "/users/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b/memberOf".into(),
                template: None,
                version: Some("v1.0".into()),
            }),
            ..Operation::default()
        };
        w
    }

    #[test]
    fn an_app_token_without_a_listed_role_fails_naming_the_least_privileged_one() {
        let w = memberof(World::new(app_only(&["User.ReadBasic.All"])));
        let r = request_permission(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        let least = permission_map::lookup_str("GET", "/users/x/memberOf")
            .expect("parses")
            .application
            .least;
        assert!(!least.is_empty());
        for l in &least {
            assert!(r.summary.contains(l.as_str()), "{}", r.summary);
        }
        assert!(r.fix[0].contains(least[0].as_str()));
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.kind == CommandKind::Azcli && c.text.contains("=Role")));
    }

    #[test]
    fn an_app_token_with_the_least_privileged_role_passes() {
        let w = memberof(World::new(app_only(&["Directory.Read.All"])));
        let r = request_permission(&w.ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
    }

    #[test]
    fn deep_operations_skip_the_request_checks() {
        let w = World::new(app_only(&["Directory.Read.All"]));
        assert_eq!(request_permission(&w.ctx()).status, Status::Skipped);
        assert_eq!(request_consent(&w.ctx()).status, Status::Skipped);
    }

    #[test]
    fn an_app_only_token_on_me_fails_for_its_flow() {
        let mut w = memberof(World::new(app_only(&["Directory.Read.All"])));
        if let Some(r) = w.op.request.as_mut() {
            r.path = "/me/memberOf".into();
        }
        let r = request_permission(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(r.summary.contains("app-only") || r.summary.contains("application"));
    }

    #[test]
    fn grants_are_named_through_the_map_ids_and_a_grant_in_the_other_flow_is_said() {
        let dir_read = permission_map::id_of("Directory.Read.All", Flow::Application)
            .expect("the map has Directory.Read.All's app role id");
        let w = memberof(World::new(app_only(&["User.ReadBasic.All"])))
            .answer(ReadKey::ClientSp, 200, json!({"id": SP}))
            .values(
                ReadKey::AppRoleAssignments,
                json!([{"appRoleId": dir_read, "resourceId": "g"}]),
            );
        let r = request_consent(&w.ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        assert!(r.summary.contains("Directory.Read.All"));
        let w = memberof(World::new(delegated("User.ReadBasic.All", &[])))
            .answer(ReadKey::ClientSp, 200, json!({"id": SP}))
            .values(
                ReadKey::AppRoleAssignments,
                json!([{"appRoleId": dir_read}]),
            )
            .values(
                ReadKey::Oauth2Grants,
                json!([{"consentType": "AllPrincipals", "scope": "User.ReadBasic.All"}]),
            );
        let r = request_consent(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(
            r.summary.contains("granted as application permission"),
            "{}",
            r.summary
        );
    }

    #[test]
    fn unreadable_grants_are_unknown_naming_the_permission() {
        let w = memberof(World::new(app_only(&["User.ReadBasic.All"])))
            .answer(ReadKey::ClientSp, 200, json!({"id": SP}))
            .denied(ReadKey::AppRoleAssignments);
        let r = request_consent(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(
            r.summary.contains("Application.Read.All") || r.summary.contains("Directory.Read.All"),
            "{}",
            r.summary
        );
    }
}
