//! From an [`Observed`] response to the facts worth classifying: which service answered (Graph or
//! the token endpoint), the error code and message in whichever envelope carried them (Graph,
//! legacy Azure AD Graph `odata.error`, ARM `details[]`, Exchange without `innerError`,
//! SharePoint's lower-case codes, token-endpoint JSON, SDK renderings), the support ids, the
//! claims challenge, and the operation the request URL names.

use serde_json::Value;

use super::text::{self, ValueKind};
use super::{Observed, RequestLine};
use crate::auth::aadsts::{self, TokenEndpointError};
use crate::auth::challenge::{self, Challenge};
use crate::graph::envelope::GraphErrorBody;
use crate::report::{Operation, OperationKind};

/// Which service produced the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Microsoft Graph (or a service behind it: directory, Exchange, SharePoint).
    Graph,
    /// The Microsoft identity platform's token endpoint (`AADSTS…`).
    TokenEndpoint,
    /// Nothing recognisable.
    Unknown,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Graph => "graph",
            Channel::TokenEndpoint => "token_endpoint",
            Channel::Unknown => "unknown",
        }
    }
}

/// Ids a support ticket asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupportIds {
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
}

impl SupportIds {
    /// `(label, value)` pairs in the order a ticket form lists them.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("request-id", &self.request_id),
            ("client-request-id", &self.client_request_id),
            ("date", &self.date),
            ("trace-id", &self.trace_id),
            ("correlation-id", &self.correlation_id),
            ("timestamp", &self.timestamp),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

/// Everything classification needs, read once.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The status as read, else as implied by the error code.
    pub status: Option<u16>,
    /// True when `status` was implied by the code rather than read.
    pub status_implied: bool,
    pub channel: Channel,
    /// How the error was written: `graph_json`, `legacy_aad_graph_json`, `arm_json`,
    /// `token_endpoint_json`, `rendering`, `text`, `empty`.
    pub form: &'static str,
    pub code: Option<String>,
    /// The message, HTML stripped, tokens redacted, clipped.
    pub message: Option<String>,
    /// Codes of `details[]` / inner errors.
    pub detail_codes: Vec<String>,
    pub ids: SupportIds,
    pub challenge: Option<Challenge>,
    pub token_error: Option<TokenEndpointError>,
    /// AADSTS codes seen (from `error_codes` or the text).
    pub aadsts: Vec<u32>,
    pub retry_after: Option<String>,
    pub request: Option<RequestLine>,
    /// The operation the request URL names, with the ids it carries.
    pub operation: Option<Operation>,
    /// ASCII-lowercased, whitespace-collapsed, unescaped text of the whole response (headers
    /// included) for phrase rules.
    pub haystack: String,
    /// True when the paste had response headers (so a missing challenge header means none was sent).
    pub had_headers: bool,
    /// The client (application) id an AADSTS message names ("application with ID '…'").
    pub client_id: Option<String>,
    /// The tenant id a message names ("tenant '…'", "directory '…'").
    pub tenant_id: Option<String>,
}

impl Extracted {
    pub fn from_observed(o: &Observed) -> Extracted {
        let body = o.body.as_str();
        let unescaped = if ["\\\"", "\\r\\n", "\\n", "\\u00"]
            .iter()
            .any(|e| body.contains(e))
        {
            text::unescape(body)
        } else {
            body.to_string()
        };
        let json = find_json(body).or_else(|| find_json(&unescaped));
        // A truncated body whose only parseable objects are its `details[]` entries: the outer
        // code written in the text ("code": "Request_BadRequest") comes first.
        let nested_only = json.as_ref().is_some_and(|(_, outermost)| !outermost);

        let mut ex = Extracted {
            status: o.status,
            status_implied: false,
            channel: Channel::Unknown,
            form: if body.trim().is_empty() {
                "empty"
            } else {
                "text"
            },
            code: None,
            message: None,
            detail_codes: Vec::new(),
            ids: SupportIds::default(),
            challenge: None,
            token_error: None,
            aadsts: Vec::new(),
            retry_after: o.header("retry-after").map(str::to_string),
            request: o.request.clone(),
            operation: None,
            haystack: String::new(),
            had_headers: !o.headers.is_empty(),
            client_id: None,
            tenant_id: None,
        };

        if nested_only {
            ex.read_rendering(&unescaped);
        }
        if let Some((v, _)) = &json {
            ex.read_json(v);
        }
        ex.read_rendering(&unescaped);
        ex.read_ids(o, &unescaped);
        ex.read_challenge(o, &unescaped);

        if ex.aadsts.is_empty() {
            ex.aadsts = aadsts::codes_in_text(&unescaped);
        }
        if ex.channel == Channel::Unknown {
            if !ex.aadsts.is_empty() || ex.token_error.is_some() {
                ex.channel = Channel::TokenEndpoint;
            } else if ex.code.is_some() || ex.status.is_some() || ex.challenge.is_some() {
                ex.channel = Channel::Graph;
            }
        }
        if ex.status.is_none() {
            ex.status = ex.implied_status();
            ex.status_implied = ex.status.is_some();
        }
        if ex.channel == Channel::TokenEndpoint
            && ex.request.as_ref().is_some_and(|r| r.method.is_none())
        {
            // A Graph URL quoted inside an AADSTS message (AADSTS700027 names the app's
            // /applications URL) is not the request that failed: no Graph request was made.
            ex.request = None;
        }
        ex.operation = ex.request.as_ref().and_then(operation_of);
        let lower = unescaped.to_ascii_lowercase();
        ex.client_id = quoted_guid_after(
            &lower,
            &[
                "application with id '",
                "application with identifier '",
                "added to app '",
                "app id '",
                "client_id '",
            ],
        );
        ex.tenant_id = quoted_guid_after(&lower, &["in tenant '", "directory '", "tenant '"]);

        let mut hay = String::new();
        for (name, value) in &o.headers {
            hay.push_str(name);
            hay.push_str(": ");
            hay.push_str(value);
            hay.push('\n');
        }
        hay.push_str(&unescaped);
        if let Some(m) = &ex.message {
            hay.push('\n');
            hay.push_str(m);
        }
        ex.haystack = text::haystack(&hay);
        ex
    }

    fn set_code(&mut self, code: &str) {
        let code = unglue_code(code.trim());
        if self.code.is_none() && !code.is_empty() {
            self.code = Some(text::clip(code, 120));
        }
    }

    fn set_message(&mut self, message: &str) {
        let m = crate::secret::redact(&text::strip_html(message.trim()));
        let m = m.split_whitespace().collect::<Vec<_>>().join(" ");
        let m = end_at_rendering_label(strip_cmdlet_prefix(&m));
        if self.message.is_none() && !m.trim().is_empty() {
            self.message = Some(text::clip(m.trim(), 600));
        }
    }

    fn read_json(&mut self, v: &Value) {
        if let Some(te) = TokenEndpointError::from_value(v) {
            self.channel = Channel::TokenEndpoint;
            self.form = "token_endpoint_json";
            self.set_code(&te.error);
            self.set_message(&te.description);
            self.aadsts = te.codes.clone();
            self.ids.trace_id = te.trace_id.clone();
            self.ids.correlation_id = te.correlation_id.clone();
            self.ids.timestamp = te.timestamp.clone();
            self.token_error = Some(te);
            return;
        }
        if let Some(legacy) = v.get("odata.error") {
            // Azure AD Graph: {"odata.error": {"code", "message": {"lang", "value"}}}
            self.channel = Channel::Graph;
            self.form = "legacy_aad_graph_json";
            if let Some(c) = legacy.get("code").and_then(Value::as_str) {
                self.set_code(c);
            }
            let msg = legacy.get("message");
            if let Some(m) = msg
                .and_then(|m| m.get("value"))
                .and_then(Value::as_str)
                .or_else(|| msg.and_then(Value::as_str))
            {
                self.set_message(m);
            }
            self.read_details(legacy);
            return;
        }
        if v.get("error").is_some_and(Value::is_object) {
            self.channel = Channel::Graph;
            self.form = "graph_json";
            if let Some(g) = GraphErrorBody::from_value(v) {
                self.set_code(&g.code);
                self.set_message(&g.message);
                self.ids.request_id = g.request_id;
                self.ids.client_request_id = g.client_request_id;
                self.ids.date = g.date;
            }
            if let Some(err) = v.get("error") {
                if let Some(m) = err
                    .get("message")
                    .and_then(|m| m.get("value"))
                    .and_then(Value::as_str)
                {
                    self.set_message(m);
                }
                if let Some(m) = err.get("localizedMessage").and_then(Value::as_str) {
                    // SharePoint adds a readable sentence next to "Access Denied".
                    let joined = format!("{} ({m})", self.message.clone().unwrap_or_default());
                    self.message = None;
                    self.set_message(&joined);
                }
                self.read_details(err);
            }
            return;
        }
        if v.get("code").is_some() || v.get("message").is_some() {
            // ARM / SDK objects without the "error" wrapper: {"code", "message", "details": [...]}
            self.channel = Channel::Graph;
            self.form = if v.get("details").is_some() {
                "arm_json"
            } else {
                "graph_json"
            };
            if let Some(c) = v.get("code").and_then(Value::as_str) {
                self.set_code(c);
            }
            if let Some(m) = v.get("message").and_then(Value::as_str) {
                self.set_message(m);
            }
            self.read_details(v);
        }
    }

    fn read_details(&mut self, err: &Value) {
        let inner = err.get("innerError").or_else(|| err.get("innererror"));
        if let Some(c) = inner.and_then(|i| i.get("code")).and_then(Value::as_str) {
            self.detail_codes.push(c.to_string());
        }
        if let Some(details) = err.get("details").and_then(Value::as_array) {
            for d in details.iter().take(20) {
                if let Some(c) = d.get("code").and_then(Value::as_str) {
                    if !self.detail_codes.iter().any(|x| x == c) {
                        self.detail_codes.push(c.to_string());
                    }
                }
                if let Some(m) = d.get("message").and_then(Value::as_str) {
                    if self.message.as_deref().is_none_or(str::is_empty) {
                        self.message = None;
                        self.set_message(m);
                    }
                }
            }
        }
    }

    /// Code and message written by SDKs and CLIs (`ErrorCode: X`, `Code: X`, `code=X`,
    /// terraform's `OData error: Code: message`, `"code":"X"` in a fragment).
    fn read_rendering(&mut self, body: &str) {
        let lower = body.to_ascii_lowercase();
        if self.code.is_none() {
            if let Some(pos) = lower.find("odata error:") {
                let rest = body
                    .get(pos + "odata error:".len()..)
                    .unwrap_or_default()
                    .trim_start();
                let code: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if code.chars().any(|c| c.is_ascii_alphabetic()) {
                    self.set_code(&code);
                    let msg = rest[code.len()..].trim_start_matches([':', ' ']);
                    self.set_message(&msg.split_whitespace().collect::<Vec<_>>().join(" "));
                }
            }
        }
        for key in ["errorcode", "\"code\"", "code"] {
            if self.code.is_some() {
                break;
            }
            // "Status Code: Unauthorized" is a status, not the error code.
            if let Some(c) = text::value_after_unless(
                body,
                &lower,
                key,
                ValueKind::Ident,
                &["status ", "status"],
            ) {
                self.set_code(&c);
            }
        }
        if self.code.is_none() {
            // `"ErrorAccessDenied": "Access to OData is disabled…"` and `403 ErrorAccessDenied —`
            for known in [
                "erroraccessdenied",
                "authorization_requestdenied",
                "invalidauthenticationtoken",
                "request_resourcenotfound",
                "request_badrequest",
                "toomanyrequests",
                "authorization_identitynotfound",
            ] {
                if let Some(p) = text::find_phrase(&lower, known) {
                    self.set_code(body.get(p..p + known.len()).unwrap_or(known));
                    break;
                }
            }
        }
        if self.message.is_none() {
            for key in ["error message", "message", "error_description"] {
                if let Some(m) = text::value_after(body, &lower, key, ValueKind::Line) {
                    let m = m.trim_end_matches(['\'', ')', ',']).to_string();
                    self.set_message(&m);
                    break;
                }
            }
        }
        if self.message.is_none() {
            // "Message:" at the end of a line, the text on the lines below (R, some loggers).
            if let Some(m) = message_below_label(body, &lower) {
                self.set_message(&m);
            }
        }
        if self.message.is_none() {
            let lines = || body.lines().map(str::trim).filter(|l| !l.is_empty());
            // The command the operator typed (a shell prompt) is not the message.
            let first = lines()
                .find(|l| !is_prompt_line(l))
                .or_else(|| lines().next())
                .unwrap_or_default();
            self.set_message(first);
        }
        if self.form == "text" && (self.code.is_some() || self.status.is_some()) {
            self.form = "rendering";
        }
    }

    fn read_ids(&mut self, o: &Observed, body: &str) {
        let lower = body.to_ascii_lowercase();
        let ids = &mut self.ids;
        let header = |n: &str| o.header(n).map(str::to_string);
        ids.request_id = ids.request_id.take().or_else(|| header("request-id"));
        ids.client_request_id = ids
            .client_request_id
            .take()
            .or_else(|| header("client-request-id"));
        ids.date = ids.date.take().or_else(|| header("date"));
        let find = |keys: &[&str], kind: ValueKind| {
            keys.iter()
                .find_map(|k| text::value_after(body, &lower, k, kind))
        };
        if ids.request_id.is_none() {
            ids.request_id = find(
                &[
                    "request-id",
                    "requestid",
                    "request_id",
                    "request id",
                    "x-ms-request-id",
                ],
                ValueKind::Id,
            );
        }
        if ids.client_request_id.is_none() {
            ids.client_request_id = find(
                &[
                    "client-request-id",
                    "clientrequestid",
                    "client_request_id",
                    "graph client request id",
                    "client request id",
                ],
                ValueKind::Id,
            );
        }
        if ids.date.is_none() {
            ids.date = find(
                &["date", "datetimestamp", "graph request timestamp"],
                ValueKind::Date,
            );
        }
        if ids.trace_id.is_none() {
            ids.trace_id = find(&["trace id", "trace_id"], ValueKind::Id);
        }
        if ids.correlation_id.is_none() {
            ids.correlation_id = find(
                &["correlation id", "correlation_id", "x-ms-correlation-id"],
                ValueKind::Id,
            );
        }
        if ids.timestamp.is_none() && self.channel == Channel::TokenEndpoint {
            ids.timestamp = find(&["timestamp"], ValueKind::Date);
        }
        if self.retry_after.is_none() {
            self.retry_after = text::value_after(body, &lower, "retry-after", ValueKind::Line)
                .map(|v| {
                    v.chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.')
                        .collect::<String>()
                })
                .filter(|v| !v.is_empty());
        }
    }

    fn read_challenge(&mut self, o: &Observed, body: &str) {
        let from_header = o
            .headers
            .iter()
            .filter(|(n, _)| n == "www-authenticate")
            .filter_map(|(_, v)| challenge::parse_www_authenticate(v))
            .max_by_key(|c| (c.is_claims_challenge(), c.error.is_some()));
        let from_text = || {
            // An SDK that printed the headers inline: "WWW-Authenticate : Bearer …"
            let lower = body.to_ascii_lowercase();
            let pos = lower.find("www-authenticate")?;
            let rest = body.get(pos + "www-authenticate".len()..)?;
            let line = rest.lines().next()?;
            challenge::parse_www_authenticate(line.trim_start_matches([' ', ':', '=', '"']))
        };
        let mut ch = from_header.or_else(from_text);
        if let Some(te) = &self.token_error {
            if let Some(claims) = te.claims.as_deref().and_then(challenge::decode_claims) {
                let c = ch.get_or_insert_with(Challenge::default);
                c.claims_raw = te.claims.clone();
                c.claims = Some(claims);
            }
        }
        if ch.is_none() {
            // A body that quotes the challenge parameters.
            let lower = body.to_ascii_lowercase();
            if lower.contains("insufficient_claims") {
                let mut c = Challenge {
                    scheme: "Bearer".into(),
                    error: Some("insufficient_claims".into()),
                    ..Challenge::default()
                };
                if let Some(raw) = text::value_after(body, &lower, "claims", ValueKind::Line) {
                    let raw = raw.trim_matches(['"', '\'', ' ']).to_string();
                    c.claims = challenge::decode_claims(&raw);
                    c.claims_raw = Some(raw);
                }
                ch = Some(c);
            }
        }
        self.challenge = ch;
    }

    fn implied_status(&self) -> Option<u16> {
        if self.channel == Channel::TokenEndpoint {
            return None;
        }
        let code = self.code.as_deref()?.to_ascii_lowercase();
        Some(match code.as_str() {
            "invalidauthenticationtoken" | "authorization_identitynotfound" | "unauthenticated" => {
                401
            }
            "authorization_requestdenied" | "erroraccessdenied" | "accessdenied" | "forbidden" => {
                403
            }
            "request_resourcenotfound" | "resourcenotfound" | "itemnotfound" | "notfound" => 404,
            "toomanyrequests" | "activitylimitreached" => 429,
            "request_badrequest" | "badrequest" | "invalidrequest" => 400,
            _ => return None,
        })
    }
}

/// A command echoed with its shell prompt: `PS C:\\> New-MgGroupMember …`, `$ az ad …`, `> curl …`.
fn is_prompt_line(line: &str) -> bool {
    let ps = line.starts_with("PS ") && line.contains("> ");
    ps || line.starts_with("$ ") || line.starts_with("> ") || line.starts_with("# ")
}

/// `New-MgGroupMember : Insufficient privileges…`: PowerShell names the cmdlet before the message.
/// Microsoft.Graph v2 writes `New-MgGroup_CreateExpanded: …` (parameter set, no space).
fn strip_cmdlet_prefix(m: &str) -> &str {
    let Some((head, rest)) = m.split_once(" : ").or_else(|| m.split_once(": ")) else {
        return m;
    };
    let cmdlet = head.split_once('-').is_some_and(|(verb, noun)| {
        verb.len() > 1
            && verb.bytes().all(|b| b.is_ascii_alphabetic())
            && verb.as_bytes()[0].is_ascii_uppercase()
            && noun.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
            && noun.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if cmdlet {
        rest.trim_start()
    } else {
        m
    }
}

/// SDK renderings continue the message line with their next labels ("… Status: 403 (Forbidden)
/// ErrorCode: …", "… Inner error: AdditionalData: …"): the message ends before them.
fn end_at_rendering_label(m: &str) -> &str {
    const LABELS: [&str; 6] = [
        " inner error:",
        " status: ",
        " errorcode: ",
        " headers: ",
        " innererror:",
        " httpstatuscode:",
    ];
    let lower = m.to_ascii_lowercase();
    let cut = LABELS
        .iter()
        .filter_map(|l| lower.find(l))
        .min()
        .unwrap_or(m.len());
    m.get(..cut).unwrap_or(m).trim_end()
}

/// The text under a `Message:` label that ends its line, up to a blank line (at most 400 chars).
fn message_below_label(body: &str, lower: &str) -> Option<String> {
    let mut from = 0;
    for _ in 0..16 {
        let pos = from + lower.get(from..)?.find("message:")?;
        from = pos + "message:".len();
        let rest = body.get(from..)?;
        let (line, below) = rest.split_once('\n')?;
        if !line.trim().is_empty() {
            continue;
        }
        let text: Vec<&str> = below
            .lines()
            .map(str::trim)
            .take_while(|l| !l.is_empty())
            .take(6)
            .collect();
        let m: String = text.join(" ").chars().take(400).collect();
        if !m.is_empty() {
            return Some(m);
        }
    }
    None
}

/// Codes recognised even when the paste glued the next label to them
/// ("Authorization_RequestDeniedError message: …").
const KNOWN_CODES: [&str; 9] = [
    "Authorization_RequestDenied",
    "Authorization_IdentityNotFound",
    "InvalidAuthenticationToken",
    "Request_ResourceNotFound",
    "Request_BadRequest",
    "Request_UnsupportedQuery",
    "ErrorAccessDenied",
    "ExtensionError",
    "TooManyRequests",
];

/// A known code followed by a glued label (`Error`, `Message`, `Status`, `Inner`) loses the label.
fn unglue_code(code: &str) -> &str {
    for known in KNOWN_CODES {
        let Some(head) = code.get(..known.len()) else {
            continue;
        };
        let tail = &code[known.len()..];
        let glued = ["error", "message", "status", "inner"]
            .iter()
            .any(|l| tail.eq_ignore_ascii_case(l));
        if head.eq_ignore_ascii_case(known) && glued {
            return head;
        }
    }
    code
}

/// The GUID quoted right after one of `keys` (lowercase), e.g. `application with ID '<guid>'`.
fn quoted_guid_after(lower: &str, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        let p = lower.find(k)? + k.len();
        let cand = lower.get(p..p + 36)?;
        crate::knowledge::is_guid(cand).then(|| cand.to_string())
    })
}

/// The most promising JSON object in `text`: the whole text, a JSON string holding JSON
/// (double-encoded), or the first object embedded in surrounding text that looks like an error.
/// The flag is false when the object found is nested inside an unparseable (truncated) one.
fn find_json(text: &str) -> Option<(Value, bool)> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        match v {
            Value::String(inner) => return find_json(&inner),
            Value::Object(_) if looks_like_error(&v) => return Some((v, true)),
            _ => {}
        }
    }
    let mut attempts = 0;
    let mut outermost = true;
    let mut open_until = 0;
    for (i, _) in t.match_indices('{') {
        attempts += 1;
        if attempts > 64 {
            break;
        }
        let mut stream = serde_json::Deserializer::from_str(&t[i..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                if looks_like_error(&v) {
                    return Some((v, outermost || i >= open_until));
                }
                open_until = open_until.max(i + stream.byte_offset());
            }
            _ => {
                // Failed to parse: everything after it may be nested inside it.
                outermost = false;
                open_until = usize::MAX;
            }
        }
    }
    None
}

fn looks_like_error(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    o.contains_key("error")
        || o.contains_key("odata.error")
        || o.contains_key("error_description")
        || (o.contains_key("code") && (o.contains_key("message") || o.contains_key("details")))
}

/// The operation a request URL names (docs/interface.md operations), with its GUID ids.
pub fn operation_of(req: &RequestLine) -> Option<Operation> {
    let url = req.url.as_str();
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let body = req.body.as_deref().unwrap_or_default();
    let member = member_in_body(body);
    let creates_group = body.to_ascii_lowercase().contains("microsoft.graph.group");
    let method = req.method.as_deref().unwrap_or("POST");
    // A request that is exactly one of the deep operations (a DELETE of a member, the owners'
    // `$ref`): its kind and path ids from the path, the member from the body where the path has
    // none.
    if let Some(mut op) = OperationKind::from_request(method, url) {
        if op.member.is_none() {
            op.member = member.clone();
        }
        // A POST to an AU's members without `$ref` whose body references an object (rather
        // than describing a new group) adds that object: it is not a group creation.
        if op.kind == OperationKind::CreateAuGroup && op.member.is_some() && !creates_group {
            op.kind = OperationKind::AddAuMember;
        }
        for id in [&mut op.group, &mut op.au, &mut op.member]
            .into_iter()
            .flatten()
        {
            *id = id.to_ascii_lowercase();
        }
        let guid = |v: &Option<String>| v.as_deref().is_none_or(crate::knowledge::is_guid);
        if guid(&op.group) && guid(&op.au) && guid(&op.member) {
            return Some(op);
        }
    }
    let find = |name: &str| segs.iter().position(|s| s == name);
    let guid_at = |i: usize| {
        segs.get(i)
            .filter(|s| crate::knowledge::is_guid(s))
            .cloned()
    };

    if let Some(au_i) = find("administrativeunits") {
        let au = guid_at(au_i + 1);
        let tail: Vec<&str> = segs[(au_i + 2).min(segs.len())..]
            .iter()
            .map(String::as_str)
            .collect();
        let kind = match tail.as_slice() {
            ["members", "$ref", ..] => OperationKind::AddAuMember,
            ["members"] if method == "POST" && (creates_group || member.is_none()) => {
                OperationKind::CreateAuGroup
            }
            ["members", ..] => OperationKind::AddAuMember,
            _ => {
                return au.map(|au| Operation {
                    kind: OperationKind::AddAuMember,
                    au: Some(au),
                    ..Operation::default()
                })
            }
        };
        let member = member.or_else(|| {
            tail.get(1)
                .filter(|s| crate::knowledge::is_guid(s))
                .map(|s| s.to_string())
        });
        return Some(Operation {
            kind,
            group: None,
            member,
            au,
            request: None,
        });
    }
    if let Some(g_i) = find("groups") {
        let group = guid_at(g_i + 1)?;
        let member = member.or_else(|| {
            let tail = segs.get(g_i + 2..).unwrap_or_default();
            (tail.first().map(String::as_str) == Some("members"))
                .then(|| {
                    tail.get(1)
                        .filter(|s| crate::knowledge::is_guid(s))
                        .cloned()
                })
                .flatten()
        });
        return Some(Operation {
            kind: OperationKind::AddGroupMember,
            group: Some(group),
            member,
            au: None,
            request: None,
        });
    }
    None
}

/// The operation and ids a pasted text names, for a form to pre-fill: the request line's (see
/// [`operation_of`]); failing that, the first administrative-unit or group path written anywhere
/// in it (a URL pasted without its method, or quoted inside an error message).
pub fn pasted_operation(text: &str) -> Option<Operation> {
    let observed = super::parse(text);
    observed.operation().or_else(|| {
        let lower = text.to_ascii_lowercase();
        let start = lower
            .find("administrativeunits/")
            .or_else(|| lower.find("/groups/"))?;
        let url: String = text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '`' | ',' | ')'))
            .collect();
        operation_of(&RequestLine {
            method: None,
            url: format!("/{}", url.trim_start_matches('/')),
            body: Some(text.to_string()),
        })
    })
}

/// The member id of a request body: the last GUID of the `@odata.id` URL (`$ref` body), else the
/// first of `members@odata.bind` (owners and other bindings are not members).
fn member_in_body(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    if let Some(p) = lower
        .find("\"@odata.id\"")
        .or_else(|| lower.find("@odata.id"))
    {
        let rest = &lower[p..];
        let end = rest.find(['}', '\n', ',']).unwrap_or(rest.len());
        let mut last = None;
        let mut scan = &rest[..end];
        while let Some(g) = text::first_guid(scan) {
            let Some(pos) = scan.find(&g) else { break };
            scan = &scan[pos + g.len()..];
            last = Some(g);
        }
        if last.is_some() {
            return last;
        }
    }
    let p = lower.find("members@odata.bind")?;
    let rest = &lower[p..];
    let end = rest.find(']').unwrap_or(rest.len());
    text::first_guid(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(s: &str) -> Extracted {
        Extracted::from_observed(&super::super::parse(s))
    }

    #[test]
    fn graph_envelope_and_ids() {
        let e = ex(
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2021-10-25T15:30:49","request-id":"020d2e6d-66ef-4641-b870-0d9236e05f64","client-request-id":"abc-def"}}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("Authorization_RequestDenied"));
        assert_eq!(e.status, Some(403));
        assert!(e.status_implied);
        assert_eq!(
            e.ids.request_id.as_deref(),
            Some("020d2e6d-66ef-4641-b870-0d9236e05f64")
        );
        assert_eq!(e.ids.client_request_id.as_deref(), Some("abc-def"));
        assert_eq!(e.channel, Channel::Graph);
    }

    #[test]
    fn legacy_and_double_encoded() {
        let e = ex(
            r#"{"odata.error":{"code":"Authorization_RequestDenied","message":{"lang":"en","value":"Insufficient privileges to complete the operation."}}}"#,
        );
        assert_eq!(e.form, "legacy_aad_graph_json");
        assert_eq!(
            e.message.as_deref(),
            Some("Insufficient privileges to complete the operation.")
        );
        let e = ex(
            r#""{\r\n  \"error\": {\r\n    \"code\": \"Request_BadRequest\",\r\n    \"message\": \"x\"\r\n  }\r\n}""#,
        );
        assert_eq!(e.code.as_deref(), Some("Request_BadRequest"));
    }

    #[test]
    fn cmdlet_prefixes_only() {
        assert_eq!(strip_cmdlet_prefix("New-MgGroup_CreateExpanded: x"), "x");
        assert_eq!(strip_cmdlet_prefix("Get-MgGroupMember : x"), "x");
        assert_eq!(
            strip_cmdlet_prefix("Re-authentication: required"),
            "Re-authentication: required"
        );
        assert_eq!(strip_cmdlet_prefix("Error: x"), "Error: x");
    }

    #[test]
    fn renderings() {
        let e = ex("GroupsClient.BaseClient.Post(): unexpected status 403 with OData error:\nAuthorization_RequestDenied: Insufficient privileges to complete the\noperation.");
        assert_eq!(e.status, Some(403));
        assert_eq!(e.code.as_deref(), Some("Authorization_RequestDenied"));
        assert_eq!(
            e.message.as_deref(),
            Some("Insufficient privileges to complete the operation.")
        );
        let e = ex("Get-MgGroupMember : Insufficient privileges to complete the operation. Status: 403 (Forbidden) ErrorCode: Authorization_RequestDenied Date: 2023-07-18T07:19:03 Headers: Transfer-Encoding : chunked");
        assert_eq!(e.code.as_deref(), Some("Authorization_RequestDenied"));
        assert_eq!(e.ids.date.as_deref(), Some("2023-07-18T07:19:03"));
    }

    #[test]
    fn html_inside_message_is_stripped_and_sharepoint_codes_read() {
        let e = ex(
            r#"{"error":{"code":"accessDenied","message":"<html><body><h1>Access Denied</h1><p>Contact the owner.</p></body></html>"}}"#,
        );
        assert_eq!(
            e.message.as_deref(),
            Some("Access Denied Contact the owner.")
        );
        assert_eq!(e.status, Some(403));
        let e = ex(
            r#"{"error":{"code":"ErrorAccessDenied","message":"Access to OData is disabled."}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("ErrorAccessDenied"));
        assert!(e.ids.request_id.is_none());
    }

    #[test]
    fn operations_from_urls() {
        let op = |m: &str, u: &str, b: Option<&str>| {
            operation_of(&RequestLine {
                method: Some(m.into()),
                url: u.into(),
                body: b.map(str::to_string),
            })
        };
        let g = "11111111-2222-3333-4444-555555555555";
        let m = "66666666-7777-8888-9999-000000000000";
        let o = op(
            "POST",
            &format!("https://graph.microsoft.com/v1.0/groups/{g}/members/$ref"),
            Some(&format!(
                "\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{m}\""
            )),
        )
        .expect("op");
        assert_eq!(
            (o.kind, o.group.as_deref(), o.member.as_deref()),
            (OperationKind::AddGroupMember, Some(g), Some(m))
        );
        let o = op(
            "POST",
            &format!("/v1.0/directory/administrativeUnits/{g}/members/$ref"),
            None,
        )
        .expect("op");
        assert_eq!(
            (o.kind, o.au.as_deref()),
            (OperationKind::AddAuMember, Some(g))
        );
        let o = op(
            "POST",
            &format!("/v1.0/directory/administrativeUnits/{g}/members"),
            None,
        )
        .expect("op");
        assert_eq!(o.kind, OperationKind::CreateAuGroup);
        assert!(op("GET", "https://graph.microsoft.com/v1.0/me", None).is_none());
    }

    #[test]
    fn the_neighbours_of_add_member_are_read_from_their_paths() {
        let op = |m: &str, u: &str, b: Option<&str>| {
            operation_of(&RequestLine {
                method: Some(m.into()),
                url: u.into(),
                body: b.map(str::to_string),
            })
        };
        let g = "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        let m = "11111111-2222-3333-4444-555555555555";
        let cases = [
            (
                "DELETE",
                format!("/v1.0/groups/{g}/members/{m}/$ref"),
                OperationKind::RemoveGroupMember,
            ),
            (
                "DELETE",
                format!(
                    "https://graph.microsoft.com/beta/groups/{g}/owners/{}/$ref",
                    m.to_uppercase()
                ),
                OperationKind::RemoveGroupOwner,
            ),
            (
                "DELETE",
                format!("/v1.0/directory/administrativeUnits/{g}/members/{m}/$ref"),
                OperationKind::RemoveAuMember,
            ),
        ];
        for (method, url, kind) in cases {
            let o = op(method, &url, None).expect("op");
            assert_eq!(o.kind, kind, "{url}");
            assert_eq!(o.member.as_deref(), Some(m), "{url}");
            assert_eq!(o.group.as_deref().or(o.au.as_deref()), Some(g), "{url}");
        }
        // A POST to an AU's members with a reference body (no `$ref` in the URL) adds it.
        let o = op(
            "POST",
            &format!("/v1.0/directory/administrativeUnits/{g}/members"),
            Some(&format!(
                "\"@odata.id\": \"https://graph.microsoft.com/v1.0/users/{m}\""
            )),
        )
        .expect("op");
        assert_eq!(
            (o.kind, o.au.as_deref(), o.member.as_deref()),
            (OperationKind::AddAuMember, Some(g), Some(m))
        );
        // The owner to add is in the body's @odata.id.
        let o = op(
            "POST",
            &format!("/v1.0/groups/{g}/owners/$ref"),
            Some(&format!(
                "\"@odata.id\": \"https://graph.microsoft.com/v1.0/users/{m}\""
            )),
        )
        .expect("op");
        assert_eq!(
            (o.kind, o.group.as_deref(), o.member.as_deref()),
            (OperationKind::AddGroupOwner, Some(g), Some(m))
        );
    }

    #[test]
    fn pasted_requests_name_the_target() {
        let g = "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        let m = "11111111-2222-3333-4444-555555555555";
        let t = format!("POST https://graph.microsoft.com/v1.0/groups/{}/members/$ref\n{{\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{m}\"}}\nHTTP/1.1 403 Forbidden", g.to_uppercase());
        let o = pasted_operation(&t).expect("op");
        assert_eq!(
            (o.kind, o.group.as_deref(), o.member.as_deref()),
            (OperationKind::AddGroupMember, Some(g), Some(m))
        );
        let add = pasted_operation(&format!(
            "POST /v1.0/directory/administrativeUnits/{g}/members/$ref"
        ));
        assert_eq!(add.map(|o| o.kind), Some(OperationKind::AddAuMember));
        let create = pasted_operation(&format!(
            "POST /v1.0/directory/administrativeUnits/{g}/members"
        ));
        assert_eq!(create.map(|o| o.kind), Some(OperationKind::CreateAuGroup));
        // A path without its method, quoted in a message.
        let bare = pasted_operation(&format!(
            "request to '/v1.0/groups/{g}/members/$ref' failed"
        ))
        .expect("op");
        assert_eq!(bare.group.as_deref(), Some(g));
        assert_eq!(
            pasted_operation(r#"{"error":{"code":"Authorization_RequestDenied"}}"#),
            None
        );
        assert_eq!(pasted_operation("/groups/é"), None);
        assert_eq!(pasted_operation("/groups/"), None);
    }
}
