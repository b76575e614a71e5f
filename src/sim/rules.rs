//! Microsoft's rules as data: which permissions allow each read and write, and what each directory
//! role may do to group and administrative-unit membership. Every row cites `docs/facts.md`
//! (`docs/facts.md`); change a rule by editing its row.

/// The well-known appId of Microsoft Graph's service principal (docs/facts.md §6a).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// `Directory.AccessAsUser.All` lets a delegated caller do whatever the signed-in user may
/// (docs/facts.md §1); the simulated tenant lets it stand in for any delegated permission below.
pub const ACCESS_AS_USER: &str = "Directory.AccessAsUser.All";

/// Permissions that allow a read, least privileged first (docs/facts.md §8). Any one suffices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// `GET /groups/{id}`, `/groups`, owners, members, memberOf: [INC:group-get], group-list-*.
    Group,
    /// `GET /directoryObjects/{id}`: [INC:directoryobject-get], Directory.Read.All only.
    DirectoryObject,
    /// `GET /directory/administrativeUnits/…`: administrativeunit-get.
    AdministrativeUnit,
    /// `GET /me`, `/me/transitiveMemberOf`: [INC:user-list-transitivememberof] (delegated only).
    Me,
    /// `GET /users`, `/users/{id}`.
    User,
    /// `GET /devices`.
    Device,
    /// `GET /contacts`.
    OrgContact,
    /// `GET /organization`.
    Organization,
    /// `GET /roleManagement/directory/roleAssignments` (directory provider table).
    RoleAssignments,
    /// `GET /beta/roleManagement/directory/transitiveRoleAssignments`:
    /// https://learn.microsoft.com/graph/api/rbacapplication-list-transitiveroleassignments
    TransitiveRoleAssignments,
    /// `GET /roleManagement/directory/roleEligibilitySchedules`.
    RoleEligibility,
    /// `GET /servicePrincipals…` and `/servicePrincipals/{id}/appRoleAssignments`: [INC:serviceprincipal-get].
    ServicePrincipal,
    /// `GET /applications…`: [INC:application-get].
    Application,
    /// `GET /oauth2PermissionGrants`: [INC:oauth2permissiongrant-list] (Directory.Read.All least).
    PermissionGrants,
    /// `GET /subscribedSkus`: subscribedsku-list (LicenseAssignment.Read.All least).
    SubscribedSkus,
    /// `GET /directoryRoles`.
    DirectoryRoles,
    /// `GET /roleManagement/directory/roleDefinitions`:
    /// https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions
    RoleDefinitions,
    /// `GET /identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`:
    /// https://learn.microsoft.com/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances
    GroupEligibility,
}

impl Read {
    /// The permissions that allow this read (delegated scopes and application roles alike, unless
    /// the name exists in only one scheme).
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Read::Group => &[
                "GroupMember.Read.All",
                "GroupMember.ReadWrite.All",
                "Group.Read.All",
                "Group.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Read::DirectoryObject => &["Directory.Read.All", "Directory.ReadWrite.All"],
            Read::AdministrativeUnit => &[
                "AdministrativeUnit.Read.All",
                "AdministrativeUnit.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Read::Me => &[
                "User.Read",
                "User.ReadWrite",
                "User.ReadBasic.All",
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
                "Group.Read.All",
                "GroupMember.Read.All",
            ],
            Read::User => &[
                "User.ReadBasic.All",
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Read::Device => &[
                "Device.Read.All",
                "Device.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Read::OrgContact => &[
                "OrgContact.Read.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Read::Organization => &[
                "User.Read",
                "Organization.Read.All",
                "Organization.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Read::RoleAssignments => &[
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "Directory.Read.All",
                "RoleManagement.ReadWrite.Directory",
                "Directory.ReadWrite.All",
            ],
            Read::TransitiveRoleAssignments => &[
                "RoleManagement.Read.Directory",
                "Directory.Read.All",
                "RoleManagement.ReadWrite.Directory",
                "Directory.ReadWrite.All",
            ],
            Read::RoleEligibility => &[
                "RoleEligibilitySchedule.Read.Directory",
                "RoleEligibilitySchedule.ReadWrite.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.Read.Directory",
                "RoleManagement.ReadWrite.Directory",
            ],
            Read::ServicePrincipal | Read::Application => &[
                "Application.Read.All",
                "Application.ReadWrite.All",
                "Application.ReadWrite.OwnedBy",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Read::PermissionGrants => &[
                "Directory.Read.All",
                "DelegatedPermissionGrant.ReadWrite.All",
                "Directory.ReadWrite.All",
            ],
            Read::SubscribedSkus => &[
                "LicenseAssignment.Read.All",
                "Organization.Read.All",
                "Organization.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Read::RoleDefinitions => &[
                "RoleManagement.Read.Directory",
                "Directory.Read.All",
                "RoleManagement.ReadWrite.Directory",
                "Directory.ReadWrite.All",
            ],
            Read::GroupEligibility => &[
                "PrivilegedEligibilitySchedule.Read.AzureADGroup",
                "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
            ],
            Read::DirectoryRoles => &[
                "RoleManagement.Read.Directory",
                "Directory.Read.All",
                "RoleManagement.ReadWrite.Directory",
                "Directory.ReadWrite.All",
            ],
        }
    }
}

/// Reading group settings (`GET /groupSettings`, `GET /groups/{id}/settings`), least privileged
/// first: https://learn.microsoft.com/graph/api/group-list-settings.
pub const GROUP_SETTINGS_READ: &[&str] = &[
    "GroupSettings.Read.All",
    "GroupSettings.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
];

/// In delegated scenarios the signed-in user also needs one of the roles group-list-settings
/// lists ("Read basic properties on setting templates and settings": Microsoft Entra Joined
/// Device Local Administrator, Directory Readers, Global Reader; "Manage all group settings":
/// Groups Administrator, Directory Writers; Global Administrator), by template id.
pub const GROUP_SETTINGS_ROLES: &[&str] = &[
    "9f06204d-73c1-4d4c-880a-6edb90606fd8", // Microsoft Entra Joined Device Local Administrator
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", // Directory Readers
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
    "fdd7a751-b60b-444a-984c-02652fe8fa1c", // Groups Administrator
    "9360feb5-f418-4baa-8175-e2a00bac4301", // Directory Writers
    "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
];

/// Reading PIM for Groups eligibilities with a delegated token: "the signed-in user must be an
/// owner or member of the group or be assigned a supported Microsoft Entra role ... For
/// role-assignable groups: Global Reader or Privileged Role Administrator. For
/// non-role-assignable groups: Global Reader, Directory Writer, Groups Administrator, Identity
/// Governance Administrator, or User Administrator. The role assignments for the calling user
/// should be scoped at the directory level"
/// (https://learn.microsoft.com/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances).
/// Global Administrator holds every permission these roles do. Template ids.
pub const PIM_GROUPS_READ_ROLES_ROLE_ASSIGNABLE: &[&str] = &[
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
    "e8611ab8-c189-46e8-94e1-60213ab1f814", // Privileged Role Administrator
    "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
];

/// As [`PIM_GROUPS_READ_ROLES_ROLE_ASSIGNABLE`], for groups that are not role-assignable.
pub const PIM_GROUPS_READ_ROLES: &[&str] = &[
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
    "9360feb5-f418-4baa-8175-e2a00bac4301", // Directory Writers
    "fdd7a751-b60b-444a-984c-02652fe8fa1c", // Groups Administrator
    "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e", // Identity Governance Administrator
    "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
    "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
];

/// Listing the members of a group whose visibility is HiddenMembership:
/// https://learn.microsoft.com/graph/api/group-list-members (Member.Read.Hidden).
pub const HIDDEN_MEMBERS_READ: &[&str] = &["Member.Read.Hidden"];

/// Permissions that let the caller read an administrative unit's properties when it appears in a
/// polymorphic list (`memberOf`); without one it is reduced to `@odata.type` and `id` (docs/facts.md §8).
pub const AU_PROPERTIES: &[&str] = &[
    "AdministrativeUnit.Read.All",
    "AdministrativeUnit.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// Adding members to a group, base permission for every member type (docs/facts.md §3a).
pub const GROUP_MEMBER_WRITE: &[&str] = &[
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];

/// The extra permission a member type needs (docs/facts.md §3a), delegated and application.
pub fn member_extra(kind: &str, delegated: bool) -> &'static [&'static str] {
    match (kind, delegated) {
        ("device", true) => &[
            "Device.Read.All",
            "Device.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ],
        ("device", false) => &["Device.ReadWrite.All", "Directory.ReadWrite.All"],
        ("orgContact", _) => &[
            "OrgContact.Read.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ],
        ("servicePrincipal", _) => &["Application.ReadWrite.All", "Directory.ReadWrite.All"],
        _ => &[],
    }
}

/// Role-assignable groups also need this (docs/facts.md §3c: "The Group.ReadWrite.All permission won't work").
pub const ROLE_ASSIGNABLE_WRITE: &[&str] = &["RoleManagement.ReadWrite.Directory"];

/// Adding or removing a group's owners: Group.ReadWrite.All least privileged, Directory.ReadWrite.All
/// higher (https://learn.microsoft.com/graph/api/group-post-owners,
/// https://learn.microsoft.com/graph/api/group-delete-owners). GroupMember.ReadWrite.All is not
/// enough: "Group properties and owners cannot be updated" (its consent text, docs/facts.md §1).
pub const GROUP_OWNER_WRITE: &[&str] = &["Group.ReadWrite.All", "Directory.ReadWrite.All"];

/// Which groups' owners a built-in role may change, from the least privileged roles tables of
/// https://learn.microsoft.com/graph/api/group-post-owners and group-delete-owners: template id,
/// reach (ordinary groups), and whether only user owners ("Can modify user owners only").
/// Role-assignable groups: the roles with [`RoleRule::role_assignable`]. Columns: template id, reach, users only.
#[rustfmt::skip]
pub const OWNER_ROLES: &[(&str, GroupReach, bool)] = &[
    ("62e90394-69f5-4237-9190-012177145e10", GroupReach::All, false),      // Global Administrator
    ("fdd7a751-b60b-444a-984c-02652fe8fa1c", GroupReach::All, false),      // Groups Administrator
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", GroupReach::All, true),       // User Administrator
    ("9360feb5-f418-4baa-8175-e2a00bac4301", GroupReach::All, true),       // Directory Writers
    ("29232cdf-9323-42fd-ade2-1d097af3e4de", GroupReach::Unified, false),  // Exchange Administrator
    ("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", GroupReach::Unified, false),  // SharePoint Administrator
    ("69091246-20e8-4a56-aa4d-066075b2a7a8", GroupReach::Unified, false),  // Teams Administrator
    ("810a2642-a034-447f-a5e8-41beaa378541", GroupReach::Unified, false),  // Yammer Administrator
    ("3a2c62db-5318-420d-8d74-23affee5d9d5", GroupReach::Security, false), // Intune Administrator
    ("b5a8dcf3-09d5-43a9-a639-8e29ef291470", GroupReach::Security, false), // Knowledge Administrator
    ("744ec460-397e-42ad-a462-8b3f9747a02c", GroupReach::Security, false), // Knowledge Manager
    ("11451d60-acb2-45eb-a7d6-43d0f0125c13", GroupReach::Security, false), // Windows 365 Administrator
];

/// Whether a role may change the owners of an ordinary group (`unified`: a Microsoft 365 group)
/// to or from an owner that is a user (`user_owner`) or not.
pub fn may_change_owners(template_id: &str, unified: bool, user_owner: bool) -> bool {
    OWNER_ROLES.iter().any(|(id, reach, users_only)| {
        id.eq_ignore_ascii_case(template_id) && reach.covers(unified) && (user_owner || !users_only)
    })
}

/// "The group must have at least one owner, hence this owner cannot be removed." (Graph's 400 for
/// the last owner: https://github.com/microsoftgraph/microsoft-graph-docs/issues/12054;
/// group-delete-owners: "the last owner (a user object) of the group cannot be removed").
pub const LAST_OWNER: &str =
    "The group must have at least one owner, hence this owner cannot be removed.";

/// Adding an existing object to an AU (docs/facts.md §4a).
pub const AU_MEMBER_WRITE: &[&str] = &["AdministrativeUnit.ReadWrite.All"];

/// Creating a group inside an AU (docs/facts.md §4a): one of these combinations.
pub fn create_in_au(delegated: bool) -> &'static [&'static [&'static str]] {
    if delegated {
        &[
            &["Group.ReadWrite.All", "AdministrativeUnit.Read.All"],
            &["Group.ReadWrite.All", "AdministrativeUnit.ReadWrite.All"],
            &["Directory.ReadWrite.All"],
        ]
    } else {
        &[
            &["Group.Create", "AdministrativeUnit.Read.All"],
            &["Group.Create", "AdministrativeUnit.ReadWrite.All"],
            &["Group.ReadWrite.All", "AdministrativeUnit.Read.All"],
            &["Group.ReadWrite.All", "AdministrativeUnit.ReadWrite.All"],
            &["Directory.ReadWrite.All"],
        ]
    }
}

/// Which groups a role may change the membership of (docs/facts.md §3b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupReach {
    None,
    /// Security and Microsoft 365 groups (`microsoft.directory/groups/members/update`).
    All,
    /// Microsoft 365 groups only (`groups.unified/members/update`).
    Unified,
    /// Security groups only (`groups.security/members/update`).
    Security,
}

/// What a built-in role may do, for the writes the simulated tenant serves.
#[derive(Debug, Clone, Copy)]
pub struct RoleRule {
    pub template_id: &'static str,
    pub name: &'static str,
    /// Ordinary (not role-assignable) groups.
    pub groups: GroupReach,
    /// Membership of role-assignable groups (docs/facts.md §3c: Privileged Role Administrator, Global Administrator).
    pub role_assignable: bool,
    /// Adding existing objects to an AU (docs/facts.md §4a: at least Privileged Role Administrator).
    pub au_members: bool,
    /// Creating a group inside an AU (docs/facts.md §4a: Groups Administrator, User Administrator).
    pub create_in_au: bool,
}

const fn role(
    template_id: &'static str,
    name: &'static str,
    groups: GroupReach,
    role_assignable: bool,
    au_members: bool,
    create_in_au: bool,
) -> RoleRule {
    RoleRule {
        template_id,
        name,
        groups,
        role_assignable,
        au_members,
        create_in_au,
    }
}

/// Built-in roles (template ids: docs/facts.md §2; actions: §3b, §3c, §4a). Columns: template id, name,
/// ordinary groups, role-assignable groups, AU members, create a group in an AU.
#[rustfmt::skip]
pub const ROLES: &[RoleRule] = &[
    role("62e90394-69f5-4237-9190-012177145e10", "Global Administrator", GroupReach::All, true, true, true),
    role("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator", GroupReach::None, true, true, false),
    role("fdd7a751-b60b-444a-984c-02652fe8fa1c", "Groups Administrator", GroupReach::All, false, false, true),
    role("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator", GroupReach::All, false, false, true),
    role("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers", GroupReach::All, false, false, false),
    role("45d8d3c5-c802-45c6-b32a-1d70b5e1e86e", "Identity Governance Administrator", GroupReach::All, false, false, false),
    role("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator", GroupReach::Unified, false, false, false),
    role("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator", GroupReach::Unified, false, false, false),
    role("69091246-20e8-4a56-aa4d-066075b2a7a8", "Teams Administrator", GroupReach::Unified, false, false, false),
    role("810a2642-a034-447f-a5e8-41beaa378541", "Yammer Administrator", GroupReach::Unified, false, false, false),
    role("3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator", GroupReach::Security, false, false, false),
    role("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers", GroupReach::None, false, false, false),
    role("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader", GroupReach::None, false, false, false),
    role("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator", GroupReach::None, false, false, false),
    // Security-group membership (microsoft.directory/groups.security/members/update), and the
    // deprecated partner roles' groups/members/update:
    // https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
    role("b5a8dcf3-09d5-43a9-a639-8e29ef291470", "Knowledge Administrator", GroupReach::Security, false, false, false),
    role("744ec460-397e-42ad-a462-8b3f9747a02c", "Knowledge Manager", GroupReach::Security, false, false, false),
    role("11451d60-acb2-45eb-a7d6-43d0f0125c13", "Windows 365 Administrator", GroupReach::Security, false, false, false),
    role("4ba39ca4-527c-499a-b93d-d9b492c50246", "Partner Tier1 Support", GroupReach::All, false, false, false),
    role("e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", "Partner Tier2 Support", GroupReach::All, false, false, false),
];

/// Roles that include directory read permissions. A service principal or a guest user can use a
/// role assigned at an administrative unit's scope only while it also holds one of these at
/// tenant scope: "Service principals and guest users won't be able to use a role assignment
/// scoped to an administrative unit unless they're also assigned corresponding permissions to read
/// the objects" (https://learn.microsoft.com/entra/identity/role-based-access-control/admin-units-assign-roles).
pub const TENANT_READ_ROLES: &[&str] = &[
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", // Directory Readers
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
    "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
];

/// Application permissions the simulated tenant takes as "permissions to read the objects" for a
/// service principal (the sim's choice: the page names roles, and is silent on Graph application
/// permissions that read the whole directory).
pub const TENANT_READ_APP_PERMISSIONS: &[&str] = &["Directory.Read.All", "Directory.ReadWrite.All"];

/// A built-in role's description, as Graph's directoryRole and roleDefinition objects carry it.
pub fn role_description(template_id: &str) -> Option<&'static str> {
    const DESCRIPTIONS: &[(&str, &str)] = &[
        ("62e90394-69f5-4237-9190-012177145e10", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."),
        ("e8611ab8-c189-46e8-94e1-60213ab1f814", "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."),
        ("fdd7a751-b60b-444a-984c-02652fe8fa1c", "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports."),
        ("fe930be7-5e62-47db-91af-98c3a49a38b1", "Can manage all aspects of users and groups, including resetting passwords for limited admins."),
        ("9360feb5-f418-4baa-8175-e2a00bac4301", "Can read and write basic directory information. For granting access to applications, not intended for users."),
        ("45d8d3c5-c802-45c6-b32a-1d70b5e1e86e", "Manage access using Microsoft Entra ID for identity governance scenarios."),
        ("29232cdf-9323-42fd-ade2-1d097af3e4de", "Can manage all aspects of the Exchange product."),
        ("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "Can manage all aspects of the SharePoint service."),
        ("69091246-20e8-4a56-aa4d-066075b2a7a8", "Can manage the Microsoft Teams service."),
        ("810a2642-a034-447f-a5e8-41beaa378541", "Manage all aspects of the Yammer service."),
        ("3a2c62db-5318-420d-8d74-23affee5d9d5", "Can manage all aspects of the Intune product."),
        ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Can read basic directory information. Commonly used to grant directory read access to applications and guests."),
        ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Can read everything that a Global Administrator can, but not update anything."),
        ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Can reset passwords for non-administrators and Helpdesk Administrators."),
        ("b5a8dcf3-09d5-43a9-a639-8e29ef291470", "Can configure knowledge, learning, and other intelligent features."),
        ("744ec460-397e-42ad-a462-8b3f9747a02c", "Can organize, create, manage, and promote topics and knowledge."),
        ("11451d60-acb2-45eb-a7d6-43d0f0125c13", "Can provision and manage all aspects of Cloud PCs."),
        ("4ba39ca4-527c-499a-b93d-d9b492c50246", "Do not use - not intended for general use."),
        ("e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", "Do not use - not intended for general use."),
    ];
    DESCRIPTIONS
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(template_id))
        .map(|(_, d)| *d)
}

/// Whether a custom role's action list grants `wanted`: the action itself, or one with
/// `allProperties` for its property and `allTasks` for its verb
/// (https://learn.microsoft.com/entra/identity/role-based-access-control/custom-group-permissions).
fn grants(actions: &[String], wanted: &str) -> bool {
    let Some((entity, rest)) = wanted.rsplit_once('/').and_then(|(head, verb)| {
        head.rsplit_once('/')
            .map(|(entity, prop)| (entity, (prop, verb)))
    }) else {
        return false;
    };
    let (prop, verb) = rest;
    actions.iter().any(|a| {
        let a = a.to_ascii_lowercase();
        [
            format!("{entity}/{prop}/{verb}"),
            format!("{entity}/allproperties/{verb}"),
            format!("{entity}/allproperties/alltasks"),
        ]
        .iter()
        .any(|w| a == w.to_ascii_lowercase())
    })
}

/// What a custom role may do here, from its actions. A custom role is never a tenant-wide read
/// role for the AU-scoped rule (the sim's choice, see [`TENANT_READ_ROLES`]).
pub fn custom_rule(actions: &[String]) -> RoleRule {
    let all = grants(actions, "microsoft.directory/groups/members/update");
    let unified = grants(actions, "microsoft.directory/groups.unified/members/update")
        || grants(
            actions,
            "microsoft.directory/groups.unified.assignedMembership/members/update",
        );
    let security = grants(
        actions,
        "microsoft.directory/groups.security/members/update",
    ) || grants(
        actions,
        "microsoft.directory/groups.security.assignedMembership/members/update",
    );
    RoleRule {
        template_id: "",
        name: "custom role",
        groups: match (all || (unified && security), unified, security) {
            (true, _, _) => GroupReach::All,
            (false, true, false) => GroupReach::Unified,
            (false, false, true) => GroupReach::Security,
            _ => GroupReach::None,
        },
        role_assignable: grants(
            actions,
            "microsoft.directory/groupsAssignableToRoles/members/update",
        ),
        au_members: grants(
            actions,
            "microsoft.directory/administrativeUnits/members/update",
        ),
        create_in_au: grants(actions, "microsoft.directory/groups/create"),
    }
}

/// The rule for a role definition (built-in role definition ids equal their template ids).
pub fn role_rule(role_definition_id: &str) -> Option<&'static RoleRule> {
    ROLES
        .iter()
        .find(|r| r.template_id.eq_ignore_ascii_case(role_definition_id))
}

impl GroupReach {
    /// Whether this reach covers a group (`unified`: groupTypes contains `Unified`).
    pub fn covers(self, unified: bool) -> bool {
        match self {
            GroupReach::None => false,
            GroupReach::All => true,
            GroupReach::Unified => unified,
            GroupReach::Security => !unified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table_matches_facts() {
        let ex = role_rule("29232CDF-9323-42fd-ade2-1d097af3e4de").expect("exchange");
        assert!(ex.groups.covers(true) && !ex.groups.covers(false));
        let intune = role_rule("3a2c62db-5318-420d-8d74-23affee5d9d5").expect("intune");
        assert!(!intune.groups.covers(true) && intune.groups.covers(false));
        let knowledge = role_rule("b5a8dcf3-09d5-43a9-a639-8e29ef291470").expect("knowledge");
        assert!(knowledge.groups.covers(false) && !knowledge.groups.covers(true));
        assert!(TENANT_READ_ROLES.contains(&"88d8e3e3-8f55-4a1e-953a-9b9898b8876b"));
        let pra = role_rule("e8611ab8-c189-46e8-94e1-60213ab1f814").expect("pra");
        assert!(pra.au_members && pra.role_assignable && !pra.groups.covers(false));
        assert!(Read::DirectoryObject
            .permissions()
            .contains(&"Directory.Read.All"));
        assert!(!Read::PermissionGrants
            .permissions()
            .contains(&"Application.Read.All"));
        assert_eq!(
            member_extra("device", false),
            &["Device.ReadWrite.All", "Directory.ReadWrite.All"]
        );
    }
}
