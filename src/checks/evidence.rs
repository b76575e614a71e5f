//! The evidence store: every Graph read the engine made (or chose not to make), keyed by what it
//! reads, and the context every `decide` function receives.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::auth::jwt::{TokenInfo, TokenKind};
use crate::auth::Cloud;
use crate::graph::GraphErrorBody;
use crate::knowledge::{reads, roles, Flow};
use crate::report::{Evidence, Operation};
use crate::secret::Secret;

/// What a read is for. The evidence queries of docs/interface.md, one variant each.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReadKey {
    Group,
    GroupAus,
    GroupOwners,
    GroupMember,
    /// The group's direct members listed plainly, when the `$filter` form was refused (400).
    GroupMembersList,
    Member,
    Au,
    AuMember,
    Organization,
    Me,
    MeRoles,
    RoleAssignments,
    RoleEligibility,
    /// The directory's role definitions (built-in and custom), whose allowedResourceActions say
    /// what each role the caller holds allows.
    RoleDefinitions,
    ClientSp,
    GraphSp,
    AppRoleAssignments,
    Oauth2Grants,
    Application,
    SubscribedSkus,
    /// The member read as a user: `userType` (guests and the Microsoft 365 groups guest policy)
    /// and `createdDateTime` (replication delay), which `GET /directoryObjects/{id}` does not return
    /// by default. A member that is not a user answers 404 here.
    MemberUser,
    /// The tenant-wide group settings (`GET /groupSettings`: Group.Unified's AllowToAddGuests).
    TenantGroupSettings,
    /// The target group's own settings (`GET /groups/{id}/settings`: Group.Unified.Guest).
    GroupSettings,
    /// The properties of one administrative unit the group belongs to (when the memberOf listing
    /// came back reduced to id and type).
    AuDetails(String),
    /// The caller's PIM for Groups eligibilities (owner or member of a group, not yet activated).
    GroupEligibility,
    /// The role assignments held by one group the caller is eligible to join through PIM for
    /// Groups: activating that membership would give the caller these roles.
    GroupRoles(String),
}

impl ReadKey {
    /// A read that follows one per object found by an earlier read (an administrative unit's
    /// details, an eligible group's roles): which ones there are is known only once that read is in.
    pub fn is_detail(&self) -> bool {
        matches!(self, ReadKey::AuDetails(_) | ReadKey::GroupRoles(_))
    }

    /// The row of `assets/knowledge/reads.json` that says which permission the read needs.
    pub fn rule_id(&self) -> &'static str {
        match self {
            ReadKey::Group => "group",
            ReadKey::GroupAus => "group_aus",
            ReadKey::GroupOwners => "group_owners",
            ReadKey::GroupMember | ReadKey::GroupMembersList => "group_member",
            ReadKey::Member => "member",
            ReadKey::Au | ReadKey::AuDetails(_) => "au",
            ReadKey::AuMember => "au_member",
            ReadKey::Organization => "organization",
            ReadKey::Me => "me",
            ReadKey::MeRoles => "me_roles",
            ReadKey::RoleAssignments => "role_assignments",
            ReadKey::RoleEligibility => "role_eligibility",
            ReadKey::RoleDefinitions => "role_definitions",
            ReadKey::ClientSp => "client_sp",
            ReadKey::GraphSp => "graph_sp",
            ReadKey::AppRoleAssignments => "app_role_assignments",
            ReadKey::Oauth2Grants => "oauth2_grants",
            ReadKey::Application => "application",
            ReadKey::SubscribedSkus => "subscribed_skus",
            ReadKey::MemberUser => "member_user",
            ReadKey::TenantGroupSettings => "tenant_group_settings",
            ReadKey::GroupSettings => "group_settings",
            ReadKey::GroupEligibility => "group_eligibility",
            ReadKey::GroupRoles(_) => "group_roles",
        }
    }
}

/// Most groups whose roles are read for one diagnosis ([`ReadKey::GroupRoles`]): the groups the
/// caller is eligible to join through PIM for Groups, in the order Graph listed them.
pub const MAX_ELIGIBLE_GROUPS: usize = 10;

/// Which token a read was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Diagnosed,
    Reader,
}

/// How a read ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Graph answered.
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
        /// The body when it was not JSON (an HTML page, say), redacted and truncated.
        text: Option<String>,
    },
    /// No HTTP answer (timeout, connection refused...).
    Transport(String),
    /// Not sent, and why (the token cannot be used and no reader token was given, say).
    NotSent(String),
}

/// One read: the request line, the token used and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub key: ReadKey,
    /// `GET /v1.0/...` (never a header or token).
    pub request: String,
    pub via: Via,
    pub outcome: Outcome,
    pub latency_ms: Option<u64>,
    /// The status the diagnosed token got before the read was retried with the reader token.
    pub diagnosed_status: Option<u16>,
    /// Answered by the plain form of a read whose cast or `$select` the service refused: the
    /// listing then carries only what a service returns by default, so a property it leaves out
    /// says nothing (an administrative unit's restriction flag, say).
    pub plain_form: bool,
    /// A collection whose listing stopped before its last page (see [`Truncation`]). None for a
    /// complete listing and for anything that is not a collection.
    pub truncated: Option<Truncation>,
}

/// Why a paged collection (`@odata.nextLink`) was not read to its end, and how much of it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncation {
    /// Pages read (the first answer counts as one).
    pub pages: usize,
    /// Items read over those pages.
    pub items: usize,
    pub cause: TruncationCause,
}

/// What stopped the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruncationCause {
    /// The engine's page limit was reached with more pages left.
    PageLimit,
    /// A further page failed (an error status, no answer, a body without `value`).
    PageFailed,
    /// The `@odata.nextLink` points outside the Graph base URL, where the token never goes.
    ForeignLink,
    /// Only the first page was read (the link was not followed).
    NotFollowed,
}

impl Truncation {
    /// "after 11 pages (10989 items; the page limit was reached with more pages left)".
    pub fn describe(&self) -> String {
        let why = match self.cause {
            TruncationCause::PageLimit => "the page limit was reached with more pages left",
            TruncationCause::PageFailed => "a further page could not be read",
            TruncationCause::ForeignLink => {
                "its @odata.nextLink points outside the Graph base URL, so it was not followed"
            }
            TruncationCause::NotFollowed => "its @odata.nextLink was not followed",
        };
        let pages = if self.pages == 1 { "page" } else { "pages" };
        let items = if self.items == 1 { "item" } else { "items" };
        format!(
            "after {} {pages} ({} {items}; {why})",
            self.pages, self.items
        )
    }
}

impl Read {
    pub fn status(&self) -> Option<u16> {
        match &self.outcome {
            Outcome::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The JSON body of a 2xx answer.
    pub fn ok_body(&self) -> Option<&Value> {
        match &self.outcome {
            Outcome::Response { status, body, .. }
                if (200..300).contains(status) && body.is_object() =>
            {
                Some(body)
            }
            _ => None,
        }
    }

    /// `value` of a 2xx collection answer.
    pub fn values(&self) -> Option<Vec<Value>> {
        self.ok_body().map(|b| {
            b.get("value")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
    }

    /// A read the diagnosed token made and Graph answered with `status` and a JSON `body`.
    pub fn answered(key: ReadKey, request: impl Into<String>, status: u16, body: Value) -> Read {
        let truncated = first_page_truncation(status, &body);
        Read {
            key,
            request: request.into(),
            via: Via::Diagnosed,
            outcome: Outcome::Response {
                status,
                headers: vec![],
                body,
                text: None,
            },
            latency_ms: Some(1),
            diagnosed_status: None,
            plain_form: false,
            truncated,
        }
    }

    /// A collection whose further pages could not all be read.
    pub fn is_partial(&self) -> bool {
        self.truncated.is_some() && self.ok_body().is_some()
    }

    /// The truncation of a listing that was cut off, when it is a 2xx collection.
    pub fn truncation(&self) -> Option<Truncation> {
        self.truncated.filter(|_| self.ok_body().is_some())
    }

    /// A query form the service refused (400 `Request_UnsupportedQuery`/`Request_BadRequest`, or
    /// 501): worth re-sending in a plainer form.
    pub fn is_refused_query(&self) -> bool {
        matches!(self.status(), Some(400) | Some(501))
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    pub fn is_denied(&self) -> bool {
        matches!(self.status(), Some(401) | Some(403))
    }

    pub fn error(&self) -> Option<GraphErrorBody> {
        match &self.outcome {
            Outcome::Response { body, .. } => GraphErrorBody::from_value(body),
            _ => None,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        match &self.outcome {
            Outcome::Response { headers, .. } => headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }

    /// One line saying why the read gave no usable answer.
    pub fn failure_text(&self) -> String {
        match &self.outcome {
            Outcome::Response { status, text, .. } => {
                let who = if self.via == Via::Reader {
                    " (with the reader token)"
                } else {
                    ""
                };
                match self.error() {
                    Some(e) if !e.code.is_empty() => format!(
                        "{} answered {status} {}: {}{who}",
                        self.request, e.code, e.message
                    ),
                    _ if self.is_partial() => format!(
                        "{} was truncated {}{who}",
                        self.request,
                        self.truncated.map(|t| t.describe()).unwrap_or_default()
                    ),
                    _ if text.is_some() => format!(
                        "{} answered {status} with a body that is not JSON{who}",
                        self.request
                    ),
                    _ if (200..300).contains(status) => format!(
                        "{} answered {status} with a body that is not a JSON object{who}",
                        self.request
                    ),
                    _ => format!("{} answered {status}{who}", self.request),
                }
            }
            Outcome::Transport(e) => format!("{} got no answer: {e}", self.request),
            Outcome::NotSent(why) => format!("{} was not sent: {why}", self.request),
        }
    }

    /// The read as report evidence, with the facts worth quoting.
    pub fn evidence(&self) -> Evidence {
        self.evidence_with(Value::Null)
    }

    pub fn evidence_with(&self, facts: Value) -> Evidence {
        let mut f = match facts {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        if self.via == Via::Reader {
            f.insert("token".into(), json!("reader"));
            if let Some(s) = self.diagnosed_status {
                f.insert("diagnosed_token_status".into(), json!(s));
            }
        }
        if let Some(t) = self.truncation() {
            f.insert("truncated".into(), json!(t.describe()));
        }
        match &self.outcome {
            Outcome::Response {
                status, body, text, ..
            } => {
                if !(200..300).contains(status) {
                    if let Some(e) = self.error() {
                        f.insert("code".into(), json!(e.code));
                        f.insert("message".into(), json!(e.message));
                        if let Some(r) = e.request_id {
                            f.insert("request-id".into(), json!(r));
                        }
                    } else if let Some(t) = text {
                        f.insert(
                            "body".into(),
                            json!(t.chars().take(200).collect::<String>()),
                        );
                    } else if !body.is_null() {
                        f.insert("body".into(), body.clone());
                    }
                }
            }
            Outcome::Transport(e) => {
                f.insert("error".into(), json!(e));
            }
            Outcome::NotSent(why) => {
                f.insert("not_sent".into(), json!(why));
            }
        }
        Evidence {
            request: self.request.clone(),
            status: self.status(),
            latency_ms: self.latency_ms,
            facts: Value::Object(f),
        }
    }
}

/// The truncation of a first answer that was not followed further: a 2xx collection that still
/// names an `@odata.nextLink`.
pub fn first_page_truncation(status: u16, body: &Value) -> Option<Truncation> {
    let values = body.get("value").and_then(Value::as_array)?;
    ((200..300).contains(&status) && body.get("@odata.nextLink").is_some()).then_some(Truncation {
        pages: 1,
        items: values.len(),
        cause: TruncationCause::NotFollowed,
    })
}

/// The permission a read needs, as a phrase: "GroupMember.Read.All (delegated)".
pub fn needed(rule_id: &str, flow: Option<Flow>) -> String {
    let flow = flow.unwrap_or(Flow::Application);
    match reads::rule(rule_id) {
        Some(r) => {
            let alts: Vec<&str> = r
                .permissions(flow)
                .iter()
                .skip(1)
                .take(2)
                .map(String::as_str)
                .collect();
            if alts.is_empty() {
                format!("{} ({})", r.least(flow), flow.permission_noun())
            } else {
                format!(
                    "{} ({}; or {})",
                    r.least(flow),
                    flow.permission_noun(),
                    alts.join(", ")
                )
            }
        }
        None => "Directory.Read.All".into(),
    }
}

/// A conditional-access claims challenge seen in a `WWW-Authenticate` header (docs/facts.md §7a).
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    /// Where it was seen: a request line or `--error-file`.
    pub seen_in: String,
    pub status: Option<u16>,
    /// The base64 `claims` value as sent.
    pub claims_b64: Option<String>,
    /// The decoded claims request, when it decodes.
    pub claims: Option<Value>,
}

/// Everything a `decide` function may look at. Pure data: deciding makes no request.
pub struct Ctx<'a> {
    pub op: &'a Operation,
    pub cloud: Cloud,
    pub token: &'a TokenAnalysis,
    pub reads: &'a HashMap<ReadKey, Read>,
    /// Claims challenges from live answers to the diagnosed token.
    pub challenges: &'a [Challenge],
    /// How many answers the diagnosed token got from Graph.
    pub diagnosed_answers: usize,
    pub observed: Option<&'a crate::graph::observed::Observed>,
    pub expected_tenant: Option<&'a str>,
    pub has_reader: bool,
}

impl<'a> Ctx<'a> {
    pub fn read(&self, key: &ReadKey) -> Option<&'a Read> {
        self.reads.get(key)
    }

    pub fn flow(&self) -> Option<Flow> {
        self.token.flow
    }

    /// The phrase naming the permission `key` needs, for an `unknown` summary.
    pub fn needed(&self, key: &ReadKey) -> String {
        needed(key.rule_id(), self.token.flow)
    }

    /// A one-line reason a read gave nothing usable, naming the permission when it was denied.
    pub fn why_unread(&self, key: &ReadKey) -> String {
        match self.read(key) {
            None => format!("{} was not read", key.rule_id()),
            Some(r) if r.is_denied() => {
                let hint = if self.has_reader {
                    ""
                } else {
                    " (or give --reader-token-file with a token that has it)"
                };
                format!(
                    "{}; the read needs {}{hint}",
                    r.failure_text(),
                    self.needed(key)
                )
            }
            Some(r) => r.failure_text(),
        }
    }

    /// "The {what} could not be read: {why}." — the summary of a check whose read gave nothing
    /// usable, naming the permission when it was denied.
    pub fn unreadable(&self, what: &str, key: &ReadKey) -> String {
        format!("The {what} could not be read: {}.", self.why_unread(key))
    }

    /// Evidence of a read, when it was made.
    pub fn evidence(&self, key: &ReadKey) -> Vec<Evidence> {
        self.read(key)
            .map(|r| vec![r.evidence()])
            .unwrap_or_default()
    }
}

/// Everything the engine knows about the token under diagnosis without asking Graph.
#[derive(Debug, Clone)]
pub struct TokenAnalysis {
    /// The decoded token, when it is a JWT.
    pub info: Option<TokenInfo>,
    /// Why it could not be decoded.
    pub decode_error: Option<String>,
    /// Delegated (`scp`) or application (`roles` / `idtyp=app`), for an access token.
    pub flow: Option<Flow>,
    /// True when the token is an ID token, not an access token.
    pub id_token: bool,
    /// Seconds since the epoch at analysis time.
    pub now: i64,
}

impl TokenAnalysis {
    pub fn new(token: &Secret, now: i64) -> TokenAnalysis {
        match TokenInfo::decode(token.expose()) {
            Ok(info) => {
                let kind = info.kind();
                let id_token = kind == TokenKind::IdToken;
                let flow = match kind {
                    TokenKind::IdToken => None,
                    TokenKind::Delegated => Some(Flow::Delegated),
                    TokenKind::AppOnly => Some(Flow::Application),
                };
                TokenAnalysis {
                    info: Some(info),
                    decode_error: None,
                    flow,
                    id_token,
                    now,
                }
            }
            Err(e) => TokenAnalysis {
                info: None,
                decode_error: Some(e.to_string()),
                flow: None,
                id_token: false,
                now,
            },
        }
    }

    /// The permissions the token carries in its flow (`scp` or `roles`).
    pub fn permissions(&self) -> Vec<String> {
        match (&self.info, self.flow) {
            (Some(i), Some(Flow::Delegated)) => i.scopes(),
            (Some(i), Some(Flow::Application)) => i.roles(),
            _ => Vec::new(),
        }
    }

    /// The caller's object id. Only a GUID counts: the claim ends up in request paths (sent with
    /// the reader token too), so a crafted value must not steer them.
    pub fn oid(&self) -> Option<&str> {
        self.info
            .as_ref()
            .and_then(|i| i.oid())
            .filter(|v| crate::knowledge::is_guid(v))
    }

    /// The client application id (`appid`/`azp`), only when it is a GUID (see [`Self::oid`]).
    pub fn app_id(&self) -> Option<&str> {
        self.info
            .as_ref()
            .and_then(|i| i.app_id())
            .filter(|v| crate::knowledge::is_guid(v))
    }

    pub fn tid(&self) -> Option<&str> {
        self.info.as_ref().and_then(|i| i.tid())
    }

    /// The safe decoded claims shown as `report.token` (never the token or its signature).
    pub fn report_value(&self) -> Option<Value> {
        let info = self.info.as_ref()?;
        let mut out = serde_json::Map::new();
        out.insert(
            "kind".into(),
            json!(if self.id_token {
                "id-token"
            } else {
                self.flow.map(Flow::as_str).unwrap_or("unknown")
            }),
        );
        for c in [
            "ver",
            "aud",
            "iss",
            "tid",
            "oid",
            "appid",
            "azp",
            "app_displayname",
            "upn",
            "unique_name",
            "preferred_username",
            "name",
            "idtyp",
            "scp",
            "roles",
            "acrs",
            "amr",
            "xms_cc",
            "appidacr",
            "azpacr",
            "iat",
            "nbf",
            "exp",
        ] {
            if let Some(v) = info.claims.get(c) {
                out.insert(c.into(), v.clone());
            }
        }
        let wids = info.wids();
        if !wids.is_empty() {
            out.insert("wids".into(), json!(wids));
            out.insert(
                "wids_names".into(),
                json!(wids.iter().map(|w| roles::name_of(w)).collect::<Vec<_>>()),
            );
        }
        for c in ["iat", "nbf", "exp"] {
            if let Some(t) = info.time_claim(c) {
                out.insert(format!("{c}_utc"), json!(utc(t)));
            }
        }
        Some(Value::Object(out))
    }

    /// The token claims as evidence (decoded offline).
    pub fn evidence(&self, facts: Value) -> Evidence {
        Evidence {
            request: "token claims (decoded offline, signature not validated)".into(),
            status: None,
            latency_ms: None,
            facts,
        }
    }
}

pub fn utc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_reads_name_the_permission() {
        assert_eq!(
            needed("group", Some(Flow::Delegated)),
            "GroupMember.Read.All (delegated permission; or Group.Read.All, Directory.Read.All)"
        );
        assert!(needed("member", Some(Flow::Application))
            .starts_with("Directory.Read.All (application permission"));
        let r = Read::answered(
            ReadKey::Group,
            "GET /v1.0/groups/x",
            403,
            json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}),
        );
        assert!(r.is_denied());
        assert!(r.failure_text().contains("403 Authorization_RequestDenied"));
        let e = r.evidence();
        assert_eq!(e.status, Some(403));
        assert_eq!(e.facts["code"], "Authorization_RequestDenied");
    }
}
