//! The report model shared by every face of graph-doctor (TUI, `check`, `explain`).
//!
//! The JSON shape is the outward contract of `../shared/design/interface.md`
//! (`graph-doctor/report/v1`): fields are only ever added, never renamed.
//! Renderers live in the submodules; they know nothing of terminals or HTTP.

pub mod explain_notes;
pub mod json;
pub mod markdown;
pub mod terminal;
pub mod text;

use serde::{Deserialize, Serialize};

/// Schema tag written into every JSON report.
pub const SCHEMA: &str = "graph-doctor/report/v1";

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Warn,
    /// Could not be decided: the summary says what was missing (e.g. the permission a read needed).
    Unknown,
    /// Does not apply to this operation or token type: the summary says why.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Unknown => "unknown",
            Status::Skipped => "skipped",
        }
    }

    /// A glyph that carries the status without colour (NO_COLOR, colour-blind operators).
    pub fn glyph(self) -> &'static str {
        match self {
            Status::Pass => "✔",
            Status::Fail => "✘",
            Status::Warn => "!",
            Status::Unknown => "?",
            Status::Skipped => "-",
        }
    }
}

/// The checks, in wizard order: the stable ids of the report contract. Everything else about a
/// check (title, question, rule, reads, decide function) is its row in the catalogue of
/// `crate::checks`. The order matters: `primary_cause` is the first failing check in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    TokenFormat,
    TokenAccount,
    TokenAudience,
    TokenLifetime,
    TokenTenant,
    CaClaims,
    ExchangePolicy,
    AuthFlow,
    AuthConsent,
    AuthPermission,
    GroupExists,
    GroupType,
    GroupDynamic,
    GroupSynced,
    GroupRoleAssignable,
    GroupRestrictedAu,
    MemberObject,
    MemberDuplicate,
    AuTarget,
    UserRole,
    LicenseTenant,
    LicenseUser,
    RequestConsent,
    RequestPermission,
}

impl CheckId {
    /// Every check, in catalogue (wizard) order.
    pub const ALL: [CheckId; 24] = [
        CheckId::TokenFormat,
        CheckId::TokenAccount,
        CheckId::TokenAudience,
        CheckId::TokenLifetime,
        CheckId::TokenTenant,
        CheckId::CaClaims,
        CheckId::ExchangePolicy,
        CheckId::AuthFlow,
        CheckId::AuthConsent,
        CheckId::AuthPermission,
        CheckId::GroupExists,
        CheckId::GroupType,
        CheckId::GroupDynamic,
        CheckId::GroupSynced,
        CheckId::GroupRoleAssignable,
        CheckId::GroupRestrictedAu,
        CheckId::MemberObject,
        CheckId::MemberDuplicate,
        CheckId::AuTarget,
        CheckId::UserRole,
        CheckId::LicenseTenant,
        CheckId::LicenseUser,
        CheckId::RequestConsent,
        CheckId::RequestPermission,
    ];

    /// The stable id quoted in tickets and scripts (and in JSON), e.g. `group.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::TokenFormat => "token.format",
            CheckId::TokenAccount => "token.account",
            CheckId::TokenAudience => "token.audience",
            CheckId::TokenLifetime => "token.lifetime",
            CheckId::TokenTenant => "token.tenant",
            CheckId::CaClaims => "ca.claims",
            CheckId::ExchangePolicy => "exchange.policy",
            CheckId::AuthFlow => "auth.flow",
            CheckId::AuthConsent => "auth.consent",
            CheckId::AuthPermission => "auth.permission",
            CheckId::GroupExists => "group.exists",
            CheckId::GroupType => "group.type",
            CheckId::GroupDynamic => "group.dynamic",
            CheckId::GroupSynced => "group.synced",
            CheckId::GroupRoleAssignable => "group.role_assignable",
            CheckId::GroupRestrictedAu => "group.restricted_au",
            CheckId::MemberObject => "member.object",
            CheckId::MemberDuplicate => "member.duplicate",
            CheckId::AuTarget => "au.target",
            CheckId::UserRole => "user.role",
            CheckId::LicenseTenant => "license.tenant",
            CheckId::LicenseUser => "license.user",
            CheckId::RequestConsent => "request.consent",
            CheckId::RequestPermission => "request.permission",
        }
    }

    /// Parses a stable id such as `group.type`.
    pub fn parse(s: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        CheckId::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown check id `{s}`")))
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The operation the caller attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OperationKind {
    #[default]
    AddGroupMember,
    AddAuMember,
    CreateAuGroup,
    RemoveGroupMember,
    AddGroupOwner,
    RemoveGroupOwner,
    RemoveAuMember,
    /// Any other Graph request (`check --request`): the generic permission diagnosis of
    /// `request.consent` and `request.permission`; the request is [`Operation::request`].
    /// Not in [`OperationKind::ALL`] (the deep operations, `--operation`'s values).
    Request,
}

impl OperationKind {
    pub const ALL: [OperationKind; 7] = [
        OperationKind::AddGroupMember,
        OperationKind::AddAuMember,
        OperationKind::CreateAuGroup,
        OperationKind::RemoveGroupMember,
        OperationKind::AddGroupOwner,
        OperationKind::RemoveGroupOwner,
        OperationKind::RemoveAuMember,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::AddGroupMember => "add-group-member",
            OperationKind::AddAuMember => "add-au-member",
            OperationKind::CreateAuGroup => "create-au-group",
            OperationKind::RemoveGroupMember => "remove-group-member",
            OperationKind::AddGroupOwner => "add-group-owner",
            OperationKind::RemoveGroupOwner => "remove-group-owner",
            OperationKind::RemoveAuMember => "remove-au-member",
            OperationKind::Request => "request",
        }
    }

    pub fn parse(s: &str) -> Option<OperationKind> {
        OperationKind::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// A human description, e.g. for the TUI's operation picker.
    pub fn describe(self) -> &'static str {
        match self {
            OperationKind::AddGroupMember => "Add a member to a group (POST /groups/{id}/members/$ref)",
            OperationKind::AddAuMember => "Add a member to an administrative unit (POST /directory/administrativeUnits/{id}/members/$ref)",
            OperationKind::CreateAuGroup => "Create a group inside an administrative unit (POST /directory/administrativeUnits/{id}/members)",
            OperationKind::RemoveGroupMember => "Remove a member from a group (DELETE /groups/{id}/members/{id}/$ref)",
            OperationKind::AddGroupOwner => "Add an owner to a group (POST /groups/{id}/owners/$ref)",
            OperationKind::RemoveGroupOwner => "Remove an owner from a group (DELETE /groups/{id}/owners/{id}/$ref)",
            OperationKind::RemoveAuMember => "Remove a member from an administrative unit (DELETE /directory/administrativeUnits/{id}/members/{id}/$ref)",
            OperationKind::Request => "Any Graph request (METHOD URL): the permissions it needs and the app's grants",
        }
    }

    /// Whether the operation changes an existing group (its members or its owners).
    pub fn targets_group(self) -> bool {
        matches!(
            self,
            OperationKind::AddGroupMember
                | OperationKind::RemoveGroupMember
                | OperationKind::AddGroupOwner
                | OperationKind::RemoveGroupOwner
        )
    }

    /// Whether the operation changes a group's members (not its owners).
    pub fn on_group_members(self) -> bool {
        matches!(
            self,
            OperationKind::AddGroupMember | OperationKind::RemoveGroupMember
        )
    }

    /// Whether the operation changes a group's owners.
    pub fn on_owners(self) -> bool {
        matches!(
            self,
            OperationKind::AddGroupOwner | OperationKind::RemoveGroupOwner
        )
    }

    /// Whether the operation removes a reference (member or owner) rather than adding one.
    pub fn removes(self) -> bool {
        matches!(
            self,
            OperationKind::RemoveGroupMember
                | OperationKind::RemoveGroupOwner
                | OperationKind::RemoveAuMember
        )
    }

    /// What the operation changes on its target, for messages: "members" or "owners".
    pub fn references_noun(self) -> &'static str {
        if self.on_owners() {
            "owners"
        } else {
            "members"
        }
    }

    /// The change, for messages ("Ask a Privileged Role Administrator to …").
    pub fn change_phrase(self) -> &'static str {
        match self {
            OperationKind::AddGroupMember | OperationKind::AddAuMember => "add the member",
            OperationKind::CreateAuGroup => "create the group",
            OperationKind::RemoveGroupMember | OperationKind::RemoveAuMember => "remove the member",
            OperationKind::AddGroupOwner => "add the owner",
            OperationKind::RemoveGroupOwner => "remove the owner",
            OperationKind::Request => "make the request",
        }
    }

    /// Whether the operation changes an existing object's membership of an administrative unit.
    pub fn on_au_members(self) -> bool {
        matches!(
            self,
            OperationKind::AddAuMember | OperationKind::RemoveAuMember
        )
    }

    /// The deep operation a Graph request is, with the ids its path names (`None` when the
    /// request is none of them). `path` may carry the version segment, the host and a query;
    /// ids the request carries in its body (the `@odata.id` of a `$ref` POST) are left out.
    /// E.g. `("DELETE", "/v1.0/groups/{g}/members/{m}/$ref")` is remove-group-member of `m`.
    pub fn from_request(method: &str, path: &str) -> Option<Operation> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let path = path
            .strip_prefix("https://")
            .or_else(|| path.strip_prefix("http://"))
            .map(|p| p.find('/').map(|i| &p[i..]).unwrap_or(""))
            .unwrap_or(path);
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let segs = match segs.split_first() {
            Some((v, rest)) if v.eq_ignore_ascii_case("v1.0") || v.eq_ignore_ascii_case("beta") => {
                rest
            }
            _ => &segs[..],
        };
        let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
        let l: Vec<&str> = lower.iter().map(String::as_str).collect();
        let id = |i: usize| segs.get(i).map(|s| s.to_string());
        let method = method.trim().to_ascii_uppercase();
        let (kind, group, member, au) = match (method.as_str(), l.as_slice()) {
            ("POST", ["groups", _, "members", "$ref"]) => {
                (OperationKind::AddGroupMember, id(1), None, None)
            }
            ("DELETE", ["groups", _, "members", _, "$ref"]) => {
                (OperationKind::RemoveGroupMember, id(1), id(3), None)
            }
            ("POST", ["groups", _, "owners", "$ref"]) => {
                (OperationKind::AddGroupOwner, id(1), None, None)
            }
            ("DELETE", ["groups", _, "owners", _, "$ref"]) => {
                (OperationKind::RemoveGroupOwner, id(1), id(3), None)
            }
            ("POST", ["directory", "administrativeunits", _, "members", "$ref"]) => {
                (OperationKind::AddAuMember, None, None, id(2))
            }
            ("POST", ["directory", "administrativeunits", _, "members"]) => {
                (OperationKind::CreateAuGroup, None, None, id(2))
            }
            ("DELETE", ["directory", "administrativeunits", _, "members", _, "$ref"]) => {
                (OperationKind::RemoveAuMember, None, id(4), id(2))
            }
            _ => return None,
        };
        Some(Operation {
            kind,
            group,
            member,
            au,
            request: None,
        })
    }
}

/// The operation and its target, as the report's `operation` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub kind: OperationKind,
    pub group: Option<String>,
    pub member: Option<String>,
    pub au: Option<String>,
    /// The request, when the diagnosis was asked for one (`check --request`): `method`, `path`,
    /// `template`... beside `kind` in JSON (absent otherwise).
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestTarget>,
}

/// A Graph request under diagnosis (`check --request "GET /users/{id}/memberOf"`), as the report's
/// `operation` object shows it. Never a header or a token: only the method and the URL's parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestTarget {
    /// Upper case: GET, POST, PUT, PATCH, DELETE.
    pub method: String,
    /// The resource path as given, without host, version or query (`/users/8b1e…/memberOf`).
    pub path: String,
    /// The permissions map's template it matched (`/users/{id}/memberof`), if any.
    pub template: Option<String>,
    /// `v1.0` or `beta`, when the URL named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One piece of evidence: a request that was made (or a response that was pasted) and what was read from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `METHOD /v1.0/path?query` (never a token), or a description such as `token claims (decoded offline)`.
    pub request: String,
    /// HTTP status, when the evidence is a response.
    pub status: Option<u16>,
    /// Round-trip time of the request, when it was made live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// The facts read, as a JSON object.
    pub facts: serde_json::Value,
}

/// What kind of copyable command a fix carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommandKind {
    /// A Microsoft Graph HTTP request.
    Graph,
    /// Microsoft Graph PowerShell.
    Powershell,
    /// Azure CLI.
    Azcli,
    /// A path in the Entra admin center or Azure portal.
    Portal,
    /// An URL to open (admin consent, PIM activation...).
    Url,
}

/// A copyable command that applies (part of) a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixCommand {
    pub kind: CommandKind,
    pub text: String,
}

/// The decision of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub status: Status,
    pub title: String,
    /// One or two sentences: the verdict with the real names and ids.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    /// Human instructions, one a line (docs/interface.md: an array of strings).
    pub fix: Vec<String>,
    pub docs: Vec<String>,
    /// The rule behind the check, in a sentence or two (shown in the wizard and Markdown).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub explanation: String,
    /// Copyable commands behind `fix` (Graph request, PowerShell, Azure CLI, portal path).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix_commands: Vec<FixCommand>,
}

impl CheckResult {
    /// A result with no evidence yet. The title is the catalogue's, filled in by
    /// `crate::checks` (`finish`, `titled`, `report`).
    pub fn new(id: CheckId, status: Status, summary: impl Into<String>) -> Self {
        CheckResult {
            id,
            status,
            title: String::new(),
            summary: summary.into(),
            evidence: Vec::new(),
            fix: Vec::new(),
            docs: Vec::new(),
            explanation: String::new(),
            fix_commands: Vec::new(),
        }
    }

    pub fn unknown(id: CheckId, summary: impl Into<String>) -> Self {
        CheckResult::new(id, Status::Unknown, summary)
    }

    pub fn skipped(id: CheckId, summary: impl Into<String>) -> Self {
        CheckResult::new(id, Status::Skipped, summary)
    }
}

/// The first sentence of `s` on one line (up to the first ". " or the end).
fn first_sentence(s: &str) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.find(". ") {
        Some(i) => one[..=i].to_string(),
        None => one,
    }
}

/// The overall verdict (docs/interface.md, exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

impl Verdict {
    /// The process exit code for `check` and `explain`.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Inconclusive => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// The whole report. Construct with [`Report::from_checks`] so verdict and primary cause stay consistent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub operation: Operation,
    pub verdict: Verdict,
    pub primary_cause: Option<CheckId>,
    pub checks: Vec<CheckResult>,
    /// What the report was produced by: `check`, `explain` or `tui`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Decoded claims of the diagnosed token worth quoting (never the token or its signature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<serde_json::Value>,
    /// For `explain`: what the pasted response shows beyond the checks (ids for support, the
    /// candidate causes, the claims challenge...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<explain_notes::ExplainNotes>,
    /// When the diagnosis ran: UTC, RFC 3339, to the second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// The graph-doctor that produced the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<Tool>,
    /// The names of the objects `operation` gives by id, as Graph answered (never guessed).
    #[serde(default, skip_serializing_if = "Names::is_empty")]
    pub names: Names,
    /// One line for a support ticket: tool and time, the operation with names, the verdict and its
    /// cause, and the request-id Graph gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Graph refused the request the operator saw (401/403 in `--error-file`) and yet every check
    /// passed: no cause is named, only the ids Microsoft support asks for and the route there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexplained: Option<Unexplained>,
}

/// A refusal no check explains (see [`Report::unexplained`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unexplained {
    /// The refusal's HTTP status (401 or 403).
    pub status: u16,
    /// Said plainly: every check passed, no cause is invented, what to do next.
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Microsoft's support route (https://learn.microsoft.com/entra/fundamentals/how-to-get-support).
    pub support: String,
}

/// The program and version behind a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// This build of graph-doctor.
    pub fn current() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Display names (a user's UPN) of the operation's objects and of the caller, where read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub au: Option<String>,
    /// The signed-in user's UPN, or the app's display name for an app-only token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
}

impl Names {
    pub fn is_empty(&self) -> bool {
        self.group.is_none() && self.member.is_none() && self.au.is_none() && self.caller.is_none()
    }
}

/// `name (id)`, or the id alone when no name was read.
pub fn named(name: Option<&str>, id: &str) -> String {
    match name {
        Some(n) if !n.is_empty() && n != id => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

impl Report {
    /// Builds a report from decided checks. Missing catalogue entries become `unknown`
    /// (so every check appears exactly once, in catalogue order); duplicates keep the first.
    pub fn from_checks(operation: Operation, checks: Vec<CheckResult>) -> Report {
        let mut ordered = Vec::with_capacity(CheckId::ALL.len());
        for id in CheckId::ALL {
            let found = checks.iter().find(|c| c.id == id).cloned();
            ordered.push(found.unwrap_or_else(|| {
                CheckResult::unknown(id, "Not decided: no evidence was available for this check.")
            }));
        }
        let primary_cause = ordered
            .iter()
            .find(|c| c.status == Status::Fail)
            .map(|c| c.id);
        let verdict = if primary_cause.is_some() {
            Verdict::Fail
        } else if ordered.iter().any(|c| c.status == Status::Unknown) {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        };
        Report {
            schema: SCHEMA.to_string(),
            operation,
            verdict,
            primary_cause,
            checks: ordered,
            source: None,
            token: None,
            notes: None,
            generated_at: None,
            tool: None,
            names: Names::default(),
            ticket: None,
            unexplained: None,
        }
    }

    /// Stamps the report with the time, this tool's version and the ticket line (`request_id`:
    /// the id Graph gave the failing call, when known).
    pub fn stamp(&mut self, at: chrono::DateTime<chrono::Utc>, request_id: Option<&str>) {
        self.generated_at = Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        self.tool = Some(Tool::current());
        self.ticket = Some(self.ticket_line(request_id));
    }

    /// The one-line summary for a ticket (see [`Report::stamp`]).
    pub fn ticket_line(&self, request_id: Option<&str>) -> String {
        let op = &self.operation;
        let mut parts = Vec::new();
        let tool = self.tool.clone().unwrap_or_else(Tool::current);
        let mut head = format!("{} {}", tool.name, tool.version);
        if let Some(at) = &self.generated_at {
            head.push_str(&format!(" at {at}"));
        }
        parts.push(head);
        let mut what = op.kind.as_str().to_string();
        let label = |name: &Option<String>, id: &Option<String>| {
            id.as_deref().map(|id| named(name.as_deref(), id))
        };
        if let Some(m) = label(&self.names.member, &op.member) {
            what.push_str(&format!(" {m}"));
        }
        let target = label(&self.names.group, &op.group).or_else(|| label(&self.names.au, &op.au));
        if let Some(t) = target {
            what.push_str(&format!(" → {t}"));
        }
        if let Some(c) = &self.names.caller {
            what.push_str(&format!(", by {c}"));
        }
        parts.push(what);
        let verdict = self.verdict.as_str().to_ascii_uppercase();
        parts.push(match self.primary_cause.and_then(|p| self.check(p)) {
            Some(c) => format!("{verdict} at {}: {}", c.id, first_sentence(&c.summary)),
            None => verdict,
        });
        let request_id = request_id
            .map(str::to_string)
            .or_else(|| self.evidence_request_id());
        if let Some(r) = request_id {
            parts.push(format!("request-id {r}"));
        }
        parts.join(" · ")
    }

    /// The request-id of an error Graph answered, the primary cause's first. A refused read (403 to
    /// a GET: a permission or a role the reading token lacks) only says what could not be read:
    /// its id would send support after the wrong call, so it is never the ticket's.
    fn evidence_request_id(&self) -> Option<String> {
        let primary = self.primary_cause.and_then(|p| self.check(p));
        primary
            .into_iter()
            .chain(self.checks.iter())
            .flat_map(|c| c.evidence.iter())
            .filter(|e| !(e.status == Some(403) && e.request.starts_with("GET ")))
            .find_map(|e| e.facts.get("request-id")?.as_str().map(str::to_string))
    }

    pub fn check(&self, id: CheckId) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Ids of every failing check, in catalogue order.
    pub fn failing(&self) -> Vec<CheckId> {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for id in CheckId::ALL {
            assert!(seen.insert(id.as_str()));
            assert_eq!(CheckId::parse(id.as_str()), Some(id));
            let json = serde_json::to_string(&id).expect("serialize");
            assert_eq!(json, format!("\"{}\"", id.as_str()));
        }
        assert_eq!(seen.len(), 24);
    }

    #[test]
    fn the_ticket_line_names_the_objects_the_cause_and_the_request_id() {
        let op = Operation {
            kind: OperationKind::AddGroupMember,
            group: Some("g-1".into()),
            member: Some("m-1".into()),
            au: None,
            request: None,
        };
        let mut fail = CheckResult::new(
            CheckId::GroupType,
            Status::Fail,
            "A distribution group. Use Exchange.",
        );
        // A read refused for want of a permission is not the answer that decided the check.
        fail.evidence.push(Evidence {
            request: "GET /v1.0/groups/g-1/settings".into(),
            status: Some(403),
            latency_ms: None,
            facts: serde_json::json!({"request-id": "rid-denied"}),
        });
        fail.evidence.push(Evidence {
            request: "POST /v1.0/groups/g-1/members/$ref".into(),
            status: Some(400),
            latency_ms: None,
            facts: serde_json::json!({"request-id": "rid-7"}),
        });
        let mut r = Report::from_checks(op, vec![fail]);
        r.names.group = Some("Sales DL".into());
        r.names.member = Some("cara@contoso.com".into());
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        r.stamp(at, None);
        let t = r.ticket.clone().expect("ticket");
        assert!(
            t.starts_with(&format!(
                "graph-doctor {} at 2027-01-15T08:00:00Z",
                env!("CARGO_PKG_VERSION")
            )),
            "{t}"
        );
        assert!(
            t.contains("add-group-member cara@contoso.com (m-1) → Sales DL (g-1)"),
            "{t}"
        );
        assert!(
            t.contains("FAIL at group.type: A distribution group."),
            "{t}"
        );
        assert!(!t.contains("Use Exchange"), "{t}");
        assert!(t.ends_with("request-id rid-7"), "{t}");
        // A passing report whose only error is a refused read names no request-id.
        let mut ok = CheckResult::new(CheckId::GroupType, Status::Pass, "ok");
        ok.evidence.push(Evidence {
            request: "GET /v1.0/groups/g-1/settings".into(),
            status: Some(403),
            latency_ms: None,
            facts: serde_json::json!({"request-id": "rid-denied"}),
        });
        let mut pass = Report::from_checks(Operation::default(), vec![ok]);
        assert!(pass
            .checks
            .iter()
            .any(|c| c.evidence.iter().any(|e| e.status == Some(403))));
        pass.stamp(at, None);
        assert!(!pass
            .ticket
            .clone()
            .unwrap_or_default()
            .contains("request-id"));
        // A pasted response's request-id wins over the evidence's.
        r.stamp(at, Some("pasted"));
        assert!(r
            .ticket
            .as_deref()
            .is_some_and(|t| t.ends_with("request-id pasted")));
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["generated_at"], "2027-01-15T08:00:00Z");
        assert_eq!(json["tool"]["name"], "graph-doctor");
        assert_eq!(json["names"]["group"], "Sales DL");
        assert!(json["names"].get("au").is_none());
    }

    #[test]
    fn primary_cause_is_first_failure_in_catalogue_order() {
        let checks = vec![
            CheckResult::new(CheckId::GroupType, Status::Fail, "distribution"),
            CheckResult::new(CheckId::TokenLifetime, Status::Fail, "expired"),
            CheckResult::new(CheckId::TokenFormat, Status::Pass, "ok"),
        ];
        let r = Report::from_checks(Operation::default(), checks);
        assert_eq!(r.primary_cause, Some(CheckId::TokenLifetime));
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.checks.len(), 24);
        assert_eq!(r.checks[0].id, CheckId::TokenFormat);
        assert_eq!(
            r.failing(),
            vec![CheckId::TokenLifetime, CheckId::GroupType]
        );
    }

    #[test]
    fn verdicts_map_to_exit_codes() {
        let all_pass: Vec<_> = CheckId::ALL
            .iter()
            .map(|id| CheckResult::new(*id, Status::Pass, ""))
            .collect();
        let r = Report::from_checks(Operation::default(), all_pass);
        assert_eq!(r.verdict, Verdict::Pass);
        assert_eq!(r.verdict.exit_code(), 0);
        let r = Report::from_checks(Operation::default(), vec![]);
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert_eq!(r.verdict.exit_code(), 3);
        assert_eq!(Verdict::Fail.exit_code(), 1);
    }

    #[test]
    fn operations_parse_and_map_from_requests() {
        for op in OperationKind::ALL {
            assert_eq!(OperationKind::parse(op.as_str()), Some(op));
        }
        let g = "20000000-0000-4000-8000-000000000001";
        let m = "10000000-0000-4000-8000-000000000002";
        let a = "60000000-0000-4000-8000-000000000001";
        let op = OperationKind::from_request(
            "delete",
            &format!("https://graph.microsoft.com/v1.0/groups/{g}/members/{m}/$ref"),
        )
        .expect("known");
        assert_eq!(op.kind, OperationKind::RemoveGroupMember);
        assert_eq!(
            (op.group.as_deref(), op.member.as_deref()),
            (Some(g), Some(m))
        );
        let op = OperationKind::from_request("POST", &format!("/v1.0/groups/{g}/owners/$ref"))
            .expect("known");
        assert_eq!((op.kind, op.member), (OperationKind::AddGroupOwner, None));
        let op = OperationKind::from_request("DELETE", &format!("/groups/{g}/owners/{m}/$ref?x=1"))
            .expect("known");
        assert_eq!(op.kind, OperationKind::RemoveGroupOwner);
        let op = OperationKind::from_request(
            "DELETE",
            &format!("/beta/directory/administrativeUnits/{a}/members/{m}/$ref"),
        )
        .expect("known");
        assert_eq!(op.kind, OperationKind::RemoveAuMember);
        assert_eq!((op.au.as_deref(), op.member.as_deref()), (Some(a), Some(m)));
        assert_eq!(
            OperationKind::from_request(
                "POST",
                &format!("/v1.0/directory/administrativeUnits/{a}/members")
            )
            .map(|o| o.kind),
            Some(OperationKind::CreateAuGroup)
        );
        assert_eq!(
            OperationKind::from_request("GET", &format!("/v1.0/groups/{g}/members")),
            None
        );
        assert_eq!(
            OperationKind::from_request("DELETE", &format!("/v1.0/groups/{g}")),
            None
        );
        assert!(
            OperationKind::RemoveGroupOwner.on_owners()
                && OperationKind::RemoveGroupOwner.removes()
        );
        assert!(!OperationKind::AddAuMember.targets_group());
    }
}
