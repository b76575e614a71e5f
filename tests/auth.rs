//! Sign-in, clouds and secrets, end to end: every flow against a token endpoint on loopback
//! (a strict stand-in written here, and the simulated tenant's), every classified AADSTS error,
//! foreign hosts refused before any connection, and no output ever holding a token or secret.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{Path as AxPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use graph_doctor::auth::flows::{classify, sign_in};
use graph_doctor::auth::sources::DEFAULT_PUBLIC_CLIENT_ID;
use graph_doctor::auth::sources::{DeviceCodePrompt, SignInConfig, SignInError};
use graph_doctor::auth::Cloud;
use graph_doctor::cli::SignIn;
use graph_doctor::report::CheckId;
use graph_doctor::secret::Secret;

const FIXTURE: &str = include_str!("../assets/auth/test-fixtures/throwaway-client.pem");
const GOOD_SECRET: &str = "s3cr3t~value-NOT-the-id";
const TENANT: &str = "contoso.onmicrosoft.com";

// ---------------------------------------------------------------------------------------------
// A strict token endpoint on loopback. Each client id behaves as one documented failure, so every
// AADSTS code is exercised through the real HTTP path.
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Seen {
    /// Every form posted, with the path it was posted to.
    forms: Vec<(String, HashMap<String, String>)>,
    /// How many times each device code was polled.
    polls: HashMap<String, u32>,
}

#[derive(Clone)]
struct Fake {
    seen: Arc<Mutex<Seen>>,
    base: String,
    /// Where the `redirect` tenant sends its callers.
    redirect_to: String,
}

/// The token every success issues: a minted JWT whose signature segment is distinctive, so any
/// leak of it into output is found by a plain substring search.
fn issued_token(client_id: &str) -> String {
    let body = graph_doctor::auth::jwt::mint(&json!({
        "aud": "https://graph.microsoft.com", "tid": "11111111-1111-1111-1111-111111111111",
        "appid": client_id, "roles": ["GroupMember.ReadWrite.All"], "idtyp": "app",
        "exp": 4_000_000_000u64, "nbf": 1_600_000_000u64, "ver": "1.0"
    }));
    let (head, _) = body.rsplit_once('.').unwrap_or((&body, ""));
    format!("{head}.{}", signature_of(client_id))
}

fn signature_of(client_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("LEAK-CANARY-signature-for-{client_id}-0123456789"))
}

fn aadsts(status: StatusCode, error: &str, code: u32, text: &str, extra: Value) -> Response {
    let mut body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: 0d1f\r\nCorrelation ID: corr-{code}\r\nTimestamp: 2025-01-01 00:00:00Z"),
        "error_codes": [code],
        "timestamp": "2025-01-01 00:00:00Z",
        "trace_id": "0d1f",
        "correlation_id": format!("corr-{code}"),
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    (status, Json(body)).into_response()
}

/// The error a client id stands for, if any (the same for every grant).
fn failure_for(client_id: &str, form: &HashMap<String, String>) -> Option<Response> {
    let bad = StatusCode::BAD_REQUEST;
    let ca_claims = r#"{"access_token":{"capolids":{"essential":true,"values":["5b1c3a8e-0000-4000-8000-000000000001"]}}}"#;
    Some(match client_id {
        "unknown-app" => aadsts(bad, "unauthorized_client", 700016, "Application with identifier 'unknown-app' was not found in the directory 'Contoso'.", json!({})),
        "mfa-app" if !form.contains_key("claims") => aadsts(bad, "invalid_grant", 50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.", json!({"suberror": "basic_action", "claims": ca_claims})),
        "enroll-app" => aadsts(bad, "interaction_required", 50079, "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication.", json!({"claims": ca_claims})),
        "blocked-app" => aadsts(bad, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", json!({"suberror": "message_only"})),
        "consent-app" => aadsts(bad, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID 'consent-app' named 'Failing App'. Send an interactive authorization request for this user and resource.", json!({"suberror": "consent_required"})),
        "guest-app" => aadsts(bad, "invalid_request", 50020, "User account 'ada@outlook.com' from identity provider 'live.com' does not exist in tenant 'Contoso' and cannot access the application.", json!({})),
        _ => return None,
    })
}

fn parse_form(body: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

async fn token(State(fake): State<Fake>, AxPath(tenant): AxPath<String>, body: String) -> Response {
    let form = parse_form(&body);
    fake.seen
        .lock()
        .expect("lock")
        .forms
        .push((format!("/{tenant}/oauth2/v2.0/token"), form.clone()));
    if tenant == "redirect" {
        return (
            StatusCode::TEMPORARY_REDIRECT,
            [("location", fake.redirect_to.clone())],
        )
            .into_response();
    }
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    let grant = form.get("grant_type").map(String::as_str).unwrap_or("");
    match grant {
        "client_credentials" => {
            if form.get("scope").map(String::as_str) != Some("https://graph.microsoft.com/.default")
            {
                return aadsts(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    70011,
                    "The provided value for the input parameter 'scope' is not valid.",
                    json!({}),
                );
            }
            if let Some(r) = failure_for(&client_id, &form) {
                return r;
            }
            let ok = match (form.get("client_secret"), form.get("client_assertion")) {
                (Some(s), None) => s == GOOD_SECRET,
                (None, Some(a)) => {
                    form.get("client_assertion_type").map(String::as_str)
                        == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                        && assertion_is_valid(
                            a,
                            &client_id,
                            &format!("{}/{tenant}/oauth2/v2.0/token", fake.base),
                        )
                }
                _ => false,
            };
            if !ok {
                return aadsts(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."), json!({}));
            }
            token_answer(&client_id)
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let code = form.get("device_code").cloned().unwrap_or_default();
            let polls = {
                let mut seen = fake.seen.lock().expect("lock");
                let n = seen.polls.entry(code.clone()).or_default();
                *n += 1;
                *n
            };
            if !code.starts_with("device-code-") {
                return aadsts(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    70000,
                    "The provided value for the 'device_code' is not valid.",
                    json!({}),
                );
            }
            // The user takes one poll to finish signing in.
            if polls < 2 {
                return aadsts(
                    StatusCode::BAD_REQUEST,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                    json!({}),
                );
            }
            if client_id == "slow-user" {
                return aadsts(
                    StatusCode::BAD_REQUEST,
                    "expired_token",
                    70020,
                    "The provided value for the 'device_code' is expired.",
                    json!({}),
                );
            }
            if let Some(r) = failure_for(&client_id, &form) {
                return r;
            }
            token_answer(&client_id)
        }
        _ => aadsts(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
            json!({}),
        ),
    }
}

fn token_answer(client_id: &str) -> Response {
    Json(json!({
        "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
        "access_token": issued_token(client_id),
        "refresh_token": "0.REFRESH-CANARY-should-never-be-read",
    }))
    .into_response()
}

async fn devicecode(
    State(fake): State<Fake>,
    AxPath(tenant): AxPath<String>,
    body: String,
) -> Response {
    let form = parse_form(&body);
    fake.seen
        .lock()
        .expect("lock")
        .forms
        .push((format!("/{tenant}/oauth2/v2.0/devicecode"), form.clone()));
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    Json(json!({
        "user_code": "GDTEST42",
        "device_code": format!("device-code-{}", uuid::Uuid::new_v4()),
        "verification_uri": "https://microsoft.com/devicelogin",
        "expires_in": 900,
        "interval": 0,
        "message": format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code GDTEST42 to authenticate ({client_id})."),
    }))
    .into_response()
}

/// Verifies a client assertion as Entra does: RS256 over header.payload with the certificate the
/// `x5t` names, `aud` the token endpoint, `iss` = `sub` = client id, a short lifetime.
fn assertion_is_valid(assertion: &str, client_id: &str, audience: &str) -> bool {
    use rustls_pki_types::pem::PemObject;
    let Ok(cert) = rustls_pki_types::CertificateDer::from_pem_slice(FIXTURE.as_bytes()) else {
        return false;
    };
    let Ok(ee) = webpki::EndEntityCert::try_from(&cert) else {
        return false;
    };
    let Some((signed, sig)) = assertion.rsplit_once('.') else {
        return false;
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    if ee
        .verify_signature(
            webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &sig,
        )
        .is_err()
    {
        return false;
    }
    let Ok(info) = graph_doctor::auth::TokenInfo::decode(assertion) else {
        return false;
    };
    let thumb = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert.as_ref());
    let (nbf, exp) = (info.claims["nbf"].as_i64(), info.claims["exp"].as_i64());
    info.header["x5t"] == URL_SAFE_NO_PAD.encode(thumb.as_ref())
        && info.header["alg"] == "RS256"
        && info.claims["aud"] == audience
        && info.claims["iss"] == client_id
        && info.claims["sub"] == client_id
        && info.claims["jti"].is_string()
        && matches!((nbf, exp), (Some(n), Some(e)) if e > n && e - n <= 600)
}

/// A fake Graph that answers every request 403 and remembers the bearer tokens it was sent.
async fn graph(State(seen): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap) -> Response {
    if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        seen.lock().expect("lock").push(auth.to_string());
    }
    (
        StatusCode::FORBIDDEN,
        Json(json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation.",
            "innerError": {"date": "2025-01-01T00:00:00", "request-id": "r", "client-request-id": "c"}}})),
    )
        .into_response()
}

struct Servers {
    login: String,
    graph: String,
    seen: Arc<Mutex<Seen>>,
    graph_seen: Arc<Mutex<Vec<String>>>,
    /// A listener nothing should ever connect to (the redirect target).
    trap: StdListener,
}

async fn start() -> Servers {
    let trap = StdListener::bind("127.0.0.1:0").expect("bind trap");
    trap.set_nonblocking(true).expect("nonblocking");
    let trap_addr = trap.local_addr().expect("addr");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let base = format!("http://{addr}");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let fake = Fake {
        seen: seen.clone(),
        base: base.clone(),
        redirect_to: format!("http://{trap_addr}/stolen"),
    };
    let app = Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
        .with_state(fake);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let glistener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let gaddr = glistener.local_addr().expect("addr");
    let graph_seen = Arc::new(Mutex::new(Vec::new()));
    let gapp = Router::new()
        .fallback(any(graph))
        .with_state(graph_seen.clone());
    tokio::spawn(async move {
        let _ = axum::serve(glistener, gapp).await;
    });
    Servers {
        login: base,
        graph: format!("http://{gaddr}"),
        seen,
        graph_seen,
        trap,
    }
}

fn no_connection(listener: &StdListener) -> bool {
    matches!(listener.accept(), Err(e) if e.kind() == ErrorKind::WouldBlock)
}

fn cfg(s: &Servers, client_id: &str) -> SignInConfig {
    SignInConfig {
        login_url: Some(s.login.clone()),
        tenant: Some(TENANT.into()),
        client_id: Some(client_id.into()),
        ..Default::default()
    }
}

fn secret_cfg(s: &Servers, client_id: &str, secret: &str) -> SignInConfig {
    SignInConfig {
        client_secret: Some(Secret::new(secret)),
        ..cfg(s, client_id)
    }
}

fn cert_cfg(s: &Servers, client_id: &str) -> SignInConfig {
    SignInConfig {
        certificate: Some(fixture_path()),
        ..cfg(s, client_id)
    }
}

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/auth/test-fixtures/throwaway-client.pem")
}

fn no_prompt(_: DeviceCodePrompt) {}

fn endpoint_error(
    r: Result<Secret, SignInError>,
) -> graph_doctor::auth::aadsts::TokenEndpointError {
    match r {
        Err(SignInError::TokenEndpoint(e)) => *e,
        Err(other) => panic!("expected a token endpoint error, got {other}"),
        Ok(_) => panic!("expected a token endpoint error, got a token"),
    }
}

// ---------------------------------------------------------------------------------------------
// The flows
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn client_secret_flow_gets_an_app_token() {
    let s = start().await;
    let token = sign_in(
        SignIn::ClientSecret,
        &secret_cfg(&s, "good-app", GOOD_SECRET),
        no_prompt,
    )
    .await
    .expect("token");
    assert_eq!(token.expose(), issued_token("good-app"));
    let seen = s.seen.lock().expect("lock");
    let (path, form) = &seen.forms[0];
    assert_eq!(path, &format!("/{TENANT}/oauth2/v2.0/token"));
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["scope"], "https://graph.microsoft.com/.default");
    assert!(!form.contains_key("claims"));
}

#[tokio::test]
async fn client_certificate_flow_sends_a_verifiable_assertion() {
    let s = start().await;
    let token = sign_in(
        SignIn::ClientCertificate,
        &cert_cfg(&s, "cert-app"),
        no_prompt,
    )
    .await
    .expect("token");
    assert_eq!(token.expose(), issued_token("cert-app"));
    let seen = s.seen.lock().expect("lock");
    let form = &seen.forms[0].1;
    assert!(!form.contains_key("client_secret"));
    assert!(form.contains_key("client_assertion"));
}

#[tokio::test]
async fn device_code_flow_prompts_once_and_polls_until_signed_in() {
    let s = start().await;
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let p = prompts.clone();
    // No --client-id: AZURE_CLIENT_ID if this test's environment has one, else the default public
    // client.
    let cfg = SignInConfig {
        client_id: None,
        ..cfg(&s, "ignored")
    };
    let client_id = cfg.resolved_client_id();
    if std::env::var_os("AZURE_CLIENT_ID").is_none() {
        assert_eq!(client_id, DEFAULT_PUBLIC_CLIENT_ID);
    }
    let token = sign_in(SignIn::DeviceCode, &cfg, move |prompt| {
        p.lock().expect("lock").push(prompt)
    })
    .await
    .expect("token");
    assert_eq!(token.expose(), issued_token(&client_id));
    let prompts = prompts.lock().expect("lock");
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].user_code, "GDTEST42");
    assert_eq!(
        prompts[0].verification_uri,
        "https://microsoft.com/devicelogin"
    );
    let seen = s.seen.lock().expect("lock");
    let (path, form) = &seen.forms[0];
    assert!(path.ends_with("/oauth2/v2.0/devicecode"));
    assert_eq!(form["client_id"], client_id);
    assert_eq!(form["scope"], "https://graph.microsoft.com/.default");
    // One authorization_pending, then the token: two polls.
    assert_eq!(seen.forms.len(), 3);
}

#[tokio::test]
async fn reader_device_code_asks_for_the_evidence_scopes() {
    let s = start().await;
    let cfg = cfg(&s, "reader-app").for_reader(SignIn::DeviceCode);
    sign_in(SignIn::DeviceCode, &cfg, no_prompt)
        .await
        .expect("token");
    let seen = s.seen.lock().expect("lock");
    assert_eq!(
        seen.forms[0].1["scope"],
        "https://graph.microsoft.com/Directory.Read.All https://graph.microsoft.com/RoleManagement.Read.Directory https://graph.microsoft.com/RoleEligibilitySchedule.Read.Directory https://graph.microsoft.com/PrivilegedEligibilitySchedule.Read.AzureADGroup"
    );
}

#[tokio::test]
async fn an_expired_device_code_is_reported() {
    let s = start().await;
    let e = endpoint_error(sign_in(SignIn::DeviceCode, &cfg(&s, "slow-user"), no_prompt).await);
    assert_eq!(e.codes, vec![70020]);
    assert!(SignInError::TokenEndpoint(Box::new(e))
        .to_string()
        .contains("ExpiredDeviceCode"));
}

// ---------------------------------------------------------------------------------------------
// Every classified token-endpoint error, through the real HTTP path
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_secret_is_aadsts7000215() {
    let s = start().await;
    let cfg = secret_cfg(&s, "good-app", "the-secret-ID-not-its-value");
    let e = endpoint_error(sign_in(SignIn::ClientSecret, &cfg, no_prompt).await);
    let c = classify(&e, &cfg);
    assert_eq!(c.headline, "AADSTS7000215 InvalidClientSecret");
    assert!(c.fix.contains("Value, not its Secret ID"));
    let line = SignInError::TokenEndpoint(Box::new(e)).to_string();
    assert!(!line.contains('\n'));
    assert!(!line.contains("the-secret-ID-not-its-value"));
}

#[tokio::test]
async fn app_not_in_tenant_is_aadsts700016() {
    let s = start().await;
    let cfg = secret_cfg(&s, "unknown-app", GOOD_SECRET);
    let e = endpoint_error(sign_in(SignIn::ClientSecret, &cfg, no_prompt).await);
    assert_eq!(
        classify(&e, &cfg).headline,
        "AADSTS700016 UnauthorizedClient_DoesNotMatchRequest"
    );
}

#[tokio::test]
async fn consent_missing_is_aadsts65001_with_the_admin_consent_url() {
    let s = start().await;
    let cfg = cfg(&s, "consent-app");
    let e = endpoint_error(sign_in(SignIn::DeviceCode, &cfg, no_prompt).await);
    let c = classify(&e, &cfg);
    assert_eq!(c.check, Some(CheckId::AuthConsent));
    assert_eq!(
        c.admin_consent_url.as_deref(),
        Some(format!("{}/{TENANT}/adminconsent?client_id=consent-app", s.login).as_str())
    );
}

#[tokio::test]
async fn personal_or_guest_account_is_aadsts50020() {
    let s = start().await;
    let cfg = cfg(&s, "guest-app");
    let e = endpoint_error(sign_in(SignIn::DeviceCode, &cfg, no_prompt).await);
    assert_eq!(classify(&e, &cfg).check, Some(CheckId::TokenAccount));
}

#[tokio::test]
async fn conditional_access_errors_carry_their_claims() {
    let s = start().await;
    for (client, code) in [
        ("mfa-app", 50076),
        ("enroll-app", 50079),
        ("blocked-app", 53003),
    ] {
        let cfg = cfg(&s, client);
        let e = endpoint_error(sign_in(SignIn::DeviceCode, &cfg, no_prompt).await);
        assert_eq!(e.codes, vec![code]);
        let c = classify(&e, &cfg);
        assert_eq!(c.check, Some(CheckId::CaClaims), "{client}");
        if code != 53003 {
            assert!(
                c.claims.as_deref().is_some_and(|j| j.contains("capolids")),
                "{client}"
            );
        }
        assert_eq!(
            c.correlation_id.as_deref(),
            Some(format!("corr-{code}").as_str())
        );
    }
}

#[tokio::test]
async fn a_claims_challenge_is_answered_by_signing_in_again_with_claims() {
    let s = start().await;
    let first = cfg(&s, "mfa-app");
    let e = endpoint_error(sign_in(SignIn::DeviceCode, &first, no_prompt).await);
    let claims = classify(&e, &first).claims.expect("claims");
    // The same answer to a Graph WWW-Authenticate challenge, given in its base64 form.
    let b64 = base64::engine::general_purpose::STANDARD.encode(&claims);
    let again = first.with_claims_challenge(&b64).expect("valid claims");
    let token = sign_in(SignIn::DeviceCode, &again, no_prompt)
        .await
        .expect("token");
    assert_eq!(token.expose(), issued_token("mfa-app"));
    {
        let seen = s.seen.lock().expect("lock");
        let with_claims: Vec<_> = seen
            .forms
            .iter()
            .filter(|(_, f)| f.contains_key("claims"))
            .collect();
        assert!(!with_claims.is_empty());
        assert!(with_claims.iter().all(|(_, f)| f["claims"] == claims));
    }
    // Client credentials pass the claims too.
    let app = SignInConfig {
        claims: Some(claims.clone()),
        ..secret_cfg(&s, "good-app", GOOD_SECRET)
    };
    sign_in(SignIn::ClientSecret, &app, no_prompt)
        .await
        .expect("token");
    let seen = s.seen.lock().expect("lock");
    assert_eq!(
        seen.forms.last().map(|(_, f)| f["claims"].clone()),
        Some(claims)
    );
}

// ---------------------------------------------------------------------------------------------
// Hosts: allow-listed before any connection, redirects never followed
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_redirecting_token_endpoint_is_not_followed() {
    let s = start().await;
    let cfg = SignInConfig {
        tenant: Some("redirect".into()),
        ..secret_cfg(&s, "good-app", GOOD_SECRET)
    };
    let e = sign_in(SignIn::ClientSecret, &cfg, no_prompt)
        .await
        .expect_err("refused");
    assert!(
        matches!(e, SignInError::Transport(ref m) if m.contains("redirect")),
        "{e}"
    );
    assert!(no_connection(&s.trap), "the redirect was followed");
}

#[tokio::test]
async fn foreign_and_plain_http_login_hosts_are_refused_before_connecting() {
    let trap = StdListener::bind("127.0.0.1:0").expect("bind");
    trap.set_nonblocking(true).expect("nonblocking");
    let port = trap.local_addr().expect("addr").port();
    for login in [
        "https://evil.example".to_string(),
        format!("http://0.0.0.0:{port}"),
        format!("http://[::ffff:127.0.0.1]:{port}"),
        "https://login.microsoftonline.us".to_string(),
    ] {
        for method in [
            SignIn::ClientSecret,
            SignIn::ClientCertificate,
            SignIn::DeviceCode,
        ] {
            let cfg = SignInConfig {
                login_url: Some(login.clone()),
                tenant: Some(TENANT.into()),
                client_id: Some("good-app".into()),
                client_secret: Some(Secret::new(GOOD_SECRET)),
                certificate: Some(fixture_path()),
                ..Default::default()
            };
            let e = sign_in(method, &cfg, no_prompt).await.expect_err(&login);
            assert!(matches!(e, SignInError::Setup(_)), "{login}: {e}");
        }
    }
    assert!(no_connection(&trap));
}

#[test]
fn national_clouds_use_their_own_login_and_graph_hosts() {
    let table = [
        (
            "global",
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
        ),
        (
            "usgov",
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us",
        ),
        (
            "usgov-dod",
            "https://login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
        ),
        (
            "china",
            "https://login.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn",
        ),
    ];
    for (name, login, graph) in table {
        let cloud = Cloud::parse(name).expect("cloud");
        let cfg = SignInConfig {
            cloud,
            ..Default::default()
        };
        assert_eq!(cfg.login_base(), login);
        assert_eq!(cfg.scope_string(), format!("{graph}/.default"));
        assert!(graph_doctor::auth::flows::admin_consent_url(&cfg, "t", "c").starts_with(login));
    }
}

// ---------------------------------------------------------------------------------------------
// The real binary: exit 2 before any connection, and no secret in anything it writes
// ---------------------------------------------------------------------------------------------

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn run(args: &[&str], env: &[(&str, &str)], path: Option<&Path>) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"));
    cmd.args(args)
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_CLIENT_CERTIFICATE_PATH")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .expect("the binary finished")
        .expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("graph-doctor-auth-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn assert_refused(r: &Run, what: &str) {
    assert_eq!(r.code, 2, "{what}: stderr {}", r.stderr);
    assert!(r.stdout.is_empty(), "{what}: no report on refusal");
    assert_eq!(
        r.stderr.trim_end().lines().count(),
        1,
        "{what}: one line: {}",
        r.stderr
    );
}

#[tokio::test]
async fn foreign_graph_urls_exit_2_before_any_connection() {
    let dir = temp_dir("foreign");
    let token_file = dir.join("token");
    std::fs::write(&token_file, issued_token("file-app")).expect("write");
    let trap = StdListener::bind("127.0.0.1:0").expect("bind");
    trap.set_nonblocking(true).expect("nonblocking");
    let port = trap.local_addr().expect("addr").port();
    let tf = token_file.to_string_lossy().to_string();
    for url in [
        "https://evil.example".to_string(),
        format!("http://0.0.0.0:{port}"),
        format!("http://[::ffff:127.0.0.1]:{port}"),
        format!("https://graph.microsoft.com.evil.example:{port}"),
        "http://graph.microsoft.com".to_string(),
    ] {
        let r = run(
            &["check", "--graph-url", &url, "--token-file", &tf],
            &[],
            None,
        )
        .await;
        assert_refused(&r, &url);
        assert!(!r.stderr.contains("LEAK-CANARY"));
    }
    // A cloud's Graph host is refused under another cloud.
    let r = run(
        &[
            "check",
            "--cloud",
            "china",
            "--graph-url",
            "https://graph.microsoft.com",
            "--token-file",
            &tf,
        ],
        &[],
        None,
    )
    .await;
    assert_refused(&r, "global graph under china");
    assert!(no_connection(&trap), "a refused URL was contacted");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn foreign_login_urls_exit_2_before_any_connection() {
    let trap = StdListener::bind("127.0.0.1:0").expect("bind");
    trap.set_nonblocking(true).expect("nonblocking");
    let port = trap.local_addr().expect("addr").port();
    for url in [
        "https://evil.example".to_string(),
        format!("http://0.0.0.0:{port}"),
    ] {
        let r = run(
            &[
                "check",
                "--sign-in",
                "client-secret",
                "--login-url",
                &url,
                "--tenant",
                TENANT,
                "--client-id",
                "good-app",
                "--graph-url",
                &format!("http://127.0.0.1:{port}"),
            ],
            &[("AZURE_CLIENT_SECRET", GOOD_SECRET)],
            None,
        )
        .await;
        assert_refused(&r, &url);
        assert!(
            r.stderr.starts_with("graph-doctor: --sign-in: --login-url"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains(GOOD_SECRET));
    }
    assert!(no_connection(&trap));
}

#[tokio::test]
async fn sign_in_setup_errors_are_one_line() {
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "check",
                "--sign-in",
                "client-secret",
                "--tenant",
                TENANT,
                "--client-id",
                "a",
            ],
            "AZURE_CLIENT_SECRET",
        ),
        (
            &["check", "--sign-in", "client-secret", "--client-id", "a"],
            "--tenant",
        ),
        (
            &[
                "check",
                "--sign-in",
                "client-certificate",
                "--tenant",
                TENANT,
                "--client-id",
                "a",
            ],
            "--certificate",
        ),
        (
            &["check", "--sign-in", "device-code", "--token-file", "x"],
            "not both",
        ),
    ];
    for (args, needle) in cases {
        let r = run(args, &[], None).await;
        assert_refused(&r, needle);
        assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
    }
}

/// Every place the binary writes, for one run.
fn outputs(r: &Run, log: &Path) -> Vec<(String, String)> {
    vec![
        ("stdout".into(), r.stdout.clone()),
        ("stderr".into(), r.stderr.clone()),
        (
            "log file".into(),
            std::fs::read_to_string(log).unwrap_or_default(),
        ),
    ]
}

fn assert_no_secret(outputs: &[(String, String)], secrets: &[&str], what: &str) {
    for (name, text) in outputs {
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{what}: {name} contains a secret ({} chars)",
                secret.len()
            );
        }
        assert!(
            !text.contains("LEAK-CANARY"),
            "{what}: {name} contains a token signature"
        );
        assert!(
            !text.contains("REFRESH-CANARY"),
            "{what}: {name} contains a refresh token"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_never_writes_a_token_or_secret_anywhere() {
    let s = start().await;
    let dir = temp_dir("noleak");
    let log = dir.join("graph-doctor.log");
    let log_s = log.to_string_lossy().to_string();
    let token = issued_token("file-app");
    let signature = signature_of("file-app");
    let token_file = dir.join("token");
    std::fs::write(&token_file, &token).expect("write");
    let tf = token_file.to_string_lossy().to_string();
    let secret_token = issued_token("good-app");
    let secret_sig = signature_of("good-app");
    let env = [
        ("GRAPH_DOCTOR_LOG", log_s.as_str()),
        ("RUST_LOG", "trace"),
        ("AZURE_CLIENT_SECRET", GOOD_SECRET),
    ];
    for format in ["json", "markdown", "text"] {
        // A token from a file…
        let r = run(
            &[
                "check",
                "--format",
                format,
                "--graph-url",
                &s.graph,
                "--token-file",
                &tf,
                "--reader-token-file",
                &tf,
            ],
            &env,
            None,
        )
        .await;
        assert_ne!(r.code, 2, "{format}: {}", r.stderr);
        assert_no_secret(
            &outputs(&r, &log),
            &[&token, &signature, GOOD_SECRET],
            format,
        );
        // …and one obtained by signing in with a client secret.
        let r = run(
            &[
                "check",
                "--format",
                format,
                "--graph-url",
                &s.graph,
                "--sign-in",
                "client-secret",
                "--login-url",
                &s.login,
                "--tenant",
                TENANT,
                "--client-id",
                "good-app",
            ],
            &env,
            None,
        )
        .await;
        assert_ne!(r.code, 2, "{format}: {}", r.stderr);
        assert_no_secret(
            &outputs(&r, &log),
            &[&secret_token, &secret_sig, GOOD_SECRET],
            format,
        );
    }
    // A failed sign-in: the one-line error names the code, never the secret sent.
    let r = run(
        &[
            "check",
            "--graph-url",
            &s.graph,
            "--sign-in",
            "client-secret",
            "--login-url",
            &s.login,
            "--tenant",
            TENANT,
            "--client-id",
            "good-app",
        ],
        &[
            ("AZURE_CLIENT_SECRET", "wrong-secret-value"),
            ("RUST_LOG", "trace"),
            ("GRAPH_DOCTOR_LOG", &log_s),
        ],
        None,
    )
    .await;
    assert_eq!(r.code, 2);
    let last = r.stderr.trim_end().lines().last().unwrap_or_default();
    assert!(last.starts_with("graph-doctor: --sign-in: sign-in refused by the token endpoint: AADSTS7000215 InvalidClientSecret"), "{last}");
    assert!(
        r.stderr.contains("correlation id corr-7000215"),
        "{}",
        r.stderr
    );
    assert_no_secret(
        &outputs(&r, &log),
        &["wrong-secret-value"],
        "failed sign-in",
    );
    // Whatever Graph was sent was the signed-in token, and nothing else went there.
    for auth in s.graph_seen.lock().expect("lock").iter() {
        assert!(auth == &format!("Bearer {token}") || auth == &format!("Bearer {secret_token}"));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
fn fake_az(dir: &Path, script_body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let az = dir.join("az");
    std::fs::write(&az, format!("#!/bin/sh\n{script_body}\n")).expect("write az");
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_cli_flow_reads_az_json_and_keeps_it_secret() {
    let s = start().await;
    let dir = temp_dir("az");
    let token = issued_token("az-app");
    let args_file = dir.join("args");
    fake_az(
        &dir,
        &format!(
            "echo \"$@\" > '{}'\nprintf '%s\\n' '{{\"accessToken\": \"{token}\", \"expiresOn\": \"2030-01-01 00:00:00.000000\", \"expires_on\": 1893456000, \"subscription\": \"s\", \"tenant\": \"t\", \"tokenType\": \"Bearer\"}}'",
            args_file.display()
        ),
    );
    let log = dir.join("log");
    let log_s = log.to_string_lossy().to_string();
    for format in ["json", "markdown", "text"] {
        let r = run(
            &[
                "check",
                "--format",
                format,
                "--graph-url",
                &s.graph,
                "--sign-in",
                "azure-cli",
                "--tenant",
                TENANT,
            ],
            &[("RUST_LOG", "trace"), ("GRAPH_DOCTOR_LOG", &log_s)],
            Some(&dir),
        )
        .await;
        assert_ne!(r.code, 2, "{}", r.stderr);
        assert_no_secret(
            &outputs(&r, &log),
            &[&token, &signature_of("az-app")],
            format,
        );
    }
    let args = std::fs::read_to_string(&args_file).expect("az was run");
    assert_eq!(
        args.trim(),
        format!(
            "account get-access-token --resource-type ms-graph --output json --tenant {TENANT}"
        )
    );

    // az signed in to another cloud: explained, exit 2.
    let r = run(
        &[
            "check",
            "--cloud",
            "usgov",
            "--graph-url",
            &s.graph,
            "--sign-in",
            "azure-cli",
        ],
        &[],
        Some(&dir),
    )
    .await;
    assert_refused(&r, "other cloud");
    assert!(
        r.stderr.contains("az cloud set --name AzureUSGovernment"),
        "{}",
        r.stderr
    );

    // az not logged in.
    fake_az(
        &dir,
        "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1",
    );
    let r = run(
        &["check", "--graph-url", &s.graph, "--sign-in", "azure-cli"],
        &[],
        Some(&dir),
    )
    .await;
    assert_refused(&r, "not logged in");
    assert!(r.stderr.contains("az login"));

    // az missing from PATH.
    let empty = temp_dir("no-az");
    let r = run(
        &["check", "--graph-url", &s.graph, "--sign-in", "azure-cli"],
        &[],
        Some(&empty),
    )
    .await;
    assert_refused(&r, "no az");
    assert!(
        r.stderr.contains("Azure CLI (az) is not installed"),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(empty);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_and_reader_sign_in_from_the_command_line() {
    let s = start().await;
    let dir = temp_dir("cli-device");
    let log = dir.join("graph-doctor.log");
    let log_s = log.to_string_lossy().to_string();
    let token_file = dir.join("token");
    std::fs::write(&token_file, issued_token("file-app")).expect("write");
    let tf = token_file.to_string_lossy().to_string();
    // The prompt goes to stderr; the report alone to stdout.
    let r = run(
        &[
            "check",
            "--format",
            "json",
            "--graph-url",
            &s.graph,
            "--sign-in",
            "device-code",
            "--login-url",
            &s.login,
            "--client-id",
            "failing-app",
            "--reader-sign-in",
            "client-secret",
            "--tenant",
            TENANT,
        ],
        &[
            ("AZURE_CLIENT_SECRET", GOOD_SECRET),
            ("RUST_LOG", "trace"),
            ("GRAPH_DOCTOR_LOG", &log_s),
        ],
        None,
    )
    .await;
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("enter the code GDTEST42"), "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("stdout is the JSON report");
    assert_eq!(report["schema"], "graph-doctor/report/v1");
    assert_no_secret(
        &outputs(&r, &log),
        &[
            &issued_token("failing-app"),
            &issued_token("good-app"),
            GOOD_SECRET,
        ],
        "device code + reader",
    );
    {
        let seen = s.seen.lock().expect("lock");
        let grants: Vec<&str> = seen
            .forms
            .iter()
            .filter_map(|(_, f)| f.get("grant_type").map(String::as_str))
            .collect();
        assert!(
            grants.contains(&"client_credentials"),
            "the reader signed in: {grants:?}"
        );
        assert!(grants.contains(&"urn:ietf:params:oauth:grant-type:device_code"));
    }
    // A file for the diagnosed token and a reader sign-in together.
    let r = run(
        &[
            "check",
            "--graph-url",
            &s.graph,
            "--token-file",
            &tf,
            "--reader-sign-in",
            "client-certificate",
            "--certificate",
            &fixture_path().to_string_lossy(),
            "--login-url",
            &s.login,
            "--tenant",
            TENANT,
            "--client-id",
            "cert-app",
        ],
        &[],
        None,
    )
    .await;
    assert_ne!(r.code, 2, "{}", r.stderr);
    // Missing consent: the prompt, then one line with the admin-consent URL.
    let r = run(
        &[
            "check",
            "--graph-url",
            &s.graph,
            "--sign-in",
            "device-code",
            "--login-url",
            &s.login,
            "--client-id",
            "consent-app",
            "--tenant",
            TENANT,
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(r.code, 2);
    let last = r
        .stderr
        .trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        last.starts_with(
            "graph-doctor: --sign-in: sign-in refused by the token endpoint: AADSTS65001"
        ),
        "{last}"
    );
    assert!(
        last.contains(&format!(
            "{}/{TENANT}/adminconsent?client_id=consent-app",
            s.login
        )),
        "{last}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// The same flows against the simulated tenant's token endpoint (src/sim/login.rs)
// ---------------------------------------------------------------------------------------------

mod against_the_simulated_tenant {
    use super::*;
    use graph_doctor::sim::{Scenario, SimServer};

    /// Clients the built-in scenarios register (assets/scenarios/_contoso*.json).
    const DAEMON: &str = "a0000000-0000-4000-8000-000000000001";
    const DAEMON_SECRET: &str = "sim-secret-provisioning-daemon";
    const PUBLIC_CLIENT: &str = "a0000000-0000-4000-8000-000000000002";
    const READER: &str = "a0000000-0000-4000-8000-000000000003";
    const READER_SECRET: &str = "sim-secret-reader";
    /// SHA-1 of the throwaway fixture certificate, as the portal shows thumbprints.
    const FIXTURE_THUMBPRINT: &str = "B5AA1351D581D450B42072A3B9CEC9E120FFF6F5";

    async fn sim(scenario: Scenario) -> (SimServer, SignInConfig) {
        let tenant = scenario.tenant.id.clone();
        let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim starts");
        let cfg = SignInConfig {
            login_url: Some(server.base_url.clone()),
            tenant: Some(tenant),
            ..Default::default()
        };
        (server, cfg)
    }

    fn load(name: &str) -> Scenario {
        Scenario::load(name).expect("built-in scenario")
    }

    fn claims_of(token: &Secret) -> serde_json::Map<String, Value> {
        graph_doctor::auth::TokenInfo::decode(token.expose())
            .expect("a JWT")
            .claims
    }

    #[tokio::test]
    async fn client_secret_gets_the_scenarios_app_token() {
        let (server, cfg) = sim(load("healthy-app")).await;
        let cfg = SignInConfig {
            client_id: Some(DAEMON.into()),
            client_secret: Some(Secret::new(DAEMON_SECRET)),
            ..cfg
        };
        let token = sign_in(SignIn::ClientSecret, &cfg, no_prompt)
            .await
            .expect("token");
        let claims = claims_of(&token);
        let expected = claims_of(&server.token("diagnosed").expect("scenario token"));
        assert_eq!(claims["roles"], expected["roles"]);
        assert_eq!(claims["tid"], expected["tid"]);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn client_certificate_is_accepted_when_its_thumbprint_is_registered() {
        let mut scenario = load("healthy-app");
        for c in scenario
            .clients
            .iter_mut()
            .filter(|c| c.client_id == DAEMON)
        {
            c.certificate_thumbprint = Some(FIXTURE_THUMBPRINT.into());
        }
        let (server, cfg) = sim(scenario).await;
        let cfg = SignInConfig {
            client_id: Some(DAEMON.into()),
            certificate: Some(fixture_path()),
            ..cfg
        };
        let token = sign_in(SignIn::ClientCertificate, &cfg, no_prompt)
            .await
            .expect("token");
        assert!(claims_of(&token).contains_key("roles"));
        server.shutdown().await;

        // Unregistered: AADSTS700027, classified from the description.
        let (server, cfg) = sim(load("healthy-app")).await;
        let cfg = SignInConfig {
            client_id: Some(DAEMON.into()),
            certificate: Some(fixture_path()),
            ..cfg
        };
        let e = endpoint_error(sign_in(SignIn::ClientCertificate, &cfg, no_prompt).await);
        assert_eq!(e.codes, vec![700027]);
        let line = SignInError::TokenEndpoint(Box::new(e)).to_string();
        assert!(line.contains("certificate"), "{line}");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn device_code_signs_in_the_scenarios_user() {
        let (server, cfg) = sim(load("healthy-delegated")).await;
        let cfg = SignInConfig {
            client_id: Some(PUBLIC_CLIENT.into()),
            ..cfg
        };
        let prompts = Arc::new(Mutex::new(Vec::new()));
        let p = prompts.clone();
        let token = sign_in(SignIn::DeviceCode, &cfg, move |prompt| {
            p.lock().expect("lock").push(prompt)
        })
        .await
        .expect("token");
        assert!(claims_of(&token).contains_key("scp"));
        {
            let prompts = prompts.lock().expect("lock");
            assert_eq!(prompts.len(), 1);
            assert!(!prompts[0].user_code.is_empty());
            assert!(prompts[0].message.contains(&prompts[0].user_code));
        }
        server.shutdown().await;
    }

    #[tokio::test]
    async fn every_aadsts_error_the_sim_serves_is_classified() {
        // (scenario, client, method, expected code, expected check)
        let secret = |cfg: SignInConfig, id: &str, s: &str| SignInConfig {
            client_id: Some(id.into()),
            client_secret: Some(Secret::new(s)),
            ..cfg
        };
        let (server, cfg) = sim(load("healthy-app")).await;
        let wrong = secret(cfg.clone(), DAEMON, "the-secret-id");
        let e = endpoint_error(sign_in(SignIn::ClientSecret, &wrong, no_prompt).await);
        assert_eq!(
            classify(&e, &wrong).headline,
            "AADSTS7000215 InvalidClientSecret"
        );
        let unknown = secret(
            cfg.clone(),
            "b0000000-0000-4000-8000-00000000dead",
            "x-secret-x",
        );
        let e = endpoint_error(sign_in(SignIn::ClientSecret, &unknown, no_prompt).await);
        assert_eq!(e.codes, vec![700016]);
        let reader = secret(cfg.clone(), READER, READER_SECRET);
        sign_in(SignIn::ClientSecret, &reader, no_prompt)
            .await
            .expect("the reader signs in");
        let bad_tenant = SignInConfig {
            tenant: Some("fabrikam.onmicrosoft.com".into()),
            ..secret(cfg, DAEMON, DAEMON_SECRET)
        };
        let e = endpoint_error(sign_in(SignIn::ClientSecret, &bad_tenant, no_prompt).await);
        assert_eq!(classify(&e, &bad_tenant).check, Some(CheckId::TokenTenant));
        server.shutdown().await;

        for (scenario, code, check) in [
            ("consent-missing", 65001, CheckId::AuthConsent),
            ("personal-account", 50020, CheckId::TokenAccount),
            ("ca-claims-challenge", 50076, CheckId::CaClaims),
        ] {
            let (server, cfg) = sim(load(scenario)).await;
            let cfg = SignInConfig {
                client_id: Some(PUBLIC_CLIENT.into()),
                ..cfg
            };
            let e = endpoint_error(sign_in(SignIn::DeviceCode, &cfg, no_prompt).await);
            assert_eq!(e.codes, vec![code], "{scenario}");
            let c = classify(&e, &cfg);
            assert_eq!(c.check, Some(check), "{scenario}");
            if code == 65001 {
                let url = c.admin_consent_url.expect("consent url");
                assert!(url.starts_with(&server.base_url));
                assert!(url.ends_with(&format!("/adminconsent?client_id={PUBLIC_CLIENT}")));
            }
            server.shutdown().await;
        }

        // Codes no built-in scenario uses: make the public client fail with each.
        for (code, check) in [(50079, CheckId::CaClaims), (53003, CheckId::CaClaims)] {
            let mut scenario = load("healthy-delegated");
            for c in scenario.clients.iter_mut().filter(|c| c.public) {
                c.fails_with = Some(code);
            }
            let (server, cfg) = sim(scenario).await;
            let cfg = SignInConfig {
                client_id: Some(PUBLIC_CLIENT.into()),
                ..cfg
            };
            let e = endpoint_error(sign_in(SignIn::DeviceCode, &cfg, no_prompt).await);
            assert_eq!(classify(&e, &cfg).check, Some(check), "{code}");
            server.shutdown().await;
        }

        // Setup errors of the error-codes reference: each served with its code and named by the
        // table's row.
        for code in [7000229, 500011, 650057, 50057, 50053] {
            let mut scenario = load("healthy-delegated");
            for c in scenario.clients.iter_mut().filter(|c| c.public) {
                c.fails_with = Some(code);
            }
            let (server, cfg) = sim(scenario).await;
            let cfg = SignInConfig {
                client_id: Some(PUBLIC_CLIENT.into()),
                ..cfg
            };
            let e = endpoint_error(sign_in(SignIn::DeviceCode, &cfg, no_prompt).await);
            assert_eq!(e.codes, vec![code]);
            let row = graph_doctor::auth::aadsts::lookup(code).expect("a table row");
            assert_eq!(
                classify(&e, &cfg).headline,
                format!("AADSTS{code} {}", row.name),
                "{code}"
            );
            server.shutdown().await;
        }
    }

    /// The TUI's loop: Graph answers with a claims challenge, the operator signs in again with the
    /// decoded claims, and the token endpoint now issues a token.
    #[tokio::test]
    async fn a_graph_claims_challenge_is_answered_by_a_new_sign_in() {
        let (server, cfg) = sim(load("ca-claims-challenge")).await;
        let cfg = SignInConfig {
            client_id: Some(PUBLIC_CLIENT.into()),
            ..cfg
        };
        // Without the claims, conditional access refuses (AADSTS50076 with its own claims).
        let e = endpoint_error(sign_in(SignIn::DeviceCode, &cfg, no_prompt).await);
        assert_eq!(e.codes, vec![50076]);
        // Graph's 401 names the claims to satisfy.
        let token = server.token("diagnosed").expect("token");
        let resp = reqwest::Client::new()
            .get(format!("{}/v1.0/me", server.base_url))
            .bearer_auth(token.expose())
            .send()
            .await
            .expect("graph answers");
        assert_eq!(resp.status(), 401);
        let header = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .expect("a challenge")
            .to_string();
        let b64 = header
            .split("claims=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("claims in the challenge");
        let again = cfg.with_claims_challenge(b64).expect("decodable claims");
        assert_eq!(
            again.claims.as_deref(),
            Some(r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#)
        );
        sign_in(SignIn::DeviceCode, &again, no_prompt)
            .await
            .expect("the challenge is satisfied");
        server.shutdown().await;
    }

    /// `--graph-url` on loopback is also the login host: no `--login-url` needed for the sim.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_loopback_graph_url_serves_the_sign_in_too() {
        let scenario = load("healthy-app");
        let tenant = scenario.tenant.id.clone();
        let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim starts");
        let before = server.request_count();
        let r = run(
            &[
                "check",
                "--graph-url",
                &server.base_url,
                "--tenant",
                &tenant,
                "--client-id",
                DAEMON,
                "--sign-in",
                "client-secret",
                "--format",
                "json",
            ],
            &[("AZURE_CLIENT_SECRET", DAEMON_SECRET)],
            None,
        )
        .await;
        assert_ne!(r.code, 2, "{}", r.stderr);
        assert!(
            server.request_count() > before,
            "the sign-in reached the sim"
        );
        server.shutdown().await;
    }

    /// `check` end to end against the simulated tenant: a token from a file, a client-secret
    /// sign-in and a reader sign-in, every format, trace logging on; nothing it writes holds a
    /// token, a signature or the secret.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn check_against_the_sim_writes_no_secret() {
        let scenario = load("healthy-app");
        let tenant = scenario.tenant.id.clone();
        let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim starts");
        let target = server.target();
        let dir = temp_dir("sim-noleak");
        let log = dir.join("graph-doctor.log");
        let log_s = log.to_string_lossy().to_string();
        let token = server.token("diagnosed").expect("token");
        let reader = server.token("reader").expect("reader token");
        let token_file = dir.join("token");
        std::fs::write(&token_file, token.expose()).expect("write");
        let tf = token_file.to_string_lossy().to_string();
        let mut target_args: Vec<String> = vec!["--operation".into(), target.kind.as_str().into()];
        for (flag, v) in [
            ("--group", &target.group),
            ("--member", &target.member),
            ("--au", &target.au),
        ] {
            if let Some(v) = v {
                target_args.push(flag.into());
                target_args.push(v.clone());
            }
        }
        let env = [
            ("GRAPH_DOCTOR_LOG", log_s.as_str()),
            ("RUST_LOG", "trace"),
            ("AZURE_CLIENT_SECRET", DAEMON_SECRET),
        ];
        let sig = |t: &Secret| {
            t.expose()
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_string()
        };
        for format in ["json", "markdown", "text"] {
            let mut from_file: Vec<String> = vec![
                "check".into(),
                "--format".into(),
                format.into(),
                "--graph-url".into(),
                server.base_url.clone(),
                "--token-file".into(),
                tf.clone(),
            ];
            from_file.extend(target_args.iter().cloned());
            let args: Vec<&str> = from_file.iter().map(String::as_str).collect();
            let r = run(&args, &env, None).await;
            assert_ne!(r.code, 2, "{}", r.stderr);
            assert_no_secret(
                &outputs(&r, &log),
                &[token.expose(), &sig(&token), DAEMON_SECRET],
                format,
            );

            let mut signed: Vec<String> = vec![
                "check".into(),
                "--format".into(),
                format.into(),
                "--graph-url".into(),
                server.base_url.clone(),
                "--login-url".into(),
                server.base_url.clone(),
                "--tenant".into(),
                tenant.clone(),
                "--client-id".into(),
                DAEMON.into(),
                "--sign-in".into(),
                "client-secret".into(),
            ];
            signed.extend(target_args.iter().cloned());
            let args: Vec<&str> = signed.iter().map(String::as_str).collect();
            let r = run(&args, &env, None).await;
            assert_ne!(r.code, 2, "{}", r.stderr);
            // A freshly minted token differs in its time claims, but its signature segment has the
            // sim's throwaway form: none of it may appear.
            assert_no_secret(
                &outputs(&r, &log),
                &[&sig(&token), &sig(&reader), DAEMON_SECRET, READER_SECRET],
                format,
            );
            for (name, text) in outputs(&r, &log) {
                assert!(
                    !text.contains("eyJ0eXAi"),
                    "{format}: {name} holds something JWT-shaped"
                );
            }
        }
        server.shutdown().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
