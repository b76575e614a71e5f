//! Microsoft Graph v1.0 as the simulated tenant serves it: routing of one authenticated request
//! ([`handle`]) and the reads (directory objects, navigation properties, role management, consent
//! records, licences). Writes live in [`super::writes`].
//!
//! Reads are denied (403 `Authorization_RequestDenied`) unless the token carries one of the
//! permissions of the least-privileged table (docs/facts.md §8, [`super::rules::Read`]).

use serde_json::{json, Value};

use super::http::{Call, Caller, Reply, CONTEXT_ROOT};
use super::query::{Filter, Query, SEARCH_NEEDS_EVENTUAL};
use super::rules::{Read, AU_PROPERTIES};
use super::tenant::{looks_like_id, missing, Kind, Object, Tenant};
use super::writes;

/// Segments Graph knows, to name the first unknown one in "Resource not found for the segment".
const KNOWN_SEGMENTS: &[&str] = &[
    "me",
    "users",
    "groups",
    "devices",
    "contacts",
    "servicePrincipals",
    "applications",
    "directoryObjects",
    "directory",
    "administrativeUnits",
    "organization",
    "subscribedSkus",
    "roleManagement",
    "roleAssignments",
    "roleEligibilitySchedules",
    "roleDefinitions",
    "identityGovernance",
    "privilegedAccess",
    "eligibilityScheduleInstances",
    "oauth2PermissionGrants",
    "directoryRoles",
    "members",
    "owners",
    "memberOf",
    "transitiveMemberOf",
    "appRoleAssignments",
    "groupSettings",
    "settings",
    "$ref",
    "$batch",
];

/// Serves one Graph request for an authenticated caller.
pub fn handle(t: &mut Tenant, call: &Call, caller: &Caller) -> Reply {
    let segments = match resolve_alternate_keys(t, &call.segments, caller) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let path: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (call.method.as_str(), path.as_slice()) {
        ("POST", ["groups", g, "members", "$ref"]) => writes::add_group_member(t, call, caller, g),
        ("POST", ["groups", g, "members"]) | ("PATCH", ["groups", g]) => {
            writes::bind_group_members(t, call, caller, g)
        }
        ("DELETE", ["groups", g, "members", m, "$ref"]) => {
            writes::remove_group_member(t, caller, g, m)
        }
        ("POST", ["directory", "administrativeUnits", a, "members", "$ref"]) => {
            writes::add_au_member(t, call, caller, a)
        }
        ("POST", ["directory", "administrativeUnits", a, "members"]) => {
            writes::create_group_in_au(t, call, caller, a)
        }
        ("DELETE", ["directory", "administrativeUnits", a, "members", m, "$ref"]) => {
            writes::remove_au_member(t, caller, a, m)
        }
        ("POST", ["groups", g, "owners", "$ref"]) => writes::add_group_owner(t, call, caller, g),
        ("DELETE", ["groups", g, "owners", o, "$ref"]) => {
            writes::remove_group_owner(t, caller, g, o)
        }
        ("GET", [rest @ .., "$count"]) if !rest.is_empty() => count_segment(t, call, caller, rest),
        ("GET", p) => match Query::parse(call) {
            Ok(mut q) => {
                q.page_cap = t.max_page_size;
                read(t, call, caller, &q, p)
            }
            Err(r) => r,
        },
        (_, p) => {
            // A known resource with a method it does not take, or an unknown one.
            let probe = read(t, call, caller, &Query::default(), p);
            if probe.status == 400
                && probe.body.as_ref().is_some_and(|b| {
                    b["error"]["message"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("Resource not found")
                })
            {
                probe
            } else {
                Reply::error(
                    405,
                    "Request_BadRequest",
                    "Specified HTTP method is not allowed for the request uri.",
                )
            }
        }
    }
}

/// Rewrites `servicePrincipals(appId='…')` and `applications(appId='…')` into `[set, id]`
/// ("You can address the service principal using either its id or appId",
/// https://learn.microsoft.com/graph/api/serviceprincipal-get). Followed by a navigation
/// (`/appRoleAssignments`, `/oauth2PermissionGrants`), the navigation's own permissions decide
/// (serviceprincipal-list-oauth2permissiongrants takes Directory.Read.All, not
/// Application.Read.All), and an unknown appId is that route's 404.
fn resolve_alternate_keys(
    t: &Tenant,
    segments: &[String],
    caller: &Caller,
) -> Result<Vec<String>, Reply> {
    let mut out = Vec::with_capacity(segments.len() + 1);
    for (i, seg) in segments.iter().enumerate() {
        let navigated = i + 1 < segments.len();
        let Some((set, rest)) = seg.split_once('(') else {
            out.push(seg.clone());
            continue;
        };
        let key = rest
            .strip_suffix(')')
            .and_then(|r| {
                r.split_once('=')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case("appId"))
            })
            .and_then(|(_, v)| {
                v.trim()
                    .strip_prefix('\'')?
                    .strip_suffix('\'')
                    .map(str::to_string)
            });
        let (kind, read) = match set {
            "servicePrincipals" => (Kind::ServicePrincipal, Read::ServicePrincipal),
            "applications" => (Kind::Application, Read::Application),
            _ => return Err(Reply::unknown_segment(seg)),
        };
        let Some(app_id) = key else {
            return Err(Reply::bad_request(
                "BadRequest",
                format!("Bad Request - Error in query syntax: '{seg}'."),
            ));
        };
        if !navigated && !caller.has_any(read.permissions()) {
            return Err(Reply::denied());
        }
        let found = match kind {
            Kind::ServicePrincipal => t.sp_by_app_id(&app_id),
            _ => t.app_by_app_id(&app_id),
        };
        let id = match found {
            Some(o) => o.id().to_string(),
            None if navigated => app_id,
            None => return Err(Reply::not_found(&app_id)),
        };
        out.push(set.to_string());
        out.push(id);
    }
    Ok(out)
}

/// The permissions that list another user's direct memberships, per flow: "Permissions for
/// another user's direct memberships" of https://learn.microsoft.com/graph/api/user-list-memberof
/// (delegated: User.Read.All least, then Directory.Read.All, Directory.ReadWrite.All,
/// GroupMember.Read.All; application: Directory.Read.All, then Directory.ReadWrite.All).
fn user_memberships(caller: &Caller) -> &'static [&'static str] {
    if caller.delegated() {
        &[
            "User.Read.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "GroupMember.Read.All",
        ]
    } else {
        &["Directory.Read.All", "Directory.ReadWrite.All"]
    }
}

fn read(t: &Tenant, call: &Call, caller: &Caller, q: &Query, path: &[&str]) -> Reply {
    use Kind::*;
    let req = Nav { call, caller, q };
    match path {
        ["me"] => me(t, caller).map_or_else(|r| r, |u| single(q, &u.props, "users", None)),
        ["me", nav @ ("memberOf" | "transitiveMemberOf"), rest @ ..] => {
            let user = match me(t, caller) {
                Ok(u) => u,
                Err(r) => return r,
            };
            // Whether casts on /me need ConsistencyLevel is UNCONFIRMED (docs/facts.md §10.11): lenient.
            let objs = containers(t, user.id(), nav);
            navigation(&req, Read::Me, objs, rest, false)
        }
        ["users"] => entity_list(t, call, caller, q, User, Read::User),
        ["users", id] => entity_get(t, caller, q, User, Read::User, id),
        ["users", id, "memberOf", rest @ ..] => {
            with_object(t, caller, Read::User, id, User, |o| {
                // Another user's direct memberships take more than reading the user: not
                // User.ReadBasic.All (https://learn.microsoft.com/graph/api/user-list-memberof).
                let own = o.id().eq_ignore_ascii_case(&caller.oid);
                if !own && !caller.has_any(user_memberships(caller)) {
                    return Reply::denied();
                }
                let objs = containers(t, o.id(), "memberOf");
                navigation(&req, Read::User, objs, rest, true)
            })
        }
        ["users", id, nav @ "transitiveMemberOf", rest @ ..] => {
            with_object(t, caller, Read::User, id, User, |o| {
                let objs = containers(t, o.id(), nav);
                navigation(&req, Read::User, objs, rest, true)
            })
        }
        ["groups"] => entity_list(t, call, caller, q, Group, Read::Group),
        ["groups", id] => entity_get(t, caller, q, Group, Read::Group, id),
        ["groups", id, "owners", rest @ ..] => {
            with_object(t, caller, Read::Group, id, Group, |g| {
                navigation(&req, Read::Group, t.owners(g.id()), rest, true)
            })
        }
        ["groups", id, "members", m] if Kind::from_cast(m).is_none() => {
            with_object(t, caller, Read::Group, id, Group, |g| {
                member_get(t, q, g, m)
            })
        }
        ["groupSettings"] => group_settings(t, call, caller, q, None),
        ["groups", id, "settings"] => with_object(t, caller, Read::Group, id, Group, |g| {
            group_settings(t, call, caller, q, Some(g.id()))
        }),
        ["groups", id, "members", rest @ ..] => {
            with_object(t, caller, Read::Group, id, Group, |g| {
                if hides_members(t, caller, g) {
                    // Graph still answers 200, with the members this caller may see: none.
                    return navigation(&req, Read::Group, Vec::new(), rest, true);
                }
                // group-list-members: a cast to a type a Microsoft 365 group cannot hold is a 400
                // Request_UnsupportedQuery (docs/facts.md §5b).
                if let [cast] = rest {
                    if g.is_unified() && Kind::from_cast(cast).is_some_and(|k| k != User) {
                        return Reply::bad_request(
                            "Request_UnsupportedQuery",
                            format!("The type cast '{cast}' is not supported on the members of a Microsoft 365 group."),
                        );
                    }
                }
                navigation(&req, Read::Group, t.members(g.id()), rest, true)
            })
        }
        ["groups", id, nav @ ("memberOf" | "transitiveMemberOf"), rest @ ..] => {
            with_object(t, caller, Read::Group, id, Group, |g| {
                let objs = containers(t, g.id(), nav);
                navigation(&req, Read::Group, objs, rest, true)
            })
        }
        ["devices"] => entity_list(t, call, caller, q, Device, Read::Device),
        ["devices", id] => entity_get(t, caller, q, Device, Read::Device, id),
        ["contacts"] => entity_list(t, call, caller, q, OrgContact, Read::OrgContact),
        ["contacts", id] => entity_get(t, caller, q, OrgContact, Read::OrgContact, id),
        ["servicePrincipals"] => {
            entity_list(t, call, caller, q, ServicePrincipal, Read::ServicePrincipal)
        }
        ["servicePrincipals", id] => {
            entity_get(t, caller, q, ServicePrincipal, Read::ServicePrincipal, id)
        }
        ["servicePrincipals", id, "appRoleAssignments"] => with_object(
            t,
            caller,
            Read::ServicePrincipal,
            id,
            ServicePrincipal,
            |sp| app_role_assignments(t, call, q, sp),
        ),
        // serviceprincipal-list-oauth2permissiongrants: the grants whose client is this principal;
        // "This method supports the OData query parameters"
        // (https://learn.microsoft.com/graph/api/serviceprincipal-list-oauth2permissiongrants):
        // the grant's own filterable properties are taken, as on `/oauth2PermissionGrants`.
        ["servicePrincipals", id, "oauth2PermissionGrants"] => with_object(
            t,
            caller,
            Read::PermissionGrants,
            id,
            ServicePrincipal,
            |sp| {
                let items = t
                    .grants
                    .iter()
                    .filter(|g| g.client_id.eq_ignore_ascii_case(sp.id()))
                    .filter_map(|g| serde_json::to_value(g).ok());
                records(
                    call,
                    caller,
                    q,
                    Read::PermissionGrants,
                    items,
                    "oauth2PermissionGrants",
                    GRANT_FILTERS,
                )
            },
        ),
        ["applications"] => entity_list(t, call, caller, q, Application, Read::Application),
        ["applications", id] => entity_get(t, caller, q, Application, Read::Application, id),
        ["directoryObjects", id] => {
            if !caller.has_any(Read::DirectoryObject.permissions()) {
                return Reply::denied();
            }
            match t.get(id) {
                Some(o) => single(q, &o.props, "directoryObjects", Some(o.kind)),
                None => missing(t, id),
            }
        }
        ["directory", "administrativeUnits"] => entity_list(
            t,
            call,
            caller,
            q,
            AdministrativeUnit,
            Read::AdministrativeUnit,
        ),
        ["directory", "administrativeUnits", id] => entity_get(
            t,
            caller,
            q,
            AdministrativeUnit,
            Read::AdministrativeUnit,
            id,
        ),
        ["directory", "administrativeUnits", id, "members", m] if Kind::from_cast(m).is_none() => {
            with_object(
                t,
                caller,
                Read::AdministrativeUnit,
                id,
                AdministrativeUnit,
                |au| member_get(t, q, au, m),
            )
        }
        ["directory", "administrativeUnits", id, "members", rest @ ..] => with_object(
            t,
            caller,
            Read::AdministrativeUnit,
            id,
            AdministrativeUnit,
            |au| {
                let members = t.members(au.id());
                navigation(&req, Read::AdministrativeUnit, members, rest, true)
            },
        ),
        ["organization"] | ["organization", _] => {
            if !caller.has_any(Read::Organization.permissions()) {
                return Reply::denied();
            }
            let org = t.organization();
            let props = org.as_object().cloned().unwrap_or_default();
            if path.len() == 2 {
                if !path[1].eq_ignore_ascii_case(&t.id) {
                    return Reply::not_found(path[1]);
                }
                return single(q, &props, "organization", None);
            }
            collection(
                call,
                q,
                format!("organization{}", q.context_suffix()),
                vec![q.project(&props, None)],
                q.count,
            )
        }
        ["subscribedSkus"] => {
            if !caller.has_any(Read::SubscribedSkus.permissions()) {
                return Reply::denied();
            }
            if q.filter.is_some() {
                return Reply::bad_request(
                    "Request_UnsupportedQuery",
                    "Query filter expressions are not supported on subscribedSkus.",
                );
            }
            let items: Vec<Value> = t
                .skus
                .iter()
                .filter_map(|s| serde_json::to_value(s).ok())
                .map(|mut v| {
                    if let Value::Object(m) = &mut v {
                        m.insert("accountId".into(), json!(t.id));
                        m.insert("accountName".into(), json!(t.display_name));
                        m.insert("subscriptionIds".into(), json!([]));
                        m.insert(
                            "prepaidUnits".into(),
                            json!({"enabled": 25, "suspended": 0, "warning": 0, "lockedOut": 0}),
                        );
                    }
                    v
                })
                .filter_map(|v| v.as_object().map(|m| q.project(m, None)))
                .collect();
            collection(
                call,
                q,
                format!("subscribedSkus{}", q.context_suffix()),
                items,
                false,
            )
        }
        ["roleManagement", "directory", "roleAssignments"] => {
            let items = t.role_assignments.iter().map(|a| {
                json!({"id": a.id, "principalId": a.principal_id, "roleDefinitionId": a.role_definition_id,
                       "directoryScopeId": a.directory_scope_id, "appScopeId": null})
            });
            records(
                call,
                caller,
                q,
                Read::RoleAssignments,
                items,
                "roleManagement/directory/roleAssignments",
                ROLE_FILTERS,
            )
        }
        // Beta only (https://learn.microsoft.com/graph/api/rbacapplication-list-transitiveroleassignments):
        // the principal's direct assignments and those of the groups it belongs to, transitively,
        // each with the group's id as principalId. "If your request doesn't include the
        // ConsistencyLevel header set to eventual, this method returns 404 Not Found"; the
        // `$filter` on principalId is required. On v1.0 the segment is unknown (400).
        ["roleManagement", "directory", "transitiveRoleAssignments"] if is_beta(call) => {
            transitive_role_assignments(t, call, caller, q)
        }
        ["roleManagement", "directory", "roleEligibilitySchedules"] => {
            let items = t.role_eligibilities.iter().map(|a| {
                json!({"id": a.id, "principalId": a.principal_id, "roleDefinitionId": a.role_definition_id,
                       "directoryScopeId": a.directory_scope_id, "appScopeId": null, "memberType": "Direct",
                       "status": "Provisioned", "createdUsing": a.id,
                       "createdDateTime": "2026-01-01T00:00:00Z", "modifiedDateTime": null,
                       "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00Z", "recurrence": null,
                                        "expiration": {"type": "noExpiration", "endDateTime": null, "duration": null}}})
            });
            records(
                call,
                caller,
                q,
                Read::RoleEligibility,
                items,
                "roleManagement/directory/roleEligibilitySchedules",
                ELIGIBILITY_FILTERS,
            )
        }
        ["identityGovernance", "privilegedAccess", "group", "eligibilityScheduleInstances"] => {
            group_eligibility_instances(t, call, caller, q)
        }
        // unifiedRoleDefinition (https://learn.microsoft.com/graph/api/resources/unifiedroledefinition):
        // built-in roles with their actions (id = templateId), then the tenant's custom roles.
        ["roleManagement", "directory", "roleDefinitions"] => records(
            call,
            caller,
            q,
            Read::RoleDefinitions,
            role_definitions(t).into_iter(),
            "roleManagement/directory/roleDefinitions",
            FilterSupport::ANY,
        ),
        ["roleManagement", "directory", "roleDefinitions", id] => {
            if !caller.has_any(Read::RoleDefinitions.permissions()) {
                return Reply::denied();
            }
            match role_definitions(t).into_iter().find(|d| {
                d.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.eq_ignore_ascii_case(id))
            }) {
                Some(Value::Object(m)) => Reply::ok(q.project(&m, None)),
                _ => Reply::not_found(id),
            }
        }
        ["oauth2PermissionGrants"] => {
            let items = t.grants.iter().filter_map(|g| serde_json::to_value(g).ok());
            records(
                call,
                caller,
                q,
                Read::PermissionGrants,
                items,
                "oauth2PermissionGrants",
                GRANT_FILTERS,
            )
        }
        ["directoryRoles"] => entity_list(t, call, caller, q, DirectoryRole, Read::DirectoryRoles),
        ["directoryRoles", id] => entity_get(t, caller, q, DirectoryRole, Read::DirectoryRoles, id),
        ["directoryRoles", id, "members", rest @ ..] => {
            with_object(t, caller, Read::DirectoryRoles, id, DirectoryRole, |r| {
                navigation(&req, Read::DirectoryRoles, t.members(r.id()), rest, false)
            })
        }
        // https://learn.microsoft.com/graph/api/user-list-ownedobjects
        ["users", id, "ownedObjects", rest @ ..] => {
            with_object(t, caller, Read::User, id, User, |o| {
                navigation(&req, Read::User, t.owned_by(o.id()), rest, true)
            })
        }
        // https://learn.microsoft.com/graph/api/serviceprincipal-list-owners
        ["servicePrincipals", id, "owners", rest @ ..] => with_object(
            t,
            caller,
            Read::ServicePrincipal,
            id,
            ServicePrincipal,
            |sp| navigation(&req, Read::ServicePrincipal, t.owners(sp.id()), rest, true),
        ),
        // https://learn.microsoft.com/graph/api/device-list-memberof
        ["devices", id, "memberOf", rest @ ..] => {
            with_object(t, caller, Read::Device, id, Device, |d| {
                navigation(
                    &req,
                    Read::Device,
                    containers(t, d.id(), "memberOf"),
                    rest,
                    true,
                )
            })
        }
        // https://learn.microsoft.com/graph/api/orgcontact-list-memberof
        ["contacts", id, "memberOf", rest @ ..] => {
            with_object(t, caller, Read::OrgContact, id, OrgContact, |c| {
                navigation(
                    &req,
                    Read::OrgContact,
                    containers(t, c.id(), "memberOf"),
                    rest,
                    true,
                )
            })
        }
        // administrativeunit-list-scopedrolemembers: scopedRoleMembership objects, `roleId` the
        // activated directoryRole's object id, `roleMemberInfo` the member's identity
        // (https://learn.microsoft.com/graph/api/resources/scopedrolemembership).
        ["directory", "administrativeUnits", id, "scopedRoleMembers"] => with_object(
            t,
            caller,
            Read::AdministrativeUnit,
            id,
            AdministrativeUnit,
            |au| {
                let scope = format!("/administrativeUnits/{}", au.id());
                let items: Vec<Value> = t
                    .role_assignments
                    .iter()
                    .filter(|a| a.directory_scope_id.eq_ignore_ascii_case(&scope))
                    .map(|a| {
                        let role = t
                            .all(DirectoryRole)
                            .find(|r| {
                                r.str_prop("roleTemplateId")
                                    .is_some_and(|x| x.eq_ignore_ascii_case(&a.role_definition_id))
                            })
                            .map(|r| r.id().to_string())
                            .unwrap_or_else(|| a.role_definition_id.clone());
                        let member = t.get(&a.principal_id);
                        json!({"id": a.id, "roleId": role, "administrativeUnitId": au.id(),
                               "roleMemberInfo": {"id": a.principal_id,
                                   "displayName": member.and_then(|m| m.str_prop("displayName")),
                                   "userPrincipalName": member.and_then(|m| m.str_prop("userPrincipalName"))}})
                    })
                    .collect();
                records(
                    call,
                    caller,
                    q,
                    Read::AdministrativeUnit,
                    items.into_iter(),
                    "scopedRoleMembers",
                    FilterSupport::ANY,
                )
            },
        ),
        _ => Reply::unknown_segment(first_unknown(path)),
    }
}

/// The first segment Graph would not recognise (ids and casts are recognised).
fn first_unknown<'a>(path: &[&'a str]) -> &'a str {
    path.iter()
        .copied()
        .find(|s| !KNOWN_SEGMENTS.contains(s) && !looks_like_id(s) && Kind::from_cast(s).is_none())
        .or_else(|| path.last().copied())
        .unwrap_or("")
}

/// The signed-in user of a delegated token.
fn me<'a>(t: &'a Tenant, caller: &Caller) -> Result<&'a Object, Reply> {
    if !caller.delegated() {
        // Corpus: me-with-app-token-php1163.
        return Err(Reply::bad_request(
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
        ));
    }
    if !caller.has_any(Read::Me.permissions()) {
        return Err(Reply::denied());
    }
    t.get_kind(&caller.oid, Kind::User)
        .ok_or_else(|| Reply::not_found(&caller.oid))
}

/// Groups, AUs and roles an object belongs to, directly or transitively.
fn containers<'a>(t: &'a Tenant, id: &str, nav: &str) -> Vec<&'a Object> {
    if nav == "transitiveMemberOf" {
        t.transitive_member_of(id)
    } else {
        t.member_of(id)
    }
}

/// Permission check, then the object (404 when missing), then `f`.
fn with_object<'a>(
    t: &'a Tenant,
    caller: &Caller,
    read: Read,
    id: &str,
    kind: Kind,
    f: impl FnOnce(&'a Object) -> Reply,
) -> Reply {
    if !caller.has_any(read.permissions()) {
        return Reply::denied();
    }
    match t.get_kind(id, kind) {
        Some(o) => f(o),
        None => missing(t, id),
    }
}

fn entity_set(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "users",
        Kind::Group => "groups",
        Kind::Device => "devices",
        Kind::ServicePrincipal => "servicePrincipals",
        Kind::Application => "applications",
        Kind::OrgContact => "contacts",
        Kind::AdministrativeUnit => "directory/administrativeUnits",
        Kind::DirectoryRole => "directoryRoles",
    }
}

/// A single entity: `@odata.context` ending in `/$entity`, then its properties.
fn single(
    q: &Query,
    props: &serde_json::Map<String, Value>,
    set: &str,
    polymorphic: Option<Kind>,
) -> Reply {
    let mut body = serde_json::Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT_ROOT}{set}{}/$entity", q.context_suffix())),
    );
    let typ = polymorphic.map(Kind::odata_type);
    if let Value::Object(p) = q.project(props, typ.as_deref()) {
        body.extend(p);
    }
    Reply::ok(Value::Object(body))
}

/// Directory collections come in pages of 100 unless `$top` says otherwise (Graph's paging doc:
/// "the default page size is 100 … for directory objects"); the rest is behind `@odata.nextLink`.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// Prefix of the sim's opaque `$skiptoken` values (the offset follows, base64url).
const SKIPTOKEN_PREFIX: &str = "RFNwdAIAAQAAAC";

fn skiptoken(offset: usize) -> String {
    use base64::Engine;
    format!(
        "{SKIPTOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
    )
}

/// The offset a `$skiptoken` stands for; an unknown token is a 400 as Graph answers a token it did
/// not issue (the text is the sim's own).
fn skiptoken_offset(call: &Call) -> Result<usize, Reply> {
    use base64::Engine;
    let Some(token) = call.query_value("$skiptoken") else {
        return Ok(0);
    };
    token
        .strip_prefix(SKIPTOKEN_PREFIX)
        .and_then(|t| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            Reply::bad_request(
                "Request_BadRequest",
                format!("The specified page token value '{token}' is invalid or has expired."),
            )
        })
}

/// Percent-encodes a query value, keeping what Graph's own links keep readable.
fn encode_query_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~$,'()*:@/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The link to the page after `offset + size`: the same request, its `$skiptoken` replaced.
fn next_link(call: &Call, next_offset: usize) -> String {
    let root = if call.root.is_empty() {
        "https://graph.microsoft.com/v1.0"
    } else {
        call.root.as_str()
    };
    let path = call
        .segments
        .iter()
        .map(|s| encode_query_part(s))
        .collect::<Vec<_>>()
        .join("/");
    let mut query: Vec<String> = call
        .query
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
        .map(|(k, v)| format!("{}={}", encode_query_part(k), encode_query_part(v)))
        .collect();
    query.push(format!("$skiptoken={}", skiptoken(next_offset)));
    format!("{root}/{path}?{}", query.join("&"))
}

/// A collection: `{"@odata.context", "@odata.count"?, "@odata.nextLink"?, "value"}`, one page of
/// `items` (`$top` or [`DEFAULT_PAGE_SIZE`], from the `$skiptoken`'s offset); `@odata.count` is
/// the count of the whole collection.
fn collection(call: &Call, q: &Query, context: String, items: Vec<Value>, count: bool) -> Reply {
    let offset = match skiptoken_offset(call) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let total = items.len();
    let size = q
        .top
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .min(q.page_cap.unwrap_or(usize::MAX))
        .max(1);
    let page: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let mut body = serde_json::Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT_ROOT}{context}")),
    );
    if count {
        body.insert("@odata.count".into(), json!(total));
    }
    if offset + size < total {
        body.insert(
            "@odata.nextLink".into(),
            json!(next_link(call, offset + size)),
        );
    }
    body.insert("value".into(), Value::Array(page));
    Reply::ok(Value::Object(body))
}

/// Advanced-query rules for directory collections: `$search` needs `ConsistencyLevel: eventual`
/// (400 otherwise); `?$count=true` without it is silently ignored (aad-advanced-queries, "Error
/// handling for advanced queries on directory objects": "the request returns an error when the
/// `$count` URL segment is used or silently ignores the `$count` query parameter").
fn advanced_query_check(call: &Call, q: &Query) -> Option<Reply> {
    if q.search.is_some() && !call.eventual() {
        return Some(Reply::bad_request(
            "Request_UnsupportedQuery",
            SEARCH_NEEDS_EVENTUAL,
        ));
    }
    None
}

/// Whether a directory collection reports `@odata.count`: `$count=true` with `ConsistencyLevel:
/// eventual` (see [`advanced_query_check`]).
fn directory_count(call: &Call, q: &Query) -> bool {
    q.count && call.eventual()
}

/// `GET …/$count` on a directory collection: the count as `text/plain` with `ConsistencyLevel:
/// eventual`, 400 Request_BadRequest "$count is not currently supported." without it
/// (aad-advanced-queries).
fn count_segment(t: &Tenant, call: &Call, caller: &Caller, path: &[&str]) -> Reply {
    if !call.eventual() {
        return Reply::bad_request("Request_BadRequest", "$count is not currently supported.");
    }
    let mut inner = call.clone();
    inner.query.retain(|(k, _)| {
        !["$count", "$top", "$skiptoken", "$select"].contains(&k.to_ascii_lowercase().as_str())
    });
    inner.query.push(("$count".into(), "true".into()));
    let q = match Query::parse(&inner) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let mut reply = read(t, &inner, caller, &q, path);
    if reply.status != 200 {
        return reply;
    }
    match reply
        .body
        .as_ref()
        .and_then(|b| b.get("@odata.count"))
        .cloned()
    {
        Some(n) => {
            reply.body = Some(n);
            reply.headers = vec![("Content-Type".into(), "text/plain".into())];
            reply
        }
        None => Reply::unknown_segment("$count"),
    }
}

fn entity_list(
    t: &Tenant,
    call: &Call,
    caller: &Caller,
    q: &Query,
    kind: Kind,
    read: Read,
) -> Reply {
    if !caller.has_any(read.permissions()) {
        return Reply::denied();
    }
    if let Some(r) = advanced_query_check(call, q) {
        return r;
    }
    let items: Vec<Value> = t
        .all(kind)
        .filter(|o| q.matches(&o.props))
        .map(|o| q.project(&o.props, None))
        .collect();
    collection(
        call,
        q,
        format!("{}{}", entity_set(kind), q.context_suffix()),
        items,
        directory_count(call, q),
    )
}

fn entity_get(t: &Tenant, caller: &Caller, q: &Query, kind: Kind, read: Read, id: &str) -> Reply {
    with_object(t, caller, read, id, kind, |o| {
        single(q, &o.props, entity_set(kind), None)
    })
}

/// Whether the members of `g` are hidden from `caller`: a HiddenMembership group listed without
/// Member.Read.Hidden ("Allows the app to read the memberships of hidden groups",
/// https://learn.microsoft.com/graph/permissions-reference#memberreadhidden;
/// https://learn.microsoft.com/graph/api/group-list-members), unless a signed-in caller is one of
/// its members or owners, who see the membership.
fn hides_members(t: &Tenant, caller: &Caller, g: &Object) -> bool {
    let hidden = g.str_prop("visibility").is_some_and(|v| {
        v.eq_ignore_ascii_case(&crate::knowledge::membership::hidden_membership().visibility)
    });
    hidden
        && !caller.has_own(super::rules::HIDDEN_MEMBERS_READ)
        && !(caller.delegated()
            && (t.is_member(g.id(), &caller.oid) || t.is_owner(g.id(), &caller.oid)))
}

/// `GET /groupSettings` (tenant-wide, `group` None) or `GET /groups/{id}/settings`: the
/// permissions of https://learn.microsoft.com/graph/api/group-list-settings, and for a signed-in
/// caller one of its roles.
fn group_settings(
    t: &Tenant,
    call: &Call,
    caller: &Caller,
    q: &Query,
    group: Option<&str>,
) -> Reply {
    if !caller.has_any(super::rules::GROUP_SETTINGS_READ) {
        return Reply::denied();
    }
    if caller.delegated()
        && !t.active_roles(&caller.oid).iter().any(|(rule, scope)| {
            scope == "/"
                && super::rules::GROUP_SETTINGS_ROLES
                    .iter()
                    .any(|id| id.eq_ignore_ascii_case(rule.template_id))
        })
    {
        return Reply::denied();
    }
    let items: Vec<Value> = t.settings_of(group).into_iter().cloned().collect();
    let context = match group {
        Some(g) => format!("groups('{g}')/settings"),
        None => "groupSettings".to_string(),
    };
    collection(call, q, context, items, false)
}

/// `…/members/{id}`: the member as a directory object, or 404 when it is not a member.
fn member_get(t: &Tenant, q: &Query, container: &Object, member: &str) -> Reply {
    match t.get(member) {
        Some(o) if t.is_member(container.id(), member) => {
            single(q, &o.props, "directoryObjects", Some(o.kind))
        }
        _ => Reply::not_found(member),
    }
}

/// The request a navigation collection answers.
#[derive(Clone, Copy)]
struct Nav<'a> {
    call: &'a Call,
    caller: &'a Caller,
    q: &'a Query,
}

/// A navigation collection of directory objects (members, owners, memberOf…), polymorphic, with an
/// optional OData cast (`rest` = `[microsoft.graph.x]`).
///
/// With `strict`, `$filter`, `$count`, `$search` and casts need `ConsistencyLevel: eventual`
/// (group-list-members and group-list-memberof: "This header and $count are required when using the
/// $search, $filter, $orderby, or OData cast query parameters"; docs/facts.md §8); Graph answers
/// 400 Request_UnsupportedQuery otherwise.
fn navigation(nav: &Nav, read: Read, objects: Vec<&Object>, rest: &[&str], strict: bool) -> Reply {
    let Nav { call, caller, q } = *nav;
    let context = "directoryObjects";
    if !caller.has_any(read.permissions()) {
        return Reply::denied();
    }
    let cast = match rest {
        [] => None,
        [c] => match Kind::from_cast(c) {
            Some(k) => Some(k),
            None => return Reply::unknown_segment(c),
        },
        [_, more, ..] => return Reply::unknown_segment(more),
    };
    if q.search.is_some() && !call.eventual() {
        return Reply::bad_request("Request_UnsupportedQuery", SEARCH_NEEDS_EVENTUAL);
    }
    if strict && !call.eventual() {
        if q.filter.is_some() {
            return Reply::bad_request(
                "Request_UnsupportedQuery",
                "The specified filter to the reference property query is currently not supported.",
            );
        }
        if cast.is_some() {
            return Reply::bad_request(
                "Request_UnsupportedQuery",
                "The requested query with an OData cast on a reference property requires the 'ConsistencyLevel: eventual' header.",
            );
        }
    }
    let can_read_aus = caller.has_any(AU_PROPERTIES);
    let items: Vec<Value> = objects
        .into_iter()
        .filter(|o| cast.is_none_or(|k| o.kind == k))
        .filter(|o| q.matches(&o.props))
        .map(|o| {
            if o.kind == Kind::AdministrativeUnit && !can_read_aus {
                // Limited information: only the type and the id (docs/facts.md §8, group-list-memberof).
                json!({"@odata.type": o.kind.odata_type(), "id": o.id()})
            } else {
                q.project(&o.props, Some(&o.kind.odata_type()))
            }
        })
        .collect();
    let context = match cast {
        Some(k) => format!(
            "{}{}",
            entity_set(k).rsplit('/').next().unwrap_or(context),
            q.context_suffix()
        ),
        None => format!("{context}{}", q.context_suffix()),
    };
    collection(call, q, context, items, directory_count(call, q))
}

/// Which properties a record collection takes in `$filter`, and Graph's answer to another.
#[derive(Clone, Copy)]
struct FilterSupport {
    /// None: any property.
    properties: Option<&'static [&'static str]>,
    refuse: fn(&str) -> Reply,
}

impl FilterSupport {
    const ANY: FilterSupport = FilterSupport {
        properties: None,
        refuse: |_| Reply::bad_request("BadRequest", "Invalid filter clause"),
    };

    /// The refusal of a `$filter` naming a property the collection does not filter on.
    fn check(&self, q: &Query) -> Option<Reply> {
        let allowed = self.properties?;
        let f = q.filter.as_ref()?;
        f.properties()
            .into_iter()
            .find(|p| !allowed.iter().any(|a| a.eq_ignore_ascii_case(p)))
            .map(|p| (self.refuse)(p))
    }
}

/// oAuth2PermissionGrant: clientId, consentType, principalId and resourceId "Supports `$filter`
/// (`eq` only)" (https://learn.microsoft.com/graph/api/resources/oauth2permissiongrant). Another
/// property is a 400 `Request_UnsupportedQuery` "Filter is invalid. scope" (a field report:
/// https://github.com/microsoftgraph/msgraph-sdk-powershell/issues/1763). `and`, `or` and
/// parentheses over them are accepted: UNCONFIRMED (docs/scenarios.md).
const GRANT_FILTERS: FilterSupport = FilterSupport {
    properties: Some(&["clientId", "consentType", "principalId", "resourceId"]),
    refuse: |p| {
        Reply::bad_request(
            "Request_UnsupportedQuery",
            format!("Filter is invalid. {}", p.to_ascii_lowercase()),
        )
    },
};

/// unifiedRoleAssignment: appScopeId, directoryScopeId, principalId and roleDefinitionId
/// "Supports `$filter`" (https://learn.microsoft.com/graph/api/resources/unifiedroleassignment).
/// The refusal's text is the one Graph gives an appRoleAssignments filter it does not take
/// (below); Graph's own for role management is not documented.
const ROLE_FILTERS: FilterSupport = FilterSupport {
    properties: Some(&[
        "principalId",
        "roleDefinitionId",
        "directoryScopeId",
        "appScopeId",
    ]),
    refuse: |_| Reply::bad_request("BadRequest", "Invalid filter clause"),
};

/// unifiedRoleEligibilitySchedule: appScopeId, createdUsing, directoryScopeId, id, memberType,
/// principalId and status "Supports `$filter`"
/// (https://learn.microsoft.com/graph/api/resources/unifiedroleeligibilityschedule).
const ELIGIBILITY_FILTERS: FilterSupport = FilterSupport {
    properties: Some(&[
        "appScopeId",
        "createdUsing",
        "directoryScopeId",
        "id",
        "memberType",
        "principalId",
        "status",
    ]),
    refuse: ROLE_FILTERS.refuse,
};

/// Non-directory-object records (role assignments, grants…): permission, `$filter` on the
/// properties `filters` allows (`principalId eq '…'`, `clientId eq '…'`), `$select`, `$top`.
fn records(
    call: &Call,
    caller: &Caller,
    q: &Query,
    read: Read,
    items: impl Iterator<Item = Value>,
    context: &str,
    filters: FilterSupport,
) -> Reply {
    if !caller.has_any(read.permissions()) {
        return Reply::denied();
    }
    if let Some(refused) = filters.check(q) {
        return refused;
    }
    let out: Vec<Value> = items
        .filter_map(|v| v.as_object().cloned())
        .filter(|m| q.matches(m))
        .map(|m| q.project(&m, None))
        .collect();
    collection(
        call,
        q,
        format!("{context}{}", q.context_suffix()),
        out,
        q.count,
    )
}

/// Every role definition of the tenant, as `unifiedRoleDefinition` objects.
fn role_definitions(t: &Tenant) -> Vec<Value> {
    let def = |id: &str,
               name: &str,
               description: Option<&str>,
               actions: &[String],
               builtin: bool| {
        json!({"id": id, "description": description, "displayName": name, "isBuiltIn": builtin,
               "isEnabled": true, "resourceScopes": ["/"], "templateId": if builtin { Some(id) } else { None },
               "version": if builtin { Some("1") } else { None },
               "rolePermissions": [{"allowedResourceActions": actions, "condition": null}]})
    };
    let mut out: Vec<Value> = crate::knowledge::role_definitions::builtin()
        .iter()
        .map(|d| {
            def(
                &d.id,
                &d.display_name,
                super::rules::role_description(&d.id),
                &d.allowed_resource_actions,
                true,
            )
        })
        .collect();
    out.extend(t.custom_roles.iter().map(|c| {
        def(
            &c.id,
            &c.display_name,
            c.description.as_deref(),
            &c.allowed_resource_actions,
            false,
        )
    }));
    out
}

/// PIM for Groups eligibility instances
/// (https://learn.microsoft.com/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances):
/// "This method requires the $filter (eq) query parameter to scope the request to a principalId
/// or a groupId". A delegated caller must also, for every group listed, be its owner or member or
/// hold one of the supported roles tenant-wide ([`super::rules::PIM_GROUPS_READ_ROLES`]); the
/// page says "must", so the sim refuses the whole read (403) when one group fails it.
fn group_eligibility_instances(t: &Tenant, call: &Call, caller: &Caller, q: &Query) -> Reply {
    if !caller.has_any(Read::GroupEligibility.permissions()) {
        return Reply::denied();
    }
    let scoped = q.filter.as_ref().is_some_and(|f| {
        let pins = |c: &Filter| {
            matches!(c, Filter::Eq(p, Value::String(_))
                if p.eq_ignore_ascii_case("principalId") || p.eq_ignore_ascii_case("groupId"))
        };
        match f {
            Filter::And(parts) => parts.iter().any(pins),
            other => pins(other),
        }
    });
    if !scoped {
        // The status is documented by the requirement; the body is the sim's own.
        return Reply::bad_request(
            "BadRequest",
            "The request requires a $filter on principalId or groupId.",
        );
    }
    // Instances are the eligibilities in force: one whose end has passed is no longer listed.
    let now = chrono::Utc::now();
    let items: Vec<serde_json::Map<String, Value>> = t
        .group_eligibilities
        .iter()
        .filter(|e| {
            e.end_date_time
                .as_deref()
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                .is_none_or(|end| end > now)
        })
        .map(|e| {
            json!({"id": format!("{}_{}_{}", e.group_id, e.access_id, e.principal_id),
                   "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": e.end_date_time,
                   "accessId": e.access_id, "principalId": e.principal_id, "groupId": e.group_id,
                   "memberType": "Direct",
                   "eligibilityScheduleId": format!("{}_{}_{}", e.group_id, e.access_id, e.principal_id)})
        })
        .filter_map(|v| v.as_object().cloned())
        .filter(|m| q.matches(m))
        .collect();
    if caller.delegated() {
        let roles = t.active_roles(&caller.oid);
        let may_read = |group_id: &str| {
            let role_assignable = t
                .get_kind(group_id, Kind::Group)
                .is_some_and(|g| g.bool_prop("isAssignableToRole"));
            let wanted = if role_assignable {
                super::rules::PIM_GROUPS_READ_ROLES_ROLE_ASSIGNABLE
            } else {
                super::rules::PIM_GROUPS_READ_ROLES
            };
            t.is_owner(group_id, &caller.oid)
                || t.is_member(group_id, &caller.oid)
                || roles.iter().any(|(rule, scope)| {
                    scope == "/"
                        && wanted
                            .iter()
                            .any(|id| id.eq_ignore_ascii_case(rule.template_id))
                })
        };
        let refused = items
            .iter()
            .any(|m| !may_read(m.get("groupId").and_then(Value::as_str).unwrap_or_default()));
        if refused {
            return Reply::denied();
        }
    }
    let out: Vec<Value> = items.into_iter().map(|m| q.project(&m, None)).collect();
    collection(
        call,
        q,
        format!(
            "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances{}",
            q.context_suffix()
        ),
        out,
        q.count,
    )
}

/// Whether the call came to the beta endpoint (`…/beta/…`).
fn is_beta(call: &Call) -> bool {
    call.root.trim_end_matches('/').ends_with("/beta")
}

/// The principal a filter pins (`principalId eq '…'`, alone or inside an `and`), and the rest of
/// the filter.
fn split_principal(f: &Filter) -> (Option<String>, Option<Filter>) {
    let pins = |c: &Filter| match c {
        Filter::Eq(p, Value::String(v)) if p.eq_ignore_ascii_case("principalId") => Some(v.clone()),
        _ => None,
    };
    match f {
        Filter::And(all) => {
            let principal = all.iter().find_map(pins);
            let mut rest: Vec<Filter> = all.iter().filter(|c| pins(c).is_none()).cloned().collect();
            let rest = match rest.len() {
                0 => None,
                1 => rest.pop(),
                _ => Some(Filter::And(rest)),
            };
            (principal, rest)
        }
        other => match pins(other) {
            Some(p) => (Some(p), None),
            None => (None, Some(other.clone())),
        },
    }
}

/// `GET /beta/roleManagement/directory/transitiveRoleAssignments?$filter=principalId eq '…'`.
fn transitive_role_assignments(t: &Tenant, call: &Call, caller: &Caller, q: &Query) -> Reply {
    if !call.eventual() {
        // The 404's body is not documented; this one is the sim's own.
        return Reply::error(
            404,
            "Request_ResourceNotFound",
            "transitiveRoleAssignments requires the 'ConsistencyLevel: eventual' header.",
        );
    }
    if !caller.has_any(Read::TransitiveRoleAssignments.permissions()) {
        return Reply::denied();
    }
    let (principal, rest_filter) = match &q.filter {
        Some(f) => split_principal(f),
        None => (None, None),
    };
    let Some(principal) = principal else {
        return Reply::bad_request(
            "Request_UnsupportedQuery",
            "transitiveRoleAssignments requires a $filter on principalId.",
        );
    };
    let mut principals = vec![principal.to_ascii_lowercase()];
    principals.extend(
        t.transitive_member_of(&principal)
            .into_iter()
            .filter(|o| o.kind == Kind::Group)
            .map(|o| o.id().to_ascii_lowercase()),
    );
    // The other clauses (roleDefinitionId, directoryScopeId) filter as usual.
    let rest = Query {
        filter: rest_filter,
        ..q.clone()
    };
    let items: Vec<Value> = t
        .role_assignments
        .iter()
        .filter(|a| principals.contains(&a.principal_id.to_ascii_lowercase()))
        .map(|a| {
            json!({"id": a.id, "principalId": a.principal_id, "roleDefinitionId": a.role_definition_id,
                   "directoryScopeId": a.directory_scope_id, "appScopeId": null})
        })
        .filter_map(|v| v.as_object().cloned())
        .filter(|m| rest.matches(m))
        .map(|m| rest.project(&m, None))
        .collect();
    collection(
        call,
        q,
        format!(
            "roleManagement/directory/transitiveRoleAssignments{}",
            q.context_suffix()
        ),
        items,
        q.count,
    )
}

/// `GET /servicePrincipals/{id}/appRoleAssignments`: "supports the OData query parameters"
/// (https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments), `$top`
/// included; a `$filter` (even on resourceId, which the resource page marks filterable) is
/// answered 400 `BadRequest` "Invalid filter clause", as field reports show
/// (https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/4133,
/// https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/8934).
fn app_role_assignments(t: &Tenant, call: &Call, q: &Query, sp: &Object) -> Reply {
    if q.filter.is_some() {
        return Reply::bad_request("BadRequest", "Invalid filter clause");
    }
    let items: Vec<Value> = t
        .app_role_assignments
        .iter()
        .filter(|(owner, _)| owner.eq_ignore_ascii_case(sp.id()))
        .map(|(_, a)| {
            let resource_name = a.resource_display_name.clone().or_else(|| {
                t.get(&a.resource_id)
                    .and_then(|r| r.str_prop("displayName"))
                    .map(str::to_string)
            });
            json!({"id": a.id, "appRoleId": a.app_role_id, "createdDateTime": "2026-01-01T00:00:00Z",
                   "deletedDateTime": null, "principalDisplayName": sp.str_prop("displayName"),
                   "principalId": sp.id(), "principalType": "ServicePrincipal",
                   "resourceDisplayName": resource_name, "resourceId": a.resource_id})
        })
        .filter_map(|v| v.as_object().cloned())
        .filter(|m| q.matches(m))
        .map(|m| q.project(&m, None))
        .collect();
    collection(
        call,
        q,
        format!(
            "servicePrincipals('{}')/appRoleAssignments{}",
            sp.id(),
            q.context_suffix()
        ),
        items,
        q.count,
    )
}
