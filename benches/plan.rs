//! Benchmark: `check --plan` over 1,000 rows (healthy and every per-row failure kind,
//! tests/common/plan_fixture.rs) against the simulated tenant with 150 ms of latency per HTTP
//! request. Prints wall time, the `$batch` requests and the time per 20 rows in round trips.
//!
//! Run with `cargo bench --bench plan` (never part of `cargo test`).

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../tests/common/plan_fixture.rs"]
mod plan_fixture;

use std::time::{Duration, Instant};

use graph_doctor::auth::Cloud;
use graph_doctor::engine::DiagnoseInput;
use graph_doctor::graph::GraphClient;
use graph_doctor::plan::{self, PlanOptions};
use graph_doctor::sim::{Scenario, SimServer};

const LATENCY_MS: u64 = 150;

async fn case(rows: usize) {
    let (scenario, fixture) = plan_fixture::scenario(rows);
    let file = std::env::temp_dir().join(format!("graph-doctor-bench-plan-{rows}.json"));
    std::fs::write(&file, scenario.to_string()).expect("write scenario");
    let scenario = Scenario::load(file.to_str().expect("utf-8"))
        .expect("scenario")
        .with_latency(LATENCY_MS);
    let _ = std::fs::remove_file(&file);
    let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim");
    let client = GraphClient::new(
        Cloud::Global,
        Some(&server.base_url),
        Duration::from_secs(10),
    )
    .expect("client");
    let template = DiagnoseInput {
        operation: Default::default(),
        token: server.token("diagnosed").expect("token"),
        reader_token: None,
        expected_tenant: None,
        cloud: Cloud::Global,
        client,
        observed: None,
    };
    let rows_parsed = plan::parse(&plan_fixture::csv(&fixture)).expect("plan");
    let before = server.request_count();
    let started = Instant::now();
    let outcome = plan::run(&rows_parsed, &template, PlanOptions::default(), None).await;
    let took = started.elapsed();
    let served = server.request_count() - before;
    let right = outcome
        .rows
        .iter()
        .zip(&fixture)
        .filter(|(r, f)| r.report.primary_cause.map(|c| c.as_str()) == f.expect)
        .count();
    let per_20 = took.as_secs_f64() * 20.0 / rows as f64;
    println!(
        "plan of {rows:>5} rows at {LATENCY_MS} ms: {:>6} ms; {served} HTTP requests ({} $batch, {} reads asked, {} shared); {:.3} s per 20 rows = {:.2} round trips; {right}/{rows} rows as expected",
        took.as_millis(),
        outcome.stats.batches,
        outcome.stats.asked,
        outcome.stats.shared,
        per_20,
        per_20 / (LATENCY_MS as f64 / 1000.0),
    );
    server.shutdown().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .expect("runtime");
    rt.block_on(async {
        for rows in [200, 1000] {
            case(rows).await;
        }
    });
}
