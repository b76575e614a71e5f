//! The simulated tenant, driven over loopback with reqwest: Graph's statuses, envelopes, headers and
//! body shapes for every endpoint, every authentication failure, every write rule, `$batch`, faults
//! and the token endpoint; error texts compared with the corpus (`tests/data/graph-errors.json`).

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use graph_doctor::auth::jwt::{mint, TokenInfo};
use graph_doctor::report::{CheckId, OperationKind};
use graph_doctor::sim::{builtin, Scenario, SimServer};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

const TID: &str = "c0a1b2c3-d4e5-4f60-8a7b-0c1d2e3f4a5b";
const ENGINEERING: &str = "20000000-0000-4000-8000-000000000001";
const ALL_COMPANY: &str = "20000000-0000-4000-8000-000000000002";
const SALES_DL: &str = "20000000-0000-4000-8000-000000000003";
const DYNAMIC: &str = "20000000-0000-4000-8000-000000000005";
const SYNCED: &str = "20000000-0000-4000-8000-000000000006";
const TIER0: &str = "20000000-0000-4000-8000-000000000007";
const HR_CONFIDENTIAL: &str = "20000000-0000-4000-8000-000000000008";
const SALES_TEAM: &str = "20000000-0000-4000-8000-000000000009";
const PHOENIX: &str = "20000000-0000-4000-8000-000000000010";
const SUPPORT: &str = "20000000-0000-4000-8000-000000000011";
const ADA: &str = "10000000-0000-4000-8000-000000000001";
const BEN: &str = "10000000-0000-4000-8000-000000000002";
const CARA: &str = "10000000-0000-4000-8000-000000000003";
const ELI: &str = "10000000-0000-4000-8000-000000000004";
const PAT: &str = "10000000-0000-4000-8000-000000000005";
const ARIA: &str = "10000000-0000-4000-8000-000000000006";
const RORY: &str = "10000000-0000-4000-8000-000000000007";
const PRIYA: &str = "10000000-0000-4000-8000-000000000008";
const OLGA: &str = "10000000-0000-4000-8000-000000000009";
const LAPTOP: &str = "30000000-0000-4000-8000-000000000001";
const DAEMON_SP: &str = "40000000-0000-4000-8000-000000000002";
const HELPDESK_SP: &str = "40000000-0000-4000-8000-000000000003";
const SALES_AU: &str = "60000000-0000-4000-8000-000000000001";
const HR_AU: &str = "60000000-0000-4000-8000-000000000002";
const PARIS_AU: &str = "60000000-0000-4000-8000-000000000003";
const DAEMON: &str = "a0000000-0000-4000-8000-000000000001";
const HELPDESK: &str = "a0000000-0000-4000-8000-000000000002";
const GROUPS_ADMIN: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
const PRA: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

async fn start(name: &str) -> SimServer {
    let scenario = Scenario::load(name).expect("scenario loads");
    SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

fn token(s: &SimServer, key: &str) -> String {
    s.token(key).expect("token").expose().to_string()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An app-only token of the Provisioning Daemon with these roles.
fn app_token(roles: &[&str]) -> String {
    mint(
        &json!({"aud": "https://graph.microsoft.com", "tid": TID, "oid": DAEMON_SP, "appid": DAEMON,
                 "idtyp": "app", "roles": roles, "iat": now() - 60, "nbf": now() - 60, "exp": now() + 3600}),
    )
}

/// A delegated token of `user` through the Helpdesk Portal with these scopes.
fn user_token(user: &str, scp: &str) -> String {
    mint(
        &json!({"aud": "https://graph.microsoft.com", "tid": TID, "oid": user, "appid": HELPDESK,
                 "scp": scp, "idtyp": "user", "iat": now() - 60, "nbf": now() - 60, "exp": now() + 3600}),
    )
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
    fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn ids(&self) -> Vec<String> {
        self.body["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

async fn send(
    s: &SimServer,
    method: &str,
    path: &str,
    tok: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = http().request(method, format!("{}{path}", s.base_url));
    if let Some(t) = tok {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(s: &SimServer, path: &str, tok: &str) -> Answer {
    send(s, "GET", path, Some(tok), &[], None).await
}

async fn get_eventual(s: &SimServer, path: &str, tok: &str) -> Answer {
    send(
        s,
        "GET",
        path,
        Some(tok),
        &[("ConsistencyLevel", "eventual")],
        None,
    )
    .await
}

fn reference(id: &str) -> Value {
    json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")})
}

async fn add_member(s: &SimServer, tok: &str, group: &str, member: &str) -> Answer {
    send(
        s,
        "POST",
        &format!("/v1.0/groups/{group}/members/$ref"),
        Some(tok),
        &[],
        Some(reference(member)),
    )
    .await
}

/// Runs `add_member` cases in order: (token, group, member, expected status, why).
async fn expect_adds<T: AsRef<str>>(s: &SimServer, cases: &[(T, &str, &str, u16, &str)]) {
    for (tok, group, member, status, why) in cases {
        let a = add_member(s, tok.as_ref(), group, member).await;
        assert_eq!(
            a.status, *status,
            "{why}: {group} <- {member}: {:?}",
            a.body
        );
    }
}

fn corpus() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/graph-errors.json"
    ))
    .expect("corpus");
    serde_json::from_str(&text).expect("corpus json")
}

fn corpus_body(id: &str) -> Value {
    let entry = corpus()
        .into_iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("corpus entry {id}"));
    let body = entry
        .get("body_normalized")
        .filter(|b| !b.is_null())
        .or_else(|| entry.get("body"))
        .cloned()
        .unwrap_or(Value::Null);
    match body {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        other => other,
    }
}

fn corpus_message(id: &str) -> String {
    corpus_body(id)["error"]["message"]
        .as_str()
        .expect("message")
        .to_string()
}

// ---------------------------------------------------------------- scenarios

#[test]
fn every_builtin_scenario_loads_with_a_valid_expectation() {
    let list = builtin();
    assert!(list.len() >= 30, "only {} scenarios", list.len());
    let mut names: Vec<&str> = list.iter().map(|(n, _)| n.as_str()).collect();
    let sorted = {
        let mut v = names.clone();
        v.sort();
        v
    };
    assert_eq!(names, sorted, "builtin() is sorted");
    let mut primaries = std::collections::BTreeSet::new();
    for (name, summary) in &list {
        let s = Scenario::load(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&s.name, name, "a scenario's name is its file name");
        assert!(!summary.is_empty() && !summary.contains('\n'));
        let expect = s.expect.unwrap_or_else(|| panic!("{name} has no expect"));
        assert_eq!(
            expect.primary_cause,
            expect.failing.iter().copied().min(),
            "{name}"
        );
        if let Some(p) = expect.primary_cause {
            primaries.insert(p);
        }
        assert!(s.tokens.contains_key("diagnosed"));
    }
    for check in CheckId::ALL {
        assert!(
            primaries.contains(&check),
            "no scenario has {check} as its primary cause"
        );
    }
    names.retain(|n| n.starts_with("healthy-"));
    assert!(names.contains(&"healthy-app") && names.contains(&"healthy-delegated"));
}

#[test]
fn malformed_scenario_files_name_the_file_and_the_field() {
    let dir = std::env::temp_dir().join(format!("graph-doctor-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("broken.json");
    std::fs::write(
        &path,
        r#"{"base": "_contoso", "name": "broken", "summary": "s", "faults": {"latency_ms": "slow"}}"#,
    )
    .expect("write");
    let err = Scenario::load(path.to_str().expect("utf8")).expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains("broken.json"), "{msg}");
    assert!(msg.contains("faults.latency_ms"), "{msg}");

    std::fs::write(
        &path,
        r#"{"base": "_contoso", "name": "ok-file", "summary": "mine"}"#,
    )
    .expect("write");
    let s = Scenario::load(path.to_str().expect("utf8")).expect("an operator's file loads");
    assert_eq!(s.name, "ok-file");
    assert!(Scenario::load("no-such-scenario")
        .expect_err("unknown")
        .to_string()
        .contains("no-such-scenario"));
    let err = Scenario::from_text(
        "x.json",
        r#"{"base": "_contoso", "name": "x", "summary": "s", "directory": {"groups": [{"id": "20000000-0000-4000-8000-000000000001", "members": ["nope"]}]}}"#,
    )
    .expect_err("dangling member");
    assert!(
        err.to_string().contains("directory.groups[0].members"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn tokens_use_offsets_from_the_minting_moment() {
    let s = start("expired-token").await;
    let info = TokenInfo::decode(&token(&s, "diagnosed")).expect("jwt");
    let exp = info.time_claim("exp").expect("exp");
    assert!(exp < now() - 3000 && exp > now() - 4000, "exp {exp}");
    assert_eq!(s.target().group.as_deref(), Some(ENGINEERING));
    let s2 = start("malformed-token").await;
    assert!(!token(&s2, "diagnosed").contains('.'));
    assert!(s2.token("nope").is_none());
    s.shutdown().await;
    s2.shutdown().await;
}

// ---------------------------------------------------------------- reads, headers, envelope

#[tokio::test]
async fn group_read_projects_select_with_graph_headers() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    let a = send(
        &s,
        "GET",
        &format!("/v1.0/groups/{SALES_DL}?$select=id,displayName,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,membershipRule,onPremisesSyncEnabled"),
        Some(&tok),
        &[("client-request-id", "my-correlation-1")],
        None,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("client-request-id"), Some("my-correlation-1"));
    assert!(a.header("request-id").is_some_and(|r| r.len() == 36));
    assert!(a
        .header("x-ms-ags-diagnostic")
        .is_some_and(|d| d.contains("ServerInfo")));
    assert!(a.header("date").is_some_and(|d| d.ends_with("GMT")));
    assert!(a
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json;odata.metadata=minimal")));
    let obj = a.body.as_object().expect("object");
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        vec![
            "@odata.context",
            "id",
            "displayName",
            "groupTypes",
            "mailEnabled",
            "securityEnabled",
            "isAssignableToRole",
            "membershipRule",
            "onPremisesSyncEnabled"
        ]
    );
    assert!(a.body["@odata.context"].as_str().is_some_and(|c| c
        .starts_with("https://graph.microsoft.com/v1.0/$metadata#groups(")
        && c.ends_with("/$entity")));
    assert_eq!(a.body["mailEnabled"], true);
    assert_eq!(a.body["securityEnabled"], false);
    assert_eq!(a.body["isAssignableToRole"], Value::Null);
    s.shutdown().await;
}

#[tokio::test]
async fn not_found_uses_graphs_envelope_and_message() {
    let s = start("healthy-app").await;
    let missing = "20000000-0000-4000-8000-000000000099";
    let a = get(
        &s,
        &format!("/v1.0/groups/{missing}"),
        &token(&s, "diagnosed"),
    )
    .await;
    assert_eq!(a.status, 404);
    assert_eq!(a.code(), "Request_ResourceNotFound");
    assert_eq!(
        a.message(),
        format!("Resource '{missing}' does not exist or one of its queried reference-property objects are not present.")
    );
    // Same shape as the corpus's verbatim Graph bodies.
    let real = corpus_body("aad-role-assignable-add-member-docs14730");
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys(&a.body), keys(&real));
    assert_eq!(keys(&a.body["error"]), keys(&real["error"]));
    assert_eq!(
        keys(&a.body["error"]["innerError"]),
        keys(&real["error"]["innerError"])
    );
    let date = a.body["error"]["innerError"]["date"]
        .as_str()
        .expect("date");
    assert_eq!(date.len(), "2021-10-25T15:30:49".len());
    assert_eq!(
        a.body["error"]["innerError"]["request-id"].as_str(),
        a.header("request-id")
    );
    // The corpus's not-found message, with the id Graph names.
    assert!(corpus()
        .iter()
        .any(|e| e["body"].as_str().is_some_and(|b| a.message().ends_with(b))));
    s.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_bad_bodies_answer_like_graph() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    let a = get(&s, "/v1.0/frobnicators", &tok).await;
    assert_eq!((a.status, a.code()), (400, "BadRequest"));
    assert_eq!(
        a.message(),
        "Resource not found for the segment 'frobnicators'."
    );
    let a = get(&s, &format!("/v1.0/groups/{ENGINEERING}/colour"), &tok).await;
    assert_eq!(a.message(), "Resource not found for the segment 'colour'.");
    let a = get(&s, "/v2.5/groups", &tok).await;
    assert_eq!(a.status, 400);
    let a = get(&s, "/v1.0/groups/sales", &tok).await;
    assert_eq!((a.status, a.code()), (400, "Request_BadRequest"));
    assert_eq!(a.message(), "Invalid object identifier 'sales'.");

    let url = format!("{}/v1.0/groups/{ENGINEERING}/members/$ref", s.base_url);
    let resp = http()
        .post(&url)
        .bearer_auth(&tok)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "BadRequest");
    assert!(body["error"]["innerError"]["request-id"].is_string());

    let resp = http()
        .post(&url)
        .bearer_auth(&tok)
        .body(reference(BEN).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400, "no Content-Type");

    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(5 * 1024 * 1024));
    let resp = http()
        .post(&url)
        .bearer_auth(&tok)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400, "oversized");
    let body: Value = resp.json().await.expect("json");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("4 MB"));

    let a = send(
        &s,
        "DELETE",
        &format!("/v1.0/groups/{ENGINEERING}"),
        Some(&tok),
        &[],
        None,
    )
    .await;
    assert_eq!(a.status, 405);
    s.shutdown().await;
}

// ---------------------------------------------------------------- authentication

#[tokio::test]
async fn authentication_failures_are_401_with_real_messages() {
    let s = start("healthy-app").await;
    let path = format!("/v1.0/groups/{ENGINEERING}");
    let a = send(&s, "GET", &path, None, &[], None).await;
    assert_eq!((a.status, a.code()), (401, "InvalidAuthenticationToken"));
    assert_eq!(a.message(), "Access token is empty.");
    assert!(a
        .header("www-authenticate")
        .is_some_and(|w| w.starts_with("Bearer")));

    let a = get(&s, &path, "EwBwA8l6BAAURSN").await;
    assert_eq!(a.status, 401);
    assert!(
        a.message()
            .starts_with("IDX14100: JWT is not well formed, there are no dots (.)"),
        "{}",
        a.message()
    );

    let mut claims = json!({"aud": "https://graph.windows.net", "tid": TID, "roles": ["GroupMember.ReadWrite.All"], "idtyp": "app", "exp": now() + 600});
    let a = get(&s, &path, &mint(&claims)).await;
    assert_eq!(
        a.message(),
        "Access token validation failure. Invalid audience."
    );

    for aud in [
        "https://graph.microsoft.com/",
        "00000003-0000-0000-c000-000000000000",
    ] {
        claims["aud"] = json!(aud);
        claims["roles"] = json!(["Directory.Read.All"]);
        assert_eq!(
            get(&s, &path, &mint(&claims)).await.status,
            200,
            "{aud} is Graph"
        );
    }
    claims["exp"] = json!(now() - 10);
    let a = get(&s, &path, &mint(&claims)).await;
    assert_eq!(
        a.message(),
        "Lifetime validation failed, the token is expired."
    );
    // The corpus records this as today's wording of the expired-token message.
    let readme = "\"Access token has expired or is not yet valid.\" became \"Lifetime validation failed, the token is expired.\"";
    assert!(readme.contains(a.message()));
    s.shutdown().await;
}

#[tokio::test]
async fn scenario_tokens_fail_the_way_their_scenarios_say() {
    for (name, fragment) in [
        (
            "expired-token",
            "Lifetime validation failed, the token is expired.",
        ),
        (
            "token-not-yet-valid",
            "Lifetime validation failed, the token is not yet valid.",
        ),
        ("wrong-audience-aad-graph", "Invalid audience."),
        ("wrong-audience-arm", "Invalid audience."),
        ("id-token", "Invalid audience."),
        ("personal-account", "Access token validation failure."),
        ("malformed-token", "IDX14100"),
    ] {
        let s = start(name).await;
        let a = get(
            &s,
            &format!("/v1.0/groups/{ENGINEERING}"),
            &token(&s, "diagnosed"),
        )
        .await;
        assert_eq!(a.status, 401, "{name}");
        assert_eq!(a.code(), "InvalidAuthenticationToken", "{name}");
        assert!(a.message().contains(fragment), "{name}: {}", a.message());
        // The reader token of the same scenario still works.
        assert_eq!(
            get(
                &s,
                &format!("/v1.0/groups/{ENGINEERING}"),
                &token(&s, "reader")
            )
            .await
            .status,
            200
        );
        s.shutdown().await;
    }
}

/// The claims request of a 401's `WWW-Authenticate: Bearer … claims="<base64>"`, decoded.
fn challenge_claims(a: &Answer) -> Value {
    let www = a.header("www-authenticate").expect("challenge");
    let claims = www
        .split("claims=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("claims");
    serde_json::from_slice(&STANDARD.decode(claims).expect("base64")).expect("json")
}

#[tokio::test]
async fn claims_challenge_needs_cp1_and_is_satisfied_by_the_claim() {
    let s = start("ca-claims-challenge").await;
    let path = format!("/v1.0/groups/{ENGINEERING}");
    let a = get(&s, &path, &token(&s, "diagnosed")).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.code(), "InvalidAuthenticationToken");
    let www = a.header("www-authenticate").expect("challenge").to_string();
    assert!(www.starts_with("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\""), "{www}");
    assert!(www.contains("error=\"insufficient_claims\""));
    let decoded = challenge_claims(&a);
    assert_eq!(decoded["access_token"]["acrs"]["value"], "c1");

    let base = json!({"aud": "https://graph.microsoft.com", "tid": TID, "oid": ADA, "scp": "GroupMember.Read.All", "exp": now() + 600});
    let mut no_cp1 = base.clone();
    no_cp1["wids"] = json!([]);
    assert_eq!(
        get(&s, &path, &mint(&no_cp1)).await.status,
        200,
        "no cp1: no challenge"
    );
    let mut satisfied = base.clone();
    satisfied["xms_cc"] = json!(["cp1"]);
    satisfied["acrs"] = json!(["c1"]);
    assert_eq!(
        get(&s, &path, &mint(&satisfied)).await.status,
        200,
        "acrs c1 satisfies it"
    );
    s.shutdown().await;

    // CAE: tokens issued before the revocation moment are challenged, fresh ones are not.
    let s = start("cae-claims-challenge-app").await;
    let a = get(&s, &path, &token(&s, "diagnosed")).await;
    assert_eq!(a.status, 401);
    let decoded = challenge_claims(&a);
    let revoked_at: i64 = decoded["access_token"]["nbf"]["value"]
        .as_str()
        .expect("nbf")
        .parse()
        .expect("number");
    assert!(
        (now() - 70..=now() - 50).contains(&revoked_at),
        "nbf is an offset from the start"
    );
    assert_eq!(
        a.message(),
        corpus_message("cae-claimschallengerequired-app-only-java2215")
    );
    let fresh = json!({"aud": "https://graph.microsoft.com", "tid": TID, "roles": ["Directory.Read.All"], "idtyp": "app",
                       "xms_cc": ["cp1"], "iat": now(), "nbf": now(), "exp": now() + 600});
    assert_eq!(
        get(&s, &path, &mint(&fresh)).await.status,
        200,
        "a token issued after the event satisfies it"
    );
    s.shutdown().await;
}

// ---------------------------------------------------------------- read permissions and shapes

#[tokio::test]
async fn reads_need_a_least_privileged_permission() {
    let s = start("healthy-app").await;
    let user_read = user_token(ADA, "User.Read");
    let a = get(&s, &format!("/v1.0/groups/{ENGINEERING}"), &user_read).await;
    assert_eq!((a.status, a.code()), (403, "Authorization_RequestDenied"));
    assert_eq!(
        a.message(),
        corpus_message("aad-role-assignable-add-member-docs14730")
    );
    assert_eq!(
        get(
            &s,
            "/v1.0/me?$select=id,displayName,userPrincipalName,assignedLicenses",
            &user_read
        )
        .await
        .status,
        200
    );
    // directoryObjects needs Directory.Read.All; GroupMember.Read.All is not enough.
    let gm = app_token(&["GroupMember.Read.All"]);
    assert_eq!(
        get(&s, &format!("/v1.0/groups/{ENGINEERING}"), &gm)
            .await
            .status,
        200
    );
    assert_eq!(
        get(&s, &format!("/v1.0/directoryObjects/{BEN}"), &gm)
            .await
            .status,
        403
    );
    assert_eq!(get(&s, "/v1.0/subscribedSkus", &gm).await.status, 403);
    assert_eq!(
        get(
            &s,
            "/v1.0/subscribedSkus",
            &app_token(&["LicenseAssignment.Read.All"])
        )
        .await
        .status,
        200
    );
    assert_eq!(
        get(
            &s,
            "/v1.0/oauth2PermissionGrants",
            &app_token(&["Application.Read.All"])
        )
        .await
        .status,
        403
    );
    assert_eq!(
        get(
            &s,
            "/v1.0/roleManagement/directory/roleEligibilitySchedules",
            &app_token(&["Directory.Read.All"])
        )
        .await
        .status,
        403
    );
    assert_eq!(
        get(
            &s,
            "/v1.0/roleManagement/directory/roleEligibilitySchedules",
            &app_token(&["RoleManagement.Read.Directory"])
        )
        .await
        .status,
        200
    );
    assert_eq!(
        get(
            &s,
            &format!("/v1.0/directory/administrativeUnits/{HR_AU}"),
            &gm
        )
        .await
        .status,
        403
    );
    s.shutdown().await;
}

#[tokio::test]
async fn me_endpoints() {
    let s = start("healthy-delegated").await;
    let tok = token(&s, "diagnosed");
    let a = get(
        &s,
        "/v1.0/me?$select=id,displayName,userPrincipalName,assignedLicenses",
        &tok,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["id"], ADA);
    assert_eq!(
        a.body["assignedLicenses"][0]["skuId"],
        "84a661c4-e949-4bd2-a560-ed7766fcaf2b"
    );
    let a = get(&s, "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId", &tok).await;
    assert_eq!(a.status, 200);
    let roles = a.body["value"].as_array().expect("value");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["roleTemplateId"], GROUPS_ADMIN);
    assert_eq!(roles[0]["@odata.type"], "#microsoft.graph.directoryRole");

    let a = get(&s, "/v1.0/me", &app_token(&["Directory.Read.All"])).await;
    assert_eq!(a.status, 400);
    let real = corpus()
        .into_iter()
        .find(|e| e["id"] == "me-with-app-token-php1163")
        .expect("entry");
    assert!(real["body"].as_str().expect("text").contains(a.message()));
    s.shutdown().await;
}

#[tokio::test]
async fn member_of_needs_eventual_and_reduces_units_without_au_read() {
    let s = start("healthy-app").await;
    let path = format!("/v1.0/groups/{HR_CONFIDENTIAL}/memberOf/microsoft.graph.administrativeUnit?$select=id,displayName,isMemberManagementRestricted");
    let full = app_token(&["GroupMember.Read.All", "AdministrativeUnit.Read.All"]);
    let a = get(&s, &path, &full).await;
    assert_eq!((a.status, a.code()), (400, "Request_UnsupportedQuery"));
    let a = get_eventual(&s, &format!("{path}&$count=true"), &full).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["@odata.count"], 1);
    assert_eq!(a.body["value"][0]["isMemberManagementRestricted"], true);
    assert_eq!(
        a.body["value"][0]["@odata.type"],
        "#microsoft.graph.administrativeUnit"
    );

    let limited = app_token(&["GroupMember.Read.All"]);
    let a = get_eventual(&s, &path, &limited).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.body["value"][0],
        json!({"@odata.type": "#microsoft.graph.administrativeUnit", "id": HR_AU})
    );
    s.shutdown().await;
}

#[tokio::test]
async fn members_filter_owners_and_directory_objects() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    let filter =
        format!("/v1.0/groups/{ENGINEERING}/members?$select=id&$filter=id eq '{CARA}'&$count=true");
    let a = get(&s, &filter, &tok).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.code(), "Request_UnsupportedQuery");
    let a = get_eventual(&s, &filter, &tok).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["@odata.count"], 1);
    assert_eq!(
        a.body["value"][0],
        json!({"@odata.type": "#microsoft.graph.user", "id": CARA})
    );
    let a = get_eventual(
        &s,
        &format!("/v1.0/groups/{ENGINEERING}/members?$select=id&$filter=id eq '{BEN}'&$count=true"),
        &tok,
    )
    .await;
    assert_eq!((a.status, a.body["@odata.count"].as_u64()), (200, Some(0)));

    let a = get_eventual(
        &s,
        &format!("/v1.0/groups/{ALL_COMPANY}/members/microsoft.graph.device"),
        &tok,
    )
    .await;
    assert_eq!((a.status, a.code()), (400, "Request_UnsupportedQuery"));
    let a = get_eventual(
        &s,
        &format!("/v1.0/groups/{ALL_COMPANY}/members/microsoft.graph.user?$count=true"),
        &tok,
    )
    .await;
    assert_eq!((a.status, a.body["@odata.count"].as_u64()), (200, Some(3)));
    let a = get(
        &s,
        &format!("/v1.0/groups/{ENGINEERING}/owners?$select=id"),
        &tok,
    )
    .await;
    assert_eq!(a.ids(), vec![OLGA.to_string()]);

    let a = get(&s, &format!("/v1.0/directoryObjects/{LAPTOP}"), &tok).await;
    assert_eq!(a.body["@odata.type"], "#microsoft.graph.device");
    let a = get(&s, &format!("/v1.0/directoryObjects/{PHOENIX}"), &tok).await;
    assert_eq!(a.body["@odata.type"], "#microsoft.graph.group");
    assert_eq!(a.body["groupTypes"], json!(["Unified"]));
    s.shutdown().await;
}

#[tokio::test]
async fn administrative_units_and_their_members() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    let a = get(&s, &format!("/v1.0/directory/administrativeUnits/{HR_AU}?$select=id,displayName,isMemberManagementRestricted,membershipType"), &tok).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["isMemberManagementRestricted"], true);
    assert_eq!(a.body["membershipType"], "Assigned");
    let a = get(
        &s,
        &format!("/v1.0/directory/administrativeUnits/{SALES_AU}/members/{BEN}"),
        &tok,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["@odata.type"], "#microsoft.graph.user");
    let a = get(
        &s,
        &format!("/v1.0/directory/administrativeUnits/{PARIS_AU}/members/{BEN}"),
        &tok,
    )
    .await;
    assert_eq!((a.status, a.code()), (404, "Request_ResourceNotFound"));
    let a = get(
        &s,
        "/v1.0/directory/administrativeUnits/60000000-0000-4000-8000-000000000099",
        &tok,
    )
    .await;
    assert_eq!(a.status, 404);
    let a = get(&s, "/v1.0/directory/administrativeUnits?$top=2", &tok).await;
    assert_eq!(a.ids().len(), 2);
    s.shutdown().await;
}

#[tokio::test]
async fn role_management_consent_and_licence_records() {
    let s = start("healthy-app").await;
    let tok = app_token(&[
        "Directory.Read.All",
        "RoleManagement.Read.Directory",
        "LicenseAssignment.Read.All",
        "Application.Read.All",
    ]);
    let a = get(
        &s,
        &format!("/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{ARIA}'"),
        &tok,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.body["value"][0]["directoryScopeId"],
        format!("/administrativeUnits/{SALES_AU}")
    );
    assert_eq!(a.body["value"][0]["roleDefinitionId"], GROUPS_ADMIN);
    let a = get(&s, &format!("/v1.0/roleManagement/directory/roleEligibilitySchedules?$filter=principalId eq '{PAT}'"), &tok).await;
    assert_eq!(a.body["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(a.body["value"][0]["status"], "Provisioned");
    let a = get(&s, "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id,appId,displayName", &tok).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["displayName"], "Microsoft Graph");
    let graph_sp = a.body["id"].as_str().expect("id").to_string();
    let a = get(
        &s,
        &format!("/v1.0/servicePrincipals/{graph_sp}?$select=appRoles"),
        &tok,
    )
    .await;
    assert!(a.body["appRoles"]
        .as_array()
        .expect("roles")
        .iter()
        .any(|r| r["id"] == "dbaae8cf-10b5-4b86-a4a1-f871c94c6695"
            && r["value"] == "GroupMember.ReadWrite.All"));
    let a = get(
        &s,
        "/v1.0/servicePrincipals(appId='ffffffff-0000-4000-8000-000000000000')",
        &tok,
    )
    .await;
    assert_eq!(a.status, 404);
    let a = get(
        &s,
        &format!("/v1.0/servicePrincipals/{DAEMON_SP}/appRoleAssignments"),
        &tok,
    )
    .await;
    assert!(a.body["value"]
        .as_array()
        .expect("v")
        .iter()
        .any(|r| r["appRoleId"] == "dbaae8cf-10b5-4b86-a4a1-f871c94c6695"
            && r["principalId"] == DAEMON_SP));
    let a = get(
        &s,
        &format!("/v1.0/oauth2PermissionGrants?$filter=clientId eq '{HELPDESK_SP}'"),
        &tok,
    )
    .await;
    assert!(a.body["value"][0]["scope"]
        .as_str()
        .expect("scope")
        .contains("GroupMember.ReadWrite.All"));
    let a = get(
        &s,
        &format!("/v1.0/applications(appId='{DAEMON}')?$select=id,appId,requiredResourceAccess"),
        &tok,
    )
    .await;
    assert_eq!(
        a.body["requiredResourceAccess"][0]["resourceAccess"][0]["type"],
        "Role"
    );
    let a = get(
        &s,
        "/v1.0/subscribedSkus?$select=skuPartNumber,servicePlans,capabilityStatus",
        &tok,
    )
    .await;
    let skus = a.body["value"].as_array().expect("skus");
    assert!(skus.iter().any(|s| s["skuPartNumber"] == "AAD_PREMIUM_P2"
        && s["capabilityStatus"] == "Enabled"
        && s["servicePlans"].as_array().is_some_and(|p| p
            .iter()
            .any(|p| p["servicePlanId"] == "eec0eb4f-6444-4f95-aba0-50c24d67f998"))));
    let a = get(&s, "/v1.0/organization?$select=id,verifiedDomains", &tok).await;
    assert_eq!(a.body["value"][0]["id"], TID);
    assert!(a.body["value"][0]["verifiedDomains"]
        .as_array()
        .expect("d")
        .iter()
        .any(|d| d["name"] == "contoso.com"));
    s.shutdown().await;
}

#[tokio::test]
async fn picker_lists_search_filter_and_top() {
    let s = start("healthy-app").await;
    let tok = app_token(&["Directory.Read.All"]);
    let a = get(&s, "/v1.0/groups?$search=\"displayName:team\"", &tok).await;
    assert_eq!((a.status, a.code()), (400, "Request_UnsupportedQuery"));
    assert!(a.message().contains("ConsistencyLevel: eventual"));
    let a = get_eventual(
        &s,
        "/v1.0/groups?$search=\"displayName:team\"&$select=id,displayName&$count=true",
        &tok,
    )
    .await;
    assert_eq!(a.status, 200);
    let mut ids = a.ids();
    ids.sort();
    assert_eq!(ids, vec![SALES_TEAM.to_string(), SUPPORT.to_string()]);
    assert_eq!(a.body["@odata.count"], 2);
    // Word prefixes of the tokenised display name: "mem" is the start of "Member"; "ember" is
    // inside a word and finds nothing; an unquoted clause is a syntax error.
    let a = get_eventual(
        &s,
        "/v1.0/users?$search=\"displayName:mem\"&$select=id,displayName",
        &tok,
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(
        a.ids()
            .contains(&"10000000-0000-4000-8000-000000000002".to_string()),
        "{:?}",
        a.body
    );
    let a = get_eventual(
        &s,
        "/v1.0/users?$search=\"displayName:ember\"&$select=id",
        &tok,
    )
    .await;
    assert_eq!((a.status, a.ids().len()), (200, 0));
    let a = get_eventual(&s, "/v1.0/users?$search=displayName:mem&$select=id", &tok).await;
    assert_eq!(a.status, 400);
    assert!(
        a.message()
            .starts_with("Syntax error: character ':' is not valid at position 11"),
        "{}",
        a.message()
    );
    // Two clauses joined by OR: either property.
    let a = get_eventual(
        &s,
        "/v1.0/users?$search=\"displayName:zzz\" OR \"userPrincipalName:ben@\"&$select=id",
        &tok,
    )
    .await;
    assert_eq!(
        a.ids(),
        vec!["10000000-0000-4000-8000-000000000002".to_string()]
    );
    let a = get(
        &s,
        "/v1.0/users?$filter=startswith(displayName,'a')&$select=id",
        &tok,
    )
    .await;
    assert_eq!(a.ids(), vec![ADA.to_string(), ARIA.to_string()]);
    let a = get(&s, "/v1.0/users?$top=3", &tok).await;
    assert_eq!(a.ids().len(), 3);
    assert_eq!(get(&s, "/v1.0/users?$top=0", &tok).await.status, 400);
    for path in [
        "/v1.0/devices",
        "/v1.0/servicePrincipals",
        "/v1.0/contacts",
        "/v1.0/directory/administrativeUnits",
    ] {
        let a = get(&s, path, &tok).await;
        assert_eq!(a.status, 200, "{path}");
        assert!(!a.ids().is_empty(), "{path}");
        assert!(
            a.body["value"][0].get("@odata.type").is_none(),
            "entity sets carry no @odata.type"
        );
    }
    s.shutdown().await;
}

// ---------------------------------------------------------------- writes

#[tokio::test]
async fn adding_a_member_then_again_gives_the_corpus_duplicate_message() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    let a = add_member(&s, &tok, ENGINEERING, BEN).await;
    assert_eq!(a.status, 204);
    assert!(a.body.is_null());
    let a = get(
        &s,
        &format!("/v1.0/groups/{ENGINEERING}/members?$select=id"),
        &tok,
    )
    .await;
    assert!(
        a.ids().contains(&BEN.to_string()),
        "the write changed the directory"
    );
    let a = add_member(&s, &tok, ENGINEERING, BEN).await;
    assert_eq!((a.status, a.code()), (400, "Request_BadRequest"));
    let owners = corpus_message("already-exists-owners-pnpframework139");
    assert_eq!(a.message(), owners.replace("'owners'", "'members'"));
    s.shutdown().await;
}

#[tokio::test]
async fn group_kind_rules() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    let a = add_member(&s, &tok, SALES_DL, BEN).await;
    assert_eq!((a.status, a.code()), (400, "Request_BadRequest"));
    assert_eq!(
        a.message(),
        "Cannot Update a mail-enabled security groups and or distribution list."
    );
    let a = add_member(&s, &tok, SYNCED, BEN).await;
    assert_eq!((a.status, a.code()), (400, "Request_BadRequest"));
    assert_eq!(
        a.message(),
        corpus_message("onprem-synced-extattr-adowiki-scenarioA")
    );
    let a = add_member(&s, &tok, DYNAMIC, BEN).await;
    assert_eq!((a.status, a.code()), (403, "Authorization_RequestDenied"));
    let a = add_member(&s, &tok, "20000000-0000-4000-8000-000000000099", BEN).await;
    assert_eq!(a.status, 404);
    assert!(a.message().contains("20000000-0000-4000-8000-000000000099"));
    let a = add_member(
        &s,
        &tok,
        ENGINEERING,
        "10000000-0000-4000-8000-000000000099",
    )
    .await;
    assert_eq!(a.status, 404);
    assert!(a
        .message()
        .starts_with("Resource '10000000-0000-4000-8000-000000000099' does not exist"));
    s.shutdown().await;
}

#[tokio::test]
async fn member_type_and_permission_rules() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    // A device needs Device.ReadWrite.All (application) besides GroupMember.ReadWrite.All.
    expect_adds(&s, &[(&tok, ENGINEERING, LAPTOP, 403, "")]).await;
    let with_device = app_token(&["GroupMember.ReadWrite.All", "Device.ReadWrite.All"]);
    expect_adds(&s, &[(&with_device, ENGINEERING, LAPTOP, 204, "")]).await;
    let a = add_member(&s, &with_device, ALL_COMPANY, LAPTOP).await;
    assert_eq!(
        (a.status, a.code()),
        (400, "Request_BadRequest"),
        "no devices in Microsoft 365 groups"
    );
    #[rustfmt::skip]
    let cases = [
        (&tok, ENGINEERING, PHOENIX, 400, "no Microsoft 365 group nesting"),
        (&tok, ENGINEERING, SUPPORT, 204, "security groups nest"),
        (&tok, ENGINEERING, HELPDESK_SP, 403, "service principals need Application.ReadWrite.All"),
    ];
    expect_adds(&s, &cases).await;
    let sp_ok = app_token(&["GroupMember.ReadWrite.All", "Application.ReadWrite.All"]);
    #[rustfmt::skip]
    let cases = [
        (&sp_ok, ENGINEERING, HELPDESK_SP, 204, ""),
        (&app_token(&["Directory.Read.All"]), ENGINEERING, ELI, 403, ""),
    ];
    expect_adds(&s, &cases).await;
    // Delegated device adds need Device.Read.All.
    #[rustfmt::skip]
    let cases = [
        (&user_token(ADA, "GroupMember.ReadWrite.All"), SUPPORT, LAPTOP, 403, ""),
        (&user_token(ADA, "GroupMember.ReadWrite.All Device.Read.All"), SUPPORT, LAPTOP, 204, ""),
    ];
    expect_adds(&s, &cases).await;
    s.shutdown().await;
}

#[tokio::test]
async fn role_assignable_groups_need_role_management_and_a_privileged_role() {
    let s = start("healthy-app").await;
    expect_adds(&s, &[(&token(&s, "diagnosed"), TIER0, BEN, 403, "")]).await;
    let app = app_token(&[
        "GroupMember.ReadWrite.All",
        "RoleManagement.ReadWrite.Directory",
    ]);
    #[rustfmt::skip]
    let cases = [
        (&app, TIER0, SUPPORT, 400, "no groups in role-assignable groups"),
        (&app, TIER0, BEN, 204, ""),
    ];
    expect_adds(&s, &cases).await;
    let scopes = "GroupMember.ReadWrite.All RoleManagement.ReadWrite.Directory";
    #[rustfmt::skip]
    let cases = [
        (&user_token(ADA, scopes), TIER0, CARA, 403, "Groups Administrator is not enough"),
        (&user_token(PRIYA, scopes), TIER0, CARA, 204, ""),
        // Directory.AccessAsUser.All does not stand in for RoleManagement.ReadWrite.Directory
        // (docs/facts.md §3c: only that permission manages role-assignable groups).
        (&user_token(PRIYA, "Directory.AccessAsUser.All"), TIER0, BEN, 403, "no RoleManagement.ReadWrite.Directory"),
    ];
    expect_adds(&s, &cases).await;
    s.shutdown().await;
}

#[tokio::test]
async fn delegated_callers_need_a_role_or_ownership() {
    let s = start("healthy-delegated").await;
    let scp = "GroupMember.ReadWrite.All";
    #[rustfmt::skip]
    let cases = [
        (&user_token(CARA, scp), ENGINEERING, BEN, 403, "no role"),
        (&user_token(PAT, scp), ENGINEERING, BEN, 403, "eligible only"),
        (&user_token(ELI, scp), ENGINEERING, BEN, 403, "Exchange admin, security group"),
        (&user_token(ELI, scp), ALL_COMPANY, ELI, 204, "Exchange admin, Microsoft 365 group"),
        (&user_token(ARIA, scp), ENGINEERING, BEN, 403, "AU-scoped role, group outside the AU"),
        (&user_token(ARIA, scp), SALES_TEAM, BEN, 204, "AU-scoped role, group in the AU"),
        (&user_token(OLGA, scp), ENGINEERING, BEN, 204, "owner"),
        (&token(&s, "diagnosed"), ENGINEERING, ELI, 204, "Groups Administrator"),
        (&user_token(ADA, "User.Read"), ENGINEERING, PAT, 403, "scope missing"),
    ];
    expect_adds(&s, &cases).await;
    s.shutdown().await;
}

#[tokio::test]
async fn restricted_management_units_admit_only_their_scoped_admins() {
    let s = start("restricted-au").await;
    let scp = "GroupMember.ReadWrite.All";
    #[rustfmt::skip]
    let cases = [
        (&token(&s, "diagnosed"), HR_CONFIDENTIAL, BEN, 403, "tenant-wide Groups Administrator"),
        (&app_token(&["GroupMember.ReadWrite.All"]), HR_CONFIDENTIAL, BEN, 403, "application permission"),
        (&user_token(RORY, scp), HR_CONFIDENTIAL, BEN, 204, "scoped to the restricted AU"),
    ];
    expect_adds(&s, &cases).await;
    // Members of a restricted AU may still be added to other groups.
    expect_adds(
        &s,
        &[(
            token(&s, "diagnosed").as_str(),
            ENGINEERING,
            HR_CONFIDENTIAL,
            204,
            "",
        )],
    )
    .await;
    s.shutdown().await;
}

#[tokio::test]
async fn patch_members_bind_is_all_or_nothing_and_capped_at_20() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    let path = format!("/v1.0/groups/{ENGINEERING}");
    let refs = |ids: &[&str]| json!({"members@odata.bind": ids.iter().map(|i| format!("https://graph.microsoft.com/v1.0/directoryObjects/{i}")).collect::<Vec<_>>()});
    let many: Vec<String> = (0..21)
        .map(|i| format!("10000000-0000-4000-8000-{i:012}"))
        .collect();
    let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let a = send(&s, "PATCH", &path, Some(&tok), &[], Some(refs(&many_refs))).await;
    assert_eq!((a.status, a.code()), (400, "Request_BadRequest"));
    let a = send(
        &s,
        "PATCH",
        &path,
        Some(&tok),
        &[],
        Some(refs(&[BEN, PHOENIX])),
    )
    .await;
    assert_eq!(a.status, 400, "a Microsoft 365 group cannot join");
    let members = get(&s, &format!("{path}/members?$select=id"), &tok)
        .await
        .ids();
    assert!(!members.contains(&BEN.to_string()), "nothing was added");
    // The same object twice in one request: Graph's own wording (corpus duplicate-in-odatabind-contoso1).
    let a = send(&s, "PATCH", &path, Some(&tok), &[], Some(refs(&[BEN, BEN]))).await;
    assert_eq!((a.status, a.code()), (400, "Request_BadRequest"));
    let msg = a.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("Object '[ResourceType=User,Id=")
            && msg.ends_with("can only be present once as an add/remove change."),
        "{msg}"
    );
    let a = send(&s, "PATCH", &path, Some(&tok), &[], Some(refs(&[BEN, ELI]))).await;
    assert_eq!(a.status, 204);
    let members = get(&s, &format!("{path}/members?$select=id"), &tok)
        .await
        .ids();
    assert!(members.contains(&BEN.to_string()) && members.contains(&ELI.to_string()));
    let a = send(
        &s,
        "DELETE",
        &format!("{path}/members/{BEN}/$ref"),
        Some(&tok),
        &[],
        None,
    )
    .await;
    assert_eq!(a.status, 204);
    assert!(!get(&s, &format!("{path}/members?$select=id"), &tok)
        .await
        .ids()
        .contains(&BEN.to_string()));
    s.shutdown().await;
}

#[tokio::test]
async fn adding_to_an_administrative_unit_needs_privileged_role_administrator() {
    let s = start("au-add-needs-pra").await;
    let path = format!("/v1.0/directory/administrativeUnits/{PARIS_AU}/members/$ref");
    let tok = token(&s, "diagnosed");
    let a = send(&s, "POST", &path, Some(&tok), &[], Some(reference(BEN))).await;
    assert_eq!((a.status, a.code()), (403, "Authorization_RequestDenied"));
    let priya = user_token(PRIYA, "AdministrativeUnit.ReadWrite.All");
    let a = send(&s, "POST", &path, Some(&priya), &[], Some(reference(BEN))).await;
    assert_eq!(a.status, 204);
    let a = send(&s, "POST", &path, Some(&priya), &[], Some(reference(BEN))).await;
    assert_eq!(a.status, 400);
    let a = send(
        &s,
        "POST",
        &path,
        Some(&user_token(PRIYA, "Directory.Read.All")),
        &[],
        Some(reference(ELI)),
    )
    .await;
    assert_eq!(
        a.status, 403,
        "AdministrativeUnit.ReadWrite.All is required"
    );
    let a = send(
        &s,
        "POST",
        "/v1.0/directory/administrativeUnits/60000000-0000-4000-8000-000000000099/members/$ref",
        Some(&priya),
        &[],
        Some(reference(BEN)),
    )
    .await;
    assert_eq!(a.status, 404);
    let a = send(
        &s,
        "POST",
        &path,
        Some(&priya),
        &[],
        Some(reference(HELPDESK_SP)),
    )
    .await;
    assert_eq!(a.status, 400, "only users, groups and devices");
    let a = get(
        &s,
        &format!("/v1.0/directory/administrativeUnits/{PARIS_AU}/members/{BEN}"),
        &user_token(PRIYA, "User.Read"),
    )
    .await;
    assert_eq!(
        a.status, 403,
        "reading needs AdministrativeUnit.Read.All or higher"
    );
    let a = get(
        &s,
        &format!("/v1.0/directory/administrativeUnits/{PARIS_AU}/members/{BEN}"),
        &priya,
    )
    .await;
    assert_eq!(a.status, 200, "AdministrativeUnit.ReadWrite.All reads too");
    let a = get(
        &s,
        &format!("/v1.0/directory/administrativeUnits/{PARIS_AU}/members/{BEN}"),
        &token(&s, "reader"),
    )
    .await;
    assert_eq!(a.status, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn creating_a_group_inside_an_administrative_unit() {
    let s = start("healthy-create-au-group").await;
    let tok = token(&s, "diagnosed");
    let path = format!("/v1.0/directory/administrativeUnits/{SALES_AU}/members");
    let group = json!({"@odata.type": "#microsoft.graph.group", "displayName": "Sales Interns", "mailNickname": "sales-interns",
                       "mailEnabled": false, "securityEnabled": true, "groupTypes": []});
    let a = send(&s, "POST", &path, Some(&tok), &[], Some(group.clone())).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(a.body["@odata.type"], "#microsoft.graph.group");
    let id = a.body["id"].as_str().expect("id").to_string();
    let read = get(&s, &format!("/v1.0/groups/{id}?$select=displayName"), &tok).await;
    assert_eq!(read.body["displayName"], "Sales Interns");
    let read = get(
        &s,
        &format!("/v1.0/directory/administrativeUnits/{SALES_AU}/members/{id}"),
        &tok,
    )
    .await;
    assert_eq!(read.status, 200);

    let mut no_type = group.clone();
    no_type.as_object_mut().expect("obj").remove("@odata.type");
    assert_eq!(
        send(&s, "POST", &path, Some(&tok), &[], Some(no_type))
            .await
            .status,
        400
    );
    let mut mail = group.clone();
    mail["mailEnabled"] = json!(true);
    let a = send(&s, "POST", &path, Some(&tok), &[], Some(mail)).await;
    assert_eq!(
        a.message(),
        corpus_message("create-mail-enabled-group-contrib8276")
    );
    let cara = user_token(CARA, "Group.ReadWrite.All AdministrativeUnit.Read.All");
    assert_eq!(
        send(&s, "POST", &path, Some(&cara), &[], Some(group.clone()))
            .await
            .status,
        403,
        "no role"
    );
    let aria_no_au_read = user_token(ARIA, "Group.ReadWrite.All");
    assert_eq!(
        send(
            &s,
            "POST",
            &path,
            Some(&aria_no_au_read),
            &[],
            Some(group.clone())
        )
        .await
        .status,
        403
    );
    let paris = format!("/v1.0/directory/administrativeUnits/{PARIS_AU}/members");
    assert_eq!(
        send(&s, "POST", &paris, Some(&tok), &[], Some(group))
            .await
            .status,
        403,
        "Aria's role is scoped to the Sales AU"
    );
    s.shutdown().await;
}

// ---------------------------------------------------------------- batch and faults

#[tokio::test]
async fn batch_runs_requests_with_dependencies_and_limits() {
    let s = start("healthy-app").await;
    let tok = token(&s, "diagnosed");
    let before = s.request_count();
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/groups/{ENGINEERING}?$select=id,displayName")},
        {"id": "2", "method": "GET", "url": format!("/groups/{ENGINEERING}/memberOf/microsoft.graph.administrativeUnit"), "headers": {"ConsistencyLevel": "eventual"}},
        {"id": "3", "method": "GET", "url": "/groups/20000000-0000-4000-8000-000000000099"},
        {"id": "4", "method": "GET", "url": "/me", "dependsOn": ["3"]},
        {"id": "5", "method": "POST", "url": format!("/groups/{ENGINEERING}/members/$ref"), "headers": {"Content-Type": "application/json"}, "body": reference(BEN), "dependsOn": ["1"]}
    ]});
    let a = send(&s, "POST", "/v1.0/$batch", Some(&tok), &[], Some(body)).await;
    assert_eq!(a.status, 200);
    assert_eq!(s.request_count(), before + 1, "a batch is one HTTP request");
    let responses = a.body["responses"].as_array().expect("responses");
    let by_id = |id: &str| {
        responses
            .iter()
            .find(|r| r["id"] == id)
            .expect("response")
            .clone()
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("1")["body"]["displayName"], "Engineering");
    assert!(by_id("1")["headers"]["Content-Type"]
        .as_str()
        .is_some_and(|c| c.starts_with("application/json")));
    assert_eq!(by_id("2")["status"], 200);
    assert_eq!(by_id("3")["status"], 404);
    assert_eq!(
        by_id("3")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    assert_eq!(by_id("4")["status"], 424);
    assert_eq!(by_id("5")["status"], 204);
    assert!(by_id("5").get("body").is_none());

    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/organization"}))
        .collect();
    let a = send(
        &s,
        "POST",
        "/v1.0/$batch",
        Some(&tok),
        &[],
        Some(json!({"requests": too_many})),
    )
    .await;
    assert_eq!((a.status, a.code()), (400, "BadRequest"));
    let twenty: Vec<Value> = (0..20)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/organization"}))
        .collect();
    assert_eq!(
        send(
            &s,
            "POST",
            "/v1.0/$batch",
            Some(&tok),
            &[],
            Some(json!({"requests": twenty}))
        )
        .await
        .status,
        200
    );
    let dup = json!({"requests": [{"id": "1", "method": "GET", "url": "/organization"}, {"id": "1", "method": "GET", "url": "/organization"}]});
    assert_eq!(
        send(&s, "POST", "/v1.0/$batch", Some(&tok), &[], Some(dup))
            .await
            .status,
        400
    );
    let forward = json!({"requests": [{"id": "1", "method": "GET", "url": "/organization", "dependsOn": ["2"]}, {"id": "2", "method": "GET", "url": "/organization"}]});
    assert_eq!(
        send(&s, "POST", "/v1.0/$batch", Some(&tok), &[], Some(forward))
            .await
            .status,
        400
    );
    assert_eq!(
        send(
            &s,
            "POST",
            "/v1.0/$batch",
            None,
            &[],
            Some(json!({"requests": []}))
        )
        .await
        .status,
        401
    );
    s.shutdown().await;
}

#[tokio::test]
async fn throttling_and_unavailability_come_first_then_service_resumes() {
    let s = start("throttled-then-healthy").await;
    let tok = token(&s, "diagnosed");
    let path = format!("/v1.0/groups/{ENGINEERING}");
    for _ in 0..2 {
        let a = get(&s, &path, &tok).await;
        assert_eq!((a.status, a.code()), (429, "TooManyRequests"));
        assert_eq!(a.header("retry-after"), Some("0.2"));
        assert_eq!(
            a.code(),
            corpus_body("throttle-docs-sample")["error"]["code"]
        );
    }
    let a = get(&s, &path, &tok).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.header("retry-after"), Some("0.2"));
    assert_eq!(get(&s, &path, &tok).await.status, 200);
    assert_eq!(s.request_count(), 4);
    s.shutdown().await;
}

#[tokio::test]
async fn batch_inner_requests_are_throttled_individually() {
    let mut scenario = Scenario::load("throttled-then-healthy").expect("loads");
    scenario.faults.throttle_first = 1;
    scenario.faults.unavailable_first = 0;
    let s = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("start");
    let body = json!({"requests": [{"id": "a", "method": "GET", "url": "/organization"}, {"id": "b", "method": "GET", "url": "/organization"}]});
    let a = send(
        &s,
        "POST",
        "/v1.0/$batch",
        Some(&token(&s, "diagnosed")),
        &[],
        Some(body),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["responses"][0]["status"], 429);
    assert_eq!(a.body["responses"][0]["headers"]["Retry-After"], "0.2");
    assert_eq!(a.body["responses"][1]["status"], 200);
    s.shutdown().await;
}

#[tokio::test]
async fn latency_override_delays_every_answer() {
    let scenario = Scenario::load("healthy-app")
        .expect("loads")
        .with_latency(30);
    assert_eq!(scenario.faults.latency_ms, 30);
    let s = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("start");
    let started = std::time::Instant::now();
    assert_eq!(
        get(&s, "/v1.0/organization", &token(&s, "diagnosed"))
            .await
            .status,
        200
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(30));
    s.shutdown().await;
}

// ---------------------------------------------------------------- token endpoint

async fn token_request(
    s: &SimServer,
    tenant: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Answer {
    let resp = http()
        .post(format!("{}/{tenant}/oauth2/v2.0/{endpoint}", s.base_url))
        .form(form)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

fn assert_aadsts(a: &Answer, status: u16, error: &str, code: u64) {
    assert_eq!(a.status, status, "{:?}", a.body);
    assert_eq!(a.body["error"], error, "{:?}", a.body);
    assert_eq!(a.body["error_codes"], json!([code]));
    let d = a.body["error_description"].as_str().expect("description");
    assert!(d.starts_with(&format!("AADSTS{code}: ")), "{d}");
    assert!(
        d.contains("\r\nTrace ID: ")
            && d.contains("\r\nCorrelation ID: ")
            && d.contains("\r\nTimestamp: "),
        "{d}"
    );
    assert_eq!(
        a.body["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(a.body[k].is_string(), "{k}");
    }
}

/// The AADSTS message text before "\r\nTrace ID".
fn aadsts_text(body: &Value) -> String {
    body["error_description"]
        .as_str()
        .unwrap_or_default()
        .split("\r\n")
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn client_credentials_with_a_secret() {
    let s = start("healthy-app").await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", DAEMON),
        ("client_secret", "sim-secret-provisioning-daemon"),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let a = token_request(&s, TID, "token", &form).await;
    assert_eq!(a.status, 200);
    assert!(a.header("x-ms-request-id").is_some() && a.header("x-ms-ags-diagnostic").is_none());
    assert_eq!(a.body["token_type"], "Bearer");
    assert!(a.body["expires_in"].as_i64().is_some_and(|e| e > 3000));
    let access = a.body["access_token"].as_str().expect("token");
    let info = TokenInfo::decode(access).expect("jwt");
    assert!(info
        .roles()
        .contains(&"GroupMember.ReadWrite.All".to_string()));
    assert!(info.time_claim("exp").expect("exp") > now());
    assert_eq!(
        get(&s, &format!("/v1.0/groups/{ENGINEERING}"), access)
            .await
            .status,
        200,
        "the issued token works"
    );
    // By verified domain too.
    assert_eq!(
        token_request(&s, "contoso.com", "token", &form)
            .await
            .status,
        200
    );

    let mut wrong = form;
    wrong[2].1 = "Xyz8Q~secret-id-not-value";
    let a = token_request(&s, TID, "token", &wrong).await;
    assert_aadsts(&a, 401, "invalid_client", 7000215);
    let real = corpus_body("aadsts7000215-secret-id-agentstoolkit8621");
    let real_text = aadsts_text(&real);
    let ours = aadsts_text(&a.body);
    let cut = |t: &str| {
        t.split(" for a secret added to app")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(cut(&ours), cut(&real_text));
    let keys = |v: &Value| -> std::collections::BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys(&a.body), keys(&real));

    let mut unknown = form;
    unknown[1].1 = "ffffffff-0000-4000-8000-000000000000";
    assert_aadsts(
        &token_request(&s, TID, "token", &unknown).await,
        400,
        "unauthorized_client",
        700016,
    );
    let a = token_request(&s, "fabrikam.example", "token", &form).await;
    assert_aadsts(&a, 400, "invalid_tenant", 90002);
    let real = aadsts_text(&corpus_body("aadsts90002-invalid-tenant-wufb6"));
    assert_eq!(
        aadsts_text(&a.body).replace("fabrikam.example", "tenant_id"),
        real
    );
    let mut scope = form;
    scope[3].1 = "User.Read";
    assert_aadsts(
        &token_request(&s, TID, "token", &scope).await,
        400,
        "invalid_scope",
        1002012,
    );
    assert_aadsts(
        &token_request(&s, TID, "token", &form[1..]).await,
        400,
        "invalid_request",
        900144,
    );
    assert_aadsts(
        &token_request(&s, TID, "token", &[form[0], form[1], form[3]]).await,
        401,
        "invalid_client",
        7000218,
    );
    s.shutdown().await;
}

fn assertion(thumbprint_hex: &str, client: &str, aud: &str, exp: i64) -> String {
    let bytes: Vec<u8> = (0..thumbprint_hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&thumbprint_hex[i * 2..i * 2 + 2], 16).ok())
        .collect();
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": URL_SAFE_NO_PAD.encode(bytes)});
    let claims = json!({"iss": client, "sub": client, "aud": aud, "exp": exp, "nbf": now() - 10, "jti": "x"});
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.c2ln", enc(&header), enc(&claims))
}

#[tokio::test]
async fn client_credentials_with_a_certificate_assertion() {
    let s = start("healthy-app").await;
    let aud = format!("https://login.microsoftonline.com/{TID}/oauth2/v2.0/token");
    let good = "3F2A9C1D5E7B8A6F4C2D1E0F9A8B7C6D5E4F3A2B";
    let run = |a: String| {
        let s = &s;
        async move {
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", DAEMON),
                ("scope", "https://graph.microsoft.com/.default"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", a.as_str()),
            ];
            token_request(s, TID, "token", &form).await
        }
    };
    assert_eq!(
        run(assertion(good, DAEMON, &aud, now() + 600)).await.status,
        200
    );
    assert_aadsts(
        &run(assertion(
            "00112233445566778899AABBCCDDEEFF00112233",
            DAEMON,
            &aud,
            now() + 600,
        ))
        .await,
        401,
        "invalid_client",
        700027,
    );
    assert_aadsts(
        &run(assertion(good, DAEMON, &aud, now() - 600)).await,
        401,
        "invalid_client",
        700024,
    );
    assert_aadsts(
        &run(assertion(good, HELPDESK, &aud, now() + 600)).await,
        401,
        "invalid_client",
        700021,
    );
    assert_aadsts(&run("not-a-jwt".into()).await, 401, "invalid_client", 50027);
    s.shutdown().await;
}

#[tokio::test]
async fn device_code_sign_in_is_pending_once_then_issues_the_token() {
    let s = start("healthy-delegated").await;
    let a = token_request(
        &s,
        "organizations",
        "devicecode",
        &[
            ("client_id", HELPDESK),
            (
                "scope",
                "https://graph.microsoft.com/.default offline_access",
            ),
        ],
    )
    .await;
    assert_eq!(a.status, 200);
    for k in ["device_code", "user_code", "verification_uri", "message"] {
        assert!(a.body[k].is_string(), "{k}");
    }
    assert_eq!(a.body["interval"], 1);
    assert_eq!(a.body["expires_in"], 900);
    let user_code = a.body["user_code"].as_str().expect("code");
    assert!(a.body["message"].as_str().expect("m").contains(user_code));
    let device_code = a.body["device_code"].as_str().expect("dc").to_string();
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", HELPDESK),
        ("device_code", device_code.as_str()),
    ];
    assert_aadsts(
        &token_request(&s, TID, "token", &poll).await,
        400,
        "authorization_pending",
        70016,
    );
    let a = token_request(&s, TID, "token", &poll).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let info = TokenInfo::decode(a.body["access_token"].as_str().expect("t")).expect("jwt");
    assert_eq!(info.oid(), Some(ADA));
    assert!(info
        .scopes()
        .contains(&"GroupMember.ReadWrite.All".to_string()));
    assert!(info.wids().contains(&GROUPS_ADMIN.to_string()));
    assert_aadsts(
        &token_request(&s, TID, "token", &poll).await,
        400,
        "expired_token",
        70020,
    );
    s.shutdown().await;
}

/// A code polled after `expires_in` is refused with expired_token (AADSTS70020), as Entra does.
#[tokio::test]
async fn device_codes_expire_after_expires_in() {
    let mut scenario = Scenario::load("healthy-delegated").expect("loads");
    scenario.device_code.expires_in = 0;
    let s = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("starts");
    let a = token_request(
        &s,
        "organizations",
        "devicecode",
        &[
            ("client_id", HELPDESK),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!((a.status, a.body["expires_in"].as_u64()), (200, Some(0)));
    let device_code = a.body["device_code"].as_str().expect("dc").to_string();
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", HELPDESK),
        ("device_code", device_code.as_str()),
    ];
    assert_aadsts(
        &token_request(&s, TID, "token", &poll).await,
        400,
        "expired_token",
        70020,
    );
    s.shutdown().await;
}

async fn device_sign_in(s: &SimServer, extra: &[(&str, &str)]) -> Answer {
    device_sign_in_with(s, &[], extra).await
}

/// A device-code sign-in: `code_extra` goes with the device-code request, `extra` with each poll.
async fn device_sign_in_with(
    s: &SimServer,
    code_extra: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Answer {
    let mut code_form = vec![
        ("client_id", HELPDESK),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    code_form.extend_from_slice(code_extra);
    let a = token_request(s, TID, "devicecode", &code_form).await;
    let dc = a.body["device_code"].as_str().expect("dc").to_string();
    let mut poll = vec![
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", HELPDESK),
        ("device_code", dc.as_str()),
    ];
    poll.extend_from_slice(extra);
    let _pending = token_request(s, TID, "token", &poll).await;
    token_request(s, TID, "token", &poll).await
}

/// The access token of a successful token-endpoint answer, decoded.
fn issued(a: &Answer) -> (String, TokenInfo) {
    assert_eq!(a.status, 200, "{:?}", a.body);
    let t = a.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    let info = TokenInfo::decode(&t).expect("a JWT");
    (t, info)
}

#[tokio::test]
async fn claims_challenge_then_sign_in_with_its_claims_then_graph_answers() {
    // Conditional access demands authentication context c1: Graph challenges, the device-code
    // sign-in carries the decoded claims, the new token holds acrs c1 and Graph answers 200.
    let s = start("ca-claims-challenge").await;
    let path = format!("/v1.0/groups/{ENGINEERING}");
    let a = get(&s, &path, &token(&s, "diagnosed")).await;
    assert_eq!(a.status, 401);
    let claims = challenge_claims(&a).to_string();
    for (code_extra, poll_extra) in [
        (vec![], vec![("claims", claims.as_str())]),
        (vec![("claims", claims.as_str())], vec![]),
    ] {
        let (tok, info) = issued(&device_sign_in_with(&s, &code_extra, &poll_extra).await);
        assert_eq!(info.acrs(), vec!["c1".to_string()]);
        assert!(info.xms_cc().contains(&"cp1".to_string()));
        assert!(info.amr().contains(&"mfa".to_string()));
        let a = get(&s, &path, &tok).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        assert_eq!(a.body["id"], ENGINEERING);
    }
    // The base64 form, as the header carries it, is accepted too.
    let b64 = STANDARD.encode(&claims);
    let (tok, _) = issued(&device_sign_in(&s, &[("claims", b64.as_str())]).await);
    assert_eq!(get(&s, &path, &tok).await.status, 200);
    s.shutdown().await;

    // CAE revoked the daemon's token: client credentials with the nbf claims get a fresh token.
    let s = start("cae-claims-challenge-app").await;
    let a = get(&s, &path, &token(&s, "diagnosed")).await;
    assert_eq!(a.status, 401);
    let claims = challenge_claims(&a).to_string();
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", DAEMON),
        ("client_secret", "sim-secret-provisioning-daemon"),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let (_, stale) = issued(&token_request(&s, TID, "token", &form).await);
    assert!(
        stale.time_claim("iat").expect("iat") < now() - 1000,
        "the scenario's token"
    );
    form.push(("claims", claims.as_str()));
    let (tok, info) = issued(&token_request(&s, TID, "token", &form).await);
    assert!(info.time_claim("iat").expect("iat") >= now() - 5);
    assert!(info.time_claim("nbf").expect("nbf") >= now() - 5);
    assert!(info.xms_cc().contains(&"cp1".to_string()));
    let a = get(&s, &path, &tok).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    s.shutdown().await;
}

#[tokio::test]
async fn sign_in_failures_the_scenarios_configure() {
    let s = start("consent-missing").await;
    let a = device_sign_in(&s, &[]).await;
    assert_aadsts(&a, 400, "invalid_grant", 65001);
    assert_eq!(a.body["suberror"], "consent_required");
    let real = aadsts_text(&corpus_body("aadsts65001-default-scopes-oauth2microsoft31"));
    assert!(real.starts_with(
        aadsts_text(&a.body)
            .split(" with ID")
            .next()
            .expect("prefix")
    ));
    s.shutdown().await;

    let s = start("ca-claims-challenge").await;
    let a = device_sign_in(&s, &[]).await;
    assert_aadsts(&a, 400, "invalid_grant", 50076);
    assert_eq!(a.body["suberror"], "basic_action");
    let claims: Value =
        serde_json::from_str(a.body["claims"].as_str().expect("claims")).expect("json");
    assert!(claims["access_token"]["capolids"]["essential"]
        .as_bool()
        .expect("essential"));
    let real = corpus_body("aadsts50076-obo-msaljs5491");
    let prefix = |t: String| t.split(" to access").next().unwrap_or_default().to_string();
    assert_eq!(prefix(aadsts_text(&a.body)), prefix(aadsts_text(&real)));
    let claims_text = a.body["claims"].as_str().expect("c").to_string();
    let a = device_sign_in(&s, &[("claims", claims_text.as_str())]).await;
    assert_eq!(a.status, 200, "answering the challenge signs in");
    s.shutdown().await;

    let s = start("personal-account").await;
    let a = device_sign_in(&s, &[]).await;
    assert_aadsts(&a, 400, "invalid_grant", 50020);
    assert!(aadsts_text(&a.body).contains("sam@outlook.com"));
    s.shutdown().await;

    let s = start("healthy-app").await;
    let a = device_sign_in(&s, &[]).await;
    assert_eq!(
        a.status, 200,
        "the public client of the base tenant signs in"
    );
    let a = token_request(
        &s,
        TID,
        "token",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", DAEMON),
            ("device_code", "x"),
        ],
    )
    .await;
    assert_aadsts(&a, 401, "invalid_client", 7000218);
    let a = token_request(
        &s,
        TID,
        "token",
        &[("grant_type", "password"), ("client_id", DAEMON)],
    )
    .await;
    assert_aadsts(&a, 400, "unsupported_grant_type", 70003);
    s.shutdown().await;
}

#[tokio::test]
async fn every_scenario_serves_its_diagnosed_token_and_target() {
    for (name, _) in builtin() {
        let s = start(&name).await;
        let tok = token(&s, "diagnosed");
        assert!(!tok.is_empty(), "{name}");
        let target = s.target();
        let scenario = s.scenario();
        match &scenario.target.request {
            // A generic request's scenario names it instead of an operation.
            Some(r) => {
                assert_eq!(target.kind, OperationKind::Request, "{name}");
                let t = target.request.as_ref().expect("the request");
                assert!(r.contains(&t.path), "{name}: {r} vs {}", t.path);
            }
            None => assert_eq!(target.kind, scenario.target.operation, "{name}"),
        }
        // The reader token always reads the target group (or says it is missing).
        if let Some(g) = &target.group {
            let a = get(
                &s,
                &format!("/v1.0/groups/{g}?$select=id"),
                &token(&s, "reader"),
            )
            .await;
            let transient = scenario.faults.throttle_first + scenario.faults.unavailable_first > 0;
            assert!(
                a.status == 200 || a.status == 404 || transient,
                "{name}: {}",
                a.status
            );
        }
        s.shutdown().await;
    }
}

#[tokio::test]
async fn helper_endpoints_hand_out_scenario_tokens_for_curl() {
    let s = start("healthy-app").await;
    let tok = http()
        .get(format!("{}/_sim/token/diagnosed", s.base_url))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert_eq!(
        get(&s, &format!("/v1.0/groups/{ENGINEERING}"), &tok)
            .await
            .status,
        200
    );
    let resp = http()
        .get(format!("{}/_sim/token/nope", s.base_url))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 404);
    let info: Value = http()
        .get(format!("{}/_sim/scenario", s.base_url))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(info["name"], "healthy-app");
    assert_eq!(info["target"]["group"], ENGINEERING);
    assert_eq!(info["expect"]["exit_code"], 0);
    s.shutdown().await;
}

#[tokio::test]
async fn exchange_policy_scenario_carries_an_error_file() {
    let s = start("exchange-policy").await;
    let text = s.scenario().error_file.clone().expect("error file");
    assert!(text.starts_with("HTTP/1.1 403"));
    assert!(text.contains("Access to OData is disabled."));
    assert_eq!(
        s.scenario().expect.as_ref().and_then(|e| e.primary_cause),
        Some(CheckId::ExchangePolicy)
    );
    let _ = (ELI, PRA, EXCHANGE_ADMIN);
    s.shutdown().await;
}

// ---------------------------------------------------------------- no panics on any input

mod fuzz {
    use super::*;
    use graph_doctor::sim::http::{Call, Caller};
    use graph_doctor::sim::tenant::Tenant;
    use proptest::prelude::*;

    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "groups",
                "members",
                "$ref",
                "owners",
                "memberOf",
                "transitiveMemberOf",
                "me",
                "directory",
                "administrativeUnits",
                "directoryObjects",
                "servicePrincipals",
                "servicePrincipals(appId='00000003-0000-0000-c000-000000000000')",
                "applications(appId=",
                "microsoft.graph.administrativeUnit",
                "microsoft.graph.nope",
                "roleManagement",
                "users",
                ENGINEERING,
                BEN,
                HR_AU,
                LAPTOP,
                "%zz",
                "",
            ])
            .prop_map(str::to_string),
            "\\PC{0,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn graph_handlers_never_panic(
            method in prop::sample::select(vec!["GET", "POST", "PATCH", "DELETE", "PUT"]),
            segments in prop::collection::vec(segment(), 0..6),
            query in "\\PC{0,40}",
            body in prop::option::of(prop_oneof![
                Just(json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/10000000-0000-4000-8000-000000000002"})),
                Just(json!({"members@odata.bind": ["x", 1, null]})),
                Just(json!({"@odata.type": "#microsoft.graph.group", "displayName": 3})),
                "\\PC{0,20}".prop_map(Value::String),
            ]),
            delegated in any::<bool>(),
        ) {
            let scenario = Scenario::load("healthy-app").expect("loads");
            let mut tenant = Tenant::from_scenario(&scenario);
            let mut call = Call::new(method, &format!("{}?{query}", segments.join("/")));
            call.body = body;
            call.headers = vec![("consistencylevel".into(), "eventual".into())];
            let tok = if delegated { user_token(ADA, "Directory.AccessAsUser.All") } else { app_token(&["Directory.ReadWrite.All", "GroupMember.ReadWrite.All"]) };
            let caller = Caller::from_token(&TokenInfo::decode(&tok).expect("jwt"));
            let reply = graph_doctor::sim::graph::handle(&mut tenant, &call, &caller);
            prop_assert!((200..600).contains(&reply.status));
            if reply.status >= 400 {
                let body = reply.body.expect("errors have a body");
                prop_assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string());
            }
        }

        #[test]
        fn scenario_parsing_never_panics(text in "\\PC{0,200}", field in "[a-zA-Z_.]{1,12}", value in "\\PC{0,10}") {
            let _ = Scenario::from_text("fuzz.json", &text);
            let doc = format!(r#"{{"base": "_contoso", "name": "f", "summary": "s", "{field}": "{}"}}"#, value.replace(['"', '\\'], ""));
            let _ = Scenario::from_text("fuzz.json", &doc);
        }
    }
}

/// Each scenario's target operation, attempted with its diagnosed token, succeeds exactly when the
/// expected diagnosis finds nothing Graph itself enforces (a wrong `--tenant`, an Exchange policy or
/// a sign-in challenge seen only in an error file, and licences are diagnosis rules, not
/// request-time checks).
#[tokio::test]
async fn every_scenarios_operation_succeeds_exactly_when_its_diagnosis_says_so() {
    let not_enforced = [
        CheckId::TokenTenant,
        CheckId::ExchangePolicy,
        CheckId::LicenseTenant,
        CheckId::LicenseUser,
    ];
    for (name, _) in builtin() {
        let s = start(&name).await;
        let tok = token(&s, "diagnosed");
        let op = s.target();
        let expect = s.scenario().expect.clone().expect("expect");
        let g = op.group.clone().unwrap_or_default();
        let m = op.member.clone().unwrap_or_default();
        let a = op.au.clone().unwrap_or_default();
        let (method, path, body) = match op.kind {
            OperationKind::RemoveGroupMember => {
                ("DELETE", format!("/v1.0/groups/{g}/members/{m}/$ref"), None)
            }
            OperationKind::AddGroupOwner => (
                "POST",
                format!("/v1.0/groups/{g}/owners/$ref"),
                Some(reference(&m)),
            ),
            OperationKind::RemoveGroupOwner => {
                ("DELETE", format!("/v1.0/groups/{g}/owners/{m}/$ref"), None)
            }
            OperationKind::RemoveAuMember => (
                "DELETE",
                format!("/v1.0/directory/administrativeUnits/{a}/members/{m}/$ref"),
                None,
            ),
            // No built-in scenario targets a generic request.
            OperationKind::Request => continue,
            _ => {
                let (path, body) = added(&op);
                ("POST", path, Some(body))
            }
        };
        fn added(op: &graph_doctor::report::Operation) -> (String, Value) {
            match op.kind {
                OperationKind::AddGroupMember => (
                    format!(
                        "/v1.0/groups/{}/members/$ref",
                        op.group.clone().unwrap_or_default()
                    ),
                    reference(op.member.as_deref().unwrap_or_default()),
                ),
                OperationKind::AddAuMember => (
                    format!(
                        "/v1.0/directory/administrativeUnits/{}/members/$ref",
                        op.au.clone().unwrap_or_default()
                    ),
                    reference(op.member.as_deref().unwrap_or_default()),
                ),
                OperationKind::CreateAuGroup => (
                    format!(
                        "/v1.0/directory/administrativeUnits/{}/members",
                        op.au.clone().unwrap_or_default()
                    ),
                    json!({"@odata.type": "#microsoft.graph.group", "displayName": "New", "mailNickname": "new", "mailEnabled": false, "securityEnabled": true}),
                ),
                _ => (String::new(), Value::Null),
            }
        }
        let mut status = 0;
        for _ in 0..5 {
            status = send(&s, method, &path, Some(&tok), &[], body.clone())
                .await
                .status;
            if status != 429 && status != 503 {
                break;
            }
        }
        // A challenge seen only in the operator's error file is not one Graph repeats to this token.
        let from_error_file = s.scenario().error_file.is_some();
        let should_succeed = expect
            .failing
            .iter()
            .all(|c| not_enforced.contains(c) || (from_error_file && *c == CheckId::CaClaims));
        assert_eq!(
            (200..300).contains(&status),
            should_succeed,
            "{name}: status {status}, expected failing {:?}",
            expect.failing
        );
        s.shutdown().await;
    }
}

// ---------------------------------------------------------------- paging and record shapes

const ALL_STAFF: &str = "20000000-0000-4000-8000-000000000012";

/// The path of an absolute `@odata.nextLink` on this server.
fn next_path<'a>(s: &SimServer, a: &'a Answer) -> Option<&'a str> {
    let link = a.body["@odata.nextLink"].as_str()?;
    Some(
        link.strip_prefix(s.base_url.as_str())
            .expect("nextLink points at the server that answered"),
    )
}

/// Follows `@odata.nextLink` from `path`; returns each page's ids.
async fn pages(s: &SimServer, path: &str, tok: &str, eventual: bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut path = path.to_string();
    loop {
        let a = if eventual {
            get_eventual(s, &path, tok).await
        } else {
            get(s, &path, tok).await
        };
        assert_eq!(a.status, 200, "{path}: {:?}", a.body);
        out.push(a.ids());
        match next_path(s, &a) {
            Some(p) => path = p.to_string(),
            None => return out,
        }
        assert!(out.len() < 20, "paging ends");
    }
}

#[tokio::test]
async fn collections_come_in_pages_behind_next_link() {
    let s = start("already-member-large-group").await;
    let tok = token(&s, "reader");
    let members = format!("/v1.0/groups/{ALL_STAFF}/members?$select=id");
    let first = get(&s, &members, &tok).await;
    let keys: Vec<&String> = first.body.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["@odata.context", "@odata.nextLink", "value"]);
    let link = first.body["@odata.nextLink"].as_str().expect("nextLink");
    assert!(link.contains("$select=id&$skiptoken="), "{link}");
    let sizes: Vec<usize> = pages(&s, &members, &tok, false)
        .await
        .iter()
        .map(Vec::len)
        .collect();
    assert_eq!(sizes, [100, 51], "100 a page by default");
    let all: Vec<String> = pages(&s, &format!("{members}&$top=60"), &tok, false)
        .await
        .concat();
    assert_eq!(all.len(), 151);
    assert!(all.contains(&BEN.to_string()));
    let unique: std::collections::HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), 151, "no item twice across pages");

    // $count counts the whole collection on every page; $filter survives into the link.
    let counted = format!(
        "/v1.0/groups/{ALL_STAFF}/members?$count=true&$top=100&$filter=startswith(displayName,'Staff')"
    );
    let a = get_eventual(&s, &counted, &tok).await;
    assert_eq!(a.body["@odata.count"], 150);
    let second = get_eventual(&s, next_path(&s, &a).expect("next"), &tok).await;
    assert_eq!(
        (second.body["@odata.count"].clone(), second.ids().len()),
        (json!(150), 50)
    );
    assert!(second.body.get("@odata.nextLink").is_none());

    // Entity sets page too (the tenant holds more than 100 users).
    let users = pages(&s, "/v1.0/users?$select=id", &tok, false).await;
    assert!(users.len() == 2 && users[0].len() == 100);

    // A token the server did not issue.
    let a = get(&s, &format!("{members}&$skiptoken=bogus"), &tok).await;
    assert_eq!((a.status, a.code()), (400, "Request_BadRequest"));

    // Inside $batch the link is absolute too.
    let a = send(
        &s,
        "POST",
        "/v1.0/$batch",
        Some(&tok),
        &[],
        Some(json!({"requests": [{"id": "1", "method": "GET", "url": format!("/groups/{ALL_STAFF}/members?$select=id")}]})),
    )
    .await;
    let inner = &a.body["responses"][0]["body"];
    assert_eq!(inner["value"].as_array().map(Vec::len), Some(100));
    assert!(inner["@odata.nextLink"].as_str().is_some_and(
        |l| l.starts_with(&format!("{}/v1.0/groups/{ALL_STAFF}/members?", s.base_url))
    ));
    s.shutdown().await;
}

/// Asserts that `item` has exactly these properties, each of this JSON type
/// (`s` string, `b` bool, `n` number, `a` array, `o` object, `z` null, `s?` string or null).
fn assert_shape(what: &str, item: &Value, shape: &[(&str, &str)]) {
    let obj = item.as_object().unwrap_or_else(|| panic!("{what}: {item}"));
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    let mut want: Vec<&str> = shape.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    want.sort_unstable();
    assert_eq!(keys, want, "{what}: properties");
    for (k, t) in shape {
        let v = &obj[*k];
        let ok = match *t {
            "s" => v.is_string(),
            "s?" => v.is_string() || v.is_null(),
            "b" => v.is_boolean(),
            "n" => v.is_number(),
            "a" => v.is_array(),
            "o" => v.is_object(),
            "z" => v.is_null(),
            other => panic!("unknown type {other}"),
        };
        assert!(ok, "{what}.{k} should be {t}: {v}");
    }
}

#[tokio::test]
async fn records_have_graphs_v1_shapes() {
    let s = start("healthy-delegated").await;
    let reader = token(&s, "reader");
    let first = |a: Answer| a.body["value"][0].clone();
    let ra = first(
        get(
            &s,
            "/v1.0/roleManagement/directory/roleAssignments",
            &reader,
        )
        .await,
    );
    assert_shape(
        "roleAssignment",
        &ra,
        &[
            ("id", "s"),
            ("principalId", "s"),
            ("roleDefinitionId", "s"),
            ("directoryScopeId", "s"),
            ("appScopeId", "z"),
        ],
    );
    let scoped =
        format!("/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{ARIA}'");
    assert_eq!(
        first(get(&s, &scoped, &reader).await)["directoryScopeId"],
        format!("/administrativeUnits/{SALES_AU}")
    );
    let es = first(
        get(
            &s,
            "/v1.0/roleManagement/directory/roleEligibilitySchedules",
            &reader,
        )
        .await,
    );
    assert_shape(
        "roleEligibilitySchedule",
        &es,
        &[
            ("id", "s"),
            ("principalId", "s"),
            ("roleDefinitionId", "s"),
            ("directoryScopeId", "s"),
            ("appScopeId", "z"),
            ("memberType", "s"),
            ("status", "s"),
            ("createdUsing", "s"),
            ("createdDateTime", "s"),
            ("modifiedDateTime", "z"),
            ("scheduleInfo", "o"),
        ],
    );
    assert_eq!(es["status"], "Provisioned");
    assert_shape(
        "scheduleInfo",
        &es["scheduleInfo"],
        &[
            ("startDateTime", "s"),
            ("recurrence", "z"),
            ("expiration", "o"),
        ],
    );
    assert_shape(
        "expiration",
        &es["scheduleInfo"]["expiration"],
        &[("type", "s"), ("endDateTime", "s?"), ("duration", "s?")],
    );
    let grant = first(get(&s, "/v1.0/oauth2PermissionGrants", &reader).await);
    assert_shape(
        "oauth2PermissionGrant",
        &grant,
        &[
            ("id", "s"),
            ("clientId", "s"),
            ("consentType", "s"),
            ("principalId", "s?"),
            ("resourceId", "s"),
            ("scope", "s"),
        ],
    );
    assert!(["AllPrincipals", "Principal"].contains(&grant["consentType"].as_str().unwrap_or("")));
    let ara = first(
        get(
            &s,
            &format!("/v1.0/servicePrincipals/{DAEMON_SP}/appRoleAssignments"),
            &reader,
        )
        .await,
    );
    assert_shape(
        "appRoleAssignment",
        &ara,
        &[
            ("id", "s"),
            ("appRoleId", "s"),
            ("createdDateTime", "s"),
            ("deletedDateTime", "z"),
            ("principalDisplayName", "s"),
            ("principalId", "s"),
            ("principalType", "s"),
            ("resourceDisplayName", "s"),
            ("resourceId", "s"),
        ],
    );
    let sku = first(get(&s, "/v1.0/subscribedSkus", &reader).await);
    assert_shape(
        "subscribedSku",
        &sku,
        &[
            ("id", "s"),
            ("accountId", "s"),
            ("accountName", "s"),
            ("skuId", "s"),
            ("skuPartNumber", "s"),
            ("capabilityStatus", "s"),
            ("appliesTo", "s"),
            ("consumedUnits", "n"),
            ("prepaidUnits", "o"),
            ("servicePlans", "a"),
            ("subscriptionIds", "a"),
        ],
    );
    assert_shape(
        "servicePlanInfo",
        &sku["servicePlans"][0],
        &[
            ("servicePlanId", "s"),
            ("servicePlanName", "s"),
            ("provisioningStatus", "s"),
            ("appliesTo", "s"),
        ],
    );
    assert_shape(
        "licenseUnitsDetail",
        &sku["prepaidUnits"],
        &[
            ("enabled", "n"),
            ("suspended", "n"),
            ("warning", "n"),
            ("lockedOut", "n"),
        ],
    );
    let org = first(get(&s, "/v1.0/organization?$select=verifiedDomains", &reader).await);
    assert_shape(
        "verifiedDomain",
        &org["verifiedDomains"][0],
        &[
            ("name", "s"),
            ("isDefault", "b"),
            ("isInitial", "b"),
            ("type", "s"),
            ("capabilities", "s"),
        ],
    );

    let me = token(&s, "diagnosed");
    let lic = get(&s, "/v1.0/me?$select=assignedLicenses", &me).await;
    assert_shape(
        "assignedLicense",
        &lic.body["assignedLicenses"][0],
        &[("skuId", "s"), ("disabledPlans", "a")],
    );
    // The cast answers with or without ConsistencyLevel (docs/facts.md §10.11: unconfirmed).
    let cast = "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole";
    for a in [
        get(&s, cast, &me).await,
        get_eventual(&s, &format!("{cast}?$count=true"), &me).await,
    ] {
        assert_eq!(a.status, 200, "{:?}", a.body);
        let role = &a.body["value"][0];
        assert_shape(
            "directoryRole",
            role,
            &[
                ("@odata.type", "s"),
                ("id", "s"),
                ("displayName", "s"),
                ("description", "s"),
                ("roleTemplateId", "s"),
            ],
        );
        assert_eq!(role["@odata.type"], "#microsoft.graph.directoryRole");
        assert_eq!(role["roleTemplateId"], GROUPS_ADMIN);
    }
    // $select keeps @odata.type on polymorphic collections, as Graph does.
    let a = get(&s, &format!("{cast}?$select=roleTemplateId"), &me).await;
    assert_eq!(
        a.body["value"][0],
        json!({"@odata.type": "#microsoft.graph.directoryRole", "roleTemplateId": GROUPS_ADMIN})
    );
    s.shutdown().await;
}

#[tokio::test]
async fn count_needs_eventual_as_the_advanced_query_doc_says() {
    let s = start("already-member-large-group").await;
    let tok = token(&s, "reader");
    // `?$count=true` without ConsistencyLevel is silently ignored…
    for path in [
        "/v1.0/users?$count=true&$top=5",
        &format!("/v1.0/groups/{ALL_STAFF}/members?$count=true&$top=5"),
    ] {
        let a = get(&s, path, &tok).await;
        assert_eq!(a.status, 200, "{path}: {:?}", a.body);
        assert!(a.body.get("@odata.count").is_none(), "{path}");
        let a = get_eventual(&s, path, &tok).await;
        assert!(
            a.body["@odata.count"].as_u64().is_some_and(|n| n > 100),
            "{path}"
        );
    }
    // …the `$count` segment is a 400 (the doc's own example), and plain text with it.
    let a = get(&s, "/v1.0/users/$count", &tok).await;
    assert_eq!(
        (a.status, a.code(), a.message()),
        (
            400,
            "Request_BadRequest",
            "$count is not currently supported."
        )
    );
    let a = get_eventual(
        &s,
        &format!("/v1.0/groups/{ALL_STAFF}/members/$count"),
        &tok,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("text/plain"));
    assert_eq!(a.body, json!(151));
    let a = get_eventual(
        &s,
        &format!("/v1.0/groups/{ALL_STAFF}/members/microsoft.graph.user/$count"),
        &tok,
    )
    .await;
    assert_eq!(a.body, json!(151));
    s.shutdown().await;
}

#[tokio::test]
async fn graph_doctors_own_sign_in_satisfies_the_challenge_it_was_given() {
    use graph_doctor::auth::challenge::claims_parameter;
    use graph_doctor::auth::flows::sign_in;
    use graph_doctor::auth::sources::SignInConfig;
    use graph_doctor::secret::Secret;
    // CAE revoked the daemon's token: the client-secret sign-in, given the challenge's base64 claims
    // as the TUI passes them on, gets a token Graph accepts.
    let s = start("cae-claims-challenge-app").await;
    let path = format!("/v1.0/groups/{ENGINEERING}");
    let a = get(&s, &path, &token(&s, "diagnosed")).await;
    assert_eq!(a.status, 401);
    let www = a.header("www-authenticate").expect("challenge");
    let b64 = www
        .split("claims=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("claims");
    let cfg = SignInConfig {
        login_url: Some(s.base_url.clone()),
        tenant: Some(TID.into()),
        client_id: Some(DAEMON.into()),
        client_secret: Some(Secret::new("sim-secret-provisioning-daemon")),
        claims: claims_parameter(b64),
        ..SignInConfig::default()
    };
    assert!(cfg.claims.is_some());
    let tok = sign_in(graph_doctor::cli::SignIn::ClientSecret, &cfg, |_| {})
        .await
        .expect("sign-in");
    let a = get(&s, &path, tok.expose()).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    s.shutdown().await;
}

/// A tenant in a national cloud accepts only that cloud's Graph tokens (docs/facts.md §6a: tokens are
/// not interchangeable between clouds).
#[tokio::test]
async fn a_national_cloud_tenant_accepts_only_its_own_graph_audience() {
    let mut scenario = Scenario::load("healthy-app").expect("scenario loads");
    scenario.cloud = Some("usgov".into());
    let s = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    let mint = |aud: &str| {
        let mut extra = serde_json::Map::new();
        extra.insert("aud".into(), serde_json::json!(aud));
        s.scenario().mint_with("diagnosed", &extra).expect("mints")
    };
    for aud in ["https://graph.microsoft.us", "https://graph.microsoft.us/"] {
        let a = get(&s, "/v1.0/organization?$select=id", &mint(aud)).await;
        assert_eq!(a.status, 200, "{aud}: {}", a.body);
    }
    let a = get(
        &s,
        "/v1.0/organization?$select=id",
        &mint("https://graph.microsoft.com"),
    )
    .await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.body["error"]["message"],
        "Access token validation failure. Invalid audience."
    );
    let mut bad = Scenario::load("healthy-app").expect("scenario loads");
    bad.cloud = Some("mars".into());
    let text = serde_json::to_string(&bad).expect("serializes");
    let err = Scenario::from_text("mars.json", &text).expect_err("refused");
    assert!(err.to_string().contains("field `cloud`"), "{err}");
}

/// Large collections generated from a compact scenario description page like Graph's (100 by
/// default, `$top` up to 999); the record collections refuse the `$filter`s Graph refuses (issue
/// 15, items 11 and 12).
#[tokio::test]
async fn large_record_collections_page_and_refuse_unsupported_filters() {
    let s = start("sp-1500-app-role-assignments").await;
    let tok = token(&s, "reader");
    let list = format!("/v1.0/servicePrincipals/{DAEMON_SP}/appRoleAssignments");
    let sizes: Vec<usize> = pages(&s, &list, &tok, false)
        .await
        .iter()
        .map(Vec::len)
        .collect();
    assert_eq!(sizes, [100; 15], "100 a page by default");
    let all = pages(&s, &format!("{list}?$top=999"), &tok, false).await;
    assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), [999, 501]);
    assert_eq!(
        all.concat().last().map(String::as_str),
        Some("ara-02-Directory.Read.All"),
        "the scenario's own assignments come after the generated ones"
    );
    let a = get(&s, &format!("{list}?$top=1000"), &tok).await;
    assert_eq!((a.status, a.code()), (400, "Request_BadRequest"));
    // Graph answers a $filter on appRoleAssignments "Invalid filter clause" (field reports).
    let a = get(
        &s,
        &format!("{list}?$filter=resourceId eq '40000000-0000-4000-8000-000000000001'"),
        &tok,
    )
    .await;
    assert_eq!(
        (a.status, a.code(), a.message()),
        (400, "BadRequest", "Invalid filter clause")
    );
    s.shutdown().await;

    // A server whose pages hold 100 whatever $top asks (faults.max_page_size).
    let s = start("sp-1500-app-role-assignments-small-pages").await;
    let tok = token(&s, "reader");
    let a = get(&s, &format!("{list}?$top=999"), &tok).await;
    assert_eq!(a.ids().len(), 100);
    assert!(next_path(&s, &a).is_some_and(|p| p.contains("$top=999")));
    s.shutdown().await;

    let s = start("client-5000-consent-grants").await;
    let tok = token(&s, "reader");
    let grants = format!("/v1.0/oauth2PermissionGrants?$filter=clientId eq '{HELPDESK_SP}'");
    let all = pages(&s, &format!("{grants}&$top=999"), &tok, false).await;
    assert_eq!(all.concat().len(), 5000);
    assert_eq!(
        all.concat().last().map(String::as_str),
        Some("grant-helpdesk-all")
    );
    // Narrowed to the tenant-wide grant and one user's own: one grant, one page.
    let narrow = format!(
        "/v1.0/oauth2PermissionGrants?$filter=clientId eq '{HELPDESK_SP}' and (consentType eq 'AllPrincipals' or principalId eq '{ADA}')&$top=999"
    );
    let a = get(&s, &narrow, &tok).await;
    assert_eq!(a.ids(), ["grant-helpdesk-all"]);
    let a = get(
        &s,
        &format!("{grants} and (consentType eq 'AllPrincipals' or principalId eq 'f0000000-0000-4000-8000-000000000007')"),
        &tok,
    )
    .await;
    assert_eq!(a.ids(), ["grant-helpdesk-user-0007", "grant-helpdesk-all"]);
    // scope is not filterable (msgraph-sdk-powershell#1763: "Filter is invalid. scope").
    let a = get(
        &s,
        "/v1.0/oauth2PermissionGrants?$filter=scope eq 'User.Read'",
        &tok,
    )
    .await;
    assert_eq!(
        (a.status, a.code(), a.message()),
        (400, "Request_UnsupportedQuery", "Filter is invalid. scope")
    );
    // Role management: the documented filter properties, $top accepted, others refused.
    let a = get(
        &s,
        &format!("/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{ADA}'&$top=999"),
        &tok,
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(!a.ids().is_empty());
    for bad in [
        "/v1.0/roleManagement/directory/roleAssignments?$filter=roleTemplateId eq 'x'",
        "/v1.0/roleManagement/directory/roleEligibilitySchedules?$filter=roleDefinitionId eq 'x'",
    ] {
        let a = get(&s, bad, &tok).await;
        assert_eq!((a.status, a.code()), (400, "BadRequest"), "{bad}");
    }
    s.shutdown().await;
}

/// graph-doctor's default public client ("Microsoft Graph Command Line Tools") exists in every
/// tenant: a device-code sign-in with it works against the simulated one too, with no client id
/// given (it used to end in AADSTS700016).
#[tokio::test]
async fn the_default_public_client_signs_in_with_a_device_code() {
    use graph_doctor::auth::flows::sign_in;
    use graph_doctor::auth::sources::SignInConfig;
    let s = start("healthy-app").await;
    let cfg = SignInConfig {
        login_url: Some(s.base_url.clone()),
        tenant: Some(TID.into()),
        ..SignInConfig::default()
    };
    let prompted = std::sync::atomic::AtomicBool::new(false);
    let tok = sign_in(graph_doctor::cli::SignIn::DeviceCode, &cfg, |_| {
        prompted.store(true, std::sync::atomic::Ordering::SeqCst);
    })
    .await
    .expect("the default client signs in");
    assert!(prompted.load(std::sync::atomic::Ordering::SeqCst));
    let a = get(&s, &format!("/v1.0/groups/{ENGINEERING}"), tok.expose()).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    s.shutdown().await;
}

/// rbacapplication-list-transitiveroleassignments (beta): direct and group-held assignments, the
/// group as principal; 404 without `ConsistencyLevel: eventual`; unknown on v1.0; direct-only
/// `roleAssignments` does not list group-held ones.
#[tokio::test]
async fn transitive_role_assignments_list_roles_held_through_groups() {
    const IVY: &str = "10000000-0000-4000-8000-000000000017";
    const SALES_AU_ADMINS: &str = "20000000-0000-4000-8000-000000000013";
    let s = start("healthy-au-scoped-role-via-role-assignable-group").await;
    let tok = app_token(&["RoleManagement.Read.Directory"]);
    let path = format!(
        "/beta/roleManagement/directory/transitiveRoleAssignments?$count=true&$filter=principalId eq '{IVY}'"
    );
    let a = get_eventual(&s, &path, &tok).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["value"][0]["principalId"], SALES_AU_ADMINS);
    assert_eq!(
        a.body["value"][0]["directoryScopeId"],
        format!("/administrativeUnits/{SALES_AU}")
    );
    assert_eq!(a.body["@odata.count"], 1);
    // Aria's own (direct) assignment is listed too.
    let a = get_eventual(
        &s,
        &format!("/beta/roleManagement/directory/transitiveRoleAssignments?$count=true&$filter=principalId eq '{ARIA}'"),
        &tok,
    )
    .await;
    assert_eq!(a.body["value"][0]["principalId"], ARIA);
    // Without the header: 404.
    let a = get(&s, &path, &tok).await;
    assert_eq!(a.status, 404);
    // Not on v1.0.
    let a = get_eventual(&s, &path.replacen("/beta/", "/v1.0/", 1), &tok).await;
    assert_eq!(a.status, 400);
    assert!(
        a.message().contains("transitiveRoleAssignments"),
        "{}",
        a.message()
    );
    // Without the permission: 403.
    let a = get_eventual(&s, &path, &app_token(&["Group.Read.All"])).await;
    assert_eq!(a.status, 403);
    // The direct listing does not show the group-held role.
    let a = get(
        &s,
        &format!("/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{IVY}'"),
        &tok,
    )
    .await;
    assert_eq!(a.body["value"].as_array().map(Vec::len), Some(0));
    // The role works: Ivy may add Ben to Sales Team, a group in the Sales AU.
    let ivy = user_token(IVY, "GroupMember.ReadWrite.All");
    expect_adds(
        &s,
        &[(
            ivy.as_str(),
            SALES_TEAM,
            BEN,
            204,
            "AU-scoped role through a group",
        )],
    )
    .await;
    s.shutdown().await;
}

/// admin-units-assign-roles, "Service principals and guest users": an AU-scoped role works for a
/// guest or a service principal only beside a tenant-wide read role.
#[tokio::test]
async fn guests_and_service_principals_need_a_tenant_wide_read_role_for_scoped_roles() {
    const GWEN: &str = "10000000-0000-4000-8000-000000000016";
    let scp = "GroupMember.ReadWrite.All";
    let s = start("guest-au-scoped-admin-without-directory-readers").await;
    expect_adds(
        &s,
        &[(
            user_token(GWEN, scp),
            SALES_TEAM,
            BEN,
            403,
            "guest, AU-scoped role, no Directory Readers",
        )],
    )
    .await;
    s.shutdown().await;
    let s = start("healthy-guest-au-scoped-admin-directory-readers").await;
    expect_adds(
        &s,
        &[(
            user_token(GWEN, scp),
            SALES_TEAM,
            BEN,
            204,
            "guest with Directory Readers tenant-wide",
        )],
    )
    .await;
    s.shutdown().await;
    // The daemon's service principal holds Groups Administrator scoped to the restricted HR AU
    // (held-out restricted-au-app-with-scoped-role): with GroupMember.ReadWrite.All alone it
    // cannot use it; Directory.Read.All (read the directory) lets it.
    let mut scenario = Scenario::load("restricted-au").expect("scenario");
    scenario.directory.role_assignments.push(serde_json::from_value(json!({"id": "ra-daemon-groups-hr", "principalId": DAEMON_SP, "roleDefinitionId": GROUPS_ADMIN, "directoryScopeId": format!("/administrativeUnits/{HR_AU}")})).expect("assignment"));
    let s = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    #[rustfmt::skip]
    let cases = [
        (app_token(&["GroupMember.ReadWrite.All"]), HR_CONFIDENTIAL, BEN, 403, "service principal without a read role"),
        (app_token(&["GroupMember.ReadWrite.All", "Directory.Read.All"]), HR_CONFIDENTIAL, BEN, 204, "with Directory.Read.All"),
    ];
    expect_adds(&s, &cases).await;
    s.shutdown().await;
}

/// `faults.no_advanced_queries` (an Azure AD B2C-like tenant): `ConsistencyLevel: eventual` is
/// ignored, so the member `$filter` and the OData cast are refused as without the header; plain
/// reads still answer.
#[tokio::test]
async fn a_tenant_without_advanced_queries_refuses_them_even_with_the_header() {
    let mut scenario = Scenario::load("healthy-app").expect("scenario loads");
    scenario.faults.no_advanced_queries = true;
    let s = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    let tok = token(&s, "diagnosed");
    let eventual = [("ConsistencyLevel", "eventual")];
    for path in [
        format!("/v1.0/groups/{ENGINEERING}/members?$select=id&$filter=id eq '{BEN}'&$count=true"),
        format!(
            "/v1.0/groups/{ENGINEERING}/memberOf/microsoft.graph.administrativeUnit?$count=true"
        ),
    ] {
        let a = send(&s, "GET", &path, Some(&tok), &eventual, None).await;
        assert_eq!(
            (a.status, a.code()),
            (400, "Request_UnsupportedQuery"),
            "{path}"
        );
    }
    let a = send(
        &s,
        "GET",
        &format!("/v1.0/groups/{ENGINEERING}/members?$select=id"),
        Some(&tok),
        &eventual,
        None,
    )
    .await;
    assert_eq!(a.status, 200);
    s.shutdown().await;
}

/// The client's grants and app role assignments addressed by appId
/// (serviceprincipal-list-oauth2permissiongrants, serviceprincipal-list-approleassignments)
/// answer as the id forms do; the grants navigation takes the grant's filters and its own
/// permission (Directory.Read.All or DelegatedPermissionGrant.ReadWrite.All, not
/// Application.Read.All); an unknown appId is a 404.
#[tokio::test]
async fn service_principal_navigations_by_app_id() {
    let s = start("healthy-delegated").await;
    let tok = token(&s, "reader");
    let by_id = get(
        &s,
        &format!("/v1.0/oauth2PermissionGrants?$filter=clientId eq '{HELPDESK_SP}'"),
        &tok,
    )
    .await;
    assert_eq!(by_id.status, 200);
    assert!(!by_id.ids().is_empty());
    let by_app = get(
        &s,
        &format!("/v1.0/servicePrincipals(appId='{HELPDESK}')/oauth2PermissionGrants"),
        &tok,
    )
    .await;
    assert_eq!((by_app.status, by_app.ids()), (200, by_id.ids()));
    let narrowed = get(
        &s,
        &format!("/v1.0/servicePrincipals(appId='{HELPDESK}')/oauth2PermissionGrants?$filter=consentType eq 'AllPrincipals' or principalId eq '{ADA}'&$top=999"),
        &tok,
    )
    .await;
    assert_eq!(narrowed.status, 200);
    let a = get(
        &s,
        &format!("/v1.0/servicePrincipals(appId='{HELPDESK}')/oauth2PermissionGrants?$filter=scope eq 'x'"),
        &tok,
    )
    .await;
    assert_eq!((a.status, a.code()), (400, "Request_UnsupportedQuery"));
    // The navigation's own permission decides.
    let grants_only = app_token(&["DelegatedPermissionGrant.ReadWrite.All"]);
    let a = get(
        &s,
        &format!("/v1.0/servicePrincipals(appId='{HELPDESK}')/oauth2PermissionGrants"),
        &grants_only,
    )
    .await;
    assert_eq!(a.status, 200);
    let a = get(
        &s,
        &format!("/v1.0/servicePrincipals(appId='{HELPDESK}')/appRoleAssignments"),
        &grants_only,
    )
    .await;
    assert_eq!(a.status, 403);
    let a = get(
        &s,
        "/v1.0/servicePrincipals(appId='a0000000-0000-4000-8000-0000000000ff')/oauth2PermissionGrants",
        &tok,
    )
    .await;
    assert_eq!(a.status, 404);
    let ara = |path: String| {
        let s = &s;
        let tok = &tok;
        async move { get(s, &path, tok).await.ids() }
    };
    assert_eq!(
        ara(format!(
            "/v1.0/servicePrincipals(appId='{DAEMON}')/appRoleAssignments?$top=999"
        ))
        .await,
        ara(format!(
            "/v1.0/servicePrincipals/{DAEMON_SP}/appRoleAssignments?$top=999"
        ))
        .await
    );
    s.shutdown().await;
}

async fn owner_ref(s: &SimServer, tok: &str, method: &str, group: &str, owner: &str) -> Answer {
    if method == "POST" {
        send(
            s,
            "POST",
            &format!("/v1.0/groups/{group}/owners/$ref"),
            Some(tok),
            &[],
            Some(reference(owner)),
        )
        .await
    } else {
        send(
            s,
            "DELETE",
            &format!("/v1.0/groups/{group}/owners/{owner}/$ref"),
            Some(tok),
            &[],
            None,
        )
        .await
    }
}

#[tokio::test]
async fn owners_are_added_and_removed_with_graphs_rules() {
    let s = start("healthy-app").await;
    // GroupMember.ReadWrite.All changes members, not owners (group-post-owners: Group.ReadWrite.All).
    let members_only = app_token(&["GroupMember.ReadWrite.All"]);
    let a = owner_ref(&s, &members_only, "POST", ENGINEERING, BEN).await;
    assert_eq!((a.status, a.code()), (403, "Authorization_RequestDenied"));
    let tok = app_token(&["Group.ReadWrite.All"]);
    assert_eq!(
        owner_ref(&s, &tok, "POST", ENGINEERING, BEN).await.status,
        204
    );
    let owners = get(
        &s,
        &format!("/v1.0/groups/{ENGINEERING}/owners?$select=id"),
        &tok,
    )
    .await;
    assert!(owners.ids().contains(&BEN.to_string()));
    // Again: the corpus message, naming 'owners'.
    let a = owner_ref(&s, &tok, "POST", ENGINEERING, BEN).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.message(),
        "One or more added object references already exist for the following modified properties: 'owners'."
    );
    // Only users and service principals can be owners.
    assert_eq!(
        owner_ref(&s, &tok, "POST", ENGINEERING, LAPTOP)
            .await
            .status,
        400
    );
    assert_eq!(
        owner_ref(&s, &tok, "POST", ENGINEERING, DAEMON_SP)
            .await
            .status,
        204
    );
    // An unknown object: 404; a distribution group: 400; a dynamic group takes owners.
    let a = owner_ref(
        &s,
        &tok,
        "POST",
        ENGINEERING,
        "10000000-0000-4000-8000-0000000000ff",
    )
    .await;
    assert_eq!((a.status, a.code()), (404, "Request_ResourceNotFound"));
    assert_eq!(owner_ref(&s, &tok, "POST", SALES_DL, BEN).await.status, 400);
    assert_eq!(owner_ref(&s, &tok, "POST", DYNAMIC, BEN).await.status, 204);
    // Removing: an owner, 204; not an owner, 404; the last user owner, 400.
    assert_eq!(
        owner_ref(&s, &tok, "DELETE", ENGINEERING, BEN).await.status,
        204
    );
    let a = owner_ref(&s, &tok, "DELETE", ENGINEERING, BEN).await;
    assert_eq!((a.status, a.code()), (404, "Request_ResourceNotFound"));
    let a = owner_ref(&s, &tok, "DELETE", ENGINEERING, OLGA).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.message(),
        "The group must have at least one owner, hence this owner cannot be removed."
    );
    // The service principal is no user: removing it leaves Olga, and is allowed.
    assert_eq!(
        owner_ref(&s, &tok, "DELETE", ENGINEERING, DAEMON_SP)
            .await
            .status,
        204
    );
    // Role-assignable groups need RoleManagement.ReadWrite.Directory.
    assert_eq!(owner_ref(&s, &tok, "POST", TIER0, BEN).await.status, 403);
    s.shutdown().await;
}

#[tokio::test]
async fn delegated_owner_changes_need_an_owners_role() {
    let s = start("healthy-delegated").await;
    const UMA: &str = "10000000-0000-4000-8000-000000000011";
    let scp = "Group.ReadWrite.All";
    // Exchange Administrator: owners of Microsoft 365 groups only.
    let eli = user_token(ELI, scp);
    assert_eq!(
        owner_ref(&s, &eli, "POST", ENGINEERING, BEN).await.status,
        403
    );
    assert_eq!(owner_ref(&s, &eli, "POST", PHOENIX, BEN).await.status, 204);
    // User Administrator: user owners only.
    let uma = user_token(UMA, scp);
    assert_eq!(
        owner_ref(&s, &uma, "POST", ENGINEERING, DAEMON_SP)
            .await
            .status,
        403
    );
    assert_eq!(
        owner_ref(&s, &uma, "POST", ENGINEERING, BEN).await.status,
        204
    );
    // Olga owns Engineering: owners may change its owners.
    let olga = user_token(OLGA, scp);
    assert_eq!(
        owner_ref(&s, &olga, "DELETE", ENGINEERING, BEN)
            .await
            .status,
        204
    );
    // Cara holds no role and owns nothing.
    let cara = user_token(CARA, scp);
    assert_eq!(
        owner_ref(&s, &cara, "POST", ENGINEERING, BEN).await.status,
        403
    );
    s.shutdown().await;
}

#[tokio::test]
async fn removing_from_an_administrative_unit_needs_privileged_role_administrator() {
    let s = start("healthy-add-au-member").await;
    let path = |m: &str| format!("/v1.0/directory/administrativeUnits/{SALES_AU}/members/{m}/$ref");
    let a = send(
        &s,
        "DELETE",
        &path(BEN),
        Some(&app_token(&["GroupMember.ReadWrite.All"])),
        &[],
        None,
    )
    .await;
    assert_eq!((a.status, a.code()), (403, "Authorization_RequestDenied"));
    // The permission without the role (the daemon's service principal holds none).
    let a = send(
        &s,
        "DELETE",
        &path(BEN),
        Some(&app_token(&["AdministrativeUnit.ReadWrite.All"])),
        &[],
        None,
    )
    .await;
    assert_eq!(a.status, 403);
    let aria = user_token(ARIA, "AdministrativeUnit.ReadWrite.All");
    assert_eq!(
        send(&s, "DELETE", &path(BEN), Some(&aria), &[], None)
            .await
            .status,
        403
    );
    let priya = user_token(PRIYA, "AdministrativeUnit.ReadWrite.All");
    assert_eq!(
        send(&s, "DELETE", &path(BEN), Some(&priya), &[], None)
            .await
            .status,
        204
    );
    let a = send(&s, "DELETE", &path(BEN), Some(&priya), &[], None).await;
    assert_eq!((a.status, a.code()), (404, "Request_ResourceNotFound"));
    s.shutdown().await;
}

// ---------------------------------------------------------------- issue 10: membership rules

const GUS: &str = "10000000-0000-4000-8000-000000000020";

/// The guest policy: group settings read with group-list-settings' permissions, and a guest kept
/// out of a Microsoft 365 group with Graph's 403 while AllowToAddGuests is false.
#[tokio::test]
async fn group_settings_and_the_guest_policy_answer_as_graph_does() {
    let s = start("guest-blocked-group-policy").await;
    let denied = get(
        &s,
        "/v1.0/groupSettings",
        &app_token(&["GroupMember.ReadWrite.All"]),
    )
    .await;
    assert_eq!(
        (denied.status, denied.code()),
        (403, "Authorization_RequestDenied")
    );
    let tenant = get(
        &s,
        "/v1.0/groupSettings",
        &app_token(&["GroupSettings.Read.All"]),
    )
    .await;
    assert_eq!(tenant.status, 200);
    assert_eq!(tenant.body["value"][0]["displayName"], "Group.Unified");
    let group = get(
        &s,
        &format!("/v1.0/groups/{ALL_COMPANY}/settings"),
        &app_token(&["Directory.Read.All"]),
    )
    .await;
    assert_eq!(group.status, 200);
    assert_eq!(
        group.body["value"][0]["templateId"],
        "08d542b9-071f-4e16-94b0-74abb372e3d9"
    );
    // A delegated caller without one of the page's roles is refused even with the permission.
    let cara = user_token("10000000-0000-4000-8000-000000000003", "Directory.Read.All");
    assert_eq!(get(&s, "/v1.0/groupSettings", &cara).await.status, 403);
    let add = add_member(&s, &token(&s, "diagnosed"), ALL_COMPANY, GUS).await;
    assert_eq!(
        (add.status, add.code()),
        (403, "Authorization_RequestDenied")
    );
    assert!(
        add.message().starts_with(
            "Guests users are not allowed to join this Unified Group due to policy setting."
        ),
        "{}",
        add.message()
    );
    // A member user (Olga, not in it yet) joins the same group.
    let olga = add_member(
        &s,
        &token(&s, "diagnosed"),
        ALL_COMPANY,
        "10000000-0000-4000-8000-000000000009",
    )
    .await;
    assert_eq!(olga.status, 204);
    s.shutdown().await;
    let s = start("healthy-guest-m365-group").await;
    assert_eq!(
        add_member(&s, &token(&s, "diagnosed"), ALL_COMPANY, GUS)
            .await
            .status,
        204
    );
    s.shutdown().await;
}

/// A hidden-membership group lists its members (200) only with Member.Read.Hidden.
#[tokio::test]
async fn hidden_membership_is_listed_short_without_member_read_hidden() {
    let s = start("hidden-membership-group").await;
    let path = "/v1.0/groups/20000000-0000-4000-8000-000000000020/members?$select=id";
    let short = get(&s, path, &app_token(&["GroupMember.Read.All"])).await;
    assert_eq!((short.status, short.ids().len()), (200, 0));
    let full = get(
        &s,
        path,
        &app_token(&["GroupMember.Read.All", "Member.Read.Hidden"]),
    )
    .await;
    assert_eq!(
        full.ids(),
        vec!["10000000-0000-4000-8000-000000000009".to_string()]
    );
    // Its owner, signed in, sees the members.
    let olga = user_token(
        "10000000-0000-4000-8000-000000000009",
        "GroupMember.Read.All",
    );
    assert_eq!(get(&s, path, &olga).await.ids().len(), 1);
    s.shutdown().await;
}

/// A user created moments ago is read, but an add naming it answers 404 until it replicated.
#[tokio::test]
async fn a_just_created_member_is_missing_to_writes_during_replication() {
    let s = start("member-just-created").await;
    let nia = "10000000-0000-4000-8000-000000000021";
    let read = get(
        &s,
        &format!("/v1.0/users/{nia}?$select=id,userType,createdDateTime"),
        &app_token(&["User.Read.All"]),
    )
    .await;
    assert_eq!(read.status, 200);
    let created = read.body["createdDateTime"]
        .as_str()
        .expect("createdDateTime");
    let at = chrono::DateTime::parse_from_rfc3339(created)
        .expect("rfc3339")
        .timestamp();
    assert!((now() - at) < 300, "{created}");
    let add = add_member(
        &s,
        &token(&s, "diagnosed"),
        "20000000-0000-4000-8000-000000000001",
        nia,
    )
    .await;
    assert_eq!((add.status, add.code()), (404, "Request_ResourceNotFound"));
    s.shutdown().await;
    let s = start("healthy-member-created-earlier").await;
    let add = add_member(
        &s,
        &token(&s, "diagnosed"),
        "20000000-0000-4000-8000-000000000001",
        nia,
    )
    .await;
    assert_eq!(add.status, 204);
    s.shutdown().await;
}

/// PIM for Groups eligibilities
/// (https://learn.microsoft.com/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances):
/// the page's permission, the required `$filter`, the delegated caller's role, the instance shape;
/// and an eligible owner is no owner: the add is refused until the ownership is activated.
#[tokio::test]
async fn pim_for_groups_eligibilities_read_as_graph_lists_them_and_grant_nothing() {
    const OTTO: &str = "10000000-0000-4000-8000-000000000018";
    const SUPPORT: &str = "20000000-0000-4000-8000-000000000011";
    let s = start("pim-group-owner-not-activated").await;
    let path = format!("/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=principalId eq '{OTTO}'");
    let reader = app_token(&["PrivilegedEligibilitySchedule.Read.AzureADGroup"]);
    let denied = get(
        &s,
        &path,
        &app_token(&["Directory.Read.All", "RoleManagement.Read.Directory"]),
    )
    .await;
    assert_eq!(
        (denied.status, denied.code()),
        (403, "Authorization_RequestDenied")
    );
    let unscoped = get(
        &s,
        "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
        &reader,
    )
    .await;
    assert_eq!(unscoped.status, 400);
    let listed = get(&s, &path, &reader).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let item = &listed.body["value"][0];
    assert_eq!(
        (
            item["accessId"].as_str(),
            item["groupId"].as_str(),
            item["memberType"].as_str()
        ),
        (Some("owner"), Some(SUPPORT), Some("Direct"))
    );
    assert_eq!(item["id"], format!("{SUPPORT}_owner_{OTTO}"));
    assert!(listed.body["@odata.context"]
        .as_str()
        .is_some_and(|c| c.ends_with(
            "$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleInstances"
        )));
    let by_group = get(&s, &format!("/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '{SUPPORT}'"), &reader).await;
    assert_eq!(by_group.ids(), vec![format!("{SUPPORT}_owner_{OTTO}")]);
    // Delegated: Otto, neither owner nor member of Support Team and holding no role, is refused
    // even with the permission; Ada (Groups Administrator) reads it.
    let scp = "PrivilegedEligibilitySchedule.Read.AzureADGroup";
    assert_eq!(get(&s, &path, &user_token(OTTO, scp)).await.status, 403);
    let ada = user_token("10000000-0000-4000-8000-000000000001", scp);
    assert_eq!(get(&s, &path, &ada).await.status, 200);
    // An eligibility that has ended is no longer listed.
    let mut scenario = Scenario::load("pim-group-owner-not-activated").expect("scenario");
    let mut ended = scenario.directory.group_eligibility_schedule_instances[0].clone();
    ended.group_id = "20000000-0000-4000-8000-000000000001".into();
    ended.end_date_time = Some("2020-01-01T00:00:00Z".into());
    scenario
        .directory
        .group_eligibility_schedule_instances
        .push(ended);
    let old = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    assert_eq!(
        get(&old, &path, &reader).await.ids(),
        vec![format!("{SUPPORT}_owner_{OTTO}")]
    );
    // The eligible owner's add is refused as a non-owner's is.
    let add = add_member(
        &s,
        &token(&s, "diagnosed"),
        SUPPORT,
        "10000000-0000-4000-8000-000000000002",
    )
    .await;
    assert_eq!(
        (add.status, add.code()),
        (403, "Authorization_RequestDenied")
    );
}
