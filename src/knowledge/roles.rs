//! Directory roles (`assets/knowledge/roles.json`, facts.md §2, §3b, §3c, §4): template ids as
//! they appear in `wids` and `roleTemplateId`, and what each role allows for our operations.

use std::sync::OnceLock;

use serde::Deserialize;

use super::group_types::GroupKind;

/// A kind of group whose members a role may update (the role actions of facts.md §3b).
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
}

/// A built-in directory role.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub template_id: String,
    /// The display name Graph and PowerShell use where it differs from the portal's.
    pub graph_name: Option<String>,
    pub group_members: Vec<GroupScope>,
    pub au_members: bool,
    pub au_scopable: bool,
    pub create_group_in_au: bool,
    pub source: String,
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
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| super::parse_table("roles", include_str!("../../assets/knowledge/roles.json")))
}

pub fn all() -> &'static [Role] {
    &table().roles
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
}
