//! The member and the administrative unit: `member.object`, `member.duplicate`, `au.target`
//! (docs/facts.md §3c, §4a, §4b, §4c, §5b).

use serde_json::{json, Value};

use crate::checks::evidence::{Ctx, ReadKey};
use crate::checks::facts::group_facts;
use crate::checks::fixes;
use crate::checks::{CheckSpec, Merge, Schedule};
use crate::knowledge::group_types::{self, GroupKind, MemberKind, Target};
use crate::report::{CheckId, CheckResult, CommandKind, FixCommand, OperationKind, Status};

/// `member.object`: Does the member exist, and can an object of its type join this kind of group?
pub const MEMBER_OBJECT: CheckSpec = CheckSpec {
    id: CheckId::MemberObject,
    title: "Member exists and may join this group",
    question: "Does the member exist, and can an object of its type join this kind of group?",
    rule: "The member must exist, and its type must be allowed: security groups take users, security groups, devices, service principals and contacts; Microsoft 365 groups take only users; role-assignable groups take no groups; administrative units take users, groups and devices.",
    docs: &[super::DOC_ADD_MEMBERS, "https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units"],
    needs: &[ReadKey::Member, ReadKey::Group, ReadKey::Au],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: member_object,
    on_refusal: None,
};

/// `member.duplicate`: Is it not already a member?
pub const MEMBER_DUPLICATE: CheckSpec = CheckSpec {
    id: CheckId::MemberDuplicate,
    title: "Member is not already a member",
    question: "Is it not already a member?",
    rule: "Adding an object that is already a member fails with 400 \"One or more added object references already exist for the following modified properties: 'members'.\"",
    docs: &[super::DOC_ADD_MEMBERS],
    // The owners' listing decides it for the owner operations (read only for them, or for a
    // delegated caller's ownership).
    needs: &[ReadKey::GroupMember, ReadKey::GroupMembersList, ReadKey::AuMember, ReadKey::Au, ReadKey::GroupOwners],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: member_duplicate,
    on_refusal: None,
};

/// `au.target`: Does the administrative unit exist and can it be read?
pub const AU_TARGET: CheckSpec = CheckSpec {
    id: CheckId::AuTarget,
    title: "Administrative unit exists and can be read",
    question: "Does the administrative unit exist and can it be read?",
    rule: "The administrative unit must exist and be readable; members of a dynamic administrative unit follow its rule and cannot be added by hand.",
    docs: &[super::DOC_AU_ADD, "https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units"],
    needs: &[ReadKey::Au],
    schedule: Schedule::OnReads,
    merge: Merge::FillsGaps,
    decide: au_target,
    on_refusal: None,
};

/// The kind of the member object from its `@odata.type` (and, for groups, its kind). None when
/// the answer does not say (no `@odata.type`, or a group whose kind properties were not returned).
fn member_kind(body: &Value) -> Option<Result<MemberKind, String>> {
    let t = body
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let t = t
        .trim_start_matches('#')
        .trim_start_matches("microsoft.graph.");
    Some(Ok(match t {
        "user" => MemberKind::User,
        "device" => MemberKind::Device,
        "servicePrincipal" => MemberKind::ServicePrincipal,
        "orgContact" => MemberKind::OrgContact,
        "group" => {
            if body.get("securityEnabled").is_none() && body.get("groupTypes").is_none() {
                return None;
            }
            group_types::classify(body).as_member()
        }
        "" => return None,
        other => return Some(Err(format!("a {other}, which cannot be a member"))),
    }))
}

/// `member.object`: the member exists and an object of its type may join the target.
pub fn member_object(ctx: &Ctx) -> CheckResult {
    let id = CheckId::MemberObject;
    if ctx.op.kind == OperationKind::CreateAuGroup {
        return CheckResult::skipped(
            id,
            "Creating a group inside an administrative unit adds no existing member.",
        );
    }
    let Some(mid) = ctx.op.member.as_deref() else {
        return CheckResult::unknown(id, "No member was given (--member <object id>).");
    };
    let Some(read) = ctx.read(&ReadKey::Member) else {
        return CheckResult::unknown(id, "The member was not read.");
    };
    let mut evidence = vec![read.evidence_with(
        json!({"@odata.type": read.ok_body().and_then(|b| b.get("@odata.type")).cloned()}),
    )];
    let body = match read.ok_body() {
        Some(b) => b,
        None if read.is_not_found() => {
            let mut r = CheckResult::new(id, Status::Fail, format!("No directory object with id {mid} exists in this tenant (404); Graph answers 404 to the {}.", if ctx.op.kind.removes() { "removal" } else { "add" }));
            r.fix = vec!["Check the member's object id (a user's id, not its UPN or the id of another tenant; a device's object id, not its deviceId).".into()];
            r.fix_commands.push(FixCommand {
                kind: CommandKind::Graph,
                text: "GET /v1.0/users/<upn>?$select=id".into(),
            });
            r.evidence = evidence;
            return r;
        }
        None => {
            let mut r = CheckResult::unknown(id, ctx.unreadable("member", &ReadKey::Member));
            r.evidence = evidence;
            return r;
        }
    };
    let name = body
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or(mid)
        .to_string();
    let kind = match member_kind(body) {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            let mut r = CheckResult::new(id, Status::Fail, format!("The member {mid} is {e}."));
            r.evidence = evidence;
            return r;
        }
        None => None,
    };
    if ctx.op.kind.removes() || ctx.op.kind.on_owners() {
        let mut r = reference_object(ctx, &name, kind, body);
        r.evidence = evidence;
        return r;
    }
    let mut unit_unread = false;
    let (target, target_name) = match ctx.op.kind {
        OperationKind::AddGroupMember => {
            let (g, gread) = match group_facts(ctx) {
                Ok(x) => x,
                Err(e) => {
                    let mut r = CheckResult::unknown(
                        id,
                        format!(
                            "“{name}” exists ({}), but the target group's kind is unknown: {e}",
                            kind.map(MemberKind::name).unwrap_or("group")
                        ),
                    );
                    r.evidence = evidence;
                    return r;
                }
            };
            evidence.push(gread.evidence_with(g.type_facts()));
            if g.id.eq_ignore_ascii_case(mid) {
                let mut r = CheckResult::new(
                    id,
                    Status::Fail,
                    "The member is the group itself; a group cannot be its own member.",
                );
                r.evidence = evidence;
                return r;
            }
            let target = if g.role_assignable {
                Target::RoleAssignable
            } else {
                match g.kind {
                    GroupKind::Microsoft365 => Target::Microsoft365,
                    GroupKind::Security => Target::Security,
                    _ => {
                        let mut r = CheckResult::new(id, Status::Pass, format!("“{name}” exists; what the {} accepts is moot, as Graph cannot change its members (see group.type).", g.kind.name()));
                        r.evidence = evidence;
                        return r;
                    }
                }
            };
            let tn = if g.role_assignable {
                format!("role-assignable group “{}”", g.name)
            } else {
                format!("{} “{}”", g.kind.name(), g.name)
            };
            (target, tn)
        }
        _ => {
            // Read: the flag (null means false, per the administrativeUnit resource). Unread: None.
            let restricted = ctx.read(&ReadKey::Au).and_then(|r| r.ok_body()).map(|b| {
                b.get("isMemberManagementRestricted")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            });
            evidence.extend(ctx.evidence(&ReadKey::Au));
            unit_unread = restricted.is_none();
            if restricted == Some(true) {
                (
                    Target::RestrictedAdministrativeUnit,
                    "restricted-management administrative unit".to_string(),
                )
            } else {
                (
                    Target::AdministrativeUnit,
                    "administrative unit".to_string(),
                )
            }
        }
    };
    let mut r = match kind {
        // A restricted unit takes fewer kinds (docs/facts.md §4c); with the unit unread, a kind only a
        // regular unit takes cannot be judged.
        Some(k)
            if unit_unread
                && group_types::allowed(target, k)
                && !group_types::allowed(Target::RestrictedAdministrativeUnit, k) =>
        {
            CheckResult::unknown(id, format!("“{name}” is a {}, which a regular administrative unit takes but a restricted-management one does not, and the unit could not be read: {}.", k.name(), ctx.why_unread(&ReadKey::Au)))
        }
        Some(k) if group_types::allowed(target, k) => CheckResult::new(id, Status::Pass, format!("“{name}” is a {}, which may join the {target_name}.", k.name())),
        Some(k) => {
            let mut r = CheckResult::new(id, Status::Fail, format!("“{name}” is a {}, which cannot be a member of the {target_name}.", k.name()));
            r.fix = vec![match target {
                Target::Microsoft365 => "Microsoft 365 groups take only users as members: add the users themselves, or use a security group for devices, groups, service principals and contacts.".into(),
                Target::RoleAssignable => "Role-assignable groups cannot contain groups: add the users directly.".into(),
                Target::Security => "Security groups cannot contain Microsoft 365 groups: add its members, or use another security group.".into(),
                Target::AdministrativeUnit => "Administrative units contain only users, groups and devices.".into(),
                Target::RestrictedAdministrativeUnit => "Restricted-management administrative units contain only users, security groups and devices.".into(),
            }];
            r
        }
        None if body.get("@odata.type").is_none() => CheckResult::unknown(id, format!("“{name}” exists, but the answer does not say what type of object it is (no @odata.type).")),
        None => CheckResult::new(id, Status::Warn, format!("“{name}” is a group whose kind was not returned; it may join the {target_name} only if that kind is allowed (no Microsoft 365 group in a security group, no group in a Microsoft 365 or role-assignable group).")),
    };
    r.evidence = evidence;
    r
}

/// `member.object` for the removals and the owner operations: the object exists (removing it
/// needs nothing of its type); a new owner must be a user or a service principal ("Add a user or
/// service principal to a Microsoft 365 or security group's owners",
/// https://learn.microsoft.com/graph/api/group-post-owners).
fn reference_object(ctx: &Ctx, name: &str, kind: Option<MemberKind>, body: &Value) -> CheckResult {
    let id = CheckId::MemberObject;
    match (ctx.op.kind, kind) {
        (OperationKind::AddGroupOwner, Some(MemberKind::User | MemberKind::ServicePrincipal)) => {
            CheckResult::new(
                id,
                Status::Pass,
                format!(
                    "“{name}” is a {}, which may be a group's owner.",
                    kind.map(MemberKind::name).unwrap_or("user")
                ),
            )
        }
        (OperationKind::AddGroupOwner, Some(k)) => {
            let mut r = CheckResult::new(
                id,
                Status::Fail,
                format!("“{name}” is a {}; only users and service principals can be a group's owners.", k.name()),
            );
            r.fix = vec!["Add a user or a service principal as the owner (for a group of people, add its members one by one).".into()];
            r
        }
        (OperationKind::AddGroupOwner, None) if body.get("@odata.type").is_none() => {
            CheckResult::unknown(id, format!("“{name}” exists, but the answer does not say what type of object it is (no @odata.type)."))
        }
        (OperationKind::AddGroupOwner, None) => CheckResult::new(
            id,
            Status::Fail,
            format!("“{name}” is a group; only users and service principals can be a group's owners."),
        ),
        (_, k) => CheckResult::new(
            id,
            Status::Pass,
            format!(
                "“{name}” exists ({}); removing it needs nothing of its type.",
                k.map(MemberKind::name).unwrap_or("a directory object")
            ),
        ),
    }
}

/// `member.duplicate`: the object is not already a (direct) member.
pub fn member_duplicate(ctx: &Ctx) -> CheckResult {
    let id = CheckId::MemberDuplicate;
    let Some(mid) = ctx.op.member.as_deref() else {
        return match ctx.op.kind {
            OperationKind::CreateAuGroup => {
                CheckResult::skipped(id, "Creating a new group: it cannot already be a member.")
            }
            _ => CheckResult::unknown(id, "No member was given (--member <object id>)."),
        };
    };
    match ctx.op.kind {
        OperationKind::Request => CheckResult::skipped(id, "Not for a generic request."),
        OperationKind::CreateAuGroup => {
            CheckResult::skipped(id, "Creating a new group: it cannot already be a member.")
        }
        OperationKind::AddGroupOwner | OperationKind::RemoveGroupOwner => owner_state(ctx, mid),
        OperationKind::RemoveGroupMember | OperationKind::RemoveAuMember => {
            let as_add = {
                let mut add = ctx.op.clone();
                add.kind = if ctx.op.kind == OperationKind::RemoveAuMember {
                    OperationKind::AddAuMember
                } else {
                    OperationKind::AddGroupMember
                };
                let c = Ctx { op: &add, ..*ctx };
                member_duplicate(&c)
            };
            for_removal(as_add, mid, ctx.op.kind)
        }
        OperationKind::AddGroupMember => {
            let Some(read) = ctx.read(&ReadKey::GroupMember) else {
                return CheckResult::unknown(id, "The group's members were not read.");
            };
            if read.is_refused_query() {
                if let Some(list) = ctx.read(&ReadKey::GroupMembersList) {
                    return member_in_list(ctx, mid, list);
                }
            }
            let mut r = match read.values() {
                Some(v) if !v.is_empty() => {
                    let mut r = CheckResult::new(id, Status::Fail, format!("{mid} is already a direct member of the group; Graph answers 400 \"One or more added object references already exist\"."));
                    r.fix = vec!["Nothing to add: the object is already a member. If it should not be, remove it first (DELETE /groups/{id}/members/{member}/$ref).".into()];
                    r
                }
                Some(_) => CheckResult::new(
                    id,
                    Status::Pass,
                    format!("{mid} is not a direct member of the group yet."),
                ),
                None if read.is_not_found() => {
                    CheckResult::unknown(id, "The group was not found (see group.exists).")
                }
                None => CheckResult::unknown(
                    id,
                    ctx.unreadable("group's members", &ReadKey::GroupMember),
                ),
            };
            r.evidence.push(read.evidence_with(
                json!({"count": read.ok_body().and_then(|b| b.get("@odata.count")).cloned()}),
            ));
            if r.status == Status::Pass {
                if let Some(g) = &ctx.op.group {
                    r.fix_commands = fixes::add_member(ctx.cloud, g, mid);
                }
            }
            r
        }
        OperationKind::AddAuMember => {
            let Some(read) = ctx.read(&ReadKey::AuMember) else {
                return CheckResult::unknown(
                    id,
                    "The administrative unit's members were not read.",
                );
            };
            let au_ok = ctx
                .read(&ReadKey::Au)
                .is_some_and(|r| r.ok_body().is_some());
            let mut r = if read.ok_body().is_some() {
                let mut r = CheckResult::new(
                    id,
                    Status::Fail,
                    format!("{mid} is already a member of the administrative unit."),
                );
                r.fix = vec![
                    "Nothing to add: the object is already a member of the administrative unit."
                        .into(),
                ];
                r
            } else if read.is_not_found() && au_ok {
                CheckResult::new(
                    id,
                    Status::Pass,
                    format!("{mid} is not a member of the administrative unit yet (404)."),
                )
            } else if read.is_not_found() {
                CheckResult::unknown(id, "The administrative unit could not be read, so a 404 on its member does not tell (see au.target).")
            } else {
                CheckResult::unknown(
                    id,
                    ctx.unreadable("administrative unit's member", &ReadKey::AuMember),
                )
            };
            r.evidence.push(read.evidence());
            r
        }
    }
}

/// `member.duplicate` for a removal, from the add's decision on the same reads: an object already
/// a member is the one to remove; one that is not makes Graph answer 404 Request_ResourceNotFound
/// (https://learn.microsoft.com/graph/api/group-delete-members,
/// https://learn.microsoft.com/graph/api/administrativeunit-delete-members).
fn for_removal(add: CheckResult, mid: &str, kind: OperationKind) -> CheckResult {
    let id = CheckId::MemberDuplicate;
    let container = if kind == OperationKind::RemoveAuMember {
        "the administrative unit"
    } else {
        "the group"
    };
    let mut r = match add.status {
        Status::Fail => CheckResult::new(
            id,
            Status::Pass,
            format!("{mid} is a direct member of {container}, so there is a membership to remove."),
        ),
        Status::Pass => {
            let mut r = CheckResult::new(id, Status::Fail, format!("{mid} is not a direct member of {container}; Graph answers 404 Request_ResourceNotFound to the removal."));
            r.fix = vec![format!("Nothing to remove: check the member's object id, or whether it belongs to {container} only through a nested group (remove it from that group instead).")];
            r
        }
        _ => CheckResult {
            summary: add.summary.replace(" yet", ""),
            ..add.clone()
        },
    };
    r.title = "Member is a member to remove".into();
    r.evidence = add.evidence;
    r
}

/// `member.duplicate` for the owner operations, from the group's owners: a new owner must not be
/// one already (400 "One or more added object references already exist for the following
/// modified properties: 'owners'.", corpus already-exists-owners-pnpframework139); an owner to
/// remove must be one (404), and not the last: "Once owners are assigned to a group, the last
/// owner (a user object) of the group cannot be removed"
/// (https://learn.microsoft.com/graph/api/group-delete-owners; Graph's 400 says "The group must
/// have at least one owner, hence this owner cannot be removed.").
fn owner_state(ctx: &Ctx, mid: &str) -> CheckResult {
    let id = CheckId::MemberDuplicate;
    let adding = ctx.op.kind == OperationKind::AddGroupOwner;
    let title = if adding {
        "Owner is not already an owner"
    } else {
        "Owner is an owner, and not the last one"
    };
    let Some(read) = ctx.read(&ReadKey::GroupOwners) else {
        let mut r = CheckResult::unknown(id, "The group's owners were not read.");
        r.title = title.into();
        return r;
    };
    let is_user = |o: &Value| {
        o.get("@odata.type")
            .and_then(Value::as_str)
            .is_none_or(|t| t.ends_with("user"))
    };
    let mut r = match read.values() {
        None if read.is_not_found() => {
            CheckResult::unknown(id, "The group was not found (see group.exists).")
        }
        None => CheckResult::unknown(id, ctx.unreadable("group's owners", &ReadKey::GroupOwners)),
        Some(owners) => {
            let found = owners.iter().find(|o| {
                o.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.eq_ignore_ascii_case(mid))
            });
            let others = owners
                .iter()
                .filter(|o| {
                    !o.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|i| i.eq_ignore_ascii_case(mid))
                })
                .filter(|o| is_user(o))
                .count();
            match (adding, found) {
                (true, Some(_)) => {
                    let mut r = CheckResult::new(id, Status::Fail, format!("{mid} is already an owner of the group; Graph answers 400 \"One or more added object references already exist for the following modified properties: 'owners'.\""));
                    r.fix = vec!["Nothing to add: the object is already an owner.".into()];
                    r
                }
                (false, Some(o)) if is_user(o) && others == 0 && !read.is_partial() => {
                    let mut r = CheckResult::new(id, Status::Fail, format!("{mid} is the group's last owner (of {} listed); Graph refuses to remove the last owner with 400 \"The group must have at least one owner, hence this owner cannot be removed.\"", owners.len()));
                    r.fix = vec!["Add another owner first (POST /groups/{id}/owners/$ref), then remove this one.".into()];
                    r.fix_commands.push(fixes::add_owner(
                        ctx.op.group.as_deref().unwrap_or("<group-id>"),
                        "<new-owner-id>",
                    ));
                    r
                }
                (false, Some(_)) => CheckResult::new(
                    id,
                    Status::Pass,
                    format!(
                        "{mid} is an owner of the group, and {others} other user owner(s) remain."
                    ),
                ),
                (_, None) if read.is_partial() => CheckResult::unknown(
                    id,
                    format!(
                        "{mid} is not among the owners listed, but the listing was truncated {}.",
                        read.truncated.map(|t| t.describe()).unwrap_or_default()
                    ),
                ),
                (true, None) => CheckResult::new(
                    id,
                    Status::Pass,
                    format!(
                        "{mid} is not an owner of the group yet ({} owner(s) listed).",
                        owners.len()
                    ),
                ),
                (false, None) => {
                    let mut r = CheckResult::new(id, Status::Fail, format!("{mid} is not an owner of the group; Graph answers 404 Request_ResourceNotFound to the removal."));
                    r.fix = vec!["Nothing to remove: check the owner's object id against the group's owners (GET /groups/{id}/owners).".into()];
                    r
                }
            }
        }
    };
    r.title = title.into();
    r.evidence
        .push(read.evidence_with(json!({"owners": read.values().map(|v| v.len())})));
    r
}

/// `member.duplicate` from a plain listing of the group's members (one page of up to 999).
fn member_in_list(ctx: &Ctx, mid: &str, list: &crate::checks::evidence::Read) -> CheckResult {
    let id = CheckId::MemberDuplicate;
    let mut evidence = ctx.evidence(&ReadKey::GroupMember);
    evidence.push(list.evidence());
    let mut r = match (list.values(), list.ok_body()) {
        (Some(v), _)
            if v.iter().any(|m| {
                m.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.eq_ignore_ascii_case(mid))
            }) =>
        {
            let mut r = CheckResult::new(id, Status::Fail, format!("{mid} is already a direct member of the group; Graph answers 400 \"One or more added object references already exist\"."));
            r.fix = vec!["Nothing to add: the object is already a member.".into()];
            r
        }
        (Some(_), Some(_)) if !list.is_partial() => CheckResult::new(
            id,
            Status::Pass,
            format!("{mid} is not among the group's direct members."),
        ),
        (Some(_), _) => CheckResult::unknown(
            id,
            format!(
                "{mid} is not among the members listed, but the listing was truncated {} and the filtered query was refused.",
                list.truncated.map(|t| t.describe()).unwrap_or_default()
            ),
        ),
        (None, _) => CheckResult::unknown(
            id,
            ctx.unreadable("group's members", &ReadKey::GroupMembersList),
        ),
    };
    r.evidence = evidence;
    r
}

/// `au.target`: the administrative unit exists and can be read.
pub fn au_target(ctx: &Ctx) -> CheckResult {
    let id = CheckId::AuTarget;
    if ctx.op.kind == OperationKind::AddGroupMember {
        return CheckResult::skipped(
            id,
            "The operation adds to a group, not an administrative unit.",
        );
    }
    if ctx.op.kind.targets_group() {
        return CheckResult::skipped(
            id,
            "The operation changes a group, not an administrative unit.",
        );
    }
    let Some(au) = ctx.op.au.as_deref() else {
        return CheckResult::unknown(id, "No administrative unit was given (--au <object id>).");
    };
    let Some(read) = ctx.read(&ReadKey::Au) else {
        return CheckResult::unknown(id, "The administrative unit was not read.");
    };
    let mut r = match read.ok_body() {
        Some(b) => {
            let name = b.get("displayName").and_then(Value::as_str).unwrap_or(au);
            let dynamic = b
                .get("membershipType")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("Dynamic"));
            let restricted = b
                .get("isMemberManagementRestricted")
                .and_then(Value::as_bool)
                == Some(true);
            if dynamic && ctx.op.kind == OperationKind::RemoveAuMember {
                let mut r = CheckResult::new(id, Status::Fail, format!("“{name}” has dynamic membership (membershipType = Dynamic): members follow its rule and cannot be removed by hand, even by a Privileged Role Administrator."));
                r.fix = vec!["Change the administrative unit's membership rule so the object no longer matches it (Entra admin center > Roles & admins > Admin units > (unit) > Properties).".into()];
                r
            } else if dynamic && ctx.op.kind == OperationKind::AddAuMember {
                let mut r = CheckResult::new(id, Status::Fail, format!("“{name}” has dynamic membership (membershipType = Dynamic): members follow its rule and cannot be added by hand, even by a Privileged Role Administrator."));
                r.fix = vec!["Change the administrative unit's membership rule so the object matches it (Entra admin center > Roles & admins > Admin units > (unit) > Properties).".into()];
                r
            } else {
                CheckResult::new(
                    id,
                    Status::Pass,
                    format!(
                        "“{name}” ({au}) exists{}.",
                        if restricted {
                            " and is a restricted-management unit"
                        } else {
                            ""
                        }
                    ),
                )
            }
        }
        None if read.is_not_found() => {
            let mut r = CheckResult::new(
                id,
                Status::Fail,
                format!("No administrative unit with id {au} exists in this tenant (404)."),
            );
            r.fix = vec!["Check the administrative unit's object id (Entra admin center > Roles & admins > Admin units).".into()];
            r.fix_commands.push(FixCommand {
                kind: CommandKind::Graph,
                text: "GET /v1.0/directory/administrativeUnits?$select=id,displayName".into(),
            });
            r
        }
        None => CheckResult::unknown(id, ctx.unreadable("administrative unit", &ReadKey::Au)),
    };
    r.evidence.push(read.evidence_with(json!({"membershipType": read.ok_body().and_then(|b| b.get("membershipType")).cloned(), "isMemberManagementRestricted": read.ok_body().and_then(|b| b.get("isMemberManagementRestricted")).cloned()})));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    #[test]
    fn allowed_member_types() {
        let m365 = json!({"groupTypes": ["Unified"], "mailEnabled": true});
        let w = World::new(app_only(&[])).group(m365.clone()).answer(
            ReadKey::Member,
            200,
            json!({"@odata.type": "#microsoft.graph.device", "id": MEMBER}),
        );
        assert_eq!(member_object(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[])).group(json!({})).member(
            "group",
            json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false}),
        );
        assert_eq!(member_object(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[])).group(json!({})).answer(
            ReadKey::Member,
            200,
            json!({"@odata.type": "#microsoft.graph.device"}),
        );
        assert_eq!(member_object(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&[]))
            .group(json!({"isAssignableToRole": true}))
            .member(
                "group",
                json!({"groupTypes": [], "securityEnabled": true, "mailEnabled": false}),
            );
        assert_eq!(member_object(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[])).group(json!({})).answer(
            ReadKey::Member,
            404,
            json!({"error": {"code": "Request_ResourceNotFound", "message": "x"}}),
        );
        assert_eq!(member_object(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[]))
            .group(json!({}))
            .denied(ReadKey::Member);
        let r = member_object(&w.ctx());
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("Directory.Read.All"));
        let w = World::new(app_only(&[]))
            .au_op(OperationKind::AddAuMember)
            .answer(ReadKey::Au, 200, json!({"id": AU}))
            .answer(
                ReadKey::Member,
                200,
                json!({"@odata.type": "#microsoft.graph.servicePrincipal"}),
            );
        assert_eq!(member_object(&w.ctx()).status, Status::Fail);
        // A Microsoft 365 group into a unit: a regular unit takes it, a restricted one does not
        // (docs/facts.md §4c), so with the unit unread it is not known.
        let m365_member = json!({"@odata.type": "#microsoft.graph.group", "groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false});
        let w = World::new(app_only(&[]))
            .au_op(OperationKind::AddAuMember)
            .denied(ReadKey::Au)
            .answer(ReadKey::Member, 200, m365_member.clone());
        assert_eq!(member_object(&w.ctx()).status, Status::Unknown);
        let w = World::new(app_only(&[]))
            .au_op(OperationKind::AddAuMember)
            .answer(
                ReadKey::Au,
                200,
                json!({"id": AU, "isMemberManagementRestricted": null}),
            )
            .answer(ReadKey::Member, 200, m365_member);
        assert_eq!(member_object(&w.ctx()).status, Status::Pass);
    }

    #[test]
    fn duplicates_and_units() {
        let w = World::new(app_only(&[])).values(ReadKey::GroupMember, json!([{"id": MEMBER}]));
        assert_eq!(member_duplicate(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[])).values(ReadKey::GroupMember, json!([]));
        assert_eq!(member_duplicate(&w.ctx()).status, Status::Pass);
        // The filtered form refused: a plain listing decides.
        let refused = || {
            World::new(app_only(&[])).answer(ReadKey::GroupMember, 400, json!({"error": {"code": "Request_UnsupportedQuery", "message": "Unsupported Query."}}))
        };
        let w = refused().values(ReadKey::GroupMembersList, json!([{"id": MEMBER}]));
        assert_eq!(member_duplicate(&w.ctx()).status, Status::Fail);
        let w = refused().values(ReadKey::GroupMembersList, json!([{"id": GROUP}]));
        assert_eq!(member_duplicate(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&[]))
            .au_op(OperationKind::AddAuMember)
            .answer(ReadKey::Au, 200, json!({"id": AU}))
            .answer(ReadKey::AuMember, 404, json!({}));
        assert_eq!(member_duplicate(&w.ctx()).status, Status::Pass);
        assert_eq!(au_target(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&[]))
            .au_op(OperationKind::AddAuMember)
            .answer(ReadKey::Au, 404, json!({}));
        assert_eq!(au_target(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[]))
            .au_op(OperationKind::AddAuMember)
            .answer(ReadKey::Au, 200, json!({"membershipType": "Dynamic"}));
        assert_eq!(au_target(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[]));
        assert_eq!(au_target(&w.ctx()).status, Status::Skipped);
    }

    fn with_kind(mut w: World, kind: OperationKind) -> World {
        w.op.kind = kind;
        w
    }

    #[test]
    fn removals_need_the_membership_and_owners_the_owner_list() {
        let member = |present: bool| {
            let v = if present {
                json!([{"id": MEMBER}])
            } else {
                json!([])
            };
            with_kind(World::new(app_only(&[])), OperationKind::RemoveGroupMember)
                .values(ReadKey::GroupMember, v)
        };
        let r = member_duplicate(&member(true).ctx());
        assert_eq!(
            (r.status, r.title.as_str()),
            (Status::Pass, "Member is a member to remove")
        );
        let r = member_duplicate(&member(false).ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("404"), "{}", r.summary);
        let au = |status: u16| {
            World::new(app_only(&[]))
                .au_op(OperationKind::RemoveAuMember)
                .answer(ReadKey::Au, 200, json!({"id": AU}))
                .answer(ReadKey::AuMember, status, json!({"id": MEMBER}))
        };
        assert_eq!(member_duplicate(&au(200).ctx()).status, Status::Pass);
        assert_eq!(member_duplicate(&au(404).ctx()).status, Status::Fail);
        let dynamic = World::new(app_only(&[]))
            .au_op(OperationKind::RemoveAuMember)
            .answer(ReadKey::Au, 200, json!({"membershipType": "Dynamic"}));
        assert!(au_target(&dynamic.ctx())
            .summary
            .contains("cannot be removed"));
        assert_eq!(
            au_target(&with_kind(World::new(app_only(&[])), OperationKind::AddGroupOwner).ctx())
                .status,
            Status::Skipped
        );

        let owners = |kind: OperationKind, list: Value| {
            with_kind(World::new(app_only(&[])), kind).values(ReadKey::GroupOwners, list)
        };
        let user = |id: &str| json!({"@odata.type": "#microsoft.graph.user", "id": id});
        let sp = |id: &str| json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": id});
        // Adding: not already an owner.
        let r = member_duplicate(&owners(OperationKind::AddGroupOwner, json!([user(OID)])).ctx());
        assert_eq!(
            (r.status, r.title.as_str()),
            (Status::Pass, "Owner is not already an owner")
        );
        let r =
            member_duplicate(&owners(OperationKind::AddGroupOwner, json!([user(MEMBER)])).ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("'owners'"), "{}", r.summary);
        // Removing: an owner, and not the last user owner.
        let r =
            member_duplicate(&owners(OperationKind::RemoveGroupOwner, json!([user(MEMBER)])).ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("at least one owner"), "{}", r.summary);
        let r = member_duplicate(
            &owners(
                OperationKind::RemoveGroupOwner,
                json!([user(MEMBER), sp(SP)]),
            )
            .ctx(),
        );
        assert_eq!(
            r.status,
            Status::Fail,
            "a service principal left does not count"
        );
        let r = member_duplicate(
            &owners(
                OperationKind::RemoveGroupOwner,
                json!([user(MEMBER), user(OID)]),
            )
            .ctx(),
        );
        assert_eq!(r.status, Status::Pass);
        let r =
            member_duplicate(&owners(OperationKind::RemoveGroupOwner, json!([user(OID)])).ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("404"), "{}", r.summary);
        let r = member_duplicate(
            &with_kind(World::new(app_only(&[])), OperationKind::RemoveGroupOwner)
                .denied(ReadKey::GroupOwners)
                .ctx(),
        );
        assert_eq!(r.status, Status::Unknown);
    }

    #[test]
    fn a_new_owner_is_a_user_or_a_service_principal() {
        let owner = |t: &str| {
            with_kind(World::new(app_only(&[])), OperationKind::AddGroupOwner)
                .group(json!({}))
                .answer(
                    ReadKey::Member,
                    200,
                    json!({"@odata.type": t, "id": MEMBER, "displayName": "X"}),
                )
        };
        assert_eq!(
            member_object(&owner("#microsoft.graph.user").ctx()).status,
            Status::Pass
        );
        assert_eq!(
            member_object(&owner("#microsoft.graph.servicePrincipal").ctx()).status,
            Status::Pass
        );
        assert_eq!(
            member_object(&owner("#microsoft.graph.device").ctx()).status,
            Status::Fail
        );
        // Removing a member needs nothing of its type.
        let w = with_kind(World::new(app_only(&[])), OperationKind::RemoveGroupMember)
            .group(json!({"groupTypes": ["Unified"]}))
            .answer(
                ReadKey::Member,
                200,
                json!({"@odata.type": "#microsoft.graph.device", "id": MEMBER}),
            );
        assert_eq!(member_object(&w.ctx()).status, Status::Pass);
    }
}
