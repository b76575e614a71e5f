//! Benchmark: full diagnoses against the simulated tenant with 150 ms of injected latency per
//! HTTP request, the round trips each flow takes over every built-in scenario, and process
//! start-up. Prints wall time, HTTP requests and round trips per case.
//!
//! Cases:
//! - `healthy-app`, `healthy-delegated`: the two plain flows (issue 3: within three round trips'
//!   time, 0.45 s, each);
//! - `ca-claims-challenge` with the reader token: every answer to the diagnosed token is a 401
//!   claims challenge, so its reads are retried with the reader (the reader-retry path);
//! - paging: a 10,000-member group in a tenant without advanced queries (`$filter` on the
//!   members refused, so they are listed in pages of 999), and `sp-1500-app-role-assignments`
//!   (the client's 1,500 app role assignments in two pages);
//! - round trips per flow: every built-in scenario, with and without its reader token, no latency;
//! - start-up: the binary spawned with `--version` and with `scenarios`.
//!
//! Run with `cargo bench --bench diagnose` (never part of `cargo test`).

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use graph_doctor::auth::Cloud;
use graph_doctor::checks::evidence::TokenAnalysis;
use graph_doctor::engine::{diagnose_with_stats, DiagnoseInput, Stats};
use graph_doctor::graph::GraphClient;
use graph_doctor::knowledge::Flow;
use graph_doctor::report::Report;
use graph_doctor::secret::Secret;
use graph_doctor::sim::{builtin, Scenario, SimServer};

const LATENCY_MS: u64 = 150;

/// A scenario served with latency, its input, and the last run's figures.
struct Case {
    label: &'static str,
    scenario: Scenario,
    reader: bool,
    runs: usize,
    /// Median target, when the case has one.
    target: Option<Duration>,
}

async fn serve(scenario: Scenario, reader: bool) -> Result<(SimServer, DiagnoseInput), String> {
    let server = SimServer::start(scenario, "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?)
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
        reader_token: if reader { server.token("reader") } else { None },
        expected_tenant: server.scenario().target.expected_tenant.clone(),
        cloud: Cloud::Global,
        client,
        observed: None,
    };
    Ok((server, input))
}

async fn bench(case: Case) -> Result<(), String> {
    let (server, input) = serve(case.scenario, case.reader).await?;
    let mut times = Vec::new();
    let mut last: Option<(Report, Stats, u64)> = None;
    for _ in 0..case.runs {
        let before = server.request_count();
        let started = Instant::now();
        let (report, stats) = diagnose_with_stats(&input, None).await;
        times.push(started.elapsed());
        last = Some((report, stats, server.request_count() - before));
    }
    times.sort();
    let (report, stats, served) = last.ok_or("no run")?;
    let median = times[times.len() / 2];
    let target = match case.target {
        Some(t) if median <= t => format!(" (within the {} ms target)", t.as_millis()),
        Some(t) => format!(" (OVER the {} ms target)", t.as_millis()),
        None => String::new(),
    };
    println!(
        "{:<34} median {:>5} ms (min {:>5}, max {:>5}) over {} runs; {served:>3} HTTP requests served, {:>2} round trips, {:>4} reads; verdict {}{target}",
        case.label,
        median.as_millis(),
        times[0].as_millis(),
        times[times.len() - 1].as_millis(),
        case.runs,
        stats.round_trips,
        stats.reads,
        report.verdict.as_str(),
    );
    server.shutdown().await;
    Ok(())
}

fn load(name: &str) -> Result<Scenario, String> {
    Ok(Scenario::load(name)
        .map_err(|e| e.to_string())?
        .with_latency(LATENCY_MS))
}

/// 'All Staff' with 10,000 generated members more, in a tenant without advanced queries: the
/// `$filter=id eq` member lookup is refused and the members are listed in pages of 999.
fn ten_thousand_members() -> Result<Scenario, String> {
    let text = r#"{
      "base": "healthy-large-group",
      "name": "bench-10k-members-no-advanced-queries",
      "summary": "All Staff with 10,150 members; $filter on members refused",
      "faults": {"no_advanced_queries": true},
      "directory": {"generate": [{
        "collection": "users", "count": 10000,
        "template": {"id": "10000000-0000-4000-9000-{n:012}", "displayName": "Bench {n}",
                     "userPrincipalName": "bench{n}@contoso.com", "assignedLicenses": []},
        "memberOf": ["20000000-0000-4000-8000-000000000012"]}]}
    }"#;
    Ok(Scenario::from_text("bench-10k-members", text)
        .map_err(|e| e.to_string())?
        .with_latency(LATENCY_MS))
}

/// Round trips of every built-in scenario (with and without its reader token), by flow.
async fn round_trips_per_flow() -> Result<(), String> {
    let mut by_flow: Vec<(&str, Vec<usize>)> = vec![("app-only", vec![]), ("delegated", vec![])];
    let mut worst: Vec<(usize, String)> = Vec::new();
    let started = Instant::now();
    for (name, _) in builtin() {
        for reader in [false, true] {
            let scenario = Scenario::load(&name).map_err(|e| e.to_string())?;
            let (server, input) = serve(scenario, reader).await?;
            let ta = TokenAnalysis::new(&input.token, chrono::Utc::now().timestamp());
            let (_, stats) = diagnose_with_stats(&input, None).await;
            server.shutdown().await;
            let slot = match ta.flow {
                Some(Flow::Delegated) => 1,
                Some(_) => 0,
                None => continue,
            };
            by_flow[slot].1.push(stats.round_trips);
            worst.push((
                stats.round_trips,
                format!("{name}{}", if reader { " +reader" } else { "" }),
            ));
        }
    }
    for (flow, trips) in &by_flow {
        let n = trips.len().max(1);
        let mean = trips.iter().sum::<usize>() as f64 / n as f64;
        let mut hist = std::collections::BTreeMap::new();
        for t in trips {
            *hist.entry(*t).or_insert(0) += 1;
        }
        let hist: Vec<String> = hist.iter().map(|(t, c)| format!("{t}: {c}")).collect();
        println!(
            "round trips, {flow:<9}: mean {mean:.2} over {} diagnoses (scenarios x reader or not); by count {{{}}}",
            trips.len(),
            hist.join(", ")
        );
    }
    worst.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let top: Vec<String> = worst
        .iter()
        .take(6)
        .map(|(t, n)| format!("{n} {t}"))
        .collect();
    println!("most round trips: {}", top.join(", "));
    println!(
        "(all {} diagnoses, no latency: {} ms)",
        worst.len(),
        started.elapsed().as_millis()
    );
    Ok(())
}

/// Median wall time of spawning the binary with `args` until it exits.
fn startup(args: &[&str], runs: usize) -> Result<(), String> {
    let exe = env!("CARGO_BIN_EXE_graph-doctor");
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let out = std::process::Command::new(exe)
            .args(args)
            .output()
            .map_err(|e| format!("{exe}: {e}"))?;
        times.push(started.elapsed());
        if !out.status.success() {
            return Err(format!("{exe} {args:?} exited {:?}", out.status.code()));
        }
    }
    times.sort();
    println!(
        "start-up `graph-doctor {}`{:<pad$} median {:>5.1} ms (min {:>5.1}, max {:>5.1}) over {runs} runs",
        args.join(" "),
        "",
        times[runs / 2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[runs - 1].as_secs_f64() * 1000.0,
        pad = 16usize.saturating_sub(args.join(" ").len()),
    );
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
    let target = Some(Duration::from_millis(450));
    let cases: Vec<Result<Case, String>> = vec![
        load("healthy-app").map(|scenario| Case {
            label: "healthy-app",
            scenario,
            reader: false,
            runs: 5,
            target,
        }),
        load("healthy-delegated").map(|scenario| Case {
            label: "healthy-delegated",
            scenario,
            reader: false,
            runs: 5,
            target,
        }),
        load("ca-claims-challenge").map(|scenario| Case {
            label: "ca-claims-challenge +reader",
            scenario,
            reader: true,
            runs: 5,
            target: None,
        }),
        load("sp-1500-app-role-assignments").map(|scenario| Case {
            label: "sp-1500-app-role-assignments",
            scenario,
            reader: false,
            runs: 5,
            target: None,
        }),
        ten_thousand_members().map(|scenario| Case {
            label: "10k-member group, no $filter",
            scenario,
            reader: false,
            runs: 3,
            target: None,
        }),
    ];
    for case in cases {
        let result = case.and_then(|c| {
            let label = c.label;
            rt.block_on(bench(c)).map_err(|e| format!("{label}: {e}"))
        });
        if let Err(e) = result {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    if let Err(e) = rt.block_on(round_trips_per_flow()) {
        eprintln!("round trips: {e}");
        std::process::exit(1);
    }
    for args in [&["--version"][..], &["scenarios"][..]] {
        if let Err(e) = startup(args, 20) {
            eprintln!("start-up: {e}");
            std::process::exit(1);
        }
    }
}
