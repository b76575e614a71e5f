//! Scenario files: the tenant a simulated Graph serves, the tokens it issues, the target the demo
//! preselects, injected faults, and what a correct diagnosis concludes (`expect`).
//!
//! Built-in scenarios are `assets/scenarios/*.json`, embedded at build time (`build.rs`). A scenario
//! may name a `base` (another built-in, usually `_contoso`) and then holds only its differences:
//! objects merge key by key (`null` deletes a key), arrays of objects carrying `id` merge item by item
//! (`"$remove": true` drops one), other arrays are replaced. The format is documented in
//! `docs/scenarios.md`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::report::{CheckId, Operation, OperationKind};

use super::ScenarioError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));
}

/// Claims whose numeric values are offsets from the minting moment.
pub const TIME_CLAIMS: [&str; 4] = ["exp", "nbf", "iat", "auth_time"];

/// How deep `base` chains may go (a loop guard).
const MAX_BASE_DEPTH: usize = 4;

/// A loaded scenario. Field names are the JSON keys (see `docs/scenarios.md`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The name an operator types (`--scenario NAME`).
    pub name: String,
    /// One line shown by `graph-doctor scenarios`.
    pub summary: String,
    /// The scenario this one was derived from (already merged in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    pub tenant: TenantSpec,
    /// The national cloud this tenant lives in (`global`, `usgov`, `usgov-dod`, `china`): Graph
    /// accepts only tokens issued for that cloud's Graph (docs/facts.md §6a: tokens are not
    /// interchangeable between clouds). Default `global`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(default)]
    pub directory: Directory,
    /// Token key (`diagnosed`, `reader`, …) → claims (or `{"raw": "…"}` for a malformed token).
    pub tokens: BTreeMap<String, TokenSpec>,
    #[serde(default)]
    pub target: Target,
    #[serde(default)]
    pub faults: Faults,
    /// Applications the token endpoint knows.
    #[serde(default)]
    pub clients: Vec<Client>,
    #[serde(default)]
    pub device_code: DeviceCodeSettings,
    /// An error response the operator "saw" (for `--error-file`), as raw HTTP text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_file: Option<String>,
    /// What a correct diagnosis concludes. The simulated tenant ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// Why graph-doctor's engine is known to disagree with `expect` (the expectation stays
    /// Microsoft's; the engine's end-to-end test may skip the scenario). The server ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_engine_gap: Option<String>,
}

/// The tenant itself (`GET /organization`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenantSpec {
    pub id: String,
    pub display_name: String,
    /// Verified domains; the first is the initial (`*.onmicrosoft.com`) one.
    #[serde(default)]
    pub verified_domains: Vec<String>,
}

/// The directory objects. Property names are Graph's.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Directory {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub devices: Vec<Device>,
    #[serde(default)]
    pub service_principals: Vec<ServicePrincipal>,
    #[serde(default)]
    pub applications: Vec<Application>,
    #[serde(default)]
    pub org_contacts: Vec<OrgContact>,
    #[serde(default)]
    pub administrative_units: Vec<AdministrativeUnit>,
    /// Active (or permanent) role assignments, tenant-wide (`/`) or AU-scoped.
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignment>,
    /// PIM eligibilities: not usable until activated.
    #[serde(default)]
    pub role_eligibility_schedules: Vec<RoleAssignment>,
    /// PIM for Groups eligibilities (eligible owners and members of groups), as Graph lists them
    /// at `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`: the
    /// principal is neither owner nor member until it activates.
    #[serde(default)]
    pub group_eligibility_schedule_instances: Vec<GroupEligibility>,
    /// Activated directory roles (`directoryRole` objects) and their members.
    #[serde(default)]
    pub directory_roles: Vec<DirectoryRole>,
    /// Custom role definitions (`unifiedRoleDefinition`, isBuiltIn false); the built-in ones are
    /// always there (`assets/knowledge/role_definitions.json`).
    #[serde(default)]
    pub role_definitions: Vec<CustomRole>,
    #[serde(default)]
    pub oauth2_permission_grants: Vec<PermissionGrant>,
    #[serde(default)]
    pub subscribed_skus: Vec<SubscribedSku>,
    /// Directory settings of Microsoft 365 groups (`groupSetting`): tenant-wide ones
    /// (`GET /groupSettings`) and, with `groupId`, one group's (`GET /groups/{id}/settings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_settings: Vec<GroupSetting>,
}

/// A `groupSetting` (https://learn.microsoft.com/graph/api/resources/groupsetting): the template
/// it instantiates and its name/value pairs (values are strings, `"false"`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupSetting {
    pub id: String,
    /// The template's display name: `Group.Unified`, `Group.Unified.Guest`.
    pub display_name: String,
    pub template_id: String,
    /// `[{"name": "AllowToAddGuests", "value": "false"}]`.
    #[serde(default)]
    pub values: Vec<Value>,
    /// The group this setting belongs to; absent for a tenant-wide setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(default = "member")]
    pub user_type: String,
    #[serde(default = "yes")]
    pub account_enabled: bool,
    #[serde(default)]
    pub assigned_licenses: Vec<AssignedLicense>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
    /// When the user was created: a number is seconds from the moment the server starts (`-30`:
    /// half a minute before), a string is served as written. Absent: an hour before the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AssignedLicense {
    pub sku_id: String,
    #[serde(default)]
    pub disabled_plans: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub group_types: Vec<String>,
    #[serde(default)]
    pub mail_enabled: bool,
    #[serde(default = "yes")]
    pub security_enabled: bool,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub mail_nickname: Option<String>,
    #[serde(default)]
    pub is_assignable_to_role: Option<bool>,
    #[serde(default)]
    pub membership_rule: Option<String>,
    #[serde(default)]
    pub membership_rule_processing_state: Option<String>,
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default)]
    pub visibility: Option<String>,
    /// When the group was created, as a user's `createdDateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<Value>,
    /// Object ids of the owners (users or service principals).
    #[serde(default)]
    pub owners: Vec<String>,
    /// Object ids of the direct members.
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Device {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub device_id: Option<String>,
    #[serde(default)]
    pub operating_system: Option<String>,
    #[serde(default = "yes")]
    pub account_enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    #[serde(default = "application")]
    pub service_principal_type: String,
    /// Graph `appRole` objects (`id`, `value`, `allowedMemberTypes`, …), served as given.
    #[serde(default)]
    pub app_roles: Vec<Value>,
    /// Graph `permissionScope` objects (`id`, `value`, `type`, …), served as given.
    #[serde(default)]
    pub oauth2_permission_scopes: Vec<Value>,
    /// Application permissions granted to this principal (admin consent of app roles).
    #[serde(default)]
    pub app_role_assignments: Vec<AppRoleAssignment>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppRoleAssignment {
    pub id: String,
    pub app_role_id: String,
    /// Object id of the resource service principal (e.g. Microsoft Graph's).
    pub resource_id: String,
    #[serde(default)]
    pub resource_display_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    /// Graph `requiredResourceAccess` (`resourceAppId`, `resourceAccess[{id, type: Scope|Role}]`).
    #[serde(default)]
    pub required_resource_access: Vec<Value>,
    #[serde(default)]
    pub is_fallback_public_client: Option<bool>,
    #[serde(default)]
    pub sign_in_audience: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrgContact {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub mail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdministrativeUnit {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub is_member_management_restricted: Option<bool>,
    /// `Assigned` (default) or `Dynamic`.
    #[serde(default)]
    pub membership_type: Option<String>,
    #[serde(default)]
    pub membership_rule: Option<String>,
    /// `On` or `Paused` (dynamic units).
    #[serde(default)]
    pub membership_rule_processing_state: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
}

/// A `unifiedRoleAssignment` (or, in `roleEligibilitySchedules`, a `unifiedRoleEligibilitySchedule`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleAssignment {
    pub id: String,
    pub principal_id: String,
    /// For built-in roles, the role template id (as Graph returns it).
    pub role_definition_id: String,
    /// `/` for tenant-wide, `/administrativeUnits/{id}` for AU scope.
    #[serde(default = "root_scope")]
    pub directory_scope_id: String,
}

/// A `privilegedAccessGroupEligibilityScheduleInstance`
/// (https://learn.microsoft.com/graph/api/resources/privilegedaccessgroupeligibilityscheduleinstance).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupEligibility {
    pub group_id: String,
    pub principal_id: String,
    /// `owner` or `member`.
    pub access_id: String,
    /// None: no end.
    #[serde(default)]
    pub end_date_time: Option<String>,
}

/// A custom directory role: https://learn.microsoft.com/graph/api/resources/unifiedroledefinition
/// (custom roles' actions: https://learn.microsoft.com/entra/identity/role-based-access-control/custom-group-permissions).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomRole {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub allowed_resource_actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DirectoryRole {
    pub id: String,
    pub display_name: String,
    pub role_template_id: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PermissionGrant {
    pub id: String,
    /// Object id of the client service principal.
    pub client_id: String,
    /// `AllPrincipals` (admin consent) or `Principal` (one user).
    pub consent_type: String,
    #[serde(default)]
    pub principal_id: Option<String>,
    /// Object id of the resource service principal.
    pub resource_id: String,
    /// Space-separated scope values.
    pub scope: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubscribedSku {
    pub id: String,
    pub sku_id: String,
    pub sku_part_number: String,
    #[serde(default = "enabled")]
    pub capability_status: String,
    #[serde(default = "user_target")]
    pub applies_to: String,
    #[serde(default)]
    pub consumed_units: u32,
    #[serde(default)]
    pub service_plans: Vec<ServicePlan>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServicePlan {
    pub service_plan_id: String,
    pub service_plan_name: String,
    #[serde(default = "success")]
    pub provisioning_status: String,
    #[serde(default = "user_target")]
    pub applies_to: String,
}

/// A token the scenario issues: its claims, or a raw string for tokens that are not JWTs (`raw` is
/// reserved: an object holding it is a raw token, whatever claims a base merged in).
///
/// Time claims (`exp`, `nbf`, `iat`, `auth_time`) given as numbers are **offsets in seconds from
/// the moment the token is minted**: `"exp": -3600` makes a token that expired an hour before it
/// was handed out, whenever that is.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TokenSpec {
    /// A verbatim token string (truncated, opaque, garbage): served as is.
    Raw {
        raw: String,
    },
    Claims(Map<String, Value>),
}

impl<'de> Deserialize<'de> for TokenSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        // `raw` wins over claims merged in from a base scenario.
        match map.get("raw") {
            Some(Value::String(raw)) => Ok(TokenSpec::Raw { raw: raw.clone() }),
            Some(_) => Err(serde::de::Error::custom(
                "`raw` must be the token as a string",
            )),
            None => Ok(TokenSpec::Claims(map)),
        }
    }
}

/// The operation the demo preselects.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(default)]
    pub operation: OperationKind,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub member: Option<String>,
    #[serde(default)]
    pub au: Option<String>,
    /// The tenant the operator expects (`--tenant`), when the scenario is about `token.tenant`.
    #[serde(default)]
    pub expected_tenant: Option<String>,
    /// A generic request diagnosed instead of an operation (`check --request "METHOD URL"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

/// Faults the server injects.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Delay added before every HTTP response (simulated network latency).
    #[serde(default)]
    pub latency_ms: u64,
    /// The first N Graph requests (each request of a batch counts) answer 429 TooManyRequests.
    #[serde(default)]
    pub throttle_first: u32,
    /// `Retry-After` sent with 429/503 (seconds; fractional allowed, e.g. "0.2"). `None`: no header.
    #[serde(default)]
    pub retry_after: Option<String>,
    /// After any throttling, the next N Graph requests answer 503.
    #[serde(default)]
    pub unavailable_first: u32,
    /// A conditional-access claims challenge on every Graph request.
    #[serde(default)]
    pub claims_challenge: Option<ClaimsChallenge>,
    /// The most items a page holds, whatever `$top` asks: "Different APIs might have different
    /// default and maximum page sizes" (https://learn.microsoft.com/graph/paging).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_page_size: Option<usize>,
    /// The tenant offers no advanced queries: `ConsistencyLevel: eventual` is ignored, so `$count`,
    /// `$search`, a `$filter` or an OData cast on a directory navigation collection answers as it
    /// would without the header (400 `Request_UnsupportedQuery`). Azure AD B2C tenants are such:
    /// "Azure AD B2C currently doesn't support advanced query capabilities on directory objects"
    /// (https://learn.microsoft.com/azure/active-directory-b2c/microsoft-graph-operations).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_advanced_queries: bool,
    /// Directory replication: a write naming an object created fewer than this many seconds
    /// before answers as if it did not exist yet (404 Request_ResourceNotFound for a member; 400
    /// "The source resource object or one of the objects being referenced do not exist." for a
    /// group), while reads see it: "This request might have replication delays for groups that
    /// were recently created" (https://learn.microsoft.com/graph/api/group-post-members).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_seconds: Option<i64>,
}

/// A claims challenge (docs/facts.md §7a).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsChallenge {
    /// The claims request, e.g. `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`;
    /// sent base64-encoded in `WWW-Authenticate`.
    pub claims: Value,
    /// Graph sends claims challenges only to clients declaring `cp1` in `xms_cc` (docs/facts.md §7a).
    /// Default true; false challenges every token.
    #[serde(default = "yes")]
    pub require_cp1: bool,
    /// The error message in the 401 body.
    #[serde(default = "claims_message")]
    pub message: String,
}

/// An application the token endpoint accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub client_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// A client secret (client credentials).
    #[serde(default)]
    pub secret: Option<String>,
    /// SHA-1 thumbprint (hex, as the portal shows it) of a registered certificate.
    #[serde(default)]
    pub certificate_thumbprint: Option<String>,
    /// The token key (in `tokens`) this client receives.
    pub issues: String,
    /// A public client: may use the device-code grant.
    #[serde(default)]
    pub public: bool,
    /// Make sign-in fail with this AADSTS code (50076, 65001, 50020, 53003, 50079).
    #[serde(default)]
    pub fails_with: Option<u32>,
}

/// Device-code grant settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCodeSettings {
    /// Polling interval returned to clients (seconds). Small by default so tests stay fast.
    #[serde(default = "one")]
    pub interval: u64,
    /// How many polls answer `authorization_pending` before the sign-in completes.
    #[serde(default = "one_u32")]
    pub pending_polls: u32,
    #[serde(default = "device_code_lifetime")]
    pub expires_in: u64,
}

impl Default for DeviceCodeSettings {
    fn default() -> Self {
        DeviceCodeSettings {
            interval: 1,
            pending_polls: 1,
            expires_in: device_code_lifetime(),
        }
    }
}

/// What a correct diagnosis concludes (the engine's end-to-end tests read it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The first failing check in catalogue order, or null.
    pub primary_cause: Option<CheckId>,
    /// Every check a correct diagnosis fails.
    #[serde(default)]
    pub failing: Vec<CheckId>,
    /// Checks a correct diagnosis must leave `unknown` (the evidence cannot decide them, e.g. a
    /// listing truncated at the page limit), even with the reader token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<CheckId>,
    /// 0 pass, 1 fail, 3 inconclusive.
    pub exit_code: i32,
}

fn yes() -> bool {
    true
}
fn one() -> u64 {
    1
}
fn one_u32() -> u32 {
    1
}
fn device_code_lifetime() -> u64 {
    900
}
fn member() -> String {
    "Member".into()
}
fn application() -> String {
    "Application".into()
}
fn root_scope() -> String {
    "/".into()
}
fn enabled() -> String {
    "Enabled".into()
}
fn success() -> String {
    "Success".into()
}
fn user_target() -> String {
    "User".into()
}
fn claims_message() -> String {
    // Corpus: cae-claimschallengerequired-app-only-java2215.
    "Exception of type 'Microsoft.Graph.AGS.Contracts.ClaimsChallengeRequiredException' was thrown."
        .into()
}

impl Scenario {
    /// A built-in scenario by name, or an operator's own file by path.
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        if let Some(text) = builtin_text(name_or_path) {
            let label = format!(
                "built-in scenario '{name_or_path}' (assets/scenarios/{name_or_path}.json)"
            );
            return Scenario::from_text(&label, text);
        }
        let path = Path::new(name_or_path);
        if path.is_file() {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ScenarioError(format!(
                    "scenario file {}: cannot read it: {e}",
                    path.display()
                ))
            })?;
            return Scenario::from_text(&format!("scenario file {}", path.display()), &text);
        }
        Err(ScenarioError(format!(
            "unknown scenario '{name_or_path}': not a built-in (see `graph-doctor scenarios`) and no such file"
        )))
    }

    /// Parses scenario JSON; `label` names the file in errors.
    pub fn from_text(label: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let mut value = resolve(label, text, 0)?;
        expand_generated(&mut value).map_err(|m| ScenarioError(format!("{label}: {m}")))?;
        let scenario: Scenario = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." {
                ScenarioError(format!("{label}: {inner}"))
            } else {
                ScenarioError(format!("{label}: field `{path}`: {inner}"))
            }
        })?;
        scenario
            .validate()
            .map_err(|m| ScenarioError(format!("{label}: {m}")))?;
        Ok(scenario)
    }

    /// The same scenario with every response delayed by `ms` (benchmarks, latency demos).
    pub fn with_latency(mut self, ms: u64) -> Scenario {
        self.faults.latency_ms = ms;
        self
    }

    /// Mints the token `key` now: time claims given as numbers are offsets from now (see
    /// [`TokenSpec`]); `{"raw": …}` tokens are returned as written. `None` for an unknown key.
    pub fn mint(&self, key: &str) -> Option<String> {
        self.mint_with(key, &Map::new())
    }

    /// Like [`Scenario::mint`], with extra claims merged over the scenario's (e.g. `amr` after MFA).
    pub fn mint_with(&self, key: &str, extra: &Map<String, Value>) -> Option<String> {
        match self.tokens.get(key)? {
            TokenSpec::Raw { raw } => Some(raw.clone()),
            TokenSpec::Claims(claims) => {
                let now = chrono::Utc::now().timestamp();
                let mut claims = claims.clone();
                claims.extend(extra.clone());
                for name in TIME_CLAIMS {
                    if let Some(offset) = claims.get(name).and_then(Value::as_i64) {
                        claims.insert(name.to_string(), Value::from(now + offset));
                    }
                }
                Some(crate::auth::jwt::mint(&Value::Object(claims)))
            }
        }
    }

    /// Seconds until the token `key` expires, as the token endpoint reports `expires_in`.
    pub fn token_lifetime(&self, key: &str) -> i64 {
        match self.tokens.get(key) {
            Some(TokenSpec::Claims(c)) => c.get("exp").and_then(Value::as_i64).unwrap_or(3600),
            _ => 3600,
        }
    }

    /// The operation the scenario preselects, as the report's `operation`.
    pub fn operation(&self) -> Operation {
        if let Some(line) = &self.target.request {
            let (method, url) = line
                .trim()
                .split_once(' ')
                .unwrap_or(("GET", line.as_str()));
            let parsed = crate::knowledge::permission_map::parse_request(method, url.trim()).ok();
            let template = parsed
                .as_ref()
                .and_then(|p| crate::knowledge::permission_map::lookup(p).template);
            return Operation {
                kind: OperationKind::Request,
                request: parsed.map(|p| crate::report::RequestTarget {
                    method: p.method.as_str().to_string(),
                    path: p.path,
                    template,
                    version: p.version,
                }),
                ..Operation::default()
            };
        }
        Operation {
            kind: self.target.operation,
            group: self.target.group.clone(),
            member: self.target.member.clone(),
            au: self.target.au.clone(),
            request: None,
        }
    }

    /// Checks what the types cannot: references between objects and tokens, ids that must be unique.
    fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("field `name`: must not be empty".into());
        }
        if !self.tokens.contains_key("diagnosed") {
            return Err("field `tokens`: a `diagnosed` token is required".into());
        }
        if let Some(c) = &self.cloud {
            if crate::auth::Cloud::parse(c).is_none() {
                return Err(format!(
                    "field `cloud`: '{c}' is not one of global, usgov, usgov-dod, china"
                ));
            }
        }
        let d = &self.directory;
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        let mut add = |field: String, id: &str| -> Result<(), String> {
            if let Some(prev) = ids.insert(id.to_ascii_lowercase(), field.clone()) {
                return Err(format!(
                    "field `{field}.id`: id {id} is already used by `{prev}`"
                ));
            }
            Ok(())
        };
        for (i, o) in d.users.iter().enumerate() {
            add(format!("directory.users[{i}]"), &o.id)?;
        }
        for (i, o) in d.groups.iter().enumerate() {
            add(format!("directory.groups[{i}]"), &o.id)?;
        }
        for (i, o) in d.devices.iter().enumerate() {
            add(format!("directory.devices[{i}]"), &o.id)?;
        }
        for (i, o) in d.service_principals.iter().enumerate() {
            add(format!("directory.servicePrincipals[{i}]"), &o.id)?;
        }
        for (i, o) in d.applications.iter().enumerate() {
            add(format!("directory.applications[{i}]"), &o.id)?;
        }
        for (i, o) in d.org_contacts.iter().enumerate() {
            add(format!("directory.orgContacts[{i}]"), &o.id)?;
        }
        for (i, o) in d.administrative_units.iter().enumerate() {
            add(format!("directory.administrativeUnits[{i}]"), &o.id)?;
        }
        for (i, o) in d.directory_roles.iter().enumerate() {
            add(format!("directory.directoryRoles[{i}]"), &o.id)?;
        }
        let known = |id: &str| ids.contains_key(&id.to_ascii_lowercase());
        for (i, g) in d.groups.iter().enumerate() {
            for (j, m) in g.members.iter().enumerate() {
                if !known(m) {
                    return Err(format!(
                        "field `directory.groups[{i}].members[{j}]`: no object has id {m}"
                    ));
                }
            }
            for (j, m) in g.owners.iter().enumerate() {
                if !known(m) {
                    return Err(format!(
                        "field `directory.groups[{i}].owners[{j}]`: no object has id {m}"
                    ));
                }
            }
        }
        for (i, a) in d.administrative_units.iter().enumerate() {
            for (j, m) in a.members.iter().enumerate() {
                if !known(m) {
                    return Err(format!(
                        "field `directory.administrativeUnits[{i}].members[{j}]`: no object has id {m}"
                    ));
                }
            }
        }
        for (i, r) in d.directory_roles.iter().enumerate() {
            for (j, m) in r.members.iter().enumerate() {
                if !known(m) {
                    return Err(format!(
                        "field `directory.directoryRoles[{i}].members[{j}]`: no object has id {m}"
                    ));
                }
            }
        }
        for (i, c) in self.clients.iter().enumerate() {
            if !self.tokens.contains_key(&c.issues) {
                return Err(format!(
                    "field `clients[{i}].issues`: no token `{}` in `tokens`",
                    c.issues
                ));
            }
        }
        if let Some(e) = &self.expect {
            if e.primary_cause != e.failing.iter().copied().min() {
                return Err("field `expect.primary_cause`: must be the first of `failing` in catalogue order (or null when nothing fails)".into());
            }
            if !matches!(e.exit_code, 0 | 1 | 3) {
                return Err("field `expect.exit_code`: must be 0, 1 or 3".into());
            }
            if (e.exit_code == 1) == e.failing.is_empty() {
                return Err(
                    "field `expect.exit_code`: 1 exactly when `failing` is not empty".into(),
                );
            }
            if e.unknown.iter().any(|c| e.failing.contains(c)) {
                return Err(
                    "field `expect.unknown`: a check cannot be both unknown and failing".into(),
                );
            }
            if !e.unknown.is_empty() && e.failing.is_empty() && e.exit_code != 3 {
                return Err("field `expect.exit_code`: 3 (inconclusive) when checks are unknown and none fails".into());
            }
        }
        Ok(())
    }
}

/// The embedded text of a built-in scenario (or base) by name.
fn builtin_text(name: &str) -> Option<&'static str> {
    embedded::FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// Built-in scenarios: (name, one-line summary), sorted by name. Bases (`_name`) are not listed.
pub fn builtin() -> Vec<(String, String)> {
    embedded::FILES
        .iter()
        .filter(|(n, _)| !n.starts_with('_'))
        .map(|(n, _)| {
            let summary = Scenario::load(n)
                .map(|s| s.summary)
                .unwrap_or_else(|e| format!("(does not load: {e})"));
            (n.to_string(), summary)
        })
        .collect()
}

/// Names of every embedded file, bases included (for tests).
pub fn embedded_names() -> Vec<&'static str> {
    embedded::FILES.iter().map(|(n, _)| *n).collect()
}

/// Most objects one `directory.generate` entry may make.
pub const MAX_GENERATED: usize = 20_000;

/// The collections `directory.generate` can fill, as the JSON keys of `directory`
/// (`appRoleAssignments` lives under a service principal).
const GENERATED_COLLECTIONS: [&str; 9] = [
    "users",
    "groups",
    "devices",
    "orgContacts",
    "administrativeUnits",
    "roleAssignments",
    "roleEligibilitySchedules",
    "oauth2PermissionGrants",
    "appRoleAssignments",
];

/// Expands `directory.generate`, compact descriptions of large collections, into the directory:
/// `{"collection", "count", "start"?, "template", "servicePrincipal"?, "memberOf"?}` makes `count`
/// copies of `template` with `{n}` in its strings replaced by n (from `start`, default 1) and
/// `{n:W}` by n zero-padded to W digits. The copies go before the scenario's own items of that
/// collection (the hand-written ones come last, the worst case for a reader that stops early);
/// each copy is added to the `members` of every group or administrative unit in `memberOf`.
/// `appRoleAssignments` go to the service principal `servicePrincipal`. Errors name the field.
fn expand_generated(value: &mut Value) -> Result<(), String> {
    let Some(dir) = value.get_mut("directory").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let Some(generate) = dir.remove("generate") else {
        return Ok(());
    };
    let Value::Array(entries) = generate else {
        return Err("field `directory.generate`: must be an array".into());
    };
    for (i, entry) in entries.iter().enumerate() {
        let field = |f: &str| format!("field `directory.generate[{i}].{f}`");
        let Some(spec) = entry.as_object() else {
            return Err(format!(
                "field `directory.generate[{i}]`: must be an object"
            ));
        };
        if let Some(k) = spec.keys().find(|k| {
            ![
                "collection",
                "count",
                "start",
                "template",
                "servicePrincipal",
                "memberOf",
            ]
            .contains(&k.as_str())
        }) {
            return Err(format!("{}: unknown field", field(k)));
        }
        let collection = spec
            .get("collection")
            .and_then(Value::as_str)
            .filter(|c| GENERATED_COLLECTIONS.contains(c))
            .ok_or_else(|| {
                format!(
                    "{}: must be one of {}",
                    field("collection"),
                    GENERATED_COLLECTIONS.join(", ")
                )
            })?;
        let count = spec
            .get("count")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (1..=MAX_GENERATED).contains(n))
            .ok_or_else(|| format!("{}: a number from 1 to {MAX_GENERATED}", field("count")))?;
        let start = match spec.get("start") {
            None => 1,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("{}: a number", field("start")))?,
        };
        let template = spec
            .get("template")
            .filter(|t| t.is_object())
            .ok_or_else(|| {
                format!(
                    "{}: an object (one item of `{collection}`)",
                    field("template")
                )
            })?;
        let made: Vec<Value> = (0..count as u64)
            .map(|k| instantiate(template, start + k))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", field("template")))?;
        let member_of: Vec<String> = match spec.get("memberOf") {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| format!("{}: an array of object ids", field("memberOf")))?,
            Some(_) => return Err(format!("{}: an array of object ids", field("memberOf"))),
        };
        let ids: Vec<Value> = made.iter().filter_map(|m| m.get("id").cloned()).collect();
        let target = if collection == "appRoleAssignments" {
            let sp = spec
                .get("servicePrincipal")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    format!(
                        "{}: the id of a service principal",
                        field("servicePrincipal")
                    )
                })?;
            dir.get_mut("servicePrincipals")
                .and_then(Value::as_array_mut)
                .and_then(|sps| {
                    sps.iter_mut().find(|x| {
                        x.get("id")
                            .and_then(Value::as_str)
                            .is_some_and(|id| id.eq_ignore_ascii_case(sp))
                    })
                })
                .and_then(Value::as_object_mut)
                .map(|o| {
                    o.entry("appRoleAssignments")
                        .or_insert_with(|| Value::Array(Vec::new()))
                })
                .ok_or_else(|| {
                    format!(
                        "{}: no service principal has id {sp}",
                        field("servicePrincipal")
                    )
                })?
        } else {
            dir.entry(collection)
                .or_insert_with(|| Value::Array(Vec::new()))
        };
        let Value::Array(items) = target else {
            return Err(format!("field `directory.{collection}`: must be an array"));
        };
        let own = std::mem::replace(items, made);
        items.extend(own);
        for (j, container) in member_of.iter().enumerate() {
            let is_it = |x: &Value| {
                x.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.eq_ignore_ascii_case(container))
            };
            let set = ["groups", "administrativeUnits"].into_iter().find(|set| {
                dir.get(*set)
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(is_it))
            });
            let found = set
                .and_then(|set| dir.get_mut(set))
                .and_then(Value::as_array_mut)
                .and_then(|a| a.iter_mut().find(|x| is_it(x)));
            let Some(obj) = found.and_then(Value::as_object_mut) else {
                return Err(format!(
                    "{}: no group or administrative unit has id {container}",
                    field(&format!("memberOf[{j}]"))
                ));
            };
            if let Value::Array(members) = obj
                .entry("members")
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                members.extend(ids.iter().cloned());
            }
        }
    }
    Ok(())
}

/// A copy of `template` for number `n`: `{n}` and `{n:W}` replaced in every string.
fn instantiate(template: &Value, n: u64) -> Result<Value, String> {
    Ok(match template {
        Value::String(s) => Value::String(number(s, n)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|v| instantiate(v, n))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), instantiate(v, n)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// `text` with `{n}` replaced by `n` and `{n:W}` by `n` zero-padded to W digits (1–20).
fn number(text: &str, n: u64) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{n") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed placeholder in '{text}'"))?;
        let width = match &after[..end] {
            "" => 0,
            w => w
                .strip_prefix(':')
                .and_then(|w| w.parse::<usize>().ok())
                .filter(|w| (1..=20).contains(w))
                .ok_or_else(|| {
                    format!("placeholder '{{n{w}}}' in '{text}' is not {{n}} or {{n:W}}")
                })?,
        };
        out.push_str(&format!("{n:0width$}"));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses `text` and merges it over its `base`, recursively.
fn resolve(label: &str, text: &str, depth: usize) -> Result<Value, ScenarioError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ScenarioError(format!("{label}: not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ScenarioError(format!(
            "{label}: a scenario is a JSON object"
        )));
    }
    let Some(base) = value.get("base") else {
        return Ok(value);
    };
    let Some(base_name) = base.as_str() else {
        return Err(ScenarioError(format!(
            "{label}: field `base`: must be the name of a built-in scenario"
        )));
    };
    if depth >= MAX_BASE_DEPTH {
        return Err(ScenarioError(format!(
            "{label}: field `base`: bases nest deeper than {MAX_BASE_DEPTH} (a loop?)"
        )));
    }
    let base_text = builtin_text(base_name).ok_or_else(|| {
        ScenarioError(format!(
            "{label}: field `base`: no built-in scenario '{base_name}'"
        ))
    })?;
    let base_label = format!("base scenario '{base_name}' (assets/scenarios/{base_name}.json)");
    let mut merged = resolve(&base_label, base_text, depth + 1)?;
    merge(&mut merged, value);
    Ok(merged)
}

/// Merges `patch` into `target`: objects key by key (`null` deletes), arrays of objects with `id`
/// item by item (`"$remove": true` deletes one), anything else replaced.
pub fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(&k);
                } else if let Some(existing) = t.get_mut(&k) {
                    merge(existing, v);
                } else {
                    t.insert(k, v);
                }
            }
        }
        (Value::Array(t), Value::Array(p)) if !p.is_empty() && p.iter().all(has_id) => {
            for item in p {
                let id = item
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase);
                let pos = t.iter().position(|x| {
                    x.get("id")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_lowercase)
                        == id
                });
                let remove = item.get("$remove").and_then(Value::as_bool) == Some(true);
                match (pos, remove) {
                    (Some(i), true) => {
                        t.remove(i);
                    }
                    (None, true) => {}
                    (Some(i), false) => {
                        let mut item = item;
                        if let Value::Object(m) = &mut item {
                            m.remove("id"); // keep the base's spelling of the id
                        }
                        merge(&mut t[i], item)
                    }
                    (None, false) => t.push(item),
                }
            }
        }
        (t, p) => *t = p,
    }
}

fn has_id(v: &Value) -> bool {
    v.get("id").is_some_and(Value::is_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_by_id_and_null_deletes() {
        let mut base = json!({"a": 1, "b": {"c": 2, "d": 3}, "list": [{"id": "x", "v": 1}, {"id": "y", "v": 2}], "roles": ["a"]});
        merge(
            &mut base,
            json!({"a": null, "b": {"c": 5}, "list": [{"id": "X", "v": 9}, {"id": "y", "$remove": true}, {"id": "z"}], "roles": ["b"]}),
        );
        assert_eq!(
            base,
            json!({"b": {"c": 5, "d": 3}, "list": [{"id": "x", "v": 9}, {"id": "z"}], "roles": ["b"]})
        );
    }

    #[test]
    fn malformed_scenarios_name_file_and_field() {
        let err = Scenario::from_text(
            "scenario file x.json",
            r#"{"base": "_contoso", "name": "x", "summary": "s", "directory": {"groups": [{"id": "20000000-0000-4000-8000-000000000001", "mailEnabled": "yes"}]}}"#,
        )
        .expect_err("must fail");
        let msg = err.to_string();
        assert!(msg.contains("x.json"), "{msg}");
        assert!(msg.contains("directory.groups[0].mailEnabled"), "{msg}");

        let err = Scenario::from_text(
            "f.json",
            r#"{"base": "_contoso", "name": "x", "summary": "s", "tokens": {"diagnosed": {"raw": 5}}}"#,
        )
        .expect_err("must fail");
        assert!(err.to_string().contains("tokens.diagnosed"), "{err}");

        let err = Scenario::from_text("f.json", "{not json").expect_err("must fail");
        assert!(err.to_string().contains("f.json: not valid JSON"));

        let err = Scenario::from_text("f.json", r#"{"base": "nope"}"#).expect_err("must fail");
        assert!(err.to_string().contains("no built-in scenario 'nope'"));

        let err = Scenario::from_text(
            "f.json",
            r#"{"base": "_contoso", "name": "x", "summary": "s", "expect": {"primary_cause": "token.nonsense", "failing": [], "exit_code": 0}}"#,
        )
        .expect_err("must fail");
        assert!(err.to_string().contains("expect.primary_cause"), "{err}");
    }

    #[test]
    fn generated_collections_expand_before_the_scenarios_own_items() {
        let s = Scenario::from_text(
            "g.json",
            r#"{"base": "_contoso", "name": "g", "summary": "s", "directory": {
                "generate": [
                    {"collection": "users", "count": 3, "start": 100, "memberOf": ["20000000-0000-4000-8000-000000000001"],
                     "template": {"id": "10000000-0000-4000-8000-{n:12}", "displayName": "Staff {n}", "userPrincipalName": "staff{n}@contoso.com"}},
                    {"collection": "appRoleAssignments", "servicePrincipal": "40000000-0000-4000-8000-000000000002", "count": 1499,
                     "template": {"id": "gen-{n}", "appRoleId": "a7000000-0000-4000-8000-{n:12}", "resourceId": "40000000-0000-4000-8000-000000000001"}}
                ]}}"#,
        )
        .expect("loads");
        let users: Vec<&str> = s.directory.users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(users[0], "10000000-0000-4000-8000-000000000100");
        assert_eq!(s.directory.users[2].display_name, "Staff 102");
        assert_eq!(
            users.len(),
            3 + Scenario::load("healthy-app")
                .expect("base")
                .directory
                .users
                .len()
        );
        let eng = s
            .directory
            .groups
            .iter()
            .find(|g| g.id == "20000000-0000-4000-8000-000000000001")
            .expect("engineering");
        assert!(eng
            .members
            .iter()
            .any(|m| m == "10000000-0000-4000-8000-000000000102"));
        let daemon = s
            .directory
            .service_principals
            .iter()
            .find(|sp| sp.id == "40000000-0000-4000-8000-000000000002")
            .expect("daemon");
        assert_eq!(daemon.app_role_assignments.len(), 1501);
        assert_eq!(daemon.app_role_assignments[0].id, "gen-1");
        assert!(
            !daemon.app_role_assignments[1500].id.starts_with("gen-"),
            "the scenario's own assignment comes last"
        );
        for (bad, field) in [
            (
                r#"[{"collection": "nope", "count": 1, "template": {}}]"#,
                "generate[0].collection",
            ),
            (
                r#"[{"collection": "users", "count": 0, "template": {}}]"#,
                "generate[0].count",
            ),
            (
                r#"[{"collection": "users", "count": 1, "template": {"id": "{n:x}"}}]"#,
                "generate[0].template",
            ),
            (
                r#"[{"collection": "users", "count": 1, "template": {}, "memberOf": ["x"]}]"#,
                "generate[0].memberOf[0]",
            ),
            (
                r#"[{"collection": "appRoleAssignments", "count": 1, "template": {}, "servicePrincipal": "x"}]"#,
                "generate[0].servicePrincipal",
            ),
            (
                r#"[{"collection": "users", "count": 1, "template": {}, "oops": 1}]"#,
                "generate[0].oops",
            ),
        ] {
            let text = format!(
                r#"{{"base": "_contoso", "name": "g", "summary": "s", "directory": {{"generate": {bad}}}}}"#
            );
            let err = Scenario::from_text("g.json", &text)
                .expect_err(bad)
                .to_string();
            assert!(err.contains(field), "{err}");
        }
    }

    #[test]
    fn every_embedded_file_loads() {
        for name in embedded_names() {
            if let Err(e) = Scenario::load(name) {
                panic!("{e}");
            }
        }
        assert!(builtin().iter().all(|(n, _)| !n.starts_with('_')));
    }
}
