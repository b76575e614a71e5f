//! Names instead of object ids: what an operator typed (an id, a display name, a UPN or mail, a
//! mailNickname, an appId or a deviceId) resolved to exactly one directory object, or the
//! candidates when several match, or "none". Never picks one of several.
//!
//! An id is looked up by id (`/directoryObjects/{id}`); anything else is one exact-match
//! `$filter` read per collection the role allows (`eq` joined by `or`), sent concurrently. The
//! query builders and the parser of the answers are pure and tested without a network;
//! [`resolve`] sends them with the one [`GraphClient`]. Word-prefix suggestions for a name
//! nothing matched come from [`super::directory::search`].

use serde_json::Value;

use super::directory::{self, DirectoryObject, ObjectType, SearchScope};
use super::{GraphClient, GraphRequest, GraphResponse};
use crate::knowledge::operations::Flow;
use crate::knowledge::reads;
use crate::secret::Secret;

/// What the typed text names: the target of an operation or the object being added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// `--group`: groups only.
    Group,
    /// `--au`: administrative units only.
    AdministrativeUnit,
    /// `--member`: users, groups, devices, service principals, organisational contacts.
    Member,
}

impl Role {
    /// The option that names it, for messages.
    pub fn option(self) -> &'static str {
        match self {
            Role::Group => "--group",
            Role::AdministrativeUnit => "--au",
            Role::Member => "--member",
        }
    }

    /// The kind of object looked for, for messages ("No group named …").
    pub fn noun(self) -> &'static str {
        match self {
            Role::Group => "group",
            Role::AdministrativeUnit => "administrative unit",
            Role::Member => "user, group, device, service principal or contact",
        }
    }

    /// The picker search that lists "did you mean" names for this role.
    pub fn scope(self) -> SearchScope {
        match self {
            Role::Group => SearchScope::Groups,
            Role::AdministrativeUnit => SearchScope::AdministrativeUnits,
            Role::Member => SearchScope::Members,
        }
    }

    /// Whether an object of type `t` can play this role.
    pub fn accepts(self, t: &ObjectType) -> bool {
        match self {
            Role::Group => *t == ObjectType::Group,
            Role::AdministrativeUnit => *t == ObjectType::AdministrativeUnit,
            Role::Member => matches!(
                t,
                ObjectType::User
                    | ObjectType::Group
                    | ObjectType::Device
                    | ObjectType::ServicePrincipal
                    | ObjectType::Contact
            ),
        }
    }
}

/// One collection a name is looked for in: its path, what it selects, what it holds, the
/// properties compared with `eq`, and the row of `assets/knowledge/reads.json` naming the
/// permission its read needs.
#[derive(Debug, Clone, Copy)]
struct Collection {
    path: &'static str,
    select: &'static str,
    holds: fn() -> ObjectType,
    props: &'static [&'static str],
    read: &'static str,
}

// The properties are those the issue names; each supports `eq` on its collection
// (https://learn.microsoft.com/graph/aad-advanced-queries lists them per object type).
const GROUPS: Collection = Collection {
    path: "groups",
    select: "id,displayName,mail,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,onPremisesSyncEnabled,membershipRule",
    holds: || ObjectType::Group,
    props: &["displayName", "mail", "mailNickname"],
    read: "resolve_groups",
};
const USERS: Collection = Collection {
    path: "users",
    select: "id,displayName,userPrincipalName,mail",
    holds: || ObjectType::User,
    props: &["userPrincipalName", "mail", "displayName", "mailNickname"],
    read: "resolve_users",
};
const DEVICES: Collection = Collection {
    path: "devices",
    select: "id,displayName,deviceId",
    holds: || ObjectType::Device,
    props: &["displayName", "deviceId"],
    read: "resolve_devices",
};
const SERVICE_PRINCIPALS: Collection = Collection {
    path: "servicePrincipals",
    select: "id,displayName,appId",
    holds: || ObjectType::ServicePrincipal,
    props: &["displayName", "appId"],
    read: "resolve_service_principals",
};
const CONTACTS: Collection = Collection {
    path: "contacts",
    select: "id,displayName,mail",
    holds: || ObjectType::Contact,
    props: &["displayName", "mail"],
    read: "resolve_contacts",
};
const AUS: Collection = Collection {
    path: "directory/administrativeUnits",
    select: "id,displayName,isMemberManagementRestricted,membershipType",
    holds: || ObjectType::AdministrativeUnit,
    props: &["displayName"],
    read: "resolve_aus",
};

fn collections(role: Role) -> &'static [Collection] {
    match role {
        Role::Group => &[GROUPS],
        Role::AdministrativeUnit => &[AUS],
        Role::Member => &[USERS, GROUPS, DEVICES, SERVICE_PRINCIPALS, CONTACTS],
    }
}

/// One read of a resolution: the request, what its collection holds, and the permission a
/// refusal of it means was missing.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub request: GraphRequest,
    pub holds: ObjectType,
    /// The collection, for messages (`users`, `directory/administrativeUnits`…).
    pub collection: &'static str,
    /// The least-privileged permission that allows the read (both flows named when they differ).
    pub permission: String,
}

/// An OData string literal's inside: single quotes doubled (OData ABNF, `'O''Brien'`), then
/// percent-encoded so spaces, `&`, `#` or `+` cannot break the request line.
pub fn literal(text: &str) -> String {
    directory::encode(&text.replace('\'', "''"))
}

/// The least-privileged permission of a reads.json row, for both flows.
fn least(read: &str, fallback: &str) -> String {
    match reads::rule(read) {
        Some(r) => {
            let (d, a) = (r.least(Flow::Delegated), r.least(Flow::Application));
            if d == a {
                d.to_string()
            } else {
                format!("{d} (delegated) or {a} (application)")
            }
        }
        None => fallback.to_string(),
    }
}

/// The reads that resolve `text` for `role`. An id is read by id from `/directoryObjects`
/// (every object type answers there); anything else is, per collection, one `$filter` of `eq`
/// comparisons joined by `or` (`displayName eq 'Sales DL' or mail eq 'Sales DL' or …`), with
/// `$count=true` and `ConsistencyLevel: eventual`: advanced query mode accepts `eq` on every
/// property used here and `or` between them (https://learn.microsoft.com/graph/aad-advanced-queries),
/// so one form serves every collection. `$top=20`: more exact matches than that is ambiguous
/// anyway. Empty text reads nothing.
pub fn lookups(role: Role, text: &str) -> Vec<Lookup> {
    let t = text.trim();
    if t.is_empty() {
        return Vec::new();
    }
    if crate::knowledge::is_guid(t) {
        return vec![Lookup {
            request: GraphRequest::get(format!(
                "/v1.0/directoryObjects/{}",
                t.to_ascii_lowercase()
            )),
            holds: ObjectType::Other("directoryObject".into()),
            collection: "directoryObjects",
            permission: least("member", "Directory.Read.All"),
        }];
    }
    collections(role).iter().map(|c| filtered(c, t)).collect()
}

fn filtered(c: &Collection, text: &str) -> Lookup {
    let l = literal(text);
    let filter = c
        .props
        .iter()
        .map(|p| format!("{p}%20eq%20'{l}'"))
        .collect::<Vec<_>>()
        .join("%20or%20");
    Lookup {
        request: GraphRequest::get(format!(
            "/v1.0/{}?$filter={filter}&$select={}&$top=20&$count=true",
            c.path, c.select
        ))
        .eventual(),
        holds: (c.holds)(),
        collection: c.path,
        permission: least(c.read, "Directory.Read.All"),
    }
}

/// The reads tried when an id is not a directory object id: for a member, a device's
/// `deviceId` or an application's `appId` (both GUIDs) in their collections.
pub fn id_fallbacks(role: Role, id: &str) -> Vec<Lookup> {
    if role != Role::Member || !crate::knowledge::is_guid(id.trim()) {
        return Vec::new();
    }
    let id = id.trim();
    vec![
        filtered(
            &Collection {
                props: &["deviceId"],
                ..DEVICES
            },
            id,
        ),
        filtered(
            &Collection {
                props: &["appId"],
                ..SERVICE_PRINCIPALS
            },
            id,
        ),
    ]
}

/// A read Graph refused or did not answer: which collection, Graph's status and error code, and
/// the permission the read needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub collection: &'static str,
    /// None when no answer came at all.
    pub status: Option<u16>,
    pub code: Option<String>,
    /// Why no answer came (the transport error), when none did.
    pub error: Option<String>,
    pub permission: String,
}

impl Unread {
    /// `users: 403 Authorization_RequestDenied (needs User.ReadBasic.All)`.
    pub fn describe(&self) -> String {
        let what = match (self.status, &self.code, &self.error) {
            (Some(s), Some(c), _) => format!("{s} {c}"),
            (Some(s), None, _) => s.to_string(),
            (None, _, Some(e)) => format!("no answer ({e})"),
            (None, _, None) => "no answer".to_string(),
        };
        if self.refused() {
            format!("{}: {what} (needs {})", self.collection, self.permission)
        } else {
            format!("{}: {what}", self.collection)
        }
    }

    /// A 401 or 403: the token may not read it.
    pub fn refused(&self) -> bool {
        matches!(self.status, Some(401 | 403))
    }
}

/// What a name came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Exactly one object matched. `unread` lists collections that could not be read (the
    /// object is still the only match among those that were).
    Resolved {
        object: Box<DirectoryObject>,
        unread: Vec<Unread>,
    },
    /// Several matched: never one of them picked. In collection order, then Graph's.
    Ambiguous {
        candidates: Vec<DirectoryObject>,
        unread: Vec<Unread>,
    },
    /// Nothing matched in any collection, and every collection was read.
    NotFound,
    /// Nothing matched where reading was allowed, and some collection could not be read: the
    /// object may be there. Each refused or unanswered read, with the permission it needs.
    Refused(Vec<Unread>),
}

/// The kind of an object, for messages and candidate lists.
pub fn kind(t: &ObjectType) -> &str {
    match t {
        ObjectType::User => "user",
        ObjectType::Group => "group",
        ObjectType::Device => "device",
        ObjectType::ServicePrincipal => "service principal",
        ObjectType::Contact => "contact",
        ObjectType::AdministrativeUnit => "administrative unit",
        ObjectType::Other(o) => o,
    }
}

/// The name an object is shown by: a user's UPN, otherwise the display name, otherwise the id.
pub fn name(o: &DirectoryObject) -> &str {
    o.user_principal_name
        .as_deref()
        .or(o.display_name.as_deref())
        .unwrap_or(&o.id)
}

/// `group Sales DL (2000…0003)`: one candidate, one line.
pub fn candidate_line(o: &DirectoryObject) -> String {
    format!("{} {} ({})", kind(&o.object_type), name(o), o.id)
}

/// One answer of a resolution read, as the parser sees it.
#[derive(Debug, Clone)]
pub enum Answer {
    Ok(Value),
    Status { status: u16, code: Option<String> },
    NoAnswer(String),
}

impl Answer {
    fn of(resp: &GraphResponse) -> Answer {
        if resp.is_success() {
            Answer::Ok(resp.body.clone())
        } else {
            Answer::Status {
                status: resp.status,
                code: resp.error().map(|e| e.code),
            }
        }
    }
}

/// Decides a resolution from the answers to `lookups` (same order). Objects the role does not
/// accept (a user for `--group` read by id) are dropped; a 404 to a by-id read is "no object";
/// the same id twice counts once.
pub fn decide(role: Role, lookups: &[Lookup], answers: &[Answer]) -> Resolution {
    let mut found: Vec<DirectoryObject> = Vec::new();
    let mut unread = Vec::new();
    for (l, a) in lookups.iter().zip(answers) {
        match a {
            Answer::Ok(body) => {
                for o in directory::objects(body, &l.holds) {
                    if role.accepts(&o.object_type) && !found.iter().any(|f| f.id == o.id) {
                        found.push(o);
                    }
                }
            }
            Answer::Status { status: 404, .. } if l.collection == "directoryObjects" => {}
            Answer::Status { status, code } => unread.push(Unread {
                collection: l.collection,
                status: Some(*status),
                code: code.clone(),
                error: None,
                permission: l.permission.clone(),
            }),
            Answer::NoAnswer(e) => unread.push(Unread {
                collection: l.collection,
                status: None,
                code: None,
                error: Some(e.clone()),
                permission: l.permission.clone(),
            }),
        }
    }
    match found.len() {
        0 if unread.is_empty() => Resolution::NotFound,
        0 => Resolution::Refused(unread),
        1 => Resolution::Resolved {
            object: Box::new(found.remove(0)),
            unread,
        },
        _ => Resolution::Ambiguous {
            candidates: found,
            unread,
        },
    }
}

/// What [`resolve`] came to, and how many requests it sent (a plan counts them).
#[derive(Debug, Clone)]
pub struct Resolved {
    pub resolution: Resolution,
    pub requests: usize,
}

async fn answer_all(client: &GraphClient, token: &Secret, lookups: &[Lookup]) -> Vec<Answer> {
    futures::future::join_all(lookups.iter().map(|l| async {
        match client.send(token, &l.request).await {
            Ok(resp) => Answer::of(&resp),
            Err(e) => Answer::NoAnswer(e.to_string()),
        }
    }))
    .await
}

/// Resolves `text` for `role` with `token`: every read of [`lookups`] concurrently; an id that
/// is no directory object is tried as a member's `deviceId` or `appId` ([`id_fallbacks`]).
pub async fn resolve(client: &GraphClient, token: &Secret, role: Role, text: &str) -> Resolved {
    let first = lookups(role, text);
    let mut answers = answer_all(client, token, &first).await;
    let mut requests = first.len();
    let mut all = first;
    let mut resolution = decide(role, &all, &answers);
    if resolution == Resolution::NotFound && crate::knowledge::is_guid(text.trim()) {
        let more = id_fallbacks(role, text);
        if !more.is_empty() {
            answers.extend(answer_all(client, token, &more).await);
            requests += more.len();
            all.extend(more);
            resolution = decide(role, &all, &answers);
        }
    }
    Resolved {
        resolution,
        requests,
    }
}

/// A few names close to `text` (the pickers' word-prefix search) for "did you mean", the
/// role's kinds only; empty when the search fails.
pub async fn suggestions(
    client: &GraphClient,
    token: &Secret,
    role: Role,
    text: &str,
) -> Vec<DirectoryObject> {
    match directory::search(client, token, role.scope(), text).await {
        Ok(found) => found
            .into_iter()
            .filter(|o| role.accepts(&o.object_type))
            .take(5)
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eventual(r: &GraphRequest) -> bool {
        r.headers
            .iter()
            .any(|(n, v)| n == "ConsistencyLevel" && v == "eventual")
    }

    #[test]
    fn names_are_exact_eq_filters_per_collection_with_quotes_doubled() {
        let l = lookups(Role::Group, " O'Brien & Co ");
        assert_eq!(l.len(), 1);
        assert_eq!(
            l[0].request.path,
            "/v1.0/groups?$filter=displayName%20eq%20'O%27%27Brien%20%26%20Co'%20or%20mail%20eq%20'O%27%27Brien%20%26%20Co'%20or%20mailNickname%20eq%20'O%27%27Brien%20%26%20Co'&$select=id,displayName,mail,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,onPremisesSyncEnabled,membershipRule&$top=20&$count=true"
        );
        assert!(eventual(&l[0].request));
        assert_eq!(l[0].permission, "GroupMember.Read.All");
        let m = lookups(Role::Member, "bob+x@contoso.com");
        let paths: Vec<&str> = m
            .iter()
            .map(|l| l.request.path.split('?').next().unwrap_or_default())
            .collect();
        assert_eq!(
            paths,
            [
                "/v1.0/users",
                "/v1.0/groups",
                "/v1.0/devices",
                "/v1.0/servicePrincipals",
                "/v1.0/contacts"
            ]
        );
        assert!(m[0].request.path.contains(
            "$filter=userPrincipalName%20eq%20'bob%2Bx%40contoso.com'%20or%20mail%20eq%20"
        ));
        assert!(m[0].request.path.contains("or%20mailNickname%20eq%20"));
        assert!(m[3].request.path.contains("or%20appId%20eq%20"));
        assert!(m[2].request.path.contains("or%20deviceId%20eq%20"));
        assert_eq!(
            m[0].permission,
            "User.ReadBasic.All (delegated) or User.Read.All (application)"
        );
        let au = lookups(Role::AdministrativeUnit, "Sales AU");
        assert!(au[0].request.path.starts_with(
            "/v1.0/directory/administrativeUnits?$filter=displayName%20eq%20'Sales%20AU'&$select="
        ));
        assert!(lookups(Role::Member, "  ").is_empty());
    }

    #[test]
    fn an_id_is_read_by_id_and_a_member_id_may_be_a_device_or_app_id() {
        let l = lookups(Role::Member, "8B1E7AB2-1C2D-4E5F-8A9B-0C1D2E3F4A5B");
        assert_eq!(
            l[0].request.path,
            "/v1.0/directoryObjects/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
        );
        let f = id_fallbacks(Role::Member, "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
        assert_eq!(f.len(), 2);
        assert!(f[0]
            .request
            .path
            .starts_with("/v1.0/devices?$filter=deviceId%20eq%20'8b1e7ab2-"));
        assert!(f[1]
            .request
            .path
            .starts_with("/v1.0/servicePrincipals?$filter=appId%20eq%20'8b1e7ab2-"));
        assert!(id_fallbacks(Role::Group, "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b").is_empty());
        assert!(id_fallbacks(Role::Member, "Sales").is_empty());
    }

    fn ok(v: Value) -> Answer {
        Answer::Ok(v)
    }

    #[test]
    fn one_match_several_none_and_refused() {
        let l = lookups(Role::Member, "Sales");
        let empty = || ok(json!({"value": []}));
        let g1 = json!({"id": "g1", "displayName": "Sales"});
        let g2 = json!({"id": "g2", "displayName": "Sales"});
        // One group, nothing else.
        let a = vec![
            empty(),
            ok(json!({"value": [g1]})),
            empty(),
            empty(),
            empty(),
        ];
        match decide(Role::Member, &l, &a) {
            Resolution::Resolved { object, unread } => {
                assert_eq!(object.id, "g1");
                assert_eq!(object.object_type, ObjectType::Group);
                assert!(unread.is_empty());
            }
            other => panic!("{other:?}"),
        }
        // Two groups and a user of the same name: all three, in collection order.
        let u =
            json!({"id": "u1", "displayName": "Sales", "userPrincipalName": "sales@contoso.com"});
        let a = vec![
            ok(json!({"value": [u]})),
            ok(json!({"value": [g1, g2]})),
            empty(),
            empty(),
            empty(),
        ];
        match decide(Role::Member, &l, &a) {
            Resolution::Ambiguous { candidates, .. } => {
                let lines: Vec<String> = candidates.iter().map(candidate_line).collect();
                assert_eq!(
                    lines,
                    [
                        "user sales@contoso.com (u1)",
                        "group Sales (g1)",
                        "group Sales (g2)"
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        let none = vec![empty(), empty(), empty(), empty(), empty()];
        assert_eq!(decide(Role::Member, &l, &none), Resolution::NotFound);
        // Users refused, nothing elsewhere: not "not found", the permission named.
        let refused = vec![
            Answer::Status {
                status: 403,
                code: Some("Authorization_RequestDenied".into()),
            },
            empty(),
            empty(),
            empty(),
            empty(),
        ];
        match decide(Role::Member, &l, &refused) {
            Resolution::Refused(u) => {
                assert_eq!(u.len(), 1);
                assert_eq!(
                    u[0].describe(),
                    "users: 403 Authorization_RequestDenied (needs User.ReadBasic.All (delegated) or User.Read.All (application))"
                );
            }
            other => panic!("{other:?}"),
        }
        // Devices refused but a user matched: resolved, the unread collection kept.
        let partly = vec![
            ok(json!({"value": [{"id": "u1", "userPrincipalName": "ben@contoso.com"}]})),
            empty(),
            Answer::Status {
                status: 403,
                code: None,
            },
            empty(),
            Answer::NoAnswer("timed out".into()),
        ];
        match decide(Role::Member, &l, &partly) {
            Resolution::Resolved { object, unread } => {
                assert_eq!(name(&object), "ben@contoso.com");
                assert_eq!(unread.len(), 2);
                assert_eq!(unread[1].describe(), "contacts: no answer (timed out)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn by_id_the_role_decides_and_a_404_is_no_object() {
        let l = lookups(Role::Group, "10000000-0000-4000-8000-000000000002");
        let user = ok(
            json!({"@odata.type": "#microsoft.graph.user", "id": "10000000-0000-4000-8000-000000000002"}),
        );
        assert_eq!(
            decide(Role::Group, &l, std::slice::from_ref(&user)),
            Resolution::NotFound
        );
        assert!(matches!(
            decide(Role::Member, &l, &[user]),
            Resolution::Resolved { .. }
        ));
        let gone = Answer::Status {
            status: 404,
            code: Some("Request_ResourceNotFound".into()),
        };
        assert_eq!(decide(Role::Group, &l, &[gone]), Resolution::NotFound);
    }
}
