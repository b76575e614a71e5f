//! The app's permissions: `auth.flow`, `auth.consent`, `auth.permission` (docs/facts.md §1, §3a, §4a,
//! §6b). The token's `scp`/`roles` against the operation's requirement table, and the client
//! service principal's grants (appRoleAssignments, oauth2PermissionGrants) and app registration
//! (requiredResourceAccess) to tell "never consented", "consented in the other flow" and
//! "consented after this token was issued" apart.

use serde_json::{json, Value};

use crate::checks::evidence::{Ctx, Read, ReadKey, Truncation};
use crate::checks::facts::{app_label, client_sp_id, graph_sp_id, member_type};
use crate::checks::fixes;
use crate::checks::{CheckSpec, Merge, Schedule};
use crate::knowledge::operations::{self, MemberType};
use crate::knowledge::{permissions, Flow, Requirement, GRAPH_APP_ID};
use crate::report::{CheckId, CheckResult, CommandKind, FixCommand, Status};

/// `auth.flow`: Does the token's flow (delegated: scp; application: roles) match where the needed permissions were granted?
pub const AUTH_FLOW: CheckSpec = CheckSpec {
    id: CheckId::AuthFlow,
    title: "Token flow matches the granted permissions",
    question: "Does the token's flow (delegated: scp; application: roles) match where the needed permissions were granted?",
    rule: "A delegated token (device code, auth code) carries only delegated permissions in scp; an app-only token (client credentials) carries only application permissions in roles. A permission granted in the other flow does not help.",
    docs: &[super::DOC_AUTH_ERRORS, "https://learn.microsoft.com/graph/permissions-overview"],
    needs: &[ReadKey::ClientSp, ReadKey::GraphSp, ReadKey::Application, ReadKey::AppRoleAssignments, ReadKey::Oauth2Grants, ReadKey::Member],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: auth_flow,
    on_refusal: None,
};

/// `auth.consent`: Are the permissions the app requests actually consented?
pub const AUTH_CONSENT: CheckSpec = CheckSpec {
    id: CheckId::AuthConsent,
    title: "Requested permissions are consented",
    question: "Are the permissions the app requests actually consented?",
    rule: "Permissions listed in the app registration take effect only once consented; every Graph group permission needs administrator consent.",
    docs: &["https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent", "https://learn.microsoft.com/graph/permissions-overview"],
    needs: &[ReadKey::ClientSp, ReadKey::GraphSp, ReadKey::Application, ReadKey::AppRoleAssignments, ReadKey::Oauth2Grants, ReadKey::Member],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: auth_consent,
    on_refusal: None,
};

/// `auth.permission`: Does the token carry a permission sufficient for this operation and this member type?
pub const AUTH_PERMISSION: CheckSpec = CheckSpec {
    id: CheckId::AuthPermission,
    title: "Token carries a sufficient permission",
    question: "Does the token carry a permission sufficient for this operation and this member type?",
    rule: "Each operation needs a least-privileged permission that depends on the member type (group-post-members: GroupMember.ReadWrite.All, plus Device, OrgContact or Application permissions for those members; administrativeunit-post-members: AdministrativeUnit.ReadWrite.All).",
    docs: &[super::DOC_ADD_MEMBERS, super::DOC_AU_ADD, "https://learn.microsoft.com/graph/permissions-reference"],
    needs: &[ReadKey::ClientSp, ReadKey::GraphSp, ReadKey::Application, ReadKey::AppRoleAssignments, ReadKey::Oauth2Grants, ReadKey::Member],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: auth_permission,
    on_refusal: None,
};

/// The read that lists the app's grants in `flow`: app role assignments or delegated grants.
fn grants_key(flow: Flow) -> ReadKey {
    match flow {
        Flow::Application => ReadKey::AppRoleAssignments,
        Flow::Delegated => ReadKey::Oauth2Grants,
    }
}

/// The grants (app role assignments, delegated grants) whose resource is Microsoft Graph; all of
/// them when Graph's service principal id is not known or a grant does not name its resource.
fn for_graph<'v>(values: &'v [Value], graph: Option<&'v str>) -> impl Iterator<Item = &'v Value> {
    values.iter().filter(move |a| {
        graph.is_none_or(|g| {
            a.get("resourceId")
                .and_then(Value::as_str)
                .is_none_or(|r| r.eq_ignore_ascii_case(g))
        })
    })
}

/// Application permissions granted to the client (Graph app roles), by name, with grant times.
fn app_role_grants(ctx: &Ctx) -> Option<Vec<(String, Option<String>)>> {
    let values = ctx.read(&ReadKey::AppRoleAssignments)?.values()?;
    let graph = graph_sp_id(ctx);
    Some(
        for_graph(&values, graph.as_deref())
            .filter_map(|a| {
                let id = a.get("appRoleId").and_then(Value::as_str)?;
                let (p, flow) = permissions::by_id(id)?;
                (flow == Flow::Application).then(|| {
                    (
                        p.name.clone(),
                        a.get("createdDateTime")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    )
                })
            })
            .collect(),
    )
}

/// Delegated permissions granted to the client for Microsoft Graph, for everyone or this user.
fn delegated_grants(ctx: &Ctx) -> Option<Vec<String>> {
    let values = ctx.read(&ReadKey::Oauth2Grants)?.values()?;
    let graph = graph_sp_id(ctx);
    let oid = ctx.token.oid();
    Some(crate::checks::facts::delegated_scopes(
        for_graph(&values, graph.as_deref()),
        oid,
    ))
}

/// Grants in `flow`, by name (None when they could not be read).
fn grants(ctx: &Ctx, flow: Flow) -> Option<Vec<String>> {
    match flow {
        Flow::Application => app_role_grants(ctx).map(|v| v.into_iter().map(|(n, _)| n).collect()),
        Flow::Delegated => delegated_grants(ctx),
    }
}

/// How the listing of the grants in `flow` was cut off, when it was: grants missing from it may
/// be on the pages not read, so their absence proves nothing.
fn grants_truncated(ctx: &Ctx, flow: Flow) -> Option<Truncation> {
    ctx.read(&grants_key(flow)).and_then(Read::truncation)
}

/// The `unknown` result for a grant that is not on the pages of a truncated listing.
fn truncated_unknown(ctx: &Ctx, id: CheckId, flow: Flow, what: &str, t: Truncation) -> CheckResult {
    let request = ctx
        .read(&grants_key(flow))
        .map(|r| r.request.clone())
        .unwrap_or_default();
    CheckResult::unknown(
        id,
        format!(
            "{what} is not among the app's {}s read, but the listing ({request}) was truncated {}: the grant may be on the pages not read, so {} cannot be told from it.",
            flow.permission_noun(),
            t.describe(),
            if id == CheckId::AuthFlow { "whether it is granted in that flow" } else { "whether it is consented" }
        ),
    )
}

/// Microsoft Graph permissions the app registration requests in `flow`.
fn requested(ctx: &Ctx, flow: Flow) -> Option<Vec<String>> {
    let body = ctx.read(&ReadKey::Application)?.ok_body()?;
    let want = if flow == Flow::Application {
        "Role"
    } else {
        "Scope"
    };
    Some(
        body.get("requiredResourceAccess")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| {
                r.get("resourceAppId")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.eq_ignore_ascii_case(GRAPH_APP_ID))
            })
            .flat_map(|r| {
                r.get("resourceAccess")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|a| a.get("type").and_then(Value::as_str) == Some(want))
            .filter_map(|a| {
                a.get("id")
                    .and_then(Value::as_str)
                    .and_then(permissions::by_id)
                    .map(|(p, _)| p.name.clone())
            })
            .collect(),
    )
}

/// The requirement for the token's flow and the member's type (a user when unknown).
fn requirement(
    ctx: &Ctx,
    flow: Flow,
) -> (
    Option<&'static Requirement>,
    Result<Option<MemberType>, String>,
) {
    let mt = member_type(ctx);
    let req = operations::requirement(ctx.op.kind, mt.clone().ok().flatten(), flow);
    (req, mt)
}

/// The member's type as [`member_type`] tells it.
type MemberTypeRead = Result<Option<MemberType>, String>;

/// What the three auth checks judge: the token's flow, the operation's requirement for it and
/// the member's type; or the `unknown` result saying why they cannot be judged.
fn judged(
    ctx: &Ctx,
    id: CheckId,
) -> Result<(Flow, &'static Requirement, MemberTypeRead), Box<CheckResult>> {
    if let Some(r) = foreign_audience(ctx, id) {
        return Err(Box::new(r));
    }
    let Some(flow) = ctx.flow() else {
        return Err(Box::new(CheckResult::unknown(
            id,
            "The token could not be read as an access token (see token.format).",
        )));
    };
    match requirement(ctx, flow) {
        (Some(req), mt) => Ok((flow, req, mt)),
        (None, _) => Err(Box::new(CheckResult::unknown(
            id,
            "No permission requirement is known for this operation.",
        ))),
    }
}

/// An `unknown` result when the token is for another API: its `scp`/`roles` then name that API's
/// permissions, not Microsoft Graph's (see `token.audience`).
pub fn foreign_audience(ctx: &Ctx, id: CheckId) -> Option<CheckResult> {
    let aud = crate::checks::token::token_audience(ctx.token, ctx.cloud);
    (aud.status == Status::Fail).then(|| {
        CheckResult::unknown(
            id,
            "The token is issued for another API (see token.audience), so its scp/roles are that API's permissions, not Microsoft Graph's.",
        )
    })
}

/// Whether `perms` meet the requirement of `op` whatever the member's type (when it could not be
/// read): each member type's row of the operations table.
fn covers_every_member_type(
    op: crate::report::OperationKind,
    flow: Flow,
    perms: &[String],
) -> bool {
    MemberType::ALL
        .iter()
        .filter_map(|t| operations::requirement(op, Some(*t), flow))
        .all(|r| r.satisfied_by(perms))
}

/// The change for messages, as (infinitive, gerund): ("add a user", "adding a user").
fn act(kind: crate::report::OperationKind, what: &str) -> (String, String) {
    use crate::report::OperationKind as K;
    match kind {
        K::AddGroupMember | K::AddAuMember | K::CreateAuGroup | K::Request => {
            (format!("add {what}"), format!("adding {what}"))
        }
        K::RemoveGroupMember | K::RemoveAuMember => {
            (format!("remove {what}"), format!("removing {what}"))
        }
        K::AddGroupOwner => (
            format!("add {what} as an owner"),
            format!("adding {what} as an owner"),
        ),
        K::RemoveGroupOwner => (
            format!("remove {what} from the owners"),
            format!("removing {what} from the owners"),
        ),
    }
}

/// The sentence-initial form of a phrase.
fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn flow_claim(flow: Flow) -> &'static str {
    if flow == Flow::Delegated {
        "scp"
    } else {
        "roles"
    }
}

fn perms_text(p: &[String]) -> String {
    if p.is_empty() {
        "none".into()
    } else {
        p.join(" ")
    }
}

fn sp_evidence(ctx: &Ctx) -> Vec<crate::report::Evidence> {
    [
        ReadKey::ClientSp,
        ReadKey::AppRoleAssignments,
        ReadKey::Oauth2Grants,
        ReadKey::Application,
    ]
    .iter()
    .flat_map(|k| ctx.evidence(k))
    .collect()
}

fn what_member(mt: &Result<Option<MemberType>, String>) -> String {
    match mt {
        Ok(Some(t)) => format!("a {}", t.as_str()),
        _ => "a member".into(),
    }
}

/// `auth.flow`: the token's flow matches where the needed permissions were granted.
pub fn auth_flow(ctx: &Ctx) -> CheckResult {
    let id = CheckId::AuthFlow;
    let (flow, req, mt) = match judged(ctx, id) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let perms = ctx.token.permissions();
    let mut r = if req.satisfied_by(&perms) {
        CheckResult::new(
            id,
            Status::Pass,
            format!(
                "{}, and it carries the {} needed ({}).",
                cap(flow.a_token()),
                flow.permission_noun(),
                req.least_text()
            ),
        )
    } else {
        let other = flow.other();
        let other_req = operations::requirement(ctx.op.kind, mt.clone().ok().flatten(), other);
        let other_granted = grants(ctx, other);
        let other_requested = requested(ctx, other);
        let satisfied_other = |g: &[String]| {
            other_req.is_some_and(|o| o.satisfied_by(g))
                || req.missing(&perms).iter().any(|any| {
                    any.iter()
                        .any(|p| g.iter().any(|x| x.eq_ignore_ascii_case(p)))
                })
        };
        let same_granted = grants(ctx, flow);
        let same_ok = same_granted.as_deref().is_some_and(|g| req.satisfied_by(g));
        if !same_ok && other_granted.as_deref().is_some_and(satisfied_other) {
            let mut r = CheckResult::new(id, Status::Fail, format!(
                "The token is {} ({}: {}), but {} is granted to the app as {}: {} tokens cannot use it.",
                flow.as_str(), flow_claim(flow), perms_text(&perms), req.least_text(), other.a_permission(), flow.as_str()
            ));
            flow_fix(ctx, &mut r, flow, req);
            r
        } else if !same_ok
            && other_granted.is_none()
            && other_requested.as_deref().is_some_and(satisfied_other)
            && !requested(ctx, flow).as_deref().is_some_and(|g| {
                req.missing(&perms)
                    .iter()
                    .all(|any| any.iter().any(|p| g.contains(p)))
            })
        {
            let mut r = CheckResult::new(
                id,
                Status::Fail,
                format!(
                    "The token is {}, but the app registration requests {} as {} only.",
                    flow.as_str(),
                    req.least_text(),
                    other.a_permission()
                ),
            );
            flow_fix(ctx, &mut r, flow, req);
            r
        } else if same_ok {
            CheckResult::new(
                id,
                Status::Pass,
                format!(
                    "{}, and {} is granted as {} too: the flow matches (the token predates the grant, see auth.consent).",
                    cap(flow.a_token()),
                    req.least_text(),
                    flow.a_permission()
                ),
            )
        } else if other_granted.is_none() {
            // Only the grants themselves can say the other flow has nothing: unread, unknown.
            CheckResult::unknown(id, format!(
                "The token ({}) lacks {}, and whether it was granted in the other flow could not be read: {}.",
                flow.as_str(), req.least_text(), ctx.why_unread(&grants_key(other))
            ))
        } else if let Some(t) = grants_truncated(ctx, other) {
            truncated_unknown(ctx, id, other, &req.least_text(), t)
        } else {
            CheckResult::new(id, Status::Pass, format!("{}; {} is not granted as {} either, so the flow is not the problem (see auth.consent and auth.permission).", cap(flow.a_token()), req.least_text(), other.a_permission()))
        }
    };
    r.evidence.push(ctx.token.evidence(json!({"flow": flow.as_str(), flow_claim(flow): perms, "idtyp": ctx.token.info.as_ref().and_then(|i| i.claims.get("idtyp").cloned())})));
    r.evidence.extend(sp_evidence(ctx));
    r
}

fn flow_fix(ctx: &Ctx, r: &mut CheckResult, flow: Flow, req: &Requirement) {
    let host = ctx.cloud.graph_host();
    let tid = ctx.token.tid().unwrap_or("<tenant-id>");
    let app = ctx.token.app_id().unwrap_or("<client-id>");
    match flow {
        Flow::Delegated => {
            r.fix = vec![
                format!("Either acquire an app-only token with the client credentials flow (scope {host}/.default) so the application permission applies,"),
                format!("or add {} as a delegated permission of app {app}, grant admin consent and sign in again.", req.least_text()),
            ];
            r.fix_commands.push(FixCommand { kind: CommandKind::Azcli, text: format!("az login --service-principal --username {app} --tenant {tid} --password <secret-or-cert> && az account get-access-token --resource-type ms-graph") });
            r.fix_commands.push(FixCommand { kind: CommandKind::Powershell, text: format!("Connect-MgGraph -ClientId {app} -TenantId {tid} -CertificateThumbprint <thumbprint>   # app-only") });
        }
        Flow::Application => {
            r.fix = vec![
                "Either sign in a user (authorization code or device code flow) so the delegated permission applies,".into(),
                format!("or add {} as an application permission of app {app}, grant admin consent and request a new client-credentials token.", req.least_text()),
            ];
            r.fix_commands.push(FixCommand {
                kind: CommandKind::Powershell,
                text: format!(
                    "Connect-MgGraph -ClientId {app} -TenantId {tid} -Scopes \"{}\"   # delegated",
                    req.least().join("\",\"")
                ),
            });
        }
    }
    for p in req.least() {
        r.fix_commands.extend(
            fixes::grant_permission(
                ctx.cloud,
                tid,
                app,
                client_sp_id(ctx).as_deref(),
                graph_sp_id(ctx).as_deref(),
                p,
                flow,
            )
            .into_iter()
            .filter(|c| c.kind != CommandKind::Portal),
        );
    }
}

/// `auth.consent`: the permissions the app requests are consented.
pub fn auth_consent(ctx: &Ctx) -> CheckResult {
    let id = CheckId::AuthConsent;
    let (flow, req, _) = match judged(ctx, id) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let perms = ctx.token.permissions();
    let tid = ctx.token.tid().unwrap_or("<tenant-id>");
    let app = ctx.token.app_id().unwrap_or("<client-id>");
    let mut r = if req.satisfied_by(&perms) {
        match (grants(ctx, flow), grants_truncated(ctx, flow)) {
            // A listing cut off before its end does not show that a grant is gone.
            (Some(g), Some(t)) if !req.satisfied_by(&g) => {
                truncated_unknown(ctx, id, flow, &req.least_text(), t)
            }
            // The token is a snapshot of the consent at sign-in (docs/facts.md §6b); when the
            // directory's grants could be read, they say whether the app is consented now.
            (Some(g), None) if !req.satisfied_by(&g) => {
                let mut r = CheckResult::new(
                    id,
                    Status::Fail,
                    format!(
                        "The token carries {} ({}), but the app's current {}s no longer include it: consent was removed after this token was issued. This token keeps it until it expires; the next one will not.",
                        req.least_text(),
                        flow_claim(flow),
                        flow.permission_noun()
                    ),
                );
                r.fix = vec![format!("If the removal was a mistake, grant admin consent again for app {} (Entra admin center > Enterprise applications > (app) > Permissions > Grant admin consent); if it was deliberate, the app must stop relying on {}.", app_label(ctx), req.least_text())];
                r.fix_commands.push(FixCommand {
                    kind: CommandKind::Url,
                    text: fixes::admin_consent_url(ctx.cloud, tid, app),
                });
                r
            }
            _ => CheckResult::new(
                id,
                Status::Pass,
                format!(
                    "Consented: the token carries {} ({}).",
                    req.least_text(),
                    flow_claim(flow)
                ),
            ),
        }
    } else {
        let granted = grants(ctx, flow);
        let truncated = grants_truncated(ctx, flow);
        let asked = requested(ctx, flow);
        let missing: Vec<&[String]> = req.missing(&perms);
        let missing_least: Vec<String> =
            missing.iter().filter_map(|a| a.first().cloned()).collect();
        let asked_missing: Vec<String> = asked
            .as_deref()
            .map(|a| {
                missing
                    .iter()
                    .filter_map(|any| {
                        any.iter()
                            .find(|p| a.iter().any(|x| x.eq_ignore_ascii_case(p)))
                            .cloned()
                    })
                    .collect()
            })
            .unwrap_or_default();
        match (granted, truncated) {
            (Some(g), _) if req.satisfied_by(&g) => {
                let when = if flow == Flow::Application {
                    app_role_grants(ctx).unwrap_or_default().into_iter().filter_map(|(_, t)| t).max()
                } else {
                    None
                };
                let iat = ctx.token.info.as_ref().and_then(|i| i.time_claim("iat"));
                let mut r = CheckResult::new(id, Status::Warn, format!(
                    "{} is consented for the app{}, but the token (issued {}) does not carry it: it was consented after this token was issued. Acquire a new token.",
                    req.least_text(),
                    when.map(|w| format!(" (granted {w})")).unwrap_or_default(),
                    iat.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_else(|| "earlier".into())
                ));
                r.fix = vec!["Acquire a new token (sign in again, or request a new client-credentials token): tokens keep the permissions consented when they were issued.".into()];
                r
            }
            // Not on the pages read of a truncated listing: it may be on the others.
            (Some(_), Some(t)) => truncated_unknown(ctx, id, flow, &missing_least.join(" and "), t),
            (Some(_), None) if !asked_missing.is_empty() => {
                let mut r = CheckResult::new(id, Status::Fail, format!(
                    "The app registration requests {} as {}, but it was never consented (no grant exists).",
                    asked_missing.join(" and "), flow.a_permission()
                ));
                r.fix = vec![format!("A Global Administrator, Privileged Role Administrator or Cloud Application Administrator grants admin consent for app {} (Entra admin center > Enterprise applications > (app) > Permissions > Grant admin consent), then acquire a new token.", app_label(ctx))];
                r.fix_commands.push(FixCommand { kind: CommandKind::Url, text: fixes::admin_consent_url(ctx.cloud, tid, app) });
                r.fix_commands.push(FixCommand { kind: CommandKind::Azcli, text: format!("az ad app permission admin-consent --id {app}") });
                for p in &asked_missing {
                    r.fix_commands.extend(fixes::grant_permission(ctx.cloud, tid, app, client_sp_id(ctx).as_deref(), graph_sp_id(ctx).as_deref(), p, flow).into_iter().filter(|c| matches!(c.kind, CommandKind::Powershell | CommandKind::Graph)));
                }
                r
            }
            // The registration could not be read (a multi-tenant app registered elsewhere, or
            // no Application.Read.All): whether it requests the permission is not known.
            (Some(_), None) if asked.is_none() => CheckResult::unknown(id, format!(
                "The app's consented {}s do not include {}, and whether its registration requests it could not be read: {}.",
                flow.permission_noun(), missing_least.join(" and "),
                ctx.why_unread(&ReadKey::Application)
            )),
            (Some(_), None) => CheckResult::new(id, Status::Pass, format!(
                "The app's consented {}s do not include {}, and its registration does not request it either: nothing requested is waiting for consent (see auth.permission).",
                flow.permission_noun(), missing_least.join(" and ")
            )),
            (None, _) if !asked_missing.is_empty() => CheckResult::unknown(id, format!(
                "The app registration requests {}, which the token lacks, but the grants could not be read: {}.",
                asked_missing.join(" and "),
                ctx.why_unread(&grants_key(flow))
            )),
            (None, _) if flow == Flow::Application && perms.is_empty() => CheckResult::new(id, Status::Warn, format!(
                "The app-only token has no roles claim: no application permission at all is consented for app {app}. Whether the registration requests any could not be read: {}.",
                ctx.why_unread(&ReadKey::Application)
            )),
            (None, _) => CheckResult::unknown(id, format!(
                "The token lacks {}; whether the app requests it and whether it was consented could not be read: {}.",
                missing_least.join(" and "),
                ctx.why_unread(&grants_key(flow))
            )),
        }
    };
    r.evidence.push(ctx.token.evidence(json!({flow_claim(flow): perms, "iat": ctx.token.info.as_ref().and_then(|i| i.time_claim("iat"))})));
    r.evidence.extend(sp_evidence(ctx));
    r
}

/// The over-privilege note (`assets/knowledge/membership_rules.json`, `over_privileged`): a
/// warning, never a failure, when some requirement of `req` is met only through a broad
/// permission (Directory.ReadWrite.All) while the least-privileged one of the operations table
/// would do. None when each requirement is met by a permission that is not broad.
fn over_privileged(req: &crate::knowledge::Requirement, perms: &[String]) -> Option<CheckResult> {
    let rule = crate::knowledge::membership::over_privileged();
    let is_broad = |p: &str| rule.broad.iter().any(|b| b.eq_ignore_ascii_case(p));
    let mut through = Vec::new();
    let mut instead = Vec::new();
    for any in &req.all_of {
        let least = any.first()?;
        let held: Vec<&String> = any
            .iter()
            .filter(|p| perms.iter().any(|g| g.eq_ignore_ascii_case(p)))
            .collect();
        if !is_broad(least) && !held.is_empty() && held.iter().all(|p| is_broad(p)) {
            through.extend(held.into_iter().cloned());
            instead.push(least.clone());
        }
    }
    if instead.is_empty() {
        return None;
    }
    through.dedup();
    let mut r = CheckResult::new(
        CheckId::AuthPermission,
        Status::Warn,
        format!(
            "The token works only through {}, broader than needed: {} {} enough for this change. Not a failure.",
            through.join(" and "),
            instead.join(" and "),
            if instead.len() == 1 { "is" } else { "are" }
        ),
    );
    r.fix = vec![format!(
        "Grant {} instead and remove {} from the app if nothing else it does needs it (least privilege).",
        instead.join(" and "),
        through.join(" and ")
    )];
    r.explanation = rule.rule.clone();
    r.docs = vec![
        crate::knowledge::membership::first_doc(&rule.source).unwrap_or_default(),
        super::DOC_ADD_MEMBERS.into(),
    ];
    Some(r)
}

/// `auth.permission`: the token carries a permission sufficient for this operation and member type.
pub fn auth_permission(ctx: &Ctx) -> CheckResult {
    let id = CheckId::AuthPermission;
    let (flow, req, mt) = match judged(ctx, id) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let perms = ctx.token.permissions();
    let tid = ctx.token.tid().unwrap_or("<tenant-id>");
    let app = ctx.token.app_id().unwrap_or("<client-id>");
    let what = what_member(&mt);
    let mut r = if req.satisfied_by(&perms) {
        match &mt {
            Err(e) if !covers_every_member_type(ctx.op.kind, flow, &perms) => {
                CheckResult::unknown(id, format!("The token carries {}, enough for a user or group member, but the member's type could not be read ({e}); devices, contacts and service principals need more.", req.least_text()))
            }
            _ => over_privileged(req, &perms).unwrap_or_else(|| CheckResult::new(id, Status::Pass, format!("The token's {} ({}) include {}, sufficient to {}.", flow_claim(flow), perms_text(&perms), req.describe(), act(ctx.op.kind, &what).0))),
        }
    } else {
        let missing: Vec<String> = req
            .missing(&perms)
            .iter()
            .filter_map(|a| a.first().cloned())
            .collect();
        let granted_now = grants(ctx, flow).is_some_and(|g| req.satisfied_by(&g));
        let mut r = CheckResult::new(
            id,
            Status::Fail,
            format!(
                "The token's {} ({}) lack {}: {} with {} needs {}.{}",
                flow_claim(flow),
                perms_text(&perms),
                missing.join(" and "),
                act(ctx.op.kind, &what).1,
                flow.a_token(),
                req.describe(),
                if granted_now {
                    " It is granted to the app now, after this token was issued: acquire a new token."
                } else {
                    ""
                }
            ),
        );
        if granted_now {
            r.fix = vec![
                "Acquire a new token: the permission was consented after this one was issued."
                    .into(),
            ];
        } else {
            r.fix = vec![format!("Add {} as a Microsoft Graph {} of app {}, grant admin consent, then acquire a new token.", missing.join(" and "), flow.permission_noun(), app_label(ctx))];
            for p in &missing {
                r.fix_commands.extend(fixes::grant_permission(
                    ctx.cloud,
                    tid,
                    app,
                    client_sp_id(ctx).as_deref(),
                    graph_sp_id(ctx).as_deref(),
                    p,
                    flow,
                ));
            }
        }
        r
    };
    r.evidence.push(ctx.token.evidence(json!({flow_claim(flow): perms, "member_type": mt.as_ref().ok().and_then(|m| m.map(|m| m.as_str())), "requirement_source": req.source})));
    r.evidence.extend(ctx.evidence(&ReadKey::Member));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    const GMRW_APP: &str = "dbaae8cf-10b5-4b86-a4a1-f871c94c6695";
    const GMRW_DEL: &str = "f81125ac-d3b7-4573-a3b2-7099cc39df9e";

    fn with_sp(w: World) -> World {
        w.answer(ReadKey::ClientSp, 200, json!({"id": SP, "appId": APP}))
            .answer(
                ReadKey::GraphSp,
                200,
                json!({"id": "99999999-9999-9999-9999-999999999999"}),
            )
    }

    #[test]
    fn permission_depends_on_member_type() {
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"])).answer(
            ReadKey::Member,
            200,
            json!({"@odata.type": "#microsoft.graph.device", "id": MEMBER}),
        );
        let r = auth_permission(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("Device.ReadWrite.All"), "{}", r.summary);
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"])).answer(
            ReadKey::Member,
            200,
            json!({"@odata.type": "#microsoft.graph.user", "id": MEMBER}),
        );
        assert_eq!(auth_permission(&w.ctx()).status, Status::Pass);
        let w = World::new(delegated("User.Read", &[])).answer(
            ReadKey::Member,
            200,
            json!({"@odata.type": "#microsoft.graph.user"}),
        );
        let r = auth_permission(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.fix_commands.iter().any(|c| c.text.contains(GMRW_DEL)));
        // Member type unreadable: base permission present, so unknown rather than a guessed pass.
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"])).denied(ReadKey::Member);
        assert_eq!(auth_permission(&w.ctx()).status, Status::Unknown);
        // An answer without @odata.type does not make the member a user.
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"])).answer(
            ReadKey::Member,
            200,
            json!({"id": MEMBER, "displayName": "x"}),
        );
        let r = auth_permission(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(r.summary.contains("@odata.type"), "{}", r.summary);
        // Directory.ReadWrite.All covers every member type: a pass in substance, with the
        // over-privilege warning.
        let w = World::new(app_only(&["Directory.ReadWrite.All"])).answer(
            ReadKey::Member,
            200,
            json!({"id": MEMBER}),
        );
        assert_eq!(auth_permission(&w.ctx()).status, Status::Warn);
    }

    #[test]
    fn a_token_that_works_only_through_a_broader_permission_is_a_warning() {
        let user = json!({"@odata.type": "#microsoft.graph.user", "id": MEMBER});
        let w = World::new(app_only(&["Directory.ReadWrite.All"])).answer(
            ReadKey::Member,
            200,
            user.clone(),
        );
        let r = auth_permission(&w.ctx());
        assert_eq!(r.status, Status::Warn);
        assert!(
            r.summary.contains("GroupMember.ReadWrite.All is enough"),
            "{}",
            r.summary
        );
        assert!(r
            .fix
            .iter()
            .any(|f| f.contains("Grant GroupMember.ReadWrite.All")));
        // The least-privileged permission beside it, or Group.ReadWrite.All: no note.
        for roles in [
            &["Directory.ReadWrite.All", "GroupMember.ReadWrite.All"][..],
            &["Group.ReadWrite.All"],
        ] {
            let w = World::new(app_only(roles)).answer(ReadKey::Member, 200, user.clone());
            assert_eq!(auth_permission(&w.ctx()).status, Status::Pass, "{roles:?}");
        }
        // A device member through Directory.ReadWrite.All alone: both least permissions named.
        let w = World::new(app_only(&["Directory.ReadWrite.All"])).answer(
            ReadKey::Member,
            200,
            json!({"@odata.type": "#microsoft.graph.device", "id": MEMBER}),
        );
        let r = auth_permission(&w.ctx());
        assert_eq!(r.status, Status::Warn);
        assert!(
            r.summary
                .contains("GroupMember.ReadWrite.All and Device.ReadWrite.All are enough"),
            "{}",
            r.summary
        );
    }

    #[test]
    fn flow_mismatch_is_found_in_the_grants() {
        let w = with_sp(World::new(delegated("User.Read", &[])))
            .values(ReadKey::AppRoleAssignments, json!([{"appRoleId": GMRW_APP, "resourceId": "99999999-9999-9999-9999-999999999999"}]))
            .values(ReadKey::Oauth2Grants, json!([{"scope": "User.Read", "consentType": "AllPrincipals", "resourceId": "99999999-9999-9999-9999-999999999999"}]));
        let r = auth_flow(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(r.summary.contains("application permission"));
        // Without the registration, whether it requests the delegated scope is not known.
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(r.summary.contains("registration"), "{}", r.summary);
        // The registration requests nothing delegated beyond what is granted: not a consent gap.
        let w = w.answer(
            ReadKey::Application,
            200,
            json!({"requiredResourceAccess": [{"resourceAppId": crate::knowledge::GRAPH_APP_ID, "resourceAccess": [{"id": GMRW_APP, "type": "Role"}]}]}),
        );
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
    }

    #[test]
    fn never_consented_and_consented_after_issue() {
        let w = with_sp(World::new(app_only(&[])))
            .values(ReadKey::AppRoleAssignments, json!([]))
            .values(ReadKey::Oauth2Grants, json!([]))
            .answer(ReadKey::Application, 200, json!({"requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": GMRW_APP, "type": "Role"}]}]}));
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.text.contains("adminconsent")));
        assert_eq!(auth_flow(&w.ctx()).status, Status::Pass);
        let w = with_sp(World::new(app_only(&[])))
            .values(
                ReadKey::AppRoleAssignments,
                json!([{"appRoleId": GMRW_APP, "createdDateTime": "2030-03-17T17:46:40Z"}]),
            )
            .values(ReadKey::Oauth2Grants, json!([]));
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Warn);
        assert!(r.summary.contains("after this token was issued"));
        let r = auth_permission(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("acquire a new token"));
    }

    #[test]
    fn consent_removed_after_the_token_was_issued_fails() {
        // The token still carries the role, but the directory no longer grants it.
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"]))
            .group(json!({}))
            .values(ReadKey::AppRoleAssignments, json!([]));
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(r.summary.contains("consent was removed"), "{}", r.summary);
        // Still granted: consented.
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"]))
            .group(json!({}))
            .values(
                ReadKey::AppRoleAssignments,
                json!([{"appRoleId": GMRW_APP}]),
            );
        assert_eq!(auth_consent(&w.ctx()).status, Status::Pass);
        // Grants unreadable: the token is the only evidence, and it carries the role.
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"])).group(json!({}));
        assert_eq!(auth_consent(&w.ctx()).status, Status::Pass);
    }

    /// A listing cut off before its end (issue 15, item 11): the needed grant may be on a page
    /// not read, so its absence makes auth.consent unknown, never a failure.
    #[test]
    fn a_truncated_grants_listing_is_unknown_never_a_failure() {
        let page = json!({"value": [{"appRoleId": "00000000-0000-0000-0000-00000000000a", "resourceId": "99999999-9999-9999-9999-999999999999"}], "@odata.nextLink": "https://graph.microsoft.com/v1.0/servicePrincipals/x/appRoleAssignments?$skiptoken=2"});
        let mut w = with_sp(World::new(app_only(&["GroupMember.ReadWrite.All"])))
            .group(json!({}))
            .answer(ReadKey::AppRoleAssignments, 200, page.clone());
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(
            r.summary.contains("truncated after 1 page"),
            "{}",
            r.summary
        );
        // Cut at the engine's page limit: the same, saying so.
        if let Some(read) = w.reads.get_mut(&ReadKey::AppRoleAssignments) {
            read.truncated = Some(Truncation {
                pages: 11,
                items: 10989,
                cause: crate::checks::evidence::TruncationCause::PageLimit,
            });
        }
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(
            r.summary.contains("after 11 pages (10989 items;"),
            "{}",
            r.summary
        );
        assert!(r.summary.contains("page limit"), "{}", r.summary);
        assert!(
            r.evidence
                .iter()
                .any(|e| e.facts.get("truncated").is_some()),
            "the evidence says the listing was truncated"
        );
        // The needed grant on the pages read: consented, truncated or not.
        let w = with_sp(World::new(app_only(&["GroupMember.ReadWrite.All"])))
            .group(json!({}))
            .answer(
                ReadKey::AppRoleAssignments,
                200,
                json!({"value": [{"appRoleId": GMRW_APP}], "@odata.nextLink": "https://graph.microsoft.com/v1.0/next"}),
            );
        assert_eq!(auth_consent(&w.ctx()).status, Status::Pass);
        // Never consented, by a truncated listing: unknown as well.
        let w = with_sp(World::new(app_only(&[])))
            .answer(ReadKey::AppRoleAssignments, 200, page)
            .values(ReadKey::Oauth2Grants, json!([]))
            .answer(ReadKey::Application, 200, json!({"requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [{"id": GMRW_APP, "type": "Role"}]}]}));
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        // Delegated: 5,000 per-user grants of others, the AllPrincipals one not reached.
        let w = with_sp(World::new(delegated("GroupMember.ReadWrite.All", &[])))
            .group(json!({}))
            .answer(
                ReadKey::Oauth2Grants,
                200,
                json!({"value": [{"consentType": "Principal", "principalId": "someone-else", "scope": "GroupMember.ReadWrite.All"}], "@odata.nextLink": "https://graph.microsoft.com/v1.0/next"}),
            );
        let r = auth_consent(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        // auth.flow does not conclude "not granted in the other flow" from a truncated listing.
        let w = with_sp(World::new(delegated("User.Read", &[])))
            .values(ReadKey::Oauth2Grants, json!([]))
            .answer(
                ReadKey::AppRoleAssignments,
                200,
                json!({"value": [], "@odata.nextLink": "https://graph.microsoft.com/v1.0/next"}),
            );
        let r = auth_flow(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
    }

    #[test]
    fn administrative_unit_operations_use_their_own_requirements() {
        use crate::report::OperationKind;
        let w = World::new(app_only(&["Group.Create", "AdministrativeUnit.Read.All"]))
            .au_op(OperationKind::CreateAuGroup);
        assert_eq!(auth_permission(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&["Group.Create"])).au_op(OperationKind::CreateAuGroup);
        let r = auth_permission(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary.contains("AdministrativeUnit.Read.All"),
            "{}",
            r.summary
        );
        // Directory.ReadWrite.All alone does it, more broadly than Group.ReadWrite.All and
        // AdministrativeUnit.Read.All: the over-privilege warning.
        let w = World::new(delegated("Directory.ReadWrite.All", &[]))
            .au_op(OperationKind::CreateAuGroup);
        assert_eq!(auth_permission(&w.ctx()).status, Status::Warn);
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"]))
            .au_op(OperationKind::AddAuMember)
            .answer(
                ReadKey::Member,
                200,
                json!({"@odata.type": "#microsoft.graph.user"}),
            );
        let r = auth_permission(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("AdministrativeUnit.ReadWrite.All"));
        // A token for another API: its scopes are not Graph's.
        let mut w = World::new(delegated("user_impersonation", &[]));
        w.token = crate::checks::evidence::TokenAnalysis::new(
            &crate::secret::Secret::new(crate::auth::jwt::mint(
                &json!({"aud": "https://management.azure.com/", "scp": "user_impersonation", "tid": TENANT, "appid": APP, "exp": NOW + 60}),
            )),
            NOW,
        );
        assert_eq!(auth_permission(&w.ctx()).status, Status::Unknown);
    }
}
