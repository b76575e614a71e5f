//! The directory as typed calls: find groups, administrative units and members by name or id,
//! read one object, add a member, create a group in an administrative unit. Each function sends
//! its requests with the one [`GraphClient`]; the query builders and parsers are pure and tested
//! without a network.
//!
//! Used by the wizard's pickers and its "Try it" write, and usable by any other face: nothing here
//! knows about a screen.

use serde_json::Value;

use super::{GraphClient, GraphRequest, GraphResponse, TransportError};
use crate::report::{Operation, OperationKind};
use crate::secret::Secret;

/// What a search looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchScope {
    /// Groups (the target of add-group-member).
    Groups,
    /// Administrative units (the target of add-au-member and create-au-group).
    AdministrativeUnits,
    /// Every kind of object that can be added as a member: users (by display name and UPN),
    /// groups, devices, service principals and organisational contacts.
    Members,
    /// The explorer's search bar: users (display name, UPN, mail, mailNickname), groups (display
    /// name, mail, mailNickname), devices, service principals and administrative units by display
    /// name; a pasted id finds any object, and a service principal by its appId too.
    Everything,
}

/// The type of a directory object, from its `@odata.type` or the collection it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectType {
    User,
    Group,
    Device,
    ServicePrincipal,
    /// `orgContact` (also written `contact`).
    Contact,
    AdministrativeUnit,
    /// Any other type, by its name without the `#microsoft.graph.` prefix.
    Other(String),
}

impl ObjectType {
    /// The type named by an OData type name (`user`, `#microsoft.graph.device`...).
    pub fn from_name(name: &str) -> ObjectType {
        match name.trim_start_matches("#microsoft.graph.") {
            "user" => ObjectType::User,
            "group" => ObjectType::Group,
            "device" => ObjectType::Device,
            "servicePrincipal" => ObjectType::ServicePrincipal,
            "orgContact" | "contact" => ObjectType::Contact,
            "administrativeUnit" => ObjectType::AdministrativeUnit,
            other => ObjectType::Other(other.to_string()),
        }
    }
}

/// A directory object as a search or a lookup returns it: its id, type, name, and the properties
/// the searches select (absent or empty ones are `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryObject {
    pub id: String,
    pub object_type: ObjectType,
    pub display_name: Option<String>,
    /// Users.
    pub user_principal_name: Option<String>,
    /// Groups and contacts.
    pub mail: Option<String>,
    /// Service principals.
    pub app_id: Option<String>,
    /// Devices.
    pub device_id: Option<String>,
    /// Groups: `groupTypes` (`Unified`, `DynamicMembership`).
    pub group_types: Vec<String>,
    pub mail_enabled: Option<bool>,
    pub security_enabled: Option<bool>,
    pub is_assignable_to_role: Option<bool>,
    pub on_premises_sync_enabled: Option<bool>,
    pub membership_rule: Option<String>,
    /// Administrative units.
    pub is_member_management_restricted: Option<bool>,
    /// Administrative units: `Assigned` or `Dynamic`.
    pub membership_type: Option<String>,
}

impl DirectoryObject {
    /// One object of a Graph answer; `None` when it has no id. `fallback` is the type of the
    /// collection it came from, used when the object does not name its own `@odata.type`.
    pub fn from_value(v: &Value, fallback: &ObjectType) -> Option<DirectoryObject> {
        let text = |name: &str| {
            v.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let flag = |name: &str| v.get(name).and_then(Value::as_bool);
        Some(DirectoryObject {
            id: text("id")?,
            object_type: v
                .get("@odata.type")
                .and_then(Value::as_str)
                .map(ObjectType::from_name)
                .unwrap_or_else(|| fallback.clone()),
            display_name: text("displayName"),
            user_principal_name: text("userPrincipalName"),
            mail: text("mail"),
            app_id: text("appId"),
            device_id: text("deviceId"),
            group_types: v
                .get("groupTypes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            mail_enabled: flag("mailEnabled"),
            security_enabled: flag("securityEnabled"),
            is_assignable_to_role: flag("isAssignableToRole"),
            on_premises_sync_enabled: flag("onPremisesSyncEnabled"),
            membership_rule: text("membershipRule"),
            is_member_management_restricted: flag("isMemberManagementRestricted"),
            membership_type: text("membershipType"),
        })
    }
}

/// Why a directory call got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// Graph answered with an error status, and the error code when its envelope carried one.
    #[error("{status}{}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Graph { status: u16, code: Option<String> },
    /// No HTTP answer at all.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Every request of a search failed, with each one's reason (repeats next to each other
    /// merged).
    #[error("search failed ({})", join(.0))]
    Search(Vec<DirectoryError>),
}

fn join(errors: &[DirectoryError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl DirectoryError {
    fn from_response(resp: &GraphResponse) -> DirectoryError {
        DirectoryError::Graph {
            status: resp.status,
            code: resp.error().map(|e| e.code),
        }
    }
}

/// The properties a group search selects: what tells the group kinds apart.
const GROUP_SELECT: &str = "id,displayName,mail,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,onPremisesSyncEnabled,membershipRule";

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters), so a display
/// name with spaces, quotes or `&` cannot break the request line.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An OData string literal: single quotes doubled (OData ABNF), then percent-encoded.
fn literal(q: &str) -> String {
    encode(&q.replace('\'', "''"))
}

/// Spaces and parentheses of the filter expression itself are encoded too; the literal inside it
/// was encoded already, so only the characters around it are touched.
fn encode_filter(expr: &str) -> String {
    expr.replace(' ', "%20")
}

/// One read of a search, with the type of the objects its collection holds, and the plainer
/// requests sent instead when Graph refuses it (a `$search` answered 400).
#[derive(Debug, Clone)]
pub struct Query {
    pub request: GraphRequest,
    pub holds: ObjectType,
    /// Sent (all of them, answers merged) when `request` is answered 400: `startswith` filters.
    pub fallback: Vec<GraphRequest>,
}

/// The lookup of one object by id: `/directoryObjects/{id}` answers for every object type.
fn by_id(id: &str) -> Query {
    Query {
        request: GraphRequest::get(format!(
            "/v1.0/directoryObjects/{}",
            id.trim().to_ascii_lowercase()
        )),
        holds: ObjectType::Other("directoryObject".into()),
        fallback: Vec::new(),
    }
}

/// A `$search` term as a clause's text: double quotes and backslashes would end or escape the
/// quoted clause, and the directory's tokeniser drops them anyway, so they become spaces.
fn search_term(q: &str) -> String {
    q.chars()
        .map(|c| if c == '"' || c == '\\' { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One collection a search reads: its path, what it selects, what it holds, and the properties
/// a typed name is looked for in.
struct Collection {
    path: &'static str,
    select: &'static str,
    holds: ObjectType,
    props: &'static [&'static str],
}

fn collections(scope: SearchScope) -> Vec<Collection> {
    let groups = Collection {
        path: "groups",
        select: GROUP_SELECT,
        holds: ObjectType::Group,
        props: &["displayName"],
    };
    match scope {
        SearchScope::Groups => vec![groups],
        SearchScope::AdministrativeUnits => vec![Collection {
            path: "directory/administrativeUnits",
            select: "id,displayName,isMemberManagementRestricted,membershipType",
            holds: ObjectType::AdministrativeUnit,
            props: &["displayName"],
        }],
        SearchScope::Everything => vec![
            Collection {
                path: "users",
                select: "id,displayName,userPrincipalName,mail",
                holds: ObjectType::User,
                props: &["displayName", "userPrincipalName", "mail", "mailNickname"],
            },
            Collection {
                props: &["displayName", "mail", "mailNickname"],
                ..groups
            },
            Collection {
                path: "devices",
                select: "id,displayName,deviceId",
                holds: ObjectType::Device,
                props: &["displayName"],
            },
            Collection {
                path: "servicePrincipals",
                select: "id,displayName,appId",
                holds: ObjectType::ServicePrincipal,
                props: &["displayName"],
            },
            Collection {
                path: "directory/administrativeUnits",
                select: "id,displayName,isMemberManagementRestricted,membershipType",
                holds: ObjectType::AdministrativeUnit,
                props: &["displayName"],
            },
        ],
        SearchScope::Members => vec![
            Collection {
                path: "users",
                select: "id,displayName,userPrincipalName",
                holds: ObjectType::User,
                props: &["displayName", "userPrincipalName"],
            },
            groups,
            Collection {
                path: "devices",
                select: "id,displayName,deviceId",
                holds: ObjectType::Device,
                props: &["displayName"],
            },
            Collection {
                path: "servicePrincipals",
                select: "id,displayName,appId",
                holds: ObjectType::ServicePrincipal,
                props: &["displayName"],
            },
            Collection {
                path: "contacts",
                select: "id,displayName,mail",
                holds: ObjectType::Contact,
                props: &["displayName"],
            },
        ],
    }
}

/// The Graph requests one search sends. A pasted object id is looked up directly; an empty query
/// lists the first page of each collection; anything else is a `$search` on the display name
/// (and the UPN for users), which matches the start of any word ("Member" finds "Ben Member"),
/// with `$count=true` and `ConsistencyLevel: eventual` as directory objects require
/// (<https://learn.microsoft.com/graph/search-query-parameter>,
/// <https://learn.microsoft.com/graph/aad-advanced-queries>). When Graph refuses the `$search`
/// (400), the same collection is asked with `startswith` filters instead, one per property.
pub fn queries(scope: SearchScope, query: &str) -> Vec<Query> {
    let q = query.trim();
    if crate::knowledge::is_guid(q) {
        let mut found = vec![by_id(q)];
        if scope == SearchScope::Everything {
            // An appId is a GUID too: `$filter=appId eq` (serviceprincipal-list: appId "Supports
            // $filter (eq, ne, not, in, startsWith)").
            found.push(Query {
                request: GraphRequest::get(format!(
                    "/v1.0/servicePrincipals?$filter=appId%20eq%20%27{}%27&$select=id,displayName,appId",
                    q.to_ascii_lowercase()
                )),
                holds: ObjectType::ServicePrincipal,
                fallback: Vec::new(),
            });
        }
        return found;
    }
    let term = search_term(q);
    collections(scope)
        .into_iter()
        .map(|c| {
            let Collection {
                path,
                select,
                holds,
                props,
            } = c;
            if term.is_empty() {
                return Query {
                    request: GraphRequest::get(format!("/v1.0/{path}?$select={select}&$top=20")),
                    holds,
                    fallback: Vec::new(),
                };
            }
            let clauses = props
                .iter()
                .map(|p| format!("\"{p}:{term}\""))
                .collect::<Vec<_>>()
                .join(" OR ");
            let l = literal(&term);
            let fallback = props
                .iter()
                .map(|p| {
                    GraphRequest::get(format!(
                        "/v1.0/{path}?$filter={}&$select={select}&$top=20&$count=true",
                        encode_filter(&format!("startswith({p},'{l}')"))
                    ))
                    .eventual()
                })
                .collect();
            Query {
                request: GraphRequest::get(format!(
                    "/v1.0/{path}?$search={}&$select={select}&$top=20&$count=true",
                    encode(&clauses)
                ))
                .eventual(),
                holds,
                fallback,
            }
        })
        .collect()
}

/// The objects of one answer: a collection (`value`) or a single object.
pub fn objects(body: &Value, holds: &ObjectType) -> Vec<DirectoryObject> {
    match body.get("value").and_then(Value::as_array) {
        Some(rows) => rows
            .iter()
            .filter_map(|v| DirectoryObject::from_value(v, holds))
            .collect(),
        None => DirectoryObject::from_value(body, holds)
            .into_iter()
            .collect(),
    }
}

/// Searches the directory: every request of [`queries`] concurrently, the first page of each
/// (at most 20 objects), merged in request order without repeating an id; a `$search` Graph
/// refuses with 400 is asked again with its `startswith` fallbacks. Fails only when every
/// request failed, with Graph's own status and error code for each, so the caller can tell a
/// token problem from a bad query.
pub async fn search(
    client: &GraphClient,
    token: &Secret,
    scope: SearchScope,
    query: &str,
) -> Result<Vec<DirectoryObject>, DirectoryError> {
    let queries = queries(scope, query);
    let answers =
        futures::future::join_all(queries.iter().map(|q| read_one(client, token, q))).await;
    let mut found: Vec<DirectoryObject> = Vec::new();
    let mut errors = Vec::new();
    let mut any_ok = false;
    for answer in answers {
        match answer {
            Ok(objects) => {
                any_ok = true;
                for object in objects {
                    if !found.iter().any(|o| o.id == object.id) {
                        found.push(object);
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if any_ok || errors.is_empty() {
        Ok(found)
    } else {
        errors.dedup();
        Err(DirectoryError::Search(errors))
    }
}

/// One query of a search: its request, or its fallbacks when Graph answered it 400.
async fn read_one(
    client: &GraphClient,
    token: &Secret,
    q: &Query,
) -> Result<Vec<DirectoryObject>, DirectoryError> {
    let resp = client.send(token, &q.request).await?;
    if resp.is_success() {
        return Ok(objects(&resp.body, &q.holds));
    }
    if resp.status != 400 || q.fallback.is_empty() {
        return Err(DirectoryError::from_response(&resp));
    }
    tracing::info!(request = %q.request.describe(), "$search refused (400): startswith instead");
    let answers = futures::future::join_all(q.fallback.iter().map(|r| client.send(token, r))).await;
    let mut out: Vec<DirectoryObject> = Vec::new();
    let mut last = None;
    let mut any_ok = false;
    for answer in answers {
        match answer {
            Ok(r) if r.is_success() => {
                any_ok = true;
                out.extend(objects(&r.body, &q.holds));
            }
            Ok(r) => last = Some(DirectoryError::from_response(&r)),
            Err(e) => last = Some(DirectoryError::Transport(e)),
        }
    }
    match (any_ok, last) {
        (false, Some(e)) => Err(e),
        _ => Ok(out),
    }
}

/// One kind of object a search found, as the explorer shows it: the first page, the count
/// Graph gave (`@odata.count`, the whole result, not the page), and the request of the next
/// page (`@odata.nextLink`, below the client's base URL, with the first request's headers).
#[derive(Debug, Clone)]
pub struct Section {
    pub holds: ObjectType,
    pub objects: Vec<DirectoryObject>,
    pub count: Option<u64>,
    pub next: Option<GraphRequest>,
    /// Why this kind could not be searched (the others may still have answered).
    pub error: Option<DirectoryError>,
}

/// The next page of a collection, with the original request's headers (`ConsistencyLevel`
/// must be sent again with every page of an advanced query).
fn next_request(client: &GraphClient, body: &Value, like: &GraphRequest) -> Option<GraphRequest> {
    let link = body.get("@odata.nextLink").and_then(Value::as_str)?;
    let path = client.relative_path(link)?;
    let mut r = GraphRequest::get(path);
    r.headers = like.headers.clone();
    Some(r)
}

/// Searches every collection of `scope` side by side and keeps each kind apart, with its count
/// and its next page: the explorer's search bar, paged as the operator scrolls. A `$search`
/// Graph refuses (400) is asked again with its `startswith` fallbacks; their answers are merged
/// and carry no count or next page (each filter pages on its own).
pub async fn search_sections(
    client: &GraphClient,
    token: &Secret,
    scope: SearchScope,
    query: &str,
) -> Vec<Section> {
    let queries = queries(scope, query);
    let answers =
        futures::future::join_all(queries.iter().map(|q| read_section(client, token, q))).await;
    let mut sections: Vec<Section> = Vec::new();
    for s in answers {
        // A lookup by id answers as a directoryObject: file it under its own kind.
        match sections.iter_mut().find(|x| x.holds == s.holds) {
            Some(x) => {
                for o in s.objects {
                    if !x.objects.iter().any(|y| y.id == o.id) {
                        x.objects.push(o);
                    }
                }
            }
            None => sections.push(s),
        }
    }
    sections
}

async fn read_section(client: &GraphClient, token: &Secret, q: &Query) -> Section {
    let mut section = Section {
        holds: q.holds.clone(),
        objects: Vec::new(),
        count: None,
        next: None,
        error: None,
    };
    match client.send(token, &q.request).await {
        Ok(resp) if resp.is_success() => {
            section.objects = objects(&resp.body, &q.holds);
            section.count = resp.body.get("@odata.count").and_then(Value::as_u64);
            section.next = next_request(client, &resp.body, &q.request);
            if let (ObjectType::Other(_), Some(first)) = (&section.holds, section.objects.first()) {
                section.holds = first.object_type.clone();
            }
        }
        Ok(resp) if resp.status == 400 && !q.fallback.is_empty() => {
            match read_one(client, token, q).await {
                Ok(objs) => section.objects = objs,
                Err(e) => section.error = Some(e),
            }
        }
        Ok(resp) => section.error = Some(DirectoryError::from_response(&resp)),
        Err(e) => section.error = Some(DirectoryError::Transport(e)),
    }
    section
}

/// The next page of a section: its objects and the page after it.
pub async fn more(
    client: &GraphClient,
    token: &Secret,
    request: &GraphRequest,
    holds: &ObjectType,
) -> Result<(Vec<DirectoryObject>, Option<GraphRequest>), DirectoryError> {
    let resp = client.send(token, request).await?;
    if !resp.is_success() {
        return Err(DirectoryError::from_response(&resp));
    }
    Ok((
        objects(&resp.body, holds),
        next_request(client, &resp.body, request),
    ))
}

/// Reads one object by id, whatever its type. `None` when the answer holds no object.
pub async fn get(
    client: &GraphClient,
    token: &Secret,
    id: &str,
) -> Result<Option<DirectoryObject>, DirectoryError> {
    let q = by_id(id);
    let resp = client.send(token, &q.request).await?;
    if !resp.is_success() {
        return Err(DirectoryError::from_response(&resp));
    }
    Ok(objects(&resp.body, &q.holds).into_iter().next())
}

/// Where a member is added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Container {
    Group(String),
    AdministrativeUnit(String),
}

/// A change to the directory: the write an operation makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// `POST /groups/{id}/members/$ref` or `POST /directory/administrativeUnits/{id}/members/$ref`
    /// with the member's `@odata.id`
    /// (<https://learn.microsoft.com/graph/api/group-post-members>,
    /// <https://learn.microsoft.com/graph/api/administrativeunit-post-members>).
    AddMember { to: Container, member: String },
    /// `POST /directory/administrativeUnits/{id}/members` with a new security group, which creates
    /// the group inside the unit
    /// (<https://learn.microsoft.com/graph/api/administrativeunit-post-members>).
    CreateGroupInAu { au: String },
    /// `DELETE /groups/{id}/members/{id}/$ref` or
    /// `DELETE /directory/administrativeUnits/{id}/members/{id}/$ref`
    /// (<https://learn.microsoft.com/graph/api/group-delete-members>,
    /// <https://learn.microsoft.com/graph/api/administrativeunit-delete-members>).
    RemoveMember { from: Container, member: String },
    /// `POST /groups/{id}/owners/$ref` with the owner's `@odata.id`
    /// (<https://learn.microsoft.com/graph/api/group-post-owners>).
    AddOwner { group: String, owner: String },
    /// `DELETE /groups/{id}/owners/{id}/$ref`
    /// (<https://learn.microsoft.com/graph/api/group-delete-owners>).
    RemoveOwner { group: String, owner: String },
}

impl Write {
    /// The write an operation makes; `None` while its target is incomplete.
    pub fn for_operation(op: &Operation) -> Option<Write> {
        let member = || op.member.clone();
        Some(match op.kind {
            OperationKind::AddGroupMember => Write::AddMember {
                to: Container::Group(op.group.clone()?),
                member: member()?,
            },
            OperationKind::AddAuMember => Write::AddMember {
                to: Container::AdministrativeUnit(op.au.clone()?),
                member: member()?,
            },
            OperationKind::CreateAuGroup => Write::CreateGroupInAu { au: op.au.clone()? },
            OperationKind::Request => return None,
            OperationKind::RemoveGroupMember => Write::RemoveMember {
                from: Container::Group(op.group.clone()?),
                member: member()?,
            },
            OperationKind::RemoveAuMember => Write::RemoveMember {
                from: Container::AdministrativeUnit(op.au.clone()?),
                member: member()?,
            },
            OperationKind::AddGroupOwner => Write::AddOwner {
                group: op.group.clone()?,
                owner: member()?,
            },
            OperationKind::RemoveGroupOwner => Write::RemoveOwner {
                group: op.group.clone()?,
                owner: member()?,
            },
        })
    }

    pub fn method(&self) -> reqwest::Method {
        match self {
            Write::RemoveMember { .. } | Write::RemoveOwner { .. } => reqwest::Method::DELETE,
            _ => reqwest::Method::POST,
        }
    }

    /// The path below the Graph root.
    pub fn path(&self) -> String {
        match self {
            Write::AddMember {
                to: Container::Group(g),
                ..
            } => format!("/v1.0/groups/{g}/members/$ref"),
            Write::AddMember {
                to: Container::AdministrativeUnit(au),
                ..
            } => format!("/v1.0/directory/administrativeUnits/{au}/members/$ref"),
            Write::CreateGroupInAu { au } => {
                format!("/v1.0/directory/administrativeUnits/{au}/members")
            }
            Write::RemoveMember {
                from: Container::Group(g),
                member,
            } => format!("/v1.0/groups/{g}/members/{member}/$ref"),
            Write::RemoveMember {
                from: Container::AdministrativeUnit(au),
                member,
            } => format!("/v1.0/directory/administrativeUnits/{au}/members/{member}/$ref"),
            Write::AddOwner { group, .. } => format!("/v1.0/groups/{group}/owners/$ref"),
            Write::RemoveOwner { group, owner } => {
                format!("/v1.0/groups/{group}/owners/{owner}/$ref")
            }
        }
    }

    /// `POST /v1.0/...`, as shown to whoever confirms the write.
    pub fn describe(&self) -> String {
        format!("{} {}", self.method(), self.path())
    }

    /// The request, for a Graph root at `base` (the member reference is an absolute URL on it).
    pub fn request(&self, base: &str) -> GraphRequest {
        let body = match self {
            Write::RemoveMember { .. } | Write::RemoveOwner { .. } => {
                return GraphRequest::delete(self.path())
            }
            Write::AddMember { member, .. } | Write::AddOwner { owner: member, .. } => {
                serde_json::json!({
                    "@odata.id": format!("{}/v1.0/directoryObjects/{member}", base.trim_end_matches('/'))
                })
            }
            Write::CreateGroupInAu { .. } => serde_json::json!({
                "@odata.type": "#microsoft.graph.group",
                "displayName": "graph-doctor test group",
                "mailNickname": "graph-doctor-test",
                "mailEnabled": false,
                "securityEnabled": true,
                "groupTypes": []
            }),
        };
        GraphRequest::post(self.path(), body)
    }
}

/// Makes `write` with `token` and returns Graph's answer, whatever its status (a refusal is an
/// answer worth reading); an error only when no answer came.
pub async fn write(
    client: &GraphClient,
    token: &Secret,
    write: &Write,
) -> Result<GraphResponse, DirectoryError> {
    let request = write.request(client.base().as_str());
    Ok(client.send(token, &request).await?)
}

/// Adds `member` (any directory object id) to a group or an administrative unit.
pub async fn add_member(
    client: &GraphClient,
    token: &Secret,
    to: Container,
    member: &str,
) -> Result<GraphResponse, DirectoryError> {
    let w = Write::AddMember {
        to,
        member: member.to_string(),
    };
    write(client, token, &w).await
}

/// Creates graph-doctor's test security group inside the administrative unit `au`.
pub async fn create_group_in_au(
    client: &GraphClient,
    token: &Secret,
    au: &str,
) -> Result<GraphResponse, DirectoryError> {
    let w = Write::CreateGroupInAu { au: au.to_string() };
    write(client, token, &w).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(qs: &[Query]) -> Vec<String> {
        qs.iter().map(|q| q.request.path.clone()).collect()
    }

    #[test]
    fn a_pasted_id_is_looked_up_directly() {
        let r = queries(
            SearchScope::Members,
            " 8B1E7AB2-1C2D-4E5F-8A9B-0C1D2E3F4A5B ",
        );
        assert_eq!(
            paths(&r),
            ["/v1.0/directoryObjects/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b"]
        );
    }

    #[test]
    fn names_are_searched_by_word_with_a_startswith_fallback_and_safely_encoded() {
        let r = queries(SearchScope::Groups, "O'Brien & \"co\"");
        assert_eq!(r.len(), 1);
        // `$search="displayName:O'Brien & co"`: quoted clause, the term's own quotes dropped.
        assert!(
            r[0].request.path.starts_with(
                "/v1.0/groups?$search=%22displayName%3AO%27Brien%20%26%20co%22&$select="
            ),
            "{}",
            r[0].request.path
        );
        assert!(r[0].request.path.contains("&$count=true"));
        let eventual = |q: &GraphRequest| {
            q.headers
                .iter()
                .any(|(n, v)| n == "ConsistencyLevel" && v == "eventual")
        };
        assert!(eventual(&r[0].request));
        assert_eq!(r[0].fallback.len(), 1);
        assert!(r[0].fallback[0].path.starts_with(
            "/v1.0/groups?$filter=startswith(displayName,'O%27%27Brien%20%26%20co')&$select="
        ));
        assert!(eventual(&r[0].fallback[0]));
        let m = queries(SearchScope::Members, "ada");
        let collections: Vec<_> = paths(&m)
            .iter()
            .map(|p| p.split('?').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            collections,
            [
                "/v1.0/users",
                "/v1.0/groups",
                "/v1.0/devices",
                "/v1.0/servicePrincipals",
                "/v1.0/contacts"
            ]
        );
        // Users by display name or UPN in one `$search`; two `startswith` filters if refused.
        assert!(m[0]
            .request
            .path
            .contains("$search=%22displayName%3Aada%22%20OR%20%22userPrincipalName%3Aada%22"));
        assert_eq!(m[0].fallback.len(), 2);
        assert!(m[0].fallback[1]
            .path
            .contains("startswith(userPrincipalName,'ada')"));
    }

    #[test]
    fn an_empty_query_lists_the_first_page() {
        for q in ["", "   ", "\""] {
            let r = queries(SearchScope::AdministrativeUnits, q);
            assert_eq!(r.len(), 1);
            assert!(
                r[0].request
                    .path
                    .starts_with("/v1.0/directory/administrativeUnits?$select=id,displayName"),
                "{}",
                r[0].request.path
            );
            assert!(r[0].request.path.ends_with("&$top=20"));
            assert!(!r[0].request.path.contains("$search"));
            assert!(r[0].fallback.is_empty());
        }
        assert_eq!(queries(SearchScope::Members, "").len(), 5);
    }

    #[test]
    fn objects_of_every_type_are_recognised() {
        let body = json!({"value": [
            {"id": "1", "displayName": "Ada", "userPrincipalName": "ada@contoso.com"},
        ]});
        let rows = objects(&body, &ObjectType::User);
        assert_eq!(rows[0].object_type, ObjectType::User);
        assert_eq!(
            rows[0].user_principal_name.as_deref(),
            Some("ada@contoso.com")
        );
        let dir = ObjectType::Other("directoryObject".into());
        let one =
            json!({"@odata.type": "#microsoft.graph.device", "id": "2", "displayName": "Kiosk-7"});
        assert_eq!(objects(&one, &dir)[0].object_type, ObjectType::Device);
        let c = json!({"@odata.type": "#microsoft.graph.orgContact", "id": "4"});
        assert_eq!(objects(&c, &dir)[0].object_type, ObjectType::Contact);
        let other = json!({"id": "5"});
        assert_eq!(objects(&other, &dir)[0].object_type, dir);
        assert!(objects(&json!({"value": [{"displayName": "no id"}]}), &dir).is_empty());
        let empty = json!({"id": "6", "displayName": "", "mail": ""});
        let o = &objects(&empty, &dir)[0];
        assert_eq!((o.display_name.as_deref(), o.mail.as_deref()), (None, None));
    }

    #[test]
    fn writes_are_the_documented_requests() {
        let g = "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        let m = "11111111-2222-3333-4444-555555555555";
        let op = Operation {
            kind: OperationKind::AddGroupMember,
            group: Some(g.into()),
            member: Some(m.into()),
            au: None,
            request: None,
        };
        let w = Write::for_operation(&op).expect("complete");
        assert_eq!(w.describe(), format!("POST /v1.0/groups/{g}/members/$ref"));
        let r = w.request("http://127.0.0.1:9/");
        assert_eq!(
            r.body,
            Some(json!({"@odata.id": format!("http://127.0.0.1:9/v1.0/directoryObjects/{m}")}))
        );
        let au = Operation {
            kind: OperationKind::AddAuMember,
            au: Some(g.into()),
            member: Some(m.into()),
            group: None,
            request: None,
        };
        assert_eq!(
            Write::for_operation(&au).map(|w| w.path()),
            Some(format!(
                "/v1.0/directory/administrativeUnits/{g}/members/$ref"
            ))
        );
        let create = Operation {
            kind: OperationKind::CreateAuGroup,
            au: Some(g.into()),
            ..Operation::default()
        };
        let w = Write::for_operation(&create).expect("complete");
        assert_eq!(
            w.path(),
            format!("/v1.0/directory/administrativeUnits/{g}/members")
        );
        assert_eq!(
            w.request("https://graph.microsoft.com/")
                .body
                .and_then(|b| b.get("@odata.type").cloned()),
            Some(json!("#microsoft.graph.group"))
        );
        let incomplete = Operation {
            member: None,
            ..op.clone()
        };
        assert_eq!(Write::for_operation(&incomplete), None);
        // The neighbours: removals are DELETEs without a body, a new owner a $ref POST.
        let with = |kind| Operation {
            kind,
            au: Some(g.into()),
            ..op.clone()
        };
        let w = Write::for_operation(&with(OperationKind::RemoveGroupMember)).expect("complete");
        assert_eq!(
            w.describe(),
            format!("DELETE /v1.0/groups/{g}/members/{m}/$ref")
        );
        let r = w.request("http://127.0.0.1:9/");
        assert_eq!((r.method, r.body), (reqwest::Method::DELETE, None));
        let w = Write::for_operation(&with(OperationKind::AddGroupOwner)).expect("complete");
        assert_eq!(w.describe(), format!("POST /v1.0/groups/{g}/owners/$ref"));
        assert_eq!(
            w.request("http://127.0.0.1:9").body,
            Some(json!({"@odata.id": format!("http://127.0.0.1:9/v1.0/directoryObjects/{m}")}))
        );
        let w = Write::for_operation(&with(OperationKind::RemoveGroupOwner)).expect("complete");
        assert_eq!(
            w.describe(),
            format!("DELETE /v1.0/groups/{g}/owners/{m}/$ref")
        );
        let w = Write::for_operation(&with(OperationKind::RemoveAuMember)).expect("complete");
        assert_eq!(
            w.describe(),
            format!("DELETE /v1.0/directory/administrativeUnits/{g}/members/{m}/$ref")
        );
    }

    #[test]
    fn errors_read_as_graph_status_and_code() {
        let e = DirectoryError::Search(vec![
            DirectoryError::Graph {
                status: 403,
                code: Some("Authorization_RequestDenied".into()),
            },
            DirectoryError::Graph {
                status: 400,
                code: None,
            },
        ]);
        assert_eq!(
            e.to_string(),
            "search failed (403 Authorization_RequestDenied, 400)"
        );
    }
}
