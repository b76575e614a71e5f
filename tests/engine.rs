//! End-to-end tests of the diagnosis engine: every built-in scenario of the simulated tenant is
//! diagnosed through the real binary (`check --format json`) and its primary cause, failing set
//! and exit code are compared with the scenario's `expect` block.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::process::Output;

use graph_doctor::sim::{builtin, Scenario, SimServer};
use serde_json::Value;

mod common;

/// Runs `check` against a served scenario (`GRAPH_DOCTOR_FORMAT` picks another format to eyeball).
async fn check(server: &SimServer, name: &str, with_reader: bool) -> (Output, Option<Value>) {
    let label = format!("{name}-{}", if with_reader { "reader" } else { "alone" });
    let format = std::env::var("GRAPH_DOCTOR_FORMAT").unwrap_or_else(|_| "json".into());
    let run = common::CheckRun {
        label: &label,
        with_reader,
        format: &format,
        extra: &[],
    };
    common::check(server, &run).await
}

fn failing(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["status"] == "fail")
                .filter_map(|c| c["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Diagnoses every scenario; returns one line per scenario whose diagnosis differs from `expect`.
/// With `strict` false (no reader token, so some evidence is out of reach) a diagnosis may fail
/// fewer checks than expected, but never one the scenario does not expect, and its primary cause
/// must be one of the expected failures.
async fn run_all(with_reader: bool, strict: bool) -> (usize, Vec<String>) {
    let mut mismatches = Vec::new();
    let mut n = 0;
    for (name, _) in builtin() {
        let scenario = Scenario::load(&name).expect("built-in scenario loads");
        let Some(expect) = scenario.expect.clone() else {
            continue;
        };
        n += 1;
        let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim starts");
        let (out, report) = check(&server, &name, with_reader).await;
        server.shutdown().await;
        let Some(report) = report else {
            mismatches.push(format!(
                "{name}: no JSON report (exit {:?}): {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        };
        let got_primary = report["primary_cause"].as_str().map(str::to_string);
        let want_primary = expect.primary_cause.map(|c| c.as_str().to_string());
        let got_failing = failing(&report);
        let want_failing: Vec<String> = expect
            .failing
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        let code = out.status.code().unwrap_or(-1);
        // Every failing or warning check says what to do and where the rule is documented.
        for c in report["checks"].as_array().into_iter().flatten() {
            let status = c["status"].as_str().unwrap_or_default();
            if c["docs"].as_array().is_none_or(|d| d.is_empty()) {
                mismatches.push(format!("{name}: {} has no docs link", c["id"]));
            }
            if (status == "fail" || status == "warn")
                && c["fix"].as_array().is_none_or(|f| f.is_empty())
            {
                mismatches.push(format!("{name}: {} is {status} without a fix", c["id"]));
            }
            if status == "fail" && c["evidence"].as_array().is_none_or(|e| e.is_empty()) {
                mismatches.push(format!("{name}: {} fails without evidence", c["id"]));
            }
        }
        // Checks the evidence cannot decide (a listing cut off at the page limit) stay unknown,
        // with or without the reader token: never a pass or a failure.
        for c in &expect.unknown {
            let got = status_of(&report, c.as_str());
            if got != "unknown" {
                mismatches.push(format!("{name}: {c} is {got}, expected unknown"));
            }
        }
        let ok = if strict {
            got_primary == want_primary && got_failing == want_failing && code == expect.exit_code
        } else {
            got_failing.iter().all(|f| want_failing.contains(f))
                && got_primary
                    .as_ref()
                    .is_none_or(|p| want_failing.contains(p))
                && (code == expect.exit_code || (code == 3 && expect.exit_code != 2))
        };
        if !ok {
            let unknown: Vec<String> = report["checks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["status"] == "unknown")
                .map(|c| {
                    format!(
                        "{}: {}",
                        c["id"].as_str().unwrap_or("?"),
                        c["summary"].as_str().unwrap_or("")
                    )
                })
                .collect();
            let fails: Vec<String> = report["checks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["status"] == "fail")
                .map(|c| {
                    format!(
                        "{}: {}",
                        c["id"].as_str().unwrap_or("?"),
                        c["summary"].as_str().unwrap_or("")
                    )
                })
                .collect();
            mismatches.push(format!(
                "{name}: primary {got_primary:?} (want {want_primary:?}), failing {got_failing:?} (want {want_failing:?}), exit {code} (want {})\n    fails: {}\n    unknown: {}",
                expect.exit_code,
                fails.join("\n           "),
                unknown.join("\n             ")
            ));
        }
    }
    (n, mismatches)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_diagnosed_through_the_binary() {
    let (n, mismatches) = run_all(true, true).await;
    assert!(
        n >= 30,
        "expected about 30 scenarios with expectations, found {n}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {n} scenarios differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_reader_token_no_scenario_gets_a_wrong_failure() {
    if std::env::var_os("GRAPH_DOCTOR_STRICT_ALONE").is_some() {
        let (n, strict) = run_all(false, true).await;
        println!(
            "{} of {n} scenarios differ without a reader token:\n{}",
            strict.len(),
            strict.join("\n")
        );
    }
    let (n, mismatches) = run_all(false, false).await;
    assert!(
        mismatches.is_empty(),
        "{} of {n} scenarios differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Prints the report of the scenario named in `GRAPH_DOCTOR_SCENARIO` (a debugging aid:
/// `GRAPH_DOCTOR_SCENARIO=healthy-app cargo test --test engine print_one -- --ignored --nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn print_one() {
    let name = std::env::var("GRAPH_DOCTOR_SCENARIO").unwrap_or_else(|_| "healthy-app".into());
    let reader = std::env::var_os("GRAPH_DOCTOR_WITH_READER").is_some();
    let scenario = Scenario::load(&name).expect("scenario");
    let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim");
    let (out, _) = check(&server, &name, reader).await;
    println!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("requests served: {}", server.request_count());
    server.shutdown().await;
}

/// A loopback server that answers every request with `response` (or never answers when None).
fn fake_graph(response: Option<&'static str>) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).ok();
        let started = std::time::Instant::now();
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            match response {
                Some(r) => {
                    let _ = s.write_all(r.as_bytes());
                }
                None => held.push(s),
            }
            if started.elapsed() > std::time::Duration::from_secs(20) || held.len() > 40 {
                break;
            }
        }
    });
    (url, handle)
}

async fn check_raw(
    url: &str,
    token: &str,
    timeout: &str,
) -> (Option<i32>, Option<Value>, String, std::time::Duration) {
    let token_file = common::tmp(
        &format!("raw-{}", url.rsplit(':').next().unwrap_or("0")),
        token,
    );
    let started = std::time::Instant::now();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args([
            "check",
            "--format",
            "json",
            "--graph-url",
            url,
            "--timeout",
            timeout,
        ])
        .args([
            "--group",
            "20000000-0000-4000-8000-000000000001",
            "--member",
            "10000000-0000-4000-8000-000000000002",
        ])
        .arg("--token-file")
        .arg(&token_file)
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .output()
        .await
        .expect("run graph-doctor");
    let elapsed = started.elapsed();
    let _ = std::fs::remove_file(token_file);
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).ok(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed,
    )
}

fn app_token() -> String {
    let now = chrono::Utc::now().timestamp();
    graph_doctor::auth::jwt::mint(&serde_json::json!({
        "aud": "https://graph.microsoft.com", "tid": "c0a1b2c3-d4e5-4f60-8a7b-0c1d2e3f4a5b", "oid": "40000000-0000-4000-8000-000000000002",
        "appid": "a0000000-0000-4000-8000-000000000001", "roles": ["GroupMember.ReadWrite.All"], "idtyp": "app", "ver": "1.0",
        "iat": now - 60, "nbf": now - 60, "exp": now + 3600
    }))
}

fn status_of<'a>(report: &'a Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .and_then(|c| c["status"].as_str())
        .unwrap_or("missing")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_unreachable_is_one_setup_error_not_a_panic() {
    // A port that was free a moment ago: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let base = format!("http://127.0.0.1:{port}");
    let (code, report, stderr, _) = check_raw(&base, &app_token(), "2").await;
    // Not one request answered: a setup error said once (exit 2), not a report of unknowns.
    assert_eq!(code, Some(2), "{stderr}");
    assert!(report.is_none(), "no report");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("Graph could not be reached at {base}: ")),
        "{stderr}"
    );
    assert!(!stderr.contains(&app_token()[..40]), "token leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_bodies_give_unknowns() {
    let (url, _h) = fake_graph(Some("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 38\r\nConnection: close\r\n\r\n<html><body>Sign in page</body></html>"));
    let (code, report, stderr, _) = check_raw(&url, &app_token(), "2").await;
    let report = report.unwrap_or_else(|| panic!("no report: {stderr}"));
    assert_eq!(code, Some(3));
    assert_eq!(status_of(&report, "group.exists"), "unknown");
    assert_eq!(status_of(&report, "member.object"), "unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_graph_times_out_instead_of_hanging() {
    let (url, _h) = fake_graph(None);
    let (code, report, stderr, elapsed) = check_raw(&url, &app_token(), "1").await;
    // Graph never answered: the setup error names the timeout.
    assert_eq!(code, Some(2), "{stderr}");
    assert!(report.is_none(), "no report");
    assert!(
        elapsed < std::time::Duration::from_secs(15),
        "took {elapsed:?}"
    );
    assert!(stderr.contains("Graph could not be reached"), "{stderr}");
    assert!(
        stderr.contains("timeout") || stderr.contains("did not answer"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_token_fails_token_format_and_is_never_sent() {
    let (url, _h) = fake_graph(Some(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ));
    let (code, report, stderr, _) = check_raw(&url, "this is not a token", "2").await;
    let report = report.unwrap_or_else(|| panic!("no report: {stderr}"));
    assert_eq!(code, Some(1));
    assert_eq!(report["primary_cause"], "token.format");
    assert_eq!(status_of(&report, "group.exists"), "unknown");
    assert!(report["checks"][10]["summary"]
        .as_str()
        .unwrap_or_default()
        .contains("not sent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphs_own_401_decides_the_token_checks() {
    let body = r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired.","innerError":{"date":"2026-01-01T00:00:00","request-id":"r","client-request-id":"c"}}}"#;
    let resp: &'static str = Box::leak(format!("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nWWW-Authenticate: Bearer realm=\"\", error=\"invalid_token\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).into_boxed_str());
    let (url, _h) = fake_graph(Some(resp));
    let (code, report, stderr, _) = check_raw(&url, &app_token(), "2").await;
    let report = report.unwrap_or_else(|| panic!("no report: {stderr}"));
    assert_eq!(code, Some(1));
    let primary = report["primary_cause"].as_str().unwrap_or_default();
    assert!(
        primary == "token.lifetime" || primary == "token.format",
        "{primary}"
    );
    assert_eq!(status_of(&report, "ca.claims"), "pass");
}

/// A minimal stand-in for Graph behaviours the simulated tenant does not produce, each one a
/// documented behaviour of the real service that any faithful implementation may show:
/// - JSON batching (learn.microsoft.com/graph/json-batching): answers in any order, matched by
///   `id`; `headers` absent; an inner 429 with `Retry-After` (throttling guidance: retry after
///   the delay); or no `$batch` endpoint at all (a 404/501 for `/$batch` itself).
/// - Advanced queries (group-list-members, group-list-memberof): an OData cast or
///   `$filter=id eq` refused with 400 `Request_UnsupportedQuery`.
/// - Paging (learn.microsoft.com/graph/paging): collections returned in pages, each carrying an
///   absolute `@odata.nextLink` on the Graph host.
/// - Properties left out of a `$select`ed object (`groupTypes`, `onPremisesSyncEnabled`) or
///   `null` (`isMemberManagementRestricted`, whose default is null meaning false).
mod faithful {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, OnceLock};

    use axum::body::Bytes;
    use axum::http::{Method, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};
    use serde_json::{json, Value};

    pub const GROUP: &str = "20000000-0000-4000-8000-000000000001";
    pub const MEMBER: &str = "10000000-0000-4000-8000-000000000002";
    pub const APP: &str = "a0000000-0000-4000-8000-000000000001";
    const SP: &str = "40000000-0000-4000-8000-000000000002";
    const GRAPH_SP: &str = "40000000-0000-4000-8000-0000000000ff";
    const AU: &str = "30000000-0000-4000-8000-000000000009";
    const AU2: &str = "30000000-0000-4000-8000-00000000000a";
    const GMRW_APP_ROLE: &str = "dbaae8cf-10b5-4b86-a4a1-f871c94c6695";
    const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
    const P1_PLAN: &str = "41781fb2-bc02-4b7c-bd55-b576c07bb09d";

    /// How the fake answers `POST /v1.0/$batch`.
    #[derive(Clone, Copy, Debug)]
    pub enum Batch {
        /// Answers reversed, without headers, the first one throttled (429, Retry-After: 0).
        Shuffled,
        /// The endpoint does not exist: every request must go on its own.
        Refused(u16),
    }

    #[derive(Clone)]
    struct Fake {
        base: Arc<OnceLock<String>>,
        batch: Batch,
        /// Answer `/directoryObjects/{member}` 403, as Graph does to a token without
        /// Directory.Read.All.
        deny_member: bool,
        throttled_once: Arc<AtomicBool>,
        /// Requests that reached the server (batch items count one each).
        pub hits: Arc<AtomicUsize>,
    }

    fn page(base: &str, values: Value, next: Option<&str>) -> Value {
        let mut b = json!({ "value": values });
        if let Some(n) = next {
            b["@odata.nextLink"] = json!(format!("{base}/v1.0{n}"));
        }
        b
    }

    fn unsupported() -> (u16, Value) {
        (
            400,
            json!({"error": {"code": "Request_UnsupportedQuery", "message": "Unsupported Query."}}),
        )
    }

    /// The answer to one request; `url` is the path and query below the version segment.
    fn answer(f: &Fake, base: &str, url: &str) -> (u16, Value) {
        let url = url.replace("%20", " ").replace("%27", "'");
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        if f.deny_member && path == format!("/directoryObjects/{MEMBER}") {
            return (
                403,
                json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}),
            );
        }
        let next = query.contains("$skiptoken=2");
        match path {
            p if p == format!("/groups/{GROUP}") => (
                200,
                json!({"id": GROUP, "displayName": "HR Team", "mailEnabled": false, "securityEnabled": true, "isAssignableToRole": null, "membershipRule": null}),
            ),
            p if p == format!("/groups/{GROUP}/memberOf/microsoft.graph.administrativeUnit") => {
                unsupported()
            }
            p if p == format!("/groups/{GROUP}/memberOf") => (
                200,
                if next {
                    page(
                        base,
                        json!([{"@odata.type": "#microsoft.graph.administrativeUnit", "id": AU, "displayName": "HR Confidential", "isMemberManagementRestricted": true}, {"@odata.type": "#microsoft.graph.administrativeUnit", "id": AU2, "displayName": "Sales"}]),
                        None,
                    )
                } else {
                    page(
                        base,
                        json!([{"@odata.type": "#microsoft.graph.group", "id": "20000000-0000-4000-8000-0000000000aa"}]),
                        Some(&format!("/groups/{GROUP}/memberOf?$skiptoken=2")),
                    )
                },
            ),
            p if p == format!("/groups/{GROUP}/members") && query.contains("$filter") => {
                unsupported()
            }
            p if p == format!("/groups/{GROUP}/members") => (
                200,
                if next {
                    page(base, json!([{"id": MEMBER}]), None)
                } else {
                    page(
                        base,
                        json!([{"id": "10000000-0000-4000-8000-0000000000bb"}]),
                        Some(&format!("/groups/{GROUP}/members?$select=id&$skiptoken=2")),
                    )
                },
            ),
            p if p == format!("/directoryObjects/{MEMBER}") => (
                200,
                json!({"@odata.type": "#microsoft.graph.user", "id": MEMBER, "displayName": "Ada"}),
            ),
            p if p == format!("/servicePrincipals(appId='{APP}')") => {
                (200, json!({"id": SP, "appId": APP}))
            }
            "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')" => {
                (200, json!({"id": GRAPH_SP}))
            }
            p if p == format!("/applications(appId='{APP}')") => (
                200,
                json!({"id": "a1000000-0000-4000-8000-000000000001", "requiredResourceAccess": []}),
            ),
            p if p == format!("/servicePrincipals/{SP}/appRoleAssignments") => (
                200,
                if next {
                    page(
                        base,
                        json!([{"appRoleId": GMRW_APP_ROLE, "resourceId": GRAPH_SP}]),
                        None,
                    )
                } else {
                    page(
                        base,
                        json!([]),
                        Some(&format!(
                            "/servicePrincipals/{SP}/appRoleAssignments?$skiptoken=2"
                        )),
                    )
                },
            ),
            // Read on its own: the plain memberOf listing did not select its flag; null is false.
            p if p == format!("/directory/administrativeUnits/{AU2}") => (
                200,
                json!({"id": AU2, "displayName": "Sales", "isMemberManagementRestricted": null, "membershipType": null}),
            ),
            // A service that refuses the narrowed grants filter: the documented form is read.
            "/oauth2PermissionGrants" if query.contains("consentType") => unsupported(),
            "/oauth2PermissionGrants" => (200, json!({"value": []})),
            "/roleManagement/directory/roleAssignments"
            | "/roleManagement/directory/transitiveRoleAssignments" => (
                200,
                if next {
                    page(base, json!([]), None)
                } else {
                    page(
                        base,
                        json!([{"roleDefinitionId": GLOBAL_ADMIN, "directoryScopeId": "/", "principalId": SP}]),
                        Some("/roleManagement/directory/roleAssignments?$skiptoken=2"),
                    )
                },
            ),
            "/subscribedSkus" => (
                200,
                json!({"value": [{"skuId": "06ebc4ee-1bb5-47dd-8120-11324bc54e06", "skuPartNumber": "SPE_E5", "capabilityStatus": "Warning", "servicePlans": [{"servicePlanId": P1_PLAN, "servicePlanName": "AAD_PREMIUM"}]}]}),
            ),
            _ => (
                404,
                json!({"error": {"code": "Request_ResourceNotFound", "message": "Resource not found."}}),
            ),
        }
    }

    fn json_response(status: u16, body: Value) -> Response {
        (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            axum::Json(body),
        )
            .into_response()
    }

    async fn handle(
        axum::extract::State(f): axum::extract::State<Fake>,
        method: Method,
        uri: Uri,
        body: Bytes,
    ) -> Response {
        let base = f.base.get().cloned().unwrap_or_default();
        let full = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        // The beta endpoint serves what diagnoses read there (transitiveRoleAssignments).
        let Some(rel) = full
            .strip_prefix("/v1.0")
            .or_else(|| full.strip_prefix("/beta"))
        else {
            return json_response(404, json!({}));
        };
        if method == Method::POST && rel == "/$batch" {
            return match f.batch {
                Batch::Refused(status) => {
                    f.hits.fetch_add(1, Ordering::SeqCst);
                    json_response(
                        status,
                        json!({"error": {"code": "BadRequest", "message": "Unsupported segment type."}}),
                    )
                }
                Batch::Shuffled => {
                    let req: Value = serde_json::from_slice(&body).unwrap_or_default();
                    let mut out = Vec::new();
                    for item in req["requests"].as_array().cloned().unwrap_or_default() {
                        f.hits.fetch_add(1, Ordering::SeqCst);
                        let id = item["id"].clone();
                        let url = item["url"].as_str().unwrap_or_default();
                        if !f.throttled_once.swap(true, Ordering::SeqCst) {
                            out.push(
                                json!({"id": id, "status": 429, "headers": {"Retry-After": "0"}}),
                            );
                            continue;
                        }
                        let (status, body) = answer(&f, &base, url);
                        out.push(json!({"id": id, "status": status, "body": body}));
                    }
                    out.reverse();
                    json_response(200, json!({"responses": out}))
                }
            };
        }
        f.hits.fetch_add(1, Ordering::SeqCst);
        let (status, body) = answer(&f, &base, rel);
        json_response(status, body)
    }

    /// Serves the fake on loopback; returns its base URL and its request counter.
    pub async fn serve(batch: Batch, deny_member: bool) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let fake = Fake {
            base: Arc::new(OnceLock::new()),
            batch,
            deny_member,
            throttled_once: Arc::new(AtomicBool::new(false)),
            hits: Arc::new(AtomicUsize::new(0)),
        };
        let _ = fake.base.set(base.clone());
        let hits = fake.hits.clone();
        let app = axum::Router::new().fallback(handle).with_state(fake);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (base, hits)
    }
}

/// The same diagnosis whatever way a faithful Graph batches, pages and refuses advanced queries:
/// the group's restricted AU is on the second page of a plain memberOf listing (the cast was
/// refused), the member on the second page of a plain members listing (`$filter` refused), the
/// app's only role is tenant-wide Global Administrator (on the first page of its assignments).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faithful_graph_that_batches_pages_and_refuses_queries_differently() {
    for mode in [
        faithful::Batch::Shuffled,
        faithful::Batch::Refused(404),
        faithful::Batch::Refused(501),
        faithful::Batch::Refused(400),
    ] {
        let (url, hits) = faithful::serve(mode, false).await;
        let (code, report, stderr, _) = check_raw(&url, &app_token(), "5").await;
        let report = report.unwrap_or_else(|| panic!("{mode:?}: no report: {stderr}"));
        let failing = failing(&report);
        assert_eq!(
            failing,
            vec!["group.restricted_au", "member.duplicate"],
            "{mode:?}: {report:#}"
        );
        assert_eq!(report["primary_cause"], "group.restricted_au", "{mode:?}");
        assert_eq!(code, Some(1), "{mode:?}");
        for (id, want) in [
            ("group.type", "pass"),
            ("group.synced", "pass"),
            ("auth.consent", "pass"),
            ("auth.permission", "pass"),
            // A restricted-management unit needs no tenant licence of its own, and an app-only
            // caller no licence at all (admin-units-restricted-management, License requirements).
            ("license.tenant", "skipped"),
            ("user.role", "skipped"),
        ] {
            assert_eq!(status_of(&report, id), want, "{mode:?} {id}: {report:#}");
        }
        let restricted = report["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == "group.restricted_au"))
            .map(|c| c["evidence"].to_string())
            .unwrap_or_default();
        assert!(
            restricted
                .contains("/directory/administrativeUnits/30000000-0000-4000-8000-00000000000a"),
            "{mode:?}: the unit listed without its flag is read alone: {restricted}"
        );
        let consent = report["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == "auth.consent"))
            .map(|c| c["evidence"].to_string())
            .unwrap_or_default();
        assert!(
            consent.contains(&format!(
                "GET /v1.0/oauth2PermissionGrants?$filter=clientId eq '{}'&$top=999\"",
                "40000000-0000-4000-8000-000000000002"
            )),
            "{mode:?}: the refused narrow grants filter falls back to clientId eq: {consent}"
        );
        assert!(
            hits.load(std::sync::atomic::Ordering::SeqCst) > 0,
            "{mode:?}"
        );
    }
}

/// A 403 on a read says the token lacks that read's permission, nothing about the subject: the
/// check it feeds is `unknown` and names the permission (Directory.Read.All for
/// `/directoryObjects/{id}`), and nothing else changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_read_makes_its_check_unknown_naming_the_permission() {
    let (url, _) = faithful::serve(faithful::Batch::Shuffled, true).await;
    let (code, report, stderr, _) = check_raw(&url, &app_token(), "5").await;
    let report = report.unwrap_or_else(|| panic!("no report: {stderr}"));
    assert_eq!(
        failing(&report),
        vec!["group.restricted_au", "member.duplicate"]
    );
    assert_eq!(code, Some(1));
    let member = report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == "member.object"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(member["status"], "unknown", "{member:#}");
    assert!(
        member["summary"]
            .as_str()
            .is_some_and(|s| s.contains("Directory.Read.All")),
        "{member:#}"
    );
}

/// Issue 15, item 8: a Graph that throttles forever (every request 429, Retry-After 1 s) and a
/// one-second `--deadline`: the retry Graph asks for would end past the deadline, so it is given
/// up; the report shows the 429s it read, is inconclusive, and each check left waiting names
/// the deadline. The offline token checks stand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_that_throttles_forever_is_cut_off_at_the_deadline() {
    for reader in [false, true] {
        let mut scenario = Scenario::load("healthy-app").expect("scenario");
        scenario.faults.throttle_first = u32::MAX;
        scenario.faults.retry_after = Some("1".into());
        let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim");
        let run = common::CheckRun {
            label: &format!("throttled-forever-{reader}"),
            with_reader: reader,
            format: "json",
            extra: &["--deadline", "1"],
        };
        let (out, report) = common::check(&server, &run).await;
        server.shutdown().await;
        let report =
            report.unwrap_or_else(|| panic!("no report: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(out.status.code(), Some(3), "inconclusive");
        assert_eq!(report["verdict"], "inconclusive");
        assert_eq!(status_of(&report, "token.lifetime"), "pass");
        let group = report["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == "group.exists"))
            .expect("group.exists");
        assert_eq!(group["status"], "unknown");
        let summary = group["summary"].as_str().unwrap_or_default();
        assert!(summary.contains("overall deadline of 1 s"), "{summary}");
        assert!(
            group["evidence"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["status"] == 429)),
            "what was read is shown: {group}"
        );
    }
}

/// The same deadline cuts a request in flight: a Graph that takes 3 s to answer anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_at_the_deadline_is_cut_off() {
    let scenario = Scenario::load("healthy-app")
        .expect("scenario")
        .with_latency(3000);
    let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim");
    let run = common::CheckRun {
        label: "slow-graph-deadline",
        with_reader: false,
        format: "json",
        extra: &["--deadline", "1"],
    };
    let (out, report) = common::check(&server, &run).await;
    server.shutdown().await;
    let report =
        report.unwrap_or_else(|| panic!("no report: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(3));
    let summary = report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == "group.exists"))
        .and_then(|c| c["summary"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(summary.contains("overall deadline of 1 s"), "{summary}");
}
