//! `check --plan`, end to end through the real binary against the simulated tenant: a 200-row
//! plan mixing healthy rows and every per-row failure kind gets the right verdict and primary
//! cause per row; the reads every row shares are made once; the per-row reads leave in full
//! `$batch` requests (counted by the sim's `GET /_sim/requests`); the formats and exit codes.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "common/plan_fixture.rs"]
mod plan_fixture;

use std::path::PathBuf;
use std::process::Output;

use graph_doctor::sim::{Scenario, SimServer};
use serde_json::Value;

fn tmp(name: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("graph-doctor-plan-{}-{name}", std::process::id()));
    std::fs::write(&p, text).expect("write");
    p
}

async fn serve_plan(rows: usize) -> (SimServer, Vec<plan_fixture::Row>, PathBuf) {
    serve_plan_with(rows, None).await
}

async fn serve_plan_with(
    rows: usize,
    faults: Option<Value>,
) -> (SimServer, Vec<plan_fixture::Row>, PathBuf) {
    let (mut scenario, plan) = plan_fixture::scenario(rows);
    if let Some(f) = faults {
        scenario["faults"] = f;
    }
    let file = tmp(&format!("scenario-{rows}.json"), &scenario.to_string());
    let scenario = Scenario::load(file.to_str().expect("utf-8")).expect("plan scenario loads");
    let _ = std::fs::remove_file(&file);
    let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim");
    let token = server.token("diagnosed").expect("token");
    let token_file = tmp(&format!("token-{rows}"), token.expose());
    (server, plan, token_file)
}

async fn plan_check(server: &SimServer, token: &PathBuf, csv: &str, format: &str) -> Output {
    plan_check_with(server, token, csv, format, &[]).await
}

async fn plan_check_with(
    server: &SimServer,
    token: &PathBuf,
    csv: &str,
    format: &str,
    extra: &[&str],
) -> Output {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let plan = tmp(&format!("plan-{format}-{n}.csv"), csv);
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args(["check", "--plan"])
        .arg(&plan)
        .args(["--format", format, "--graph-url", &server.base_url])
        .arg("--token-file")
        .arg(token)
        .args(extra)
        .stdin(std::process::Stdio::null())
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("run");
    let _ = std::fs::remove_file(&plan);
    out
}

async fn sim_requests(server: &SimServer) -> Value {
    reqwest::get(format!("{}/_sim/requests", server.base_url))
        .await
        .expect("counter")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_row_plan_gets_each_row_right_in_full_batches() {
    const ROWS: usize = 200;
    let (server, rows, token) = serve_plan(ROWS).await;
    let out = plan_check(&server, &token, &plan_fixture::csv(&rows), "json").await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "the worst row fails: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["schema"], "graph-doctor/plan/v1");
    assert_eq!(v["verdict"], "fail");
    let got = v["rows"].as_array().expect("rows");
    assert_eq!(got.len(), ROWS);
    for (i, (row, want)) in got.iter().zip(&rows).enumerate() {
        assert_eq!(row["row"], i + 1);
        assert_eq!(row["operation"]["group"], want.group.as_str());
        let cause = row["primary_cause"].as_str();
        assert_eq!(
            cause,
            want.expect,
            "row {} ({}): {}",
            i + 1,
            want.kind,
            row["report"]["checks"]
        );
        assert_eq!(
            row["verdict"],
            if want.expect.is_some() {
                "fail"
            } else {
                "pass"
            },
            "row {} ({})",
            i + 1,
            want.kind
        );
        if want.expect.is_some() {
            assert!(
                !row["fix"].as_str().unwrap_or_default().is_empty(),
                "row {} has a fix",
                i + 1
            );
        }
    }

    // What the tenant served: every read no row names (the token's service principal, its
    // grants and roles, the licences...) once; the rest in full batches.
    let counts = sim_requests(&server).await;
    let calls = counts["calls"].as_object().expect("calls");
    let names_a_row = |call: &str| {
        rows.iter()
            .any(|r| call.contains(&r.group) || call.contains(&r.member))
    };
    let (mut per_row, mut shared) = (0u64, 0u64);
    for (call, n) in calls {
        let n = n.as_u64().expect("count");
        if names_a_row(call) {
            per_row += n;
        } else {
            assert_eq!(n, 1, "a shared read made {n} times: {call}");
            shared += n;
        }
    }
    let batches = counts["batches"].as_u64().expect("batches");
    let ops = counts["operations"].as_u64().expect("operations");
    assert_eq!(ops, per_row + shared);
    // Every batch is full but the last of each round of each flush: at most one partial batch
    // per round trip the diagnoses take (engine rounds: a handful).
    let full = (per_row + shared).div_ceil(20);
    assert!(
        batches <= full + 3,
        "{batches} batches for {per_row} per-row and {shared} shared reads ({full} full batches)"
    );
    assert!(
        per_row >= ROWS as u64,
        "each row read its own group at least: {per_row}"
    );
    // HTTP requests: the batches, the counter read, nothing sent alone.
    let requests = counts["requests"].as_u64().expect("requests");
    assert!(
        requests <= batches + 1 + 2,
        "{requests} HTTP requests, {batches} batches"
    );
    eprintln!("{ROWS} rows: {per_row} per-row reads, {shared} shared, {batches} batches, {requests} HTTP requests");
    server.shutdown().await;
    let _ = std::fs::remove_file(&token);
}

#[tokio::test]
async fn formats_and_exit_codes() {
    let (server, rows, token) = serve_plan(12).await;
    let healthy: Vec<plan_fixture::Row> = rows.into_iter().filter(|r| r.expect.is_none()).collect();
    assert_eq!(healthy.len(), 1);
    let csv = plan_fixture::csv(&healthy);
    let out = plan_check(&server, &token, &csv, "csv").await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("row,operation,target,member,verdict,primary_cause,fix")
    );
    let row = lines.next().expect("a row");
    assert!(
        row.starts_with(&format!("1,add-group-member,{},", healthy[0].group)),
        "{row}"
    );
    assert!(row.contains(",pass,"), "{row}");

    let (_, rows) = plan_fixture::scenario(12);
    let csv = plan_fixture::csv(&rows);
    for (format, needle) in [
        ("text", "group.dynamic"),
        ("markdown", "| row | operation |"),
    ] {
        let out = plan_check(&server, &token, &csv, format).await;
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(needle), "{format}: {text}");
        assert!(
            text.lines().filter(|l| l.contains("fail")).count() >= 11,
            "{format}: {text}"
        );
    }
    // A line the plan cannot read: one line, exit 2, nothing run. (Names are resolved now:
    // tests/names.rs.)
    let out = plan_check(
        &server,
        &token,
        "add-group-member,Sales,ben@contoso.com\nmove,Sales,ben@contoso.com\n",
        "text",
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2") && err.contains("unknown operation 'move'"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // One pasted response is one attempt's: it is not merged into every row.
    let pasted = tmp("pasted-403.txt", "HTTP/1.1 403 Forbidden\r\n\r\n{}");
    let extra = ["--error-file", pasted.to_str().unwrap_or_default()];
    let out = plan_check_with(
        &server,
        &token,
        "add-group-member,Sales,ben@contoso.com\n",
        "text",
        &extra,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("drop --error-file"));
    let _ = std::fs::remove_file(&pasted);
    server.shutdown().await;
    let _ = std::fs::remove_file(&token);
}

/// Graph throttles the first operations (429 with Retry-After, then a 503) inside the batches:
/// each is retried alone after its own wait, and every row still gets its verdict.
#[tokio::test]
async fn throttled_answers_inside_batches_are_retried_after_their_retry_after() {
    let (server, rows, token) = serve_plan_with(
        24,
        Some(
            serde_json::json!({"throttle_first": 5, "unavailable_first": 2, "retry_after": "0.1"}),
        ),
    )
    .await;
    let out = plan_check(&server, &token, &plan_fixture::csv(&rows), "json").await;
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    for (row, want) in v["rows"].as_array().expect("rows").iter().zip(&rows) {
        assert_eq!(row["primary_cause"].as_str(), want.expect, "{}", want.kind);
    }
    let counts = sim_requests(&server).await;
    // The 7 refused operations were asked again, alone: more HTTP requests than batches.
    let requests = counts["requests"].as_u64().expect("requests");
    let batches = counts["batches"].as_u64().expect("batches");
    assert!(
        requests >= batches + 7,
        "{requests} requests, {batches} batches"
    );
    server.shutdown().await;
    let _ = std::fs::remove_file(&token);
}

/// `--apply` performs only the rows that passed, in a batch, and reports each answer; without
/// `--yes` and without a terminal to type yes on, nothing runs.
#[tokio::test]
async fn apply_performs_only_the_rows_that_passed() {
    let (server, rows, token) = serve_plan(24).await;
    let csv = plan_fixture::csv(&rows);
    let out = plan_check_with(&server, &token, &csv, "json", &["--apply"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(
        sim_requests(&server).await["requests"],
        1,
        "nothing was sent"
    );

    let out = plan_check_with(&server, &token, &csv, "json", &["--apply", "--yes"]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let applied = v["applied"].as_array().expect("applied");
    let healthy: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.expect.is_none())
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(applied.len(), healthy.len(), "{applied:?}");
    for a in applied {
        assert!(healthy.contains(&(a["row"].as_u64().expect("row") as usize)));
        assert_eq!(a["status"], 204, "{a}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--apply will perform these 2 additions"),
        "{stderr}"
    );
    // Done: the same plan now finds those members already there.
    let out = plan_check(&server, &token, &csv, "json").await;
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    for i in healthy {
        assert_eq!(v["rows"][i - 1]["primary_cause"], "member.duplicate");
    }
    server.shutdown().await;
    let _ = std::fs::remove_file(&token);
}
