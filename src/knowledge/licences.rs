//! Microsoft Entra licence tiers (`assets/knowledge/licences.json`): the service plan ids that mean
//! P1, P2 and Microsoft Entra ID Governance (ids from
//! https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference), known SKUs,
//! and which feature needs which tiers (any one of them).

use std::sync::OnceLock;

use serde::Deserialize;

/// A licence tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Tier {
    P1,
    P2,
    /// Microsoft Entra ID Governance (also inside Microsoft Entra Suite): licenses Privileged
    /// Identity Management as P2 does, but carries neither P1's nor P2's service plan.
    Governance,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::P1 => "Microsoft Entra ID P1",
            Tier::P2 => "Microsoft Entra ID P2",
            Tier::Governance => "Microsoft Entra ID Governance",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Plan {
    pub tier: Tier,
    pub service_plan_name: String,
    pub service_plan_id: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Sku {
    pub sku_part_number: String,
    pub sku_id: String,
    pub tiers: Vec<Tier>,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Feature {
    pub feature: String,
    /// Any one of these suffices; empty: no premium licence is needed.
    pub tiers: Vec<Tier>,
    pub who: String,
    pub source: String,
}

#[derive(Debug, Default, Deserialize)]
struct Table {
    plans: Vec<Plan>,
    skus: Vec<Sku>,
    features: Vec<Feature>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        super::parse_table(
            "licences",
            include_str!("../../assets/knowledge/licences.json"),
        )
    })
}

pub fn plans() -> &'static [Plan] {
    &table().plans
}

pub fn skus() -> &'static [Sku] {
    &table().skus
}

pub fn features() -> &'static [Feature] {
    &table().features
}

/// The tier a service plan id stands for.
pub fn tier_of_plan(service_plan_id: &str) -> Option<Tier> {
    plans()
        .iter()
        .find(|p| p.service_plan_id.eq_ignore_ascii_case(service_plan_id))
        .map(|p| p.tier)
}

/// The service plan id of a tier (P1: AAD_PREMIUM, P2: AAD_PREMIUM_P2).
pub fn plan_of(tier: Tier) -> Option<&'static Plan> {
    plans().iter().find(|p| p.tier == tier)
}

/// Tiers a well-known SKU carries (fallback when the tenant's SKU list cannot be read).
pub fn tiers_of_sku(sku_id: &str) -> Vec<Tier> {
    skus()
        .iter()
        .find(|s| s.sku_id.eq_ignore_ascii_case(sku_id))
        .map(|s| s.tiers.clone())
        .unwrap_or_default()
}

/// The tiers a feature needs, any one of them (`role_assignable_groups`, `administrative_units`,
/// `restricted_management_au`, `au_scoped_admin`, `dynamic_membership_au`, `pim`): `None` for a
/// feature not in the table, an empty slice for one that needs no premium licence.
pub fn tiers_for(feature: &str) -> Option<&'static [Tier]> {
    features()
        .iter()
        .find(|f| f.feature == feature)
        .map(|f| f.tiers.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_and_skus_are_guids_with_sources() {
        assert_eq!(
            tier_of_plan("41781fb2-bc02-4b7c-bd55-b576c07bb09d"),
            Some(Tier::P1)
        );
        assert_eq!(
            tier_of_plan("EEC0EB4F-6444-4f95-aba0-50c24d67f998"),
            Some(Tier::P2)
        );
        for p in plans() {
            assert!(crate::knowledge::is_guid(&p.service_plan_id) && !p.source.is_empty());
        }
        for s in skus() {
            assert!(
                crate::knowledge::is_guid(&s.sku_id) && !s.source.is_empty() && !s.tiers.is_empty()
            );
        }
        assert_eq!(
            tiers_of_sku("84a661c4-e949-4bd2-a560-ed7766fcaf2b"),
            vec![Tier::P1, Tier::P2]
        );
        assert_eq!(tiers_for("role_assignable_groups"), Some(&[Tier::P1][..]));
        assert_eq!(tiers_for("au_scoped_admin"), Some(&[Tier::P1][..]));
        for f in features() {
            assert!(!f.source.is_empty() && !f.who.is_empty());
        }
    }

    /// administrative-units, "License requirements": creating units and adding members is Free;
    /// P1 is for each AU-scoped administrator and for members of dynamic-membership units.
    /// admin-units-restricted-management: the same for restricted-management units.
    #[test]
    fn administrative_units_need_no_tenant_licence() {
        assert_eq!(tiers_for("administrative_units"), Some(&[][..]));
        assert_eq!(tiers_for("restricted_management_au"), Some(&[][..]));
        assert_eq!(tiers_for("dynamic_membership_au"), Some(&[Tier::P1][..]));
        for f in [
            "administrative_units",
            "restricted_management_au",
            "au_scoped_admin",
        ] {
            let row = features().iter().find(|r| r.feature == f).expect(f);
            assert!(row.source.contains("https://learn.microsoft.com/"), "{f}");
        }
    }

    /// licensing (Microsoft Entra ID Governance features by license): PIM with P2, Governance or
    /// Entra Suite; the Governance ids from licensing-service-plan-reference.
    #[test]
    fn pim_is_licensed_by_p2_or_governance() {
        assert_eq!(tiers_for("pim"), Some(&[Tier::P2, Tier::Governance][..]));
        assert_eq!(
            tier_of_plan("e866a266-3cff-43a3-acca-0c90a7e00c8b"),
            Some(Tier::Governance)
        );
        assert_eq!(
            tiers_of_sku("cf6b0d46-4093-4546-a0ab-0b1546dcc10e"),
            vec![Tier::Governance]
        );
        assert_eq!(
            plan_of(Tier::Governance).map(|p| p.service_plan_name.as_str()),
            Some("Entra_Identity_Governance")
        );
        for p in plans() {
            assert!(
                p.source.contains("licensing-service-plan-reference"),
                "{}",
                p.service_plan_name
            );
        }
    }
}
