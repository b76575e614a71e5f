//! Directory roles (`assets/knowledge/roles.json`): template ids as they appear in `wids` and
//! `roleTemplateId`, and what each role allows for our operations, from each role's actions in
//! https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference and
//! the administrative-unit scopes of
//! https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-assign-roles.

use std::sync::OnceLock;

use serde::Deserialize;

use super::group_types::GroupKind;

/// A kind of group whose members a role may update (the role actions of
/// https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupScope {
    /// `microsoft.directory/groups/members/update`: security and Microsoft 365 groups, excluding role-assignable.
    Groups,
    /// `groups.unified/members/update`: Microsoft 365 groups only.
    Microsoft365,
    /// `groups.security/members/update`: security groups only.
    Security,
    /// `groupsAssignableToRoles/allProperties/update`.
    RoleAssignable,
    /// Owners only: `microsoft.directory/groups/owners/update` with the limitation "Can modify
    /// user owners only" (https://learn.microsoft.com/graph/api/group-post-owners).
    UserOwners,
}

/// A built-in directory role.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub template_id: String,
    /// The display name Graph and PowerShell use where it differs from the portal's.
    pub graph_name: Option<String>,
    pub group_members: Vec<GroupScope>,
    /// The kinds of group whose owners the role may change
    /// (https://learn.microsoft.com/graph/api/group-post-owners,
    /// https://learn.microsoft.com/graph/api/group-delete-owners).
    #[serde(default)]
    pub group_owners: Vec<GroupScope>,
    pub au_members: bool,
    pub au_scopable: bool,
    pub create_group_in_au: bool,
    /// Includes directory read permissions: held at tenant scope, it lets a service principal or
    /// a guest user use an AU-scoped assignment ("Service principals and guest users",
    /// https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-assign-roles).
    #[serde(default)]
    pub tenant_read: bool,
    pub source: String,
    /// Derived from the role's definition read from Graph (`knowledge::role_definitions`), not
    /// from a row of this table.
    #[serde(default)]
    pub from_definition: bool,
}

impl Role {
    /// Whether this role may update the members of a group of `kind` (role-assignable or not).
    pub fn may_update_members(&self, kind: GroupKind, role_assignable: bool) -> bool {
        if role_assignable {
            return self.group_members.contains(&GroupScope::RoleAssignable);
        }
        self.group_members.iter().any(|s| match s {
            GroupScope::Groups => kind.is_manageable(),
            GroupScope::Microsoft365 => kind == GroupKind::Microsoft365,
            GroupScope::Security => kind == GroupKind::Security,
            GroupScope::RoleAssignable | GroupScope::UserOwners => false,
        })
    }

    /// Whether this role may add or remove an owner of a group of `kind`; `owner_is_user`: the
    /// owner is a user (some roles may change user owners only).
    pub fn may_update_owners(
        &self,
        kind: GroupKind,
        role_assignable: bool,
        owner_is_user: bool,
    ) -> bool {
        if role_assignable {
            return self.group_owners.contains(&GroupScope::RoleAssignable);
        }
        self.group_owners.iter().any(|s| match s {
            GroupScope::Groups => kind.is_manageable(),
            GroupScope::UserOwners => kind.is_manageable() && owner_is_user,
            GroupScope::Microsoft365 => kind == GroupKind::Microsoft365,
            GroupScope::Security => kind == GroupKind::Security,
            GroupScope::RoleAssignable => false,
        })
    }

    /// The kinds of group this role's membership rights cover, for messages.
    pub fn scope_text(&self) -> &'static str {
        let has = |s| self.group_members.contains(&s);
        if has(GroupScope::Groups) && has(GroupScope::RoleAssignable) {
            "all groups"
        } else if has(GroupScope::Groups) {
            "security and Microsoft 365 groups, excluding role-assignable groups"
        } else if has(GroupScope::Microsoft365) {
            "Microsoft 365 groups only"
        } else if has(GroupScope::Security) {
            "security groups only"
        } else if has(GroupScope::RoleAssignable) {
            "role-assignable groups"
        } else {
            "no groups"
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Table {
    roles: Vec<Role>,
    #[serde(default)]
    tenant_read_app_permissions: Vec<String>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| super::parse_table("roles", include_str!("../../assets/knowledge/roles.json")))
}

pub fn all() -> &'static [Role] {
    &table().roles
}

/// Graph application permissions taken, for a service principal, as the "permissions to read the
/// objects" an AU-scoped assignment needs beside it (see `tenant_read_app_permissions` in
/// `assets/knowledge/roles.json` and its source note).
pub fn tenant_read_app_permissions() -> &'static [String] {
    &table().tenant_read_app_permissions
}

/// A role by template id (the `wids` value, `roleTemplateId`, or a built-in `roleDefinitionId`).
pub fn by_template(id: &str) -> Option<&'static Role> {
    all()
        .iter()
        .find(|r| r.template_id.eq_ignore_ascii_case(id))
}

/// A role by its portal or Graph display name.
pub fn by_name(name: &str) -> Option<&'static Role> {
    all().iter().find(|r| {
        r.name.eq_ignore_ascii_case(name)
            || r.graph_name
                .as_deref()
                .is_some_and(|g| g.eq_ignore_ascii_case(name))
    })
}

/// Display name of a template id, or the id itself when the role is not in the table.
pub fn name_of(id: &str) -> String {
    by_template(id)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// The names of the roles for which `allowed` holds, in table order, for messages:
/// "Global Administrator or Privileged Role Administrator"; `None` when no role qualifies.
pub fn names(allowed: impl Fn(&Role) -> bool) -> Option<String> {
    let names: Vec<&str> = all()
        .iter()
        .filter(|r| allowed(r))
        .map(|r| r.name.as_str())
        .collect();
    match names.split_last() {
        None => None,
        Some((last, [])) => Some(last.to_string()),
        Some((last, rest)) => Some(format!("{} or {last}", rest.join(", "))),
    }
}

/// Template ids of the well-known roles the engine names in fixes.
pub mod ids {
    pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
    pub const GROUPS_ADMINISTRATOR: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_loads_with_unique_names_and_ids() {
        let mut names = HashSet::new();
        let mut ids_seen = HashSet::new();
        for r in all() {
            assert!(names.insert(r.name.clone()), "duplicate {}", r.name);
            assert!(
                ids_seen.insert(r.template_id.clone()),
                "duplicate {}",
                r.template_id
            );
            assert!(crate::knowledge::is_guid(&r.template_id), "{}", r.name);
            assert!(!r.source.is_empty());
        }
        for id in [
            ids::GLOBAL_ADMINISTRATOR,
            ids::PRIVILEGED_ROLE_ADMINISTRATOR,
            ids::GROUPS_ADMINISTRATOR,
        ] {
            assert!(by_template(id).is_some(), "{id}");
        }
    }

    /// Every row cites a learn.microsoft.com page, except the rows still citing the design notes
    /// they were first written from.
    #[test]
    fn rows_cite_their_source() {
        for r in all() {
            assert!(
                r.source.contains("https://learn.microsoft.com/")
                    || r.source.starts_with("docs/facts.md"),
                "{}: {}",
                r.name,
                r.source
            );
        }
    }

    /// permissions-reference: the security-group membership action
    /// (microsoft.directory/groups.security/members/update) of Knowledge Administrator, Knowledge
    /// Manager and Windows 365 Administrator; the deprecated partner roles' groups/members/update.
    #[test]
    fn security_group_roles_from_their_actions() {
        for name in [
            "Knowledge Administrator",
            "Knowledge Manager",
            "Windows 365 Administrator",
        ] {
            let r = by_name(name).expect(name);
            assert!(r.may_update_members(GroupKind::Security, false), "{name}");
            assert!(
                !r.may_update_members(GroupKind::Microsoft365, false),
                "{name}"
            );
            assert!(!r.may_update_members(GroupKind::Security, true), "{name}");
        }
        assert_eq!(
            by_name("Knowledge Manager").map(|r| r.template_id.as_str()),
            Some("744ec460-397e-42ad-a462-8b3f9747a02c")
        );
        assert_eq!(
            by_name("Windows 365 Administrator").map(|r| r.template_id.as_str()),
            Some("11451d60-acb2-45eb-a7d6-43d0f0125c13")
        );
        for name in ["Partner Tier1 Support", "Partner Tier2 Support"] {
            let r = by_name(name).expect(name);
            assert!(r.may_update_members(GroupKind::Security, false), "{name}");
            assert!(
                r.may_update_members(GroupKind::Microsoft365, false),
                "{name}"
            );
            assert!(!r.may_update_members(GroupKind::Security, true), "{name}");
        }
        assert_eq!(
            by_name("Partner Tier1 Support").map(|r| r.template_id.as_str()),
            Some("4ba39ca4-527c-499a-b93d-d9b492c50246")
        );
    }

    /// admin-units-assign-roles, "Roles that can be assigned with administrative unit scope".
    #[test]
    fn au_scopable_roles_follow_admin_units_assign_roles() {
        for name in [
            "Authentication Administrator",
            "Cloud Device Administrator",
            "Groups Administrator",
            "Helpdesk Administrator",
            "License Administrator",
            "Password Administrator",
            "Printer Administrator",
            "Privileged Authentication Administrator",
            "SharePoint Administrator",
            "Teams Administrator",
            "Teams Devices Administrator",
            "User Administrator",
        ] {
            assert!(by_name(name).expect(name).au_scopable, "{name}");
        }
        for name in [
            "Global Administrator",
            "Privileged Role Administrator",
            "Exchange Administrator",
            "Intune Administrator",
            "Directory Readers",
        ] {
            assert!(!by_name(name).expect(name).au_scopable, "{name}");
        }
        // SharePoint and Teams Administrators at AU scope manage Microsoft 365 groups only.
        for name in ["SharePoint Administrator", "Teams Administrator"] {
            let r = by_name(name).expect(name);
            assert!(r.may_update_members(GroupKind::Microsoft365, false));
            assert!(!r.may_update_members(GroupKind::Security, false));
        }
    }

    /// admin-units-assign-roles, "Service principals and guest users": Directory Readers (or
    /// another role with read permissions) at tenant scope.
    #[test]
    fn tenant_read_roles() {
        let readers: Vec<&str> = all()
            .iter()
            .filter(|r| r.tenant_read)
            .map(|r| r.name.as_str())
            .collect();
        assert!(readers.contains(&"Directory Readers"), "{readers:?}");
        assert!(readers.contains(&"Global Reader"), "{readers:?}");
        assert!(!readers.contains(&"Groups Administrator"), "{readers:?}");
    }

    #[test]
    fn membership_rules_follow_facts_3a() {
        let exch = by_name("Exchange Service Administrator").expect("graph name resolves");
        assert!(exch.may_update_members(GroupKind::Microsoft365, false));
        assert!(!exch.may_update_members(GroupKind::Security, false));
        let intune = by_name("Intune Administrator").expect("present");
        assert!(intune.may_update_members(GroupKind::Security, false));
        assert!(!intune.may_update_members(GroupKind::Microsoft365, false));
        let ga = by_template(ids::GROUPS_ADMINISTRATOR).expect("present");
        assert!(ga.may_update_members(GroupKind::Security, false));
        assert!(!ga.may_update_members(GroupKind::Security, true));
        assert!(!ga.may_update_members(GroupKind::Distribution, false));
        let pra = by_template(ids::PRIVILEGED_ROLE_ADMINISTRATOR).expect("present");
        assert!(pra.may_update_members(GroupKind::Security, true));
        assert!(pra.au_members && !pra.au_scopable);
        let glob = by_template(ids::GLOBAL_ADMINISTRATOR).expect("present");
        assert!(glob.may_update_members(GroupKind::Microsoft365, true));
        assert!(glob.may_update_members(GroupKind::Security, false));
    }

    #[test]
    fn owners_rows_follow_group_post_owners() {
        let r = |name: &str| by_name(name).unwrap_or_else(|| panic!("{name}"));
        let (sec, m365) = (GroupKind::Security, GroupKind::Microsoft365);
        assert!(r("Groups Administrator").may_update_owners(sec, false, false));
        assert!(!r("Groups Administrator").may_update_owners(sec, true, true));
        assert!(r("User Administrator").may_update_owners(m365, false, true));
        assert!(!r("User Administrator").may_update_owners(m365, false, false));
        assert!(r("Exchange Administrator").may_update_owners(m365, false, false));
        assert!(!r("Exchange Administrator").may_update_owners(sec, false, true));
        assert!(r("Intune Administrator").may_update_owners(sec, false, true));
        assert!(!r("Identity Governance Administrator").may_update_owners(sec, false, true));
        assert!(r("Privileged Role Administrator").may_update_owners(sec, true, true));
        assert!(!r("Privileged Role Administrator").may_update_owners(sec, false, true));
        assert!(!r("Directory Writers").may_update_owners(GroupKind::Distribution, false, true));
        // The owners rows do not leak into membership rights.
        assert!(!r("Directory Writers")
            .group_members
            .contains(&GroupScope::UserOwners));
    }
}
