//! Group kinds and allowed member types (`assets/knowledge/group_types.json`, docs/facts.md §5a, §5b,
//! §3c, §4b, §4c).

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

/// The kind of a group, from `groupTypes`, `mailEnabled` and `securityEnabled` (docs/facts.md §5a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Microsoft365,
    Security,
    MailEnabledSecurity,
    Distribution,
    Other,
}

impl GroupKind {
    /// Whether Graph's groups API can manage this kind (only Microsoft 365 and security groups).
    pub fn is_manageable(self) -> bool {
        rule(self).is_some_and(|r| r.manageable)
    }

    /// A human name, e.g. "distribution group".
    pub fn name(self) -> &'static str {
        rule(self).map(|r| r.name.as_str()).unwrap_or("group")
    }

    /// The member kind an object of this group kind is when added somewhere.
    pub fn as_member(self) -> MemberKind {
        match self {
            GroupKind::Microsoft365 => MemberKind::Microsoft365Group,
            GroupKind::Security => MemberKind::SecurityGroup,
            GroupKind::MailEnabledSecurity => MemberKind::MailEnabledSecurityGroup,
            GroupKind::Distribution | GroupKind::Other => MemberKind::DistributionGroup,
        }
    }
}

/// The kind of an object being added, with groups told apart by kind (docs/facts.md §5b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum MemberKind {
    #[serde(rename = "user")]
    User,
    #[serde(rename = "security_group")]
    SecurityGroup,
    #[serde(rename = "mail_enabled_security_group")]
    MailEnabledSecurityGroup,
    #[serde(rename = "distribution_group")]
    DistributionGroup,
    #[serde(rename = "microsoft365_group")]
    Microsoft365Group,
    #[serde(rename = "device")]
    Device,
    #[serde(rename = "servicePrincipal")]
    ServicePrincipal,
    #[serde(rename = "orgContact")]
    OrgContact,
}

impl MemberKind {
    pub fn name(self) -> &'static str {
        match self {
            MemberKind::User => "user",
            MemberKind::SecurityGroup => "security group",
            MemberKind::MailEnabledSecurityGroup => "mail-enabled security group",
            MemberKind::DistributionGroup => "distribution group",
            MemberKind::Microsoft365Group => "Microsoft 365 group",
            MemberKind::Device => "device",
            MemberKind::ServicePrincipal => "service principal",
            MemberKind::OrgContact => "organizational contact",
        }
    }
}

/// Where an object is being added, for the allowed-member table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Security,
    Microsoft365,
    RoleAssignable,
    AdministrativeUnit,
    RestrictedAdministrativeUnit,
}

/// One row of the kind table: a group is of `kind` when every non-null field matches.
#[derive(Debug, Clone, Deserialize)]
pub struct KindRule {
    pub kind: GroupKind,
    pub unified: Option<bool>,
    pub mail_enabled: Option<bool>,
    pub security_enabled: Option<bool>,
    pub name: String,
    pub manageable: bool,
    pub source: String,
}

/// One row of the allowed-member table.
#[derive(Debug, Clone, Deserialize)]
pub struct Allowed {
    pub target: Target,
    pub members: Vec<MemberKind>,
    pub source: String,
}

#[derive(Debug, Default, Deserialize)]
struct Table {
    kinds: Vec<KindRule>,
    allowed_members: Vec<Allowed>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        super::parse_table(
            "group_types",
            include_str!("../../assets/knowledge/group_types.json"),
        )
    })
}

/// The kind rules, in matching order.
pub fn kinds() -> &'static [KindRule] {
    &table().kinds
}

/// The allowed-member rows.
pub fn allowed_rows() -> &'static [Allowed] {
    &table().allowed_members
}

fn rule(kind: GroupKind) -> Option<&'static KindRule> {
    table().kinds.iter().find(|r| r.kind == kind)
}

/// The kind of a group object (as Graph returns it) by the first matching rule of the table.
/// Missing `mailEnabled` / `securityEnabled` read as false, as Graph omits nothing it was asked for.
pub fn classify(group: &Value) -> GroupKind {
    let unified = group
        .get("groupTypes")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter().any(|t| {
                t.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("Unified"))
            })
        });
    let mail = group
        .get("mailEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let security = group
        .get("securityEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    table()
        .kinds
        .iter()
        .find(|r| {
            r.unified.is_none_or(|u| u == unified)
                && r.mail_enabled.is_none_or(|m| m == mail)
                && r.security_enabled.is_none_or(|s| s == security)
        })
        .map(|r| r.kind)
        .unwrap_or(GroupKind::Other)
}

/// Whether an object of `member` kind may be added to `target`.
pub fn allowed(target: Target, member: MemberKind) -> bool {
    table()
        .allowed_members
        .iter()
        .find(|a| a.target == target)
        .is_some_and(|a| a.members.contains(&member))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_the_four_kinds_of_facts_5a() {
        assert_eq!(
            classify(
                &json!({"groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false})
            ),
            GroupKind::Microsoft365
        );
        assert_eq!(
            classify(
                &json!({"groupTypes": ["Unified", "DynamicMembership"], "mailEnabled": true, "securityEnabled": true})
            ),
            GroupKind::Microsoft365
        );
        assert_eq!(
            classify(&json!({"groupTypes": [], "mailEnabled": false, "securityEnabled": true})),
            GroupKind::Security
        );
        assert_eq!(
            classify(&json!({"groupTypes": [], "mailEnabled": true, "securityEnabled": true})),
            GroupKind::MailEnabledSecurity
        );
        assert_eq!(
            classify(&json!({"groupTypes": [], "mailEnabled": true, "securityEnabled": false})),
            GroupKind::Distribution
        );
        assert!(GroupKind::Security.is_manageable() && GroupKind::Microsoft365.is_manageable());
        assert!(
            !GroupKind::Distribution.is_manageable()
                && !GroupKind::MailEnabledSecurity.is_manageable()
        );
    }

    #[test]
    fn allowed_members_follow_facts_5b() {
        use MemberKind::*;
        for m in [User, SecurityGroup, Device, ServicePrincipal, OrgContact] {
            assert!(allowed(Target::Security, m), "{m:?}");
        }
        assert!(!allowed(Target::Security, Microsoft365Group));
        assert!(allowed(Target::Microsoft365, User));
        for m in [
            SecurityGroup,
            Microsoft365Group,
            Device,
            ServicePrincipal,
            OrgContact,
        ] {
            assert!(!allowed(Target::Microsoft365, m), "{m:?}");
        }
        assert!(!allowed(Target::RoleAssignable, SecurityGroup));
        assert!(!allowed(Target::AdministrativeUnit, ServicePrincipal));
        assert!(!allowed(
            Target::RestrictedAdministrativeUnit,
            Microsoft365Group
        ));
        assert!(allowed(Target::RestrictedAdministrativeUnit, Device));
    }

    #[test]
    fn every_row_cites_its_source() {
        assert!(kinds()
            .iter()
            .all(|k| !k.source.is_empty() && !k.name.is_empty()));
        assert!(allowed_rows()
            .iter()
            .all(|a| !a.source.is_empty() && !a.members.is_empty()));
        assert_eq!(allowed_rows().len(), 5);
    }

    #[test]
    fn every_kind_has_a_rule() {
        for k in [
            GroupKind::Microsoft365,
            GroupKind::Security,
            GroupKind::MailEnabledSecurity,
            GroupKind::Distribution,
            GroupKind::Other,
        ] {
            assert!(rule(k).is_some(), "{k:?}");
        }
    }
}
