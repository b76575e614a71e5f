//! Gathering evidence: which reads the checks need, with which token, sent side by side.
//!
//! Each round sends every read that can be made now, one `$batch` per token (up to 20 requests
//! each, chunks in parallel), so a full diagnosis usually takes one round trip: the client
//! service principal's grants and app role assignments are addressed by the app-only token's
//! `oid` or by appId before its object id is read, and an app's role and licence reads ride
//! along before the group says whether they matter (see `client_sp_ref`, `speculative`).
//! A second round holds reader-token retries of reads the diagnosed token was refused, plainer
//! forms of refused queries, and the units of a group listed without their details.
//!
//! A read the diagnosed token evidently may not make (by the least-privileged table,
//! `assets/knowledge/reads.json`) goes straight to the reader token when one was given; a read
//! refused with 401/403 is retried once with it. No read is planned that no check needs.
//!
//! What a faithful Graph may do and this module copes with: batch answers in any order (matched
//! by id), without headers or bodies; no `$batch` at all (each request then goes alone); inner
//! 429/503 (re-sent after Retry-After); collections in pages (`@odata.nextLink` followed up to
//! [`MAX_PAGES`] pages, only below the client's base URL; a listing left unfinished is marked
//! [`Read::truncated`] and the checks treat it as incomplete); an OData cast, `$count`,
//! `$filter` or `$top` refused with 400/501 (a plainer form is read instead, filtered on arrival:
//! `memberOf` for the group's units, `transitiveMemberOf` for the user's roles, the members listed
//! for the duplicate check, the documented forms of the grants and role reads).
//!
//! Reads that grow with the tenant are bounded: app role assignments and role records in pages of
//! 999, the delegated grants narrowed to the tenant-wide ones and the caller's own. A group's
//! administrative units listed in the reduced form (no AdministrativeUnit.Read.All) are listed
//! once more with the reader token rather than read one by one.

use std::collections::HashMap;
use std::time::Duration;

use futures::future::join_all;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::{DiagnoseInput, Progress};
use crate::checks::evidence::TokenAnalysis;
use crate::checks::evidence::{
    first_page_truncation, Challenge, Outcome, Read, ReadKey, Truncation, TruncationCause, Via,
};
use crate::checks::facts::restricted_flag;
use crate::graph::{
    BatchOutcome, GraphClient, GraphRequest, GraphResponse, TransportError, MAX_BATCH,
};
use crate::knowledge::{reads, Flow, GRAPH_APP_ID};
use crate::secret::Secret;

/// Reads made so far.
#[derive(Debug, Default)]
pub struct Gathered {
    /// The final attempt of each read.
    pub reads: HashMap<ReadKey, Read>,
    /// Earlier attempts (the diagnosed token's refused reads before the reader retried).
    pub earlier: Vec<Read>,
    /// Claims challenges in answers to the diagnosed token.
    pub challenges: Vec<Challenge>,
    /// How many answers the diagnosed token got.
    pub diagnosed_answers: usize,
    /// HTTP requests sent (a `$batch` counts once).
    pub http_requests: usize,
    /// Round trips made.
    pub rounds: usize,
    /// Reads re-sent in their plain form after the OData cast was refused (400).
    pub alternated: std::collections::HashSet<ReadKey>,
    /// Reads sent in the first round before what decides them was known (see `speculative`):
    /// the key, and for the client's grants and app role assignments the service principal id
    /// they addressed (None: addressed by appId). Confirmed or forgotten after each round.
    pub speculative: HashMap<ReadKey, Option<String>>,
}

/// One read to make now.
#[derive(Debug, Clone)]
struct Planned {
    key: ReadKey,
    req: GraphRequest,
    via: Via,
    /// When retrying with the reader token: what the diagnosed token got.
    diagnosed_status: Option<u16>,
}

fn q(s: &str) -> String {
    s.replace('\'', "''")
}

/// The request of `key` with the diagnosed token, or (`for_reader`) the equivalent that does not
/// depend on who is signed in (`/me` becomes `/users/{oid}`).
fn request(
    key: &ReadKey,
    input: &DiagnoseInput,
    ta: &TokenAnalysis,
    g: &Gathered,
    for_reader: bool,
) -> Option<GraphRequest> {
    let op = &input.operation;
    let oid = ta.oid();
    let me = if for_reader {
        format!("/users/{}", oid?)
    } else {
        "/me".to_string()
    };
    let r = match key {
        ReadKey::Group => GraphRequest::get(format!(
            "/v1.0/groups/{}?$select=id,displayName,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,membershipRule,onPremisesSyncEnabled,visibility,createdDateTime",
            op.group.as_deref()?
        )),
        ReadKey::GroupAus => GraphRequest::get(format!(
            "/v1.0/groups/{}/memberOf/microsoft.graph.administrativeUnit?$select=id,displayName,isMemberManagementRestricted&$count=true",
            op.group.as_deref()?
        ))
        .eventual(),
        ReadKey::GroupOwners => GraphRequest::get(format!("/v1.0/groups/{}/owners?$select=id", op.group.as_deref()?)),
        ReadKey::GroupMember => GraphRequest::get(format!(
            "/v1.0/groups/{}/members?$select=id&$filter=id eq '{}'&$count=true",
            op.group.as_deref()?,
            q(op.member.as_deref()?)
        ))
        .eventual(),
        ReadKey::GroupMembersList => GraphRequest::get(format!(
            "/v1.0/groups/{}/members?$select=id&$top=999",
            op.group.as_deref()?
        )),
        ReadKey::Member => GraphRequest::get(format!("/v1.0/directoryObjects/{}", op.member.as_deref()?)),
        ReadKey::Au => GraphRequest::get(format!(
            "/v1.0/directory/administrativeUnits/{}?$select=id,displayName,isMemberManagementRestricted,membershipType",
            op.au.as_deref()?
        )),
        ReadKey::AuDetails(id) => GraphRequest::get(format!(
            "/v1.0/directory/administrativeUnits/{id}?$select=id,displayName,isMemberManagementRestricted,membershipType"
        )),
        ReadKey::AuMember => GraphRequest::get(format!(
            "/v1.0/directory/administrativeUnits/{}/members/{}",
            op.au.as_deref()?,
            op.member.as_deref()?
        )),
        ReadKey::Organization => GraphRequest::get("/v1.0/organization?$select=id,verifiedDomains"),
        // userType: guests cannot use AU-scoped roles without a tenant-wide read role.
        ReadKey::Me => GraphRequest::get(format!("/v1.0{me}?$select=id,displayName,userPrincipalName,userType,assignedLicenses")),
        ReadKey::MeRoles => GraphRequest::get(format!(
            "/v1.0{me}/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId&$count=true"
        ))
        .eventual(),
        // Direct and transitive assignments (through role-assignable groups), tenant-wide and
        // AU-scoped: https://learn.microsoft.com/graph/api/rbacapplication-list-transitiveroleassignments
        // (beta; "ConsistencyLevel: eventual. This header, `$count`, and `$filter` are required").
        ReadKey::RoleAssignments => GraphRequest::get(format!(
            "/beta/roleManagement/directory/transitiveRoleAssignments?$count=true&$filter=principalId eq '{}'",
            q(oid?)
        ))
        .eventual(),
        ReadKey::RoleEligibility => GraphRequest::get(format!(
            "/v1.0/roleManagement/directory/roleEligibilitySchedules?$filter=principalId eq '{}'&$top=999",
            q(oid?)
        )),
        // Every definition in one read, so the roles found by the other reads of the same round
        // resolve without another round trip:
        // https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions
        ReadKey::RoleDefinitions => GraphRequest::get(
            "/v1.0/roleManagement/directory/roleDefinitions?$select=id,displayName,isBuiltIn,templateId,rolePermissions",
        ),
        ReadKey::ClientSp => GraphRequest::get(format!(
            "/v1.0/servicePrincipals(appId='{}')?$select=id,appId,displayName",
            q(ta.app_id()?)
        )),
        ReadKey::GraphSp => GraphRequest::get(format!("/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id,appId,displayName")),
        ReadKey::Application => GraphRequest::get(format!(
            "/v1.0/applications(appId='{}')?$select=id,appId,requiredResourceAccess",
            q(ta.app_id()?)
        )),
        // serviceprincipal-list-approleassignments supports the OData query parameters
        // (https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments): pages
        // of 999 instead of 100 read a principal with 1,500 assignments in two.
        ReadKey::AppRoleAssignments => GraphRequest::get(match client_sp_ref(ta, g)? {
            SpRef::Id(id) => format!("/v1.0/servicePrincipals/{id}/appRoleAssignments?$top=999"),
            SpRef::AppId(app) => format!("/v1.0/servicePrincipals(appId='{}')/appRoleAssignments?$top=999", q(&app)),
        }),
        ReadKey::Oauth2Grants => GraphRequest::get(match client_sp_ref(ta, g)? {
            SpRef::Id(id) => grants_path(&id, ta, true),
            SpRef::AppId(app) => grants_by_app_id(&app, ta),
        }),
        ReadKey::SubscribedSkus => GraphRequest::get("/v1.0/subscribedSkus?$select=skuId,skuPartNumber,servicePlans,capabilityStatus"),
        // userType and createdDateTime are not among a user's default properties
        // (https://learn.microsoft.com/graph/api/resources/user), hence the `$select`.
        ReadKey::MemberUser => GraphRequest::get(format!(
            "/v1.0/users/{}?$select=id,userType,createdDateTime",
            op.member.as_deref()?
        )),
        // https://learn.microsoft.com/graph/api/group-list-settings
        ReadKey::TenantGroupSettings => GraphRequest::get("/v1.0/groupSettings"),
        ReadKey::GroupSettings => GraphRequest::get(format!("/v1.0/groups/{}/settings", op.group.as_deref()?)),
        // The caller's PIM for Groups eligibilities, owner and member, in every group: "This method
        // requires the $filter (eq) query parameter to scope the request to a principalId or a
        // groupId" (https://learn.microsoft.com/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances).
        ReadKey::GroupEligibility => GraphRequest::get(format!(
            "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=principalId eq '{}'",
            q(oid?)
        )),
        // The roles a group holds, directly (a role-assignable group is assigned roles itself):
        // https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments
        ReadKey::GroupRoles(id) => GraphRequest::get(format!(
            "/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{}'",
            q(id)
        )),
    };
    Some(r)
}

/// The client's delegated grants that can matter to this caller. The oAuth2PermissionGrant
/// resource supports `$filter` (`eq`) on clientId, consentType, principalId and resourceId
/// (https://learn.microsoft.com/graph/api/resources/oauth2permissiongrant), so `narrow` asks only
/// for the tenant-wide (AllPrincipals) grants and, for a delegated token, the signed-in user's own:
/// a client consented by 5,000 users answers with a handful of grants instead of 5,000. Whether
/// Graph takes `or` and parentheses there is not documented: a service that refuses the narrow
/// form gets the documented `clientId eq` form (see `alternate`), the checks then filtering on
/// arrival. The list supports `$top` (https://learn.microsoft.com/graph/api/oauth2permissiongrant-list).
fn grants_path(client_sp: &str, ta: &TokenAnalysis, narrow: bool) -> String {
    let client = format!("clientId eq '{}'", q(client_sp));
    let filter = match (narrow, ta.flow, ta.oid()) {
        (false, _, _) => client,
        (true, Some(Flow::Delegated), Some(oid)) => format!(
            "{client} and (consentType eq 'AllPrincipals' or principalId eq '{}')",
            q(oid)
        ),
        // An app-only caller is no user: only tenant-wide grants say anything about the app.
        (true, _, _) => format!("{client} and consentType eq 'AllPrincipals'"),
    };
    format!("/v1.0/oauth2PermissionGrants?$filter={filter}&$top=999")
}

/// How the client's own service principal is addressed by the reads that hang off it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SpRef {
    /// By object id: read (`ReadKey::ClientSp`), or an app-only token's `oid`.
    Id(String),
    /// By the application id (appId alternate key), before the object id is known.
    AppId(String),
}

/// The client service principal for its grants and app role assignments: its object id once
/// read; before that (the first round), an app-only token's `oid`, which is "the object ID of
/// the service principal" for a token issued to an application
/// (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference, `oid`),
/// or else the appId alternate key, which both reads document: `GET
/// /servicePrincipals(appId='{appId}')/appRoleAssignments`
/// (https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments) and `GET
/// /servicePrincipals(appId='{appId}')/oauth2PermissionGrants`
/// (https://learn.microsoft.com/graph/api/serviceprincipal-list-oauth2permissiongrants). So
/// neither waits for the service principal's own read: one round trip instead of two.
/// (`$batch` `dependsOn` only orders requests; it passes no value from one answer into another
/// request's URL, https://learn.microsoft.com/graph/json-batching, so it cannot do this.)
fn client_sp_ref(ta: &TokenAnalysis, g: &Gathered) -> Option<SpRef> {
    if let Some(id) = client_sp_id(g) {
        return Some(SpRef::Id(id));
    }
    match (ta.flow, ta.oid()) {
        (Some(Flow::Application), Some(oid)) => Some(SpRef::Id(oid.to_string())),
        _ => ta.app_id().map(|a| SpRef::AppId(a.to_string())),
    }
}

/// The grants of the client addressed by appId, narrowed as [`grants_path`] narrows them (the
/// grant's own filterable properties: the navigation supports the OData query parameters,
/// https://learn.microsoft.com/graph/api/serviceprincipal-list-oauth2permissiongrants). A
/// service that refuses the filter there gets the documented `clientId eq` form of the grants
/// list once the object id is in (see `alternate`).
fn grants_by_app_id(app_id: &str, ta: &TokenAnalysis) -> String {
    let filter = match (ta.flow, ta.oid()) {
        (Some(Flow::Delegated), Some(oid)) => format!(
            "consentType eq 'AllPrincipals' or principalId eq '{}'",
            q(oid)
        ),
        _ => "consentType eq 'AllPrincipals'".to_string(),
    };
    format!(
        "/v1.0/servicePrincipals(appId='{}')/oauth2PermissionGrants?$filter={filter}&$top=999",
        q(app_id)
    )
}

/// Whether the client service principal's read may still give its object id: not read yet, or
/// refused to the diagnosed token with a reader retry to come.
fn client_sp_pending(g: &Gathered, has_reader: bool) -> bool {
    match g.reads.get(&ReadKey::ClientSp) {
        None => true,
        Some(r) => r.via == Via::Diagnosed && r.is_denied() && has_reader,
    }
}

/// Whether no answer about the group is in yet (the first round): what depends on it (the role
/// assignments and licences an app needs for a restricted unit or a role-assignable group) is
/// then read along, speculatively.
fn group_unread(g: &Gathered) -> bool {
    !g.reads.contains_key(&ReadKey::Group) && !g.reads.contains_key(&ReadKey::GroupAus)
}

/// After a round: keeps the speculative reads that turned out to be the right ones (the client
/// service principal's id is the one they addressed; the conditional read is wanted now), and
/// forgets the others, as if never made, so every check decides as it would have without them.
/// Kept while what decides them is still to come (a reader retry of the service principal).
fn settle_speculative(input: &DiagnoseInput, ta: &TokenAnalysis, g: &mut Gathered) {
    if g.speculative.is_empty() {
        return;
    }
    let has_reader = input.reader_token.as_ref().is_some_and(|t| !t.is_empty());
    let wanted_now = wanted(input, ta, g);
    let sp = client_sp_id(g);
    let pending = client_sp_pending(g, has_reader);
    let mut forget = Vec::new();
    for (key, addressed) in g.speculative.clone() {
        let keep = if matches!(key, ReadKey::AppRoleAssignments | ReadKey::Oauth2Grants) {
            match &sp {
                Some(id) => addressed
                    .as_ref()
                    .is_none_or(|a| a.eq_ignore_ascii_case(id)),
                None if pending => continue,
                None => false,
            }
        } else {
            wanted_now.contains(&key)
        };
        g.speculative.remove(&key);
        if !keep {
            forget.push(key);
        }
    }
    for key in forget {
        forget_read(g, &key);
    }
}

/// Removes a read and its earlier attempts, with what they counted (answers to the diagnosed
/// token, claims challenges).
fn forget_read(g: &mut Gathered, key: &ReadKey) {
    let mut gone: Vec<Read> = g.reads.remove(key).into_iter().collect();
    let (earlier, keep): (Vec<Read>, Vec<Read>) = std::mem::take(&mut g.earlier)
        .into_iter()
        .partition(|r| &r.key == key);
    g.earlier = keep;
    gone.extend(earlier);
    for r in gone {
        if r.via == Via::Diagnosed && r.status().is_some() {
            g.diagnosed_answers = g.diagnosed_answers.saturating_sub(1);
            if let Some(pos) = g.challenges.iter().position(|c| c.seen_in == r.request) {
                g.challenges.remove(pos);
            }
        }
    }
    g.alternated.remove(key);
}

/// A plainer form of a read, for services that refuse a cast, `$count`, `$filter` or `$top`
/// (400/501): for a cast, the whole collection, filtered to the cast's type on arrival; for the
/// bounded grants and role reads, their documented form.
fn alternate(
    key: &ReadKey,
    input: &DiagnoseInput,
    ta: &TokenAnalysis,
    g: &Gathered,
    via: Via,
) -> Option<GraphRequest> {
    match key {
        ReadKey::Oauth2Grants => Some(GraphRequest::get(grants_path(&client_sp_id(g)?, ta, false))),
        ReadKey::AppRoleAssignments => Some(GraphRequest::get(format!(
            "/v1.0/servicePrincipals/{}/appRoleAssignments",
            client_sp_id(g)?
        ))),
        ReadKey::RoleEligibility => Some(GraphRequest::get(format!(
            "/v1.0/roleManagement/directory/roleEligibilitySchedules?$filter=principalId eq '{}'",
            q(ta.oid()?)
        ))),
        ReadKey::GroupAus => Some(GraphRequest::get(format!(
            "/v1.0/groups/{}/memberOf",
            input.operation.group.as_deref()?
        ))),
        ReadKey::MeRoles => {
            let me = if via == Via::Reader {
                format!("/users/{}", ta.oid()?)
            } else {
                "/me".to_string()
            };
            Some(GraphRequest::get(format!("/v1.0{me}/transitiveMemberOf")))
        }
        // Direct assignments only: roles held through a group are not listed (the read is marked
        // as the plain form, and the checks say so).
        ReadKey::RoleAssignments => Some(GraphRequest::get(format!(
            "/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{}'",
            q(ta.oid()?)
        ))),
        _ => None,
    }
}

/// Whether the service refused the form of a read that has a plainer alternate: 400 or 501 for
/// a cast, `$count` or `$filter` it does not support; for `/me/transitiveMemberOf/{cast}` also
/// 404 (the signed-in user exists, so only the cast segment can be unknown there); for the
/// client's grants and app role assignments addressed by appId also 404 (the alternate, by
/// object id, is only made once the service principal itself was read).
fn refused(key: &ReadKey, read: &Read) -> bool {
    // transitiveRoleAssignments answers 404 without ConsistencyLevel, and a Graph without the
    // beta endpoint 400 or 404; a service that does not take the appId form, 404.
    read.is_refused_query()
        || (matches!(key, ReadKey::MeRoles | ReadKey::RoleAssignments) && read.is_not_found())
        || (matches!(key, ReadKey::AppRoleAssignments | ReadKey::Oauth2Grants)
            && read.request.contains("(appId=")
            && read.is_not_found())
}

/// Whether a refused read has a plainer form to try (see [`alternate`]).
fn has_alternate(key: &ReadKey) -> bool {
    cast_type(key).is_some()
        || matches!(
            key,
            ReadKey::Oauth2Grants
                | ReadKey::AppRoleAssignments
                | ReadKey::RoleAssignments
                | ReadKey::RoleEligibility
        )
}

/// Whether the group's units came back in the reduced form Graph gives a caller without
/// AdministrativeUnit.Read.All (only `@odata.type` and `id`, group-list-memberof:
/// https://learn.microsoft.com/graph/api/group-list-memberof) from the diagnosed token while a
/// reader token is at hand: then the listing is made once more with the reader, whatever the
/// number of units, instead of reading the units one by one.
fn relist_with_reader(key: &ReadKey, read: &Read, has_reader: bool) -> bool {
    *key == ReadKey::GroupAus
        && has_reader
        && read.via == Via::Diagnosed
        && read.values().is_some_and(|units| {
            units.iter().any(|a| {
                a.get("displayName").is_none() && a.get("isMemberManagementRestricted").is_none()
            })
        })
}

/// The `@odata.type` an alternate's answer is filtered to.
fn cast_type(key: &ReadKey) -> Option<&'static str> {
    match key {
        ReadKey::GroupAus => Some("#microsoft.graph.administrativeUnit"),
        ReadKey::MeRoles => Some("#microsoft.graph.directoryRole"),
        _ => None,
    }
}

/// Keeps only the cast's type in an alternate's collection, and marks the read as the plain form.
fn filter_cast(read: &mut Read) {
    read.plain_form = true;
    let Some(t) = cast_type(&read.key) else {
        return;
    };
    if let Outcome::Response { body, .. } = &mut read.outcome {
        if let Some(values) = body.get_mut("value").and_then(Value::as_array_mut) {
            values.retain(|v| match v.get("@odata.type").and_then(Value::as_str) {
                Some(x) => x.eq_ignore_ascii_case(t),
                // Untyped entries: only a directoryRole carries roleTemplateId.
                None => read.key == ReadKey::MeRoles && v.get("roleTemplateId").is_some(),
            });
        }
    }
}

/// The client service principal's object id, once read.
pub fn client_sp_id(g: &Gathered) -> Option<String> {
    crate::checks::facts::object_id(g.reads.get(&ReadKey::ClientSp))
}

/// True when the group read says role-assignable, or the group sits in a restricted-management
/// administrative unit (or one whose flag is not known yet) and the licence table says those need
/// a tenant licence (it says they do not: `restricted_management_au`): then a licence check applies.
fn group_needs_licence(g: &Gathered) -> bool {
    let ra = g
        .reads
        .get(&ReadKey::Group)
        .and_then(Read::ok_body)
        .and_then(|b| b.get("isAssignableToRole"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let restricted_licensed = crate::knowledge::licences::tiers_for("restricted_management_au")
        .is_none_or(|t| !t.is_empty());
    ra || (restricted_licensed && any_restricted_or_unknown(g))
}

/// Most administrative units read one by one when their listing left the restriction flag out
/// and could not be re-listed with a reader token: one `$batch`.
const MAX_UNIT_READS: usize = MAX_BATCH;

/// Administrative units the group belongs to whose restriction flag came back missing.
fn reduced_aus(g: &Gathered) -> Vec<String> {
    let Some(read) = g.reads.get(&ReadKey::GroupAus) else {
        return Vec::new();
    };
    read.values()
        .unwrap_or_default()
        .iter()
        .filter(|a| restricted_flag(a, read.plain_form).is_none())
        .filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_string))
        .take(MAX_UNIT_READS)
        .collect()
}

fn any_restricted_or_unknown(g: &Gathered) -> bool {
    let Some(read) = g.reads.get(&ReadKey::GroupAus) else {
        return false;
    };
    let Some(aus) = read.values() else {
        return false;
    };
    aus.iter().any(|a| {
        let id = a.get("id").and_then(Value::as_str).unwrap_or_default();
        let detail = g
            .reads
            .get(&ReadKey::AuDetails(id.to_string()))
            .and_then(Read::ok_body);
        let flag = restricted_flag(a, read.plain_form)
            .or_else(|| detail.map(|d| restricted_flag(d, false).unwrap_or(false)));
        flag != Some(false)
    })
}

/// Whether the member may be a user: not read yet, or read as one (`@odata.type`), or its read
/// gave no type.
fn member_may_be_user(g: &Gathered) -> bool {
    match g.reads.get(&ReadKey::Member).and_then(Read::ok_body) {
        Some(b) => b
            .get("@odata.type")
            .and_then(Value::as_str)
            .is_none_or(|t| t.eq_ignore_ascii_case("#microsoft.graph.user")),
        None => !g
            .reads
            .get(&ReadKey::Member)
            .is_some_and(Read::is_not_found),
    }
}

/// Whether the target group may be a Microsoft 365 group: not read yet, or read as one.
fn group_may_be_unified(g: &Gathered) -> bool {
    match g.reads.get(&ReadKey::Group).and_then(Read::ok_body) {
        Some(b) => {
            crate::knowledge::group_types::classify(b) == crate::knowledge::GroupKind::Microsoft365
        }
        None => !g.reads.get(&ReadKey::Group).is_some_and(Read::is_not_found),
    }
}

/// Adding a member to a group: the member as a user (guest or member, when created) while it may
/// be one, and the guest policy's settings while the group may be a Microsoft 365 group. In the
/// first round they ride along before the member and group reads say whether they matter (see
/// `speculative`).
fn member_user_reads(g: &Gathered) -> Vec<ReadKey> {
    let mut keys = Vec::new();
    if member_may_be_user(g) {
        keys.push(ReadKey::MemberUser);
        if group_may_be_unified(g) {
            keys.extend([ReadKey::TenantGroupSettings, ReadKey::GroupSettings]);
        }
    }
    keys
}

pub use crate::checks::evidence::MAX_ELIGIBLE_GROUPS;

/// The groups the caller is eligible to join as a member through PIM for Groups (from
/// `ReadKey::GroupEligibility`): activating one gives the caller the roles that group holds.
fn eligible_member_groups(g: &Gathered, caller: Option<&str>) -> Vec<String> {
    let values = g
        .reads
        .get(&ReadKey::GroupEligibility)
        .and_then(Read::values);
    let (Some(caller), Some(values)) = (caller, values) else {
        return Vec::new();
    };
    crate::checks::facts::own_group_eligibilities(&values, caller)
        .into_iter()
        .filter(|(access, _)| access == "member")
        .map(|(_, group)| group)
        .take(MAX_ELIGIBLE_GROUPS)
        .collect()
}

/// Every read the checks need, given what is known so far (reads that need an earlier answer
/// appear once it is in).
fn wanted(input: &DiagnoseInput, ta: &TokenAnalysis, g: &Gathered) -> Vec<ReadKey> {
    let op = &input.operation;
    let delegated = ta.flow == Some(Flow::Delegated);
    let mut keys = Vec::new();
    match op.kind {
        // A generic request (`check --request`): its permissions come from the map, the app's
        // grants from its service principal; nothing about a group, a unit or a role.
        crate::report::OperationKind::Request => {
            if ta.info.is_some() && ta.flow.is_some() && ta.app_id().is_some() {
                keys.extend([ReadKey::ClientSp, ReadKey::GraphSp]);
                let has_reader = input.reader_token.as_ref().is_some_and(|t| !t.is_empty());
                if client_sp_id(g).is_some() || client_sp_pending(g, has_reader) {
                    keys.extend([ReadKey::AppRoleAssignments, ReadKey::Oauth2Grants]);
                }
            }
            return keys;
        }
        kind if kind.targets_group() => {
            if op.group.is_some() {
                keys.extend([ReadKey::Group, ReadKey::GroupAus]);
                // The owner operations judge the owner against the owners' list, whatever the flow.
                if delegated || kind.on_owners() {
                    keys.push(ReadKey::GroupOwners);
                }
                if op.member.is_some() && kind.on_group_members() {
                    keys.push(ReadKey::GroupMember);
                    // Some services refuse `$filter=id eq` on members: list them plainly instead.
                    if g.reads
                        .get(&ReadKey::GroupMember)
                        .is_some_and(Read::is_refused_query)
                    {
                        keys.push(ReadKey::GroupMembersList);
                    }
                }
            }
            if op.member.is_some() {
                keys.push(ReadKey::Member);
            }
            if kind == crate::report::OperationKind::AddGroupMember && op.member.is_some() {
                keys.extend(member_user_reads(g));
            }
        }
        _ => {
            if op.au.is_some() {
                keys.push(ReadKey::Au);
                if op.kind.on_au_members() && op.member.is_some() {
                    keys.push(ReadKey::AuMember);
                }
            }
            if op.kind.on_au_members() && op.member.is_some() {
                keys.push(ReadKey::Member);
            }
            if op.kind == crate::report::OperationKind::AddAuMember
                && op.member.is_some()
                && member_may_be_user(g)
            {
                keys.push(ReadKey::MemberUser);
            }
        }
    }
    if input
        .expected_tenant
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty() && !crate::knowledge::is_guid(t.trim()))
    {
        keys.push(ReadKey::Organization);
    }
    if ta.info.is_some() && ta.flow.is_some() {
        if delegated {
            keys.extend([ReadKey::Me, ReadKey::MeRoles, ReadKey::RoleEligibility]);
            if op.kind.targets_group() && op.group.is_some() && ta.oid().is_some() {
                keys.push(ReadKey::GroupEligibility);
                keys.extend(
                    eligible_member_groups(g, ta.oid())
                        .into_iter()
                        .map(ReadKey::GroupRoles),
                );
            }
        }
        let first_round = op.kind.targets_group() && group_unread(g);
        let app_needs_roles =
            !op.kind.targets_group() || any_restricted_or_unknown(g) || first_round;
        if ta.oid().is_some() && (delegated || app_needs_roles) {
            keys.extend([ReadKey::RoleAssignments, ReadKey::RoleDefinitions]);
        }
        if ta.app_id().is_some() {
            keys.extend([ReadKey::ClientSp, ReadKey::GraphSp, ReadKey::Application]);
            let has_reader = input.reader_token.as_ref().is_some_and(|t| !t.is_empty());
            if client_sp_id(g).is_some() || client_sp_pending(g, has_reader) {
                keys.extend([ReadKey::AppRoleAssignments, ReadKey::Oauth2Grants]);
            }
        }
        if delegated || !op.kind.targets_group() || group_needs_licence(g) || first_round {
            keys.push(ReadKey::SubscribedSkus);
        }
    }
    let has_reader = input.reader_token.as_ref().is_some_and(|t| !t.is_empty());
    let relisting = g
        .reads
        .get(&ReadKey::GroupAus)
        .is_some_and(|r| relist_with_reader(&ReadKey::GroupAus, r, has_reader));
    if !relisting {
        keys.extend(reduced_aus(g).into_iter().map(ReadKey::AuDetails));
    }
    keys
}

/// Whether the token's own permissions (by the reads table) allow the read.
fn predicted_allowed(key: &ReadKey, ta: &TokenAnalysis) -> bool {
    let Some(flow) = ta.flow else { return false };
    let perms = ta.permissions();
    let broad = perms.iter().any(|p| {
        p.eq_ignore_ascii_case("Directory.ReadWrite.All")
            || p.eq_ignore_ascii_case("Directory.AccessAsUser.All")
    });
    broad || reads::rule(key.rule_id()).is_none_or(|r| r.allowed_by(flow, &perms))
}

fn is_me_key(key: &ReadKey) -> bool {
    matches!(key, ReadKey::Me | ReadKey::MeRoles)
}

/// The reads to make in the next round.
fn plan(
    input: &DiagnoseInput,
    ta: &TokenAnalysis,
    unusable: Option<&str>,
    g: &mut Gathered,
) -> Vec<Planned> {
    let has_reader = input.reader_token.as_ref().is_some_and(|t| !t.is_empty());
    let mut out = Vec::new();
    let keys = wanted(input, ta, g);
    // At least one read goes with the diagnosed token itself, so its answers (claims challenges,
    // 401s) are evidence even when everything else is read with the reader token.
    let probe = keys
        .iter()
        .find(|k| {
            matches!(
                k,
                ReadKey::Group | ReadKey::Au | ReadKey::Me | ReadKey::ClientSp
            )
        })
        .cloned();
    for key in keys {
        match g.reads.get(&key) {
            None => {
                let via = if unusable.is_some() {
                    if has_reader && (!is_me_key(&key) || ta.oid().is_some()) {
                        Via::Reader
                    } else {
                        Via::Diagnosed
                    }
                } else if is_me_key(&key)
                    || Some(&key) == probe.as_ref()
                    || !has_reader
                    || predicted_allowed(&key, ta)
                {
                    Via::Diagnosed
                } else {
                    Via::Reader
                };
                if let Some(addressed) = speculative(&key, input, ta, g) {
                    g.speculative.insert(key.clone(), addressed);
                }
                if via == Via::Diagnosed {
                    if let Some(why) = unusable {
                        // Not sent: the token would only earn a 401.
                        let req = request(&key, input, ta, g, false);
                        let request = req
                            .map(|r| r.describe())
                            .unwrap_or_else(|| format!("GET {}", key.rule_id()));
                        g.reads.insert(
                            key.clone(),
                            Read {
                                key,
                                request,
                                via,
                                outcome: Outcome::NotSent(why.to_string()),
                                latency_ms: None,
                                diagnosed_status: None,
                                plain_form: false,
                                truncated: None,
                            },
                        );
                        continue;
                    }
                }
                if let Some(req) = request(&key, input, ta, g, via == Via::Reader) {
                    out.push(Planned {
                        key,
                        req,
                        via,
                        diagnosed_status: None,
                    });
                }
            }
            Some(done) if refused(&key, done) && !g.alternated.contains(&key) => {
                if let Some(req) = alternate(&key, input, ta, g, done.via) {
                    g.earlier.push(done.clone());
                    g.alternated.insert(key.clone());
                    out.push(Planned {
                        key,
                        req,
                        via: done.via,
                        diagnosed_status: done.diagnosed_status,
                    });
                }
            }
            Some(done) if done.via == Via::Diagnosed && done.is_denied() && has_reader => {
                let status = done.status();
                if let Some(req) = request(&key, input, ta, g, true) {
                    g.earlier.push(done.clone());
                    out.push(Planned {
                        key,
                        req,
                        via: Via::Reader,
                        diagnosed_status: status,
                    });
                }
            }
            Some(done) if relist_with_reader(&key, done, has_reader) => {
                let req = if g.alternated.contains(&key) {
                    alternate(&key, input, ta, g, Via::Reader)
                } else {
                    request(&key, input, ta, g, true)
                };
                if let Some(req) = req {
                    let status = done.status();
                    g.earlier.push(done.clone());
                    out.push(Planned {
                        key,
                        req,
                        via: Via::Reader,
                        diagnosed_status: status,
                    });
                }
            }
            Some(_) => {}
        }
    }
    out
}

/// Whether `key`, planned now, is sent before what decides it is known: the client's grants and
/// app role assignments before its service principal's id is read (then the id they address,
/// None for the appId form), the role assignments and licences of an app adding to a group
/// before the group is read.
fn speculative(
    key: &ReadKey,
    input: &DiagnoseInput,
    ta: &TokenAnalysis,
    g: &Gathered,
) -> Option<Option<String>> {
    match key {
        ReadKey::AppRoleAssignments | ReadKey::Oauth2Grants if client_sp_id(g).is_none() => {
            Some(match client_sp_ref(ta, g) {
                Some(SpRef::Id(id)) => Some(id),
                _ => None,
            })
        }
        ReadKey::MemberUser | ReadKey::TenantGroupSettings | ReadKey::GroupSettings
            if !g.reads.contains_key(&ReadKey::Member) || group_unread(g) =>
        {
            Some(None)
        }
        ReadKey::RoleAssignments | ReadKey::SubscribedSkus
            if ta.flow != Some(Flow::Delegated)
                && input.operation.kind.targets_group()
                && group_unread(g) =>
        {
            Some(None)
        }
        _ => None,
    }
}

fn to_read(p: &Planned, r: Result<GraphResponse, TransportError>) -> Read {
    match r {
        Ok(resp) => Read {
            key: p.key.clone(),
            request: p.req.describe(),
            via: p.via,
            latency_ms: Some(resp.latency.as_millis() as u64),
            truncated: first_page_truncation(resp.status, &resp.body),
            outcome: Outcome::Response {
                status: resp.status,
                headers: resp.headers,
                body: resp.body,
                text: resp.text,
            },
            diagnosed_status: p.diagnosed_status,
            plain_form: false,
        },
        Err(e) => Read {
            key: p.key.clone(),
            request: p.req.describe(),
            via: p.via,
            latency_ms: None,
            outcome: Outcome::Transport(e.to_string()),
            diagnosed_status: p.diagnosed_status,
            plain_form: false,
            truncated: None,
        },
    }
}

/// Sends one token's reads: a `$batch` per 20 when there are several, side by side; falls back
/// to single requests when the batch endpoint does not answer as a batch.
async fn send_all(client: &GraphClient, token: &Secret, items: Vec<Planned>) -> (Vec<Read>, usize) {
    if items.len() < 2 {
        let futs = items.iter().map(|p| client.send(token, &p.req));
        let results = join_all(futs).await;
        let n = items.len();
        return (
            items
                .iter()
                .zip(results)
                .map(|(p, r)| to_read(p, r))
                .collect(),
            n,
        );
    }
    // A `$batch` holds requests of its own version only (`/v1.0/$batch`, `/beta/$batch`).
    let (beta, v1): (Vec<Planned>, Vec<Planned>) = items
        .into_iter()
        .partition(|p| p.req.path.starts_with("/beta/"));
    let chunks: Vec<Vec<Planned>> = v1
        .chunks(MAX_BATCH)
        .chain(beta.chunks(MAX_BATCH))
        .map(<[Planned]>::to_vec)
        .collect();
    let futs = chunks.iter().map(|chunk| async move {
        let reqs: Vec<GraphRequest> = chunk.iter().map(|p| p.req.clone()).collect();
        match client.batch(token, &reqs).await {
            Ok(BatchOutcome::Items(items)) => {
                let mut missing = Vec::new();
                let mut reads = Vec::new();
                for (p, r) in chunk.iter().zip(items) {
                    match r {
                        Some(r) => reads.push(to_read(p, Ok(r))),
                        None => missing.push(p.clone()),
                    }
                }
                let results = join_all(missing.iter().map(|p| client.send(token, &p.req))).await;
                let extra = missing.len();
                reads.extend(missing.iter().zip(results).map(|(p, r)| to_read(p, r)));
                (reads, 1 + extra)
            }
            // The token itself was refused: every request in the batch would be.
            Ok(BatchOutcome::Whole(resp)) if resp.status == 401 => (
                chunk.iter().map(|p| to_read(p, Ok(resp.clone()))).collect(),
                1,
            ),
            Ok(BatchOutcome::Whole(_)) => {
                let results = join_all(chunk.iter().map(|p| client.send(token, &p.req))).await;
                (
                    chunk
                        .iter()
                        .zip(results)
                        .map(|(p, r)| to_read(p, r))
                        .collect(),
                    1 + chunk.len(),
                )
            }
            Err(e) => (
                chunk.iter().map(|p| to_read(p, Err(e.clone()))).collect(),
                1,
            ),
        }
    });
    let mut reads = Vec::new();
    let mut count = 0;
    for (r, n) in join_all(futs).await {
        reads.extend(r);
        count += n;
    }
    (reads, count)
}

/// The most further pages followed for one collection (`@odata.nextLink`); past it the read
/// is marked truncated ([`Read::truncated`]) and the checks treat it as incomplete. With
/// `$top=999` that is about 11,000 items.
pub const MAX_PAGES: usize = 10;

/// Follows a 2xx collection's `@odata.nextLink` (only below the client's base URL: the token
/// never goes elsewhere), appending each page's `value`, up to [`MAX_PAGES`] pages. The merged
/// body keeps no `@odata.nextLink`: a listing left unfinished says so in [`Read::truncated`].
/// Returns how many requests it sent.
async fn follow_pages(
    client: &GraphClient,
    token: &Secret,
    headers: Vec<(String, String)>,
    read: &mut Read,
) -> usize {
    let Outcome::Response { status, body, .. } = &mut read.outcome else {
        return 0;
    };
    if !(200..300).contains(status) || !body.get("value").is_some_and(Value::is_array) {
        return 0;
    }
    let mut sent = 0;
    let mut pages = 1;
    let cause = loop {
        let Some(link) = body
            .get("@odata.nextLink")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            break None;
        };
        if sent >= MAX_PAGES {
            break Some(TruncationCause::PageLimit);
        }
        let Some(path) = client.relative_path(&link) else {
            tracing::warn!("not following a nextLink outside the Graph base URL");
            break Some(TruncationCause::ForeignLink);
        };
        let mut req = GraphRequest::get(path);
        req.headers = headers.clone();
        sent += 1;
        let Ok(resp) = client.send(token, &req).await else {
            break Some(TruncationCause::PageFailed);
        };
        let Some(more) = resp
            .body
            .get("value")
            .and_then(Value::as_array)
            .filter(|_| resp.is_success())
        else {
            break Some(TruncationCause::PageFailed);
        };
        pages += 1;
        if let Some(values) = body.get_mut("value").and_then(Value::as_array_mut) {
            values.extend(more.iter().cloned());
        }
        if let Some(obj) = body.as_object_mut() {
            match resp.body.get("@odata.nextLink") {
                Some(next) if next.is_string() => {
                    obj.insert("@odata.nextLink".into(), next.clone());
                }
                _ => {
                    obj.remove("@odata.nextLink");
                }
            }
        }
    };
    let items = body
        .get("value")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if let Some(obj) = body.as_object_mut() {
        obj.remove("@odata.nextLink");
    }
    read.truncated = cause.map(|cause| Truncation {
        pages,
        items,
        cause,
    });
    sent
}

/// Reads the `WWW-Authenticate` claims challenge of an answer, if any (docs/facts.md §7a).
pub fn challenge_of(read: &Read) -> Option<Challenge> {
    let Outcome::Response {
        headers, status, ..
    } = &read.outcome
    else {
        return None;
    };
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
        .find_map(|(_, v)| crate::checks::challenge::parse_www_authenticate(v))
        .map(|(b64, claims)| Challenge {
            seen_in: read.request.clone(),
            status: Some(*status),
            claims_b64: b64,
            claims,
        })
}

/// Runs one round: plans, sends, records. Returns false when there was nothing to send.
pub async fn round(
    input: &DiagnoseInput,
    ta: &TokenAnalysis,
    unusable: Option<&str>,
    g: &mut Gathered,
    progress: Option<&UnboundedSender<Progress>>,
) -> bool {
    let planned = plan(input, ta, unusable, g);
    if planned.is_empty() {
        settle_speculative(input, ta, g);
        return false;
    }
    let (diag, reader): (Vec<Planned>, Vec<Planned>) =
        planned.into_iter().partition(|p| p.via == Via::Diagnosed);
    let empty = Secret::new("");
    let reader_token = input.reader_token.as_ref().unwrap_or(&empty);
    let headers: HashMap<ReadKey, Vec<(String, String)>> = diag
        .iter()
        .chain(reader.iter())
        .map(|p| (p.key.clone(), p.req.headers.clone()))
        .collect();
    let (d, r) = tokio::join!(
        send_all(&input.client, &input.token, diag),
        send_all(&input.client, reader_token, reader)
    );
    g.rounds += 1;
    g.http_requests += d.1 + r.1;
    let mut reads: Vec<Read> = d.0.into_iter().chain(r.0).collect();
    // Collections may come in pages: follow each one's @odata.nextLink, side by side.
    let pages = join_all(reads.iter_mut().map(|read| {
        let token = if read.via == Via::Reader {
            reader_token
        } else {
            &input.token
        };
        let h = headers.get(&read.key).cloned().unwrap_or_default();
        follow_pages(&input.client, token, h, read)
    }))
    .await;
    g.http_requests += pages.iter().sum::<usize>();
    g.rounds += pages.iter().copied().max().unwrap_or(0);
    for read in reads {
        if read.via == Via::Diagnosed && read.status().is_some() {
            g.diagnosed_answers += 1;
            if let Some(c) = challenge_of(&read) {
                g.challenges.push(c);
            }
        }
        if let Some(tx) = progress {
            let _ = tx.send(Progress::Request {
                request: read.request.clone(),
                status: read.status(),
                latency_ms: read.latency_ms.unwrap_or(0),
            });
        }
        let mut read = read;
        if g.alternated.contains(&read.key) {
            filter_cast(&mut read);
        }
        g.reads.insert(read.key.clone(), read);
    }
    settle_speculative(input, ta, g);
    true
}

/// The most rounds a diagnosis makes: independent reads, dependent reads and reader retries,
/// and reads that depend on a retried read.
pub const MAX_ROUNDS: usize = 4;

/// An upper bound for one round (timeout plus capped retries, then the pages of a collection),
/// so nothing hangs.
pub fn round_deadline(timeout: Duration) -> Duration {
    timeout * (crate::graph::client::MAX_RETRIES + 2 + MAX_PAGES as u32)
        + crate::graph::client::MAX_RETRY_WAIT * crate::graph::client::MAX_RETRIES
}

/// Reads not final yet: wanted and not made, or refused to the diagnosed token with a reader
/// retry still to come. A check waiting on any of these is not decided yet.
pub fn outstanding(input: &DiagnoseInput, ta: &TokenAnalysis, g: &Gathered) -> Vec<ReadKey> {
    let has_reader = input.reader_token.as_ref().is_some_and(|t| !t.is_empty());
    wanted(input, ta, g)
        .into_iter()
        .filter(|k| match g.reads.get(k) {
            None => true,
            Some(r) if refused(k, r) && has_alternate(k) => !g.alternated.contains(k),
            Some(r) if r.is_refused_query() => false,
            Some(r) if relist_with_reader(k, r, has_reader) => true,
            Some(r) => r.via == Via::Diagnosed && r.is_denied() && has_reader,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Cloud;
    use crate::checks::testkit::{app_only, delegated, APP, AU, GROUP, MEMBER, OID, SP};
    use crate::report::Operation;
    use serde_json::json;

    fn input(op: Operation, reader: bool) -> DiagnoseInput {
        DiagnoseInput {
            operation: op,
            token: Secret::new("t"),
            reader_token: reader.then(|| Secret::new("r")),
            expected_tenant: None,
            cloud: Cloud::Global,
            client: GraphClient::new(
                Cloud::Global,
                Some("http://127.0.0.1:9"),
                Duration::from_secs(1),
            )
            .expect("client"),
            observed: None,
        }
    }

    fn group_op() -> Operation {
        Operation {
            kind: crate::report::OperationKind::AddGroupMember,
            group: Some(GROUP.into()),
            member: Some(MEMBER.into()),
            au: None,
            request: None,
        }
    }

    /// More than 20 reads go in chunks of at most 20 (json-batching: "limited to 20 individual
    /// requests"), side by side, each answer matched back by id.
    #[tokio::test]
    async fn more_than_twenty_reads_are_batched_in_chunks() {
        use std::sync::{Arc, Mutex};
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let seen = sizes.clone();
        let app = axum::Router::new().route(
            "/v1.0/$batch",
            axum::routing::post(move |axum::Json(b): axum::Json<Value>| {
                let seen = seen.clone();
                async move {
                    let reqs = b["requests"].as_array().cloned().unwrap_or_default();
                    if let Ok(mut s) = seen.lock() {
                        s.push(reqs.len());
                    }
                    let mut out: Vec<Value> = reqs
                        .iter()
                        .map(|r| json!({"id": r["id"], "status": 200, "body": {"url": r["url"]}}))
                        .collect();
                    out.reverse();
                    axum::Json(json!({ "responses": out }))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let client =
            GraphClient::new(Cloud::Global, Some(&url), Duration::from_secs(5)).expect("client");
        let items: Vec<Planned> = (0..25)
            .map(|i| Planned {
                key: ReadKey::AuDetails(i.to_string()),
                req: GraphRequest::get(format!("/v1.0/directory/administrativeUnits/{i}")),
                via: Via::Diagnosed,
                diagnosed_status: None,
            })
            .collect();
        let (reads, sent) = send_all(&client, &Secret::new("t"), items).await;
        assert_eq!(sent, 2);
        let mut sizes = sizes.lock().map(|s| s.clone()).unwrap_or_default();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![5, 20]);
        assert_eq!(reads.len(), 25);
        for r in &reads {
            let ReadKey::AuDetails(i) = &r.key else {
                panic!("{:?}", r.key)
            };
            assert_eq!(
                r.ok_body().map(|b| b["url"].clone()),
                Some(json!(format!("/directory/administrativeUnits/{i}"))),
                "answers matched by id"
            );
        }
    }

    /// Serves `/v1.0/list?page=N`: one item a page, a nextLink while N < `last`.
    async fn pager(last: usize) -> String {
        use std::sync::{Arc, OnceLock};
        let base: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
        let b = base.clone();
        let app = axum::Router::new().route(
            "/v1.0/list",
            axum::routing::get(
                move |axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>| {
                    let b = b.clone();
                    async move {
                        let n: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
                        let mut body = json!({"value": [{"id": n}]});
                        if n < last {
                            body["@odata.nextLink"] = json!(format!(
                                "{}/v1.0/list?page={}",
                                b.get().cloned().unwrap_or_default(),
                                n + 1
                            ));
                        }
                        axum::Json(body)
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let _ = base.set(url.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        url
    }

    /// A collection whose pages do not end within [`MAX_PAGES`] is marked truncated, as a typed
    /// fact (issue 15, item 11); one that ends is complete; the merged body never keeps a link.
    #[tokio::test]
    async fn a_listing_past_the_page_limit_is_marked_truncated() {
        for (last, want) in [
            (3, None),
            (
                1000,
                Some(Truncation {
                    pages: MAX_PAGES + 1,
                    items: MAX_PAGES + 1,
                    cause: TruncationCause::PageLimit,
                }),
            ),
        ] {
            let url = pager(last).await;
            let client = GraphClient::new(Cloud::Global, Some(&url), Duration::from_secs(5))
                .expect("client");
            let first =
                json!({"value": [{"id": 0}], "@odata.nextLink": format!("{url}/v1.0/list?page=1")});
            let mut read =
                Read::answered(ReadKey::AppRoleAssignments, "GET /v1.0/list", 200, first);
            assert!(
                read.is_partial(),
                "a first page with a link is partial until followed"
            );
            let sent = follow_pages(&client, &Secret::new("t"), vec![], &mut read).await;
            assert_eq!(read.truncated, want, "last page {last}");
            assert_eq!(sent, last.min(MAX_PAGES));
            assert_eq!(read.is_partial(), want.is_some());
            assert!(read
                .ok_body()
                .is_some_and(|b| b.get("@odata.nextLink").is_none()));
            assert_eq!(
                read.values().map(|v| v.len()),
                Some(last.min(MAX_PAGES) + 1)
            );
        }
        // A link to another host is never followed, and says so.
        let client = GraphClient::new(
            Cloud::Global,
            Some("http://127.0.0.1:9"),
            Duration::from_secs(1),
        )
        .expect("client");
        let first =
            json!({"value": [], "@odata.nextLink": "https://evil.example/v1.0/list?page=1"});
        let mut read = Read::answered(ReadKey::AppRoleAssignments, "GET /v1.0/list", 200, first);
        assert_eq!(
            follow_pages(&client, &Secret::new("t"), vec![], &mut read).await,
            0
        );
        assert_eq!(
            read.truncated.map(|t| t.cause),
            Some(TruncationCause::ForeignLink)
        );
    }

    /// Reads that grow with the tenant are bounded (issue 15, item 12): the grants narrowed to
    /// tenant-wide ones and the user's own, pages of 999; refused, their documented forms.
    #[test]
    fn reads_that_grow_with_the_tenant_are_bounded() {
        let mut g = Gathered::default();
        g.reads.insert(
            ReadKey::ClientSp,
            Read::answered(ReadKey::ClientSp, "", 200, json!({"id": SP})),
        );
        let ta = delegated("GroupMember.ReadWrite.All", &[]);
        let inp = input(group_op(), false);
        let path = |k: ReadKey, ta: &TokenAnalysis| {
            request(&k, &inp, ta, &g, false)
                .map(|r| r.path)
                .unwrap_or_default()
        };
        let oid = ta.oid().unwrap_or_default().to_string();
        assert_eq!(
            path(ReadKey::Oauth2Grants, &ta),
            format!("/v1.0/oauth2PermissionGrants?$filter=clientId eq '{SP}' and (consentType eq 'AllPrincipals' or principalId eq '{oid}')&$top=999")
        );
        assert!(path(ReadKey::AppRoleAssignments, &ta).ends_with("/appRoleAssignments?$top=999"));
        // Role assignments: the transitive list (beta), whose page documents no `$top`.
        assert!(path(ReadKey::RoleAssignments, &ta)
            .starts_with("/beta/roleManagement/directory/transitiveRoleAssignments?$count=true&"));
        assert!(path(ReadKey::RoleEligibility, &ta)
            .ends_with(&format!("principalId eq '{oid}'&$top=999")));
        let app = app_only(&["GroupMember.ReadWrite.All"]);
        assert_eq!(
            path(ReadKey::Oauth2Grants, &app),
            format!("/v1.0/oauth2PermissionGrants?$filter=clientId eq '{SP}' and consentType eq 'AllPrincipals'&$top=999")
        );
        // Refused (400): the documented form, once.
        let mut g2 = Gathered {
            reads: g.reads.clone(),
            ..Gathered::default()
        };
        g2.reads.insert(
            ReadKey::Oauth2Grants,
            Read::answered(ReadKey::Oauth2Grants, "", 400, json!({"error": {"code": "Request_UnsupportedQuery", "message": "Filter is invalid."}})),
        );
        g2.reads.insert(
            ReadKey::RoleEligibility,
            Read::answered(ReadKey::RoleEligibility, "", 400, json!({})),
        );
        assert!(outstanding(&inp, &ta, &g2).contains(&ReadKey::Oauth2Grants));
        let planned = plan(&inp, &ta, None, &mut g2);
        let alt = |k: ReadKey| {
            planned
                .iter()
                .find(|p| p.key == k)
                .map(|p| p.req.path.clone())
        };
        assert_eq!(
            alt(ReadKey::Oauth2Grants),
            Some(format!(
                "/v1.0/oauth2PermissionGrants?$filter=clientId eq '{SP}'&$top=999"
            ))
        );
        assert_eq!(
            alt(ReadKey::RoleEligibility),
            Some(format!("/v1.0/roleManagement/directory/roleEligibilitySchedules?$filter=principalId eq '{oid}'"))
        );
        assert!(
            plan(&inp, &ta, None, &mut g2)
                .iter()
                .all(|p| p.key != ReadKey::Oauth2Grants),
            "only once"
        );
    }

    /// A delegated caller's PIM for Groups eligibilities are read for a group operation; each
    /// group it may join as a member (at most MAX_ELIGIBLE_GROUPS) has its roles read next, with
    /// the reader when the token cannot read them.
    #[test]
    fn eligible_groups_have_their_roles_read_after_the_eligibilities() {
        let ta = delegated("GroupMember.ReadWrite.All", &[]);
        let inp = input(group_op(), true);
        let g = Gathered::default();
        let keys = wanted(&inp, &ta, &g);
        assert!(keys.contains(&ReadKey::GroupEligibility));
        assert!(!keys.iter().any(|k| matches!(k, ReadKey::GroupRoles(_))));
        assert!(!wanted(&inp, &app_only(&["GroupMember.ReadWrite.All"]), &g)
            .contains(&ReadKey::GroupEligibility));
        let mut items: Vec<Value> = (0..12)
            .map(|i| json!({"groupId": format!("70000000-0000-4000-8000-0000000000{i:02}"), "principalId": OID, "accessId": "member"}))
            .collect();
        items.push(json!({"groupId": GROUP, "principalId": OID, "accessId": "owner"}));
        // Another principal's eligibilities take no slot.
        items.insert(
            0,
            json!({"groupId": "other", "principalId": MEMBER, "accessId": "member"}),
        );
        let mut g = Gathered::default();
        g.reads.insert(
            ReadKey::GroupEligibility,
            Read::answered(
                ReadKey::GroupEligibility,
                "",
                200,
                json!({ "value": items }),
            ),
        );
        let roles: Vec<ReadKey> = wanted(&inp, &ta, &g)
            .into_iter()
            .filter(|k| matches!(k, ReadKey::GroupRoles(_)))
            .collect();
        assert_eq!(roles.len(), MAX_ELIGIBLE_GROUPS);
        assert_eq!(
            roles[0],
            ReadKey::GroupRoles("70000000-0000-4000-8000-000000000000".into())
        );
        assert!(
            ReadKey::GroupRoles("g".into()).is_detail()
                && ReadKey::AuDetails("a".into()).is_detail()
        );
        assert!(!ReadKey::GroupEligibility.is_detail() && !ReadKey::Group.is_detail());
        let planned = plan(&inp, &ta, None, &mut g);
        let first = planned.iter().find(|p| p.key == roles[0]).expect("planned");
        assert_eq!(first.via, Via::Reader);
        assert_eq!(
            first.req.path,
            "/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '70000000-0000-4000-8000-000000000000'"
        );
    }

    /// A group's units listed in the reduced form (no AdministrativeUnit.Read.All) are listed
    /// again, once, with the reader token, however many they are (issue 15, item 13); without a
    /// reader they are read one by one, up to one batch.
    #[test]
    fn reduced_unit_listings_are_relisted_with_the_reader() {
        let ta = app_only(&["GroupMember.ReadWrite.All"]);
        let units: Vec<Value> = (0..7)
            .map(|i| json!({"@odata.type": "#microsoft.graph.administrativeUnit", "id": format!("6000000{i}-0000-4000-8000-000000000000")}))
            .collect();
        let reduced = Read::answered(ReadKey::GroupAus, "", 200, json!({ "value": units }));
        let mut g = Gathered::default();
        g.reads.insert(ReadKey::GroupAus, reduced.clone());
        let with_reader = input(group_op(), true);
        assert!(outstanding(&with_reader, &ta, &g).contains(&ReadKey::GroupAus));
        let planned = plan(&with_reader, &ta, None, &mut g);
        let relist = planned
            .iter()
            .find(|p| p.key == ReadKey::GroupAus)
            .expect("relisted");
        assert_eq!(
            (relist.via, relist.diagnosed_status),
            (Via::Reader, Some(200))
        );
        assert!(relist
            .req
            .path
            .contains("/memberOf/microsoft.graph.administrativeUnit"));
        assert!(
            planned
                .iter()
                .all(|p| !matches!(p.key, ReadKey::AuDetails(_))),
            "no unit is read alone while the listing is redone"
        );
        // Once relisted (with the reader), no further relisting.
        let mut again = reduced.clone();
        again.via = Via::Reader;
        g.reads.insert(ReadKey::GroupAus, again);
        assert!(!outstanding(&with_reader, &ta, &g).contains(&ReadKey::GroupAus));
        // Without a reader: every unit read alone (7, not 5).
        let mut g = Gathered::default();
        g.reads.insert(ReadKey::GroupAus, reduced);
        let alone = wanted(&input(group_op(), false), &ta, &g);
        assert_eq!(
            alone
                .iter()
                .filter(|k| matches!(k, ReadKey::AuDetails(_)))
                .count(),
            7
        );
    }

    #[test]
    fn app_only_group_adds_read_only_what_their_checks_need() {
        let ta = app_only(&["GroupMember.ReadWrite.All"]);
        let mut g = Gathered::default();
        let keys = wanted(&input(group_op(), false), &ta, &g);
        // The first round: the client's grants and app role assignments addressed by the token's
        // oid, and the role and licence reads a restricted unit or a role-assignable group would
        // need, along with the group's own reads (issue 15, item 14).
        for k in [
            ReadKey::Group,
            ReadKey::GroupAus,
            ReadKey::GroupMember,
            ReadKey::Member,
            ReadKey::ClientSp,
            ReadKey::Application,
            ReadKey::AppRoleAssignments,
            ReadKey::Oauth2Grants,
            ReadKey::RoleAssignments,
            ReadKey::SubscribedSkus,
        ] {
            assert!(keys.contains(&k), "{k:?}");
        }
        // No user, no PIM, no owner reads for an app.
        for k in [
            ReadKey::Me,
            ReadKey::MeRoles,
            ReadKey::RoleEligibility,
            ReadKey::GroupOwners,
            ReadKey::Au,
        ] {
            assert!(!keys.contains(&k), "{k:?}");
        }
        // Once a plain group (in no unit) is read: no licence or role reads.
        g.reads.insert(
            ReadKey::Group,
            Read::answered(
                ReadKey::Group,
                "",
                200,
                json!({"id": GROUP, "isAssignableToRole": false}),
            ),
        );
        g.reads.insert(
            ReadKey::GroupAus,
            Read::answered(ReadKey::GroupAus, "", 200, json!({"value": []})),
        );
        let keys = wanted(&input(group_op(), false), &ta, &g);
        assert!(
            !keys.contains(&ReadKey::RoleAssignments) && !keys.contains(&ReadKey::SubscribedSkus)
        );
        let au_op = Operation {
            kind: crate::report::OperationKind::AddAuMember,
            group: None,
            member: Some(MEMBER.into()),
            au: Some(AU.into()),
            request: None,
        };
        let keys = wanted(&input(au_op, false), &ta, &g);
        assert!(
            keys.contains(&ReadKey::AuMember)
                && keys.contains(&ReadKey::RoleAssignments)
                && !keys.contains(&ReadKey::Group)
        );
    }

    #[test]
    fn dependent_reads_follow_their_prerequisites() {
        let ta = delegated("GroupMember.ReadWrite.All", &[]);
        let mut g = Gathered::default();
        // Before the client's service principal is read, its grants and app role assignments
        // are addressed by appId; once it is, by its object id.
        let inp = input(group_op(), false);
        let path = |k: ReadKey, g: &Gathered| {
            request(&k, &inp, &ta, g, false)
                .map(|r| r.path)
                .unwrap_or_default()
        };
        assert!(wanted(&inp, &ta, &g).contains(&ReadKey::AppRoleAssignments));
        assert_eq!(
            path(ReadKey::AppRoleAssignments, &g),
            format!("/v1.0/servicePrincipals(appId='{APP}')/appRoleAssignments?$top=999")
        );
        assert_eq!(
            path(ReadKey::Oauth2Grants, &g),
            format!("/v1.0/servicePrincipals(appId='{APP}')/oauth2PermissionGrants?$filter=consentType eq 'AllPrincipals' or principalId eq '{OID}'&$top=999")
        );
        // A client with no service principal in the tenant (404): nothing hangs off it.
        g.reads.insert(
            ReadKey::ClientSp,
            Read::answered(ReadKey::ClientSp, "", 404, json!({})),
        );
        assert!(!wanted(&inp, &ta, &g).contains(&ReadKey::AppRoleAssignments));
        g.reads.insert(
            ReadKey::ClientSp,
            Read::answered(ReadKey::ClientSp, "", 200, json!({"id": SP})),
        );
        g.reads.insert(
            ReadKey::GroupAus,
            Read::answered(ReadKey::GroupAus, "", 200, json!({"value": [{"id": AU}]})),
        );
        let keys = wanted(&input(group_op(), false), &ta, &g);
        assert!(
            keys.contains(&ReadKey::AppRoleAssignments) && keys.contains(&ReadKey::Oauth2Grants)
        );
        assert!(
            keys.contains(&ReadKey::AuDetails(AU.into())),
            "reduced AU listing is completed per unit"
        );
    }

    /// A service that refuses the appId-addressed grants (its filter, or the form) gets the
    /// documented grants list by the object id read meanwhile.
    #[test]
    fn app_id_addressed_reads_fall_back_to_the_object_id() {
        let ta = delegated("GroupMember.ReadWrite.All", &[]);
        let inp = input(group_op(), false);
        for status in [400, 404] {
            let mut g = Gathered::default();
            g.reads.insert(
                ReadKey::ClientSp,
                Read::answered(ReadKey::ClientSp, "", 200, json!({"id": SP})),
            );
            let first = format!("GET /v1.0/servicePrincipals(appId='{APP}')/oauth2PermissionGrants?$filter=consentType eq 'AllPrincipals'");
            g.reads.insert(
                ReadKey::Oauth2Grants,
                Read::answered(ReadKey::Oauth2Grants, &first, status, json!({})),
            );
            assert!(outstanding(&inp, &ta, &g).contains(&ReadKey::Oauth2Grants));
            let planned = plan(&inp, &ta, None, &mut g);
            let alt = planned
                .iter()
                .find(|p| p.key == ReadKey::Oauth2Grants)
                .map(|p| p.req.path.clone());
            assert_eq!(
                alt,
                Some(format!(
                    "/v1.0/oauth2PermissionGrants?$filter=clientId eq '{SP}'&$top=999"
                )),
                "{status}"
            );
        }
    }

    /// Speculative first-round reads are kept when they prove right and forgotten, with what they
    /// counted, when not: an app-only token whose oid is not its service principal's id, a
    /// plain group that needs no role or licence read.
    #[test]
    fn speculative_reads_are_kept_only_when_they_prove_right() {
        let ta = app_only(&["GroupMember.ReadWrite.All"]);
        let inp = input(group_op(), false);
        let mut g = Gathered::default();
        let planned = plan(&inp, &ta, None, &mut g);
        let path = |k: ReadKey| {
            planned
                .iter()
                .find(|p| p.key == k)
                .map(|p| p.req.path.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            path(ReadKey::AppRoleAssignments),
            format!("/v1.0/servicePrincipals/{SP}/appRoleAssignments?$top=999"),
            "addressed by the token's oid"
        );
        assert!(path(ReadKey::Oauth2Grants).contains(&format!("clientId eq '{SP}'")));
        // The four above, and the member as a user with the guest policy's two settings reads.
        assert_eq!(g.speculative.len(), 7, "{:?}", g.speculative);
        for p in &planned {
            g.reads.insert(
                p.key.clone(),
                Read::answered(p.key.clone(), p.req.describe(), 200, json!({"value": []})),
            );
            g.diagnosed_answers += 1;
        }
        // The service principal turns out to have another id; the group is plain.
        let other = "88888888-8888-4888-8888-888888888888";
        g.reads.insert(
            ReadKey::ClientSp,
            Read::answered(ReadKey::ClientSp, "", 200, json!({"id": other})),
        );
        g.reads.insert(
            ReadKey::Group,
            Read::answered(
                ReadKey::Group,
                "",
                200,
                json!({"id": GROUP, "isAssignableToRole": false}),
            ),
        );
        let answers = g.diagnosed_answers;
        settle_speculative(&inp, &ta, &mut g);
        for k in [
            ReadKey::AppRoleAssignments,
            ReadKey::Oauth2Grants,
            ReadKey::RoleAssignments,
            ReadKey::SubscribedSkus,
            ReadKey::TenantGroupSettings,
            ReadKey::GroupSettings,
        ] {
            assert!(!g.reads.contains_key(&k), "{k:?} forgotten");
        }
        // The member read gave no type, so it may be a user: its user read is kept.
        assert!(g.reads.contains_key(&ReadKey::MemberUser));
        assert_eq!(g.diagnosed_answers, answers - 6);
        assert!(g.speculative.is_empty());
        // Re-planned with the id read.
        let again = plan(&inp, &ta, None, &mut g);
        assert!(again
            .iter()
            .any(|p| p.key == ReadKey::AppRoleAssignments && p.req.path.contains(other)));
        assert!(again.iter().all(|p| p.key != ReadKey::SubscribedSkus));
    }

    #[test]
    fn reads_go_to_the_reader_when_the_token_cannot_make_them() {
        let ta = delegated("User.Read GroupMember.ReadWrite.All", &[]);
        let mut g = Gathered::default();
        let planned = plan(&input(group_op(), true), &ta, None, &mut g);
        let via = |k: ReadKey| planned.iter().find(|p| p.key == k).map(|p| p.via);
        assert_eq!(via(ReadKey::Group), Some(Via::Diagnosed));
        assert_eq!(via(ReadKey::Me), Some(Via::Diagnosed));
        assert_eq!(
            via(ReadKey::Member),
            Some(Via::Reader),
            "directoryObjects needs Directory.Read.All"
        );
        assert_eq!(via(ReadKey::RoleAssignments), Some(Via::Reader));
        // A denied read is retried once with the reader token.
        g.reads.insert(
            ReadKey::Group,
            Read::answered(ReadKey::Group, "", 403, json!({})),
        );
        let planned = plan(&input(group_op(), true), &ta, None, &mut g);
        let retry = planned
            .iter()
            .find(|p| p.key == ReadKey::Group)
            .expect("retried");
        assert_eq!(
            (retry.via, retry.diagnosed_status),
            (Via::Reader, Some(403))
        );
        // A refused OData cast is re-sent in its plain form, and only the cast's type is kept.
        let mut g = Gathered::default();
        g.reads.insert(
            ReadKey::GroupAus,
            Read::answered(ReadKey::GroupAus, "", 400, json!({})),
        );
        let planned = plan(&input(group_op(), false), &ta, None, &mut g);
        let alt = planned
            .iter()
            .find(|p| p.key == ReadKey::GroupAus)
            .expect("alternate");
        assert_eq!(alt.req.path, format!("/v1.0/groups/{GROUP}/memberOf"));
        let mut read = Read::answered(
            ReadKey::GroupAus,
            "",
            200,
            json!({"value": [{"@odata.type": "#microsoft.graph.group", "id": "g"}, {"@odata.type": "#microsoft.graph.administrativeUnit", "id": AU, "displayName": "HR"}]}),
        );
        filter_cast(&mut read);
        assert_eq!(read.values().map(|v| v.len()), Some(1));
        // Listed without $select, a unit's missing flag is not read as false: it is read alone.
        g.reads.insert(ReadKey::GroupAus, read.clone());
        assert!(reduced_aus(&g).contains(&AU.to_string()));
        assert!(
            plan(&input(group_op(), false), &ta, None, &mut g)
                .iter()
                .all(|p| p.key != ReadKey::GroupAus),
            "only once"
        );
        // Transitive role assignments refused (404 without ConsistencyLevel, or no beta): the
        // direct assignments instead, marked as the plain form.
        let mut g = Gathered::default();
        g.reads.insert(
            ReadKey::RoleAssignments,
            Read::answered(ReadKey::RoleAssignments, "", 404, json!({})),
        );
        let planned = plan(&input(group_op(), false), &ta, None, &mut g);
        let alt = planned
            .iter()
            .find(|p| p.key == ReadKey::RoleAssignments)
            .expect("alternate");
        assert!(
            alt.req.path.starts_with(
                "/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq "
            ),
            "{}",
            alt.req.path
        );
        let mut read = Read::answered(ReadKey::RoleAssignments, "", 200, json!({"value": []}));
        filter_cast(&mut read);
        assert!(read.plain_form);
        // Without a usable token and without a reader, nothing is sent.
        let mut g = Gathered::default();
        let planned = plan(&input(group_op(), false), &ta, Some("expired"), &mut g);
        assert!(planned.is_empty());
        assert!(matches!(
            g.reads.get(&ReadKey::Group).map(|r| &r.outcome),
            Some(Outcome::NotSent(_))
        ));
        // /me becomes /users/{oid} for the reader.
        let mut g = Gathered::default();
        let planned = plan(&input(group_op(), true), &ta, Some("expired"), &mut g);
        let me = planned
            .iter()
            .find(|p| p.key == ReadKey::Me)
            .expect("me via reader");
        assert!(me.req.path.starts_with("/v1.0/users/"), "{}", me.req.path);
    }
}
