//! Membership rules no permission or role explains (`assets/knowledge/membership_rules.json`):
//! hidden membership, the Microsoft 365 groups guest policy, replication delay, the support route
//! when nothing explains a refusal, and over-privilege. Each rule carries its source.

use std::sync::OnceLock;

use serde::Deserialize;

/// Hidden membership: which visibility hides members, and the permission that lists them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HiddenMembership {
    pub visibility: String,
    pub permission: String,
    pub rule: String,
    pub source: String,
}

/// A directory setting template.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Template {
    pub name: String,
    pub id: String,
}

/// The Microsoft 365 groups guest policy.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GuestPolicy {
    pub setting: String,
    pub tenant_template: Template,
    pub group_template: Template,
    pub message: String,
    pub rule: String,
    pub source: String,
}

/// Replication delay after an object is created.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Replication {
    pub window_seconds: i64,
    pub not_found_codes: Vec<String>,
    pub not_found_phrases: Vec<String>,
    pub already_exists: String,
    pub rule: String,
    pub source: String,
}

/// Where to go when no check explains a refusal.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Support {
    pub url: String,
    pub ids: Vec<String>,
    pub rule: String,
    pub source: String,
}

/// Permissions broader than any operation needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OverPrivileged {
    pub broad: Vec<String>,
    pub rule: String,
    pub source: String,
}

#[derive(Debug, Default, Deserialize)]
struct Table {
    hidden_membership: HiddenMembership,
    guest_policy: GuestPolicy,
    replication: Replication,
    support: Support,
    over_privileged: OverPrivileged,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        super::parse_table(
            "membership_rules",
            include_str!("../../assets/knowledge/membership_rules.json"),
        )
    })
}

pub fn hidden_membership() -> &'static HiddenMembership {
    &table().hidden_membership
}

pub fn guest_policy() -> &'static GuestPolicy {
    &table().guest_policy
}

pub fn replication() -> &'static Replication {
    &table().replication
}

pub fn support() -> &'static Support {
    &table().support
}

pub fn over_privileged() -> &'static OverPrivileged {
    &table().over_privileged
}

/// The first `https://learn.microsoft.com/…` address a source names (for a check's docs).
pub fn first_doc(source: &str) -> Option<String> {
    source
        .split(|c: char| c.is_whitespace() || c == ';' || c == '(' || c == ')')
        .find(|w| w.starts_with("https://learn.microsoft.com/"))
        .map(|w| w.trim_end_matches([',', '.']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{is_guid, permissions};

    #[test]
    fn every_rule_is_present_sourced_and_consistent() {
        let h = hidden_membership();
        assert_eq!(h.visibility, "HiddenMembership");
        assert!(
            permissions::by_name(&h.permission).is_some(),
            "{}",
            h.permission
        );
        let g = guest_policy();
        assert_eq!(g.setting, "AllowToAddGuests");
        assert!(is_guid(&g.tenant_template.id) && is_guid(&g.group_template.id));
        assert_eq!(
            (
                g.tenant_template.name.as_str(),
                g.group_template.name.as_str()
            ),
            ("Group.Unified", "Group.Unified.Guest")
        );
        assert!(g
            .message
            .starts_with("Guests users are not allowed to join this Unified Group"));
        let r = replication();
        assert_eq!(r.window_seconds, 300);
        assert!(r
            .not_found_codes
            .iter()
            .any(|c| c == "Request_ResourceNotFound"));
        assert!(r
            .already_exists
            .starts_with("One or more added object references already exist"));
        let s = support();
        assert!(s.url.starts_with("https://learn.microsoft.com/"));
        assert_eq!(s.ids, ["request-id", "client-request-id", "date"]);
        let o = over_privileged();
        assert!(o.broad.iter().any(|b| b == "Directory.ReadWrite.All"));
        for source in [&h.source, &g.source, &r.source, &s.source, &o.source] {
            assert!(first_doc(source).is_some(), "{source}");
        }
        for rule in [&h.rule, &g.rule, &r.rule, &s.rule, &o.rule] {
            assert!(!rule.is_empty());
        }
    }

    #[test]
    fn first_doc_takes_the_first_learn_address() {
        assert_eq!(
            first_doc("x https://github.com/a; https://learn.microsoft.com/graph/api/a (b), c")
                .as_deref(),
            Some("https://learn.microsoft.com/graph/api/a")
        );
        assert_eq!(first_doc("none"), None);
    }
}
