//! Benchmark: `permissions` lookups against the embedded permissions map. Prints the first
//! lookup (which parses and indexes the map), then warm lookups of a mixed set of requests
//! (map matches, `$ref`/cast/`/me` fallbacks, curated overrides) and of requests that match
//! nothing (the nearest-template search), and the size of the embedded map.
//!
//! Target (issue 12): a lookup well under 5 ms. Run with `cargo bench --bench permissions`.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use graph_doctor::knowledge::permission_map::{self, Source};

const ID: &str = "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const ROUNDS: usize = 500;

fn requests() -> Vec<(&'static str, String)> {
    vec![
        (
            "GET",
            format!("https://graph.microsoft.com/v1.0/users/{ID}/memberOf?$select=id"),
        ),
        ("GET", "/me/memberOf".into()),
        ("GET", "https://graph.microsoft.com/beta/me".into()),
        ("POST", format!("/groups/{ID}/members/$ref")),
        ("DELETE", format!("/groups/{ID}/members/{ID}/$ref")),
        (
            "POST",
            format!("/directory/administrativeUnits/{ID}/members"),
        ),
        (
            "POST",
            format!("/directory/administrativeUnits/{ID}/members/$ref"),
        ),
        ("GET", format!("/groups/{ID}/members/microsoft.graph.user")),
        ("PATCH", format!("/applications/{ID}")),
        (
            "GET",
            "/reports/getOneDriveActivityUserCounts(period='D7')".into(),
        ),
        (
            "GET",
            "/me/drive/root:/Reports/budget.xlsx:/workbook/worksheets".into(),
        ),
        ("GET", format!("/deviceManagement/managedDevices/{ID}")),
        ("GET", "/security/alerts_v2".into()),
        ("POST", format!("/users/{ID}/sendMail")),
        ("GET", format!("/sites/{ID}/lists/{ID}/items")),
    ]
}

fn stats(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    let sum: Duration = times.iter().sum();
    let mean = sum / times.len() as u32;
    let p50 = times[times.len() / 2];
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    (mean, p50, p99)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    println!(
        "graph-doctor permissions benchmark: embedded map {} bytes, {} permissions",
        permission_map::embedded_bytes(),
        {
            let started = Instant::now();
            let a = permission_map::lookup_str("GET", "/me").expect("parses");
            assert_eq!(a.source, Source::Map);
            println!(
                "first lookup (parses and indexes the map): {:.2} ms",
                started.elapsed().as_secs_f64() * 1e3
            );
            permission_map::permissions().len()
        }
    );
    println!(
        "{} (method, template) entries",
        permission_map::template_count()
    );
    let mut parses = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let n = permission_map::parse_embedded().expect("parses");
        parses.push(started.elapsed());
        assert_eq!(n, permission_map::template_count());
    }
    let (mean, p50, _) = stats(parses);
    println!(
        "parse and index the map (x 20): mean {:.2} ms, median {:.2} ms",
        mean.as_secs_f64() * 1e3,
        p50.as_secs_f64() * 1e3
    );

    let reqs = requests();
    let mut times = Vec::with_capacity(ROUNDS * reqs.len());
    for _ in 0..ROUNDS {
        for (m, u) in &reqs {
            let started = Instant::now();
            let a = permission_map::lookup_str(m, u).expect("parses");
            times.push(started.elapsed());
            assert_ne!(a.source, Source::None, "{m} {u}");
        }
    }
    let (mean, p50, p99) = stats(times);
    println!(
        "matching lookup ({} requests x {ROUNDS}): mean {}, median {}, p99 {} {}",
        reqs.len(),
        us(mean),
        us(p50),
        us(p99),
        if p99 < Duration::from_millis(5) {
            "(well under the 5 ms target)"
        } else {
            "(OVER the 5 ms target)"
        }
    );

    let misses = [
        ("GET", format!("/users/{ID}/memberOff")),
        ("PUT", format!("/users/{ID}/memberOf")),
        ("GET", "/nothing/like/this/at/all".to_string()),
    ];
    let mut times = Vec::new();
    for _ in 0..20 {
        for (m, u) in &misses {
            let started = Instant::now();
            let a = permission_map::lookup_str(m, u).expect("parses");
            times.push(started.elapsed());
            assert_eq!(a.source, Source::None, "{m} {u}");
            assert!(!a.nearest.is_empty());
        }
    }
    let (mean, p50, p99) = stats(times);
    println!(
        "no match, nearest templates ({} requests x 20): mean {}, median {}, p99 {}",
        misses.len(),
        us(mean),
        us(p50),
        us(p99)
    );
}
