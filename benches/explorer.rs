//! Benchmark: the explorer against the simulated `big-tenant` with 150 ms of latency per HTTP
//! request. Measures (1) a search across every kind and (2) opening an object's page, in round
//! trips; (3) how many pages scrolling a 5,000-member group reads (the model decides, the sim
//! answers); (4) key-to-frame time (`update` + drawing an 80x24 frame) while reads are in flight.
//!
//! Run with `cargo bench --bench explorer` (never part of `cargo test`).

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use graph_doctor::auth::Cloud;
use graph_doctor::graph::directory::{self, ObjectType, SearchScope};
use graph_doctor::graph::explore::{self, Tab};
use graph_doctor::graph::GraphClient;
use graph_doctor::sim::{Scenario, SimServer};
use graph_doctor::tui::app::{
    update, App, Config, Effect, ExploreEffect, ExploreMsg, Msg, Screen, Slot,
};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const LATENCY_MS: u64 = 150;
const ALL_HANDS: &str = "20000000-0000-4000-8000-000000000300";

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn round_trips(d: Duration) -> f64 {
    d.as_secs_f64() / (LATENCY_MS as f64 / 1000.0)
}

async fn run() {
    let scenario = Scenario::load("big-tenant")
        .expect("scenario")
        .with_latency(LATENCY_MS);
    let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim");
    let client = GraphClient::new(
        Cloud::Global,
        Some(&server.base_url),
        Duration::from_secs(10),
    )
    .expect("client");
    let token = server.token("diagnosed").expect("token");

    // (1) A search across every kind: one request per kind, side by side.
    let before = server.request_count();
    let started = Instant::now();
    let sections =
        directory::search_sections(&client, &token, SearchScope::Everything, "Hand").await;
    let took = started.elapsed();
    let users = sections
        .iter()
        .find(|s| s.holds == ObjectType::User)
        .and_then(|s| s.count);
    println!(
        "search \"Hand\" across 5 kinds at {LATENCY_MS} ms: {:>4} ms = {:.2} round trips; {} requests side by side; users found (@odata.count): {users:?}",
        took.as_millis(),
        round_trips(took),
        server.request_count() - before,
    );

    // (2) Opening a page: its first tab, one request.
    let before = server.request_count();
    let started = Instant::now();
    let req = explore::request(&ObjectType::Group, ALL_HANDS, Tab::Properties).expect("tab");
    explore::fetch(
        &client,
        &token,
        graph_doctor::knowledge::Flow::Delegated,
        &ObjectType::Group,
        Tab::Properties,
        &req,
    )
    .await
    .expect("properties");
    let took = started.elapsed();
    println!(
        "open a group's page at {LATENCY_MS} ms: {:>4} ms = {:.2} round trips; {} request",
        took.as_millis(),
        round_trips(took),
        server.request_count() - before,
    );

    // (3) Scrolling the 5,000 members: the model asks for a page only near the end of what it
    // has; the bench plays the runtime (each Read effect fetched, its answer fed back).
    let mut app = App::new(
        Config {
            graph_url: Some(server.base_url.clone()),
            ..Config::default()
        },
        Default::default(),
        0,
    );
    app.set_token(Slot::Diagnosed, token.clone(), "bench");
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.screen, Screen::Explorer);
    for c in "All Hands".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let gen = app.explorer.search_gen;
    let sections =
        directory::search_sections(&client, &token, SearchScope::Everything, "All Hands").await;
    update(
        &mut app,
        Msg::Explore(ExploreMsg::Searched { gen, sections }),
    );
    key(&mut app, KeyCode::Enter);
    let mut pending = key(&mut app, KeyCode::Enter);
    pending.extend(key(&mut app, KeyCode::Tab));
    let before = server.request_count();
    let mut pages = 0usize;
    let serve = |effects: Vec<Effect>| {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::Explore(ExploreEffect::Read {
                    gen,
                    kind,
                    tab,
                    request,
                    flow,
                    token,
                }) => Some((gen, kind, tab, request, flow, token)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let mut queue = serve(std::mem::take(&mut pending));
    let scroll_to = 1000usize;
    let mut presses = 0usize;
    loop {
        for (gen, kind, tab, request, flow, token) in queue.drain(..) {
            if tab == Tab::Members {
                pages += 1;
            }
            let result = explore::fetch(&client, &token, flow, &kind, tab, &request).await;
            update(&mut app, Msg::Explore(ExploreMsg::Read { gen, result }));
        }
        let cursor = app
            .explorer
            .page()
            .and_then(|p| p.current())
            .map_or(0, |t| t.cursor);
        if cursor >= scroll_to {
            break;
        }
        presses += 1;
        queue = serve(key(&mut app, KeyCode::Down));
    }
    let loaded = app
        .explorer
        .page()
        .and_then(|p| p.current())
        .map_or(0, |t| t.rows.len());
    println!(
        "scroll a 5,000-member group to row {scroll_to} ({presses} key presses): {pages} pages of {} read ({loaded} rows held), {} requests in all for the page; the other {} members never read",
        explore::PAGE_SIZE,
        server.request_count() - before,
        5000 - loaded,
    );

    // (4) Key-to-frame while reads are in flight: a Members read is left unanswered (spinner
    // turning), and each key is `update` then one 80x24 frame drawn, as the runtime does.
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    key(&mut app, KeyCode::Char('r')); // read the tab again: in flight, never answered here
    let mut times: Vec<Duration> = Vec::new();
    for i in 0..2000 {
        let started = Instant::now();
        let code = if i % 2 == 0 {
            KeyCode::Down
        } else {
            KeyCode::Up
        };
        let _ = key(&mut app, code);
        update(&mut app, Msg::Tick { now: 0 });
        term.draw(|f| graph_doctor::tui::view::view(&app, f))
            .expect("draw");
        times.push(started.elapsed());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "key-to-frame at 80x24 with a read in flight ({} keys): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (budget 16 ms)",
        times.len(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        times.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    );
    server.shutdown().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .expect("runtime");
    rt.block_on(run());
}
