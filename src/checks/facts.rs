//! Facts the checks share, read once from the evidence: the target group and its administrative
//! units, the caller's roles and standing, the member's type and the service principals' ids.
//!
//! Every function here is pure (evidence in, typed facts out) and says why when the evidence
//! does not suffice, so each check can turn that into an `unknown` naming the permission.

use serde_json::{json, Value};

use crate::checks::evidence::{Ctx, Read, ReadKey};
use crate::knowledge::group_types::{self, GroupKind};
use crate::knowledge::operations::MemberType;
use crate::knowledge::role_definitions::RoleBook;
use crate::knowledge::{roles, Flow, Role};
use crate::report::{Evidence, OperationKind};

/// What the group read says.
#[derive(Debug, Clone)]
pub struct GroupFacts {
    pub id: String,
    pub name: String,
    pub kind: GroupKind,
    pub dynamic: bool,
    pub rule: Option<String>,
    pub synced: Option<bool>,
    pub role_assignable: bool,
    pub raw: Value,
}

impl GroupFacts {
    pub fn from_body(body: &Value) -> GroupFacts {
        let types: Vec<String> = body
            .get("groupTypes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        GroupFacts {
            id: body
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            name: body
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or("(no name)")
                .to_string(),
            kind: group_types::classify(body),
            // groupTypes says it; an answer without groupTypes still tells by its rule.
            dynamic: types
                .iter()
                .any(|t| t.eq_ignore_ascii_case("DynamicMembership"))
                || (body.get("groupTypes").is_none()
                    && body
                        .get("membershipRule")
                        .and_then(Value::as_str)
                        .is_some_and(|r| !r.trim().is_empty())),
            rule: body
                .get("membershipRule")
                .and_then(Value::as_str)
                .map(str::to_string),
            synced: body.get("onPremisesSyncEnabled").and_then(Value::as_bool),
            role_assignable: body
                .get("isAssignableToRole")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            raw: body.clone(),
        }
    }

    /// The facts group.type quotes.
    pub fn type_facts(&self) -> Value {
        json!({"groupTypes": self.raw.get("groupTypes"), "mailEnabled": self.raw.get("mailEnabled"), "securityEnabled": self.raw.get("securityEnabled")})
    }
}

/// Why the group cannot be judged, or its facts.
pub fn group_facts<'a>(ctx: &Ctx<'a>) -> Result<(GroupFacts, &'a Read), String> {
    let Some(read) = ctx.read(&ReadKey::Group) else {
        return Err(if ctx.op.group.is_none() {
            "No target group was given (--group).".into()
        } else {
            "The group was not read.".into()
        });
    };
    match read.ok_body() {
        Some(b) => Ok((GroupFacts::from_body(b), read)),
        None if read.is_not_found() => Err("The group was not found (see group.exists).".into()),
        None => Err(ctx.unreadable("group", &ReadKey::Group)),
    }
}

/// An administrative unit the group belongs to.
#[derive(Debug, Clone)]
pub struct AuRef {
    pub id: String,
    pub name: String,
    /// None when the listing came back reduced and the unit could not be read.
    pub restricted: Option<bool>,
}

/// An administrative unit's `isMemberManagementRestricted`: `null` or unset means false ("If not
/// set, the default value is null and the default behavior is false"). None when the object is
/// the reduced form Graph lists without AdministrativeUnit.Read.All (only id and type), or when
/// `plain_form` (the listing was the un-`$select`ed one, see [`Read::plain_form`]) leaves it out.
pub fn restricted_flag(unit: &Value, plain_form: bool) -> Option<bool> {
    if plain_form && unit.get("isMemberManagementRestricted").is_none() {
        return None;
    }
    match unit.get("isMemberManagementRestricted") {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Null) => Some(false),
        _ if unit.get("displayName").is_some() => Some(false),
        _ => None,
    }
}

/// The administrative units the group belongs to (with restriction flags filled from the
/// per-unit reads when the listing was reduced).
pub fn group_aus(ctx: &Ctx) -> Result<Vec<AuRef>, String> {
    let Some(read) = ctx.read(&ReadKey::GroupAus) else {
        return Err("the group's administrative units were not read".into());
    };
    let Some(values) = read.values().filter(|_| !read.is_partial()) else {
        return Err(ctx.why_unread(&ReadKey::GroupAus));
    };
    Ok(values
        .iter()
        .filter_map(|a| {
            let id = a.get("id").and_then(Value::as_str)?.to_string();
            let detail = ctx
                .read(&ReadKey::AuDetails(id.clone()))
                .and_then(Read::ok_body);
            let src = detail.unwrap_or(a);
            // A unit read in full that leaves the flag out has it unset (false).
            let restricted = match detail {
                Some(d) => restricted_flag(d, false).or(Some(false)),
                None => restricted_flag(a, read.plain_form),
            };
            let name = src
                .get("displayName")
                .or(a.get("displayName"))
                .and_then(Value::as_str)
                .unwrap_or("(name not readable)")
                .to_string();
            Some(AuRef {
                id,
                name,
                restricted,
            })
        })
        .collect())
}

/// One role held (or eligible) at a scope: `/` or `/administrativeUnits/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub template: String,
    pub scope: String,
    /// Where it was seen: `wids`, `directoryRoles`, `transitiveRoleAssignments`, `roleAssignments`
    /// (direct only), `roleEligibilitySchedules`.
    pub seen_in: &'static str,
    /// The group it is held through, when the assignment's principal is not the caller (a
    /// transitive assignment names the role-assignable group as its principalId).
    pub through: Option<String>,
}

/// The caller's roles as far as they could be read.
#[derive(Debug, Clone, Default)]
pub struct RoleFacts {
    pub active: Vec<Held>,
    pub eligible: Vec<Held>,
    /// Reasons reads failed (naming the permission they needed).
    pub unread: Vec<String>,
    pub assignments_read: bool,
    /// The assignments were read transitively (`transitiveRoleAssignments`), so those held through
    /// a role-assignable group are among them; false for the direct-only fallback.
    pub assignments_transitive: bool,
    pub directory_roles_read: bool,
    pub eligibility_read: bool,
    /// Roles the token's `wids` lists but the directory no longer shows (removed, or a PIM
    /// activation that ended, since sign-in).
    pub stale_wids: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Where role ids resolve: the role definitions read from Graph, else the curated table.
    pub book: RoleBook,
}

/// The role book of this diagnosis: the definitions Graph returned
/// (`GET /roleManagement/directory/roleDefinitions`), or the curated table with the reason they
/// could not be read.
pub fn role_book(ctx: &Ctx) -> RoleBook {
    match ctx.read(&ReadKey::RoleDefinitions) {
        Some(r) => match r.values().filter(|_| !r.is_partial()) {
            Some(v) => RoleBook::from_definitions(&v),
            None => RoleBook::curated(ctx.why_unread(&ReadKey::RoleDefinitions)),
        },
        None => RoleBook::curated("they were not read"),
    }
}

fn assignments(read: &Read, seen_in: &'static str, caller: Option<&str>) -> Vec<Held> {
    read.values()
        .unwrap_or_default()
        .iter()
        .filter_map(|a| {
            let template = a
                .get("roleDefinitionId")
                .or(a.get("roleTemplateId"))
                .and_then(Value::as_str)?
                .to_string();
            let scope = a
                .get("directoryScopeId")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_string();
            let through = a
                .get("principalId")
                .and_then(Value::as_str)
                .filter(|p| caller.is_some_and(|c| !c.eq_ignore_ascii_case(p)))
                .map(str::to_string);
            Some(Held {
                template,
                scope,
                seen_in,
                through,
            })
        })
        .collect()
}

impl RoleFacts {
    pub fn read(ctx: &Ctx) -> RoleFacts {
        let mut f = RoleFacts {
            book: role_book(ctx),
            ..RoleFacts::default()
        };
        if let Some(r) = ctx.read(&ReadKey::RoleDefinitions) {
            f.evidence.push(r.evidence_with(json!({
                "definitions": r.values().map(|v| v.len()),
                "decided_from": if f.book.definitions_read() { "allowedResourceActions" } else { "curated roles table" },
            })));
        }
        let delegated = ctx.flow() == Some(Flow::Delegated);
        // `wids` is a snapshot taken at sign-in (docs/facts.md §6b); Graph authorizes against the
        // roles the user holds now (seed 002: "the permissions that the signed-in user has"). So the
        // directory's answer wins, and `wids` stands in only when the directory could not be read.
        // In an app-only token `wids` names the service principal's tenant-wide roles, which may be
        // held through a group its direct assignments do not show: positive evidence there.
        let wids: Vec<String> = ctx
            .token
            .info
            .as_ref()
            .map(|i| i.wids())
            .unwrap_or_default();
        if delegated {
            f.directory_roles_read = f.take(ctx, ReadKey::MeRoles, "directoryRoles");
            f.eligibility_read = f.take(ctx, ReadKey::RoleEligibility, "roleEligibilitySchedules");
        }
        if let Some(r) = ctx.read(&ReadKey::RoleAssignments) {
            // The direct-only fallback (`roleAssignments`, see gather's alternate) misses roles
            // held through a role-assignable group.
            let seen_in = if r.plain_form {
                "roleAssignments"
            } else {
                "transitiveRoleAssignments"
            };
            f.assignments_read = f.take(ctx, ReadKey::RoleAssignments, seen_in);
            f.assignments_transitive = f.assignments_read && !r.plain_form;
            if f.assignments_read && r.plain_form {
                f.unread.push("only direct role assignments could be read (GET /beta/roleManagement/directory/transitiveRoleAssignments was refused), so a role held through a role-assignable group at an administrative unit's scope is not seen".into());
            }
        } else if !delegated {
            f.unread
                .push("the app's role assignments were not read".into());
        }
        if !delegated {
            f.active.extend(wids.into_iter().map(|template| Held {
                template,
                scope: "/".into(),
                seen_in: "wids",
                through: None,
            }));
        } else if f.directory_roles_read {
            // /me/transitiveMemberOf lists every active tenant-wide role, including those held
            // through a role-assignable group, so a `wids` entry it lacks is stale.
            f.stale_wids = wids
                .into_iter()
                // Only roles that could allow a change matter (not the member-user or guest
                // templates every token lists, docs/facts.md §2).
                .filter(|w| {
                    f.book.get(w).is_some_and(|r| {
                        !r.group_members.is_empty() || r.au_members || r.create_group_in_au
                    })
                })
                .filter(|w| {
                    !f.active
                        .iter()
                        .any(|h| h.scope == "/" && h.template.eq_ignore_ascii_case(w))
                })
                .collect();
        } else {
            // Direct role assignments alone miss roles held through groups: keep `wids` beside them.
            f.active.extend(wids.into_iter().map(|template| Held {
                template,
                scope: "/".into(),
                seen_in: "wids",
                through: None,
            }));
        }
        f
    }

    /// Takes in the roles one read lists (eligible ones for the eligibility schedules), with its
    /// evidence; true when the read listed them all, otherwise the reason is noted as unread.
    fn take(&mut self, ctx: &Ctx, key: ReadKey, seen_in: &'static str) -> bool {
        let Some(r) = ctx.read(&key) else {
            return false;
        };
        let held = assignments(r, seen_in, ctx.token.oid());
        if key == ReadKey::MeRoles {
            let names = r.values().map(|v| {
                v.iter()
                    .map(|x| x.get("displayName").cloned().unwrap_or(Value::Null))
                    .collect::<Vec<_>>()
            });
            self.evidence
                .push(r.evidence_with(json!({ "roles": names })));
        } else {
            self.evidence.push(r.evidence());
        }
        if key == ReadKey::RoleEligibility {
            self.eligible.extend(held);
        } else {
            self.active.extend(held);
        }
        let complete = r.values().is_some() && !r.is_partial();
        if !complete {
            self.unread.push(ctx.why_unread(&key));
        }
        complete
    }

    /// Tenant-wide roles are known (from a read, or from `wids` in a delegated token).
    pub fn tenant_roles_known(&self) -> bool {
        self.directory_roles_read
            || self.assignments_read
            || self.active.iter().any(|h| h.seen_in == "wids")
    }

    pub fn complete(&self) -> bool {
        self.tenant_roles_known() && self.assignments_read
    }

    /// Every assignment scoped to an administrative unit is known, those held through a group
    /// included.
    pub fn complete_for_assignments(&self) -> bool {
        self.assignments_read && self.assignments_transitive
    }

    /// Whether the caller holds, at tenant scope, a role with directory read permissions
    /// (`tenant_read` in `assets/knowledge/roles.json`).
    pub fn holds_tenant_read(&self) -> Option<&Held> {
        self.active
            .iter()
            .find(|h| h.scope == "/" && self.book.get(&h.template).is_some_and(|r| r.tenant_read))
    }

    /// An active role held at a scope `in_scope` accepts whose id is not a built-in role template
    /// (a custom role's roleDefinitionId): what it allows cannot be told from the id, so it is
    /// reported as unknown, never as "no role".
    pub fn unknown_role(&self, in_scope: impl Fn(&str) -> bool) -> Option<String> {
        self.active
            .iter()
            .find(|h| {
                // wids may carry template ids with no published name (docs/facts.md §2, §10.1):
                // only assignments read from Graph name a custom role.
                h.seen_in != "wids"
                    && self.book.get(&h.template).is_none()
                    && in_scope(&h.scope)
            })
            .map(|h| match &self.book.unread {
                Some(why) => format!(
                    "the role with definition id {} (from {}, scope {}) is not a built-in role (a custom role?), and the role definitions that would say what it allows could not be read ({why})",
                    h.template, h.seen_in, h.scope
                ),
                None => format!(
                    "the role with definition id {} (from {}, scope {}) is not among the role definitions Graph returned, so what it allows is not known",
                    h.template, h.seen_in, h.scope
                ),
            })
    }
}

/// Whether the signed-in user owns the target group (None: not known).
pub fn is_owner(ctx: &Ctx) -> Option<bool> {
    let oid = ctx.token.oid()?;
    let read = ctx.read(&ReadKey::GroupOwners)?;
    let found = read.values()?.iter().any(|o| {
        o.get("id")
            .and_then(Value::as_str)
            .is_some_and(|i| i.eq_ignore_ascii_case(oid))
    });
    // Not on the pages read, with more pages left: not known.
    (found || !read.is_partial()).then_some(found)
}

/// Who the caller is, as far as the rule for AU-scoped assignments goes: "Service principals and
/// guest users won't be able to use a role assignment scoped to an administrative unit unless
/// they're also assigned corresponding permissions to read the objects"
/// (https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-assign-roles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A member user (userType Member): default user permissions read the directory.
    Member,
    /// A guest user (userType Guest).
    Guest,
    /// An app-only token: the client's service principal.
    ServicePrincipal,
    /// A signed-in user whose type could not be told: why.
    Unknown(String),
}

impl Principal {
    /// Whether this principal needs a tenant-wide read role to use an AU-scoped assignment.
    pub fn needs_tenant_read(&self) -> bool {
        matches!(self, Principal::Guest | Principal::ServicePrincipal)
    }

    pub fn noun(&self) -> &'static str {
        match self {
            Principal::Guest => "a guest user",
            Principal::ServicePrincipal => "a service principal",
            Principal::Member => "a member user",
            Principal::Unknown(_) => "the signed-in user",
        }
    }
}

/// The caller's kind: app-only tokens are service principals; for a signed-in user, `userType`
/// from the user read, else the token's optional `acct` claim (0 member, 1 guest,
/// https://learn.microsoft.com/entra/identity-platform/optional-claims-reference), else its `idp`
/// ("identical to the value of the Issuer claim unless the user account isn't in the same tenant as
/// the issuer, such as guests",
/// https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference): an account
/// from another tenant may be a guest or an external member, so that is not known.
pub fn principal(ctx: &Ctx) -> Principal {
    match ctx.flow() {
        Some(Flow::Application) => return Principal::ServicePrincipal,
        Some(Flow::Delegated) => {}
        None => return Principal::Unknown("the token could not be read".into()),
    }
    let user_type = ctx
        .read(&ReadKey::Me)
        .and_then(Read::ok_body)
        .and_then(|b| b.get("userType"))
        .and_then(Value::as_str);
    match user_type {
        Some(t) if t.eq_ignore_ascii_case("Guest") => return Principal::Guest,
        Some(t) if t.eq_ignore_ascii_case("Member") => return Principal::Member,
        _ => {}
    }
    let Some(info) = ctx.token.info.as_ref() else {
        return Principal::Unknown("the token could not be read".into());
    };
    let claims = info.claims_value();
    match claims.get("acct").and_then(Value::as_i64) {
        Some(1) => return Principal::Guest,
        Some(0) => return Principal::Member,
        _ => {}
    }
    let idp = info.str_claim("idp");
    let iss = info.str_claim("iss");
    match (idp, iss) {
        (Some(idp), Some(iss)) if !idp.eq_ignore_ascii_case(iss) => Principal::Unknown(format!(
            "the account comes from another identity provider (idp {idp}), and whether it is a guest (userType) could not be read: {}",
            ctx.why_unread(&ReadKey::Me)
        )),
        _ => Principal::Member,
    }
}

/// An AU-scoped assignment the caller holds but cannot use: a guest user or service principal
/// without a tenant-wide read role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedUnusable {
    pub template: String,
    pub au: String,
    pub principal: Principal,
}

/// Whether the caller can use its AU-scoped assignments: `Ok(true)` yes, `Ok(false)` no (a guest
/// or service principal without a tenant-wide read role), `Err(why)` not known. Application
/// permissions that read the whole directory (`tenant_read_app_permissions` in
/// `assets/knowledge/roles.json`) count for a service principal.
pub fn scoped_usable(ctx: &Ctx, facts: &RoleFacts) -> Result<bool, String> {
    let who = principal(ctx);
    if let Principal::Unknown(why) = &who {
        return if facts.holds_tenant_read().is_some() {
            Ok(true)
        } else {
            Err(why.clone())
        };
    }
    if !who.needs_tenant_read() || facts.holds_tenant_read().is_some() {
        return Ok(true);
    }
    if who == Principal::ServicePrincipal {
        let perms = ctx.token.permissions();
        if roles::tenant_read_app_permissions()
            .iter()
            .any(|p| perms.iter().any(|q| q.eq_ignore_ascii_case(p)))
        {
            return Ok(true);
        }
    }
    if facts.tenant_roles_known() {
        Ok(false)
    } else {
        Err(format!(
            "{} can use an AU-scoped role only while it holds a tenant-wide role with directory read permissions, and its tenant-wide roles could not be read ({})",
            who.noun(),
            crate::checks::facts::joined(&facts.unread)
        ))
    }
}

impl ScopedUnusable {
    /// The failure: which assignment cannot be used, why, and the tenant-wide read role to add
    /// (the first pure reader of the roles table). Role names come from the table.
    pub fn fail(
        &self,
        id: crate::report::CheckId,
        who: &str,
        principal_id: &str,
    ) -> crate::report::CheckResult {
        // The roles that only read (Directory Readers, Global Reader): a role that also writes is
        // not what to add for this.
        let readers = roles::names(|r| r.tenant_read && r.group_members.is_empty())
            .unwrap_or_else(|| "a role with directory read permissions".into());
        let mut r = crate::report::CheckResult::new(
            id,
            crate::report::Status::Fail,
            format!(
                "{who} holds {} scoped to administrative unit {}, but {} can use an AU-scoped role assignment only while it also holds a role that reads the directory at tenant scope ({readers}), and it holds none: Graph answers 403.",
                roles::name_of(&self.template),
                self.au,
                self.principal.noun()
            ),
        );
        let reader = roles::all().iter().find(|r| {
            r.tenant_read && r.group_members.is_empty() && !r.au_members && !r.create_group_in_au
        });
        if let Some(reader) = reader {
            r.fix = vec![format!(
                "Have a {} assign {} to {principal_id} at tenant scope (directory read permissions cannot be assigned at an administrative unit's scope), then acquire a new token.",
                roles::name_of(roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR),
                reader.name
            )];
            r.fix_commands =
                crate::checks::fixes::assign_role(principal_id, &reader.template_id, "/");
        }
        r
    }
}

/// How the caller is allowed to make the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Path {
    TenantRole(String),
    /// An AU-scoped role: (template, administrative unit id).
    ScopedRole(String, String),
    Owner,
}

/// The caller's standing for the operation.
#[derive(Debug, Clone)]
pub struct Standing {
    pub path: Option<Path>,
    /// An eligible (PIM) assignment that would allow it: (template, scope).
    pub eligible: Option<(String, String)>,
    /// A held role that covers another kind of group (Exchange Administrator on a security group).
    pub wrong_kind: Option<String>,
    /// Whether the evidence sufficed to say "no path".
    pub complete: bool,
    pub unread: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// What the caller needs, for messages.
    pub needs: String,
    /// Roles in the token's `wids` that the directory no longer shows.
    pub stale_wids: Vec<String>,
    /// The target group's kind and whether it is role-assignable (add-group-member only).
    pub group: Option<(crate::knowledge::GroupKind, bool)>,
    /// An AU-scoped assignment that would allow the change, but that a guest user or service
    /// principal cannot use without a tenant-wide read role.
    pub scoped_unusable: Option<ScopedUnusable>,
    /// The group the path's role is held through, if not directly.
    pub through: Option<String>,
    /// Where the roles resolved (definitions read from Graph, or the curated table).
    pub book: RoleBook,
    /// A PIM for Groups eligibility that would allow the change once activated.
    pub group_eligible: Option<GroupEligible>,
    /// Why the caller's PIM for Groups eligibilities could not all be read (they do not decide
    /// whether the caller may make the change now, only what the fix is).
    pub group_eligibility_unread: Option<String>,
}

/// An eligibility through PIM for Groups (https://learn.microsoft.com/entra/id-governance/privileged-identity-management/concept-pim-for-groups)
/// that is not active: eligible owners and members are neither owners nor members until they
/// activate, so Graph refuses what only the activated access would allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEligible {
    /// `owner` (of the target group) or `member` (of a group that holds a role allowing the change).
    pub access: &'static str,
    pub group: String,
    /// For `member`: the role the group holds that would allow the change, and its scope.
    pub role: Option<(String, String)>,
}

impl GroupEligible {
    /// "ownership of the group" or "membership of group {id}".
    pub fn describe(&self) -> String {
        match self.access {
            "owner" => "ownership of the group".to_string(),
            _ => format!("membership of group {}", self.group),
        }
    }
}

/// Whether role `r` allows the operation's change on a group of `kind`: its members
/// (`may_update_members`) or, for the owner operations, its owners (`may_update_owners`, with
/// whether the owner is a user, from the member read).
pub fn role_allows(
    ctx: &Ctx,
    r: &Role,
    kind: crate::knowledge::GroupKind,
    role_assignable: bool,
) -> bool {
    if ctx.op.kind.on_owners() {
        let is_user = matches!(member_type(ctx), Ok(Some(MemberType::User)));
        r.may_update_owners(kind, role_assignable, is_user)
    } else {
        r.may_update_members(kind, role_assignable)
    }
}

/// Works out the caller's standing for the operation from the evidence.
pub fn standing(ctx: &Ctx) -> Result<Standing, String> {
    let facts = RoleFacts::read(ctx);
    let role = |t: &str| -> Option<&Role> { facts.book.get(t) };
    let mut st = Standing {
        path: None,
        eligible: None,
        wrong_kind: None,
        complete: false,
        unread: facts.unread.clone(),
        evidence: facts.evidence.clone(),
        needs: String::new(),
        stale_wids: facts.stale_wids.clone(),
        group: None,
        scoped_unusable: None,
        through: None,
        book: facts.book.clone(),
        group_eligible: None,
        group_eligibility_unread: None,
    };
    let usable = scoped_usable(ctx, &facts);
    match ctx.op.kind {
        OperationKind::Request => {
            return Err("a generic request names no group or administrative unit".into())
        }
        kind if kind.targets_group() => {
            let (g, read) = group_facts(ctx)?;
            st.group = Some((g.kind, g.role_assignable));
            st.evidence.insert(0, read.evidence_with(g.type_facts()));
            let ok = |r: &Role| {
                role_allows(ctx, r, g.kind, false)
                    || (g.role_assignable && role_allows(ctx, r, g.kind, true))
            };
            let aus = group_aus(ctx);
            let au_ids: Vec<String> = aus
                .as_ref()
                .map(|a| a.iter().map(|x| x.id.clone()).collect())
                .unwrap_or_default();
            let scoped_ok = |h: &Held| {
                au_ids.iter().any(|a| {
                    h.scope
                        .eq_ignore_ascii_case(&format!("/administrativeUnits/{a}"))
                }) && role(&h.template)
                    .is_some_and(|r| r.au_scopable && role_allows(ctx, r, g.kind, false))
            };
            let noun = kind.references_noun();
            st.needs = match roles::names(ok) {
                Some(who) => format!("a role that may update {noun} of a {} ({who}), an assignment scoped to an administrative unit that contains the group, or ownership of the group", g.kind.name()),
                None => format!("a kind of group whose {noun} Graph can update: no directory role may update the {noun} of a {} (see group.type)", g.kind.name()),
            };
            if let Some(h) = facts
                .active
                .iter()
                .find(|h| h.scope == "/" && role(&h.template).is_some_and(ok))
            {
                st.path = Some(Path::TenantRole(h.template.clone()));
                st.through = h.through.clone();
            } else if let Some(h) = facts.active.iter().find(|h| scoped_ok(h)) {
                let au = h
                    .scope
                    .trim_start_matches("/administrativeUnits/")
                    .to_string();
                match &usable {
                    Ok(true) => {
                        st.path = Some(Path::ScopedRole(h.template.clone(), au));
                        st.through = h.through.clone();
                    }
                    Ok(false) => {
                        st.scoped_unusable = Some(ScopedUnusable {
                            template: h.template.clone(),
                            au,
                            principal: principal(ctx),
                        })
                    }
                    Err(why) => st.unread.push(why.clone()),
                }
            }
            if st.path.is_none() && is_owner(ctx) == Some(true) {
                st.path = Some(Path::Owner);
            }
            st.eligible = facts
                .eligible
                .iter()
                .find(|h| (h.scope == "/" && role(&h.template).is_some_and(ok)) || scoped_ok(h))
                .map(|h| (h.template.clone(), h.scope.clone()));
            st.wrong_kind = facts
                .active
                .iter()
                .find(|h| {
                    h.scope == "/"
                        && role(&h.template).is_some_and(|r| {
                            if kind.on_owners() {
                                !r.group_owners.is_empty()
                            } else {
                                !r.group_members.is_empty()
                            }
                        })
                })
                .map(|h| h.template.clone());
            if let Some(r) = ctx.read(&ReadKey::GroupOwners) {
                st.evidence.push(r.evidence());
            }
            let group_role = |h: &Held| {
                (h.scope == "/" && role(&h.template).is_some_and(ok))
                    || (scoped_ok(h) && usable == Ok(true))
            };
            // No activation helps where Graph cannot change the group at all (group.type).
            if g.kind.is_manageable() {
                pim_group_eligibility(ctx, &mut st, group_role);
            }
            let owners_known = is_owner(ctx).is_some();
            // A role that may change user owners only, while the owner's type is not known.
            let owner_type_unknown = kind.on_owners()
                && member_type(ctx).is_err()
                && facts.active.iter().any(|h| {
                    role(&h.template).is_some_and(|r| {
                        r.group_owners
                            .contains(&crate::knowledge::roles::GroupScope::UserOwners)
                    })
                });
            if owner_type_unknown {
                st.unread.push("the owner's object type (a user or not) could not be read, and the caller's role may change user owners only".into());
            }
            if !owners_known {
                st.unread.push(ctx.why_unread(&ReadKey::GroupOwners));
            }
            // AU-scoped assignments matter only when the group sits in an administrative unit.
            let scoped_known =
                facts.complete_for_assignments() || aus.as_ref().is_ok_and(|a| a.is_empty());
            if aus.is_err() && !facts.assignments_read {
                st.unread.push(ctx.why_unread(&ReadKey::GroupAus));
            }
            // A guest's or service principal's AU-scoped role whose usability is not known.
            let usable_known = usable.is_ok() || !facts.active.iter().any(&scoped_ok);
            st.complete = facts.tenant_roles_known()
                && owners_known
                && scoped_known
                && usable_known
                && !owner_type_unknown;
            if st.path.is_none() {
                if let Some(why) = facts.unknown_role(|s| {
                    s == "/"
                        || au_ids
                            .iter()
                            .any(|a| s.eq_ignore_ascii_case(&format!("/administrativeUnits/{a}")))
                }) {
                    st.complete = false;
                    st.unread.push(why);
                }
            }
        }
        _ => {
            let au = ctx.op.au.clone().unwrap_or_default();
            let create = ctx.op.kind == OperationKind::CreateAuGroup;
            let ok = |h: &Held| {
                role(&h.template).is_some_and(|r| {
                    if create {
                        r.create_group_in_au
                            && (h.scope == "/"
                                || (r.au_scopable
                                    && h.scope.eq_ignore_ascii_case(&format!(
                                        "/administrativeUnits/{au}"
                                    ))))
                    } else {
                        r.au_members && h.scope == "/"
                    }
                })
            };
            st.needs = if create {
                roles::names(|r| r.create_group_in_au).map(|who| {
                    format!(
                        "{who} (tenant-wide, or at the unit's scope where the role can be scoped)"
                    )
                })
            } else {
                roles::names(|r| r.au_members)
            }
            .unwrap_or_else(|| "a directory role that may change administrative units".into());
            if let Some(h) = facts.active.iter().find(|h| ok(h) && h.scope == "/") {
                st.path = Some(Path::TenantRole(h.template.clone()));
                st.through = h.through.clone();
            } else if let Some(h) = facts.active.iter().find(|h| ok(h)) {
                match &usable {
                    Ok(true) => {
                        st.path = Some(Path::ScopedRole(h.template.clone(), au.clone()));
                        st.through = h.through.clone();
                    }
                    Ok(false) => {
                        st.scoped_unusable = Some(ScopedUnusable {
                            template: h.template.clone(),
                            au: au.clone(),
                            principal: principal(ctx),
                        })
                    }
                    Err(why) => st.unread.push(why.clone()),
                }
            }
            st.eligible = facts
                .eligible
                .iter()
                .find(|h| ok(h))
                .map(|h| (h.template.clone(), h.scope.clone()));
            let scoped_known = if create {
                facts.complete_for_assignments()
            } else {
                facts.assignments_read || ctx.flow() == Some(Flow::Delegated)
            };
            let usable_known =
                usable.is_ok() || !facts.active.iter().any(|h| ok(h) && h.scope != "/");
            st.complete = facts.tenant_roles_known() && scoped_known && usable_known;
            if st.path.is_none() {
                if let Some(why) = facts.unknown_role(|s| {
                    s == "/" || s.eq_ignore_ascii_case(&format!("/administrativeUnits/{au}"))
                }) {
                    st.complete = false;
                    st.unread.push(why);
                }
            }
        }
    }
    Ok(st)
}

/// The caller's own PIM for Groups eligibilities in a [`ReadKey::GroupEligibility`] listing, as
/// (accessId in lower case, groupId), each once, in Graph's order.
pub fn own_group_eligibilities(values: &[Value], caller: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for v in values {
        let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
        if !field("principalId").eq_ignore_ascii_case(caller) {
            continue;
        }
        let (access, group) = (field("accessId").to_ascii_lowercase(), field("groupId"));
        if !out
            .iter()
            .any(|(a, g)| *a == access && g.eq_ignore_ascii_case(group))
        {
            out.push((access, group.to_string()));
        }
    }
    out
}

/// Reads the caller's PIM for Groups eligibilities into `st`: eligible ownership of the target
/// group, or eligible membership of a group holding a role that `allows` (tenant-wide, or scoped
/// to a unit that contains the target and usable by the caller).
fn pim_group_eligibility(ctx: &Ctx, st: &mut Standing, allows: impl Fn(&Held) -> bool) {
    let Some(read) = ctx.read(&ReadKey::GroupEligibility) else {
        return;
    };
    st.evidence.push(read.evidence());
    let Some(values) = read.values() else {
        st.group_eligibility_unread = Some(ctx.why_unread(&ReadKey::GroupEligibility));
        return;
    };
    let mut unread = Vec::new();
    if read.is_partial() {
        unread.push(ctx.why_unread(&ReadKey::GroupEligibility));
    }
    let caller = ctx.token.oid().unwrap_or_default();
    let target = ctx.op.group.as_deref().unwrap_or_default();
    let mine = own_group_eligibilities(&values, caller);
    if mine
        .iter()
        .any(|(access, group)| access == "owner" && group.eq_ignore_ascii_case(target))
    {
        st.group_eligible = Some(GroupEligible {
            access: "owner",
            group: target.to_string(),
            role: None,
        });
    }
    for (_, group) in mine.into_iter().filter(|(access, _)| access == "member") {
        let key = ReadKey::GroupRoles(group.clone());
        let Some(r) = ctx.read(&key) else {
            unread.push(format!(
                "the roles of group {group} were not read (at most {} eligible groups are)",
                crate::checks::evidence::MAX_ELIGIBLE_GROUPS
            ));
            continue;
        };
        st.evidence.push(r.evidence());
        match r.values().filter(|_| !r.is_partial()) {
            Some(_) => {}
            None => unread.push(ctx.why_unread(&key)),
        }
        if st.group_eligible.is_some() {
            continue;
        }
        if let Some(h) = assignments(r, "roleAssignments", None)
            .into_iter()
            .find(&allows)
        {
            st.group_eligible = Some(GroupEligible {
                access: "member",
                group,
                role: Some((h.template, h.scope)),
            });
        }
    }
    if !unread.is_empty() {
        st.group_eligibility_unread = Some(joined(&unread));
    }
}

/// The names of the operation's objects and of the caller, as Graph answered them (a user by
/// UPN, anything else by display name) or, for the caller, as the token's claims say.
pub fn names(ctx: &Ctx) -> crate::report::Names {
    let field = |key: &ReadKey, fields: &[&str]| -> Option<String> {
        let body = ctx.read(key)?.ok_body()?;
        fields
            .iter()
            .find_map(|f| body.get(*f)?.as_str().filter(|v| !v.is_empty()))
            .map(str::to_string)
    };
    let claim = |names: &[&str]| -> Option<String> {
        let info = ctx.token.info.as_ref()?;
        names
            .iter()
            .find_map(|n| info.str_claim(n).filter(|v| !v.is_empty()))
            .map(str::to_string)
    };
    let caller = match ctx.flow() {
        Some(Flow::Application) => {
            claim(&["app_displayname"]).or_else(|| field(&ReadKey::ClientSp, &["displayName"]))
        }
        Some(Flow::Delegated) => field(&ReadKey::Me, &["userPrincipalName"])
            .or_else(|| claim(&["upn", "preferred_username", "unique_name"])),
        None => None,
    };
    crate::report::Names {
        group: ctx
            .op
            .group
            .as_ref()
            .and_then(|_| field(&ReadKey::Group, &["displayName"])),
        member: ctx
            .op
            .member
            .as_ref()
            .and_then(|_| field(&ReadKey::Member, &["userPrincipalName", "displayName"])),
        au: ctx
            .op
            .au
            .as_ref()
            .and_then(|_| field(&ReadKey::Au, &["displayName"])),
        caller,
    }
}

/// Reasons joined into one clause list: "a; b" (each reason's own closing period dropped, so a
/// sentence that ends the list with its own period reads once).
pub fn joined(reasons: &[String]) -> String {
    reasons
        .iter()
        .map(|r| r.trim_end().trim_end_matches('.'))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The caller for a fix's prose: its UPN (or the app's name) with its object id beside it.
pub fn caller_label(ctx: &Ctx) -> String {
    let id = ctx.token.oid().unwrap_or("<principal-id>");
    crate::report::named(names(ctx).caller.as_deref(), id)
}

/// The client app for a fix's prose: its display name with its client id beside it.
pub fn app_label(ctx: &Ctx) -> String {
    let id = ctx.token.app_id().unwrap_or("<client-id>");
    let name = ctx
        .token
        .info
        .as_ref()
        .and_then(|i| i.str_claim("app_displayname"))
        .map(str::to_string)
        .or_else(|| {
            ctx.read(&ReadKey::ClientSp)
                .and_then(Read::ok_body)
                .and_then(|b| b.get("displayName")?.as_str().map(str::to_string))
        });
    crate::report::named(name.as_deref(), id)
}

/// The scopes of the delegated grants (`oauth2PermissionGrants`) that apply to the signed-in user
/// `oid`: those consented for all principals, and the user's own.
pub fn delegated_scopes<'a>(
    grants: impl Iterator<Item = &'a Value>,
    oid: Option<&str>,
) -> Vec<String> {
    grants
        .filter(|g| {
            g.get("consentType").and_then(Value::as_str) != Some("Principal")
                || g.get("principalId")
                    .and_then(Value::as_str)
                    .zip(oid)
                    .is_some_and(|(p, o)| p.eq_ignore_ascii_case(o))
        })
        .flat_map(|g| {
            g.get("scope")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `id` of a read object (a service principal), once read.
pub fn object_id(read: Option<&Read>) -> Option<String> {
    read?.ok_body()?.get("id")?.as_str().map(str::to_string)
}

/// The client app's service principal object id.
pub fn client_sp_id(ctx: &Ctx) -> Option<String> {
    object_id(ctx.read(&ReadKey::ClientSp))
}

/// Microsoft Graph's service principal object id in the tenant.
pub fn graph_sp_id(ctx: &Ctx) -> Option<String> {
    object_id(ctx.read(&ReadKey::GraphSp))
}

/// The member's type: Ok(None) when there is no member to judge (no `--member`, or it was not
/// found), Err when it could not be read.
pub fn member_type(ctx: &Ctx) -> Result<Option<MemberType>, String> {
    if ctx.op.member.is_none() || ctx.op.kind == crate::report::OperationKind::CreateAuGroup {
        return Ok(None);
    }
    let Some(read) = ctx.read(&ReadKey::Member) else {
        return Err("the member was not read".into());
    };
    if read.is_not_found() {
        return Ok(None);
    }
    match read.ok_body() {
        // An answer that does not say the type (no @odata.type) leaves it unknown, not a user.
        Some(b) => match b.get("@odata.type").and_then(Value::as_str) {
            Some(t) => Ok(MemberType::from_odata(t)),
            None => Err(format!("{} answered without @odata.type", read.request)),
        },
        None => Err(ctx.why_unread(&ReadKey::Member)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_join_without_doubled_periods() {
        let r = [
            "No target group was given (--group).".to_string(),
            "the owners were not read".to_string(),
        ];
        assert_eq!(
            joined(&r),
            "No target group was given (--group); the owners were not read"
        );
    }
}
