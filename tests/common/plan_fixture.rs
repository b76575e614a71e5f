//! A plan of many rows over one simulated tenant: `healthy-app`'s tenant and token (base
//! `_contoso`) with a fresh group and a fresh user per row, so every row's own reads differ, and
//! the rows cycling through a healthy addition and every kind of failure one app-only token
//! meets per row. Each kind's expected primary cause is the one the built-in scenario of that
//! failure expects (named beside it). Used by tests/plan.rs and benches/plan.rs.

#![allow(dead_code)]

use serde_json::{json, Value};

/// (kind, the built-in scenario whose expectation it repeats, expected primary cause).
pub const KINDS: &[(&str, &str, Option<&str>)] = &[
    ("healthy", "healthy-app", None),
    ("distribution", "distribution-group", Some("group.type")),
    (
        "mail-enabled-security",
        "mail-enabled-security",
        Some("group.type"),
    ),
    ("dynamic", "dynamic-group", Some("group.dynamic")),
    ("synced", "synced-group", Some("group.synced")),
    (
        "role-assignable",
        "role-assignable-group",
        Some("group.role_assignable"),
    ),
    ("group-not-found", "group-not-found", Some("group.exists")),
    (
        "member-not-found",
        "member-not-found",
        Some("member.object"),
    ),
    ("already-member", "already-member", Some("member.duplicate")),
    (
        "m365-into-security",
        "m365-group-into-security-group",
        Some("member.object"),
    ),
    (
        "sp-member",
        "sp-member-missing-application-permission",
        Some("auth.permission"),
    ),
    (
        "device-member",
        "device-member-missing-device-permission",
        Some("auth.permission"),
    ),
];

/// One planned row: group, member, and what the diagnosis should conclude.
pub struct Row {
    pub kind: &'static str,
    pub group: String,
    pub member: String,
    pub expect: Option<&'static str>,
}

fn group_id(i: usize) -> String {
    format!("2a000000-0000-4000-8000-{i:012}")
}

fn user_id(i: usize) -> String {
    format!("1a000000-0000-4000-8000-{i:012}")
}

/// The scenario JSON (to write to a file and load) and the rows of a plan of `n` rows.
pub fn scenario(n: usize) -> (Value, Vec<Row>) {
    let mut groups = Vec::new();
    let mut users = Vec::new();
    let mut rows = Vec::new();
    for i in 0..n {
        let (kind, _, expect) = KINDS[i % KINDS.len()];
        let g = group_id(i);
        let u = user_id(i);
        users.push(json!({"id": u, "displayName": format!("Plan User {i}"),
            "userPrincipalName": format!("plan{i}@contoso.com")}));
        let security = |extra: Value| {
            let mut v = json!({"id": g, "displayName": format!("Plan Group {i}"), "groupTypes": [],
                "mailEnabled": false, "securityEnabled": true, "mailNickname": format!("plan-{i}")});
            if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                for (k, x) in e {
                    o.insert(k.clone(), x.clone());
                }
            }
            v
        };
        let (group, member) = match kind {
            "distribution" => (
                Some(security(
                    json!({"mailEnabled": true, "securityEnabled": false}),
                )),
                u.clone(),
            ),
            "mail-enabled-security" => (Some(security(json!({"mailEnabled": true}))), u.clone()),
            "dynamic" => (
                Some(security(json!({"groupTypes": ["DynamicMembership"],
                    "membershipRule": "(user.department -eq \"Sales\")", "membershipRuleProcessingState": "On"}))),
                u.clone(),
            ),
            "synced" => (
                Some(security(json!({"onPremisesSyncEnabled": true}))),
                u.clone(),
            ),
            "role-assignable" => (
                Some(security(json!({"isAssignableToRole": true}))),
                u.clone(),
            ),
            "group-not-found" => (None, u.clone()),
            "member-not-found" => (
                Some(security(json!({}))),
                format!("1b000000-0000-4000-8000-{i:012}"),
            ),
            "already-member" => (Some(security(json!({"members": [u]}))), u.clone()),
            "m365-into-security" => (
                Some(security(json!({}))),
                "20000000-0000-4000-8000-000000000010".to_string(),
            ),
            "sp-member" => (
                Some(security(json!({}))),
                "40000000-0000-4000-8000-000000000005".to_string(),
            ),
            "device-member" => (
                Some(security(json!({}))),
                "30000000-0000-4000-8000-000000000001".to_string(),
            ),
            _ => (Some(security(json!({}))), u.clone()),
        };
        if let Some(group) = group {
            groups.push(group);
        }
        rows.push(Row {
            kind,
            group: g,
            member,
            expect,
        });
    }
    let scenario = json!({
        "base": "healthy-app",
        "name": format!("plan-{n}-rows"),
        "summary": "healthy-app's tenant with a group and a user per planned row",
        "directory": {"groups": groups, "users": users},
    });
    (scenario, rows)
}

/// The plan file of `rows`.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from("operation,target,member\n");
    for r in rows {
        out.push_str(&format!("add-group-member,{},{}\n", r.group, r.member));
    }
    out
}
