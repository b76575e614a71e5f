//! The target group's checks: `group.exists`, `group.type`, `group.dynamic`, `group.synced`,
//! `group.role_assignable`, `group.restricted_au` (docs/facts.md §3c, §4c, §5).

use serde_json::{json, Value};

use crate::checks::evidence::{Ctx, Read, ReadKey};
use crate::checks::facts::{
    self, client_sp_id, graph_sp_id, group_aus, group_facts, AuRef, GroupFacts, RoleFacts,
};
use crate::checks::fixes;
use crate::checks::{CheckSpec, Merge, Schedule};
use crate::knowledge::group_types::GroupKind;
use crate::knowledge::{operations, roles, Flow};
use crate::report::{CheckId, CheckResult, CommandKind, FixCommand, Status};

/// `group.exists`: Does the target group exist and can it be read?
pub const GROUP_EXISTS: CheckSpec = CheckSpec {
    id: CheckId::GroupExists,
    title: "Target group exists and can be read",
    question: "Does the target group exist and can it be read?",
    rule: "The target group must exist in the token's tenant and be readable; Graph answers 404 Request_ResourceNotFound for an unknown id.",
    docs: &["https://learn.microsoft.com/graph/api/group-get", super::DOC_ADD_MEMBERS],
    needs: &[ReadKey::Group],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: group_exists,
    on_refusal: None,
};

/// `group.type`: Is it a Microsoft 365 or security group (the only kinds Graph can manage)?
pub const GROUP_TYPE: CheckSpec = CheckSpec {
    id: CheckId::GroupType,
    title: "Group type can be managed through Microsoft Graph",
    question: "Is it a Microsoft 365 or security group (the only kinds Graph can manage)?",
    rule: "Only Microsoft 365 and security groups can be managed through Graph; mail-enabled security groups and distribution groups are read-only there (groupTypes, mailEnabled, securityEnabled tell the kind).",
    docs: &[super::DOC_GROUPS],
    needs: &[ReadKey::Group],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: group_type,
    on_refusal: None,
};

/// `group.dynamic`: Is its membership assigned, not dynamic?
pub const GROUP_DYNAMIC: CheckSpec = CheckSpec {
    id: CheckId::GroupDynamic,
    title: "Group membership is assigned, not dynamic",
    question: "Is its membership assigned, not dynamic?",
    rule: "Members of a dynamic group (groupTypes contains DynamicMembership) follow its membership rule; they cannot be added or removed by hand.",
    docs: &["https://learn.microsoft.com/entra/identity/users/groups-dynamic-membership", super::DOC_GROUPS],
    needs: &[ReadKey::Group],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: group_dynamic,
    on_refusal: None,
};

/// `group.synced`: Is it mastered in the cloud, not synced from on-premises AD?
pub const GROUP_SYNCED: CheckSpec = CheckSpec {
    id: CheckId::GroupSynced,
    title: "Group is mastered in the cloud",
    question: "Is it mastered in the cloud, not synced from on-premises AD?",
    rule: "A group synced from on-premises Active Directory (onPremisesSyncEnabled = true) is mastered there; cloud writes to its membership fail.",
    docs: &["https://learn.microsoft.com/graph/api/resources/group", "https://learn.microsoft.com/graph/api/resources/onpremisessyncbehavior"],
    needs: &[ReadKey::Group],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: group_synced,
    on_refusal: None,
};

/// `group.role_assignable`: If the group is role-assignable, are its extra requirements met?
pub const GROUP_ROLE_ASSIGNABLE: CheckSpec = CheckSpec {
    id: CheckId::GroupRoleAssignable,
    title: "Role-assignable group requirements are met",
    question: "If the group is role-assignable, are its extra requirements met?",
    rule: "Managing the membership of a role-assignable group (isAssignableToRole = true) also needs RoleManagement.ReadWrite.Directory (Group.ReadWrite.All won't work), and a delegated caller must be Privileged Role Administrator or Global Administrator (or an owner the PRA delegated to).",
    docs: &["https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept", super::DOC_ADD_MEMBERS],
    needs: &[ReadKey::Group, ReadKey::GroupOwners, ReadKey::MeRoles, ReadKey::RoleAssignments, ReadKey::RoleEligibility, ReadKey::RoleDefinitions],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: group_role_assignable,
    on_refusal: None,
};

/// `group.restricted_au`: Is the group outside restricted-management administrative units, or is the caller allowed there?
pub const GROUP_RESTRICTED_AU: CheckSpec = CheckSpec {
    id: CheckId::GroupRestrictedAu,
    title: "No restricted-management administrative unit blocks the change",
    question: "Is the group outside restricted-management administrative units, or is the caller allowed there?",
    rule: "In a restricted management administrative unit only administrators assigned at that unit's scope may change a group's members: tenant-wide Global and Privileged Role Administrators, group owners and Graph application permissions are all blocked. A service principal or guest user can use that AU-scoped assignment only while it also holds a role that reads the directory at tenant scope.",
    docs: &["https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-restricted-management", "https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-assign-roles"],
    needs: &[ReadKey::Group, ReadKey::GroupAus, ReadKey::Me, ReadKey::MeRoles, ReadKey::RoleAssignments, ReadKey::RoleDefinitions],
    schedule: Schedule::AfterDetails,
    merge: Merge::FillsGaps,
    decide: group_restricted_au,
    on_refusal: None,
};

fn not_group_op(ctx: &Ctx, id: CheckId) -> Option<CheckResult> {
    (!ctx.op.kind.targets_group()).then(|| {
        CheckResult::skipped(
            id,
            format!(
                "The operation ({}) has no existing target group.",
                ctx.op.kind.as_str()
            ),
        )
    })
}

/// `group.exists`: the target group exists and can be read.
pub fn group_exists(ctx: &Ctx) -> CheckResult {
    let id = CheckId::GroupExists;
    if let Some(r) = not_group_op(ctx, id) {
        return r;
    }
    let Some(gid) = ctx.op.group.as_deref() else {
        return CheckResult::unknown(id, "No target group was given (--group <object id>).");
    };
    let Some(read) = ctx.read(&ReadKey::Group) else {
        return CheckResult::unknown(id, "The group was not read.");
    };
    let mut r = if let Some(body) = read.ok_body() {
        let g = GroupFacts::from_body(body);
        CheckResult::new(
            id,
            Status::Pass,
            format!("“{}” ({gid}) exists and was read.", g.name),
        )
    } else if read.is_not_found() {
        let mut r = CheckResult::new(
            id,
            Status::Fail,
            format!(
                "No group with id {gid} exists in tenant {} (404 Request_ResourceNotFound).",
                ctx.token.tid().unwrap_or("?")
            ),
        );
        r.fix = vec![
            "Check the group's object id (not its name, mail or the id of another tenant) in Entra admin center > Groups > All groups, or look it up by name.".into(),
            "If the group was just created, wait a minute for replication and try again.".into(),
        ];
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Graph,
            text: "GET /v1.0/groups?$filter=displayName eq '<name>'&$select=id,displayName".into(),
        });
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Azcli,
            text: "az ad group show --group \"<name>\" --query id".into(),
        });
        r
    } else {
        CheckResult::unknown(id, ctx.unreadable("group", &ReadKey::Group))
    };
    r.evidence.push(read.evidence());
    r
}

/// `group.type`: a Microsoft 365 or security group, the only kinds Graph can manage (docs/facts.md §5a).
pub fn group_type(ctx: &Ctx) -> CheckResult {
    let id = CheckId::GroupType;
    if let Some(r) = not_group_op(ctx, id) {
        return r;
    }
    let (g, read) = match group_facts(ctx) {
        Ok(x) => x,
        Err(e) => return CheckResult::unknown(id, e),
    };
    let facts = g.type_facts();
    // A Microsoft 365 group is told by groupTypes alone; any other kind needs both flags, and a
    // missing or null flag is not `false`.
    let has = |k: &str| g.raw.get(k).is_some_and(Value::is_boolean);
    if g.kind != GroupKind::Microsoft365 && !(has("mailEnabled") && has("securityEnabled")) {
        let mut r = CheckResult::unknown(id, format!("The answer for “{}” does not include groupTypes with Unified, or both mailEnabled and securityEnabled, so its kind cannot be told.", g.name));
        r.evidence.push(read.evidence_with(facts));
        return r;
    }
    let mut r = if g.kind.is_manageable() {
        CheckResult::new(
            id,
            Status::Pass,
            format!(
                "“{}” is a {}, which Graph can manage.",
                g.name,
                g.kind.name()
            ),
        )
    } else if ctx.op.kind.on_owners() {
        // "Add a user or service principal to a Microsoft 365 or security group's owners"
        // (https://learn.microsoft.com/graph/api/group-post-owners; group-delete-owners alike).
        let mut r = CheckResult::new(id, Status::Fail, format!("“{}” is a {} (groupTypes={}, mailEnabled={}, securityEnabled={}); Graph changes the owners of Microsoft 365 and security groups only.", g.name, g.kind.name(), facts["groupTypes"], facts["mailEnabled"], facts["securityEnabled"]));
        r.fix = vec![
            "Manage this group in Exchange Online (Set-DistributionGroup -ManagedBy) or the Exchange admin center.".into(),
        ];
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Powershell,
            text: format!(
                "Set-DistributionGroup -Identity {} -ManagedBy @{{Add=\"<owner-upn>\"}}",
                g.id
            ),
        });
        r
    } else {
        let mut r = CheckResult::new(id, Status::Fail, format!("“{}” is a {} (groupTypes={}, mailEnabled={}, securityEnabled={}); Graph can only read its membership.", g.name, g.kind.name(), facts["groupTypes"], facts["mailEnabled"], facts["securityEnabled"]));
        r.fix = vec![
            "Manage this group's membership in Exchange Online (Add-DistributionGroupMember) or the Exchange admin center.".into(),
            "Or use a security or Microsoft 365 group instead: a group's type cannot be changed after creation.".into(),
        ];
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Powershell,
            text: format!(
                "Add-DistributionGroupMember -Identity {} -Member {}",
                g.id,
                facts::names(ctx)
                    .member
                    .or_else(|| ctx.op.member.clone())
                    .unwrap_or_else(|| "<member-upn-or-id>".into())
            ),
        });
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Portal,
            text:
                "Exchange admin center > Recipients > Groups > (group) > Members > Manage members"
                    .into(),
        });
        r
    };
    r.evidence.push(read.evidence_with(facts));
    r
}

/// `group.dynamic`: membership is assigned, not dynamic (docs/facts.md §5c).
pub fn group_dynamic(ctx: &Ctx) -> CheckResult {
    let id = CheckId::GroupDynamic;
    if let Some(r) = not_group_op(ctx, id) {
        return r;
    }
    if ctx.op.kind.on_owners() {
        return CheckResult::skipped(
            id,
            "A dynamic membership rule decides a group's members, not its owners.",
        );
    }
    let (g, read) = match group_facts(ctx) {
        Ok(x) => x,
        Err(e) => return CheckResult::unknown(id, e),
    };
    let facts = json!({"groupTypes": g.raw.get("groupTypes"), "membershipRule": g.rule});
    let mut r = if g.dynamic && ctx.op.kind.removes() {
        // "You can't remove a member from groups with dynamic memberships"
        // (https://learn.microsoft.com/graph/api/group-delete-members).
        let mut r = CheckResult::new(id, Status::Fail, format!("“{}” is a dynamic group (groupTypes contains DynamicMembership; rule: {}); members cannot be removed by hand.", g.name, g.rule.as_deref().unwrap_or("(not read)")));
        r.fix = vec![
            "Change the membership rule so the member no longer matches it (Entra admin center > Groups > (group) > Dynamic membership rules); the member leaves when the rule is processed.".into(),
            "Or convert the group to assigned membership (remove DynamicMembership from groupTypes); existing members stay and can then be removed.".into(),
        ];
        r
    } else if g.dynamic {
        let mut r = CheckResult::new(id, Status::Fail, format!("“{}” is a dynamic group (groupTypes contains DynamicMembership; rule: {}); members cannot be added by hand.", g.name, g.rule.as_deref().unwrap_or("(not read)")));
        r.fix = vec![
            "Change the membership rule so the member matches it (Entra admin center > Groups > (group) > Dynamic membership rules), or add the member to an assigned group instead.".into(),
            "Or convert the group to assigned membership (remove DynamicMembership from groupTypes); existing members stay.".into(),
        ];
        let types: Vec<Value> = g
            .raw
            .get("groupTypes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|t| t.as_str() != Some("DynamicMembership"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        r.fix_commands.push(FixCommand { kind: CommandKind::Graph, text: format!("PATCH /v1.0/groups/{} {{\"groupTypes\": {}, \"membershipRuleProcessingState\": \"Paused\"}}", g.id, Value::Array(types)) });
        r
    } else {
        CheckResult::new(
            id,
            Status::Pass,
            format!("“{}” has assigned membership.", g.name),
        )
    };
    r.evidence.push(read.evidence_with(facts));
    r
}

/// `group.synced`: mastered in the cloud, not synced from on-premises AD (docs/facts.md §5d).
pub fn group_synced(ctx: &Ctx) -> CheckResult {
    let id = CheckId::GroupSynced;
    if let Some(r) = not_group_op(ctx, id) {
        return r;
    }
    if ctx.op.kind.on_owners() {
        return CheckResult::skipped(
            id,
            "A synced group's membership is mastered on-premises; its owners are kept in Microsoft Entra ID (directory sync writes members, not owners).",
        );
    }
    let (g, read) = match group_facts(ctx) {
        Ok(x) => x,
        Err(e) => return CheckResult::unknown(id, e),
    };
    let facts = json!({"onPremisesSyncEnabled": g.synced});
    let mut r = if g.synced == Some(true) && ctx.op.kind.removes() {
        let mut r = CheckResult::new(id, Status::Fail, format!("“{}” is synced from on-premises Active Directory (onPremisesSyncEnabled = true); its membership is mastered there.", g.name));
        r.fix = vec![
            "Remove the member in on-premises Active Directory (Active Directory Users and Computers, or Remove-ADGroupMember) and let Microsoft Entra Connect sync it.".into(),
            "Or move the group's source of authority to the cloud (onPremisesSyncBehavior isCloudManaged = true) if your organisation has decided to.".into(),
        ];
        r.fix_commands.push(FixCommand { kind: CommandKind::Powershell, text: format!("Remove-ADGroupMember -Identity \"{}\" -Members <sAMAccountName>   # on a domain-joined machine", g.name) });
        r
    } else if g.synced == Some(true) {
        let mut r = CheckResult::new(id, Status::Fail, format!("“{}” is synced from on-premises Active Directory (onPremisesSyncEnabled = true); its membership is mastered there.", g.name));
        r.fix = vec![
            "Add the member in on-premises Active Directory (Active Directory Users and Computers, or Add-ADGroupMember) and let Microsoft Entra Connect sync it.".into(),
            "Or move the group's source of authority to the cloud (onPremisesSyncBehavior isCloudManaged = true) if your organisation has decided to.".into(),
        ];
        r.fix_commands.push(FixCommand { kind: CommandKind::Powershell, text: format!("Add-ADGroupMember -Identity \"{}\" -Members <sAMAccountName>   # on a domain-joined machine", g.name) });
        r
    } else {
        CheckResult::new(
            id,
            Status::Pass,
            format!(
                "“{}” is a cloud group (onPremisesSyncEnabled = {}).",
                g.name,
                g.synced
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "null".into())
            ),
        )
    };
    r.evidence.push(read.evidence_with(facts));
    r
}

/// `group.role_assignable`: a role-assignable group's extra requirements (docs/facts.md §3c).
pub fn group_role_assignable(ctx: &Ctx) -> CheckResult {
    let id = CheckId::GroupRoleAssignable;
    if let Some(r) = not_group_op(ctx, id) {
        return r;
    }
    let (g, read) = match group_facts(ctx) {
        Ok(x) => x,
        Err(e) => return CheckResult::unknown(id, e),
    };
    let mut evidence =
        vec![read.evidence_with(json!({"isAssignableToRole": g.raw.get("isAssignableToRole")}))];
    if !g.role_assignable {
        let mut r = CheckResult::new(
            id,
            Status::Pass,
            format!("“{}” is not role-assignable: no extra requirement.", g.name),
        );
        r.evidence = evidence;
        return r;
    }
    let Some(flow) = ctx.flow() else {
        return CheckResult::unknown(
            id,
            format!(
                "“{}” is role-assignable, and the token could not be read (see token.format).",
                g.name
            ),
        );
    };
    let perms = ctx.token.permissions();
    let extra = operations::role_assignable_extra();
    let has_perm = extra.is_none_or(|e| e.satisfied_by(&perms));
    // The permission and the roles named below are the table rows that decide.
    let needed = extra.map(|e| e.least_text()).unwrap_or_default();
    let who = roles::names(|r| r.may_update_members(g.kind, true))
        .unwrap_or_else(|| "a role allowed to manage role-assignable groups".into());
    let tid = ctx.token.tid().unwrap_or("<tenant-id>");
    let app = ctx.token.app_id().unwrap_or("<client-id>");
    if !has_perm {
        let mut r = CheckResult::new(id, Status::Fail, format!("“{}” is role-assignable: managing its {} needs {needed} ({}), which the token does not carry ({}: {}).", g.name, ctx.op.kind.references_noun(), flow.permission_noun(), if flow == Flow::Delegated { "scp" } else { "roles" }, if perms.is_empty() { "none".into() } else { perms.join(" ") }));
        r.fix = vec![
            format!("Add {needed} as a Microsoft Graph {} to app {}, grant admin consent, and acquire a new token (Group.ReadWrite.All does not work for role-assignable groups).", flow.permission_noun(), facts::app_label(ctx)),
        ];
        if flow == Flow::Delegated {
            r.fix.push(format!(
                "The signed-in user must also be {who} (or an owner of the group)."
            ));
        }
        for permission in extra.map(|e| e.least()).unwrap_or_default() {
            r.fix_commands.extend(fixes::grant_permission(
                ctx.cloud,
                tid,
                app,
                client_sp_id(ctx).as_deref(),
                graph_sp_id(ctx).as_deref(),
                permission,
                flow,
            ));
        }
        evidence.push(ctx.token.evidence(json!({"permissions": perms})));
        r.evidence = evidence;
        return r;
    }
    if flow == Flow::Application {
        let mut r = CheckResult::new(
            id,
            Status::Pass,
            format!(
                "“{}” is role-assignable, and the app-only token carries {needed}.",
                g.name
            ),
        );
        r.evidence = evidence;
        return r;
    }
    // Delegated: a role that may manage role-assignable groups, or an owner.
    let facts = RoleFacts::read(ctx);
    let owner = facts::is_owner(ctx);
    let allowed = |t: &str| {
        facts
            .book
            .get(t)
            .is_some_and(|r| r.may_update_members(g.kind, true))
    };
    let active = facts
        .active
        .iter()
        .find(|h| h.scope == "/" && allowed(&h.template));
    evidence.extend(facts.evidence.iter().cloned());
    let oid = ctx.token.oid().unwrap_or("<user-id>");
    let mut r = if let Some(h) = active {
        CheckResult::new(
            id,
            Status::Pass,
            format!(
                "“{}” is role-assignable; the token carries {needed} and the user is {}.",
                g.name,
                facts.book.name_of(&h.template)
            ),
        )
    } else if owner == Some(true) {
        CheckResult::new(
            id,
            Status::Pass,
            format!(
                "“{}” is role-assignable; the token carries {needed} and the user owns the group.",
                g.name
            ),
        )
    } else if let Some(e) = facts
        .eligible
        .iter()
        .find(|h| h.scope == "/" && allowed(&h.template))
    {
        let mut r = CheckResult::new(
            id,
            Status::Fail,
            format!(
                "“{}” is role-assignable: the user is only eligible for {} in PIM, not active.",
                g.name,
                facts.book.name_of(&e.template)
            ),
        );
        r.fix = vec![format!(
            "Activate the {} role in Privileged Identity Management, then acquire a new token.",
            facts.book.name_of(&e.template)
        )];
        r.fix_commands = fixes::activate_pim(oid, &e.template, "/");
        r
    } else if let Some(why) = facts.unknown_role(|s| s == "/") {
        CheckResult::unknown(
            id,
            format!(
                "“{}” is role-assignable and the token carries {needed}; the user holds no {who} role seen, and {why}.",
                g.name
            ),
        )
    } else if facts.complete() && owner.is_some() {
        let mut r = CheckResult::new(id, Status::Fail, format!("“{}” is role-assignable: the signed-in user must be {who} (or an owner of the group), and is none of these.", g.name));
        r.fix = vec![format!("Ask a Privileged Role Administrator to {}, assign the user Privileged Role Administrator, or have one add the user as an owner of the group.", ctx.op.kind.change_phrase())];
        r.fix_commands = fixes::assign_role(oid, roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR, "/");
        r.fix_commands.push(fixes::add_owner(&g.id, oid));
        r
    } else {
        CheckResult::unknown(id, format!("“{}” is role-assignable and the token carries {needed}, but the user's roles could not all be read: {}.", g.name, crate::checks::facts::joined(&facts.unread)))
    };
    r.evidence = evidence;
    r
}

/// `group.restricted_au`: outside restricted-management AUs, or the caller is scoped there (docs/facts.md §4c).
pub fn group_restricted_au(ctx: &Ctx) -> CheckResult {
    let id = CheckId::GroupRestrictedAu;
    if let Some(r) = not_group_op(ctx, id) {
        return r;
    }
    if ctx.op.group.is_none() {
        return CheckResult::unknown(id, "No target group was given (--group).");
    }
    if ctx.read(&ReadKey::Group).is_some_and(Read::is_not_found) {
        return CheckResult::unknown(id, "The group was not found (see group.exists).");
    }
    let mut evidence = ctx.evidence(&ReadKey::GroupAus);
    let aus = match group_aus(ctx) {
        Ok(a) => a,
        Err(e) => {
            let mut r = CheckResult::unknown(
                id,
                format!("The group's administrative units could not be listed: {e}."),
            );
            r.evidence = evidence;
            return r;
        }
    };
    for a in &aus {
        evidence.extend(ctx.evidence(&ReadKey::AuDetails(a.id.clone())));
    }
    let restricted: Vec<&AuRef> = aus.iter().filter(|a| a.restricted == Some(true)).collect();
    let unknown: Vec<&AuRef> = aus.iter().filter(|a| a.restricted.is_none()).collect();
    if restricted.is_empty() {
        let mut r = if !unknown.is_empty() {
            CheckResult::unknown(id, format!("The group is in {} administrative unit(s) whose restriction flag could not be read (listed with id and type only); reading isMemberManagementRestricted needs {}.", unknown.len(), crate::checks::evidence::needed("au", ctx.flow())))
        } else if aus.is_empty() {
            CheckResult::new(id, Status::Pass, "The group is in no administrative unit.")
        } else {
            CheckResult::new(
                id,
                Status::Pass,
                format!(
                    "The group's administrative units ({}) are not restricted-management units.",
                    aus.iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        r.evidence = evidence;
        return r;
    }
    // Restricted: only assignments at a restricted unit's scope count, for app and user alike.
    let kind = group_facts(ctx)
        .map(|(g, _)| (g.kind, g.role_assignable))
        .ok();
    let facts = RoleFacts::read(ctx);
    evidence.extend(facts.evidence.iter().cloned());
    let scoped = facts.active.iter().find(|h| {
        restricted.iter().any(|a| {
            h.scope
                .eq_ignore_ascii_case(&format!("/administrativeUnits/{}", a.id))
        }) && facts.book.get(&h.template).is_some_and(|r| match kind {
            // A role-assignable group in a restricted unit can't have its members changed by any
            // AU-scoped role (docs/facts.md §4c: only GA/PRA, which can't be AU-scoped).
            Some((k, role_assignable)) => facts::role_allows(ctx, r, k, role_assignable),
            None if ctx.op.kind.on_owners() => !r.group_owners.is_empty(),
            None => !r.group_members.is_empty(),
        })
    });
    let names = restricted
        .iter()
        .map(|a| format!("“{}” ({})", a.name, a.id))
        .collect::<Vec<_>>()
        .join(", ");
    let who = if ctx.flow() == Some(Flow::Application) {
        "the app's service principal"
    } else {
        "the signed-in user"
    };
    let principal = ctx.token.oid().unwrap_or("<principal-id>");
    let mut r = if let Some(h) = scoped {
        match facts::scoped_usable(ctx, &facts) {
            Ok(true) => CheckResult::new(id, Status::Pass, format!("The group is in restricted-management unit {names}, and {who} holds {} at that unit's scope.", facts.book.name_of(&h.template))),
            // admin-units-assign-roles, "Service principals and guest users".
            Ok(false) => facts::ScopedUnusable {
                template: h.template.clone(),
                au: h.scope.trim_start_matches("/administrativeUnits/").to_string(),
                principal: facts::principal(ctx),
            }
            .fail(id, &capitalised(who), principal),
            Err(why) => CheckResult::unknown(id, format!("The group is in restricted-management unit {names}, and {who} holds {} at that unit's scope, but whether it can use that assignment is not known: {why}.", facts.book.name_of(&h.template))),
        }
    } else if let Some(why) = facts.unknown_role(|s| {
        restricted
            .iter()
            .any(|a| s.eq_ignore_ascii_case(&format!("/administrativeUnits/{}", a.id)))
    }) {
        CheckResult::unknown(id, format!("The group is in restricted-management unit {names}; {who} holds no known role that manages group members at that scope, and {why}."))
    } else if !facts.complete_for_assignments() {
        CheckResult::unknown(id, format!("The group is in restricted-management unit {names}; whether {who} holds a role at that scope could not be read: {}.", crate::checks::facts::joined(&facts.unread)))
    } else {
        let au = restricted[0];
        let mut r = CheckResult::new(id, Status::Fail, format!("The group is in restricted-management administrative unit {names}: only administrators assigned at that unit's scope may change its {}, and {who} has no such assignment (tenant-wide roles, ownership and Graph application permissions do not count).", ctx.op.kind.references_noun()));
        r.fix = vec![format!("Assign {who} a role that manages group membership ({}) at the scope of administrative unit {} — a {} can do this — then acquire a new token.", roles::name_of(roles::ids::GROUPS_ADMINISTRATOR), crate::report::named(Some(&au.name), &au.id), roles::name_of(roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR))];
        r.fix_commands = fixes::assign_role(
            principal,
            roles::ids::GROUPS_ADMINISTRATOR,
            &format!("/administrativeUnits/{}", au.id),
        );
        r
    };
    r.evidence = evidence;
    r
}

/// "the app's service principal" → "The app's service principal".
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    #[test]
    fn existence_and_kind() {
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"])).answer(ReadKey::Group, 404, json!({"error": {"code": "Request_ResourceNotFound", "message": "Resource 'x' does not exist"}}));
        assert_eq!(group_exists(&w.ctx()).status, Status::Fail);
        assert_eq!(group_type(&w.ctx()).status, Status::Unknown);
        let w = World::new(app_only(&[])).denied(ReadKey::Group);
        let r = group_exists(&w.ctx());
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("GroupMember.Read.All"), "{}", r.summary);
        let w = World::new(app_only(&[])).group(
            json!({"mailEnabled": true, "securityEnabled": false, "displayName": "Sales DL"}),
        );
        let r = group_type(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("distribution group"));
        let w = World::new(app_only(&[]))
            .group(json!({"groupTypes": ["Unified"], "mailEnabled": true}));
        assert_eq!(group_type(&w.ctx()).status, Status::Pass);
        // A flag missing or null is not false: the kind is unknown, not "neither".
        let w = World::new(app_only(&[])).group(json!({"securityEnabled": null}));
        assert_eq!(group_type(&w.ctx()).status, Status::Unknown);
        let mut w = World::new(app_only(&[])).group(json!({}));
        if let Some(crate::checks::evidence::Outcome::Response { body, .. }) =
            w.reads.get_mut(&ReadKey::Group).map(|r| &mut r.outcome)
        {
            body.as_object_mut().map(|o| o.remove("groupTypes"));
        }
        assert_eq!(
            group_type(&w.ctx()).status,
            Status::Pass,
            "groupTypes absent"
        );
    }

    #[test]
    fn dynamic_and_synced() {
        let w = World::new(app_only(&[])).group(json!({"groupTypes": ["DynamicMembership"], "membershipRule": "user.department -eq \"Sales\""}));
        assert_eq!(group_dynamic(&w.ctx()).status, Status::Fail);
        assert_eq!(group_synced(&w.ctx()).status, Status::Pass);
        // groupTypes left out of the answer: a membership rule still tells a dynamic group.
        let mut w = World::new(app_only(&[]))
            .group(json!({"membershipRule": "(user.department -eq \"Sales\")"}));
        if let Some(crate::checks::evidence::Outcome::Response { body, .. }) =
            w.reads.get_mut(&ReadKey::Group).map(|r| &mut r.outcome)
        {
            body.as_object_mut().map(|o| o.remove("groupTypes"));
        }
        assert_eq!(group_dynamic(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[])).group(json!({"onPremisesSyncEnabled": true}));
        assert_eq!(group_synced(&w.ctx()).status, Status::Fail);
        assert_eq!(group_dynamic(&w.ctx()).status, Status::Pass);
    }

    #[test]
    fn role_assignable_needs_role_management_and_pra() {
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"]))
            .group(json!({"isAssignableToRole": true}));
        let r = group_role_assignable(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("RoleManagement.ReadWrite.Directory"));
        let w = World::new(app_only(&[
            "GroupMember.ReadWrite.All",
            "RoleManagement.ReadWrite.Directory",
        ]))
        .group(json!({"isAssignableToRole": true}));
        assert_eq!(group_role_assignable(&w.ctx()).status, Status::Pass);
        let w = World::new(delegated(
            "GroupMember.ReadWrite.All RoleManagement.ReadWrite.Directory",
            &[roles::ids::GROUPS_ADMINISTRATOR],
        ))
        .group(json!({"isAssignableToRole": true}))
        .values(ReadKey::GroupOwners, json!([]))
        .values(
            ReadKey::MeRoles,
            json!([{"roleTemplateId": roles::ids::GROUPS_ADMINISTRATOR}]),
        )
        .values(ReadKey::RoleAssignments, json!([]))
        .values(ReadKey::RoleEligibility, json!([]));
        assert_eq!(group_role_assignable(&w.ctx()).status, Status::Fail);
        let w = World::new(delegated(
            "GroupMember.ReadWrite.All RoleManagement.ReadWrite.Directory",
            &[roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR],
        ))
        .group(json!({"isAssignableToRole": true}))
        .values(ReadKey::GroupOwners, json!([]));
        assert_eq!(group_role_assignable(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&[])).group(json!({}));
        assert_eq!(group_role_assignable(&w.ctx()).status, Status::Pass);
    }

    #[test]
    fn restricted_units_need_a_scoped_role() {
        let base = || World::new(app_only(&["GroupMember.ReadWrite.All"])).group(json!({}));
        let w = base().values(ReadKey::GroupAus, json!([]));
        assert_eq!(group_restricted_au(&w.ctx()).status, Status::Pass);
        let w = base()
            .in_units(&[(AU, true)])
            .assigned(&[(roles::ids::GLOBAL_ADMINISTRATOR, "/")]);
        let r = group_restricted_au(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r
            .fix_commands
            .iter()
            .any(|c| c.text.contains(&format!("/administrativeUnits/{AU}"))));
        // (With Directory Readers tenant-wide: a service principal needs a read role beside its
        // AU-scoped one, admin-units-assign-roles.)
        let w = base().in_units(&[(AU, true)]).assigned(&[
            (roles::ids::GROUPS_ADMINISTRATOR, AU),
            ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "/"),
        ]);
        assert_eq!(group_restricted_au(&w.ctx()).status, Status::Pass);
        // The same scoped role on a role-assignable group in the unit: no AU-scoped role may
        // change it (docs/facts.md §4c).
        let w = World::new(app_only(&[
            "GroupMember.ReadWrite.All",
            "RoleManagement.ReadWrite.Directory",
        ]))
        .group(json!({"isAssignableToRole": true}))
        .in_units(&[(AU, true)])
        .assigned(&[(roles::ids::GROUPS_ADMINISTRATOR, AU)]);
        assert_eq!(group_restricted_au(&w.ctx()).status, Status::Fail);
        // Reduced listing without AdministrativeUnit.Read.All: unknown, naming the permission.
        let w = base().values(
            ReadKey::GroupAus,
            json!([{"@odata.type": "#microsoft.graph.administrativeUnit", "id": AU}]),
        );
        let r = group_restricted_au(&w.ctx());
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("AdministrativeUnit.Read.All"));
        let w = base()
            .values(
                ReadKey::GroupAus,
                json!([{"id": AU, "displayName": "HR", "isMemberManagementRestricted": true}]),
            )
            .denied(ReadKey::RoleAssignments);
        assert_eq!(group_restricted_au(&w.ctx()).status, Status::Unknown);
        // A custom role at the restricted unit's scope: unknown, not a failure.
        let w = base()
            .in_units(&[(AU, true)])
            .assigned(&[("aaaaaaaa-0000-4000-8000-00000000c057", AU)]);
        assert_eq!(group_restricted_au(&w.ctx()).status, Status::Unknown);
        // A listing with pages left unread: the restriction is not known.
        let w = base().answer(
            ReadKey::GroupAus,
            200,
            json!({"value": [], "@odata.nextLink": "https://graph.microsoft.com/v1.0/next"}),
        );
        assert_eq!(group_restricted_au(&w.ctx()).status, Status::Unknown);
    }

    /// admin-units-assign-roles, "Service principals and guest users": an app's AU-scoped role at
    /// a restricted unit needs a tenant-wide read role (or, by the table's reading, an application
    /// permission that reads the directory) beside it.
    #[test]
    fn service_principals_need_a_tenant_wide_read_to_use_their_scoped_role() {
        let world = |roles: &[&str], assignments: serde_json::Value| {
            World::new(app_only(roles))
                .group(json!({}))
                .values(
                    ReadKey::GroupAus,
                    json!([{"id": AU, "displayName": "HR", "isMemberManagementRestricted": true}]),
                )
                .values(ReadKey::RoleAssignments, assignments)
        };
        let scoped = json!({"principalId": SP, "roleDefinitionId": roles::ids::GROUPS_ADMINISTRATOR, "directoryScopeId": format!("/administrativeUnits/{AU}")});
        let r = group_restricted_au(&world(&["GroupMember.ReadWrite.All"], json!([scoped])).ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(
            r.summary.starts_with("The app's service principal holds"),
            "{}",
            r.summary
        );
        assert!(
            r.summary.contains("service principal can use"),
            "{}",
            r.summary
        );
        let reader = json!({"principalId": SP, "roleDefinitionId": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "directoryScopeId": "/"});
        let r = group_restricted_au(
            &world(&["GroupMember.ReadWrite.All"], json!([scoped, reader])).ctx(),
        );
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        let r = group_restricted_au(
            &world(
                &["GroupMember.ReadWrite.All", "Directory.Read.All"],
                json!([scoped]),
            )
            .ctx(),
        );
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
    }
}
