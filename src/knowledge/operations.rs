//! What each operation needs, per member type and flow (`assets/knowledge/operations.json`,
//! docs/facts.md §3a, §3c, §4a).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::report::OperationKind;

/// Where a permission is granted and carried: delegated (`scp`) or application (`roles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    Delegated,
    Application,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Delegated => "delegated",
            Flow::Application => "application",
        }
    }

    pub fn other(self) -> Flow {
        match self {
            Flow::Delegated => Flow::Application,
            Flow::Application => Flow::Delegated,
        }
    }

    /// "a delegated token" / "an app-only token", for messages.
    pub fn a_token(self) -> &'static str {
        match self {
            Flow::Delegated => "a delegated token",
            Flow::Application => "an app-only token",
        }
    }

    /// "a delegated permission" / "an application permission", for messages.
    pub fn a_permission(self) -> &'static str {
        match self {
            Flow::Delegated => "a delegated permission",
            Flow::Application => "an application permission",
        }
    }

    /// How the portal names a permission of this flow.
    pub fn permission_noun(self) -> &'static str {
        match self {
            Flow::Delegated => "delegated permission",
            Flow::Application => "application permission",
        }
    }
}

/// Member types as Graph names them in `@odata.type` (`#microsoft.graph.user`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberType {
    User,
    Group,
    Device,
    ServicePrincipal,
    OrgContact,
}

impl MemberType {
    pub const ALL: [MemberType; 5] = [
        MemberType::User,
        MemberType::Group,
        MemberType::Device,
        MemberType::ServicePrincipal,
        MemberType::OrgContact,
    ];

    /// From an `@odata.type` such as `#microsoft.graph.device`.
    pub fn from_odata(t: &str) -> Option<MemberType> {
        let t = t
            .trim_start_matches('#')
            .trim_start_matches("microsoft.graph.");
        Some(match t {
            "user" => MemberType::User,
            "group" => MemberType::Group,
            "device" => MemberType::Device,
            "servicePrincipal" => MemberType::ServicePrincipal,
            "orgContact" => MemberType::OrgContact,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MemberType::User => "user",
            MemberType::Group => "group",
            MemberType::Device => "device",
            MemberType::ServicePrincipal => "servicePrincipal",
            MemberType::OrgContact => "orgContact",
        }
    }
}

/// The permissions one operation needs: every entry of `all_of` must be met by one of its names.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Requirement {
    #[serde(default)]
    pub operation: String,
    #[serde(default)]
    pub member_type: String,
    #[serde(default)]
    pub flow: Option<Flow>,
    pub all_of: Vec<Vec<String>>,
    pub source: String,
}

impl Requirement {
    /// The entries of `all_of` that `granted` does not meet (empty when satisfied).
    pub fn missing(&self, granted: &[String]) -> Vec<&[String]> {
        self.all_of
            .iter()
            .filter(|any| {
                !any.iter()
                    .any(|p| granted.iter().any(|g| g.eq_ignore_ascii_case(p)))
            })
            .map(Vec::as_slice)
            .collect()
    }

    pub fn satisfied_by(&self, granted: &[String]) -> bool {
        self.missing(granted).is_empty()
    }

    /// The least-privileged set: the first name of each entry.
    pub fn least(&self) -> Vec<&str> {
        self.all_of
            .iter()
            .filter_map(|a| a.first().map(String::as_str))
            .collect()
    }

    /// Every permission name the requirement mentions.
    pub fn mentioned(&self) -> impl Iterator<Item = &str> {
        self.all_of.iter().flatten().map(String::as_str)
    }

    /// "GroupMember.ReadWrite.All and Device.Read.All" (least privileged), for messages.
    pub fn least_text(&self) -> String {
        self.least().join(" and ")
    }

    /// Describes the accepted alternatives, e.g. "GroupMember.ReadWrite.All (or Group.ReadWrite.All, Directory.ReadWrite.All)".
    pub fn describe(&self) -> String {
        self.all_of
            .iter()
            .map(|any| match any.split_first() {
                Some((first, [])) => first.clone(),
                Some((first, rest)) => format!("{first} (or {})", rest.join(", ")),
                None => String::new(),
            })
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// A Graph request that is one of the operations above (`requests` in the table): the
/// permission lookup answers it from this table instead of Microsoft's permissions map.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RequestRoute {
    pub method: String,
    /// Lower case, `{id}` for any id, e.g. `/groups/{id}/members/$ref`.
    pub template: String,
    pub operation: String,
    /// Where the permissions map falls short for this request.
    pub why: String,
    pub source: String,
}

#[derive(Debug, Default, Deserialize)]
struct Table {
    requirements: Vec<Requirement>,
    role_assignable_extra: Option<Requirement>,
    #[serde(default)]
    requests: Vec<RequestRoute>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        super::parse_table(
            "operations",
            include_str!("../../assets/knowledge/operations.json"),
        )
    })
}

/// The requirement for `op` adding a `member` (None: a user; the common case) in `flow`.
pub fn requirement(
    op: OperationKind,
    member: Option<MemberType>,
    flow: Flow,
) -> Option<&'static Requirement> {
    let member = member.unwrap_or(MemberType::User).as_str();
    table().requirements.iter().find(|r| {
        r.operation == op.as_str()
            && r.flow == Some(flow)
            && (r.member_type == member || r.member_type == "*")
    })
}

/// The extra requirement of role-assignable groups (RoleManagement.ReadWrite.Directory).
pub fn role_assignable_extra() -> Option<&'static Requirement> {
    table().role_assignable_extra.as_ref()
}

pub fn all() -> &'static [Requirement] {
    &table().requirements
}

/// The Graph requests the operations are (see [`RequestRoute`]).
pub fn requests() -> &'static [RequestRoute] {
    &table().requests
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn every_permission_named_exists_in_the_right_flow() {
        let mut rows = all().to_vec();
        rows.extend(role_assignable_extra().cloned());
        assert!(rows.len() >= 15);
        for r in &rows {
            assert!(!r.source.is_empty());
            for name in r.mentioned() {
                let p = crate::knowledge::permissions::by_name(name)
                    .unwrap_or_else(|| panic!("{name} not in permissions table"));
                if let Some(flow) = r.flow {
                    assert!(
                        p.id(flow).is_some(),
                        "{name} has no {flow:?} id ({})",
                        r.operation
                    );
                }
            }
        }
    }

    #[test]
    fn every_operation_member_and_flow_is_covered() {
        for flow in [Flow::Delegated, Flow::Application] {
            for m in [
                MemberType::User,
                MemberType::Group,
                MemberType::Device,
                MemberType::ServicePrincipal,
                MemberType::OrgContact,
            ] {
                assert!(
                    requirement(OperationKind::AddGroupMember, Some(m), flow).is_some(),
                    "{m:?} {flow:?}"
                );
            }
            assert!(
                requirement(OperationKind::AddAuMember, Some(MemberType::Device), flow).is_some()
            );
            assert!(requirement(OperationKind::CreateAuGroup, None, flow).is_some());
            for op in OperationKind::ALL {
                for m in MemberType::ALL {
                    assert!(
                        requirement(op, Some(m), flow).is_some(),
                        "{op:?} {m:?} {flow:?}"
                    );
                }
            }
        }
        // Owners need Group.ReadWrite.All: GroupMember.ReadWrite.All does not update owners.
        let owner =
            requirement(OperationKind::AddGroupOwner, None, Flow::Application).expect("row");
        assert!(!owner.satisfied_by(&s(&["GroupMember.ReadWrite.All"])));
        assert!(owner.satisfied_by(&s(&["Group.ReadWrite.All"])));
        let remove = requirement(
            OperationKind::RemoveGroupMember,
            Some(MemberType::Device),
            Flow::Application,
        )
        .expect("row");
        assert!(remove.satisfied_by(&s(&["GroupMember.ReadWrite.All"])));
    }

    #[test]
    fn every_request_route_names_a_known_operation() {
        assert_eq!(requests().len(), 7);
        for r in requests() {
            let op = OperationKind::parse(&r.operation).expect("known operation");
            assert!(requirement(op, None, Flow::Delegated).is_some());
            assert_eq!(r.template, r.template.to_lowercase());
            assert!(r.source.starts_with("https://learn.microsoft.com/"));
            assert!(!r.why.is_empty());
        }
    }

    #[test]
    fn requirements_follow_facts_3a() {
        let dev = requirement(
            OperationKind::AddGroupMember,
            Some(MemberType::Device),
            Flow::Application,
        )
        .expect("row");
        assert_eq!(
            dev.least_text(),
            "GroupMember.ReadWrite.All and Device.ReadWrite.All"
        );
        assert!(!dev.satisfied_by(&s(&["GroupMember.ReadWrite.All", "Device.Read.All"])));
        assert!(dev.satisfied_by(&s(&["Directory.ReadWrite.All"])));
        let devd = requirement(
            OperationKind::AddGroupMember,
            Some(MemberType::Device),
            Flow::Delegated,
        )
        .expect("row");
        assert!(devd.satisfied_by(&s(&["GroupMember.ReadWrite.All", "Device.Read.All"])));
        let user = requirement(OperationKind::AddGroupMember, None, Flow::Delegated).expect("row");
        assert!(user.satisfied_by(&s(&["groupmember.readwrite.all"])));
        assert_eq!(user.missing(&s(&["User.Read"])).len(), 1);
        let extra = role_assignable_extra().expect("row");
        assert!(!extra.satisfied_by(&s(&["Group.ReadWrite.All"])));
        assert_eq!(
            MemberType::from_odata("#microsoft.graph.orgContact"),
            Some(MemberType::OrgContact)
        );
    }
}
