//! Microsoft's rules as data: permissions, directory roles, operation requirements, evidence
//! reads, licences and group kinds.
//!
//! The tables live in `assets/knowledge/*.json`, are embedded at build time with `include_str!`
//! and parsed once. Every row cites its source (a section of `docs/facts.md`, a seed, a learn page), so a
//! change in Microsoft's rules is a one-line edit in a table, not a code change.

pub mod group_types;
pub mod licences;
pub mod membership;
pub mod operations;
pub mod permission_map;
pub mod permissions;
pub mod reads;
pub mod role_definitions;
pub mod roles;

pub use group_types::{GroupKind, MemberKind};
pub use operations::{Flow, Requirement};
pub use permissions::Permission;
pub use roles::{GroupScope, Role};

/// Microsoft Graph's application id (docs/facts.md §6a). A v2 token for Graph carries it as `aud`.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Parses an embedded table. The tables are part of the binary and covered by unit tests, so a
/// parse error is a build defect: it is reported loudly and the table is treated as empty rather
/// than panicking at run time.
fn parse_table<T: serde::de::DeserializeOwned + Default>(name: &str, text: &str) -> T {
    match serde_json::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(table = name, error = %e, "embedded knowledge table is malformed");
            T::default()
        }
    }
}

/// True when `s` is a lower- or upper-case GUID in 8-4-4-4-12 form.
pub fn is_guid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}
