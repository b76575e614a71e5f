//! Benchmark: full app-only and delegated diagnoses against the simulated tenant with 150 ms of
//! injected latency per HTTP request. Prints wall time, HTTP requests and round trips.
//!
//! Target (issue 3): at most three round trips' time, 0.45 s, for each.
//! Run with `cargo bench --bench diagnose`.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use graph_doctor::auth::Cloud;
use graph_doctor::engine::{diagnose_with_stats, DiagnoseInput};
use graph_doctor::graph::GraphClient;
use graph_doctor::secret::Secret;
use graph_doctor::sim::{Scenario, SimServer};

const LATENCY_MS: u64 = 150;
const RUNS: usize = 5;

async fn bench(scenario: &str) -> Result<(), String> {
    let s = Scenario::load(scenario)
        .map_err(|e| e.to_string())?
        .with_latency(LATENCY_MS);
    let server = SimServer::start(s, "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?)
        .await
        .map_err(|e| e.to_string())?;
    let client = GraphClient::new(
        Cloud::Global,
        Some(&server.base_url),
        Duration::from_secs(10),
    )
    .map_err(|e| e.to_string())?;
    let token = server
        .token("diagnosed")
        .ok_or("scenario has no diagnosed token")?;
    let input = DiagnoseInput {
        operation: server.target(),
        token: Secret::new(token.expose()),
        reader_token: None,
        expected_tenant: None,
        cloud: Cloud::Global,
        client,
        observed: None,
    };
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let before = server.request_count();
        let started = Instant::now();
        let (report, stats) = diagnose_with_stats(&input, None).await;
        times.push(started.elapsed());
        last = Some((report, stats, server.request_count() - before));
    }
    times.sort();
    let (report, stats, served) = last.ok_or("no run")?;
    let median = times[times.len() / 2];
    println!(
        "{scenario:<20} median {:>4} ms (min {:>4} ms, max {:>4} ms) over {RUNS} runs; {served} HTTP requests served, {} round trips, {} reads; verdict {} {}",
        median.as_millis(),
        times[0].as_millis(),
        times[times.len() - 1].as_millis(),
        stats.round_trips,
        stats.reads,
        report.verdict.as_str(),
        if median <= Duration::from_millis(450) { "(within the 0.45 s target)" } else { "(OVER the 0.45 s target)" }
    );
    server.shutdown().await;
    Ok(())
}

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    println!("graph-doctor diagnose benchmark: simulated tenant, {LATENCY_MS} ms latency per HTTP request");
    for scenario in ["healthy-app", "healthy-delegated"] {
        if let Err(e) = rt.block_on(bench(scenario)) {
            eprintln!("{scenario}: {e}");
            std::process::exit(1);
        }
    }
}
