//! Live search for the Target screen's pickers: which Graph queries a search runs, and how the
//! answers become rows with type badges.
//!
//! The query builders and parsers are pure (tested without a network); [`search`] sends them with
//! the one [`GraphClient`] and is run by the runtime on a task it aborts when the query changes
//! or the screen is left.

use serde_json::Value;

use crate::graph::{GraphClient, GraphRequest};
use crate::secret::Secret;

/// What a picker chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PickKind {
    Group,
    AdministrativeUnit,
    Member,
}

impl PickKind {
    pub fn label(self) -> &'static str {
        match self {
            PickKind::Group => "Group",
            PickKind::AdministrativeUnit => "Admin unit",
            PickKind::Member => "Member",
        }
    }

    /// Index into the Target screen's picker array.
    pub fn index(self) -> usize {
        match self {
            PickKind::Group => 0,
            PickKind::AdministrativeUnit => 1,
            PickKind::Member => 2,
        }
    }
}

/// One search result (or a chosen object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub id: String,
    pub name: String,
    /// UPN, mail or app id: what tells two objects with one display name apart.
    pub detail: String,
    /// Type badges: "Microsoft 365", "security", "distribution", "user", "device"...
    pub badges: Vec<String>,
}

impl PickItem {
    /// An object known only by its id (typed or pasted, or preset from the command line).
    pub fn bare(id: &str) -> PickItem {
        PickItem {
            id: id.to_string(),
            name: id.to_string(),
            detail: String::new(),
            badges: Vec::new(),
        }
    }
}

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

/// The Graph requests one search sends. A pasted object id is looked up directly
/// (`/directoryObjects/{id}` answers for every object type); anything else is a prefix search on
/// the display name (and the UPN or mail where the type has one).
pub fn requests(kind: PickKind, query: &str) -> Vec<GraphRequest> {
    let q = query.trim();
    if crate::knowledge::is_guid(q) {
        return vec![GraphRequest::get(format!(
            "/v1.0/directoryObjects/{}",
            q.to_ascii_lowercase()
        ))];
    }
    let l = literal(q);
    // One property per request: `or` across properties is not accepted by every directory
    // collection, and answers are merged (and de-duplicated by id) anyway.
    let by_name = encode_filter(&format!("startswith(displayName,'{l}')"));
    let collection = |path: &str, select: &str| {
        GraphRequest::get(format!(
            "/v1.0/{path}?$filter={by_name}&$select={select}&$top=20&$count=true"
        ))
        .eventual()
    };
    let groups = collection("groups", GROUP_SELECT);
    match kind {
        PickKind::Group => vec![groups],
        PickKind::AdministrativeUnit => vec![collection(
            "directory/administrativeUnits",
            "id,displayName,isMemberManagementRestricted,membershipType",
        )],
        PickKind::Member => vec![
            collection("users", "id,displayName,userPrincipalName"),
            GraphRequest::get(format!(
                "/v1.0/users?$filter={}&$select=id,displayName,userPrincipalName&$top=20&$count=true",
                encode_filter(&format!("startswith(userPrincipalName,'{l}')"))
            ))
            .eventual(),
            groups,
            collection("devices", "id,displayName,deviceId"),
            collection("servicePrincipals", "id,displayName,appId"),
            collection("contacts", "id,displayName,mail"),
        ],
    }
}

/// Spaces and parentheses of the filter expression itself are encoded too; the literal inside it
/// was encoded already, so only the characters around it are touched.
fn encode_filter(expr: &str) -> String {
    expr.replace(' ', "%20")
}

/// The type of a directory object from its `@odata.type`, or from the collection it came from.
fn odata_type(v: &Value, fallback: &str) -> String {
    v.get("@odata.type")
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches("#microsoft.graph.").to_string())
        .unwrap_or_else(|| fallback.to_string())
}

fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Badges of a group, from the properties Microsoft documents as telling the kinds apart
/// (<https://learn.microsoft.com/graph/api/resources/groups-overview#group-types-in-microsoft-entra-id-and-microsoft-graph>).
pub fn group_badges(v: &Value) -> Vec<String> {
    let types: Vec<&str> = v
        .get("groupTypes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mail = v.get("mailEnabled").and_then(Value::as_bool) == Some(true);
    let security = v.get("securityEnabled").and_then(Value::as_bool) == Some(true);
    let mut badges = Vec::new();
    if types.contains(&"Unified") {
        badges.push("Microsoft 365");
    } else if mail && security {
        badges.push("mail-enabled security");
    } else if mail {
        badges.push("distribution");
    } else if security {
        badges.push("security");
    } else if v.get("mailEnabled").is_some() {
        badges.push("group");
    }
    if types.contains(&"DynamicMembership") || str_field(v, "membershipRule").is_some() {
        badges.push("dynamic");
    }
    if v.get("onPremisesSyncEnabled").and_then(Value::as_bool) == Some(true) {
        badges.push("synced");
    }
    if v.get("isAssignableToRole").and_then(Value::as_bool) == Some(true) {
        badges.push("role-assignable");
    }
    if badges.is_empty() {
        badges.push("group");
    }
    badges.into_iter().map(str::to_string).collect()
}

/// One object of a Graph answer as a picker row.
pub fn item(v: &Value, fallback_type: &str) -> Option<PickItem> {
    let id = str_field(v, "id")?.to_string();
    let name = str_field(v, "displayName").unwrap_or(&id).to_string();
    let ty = odata_type(v, fallback_type);
    let (detail, badges) = match ty.as_str() {
        "group" => (
            str_field(v, "mail").unwrap_or_default().to_string(),
            group_badges(v),
        ),
        "user" => (
            str_field(v, "userPrincipalName")
                .unwrap_or_default()
                .to_string(),
            vec!["user".to_string()],
        ),
        "device" => (
            str_field(v, "deviceId")
                .map(|d| format!("device id {d}"))
                .unwrap_or_default(),
            vec!["device".to_string()],
        ),
        "servicePrincipal" => (
            str_field(v, "appId")
                .map(|a| format!("app id {a}"))
                .unwrap_or_default(),
            vec!["service principal".to_string()],
        ),
        "orgContact" | "contact" => (
            str_field(v, "mail").unwrap_or_default().to_string(),
            vec!["contact".to_string()],
        ),
        "administrativeUnit" => {
            let mut b = vec!["administrative unit".to_string()];
            if v.get("isMemberManagementRestricted")
                .and_then(Value::as_bool)
                == Some(true)
            {
                b.push("restricted".to_string());
            }
            if str_field(v, "membershipType") == Some("Dynamic") {
                b.push("dynamic".to_string());
            }
            (String::new(), b)
        }
        other => (String::new(), vec![other.to_string()]),
    };
    Some(PickItem {
        id,
        name,
        detail,
        badges,
    })
}

/// The collection a request path reads, as the object type its rows have.
fn fallback_type(path: &str) -> &'static str {
    let p = path.split('?').next().unwrap_or(path);
    if p.ends_with("/groups") {
        "group"
    } else if p.ends_with("/users") {
        "user"
    } else if p.ends_with("/devices") {
        "device"
    } else if p.ends_with("/servicePrincipals") {
        "servicePrincipal"
    } else if p.ends_with("/contacts") {
        "orgContact"
    } else if p.ends_with("/administrativeUnits") {
        "administrativeUnit"
    } else {
        "directoryObject"
    }
}

/// The rows of one answer: a collection (`value`) or a single object.
pub fn parse(path: &str, body: &Value) -> Vec<PickItem> {
    let fallback = fallback_type(path);
    match body.get("value").and_then(Value::as_array) {
        Some(rows) => rows.iter().filter_map(|v| item(v, fallback)).collect(),
        None => item(body, fallback).into_iter().collect(),
    }
}

/// Runs a search: every request of [`requests`] concurrently, rows merged in request order.
/// Fails only when every request failed, with Graph's own error code so the operator knows
/// whether to fix the token or to paste an id instead.
pub async fn search(
    client: &GraphClient,
    token: &Secret,
    kind: PickKind,
    query: &str,
) -> Result<Vec<PickItem>, String> {
    let reqs = requests(kind, query);
    let answers = futures::future::join_all(reqs.iter().map(|r| client.send(token, r))).await;
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut any_ok = false;
    for (req, answer) in reqs.iter().zip(answers) {
        match answer {
            Ok(resp) if resp.is_success() => {
                any_ok = true;
                for item in parse(&req.path, &resp.body) {
                    if !items.iter().any(|i: &PickItem| i.id == item.id) {
                        items.push(item);
                    }
                }
            }
            Ok(resp) => {
                let code = resp
                    .error()
                    .map(|e| format!(" {}", e.code))
                    .unwrap_or_default();
                errors.push(format!("{}{code}", resp.status));
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if any_ok || errors.is_empty() {
        Ok(items)
    } else {
        errors.dedup();
        Err(format!(
            "search failed ({}); type or paste the object id instead",
            errors.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pasted_id_is_looked_up_directly() {
        let r = requests(PickKind::Member, " 8B1E7AB2-1C2D-4E5F-8A9B-0C1D2E3F4A5B ");
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].path,
            "/v1.0/directoryObjects/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
        );
    }

    #[test]
    fn names_are_searched_by_prefix_and_safely_encoded() {
        let r = requests(PickKind::Group, "O'Brien & co");
        assert_eq!(r.len(), 1);
        assert!(r[0].path.starts_with(
            "/v1.0/groups?$filter=startswith(displayName,'O%27%27Brien%20%26%20co')&$select="
        ));
        assert!(r[0]
            .headers
            .iter()
            .any(|(n, v)| n == "ConsistencyLevel" && v == "eventual"));
        let m = requests(PickKind::Member, "ada");
        let paths: Vec<_> = m
            .iter()
            .map(|r| r.path.split('?').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "/v1.0/users",
                "/v1.0/users",
                "/v1.0/groups",
                "/v1.0/devices",
                "/v1.0/servicePrincipals",
                "/v1.0/contacts"
            ]
        );
        assert!(m[1].path.contains("startswith(userPrincipalName,'ada')"));
    }

    #[test]
    fn group_kinds_get_their_badges() {
        let b = |v: Value| group_badges(&v);
        assert_eq!(
            b(json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false})),
            ["Microsoft 365"]
        );
        assert_eq!(
            b(
                json!({"groupTypes": [], "mailEnabled": false, "securityEnabled": true, "isAssignableToRole": true})
            ),
            ["security", "role-assignable"]
        );
        assert_eq!(
            b(json!({"groupTypes": [], "mailEnabled": true, "securityEnabled": false})),
            ["distribution"]
        );
        assert_eq!(
            b(
                json!({"groupTypes": [], "mailEnabled": true, "securityEnabled": true, "onPremisesSyncEnabled": true})
            ),
            ["mail-enabled security", "synced"]
        );
        assert_eq!(
            b(
                json!({"groupTypes": ["Unified", "DynamicMembership"], "mailEnabled": true, "securityEnabled": false})
            ),
            ["Microsoft 365", "dynamic"]
        );
    }

    #[test]
    fn members_of_every_type_are_recognised() {
        let body = json!({"value": [
            {"id": "1", "displayName": "Ada", "userPrincipalName": "ada@contoso.com"},
        ]});
        let rows = parse("/v1.0/users?$filter=x", &body);
        assert_eq!(rows[0].badges, ["user"]);
        assert_eq!(rows[0].detail, "ada@contoso.com");
        let one =
            json!({"@odata.type": "#microsoft.graph.device", "id": "2", "displayName": "Kiosk-7"});
        assert_eq!(
            parse("/v1.0/directoryObjects/2", &one)[0].badges,
            ["device"]
        );
        let sp = json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": "3", "displayName": "HR sync", "appId": "abc"});
        assert_eq!(
            parse("/v1.0/directoryObjects/3", &sp)[0].badges,
            ["service principal"]
        );
        let c = json!({"value": [{"id": "4", "displayName": "Vendor", "mail": "v@x.com"}]});
        assert_eq!(parse("/v1.0/contacts?$top=20", &c)[0].badges, ["contact"]);
        let au = json!({"value": [{"id": "5", "displayName": "Paris", "isMemberManagementRestricted": true}]});
        assert_eq!(
            parse("/v1.0/directory/administrativeUnits?$filter=x", &au)[0].badges,
            ["administrative unit", "restricted"]
        );
        assert!(parse("/v1.0/users", &json!({"value": [{"displayName": "no id"}]})).is_empty());
    }
}
