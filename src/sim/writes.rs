//! The membership writes and the rules Graph enforces on them (docs/facts.md §3–§5):
//!
//! - `POST /groups/{id}/members/$ref`, `PATCH /groups/{id}` (and `POST /groups/{id}/members`) with
//!   `members@odata.bind` (at most 20), `DELETE /groups/{id}/members/{id}/$ref`;
//! - `POST /directory/administrativeUnits/{id}/members/$ref` and `…/members` (create a group in the AU),
//!   `DELETE /directory/administrativeUnits/{id}/members/{id}/$ref`;
//! - `POST /groups/{id}/owners/$ref`, `DELETE /groups/{id}/owners/{id}/$ref`.
//!
//! The order of the rules is the order Graph's answers are given in: permission (403), existence
//! (404), group kind (400/403), the member type's extra permission, role-assignable and restricted
//! AU requirements and the delegated caller's role (403), member type and duplicates (400).

use serde_json::{json, Map, Value};

use super::http::CONTEXT_ROOT;
use super::http::{Call, Caller, Reply};
use super::rules::{self, RoleRule};
use super::tenant::missing;
use super::tenant::{Kind, Object, Tenant};

/// Corpus: already-exists-owners-pnpframework139 (the same message names `members` for members).
/// Graph's answer when one request names the same object twice (corpus
/// duplicate-in-odatabind-contoso1), with the internal property lists left empty.
fn duplicate_in_request(t: &Tenant, id: &str, group_id: &str) -> String {
    let kind = t
        .get(id)
        .map(|o| o.kind.name())
        .unwrap_or("DirectoryObject");
    let mut resource = kind.to_string();
    if let Some(first) = resource.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    format!(
        "Object '[ResourceType={resource},Id={id},ChangedProperties=[],NonDefaultProperties=[]]' referenced from '[ResourceType=Group,Id={group_id},ChangedProperties=[],NonDefaultProperties=[]]' can only be present once as an add/remove change."
    )
}

pub const ALREADY_EXISTS: &str =
    "One or more added object references already exist for the following modified properties: 'members'.";
/// The README of the corpus: writes to mail-enabled security and distribution groups.
pub const MAIL_ENABLED: &str =
    "Cannot Update a mail-enabled security groups and or distribution list.";
/// Corpus: onprem-synced-extattr-adowiki-scenarioA.
pub const ON_PREMISES: &str = "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.";
/// Corpus: create-mail-enabled-group-contrib8276.
pub const MAIL_ENABLED_CREATE: &str = "The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset and the security-enablement property is set.";
/// An object that cannot be a member of this kind of group or AU (message UNCONFIRMED).
pub const UNSUPPORTED_MEMBER: &str =
    "Unsupported referenced-object resource identifier for link property 'members'.";
/// Group-post-members: "you can add up to only 20 members" (message UNCONFIRMED).
pub const MAX_BIND: usize = 20;

/// A group created moments ago, named by an add before it replicated:
/// https://learn.microsoft.com/graph/api/group-post-members ("might return a 400 Bad Request error
/// with the message: …").
pub const NOT_REPLICATED: &str =
    "The source resource object or one of the objects being referenced do not exist.";

/// Graph's 403 when the Microsoft 365 groups guest policy blocks a guest (corpus: the message as
/// https://github.com/MicrosoftDocs/microsoft-365-docs/issues/11991 quotes it, with its trailer).
fn guests_blocked_message() -> String {
    format!(
        "{} paramName: Members, paramValue: , objectType: Microsoft.Online.DirectoryServices.Group",
        crate::knowledge::membership::guest_policy().message
    )
}

/// The object id an `@odata.id` reference names (its last path segment).
fn reference_id(value: &Value) -> Result<String, Reply> {
    let Some(text) = value.as_str() else {
        return Err(Reply::bad_request(
            "Request_BadRequest",
            "Invalid object identifier: an '@odata.id' reference must be a string.",
        ));
    };
    let id = text
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim();
    let id = id
        .strip_prefix("directoryObjects(")
        .or_else(|| id.strip_prefix("users("))
        .map(|r| r.trim_end_matches(')').trim_matches('\''))
        .unwrap_or(id);
    if id.is_empty() || id.contains(' ') {
        return Err(Reply::bad_request(
            "Request_BadRequest",
            format!("Invalid object identifier '{text}'."),
        ));
    }
    Ok(id.to_string())
}

fn body_object(call: &Call) -> Result<&Map<String, Value>, Reply> {
    call.body
        .as_ref()
        .and_then(Value::as_object)
        .ok_or_else(|| Reply::bad_request("BadRequest", "Empty Payload. JSON content expected."))
}

fn ref_member(call: &Call) -> Result<String, Reply> {
    let body = body_object(call)?;
    match body.get("@odata.id") {
        Some(v) => reference_id(v),
        None => Err(Reply::bad_request(
            "BadRequest",
            "The request body must hold an '@odata.id' reference to the directory object to add.",
        )),
    }
}

/// Restricted-management AUs that hold `group` (docs/facts.md §4c).
fn restricted_aus<'a>(t: &'a Tenant, group: &str) -> Vec<&'a Object> {
    t.aus_of(group)
        .into_iter()
        .filter(|au| au.bool_prop("isMemberManagementRestricted"))
        .collect()
}

fn au_scope(au: &str) -> String {
    format!("/administrativeUnits/{au}")
}

/// Can `caller` use its roles assigned at an administrative unit's scope? Service principals and
/// guest users only while they also hold a role that reads the directory at tenant scope
/// ("Service principals and guest users",
/// https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-assign-roles);
/// for a service principal the sim also takes an application permission that reads the whole
/// directory ([`rules::TENANT_READ_APP_PERMISSIONS`]).
fn can_use_scoped_roles(t: &Tenant, caller: &Caller) -> bool {
    let guest = caller.delegated()
        && t.get_kind(&caller.oid, Kind::User)
            .and_then(|u| u.str_prop("userType"))
            .is_some_and(|u| u.eq_ignore_ascii_case("Guest"));
    if caller.delegated() && !guest {
        return true;
    }
    let reads = t.active_roles(&caller.oid).iter().any(|(rule, scope)| {
        scope == "/"
            && rules::TENANT_READ_ROLES
                .iter()
                .any(|id| id.eq_ignore_ascii_case(rule.template_id))
    });
    reads || (!caller.delegated() && caller.has_own(rules::TENANT_READ_APP_PERMISSIONS))
}

/// May `caller` change the membership of `group`? Graph permissions are checked before; this is
/// the directory side: restricted AUs (§4c, applications included), then for delegated callers
/// ownership or a role whose reach covers the group (§3a, §3b), role-assignable groups (§3c).
fn may_manage_members(t: &Tenant, caller: &Caller, group: &Object) -> bool {
    let unified = group.is_unified();
    may_manage(t, caller, group, |rule| rule.groups.covers(unified))
}

/// The directory side of a change to `group`'s members or owners, given which roles allow it
/// (`allows`): in a restricted AU only roles assigned at that unit's scope count (tenant-wide
/// roles, owners and Graph application permissions do not, and a role-assignable group there
/// cannot change at all, §4c); app-only callers need nothing more; delegated callers are owners,
/// or hold such a role tenant-wide or (when they can use AU-scoped roles) at an AU that holds the
/// group; role-assignable groups take the roles that manage them, tenant-wide (§3c).
fn may_manage(
    t: &Tenant,
    caller: &Caller,
    group: &Object,
    allows: impl Fn(&RoleRule) -> bool,
) -> bool {
    let role_assignable = group.bool_prop("isAssignableToRole");
    let roles = t.active_roles(&caller.oid);
    let scoped_usable = can_use_scoped_roles(t, caller);
    let restricted = restricted_aus(t, group.id());
    if !restricted.is_empty() {
        if role_assignable {
            return false;
        }
        return scoped_usable
            && restricted.iter().any(|au| {
                let scope = au_scope(au.id());
                roles
                    .iter()
                    .any(|(rule, s)| s.eq_ignore_ascii_case(&scope) && allows(rule))
            });
    }
    if !caller.delegated() {
        return true;
    }
    if t.is_owner(group.id(), &caller.oid) {
        return true;
    }
    if role_assignable {
        return roles
            .iter()
            .any(|(rule, s)| s == "/" && rule.role_assignable);
    }
    let group_aus: Vec<String> = t
        .aus_of(group.id())
        .iter()
        .map(|au| au_scope(au.id()))
        .collect();
    roles.iter().any(|(rule, scope)| {
        allows(rule)
            && (scope == "/"
                || (scoped_usable && group_aus.iter().any(|s| s.eq_ignore_ascii_case(scope))))
    })
}

/// Can an object of this kind join this group (docs/facts.md §5b; role-assignable groups: no nesting, §3c)?
fn member_type_allowed(group: &Object, member: &Object) -> bool {
    match member.kind {
        Kind::User => true,
        _ if group.is_unified() => false,
        Kind::Group => !member.is_unified() && !group.bool_prop("isAssignableToRole"),
        Kind::Device | Kind::ServicePrincipal | Kind::OrgContact => true,
        _ => false,
    }
}

/// Every rule for adding `member_id` to `group_id`, in Graph's order. `Ok` means Graph accepts it.
fn check_group_add(
    t: &Tenant,
    caller: &Caller,
    group_id: &str,
    member_id: &str,
) -> Result<(), Reply> {
    if !caller.has_any(rules::GROUP_MEMBER_WRITE) {
        return Err(Reply::denied());
    }
    let group = t
        .get_kind(group_id, Kind::Group)
        .ok_or_else(|| missing(t, group_id))?;
    let member = t.get(member_id).ok_or_else(|| missing(t, member_id))?;
    // Objects created moments ago have not reached every replica yet (faults.replication_seconds).
    if t.replicating(member) {
        return Err(missing(t, member_id));
    }
    if t.replicating(group) {
        return Err(Reply::bad_request("Request_BadRequest", NOT_REPLICATED));
    }
    if group.is_exchange_mastered_group() {
        return Err(Reply::bad_request("Request_BadRequest", MAIL_ENABLED));
    }
    if group.is_dynamic() {
        // The real answer is UNCONFIRMED (docs/facts.md §5c); the corpus shows the generic 403 for
        // membership writes on dynamic groups (create-dynamic-unified-group-with-members-contrib4903).
        return Err(Reply::denied());
    }
    if group
        .props
        .get("onPremisesSyncEnabled")
        .and_then(Value::as_bool)
        == Some(true)
    {
        return Err(Reply::bad_request("Request_BadRequest", ON_PREMISES));
    }
    let extra = rules::member_extra(member.kind.name(), caller.delegated());
    if !extra.is_empty() && !caller.has_any(extra) {
        return Err(Reply::denied());
    }
    if group.bool_prop("isAssignableToRole") && !caller.has_own(rules::ROLE_ASSIGNABLE_WRITE) {
        return Err(Reply::denied());
    }
    if !may_manage_members(t, caller, group) {
        return Err(Reply::denied());
    }
    if !member_type_allowed(group, member) {
        return Err(Reply::bad_request("Request_BadRequest", UNSUPPORTED_MEMBER));
    }
    if group.is_unified()
        && member.kind == Kind::User
        && member
            .str_prop("userType")
            .is_some_and(|u| u.eq_ignore_ascii_case("Guest"))
        && t.guests_blocked(group.id())
    {
        return Err(Reply::error(
            403,
            "Authorization_RequestDenied",
            guests_blocked_message(),
        ));
    }
    if t.is_member(group.id(), member.id()) {
        return Err(Reply::bad_request("Request_BadRequest", ALREADY_EXISTS));
    }
    Ok(())
}

/// `POST /groups/{id}/members/$ref`.
pub fn add_group_member(t: &mut Tenant, call: &Call, caller: &Caller, group_id: &str) -> Reply {
    let member = match ref_member(call) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if let Err(r) = check_group_add(t, caller, group_id, &member) {
        return r;
    }
    let member = t.get(&member).map(|o| o.id().to_string()).unwrap_or(member);
    t.add_member(group_id, &member);
    Reply::no_content()
}

/// `PATCH /groups/{id}` (or `POST /groups/{id}/members`) with `members@odata.bind`: all or nothing.
pub fn bind_group_members(t: &mut Tenant, call: &Call, caller: &Caller, group_id: &str) -> Reply {
    let body = match body_object(call) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Some(other) = body.keys().find(|k| k.as_str() != "members@odata.bind") {
        return Reply::bad_request(
            "Request_BadRequest",
            format!("The simulated tenant only updates 'members@odata.bind' on a group; '{other}' is not supported."),
        );
    }
    let Some(refs) = body.get("members@odata.bind").and_then(Value::as_array) else {
        return Reply::bad_request(
            "Request_BadRequest",
            "'members@odata.bind' must be an array of directory object references.",
        );
    };
    if refs.len() > MAX_BIND {
        return Reply::bad_request(
            "Request_BadRequest",
            format!("Too many members in one request: at most {MAX_BIND} members can be added at a time; {} were given.", refs.len()),
        );
    }
    let mut ids: Vec<String> = Vec::new();
    for r in refs {
        let id = match reference_id(r) {
            Ok(id) => id,
            Err(e) => return e,
        };
        if let Err(e) = check_group_add(t, caller, group_id, &id) {
            return e;
        }
        if ids.iter().any(|x| x.eq_ignore_ascii_case(&id)) {
            // The same object twice in one request (corpus duplicate-in-odatabind-contoso1).
            return Reply::bad_request(
                "Request_BadRequest",
                duplicate_in_request(t, &id, group_id),
            );
        }
        ids.push(id);
    }
    if ids.is_empty() && !caller.has_any(rules::GROUP_MEMBER_WRITE) {
        return Reply::denied();
    }
    for id in ids {
        t.add_member(group_id, &id);
    }
    Reply::no_content()
}

/// `DELETE /groups/{id}/members/{member}/$ref`.
pub fn remove_group_member(t: &mut Tenant, caller: &Caller, group_id: &str, member: &str) -> Reply {
    if !caller.has_any(rules::GROUP_MEMBER_WRITE) {
        return Reply::denied();
    }
    let Some(group) = t.get_kind(group_id, Kind::Group) else {
        return missing(t, group_id);
    };
    if group.is_exchange_mastered_group() {
        return Reply::bad_request("Request_BadRequest", MAIL_ENABLED);
    }
    if group.is_dynamic() {
        return Reply::denied();
    }
    if group
        .props
        .get("onPremisesSyncEnabled")
        .and_then(Value::as_bool)
        == Some(true)
    {
        return Reply::bad_request("Request_BadRequest", ON_PREMISES);
    }
    if group.bool_prop("isAssignableToRole") && !caller.has_own(rules::ROLE_ASSIGNABLE_WRITE) {
        return Reply::denied();
    }
    if !may_manage_members(t, caller, group) {
        return Reply::denied();
    }
    if !t.is_member(group_id, member) {
        return Reply::not_found(member);
    }
    t.remove_member(group_id, member);
    Reply::no_content()
}

/// `POST /directory/administrativeUnits/{id}/members/$ref` (docs/facts.md §4a).
pub fn add_au_member(t: &mut Tenant, call: &Call, caller: &Caller, au_id: &str) -> Reply {
    let member_id = match ref_member(call) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if !caller.has_any(rules::AU_MEMBER_WRITE) {
        return Reply::denied();
    }
    let Some(au) = t.get_kind(au_id, Kind::AdministrativeUnit) else {
        return missing(t, au_id);
    };
    let Some(member) = t.get(&member_id) else {
        return missing(t, &member_id);
    };
    // "the calling principal must be assigned at least the Privileged Role Administrator" role,
    // for applications as well as users.
    let roles = t.active_roles(&caller.oid);
    if !roles.iter().any(|(rule, s)| s == "/" && rule.au_members) {
        return Reply::denied();
    }
    if au.is_dynamic() {
        // Dynamic AUs change only through their rule (docs/facts.md §4a); the answer is UNCONFIRMED.
        return Reply::denied();
    }
    let allowed = match member.kind {
        Kind::User | Kind::Device => true,
        // Restricted AUs take only security groups (docs/facts.md §4c).
        Kind::Group => {
            !au.bool_prop("isMemberManagementRestricted")
                || (!member.is_unified() && !member.bool_prop("mailEnabled"))
        }
        _ => false,
    };
    if !allowed {
        return Reply::bad_request("Request_BadRequest", UNSUPPORTED_MEMBER);
    }
    if t.is_member(au.id(), member.id()) {
        return Reply::bad_request("Request_BadRequest", ALREADY_EXISTS);
    }
    let (au_id, member_id) = (au.id().to_string(), member.id().to_string());
    t.add_member(&au_id, &member_id);
    Reply::no_content()
}

/// `POST /directory/administrativeUnits/{id}/members` with a group body: creates the group in the AU.
pub fn create_group_in_au(t: &mut Tenant, call: &Call, caller: &Caller, au_id: &str) -> Reply {
    let body = match body_object(call) {
        Ok(b) => b.clone(),
        Err(r) => return r,
    };
    let typ = body
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !typ
        .trim_start_matches('#')
        .eq_ignore_ascii_case("microsoft.graph.group")
    {
        return Reply::bad_request(
            "BadRequest",
            "The new member must be identified with \"@odata.type\": \"#microsoft.graph.group\" (to add an existing object, POST to members/$ref).",
        );
    }
    if !caller.has_combination(rules::create_in_au(caller.delegated())) {
        return Reply::denied();
    }
    let Some(au) = t.get_kind(au_id, Kind::AdministrativeUnit) else {
        return missing(t, au_id);
    };
    let scope = au_scope(au.id());
    let roles = t.active_roles(&caller.oid);
    let wants_role_assignable =
        body.get("isAssignableToRole").and_then(Value::as_bool) == Some(true);
    let scoped_usable = can_use_scoped_roles(t, caller);
    let may_create = roles.iter().any(|(rule, s)| {
        rule.create_in_au && (s == "/" || (scoped_usable && s.eq_ignore_ascii_case(&scope)))
    });
    let may_role_assignable = roles
        .iter()
        .any(|(rule, s)| s == "/" && rule.role_assignable);
    if !may_create || (wants_role_assignable && !may_role_assignable) {
        return Reply::denied();
    }
    for field in ["displayName", "mailNickname"] {
        if body
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            return Reply::bad_request(
                "Request_BadRequest",
                format!("Invalid value specified for property '{field}' of resource 'Group'."),
            );
        }
    }
    for field in ["mailEnabled", "securityEnabled"] {
        if !body.get(field).is_some_and(Value::is_boolean) {
            return Reply::bad_request(
                "Request_BadRequest",
                format!("Invalid value specified for property '{field}' of resource 'Group'."),
            );
        }
    }
    let group_types = super::http::strings(body.get("groupTypes"));
    let unified = group_types
        .iter()
        .any(|g| g.eq_ignore_ascii_case("Unified"));
    if body.get("mailEnabled").and_then(Value::as_bool) == Some(true) && !unified {
        return Reply::bad_request("Request_BadRequest", MAIL_ENABLED_CREATE);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut props = Map::new();
    props.insert("id".into(), json!(id));
    for (k, default) in [
        ("displayName", Value::Null),
        ("description", Value::Null),
        ("groupTypes", json!([])),
        ("mailEnabled", json!(false)),
        ("securityEnabled", json!(true)),
        ("mail", Value::Null),
        ("mailNickname", Value::Null),
        ("isAssignableToRole", Value::Null),
        ("membershipRule", Value::Null),
        ("membershipRuleProcessingState", Value::Null),
        ("onPremisesSyncEnabled", Value::Null),
        ("visibility", Value::Null),
    ] {
        props.insert(k.into(), body.get(k).cloned().unwrap_or(default));
    }
    props.insert(
        "createdDateTime".into(),
        json!(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    let au_id = au.id().to_string();
    t.add_object(Kind::Group, props.clone());
    t.add_member(&au_id, &id);
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{CONTEXT_ROOT}directory/administrativeUnits('{au_id}')/members/$entity"
        )),
    );
    out.insert("@odata.type".into(), json!("#microsoft.graph.group"));
    out.extend(props);
    Reply::json(201, Value::Object(out))
}

/// "One or more added object references already exist" for `owners` (corpus
/// already-exists-owners-pnpframework139, verbatim).
pub const OWNER_EXISTS: &str =
    "One or more added object references already exist for the following modified properties: 'owners'.";
/// An object that cannot be an owner (message UNCONFIRMED, worded as [`UNSUPPORTED_MEMBER`]).
pub const UNSUPPORTED_OWNER: &str =
    "Unsupported referenced-object resource identifier for link property 'owners'.";

/// May `caller` change the owners of `group` to or from `owner`? Graph permissions are checked
/// before; the directory side is [`may_manage`]'s with the owners rows of [`rules::OWNER_ROLES`]
/// ("Group owners: Can modify all types of group owners").
fn may_manage_owners(t: &Tenant, caller: &Caller, group: &Object, owner: Option<&Object>) -> bool {
    let unified = group.is_unified();
    // An owner that is not read counts as a user (the rule is only stricter for others).
    let user_owner = owner.is_none_or(|o| o.kind == Kind::User);
    may_manage(t, caller, group, |rule| {
        rules::may_change_owners(rule.template_id, unified, user_owner)
    })
}

/// The rules both owner writes share, in Graph's order: permission (403), the group (404), its
/// kind (400), the role-assignable permission and the caller's right (403).
fn check_owner_write<'a>(
    t: &'a Tenant,
    caller: &Caller,
    group_id: &str,
    owner: Option<&Object>,
) -> Result<&'a Object, Reply> {
    if !caller.has_any(rules::GROUP_OWNER_WRITE) {
        return Err(Reply::denied());
    }
    let group = t
        .get_kind(group_id, Kind::Group)
        .ok_or_else(|| missing(t, group_id))?;
    if group.is_exchange_mastered_group() {
        return Err(Reply::bad_request("Request_BadRequest", MAIL_ENABLED));
    }
    if group.bool_prop("isAssignableToRole") && !caller.has_own(rules::ROLE_ASSIGNABLE_WRITE) {
        return Err(Reply::denied());
    }
    if !may_manage_owners(t, caller, group, owner) {
        return Err(Reply::denied());
    }
    Ok(group)
}

/// `POST /groups/{id}/owners/$ref`: a user or service principal becomes an owner
/// (https://learn.microsoft.com/graph/api/group-post-owners: 204; 400 when it already is one;
/// 404 when the object does not exist).
pub fn add_group_owner(t: &mut Tenant, call: &Call, caller: &Caller, group_id: &str) -> Reply {
    let owner_id = match ref_member(call) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if !caller.has_any(rules::GROUP_OWNER_WRITE) {
        return Reply::denied();
    }
    if t.get_kind(group_id, Kind::Group).is_none() {
        return missing(t, group_id);
    }
    let Some(owner) = t.get(&owner_id) else {
        return missing(t, &owner_id);
    };
    let group = match check_owner_write(t, caller, group_id, Some(owner)) {
        Ok(g) => g,
        Err(r) => return r,
    };
    if !matches!(owner.kind, Kind::User | Kind::ServicePrincipal) {
        return Reply::bad_request("Request_BadRequest", UNSUPPORTED_OWNER);
    }
    if t.is_owner(group.id(), owner.id()) {
        return Reply::bad_request("Request_BadRequest", OWNER_EXISTS);
    }
    let (g, o) = (group.id().to_string(), owner.id().to_string());
    t.add_owner(&g, &o);
    Reply::no_content()
}

/// `DELETE /groups/{id}/owners/{id}/$ref` (https://learn.microsoft.com/graph/api/group-delete-owners:
/// 204; "the last owner (a user object) of the group cannot be removed": 400
/// [`rules::LAST_OWNER`]); an object that is not an owner: 404.
pub fn remove_group_owner(
    t: &mut Tenant,
    caller: &Caller,
    group_id: &str,
    owner_id: &str,
) -> Reply {
    let owner = t.get(owner_id);
    let group = match check_owner_write(t, caller, group_id, owner) {
        Ok(g) => g,
        Err(r) => return r,
    };
    if !t.is_owner(group.id(), owner_id) {
        return Reply::not_found(owner_id);
    }
    let owner_is_user = owner.is_none_or(|o| o.kind == Kind::User);
    let other_users = t
        .owners(group.id())
        .iter()
        .filter(|o| o.kind == Kind::User && !o.id().eq_ignore_ascii_case(owner_id))
        .count();
    if owner_is_user && other_users == 0 {
        return Reply::bad_request("Request_BadRequest", rules::LAST_OWNER);
    }
    let g = group.id().to_string();
    t.remove_owner(&g, owner_id);
    Reply::no_content()
}

/// `DELETE /directory/administrativeUnits/{id}/members/{id}/$ref`
/// (https://learn.microsoft.com/graph/api/administrativeunit-delete-members: AdministrativeUnit.ReadWrite.All,
/// and "the calling principal must be assigned at least the Privileged Role Administrator" role;
/// 204). An object that is not a member: 404.
pub fn remove_au_member(t: &mut Tenant, caller: &Caller, au_id: &str, member_id: &str) -> Reply {
    if !caller.has_any(rules::AU_MEMBER_WRITE) {
        return Reply::denied();
    }
    let Some(au) = t.get_kind(au_id, Kind::AdministrativeUnit) else {
        return missing(t, au_id);
    };
    let roles = t.active_roles(&caller.oid);
    if !roles.iter().any(|(rule, s)| s == "/" && rule.au_members) {
        return Reply::denied();
    }
    if au.is_dynamic() {
        // As for adding: a dynamic unit's members follow its rule (answer UNCONFIRMED).
        return Reply::denied();
    }
    if !t.is_member(au.id(), member_id) {
        return Reply::not_found(member_id);
    }
    let au_id = au.id().to_string();
    t.remove_member(&au_id, member_id);
    Reply::no_content()
}
