//! The in-memory directory a running simulated tenant serves: directory objects as Graph JSON, the
//! relationships between them (members, owners), and the role and permission records. Writes change
//! it; nothing is persisted.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use super::http::Reply;
use super::rules::{self, RoleRule};
use super::scenario::{
    AppRoleAssignment, CustomRole, GroupEligibility, PermissionGrant, RoleAssignment, Scenario,
    SubscribedSku,
};

/// The type of a directory object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
    Device,
    ServicePrincipal,
    Application,
    OrgContact,
    AdministrativeUnit,
    DirectoryRole,
}

impl Kind {
    /// The OData type name, e.g. `user`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Device => "device",
            Kind::ServicePrincipal => "servicePrincipal",
            Kind::Application => "application",
            Kind::OrgContact => "orgContact",
            Kind::AdministrativeUnit => "administrativeUnit",
            Kind::DirectoryRole => "directoryRole",
        }
    }

    /// `#microsoft.graph.user`, as Graph writes `@odata.type`.
    pub fn odata_type(self) -> String {
        format!("#microsoft.graph.{}", self.name())
    }

    /// The cast segment, e.g. `microsoft.graph.administrativeUnit`.
    pub fn from_cast(segment: &str) -> Option<Kind> {
        let name = segment.strip_prefix("microsoft.graph.")?;
        [
            Kind::User,
            Kind::Group,
            Kind::Device,
            Kind::ServicePrincipal,
            Kind::Application,
            Kind::OrgContact,
            Kind::AdministrativeUnit,
            Kind::DirectoryRole,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// A directory object: its type and its properties as Graph returns them.
#[derive(Debug, Clone)]
pub struct Object {
    pub kind: Kind,
    pub props: Map<String, Value>,
}

impl Object {
    /// The object id.
    pub fn id(&self) -> &str {
        self.props
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A string property, if set.
    pub fn str_prop(&self, name: &str) -> Option<&str> {
        self.props.get(name).and_then(Value::as_str)
    }

    /// A boolean property; unset or null reads as false.
    pub fn bool_prop(&self, name: &str) -> bool {
        self.props.get(name).and_then(Value::as_bool) == Some(true)
    }

    /// `groupTypes` (`Unified`, `DynamicMembership`).
    pub fn group_types(&self) -> Vec<&str> {
        self.props
            .get("groupTypes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// A Microsoft 365 group (`groupTypes` contains `Unified`).
    pub fn is_unified(&self) -> bool {
        self.group_types()
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"))
    }

    /// Dynamic membership: a group with `DynamicMembership`, or an AU with `membershipType` Dynamic.
    pub fn is_dynamic(&self) -> bool {
        self.group_types()
            .iter()
            .any(|t| t.eq_ignore_ascii_case("DynamicMembership"))
            || self
                .str_prop("membershipType")
                .is_some_and(|t| t.eq_ignore_ascii_case("Dynamic"))
    }

    /// Mail-enabled security or distribution group: read-only through Graph (docs/facts.md §5a).
    pub fn is_exchange_mastered_group(&self) -> bool {
        self.kind == Kind::Group && self.bool_prop("mailEnabled") && !self.is_unified()
    }
}

/// The directory of one running server.
#[derive(Debug, Clone, Default)]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    pub domains: Vec<String>,
    objects: Vec<Object>,
    index: HashMap<String, usize>,
    /// Container (group, AU, directory role) id, lower-case → direct member ids.
    members: HashMap<String, Vec<String>>,
    /// Group id, lower-case → owner ids.
    owners: HashMap<String, Vec<String>>,
    pub role_assignments: Vec<RoleAssignment>,
    pub role_eligibilities: Vec<RoleAssignment>,
    /// PIM for Groups eligibilities: they make the principal neither owner nor member.
    pub group_eligibilities: Vec<GroupEligibility>,
    /// Custom role definitions.
    pub custom_roles: Vec<CustomRole>,
    pub grants: Vec<PermissionGrant>,
    /// (service principal id, assignment).
    pub app_role_assignments: Vec<(String, AppRoleAssignment)>,
    pub skus: Vec<SubscribedSku>,
    /// `faults.max_page_size`: the most items one page holds, whatever `$top` asks.
    pub max_page_size: Option<usize>,
    /// Group settings (`groupSetting` objects as Graph returns them), each with its group id
    /// (None: tenant-wide).
    pub group_settings: Vec<(Option<String>, Value)>,
    /// `faults.replication_seconds`: writes naming an object younger than this see it missing.
    pub replication_seconds: Option<i64>,
    /// When the server started (unix seconds): `createdDateTime` offsets count from it.
    pub started: i64,
}

/// Seconds before the start an object was created when its scenario does not say.
const DEFAULT_AGE: i64 = 3600;

/// A scenario's `createdDateTime` (offset in seconds from `started`, or a string as written),
/// in Graph's form (`2026-12-03T17:29:25Z`).
fn created_at(given: Option<&Value>, started: i64) -> Value {
    let at = match given {
        Some(Value::String(s)) => return json!(s),
        Some(v) => started + v.as_i64().unwrap_or(-DEFAULT_AGE),
        None => started - DEFAULT_AGE,
    };
    match chrono::DateTime::from_timestamp(at, 0) {
        Some(t) => json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        None => Value::Null,
    }
}

fn key(id: &str) -> String {
    id.to_ascii_lowercase()
}

/// Serializes a scenario object and removes the relationship fields, which are kept apart.
fn props_of<T: serde::Serialize>(obj: &T, strip: &[&str]) -> Map<String, Value> {
    let mut map = match serde_json::to_value(obj) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for s in strip {
        map.remove(*s);
    }
    map
}

impl Tenant {
    /// Builds the directory a scenario describes.
    pub fn from_scenario(s: &Scenario) -> Tenant {
        let d = &s.directory;
        let mut t = Tenant {
            id: s.tenant.id.clone(),
            display_name: s.tenant.display_name.clone(),
            domains: s.tenant.verified_domains.clone(),
            role_assignments: d.role_assignments.clone(),
            role_eligibilities: d.role_eligibility_schedules.clone(),
            group_eligibilities: d.group_eligibility_schedule_instances.clone(),
            custom_roles: d.role_definitions.clone(),
            grants: d.oauth2_permission_grants.clone(),
            skus: d.subscribed_skus.clone(),
            max_page_size: s.faults.max_page_size,
            replication_seconds: s.faults.replication_seconds,
            started: chrono::Utc::now().timestamp(),
            ..Tenant::default()
        };
        for gs in &d.group_settings {
            let mut v = props_of(gs, &["groupId"]);
            v.insert("@odata.type".into(), json!("#microsoft.graph.groupSetting"));
            t.group_settings
                .push((gs.group_id.clone(), Value::Object(v)));
        }
        for u in &d.users {
            let mut p = props_of(u, &[]);
            p.entry("mail").or_insert(Value::Null);
            p.insert(
                "createdDateTime".into(),
                created_at(u.created_date_time.as_ref(), t.started),
            );
            t.insert(Kind::User, p);
        }
        for g in &d.groups {
            t.members.insert(key(&g.id), g.members.clone());
            t.owners.insert(key(&g.id), g.owners.clone());
            let mut p = props_of(g, &["owners", "members"]);
            p.insert(
                "createdDateTime".into(),
                created_at(g.created_date_time.as_ref(), t.started),
            );
            t.insert(Kind::Group, p);
        }
        for x in &d.devices {
            t.insert(Kind::Device, props_of(x, &[]));
        }
        for sp in &d.service_principals {
            for a in &sp.app_role_assignments {
                t.app_role_assignments.push((sp.id.clone(), a.clone()));
            }
            t.insert(
                Kind::ServicePrincipal,
                props_of(sp, &["appRoleAssignments"]),
            );
        }
        for a in &d.applications {
            t.insert(Kind::Application, props_of(a, &[]));
        }
        for c in &d.org_contacts {
            t.insert(Kind::OrgContact, props_of(c, &[]));
        }
        for au in &d.administrative_units {
            t.members.insert(key(&au.id), au.members.clone());
            let mut p = props_of(au, &["members"]);
            if p.get("membershipType").is_none_or(Value::is_null) {
                p.insert("membershipType".into(), Value::Null);
            }
            t.insert(Kind::AdministrativeUnit, p);
        }
        for r in &d.directory_roles {
            t.members.insert(key(&r.id), r.members.clone());
            let mut p = props_of(r, &["members"]);
            if p.get("description").is_none_or(Value::is_null) {
                let template = p.get("roleTemplateId").and_then(Value::as_str);
                let description = template.and_then(rules::role_description);
                p.insert("description".into(), json!(description));
            }
            t.insert(Kind::DirectoryRole, p);
        }
        t.sync_roles();
        t
    }

    /// Keeps the two views of tenant-wide roles consistent, as Graph does: every member of an
    /// activated `directoryRole` has a tenant-wide `roleAssignment`, and every tenant-wide assignment
    /// makes its principal a member of the (activated on first use) `directoryRole`.
    fn sync_roles(&mut self) {
        let roles: Vec<(String, String)> = self
            .all(Kind::DirectoryRole)
            .map(|r| {
                (
                    r.id().to_string(),
                    r.str_prop("roleTemplateId").unwrap_or_default().to_string(),
                )
            })
            .collect();
        for (role_id, template) in &roles {
            for m in self.members.get(&key(role_id)).cloned().unwrap_or_default() {
                let exists = self.role_assignments.iter().any(|a| {
                    a.directory_scope_id == "/"
                        && a.principal_id.eq_ignore_ascii_case(&m)
                        && a.role_definition_id.eq_ignore_ascii_case(template)
                });
                if !exists {
                    self.role_assignments.push(RoleAssignment {
                        id: format!("{template}_{m}"),
                        principal_id: m.clone(),
                        role_definition_id: template.clone(),
                        directory_scope_id: "/".into(),
                    });
                }
            }
        }
        let tenant_wide: Vec<(String, String)> = self
            .role_assignments
            .iter()
            .filter(|a| a.directory_scope_id == "/")
            .map(|a| (a.role_definition_id.clone(), a.principal_id.clone()))
            .collect();
        for (template, principal) in tenant_wide {
            let existing = self
                .all(Kind::DirectoryRole)
                .find(|r| {
                    r.str_prop("roleTemplateId")
                        .is_some_and(|t| t.eq_ignore_ascii_case(&template))
                })
                .map(|r| r.id().to_string());
            let role_id = match existing {
                Some(id) => id,
                None => {
                    let Some(rule) = rules::role_rule(&template) else {
                        continue;
                    };
                    // Activated on first assignment; a deterministic id derived from the template.
                    let id = format!("d1{}", template.get(2..).unwrap_or_default());
                    let mut p = Map::new();
                    p.insert("id".into(), json!(id));
                    p.insert("displayName".into(), json!(rule.name));
                    p.insert(
                        "description".into(),
                        json!(rules::role_description(&template)),
                    );
                    p.insert("roleTemplateId".into(), json!(template));
                    self.insert(Kind::DirectoryRole, p);
                    id
                }
            };
            if !self.is_member(&role_id, &principal) {
                self.add_member(&role_id, &principal);
            }
        }
    }

    fn insert(&mut self, kind: Kind, props: Map<String, Value>) {
        let obj = Object { kind, props };
        self.index.insert(key(obj.id()), self.objects.len());
        self.objects.push(obj);
    }

    /// Adds a new object (a group created in an AU).
    pub fn add_object(&mut self, kind: Kind, props: Map<String, Value>) {
        if kind == Kind::Group {
            if let Some(id) = props.get("id").and_then(Value::as_str) {
                self.members.insert(key(id), Vec::new());
                self.owners.insert(key(id), Vec::new());
            }
        }
        self.insert(kind, props);
    }

    /// Any directory object by id (case-insensitive, as Graph matches ids).
    pub fn get(&self, id: &str) -> Option<&Object> {
        self.index.get(&key(id)).and_then(|&i| self.objects.get(i))
    }

    /// An object of one type by id.
    pub fn get_kind(&self, id: &str, kind: Kind) -> Option<&Object> {
        self.get(id).filter(|o| o.kind == kind)
    }

    /// Every object of one type, in scenario order.
    pub fn all(&self, kind: Kind) -> impl Iterator<Item = &Object> {
        self.objects.iter().filter(move |o| o.kind == kind)
    }

    /// The service principal of an application (by appId).
    pub fn sp_by_app_id(&self, app_id: &str) -> Option<&Object> {
        self.all(Kind::ServicePrincipal).find(|o| {
            o.str_prop("appId")
                .is_some_and(|a| a.eq_ignore_ascii_case(app_id))
        })
    }

    /// The application registration of an appId.
    pub fn app_by_app_id(&self, app_id: &str) -> Option<&Object> {
        self.all(Kind::Application).find(|o| {
            o.str_prop("appId")
                .is_some_and(|a| a.eq_ignore_ascii_case(app_id))
        })
    }

    /// Direct members of a group, AU or directory role (existing objects only).
    pub fn members(&self, container: &str) -> Vec<&Object> {
        self.members
            .get(&key(container))
            .map(|ids| ids.iter().filter_map(|id| self.get(id)).collect())
            .unwrap_or_default()
    }

    /// Whether `member` is a direct member of `container`.
    pub fn is_member(&self, container: &str, member: &str) -> bool {
        self.members
            .get(&key(container))
            .is_some_and(|ids| ids.iter().any(|m| m.eq_ignore_ascii_case(member)))
    }

    /// Adds a direct member (the caller checked Graph's rules).
    pub fn add_member(&mut self, container: &str, member: &str) {
        self.members
            .entry(key(container))
            .or_default()
            .push(member.to_string());
    }

    /// Removes a direct member.
    pub fn remove_member(&mut self, container: &str, member: &str) {
        if let Some(ids) = self.members.get_mut(&key(container)) {
            ids.retain(|m| !m.eq_ignore_ascii_case(member));
        }
    }

    /// The owners of a group.
    pub fn owners(&self, group: &str) -> Vec<&Object> {
        self.owners
            .get(&key(group))
            .map(|ids| ids.iter().filter_map(|id| self.get(id)).collect())
            .unwrap_or_default()
    }

    /// Adds an owner (the caller checked Graph's rules).
    pub fn add_owner(&mut self, group: &str, owner: &str) {
        self.owners
            .entry(key(group))
            .or_default()
            .push(owner.to_string());
    }

    /// Removes an owner.
    pub fn remove_owner(&mut self, group: &str, owner: &str) {
        if let Some(ids) = self.owners.get_mut(&key(group)) {
            ids.retain(|m| !m.eq_ignore_ascii_case(owner));
        }
    }

    /// Whether `principal` owns `group`.
    pub fn is_owner(&self, group: &str, principal: &str) -> bool {
        self.owners
            .get(&key(group))
            .is_some_and(|ids| ids.iter().any(|m| m.eq_ignore_ascii_case(principal)))
    }

    /// The objects `principal` owns (user-list-ownedobjects:
    /// https://learn.microsoft.com/graph/api/user-list-ownedobjects).
    pub fn owned_by(&self, principal: &str) -> Vec<&Object> {
        self.objects
            .iter()
            .filter(|o| self.is_owner(o.id(), principal))
            .collect()
    }

    /// Groups, AUs and directory roles that directly contain `id`.
    pub fn member_of(&self, id: &str) -> Vec<&Object> {
        self.objects
            .iter()
            .filter(|o| {
                matches!(
                    o.kind,
                    Kind::Group | Kind::AdministrativeUnit | Kind::DirectoryRole
                ) && self.is_member(o.id(), id)
            })
            .collect()
    }

    /// Every container reached from `id` through nested group membership.
    pub fn transitive_member_of(&self, id: &str) -> Vec<&Object> {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut out = Vec::new();
        let mut queue = vec![id.to_string()];
        while let Some(next) = queue.pop() {
            for c in self.member_of(&next) {
                if seen.insert(key(c.id())) {
                    if c.kind == Kind::Group {
                        queue.push(c.id().to_string());
                    }
                    out.push(c);
                }
            }
        }
        out
    }

    /// AUs that contain `id` directly.
    pub fn aus_of(&self, id: &str) -> Vec<&Object> {
        self.member_of(id)
            .into_iter()
            .filter(|o| o.kind == Kind::AdministrativeUnit)
            .collect()
    }

    /// The active roles of a principal, directly or through (role-assignable) groups, with their
    /// scope (`/` or `/administrativeUnits/{id}`). Activated `directoryRole` memberships are tenant-wide
    /// assignments too (see `sync_roles`). PIM eligibilities do not count (they must be activated first, docs/facts.md §8).
    pub fn active_roles(&self, principal: &str) -> Vec<(RoleRule, String)> {
        let mut principals = vec![key(principal)];
        principals.extend(
            self.transitive_member_of(principal)
                .into_iter()
                .filter(|o| o.kind == Kind::Group)
                .map(|o| key(o.id())),
        );
        let mut out = Vec::new();
        for a in &self.role_assignments {
            if principals.contains(&key(&a.principal_id)) {
                if let Some(rule) = rules::role_rule(&a.role_definition_id) {
                    out.push((*rule, a.directory_scope_id.clone()));
                } else if let Some(c) = self
                    .custom_roles
                    .iter()
                    .find(|c| c.id.eq_ignore_ascii_case(&a.role_definition_id))
                {
                    out.push((
                        rules::custom_rule(&c.allowed_resource_actions),
                        a.directory_scope_id.clone(),
                    ));
                }
            }
        }
        out
    }

    /// The `organization` object.
    pub fn organization(&self) -> Value {
        let domains: Vec<Value> = self
            .domains
            .iter()
            .enumerate()
            .map(|(i, d)| {
                json!({"capabilities": "Email, OfficeCommunicationsOnlineService", "isDefault": i == self.domains.len().saturating_sub(1),
                       "isInitial": i == 0, "name": d, "type": "Managed"})
            })
            .collect();
        json!({"id": self.id, "displayName": self.display_name, "verifiedDomains": domains})
    }
}

/// A GUID-shaped object id.
impl Tenant {
    /// Whether `o` was created too recently for every replica to know it
    /// (`faults.replication_seconds`), so that a write naming it sees it missing.
    pub fn replicating(&self, o: &Object) -> bool {
        let Some(window) = self.replication_seconds else {
            return false;
        };
        let now = chrono::Utc::now().timestamp();
        o.str_prop("createdDateTime")
            .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
            .is_some_and(|c| now - c.timestamp() < window)
    }

    /// The group settings of `group` (None: the tenant-wide ones).
    pub fn settings_of(&self, group: Option<&str>) -> Vec<&Value> {
        self.group_settings
            .iter()
            .filter(|(g, _)| match (g, group) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            })
            .map(|(_, v)| v)
            .collect()
    }

    /// `AllowToAddGuests` is false in the tenant's Group.Unified setting or in the group's
    /// Group.Unified.Guest setting (either blocks; no setting object means the default, true).
    pub fn guests_blocked(&self, group: &str) -> bool {
        let rule = crate::knowledge::membership::guest_policy();
        let says_false = |v: &Value, template: &str| {
            v.get("templateId")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(template))
                && v.get("values")
                    .and_then(Value::as_array)
                    .is_some_and(|vals| {
                        vals.iter().any(|x| {
                            x.get("name").and_then(Value::as_str) == Some(rule.setting.as_str())
                                && x.get("value")
                                    .and_then(Value::as_str)
                                    .is_some_and(|b| b.eq_ignore_ascii_case("false"))
                        })
                    })
        };
        self.settings_of(None)
            .iter()
            .any(|v| says_false(v, &rule.tenant_template.id))
            || self
                .settings_of(Some(group))
                .iter()
                .any(|v| says_false(v, &rule.group_template.id))
    }
}

pub fn looks_like_id(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// 404 for an id that could exist; 400 "Invalid object identifier" for one that cannot be an
/// object id at all (Graph's answer to `GET /groups/sales`).
pub fn missing(t: &Tenant, id: &str) -> Reply {
    if looks_like_id(id) || t.get(id).is_some() {
        Reply::not_found(id)
    } else {
        Reply::bad_request(
            "Request_BadRequest",
            format!("Invalid object identifier '{id}'."),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Tenant {
        Tenant::from_scenario(&Scenario::load("healthy-app").expect("loads"))
    }

    #[test]
    fn tenant_wide_assignments_activate_directory_roles() {
        let t = tenant();
        let ada = "10000000-0000-4000-8000-000000000001";
        let roles: Vec<&str> = t
            .transitive_member_of(ada)
            .into_iter()
            .filter(|o| o.kind == Kind::DirectoryRole)
            .filter_map(|o| o.str_prop("displayName"))
            .collect();
        assert_eq!(roles, vec!["Groups Administrator"]);
        // AU-scoped assignments do not make directory-role members.
        let aria = "10000000-0000-4000-8000-000000000006";
        assert!(t
            .transitive_member_of(aria)
            .iter()
            .all(|o| o.kind != Kind::DirectoryRole));
        let scoped = t.active_roles(aria);
        assert_eq!(scoped.len(), 1);
        assert!(scoped[0].1.starts_with("/administrativeUnits/"));
        // PIM eligibility grants nothing.
        assert!(t
            .active_roles("10000000-0000-4000-8000-000000000005")
            .is_empty());
    }

    #[test]
    fn group_kinds_and_membership() {
        let mut t = tenant();
        let dl = t.get("20000000-0000-4000-8000-000000000003").expect("dl");
        assert!(dl.is_exchange_mastered_group() && !dl.is_unified());
        let m365 = t.get("20000000-0000-4000-8000-000000000002").expect("m365");
        assert!(m365.is_unified() && !m365.is_exchange_mastered_group());
        assert!(t
            .get("20000000-0000-4000-8000-000000000005")
            .expect("dyn")
            .is_dynamic());
        let g = "20000000-0000-4000-8000-000000000001";
        let ben = "10000000-0000-4000-8000-000000000002";
        assert!(!t.is_member(g, ben));
        t.add_member(g, ben);
        assert!(t.is_member(g, &ben.to_ascii_uppercase()));
        t.remove_member(g, ben);
        assert!(!t.is_member(g, ben));
        assert_eq!(t.aus_of("20000000-0000-4000-8000-000000000008").len(), 1);
    }
}
