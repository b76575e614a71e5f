//! The evidence reads and the permissions that allow them (`assets/knowledge/reads.json`,
//! docs/facts.md §8). Used to say which permission a denied read needed.

use std::sync::OnceLock;

use serde::Deserialize;

use super::operations::Flow;

/// One evidence read.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ReadRule {
    pub id: String,
    pub request: String,
    /// Permissions allowing the read with a delegated token, least privileged first.
    pub delegated: Vec<String>,
    /// Permissions allowing the read with an app-only token, least privileged first.
    pub application: Vec<String>,
    pub source: String,
}

impl ReadRule {
    pub fn permissions(&self, flow: Flow) -> &[String] {
        match flow {
            Flow::Delegated => &self.delegated,
            Flow::Application => &self.application,
        }
    }

    /// The least-privileged permission for `flow`.
    pub fn least(&self, flow: Flow) -> &str {
        self.permissions(flow)
            .first()
            .map(String::as_str)
            .unwrap_or("Directory.Read.All")
    }

    /// Whether `granted` includes a permission that allows this read.
    pub fn allowed_by(&self, flow: Flow, granted: &[String]) -> bool {
        self.permissions(flow)
            .iter()
            .any(|p| granted.iter().any(|g| g.eq_ignore_ascii_case(p)))
    }
}

#[derive(Debug, Default, Deserialize)]
struct Table {
    reads: Vec<ReadRule>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| super::parse_table("reads", include_str!("../../assets/knowledge/reads.json")))
}

pub fn all() -> &'static [ReadRule] {
    &table().reads
}

/// The rule of the read with key `id` (e.g. `group`, `member`, `oauth2_grants`).
pub fn rule(id: &str) -> Option<&'static ReadRule> {
    all().iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_read_names_existing_permissions() {
        let mut ids = std::collections::HashSet::new();
        for r in all() {
            assert!(ids.insert(r.id.clone()), "duplicate {}", r.id);
            assert!(!r.source.is_empty());
            for flow in [Flow::Delegated, Flow::Application] {
                assert!(!r.permissions(flow).is_empty(), "{} {flow:?}", r.id);
                for p in r.permissions(flow) {
                    let perm = crate::knowledge::permissions::by_name(p)
                        .unwrap_or_else(|| panic!("{p} unknown"));
                    assert!(
                        perm.id(flow).is_some(),
                        "{p} not a {flow:?} permission (read {})",
                        r.id
                    );
                }
            }
        }
        assert_eq!(
            rule("member").map(|r| r.least(Flow::Application)),
            Some("Directory.Read.All")
        );
        assert_eq!(
            rule("subscribed_skus").map(|r| r.least(Flow::Delegated)),
            Some("LicenseAssignment.Read.All")
        );
    }
}
