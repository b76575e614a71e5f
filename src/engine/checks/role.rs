//! `user.role`: the caller's own right to make the change (facts.md §3a, §3b, §3d, §4a, §4b) —
//! tenant-wide roles (`wids`, activated directory roles, role assignments), AU-scoped
//! assignments, group ownership and PIM eligibility.

use serde_json::{json, Value};

use super::group::{group_aus, group_facts};
use crate::engine::evidence::{Ctx, Read, ReadKey};
use crate::engine::fixes;
use crate::knowledge::{roles, Flow, Role};
use crate::report::{CheckId, CheckResult, Evidence, OperationKind, Status};

/// One role held (or eligible) at a scope: `/` or `/administrativeUnits/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub template: String,
    pub scope: String,
    /// Where it was seen: `wids`, `directoryRoles`, `roleAssignments`, `roleEligibilitySchedules`.
    pub seen_in: &'static str,
}

/// The caller's roles as far as they could be read.
#[derive(Debug, Clone, Default)]
pub struct RoleFacts {
    pub active: Vec<Held>,
    pub eligible: Vec<Held>,
    /// Reasons reads failed (naming the permission they needed).
    pub unread: Vec<String>,
    pub assignments_read: bool,
    pub directory_roles_read: bool,
    pub eligibility_read: bool,
    /// Roles the token's `wids` lists but the directory no longer shows (removed, or a PIM
    /// activation that ended, since sign-in).
    pub stale_wids: Vec<String>,
    pub evidence: Vec<Evidence>,
}

fn assignments(read: &Read, seen_in: &'static str) -> Vec<Held> {
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
            Some(Held {
                template,
                scope,
                seen_in,
            })
        })
        .collect()
}

impl RoleFacts {
    pub fn read(ctx: &Ctx) -> RoleFacts {
        let mut f = RoleFacts::default();
        let delegated = ctx.flow() == Some(Flow::Delegated);
        // `wids` is a snapshot taken at sign-in (facts.md §6b); Graph authorizes against the
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
        if ctx.read(&ReadKey::RoleAssignments).is_some() {
            f.assignments_read = f.take(ctx, ReadKey::RoleAssignments, "roleAssignments");
        } else if !delegated {
            f.unread
                .push("the app's role assignments were not read".into());
        }
        if !delegated {
            f.active.extend(wids.into_iter().map(|template| Held {
                template,
                scope: "/".into(),
                seen_in: "wids",
            }));
        } else if f.directory_roles_read {
            // /me/transitiveMemberOf lists every active tenant-wide role, including those held
            // through a role-assignable group, so a `wids` entry it lacks is stale.
            f.stale_wids = wids
                .into_iter()
                // Only roles that could allow a change matter (not the member-user or guest
                // templates every token lists, facts.md §2).
                .filter(|w| {
                    role(w).is_some_and(|r| {
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
        let held = assignments(r, seen_in);
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

    pub fn complete_for_assignments(&self) -> bool {
        self.assignments_read
    }

    /// An active role held at a scope `in_scope` accepts whose id is not a built-in role template
    /// (a custom role's roleDefinitionId): what it allows cannot be told from the id, so it is
    /// reported as unknown, never as "no role".
    pub fn unknown_role(&self, in_scope: impl Fn(&str) -> bool) -> Option<String> {
        self.active
            .iter()
            .find(|h| {
                // wids may carry template ids with no published name (facts.md §2, §10.1):
                // only assignments read from Graph name a custom role.
                h.seen_in != "wids"
                    && roles::by_template(&h.template).is_none()
                    && in_scope(&h.scope)
            })
            .map(|h| {
                format!(
                    "the role with definition id {} (from {}, scope {}) is not a built-in role (a custom role?), so whether it allows this change cannot be told from its id",
                    h.template, h.seen_in, h.scope
                )
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
}

fn role(t: &str) -> Option<&'static Role> {
    roles::by_template(t)
}

/// Works out the caller's standing for the operation from the evidence.
pub fn standing(ctx: &Ctx) -> Result<Standing, String> {
    let facts = RoleFacts::read(ctx);
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
    };
    match ctx.op.kind {
        OperationKind::AddGroupMember => {
            let (g, read) = group_facts(ctx)?;
            st.group = Some((g.kind, g.role_assignable));
            st.evidence.insert(0, read.evidence_with(g.type_facts()));
            let ok = |r: &Role| {
                r.may_update_members(g.kind, false)
                    || (g.role_assignable && r.may_update_members(g.kind, true))
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
                    .is_some_and(|r| r.au_scopable && r.may_update_members(g.kind, false))
            };
            st.needs = format!("a role that may update members of a {} (Groups Administrator, User Administrator, ...), an assignment scoped to an administrative unit that contains the group, or ownership of the group", g.kind.name());
            if let Some(h) = facts
                .active
                .iter()
                .find(|h| h.scope == "/" && role(&h.template).is_some_and(ok))
            {
                st.path = Some(Path::TenantRole(h.template.clone()));
            } else if let Some(h) = facts.active.iter().find(|h| scoped_ok(h)) {
                st.path = Some(Path::ScopedRole(
                    h.template.clone(),
                    h.scope
                        .trim_start_matches("/administrativeUnits/")
                        .to_string(),
                ));
            } else if is_owner(ctx) == Some(true) {
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
                    h.scope == "/" && role(&h.template).is_some_and(|r| !r.group_members.is_empty())
                })
                .map(|h| h.template.clone());
            if let Some(r) = ctx.read(&ReadKey::GroupOwners) {
                st.evidence.push(r.evidence());
            }
            let owners_known = is_owner(ctx).is_some();
            if !owners_known {
                st.unread.push(ctx.why_unread(&ReadKey::GroupOwners));
            }
            // AU-scoped assignments matter only when the group sits in an administrative unit.
            let scoped_known = facts.assignments_read || aus.as_ref().is_ok_and(|a| a.is_empty());
            if aus.is_err() && !facts.assignments_read {
                st.unread.push(ctx.why_unread(&ReadKey::GroupAus));
            }
            st.complete = facts.tenant_roles_known() && owners_known && scoped_known;
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
        OperationKind::AddAuMember | OperationKind::CreateAuGroup => {
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
                "Groups Administrator or User Administrator (at the unit's scope or tenant-wide), or Privileged Role Administrator".into()
            } else {
                "Privileged Role Administrator (or Global Administrator)".into()
            };
            if let Some(h) = facts.active.iter().find(|h| ok(h)) {
                st.path = Some(if h.scope == "/" {
                    Path::TenantRole(h.template.clone())
                } else {
                    Path::ScopedRole(h.template.clone(), au.clone())
                });
            }
            st.eligible = facts
                .eligible
                .iter()
                .find(|h| ok(h))
                .map(|h| (h.template.clone(), h.scope.clone()));
            st.complete = facts.tenant_roles_known()
                && (facts.assignments_read || ctx.flow() == Some(Flow::Delegated) && !create);
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

/// `user.role`: does the caller hold a role or ownership that allows the change?
pub fn user_role(ctx: &Ctx) -> CheckResult {
    let id = CheckId::UserRole;
    let Some(flow) = ctx.flow() else {
        return CheckResult::unknown(
            id,
            "The token could not be read (see token.format), so the caller is unknown.",
        );
    };
    if flow == Flow::Delegated
        && crate::engine::token::token_account(ctx.token).status == Status::Fail
    {
        return CheckResult::unknown(id, "The signed-in account is a personal Microsoft account (see token.account); it holds no roles in a work or school tenant.");
    }
    if flow == Flow::Application && ctx.op.kind == OperationKind::AddGroupMember {
        return CheckResult::skipped(id, "An app-only token acts with its application permissions alone; no directory role is needed to add group members (see auth.permission).");
    }
    let st = match standing(ctx) {
        Ok(s) => s,
        Err(e) => return CheckResult::unknown(id, e),
    };
    let who = if flow == Flow::Application {
        "The app's service principal"
    } else {
        "The signed-in user"
    };
    let principal = ctx.token.oid().unwrap_or("<principal-id>");
    let mut r = match &st.path {
        Some(Path::TenantRole(t)) => CheckResult::new(
            id,
            Status::Pass,
            format!(
                "{who} holds {} tenant-wide, which allows this change.",
                roles::name_of(t)
            ),
        ),
        Some(Path::ScopedRole(t, au)) => CheckResult::new(
            id,
            Status::Pass,
            format!(
                "{who} holds {} scoped to administrative unit {au}, which contains the target.",
                roles::name_of(t)
            ),
        ),
        Some(Path::Owner) => CheckResult::new(
            id,
            Status::Pass,
            format!("{who} owns the group; owners may manage its members."),
        ),
        None => {
            if let Some((t, scope)) = &st.eligible {
                let mut r = CheckResult::new(id, Status::Fail, format!("{who} is eligible for {} in Privileged Identity Management but has not activated it.", roles::name_of(t)));
                r.fix = vec![format!("Activate {} (Entra admin center > Identity governance > Privileged Identity Management > My roles > Activate), wait a minute, then acquire a new token so wids reflects it.", roles::name_of(t))];
                r.fix_commands = fixes::activate_pim(principal, t, scope);
                r
            } else if !st.complete {
                CheckResult::unknown(id, format!("{who} holds no role seen to allow this change, but not everything could be read: {}.", st.unread.join("; ")))
            } else {
                let extra = st
                    .wrong_kind
                    .as_ref()
                    .and_then(|t| role(t))
                    .map(|r| format!(" {} covers {}.", r.name, r.scope_text()))
                    .unwrap_or_default();
                let stale = if st.stale_wids.is_empty() {
                    String::new()
                } else {
                    format!(
                        " The token's wids still lists {}, but the directory no longer shows it: the role was removed, or its PIM activation ended, after sign-in, and Graph checks the roles held now.",
                        st.stale_wids.iter().map(|t| roles::name_of(t)).collect::<Vec<_>>().join(", ")
                    )
                };
                let mut r = CheckResult::new(id, Status::Fail, format!("{who} holds no role or ownership that allows this change; it needs {}.{extra}{stale}", st.needs));
                let (template, scope) = match ctx.op.kind {
                    OperationKind::AddGroupMember => {
                        (roles::ids::GROUPS_ADMINISTRATOR, "/".to_string())
                    }
                    OperationKind::AddAuMember => {
                        (roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR, "/".to_string())
                    }
                    OperationKind::CreateAuGroup => (
                        roles::ids::GROUPS_ADMINISTRATOR,
                        format!(
                            "/administrativeUnits/{}",
                            ctx.op.au.as_deref().unwrap_or("<au-id>")
                        ),
                    ),
                };
                r.fix = vec![format!("Have a Privileged Role Administrator assign {} ({}) to {} — or ask someone who holds it to make the change — then acquire a new token.", roles::name_of(template), if scope == "/" { "tenant-wide".to_string() } else { format!("scoped to {scope}") }, principal)];
                if ctx.op.kind == OperationKind::AddGroupMember {
                    if let Some(g) = &ctx.op.group {
                        r.fix.push("Or have an owner or administrator add the user as an owner of the group.".into());
                        r.fix_commands.push(fixes::add_owner(g, principal));
                    }
                }
                r.fix_commands
                    .splice(0..0, fixes::assign_role(principal, template, &scope));
                let unmanageable = st.group.is_some_and(|(kind, _)| !kind.is_manageable());
                if unmanageable {
                    // No directory role changes a mail-enabled or distribution group's members
                    // through Graph (facts.md §5a): that is Exchange's job (see group.type).
                    r.fix = vec!["This group's members are managed in Exchange Online, not through Graph (see group.type): an Exchange recipient administrator or the group's Exchange owner makes the change there.".into()];
                    r.fix_commands.clear();
                }
                r
            }
        }
    };
    // A role that allows security/Microsoft 365 groups does not cover role-assignable ones
    // (facts.md §3b); that extra requirement is group.role_assignable's to judge.
    if r.status == Status::Pass
        && st.group.is_some_and(|(_, role_assignable)| role_assignable)
        && !matches!(&st.path, Some(Path::TenantRole(t)) if role(t).is_some_and(|x| x.may_update_members(crate::knowledge::GroupKind::Security, true)))
    {
        r.summary
            .push_str(" The group is role-assignable: its extra requirements are judged by group.role_assignable.");
    }
    r.evidence = st.evidence;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::checks::testkit::*;
    use serde_json::json;

    fn user(scp: &str, wids: &[&str]) -> World {
        World::new(delegated(scp, wids))
            .group(json!({}))
            .values(ReadKey::GroupAus, json!([]))
            .values(ReadKey::GroupOwners, json!([]))
            .values(ReadKey::RoleEligibility, json!([]))
    }

    #[test]
    fn app_only_group_adds_skip_but_au_adds_need_pra() {
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"])).group(json!({}));
        assert_eq!(user_role(&w.ctx()).status, Status::Skipped);
        let w = World::new(app_only(&["AdministrativeUnit.ReadWrite.All"]))
            .au_op(OperationKind::AddAuMember)
            .values(ReadKey::RoleAssignments, json!([]));
        assert_eq!(user_role(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&["AdministrativeUnit.ReadWrite.All"])).au_op(OperationKind::AddAuMember).values(ReadKey::RoleAssignments, json!([{"roleDefinitionId": roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR, "directoryScopeId": "/"}]));
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // An app-only token's wids name its service principal's tenant-wide roles.
        let mut w = World::new(app_only(&["AdministrativeUnit.ReadWrite.All"]))
            .au_op(OperationKind::AddAuMember)
            .denied(ReadKey::RoleAssignments);
        w.token = crate::engine::token::TokenAnalysis::new(
            &crate::secret::Secret::new(crate::auth::jwt::mint(
                &json!({"aud": "https://graph.microsoft.com", "tid": TENANT, "oid": SP, "appid": APP, "roles": ["AdministrativeUnit.ReadWrite.All"], "idtyp": "app", "wids": [roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR, "0997a1d0-0d1d-4acb-b408-d5ca73121e90"], "ver": "1.0", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}),
            )),
            NOW,
        );
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // An unnamed template in wids is not taken for a custom role.
        let mut w = World::new(app_only(&["AdministrativeUnit.ReadWrite.All"]))
            .au_op(OperationKind::AddAuMember)
            .values(ReadKey::RoleAssignments, json!([]));
        w.token = crate::engine::token::TokenAnalysis::new(
            &crate::secret::Secret::new(crate::auth::jwt::mint(
                &json!({"aud": "https://graph.microsoft.com", "tid": TENANT, "oid": SP, "appid": APP, "roles": ["AdministrativeUnit.ReadWrite.All"], "idtyp": "app", "wids": ["0997a1d0-0d1d-4acb-b408-d5ca73121e90"], "ver": "1.0", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}),
            )),
            NOW,
        );
        assert_eq!(user_role(&w.ctx()).status, Status::Fail);
    }

    #[test]
    fn delegated_paths() {
        // Groups Administrator from wids; role assignments unreadable but the group is in no AU.
        let w = user(
            "GroupMember.ReadWrite.All",
            &[roles::ids::GROUPS_ADMINISTRATOR],
        )
        .denied(ReadKey::RoleAssignments)
        .denied(ReadKey::MeRoles);
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // No role at all.
        let w = user("GroupMember.ReadWrite.All", &[])
            .values(ReadKey::MeRoles, json!([]))
            .denied(ReadKey::RoleAssignments);
        assert_eq!(user_role(&w.ctx()).status, Status::Fail);
        // Exchange Administrator on a security group.
        let exch = "29232cdf-9323-42fd-ade2-1d097af3e4de";
        let w = user("GroupMember.ReadWrite.All", &[exch])
            .values(
                ReadKey::MeRoles,
                json!([{"roleTemplateId": exch, "displayName": "Exchange Administrator"}]),
            )
            .values(ReadKey::RoleAssignments, json!([]));
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary.contains("Microsoft 365 groups only"),
            "{}",
            r.summary
        );
        // wids still lists Groups Administrator, but the directory no longer shows it: stale.
        let w = user(
            "GroupMember.ReadWrite.All",
            &[roles::ids::GROUPS_ADMINISTRATOR],
        )
        .values(ReadKey::MeRoles, json!([]))
        .values(ReadKey::RoleAssignments, json!([]));
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(
            r.summary.contains("wids still lists Groups Administrator"),
            "{}",
            r.summary
        );
        // Directory roles unreadable, direct assignments empty: a role held through a group may
        // only show in wids, so wids still counts.
        let w = user(
            "GroupMember.ReadWrite.All",
            &[roles::ids::GROUPS_ADMINISTRATOR],
        )
        .denied(ReadKey::MeRoles)
        .values(ReadKey::RoleAssignments, json!([]));
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // Owner.
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .values(ReadKey::GroupAus, json!([]))
            .values(ReadKey::GroupOwners, json!([{"id": OID}]));
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // Eligible in PIM, not active.
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[])).group(json!({})).values(ReadKey::GroupAus, json!([])).values(ReadKey::GroupOwners, json!([])).values(ReadKey::MeRoles, json!([])).values(ReadKey::RoleEligibility, json!([{"roleDefinitionId": roles::ids::GROUPS_ADMINISTRATOR, "directoryScopeId": "/"}]));
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("eligible"));
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.text.contains("selfActivate")));
        // AU-scoped Groups Administrator over a unit containing the group.
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[])).group(json!({})).values(ReadKey::GroupAus, json!([{"id": AU, "isMemberManagementRestricted": false}])).values(ReadKey::GroupOwners, json!([])).values(ReadKey::MeRoles, json!([])).values(ReadKey::RoleAssignments, json!([{"roleDefinitionId": roles::ids::GROUPS_ADMINISTRATOR, "directoryScopeId": format!("/administrativeUnits/{AU}")}]));
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // Group in an AU, assignments unreadable, no tenant role: unknown.
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .values(ReadKey::GroupAus, json!([{"id": AU}]))
            .values(ReadKey::GroupOwners, json!([]))
            .values(ReadKey::MeRoles, json!([]))
            .denied(ReadKey::RoleAssignments);
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Unknown);
        assert!(
            r.summary.contains("RoleManagement.Read.Directory"),
            "{}",
            r.summary
        );
    }

    #[test]
    fn custom_roles_are_unknown_not_absent() {
        // A roleDefinitionId that is no built-in template: a custom role, perhaps with
        // microsoft.directory/groups/members/update. Not "no role".
        let custom = "aaaaaaaa-0000-4000-8000-00000000c057";
        let w = user("GroupMember.ReadWrite.All", &[])
            .values(ReadKey::MeRoles, json!([]))
            .values(
                ReadKey::RoleAssignments,
                json!([{"roleDefinitionId": custom, "directoryScopeId": "/"}]),
            );
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(r.summary.contains(custom), "{}", r.summary);
        // A known role that allows the change still passes beside it.
        let w = user(
            "GroupMember.ReadWrite.All",
            &[roles::ids::GROUPS_ADMINISTRATOR],
        )
        .values(
            ReadKey::MeRoles,
            json!([{"roleTemplateId": roles::ids::GROUPS_ADMINISTRATOR}]),
        )
        .values(
            ReadKey::RoleAssignments,
            json!([{"roleDefinitionId": custom, "directoryScopeId": "/"}]),
        );
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // Custom role scoped elsewhere: irrelevant, so still a failure.
        let w = user("GroupMember.ReadWrite.All", &[])
            .values(ReadKey::MeRoles, json!([]))
            .values(
                ReadKey::RoleAssignments,
                json!([{"roleDefinitionId": custom, "directoryScopeId": "/administrativeUnits/elsewhere"}]),
            );
        assert_eq!(user_role(&w.ctx()).status, Status::Fail);
        // Apps adding to an administrative unit: the same.
        let w = World::new(app_only(&["AdministrativeUnit.ReadWrite.All"]))
            .au_op(OperationKind::AddAuMember)
            .values(
                ReadKey::RoleAssignments,
                json!([{"roleDefinitionId": custom, "directoryScopeId": "/"}]),
            );
        assert_eq!(user_role(&w.ctx()).status, Status::Unknown);
    }

    #[test]
    fn partial_listings_are_not_complete() {
        // Owners listed on one page with more left: ownership is not known.
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .values(ReadKey::GroupAus, json!([]))
            .values(ReadKey::MeRoles, json!([]))
            .values(ReadKey::RoleEligibility, json!([]))
            .values(ReadKey::RoleAssignments, json!([]))
            .answer(
                ReadKey::GroupOwners,
                200,
                json!({"value": [{"id": "someone-else"}], "@odata.nextLink": "https://graph.microsoft.com/v1.0/groups/x/owners?$skiptoken=2"}),
            );
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(r.summary.contains("more pages"), "{}", r.summary);
    }

    #[test]
    fn creating_a_group_in_a_unit_needs_a_role_at_its_scope() {
        let scoped = json!([{"roleDefinitionId": roles::ids::GROUPS_ADMINISTRATOR, "directoryScopeId": format!("/administrativeUnits/{AU}")}]);
        let other = json!([{"roleDefinitionId": roles::ids::GROUPS_ADMINISTRATOR, "directoryScopeId": "/administrativeUnits/someone-else"}]);
        let w = World::new(delegated(
            "Group.ReadWrite.All AdministrativeUnit.Read.All",
            &[],
        ))
        .au_op(OperationKind::CreateAuGroup)
        .values(ReadKey::MeRoles, json!([]))
        .values(ReadKey::RoleEligibility, json!([]))
        .values(ReadKey::RoleAssignments, scoped.clone());
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        let w = World::new(delegated(
            "Group.ReadWrite.All AdministrativeUnit.Read.All",
            &[],
        ))
        .au_op(OperationKind::CreateAuGroup)
        .values(ReadKey::MeRoles, json!([]))
        .values(ReadKey::RoleEligibility, json!([]))
        .values(ReadKey::RoleAssignments, other);
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.text.contains(&format!("/administrativeUnits/{AU}"))));
        // Apps too: "the calling principal must be assigned" the role (facts.md §4a).
        let w = World::new(app_only(&["Group.Create", "AdministrativeUnit.Read.All"]))
            .au_op(OperationKind::CreateAuGroup)
            .values(ReadKey::RoleAssignments, scoped);
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&["Group.Create", "AdministrativeUnit.Read.All"]))
            .au_op(OperationKind::CreateAuGroup)
            .denied(ReadKey::RoleAssignments);
        assert_eq!(user_role(&w.ctx()).status, Status::Unknown);
    }
}
