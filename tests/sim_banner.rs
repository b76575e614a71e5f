//! `graph-doctor sim --scenario X` prints how to fetch what the diagnosis needs and the `check`
//! command that diagnoses the scenario. Run exactly as printed (the fetches done over HTTP, the
//! command with its own arguments), every built-in scenario must come out as it expects: a
//! printed command that leaves out `--tenant` or `--error-file` gives a false pass.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use graph_doctor::sim::scenario::builtin;
use graph_doctor::sim::Scenario;
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_graph-doctor");

fn command(args: &[String]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args)
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_ID")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Starts `sim --scenario NAME`, reads its banner, does what its `Fetch:` line says into `dir`,
/// runs its `Diagnose:` line there, and returns that command's exit code and the banner.
async fn as_printed(name: &str, dir: &Path) -> (Option<i32>, String) {
    let mut sim = command(&[
        "sim".into(),
        "--scenario".into(),
        name.into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ]);
    sim.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = sim.spawn().expect("spawn the simulated tenant");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut banner = String::new();
    let wait = Duration::from_secs(60);
    while let Ok(Ok(Some(line))) = tokio::time::timeout(wait, stderr.next_line()).await {
        banner.push_str(&line);
        banner.push('\n');
        if line.trim_start().starts_with("Diagnose:") {
            break;
        }
    }
    let line = |label: &str| {
        banner
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(label))
            .map(str::trim)
            .unwrap_or_else(|| panic!("{name}: no `{label}` line in:\n{banner}"))
            .to_string()
    };
    // `curl -s URL > FILE`, joined with `&&`: fetched here without curl.
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    for fetch in line("Fetch:").split("&&") {
        let words: Vec<&str> = fetch.split_whitespace().collect();
        let (url, file) = match words.as_slice() {
            ["curl", "-s", url, ">", file] => (*url, *file),
            other => panic!("{name}: unexpected fetch {other:?}"),
        };
        let body = http
            .get(url)
            .send()
            .await
            .expect("fetch")
            .error_for_status()
            .expect("the fetch succeeds")
            .text()
            .await
            .expect("body");
        std::fs::write(dir.join(file), body).expect("write");
    }
    let diagnose = line("Diagnose:");
    // Words as a shell splits them: a 'quoted request' is one word.
    let mut split = Vec::new();
    for (i, part) in diagnose.split('\'').enumerate() {
        if i % 2 == 1 {
            split.push(part.to_string());
        } else {
            split.extend(part.split_whitespace().map(str::to_string));
        }
    }
    let mut words = split.into_iter();
    assert_eq!(words.next().as_deref(), Some("graph-doctor"), "{name}");
    let args: Vec<String> = words.collect();
    let out = command(&args)
        .current_dir(dir)
        .output()
        .await
        .expect("run the printed command");
    let _ = child.kill().await;
    (out.status.code(), banner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_diagnoses_as_printed() {
    let root = std::env::temp_dir().join(format!("graph-doctor-banner-{}", std::process::id()));
    let mut wrong = Vec::new();
    let mut n = 0;
    for (name, _) in builtin() {
        let scenario = Scenario::load(&name).expect("scenario");
        let Some(expect) = scenario.expect else {
            continue;
        };
        let want = if expect.primary_cause.is_some() {
            1
        } else if expect.unknown.is_empty() {
            0
        } else {
            3
        };
        let dir = root.join(&name);
        std::fs::create_dir_all(&dir).expect("dir");
        let (code, banner) = as_printed(&name, &dir).await;
        n += 1;
        if code != Some(want) {
            wrong.push(format!("{name}: exit {code:?}, expected {want}\n{banner}"));
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(n > 50, "only {n} scenarios ran");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
