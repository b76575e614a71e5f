//! Golden reports: the JSON report of every built-in scenario (with and without its reader token)
//! and of every held-out scenario, compared with the copy kept in `tests/golden/`.
//!
//! This pins the engine's behaviour across refactors: a change that alters any verdict, summary,
//! fix or piece of evidence shows up here as a diff. When a change of verdict is meant (a fact in
//! the knowledge tables changed), regenerate with `GRAPH_DOCTOR_UPDATE_GOLDEN=1 cargo test --test
//! golden` and review the diff of `tests/golden/` in the commit.
//!
//! Values that differ from run to run (latencies, token times, the sim's port) are normalised first.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use std::sync::LazyLock;

use graph_doctor::sim::{builtin, Scenario, SimServer};
use regex::Regex;
use serde_json::Value;

/// Clock times, durations relative to now, and per-request ids.
static VOLATILE: LazyLock<[(Regex, &str); 6]> = LazyLock::new(|| {
    let re = |s: &str| Regex::new(s).expect("valid regex");
    [
        (
            re(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?"),
            "<time>",
        ),
        (
            re(r"\b\d+ (s|min|h|d|seconds?|minutes?|hours?|days?) (left|ago)"),
            "<n> <unit> $2",
        ),
        (
            re(
                r"(?i)\b(request-id|client-request-id|correlation[ _-]?id|trace[ _-]?id)(\W+)[0-9a-f-]{36}",
            ),
            "$1$2<uuid>",
        ),
        (
            re(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT"),
            "<date>",
        ),
        // Unix times (claims challenges carry the revocation time).
        (re(r"(\b|%22)1[789]\d{8}(\b|%22)"), "${1}<unix-time>${2}"),
        // Base64 claims challenges (`{"access_token":...` with a revocation time inside).
        (
            re(r"eyJhY2Nlc3NfdG9rZW4i[A-Za-z0-9_=+/-]*"),
            "<claims-base64>",
        ),
    ]
});

mod common;

/// Replaces what changes between runs of the same diagnosis.
fn normalise(v: &mut Value, base_url: &str) {
    match v {
        Value::Object(map) => {
            map.remove("latency_ms");
            if let Some(Value::Object(tool)) = map.get_mut("tool") {
                tool.insert("version".into(), Value::String("<version>".into()));
            }
            for key in [
                "exp",
                "iat",
                "nbf",
                "request-id",
                "client-request-id",
                "date",
                "claims_base64",
            ] {
                if let Some(x) = map.get_mut(key) {
                    *x = Value::String("<time>".into());
                }
            }
            for x in map.values_mut() {
                normalise(x, base_url);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| normalise(x, base_url)),
        Value::String(s) => {
            let mut t = s.replace(base_url, "<graph-url>").replace(
                concat!("graph-doctor ", env!("CARGO_PKG_VERSION")),
                "graph-doctor <version>",
            );
            for (re, with) in VOLATILE.iter() {
                t = re.replace_all(&t, *with).into_owned();
            }
            *s = t;
        }
        _ => {}
    }
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Diagnoses `scenario` and returns the normalised, pretty-printed JSON report.
async fn report_of(scenario: Scenario, label: &str, with_reader: bool, extra: &[&str]) -> String {
    let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim starts");
    let run = common::CheckRun {
        label,
        with_reader,
        format: "json",
        extra,
    };
    let (out, report) = common::check(&server, &run).await;
    let base = server.base_url.trim_end_matches('/').to_string();
    server.shutdown().await;
    let mut report = report.unwrap_or_else(|| {
        panic!(
            "{label}: no JSON report (exit {:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    normalise(&mut report, &base);
    let mut text = serde_json::to_string_pretty(&report).expect("serialise");
    text.push('\n');
    text
}

/// Compares (or, with GRAPH_DOCTOR_UPDATE_GOLDEN, writes) one golden file; returns a mismatch line.
fn compare(name: &str, got: &str) -> Option<String> {
    let path = golden_dir().join(format!("{name}.json"));
    if std::env::var_os("GRAPH_DOCTOR_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).expect("write golden file");
        return None;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if want == got {
        return None;
    }
    let first = want
        .lines()
        .zip(got.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(want.lines().count().min(got.lines().count()));
    Some(format!(
        "{name}: differs from tests/golden/{name}.json at line {}:\n    want: {}\n    got:  {}",
        first + 1,
        want.lines().nth(first).unwrap_or("<end>"),
        got.lines().nth(first).unwrap_or("<end>")
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_matches_its_golden_copy() {
    let mut mismatches = Vec::new();
    let mut n = 0;
    for (name, _) in builtin() {
        for with_reader in [true, false] {
            let scenario = Scenario::load(&name).expect("built-in scenario loads");
            let label = format!("{name}.{}", if with_reader { "reader" } else { "alone" });
            let got = report_of(scenario, &label, with_reader, &[]).await;
            n += 1;
            mismatches.extend(compare(&label, &got));
        }
    }
    for path in common::heldout_files() {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 name")
            .to_string();
        let opts = common::heldout_options(&stem);
        let cloud: Vec<&str> = opts.cloud.map(|c| vec!["--cloud", c]).unwrap_or_default();
        let scenario = Scenario::load(path.to_str().expect("utf-8 path")).expect("held-out loads");
        let label = format!("heldout.{stem}");
        let got = report_of(scenario, &label, opts.reader, &cloud).await;
        n += 1;
        mismatches.extend(compare(&label, &got));
    }
    assert!(n > 300, "expected over 300 reports, diagnosed {n}");
    assert!(
        mismatches.is_empty(),
        "{} of {n} reports differ from their golden copy (regenerate with \
         GRAPH_DOCTOR_UPDATE_GOLDEN=1 only if the change is meant):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
