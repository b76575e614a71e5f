//! Record → replay → open, end to end through the real binary against the simulated tenant:
//! `check --record FILE` writes one owner-only file without any credential in it, `check
//! --replay FILE` re-runs the engine over the recorded answers (a loopback server, no tenant)
//! and agrees with the recorded report, a changed report is shown beside the new one, and a
//! corrupt or newer file is a one-line refusal (exit 2).

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use graph_doctor::sim::{Scenario, SimServer};
use serde_json::Value;

fn tmp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("graph-doctor-record-{}-{name}", std::process::id()))
}

async fn serve(name: &str) -> SimServer {
    let scenario = Scenario::load(name).expect("scenario");
    SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim")
}

fn graph_doctor(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args(args)
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .expect("run graph-doctor")
}

/// The statuses of a report's checks, by id.
fn statuses(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Records `scenario` (with its reader token when `reader`), checks the file, replays it and
/// compares. Returns the recording.
async fn round_trip(scenario: &str, reader: bool) -> Value {
    let server = serve(scenario).await;
    let file = tmp_path(&format!("{scenario}-{reader}.json"));
    let file_arg = file.to_str().expect("utf-8 path").to_string();
    let (out, live) = common::check(
        &server,
        &common::CheckRun {
            label: &format!("record-{scenario}-{reader}"),
            with_reader: reader,
            format: "json",
            extra: &["--record", &file_arg],
        },
    )
    .await;
    let live = live.unwrap_or_else(|| {
        panic!(
            "{scenario}: no JSON report: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let text = std::fs::read_to_string(&file).expect("the recording was written");

    // Owner-only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{scenario}: mode {mode:o}");
    }
    // No credential: neither token, nor its signature, nor any client secret or refresh token
    // the scenario holds.
    assert_no_credentials(&server, &text, scenario);

    let rec: Value = serde_json::from_str(&text).expect("a recording is JSON");
    assert_eq!(rec["format"], "graph-doctor/record");
    assert_eq!(rec["version"], 1);
    assert_eq!(rec["report"]["verdict"], live["verdict"], "{scenario}");
    assert!(
        rec["tokens"]["diagnosed"]["claims"]["aud"].is_string(),
        "{scenario}: the claims are kept"
    );
    let exchanges = rec["exchanges"].as_array().expect("exchanges");
    assert!(!exchanges.is_empty(), "{scenario}: requests were kept");
    for e in exchanges {
        if e["status"].is_u64() {
            let has_request_id = e["response_headers"]
                .as_array()
                .is_some_and(|h| h.iter().any(|p| p[0] == "request-id"));
            assert!(has_request_id, "{scenario}: request-id kept: {e}");
        }
    }

    // Replay: offline (the tenant is gone), same verdict and statuses.
    server.shutdown().await;
    let out = graph_doctor(&["check", "--replay", &file_arg, "--format", "json"]);
    let replayed: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{scenario}: replay printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        out.status.code(),
        live["verdict"].as_str().map(|v| match v {
            "pass" => 0,
            "fail" => 1,
            _ => 3,
        }),
        "{scenario}: replay exit code"
    );
    assert_eq!(statuses(&replayed), statuses(&live), "{scenario}");
    assert_eq!(
        replayed["primary_cause"], live["primary_cause"],
        "{scenario}"
    );
    assert_eq!(
        replayed["replay"]["differs"], false,
        "{scenario}: {}",
        replayed["replay"]
    );
    assert!(replayed["replay"].get("recorded_report").is_none());
    let _ = std::fs::remove_file(&file);
    rec
}

fn assert_no_credentials(server: &SimServer, text: &str, scenario: &str) {
    for key in ["diagnosed", "reader"] {
        if let Some(t) = server.token(key) {
            let t = t.expose();
            let sig = t.rsplit('.').next().unwrap_or_default();
            assert!(!sig.is_empty());
            assert!(
                !text.contains(sig),
                "{scenario}: {key}'s signature in the file"
            );
            // The signed parts (header.payload) as sent are not kept either.
            let signed = t.rsplit_once('.').map(|(a, _)| a).unwrap_or_default();
            assert!(!text.contains(signed), "{scenario}: {key} in the file");
        }
    }
    for c in &server.scenario().clients {
        if let Some(secret) = &c.secret {
            assert!(
                !text.contains(secret.as_str()),
                "{scenario}: a client secret"
            );
        }
    }
    let lower = text.to_ascii_lowercase();
    assert!(!lower.contains("bearer ey"), "{scenario}");
    assert!(!lower.contains("\"authorization\""), "{scenario}");
}

#[tokio::test]
async fn record_and_replay_agree_on_healthy_and_failing_scenarios() {
    for (scenario, reader) in [
        ("healthy-app", false),
        ("healthy-delegated", false),
        ("distribution-group", true),
        ("ca-claims-challenge", true),
        ("ca-claims-challenge", false),
        ("throttled-then-healthy", false),
    ] {
        let rec = round_trip(scenario, reader).await;
        if scenario == "ca-claims-challenge" {
            let challenged = rec["exchanges"]
                .as_array()
                .expect("exchanges")
                .iter()
                .any(|e| e.to_string().contains("insufficient_claims"));
            assert!(challenged, "the claims challenge is in the recording");
        }
        if scenario == "throttled-then-healthy" {
            let throttled = rec["exchanges"].to_string().contains("\"status\":429");
            assert!(throttled, "the 429 is in the recording");
        }
    }
}

/// A refresh token or client secret an answer carried never reaches the file: the whole text is
/// redacted again as it is written.
#[tokio::test]
async fn secrets_in_answers_are_redacted() {
    let server = serve("healthy-app").await;
    let file = tmp_path("secrets.json");
    let file_arg = file.to_str().expect("utf-8").to_string();
    let (out, _) = common::check(
        &server,
        &common::CheckRun {
            label: "record-secrets",
            with_reader: false,
            format: "json",
            extra: &["--record", &file_arg],
        },
    )
    .await;
    assert!(out.status.code().is_some());
    // Plant credentials as an answer would carry them, then write the recording back through
    // the library's writer (the same path `check --record` takes).
    let mut rec =
        graph_doctor::record::Recording::read(Path::new(&file)).expect("reads its own file");
    let planted = serde_json::json!({
        "refresh_token": "0.ARoAplanted-refresh-token-value",
        "client_secret": "planted~client~secret~value",
        "note": "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.cGxhbnRlZHNpZ25hdHVyZQ",
    });
    if let Some(e) = rec.exchanges.first_mut() {
        e.body = planted;
    }
    rec.write(Path::new(&file)).expect("writes");
    let text = std::fs::read_to_string(&file).expect("read");
    for needle in [
        "planted-refresh-token-value",
        "planted~client~secret~value",
        "cGxhbnRlZHNpZ25hdHVyZQ",
    ] {
        assert!(!text.contains(needle), "{needle} reached the file");
    }
    assert!(text.contains("[redacted]"));
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn a_changed_verdict_is_shown_beside_the_new_one() {
    let server = serve("distribution-group").await;
    let file = tmp_path("changed.json");
    let file_arg = file.to_str().expect("utf-8").to_string();
    let _ = common::check(
        &server,
        &common::CheckRun {
            label: "record-changed",
            with_reader: true,
            format: "json",
            extra: &["--record", &file_arg],
        },
    )
    .await;
    server.shutdown().await;
    // As if an older graph-doctor had passed group.type.
    let mut rec: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    for c in rec["report"]["checks"].as_array_mut().expect("checks") {
        if c["id"] == "group.type" {
            c["status"] = "pass".into();
        }
    }
    rec["report"]["verdict"] = "pass".into();
    rec["report"]["primary_cause"] = Value::Null;
    std::fs::write(&file, rec.to_string()).expect("write");

    let out = graph_doctor(&["check", "--replay", &file_arg, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["primary_cause"], "group.type");
    assert_eq!(v["replay"]["differs"], true);
    assert_eq!(v["replay"]["recorded_report"]["verdict"], "pass");
    let changes = v["replay"]["changes"].to_string();
    assert!(changes.contains("group.type"), "{changes}");

    let out = graph_doctor(&["check", "--replay", &file_arg, "--format", "text"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("group.type: recorded pass, now fail"),
        "{text}"
    );
    assert!(text.contains("The recorded report:"), "{text}");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn corrupt_newer_and_foreign_files_are_one_line_refusals() {
    let file = tmp_path("bad.json");
    let arg = file.to_str().expect("utf-8").to_string();
    for (contents, needle) in [
        (
            "{\"format\": \"graph-doctor/record\", \"version\": 99, \"graph_doctor\": \"9.0.0\"}",
            "upgrade graph-doctor",
        ),
        (
            "{\"format\": \"graph-doctor/record\", \"version\": 1}",
            "corrupt",
        ),
        (
            "{\"format\": \"graph-doctor/rec",
            "not a graph-doctor recording",
        ),
        (
            "{\"schema\": \"graph-doctor/report/v1\"}",
            "not a graph-doctor recording",
        ),
    ] {
        std::fs::write(&file, contents).expect("write");
        let out = graph_doctor(&["check", "--replay", &arg]);
        assert_eq!(out.status.code(), Some(2), "{contents}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{contents}: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = graph_doctor(&["check", "--replay", "/nonexistent/recording.json"]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_file(&file);
}
