//! `check --request` / `--request-file` end to end: the real binary against the simulated tenant
//! on a loopback port (scenarios in `tests/data/request/`), and `explain` on pastes that carry
//! their request.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Output;

use graph_doctor::sim::{Scenario, SimServer};
use serde_json::Value;

const BEN: &str = "10000000-0000-4000-8000-000000000002";
const GROUP: &str = "20000000-0000-4000-8000-000000000001";

fn scenario(name: &str) -> Scenario {
    let name = match name {
        "memberof-basic" => "request-memberof-basic",
        "memberof-granted-later" => "request-memberof-granted-later",
        _ => "healthy-request-memberof",
    };
    Scenario::load(name).expect("built-in scenario")
}

async fn serve(name: &str) -> SimServer {
    SimServer::start(scenario(name), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim starts")
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "graph-doctor-request-{}-{name}",
        std::process::id()
    ));
    std::fs::write(&p, text).expect("write temp file");
    p
}

/// Runs the binary with `args`, the diagnosed token in a temp file, and standard input `stdin`.
async fn run(
    server: &SimServer,
    label: &str,
    args: &[&str],
    stdin: Option<&str>,
    reader: bool,
) -> (Output, Option<Value>) {
    let token = server.token("diagnosed").expect("token");
    let token_file = tmp(&format!("{label}-token"), token.expose());
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"));
    cmd.args(["check", "--graph-url", &server.base_url]);
    if !args.contains(&"--format") {
        cmd.args(["--format", "json"]);
    }
    cmd.arg("--token-file")
        .arg(&token_file)
        .args(args)
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut files = vec![token_file];
    if reader {
        let r = server.token("reader").expect("reader token");
        let f = tmp(&format!("{label}-reader"), r.expose());
        cmd.arg("--reader-token-file").arg(&f);
        files.push(f);
    }
    let mut child = cmd.spawn().expect("spawn graph-doctor");
    {
        use tokio::io::AsyncWriteExt;
        let mut input = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).await.expect("write stdin");
        }
    }
    let out = child.wait_with_output().await.expect("run graph-doctor");
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    let json = serde_json::from_slice(&out.stdout).ok();
    (out, json)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["status"].as_str().expect("status")
}

#[tokio::test]
async fn a_403_on_another_users_memberof_names_the_missing_permission_and_the_fix() {
    let server = serve("memberof-basic").await;
    // The simulated tenant itself refuses the request, as Graph does.
    let token = server.token("diagnosed").expect("token");
    let resp = reqwest::Client::new()
        .get(format!("{}/v1.0/users/{BEN}/memberOf", server.base_url))
        .bearer_auth(token.expose())
        .send()
        .await
        .expect("sim answers");
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.headers().contains_key("request-id"));
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(
        body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );

    let url = format!("GET https://graph.microsoft.com/v1.0/users/{BEN}/memberOf?$select=id");
    let (out, report) = run(&server, "basic", &["--request", &url], None, true).await;
    let report =
        report.unwrap_or_else(|| panic!("no JSON: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert_eq!(report["operation"]["kind"], "request");
    assert_eq!(report["operation"]["method"], "GET");
    assert_eq!(
        report["operation"]["path"],
        format!("/users/{BEN}/memberOf")
    );
    assert_eq!(report["operation"]["template"], "/users/{id}/memberof");
    // The app holds only User.ReadBasic.All, granted: no grant suffices, so consent is the cause.
    assert_eq!(report["primary_cause"], "request.consent", "{report}");
    assert_eq!(status(&report, "request.permission"), "fail");
    for id in ["request.consent", "request.permission"] {
        let c = check(&report, id);
        let summary = c["summary"].as_str().expect("summary");
        assert!(summary.contains("Directory.Read.All"), "{id}: {summary}");
        let fix = c["fix"].to_string();
        assert!(
            fix.contains("Add Directory.Read.All (application permission)"),
            "{fix}"
        );
    }
    assert!(check(&report, "request.consent")["summary"]
        .as_str()
        .expect("summary")
        .contains("granted: User.ReadBasic.All"));
    // The deep operations' checks do not apply.
    for id in ["auth.permission", "group.exists", "user.role"] {
        assert_eq!(status(&report, id), "skipped", "{id}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_token_with_the_permission_passes() {
    let server = serve("memberof-ok").await;
    let token = server.token("diagnosed").expect("token");
    let resp = reqwest::Client::new()
        .get(format!("{}/v1.0/users/{BEN}/memberOf", server.base_url))
        .bearer_auth(token.expose())
        .send()
        .await
        .expect("sim answers");
    assert_eq!(
        resp.status().as_u16(),
        200,
        "the sim allows Directory.Read.All"
    );
    let line = format!("GET /users/{BEN}/memberOf");
    let (out, report) = run(&server, "ok", &["--request", &line], None, true).await;
    let report = report.expect("JSON report");
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(status(&report, "request.permission"), "pass");
    assert_eq!(status(&report, "request.consent"), "pass");
    server.shutdown().await;
}

#[tokio::test]
async fn a_permission_granted_after_the_token_was_issued_says_get_a_new_token() {
    let server = serve("memberof-granted-later").await;
    let line = format!("GET /v1.0/users/{BEN}/memberOf");
    let (out, report) = run(&server, "later", &["--request", &line], None, true).await;
    let report = report.expect("JSON report");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(status(&report, "request.consent"), "pass");
    assert_eq!(report["primary_cause"], "request.permission");
    server.shutdown().await;
}

#[tokio::test]
async fn without_a_reader_the_grants_are_unknown_naming_the_permission_the_read_needs() {
    let server = serve("memberof-basic").await;
    let line = format!("GET /users/{BEN}/memberOf");
    let (_, report) = run(&server, "noreader", &["--request", &line], None, false).await;
    let report = report.expect("JSON report");
    assert_eq!(status(&report, "request.consent"), "unknown");
    let s = check(&report, "request.consent")["summary"].to_string();
    assert!(s.contains("Application.Read.All"), "{s}");
    assert_eq!(status(&report, "request.permission"), "fail");
    server.shutdown().await;
}

const FAKE_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJzZWNyZXQiOiJ0aGlzLWlzLWEtc2VjcmV0In0.c2VjcmV0LXNpZ25hdHVyZS14eXo";

#[tokio::test]
async fn a_raw_http_request_file_parses_and_its_authorization_is_never_echoed() {
    let server = serve("memberof-basic").await;
    let raw = format!(
        "GET /v1.0/users/{BEN}/memberOf HTTP/1.1\r\nHost: graph.microsoft.com\r\nAuthorization: Bearer {FAKE_TOKEN}\r\nConsistencyLevel: eventual\r\n\r\n"
    );
    let f = tmp("raw.http", &raw);
    for format in ["json", "text", "markdown"] {
        let (out, report) = run(
            &server,
            &format!("raw-{format}"),
            &[
                "--request-file",
                f.to_str().expect("path"),
                "--format",
                format,
            ],
            None,
            true,
        )
        .await;
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{all}");
        for secret in [
            "eyJ0eXAiOiJKV1Qi",
            "c2VjcmV0LXNpZ25hdHVyZS14eXo",
            "Authorization: Bearer",
        ] {
            assert!(!all.contains(secret), "{format} output echoes {secret}");
        }
        if format == "json" {
            let report = report.expect("JSON");
            assert_eq!(report["operation"]["template"], "/users/{id}/memberof");
            assert_eq!(report["operation"]["version"], "v1.0");
        }
    }
    // A refused host is a one-line usage error that does not echo the token either.
    let bad = tmp(
        "bad.http",
        &format!("GET /v1.0/me HTTP/1.1\r\nHost: graph.evil.example\r\nAuthorization: Bearer {FAKE_TOKEN}\r\n\r\n"),
    );
    let (out, _) = run(
        &server,
        "bad",
        &["--request-file", bad.to_str().expect("path")],
        None,
        true,
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is not Microsoft Graph"), "{err}");
    assert!(!err.contains("eyJ0eXAi") && out.stdout.is_empty());
    let _ = std::fs::remove_file(f);
    let _ = std::fs::remove_file(bad);
    server.shutdown().await;
}

#[tokio::test]
async fn a_curl_command_line_on_standard_input_parses() {
    let server = serve("memberof-ok").await;
    let curl = format!(
        "curl -sS -X GET \"https://graph.microsoft.com/v1.0/users/{BEN}/memberOf\" \\\n  -H \"Authorization: Bearer {FAKE_TOKEN}\" \\\n  -H 'ConsistencyLevel: eventual'\n"
    );
    let (out, report) = run(&server, "curl", &["--request-file", "-"], Some(&curl), true).await;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("eyJ0eXAi"), "the curl line's token is echoed");
    let report = report.unwrap_or_else(|| panic!("no JSON: {all}"));
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["operation"]["kind"], "request");
    assert_eq!(status(&report, "request.permission"), "pass");
    server.shutdown().await;
}

#[tokio::test]
async fn a_deep_operations_request_runs_the_deep_diagnosis() {
    let server = SimServer::start(
        Scenario::load("healthy-app").expect("built-in"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("sim starts");
    let curl = format!(
        "curl -X POST https://graph.microsoft.com/v1.0/groups/{GROUP}/members/\\$ref -H 'Content-Type: application/json' -d '{{\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{BEN}\"}}'"
    );
    let (out, report) = run(&server, "deep", &["--request-file", "-"], Some(&curl), true).await;
    let report =
        report.unwrap_or_else(|| panic!("no JSON: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["operation"]["kind"], "add-group-member");
    assert_eq!(report["operation"]["group"], GROUP);
    assert_eq!(report["operation"]["member"], BEN);
    assert_eq!(report["verdict"], "pass", "{report}");
    assert_eq!(status(&report, "group.exists"), "pass");
    assert_eq!(status(&report, "request.permission"), "skipped");
    server.shutdown().await;
}

#[test]
fn request_and_operation_options_are_refused_together() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args([
            "check",
            "--request",
            "GET /me",
            "--group",
            GROUP,
            "--token-file",
            "/nonexistent",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("drop --operation"));
}

/// `explain` on a pasted failure that carries its request adds what the request needs.
fn explain(paste: &str, format: &str) -> (Output, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args(["explain", "--format", format])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(paste.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("explain runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

#[test]
fn explain_adds_the_permissions_of_the_pasted_request() {
    // Raw HTTP: request line, then Graph's answer.
    let raw = format!("GET https://graph.microsoft.com/v1.0/users/{BEN}/memberOf HTTP/1.1\n\nHTTP/1.1 403 Forbidden\nrequest-id: 7d9f0a1b-0000-4000-8000-000000000001\nContent-Type: application/json\n\n{{\"error\":{{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\",\"innerError\":{{\"request-id\":\"7d9f0a1b-0000-4000-8000-000000000001\"}}}}}}");
    let (_, json) = explain(&raw, "json");
    let v: Value = serde_json::from_str(&json).expect("json");
    let p = &v["notes"]["permissions"];
    assert_eq!(p["template"], "/users/{id}/memberof", "{v}");
    assert_eq!(p["source"], "map");
    assert_eq!(p["application"]["least"][0], "Directory.Read.All");
    assert_eq!(p["delegated"]["least"][0], "User.Read");
    assert!(p["fix"].to_string().contains("Directory.Read.All"));
    assert!(p["check_command"]
        .as_str()
        .expect("command")
        .starts_with("graph-doctor check --request \"GET "));
    let (_, text) = explain(&raw, "text");
    assert!(
        text.contains("Permissions for GET /users/{id}/memberof (map)"),
        "{text}"
    );
    assert!(
        text.contains("Application: Directory.Read.All (admin consent)"),
        "{text}"
    );
    let (_, md) = explain(&raw, "markdown");
    assert!(
        md.contains("- Permissions for `GET /users/{id}/memberof` (map)"),
        "{md}"
    );

    // PowerShell SDK rendering with the URI (Invoke-MgGraphRequest / Get-MgUserMemberOf).
    let ps = format!("Get-MgUserMemberOf_List: Insufficient privileges to complete the operation.\n\nStatus: 403 (Forbidden)\nErrorCode: Authorization_RequestDenied\nDate: 2024-05-02T10:11:12\n\nHeaders:\nrequest-id                    : 3c4d5e6f-0000-4000-8000-000000000002\n\nGET https://graph.microsoft.com/v1.0/users/{BEN}/memberOf");
    let (_, json) = explain(&ps, "json");
    let v: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(
        v["notes"]["permissions"]["template"], "/users/{id}/memberof",
        "{v}"
    );

    // A paste whose URL is not Graph's gets no permissions.
    let other = "GET https://example.com/v1.0/users/x HTTP/1.1\n\nHTTP/1.1 403 Forbidden\n\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}";
    let (_, json) = explain(other, "json");
    let v: Value = serde_json::from_str(&json).expect("json");
    assert!(v["notes"]["permissions"].is_null(), "{v}");
}
