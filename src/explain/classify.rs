//! Classification: which checks a response decides, and which it only hints at.
//!
//! Three sources, in priority order (the first decision for a check wins):
//! 1. claims challenges and token-endpoint errors, decided in code because they need decoding
//!    (docs/facts.md §7a–§7b; the AADSTS meanings come from `assets/knowledge/aadsts.json`);
//! 2. not-found answers, matched against the ids of the request URL;
//! 3. the phrase rules of `assets/knowledge/explain_rules.json`, each citing its source.
//!
//! Only what the response shows is decided. Ambiguous answers ("Insufficient privileges to
//! complete the operation." covers about ten causes) decide nothing: they name candidate checks
//! for the live diagnosis to separate.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::extract::{Channel, Extracted};
use super::text;
use crate::auth::aadsts;
use crate::report::{
    CheckId, CheckResult, CommandKind, Evidence, FixCommand, Operation, OperationKind, Status,
};

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Decides `check` = fail.
    Fail,
    /// Decides nothing; names the candidate checks.
    Candidates,
    /// A cause outside the catalogue, explained in the notes.
    Note,
    /// Throttling or an outage: retried, no check fails.
    Transient,
}

/// One row of `assets/knowledge/explain_rules.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    pub id: String,
    pub outcome: Outcome,
    #[serde(default)]
    pub check: Option<String>,
    /// Other checks the same words can mean (shown as candidates next to the failure).
    #[serde(default)]
    pub also: Vec<String>,
    #[serde(default)]
    pub candidates: Vec<String>,
    /// When set, the rule decides only if the request URL shows one of these operations;
    /// otherwise the same words are ambiguous and `check` + `also` become candidates.
    #[serde(default)]
    pub requires_operation: Vec<String>,
    /// `graph` or `token_endpoint`: the rule only applies to responses from that service.
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub any: Vec<String>,
    #[serde(default)]
    pub all: Vec<Vec<String>>,
    #[serde(default)]
    pub none: Vec<String>,
    pub summary: String,
    #[serde(default)]
    pub fix: Vec<String>,
    #[serde(default)]
    pub docs: Vec<String>,
    pub source: String,
    /// A `note` that says only how the response was hidden (an SDK's generic message): the
    /// status-based candidates still apply next to it.
    #[serde(default)]
    pub keeps_status_candidates: bool,
}

impl Rule {
    /// The phrase that made the rule match, if it does.
    pub fn matches(&self, ex: &Extracted) -> Option<String> {
        if let Some(ch) = &self.channel {
            if ch != ex.channel.as_str() {
                return None;
            }
        }
        let hay = ex.haystack.as_str();
        if self.none.iter().any(|p| text::contains_phrase(hay, p)) {
            return None;
        }
        let mut hit = None;
        if !self.any.is_empty() {
            hit = Some(
                self.any
                    .iter()
                    .find(|p| text::contains_phrase(hay, p))?
                    .clone(),
            );
        }
        for group in &self.all {
            let p = group.iter().find(|p| text::contains_phrase(hay, p))?;
            hit.get_or_insert_with(|| p.clone());
        }
        hit
    }

    /// Whether the request's operation lets this rule decide (`requires_operation`).
    pub fn operation_allows(&self, op: Option<&Operation>) -> bool {
        self.requires_operation.is_empty()
            || op.is_some_and(|o| self.requires_operation.iter().any(|k| k == o.kind.as_str()))
    }

    pub fn check_id(&self) -> Option<CheckId> {
        self.check.as_deref().and_then(CheckId::parse)
    }
}

/// The rules table.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Rules {
    /// Why each check is a candidate, in a sentence (shown next to ambiguous answers).
    pub candidate_reasons: BTreeMap<String, String>,
    pub rules: Vec<Rule>,
}

/// The embedded table, parsed once. A parse failure is a build defect caught by the unit test; at
/// run time it degrades to no phrase rules rather than a panic.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        serde_json::from_str(include_str!("../../assets/knowledge/explain_rules.json"))
            .unwrap_or_default()
    })
}

/// A check the response points at without deciding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub check: CheckId,
    pub reason: String,
}

/// Everything the response says.
#[derive(Debug, Clone, Default)]
pub struct Classification {
    /// Checks the response decides (evidence only: what `check --error-file` merges).
    pub findings: Vec<CheckResult>,
    /// Checks it points at without deciding, with why.
    pub candidates: Vec<Candidate>,
    /// Plain sentences: ambiguity, causes outside the catalogue, AADSTS meanings.
    pub notes: Vec<String>,
    /// Set when the answer is transient (throttling, outage).
    pub transient: Option<String>,
    /// What a claims challenge demands, in words.
    pub demands: Vec<String>,
    /// The decoded claims request, when there is one.
    pub claims: Option<Value>,
    /// AADSTS codes with their table rows.
    pub aadsts: Vec<Value>,
    /// Ids of the rules that matched (for traceability in the notes).
    pub rules: Vec<String>,
    /// How many of `notes` come from rules with `keeps_status_candidates`; every other note
    /// explains the response and replaces the status-based candidates.
    status_notes: usize,
}

impl Classification {
    fn decided(&self, id: CheckId) -> bool {
        self.findings.iter().any(|c| c.id == id)
    }

    fn decide(&mut self, c: CheckResult) {
        if !self.decided(c.id) {
            self.findings.push(c);
        }
    }

    /// Names `id` as a candidate, with the table's reason.
    fn candidate(&mut self, id: CheckId) {
        if self.candidates.iter().any(|c| c.check == id) {
            return;
        }
        let reason = rules()
            .candidate_reasons
            .get(id.as_str())
            .cloned()
            .unwrap_or_default();
        self.candidates.push(Candidate { check: id, reason });
    }

    fn has_failure(&self) -> bool {
        self.findings.iter().any(|c| c.status == Status::Fail)
    }
}

const DOC_ERRORS: &str =
    "https://learn.microsoft.com/entra/identity-platform/reference-error-codes";
const DOC_CLAIMS: &str = "https://learn.microsoft.com/entra/identity-platform/claims-challenge";
const DOC_CAE: &str = "https://learn.microsoft.com/entra/identity-platform/app-resilience-continuous-access-evaluation";

/// Classifies an extracted response. Never panics.
pub fn classify(ex: &Extracted) -> Classification {
    let mut cl = Classification::default();
    token_endpoint_and_claims(ex, &mut cl);
    not_found(ex, &mut cl);
    phrase_rules(ex, &mut cl);

    if cl.has_failure() {
        cl.transient = None;
    } else if cl.candidates.is_empty()
        && cl.transient.is_none()
        && cl.notes.len() == cl.status_notes
        && ex.channel != Channel::TokenEndpoint
    {
        // Nothing recognised in the body: the status alone still narrows the causes.
        fallback_by_status(ex, &mut cl);
    }
    if matches!(ex.status, Some(429 | 503 | 504)) && !cl.has_failure() && cl.transient.is_none() {
        cl.transient = Some(format!(
            "HTTP {}: transient (throttling or a service outage); retry after the Retry-After delay, no check fails.",
            ex.status.unwrap_or_default()
        ));
    }
    if let (Some(t), Some(ra)) = (cl.transient.as_mut(), ex.retry_after.as_deref()) {
        t.push_str(&format!(" Retry-After: {ra} s."));
    }
    claims_and_exchange_defaults(ex, &mut cl);
    filter_candidates(ex.operation.as_ref(), &mut cl);
    if ex
        .request
        .as_ref()
        .and_then(|r| r.method.as_deref())
        .is_some_and(|m| m.eq_ignore_ascii_case("GET"))
    {
        // A read was refused: what only blocks writes (dynamic, role-assignable, restricted,
        // mail-enabled or synced groups, an existing member) cannot be why.
        const WRITE_ONLY: [CheckId; 6] = [
            CheckId::GroupDynamic,
            CheckId::GroupRoleAssignable,
            CheckId::GroupRestrictedAu,
            CheckId::GroupType,
            CheckId::GroupSynced,
            CheckId::MemberDuplicate,
        ];
        cl.candidates.retain(|c| !WRITE_ONLY.contains(&c.check));
    }
    prioritise_candidates(ex, &mut cl);
    cl
}

/// Words in the paste (usually the request body) that make one candidate likelier than the
/// others: it moves to the front, with the reason saying why.
const HINTS: [(&str, CheckId, &str); 5] = [
    (
        "isassignabletorole",
        CheckId::GroupRoleAssignable,
        "the request mentions isAssignableToRole",
    ),
    (
        "dynamicmembership",
        CheckId::GroupDynamic,
        "the request mentions DynamicMembership",
    ),
    (
        "membershiprule",
        CheckId::GroupDynamic,
        "the request mentions a membership rule",
    ),
    (
        "administrativeunits",
        CheckId::AuTarget,
        "the request targets an administrative unit",
    ),
    (
        "ismembermanagementrestricted",
        CheckId::GroupRestrictedAu,
        "the paste mentions isMemberManagementRestricted",
    ),
];

fn prioritise_candidates(ex: &Extracted, cl: &mut Classification) {
    let mut front = Vec::new();
    for (phrase, id, why) in HINTS {
        let in_request = ex.request.as_ref().is_some_and(|r| {
            let t = format!("{} {}", r.url, r.body.as_deref().unwrap_or_default());
            text::contains_phrase(&text::haystack(&t), phrase)
        });
        if !in_request && !text::contains_phrase(&ex.haystack, phrase) {
            continue;
        }
        if let Some(pos) = cl.candidates.iter().position(|c| c.check == id) {
            let mut c = cl.candidates.remove(pos);
            c.reason = format!("{} (Likelier here: {why}.)", c.reason);
            front.push(c);
        }
    }
    if !front.is_empty() {
        front.append(&mut cl.candidates);
        cl.candidates = front;
    }
}

/// Evidence for a decision read from the pasted response.
pub fn evidence(ex: &Extracted, extra: Value) -> Evidence {
    let request = match &ex.request {
        Some(r) => {
            let path = path_of(&r.url);
            match &r.method {
                Some(m) => format!("{m} {path} (pasted response)"),
                None => format!("{path} (pasted response)"),
            }
        }
        None if ex.channel == Channel::TokenEndpoint => {
            "token request (pasted token-endpoint response)".to_string()
        }
        None => "pasted response".to_string(),
    };
    let mut facts = Map::new();
    if let Some(c) = &ex.code {
        facts.insert("code".into(), json!(c));
    }
    if let Some(m) = &ex.message {
        facts.insert("message".into(), json!(m));
    }
    for (k, v) in ex.ids.pairs() {
        facts.insert(k.to_string(), json!(v));
    }
    if let Value::Object(extra) = extra {
        facts.extend(extra);
    }
    Evidence {
        request,
        status: ex.status.filter(|_| !ex.status_implied),
        latency_ms: None,
        facts: Value::Object(facts),
    }
}

/// The path (from `/v1.0` on) of a URL, for evidence lines.
fn path_of(url: &str) -> String {
    let no_scheme = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map(|rest| rest.find('/').map(|i| &rest[i..]).unwrap_or("/"))
        .unwrap_or(url);
    // A pasted URL may carry a credential (`?access_token=eyJ…`): never into evidence.
    crate::secret::redact(&text::clip(no_scheme, 300))
}

fn fail(ex: &Extracted, id: CheckId, summary: String, extra: Value) -> CheckResult {
    let mut c = CheckResult::new(id, Status::Fail, summary);
    c.evidence.push(evidence(ex, extra));
    c
}

fn token_endpoint_and_claims(ex: &Extracted, cl: &mut Classification) {
    // AADSTS codes: meanings from the shared table (assets/knowledge/aadsts.json).
    let mut ca_reason: Option<String> = None;
    for code in &ex.aadsts {
        match aadsts::lookup(*code) {
            Some(row) => {
                cl.aadsts.push(json!({
                    "code": code, "name": row.name, "meaning": row.meaning, "fix": row.fix,
                    "check": row.check, "source": row.source,
                }));
                match row.check_id() {
                    // AADSTS90002 names the authority's tenant, not a token's: no token was issued to
                    // compare with --tenant (corpus aadsts90002-*: root cause outside the catalogue).
                    Some(CheckId::TokenTenant) | None => cl.notes.push(format!(
                        "AADSTS{code} {}: {} Fix: {}",
                        row.name, row.meaning, row.fix
                    )),
                    Some(CheckId::CaClaims) => {
                        ca_reason.get_or_insert_with(|| format!("AADSTS{code} {}: {}", row.name, row.meaning));
                    }
                    Some(id) => {
                        let mut c = fail(
                            ex,
                            id,
                            format!("The token endpoint refused a token: AADSTS{code} {}: {}", row.name, row.meaning),
                            json!({"aadsts": code, "error": ex.token_error.as_ref().map(|t| t.error.clone())}),
                        );
                        c.fix.push(row.fix.clone());
                        c.fix_commands = commands_for(id, ex);
                        c.docs = vec![format!("https://login.microsoftonline.com/error?code={code}"), DOC_ERRORS.to_string()];
                        cl.decide(c);
                    }
                }
            }
            None => cl.notes.push(format!(
                "AADSTS{code} is not in graph-doctor's table: look it up at https://login.microsoftonline.com/error?code={code}."
            )),
        }
    }
    if let Some(te) = &ex.token_error {
        let sub = te
            .suberror
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let err = te.error.to_ascii_lowercase();
        if sub == "consent_required" || err == "consent_required" {
            let mut c = fail(
                ex,
                CheckId::AuthConsent,
                "The token endpoint needs consent first (consent_required): the permissions requested were never consented for this app.".into(),
                json!({"error": te.error, "suberror": te.suberror}),
            );
            c.fix.push("Grant admin consent (https://login.microsoftonline.com/{tenant-id}/adminconsent?client_id={client-id}) or remove the scopes nobody consented to, then sign in again.".into());
            c.docs.push(
                "https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent"
                    .into(),
            );
            cl.decide(c);
        }
        if matches!(sub.as_str(), "basic_action" | "additional_action")
            || err == "interaction_required"
        {
            ca_reason.get_or_insert_with(|| {
                format!(
                    "The token endpoint requires user interaction ({}{}).",
                    te.error,
                    te.suberror
                        .as_deref()
                        .map(|s| format!(", suberror {s}"))
                        .unwrap_or_default()
                )
            });
        }
        match sub.as_str() {
            "bad_token" => cl.notes.push(
                "suberror bad_token: the refresh token is invalid or revoked; sign in again."
                    .into(),
            ),
            "user_password_expired" => cl.notes.push(
                "suberror user_password_expired: the user must change their password.".into(),
            ),
            _ => {}
        }
        if err == "invalid_client" && ex.aadsts.is_empty() {
            cl.notes.push("invalid_client: the app's credentials (client secret or certificate) were refused; this is sign-in configuration, not Graph authorization.".into());
        }
    }

    let challenge = ex.challenge.as_ref().filter(|c| c.is_claims_challenge());
    if challenge.is_none() && ca_reason.is_none() {
        return;
    }
    let claims = challenge.and_then(|c| c.claims.clone());
    cl.demands = claims
        .as_ref()
        .map(super::challenge::demands)
        .unwrap_or_default();
    cl.claims = claims.clone();
    let mut summary = match (ex.channel, challenge) {
        (Channel::TokenEndpoint, _) | (_, None) => ca_reason.clone().unwrap_or_default(),
        (_, Some(_)) => format!(
            "Graph answered {} with a claims challenge (WWW-Authenticate error=\"insufficient_claims\"): the token no longer satisfies Conditional Access or was revoked by continuous access evaluation.",
            ex.status.map(|s| s.to_string()).unwrap_or_else(|| "401".into())
        ),
    };
    if !cl.demands.is_empty() {
        summary.push_str(&format!(" It demands: {}.", cl.demands.join("; ")));
    }
    let mut extra = Map::new();
    if let Some(c) = challenge {
        let mut w = Map::new();
        w.insert("scheme".into(), json!(c.scheme));
        if let Some(e) = &c.error {
            w.insert("error".into(), json!(e));
        }
        if let Some(u) = &c.authorization_uri {
            w.insert("authorization_uri".into(), json!(u));
        }
        if let Some(d) = &c.error_description {
            w.insert("error_description".into(), json!(d));
        }
        extra.insert("www-authenticate".into(), Value::Object(w));
    }
    if let Some(te) = &ex.token_error {
        extra.insert("error".into(), json!(te.error));
        if let Some(s) = &te.suberror {
            extra.insert("suberror".into(), json!(s));
        }
    }
    if let Some(c) = &claims {
        extra.insert("claims".into(), c.clone());
    }
    if !cl.demands.is_empty() {
        extra.insert("demands".into(), json!(cl.demands));
    }
    let mut c = fail(ex, CheckId::CaClaims, summary, Value::Object(extra));
    match &claims {
        Some(v) => c.fix.push(format!(
            "Acquire a new token interactively with these claims: {v} (MSAL .NET `.WithClaims(json)`, MSAL Python `claims_challenge=json`, MSAL.js `claims: json`); clear the cached token first."
        )),
        None => c.fix.push("Sign in again interactively (not silently, not with a password grant) and complete what Conditional Access asks (MFA, registration, a compliant device); pass any `claims` returned with the error to the authorize request.".into()),
    }
    if cl
        .demands
        .iter()
        .any(|d| d.contains("continuous access evaluation"))
    {
        c.fix.push("A CAE revocation (sign-out, password reset, disabled account, new IP address) cannot be refreshed silently: the user must sign in again.".into());
    }
    if ex.channel == Channel::TokenEndpoint {
        c.fix.push("Review the sign-in log entry (Entra admin center > Monitoring > Sign-in logs, by correlation id) to see which Conditional Access policy applied.".into());
    }
    c.docs = vec![DOC_CLAIMS.into(), DOC_CAE.into()];
    c.explanation = "Conditional Access and continuous access evaluation answer with a claims challenge: a 401 whose WWW-Authenticate header carries error=\"insufficient_claims\" and base64 claims, or a token-endpoint interaction_required. Only a new token obtained interactively with those claims satisfies it.".into();
    cl.rules.push("claims-challenge".into());
    cl.decide(c);
}

fn not_found(ex: &Extracted, cl: &mut Classification) {
    if ex.channel == Channel::TokenEndpoint {
        return;
    }
    let hay = ex.haystack.as_str();
    let code = ex.code.as_deref().unwrap_or_default().to_ascii_lowercase();
    let not_found_code = matches!(
        code.as_str(),
        "request_resourcenotfound" | "resourcenotfound" | "itemnotfound" | "notfound"
    );
    let not_found_words = text::contains_phrase(
        hay,
        "does not exist or one of its queried reference-property objects are not present",
    );
    let invalid_id = text::contains_phrase(hay, "invalid object identifier");
    if text::contains_phrase(hay, "users('cid:")
        || text::contains_phrase(hay, "outlook.office365.com:444/profile")
    {
        return; // a personal account routed to the consumer profile service (rules: personal-account)
    }
    if !(not_found_code
        || not_found_words
        || invalid_id
        || (ex.status == Some(404) && ex.code.is_some()))
    {
        return;
    }
    // "Resource '<id>' does not exist…" / "Invalid object identifier '<id>'."
    let named = ex.message.as_deref().and_then(|m| {
        let start = m.find('\'')? + 1;
        let end = start + m[start..].find('\'')?;
        let id = m[start..end].trim().to_ascii_lowercase();
        (!id.is_empty()).then_some(id)
    });
    let op = ex.operation.clone().unwrap_or_default();
    let what = if invalid_id {
        "is not a valid object id"
    } else {
        "does not exist (or this token cannot see it)"
    };
    let target = named.as_deref().and_then(|id| {
        if op.group.as_deref() == Some(id) {
            Some((CheckId::GroupExists, "group"))
        } else if op.au.as_deref() == Some(id) {
            Some((CheckId::AuTarget, "administrative unit"))
        } else if op.member.as_deref() == Some(id) {
            Some((CheckId::MemberObject, "member"))
        } else {
            None
        }
    });
    cl.rules.push("not-found".into());
    if let Some((id, noun)) = target {
        let obj = named.clone().unwrap_or_default();
        let mut c = fail(
            ex,
            id,
            format!(
                "Graph answered {} for the {noun} {obj}: it {what}.",
                ex.status.unwrap_or(404)
            ),
            json!({"object": obj}),
        );
        c.fix.push(format!("Check the {noun} id (an object id, not a display name, appId or mail address) in this tenant: `GET /v1.0/directoryObjects/{obj}`."));
        c.fix_commands.push(FixCommand {
            kind: CommandKind::Graph,
            text: format!("GET https://graph.microsoft.com/v1.0/directoryObjects/{obj}"),
        });
        c.docs
            .push("https://learn.microsoft.com/graph/api/group-post-members".into());
        cl.decide(c);
        return;
    }
    let reason_obj = named.map(|n| format!(" ('{n}')")).unwrap_or_default();
    cl.notes.push(format!(
        "Graph says an object{reason_obj} {what}, but the response alone does not say which one (the group, the administrative unit or the member being added)."
    ));
    let list: &[CheckId] = match (ex.operation.as_ref().map(|o| o.kind), &ex.operation) {
        (
            Some(
                OperationKind::AddGroupMember
                | OperationKind::RemoveGroupMember
                | OperationKind::AddGroupOwner
                | OperationKind::RemoveGroupOwner,
            ),
            _,
        ) => &[CheckId::GroupExists, CheckId::MemberObject],
        (Some(OperationKind::AddAuMember | OperationKind::RemoveAuMember), _) => {
            &[CheckId::AuTarget, CheckId::MemberObject]
        }
        (Some(OperationKind::CreateAuGroup), _) => &[CheckId::AuTarget],
        (Some(OperationKind::Request), _) => &[],
        (None, _) => &[
            CheckId::GroupExists,
            CheckId::MemberObject,
            CheckId::AuTarget,
        ],
    };
    for id in list {
        cl.candidate(*id);
    }
}

fn phrase_rules(ex: &Extracted, cl: &mut Classification) {
    let table = rules();
    let mut candidate_rules: Vec<(&Rule, String)> = Vec::new();
    for rule in &table.rules {
        let Some(hit) = rule.matches(ex) else {
            continue;
        };
        match rule.outcome {
            // Without the operation it needs, a decisive rule is only a hint.
            Outcome::Fail if !rule.operation_allows(ex.operation.as_ref()) => {
                candidate_rules.push((rule, hit));
            }
            Outcome::Fail => {
                let Some(id) = rule.check_id() else { continue };
                if cl.decided(id) {
                    continue;
                }
                cl.rules.push(rule.id.clone());
                let mut c = fail(
                    ex,
                    id,
                    rule.summary.clone(),
                    json!({"matched": hit, "rule": rule.id}),
                );
                c.fix = rule.fix.clone();
                c.docs = rule.docs.clone();
                c.fix_commands = commands_for(id, ex);
                cl.decide(c);
                for also in rule.also.iter().filter_map(|a| CheckId::parse(a)) {
                    cl.candidate(also);
                }
            }
            Outcome::Candidates => candidate_rules.push((rule, hit)),
            Outcome::Note => {
                cl.rules.push(rule.id.clone());
                cl.notes.push(rule.summary.clone());
                if rule.keeps_status_candidates {
                    cl.status_notes += 1;
                }
            }
            Outcome::Transient => {
                cl.rules.push(rule.id.clone());
                cl.transient.get_or_insert_with(|| rule.summary.clone());
            }
        }
    }
    // An ambiguous phrase only matters when nothing decisive was found.
    if cl.has_failure() {
        return;
    }
    for (rule, _) in candidate_rules {
        cl.rules.push(rule.id.clone());
        cl.notes.push(rule.summary.clone());
        let named = rule.check.iter().chain(&rule.also).chain(&rule.candidates);
        for id in named.filter_map(|c| CheckId::parse(c)) {
            cl.candidate(id);
        }
    }
}

fn fallback_by_status(ex: &Extracted, cl: &mut Classification) {
    if let Some(s @ 100..=399) = ex.status.filter(|_| !ex.status_implied) {
        cl.rules.push("status-success".into());
        cl.notes.push(format!("HTTP {s} is not an error: nothing in this response needs diagnosing. Paste the failing response instead."));
        return;
    }
    let (list, note): (&[CheckId], &str) = match ex.status {
        Some(401) => (
            &[CheckId::TokenFormat, CheckId::TokenAudience, CheckId::TokenLifetime, CheckId::TokenAccount, CheckId::CaClaims],
            "A 401 means the token itself was refused (missing, malformed, expired, for another API, or revoked); the body does not say which.",
        ),
        Some(403) => (
            &[CheckId::AuthFlow, CheckId::AuthConsent, CheckId::AuthPermission, CheckId::UserRole, CheckId::GroupRoleAssignable, CheckId::GroupRestrictedAu, CheckId::GroupDynamic, CheckId::AuTarget, CheckId::LicenseTenant, CheckId::LicenseUser],
            "A 403 without a recognisable body: the token was accepted but the call was not allowed; the live checks tell the causes apart.",
        ),
        Some(400) => (
            &[CheckId::GroupType, CheckId::GroupSynced, CheckId::GroupDynamic, CheckId::MemberObject, CheckId::MemberDuplicate],
            "A 400 on a membership change usually means the group cannot be changed through Graph or the member is already there; the body was not recognised.",
        ),
        _ => return,
    };
    cl.rules
        .push(format!("status-{}", ex.status.unwrap_or_default()));
    cl.notes.push(note.to_string());
    for id in list {
        cl.candidate(*id);
    }
}

/// `ca.claims` and `exchange.policy` are decided from every response seen (docs/interface.md): when
/// this one shows no challenge / no Exchange block, say so rather than leave them open.
fn claims_and_exchange_defaults(ex: &Extracted, cl: &mut Classification) {
    if !cl.decided(CheckId::CaClaims) && ex.channel == Channel::Graph {
        // Graph sends WWW-Authenticate with every 401: a 401 pasted without it is incomplete,
        // so its absence proves nothing there.
        let header_seen = ex.challenge.is_some() || ex.status != Some(401);
        let reason = if ex.had_headers && header_seen {
            Some("The pasted response headers carry no claims challenge (no WWW-Authenticate error=\"insufficient_claims\").".to_string())
        } else if let Some(s @ (400 | 404 | 409 | 429)) = ex.status.filter(|_| !ex.status_implied) {
            Some(format!("A {s} response is not a claims challenge (those come as a 401 with a WWW-Authenticate header)."))
        } else {
            None
        };
        if let Some(r) = reason {
            let mut c = CheckResult::new(CheckId::CaClaims, Status::Pass, r);
            c.evidence.push(evidence(ex, json!({})));
            cl.decide(c);
        }
    }
    if !cl.decided(CheckId::ExchangePolicy) {
        let code = ex.code.as_deref().unwrap_or_default();
        // Exchange Online codes are `Error` + PascalCase (ErrorAccessDenied, ErrorItemNotFound).
        let exchange = (code.starts_with("Error")
            && code.as_bytes().get(5).is_some_and(u8::is_ascii_uppercase))
            || text::contains_phrase(
                &ex.haystack,
                "access is denied. check credentials and try again",
            );
        let c = if exchange {
            let mut c = CheckResult::new(
                CheckId::ExchangePolicy,
                Status::Pass,
                format!("Exchange Online answered ({code}) without the \"Access to OData is disabled\" policy block."),
            );
            c.evidence.push(evidence(ex, json!({})));
            c
        } else {
            let from = match ex.channel {
                Channel::TokenEndpoint => "the token endpoint",
                Channel::Graph => "the directory, not Exchange Online",
                Channel::Unknown => "no recognisable service",
            };
            CheckResult::skipped(
                CheckId::ExchangePolicy,
                format!("Only an Exchange Online response shows an EWS/application access policy; the pasted response is from {from}."),
            )
        };
        cl.decide(c);
    }
}

/// Drops candidates that the operation rules out or that are already decided.
fn filter_candidates(op: Option<&Operation>, cl: &mut Classification) {
    let decided: Vec<CheckId> = cl.findings.iter().map(|c| c.id).collect();
    cl.candidates.retain(|c| !decided.contains(&c.check));
    let Some(op) = op else { return };
    let excluded: &[CheckId] = match op.kind {
        OperationKind::Request => &[],
        OperationKind::AddGroupMember
        | OperationKind::RemoveGroupMember
        | OperationKind::AddGroupOwner
        | OperationKind::RemoveGroupOwner => &[CheckId::AuTarget],
        OperationKind::AddAuMember | OperationKind::RemoveAuMember => &[
            CheckId::GroupRoleAssignable,
            CheckId::GroupRestrictedAu,
            CheckId::GroupDynamic,
            CheckId::GroupType,
            CheckId::GroupSynced,
            CheckId::MemberDuplicate,
        ],
        OperationKind::CreateAuGroup => &[
            CheckId::GroupExists,
            CheckId::GroupRoleAssignable,
            CheckId::GroupRestrictedAu,
            CheckId::GroupDynamic,
            CheckId::MemberObject,
            CheckId::MemberDuplicate,
        ],
    };
    cl.candidates.retain(|c| !excluded.contains(&c.check));
}

/// Copyable commands for a failing check, with the request's ids filled in where known.
pub fn commands_for(id: CheckId, ex: &Extracted) -> Vec<FixCommand> {
    let op = ex.operation.as_ref();
    let group = op
        .and_then(|o| o.group.clone())
        .unwrap_or_else(|| "<group-id>".into());
    let member = op
        .and_then(|o| o.member.clone())
        .unwrap_or_else(|| "<member-id>".into());
    let cmd = |kind, text: String| FixCommand { kind, text };
    match id {
        CheckId::GroupType => vec![
            cmd(CommandKind::Graph, format!("GET https://graph.microsoft.com/v1.0/groups/{group}?$select=displayName,groupTypes,mailEnabled,securityEnabled")),
            cmd(CommandKind::Powershell, format!("Add-DistributionGroupMember -Identity {group} -Member {member}   # Exchange Online PowerShell")),
        ],
        CheckId::GroupSynced => vec![
            cmd(CommandKind::Graph, format!("GET https://graph.microsoft.com/v1.0/groups/{group}?$select=displayName,onPremisesSyncEnabled")),
            cmd(CommandKind::Powershell, "Add-ADGroupMember -Identity <on-premises group> -Members <user>   # on-premises Active Directory".into()),
        ],
        CheckId::GroupDynamic => vec![cmd(
            CommandKind::Graph,
            format!("GET https://graph.microsoft.com/v1.0/groups/{group}?$select=displayName,groupTypes,membershipRule"),
        )],
        CheckId::MemberDuplicate => vec![cmd(
            CommandKind::Graph,
            format!("GET https://graph.microsoft.com/v1.0/groups/{group}/members?$filter=id eq '{member}'&$count=true   (header ConsistencyLevel: eventual)"),
        )],
        CheckId::AuthConsent => vec![cmd(
            CommandKind::Url,
            format!(
                "https://login.microsoftonline.com/{}/adminconsent?client_id={}",
                ex.tenant_id.as_deref().unwrap_or("<tenant-id>"),
                ex.client_id.as_deref().unwrap_or("<client-id>")
            ),
        )],
        CheckId::GroupRestrictedAu => vec![cmd(
            CommandKind::Graph,
            format!("GET https://graph.microsoft.com/v1.0/groups/{group}/memberOf/microsoft.graph.administrativeUnit?$select=id,displayName,isMemberManagementRestricted&$count=true   (header ConsistencyLevel: eventual)"),
        )],
        CheckId::ExchangePolicy => vec![
            cmd(CommandKind::Powershell, "Get-OrganizationConfig | fl EwsApplicationAccessPolicy,EWS*List".into()),
            cmd(CommandKind::Powershell, "Test-ApplicationAccessPolicy -Identity <mailbox> -AppId <app-id>".into()),
        ],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca_claims(text: &str) -> Option<Status> {
        let cl = classify(&Extracted::from_observed(&crate::explain::parse(text)));
        cl.findings
            .iter()
            .find(|c| c.id == CheckId::CaClaims)
            .map(|c| c.status)
    }

    #[test]
    fn ca_claims_passes_only_when_the_challenge_header_could_be_seen() {
        let body = "{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":\"Access token has expired or is not yet valid.\"}}";
        // A 401 without its WWW-Authenticate header is an incomplete paste.
        assert_eq!(
            ca_claims(&format!(
                "HTTP/1.1 401 Unauthorized\nrequest-id: x\n\n{body}"
            )),
            None
        );
        assert_eq!(
            ca_claims(&format!("HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\"\n\n{body}")),
            Some(Status::Pass)
        );
        assert_eq!(
            ca_claims("HTTP/1.1 403 Forbidden\nrequest-id: x\n\n{}"),
            Some(Status::Pass)
        );
        assert_eq!(ca_claims(body), None);
    }

    #[test]
    fn a_refused_read_drops_write_only_candidates() {
        let o = crate::explain::parse("GET https://graph.microsoft.com/v1.0/groups/11111111-2222-3333-4444-555555555555/members\n\nHTTP/1.1 403 Forbidden\n\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}");
        let cl = classify(&Extracted::from_observed(&o));
        let ids: Vec<CheckId> = cl.candidates.iter().map(|c| c.check).collect();
        assert!(ids.contains(&CheckId::AuthPermission));
        assert!(
            !ids.contains(&CheckId::GroupDynamic) && !ids.contains(&CheckId::GroupRoleAssignable)
        );
    }

    #[test]
    fn request_words_put_the_likelier_candidate_first() {
        let o = crate::explain::parse("POST https://graph.microsoft.com/v1.0/groups\n{\"displayName\":\"x\",\"isAssignableToRole\":true}\n\nHTTP/1.1 403 Forbidden\n\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}");
        let cl = classify(&Extracted::from_observed(&o));
        assert_eq!(
            cl.candidates.first().map(|c| c.check),
            Some(CheckId::GroupRoleAssignable)
        );
        assert!(cl.findings.iter().all(|c| c.status != Status::Fail));
    }

    #[test]
    fn rules_table_parses_and_names_catalogue_checks() {
        let r = rules();
        assert!(r.rules.len() >= 20);
        let mut ids = std::collections::HashSet::new();
        for rule in &r.rules {
            assert!(
                ids.insert(rule.id.as_str()),
                "duplicate rule id {}",
                rule.id
            );
            assert!(!rule.source.is_empty(), "{} cites no source", rule.id);
            assert!(
                !rule.any.is_empty() || !rule.all.is_empty(),
                "{} matches nothing",
                rule.id
            );
            if rule.outcome == Outcome::Fail {
                assert!(
                    rule.check_id().is_some(),
                    "{} names no catalogue check",
                    rule.id
                );
                assert!(!rule.fix.is_empty(), "{} has no fix", rule.id);
            }
            for k in &rule.requires_operation {
                assert!(
                    OperationKind::parse(k).is_some(),
                    "{} names unknown operation {k}",
                    rule.id
                );
            }
            for c in rule.candidates.iter().chain(&rule.also) {
                assert!(
                    CheckId::parse(c).is_some(),
                    "{} names unknown check {c}",
                    rule.id
                );
            }
            for p in rule
                .any
                .iter()
                .chain(rule.none.iter())
                .chain(rule.all.iter().flatten())
            {
                assert_eq!(
                    p,
                    &p.to_ascii_lowercase(),
                    "{}: phrases are lowercase",
                    rule.id
                );
            }
        }
        for id in CheckId::ALL {
            assert!(
                r.candidate_reasons.contains_key(id.as_str())
                    || matches!(id, CheckId::ExchangePolicy),
                "no reason for {id}"
            );
        }
    }
}
