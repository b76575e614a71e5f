//! `user.role`: the caller's own right to make the change (docs/facts.md §3a, §3b, §3d, §4a, §4b) —
//! tenant-wide roles (`wids`, activated directory roles, role assignments), AU-scoped
//! assignments, group ownership and PIM eligibility.

use crate::checks::evidence::Ctx;
use crate::checks::evidence::ReadKey;
use crate::checks::facts::{standing, Path};
use crate::checks::fixes;
use crate::checks::{CheckSpec, Merge, Schedule};
use crate::knowledge::{roles, Flow};
use crate::report::{CheckId, CheckResult, OperationKind, Status};

/// `user.role`: Does the caller hold a role or ownership that allows this change?
pub const USER_ROLE: CheckSpec = CheckSpec {
    id: CheckId::UserRole,
    title: "Caller holds a role or ownership that allows the change",
    question: "Does the caller hold a role or ownership that allows this change?",
    rule: "A delegated call also needs the signed-in user's own right: a directory role whose actions cover this kind of group's members (microsoft.directory/groups/members/update for security and Microsoft 365 groups; groups.unified/members/update or groups.security/members/update for one kind only), an assignment of such a role scoped to an administrative unit that contains the group, or ownership. Roles held through a role-assignable group count like direct ones. A role eligible in Privileged Identity Management, or an ownership or membership eligible in PIM for Groups, allows nothing until it is activated. A guest user or service principal can use an AU-scoped assignment only while it also holds a role that reads the directory (Directory Readers or another) at tenant scope. Changing an administrative unit's members needs a role allowed to do so for the calling principal, app or user. The verdict names the roles that qualify.",
    docs: &[super::DOC_ADD_MEMBERS, super::DOC_AU_ADD, "https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference", "https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-assign-roles"],
    // The member's read tells an owner's type (some roles may change user owners only).
    needs: &[ReadKey::Group, ReadKey::GroupAus, ReadKey::GroupOwners, ReadKey::Me, ReadKey::MeRoles, ReadKey::RoleAssignments, ReadKey::RoleEligibility, ReadKey::RoleDefinitions, ReadKey::Member, ReadKey::GroupEligibility],
    schedule: Schedule::AfterDetails,
    merge: Merge::FillsGaps,
    decide: user_role,
    on_refusal: None,
};

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
        && crate::checks::token::token_account(ctx.token).status == Status::Fail
    {
        return CheckResult::unknown(id, "The signed-in account is a personal Microsoft account (see token.account); it holds no roles in a work or school tenant.");
    }
    if flow == Flow::Application && ctx.op.kind == OperationKind::AddGroupMember {
        return CheckResult::skipped(id, "An app-only token acts with its application permissions alone; no directory role is needed to add group members (see auth.permission).");
    }
    if flow == Flow::Application && ctx.op.kind.targets_group() {
        return CheckResult::skipped(id, format!("An app-only token acts with its application permissions alone; no directory role is needed to change a group's {} (see auth.permission).", ctx.op.kind.references_noun()));
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
    let through = st
        .through
        .as_ref()
        .map(|g| format!(" (through group {g}, a role-assignable group it belongs to)"))
        .unwrap_or_default();
    let mut r = match &st.path {
        Some(Path::TenantRole(t)) => CheckResult::new(
            id,
            Status::Pass,
            format!(
                "{who} holds {} tenant-wide{through}, which allows this change. {}",
                st.book.name_of(t),
                st.book.decided_by(t)
            ),
        ),
        Some(Path::ScopedRole(t, au)) => CheckResult::new(
            id,
            Status::Pass,
            format!(
                "{who} holds {} scoped to administrative unit {au}{through}, which contains the target. {}",
                st.book.name_of(t),
                st.book.decided_by(t)
            ),
        ),
        Some(Path::Owner) => CheckResult::new(
            id,
            Status::Pass,
            format!(
                "{who} owns the group; owners may manage its {}.",
                ctx.op.kind.references_noun()
            ),
        ),
        None => {
            if let Some((t, scope)) = &st.eligible {
                let mut r = CheckResult::new(id, Status::Fail, format!("{who} is eligible for {} in Privileged Identity Management but has not activated it.", st.book.name_of(t)));
                r.fix = vec![format!("Activate {} (Entra admin center > Identity governance > Privileged Identity Management > My roles > Activate), wait a minute, then acquire a new token so wids reflects it.", st.book.name_of(t))];
                r.fix_commands = fixes::activate_pim(principal, t, scope);
                r
            } else if let (Some(e), true) = (&st.group_eligible, st.complete) {
                pim_group_fail(ctx, &st, e, who, principal)
            } else if let Some(u) = &st.scoped_unusable {
                u.fail(id, who, principal)
            } else if !st.complete {
                let mut r = CheckResult::unknown(id, format!("{who} holds no role seen to allow this change, but not everything could be read: {}.", crate::checks::facts::joined(&st.unread)));
                // Eligible access is no verdict while the active standing is not all known (the
                // caller may hold the ownership already), but it is the likely fix.
                if let Some(e) = &st.group_eligible {
                    let hint = pim_group_fail(ctx, &st, e, who, principal);
                    r.summary.push_str(&format!(" It is eligible, through PIM for Groups, for {}: if that is its only way, activating it is the fix.", e.describe()));
                    r.fix = hint.fix;
                    r.fix_commands = hint.fix_commands;
                }
                r
            } else {
                let extra = st
                    .wrong_kind
                    .as_ref()
                    .and_then(|t| st.book.get(t))
                    .map(|r| format!(" {} covers {}.", r.name, r.scope_text()))
                    .unwrap_or_default();
                let stale = if st.stale_wids.is_empty() {
                    String::new()
                } else {
                    format!(
                        " The token's wids still lists {}, but the directory no longer shows it: the role was removed, or its PIM activation ended, after sign-in, and Graph checks the roles held now.",
                        st.stale_wids.iter().map(|t| st.book.name_of(t)).collect::<Vec<_>>().join(", ")
                    )
                };
                let source = match &st.book.unread {
                    None => " The roles it holds were judged from their definitions' allowedResourceActions (GET /v1.0/roleManagement/directory/roleDefinitions).".to_string(),
                    Some(why) => format!(" The roles it holds were judged from graph-doctor's curated roles table: the role definitions could not be read ({why})."),
                };
                let pim_groups = st
                    .group_eligibility_unread
                    .as_ref()
                    .map(|why| format!(" Whether it is eligible for ownership of the group, or for membership of a group holding such a role, through PIM for Groups could not be read ({why})."))
                    .unwrap_or_default();
                let private_self_join = private_self_join(ctx, &st);
                let self_join = if private_self_join {
                    " It is adding itself to a private Microsoft 365 group, whose members its owners or an administrator add (https://learn.microsoft.com/microsoft-365/admin/create-groups/compare-groups)."
                } else {
                    ""
                };
                let mut r = CheckResult::new(id, Status::Fail, format!("{who} holds no role or ownership that allows this change; it needs {}.{extra}{stale}{source}{pim_groups}{self_join}", st.needs));
                let (template, scope) = match ctx.op.kind {
                    OperationKind::AddGroupMember
                    | OperationKind::RemoveGroupMember
                    | OperationKind::AddGroupOwner
                    | OperationKind::RemoveGroupOwner
                    | OperationKind::Request => {
                        (roles::ids::GROUPS_ADMINISTRATOR, "/".to_string())
                    }
                    OperationKind::AddAuMember | OperationKind::RemoveAuMember => {
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
                r.fix = vec![format!("Have a Privileged Role Administrator assign {} ({}) to {} — or ask someone who holds it to make the change — then acquire a new token.", roles::name_of(template), if scope == "/" { "tenant-wide".to_string() } else { format!("scoped to {scope}") }, crate::checks::facts::caller_label(ctx))];
                if private_self_join {
                    r.fix.insert(0, "Ask an owner of the group to add you, or request to join it from Outlook or Teams (the request goes to the owners).".into());
                }
                if ctx.op.kind.targets_group() {
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
                    // through Graph (docs/facts.md §5a): that is Exchange's job (see group.type).
                    r.fix = vec!["This group's members are managed in Exchange Online, not through Graph (see group.type): an Exchange recipient administrator or the group's Exchange owner makes the change there.".into()];
                    r.fix_commands.clear();
                }
                r
            }
        }
    };
    // A role that allows security/Microsoft 365 groups does not cover role-assignable ones
    // (docs/facts.md §3b); that extra requirement is group.role_assignable's to judge.
    if r.status == Status::Pass
        && st.group.is_some_and(|(_, role_assignable)| role_assignable)
        && !matches!(&st.path, Some(Path::TenantRole(t)) if st.book.get(t).is_some_and(|x| x.may_update_members(crate::knowledge::GroupKind::Security, true)))
    {
        r.summary
            .push_str(" The group is role-assignable: its extra requirements are judged by group.role_assignable.");
    }
    r.evidence = st.evidence;
    r
}

/// Whether a delegated caller is adding itself to a private Microsoft 365 group (visibility
/// Private, or HiddenMembership, which is private too:
/// https://learn.microsoft.com/graph/api/resources/group).
fn private_self_join(ctx: &Ctx, st: &crate::checks::facts::Standing) -> bool {
    let own = ctx.op.kind == OperationKind::AddGroupMember
        && ctx
            .op
            .member
            .as_deref()
            .zip(ctx.token.oid())
            .is_some_and(|(m, oid)| m.eq_ignore_ascii_case(oid));
    let unified = st
        .group
        .is_some_and(|(kind, _)| kind == crate::knowledge::GroupKind::Microsoft365);
    let hidden = &crate::knowledge::membership::hidden_membership().visibility;
    let private = ctx
        .read(&ReadKey::Group)
        .and_then(|r| r.ok_body())
        .and_then(|g| g.get("visibility"))
        .and_then(serde_json::Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("Private") || v.eq_ignore_ascii_case(hidden));
    own && unified && private
}

/// The failure of a caller whose access would come from a PIM for Groups eligibility it has not
/// activated: eligible owners and members are neither until they activate
/// (https://learn.microsoft.com/entra/id-governance/privileged-identity-management/groups-activate-roles).
fn pim_group_fail(
    ctx: &Ctx,
    st: &crate::checks::facts::Standing,
    e: &crate::checks::facts::GroupEligible,
    who: &str,
    principal: &str,
) -> CheckResult {
    let id = CheckId::UserRole;
    let noun = ctx.op.kind.references_noun();
    let mut r = match &e.role {
        None => {
            let mut r = CheckResult::new(id, Status::Fail, format!("{who} is eligible to own the group through PIM for Groups but has not activated that ownership: until it does, it is not an owner, and it holds no role that allows changing the group's {noun}."));
            r.fix = vec!["Activate the ownership (Entra admin center > Identity governance > Privileged Identity Management > My roles > Groups > Eligible assignments > Activate), then retry: Graph checks ownership when the request is made, so the token need not be renewed.".to_string()];
            r
        }
        Some((template, scope)) => {
            let where_ = if scope == "/" {
                "tenant-wide".to_string()
            } else {
                format!("scoped to {scope}")
            };
            let mut r = CheckResult::new(id, Status::Fail, format!("{who} is eligible for membership of group {} through PIM for Groups, and that group holds {} ({where_}), which allows this change; the membership has not been activated, so the role is not held.", e.group, st.book.name_of(template)));
            r.fix = vec![format!("Activate the membership of group {} (Entra admin center > Identity governance > Privileged Identity Management > My roles > Groups > Eligible assignments > Activate), wait a minute, then acquire a new token so wids reflects the role.", e.group)];
            r
        }
    };
    r.fix_commands = fixes::activate_pim_group(principal, &e.group, e.access);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::evidence::ReadKey;
    use crate::checks::testkit::*;
    use serde_json::{json, Value};

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
        let w = World::new(app_only(&["AdministrativeUnit.ReadWrite.All"]))
            .au_op(OperationKind::AddAuMember)
            .assigned(&[(roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR, "/")]);
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // An app-only token's wids name its service principal's tenant-wide roles.
        const UNNAMED: &str = "0997a1d0-0d1d-4acb-b408-d5ca73121e90";
        let w = World::new(app_only_with_wids(
            &["AdministrativeUnit.ReadWrite.All"],
            &[roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR, UNNAMED],
        ))
        .au_op(OperationKind::AddAuMember)
        .denied(ReadKey::RoleAssignments);
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        // An unnamed template in wids is not taken for a custom role.
        let w = World::new(app_only_with_wids(
            &["AdministrativeUnit.ReadWrite.All"],
            &[UNNAMED],
        ))
        .au_op(OperationKind::AddAuMember)
        .assigned(&[]);
        assert_eq!(user_role(&w.ctx()).status, Status::Fail);
    }

    /// A delegated caller with no role and no ownership, whose PIM for Groups eligibilities read
    /// as `eligibilities`.
    fn eligible_in_groups(eligibilities: Value) -> World {
        World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .in_units(&[])
            .no_standing()
            .eligible(&[])
            .assigned(&[])
            .values(ReadKey::GroupEligibility, eligibilities)
    }

    #[test]
    fn pim_for_groups_eligibility_that_is_not_active_fails_with_its_activation() {
        const HOLDER: &str = "88888888-8888-8888-8888-888888888888";
        // Eligible owner of the target group.
        let w = eligible_in_groups(json!([
            {"groupId": GROUP, "principalId": OID, "accessId": "owner"},
            // Someone else's eligibility, and the caller's membership of the target: neither helps.
            {"groupId": GROUP, "principalId": MEMBER, "accessId": "owner"},
            {"groupId": GROUP, "principalId": OID, "accessId": "member"},
        ]));
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(
            r.summary
                .contains("eligible to own the group through PIM for Groups"),
            "{}",
            r.summary
        );
        assert!(r.fix_commands.iter().any(|c| c
            .text
            .contains("privilegedAccess/group/assignmentScheduleRequests")
            && c.text.contains("\"accessId\": \"owner\"")));
        // Another principal's eligible ownership is not the caller's.
        let w = eligible_in_groups(
            json!([{"groupId": GROUP, "principalId": MEMBER, "accessId": "owner"}]),
        );
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary.contains("holds no role or ownership"),
            "{}",
            r.summary
        );
        // Eligible member of a group that holds Groups Administrator tenant-wide.
        let member_of_holder =
            json!([{"groupId": HOLDER, "principalId": OID, "accessId": "member"}]);
        let w = eligible_in_groups(member_of_holder.clone()).values(
            ReadKey::GroupRoles(HOLDER.into()),
            json!([{"principalId": HOLDER, "roleDefinitionId": roles::ids::GROUPS_ADMINISTRATOR, "directoryScopeId": "/"}]),
        );
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary.contains(&format!("membership of group {HOLDER}")),
            "{}",
            r.summary
        );
        assert!(r.summary.contains("Groups Administrator"), "{}", r.summary);
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.text.contains("-AccessId member")));
        // The group holds a role that does not cover security groups' members: no such path.
        let exch = "29232cdf-9323-42fd-ade2-1d097af3e4de";
        let w = eligible_in_groups(member_of_holder.clone()).values(
            ReadKey::GroupRoles(HOLDER.into()),
            json!([{"principalId": HOLDER, "roleDefinitionId": exch, "directoryScopeId": "/"}]),
        );
        assert!(user_role(&w.ctx())
            .summary
            .contains("holds no role or ownership"));
        // The group's roles unreadable: still a failure (nothing allows the change now), and the
        // summary says what could not be read.
        let w = eligible_in_groups(member_of_holder).denied(ReadKey::GroupRoles(HOLDER.into()));
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary
                .contains("through PIM for Groups could not be read"),
            "{}",
            r.summary
        );
        // The eligibilities unreadable: the same, naming the permission.
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .in_units(&[])
            .no_standing()
            .eligible(&[])
            .assigned(&[])
            .denied(ReadKey::GroupEligibility);
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary
                .contains("PrivilegedEligibilitySchedule.Read.AzureADGroup"),
            "{}",
            r.summary
        );
        // The owners unreadable: the caller may own the group already, so no verdict, but the
        // activation is offered as the likely fix.
        let w = eligible_in_groups(
            json!([{"groupId": GROUP, "principalId": OID, "accessId": "owner"}]),
        )
        .denied(ReadKey::GroupOwners);
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(
            r.summary
                .contains("eligible, through PIM for Groups, for ownership of the group"),
            "{}",
            r.summary
        );
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.text.contains("selfActivate")));
        // A distribution group: no activation makes it manageable through Graph.
        let w = eligible_in_groups(
            json!([{"groupId": GROUP, "principalId": OID, "accessId": "owner"}]),
        )
        .group(json!({"mailEnabled": true, "securityEnabled": false}));
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(!r.summary.contains("PIM for Groups"), "{}", r.summary);
        assert!(r
            .fix_commands
            .iter()
            .all(|c| !c.text.contains("selfActivate")));
        // An eligible group whose roles were not read (past the limit): said, not silently skipped.
        let w = eligible_in_groups(
            json!([{"groupId": HOLDER, "principalId": OID, "accessId": "member"}]),
        );
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary
                .contains(&format!("the roles of group {HOLDER} were not read")),
            "{}",
            r.summary
        );
        // An active owner passes whatever the eligibilities say.
        let w = eligible_in_groups(
            json!([{"groupId": GROUP, "principalId": OID, "accessId": "owner"}]),
        )
        .values(ReadKey::GroupOwners, json!([{"id": OID}]));
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
    }

    #[test]
    fn adding_oneself_to_a_private_microsoft_365_group_says_so() {
        let private = json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false, "visibility": "Private"});
        let join = |group: Value, member: &str| {
            let mut w = eligible_in_groups(json!([])).group(group);
            w.op.member = Some(member.into());
            user_role(&w.ctx())
        };
        let r = join(private.clone(), OID);
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary
                .contains("adding itself to a private Microsoft 365 group"),
            "{}",
            r.summary
        );
        assert!(r.fix[0].starts_with("Ask an owner"), "{:?}", r.fix);
        // Someone else, or a public group: no such sentence.
        assert!(!join(private, MEMBER).summary.contains("adding itself"));
        let hidden = json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false, "visibility": "hiddenmembership"});
        assert!(join(hidden, OID).summary.contains("adding itself"));
        let public = json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false, "visibility": "Public"});
        assert!(!join(public, OID).summary.contains("adding itself"));
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
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .in_units(&[])
            .no_standing()
            .eligible(&[(roles::ids::GROUPS_ADMINISTRATOR, "/")]);
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("eligible"));
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.text.contains("selfActivate")));
        // AU-scoped Groups Administrator over a unit containing the group.
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .in_units(&[(AU, false)])
            .no_standing()
            .assigned(&[(roles::ids::GROUPS_ADMINISTRATOR, AU)]);
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

    /// With the role definitions read, a custom role is judged from its allowedResourceActions:
    /// the action's group subtype against the group's kind, the assignment's scope against the
    /// group's units.
    #[test]
    fn custom_roles_are_judged_from_their_definitions() {
        let custom = "aaaaaaaa-0000-4000-8000-00000000c057";
        let def = |actions: serde_json::Value| {
            json!([{"id": custom, "displayName": "Membership helpers", "isBuiltIn": false, "templateId": null,
                    "rolePermissions": [{"allowedResourceActions": actions, "condition": null}]}])
        };
        let world = |actions: serde_json::Value, scope: &str, units: serde_json::Value| {
            World::new(delegated("GroupMember.ReadWrite.All", &[]))
                .group(json!({}))
                .values(ReadKey::GroupAus, units)
                .values(ReadKey::GroupOwners, json!([]))
                .values(ReadKey::RoleEligibility, json!([]))
                .values(ReadKey::MeRoles, json!([]))
                .values(
                    ReadKey::RoleAssignments,
                    json!([{"principalId": OID, "roleDefinitionId": custom, "directoryScopeId": scope}]),
                )
                .values(ReadKey::RoleDefinitions, def(actions))
        };
        // groups/members/update tenant-wide: passes, saying the definition decided.
        let r = user_role(
            &world(
                json!(["microsoft.directory/groups/members/update"]),
                "/",
                json!([]),
            )
            .ctx(),
        );
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        assert!(r.summary.contains("Membership helpers"), "{}", r.summary);
        assert!(
            r.summary.contains("allowedResourceActions"),
            "{}",
            r.summary
        );
        // Owners only: fails, and no longer "unknown".
        let r = user_role(
            &world(
                json!(["microsoft.directory/groups/owners/update"]),
                "/",
                json!([]),
            )
            .ctx(),
        );
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        // Microsoft 365 groups only, on a security group (the testkit's default kind): fails.
        let r = user_role(
            &world(
                json!(["microsoft.directory/groups.unified/members/update"]),
                "/",
                json!([]),
            )
            .ctx(),
        );
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        // Security groups with assigned membership: passes.
        let r = user_role(
            &world(
                json!(["microsoft.directory/groups.security.assignedMembership/members/update"]),
                "/",
                json!([]),
            )
            .ctx(),
        );
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        // Scoped to a unit holding the group: passes; to another unit: fails.
        let units = json!([{"id": AU, "isMemberManagementRestricted": false}]);
        let r = user_role(
            &world(
                json!(["microsoft.directory/groups/members/update"]),
                &format!("/administrativeUnits/{AU}"),
                units.clone(),
            )
            .ctx(),
        );
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        let r = user_role(
            &world(
                json!(["microsoft.directory/groups/members/update"]),
                "/administrativeUnits/elsewhere",
                units,
            )
            .ctx(),
        );
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        // Definitions refused: the curated table decides, the custom role is unknown and the
        // permission to add is named.
        let w = world(json!([]), "/", json!([])).denied(ReadKey::RoleDefinitions);
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(
            r.summary.contains("RoleManagement.Read.Directory"),
            "{}",
            r.summary
        );
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
        assert!(r.summary.contains("was truncated"), "{}", r.summary);
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
        // Apps too: "the calling principal must be assigned" the role (docs/facts.md §4a), and a
        // service principal uses an AU-scoped role only beside a tenant-wide read role
        // (admin-units-assign-roles).
        let w = World::new(app_only(&["Group.Create", "AdministrativeUnit.Read.All"]))
            .au_op(OperationKind::CreateAuGroup)
            .values(ReadKey::RoleAssignments, scoped.clone());
        assert_eq!(user_role(&w.ctx()).status, Status::Fail);
        let mut with_reader = scoped.as_array().cloned().unwrap_or_default();
        with_reader.push(json!({"roleDefinitionId": DIRECTORY_READERS, "directoryScopeId": "/"}));
        let w = World::new(app_only(&["Group.Create", "AdministrativeUnit.Read.All"]))
            .au_op(OperationKind::CreateAuGroup)
            .values(ReadKey::RoleAssignments, json!(with_reader));
        assert_eq!(user_role(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&["Group.Create", "AdministrativeUnit.Read.All"]))
            .au_op(OperationKind::CreateAuGroup)
            .denied(ReadKey::RoleAssignments);
        assert_eq!(user_role(&w.ctx()).status, Status::Unknown);
    }

    const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";

    /// A signed-in user acting through an AU-scoped Groups Administrator over a unit holding the
    /// group, with the given user read and role assignments.
    fn scoped(me: serde_json::Value, extra: &[serde_json::Value]) -> World {
        let mut assignments = vec![
            json!({"principalId": OID, "roleDefinitionId": roles::ids::GROUPS_ADMINISTRATOR, "directoryScopeId": format!("/administrativeUnits/{AU}")}),
        ];
        assignments.extend(extra.iter().cloned());
        World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .values(
                ReadKey::GroupAus,
                json!([{"id": AU, "isMemberManagementRestricted": false}]),
            )
            .values(ReadKey::GroupOwners, json!([]))
            .values(ReadKey::MeRoles, json!([]))
            .values(ReadKey::RoleEligibility, json!([]))
            .values(ReadKey::RoleAssignments, json!(assignments))
            .answer(ReadKey::Me, 200, me)
    }

    /// admin-units-assign-roles, "Service principals and guest users": an AU-scoped role needs a
    /// tenant-wide read role beside it.
    #[test]
    fn guests_need_a_tenant_wide_read_role_to_use_au_scoped_roles() {
        let guest = json!({"userPrincipalName": "gwen_fabrikam.com#EXT#@contoso.onmicrosoft.com", "userType": "Guest"});
        let r = user_role(&scoped(guest.clone(), &[]).ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(r.summary.contains("guest user"), "{}", r.summary);
        assert!(r.summary.contains("Directory Readers"), "{}", r.summary);
        assert!(
            r.fix_commands
                .iter()
                .any(|c| c.text.contains(DIRECTORY_READERS)),
            "{:?}",
            r.fix_commands
        );
        // With Directory Readers tenant-wide the assignment works.
        let reader = json!({"principalId": OID, "roleDefinitionId": DIRECTORY_READERS, "directoryScopeId": "/"});
        let r = user_role(&scoped(guest, &[reader]).ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        // A member user needs nothing more.
        let r = user_role(&scoped(json!({"userType": "Member"}), &[]).ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        // The user's type not read, and the token from another identity provider: not known.
        let mut w = scoped(json!({"userPrincipalName": "x"}), &[]);
        w.token = crate::checks::evidence::TokenAnalysis::new(
            &crate::secret::Secret::new(crate::auth::jwt::mint(
                &json!({"aud": "https://graph.microsoft.com", "tid": TENANT, "oid": OID, "appid": APP, "scp": "GroupMember.ReadWrite.All", "iss": format!("https://sts.windows.net/{TENANT}/"), "idp": "https://sts.windows.net/99999999-9999-9999-9999-999999999999/", "ver": "1.0", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}),
            )),
            NOW,
        );
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(r.summary.contains("idp"), "{}", r.summary);
    }

    /// transitiveRoleAssignments names the role-assignable group as the principal of a role held
    /// through it; the direct-only fallback cannot rule such a role out.
    #[test]
    fn roles_held_through_groups() {
        let group = "88888888-8888-8888-8888-888888888888";
        let w = World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .values(ReadKey::GroupAus, json!([{"id": AU, "isMemberManagementRestricted": false}]))
            .values(ReadKey::GroupOwners, json!([]))
            .values(ReadKey::MeRoles, json!([]))
            .values(ReadKey::RoleEligibility, json!([]))
            .values(ReadKey::RoleAssignments, json!([{"principalId": group, "roleDefinitionId": roles::ids::GROUPS_ADMINISTRATOR, "directoryScopeId": format!("/administrativeUnits/{AU}")}]));
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        assert!(r.summary.contains(group), "{}", r.summary);
        // Only direct assignments (the plain form), none of them: not known, not "no role".
        let mut w = World::new(delegated("GroupMember.ReadWrite.All", &[]))
            .group(json!({}))
            .values(
                ReadKey::GroupAus,
                json!([{"id": AU, "isMemberManagementRestricted": false}]),
            )
            .values(ReadKey::GroupOwners, json!([]))
            .values(ReadKey::MeRoles, json!([]))
            .values(ReadKey::RoleEligibility, json!([]))
            .values(ReadKey::RoleAssignments, json!([]));
        if let Some(r) = w.reads.get_mut(&ReadKey::RoleAssignments) {
            r.plain_form = true;
        }
        let r = user_role(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(
            r.summary.contains("transitiveRoleAssignments"),
            "{}",
            r.summary
        );
        // The group in no unit: the direct assignments and the activated roles suffice.
        let mut w = user("GroupMember.ReadWrite.All", &[])
            .values(ReadKey::MeRoles, json!([]))
            .values(ReadKey::RoleAssignments, json!([]));
        if let Some(r) = w.reads.get_mut(&ReadKey::RoleAssignments) {
            r.plain_form = true;
        }
        assert_eq!(user_role(&w.ctx()).status, Status::Fail);
    }

    #[test]
    fn owner_changes_follow_the_owners_rows() {
        const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
        const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
        let owner = |wids: &[&str], kind: OperationKind, t: &str| {
            let me: Vec<serde_json::Value> = wids
                .iter()
                .map(|t| json!({"roleTemplateId": t, "displayName": roles::name_of(t)}))
                .collect();
            let mut w = user("Group.ReadWrite.All", wids)
                .values(ReadKey::MeRoles, json!(me))
                .values(ReadKey::RoleAssignments, json!([]))
                .answer(
                    ReadKey::Member,
                    200,
                    json!({"@odata.type": t, "id": MEMBER}),
                );
            w.op.kind = kind;
            w
        };
        let user_t = "#microsoft.graph.user";
        let sp_t = "#microsoft.graph.servicePrincipal";
        // User Administrator: user owners only.
        let r = user_role(&owner(&[USER_ADMIN], OperationKind::AddGroupOwner, user_t).ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        let r = user_role(&owner(&[USER_ADMIN], OperationKind::AddGroupOwner, sp_t).ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(r.summary.contains("owners"), "{}", r.summary);
        // Exchange Administrator: owners of Microsoft 365 groups only (the group is a security group).
        let r = user_role(&owner(&[EXCHANGE], OperationKind::RemoveGroupOwner, user_t).ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        // Identity Governance Administrator may change members, but is no owners row.
        const IGA: &str = "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e";
        let r = user_role(&owner(&[IGA], OperationKind::AddGroupOwner, user_t).ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        let r = user_role(&owner(&[IGA], OperationKind::RemoveGroupMember, user_t).ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        // App-only group changes need no role; removing an AU member needs PRA, for apps too.
        let mut w = World::new(app_only(&["Group.ReadWrite.All"])).group(json!({}));
        w.op.kind = OperationKind::AddGroupOwner;
        assert_eq!(user_role(&w.ctx()).status, Status::Skipped);
        let w = World::new(app_only(&["AdministrativeUnit.ReadWrite.All"]))
            .au_op(OperationKind::RemoveAuMember)
            .values(ReadKey::RoleAssignments, json!([]));
        assert_eq!(user_role(&w.ctx()).status, Status::Fail);
    }
}
