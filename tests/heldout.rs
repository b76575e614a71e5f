//! Held-out scenarios (`tests/heldout/*.json`), written from Microsoft's rules alone
//! (`docs/facts.md`, `docs/interface.md`), never from what the engine does. Each file is served
//! by the simulated tenant in-process and diagnosed by the real binary (`check --format json`); the
//! primary cause, failing set and exit code are compared with the file's `expect` block.
//!
//! Scenarios on which the engine is known to disagree are listed in [`KNOWN_ENGINE_GAPS`] and skipped
//! by default so CI stays green; `GRAPH_DOCTOR_HELDOUT_STRICT=1` runs them all. Findings and verdicts
//! are in `docs/heldout-review.md`.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::process::Output;

use graph_doctor::sim::{Scenario, SimServer};
use serde_json::Value;

/// Scenario file stem → why the engine disagrees (see docs/heldout-review.md).
const KNOWN_ENGINE_GAPS: &[(&str, &str)] = &[];

mod common;

async fn check(
    server: &SimServer,
    stem: &str,
    opts: &common::HeldoutOptions,
) -> (Output, Option<Value>) {
    let cloud: Vec<&str> = opts.cloud.map(|c| vec!["--cloud", c]).unwrap_or_default();
    let run = common::CheckRun {
        label: stem,
        with_reader: opts.reader,
        format: "json",
        extra: &cloud,
    };
    common::check(server, &run).await
}

/// Attempts the scenario's operation against the simulated tenant with the diagnosed token: `Some(true)`
/// when Graph (the sim) accepts it. Cross-checks each expectation against the sim's rules.
async fn attempt(server: &SimServer) -> Option<(bool, u16)> {
    let s = server.scenario();
    let t = &s.target;
    let token = server.token("diagnosed")?.expose().to_string();
    let base = server.base_url.trim_end_matches('/');
    let (url, body) = match t.operation.as_str() {
        "add-group-member" => (
            format!("{base}/v1.0/groups/{}/members/$ref", t.group.as_deref()?),
            serde_json::json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", t.member.as_deref()?)}),
        ),
        "add-au-member" => (
            format!(
                "{base}/v1.0/directory/administrativeUnits/{}/members/$ref",
                t.au.as_deref()?
            ),
            serde_json::json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", t.member.as_deref()?)}),
        ),
        _ => (
            format!(
                "{base}/v1.0/directory/administrativeUnits/{}/members",
                t.au.as_deref()?
            ),
            serde_json::json!({"@odata.type": "#microsoft.graph.group", "displayName": "Heldout probe",
                "mailNickname": "heldout-probe", "mailEnabled": false, "securityEnabled": true}),
        ),
    };
    let resp = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = resp.status();
    Some((status.is_success(), status.as_u16()))
}

/// Checks Graph does not enforce at request time (docs/scenarios.md, "Built-in scenarios").
const NOT_ENFORCED: &[&str] = &[
    "token.tenant",
    "exchange.policy",
    "license.tenant",
    "license.user",
];

fn with_status(report: &Value, status: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["status"] == status)
                .filter_map(|c| c["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heldout_scenarios_are_diagnosed_as_microsofts_rules_say() {
    let strict = std::env::var("GRAPH_DOCTOR_HELDOUT_STRICT").is_ok_and(|v| v == "1");
    let mut rows = Vec::new();
    let mut mismatches = 0;
    let mut skipped = Vec::new();
    let mut sim_notes = Vec::new();
    let files = common::heldout_files();
    assert!(files.len() >= 20, "expected at least 20 held-out scenarios");
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if !strict {
            if let Some((_, why)) = KNOWN_ENGINE_GAPS.iter().find(|(s, _)| *s == stem) {
                skipped.push(format!("{stem}: {why}"));
                continue;
            }
        }
        let scenario = Scenario::load(path.to_str().expect("utf-8 path"))
            .unwrap_or_else(|e| panic!("{stem}: does not load: {e}"));
        let expect = scenario
            .expect
            .clone()
            .unwrap_or_else(|| panic!("{stem}: no expect block"));
        let opts = common::heldout_options(&stem);
        let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim starts");
        let (out, report) = check(&server, &stem, &opts).await;
        // The simulated tenant is the global cloud only: skip the probe under another `--cloud`.
        // An error file's evidence is the operator's earlier answer, not the sim's: skip it too.
        let sim_says = if opts.cloud.is_none() && server.scenario().error_file.is_none() {
            attempt(&server).await
        } else {
            None
        };
        server.shutdown().await;
        let want_primary = expect
            .primary_cause
            .map(|c| c.as_str().to_string())
            .unwrap_or_else(|| "-".into());
        let want_failing: Vec<String> = expect
            .failing
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        let want = format!(
            "{want_primary} [{}] exit {}",
            want_failing.join(","),
            expect.exit_code
        );
        let code = out.status.code().unwrap_or(-1);
        // Nothing Graph enforces fails: the operation should go through (an `unknown` is
        // the engine's ignorance, not Graph's).
        let should_succeed = want_failing
            .iter()
            .all(|f| NOT_ENFORCED.contains(&f.as_str()));
        if let Some((ok, status)) = sim_says {
            // With exit 3 the engine cannot see what blocks the call: no claim either way.
            if ok != should_succeed && expect.exit_code != 3 {
                sim_notes.push(format!(
                    "{stem}: the simulated Graph answers {status} to the operation, but the expectation says it should {}",
                    if should_succeed { "succeed" } else { "fail" }
                ));
            }
        }
        let Some(report) = report else {
            mismatches += 1;
            rows.push(format!(
                "MISMATCH {stem}\n    expected {want}\n    engine   no JSON report, exit {code}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            continue;
        };
        let got_primary = report["primary_cause"].as_str().unwrap_or("-").to_string();
        let got_failing = with_status(&report, "fail");
        let got = format!("{got_primary} [{}] exit {code}", got_failing.join(","));
        if got_primary == want_primary && got_failing == want_failing && code == expect.exit_code {
            rows.push(format!("ok       {stem}: {got}"));
        } else {
            mismatches += 1;
            let unknown = with_status(&report, "unknown");
            // The engine's own words for what it failed, so a reviewer can judge the disagreement.
            let said: Vec<String> = report["checks"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|c| c["status"] == "fail")
                        .map(|c| {
                            format!(
                                "{}: {}",
                                c["id"].as_str().unwrap_or("?"),
                                c["summary"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            rows.push(format!(
                "MISMATCH {stem}\n    expected {want}\n    engine   {got}\n    unknown  [{}]\n    says     {}",
                unknown.join(","),
                said.join("\n             ")
            ));
        }
    }
    println!("{}", rows.join("\n"));
    if !sim_notes.is_empty() {
        println!(
            "where the simulated Graph and the expectation part (informational; see docs/heldout-review.md):\n  {}",
            sim_notes.join("\n  ")
        );
    }
    if !skipped.is_empty() {
        println!(
            "skipped (known engine gaps; GRAPH_DOCTOR_HELDOUT_STRICT=1 runs them):\n  {}",
            skipped.join("\n  ")
        );
    }
    assert_eq!(
        mismatches,
        0,
        "{mismatches} held-out scenario(s) disagree with Microsoft's rules:\n{}",
        rows.iter()
            .filter(|r| r.starts_with("MISMATCH"))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
