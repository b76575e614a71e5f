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
    // The member as a user and the group settings: a guest and the Microsoft 365 groups guest
    // policy; createdDateTime for a replication delay.
    needs: &[ReadKey::Member, ReadKey::Group, ReadKey::Au, ReadKey::MemberUser, ReadKey::TenantGroupSettings, ReadKey::GroupSettings],
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
    needs: &[ReadKey::GroupMember, ReadKey::GroupMembersList, ReadKey::AuMember, ReadKey::Au, ReadKey::GroupOwners, ReadKey::Group],
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
        Some(MemberKind::User) if target == Target::Microsoft365 => guest_policy(ctx, &name, &target_name, &mut evidence),
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
    replication(ctx, r, &name)
}

/// The member's `userType` (`Guest`, `Member`) from its user read, or why it is not known.
fn user_type(ctx: &Ctx) -> Result<String, String> {
    match ctx.read(&ReadKey::MemberUser) {
        Some(r) => match r
            .ok_body()
            .and_then(|b| b.get("userType"))
            .and_then(Value::as_str)
        {
            Some(t) => Ok(t.to_string()),
            None if r.ok_body().is_some() => Err("the user read did not return userType".into()),
            None => Err(ctx.why_unread(&ReadKey::MemberUser)),
        },
        None => Err("the member was not read as a user".into()),
    }
}

/// What one settings read says of `AllowToAddGuests` in `template`: `Ok(Some(false))` blocked,
/// `Ok(None)` no such setting (the default, true), `Err` not readable.
fn allow_to_add_guests(ctx: &Ctx, key: &ReadKey, template: &str) -> Result<Option<bool>, String> {
    let rule = crate::knowledge::membership::guest_policy();
    let Some(read) = ctx.read(key) else {
        return Err(format!("{} was not read", key.rule_id()));
    };
    let Some(values) = read.values().filter(|_| !read.is_partial()) else {
        return Err(ctx.why_unread(key));
    };
    Ok(values
        .iter()
        .filter(|v| {
            v.get("templateId")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(template))
        })
        .flat_map(|v| {
            v.get("values")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .find(|x| x.get("name").and_then(Value::as_str) == Some(rule.setting.as_str()))
        .and_then(|x| {
            x.get("value")
                .and_then(Value::as_str)
                .map(|b| !b.eq_ignore_ascii_case("false"))
        }))
}

/// A user joining a Microsoft 365 group: a guest only while the guest policy lets it
/// (`assets/knowledge/membership_rules.json`, `guest_policy`): AllowToAddGuests false tenant-wide
/// (Group.Unified) or for the group (Group.Unified.Guest) makes Graph answer 403.
fn guest_policy(
    ctx: &Ctx,
    name: &str,
    target_name: &str,
    evidence: &mut Vec<crate::report::Evidence>,
) -> CheckResult {
    let id = CheckId::MemberObject;
    let rule = crate::knowledge::membership::guest_policy();
    let tenant = allow_to_add_guests(ctx, &ReadKey::TenantGroupSettings, &rule.tenant_template.id);
    let group = allow_to_add_guests(ctx, &ReadKey::GroupSettings, &rule.group_template.id);
    let who = user_type(ctx);
    let blocked_by = match (&tenant, &group) {
        (Ok(Some(false)), _) => Some(format!(
            "the tenant's {} setting",
            rule.tenant_template.name
        )),
        (_, Ok(Some(false))) => Some(format!("the group's {} setting", rule.group_template.name)),
        _ => None,
    };
    let guest = who.as_deref().map(|t| t.eq_ignore_ascii_case("Guest"));
    let settings_read = tenant.is_ok() && group.is_ok();
    if guest == Ok(true) || blocked_by.is_some() {
        evidence.extend(ctx.evidence(&ReadKey::MemberUser).into_iter().map(|mut e| {
            e.facts = json!({"userType": who.as_ref().ok()});
            e
        }));
        for key in [ReadKey::TenantGroupSettings, ReadKey::GroupSettings] {
            if let Some(r) = ctx.read(&key) {
                let template = if key == ReadKey::GroupSettings {
                    &rule.group_template.id
                } else {
                    &rule.tenant_template.id
                };
                evidence.push(r.evidence_with(json!({ rule.setting.as_str(): allow_to_add_guests(ctx, &key, template).ok().flatten() })));
            }
        }
    }
    let passes = CheckResult::new(
        id,
        Status::Pass,
        format!("“{name}” is a user, which may join the {target_name}."),
    );
    match (guest, blocked_by) {
        (Ok(true), Some(by)) => {
            let mut r = CheckResult::new(id, Status::Fail, format!("“{name}” is a guest user (userType Guest), and {by} has {} = false: Graph answers 403 Authorization_RequestDenied \"{}\"", rule.setting, rule.message));
            r.fix = vec![
                format!("Allow guests in this group: set {} to true in its {} setting (PATCH /groups/{{id}}/settings/{{setting id}}), and in the tenant's {} setting if that one is false; or add a member user instead.", rule.setting, rule.group_template.name, rule.tenant_template.name),
            ];
            r.docs = vec![crate::knowledge::membership::first_doc(&rule.source).unwrap_or_default(), super::DOC_ADD_MEMBERS.into()];
            r.explanation = rule.rule.clone();
            r
        }
        (Ok(false), _) => passes,
        (Ok(true), None) if settings_read => CheckResult::new(id, Status::Pass, format!("“{name}” is a guest user, and no guest policy setting ({} or {}) sets {} to false, so it may join the {target_name}.", rule.tenant_template.name, rule.group_template.name, rule.setting)),
        (Ok(true), None) => CheckResult::unknown(id, format!("“{name}” is a guest user, and whether the Microsoft 365 groups guest policy lets guests join is not known: {}.", [tenant.err(), group.err()].into_iter().flatten().collect::<Vec<_>>().join("; "))),
        (Err(_), None) if settings_read => passes,
        (Err(why), Some(by)) => CheckResult::unknown(id, format!("{by} has {} = false, which blocks guests, and whether “{name}” is a guest is not known: {why}.", rule.setting)),
        (Err(why), None) => CheckResult::unknown(id, format!("Whether “{name}” is a guest user (whom the Microsoft 365 groups guest policy may keep out) is not known: {why}; nor are the guest policy's settings: {}.", [tenant.err(), group.err()].into_iter().flatten().collect::<Vec<_>>().join("; "))),
    }
}

/// When the object was created (`createdDateTime` of the member's user read, or of the member or
/// group read), in unix seconds.
fn created(body: Option<&Value>) -> Option<i64> {
    body?
        .get("createdDateTime")
        .and_then(Value::as_str)
        .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
        .map(|c| c.timestamp())
}

/// Whether the pasted error (`--error-file`) says an object does not exist: 404
/// Request_ResourceNotFound / Directory_ObjectNotFound, or the 400 Graph gives a group that has
/// not replicated yet.
fn pasted_not_found(ctx: &Ctx) -> Option<String> {
    let o = ctx.observed?;
    let rule = crate::knowledge::membership::replication();
    let lower = o.body.to_ascii_lowercase();
    let code_hit = rule
        .not_found_codes
        .iter()
        .any(|c| lower.contains(&c.to_ascii_lowercase()));
    let phrase_hit = rule
        .not_found_phrases
        .iter()
        .any(|p| lower.contains(p.as_str()));
    ((o.status == Some(404) && (code_hit || phrase_hit)) || (o.status == Some(400) && phrase_hit))
        .then(|| {
            format!(
                "{} {}",
                o.status.unwrap_or_default(),
                rule.not_found_codes
                    .iter()
                    .find(|c| lower.contains(&c.to_ascii_lowercase()))
                    .cloned()
                    .unwrap_or_else(|| "Request_BadRequest".into())
            )
        })
}

/// A member created moments ago (`assets/knowledge/membership_rules.json`, `replication`): with
/// the pasted error saying it does not exist, the verdict is to retry with backoff; without one,
/// a note that Graph may still answer so for a few minutes.
fn replication(ctx: &Ctx, mut r: CheckResult, name: &str) -> CheckResult {
    let rule = crate::knowledge::membership::replication();
    let body = ctx
        .read(&ReadKey::MemberUser)
        .and_then(|x| x.ok_body())
        .or_else(|| ctx.read(&ReadKey::Member).and_then(|x| x.ok_body()));
    let Some(at) = created(body) else {
        return r;
    };
    let age = ctx.token.now - at;
    if !(0..rule.window_seconds).contains(&age) || r.status == Status::Fail {
        return r;
    }
    let ago = if age < 60 {
        format!("{age} seconds ago")
    } else {
        format!("{} minutes ago", age / 60)
    };
    let docs = crate::knowledge::membership::first_doc(&rule.source).unwrap_or_default();
    r.evidence
        .extend(ctx.evidence(&ReadKey::MemberUser).into_iter().map(|mut e| {
            e.facts =
                json!({"createdDateTime": body.and_then(|b| b.get("createdDateTime")).cloned()});
            e
        }));
    match pasted_not_found(ctx) {
        Some(answer) => {
            let mut f = CheckResult::new(CheckId::MemberObject, Status::Fail, format!("“{name}” exists, but it was created {ago}: the {answer} you saw is replication delay (the object has not reached every directory replica yet), not a missing object. Retry with backoff."));
            f.fix = vec![
                "Retry the request with exponential backoff (1, 2, 4, 8… seconds) for a few minutes; do not recreate the object.".into(),
                format!("If a retry answers 400 \"{}\", an earlier attempt landed after all: the member is in.", rule.already_exists),
            ];
            f.docs = vec![docs, super::DOC_ADD_MEMBERS.into()];
            f.explanation = rule.rule.clone();
            f.evidence = r.evidence;
            f
        }
        None => {
            r.summary = format!("{} It was created {ago}: until it has replicated Graph may still answer 404 Request_ResourceNotFound to the add; retry with backoff if it does.", r.summary);
            r
        }
    }
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
                    return hidden_members(ctx, mid, list, member_in_list(ctx, mid, list));
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
            hidden_members(ctx, mid, read, r)
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

/// `member.duplicate` when the group hides its members (visibility HiddenMembership,
/// `assets/knowledge/membership_rules.json`, `hidden_membership`): a listing made without
/// Member.Read.Hidden comes back short, so "not among the members" proves nothing and the check is
/// `unknown`, naming the permission. A delegated caller who owns the group sees its members.
fn hidden_members(
    ctx: &Ctx,
    mid: &str,
    read: &crate::checks::evidence::Read,
    r: CheckResult,
) -> CheckResult {
    let rule = crate::knowledge::membership::hidden_membership();
    let group = ctx.read(&ReadKey::Group).and_then(|g| g.ok_body());
    let hidden = group
        .and_then(|g| g.get("visibility"))
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case(&rule.visibility));
    if r.status != Status::Pass || !hidden {
        return r;
    }
    let name = group
        .and_then(|g| g.get("displayName"))
        .and_then(Value::as_str)
        .unwrap_or("the group");
    let granted = read.via == crate::checks::evidence::Via::Diagnosed
        && ctx
            .token
            .permissions()
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&rule.permission));
    if granted || crate::checks::facts::is_owner(ctx) == Some(true) {
        return CheckResult {
            summary: format!(
                "{} (“{name}” hides its membership; the listing was made with {}.)",
                r.summary,
                if granted {
                    rule.permission.as_str()
                } else {
                    "the owner's view"
                }
            ),
            ..r
        };
    }
    let who = if read.via == crate::checks::evidence::Via::Reader {
        "the reader token, whose permissions are not known here,"
    } else {
        "a token without it"
    };
    let mut u = CheckResult::unknown(
        CheckId::MemberDuplicate,
        format!("“{name}” has hidden membership (visibility {}): its members were listed with {who} and Graph lists only the members such a caller may see, so not finding {mid} does not prove it is not a member. The read needs {} to list them all.", rule.visibility, rule.permission),
    );
    u.fix = vec![format!("Grant {} ({} permission) to read the members of hidden-membership groups, then diagnose again.", rule.permission, ctx.flow().map(|f| f.as_str()).unwrap_or("the token's"))];
    u.docs = vec![crate::knowledge::membership::first_doc(&rule.source).unwrap_or_default()];
    u.explanation = rule.rule.clone();
    u.evidence = r.evidence;
    if let Some(g) = ctx.read(&ReadKey::Group) {
        u.evidence
            .push(g.evidence_with(json!({"visibility": rule.visibility})));
    }
    u
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
    fn hidden_membership_leaves_not_a_member_unknown_without_member_read_hidden() {
        let hidden = |roles: &[&str]| {
            World::new(app_only(roles))
                .group(json!({"groupTypes": ["Unified"], "visibility": "HiddenMembership"}))
                .values(ReadKey::GroupMember, json!([]))
        };
        let r = member_duplicate(&hidden(&["GroupMember.ReadWrite.All"]).ctx());
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("Member.Read.Hidden"), "{}", r.summary);
        let r =
            member_duplicate(&hidden(&["GroupMember.ReadWrite.All", "Member.Read.Hidden"]).ctx());
        assert_eq!(r.status, Status::Pass);
        // Already a member is seen whatever the visibility.
        let w = World::new(app_only(&[]))
            .group(json!({"visibility": "HiddenMembership"}))
            .values(ReadKey::GroupMember, json!([{"id": MEMBER}]));
        assert_eq!(member_duplicate(&w.ctx()).status, Status::Fail);
        // A public group: an empty listing is a pass.
        let w = World::new(app_only(&[]))
            .group(json!({"visibility": "Public"}))
            .values(ReadKey::GroupMember, json!([]));
        assert_eq!(member_duplicate(&w.ctx()).status, Status::Pass);
    }

    fn guest_world(user_type: &str, tenant: Value, group: Value) -> World {
        World::new(app_only(&[]))
            .group(
                json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false}),
            )
            .member("user", json!({"id": MEMBER, "displayName": "Gus"}))
            .answer(
                ReadKey::MemberUser,
                200,
                json!({"id": MEMBER, "userType": user_type}),
            )
            .values(ReadKey::TenantGroupSettings, tenant)
            .values(ReadKey::GroupSettings, group)
    }

    fn setting(template: &str, allow: &str) -> Value {
        json!([{"templateId": template, "values": [{"name": "AllowToAddGuests", "value": allow}]}])
    }

    #[test]
    fn the_guest_policy_keeps_guests_out_of_microsoft_365_groups() {
        let tenant = "62375ab9-6b52-47ed-826b-58e47e0e304b";
        let group = "08d542b9-071f-4e16-94b0-74abb372e3d9";
        let r = member_object(&guest_world("Guest", setting(tenant, "false"), json!([])).ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary
                .contains("Guests users are not allowed to join this Unified Group"),
            "{}",
            r.summary
        );
        let r = member_object(
            &guest_world("Guest", setting(tenant, "true"), setting(group, "false")).ctx(),
        );
        assert_eq!(r.status, Status::Fail);
        assert!(r.summary.contains("Group.Unified.Guest"), "{}", r.summary);
        assert_eq!(
            member_object(&guest_world("Guest", json!([]), json!([])).ctx()).status,
            Status::Pass
        );
        assert_eq!(
            member_object(&guest_world("Member", setting(tenant, "false"), json!([])).ctx()).status,
            Status::Pass
        );
        // A guest with the settings unreadable: not known, naming the permission.
        let w = guest_world("Guest", json!([]), json!([])).denied(ReadKey::TenantGroupSettings);
        let r = member_object(&w.ctx());
        assert_eq!(r.status, Status::Unknown);
        assert!(
            r.summary.contains("GroupSettings.Read.All"),
            "{}",
            r.summary
        );
        // The user type unreadable while the settings block guests: not known either.
        let w =
            guest_world("Guest", setting(tenant, "false"), json!([])).denied(ReadKey::MemberUser);
        let r = member_object(&w.ctx());
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("User.Read.All"), "{}", r.summary);
        // Settings that allow guests decide without the user type.
        let w = guest_world("Guest", json!([]), json!([])).denied(ReadKey::MemberUser);
        assert_eq!(member_object(&w.ctx()).status, Status::Pass);
    }

    #[test]
    fn a_just_created_member_and_a_pasted_404_mean_replication_delay() {
        let created = |ago: i64| {
            let at = chrono::DateTime::from_timestamp(NOW - ago, 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            World::new(app_only(&[]))
                .group(json!({}))
                .member("user", json!({"id": MEMBER, "displayName": "Nia"}))
                .answer(
                    ReadKey::MemberUser,
                    200,
                    json!({"id": MEMBER, "userType": "Member", "createdDateTime": at}),
                )
        };
        let pasted = crate::graph::observed::Observed {
            status: Some(404),
            headers: vec![],
            body: r#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist or one of its queried reference-property objects are not present."}}"#.into(),
            request: None,
        };
        let mut w = created(30);
        w.observed = Some(pasted.clone());
        let r = member_object(&w.ctx());
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.summary.contains("replication delay") && r.summary.contains("30 seconds ago"),
            "{}",
            r.summary
        );
        assert!(r.fix.iter().any(|f| f.contains("backoff")));
        // Without a pasted 404: a pass that says Graph may still answer 404.
        let r = member_object(&created(30).ctx());
        assert_eq!(r.status, Status::Pass);
        assert!(r.summary.contains("retry with backoff"), "{}", r.summary);
        // Created an hour ago: the 404 is not replication delay.
        let mut w = created(3600);
        w.observed = Some(pasted);
        let r = member_object(&w.ctx());
        assert_eq!(r.status, Status::Pass);
        assert!(!r.summary.contains("replication"), "{}", r.summary);
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
