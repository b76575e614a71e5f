//! Licences: `license.tenant` and `license.user`. Tiers are detected by service plan id
//! (`assets/knowledge/licences.json`, ids from
//! https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference), so bundles
//! count. What needs which tier is the table's `features` rows: administrative units themselves
//! are free (https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units,
//! "License requirements"); their AU-scoped administrators and the members of dynamic-membership
//! units need P1; Privileged Identity Management needs P2 or Microsoft Entra ID Governance
//! (https://learn.microsoft.com/entra/fundamentals/licensing).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::checks::evidence::{Ctx, ReadKey};
use crate::checks::facts::{group_aus, group_facts, standing, Path};
use crate::checks::{CheckSpec, Merge, Schedule};
use crate::knowledge::licences::{self, Tier};
use crate::knowledge::Flow;
use crate::report::{CheckId, CheckResult, CommandKind, FixCommand, OperationKind, Status};

/// `license.tenant`: Does the tenant hold the licence the feature needs (Entra ID P1 / P2)?
pub const LICENSE_TENANT: CheckSpec = CheckSpec {
    id: CheckId::LicenseTenant,
    title: "Tenant holds the licence the feature needs",
    question: "Does the tenant hold the licence the feature needs (Entra ID P1 / P2)?",
    rule: "Role-assignable groups need Microsoft Entra ID P1 in the tenant (service plan AAD_PREMIUM 41781fb2-…). Administrative units need no premium licence to create, to add members to or to create groups in; an administrator acting through an AU-scoped role needs P1, and so do the members of a dynamic-membership unit. Privileged Identity Management needs P2 (AAD_PREMIUM_P2 eec0eb4f-…) or Microsoft Entra ID Governance (Entra_Identity_Governance e866a266-…, also in Microsoft Entra Suite).",
    docs: &["https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference", "https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units", "https://learn.microsoft.com/entra/fundamentals/licensing"],
    needs: &[ReadKey::Group, ReadKey::GroupAus, ReadKey::GroupOwners, ReadKey::Au, ReadKey::MeRoles, ReadKey::RoleAssignments, ReadKey::RoleEligibility, ReadKey::RoleDefinitions, ReadKey::Me, ReadKey::SubscribedSkus, ReadKey::GroupEligibility],
    schedule: Schedule::AfterDetails,
    merge: Merge::FillsGaps,
    decide: license_tenant,
    on_refusal: None,
};

/// `license.user`: Does the signed-in user hold the licence their path to this change needs?
pub const LICENSE_USER: CheckSpec = CheckSpec {
    id: CheckId::LicenseUser,
    title: "Signed-in user holds the licence their path needs",
    question: "Does the signed-in user hold the licence their path to this change needs?",
    rule: "An administrator acting through an AU-scoped role needs a Microsoft Entra ID P1 licence; using a PIM-eligible role, or an eligible ownership or membership in PIM for Groups, needs P2 or Microsoft Entra ID Governance.",
    docs: &["https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units", "https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept", "https://learn.microsoft.com/entra/fundamentals/licensing"],
    needs: &[ReadKey::Group, ReadKey::GroupAus, ReadKey::GroupOwners, ReadKey::MeRoles, ReadKey::RoleAssignments, ReadKey::RoleEligibility, ReadKey::RoleDefinitions, ReadKey::Me, ReadKey::SubscribedSkus, ReadKey::GroupEligibility],
    schedule: Schedule::AfterDetails,
    merge: Merge::FillsGaps,
    decide: license_user,
    on_refusal: None,
};

/// What needs which tiers (any one of them), and for whom.
struct Needs {
    tenant: Vec<(&'static [Tier], String)>,
    user: Vec<(&'static [Tier], String)>,
    /// Evidence that would have said whether a premium feature is involved, but was not read:
    /// with it missing, "nothing is needed" would be a guess.
    unread: Vec<String>,
}

/// The tiers a feature needs (any one of them), from `assets/knowledge/licences.json` (its
/// `features` rows); `None` when it needs no premium licence. A feature missing from the table is a
/// build defect the knowledge tests catch; P1 is the floor then.
fn tiers(feature: &str) -> Option<&'static [Tier]> {
    match licences::tiers_for(feature) {
        Some([]) => None,
        Some(t) => Some(t),
        None => Some(&[Tier::P1]),
    }
}

/// "Microsoft Entra ID P2 or Microsoft Entra ID Governance".
fn any_text(tiers: &[Tier]) -> String {
    tiers
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(" or ")
}

fn needs(ctx: &Ctx) -> Needs {
    let mut n = Needs {
        tenant: Vec::new(),
        user: Vec::new(),
        unread: Vec::new(),
    };
    match ctx.op.kind {
        OperationKind::Request => {}
        kind if !kind.targets_group() => {
            if let Some(t) = tiers("administrative_units") {
                n.tenant.push((t, "administrative units".into()));
            }
            // Members of a dynamic-membership unit need P1 each; the unit's kind is in its read.
            if ctx.op.kind == OperationKind::AddAuMember {
                if let Some(t) = tiers("dynamic_membership_au") {
                    let au = ctx.read(&ReadKey::Au).and_then(|r| r.ok_body());
                    let dynamic = au
                        .and_then(|b| b.get("membershipType"))
                        .and_then(Value::as_str)
                        .is_some_and(|m| m.eq_ignore_ascii_case("Dynamic"));
                    if dynamic {
                        n.tenant.push((
                            t,
                            "members of a dynamic-membership administrative unit".into(),
                        ));
                    }
                }
            }
        }
        _ => {
            match group_facts(ctx) {
                Ok((g, _)) if g.role_assignable => {
                    if let Some(t) = tiers("role_assignable_groups") {
                        n.tenant.push((t, "role-assignable groups".into()));
                    }
                }
                Ok(_) => {}
                Err(e) => n.unread.push(e),
            }
            if let Some(t) = tiers("restricted_management_au") {
                match group_aus(ctx) {
                    Ok(a) if a.iter().any(|x| x.restricted == Some(true)) => n
                        .tenant
                        .push((t, "restricted-management administrative units".into())),
                    Ok(a) if a.iter().any(|x| x.restricted.is_none()) => n.unread.push(
                        "whether the group's administrative units are restricted could not be read"
                            .into(),
                    ),
                    Ok(_) => {}
                    Err(e) => n.unread.push(e),
                }
            }
        }
    }
    let applies = ctx.flow() == Some(Flow::Delegated) || !ctx.op.kind.targets_group();
    if applies {
        let st = match standing(ctx) {
            Ok(st) => st,
            Err(e) => {
                n.unread.push(e);
                return n;
            }
        };
        if st.path.is_none() && st.eligible.is_none() && !st.complete {
            n.unread.push(format!(
                "the caller's roles could not all be read ({})",
                crate::checks::facts::joined(&st.unread)
            ));
        }
        if let Some(Path::ScopedRole(t, au)) = &st.path {
            if let Some(needed) = tiers("au_scoped_admin") {
                let why = format!(
                    "acting through {} scoped to administrative unit {au}",
                    st.book.name_of(t)
                );
                if !n.tenant.iter().any(|(t, _)| *t == needed) {
                    n.tenant
                        .push((needed, "administrative-unit-scoped administrators".into()));
                }
                n.user.push((needed, why));
            }
        }
        if st.path.is_none() {
            let pim = match (&st.eligible, &st.group_eligible) {
                (Some((t, _)), _) => Some(format!(
                    "using the PIM-eligible role {}",
                    st.book.name_of(t)
                )),
                (None, Some(e)) => Some(format!(
                    "activating an eligible {} of group {} in PIM for Groups",
                    if e.access == "owner" {
                        "ownership"
                    } else {
                        "membership"
                    },
                    e.group
                )),
                (None, None) => None,
            };
            if let (Some(why), Some(needed)) = (pim, tiers("pim")) {
                n.tenant
                    .push((needed, "Privileged Identity Management".into()));
                n.user.push((needed, why));
            }
        }
    }
    n
}

/// Tiers the tenant holds (active SKUs' service plans).
fn tenant_tiers(ctx: &Ctx) -> Option<BTreeSet<Tier>> {
    let skus = ctx.read(&ReadKey::SubscribedSkus)?.values()?;
    let mut out = BTreeSet::new();
    for s in &skus {
        let status = s
            .get("capabilityStatus")
            .and_then(Value::as_str)
            .unwrap_or("Enabled");
        if !matches!(status, "Enabled" | "Warning") {
            continue;
        }
        out.extend(plan_ids(s).filter_map(licences::tier_of_plan));
        if let Some(id) = s.get("skuId").and_then(Value::as_str) {
            out.extend(licences::tiers_of_sku(id));
        }
    }
    if out.contains(&Tier::P2) {
        out.insert(Tier::P1);
    }
    Some(out)
}

/// "P1 and P2": tiers for messages.
fn tiers_text<'a>(tiers: impl IntoIterator<Item = &'a Tier>) -> String {
    tiers
        .into_iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The service plan ids a subscribedSku lists.
fn plan_ids(sku: &Value) -> impl Iterator<Item = &str> {
    sku.get("servicePlans")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("servicePlanId").and_then(Value::as_str))
}

/// `unknown` because `key` gave nothing usable: `summary` gets the reason, the evidence the read.
fn unread(ctx: &Ctx, id: CheckId, key: &ReadKey, summary: impl Fn(&str) -> String) -> CheckResult {
    let mut r = CheckResult::unknown(id, summary(&ctx.why_unread(key)));
    r.evidence = ctx.evidence(key);
    r
}

fn plan_text(t: Tier) -> String {
    licences::plan_of(t)
        .map(|p| {
            format!(
                "{} ({}, service plan {})",
                t.name(),
                p.service_plan_name,
                p.service_plan_id
            )
        })
        .unwrap_or_else(|| t.name().to_string())
}

/// `license.tenant`: the tenant holds the licence the feature needs.
pub fn license_tenant(ctx: &Ctx) -> CheckResult {
    let id = CheckId::LicenseTenant;
    let n = needs(ctx);
    if n.tenant.is_empty() && !n.unread.is_empty() {
        return CheckResult::unknown(
            id,
            format!(
                "Whether a premium feature is involved is not known: {}.",
                crate::checks::facts::joined(&n.unread)
            ),
        );
    }
    if n.tenant.is_empty() {
        return CheckResult::skipped(id, "No premium feature is involved (no role-assignable group, AU-scoped administrator, dynamic-membership administrative unit or PIM path); administrative units themselves need no premium licence.");
    }
    let why: Vec<String> = n
        .tenant
        .iter()
        .map(|(t, w)| format!("{w} ({})", any_text(t)))
        .collect();
    let Some(held) = tenant_tiers(ctx) else {
        let why = why.join(", ");
        return unread(ctx, id, &ReadKey::SubscribedSkus, |e| {
            format!("{why} need a licence, and the tenant's subscriptions could not be read: {e}.")
        });
    };
    let missing: Vec<&(&[Tier], String)> = n
        .tenant
        .iter()
        .filter(|(t, _)| !t.iter().any(|x| held.contains(x)))
        .collect();
    let facts = json!({"tiers_held": held.iter().map(|t| t.name()).collect::<Vec<_>>()});
    let mut r = if missing.is_empty() {
        CheckResult::new(
            id,
            Status::Pass,
            format!(
                "The tenant holds {} for {}.",
                tiers_text(&held),
                why.join(", ")
            ),
        )
    } else {
        let mut r = CheckResult::new(
            id,
            Status::Fail,
            format!(
                "{} need {}, and the tenant has no active subscription with that service plan.",
                missing
                    .iter()
                    .map(|(_, w)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                missing
                    .iter()
                    .map(|(t, _)| t
                        .iter()
                        .map(|x| plan_text(*x))
                        .collect::<Vec<_>>()
                        .join(" or "))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        );
        let names = missing
            .iter()
            .map(|(t, _)| any_text(t))
            .collect::<Vec<_>>()
            .join(", and ");
        r.fix = vec![format!("Buy or start a trial of {names} (Microsoft 365 admin center > Billing > Purchase services), or a bundle that includes it (Microsoft 365 E3/E5, EMS, Microsoft Entra Suite).")];
        r.fix_commands.push(FixCommand {
            kind: CommandKind::Portal,
            text: format!("Microsoft 365 admin center > Billing > Purchase services > {names}"),
        });
        r
    };
    if let Some(read) = ctx.read(&ReadKey::SubscribedSkus) {
        r.evidence.push(read.evidence_with(facts));
    }
    r
}

/// Tiers the signed-in user holds (assigned SKUs, minus disabled plans), and the assigned SKUs
/// whose service plans could not be told (not in the tenant's subscriptions as read, and not a
/// known Entra SKU): a bundle among them may carry P1 or P2.
fn user_tiers(ctx: &Ctx) -> Option<(BTreeSet<Tier>, Vec<String>)> {
    let me = ctx.read(&ReadKey::Me)?.ok_body()?;
    // Asked for with $select: an answer without it does not say the user has none.
    me.get("assignedLicenses")?;
    let skus = ctx
        .read(&ReadKey::SubscribedSkus)
        .and_then(|r| r.values())
        .unwrap_or_default();
    let mut out = BTreeSet::new();
    let mut unresolved = Vec::new();
    for l in me
        .get("assignedLicenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(sku) = l.get("skuId").and_then(Value::as_str) else {
            continue;
        };
        let disabled: Vec<&str> = l
            .get("disabledPlans")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let listed = skus.iter().find(|s| {
            s.get("skuId")
                .and_then(Value::as_str)
                .is_some_and(|i| i.eq_ignore_ascii_case(sku))
        });
        if listed.is_none() && licences::tiers_of_sku(sku).is_empty() {
            unresolved.push(sku.to_string());
        }
        for p in listed
            .into_iter()
            .flat_map(plan_ids)
            .filter(|p| !disabled.iter().any(|d| d.eq_ignore_ascii_case(p)))
        {
            out.extend(licences::tier_of_plan(p));
        }
        out.extend(licences::tiers_of_sku(sku).into_iter().filter(|t| {
            licences::plan_of(*t).is_none_or(|p| {
                !disabled
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(&p.service_plan_id))
            })
        }));
    }
    if out.contains(&Tier::P2) {
        out.insert(Tier::P1);
    }
    Some((out, unresolved))
}

/// `license.user`: the signed-in user holds the licence their path needs.
pub fn license_user(ctx: &Ctx) -> CheckResult {
    let id = CheckId::LicenseUser;
    if ctx.flow() != Some(Flow::Delegated) {
        return CheckResult::skipped(
            id,
            "Only a signed-in user (delegated token) needs a licence of their own.",
        );
    }
    let n = needs(ctx);
    if n.user.is_empty() && !n.unread.is_empty() {
        return CheckResult::unknown(
            id,
            format!(
                "Whether the user's path needs a licence is not known: {}.",
                crate::checks::facts::joined(&n.unread)
            ),
        );
    }
    if n.user.is_empty() {
        return CheckResult::skipped(id, "The user's path to this change (tenant-wide role or ownership) needs no premium licence of their own.");
    }
    let why: Vec<String> = n
        .user
        .iter()
        .map(|(t, w)| format!("{w} needs {}", any_text(t)))
        .collect();
    let Some((held, unresolved)) = user_tiers(ctx) else {
        let why = why.join("; ");
        return unread(ctx, id, &ReadKey::Me, |e| {
            format!("{why}, and the user's licences could not be read: {e}.")
        });
    };
    let missing: Vec<&(&[Tier], String)> = n
        .user
        .iter()
        .filter(|(t, _)| !t.iter().any(|x| held.contains(x)))
        .collect();
    let mut r = if !missing.is_empty() && !unresolved.is_empty() {
        CheckResult::unknown(
            id,
            format!(
                "{}; the user's licence{} {} could not be resolved to service plans (the tenant's subscriptions did not list {}): {}.",
                why.join("; "),
                if unresolved.len() > 1 { "s" } else { "" },
                unresolved.join(", "),
                if unresolved.len() > 1 { "them" } else { "it" },
                ctx.why_unread(&ReadKey::SubscribedSkus)
            ),
        )
    } else if missing.is_empty() {
        CheckResult::new(
            id,
            Status::Pass,
            format!("The user holds {} ({}).", tiers_text(&held), why.join("; ")),
        )
    } else {
        let upn = ctx
            .read(&ReadKey::Me)
            .and_then(|r| r.ok_body())
            .and_then(|b| b.get("userPrincipalName"))
            .and_then(Value::as_str)
            .unwrap_or("<user>")
            .to_string();
        let (tiers, w) = missing[0];
        let mut r = CheckResult::new(
            id,
            Status::Fail,
            format!(
                "{upn} has no {} licence, and {w} needs one.",
                any_text(tiers)
            ),
        );
        r.fix = vec![format!("Assign {upn} a licence that includes {} (Entra admin center > Users > {upn} > Licenses > Assignments).", tiers.iter().map(|t| plan_text(*t)).collect::<Vec<_>>().join(" or "))];
        // The SKU that carries the first tier alone (P2's SKU carries P1 too).
        let first = tiers.first().copied().unwrap_or(Tier::P1);
        let sku = licences::skus()
            .iter()
            .find(|s| s.tiers.contains(&first) && s.tiers.iter().all(|t| *t <= first))
            .map(|s| s.sku_id.clone())
            .unwrap_or_else(|| "<sku-id>".into());
        r.fix_commands.push(FixCommand { kind: CommandKind::Powershell, text: format!("Set-MgUserLicense -UserId {upn} -AddLicenses @{{SkuId='{sku}'}} -RemoveLicenses @()") });
        r
    };
    r.evidence.extend(ctx.evidence(&ReadKey::Me));
    r.evidence.extend(ctx.evidence(&ReadKey::SubscribedSkus));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::knowledge::roles::ids;

    const P1_PLAN: &str = "41781fb2-bc02-4b7c-bd55-b576c07bb09d";
    const P2_SKU: &str = "84a661c4-e949-4bd2-a560-ed7766fcaf2b";

    #[test]
    fn tenant_licence_for_role_assignable_groups() {
        let w = World::new(app_only(&[]))
            .group(json!({}))
            .values(ReadKey::GroupAus, json!([]));
        assert_eq!(license_tenant(&w.ctx()).status, Status::Skipped);
        // Whether the group sits in a restricted unit was not read: no matter, restricted units
        // need no tenant licence of their own (admin-units-restricted-management).
        let w = World::new(app_only(&[])).group(json!({}));
        assert_eq!(license_tenant(&w.ctx()).status, Status::Skipped);
        // The group itself was not read: not known.
        let w = World::new(app_only(&[])).denied(ReadKey::Group);
        assert_eq!(license_tenant(&w.ctx()).status, Status::Unknown);
        let w = World::new(app_only(&[]))
            .group(json!({"isAssignableToRole": true}))
            .skus(&[("O365", &[])]);
        assert_eq!(license_tenant(&w.ctx()).status, Status::Fail);
        let w = World::new(app_only(&[]))
            .group(json!({"isAssignableToRole": true}))
            .skus(&[("SPE_E3", &[P1_PLAN])]);
        assert_eq!(license_tenant(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&[]))
            .group(json!({"isAssignableToRole": true}))
            .denied(ReadKey::SubscribedSkus);
        let r = license_tenant(&w.ctx());
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("LicenseAssignment.Read.All"));
    }

    #[test]
    fn user_licence_for_scoped_admins() {
        // A Groups Administrator scoped to a unit that contains the group.
        let scoped = || {
            World::new(delegated("GroupMember.ReadWrite.All", &[]))
                .group(json!({}))
                .values(ReadKey::GroupAus, json!([{"id": AU, "isMemberManagementRestricted": false}]))
                .values(ReadKey::GroupOwners, json!([]))
                .values(ReadKey::MeRoles, json!([]))
                .values(ReadKey::RoleAssignments, json!([{"roleDefinitionId": ids::GROUPS_ADMINISTRATOR, "directoryScopeId": format!("/administrativeUnits/{AU}")}]))
        };
        let base = || {
            scoped().values(ReadKey::SubscribedSkus, json!([{"skuId": P2_SKU, "capabilityStatus": "Enabled", "servicePlans": [{"servicePlanId": P1_PLAN}]}]))
        };
        let w = base().answer(
            ReadKey::Me,
            200,
            json!({"userPrincipalName": "ada@contoso.com", "assignedLicenses": []}),
        );
        let r = license_user(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert_eq!(license_tenant(&w.ctx()).status, Status::Pass);
        let w = base().answer(ReadKey::Me, 200, json!({"userPrincipalName": "ada@contoso.com", "assignedLicenses": [{"skuId": P2_SKU, "disabledPlans": []}]}));
        assert_eq!(license_user(&w.ctx()).status, Status::Pass);
        // A bundle SKU the tenant's subscriptions could not be read for: unknown, not "no P1".
        let e5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
        let w = scoped()
            .denied(ReadKey::SubscribedSkus)
            .answer(ReadKey::Me, 200, json!({"userPrincipalName": "ada@contoso.com", "assignedLicenses": [{"skuId": e5, "disabledPlans": []}]}));
        let r = license_user(&w.ctx());
        assert_eq!(r.status, Status::Unknown, "{}", r.summary);
        assert!(
            r.summary.contains("LicenseAssignment.Read.All"),
            "{}",
            r.summary
        );
        // The same bundle listed with its plans: P1 held.
        let w = scoped()
            .values(ReadKey::SubscribedSkus, json!([{"skuId": e5, "capabilityStatus": "Warning", "servicePlans": [{"servicePlanId": P1_PLAN}]}]))
            .answer(ReadKey::Me, 200, json!({"userPrincipalName": "ada@contoso.com", "assignedLicenses": [{"skuId": e5, "disabledPlans": []}]}));
        assert_eq!(license_user(&w.ctx()).status, Status::Pass);
        let w = World::new(app_only(&[]));
        assert_eq!(license_user(&w.ctx()).status, Status::Skipped);
    }

    const FREE: fn() -> serde_json::Value = || json!([{"skuPartNumber": "O365_BUSINESS", "capabilityStatus": "Enabled", "servicePlans": []}]);

    /// administrative-units, "License requirements": "Creating administrative units is available
    /// with a Microsoft Entra ID Free license"; P1 is per AU-scoped administrator.
    #[test]
    fn administrative_units_need_no_tenant_licence() {
        // A tenant-wide Privileged Role Administrator adding to a unit in a Free tenant.
        let w = World::new(delegated("AdministrativeUnit.ReadWrite.All", &[ids::PRIVILEGED_ROLE_ADMINISTRATOR]))
            .au_op(OperationKind::AddAuMember)
            .answer(ReadKey::Au, 200, json!({"id": AU, "displayName": "Paris", "membershipType": null}))
            .values(ReadKey::MeRoles, json!([{"roleTemplateId": ids::PRIVILEGED_ROLE_ADMINISTRATOR}]))
            .values(ReadKey::RoleEligibility, json!([]))
            .values(ReadKey::RoleAssignments, json!([{"roleDefinitionId": ids::PRIVILEGED_ROLE_ADMINISTRATOR, "directoryScopeId": "/"}]))
            .values(ReadKey::SubscribedSkus, FREE());
        let r = license_tenant(&w.ctx());
        assert_eq!(r.status, Status::Skipped, "{}", r.summary);
        assert_eq!(license_user(&w.ctx()).status, Status::Skipped);
        // The same add to a dynamic-membership unit: its members need P1.
        let w = w.answer(
            ReadKey::Au,
            200,
            json!({"id": AU, "displayName": "Paris", "membershipType": "Dynamic"}),
        );
        let r = license_tenant(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(r.summary.contains("dynamic-membership"), "{}", r.summary);
        // A group in a restricted-management unit, app-only: no licence of its own.
        let w = World::new(app_only(&["GroupMember.ReadWrite.All"]))
            .group(json!({}))
            .values(
                ReadKey::GroupAus,
                json!([{"id": AU, "isMemberManagementRestricted": true}]),
            )
            .values(ReadKey::SubscribedSkus, FREE());
        assert_eq!(license_tenant(&w.ctx()).status, Status::Skipped);
    }

    /// licensing: Privileged Identity Management with P2 or Microsoft Entra ID Governance.
    #[test]
    fn pim_accepts_governance() {
        const GOV_PLAN: &str = "e866a266-3cff-43a3-acca-0c90a7e00c8b";
        const GOV_SKU: &str = "cf6b0d46-4093-4546-a0ab-0b1546dcc10e";
        let eligible = || {
            World::new(delegated("GroupMember.ReadWrite.All", &[]))
                .group(json!({}))
                .values(ReadKey::GroupAus, json!([]))
                .values(ReadKey::GroupOwners, json!([]))
                .values(ReadKey::MeRoles, json!([]))
                .values(ReadKey::RoleAssignments, json!([]))
                .values(ReadKey::RoleEligibility, json!([{"roleDefinitionId": ids::GROUPS_ADMINISTRATOR, "directoryScopeId": "/"}]))
        };
        let governance = json!([{"skuId": GOV_SKU, "skuPartNumber": "Microsoft_Entra_ID_Governance", "capabilityStatus": "Enabled", "servicePlans": [{"servicePlanId": GOV_PLAN, "servicePlanName": "Entra_Identity_Governance"}]}]);
        let w = eligible()
            .values(ReadKey::SubscribedSkus, governance)
            .answer(ReadKey::Me, 200, json!({"userPrincipalName": "pat@contoso.com", "assignedLicenses": [{"skuId": GOV_SKU, "disabledPlans": []}]}));
        let r = license_tenant(&w.ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        let r = license_user(&w.ctx());
        assert_eq!(r.status, Status::Pass, "{}", r.summary);
        // Neither P2 nor Governance: both named as the way out.
        let w = eligible().values(ReadKey::SubscribedSkus, FREE()).answer(
            ReadKey::Me,
            200,
            json!({"userPrincipalName": "pat@contoso.com", "assignedLicenses": []}),
        );
        let r = license_tenant(&w.ctx());
        assert_eq!(r.status, Status::Fail, "{}", r.summary);
        assert!(
            r.summary.contains("Microsoft Entra ID P2")
                && r.summary.contains("Microsoft Entra ID Governance"),
            "{}",
            r.summary
        );
        assert_eq!(license_user(&w.ctx()).status, Status::Fail);
    }
}
