//! Microsoft's rules as data: permissions, directory roles, group types, licences.
//! The tables live in `assets/knowledge/` and are embedded at build time; each row cites its source.

/// Microsoft Graph's application id (facts.md §6a). A v2 token for Graph carries it as `aud`.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
