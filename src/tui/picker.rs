//! The Target screen's pickers: what each one chooses, and how the directory objects a search
//! finds ([`crate::graph::directory`]) become rows with type badges.
//!
//! The mapping is pure (tested without a network); [`search`] is the directory search as picker
//! rows, run by the runtime on a task it aborts when the query changes or the screen is left.

use crate::graph::directory::{self, DirectoryObject, ObjectType, SearchScope};
use crate::graph::GraphClient;
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

    /// What to type in this picker, in words (an administrative unit has no UPN).
    pub fn prompt(self) -> &'static str {
        match self {
            PickKind::Member => "type part of a name or UPN, or paste the object id",
            PickKind::Group => "type part of the group's name, or paste its object id",
            PickKind::AdministrativeUnit => {
                "type part of the administrative unit's name, or paste its object id"
            }
        }
    }

    /// What the directory search for this picker looks through.
    pub fn scope(self) -> SearchScope {
        match self {
            PickKind::Group => SearchScope::Groups,
            PickKind::AdministrativeUnit => SearchScope::AdministrativeUnits,
            PickKind::Member => SearchScope::Members,
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

/// Badges of a group, from the properties Microsoft documents as telling the kinds apart
/// (<https://learn.microsoft.com/graph/api/resources/groups-overview#group-types-in-microsoft-entra-id-and-microsoft-graph>).
pub fn group_badges(g: &DirectoryObject) -> Vec<String> {
    let has = |t: &str| g.group_types.iter().any(|x| x == t);
    let mail = g.mail_enabled == Some(true);
    let security = g.security_enabled == Some(true);
    let mut badges = Vec::new();
    if has("Unified") {
        badges.push("Microsoft 365");
    } else if mail && security {
        badges.push("mail-enabled security");
    } else if mail {
        badges.push("distribution");
    } else if security {
        badges.push("security");
    } else if g.mail_enabled.is_some() {
        badges.push("group");
    }
    if has("DynamicMembership") || g.membership_rule.is_some() {
        badges.push("dynamic");
    }
    if g.on_premises_sync_enabled == Some(true) {
        badges.push("synced");
    }
    if g.is_assignable_to_role == Some(true) {
        badges.push("role-assignable");
    }
    if badges.is_empty() {
        badges.push("group");
    }
    badges.into_iter().map(str::to_string).collect()
}

/// A directory object as a picker row: its name, what tells it apart from a namesake, badges.
pub fn item(o: &DirectoryObject) -> PickItem {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let (detail, badges) = match &o.object_type {
        ObjectType::Group => (text(&o.mail), group_badges(o)),
        ObjectType::User => (text(&o.user_principal_name), vec!["user".to_string()]),
        ObjectType::Device => (
            o.device_id
                .as_ref()
                .map(|d| format!("device id {d}"))
                .unwrap_or_default(),
            vec!["device".to_string()],
        ),
        ObjectType::ServicePrincipal => (
            o.app_id
                .as_ref()
                .map(|a| format!("app id {a}"))
                .unwrap_or_default(),
            vec!["service principal".to_string()],
        ),
        ObjectType::Contact => (text(&o.mail), vec!["contact".to_string()]),
        ObjectType::AdministrativeUnit => {
            let mut b = vec!["administrative unit".to_string()];
            if o.is_member_management_restricted == Some(true) {
                b.push("restricted".to_string());
            }
            if o.membership_type.as_deref() == Some("Dynamic") {
                b.push("dynamic".to_string());
            }
            (String::new(), b)
        }
        ObjectType::Other(name) => (String::new(), vec![name.clone()]),
    };
    PickItem {
        id: o.id.clone(),
        name: o.display_name.clone().unwrap_or_else(|| o.id.clone()),
        detail,
        badges,
    }
}

/// Runs a picker's search ([`directory::search`]) and returns its rows. A failure says Graph's
/// own status and error code, so the operator knows whether to fix the token or to paste an id
/// instead.
pub async fn search(
    client: &GraphClient,
    token: &Secret,
    kind: PickKind,
    query: &str,
) -> Result<Vec<PickItem>, String> {
    directory::search(client, token, kind.scope(), query)
        .await
        .map(|found| found.iter().map(item).collect())
        .map_err(|e| format!("{e}; type or paste the object id instead"))
}

impl PickKind {
    /// The role a resolved name must play ([`crate::graph::resolve`]).
    pub fn role(self) -> crate::graph::Role {
        match self {
            PickKind::Group => crate::graph::Role::Group,
            PickKind::AdministrativeUnit => crate::graph::Role::AdministrativeUnit,
            PickKind::Member => crate::graph::Role::Member,
        }
    }
}

/// Resolves typed text to the objects it names exactly ([`crate::graph::resolve::resolve`]) as
/// picker rows: one (resolved), several (ambiguous) or none; a refused read is an error naming
/// the permission it needs.
pub async fn resolve(
    client: &GraphClient,
    token: &Secret,
    kind: PickKind,
    text: &str,
) -> Result<Vec<PickItem>, String> {
    use crate::graph::resolve::{self as r, Resolution};
    match r::resolve(client, token, kind.role(), text)
        .await
        .resolution
    {
        Resolution::Resolved { object, .. } => Ok(vec![item(&object)]),
        Resolution::Ambiguous { candidates, .. } => Ok(candidates.iter().map(item).collect()),
        Resolution::NotFound => Ok(Vec::new()),
        Resolution::Refused(unread) => Err(format!(
            "cannot look the name up: {}; paste the object id instead",
            unread
                .iter()
                .map(r::Unread::describe)
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn rows(body: Value, holds: ObjectType) -> Vec<PickItem> {
        directory::objects(&body, &holds).iter().map(item).collect()
    }

    #[test]
    fn group_kinds_get_their_badges() {
        let b = |v: Value| rows(v.clone(), ObjectType::Group)[0].badges.clone();
        let g = |v: Value| {
            let mut v = v;
            v["id"] = json!("1");
            b(v)
        };
        assert_eq!(
            g(json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false})),
            ["Microsoft 365"]
        );
        assert_eq!(
            g(
                json!({"groupTypes": [], "mailEnabled": false, "securityEnabled": true, "isAssignableToRole": true})
            ),
            ["security", "role-assignable"]
        );
        assert_eq!(
            g(json!({"groupTypes": [], "mailEnabled": true, "securityEnabled": false})),
            ["distribution"]
        );
        assert_eq!(
            g(
                json!({"groupTypes": [], "mailEnabled": true, "securityEnabled": true, "onPremisesSyncEnabled": true})
            ),
            ["mail-enabled security", "synced"]
        );
        assert_eq!(
            g(
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
        let users = rows(body, ObjectType::User);
        assert_eq!(users[0].badges, ["user"]);
        assert_eq!(users[0].detail, "ada@contoso.com");
        let dir = || ObjectType::Other("directoryObject".into());
        let one =
            json!({"@odata.type": "#microsoft.graph.device", "id": "2", "displayName": "Kiosk-7"});
        assert_eq!(rows(one, dir())[0].badges, ["device"]);
        let sp = json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": "3", "displayName": "HR sync", "appId": "abc"});
        let sp = rows(sp, dir());
        assert_eq!(sp[0].badges, ["service principal"]);
        assert_eq!(sp[0].detail, "app id abc");
        let c = json!({"value": [{"id": "4", "displayName": "Vendor", "mail": "v@x.com"}]});
        assert_eq!(rows(c, ObjectType::Contact)[0].badges, ["contact"]);
        let au = json!({"value": [{"id": "5", "displayName": "Paris", "isMemberManagementRestricted": true}]});
        assert_eq!(
            rows(au, ObjectType::AdministrativeUnit)[0].badges,
            ["administrative unit", "restricted"]
        );
        let unnamed = rows(json!({"id": "6"}), dir());
        assert_eq!(
            (unnamed[0].name.as_str(), unnamed[0].badges.clone()),
            ("6", vec!["directoryObject".to_string()])
        );
    }
}
