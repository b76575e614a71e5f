//! The identity platform's token endpoint, as the simulated tenant serves it on the same host:
//! `POST /{tenant}/oauth2/v2.0/token` (client credentials with a secret or a certificate assertion;
//! the device-code grant) and `POST /{tenant}/oauth2/v2.0/devicecode`.
//!
//! Errors come in the real shape (`error`, `error_description` = `AADSTSnnnn: …\r\nTrace ID: …\r\n
//! Correlation ID: …\r\nTimestamp: …`, `error_codes`, `timestamp`, `trace_id`, `correlation_id`,
//! `error_uri`, and `suberror` / `claims` where Microsoft sends them), with texts from the corpus.
//!
//! Certificate assertions are not signature-checked (no RSA here): the header's `x5t` (or
//! `x5t#S256`) must name a thumbprint registered for the client, `iss` and `sub` must be the
//! client id, `aud` the token endpoint, and `exp` in the future.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::auth::jwt::TokenInfo;

use super::http::{strings, Reply};
use super::scenario::Client;
use super::state::{PendingSignIn, Shared};

const JSON_UTF8: &str = "application/json; charset=utf-8";
const GRAPH_RESOURCE: &str = "00000003-0000-0000-c000-000000000000";
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Where the device-code prompt sends the user.
pub const VERIFICATION_URI: &str = "https://microsoft.com/devicelogin";

fn login_json(status: u16, body: Value) -> Reply {
    Reply {
        status,
        headers: vec![
            ("Content-Type".into(), JSON_UTF8.into()),
            ("Cache-Control".into(), "no-store, no-cache".into()),
        ],
        body: Some(body),
    }
}

/// An AADSTS error in the token endpoint's JSON shape.
pub fn aadsts(
    status: u16,
    error: &str,
    code: u32,
    message: &str,
    extra: &[(&str, Value)],
) -> Reply {
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let ts = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let mut body = Map::new();
    body.insert("error".into(), json!(error));
    body.insert(
        "error_description".into(),
        json!(format!("AADSTS{code}: {message}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {ts}")),
    );
    body.insert("error_codes".into(), json!([code]));
    body.insert("timestamp".into(), json!(ts));
    body.insert("trace_id".into(), json!(trace));
    body.insert("correlation_id".into(), json!(correlation));
    body.insert(
        "error_uri".into(),
        json!(format!(
            "https://login.microsoftonline.com/error?code={code}"
        )),
    );
    for (k, v) in extra {
        body.insert((*k).to_string(), v.clone());
    }
    login_json(status, Value::Object(body))
}

fn missing(param: &str) -> Reply {
    aadsts(
        400,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{param}'."),
        &[],
    )
}

fn param<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Serves `POST /{tenant}/oauth2/v2.0/{endpoint}`.
pub fn serve(shared: &Shared, tenant: &str, endpoint: &str, form: &[(String, String)]) -> Reply {
    let scenario = &shared.scenario;
    let known_tenant = tenant.eq_ignore_ascii_case(&scenario.tenant.id)
        || ["organizations", "common"].contains(&tenant.to_ascii_lowercase().as_str())
        || scenario
            .tenant
            .verified_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(tenant));
    if !known_tenant {
        // Corpus: aadsts90002-invalid-tenant-wufb6.
        return aadsts(
            400,
            "invalid_tenant",
            90002,
            &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
            &[],
        );
    }
    match endpoint {
        "devicecode" => device_code(shared, form),
        _ => match param(form, "grant_type") {
            None => missing("grant_type"),
            Some("client_credentials") => client_credentials(shared, tenant, form),
            Some(DEVICE_CODE_GRANT) => device_code_poll(shared, form),
            Some(other) => aadsts(
                400,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
                &[],
            ),
        },
    }
}

fn find_client<'a>(shared: &'a Shared, form: &[(String, String)]) -> Result<&'a Client, Reply> {
    let Some(client_id) = param(form, "client_id") else {
        return Err(missing("client_id"));
    };
    shared
        .scenario
        .clients
        .iter()
        .find(|c| c.client_id.eq_ignore_ascii_case(client_id))
        .ok_or_else(|| {
            aadsts(
                400,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                    shared.scenario.tenant.display_name
                ),
                &[],
            )
        })
}

/// The calling client and one required parameter, or the error the endpoint answers.
fn client_with<'a>(
    shared: &'a Shared,
    form: &'a [(String, String)],
    name: &str,
) -> Result<(&'a Client, &'a str), Reply> {
    let client = find_client(shared, form)?;
    let value = param(form, name).ok_or_else(|| missing(name))?;
    Ok((client, value))
}

fn client_credentials(shared: &Shared, tenant: &str, form: &[(String, String)]) -> Reply {
    let (client, scope) = match client_with(shared, form, "scope") {
        Ok(found) => found,
        Err(r) => return r,
    };
    if !scope.split_whitespace().all(|s| s.ends_with("/.default")) {
        return aadsts(
            400,
            "invalid_scope",
            1002012,
            &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
            &[],
        );
    }
    if let Some(secret) = param(form, "client_secret") {
        if client.secret.as_deref() != Some(secret) {
            // Corpus: aadsts7000215-secret-id-agentstoolkit8621.
            return aadsts(
                401,
                "invalid_client",
                7000215,
                &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.", client.client_id),
                &[],
            );
        }
    } else if let Some(assertion) = param(form, "client_assertion") {
        if param(form, "client_assertion_type") != Some(JWT_BEARER) {
            return aadsts(
                400,
                "invalid_request",
                50027,
                &format!("Invalid client_assertion_type: it must be '{JWT_BEARER}'."),
                &[],
            );
        }
        if let Err(r) = check_assertion(client, tenant, assertion) {
            return r;
        }
    } else {
        return aadsts(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            &[],
        );
    }
    issue(shared, client, form, None)
}

/// Hex of a base64url thumbprint header value.
fn thumbprint_hex(x5t: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(x5t.trim_end_matches('=')).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02X}")).collect())
}

fn normalise_hex(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_uppercase()
}

fn check_assertion(client: &Client, tenant: &str, assertion: &str) -> Result<(), Reply> {
    let malformed = || {
        aadsts(
            401,
            "invalid_client",
            50027,
            "JWT token is invalid or malformed.",
            &[],
        )
    };
    let info = TokenInfo::decode(assertion).map_err(|_| malformed())?;
    let presented = ["x5t", "x5t#S256"]
        .iter()
        .find_map(|h| info.header.get(*h).and_then(Value::as_str))
        .and_then(thumbprint_hex)
        .ok_or_else(malformed)?;
    let registered = client.certificate_thumbprint.as_deref().map(normalise_hex);
    if registered.as_deref() != Some(presented.as_str()) {
        return Err(aadsts(
            401,
            "invalid_client",
            700027,
            &format!("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{presented}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]", client.client_id),
            &[],
        ));
    }
    let id_matches = |c: &str| {
        info.str_claim(c)
            .is_some_and(|v| v.eq_ignore_ascii_case(&client.client_id))
    };
    if !id_matches("iss") || !id_matches("sub") {
        return Err(aadsts(
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
            &[],
        ));
    }
    let aud_ok = info.audience().is_some_and(|a| {
        a.ends_with("/oauth2/v2.0/token")
            && a.to_ascii_lowercase()
                .contains(&tenant.to_ascii_lowercase())
    });
    if !aud_ok {
        return Err(aadsts(
            401,
            "invalid_client",
            700212,
            "The audience of the client assertion must be the token endpoint of this tenant (https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token).",
            &[],
        ));
    }
    let now = chrono::Utc::now().timestamp();
    match info.time_claim("exp") {
        Some(exp) if exp > now => Ok(()),
        exp => Err(aadsts(
            401,
            "invalid_client",
            700024,
            &format!(
                "Client assertion is not within its valid time range. Current time: {now}, expiry time of assertion {}.",
                exp.map(|e| e.to_string()).unwrap_or_else(|| "(none)".into())
            ),
            &[],
        )),
    }
}

/// A sign-in the scenario makes fail (`clients[].fails_with`).
fn configured_failure(
    shared: &Shared,
    client: &Client,
    form: &[(String, String)],
) -> Option<Reply> {
    let code = client.fails_with?;
    let name = client
        .display_name
        .clone()
        .unwrap_or_else(|| client.client_id.clone());
    let capolids = json!({"access_token": {"capolids": {"essential": true, "values": [uuid::Uuid::new_v4().to_string()]}}}).to_string();
    Some(match code {
        // A request that already carries the claims challenge has satisfied MFA.
        50076 if param(form, "claims").is_some() => return None,
        50076 => aadsts(
            400,
            "invalid_grant",
            50076,
            &format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{GRAPH_RESOURCE}'."),
            &[("suberror", json!("basic_action")), ("claims", json!(capolids))],
        ),
        50079 => aadsts(
            400,
            "interaction_required",
            50079,
            &format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{GRAPH_RESOURCE}'."),
            &[("claims", json!(capolids))],
        ),
        53003 => aadsts(
            400,
            "invalid_grant",
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
            &[("suberror", json!("message_only"))],
        ),
        65001 => aadsts(
            400,
            "invalid_grant",
            65001,
            &format!("The user or administrator has not consented to use the application with ID '{}' named '{name}'. Send an interactive authorization request for this user and resource.", client.client_id),
            &[("suberror", json!("consent_required"))],
        ),
        50020 => {
            let user = match shared.scenario.tokens.get(&client.issues) {
                Some(super::scenario::TokenSpec::Claims(c)) => ["upn", "preferred_username", "unique_name"]
                    .iter()
                    .find_map(|k| c.get(*k).and_then(Value::as_str))
                    .unwrap_or("user@outlook.com")
                    .to_string(),
                _ => "user@outlook.com".to_string(),
            };
            aadsts(
                400,
                "invalid_grant",
                50020,
                &format!("User account '{user}' from identity provider 'live.com' does not exist in tenant '{}' and cannot access the application '{}'({name}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account.", shared.scenario.tenant.display_name, client.client_id),
                &[],
            )
        }
        // The texts of https://learn.microsoft.com/entra/identity-platform/reference-error-codes
        // with their placeholders filled; 7000229's text and the `error` values are those of public
        // reports (Azure/azure-sdk-for-net#46762, gbwisx/msal_mobile#6,
        // ploomber/msal_streamlit_authentication#43). 7000229's 401 is the sim's choice
        // (invalid_client, as for a wrong secret).
        7000229 => aadsts(
            401,
            "invalid_client",
            7000229,
            &format!("The client application {} is missing service principal in the tenant {}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119", client.client_id, shared.scenario.tenant.id),
            &[],
        ),
        500011 => aadsts(
            400,
            "invalid_resource",
            500011,
            &format!("The resource principal named {GRAPH_RESOURCE} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", shared.scenario.tenant.display_name),
            &[],
        ),
        650057 => aadsts(
            400,
            "invalid_client",
            650057,
            &format!("Invalid resource. The client has requested access to a resource which is not listed in the requested permissions in the client's application registration. Client app ID: {}({name}). Resource value from request: {GRAPH_RESOURCE}. Resource app ID: 00000003-0000-0000-c000-000000000000. List of valid resources from app registration: .", client.client_id),
            &[],
        ),
        50057 => aadsts(
            400,
            "invalid_grant",
            50057,
            "The user account is disabled.",
            &[],
        ),
        50053 => aadsts(
            400,
            "invalid_grant",
            50053,
            "The account is locked because the user tried to sign in too many times with an incorrect user ID or password.",
            &[],
        ),
        other => {
            let meaning = crate::auth::aadsts::lookup(other)
                .map(|c| c.meaning.clone())
                .unwrap_or_else(|| "The sign-in failed.".into());
            aadsts(400, "invalid_grant", other, &meaning, &[])
        }
    })
}

fn issue(
    shared: &Shared,
    client: &Client,
    form: &[(String, String)],
    scope: Option<&str>,
) -> Reply {
    if let Some(r) = configured_failure(shared, client, form) {
        return r;
    }
    let mut extra = Map::new();
    if client.fails_with == Some(50076) {
        extra.insert("amr".into(), json!(["pwd", "mfa"]));
    }
    // A `claims` value that is not a JSON object is ignored (the sim's choice: Microsoft does not
    // document the answer).
    if let Some(claims) = param(form, "claims").and_then(requested_claims) {
        grant_claims(shared, &client.issues, &claims, &mut extra);
    }
    let Some(token) = shared.scenario.mint_with(&client.issues, &extra) else {
        return aadsts(
            500,
            "server_error",
            50000,
            "There was an error issuing a token.",
            &[],
        );
    };
    let lifetime = extra
        .get("exp")
        .and_then(Value::as_i64)
        .unwrap_or_else(|| shared.scenario.token_lifetime(&client.issues))
        .max(0);
    let mut body = Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    if let Some(s) = scope {
        body.insert("scope".into(), json!(s));
    }
    body.insert("expires_in".into(), json!(lifetime));
    body.insert("ext_expires_in".into(), json!(lifetime));
    body.insert("access_token".into(), json!(token));
    login_json(200, Value::Object(body))
}

/// The `claims` request parameter (OpenID Connect Core §5.5): JSON, or the base64 the
/// `WWW-Authenticate` challenge carries (clients should decode it; the sim accepts both).
fn requested_claims(raw: &str) -> Option<Value> {
    let raw = raw.trim();
    let parsed = serde_json::from_str::<Value>(raw).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .ok()
            .or_else(|| URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
    })?;
    parsed.is_object().then_some(parsed)
}

/// Strings of a claims request entry: `{"value": "c1"}` or `{"values": ["c1", …]}`.
fn requested_values(entry: &Value) -> Vec<String> {
    let mut out = strings(entry.get("values"));
    if let Some(v) = entry["value"].as_str() {
        out.push(v.to_string());
    }
    out
}

/// What a sign-in that answered a claims request puts in the access token (docs/facts.md §7a): the
/// user satisfied the demanded authentication context (`acrs`), the capabilities the client
/// declared (`xms_cc`), and a token freshly issued, not the cached one, so that a CAE revocation
/// (`nbf`) no longer applies (`iat` and `nbf` now).
fn grant_claims(shared: &Shared, key: &str, requested: &Value, extra: &mut Map<String, Value>) {
    let access = &requested["access_token"];
    let spec = match shared.scenario.tokens.get(key) {
        Some(super::scenario::TokenSpec::Claims(c)) => c.clone(),
        _ => Map::new(),
    };
    let union = |claim: &str, add: Vec<String>, extra: &mut Map<String, Value>| {
        if add.is_empty() {
            return;
        }
        let mut have = strings(spec.get(claim));
        for v in add {
            if !have.contains(&v) {
                have.push(v);
            }
        }
        extra.insert(claim.into(), json!(have));
    };
    union("acrs", requested_values(&access["acrs"]), extra);
    union("xms_cc", requested_values(&access["xms_cc"]), extra);
    // Time claims in `extra` are offsets from the minting moment, like the scenario's.
    extra.insert("iat".into(), json!(0));
    extra.insert("nbf".into(), json!(0));
    if spec
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|e| e <= 0)
    {
        extra.insert("exp".into(), json!(3600));
    }
}

fn device_code(shared: &Shared, form: &[(String, String)]) -> Reply {
    let (client, scope) = match client_with(shared, form, "scope") {
        Ok(found) => found,
        Err(r) => return r,
    };
    let device_code = format!("DAQABAAEAAAD{}", uuid::Uuid::new_v4().simple());
    let user_code: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(9)
        .collect::<String>()
        .to_ascii_uppercase();
    let settings = &shared.scenario.device_code;
    if let Ok(mut codes) = shared.device_codes.lock() {
        // Codes nobody finished expire like Entra's: forget them rather than grow forever.
        let now = std::time::Instant::now();
        codes.retain(|_, p| p.expires_at > now);
        codes.insert(
            device_code.clone(),
            PendingSignIn {
                client_id: client.client_id.clone(),
                scope: scope.to_string(),
                polls: 0,
                claims: param(form, "claims").map(str::to_string),
                expires_at: std::time::Instant::now()
                    + std::time::Duration::from_secs(settings.expires_in),
            },
        );
    }
    login_json(
        200,
        json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": VERIFICATION_URI,
            "expires_in": settings.expires_in,
            "interval": settings.interval,
            "message": format!("To sign in, use a web browser to open the page {VERIFICATION_URI} and enter the code {user_code} to authenticate."),
        }),
    )
}

fn device_code_poll(shared: &Shared, form: &[(String, String)]) -> Reply {
    let (client, code) = match client_with(shared, form, "device_code") {
        Ok(found) => found,
        Err(r) => return r,
    };
    if !client.public {
        return aadsts(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            &[],
        );
    }
    let pending_polls = shared.scenario.device_code.pending_polls;
    let state = {
        let Ok(mut codes) = shared.device_codes.lock() else {
            return aadsts(
                500,
                "server_error",
                50000,
                "There was an error issuing a token.",
                &[],
            );
        };
        match codes.get_mut(code) {
            // Past `expires_in`, Entra answers expired_token (AADSTS70020).
            Some(p) if p.expires_at <= std::time::Instant::now() => {
                codes.remove(code);
                Some(None)
            }
            Some(p) if p.client_id.eq_ignore_ascii_case(&client.client_id) => {
                p.polls += 1;
                if p.polls <= pending_polls {
                    None
                } else {
                    codes.remove(code).map(|p| Some((p.scope, p.claims)))
                }
            }
            _ => Some(None),
        }
    };
    match state {
        None => aadsts(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            &[],
        ),
        Some(None) => aadsts(
            400,
            "expired_token",
            70020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
            &[],
        ),
        Some(Some((scope, claims))) => {
            // The claims of the device-code request hold for the sign-in it started.
            let mut form = form.to_vec();
            if let (None, Some(c)) = (param(&form, "claims"), claims) {
                form.push(("claims".into(), c));
            }
            issue(shared, client, &form, Some(&scope))
        }
    }
}
