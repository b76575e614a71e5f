//! One pure `decide` function per check of the catalogue: evidence in, [`CheckResult`] out.
//! Search a check's id (e.g. `group.restricted_au`) to find its function.
//!
//! | id | function |
//! |---|---|
//! | `token.format` … `token.tenant` | [`super::token`] |
//! | `ca.claims`, `exchange.policy` | [`challenge`] |
//! | `auth.flow`, `auth.consent`, `auth.permission` | [`auth`] |
//! | `group.exists` … `group.restricted_au` | [`group`] |
//! | `member.object`, `member.duplicate`, `au.target` | [`member`] |
//! | `user.role` | [`role`] |
//! | `license.tenant`, `license.user` | [`license`] |

pub mod auth;
pub mod challenge;
pub mod evidence;
pub mod facts;
pub mod fixes;
pub mod group;
pub mod license;
pub mod member;
pub mod role;
pub mod token;

use evidence::{Ctx, ReadKey};

use crate::report::{CheckId, CheckResult};

const DOC_ADD_MEMBERS: &str = "https://learn.microsoft.com/graph/api/group-post-members";
const DOC_GROUPS: &str = "https://learn.microsoft.com/graph/api/resources/groups-overview";
const DOC_AUTH_ERRORS: &str = "https://learn.microsoft.com/graph/resolve-auth-errors";
const DOC_AU_ADD: &str = "https://learn.microsoft.com/graph/api/administrativeunit-post-members";

/// The rule behind each check (one or two sentences) and its Microsoft docs.
pub fn about(id: CheckId) -> (&'static str, &'static [&'static str]) {
    match id {
        CheckId::CaClaims => ("Conditional access can demand more than the token proves (MFA, an authentication context, a fresh sign-in after revocation). Graph then answers 401 with WWW-Authenticate error=\"insufficient_claims\" and base64 claims that must be passed back to /authorize.", &["https://learn.microsoft.com/entra/identity-platform/claims-challenge", "https://learn.microsoft.com/entra/identity-platform/app-resilience-continuous-access-evaluation"]),
        CheckId::ExchangePolicy => ("Graph APIs that reach Exchange Online obey its EWS application access policies; a blocked client gets 403 ErrorAccessDenied \"Access to OData is disabled.\"", &["https://learn.microsoft.com/graph/resolve-auth-errors#403-forbidden-access-to-odata-is-disabled"]),
        CheckId::AuthFlow => ("A delegated token (device code, auth code) carries only delegated permissions in scp; an app-only token (client credentials) carries only application permissions in roles. A permission granted in the other flow does not help.", &[DOC_AUTH_ERRORS, "https://learn.microsoft.com/graph/permissions-overview"]),
        CheckId::AuthConsent => ("Permissions listed in the app registration take effect only once consented; every Graph group permission needs administrator consent.", &["https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent", "https://learn.microsoft.com/graph/permissions-overview"]),
        CheckId::AuthPermission => ("Each operation needs a least-privileged permission that depends on the member type (group-post-members: GroupMember.ReadWrite.All, plus Device, OrgContact or Application permissions for those members; administrativeunit-post-members: AdministrativeUnit.ReadWrite.All).", &[DOC_ADD_MEMBERS, DOC_AU_ADD, "https://learn.microsoft.com/graph/permissions-reference"]),
        CheckId::GroupExists => ("The target group must exist in the token's tenant and be readable; Graph answers 404 Request_ResourceNotFound for an unknown id.", &["https://learn.microsoft.com/graph/api/group-get", DOC_ADD_MEMBERS]),
        CheckId::GroupType => ("Only Microsoft 365 and security groups can be managed through Graph; mail-enabled security groups and distribution groups are read-only there (groupTypes, mailEnabled, securityEnabled tell the kind).", &[DOC_GROUPS]),
        CheckId::GroupDynamic => ("Members of a dynamic group (groupTypes contains DynamicMembership) follow its membership rule; they cannot be added or removed by hand.", &["https://learn.microsoft.com/entra/identity/users/groups-dynamic-membership", DOC_GROUPS]),
        CheckId::GroupSynced => ("A group synced from on-premises Active Directory (onPremisesSyncEnabled = true) is mastered there; cloud writes to its membership fail.", &["https://learn.microsoft.com/graph/api/resources/group", "https://learn.microsoft.com/graph/api/resources/onpremisessyncbehavior"]),
        CheckId::GroupRoleAssignable => ("Managing the membership of a role-assignable group (isAssignableToRole = true) also needs RoleManagement.ReadWrite.Directory (Group.ReadWrite.All won't work), and a delegated caller must be Privileged Role Administrator or Global Administrator (or an owner the PRA delegated to).", &["https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept", DOC_ADD_MEMBERS]),
        CheckId::GroupRestrictedAu => ("In a restricted management administrative unit only administrators assigned at that unit's scope may change a group's members: tenant-wide Global and Privileged Role Administrators, group owners and Graph application permissions are all blocked.", &["https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-restricted-management"]),
        CheckId::MemberObject => ("The member must exist, and its type must be allowed: security groups take users, security groups, devices, service principals and contacts; Microsoft 365 groups take only users; role-assignable groups take no groups; administrative units take users, groups and devices.", &[DOC_ADD_MEMBERS, "https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units"]),
        CheckId::MemberDuplicate => ("Adding an object that is already a member fails with 400 \"One or more added object references already exist for the following modified properties: 'members'.\"", &[DOC_ADD_MEMBERS]),
        CheckId::AuTarget => ("The administrative unit must exist and be readable; members of a dynamic administrative unit follow its rule and cannot be added by hand.", &[DOC_AU_ADD, "https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units"]),
        CheckId::UserRole => ("A delegated call also needs the signed-in user's own right: a directory role with microsoft.directory/groups/members/update (Groups, User, Identity Governance Administrator, Directory Writers; Exchange, SharePoint, Teams, Yammer Administrator for Microsoft 365 groups only; Intune Administrator for security groups only), an AU-scoped assignment over the group, or ownership. Adding members to an administrative unit needs Privileged Role Administrator for the calling principal, app or user.", &[DOC_ADD_MEMBERS, DOC_AU_ADD, "https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference"]),
        CheckId::LicenseTenant => ("Role-assignable groups and administrative units need Microsoft Entra ID P1 in the tenant (service plan AAD_PREMIUM 41781fb2-…); Privileged Identity Management needs P2 (AAD_PREMIUM_P2 eec0eb4f-…).", &["https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference", "https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units"]),
        CheckId::LicenseUser => ("An administrator acting through an AU-scoped role needs a Microsoft Entra ID P1 licence; using a PIM-eligible role needs P2.", &["https://learn.microsoft.com/entra/identity/role-based-access-control/administrative-units", "https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept"]),
        _ => ("", &[]),
    }
}

/// Fills the catalogue title, the rule and the docs of a result when its decide function did not.
pub fn finish(mut r: CheckResult, id: CheckId) -> CheckResult {
    let (why, docs) = about(id);
    if r.explanation.is_empty() {
        r.explanation = why.to_string();
    }
    if r.docs.is_empty() {
        r.docs = docs.iter().map(|d| d.to_string()).collect();
    }
    r
}

/// The reads a check looks at (used to decide it as soon as they are in).
pub fn needs(id: CheckId) -> &'static [ReadKey] {
    use ReadKey::*;
    match id {
        CheckId::TokenFormat
        | CheckId::TokenAccount
        | CheckId::TokenAudience
        | CheckId::TokenLifetime
        | CheckId::ExchangePolicy => &[],
        CheckId::TokenTenant => &[Organization],
        // Every answer to the diagnosed token may carry a challenge: decided once all are in
        // (the engine never decides it early).
        CheckId::CaClaims => &[],
        CheckId::AuthFlow | CheckId::AuthConsent | CheckId::AuthPermission => &[
            ClientSp,
            GraphSp,
            Application,
            AppRoleAssignments,
            Oauth2Grants,
            Member,
        ],
        CheckId::GroupExists
        | CheckId::GroupType
        | CheckId::GroupDynamic
        | CheckId::GroupSynced => &[Group],
        CheckId::GroupRoleAssignable => &[
            Group,
            GroupOwners,
            MeRoles,
            RoleAssignments,
            RoleEligibility,
        ],
        CheckId::GroupRestrictedAu => &[Group, GroupAus, RoleAssignments],
        CheckId::MemberObject => &[Member, Group, Au],
        CheckId::MemberDuplicate => &[GroupMember, GroupMembersList, AuMember, Au],
        CheckId::AuTarget => &[Au],
        CheckId::UserRole => &[
            Group,
            GroupAus,
            GroupOwners,
            MeRoles,
            RoleAssignments,
            RoleEligibility,
        ],
        CheckId::LicenseTenant | CheckId::LicenseUser => &[
            Group,
            GroupAus,
            GroupOwners,
            MeRoles,
            RoleAssignments,
            RoleEligibility,
            Me,
            SubscribedSkus,
        ],
    }
}

/// Decides check `id` from the evidence in `ctx`.
pub fn decide(id: CheckId, ctx: &Ctx) -> CheckResult {
    let r = match id {
        CheckId::TokenFormat => token::token_format(ctx.token),
        CheckId::TokenAccount => token::token_account(ctx.token),
        CheckId::TokenAudience => token::token_audience(ctx.token, ctx.cloud),
        CheckId::TokenLifetime => token::token_lifetime(ctx.token),
        CheckId::TokenTenant => token::token_tenant(
            ctx.token,
            ctx.expected_tenant,
            ctx.read(&ReadKey::Organization),
        ),
        CheckId::CaClaims => challenge::ca_claims(ctx),
        CheckId::ExchangePolicy => challenge::exchange_policy(ctx),
        CheckId::AuthFlow => auth::auth_flow(ctx),
        CheckId::AuthConsent => auth::auth_consent(ctx),
        CheckId::AuthPermission => auth::auth_permission(ctx),
        CheckId::GroupExists => group::group_exists(ctx),
        CheckId::GroupType => group::group_type(ctx),
        CheckId::GroupDynamic => group::group_dynamic(ctx),
        CheckId::GroupSynced => group::group_synced(ctx),
        CheckId::GroupRoleAssignable => group::group_role_assignable(ctx),
        CheckId::GroupRestrictedAu => group::group_restricted_au(ctx),
        CheckId::MemberObject => member::member_object(ctx),
        CheckId::MemberDuplicate => member::member_duplicate(ctx),
        CheckId::AuTarget => member::au_target(ctx),
        CheckId::UserRole => role::user_role(ctx),
        CheckId::LicenseTenant => license::license_tenant(ctx),
        CheckId::LicenseUser => license::license_user(ctx),
    };
    finish(r, id)
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Hand-built evidence for the decide functions' unit tests.

    use std::collections::HashMap;

    use serde_json::{json, Value};

    use crate::auth::jwt::mint;
    use crate::auth::Cloud;
    use crate::checks::evidence::TokenAnalysis;
    use crate::checks::evidence::{Challenge, Ctx, Read, ReadKey};
    use crate::report::{Operation, OperationKind};
    use crate::secret::Secret;

    pub const NOW: i64 = 1_900_000_000;
    pub const TENANT: &str = "11111111-1111-1111-1111-111111111111";
    pub const APP: &str = "22222222-2222-2222-2222-222222222222";
    pub const OID: &str = "33333333-3333-3333-3333-333333333333";
    pub const GROUP: &str = "44444444-4444-4444-4444-444444444444";
    pub const MEMBER: &str = "55555555-5555-5555-5555-555555555555";
    pub const AU: &str = "66666666-6666-6666-6666-666666666666";
    pub const SP: &str = "77777777-7777-7777-7777-777777777777";

    /// A world of evidence to decide from.
    pub struct World {
        pub op: Operation,
        pub token: TokenAnalysis,
        pub reads: HashMap<ReadKey, Read>,
        pub challenges: Vec<Challenge>,
        pub observed: Option<crate::graph::observed::Observed>,
        pub has_reader: bool,
    }

    pub fn delegated(scp: &str, wids: &[&str]) -> TokenAnalysis {
        TokenAnalysis::new(
            &Secret::new(mint(
                &json!({"aud": "https://graph.microsoft.com", "tid": TENANT, "oid": OID, "appid": APP, "scp": scp, "wids": wids, "ver": "1.0", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}),
            )),
            NOW,
        )
    }

    pub fn app_only(roles: &[&str]) -> TokenAnalysis {
        TokenAnalysis::new(
            &Secret::new(mint(
                &json!({"aud": "https://graph.microsoft.com", "tid": TENANT, "oid": SP, "appid": APP, "roles": roles, "idtyp": "app", "ver": "1.0", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}),
            )),
            NOW,
        )
    }

    impl World {
        pub fn new(token: TokenAnalysis) -> World {
            World {
                op: Operation {
                    kind: OperationKind::AddGroupMember,
                    group: Some(GROUP.into()),
                    member: Some(MEMBER.into()),
                    au: None,
                },
                token,
                reads: HashMap::new(),
                challenges: Vec::new(),
                observed: None,
                has_reader: false,
            }
        }

        pub fn au_op(mut self, kind: OperationKind) -> World {
            self.op = Operation {
                kind,
                group: None,
                member: (kind == OperationKind::AddAuMember).then(|| MEMBER.to_string()),
                au: Some(AU.into()),
            };
            self
        }

        pub fn answer(mut self, key: ReadKey, status: u16, body: Value) -> World {
            let request = format!("GET /v1.0/{}", key.rule_id());
            self.reads
                .insert(key.clone(), Read::answered(key, request, status, body));
            self
        }

        pub fn denied(self, key: ReadKey) -> World {
            self.answer(key, 403, json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}))
        }

        pub fn group(self, body: Value) -> World {
            let mut b = json!({"id": GROUP, "displayName": "Sales", "groupTypes": [], "mailEnabled": false, "securityEnabled": true, "isAssignableToRole": null, "membershipRule": null, "onPremisesSyncEnabled": null});
            if let (Some(base), Some(extra)) = (b.as_object_mut(), body.as_object()) {
                for (k, v) in extra {
                    base.insert(k.clone(), v.clone());
                }
            }
            self.answer(ReadKey::Group, 200, b)
        }

        pub fn values(self, key: ReadKey, values: Value) -> World {
            self.answer(key, 200, json!({"value": values}))
        }

        pub fn ctx(&self) -> Ctx<'_> {
            Ctx {
                op: &self.op,
                cloud: Cloud::Global,
                token: &self.token,
                reads: &self.reads,
                challenges: &self.challenges,
                diagnosed_answers: self.reads.len(),
                observed: self.observed.as_ref(),
                expected_tenant: None,
                has_reader: self.has_reader,
            }
        }
    }
}
