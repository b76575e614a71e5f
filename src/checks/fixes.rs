//! Copyable fix commands with the real ids filled in: Graph requests, Microsoft Graph PowerShell,
//! Azure CLI, portal paths and URLs.

use crate::auth::Cloud;
use crate::knowledge::{permissions, roles, Flow, GRAPH_APP_ID};
use crate::report::{CommandKind, FixCommand};

fn cmd(kind: CommandKind, text: impl Into<String>) -> FixCommand {
    FixCommand {
        kind,
        text: text.into(),
    }
}

/// The admin consent URL for an app (v2 endpoint, all configured permissions).
pub fn admin_consent_url(cloud: Cloud, tenant: &str, app_id: &str) -> String {
    format!(
        "{}/{tenant}/v2.0/adminconsent?client_id={app_id}&scope={}/.default",
        cloud.login_host(),
        cloud.graph_host()
    )
}

/// How to add `permission` to the app registration (in `flow`) and grant admin consent.
pub fn grant_permission(
    cloud: Cloud,
    tenant: &str,
    app_id: &str,
    client_sp: Option<&str>,
    graph_sp: Option<&str>,
    permission: &str,
    flow: Flow,
) -> Vec<FixCommand> {
    let mut out = Vec::new();
    let Some(p) = permissions::by_name(permission) else {
        return out;
    };
    let Some(perm_id) = p.id(flow) else {
        return out;
    };
    let kind = if flow == Flow::Application {
        "Role"
    } else {
        "Scope"
    };
    let portal_kind = if flow == Flow::Application {
        "Application permissions"
    } else {
        "Delegated permissions"
    };
    out.push(cmd(CommandKind::Portal, format!("Entra admin center > App registrations > (app {app_id}) > API permissions > Add a permission > Microsoft Graph > {portal_kind} > {permission} > Grant admin consent")));
    out.push(cmd(CommandKind::Azcli, format!("az ad app permission add --id {app_id} --api {GRAPH_APP_ID} --api-permissions {perm_id}={kind} && az ad app permission admin-consent --id {app_id}")));
    let sp = client_sp.unwrap_or("<client-service-principal-id>");
    let graph = graph_sp.unwrap_or("<microsoft-graph-service-principal-id>");
    match flow {
        Flow::Application => {
            out.push(cmd(CommandKind::Powershell, format!("New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId {sp} -PrincipalId {sp} -ResourceId {graph} -AppRoleId {perm_id}")));
            out.push(cmd(CommandKind::Graph, format!("POST /v1.0/servicePrincipals/{sp}/appRoleAssignments {{\"principalId\": \"{sp}\", \"resourceId\": \"{graph}\", \"appRoleId\": \"{perm_id}\"}}")));
        }
        Flow::Delegated => {
            out.push(cmd(CommandKind::Powershell, format!("New-MgOauth2PermissionGrant -ClientId {sp} -ConsentType AllPrincipals -ResourceId {graph} -Scope \"{permission}\"")));
        }
    }
    out.push(cmd(
        CommandKind::Url,
        admin_consent_url(cloud, tenant, app_id),
    ));
    out
}

/// How to assign a directory role at a scope (`/` or `/administrativeUnits/{id}`).
pub fn assign_role(principal: &str, role_template: &str, scope: &str) -> Vec<FixCommand> {
    let name = roles::name_of(role_template);
    let portal = if scope == "/" {
        format!("Entra admin center > Roles & admins > {name} > Add assignments")
    } else {
        format!("Entra admin center > Roles & admins > Admin units > (unit {}) > Roles and administrators > {name} > Add assignments", scope.trim_start_matches("/administrativeUnits/"))
    };
    vec![
        cmd(CommandKind::Portal, portal),
        cmd(CommandKind::Graph, format!("POST /v1.0/roleManagement/directory/roleAssignments {{\"principalId\": \"{principal}\", \"roleDefinitionId\": \"{role_template}\", \"directoryScopeId\": \"{scope}\"}}")),
        cmd(CommandKind::Powershell, format!("New-MgRoleManagementDirectoryRoleAssignment -PrincipalId {principal} -RoleDefinitionId {role_template} -DirectoryScopeId \"{scope}\"")),
    ]
}

/// How to activate an eligible PIM assignment.
pub fn activate_pim(principal: &str, role_template: &str, scope: &str) -> Vec<FixCommand> {
    let name = roles::name_of(role_template);
    vec![
        cmd(CommandKind::Portal, format!("Entra admin center > Identity governance > Privileged Identity Management > My roles > Microsoft Entra roles > Eligible assignments > {name} > Activate")),
        cmd(CommandKind::Graph, format!("POST /v1.0/roleManagement/directory/roleAssignmentScheduleRequests {{\"action\": \"selfActivate\", \"principalId\": \"{principal}\", \"roleDefinitionId\": \"{role_template}\", \"directoryScopeId\": \"{scope}\", \"justification\": \"Add group members\", \"scheduleInfo\": {{\"expiration\": {{\"type\": \"afterDuration\", \"duration\": \"PT1H\"}}}}}}")),
        cmd(CommandKind::Powershell, format!("New-MgRoleManagementDirectoryRoleAssignmentScheduleRequest -Action selfActivate -PrincipalId {principal} -RoleDefinitionId {role_template} -DirectoryScopeId \"{scope}\" -Justification \"Add group members\" -ScheduleInfo @{{expiration=@{{type='afterDuration';duration='PT1H'}}}}")),
    ]
}

/// How to activate an eligible ownership or membership in PIM for Groups
/// (https://learn.microsoft.com/graph/api/privilegedaccessgroup-post-assignmentschedulerequests,
/// action `selfActivate`).
pub fn activate_pim_group(principal: &str, group: &str, access: &str) -> Vec<FixCommand> {
    vec![
        cmd(CommandKind::Portal, "Entra admin center > Identity governance > Privileged Identity Management > My roles > Groups > Eligible assignments > Activate".to_string()),
        cmd(CommandKind::Graph, format!("POST /v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests {{\"accessId\": \"{access}\", \"principalId\": \"{principal}\", \"groupId\": \"{group}\", \"action\": \"selfActivate\", \"justification\": \"Add group members\", \"scheduleInfo\": {{\"expiration\": {{\"type\": \"afterDuration\", \"duration\": \"PT1H\"}}}}}}")),
        cmd(CommandKind::Powershell, format!("New-MgIdentityGovernancePrivilegedAccessGroupAssignmentScheduleRequest -AccessId {access} -PrincipalId {principal} -GroupId {group} -Action selfActivate -Justification \"Add group members\" -ScheduleInfo @{{expiration=@{{type='afterDuration';duration='PT1H'}}}}")),
    ]
}

/// How to add a group owner (delegated callers may manage groups they own).
pub fn add_owner(group: &str, user: &str) -> FixCommand {
    cmd(
        CommandKind::Powershell,
        format!("New-MgGroupOwner -GroupId {group} -DirectoryObjectId {user}"),
    )
}

/// The add itself, once the cause is fixed.
pub fn add_member(cloud: Cloud, group: &str, member: &str) -> Vec<FixCommand> {
    let host = cloud.graph_host();
    vec![
        cmd(CommandKind::Graph, format!("POST /v1.0/groups/{group}/members/$ref {{\"@odata.id\": \"{host}/v1.0/directoryObjects/{member}\"}}")),
        cmd(CommandKind::Powershell, format!("New-MgGroupMember -GroupId {group} -DirectoryObjectId {member}")),
        cmd(CommandKind::Azcli, format!("az ad group member add --group {group} --member-id {member}")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_carry_the_real_ids() {
        let c = grant_permission(
            Cloud::Global,
            "t1",
            "app1",
            Some("sp1"),
            Some("g1"),
            "GroupMember.ReadWrite.All",
            Flow::Application,
        );
        assert!(c
            .iter()
            .any(|c| c.text.contains("dbaae8cf-10b5-4b86-a4a1-f871c94c6695=Role")));
        assert!(c
            .iter()
            .any(|c| c.text.contains("-ResourceId g1 -AppRoleId dbaae8cf")));
        assert!(c.iter().any(|c| c
            .text
            .starts_with("https://login.microsoftonline.com/t1/v2.0/adminconsent?client_id=app1")));
        let r = assign_role(
            "u1",
            roles::ids::GROUPS_ADMINISTRATOR,
            "/administrativeUnits/au1",
        );
        assert!(r[0].text.contains("Groups Administrator") && r[0].text.contains("au1"));
        assert!(add_member(Cloud::Global, "g", "m")[2]
            .text
            .contains("az ad group member add --group g --member-id m"));
        assert!(
            activate_pim("u", roles::ids::PRIVILEGED_ROLE_ADMINISTRATOR, "/")[1]
                .text
                .contains("selfActivate")
        );
    }
}
