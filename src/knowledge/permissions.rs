//! Microsoft Graph permissions and their ids (`assets/knowledge/permissions.json`, docs/facts.md §1).

use std::sync::OnceLock;

use serde::Deserialize;

use super::operations::Flow;

/// One Graph permission: its name and the ids it has as an app role and as a delegated scope.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Permission {
    pub name: String,
    /// The app role id (application permission), when one exists.
    pub application: Option<String>,
    /// The oauth2PermissionScope id (delegated permission), when one exists.
    pub delegated: Option<String>,
    /// Whether granting it needs an administrator.
    pub admin_consent: bool,
    pub source: String,
}

impl Permission {
    /// The id of this permission in `flow`, if it exists in that flow.
    pub fn id(&self, flow: Flow) -> Option<&str> {
        match flow {
            Flow::Delegated => self.delegated.as_deref(),
            Flow::Application => self.application.as_deref(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Table {
    permissions: Vec<Permission>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        super::parse_table(
            "permissions",
            include_str!("../../assets/knowledge/permissions.json"),
        )
    })
}

/// Every permission in the table.
pub fn all() -> &'static [Permission] {
    &table().permissions
}

/// A permission by name (case-insensitive, as Graph compares scope names).
pub fn by_name(name: &str) -> Option<&'static Permission> {
    all().iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// A permission by app-role or scope id, with the flow that id belongs to.
pub fn by_id(id: &str) -> Option<(&'static Permission, Flow)> {
    all().iter().find_map(|p| {
        if p.application
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(id))
        {
            Some((p, Flow::Application))
        } else if p
            .delegated
            .as_deref()
            .is_some_and(|d| d.eq_ignore_ascii_case(id))
        {
            Some((p, Flow::Delegated))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_loads_with_unique_names_and_guid_ids() {
        assert!(all().len() >= 30);
        let mut names = HashSet::new();
        let mut ids = HashSet::new();
        for p in all() {
            assert!(names.insert(p.name.to_lowercase()), "duplicate {}", p.name);
            assert!(!p.source.is_empty(), "{} has no source", p.name);
            assert!(
                p.application.is_some() || p.delegated.is_some(),
                "{}",
                p.name
            );
            for id in [&p.application, &p.delegated].into_iter().flatten() {
                assert!(crate::knowledge::is_guid(id), "{} id {id}", p.name);
                assert!(ids.insert(id.to_lowercase()), "duplicate id {id}");
            }
        }
    }

    #[test]
    fn known_ids_match_facts() {
        let p = by_name("groupmember.readwrite.all").expect("present");
        assert_eq!(
            p.id(Flow::Application),
            Some("dbaae8cf-10b5-4b86-a4a1-f871c94c6695")
        );
        assert_eq!(
            p.id(Flow::Delegated),
            Some("f81125ac-d3b7-4573-a3b2-7099cc39df9e")
        );
        let (u, flow) = by_id("df021288-bdef-4463-88db-98f22de89214").expect("User.Read.All");
        assert_eq!(
            (u.name.as_str(), flow),
            ("User.Read.All", Flow::Application)
        );
        assert_eq!(
            by_name("Device.ReadWrite.All").and_then(|p| p.id(Flow::Delegated)),
            None
        );
        assert!(!by_name("User.Read").expect("present").admin_consent);
    }
}
