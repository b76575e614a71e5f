//! Shared by the end-to-end test files that diagnose a served scenario through the real binary
//! (`tests/engine.rs`, `tests/heldout.rs`).

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;

use graph_doctor::sim::SimServer;
use serde_json::Value;

/// How to run `check` against a served scenario.
pub struct CheckRun<'a> {
    /// Distinguishes the temp files of concurrent runs.
    pub label: &'a str,
    /// Pass the scenario's `reader` token, when it has one.
    pub with_reader: bool,
    /// `--format` (the JSON report unless a test asks otherwise).
    pub format: &'a str,
    /// Further arguments, e.g. `["--cloud", "usgov"]`.
    pub extra: &'a [&'a str],
}

/// Writes `text` to a temp file named after `name` (removed by the caller).
pub fn tmp(name: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("graph-doctor-e2e-{}-{name}", std::process::id()));
    std::fs::write(&p, text).expect("write temp file");
    p
}

/// Runs `graph-doctor check` on the scenario `server` serves, with its target, its tokens (in
/// temp files, removed afterwards) and its error file; returns the process output and the
/// parsed JSON report when stdout was one.
pub async fn check(server: &SimServer, run: &CheckRun<'_>) -> (Output, Option<Value>) {
    let s = server.scenario();
    let token = server
        .token("diagnosed")
        .map(|t| t.expose().to_string())
        .unwrap_or_default();
    let token_file = tmp(&format!("{}-token", run.label), &token);
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"));
    cmd.args([
        "check",
        "--format",
        run.format,
        "--graph-url",
        &server.base_url,
        "--timeout",
        "5",
    ]);
    match &s.target.request {
        Some(r) => cmd.args(["--request", r]),
        None => cmd.args(["--operation", s.target.operation.as_str()]),
    };
    cmd.arg("--token-file").arg(&token_file);
    for (opt, v) in [
        ("--group", &s.target.group),
        ("--member", &s.target.member),
        ("--au", &s.target.au),
        ("--tenant", &s.target.expected_tenant),
    ] {
        if let Some(v) = v {
            cmd.args([opt, v]);
        }
    }
    cmd.args(run.extra);
    let mut files = vec![token_file];
    if run.with_reader {
        if let Some(r) = server.token("reader") {
            let f = tmp(&format!("{}-reader", run.label), r.expose());
            cmd.arg("--reader-token-file").arg(&f);
            files.push(f);
        }
    }
    if let Some(e) = &s.error_file {
        let f = tmp(&format!("{}-error", run.label), e);
        cmd.arg("--error-file").arg(&f);
        files.push(f);
    }
    cmd.env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .env("NO_COLOR", "1");
    let out = cmd.output().await.expect("run graph-doctor");
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    let json = serde_json::from_slice(&out.stdout).ok();
    (out, json)
}

#[allow(dead_code)] // used by tests/heldout.rs and tests/golden.rs, not every includer
/// Per-held-out-scenario options the scenario format cannot carry: whether the `reader` token is passed
/// (default yes) and the `--cloud` (default global).
pub struct HeldoutOptions {
    pub reader: bool,
    pub cloud: Option<&'static str>,
}

#[allow(dead_code)]
pub fn heldout_options(stem: &str) -> HeldoutOptions {
    HeldoutOptions {
        reader: !stem.contains("no-reader"),
        cloud: match stem {
            "global-token-usgov-cloud" | "r3-usgov-token-usgov-cloud" => Some("usgov"),
            "r3-china-token-no-slash-china-cloud" => Some("china"),
            "r3-usgov-token-dod-cloud" => Some("usgov-dod"),
            _ => None,
        },
    }
}

#[allow(dead_code)]
/// The held-out scenario files (`tests/heldout/*.json`), sorted.
pub fn heldout_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/heldout");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/heldout exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}
