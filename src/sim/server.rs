//! The HTTP face of the simulated tenant (axum): every request goes through one dispatcher that
//! adds latency, counts it, authenticates Graph calls the way Graph does (401
//! `InvalidAuthenticationToken` with the real messages), injects faults (429, 503, claims
//! challenge), runs `$batch`, and puts Graph's headers on every answer (`request-id`,
//! `client-request-id`, `x-ms-ags-diagnostic`, `Date`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::auth::jwt::{JwtError, TokenInfo, TokenKind};

use super::graph;
use super::http::{Call, Caller, Reply};
use super::scenario::Scenario;
use super::state::Shared;
use crate::auth::Cloud;

/// Largest request body accepted (Graph-shaped 400 beyond it).
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// Graph's `$batch` limit (docs/facts.md §8, JSON batching).
pub const MAX_BATCH: usize = 20;

/// The `Date` header format (RFC 7231 IMF-fixdate).
fn http_date() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// `innerError.date` as Graph writes it (no zone suffix).
fn inner_date() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The one axum handler.
pub async fn dispatch(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let latency = shared.scenario.faults.latency_ms;
    if latency > 0 {
        // Simulated network latency, not test timing.
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    shared.requests.fetch_add(1, Ordering::Relaxed);

    let method = req.method().as_str().to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = headers
        .iter()
        .find(|(k, _)| k == "client-request-id")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| request_id.clone());

    let body = axum::body::to_bytes(req.into_body(), MAX_BODY).await;

    let (path, _) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query.as_str(), ""));
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();

    if let ["_sim", rest @ ..] = segments.as_slice() {
        return sim_helper(&shared, &method, rest);
    }
    let login = matches!(
        segments.as_slice(),
        [_, "oauth2", "v2.0", "token" | "devicecode"]
    );
    let reply = match segments.as_slice() {
        [tenant, "oauth2", "v2.0", endpoint @ ("token" | "devicecode")] if method == "POST" => {
            match body {
                Ok(bytes) => {
                    let form: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    super::login::serve(&shared, tenant, endpoint, &form)
                }
                Err(_) => super::login::aadsts(
                    400,
                    "invalid_request",
                    90014,
                    "The request body is too large.",
                    &[],
                ),
            }
        }
        [version, ..] if *version == "v1.0" || *version == "beta" => {
            let rest = path_and_query
                .strip_prefix(&format!("/{version}"))
                .unwrap_or_default()
                .to_string();
            match body {
                Ok(bytes) => {
                    let root = headers
                        .iter()
                        .find(|(k, _)| k == "host")
                        .map(|(_, h)| format!("http://{h}/{version}"))
                        .unwrap_or_default();
                    graph_request(&shared, &method, &rest, &root, headers, &bytes)
                }
                Err(_) => Reply::bad_request(
                    "BadRequest",
                    format!(
                        "The request body is larger than the {} MB the simulated tenant accepts.",
                        MAX_BODY / (1024 * 1024)
                    ),
                ),
            }
        }
        [] => Reply::bad_request(
            "BadRequest",
            "Invalid version: the path must start with /v1.0/.",
        ),
        [version, ..] => Reply::bad_request("BadRequest", format!("Invalid version: {version}")),
    };
    to_response(reply, &request_id, &client_request_id, login)
}

/// The simulated tenant's own helpers, outside Graph's paths: `GET /_sim/token/{key}` (the
/// scenario's token, as text, so `curl` can use it), `GET /_sim/error-file` (the error response
/// the scenario's operator "saw", for `--error-file`) and `GET /_sim/scenario` (name, summary,
/// target, expectation) and `GET /_sim/requests` (HTTP requests, `$batch` requests and Graph
/// operations served, by request).
fn sim_helper(shared: &Shared, method: &str, rest: &[&str]) -> Response {
    let text = |status: StatusCode, content_type: &str, body: String| {
        let mut r = Response::new(Body::from(body));
        *r.status_mut() = status;
        if let Ok(v) = HeaderValue::from_str(content_type) {
            r.headers_mut().insert(axum::http::header::CONTENT_TYPE, v);
        }
        r
    };
    match (method, rest) {
        ("GET", ["token", key]) => match shared.scenario.mint(key) {
            Some(t) => text(StatusCode::OK, "text/plain; charset=utf-8", t),
            None => text(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                format!("the scenario has no token '{key}'\n"),
            ),
        },
        ("GET", ["error-file"]) => match &shared.scenario.error_file {
            Some(e) => text(StatusCode::OK, "text/plain; charset=utf-8", e.clone()),
            None => text(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                "the scenario has no error file\n".into(),
            ),
        },
        ("GET", ["scenario"]) => {
            let sc = &shared.scenario;
            let body = json!({"name": sc.name, "summary": sc.summary, "tenant": sc.tenant.id,
                              "target": sc.target, "tokens": sc.tokens.keys().collect::<Vec<_>>(),
                              "error_file": sc.error_file, "expect": sc.expect});
            text(StatusCode::OK, "application/json", body.to_string())
        }
        ("GET", ["requests"]) => {
            let calls = shared
                .calls
                .lock()
                .map(|c| c.clone())
                .unwrap_or_default();
            let body = json!({
                "requests": shared.requests.load(Ordering::Relaxed),
                "batches": shared.batches.load(Ordering::Relaxed),
                "operations": calls.values().sum::<u64>(),
                "calls": calls,
            });
            text(StatusCode::OK, "application/json", body.to_string())
        }
        _ => text(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "the simulated tenant's helpers are GET /_sim/token/{key}, GET /_sim/error-file, GET /_sim/scenario and GET /_sim/requests\n"
                .into(),
        ),
    }
}

fn to_response(
    mut reply: Reply,
    request_id: &str,
    client_request_id: &str,
    login: bool,
) -> Response {
    reply.stamp(request_id, client_request_id, &inner_date());
    let body = match &reply.body {
        Some(v) => Body::from(serde_json::to_vec(v).unwrap_or_default()),
        None => Body::empty(),
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    let mut put = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
            h.append(n, v);
        }
    };
    if login {
        // The login host's own diagnostics, not Graph's.
        put("x-ms-request-id", request_id);
        put("x-ms-ests-server", "graph-doctor-sim");
    } else {
        put("request-id", request_id);
        put("client-request-id", client_request_id);
        put(
            "x-ms-ags-diagnostic",
            r#"{"ServerInfo":{"DataCenter":"Simulated","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"GRAPH-DOCTOR-SIM"}}"#,
        );
    }
    put("date", &http_date());
    put("cache-control", "no-cache");
    for (k, v) in &reply.headers {
        put(k, v);
    }
    response
}

/// Why Graph refuses a token, with its real messages (corpus README; IdentityModel IDX texts).
fn authenticate(headers: &[(String, String)], cloud: Cloud) -> Result<TokenInfo, Reply> {
    let auth = headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.trim())
        .unwrap_or_default();
    // The scheme is case-insensitive and separated by a space (RFC 6750 §2.1): `Bearer <token>`.
    let token = match auth.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => "",
    };
    let unauthorized = |message: &str| {
        Reply::error(401, "InvalidAuthenticationToken", message).with_header(
            "WWW-Authenticate",
            format!(r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="{}""#, super::rules::GRAPH_APP_ID),
        )
    };
    if token.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    let info = TokenInfo::decode(token).map_err(|e| {
        unauthorized(&match e {
            JwtError::Parts(1) | JwtError::Empty => "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.".to_string(),
            JwtError::Parts(2) => "IDX14120: JWT is not well formed, there is only one dot (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.".to_string(),
            JwtError::Parts(_) => "IDX14121: JWT is not a well formed JWE, there must be four dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.".to_string(),
            JwtError::Base64("header") | JwtError::Json("header") => "IDX14102: Unable to decode the header '[PII of type 'System.String' is hidden. For more details, see https://aka.ms/IdentityModel/PII.]' as Base64Url encoded string.".to_string(),
            JwtError::Encrypted => "Access token validation failure.".to_string(),
            _ => "IDX14101: Unable to decode the payload '[PII of type 'System.String' is hidden. For more details, see https://aka.ms/IdentityModel/PII.]' as Base64Url encoded string.".to_string(),
        })
    })?;
    // The cloud's Graph resource URI (with or without trailing slash) or Graph's app id.
    let audience_ok = info.audience().is_some_and(|a| {
        cloud
            .graph_audiences()
            .iter()
            .any(|g| g.eq_ignore_ascii_case(a))
    });
    if !audience_ok || info.kind() == TokenKind::IdToken {
        return Err(unauthorized(
            "Access token validation failure. Invalid audience.",
        ));
    }
    if info.is_personal_account() {
        // Graph's group APIs do not support personal accounts (docs/facts.md §6a); the exact message is
        // UNCONFIRMED, the generic validation failure is used.
        return Err(unauthorized("Access token validation failure."));
    }
    let now = chrono::Utc::now().timestamp();
    if info.time_claim("exp").is_none_or(|exp| exp <= now) {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    if info.time_claim("nbf").is_some_and(|nbf| nbf > now) {
        return Err(unauthorized(
            "Lifetime validation failed, the token is not yet valid.",
        ));
    }
    Ok(info)
}

/// A claims challenge, when one is configured and applies to this token (docs/facts.md §7a).
fn claims_challenge(scenario: &Scenario, info: &TokenInfo) -> Option<Reply> {
    let cc = scenario.faults.claims_challenge.as_ref()?;
    if cc.require_cp1 && !info.xms_cc().iter().any(|c| c.eq_ignore_ascii_case("cp1")) {
        return None;
    }
    // Satisfied already: an `acrs` requirement the token carries, or an `nbf` requirement (CAE:
    // "issued after the revocation") the token meets.
    let access = &cc.claims["access_token"];
    let wanted = access["acrs"]["value"].as_str();
    if wanted.is_some_and(|w| info.acrs().iter().any(|a| a == w)) {
        return None;
    }
    let not_before = access["nbf"]["value"]
        .as_str()
        .and_then(|v| v.parse::<i64>().ok());
    let issued = info.time_claim("nbf").or_else(|| info.time_claim("iat"));
    if let (Some(required), Some(issued)) = (not_before, issued) {
        if issued >= required {
            return None;
        }
    }
    let encoded = STANDARD.encode(cc.claims.to_string());
    Some(
        Reply::error(401, "InvalidAuthenticationToken", cc.message.clone()).with_header(
            "WWW-Authenticate",
            format!(r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{encoded}""#),
        ),
    )
}

/// A 429 or 503 when the scenario says this operation should get one.
fn fault(shared: &Shared) -> Option<Reply> {
    let f = &shared.scenario.faults;
    if f.throttle_first == 0 && f.unavailable_first == 0 {
        return None;
    }
    let n = shared.operations.fetch_add(1, Ordering::Relaxed);
    let throttle = u64::from(f.throttle_first);
    let reply = if n < throttle {
        // Corpus: throttle-docs-sample.
        Reply::error(429, "TooManyRequests", "Please retry again later.")
    } else if n < throttle + u64::from(f.unavailable_first) {
        Reply::error(
            503,
            "serviceNotAvailable",
            "The service is not available. Try the request again after a delay.",
        )
    } else {
        return None;
    };
    Some(match &f.retry_after {
        Some(ra) => reply.with_header("Retry-After", ra.clone()),
        None => reply,
    })
}

fn needs_content_type(method: &str) -> bool {
    matches!(method, "POST" | "PATCH" | "PUT")
}

/// Parses a JSON body; an empty body is `None`.
fn parse_body(bytes: &[u8]) -> Result<Option<Value>, Reply> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes).map(Some).map_err(|_| {
        Reply::bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    })
}

fn graph_request(
    shared: &Shared,
    method: &str,
    rest: &str,
    root: &str,
    headers: Vec<(String, String)>,
    bytes: &[u8],
) -> Reply {
    let is_batch = rest
        .split('?')
        .next()
        .is_some_and(|p| p.trim_end_matches('/') == "/$batch");
    if !is_batch {
        if let Some(r) = fault(shared) {
            return r;
        }
    }
    let cloud = shared
        .scenario
        .cloud
        .as_deref()
        .and_then(Cloud::parse)
        .unwrap_or_default();
    let info = match authenticate(&headers, cloud) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Some(r) = claims_challenge(&shared.scenario, &info) {
        return r;
    }
    let body = if needs_content_type(method) {
        let has_json = headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.to_ascii_lowercase().contains("json"));
        if !bytes.is_empty() && !has_json {
            return Reply::bad_request(
                "BadRequest",
                "Write requests (excluding DELETE) must contain the Content-Type header declaration.",
            );
        }
        match parse_body(bytes) {
            Ok(b) => b,
            Err(r) => return r,
        }
    } else {
        None
    };
    let caller = Caller::from_token(&info);
    if is_batch {
        if method != "POST" {
            return Reply::error(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request uri.",
            );
        }
        shared.batches.fetch_add(1, Ordering::Relaxed);
        return batch(shared, &caller, root, body);
    }
    count_call(shared, method, rest);
    let mut call = Call::new(method, rest);
    call.root = root.to_string();
    call.headers = headers;
    call.body = body;
    run(shared, &call, &caller)
}

fn run(shared: &Shared, call: &Call, caller: &Caller) -> Reply {
    let plain;
    let call = if shared.scenario.faults.no_advanced_queries {
        // `faults.no_advanced_queries`: the header that turns advanced queries on is ignored.
        let mut c = call.clone();
        c.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("consistencylevel"));
        plain = c;
        &plain
    } else {
        call
    };
    match shared.tenant.lock() {
        Ok(mut t) => graph::handle(&mut t, call, caller),
        Err(_) => Reply::error(
            500,
            "InternalServerError",
            "The simulated tenant's state is unavailable.",
        ),
    }
}

/// Counts one Graph operation for `GET /_sim/requests` (query percent-decoded, so a request
/// reads the same alone and inside a batch).
fn count_call(shared: &Shared, method: &str, rest: &str) {
    let decoded = url::form_urlencoded::parse(rest.replace('+', "%2B").as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    if let Ok(mut calls) = shared.calls.lock() {
        *calls
            .entry(format!("{} {decoded}", method.to_ascii_uppercase()))
            .or_default() += 1;
    }
}

fn invalid_batch(message: &str) -> Reply {
    Reply::bad_request("BadRequest", message.to_string())
}

/// `POST /$batch` (docs/facts.md §8): at most 20 requests, unique ids, `dependsOn` (424 when a
/// dependency failed), a status, headers and body per response.
fn batch(shared: &Shared, caller: &Caller, root: &str, body: Option<Value>) -> Reply {
    let Some(requests) = body
        .as_ref()
        .and_then(|b| b.get("requests"))
        .and_then(Value::as_array)
    else {
        return invalid_batch("Invalid batch payload format: a 'requests' array is required.");
    };
    if requests.len() > MAX_BATCH {
        return invalid_batch(&format!(
            "The number of requests in a batch exceeds the limit of {MAX_BATCH}: {} were sent.",
            requests.len()
        ));
    }
    let mut ids: Vec<String> = Vec::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return invalid_batch("Invalid batch payload format: every request needs an 'id'.")
            }
        };
        if ids.contains(&id) {
            return invalid_batch(&format!(
                "Batch request contains duplicate request id '{id}'."
            ));
        }
        if r.get("method").and_then(Value::as_str).is_none()
            || r.get("url").and_then(Value::as_str).is_none()
        {
            return invalid_batch(&format!(
                "Invalid batch payload format: request '{id}' needs 'method' and 'url'."
            ));
        }
        for dep in depends_on(r) {
            if !ids.contains(&dep) {
                return invalid_batch(&format!(
                    "Request '{id}' depends on '{dep}', which is not an earlier request of this batch."
                ));
            }
        }
        ids.push(id);
    }
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(requests.len());
    for (r, id) in requests.iter().zip(&ids) {
        let failed_dep = depends_on(r)
            .into_iter()
            .any(|d| statuses.get(&d).is_none_or(|s| !(200..300).contains(s)));
        let reply = if failed_dep {
            Reply::error(
                424,
                "FailedDependency",
                "The request depends on a request that failed.",
            )
        } else {
            inner_request(shared, caller, root, r)
        };
        statuses.insert(id.clone(), reply.status);
        let mut reply = reply;
        let rid = uuid::Uuid::new_v4().to_string();
        reply.stamp(&rid, &rid, &inner_date());
        let mut headers = serde_json::Map::new();
        for (k, v) in &reply.headers {
            headers.insert(k.clone(), json!(v));
        }
        let mut entry = serde_json::Map::new();
        entry.insert("id".into(), json!(id));
        entry.insert("status".into(), json!(reply.status));
        entry.insert("headers".into(), Value::Object(headers));
        if let Some(b) = reply.body {
            entry.insert("body".into(), b);
        }
        responses.push(Value::Object(entry));
    }
    Reply::ok(json!({"responses": responses}))
}

fn depends_on(r: &Value) -> Vec<String> {
    match r.get("dependsOn") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|d| match d {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn inner_request(shared: &Shared, caller: &Caller, root: &str, r: &Value) -> Reply {
    if let Some(f) = fault(shared) {
        return f;
    }
    let method = r.get("method").and_then(Value::as_str).unwrap_or("GET");
    let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
    let relative = url
        .strip_prefix("https://graph.microsoft.com")
        .unwrap_or(url);
    let relative = relative.trim_start_matches('/');
    let relative = relative
        .strip_prefix("v1.0/")
        .or_else(|| relative.strip_prefix("beta/"))
        .unwrap_or(relative);
    count_call(shared, method, &format!("/{relative}"));
    let mut call = Call::new(method, relative);
    call.root = root.to_string();
    if let Some(Value::Object(h)) = r.get("headers") {
        call.headers = h
            .iter()
            .map(|(k, v)| {
                (
                    k.to_ascii_lowercase(),
                    v.as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
    }
    if let Some(b) = r.get("body") {
        if call.header("content-type").is_none() {
            return Reply::bad_request(
                "BadRequest",
                "Write requests (excluding DELETE) must contain the Content-Type header declaration.",
            );
        }
        call.body = Some(b.clone());
    }
    if call.segments.first().is_some_and(|s| s == "$batch") {
        return invalid_batch("A batch cannot contain another batch.");
    }
    run(shared, &call, caller)
}
