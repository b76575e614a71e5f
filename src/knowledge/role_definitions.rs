//! Roles from their definitions: what a `unifiedRoleDefinition`'s `rolePermissions[].allowedResourceActions`
//! allow for this tool's operations, and [`RoleBook`], the one place a role id is resolved (the
//! definitions Graph returned, else the curated `assets/knowledge/roles.json`).
//!
//! Actions and their subtypes: https://learn.microsoft.com/entra/identity/role-based-access-control/custom-group-permissions
//! (`groups`, `groups.unified`, `groups.security` and their `.assignedMembership` variants) and
//! https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
//! (built-in roles' actions, `allProperties`/`allTasks`). The definitions themselves:
//! https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use super::roles::{self, GroupScope, Role};

/// The action that updates the members of security and Microsoft 365 groups, excluding
/// role-assignable ones.
pub const GROUPS_MEMBERS_UPDATE: &str = "microsoft.directory/groups/members/update";
/// Microsoft 365 groups only.
pub const UNIFIED_MEMBERS_UPDATE: &str = "microsoft.directory/groups.unified/members/update";
/// Microsoft 365 groups with assigned membership only (custom-group-permissions).
pub const UNIFIED_ASSIGNED_MEMBERS_UPDATE: &str =
    "microsoft.directory/groups.unified.assignedMembership/members/update";
/// Security groups only.
pub const SECURITY_MEMBERS_UPDATE: &str = "microsoft.directory/groups.security/members/update";
/// Security groups with assigned membership only (custom-group-permissions).
pub const SECURITY_ASSIGNED_MEMBERS_UPDATE: &str =
    "microsoft.directory/groups.security.assignedMembership/members/update";
/// Role-assignable groups' members (Privileged Role Administrator's
/// `groupsAssignableToRoles/allProperties/update` covers it).
pub const ROLE_ASSIGNABLE_MEMBERS_UPDATE: &str =
    "microsoft.directory/groupsAssignableToRoles/members/update";
/// Adding users, groups and devices to an administrative unit.
pub const AU_MEMBERS_UPDATE: &str = "microsoft.directory/administrativeUnits/members/update";
/// Creating a group.
pub const GROUPS_CREATE: &str = "microsoft.directory/groups/create";
/// Change the owners of security and Microsoft 365 groups (not role-assignable ones).
pub const GROUPS_OWNERS_UPDATE: &str = "microsoft.directory/groups/owners/update";
/// Change the owners of Microsoft 365 groups.
pub const UNIFIED_OWNERS_UPDATE: &str = "microsoft.directory/groups.unified/owners/update";
/// Change the owners of security groups.
pub const SECURITY_OWNERS_UPDATE: &str = "microsoft.directory/groups.security/owners/update";
/// Reading users' standard properties: the "permissions to read the objects" a guest user or
/// service principal needs at tenant scope beside an AU-scoped role (graph-doctor's reading of
/// https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-assign-roles,
/// whose example is Directory Readers).
pub const USERS_STANDARD_READ: &str = "microsoft.directory/users/standard/read";

/// Whether a held action covers a wanted one: equal (case-insensitive), or a wildcard segment in
/// the held one: `allEntities` for the entity, `allProperties` for the property, `allTasks` for the
/// verb (`groups/allProperties/allTasks` covers `groups/members/update`; `allProperties/update`
/// covers `members/update`; `allProperties/read` covers `standard/read`).
pub fn covers(held: &str, wanted: &str) -> bool {
    let h: Vec<&str> = held.split('/').collect();
    let w: Vec<&str> = wanted.split('/').collect();
    let (Some((hns, hrest)), Some((wns, wrest))) = (h.split_first(), w.split_first()) else {
        return false;
    };
    if !hns.eq_ignore_ascii_case(wns) || hrest.is_empty() || wrest.is_empty() {
        return false;
    }
    let (hent, hact) = (hrest[0], &hrest[1..]);
    let (went, wact) = (wrest[0], &wrest[1..]);
    if !(hent.eq_ignore_ascii_case(went) || hent.eq_ignore_ascii_case("allEntities")) {
        return false;
    }
    match (hact, wact) {
        // `entity/allTasks`: everything on the entity.
        ([t], _) if t.eq_ignore_ascii_case("allTasks") => true,
        ([hp, hv], [wp, wv]) => {
            (hp.eq_ignore_ascii_case(wp) || hp.eq_ignore_ascii_case("allProperties"))
                && (hv.eq_ignore_ascii_case(wv) || hv.eq_ignore_ascii_case("allTasks"))
        }
        // `entity/allProperties/allTasks` covers `entity/create` and the like.
        ([hp, hv], [_]) => {
            hp.eq_ignore_ascii_case("allProperties") && hv.eq_ignore_ascii_case("allTasks")
        }
        ([hv], [wv]) => hv.eq_ignore_ascii_case(wv),
        _ => false,
    }
}

/// Whether any of `actions` covers `wanted`.
pub fn allows<S: AsRef<str>>(actions: &[S], wanted: &str) -> bool {
    actions.iter().any(|a| covers(a.as_ref(), wanted))
}

/// The role a definition describes, its capabilities derived from its actions. Membership rights
/// (which kinds of group, role-assignable groups, administrative units) always come from the
/// actions. For a built-in role the curated table knows, whether it can be scoped to an
/// administrative unit, create a group inside one, and counts as a tenant-wide read role are kept
/// from the table (the admin-units pages list roles, not actions); for any other role they are
/// derived: scopable (an assignment at a unit's scope exists only when Graph accepted it),
/// `groups/create`, and `users/standard/read`.
pub fn role_from_definition(def: &Value) -> Option<Role> {
    let id = def.get("id").and_then(Value::as_str)?;
    let actions: Vec<String> = def
        .get("rolePermissions")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.get("allowedResourceActions").and_then(Value::as_array))
                .flatten()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let name = def
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or(id)
        .to_string();
    let template = def
        .get("templateId")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or(id);
    let curated = roles::by_template(template).or(roles::by_template(id));
    Some(from_actions(id, &name, &actions, curated))
}

/// A role with the capabilities `actions` give (see [`role_from_definition`]).
pub fn from_actions(id: &str, name: &str, actions: &[String], curated: Option<&Role>) -> Role {
    let mut group_members = Vec::new();
    if allows(actions, GROUPS_MEMBERS_UPDATE) {
        group_members.push(GroupScope::Groups);
    }
    // A dynamic group's members cannot be added by anyone (group.dynamic), so the
    // assignedMembership variants cover every group a member can be added to.
    if allows(actions, UNIFIED_MEMBERS_UPDATE) || allows(actions, UNIFIED_ASSIGNED_MEMBERS_UPDATE) {
        group_members.push(GroupScope::Microsoft365);
    }
    if allows(actions, SECURITY_MEMBERS_UPDATE) || allows(actions, SECURITY_ASSIGNED_MEMBERS_UPDATE)
    {
        group_members.push(GroupScope::Security);
    }
    if allows(actions, ROLE_ASSIGNABLE_MEMBERS_UPDATE) {
        group_members.push(GroupScope::RoleAssignable);
    }
    // Owners: the curated row where the role is known, since some built-in roles may change user
    // owners only, a limitation their actions do not carry
    // (https://learn.microsoft.com/graph/api/group-post-owners); otherwise from the actions.
    let group_owners = match curated {
        Some(c) => c.group_owners.clone(),
        None => {
            let mut o = Vec::new();
            if allows(actions, GROUPS_OWNERS_UPDATE) {
                o.push(GroupScope::Groups);
            }
            if allows(actions, UNIFIED_OWNERS_UPDATE) {
                o.push(GroupScope::Microsoft365);
            }
            if allows(actions, SECURITY_OWNERS_UPDATE) {
                o.push(GroupScope::Security);
            }
            if allows(actions, ROLE_ASSIGNABLE_MEMBERS_UPDATE) {
                o.push(GroupScope::RoleAssignable);
            }
            o
        }
    };
    Role {
        // The curated name where the role is known, so messages read the same either way.
        name: curated
            .map(|c| c.name.clone())
            .unwrap_or_else(|| name.to_string()),
        template_id: id.to_string(),
        graph_name: curated.and_then(|c| c.graph_name.clone()),
        group_members,
        group_owners,
        au_members: allows(actions, AU_MEMBERS_UPDATE),
        au_scopable: curated.is_none_or(|c| c.au_scopable),
        create_group_in_au: curated
            .map(|c| c.create_group_in_au)
            .unwrap_or_else(|| allows(actions, GROUPS_CREATE)),
        tenant_read: curated
            .map(|c| c.tenant_read)
            .unwrap_or_else(|| allows(actions, USERS_STANDARD_READ)),
        source: FROM_DEFINITION.to_string(),
        from_definition: true,
    }
}

/// The `source` of a role derived from its definition.
pub const FROM_DEFINITION: &str =
    "its definition's allowedResourceActions (GET /v1.0/roleManagement/directory/roleDefinitions)";

/// Where the roles a diagnosis resolves come from.
#[derive(Debug, Clone, Default)]
pub struct RoleBook {
    /// Roles derived from the definitions Graph returned (empty when they were not read).
    defs: Vec<Role>,
    /// Why the definitions could not be read (None: they were).
    pub unread: Option<String>,
}

impl RoleBook {
    /// Only the curated table, with the reason the definitions were not read.
    pub fn curated(why: impl Into<String>) -> RoleBook {
        RoleBook {
            defs: Vec::new(),
            unread: Some(why.into()),
        }
    }

    /// The definitions of a `GET /roleManagement/directory/roleDefinitions` answer.
    pub fn from_definitions(values: &[Value]) -> RoleBook {
        RoleBook {
            defs: values.iter().filter_map(role_from_definition).collect(),
            unread: None,
        }
    }

    /// Whether the definitions were read.
    pub fn definitions_read(&self) -> bool {
        self.unread.is_none()
    }

    /// A role by its definition or template id: its definition when read, else the curated row.
    pub fn get(&self, id: &str) -> Option<&Role> {
        self.defs
            .iter()
            .find(|r| r.template_id.eq_ignore_ascii_case(id))
            .or_else(|| roles::by_template(id))
    }

    /// Display name of a role id, or the id itself when no definition or row names it.
    pub fn name_of(&self, id: &str) -> String {
        self.get(id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// One sentence saying which source decided about role `id`.
    pub fn decided_by(&self, id: &str) -> String {
        match (self.get(id), &self.unread) {
            (Some(r), _) if r.from_definition => format!("Decided from {}.", FROM_DEFINITION),
            (_, Some(why)) => format!(
                "Decided from graph-doctor's curated roles table: the role definitions could not be read ({why})."
            ),
            _ => "Decided from graph-doctor's curated roles table (the role is not among the definitions Graph returned).".into(),
        }
    }
}

/// One built-in role definition the simulated tenant serves.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    pub id: String,
    pub display_name: String,
    pub allowed_resource_actions: Vec<String>,
    pub source: String,
}

#[derive(Debug, Default, Deserialize)]
struct Table {
    definitions: Vec<Definition>,
}

/// The built-in definitions of `assets/knowledge/role_definitions.json` (a subset of each role's
/// actions, see its `_about`).
pub fn builtin() -> &'static [Definition] {
    static T: OnceLock<Table> = OnceLock::new();
    &T.get_or_init(|| {
        super::parse_table(
            "role_definitions",
            include_str!("../../assets/knowledge/role_definitions.json"),
        )
    })
    .definitions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::GroupKind;
    use serde_json::json;

    #[test]
    fn wildcards_cover_what_they_name() {
        assert!(covers(
            "microsoft.directory/groups/allProperties/allTasks",
            GROUPS_MEMBERS_UPDATE
        ));
        assert!(covers(
            "microsoft.directory/groupsAssignableToRoles/allProperties/update",
            ROLE_ASSIGNABLE_MEMBERS_UPDATE
        ));
        assert!(covers(
            "microsoft.directory/users/allProperties/read",
            USERS_STANDARD_READ
        ));
        assert!(covers(
            "microsoft.directory/groups/allProperties/allTasks",
            GROUPS_CREATE
        ));
        assert!(covers(
            "Microsoft.Directory/Groups/Members/Update",
            GROUPS_MEMBERS_UPDATE
        ));
        // Another entity, another property, a narrower verb: not covered.
        assert!(!covers(UNIFIED_MEMBERS_UPDATE, GROUPS_MEMBERS_UPDATE));
        assert!(!covers(GROUPS_MEMBERS_UPDATE, UNIFIED_MEMBERS_UPDATE));
        assert!(!covers(
            "microsoft.directory/groups/owners/update",
            GROUPS_MEMBERS_UPDATE
        ));
        assert!(!covers(
            "microsoft.directory/groups/members/read",
            GROUPS_MEMBERS_UPDATE
        ));
        assert!(!covers(
            "microsoft.directory/users/allProperties/read",
            "microsoft.directory/users/basic/update"
        ));
        assert!(!covers(
            "microsoft.azure.print/allEntities/allProperties/allTasks",
            GROUPS_MEMBERS_UPDATE
        ));
    }

    /// Every built-in definition the sim serves, read through its actions, agrees with the curated
    /// table on what it allows here: the two tables cannot drift apart.
    #[test]
    fn builtin_definitions_agree_with_the_curated_table() {
        assert!(builtin().len() >= 30);
        for d in builtin() {
            assert!(
                d.source.starts_with("https://learn.microsoft.com/"),
                "{}",
                d.id
            );
            let curated =
                roles::by_template(&d.id).unwrap_or_else(|| panic!("{} not in roles.json", d.id));
            let derived = from_actions(&d.id, &d.display_name, &d.allowed_resource_actions, None);
            for kind in [
                GroupKind::Security,
                GroupKind::Microsoft365,
                GroupKind::Distribution,
            ] {
                for ra in [false, true] {
                    assert_eq!(
                        derived.may_update_members(kind, ra),
                        curated.may_update_members(kind, ra),
                        "{} {kind:?} role-assignable {ra}",
                        curated.name
                    );
                }
            }
            assert_eq!(derived.au_members, curated.au_members, "{}", curated.name);
            assert_eq!(derived.tenant_read, curated.tenant_read, "{}", curated.name);
        }
    }

    #[test]
    fn a_custom_role_is_read_from_its_actions() {
        let def = json!({"id": "c0570000-0000-4000-8000-000000000001", "displayName": "Group membership helpers", "isBuiltIn": false, "templateId": null,
            "rolePermissions": [{"allowedResourceActions": ["microsoft.directory/groups.security.assignedMembership/members/update"], "condition": null}]});
        let r = role_from_definition(&def).expect("role");
        assert!(r.from_definition && r.au_scopable && !r.tenant_read);
        assert!(r.may_update_members(GroupKind::Security, false));
        assert!(!r.may_update_members(GroupKind::Microsoft365, false));
        assert_eq!(r.name, "Group membership helpers");
        let book = RoleBook::from_definitions(&[def]);
        assert!(book.get("C0570000-0000-4000-8000-000000000001").is_some());
        assert!(book
            .decided_by("c0570000-0000-4000-8000-000000000001")
            .contains("allowedResourceActions"));
        // Unread definitions: the curated table answers for built-ins, nothing for the custom role.
        let book = RoleBook::curated("403 without RoleManagement.Read.Directory");
        assert!(book.get("c0570000-0000-4000-8000-000000000001").is_none());
        assert!(book
            .get(roles::ids::GROUPS_ADMINISTRATOR)
            .is_some_and(|r| !r.from_definition));
        assert!(book
            .decided_by(roles::ids::GROUPS_ADMINISTRATOR)
            .contains("curated"));
    }
}
