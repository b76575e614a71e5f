//! The explorer's reads: for each kind of directory object, the tabs its page shows (properties,
//! members, owners, memberOf, role assignments, app role assignments, delegated grants, scoped
//! role members), the one Graph request that reads a tab's first page, the parser that turns an
//! answer into rows, and the fetch of one page (the next one behind `@odata.nextLink`).
//!
//! Builders and parsers are pure (tested without a network); [`fetch`] sends one request with the
//! one [`GraphClient`]. A refusal names the permission the reading token lacked, from the
//! vendored permissions map (`knowledge::permission_map`), never from a list kept here.

use serde_json::Value;

use super::directory::{encode, ObjectType};
use super::{GraphClient, GraphRequest};
use crate::knowledge::Flow;
use crate::secret::Secret;

/// How many rows a tab asks for at a time: one screen and a half at 80x24, so scrolling asks
/// for the next page only when the operator gets there.
pub const PAGE_SIZE: usize = 50;

/// One tab of an object page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    /// The properties that matter to a diagnosis.
    Properties,
    Members,
    Owners,
    /// Groups, administrative units and directory roles the object is a direct member of.
    MemberOf,
    /// Active role assignments held by the object, with their scope (tenant or an AU).
    Roles,
    /// PIM-eligible role assignments.
    Eligible,
    OwnedObjects,
    /// Application permissions granted to a service principal (appRoleAssignments).
    AppRoles,
    /// Delegated permission grants of a client service principal (oauth2PermissionGrants).
    Grants,
    /// An administrative unit's scoped role members.
    ScopedRoles,
}

impl Tab {
    pub fn label(self) -> &'static str {
        match self {
            Tab::Properties => "Properties",
            Tab::Members => "Members",
            Tab::Owners => "Owners",
            Tab::MemberOf => "Member of",
            Tab::Roles => "Roles",
            Tab::Eligible => "Eligible",
            Tab::OwnedObjects => "Owns",
            Tab::AppRoles => "App roles",
            Tab::Grants => "Grants",
            Tab::ScopedRoles => "Scoped roles",
        }
    }
}

/// The tabs of an object's page, in order.
pub fn tabs_for(kind: &ObjectType) -> &'static [Tab] {
    use Tab::*;
    match kind {
        ObjectType::Group => &[Properties, Members, Owners, MemberOf, Roles],
        ObjectType::User => &[Properties, MemberOf, OwnedObjects, Roles, Eligible],
        ObjectType::ServicePrincipal => &[Properties, AppRoles, Grants, Roles, Owners],
        ObjectType::AdministrativeUnit => &[Properties, Members, ScopedRoles],
        ObjectType::Device | ObjectType::Contact => &[Properties, MemberOf],
        ObjectType::Other(_) => &[Properties],
    }
}

/// The entity set an object of this kind is read from.
fn set(kind: &ObjectType) -> &'static str {
    match kind {
        ObjectType::User => "users",
        ObjectType::Group => "groups",
        ObjectType::Device => "devices",
        ObjectType::ServicePrincipal => "servicePrincipals",
        ObjectType::Contact => "contacts",
        ObjectType::AdministrativeUnit => "directory/administrativeUnits",
        ObjectType::Other(_) => "directoryObjects",
    }
}

/// What each kind's Properties tab selects: what tells the kinds apart and what the checks look
/// at (groups: <https://learn.microsoft.com/graph/api/resources/group>; users:
/// <https://learn.microsoft.com/graph/api/resources/user>; service principals:
/// <https://learn.microsoft.com/graph/api/resources/serviceprincipal>; administrative units:
/// <https://learn.microsoft.com/graph/api/resources/administrativeunit>).
fn properties_select(kind: &ObjectType) -> Option<&'static str> {
    Some(match kind {
        ObjectType::Group => "id,displayName,mail,mailNickname,groupTypes,mailEnabled,securityEnabled,membershipRule,onPremisesSyncEnabled,isAssignableToRole,visibility,createdDateTime",
        ObjectType::User => "id,displayName,userPrincipalName,mail,userType,accountEnabled,assignedLicenses,onPremisesSyncEnabled,createdDateTime",
        ObjectType::ServicePrincipal => "id,displayName,appId,servicePrincipalType,accountEnabled,appOwnerOrganizationId",
        ObjectType::AdministrativeUnit => "id,displayName,description,isMemberManagementRestricted,membershipType,membershipRule,visibility",
        ObjectType::Device => "id,displayName,deviceId,operatingSystem,accountEnabled,trustType",
        ObjectType::Contact => "id,displayName,mail",
        ObjectType::Other(_) => return None,
    })
}

/// The properties a listing of directory objects selects (polymorphic: each type keeps its own).
const LIST_SELECT: &str = "id,displayName,userPrincipalName,mail,appId";

/// `principalId eq '{id}'`, encoded.
fn principal_filter(id: &str) -> String {
    format!(
        "$filter=principalId%20eq%20%27{}%27",
        encode(&id.replace('\'', "''"))
    )
}

/// The request that reads the first page of `tab` of the object `id` of type `kind`. Directory
/// navigations ask `$count=true` with `ConsistencyLevel: eventual` (the count is what the tab
/// shows beside its name; group-list-members: "$count is supported … with ConsistencyLevel").
/// `None` for a tab the kind does not have.
pub fn request(kind: &ObjectType, id: &str, tab: Tab) -> Option<GraphRequest> {
    let raw = id.trim();
    let id = encode(raw);
    let set = set(kind);
    let nav = |nav: &str| {
        GraphRequest::get(format!(
            "/v1.0/{set}/{id}/{nav}?$select={LIST_SELECT}&$top={PAGE_SIZE}&$count=true"
        ))
        .eventual()
    };
    let r = match tab {
        Tab::Properties => match properties_select(kind) {
            Some(s) => GraphRequest::get(format!("/v1.0/{set}/{id}?$select={s}")),
            None => GraphRequest::get(format!("/v1.0/directoryObjects/{id}")),
        },
        // https://learn.microsoft.com/graph/api/group-list-members
        Tab::Members if matches!(kind, ObjectType::Group | ObjectType::AdministrativeUnit) => {
            nav("members")
        }
        // https://learn.microsoft.com/graph/api/group-list-owners,
        // https://learn.microsoft.com/graph/api/serviceprincipal-list-owners
        Tab::Owners if matches!(kind, ObjectType::Group | ObjectType::ServicePrincipal) => {
            nav("owners")
        }
        // https://learn.microsoft.com/graph/api/group-list-memberof (AUs included),
        // https://learn.microsoft.com/graph/api/user-list-memberof
        Tab::MemberOf
            if matches!(
                kind,
                ObjectType::Group | ObjectType::User | ObjectType::Device | ObjectType::Contact
            ) =>
        {
            nav("memberOf")
        }
        // https://learn.microsoft.com/graph/api/user-list-ownedobjects
        Tab::OwnedObjects if *kind == ObjectType::User => nav("ownedObjects"),
        // https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments: filtered by
        // principal, so one answer holds them all (the method documents `$filter`, not `$top`).
        Tab::Roles
            if matches!(
                kind,
                ObjectType::Group | ObjectType::User | ObjectType::ServicePrincipal
            ) =>
        {
            GraphRequest::get(format!(
                "/v1.0/roleManagement/directory/roleAssignments?{}",
                principal_filter(raw)
            ))
        }
        // https://learn.microsoft.com/graph/api/rbacapplication-list-roleeligibilityschedules
        Tab::Eligible if *kind == ObjectType::User => GraphRequest::get(format!(
            "/v1.0/roleManagement/directory/roleEligibilitySchedules?{}",
            principal_filter(raw)
        )),
        // https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments
        Tab::AppRoles if *kind == ObjectType::ServicePrincipal => GraphRequest::get(format!(
            "/v1.0/servicePrincipals/{id}/appRoleAssignments?$top={PAGE_SIZE}"
        )),
        // https://learn.microsoft.com/graph/api/serviceprincipal-list-oauth2permissiongrants
        Tab::Grants if *kind == ObjectType::ServicePrincipal => GraphRequest::get(format!(
            "/v1.0/servicePrincipals/{id}/oauth2PermissionGrants"
        )),
        // https://learn.microsoft.com/graph/api/administrativeunit-list-scopedrolemembers
        Tab::ScopedRoles if *kind == ObjectType::AdministrativeUnit => GraphRequest::get(format!(
            "/v1.0/directory/administrativeUnits/{id}/scopedRoleMembers"
        )),
        _ => return None,
    };
    Some(r)
}

/// One row of a tab: what it says, and the object it links to (Enter follows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub text: String,
    /// UPN, mail, scope, consent type: the second column.
    pub detail: String,
    /// The object this row is, or points at.
    pub link: Option<(String, ObjectType)>,
}

/// One page of a tab.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub rows: Vec<Row>,
    /// `@odata.count`, when Graph gave it (the whole collection, not this page).
    pub count: Option<u64>,
    /// The request for the next page (`@odata.nextLink`, below the client's base URL, with the
    /// first request's headers), or none when this was the last.
    pub next: Option<GraphRequest>,
    /// The object's own type, when the answer names it (a Properties read of an object whose
    /// type was not known yet).
    pub object_type: Option<ObjectType>,
}

/// Why a tab could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabError {
    pub status: Option<u16>,
    pub code: Option<String>,
    /// The permission (or alternatives) the map names for this request in the token's flow, when
    /// Graph refused the token (401/403).
    pub needs: Option<String>,
    /// What to show.
    pub message: String,
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "(not set)".into(),
        Value::String(s) if s.is_empty() => "(empty)".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Array(a) => a.iter().map(show).collect::<Vec<_>>().join(", "),
        Value::Object(o) => o
            .get("skuId")
            .map(show)
            .unwrap_or_else(|| Value::Object(o.clone()).to_string()),
        other => other.to_string(),
    }
}

/// A group's kind in words, from groupTypes, mailEnabled and securityEnabled
/// (<https://learn.microsoft.com/graph/api/resources/groups-overview#group-types-in-microsoft-entra-id-and-microsoft-graph>).
fn group_kind(v: &Value) -> &'static str {
    let unified = v
        .get("groupTypes")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|t| t.as_str() == Some("Unified")));
    let flag = |n: &str| v.get(n).and_then(Value::as_bool) == Some(true);
    match (unified, flag("mailEnabled"), flag("securityEnabled")) {
        (true, _, _) => "Microsoft 365 group",
        (false, true, true) => "mail-enabled security group",
        (false, true, false) => "distribution group (read-only through Graph)",
        (false, false, true) => "security group",
        _ => "group",
    }
}

/// The rows of a Properties answer: the kind (for a group, in words) then each property.
fn property_rows(kind: &ObjectType, body: &Value) -> Vec<Row> {
    let mut rows = Vec::new();
    let row = |k: &str, v: String| Row {
        text: k.to_string(),
        detail: v,
        link: None,
    };
    if *kind == ObjectType::Group {
        rows.push(row("kind", group_kind(body).to_string()));
    }
    if let Some(obj) = body.as_object() {
        for (k, v) in obj {
            if k.starts_with('@') || k == "id" {
                continue;
            }
            rows.push(row(k, show(v)));
        }
    }
    if let Some(id) = text(body, "id") {
        rows.push(row("id", id));
    }
    rows
}

/// A role's display name from its definition id (built-in roles' template ids).
fn role_name(id: &str) -> String {
    crate::knowledge::roles::name_of(id)
}

/// Where a role assignment applies, and the administrative unit it links to.
fn scope(v: &Value) -> (String, Option<(String, ObjectType)>) {
    match text(v, "directoryScopeId").as_deref() {
        None | Some("/") => ("tenant-wide".into(), None),
        Some(s) => match s.strip_prefix("/administrativeUnits/") {
            Some(au) => (
                format!("administrative unit {au}"),
                Some((au.to_string(), ObjectType::AdministrativeUnit)),
            ),
            None => (s.to_string(), None),
        },
    }
}

/// The rows of one answer to `tab`.
pub fn rows(kind: &ObjectType, tab: Tab, body: &Value) -> Vec<Row> {
    if tab == Tab::Properties {
        return property_rows(kind, body);
    }
    let items = body
        .get("value")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .filter_map(|v| match tab {
            Tab::Members | Tab::Owners | Tab::MemberOf | Tab::OwnedObjects => {
                let id = text(v, "id")?;
                let t = text(v, "@odata.type")
                    .map(|t| ObjectType::from_name(&t))
                    .unwrap_or_else(|| ObjectType::Other("directoryObject".into()));
                let type_name = match &t {
                    ObjectType::User => "user",
                    ObjectType::Group => "group",
                    ObjectType::Device => "device",
                    ObjectType::ServicePrincipal => "service principal",
                    ObjectType::Contact => "contact",
                    ObjectType::AdministrativeUnit => "administrative unit",
                    ObjectType::Other(n) => n.as_str(),
                }
                .to_string();
                let extra = text(v, "userPrincipalName")
                    .or_else(|| text(v, "mail"))
                    .or_else(|| text(v, "appId").map(|a| format!("app id {a}")));
                Some(Row {
                    text: text(v, "displayName").unwrap_or_else(|| id.clone()),
                    detail: match extra {
                        Some(e) => format!("{type_name} · {e}"),
                        None => type_name,
                    },
                    link: Some((id, t)),
                })
            }
            Tab::Roles | Tab::Eligible => {
                let def = text(v, "roleDefinitionId")?;
                let (where_, link) = scope(v);
                Some(Row {
                    text: role_name(&def),
                    detail: if tab == Tab::Eligible {
                        format!("eligible (PIM) · {where_}")
                    } else {
                        where_
                    },
                    link,
                })
            }
            Tab::AppRoles => {
                let role = text(v, "appRoleId")?;
                let name = crate::knowledge::permission_map::by_id(&role)
                    .map(|(p, _)| p.name.to_string())
                    .unwrap_or_else(|| format!("app role {role}"));
                Some(Row {
                    text: name,
                    detail: text(v, "resourceDisplayName").unwrap_or_default(),
                    link: text(v, "resourceId").map(|r| (r, ObjectType::ServicePrincipal)),
                })
            }
            Tab::Grants => {
                let scopes = text(v, "scope").unwrap_or_default();
                let consent = match text(v, "consentType").as_deref() {
                    Some("AllPrincipals") => "admin consent, all users".to_string(),
                    Some(_) => format!("one user {}", text(v, "principalId").unwrap_or_default()),
                    None => String::new(),
                };
                Some(Row {
                    text: scopes.trim().to_string(),
                    detail: consent,
                    link: text(v, "resourceId").map(|r| (r, ObjectType::ServicePrincipal)),
                })
            }
            Tab::ScopedRoles => {
                let member = v.get("roleMemberInfo")?;
                let id = text(member, "id")?;
                Some(Row {
                    text: text(member, "displayName").unwrap_or_else(|| id.clone()),
                    detail: text(v, "roleId").map(|r| role_name(&r)).unwrap_or_default(),
                    link: Some((id, ObjectType::Other("directoryObject".into()))),
                })
            }
            Tab::Properties => None,
        })
        .collect()
}

/// The permission the permissions map names for `request` in `flow`, least privileged first
/// (`A or B`), when it names any.
pub fn needed_permission(request: &GraphRequest, flow: Flow) -> Option<String> {
    let answer = crate::knowledge::permission_map::lookup_str(
        request.method.as_str(),
        &format!("https://graph.microsoft.com{}", request.path),
    )
    .ok()?;
    let f = answer.flow(flow);
    let names: Vec<&str> = f.least.iter().map(String::as_str).collect();
    (!names.is_empty()).then(|| names.join(" or "))
}

/// Reads one page of a tab (`request` is the tab's [`request`] or a page's `next`) with `token`,
/// whose flow names the permission a refusal lacked.
pub async fn fetch(
    client: &GraphClient,
    token: &Secret,
    flow: Flow,
    kind: &ObjectType,
    tab: Tab,
    request: &GraphRequest,
) -> Result<Page, TabError> {
    let resp = client.send(token, request).await.map_err(|e| TabError {
        status: None,
        code: None,
        needs: None,
        message: e.to_string(),
    })?;
    if !resp.is_success() {
        let err = resp.error();
        let code = err.as_ref().map(|e| e.code.clone());
        let needs = matches!(resp.status, 401 | 403)
            .then(|| needed_permission(request, flow))
            .flatten();
        let message = match (&needs, resp.status) {
            (Some(p), _) => format!(
                "{} {}: the reading token lacks {p} ({} permission)",
                resp.status,
                code.clone().unwrap_or_default(),
                match flow {
                    Flow::Delegated => "delegated",
                    Flow::Application => "application",
                }
            ),
            (None, s) => format!(
                "{s} {}{}",
                code.clone().unwrap_or_default(),
                err.map(|e| format!(": {}", e.message)).unwrap_or_default()
            ),
        };
        return Err(TabError {
            status: Some(resp.status),
            code,
            needs,
            message: crate::secret::redact(&message),
        });
    }
    let next = resp
        .body
        .get("@odata.nextLink")
        .and_then(Value::as_str)
        .and_then(|l| client.relative_path(l))
        .map(|path| {
            let mut r = GraphRequest::get(path);
            r.headers = request.headers.clone();
            r
        });
    Ok(Page {
        rows: rows(kind, tab, &resp.body),
        count: resp.body.get("@odata.count").and_then(Value::as_u64),
        next,
        object_type: text(&resp.body, "@odata.type").map(|t| ObjectType::from_name(&t)),
    })
}

/// The Entra admin center's page for an object (the portal's deep links, as its address bar
/// shows them; global cloud).
pub fn admin_center_url(kind: &ObjectType, id: &str) -> String {
    let base = "https://entra.microsoft.com/#view";
    match kind {
        ObjectType::Group => {
            format!("{base}/Microsoft_AAD_IAM/GroupDetailsMenuBlade/~/Overview/groupId/{id}")
        }
        ObjectType::User => format!(
            "{base}/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/{id}"
        ),
        ObjectType::ServicePrincipal => {
            format!("{base}/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/{id}")
        }
        ObjectType::AdministrativeUnit => {
            format!("{base}/Microsoft_AAD_IAM/AdminUnitDetailsMenuBlade/~/Overview/objectId/{id}")
        }
        ObjectType::Device => format!(
            "{base}/Microsoft_AAD_Devices/DeviceDetailsMenuBlade/~/Properties/objectId/{id}"
        ),
        ObjectType::Contact | ObjectType::Other(_) => {
            format!("https://entra.microsoft.com/#home?objectId={id}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_kind_has_its_tabs_and_each_tab_one_documented_request() {
        let g = ObjectType::Group;
        assert_eq!(tabs_for(&g)[1], Tab::Members);
        let members = request(&g, "G1", Tab::Members).expect("members");
        assert_eq!(
            members.path,
            "/v1.0/groups/G1/members?$select=id,displayName,userPrincipalName,mail,appId&$top=50&$count=true"
        );
        assert!(members
            .headers
            .iter()
            .any(|(n, v)| n == "ConsistencyLevel" && v == "eventual"));
        let roles = request(&ObjectType::User, "u'1", Tab::Roles).expect("roles");
        assert_eq!(
            roles.path,
            "/v1.0/roleManagement/directory/roleAssignments?$filter=principalId%20eq%20%27u%27%271%27"
        );
        assert!(request(&ObjectType::User, "u", Tab::Members).is_none());
        assert!(request(&ObjectType::Device, "d", Tab::Owners).is_none());
        let au = request(&ObjectType::AdministrativeUnit, "A", Tab::ScopedRoles).expect("au");
        assert_eq!(
            au.path,
            "/v1.0/directory/administrativeUnits/A/scopedRoleMembers"
        );
        for kind in [
            ObjectType::User,
            ObjectType::Group,
            ObjectType::Device,
            ObjectType::ServicePrincipal,
            ObjectType::Contact,
            ObjectType::AdministrativeUnit,
            ObjectType::Other("x".into()),
        ] {
            for tab in tabs_for(&kind) {
                assert!(request(&kind, "1", *tab).is_some(), "{kind:?} {tab:?}");
            }
        }
    }

    #[test]
    fn answers_become_rows_that_link_to_objects() {
        let body = json!({"@odata.count": 2, "value": [
            {"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "Ben", "userPrincipalName": "ben@contoso.com"},
            {"@odata.type": "#microsoft.graph.administrativeUnit", "id": "a1"},
        ]});
        let r = rows(&ObjectType::Group, Tab::MemberOf, &body);
        assert_eq!(r[0].text, "Ben");
        assert_eq!(r[0].detail, "user · ben@contoso.com");
        assert_eq!(r[0].link, Some(("u1".into(), ObjectType::User)));
        assert_eq!(r[1].text, "a1");
        assert_eq!(
            r[1].link,
            Some(("a1".into(), ObjectType::AdministrativeUnit))
        );
        let roles = json!({"value": [
            {"roleDefinitionId": "fdd7a751-b60b-444a-984c-02652fe8fa1c", "directoryScopeId": "/administrativeUnits/a1"},
            {"roleDefinitionId": "fdd7a751-b60b-444a-984c-02652fe8fa1c", "directoryScopeId": "/"},
        ]});
        let r = rows(&ObjectType::User, Tab::Roles, &roles);
        assert_eq!(r[0].text, "Groups Administrator");
        assert_eq!(r[0].detail, "administrative unit a1");
        assert_eq!(
            r[0].link,
            Some(("a1".into(), ObjectType::AdministrativeUnit))
        );
        assert_eq!(r[1].detail, "tenant-wide");
        let e = rows(&ObjectType::User, Tab::Eligible, &roles);
        assert!(e[1].detail.starts_with("eligible (PIM)"));
        // GroupMember.ReadWrite.All's application role id, named from the permissions map.
        let app = json!({"value": [{"appRoleId": "dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "resourceDisplayName": "Microsoft Graph", "resourceId": "r1"}]});
        let r = rows(&ObjectType::ServicePrincipal, Tab::AppRoles, &app);
        assert_eq!(r[0].text, "GroupMember.ReadWrite.All");
        let props = json!({"id": "g", "displayName": "Sales DL", "groupTypes": [], "mailEnabled": true, "securityEnabled": false});
        let r = rows(&ObjectType::Group, Tab::Properties, &props);
        assert_eq!(r[0].detail, "distribution group (read-only through Graph)");
        assert_eq!(r.last().map(|x| x.detail.as_str()), Some("g"));
    }

    #[test]
    fn a_refused_read_names_the_permission_from_the_map() {
        let req = request(&ObjectType::User, "u1", Tab::MemberOf).expect("memberOf");
        let p = needed_permission(&req, Flow::Application).expect("the map knows it");
        assert!(p.contains("Read.All"), "{p}");
    }
}
