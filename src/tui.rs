//! The interactive wizard (`graph-doctor`, `graph-doctor tui`, `graph-doctor demo`).
//!
//! Elm architecture: one model ([`app::App`]), one message type ([`app::Msg`]), a pure
//! [`app::update`] that returns [`app::Effect`]s, and a pure [`view::view`]. This module is the
//! runtime around them: it owns the terminal, the one message queue and every background task
//! (diagnosis, picker searches, sign-in, the "Try it" write), each kept by handle so leaving a
//! screen or quitting aborts it. A frame is drawn only when the queue is drained, and nothing the
//! view reads ever waits on the network.
//!
//! The terminal is restored on every exit path: normal return, error, Ctrl-C, SIGTERM and panic
//! (ratatui's hook, plus ours for bracketed paste). Logs go to a file, never to the terminal.

pub mod app;
pub mod config;
pub mod history;
pub mod picker;
pub mod signin;
pub mod text;
pub mod theme;
pub mod token;
pub mod view;

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::task::JoinHandle;

use crate::auth::TokenInfo;
use crate::engine::DiagnoseInput;
use crate::graph::directory;
use crate::graph::GraphClient;
use crate::sim::SimServer;
use app::{App, DemoSetup, DiagnoseRequest, Effect, Msg, Slot};
pub use config::{StartToken, TargetOverride, WizardConfig, WizardError};
use picker::PickKind;

/// Spinner and countdown cadence while something moves ([`App::animating`]).
const TICK: Duration = Duration::from_millis(120);
/// The clock's cadence when nothing moves: only the token's "expires in" needs it.
const IDLE_TICK: Duration = Duration::from_secs(30);

/// `graph-doctor` / `graph-doctor tui`: opens on Connect, or straight on the running checks when
/// the options already name a token and a complete target. `demo` passes its running server.
pub async fn run_wizard(config: WizardConfig, demo: Option<SimServer>) -> Result<i32, WizardError> {
    let log = crate::logging::init_file();
    tracing::info!(?log, "wizard starting");
    let mut app = App::new(config.app, theme::Theme::from_env(), unix_now());
    load_history(&mut app);
    let mut first = Vec::new();
    match demo {
        Some(server) => {
            let name = server.scenario().name.clone();
            let setup = demo_setup(&server, &config.target, name);
            first.extend(app::update(&mut app, Msg::DemoReady(Box::new(setup))));
            return run_app(app, first, Some(server)).await;
        }
        None => {
            load_tokens(&mut app, config.tokens);
            // `--sign-in` / `--reader-sign-in`: the flow runs inside the wizard, which shows the
            // device code and stays usable while it waits.
            // One sign-in at a time: the diagnosed token's first, the reader's from Connect after.
            if let (Some(method), None) = (config.sign_in, &app.token) {
                first.extend(app::begin_sign_in(&mut app, Slot::Diagnosed, method, None));
            } else if let (Some(method), None) = (config.reader_sign_in, &app.reader) {
                first.extend(app::begin_sign_in(&mut app, Slot::Reader, method, None));
            } else if app.token.is_some() && app.missing().is_empty() {
                first.extend(app::start_run(&mut app));
                first.extend(app::resolve_chosen(&mut app));
            } else if app.token.is_some() {
                app.info("Token loaded: Tab continues to the target.");
            }
        }
    }
    run_app(app, first, None).await
}

/// `graph-doctor demo [--scenario S]`: the simulated tenant in-process, then the wizard on it;
/// without a scenario, a picker of the built-in ones.
pub async fn run_demo(scenario: Option<String>, config: WizardConfig) -> Result<i32, WizardError> {
    let log = crate::logging::init_file();
    tracing::info!(?log, ?scenario, "demo starting");
    match &scenario {
        Some(name) => {
            let server = start_sim(name).await.map_err(WizardError::new)?;
            run_wizard(config, Some(server)).await
        }
        None => {
            let mut app_config = config.app;
            app_config.scenarios = Some(crate::sim::builtin());
            let mut app = App::new(app_config, theme::Theme::from_env(), unix_now());
            load_history(&mut app);
            run_app(app, Vec::new(), None).await
        }
    }
}

/// `graph-doctor open FILE`: a recorded session in the wizard, offline and read-only: the
/// recorded requests and report on the same screens (checks, evidence, fixes, summary), no
/// Graph endpoint (so nothing is sent: re-running or "Try it" says so).
pub async fn run_open(
    recording: crate::record::Recording,
    name: String,
) -> Result<i32, WizardError> {
    let log = crate::logging::init_file();
    tracing::info!(?log, "opening a recorded session");
    let config = app::Config {
        cloud: recording.cloud(),
        operation: recording.operation.clone(),
        tenant: recording.expected_tenant.clone(),
        observed: recording.observed.clone(),
        ..app::Config::default()
    };
    let mut app = App::new(config, theme::Theme::from_env(), unix_now());
    app.endpoint = None;
    let gen = app.run.gen;
    for e in &recording.exchanges {
        let progress = crate::engine::Progress::Request {
            request: format!("{} {}", e.method, e.path),
            status: e.status,
            latency_ms: e.latency_ms,
        };
        app::update(&mut app, Msg::Progress { gen, progress });
    }
    app::update(
        &mut app,
        Msg::Finished {
            gen,
            report: Box::new(recording.report.clone()),
        },
    );
    app.screen = app::Screen::Wizard;
    app.info(format!(
        "Recorded session, offline, read-only (graph-doctor {}, {}): {name}",
        recording.graph_doctor, recording.recorded_at
    ));
    run_app(app, Vec::new(), None).await
}

/// Reads the recent diagnoses into the model (a small file, read once before the first frame);
/// a history that cannot be read is said once on the status line, and not written over.
fn load_history(app: &mut App) {
    let Some(path) = history::path() else {
        return;
    };
    match history::load(&path) {
        Ok(entries) => {
            app.history = entries;
            app.history_on = true;
        }
        Err(e) => app.info(format!("The history is not used: {e}")),
    }
}

async fn start_sim(name: &str) -> Result<SimServer, String> {
    let scenario = crate::sim::Scenario::load(name).map_err(|e| e.to_string())?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    SimServer::start(scenario, addr)
        .await
        .map_err(|e| format!("the simulated tenant could not listen on 127.0.0.1: {e}"))
}

/// What the wizard needs from a running simulated tenant. Command-line ids override the
/// scenario's own target.
fn demo_setup(server: &SimServer, given: &TargetOverride, scenario: String) -> DemoSetup {
    let mut target = server.target();
    if let Some(op) = given.kind {
        target.kind = op;
    }
    for (dst, src) in [
        (&mut target.group, &given.group),
        (&mut target.member, &given.member),
        (&mut target.au, &given.au),
    ] {
        if src.is_some() {
            *dst = src.clone();
        }
    }
    DemoSetup {
        scenario,
        base_url: server.base_url.clone(),
        token: server.token("diagnosed"),
        reader: server.token("reader"),
        target,
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The tokens the command line found (files, environment). A missing one is not an error here:
/// the Connect screen asks for it. One that could not be read is said in the status line.
fn load_tokens(app: &mut App, tokens: Vec<StartToken>) {
    for t in tokens {
        match t {
            StartToken::Loaded {
                slot,
                secret,
                source,
            } => app.set_token(slot, secret, source),
            StartToken::Problem(e) => app.error(e),
        }
    }
    if let Some(h) = &app.token {
        if let Ok(info) = &h.decoded {
            log_token(info);
        }
    }
}

fn log_token(info: &TokenInfo) {
    tracing::info!(
        kind = info.kind().as_str(),
        tid = info.tid().unwrap_or_default(),
        app = info.app_id().unwrap_or_default(),
        "token loaded"
    );
}

/// Restores the terminal: bracketed paste and mouse capture off, cursor shown, raw mode off, main screen back.
fn restore_terminal() {
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::event::DisableBracketedPaste,
        crossterm::event::DisableMouseCapture,
        crossterm::cursor::Show
    );
    ratatui::restore();
}

/// Background tasks, by what they do, so each can be aborted on its own.
#[derive(Default)]
struct Tasks {
    diagnosis: Option<JoinHandle<()>>,
    searches: HashMap<PickKind, JoinHandle<()>>,
    sign_in: Option<JoinHandle<()>>,
    try_it: Option<JoinHandle<()>>,
    /// The plan being triaged (Connect's *Plan file*).
    plan: Option<JoinHandle<()>>,
    demo: Option<SimServer>,
    /// The one Graph client, for the endpoint the model last asked for.
    client: Option<GraphClient>,
    /// What the last diagnosis saw, for "save session" (`e`, then Tab to Session).
    session: Option<Session>,
    /// The explorer's search (one at a time: a keystroke replaces it).
    explore_search: Option<JoinHandle<()>>,
    /// The explorer's reads of the page shown (and its next pages of results).
    explore_reads: Vec<JoinHandle<()>>,
}

/// The last diagnosis's input and the tape its client recorded on (memory only until saved).
#[derive(Debug)]
struct Session {
    input: DiagnoseInput,
    tape: crate::graph::tape::Tape,
    started_unix: i64,
    started: std::time::Instant,
}

impl Tasks {
    fn abort_all(&mut self) {
        for h in self
            .diagnosis
            .take()
            .into_iter()
            .chain(self.sign_in.take())
            .chain(self.try_it.take())
            .chain(self.plan.take())
            .chain(self.searches.drain().map(|(_, h)| h))
            .chain(self.explore_search.take())
            .chain(self.explore_reads.drain(..))
        {
            h.abort();
        }
    }
}

/// The event loop. Everything that happens becomes a [`Msg`] on one queue; the view is drawn
/// once the queue is empty.
async fn run_app(
    mut app: App,
    first: Vec<Effect>,
    demo: Option<SimServer>,
) -> Result<i32, WizardError> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return Err(WizardError::new(
            "the wizard needs an interactive terminal; use `graph-doctor check` in scripts",
        ));
    }
    // Our hook first, so ratatui's (installed by init) runs before it and restores the screen.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(
            std::io::stdout(),
            crossterm::event::DisableBracketedPaste,
            crossterm::event::DisableMouseCapture,
            crossterm::cursor::Show
        );
        previous(info);
    }));
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // Raw mode may already be on when entering the alternate screen failed.
            restore_terminal();
            return Err(WizardError::new(format!(
                "the wizard needs an interactive terminal ({e}); use `graph-doctor check` in scripts"
            )));
        }
    };
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::event::EnableBracketedPaste,
        crossterm::event::EnableMouseCapture
    );
    // The hooks above restore the terminal; that is right for a panic of the UI itself (this
    // thread), but a panic inside a background task (on a runtime worker) must not tear the screen
    // down under a wizard that goes on: it is logged, and the task's guard reports it as a modal.
    let ui_thread = std::thread::current().id();
    let restore_and_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore_and_report(info);
        } else {
            tracing::error!(
                "a background task panicked: {}",
                crate::secret::redact(&info.to_string())
            );
        }
    }));

    let (tx, mut rx) = unbounded_channel::<Msg>();
    let mut tasks = Tasks {
        demo,
        ..Tasks::default()
    };
    // The endpoint the model starts with; later changes arrive as `Effect::UseGraph`.
    let initial = app.endpoint.clone().map(Effect::UseGraph);
    for e in initial.into_iter().chain(first) {
        execute(e, &tx, &mut tasks).await;
    }
    let mut events = EventStream::new();
    let mut signals = Signals::new();
    if let Ok(size) = terminal.size() {
        app::update(
            &mut app,
            Msg::Resize {
                width: size.width,
                height: size.height,
            },
        );
    }
    // The next tick: fast while something moves, rare when idle (no redraws for nothing).
    let cadence = |app: &App| if app.animating() { TICK } else { IDLE_TICK };
    let mut next_tick = tokio::time::Instant::now() + cadence(&app);
    let result = loop {
        if let Err(e) = terminal.draw(|f| view::view(&app, f)) {
            break Err(WizardError::new(format!("cannot draw: {e}")));
        }
        let msg = tokio::select! {
            biased;
            Some(m) = rx.recv() => m,
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Some(Ok(Event::Paste(s))) => Msg::Paste(s),
                Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(Event::Resize(width, height))) => Msg::Resize { width, height },
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    tracing::warn!("terminal input failed: {e}");
                    continue;
                }
                None => Msg::Interrupt,
            },
            () = tokio::time::sleep_until(next_tick) => {
                next_tick = tokio::time::Instant::now() + cadence(&app);
                Msg::Tick { now: unix_now() }
            }
            () = signals.recv() => Msg::Interrupt,
        };
        let mut pending = vec![msg];
        // Drain everything already queued before the next frame: draw when idle.
        while let Ok(m) = rx.try_recv() {
            pending.push(m);
        }
        for m in pending {
            for e in app::update(&mut app, m) {
                execute(e, &tx, &mut tasks).await;
            }
        }
        if app.quit {
            break Ok(0);
        }
        // Something started moving: bring the next tick forward.
        next_tick = next_tick.min(tokio::time::Instant::now() + cadence(&app));
    };
    tasks.abort_all();
    drop(terminal);
    restore_terminal();
    if let Some(server) = tasks.demo.take() {
        server.shutdown().await;
    }
    tracing::info!("wizard closed");
    result
}

/// SIGINT and SIGTERM from outside the key stream (in raw mode Ctrl-C is a key, but `kill`
/// still sends signals), registered once for the whole loop.
struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Resolves when either signal arrives; never when neither could be registered.
    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let int = async {
                match &mut self.interrupt {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let term = async {
                match &mut self.terminate {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = int => {}
                _ = term => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Carries out one effect. Only `StartDemo` awaits (a loopback bind); everything that talks to
/// the network runs on a task whose handle is kept for cancellation.
/// The most a token file may hold: access tokens are a few KiB; a wrong path (a log, /dev/zero)
/// must not fill memory.
const MAX_TOKEN_FILE: u64 = 64 * 1024;

/// Reads a token file off the event loop, bounded by [`MAX_TOKEN_FILE`].
/// The most a plan file may hold (10,000 rows of three ids is under 1 MiB).
const MAX_PLAN_FILE: u64 = 4 * 1024 * 1024;

/// Reads and parses a plan file off the event loop, bounded like `check --plan`.
async fn read_plan_file(path: &str) -> Result<Vec<crate::plan::PlanRow>, String> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_PLAN_FILE + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    if bytes.len() as u64 > MAX_PLAN_FILE {
        return Err(format!(
            "{path} is larger than {} MiB: a plan is lines of operation,target,member",
            MAX_PLAN_FILE / 1024 / 1024
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    crate::plan::parse(&text).map_err(|e| format!("{path}: {e}"))
}

async fn read_token_file(path: &str) -> Result<String, String> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_FILE + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_TOKEN_FILE {
        zeroize::Zeroize::zeroize(&mut bytes);
        return Err(format!(
            "the file is larger than {} KiB: not an access token",
            MAX_TOKEN_FILE / 1024
        ));
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    zeroize::Zeroize::zeroize(&mut bytes);
    Ok(text)
}

/// Spawns a background task whose panic becomes [`Msg::TaskFailed`] (and `on_panic`, if given)
/// instead of a silent dead task behind a spinner.
fn spawn_guarded<F>(
    tx: &UnboundedSender<Msg>,
    what: &'static str,
    on_panic: Option<Msg>,
    task: F,
) -> tokio::task::JoinHandle<()>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    use futures::FutureExt;
    let tx = tx.clone();
    tokio::spawn(async move {
        if std::panic::AssertUnwindSafe(task)
            .catch_unwind()
            .await
            .is_err()
        {
            if let Some(msg) = on_panic {
                let _ = tx.send(msg);
            }
            let _ = tx.send(Msg::TaskFailed(what.to_string()));
        }
    })
}

async fn execute(effect: Effect, tx: &UnboundedSender<Msg>, tasks: &mut Tasks) {
    match effect {
        Effect::Quit => {}
        Effect::UseGraph(endpoint) => {
            match GraphClient::new(
                endpoint.cloud,
                Some(endpoint.base.as_str()),
                endpoint.timeout,
            ) {
                Ok(client) => tasks.client = Some(client),
                Err(e) => {
                    tasks.client = None;
                    let _ = tx.send(Msg::GraphUnavailable(e.to_string()));
                }
            }
        }
        Effect::Diagnose { gen, input } => {
            if let Some(h) = tasks.diagnosis.take() {
                h.abort();
            }
            // A panicking engine still ends the run (every check undecided), so no spinner hangs.
            let undecided = Msg::Finished {
                gen,
                report: Box::new(crate::report::Report::from_checks(
                    input.operation.clone(),
                    Vec::new(),
                )),
            };
            let Some(client) = tasks.client.clone() else {
                // The model asks only with an endpoint; without a client the run ends undecided.
                let _ = tx.send(undecided);
                return;
            };
            let mut input = diagnose_input(*input, client);
            let tape = crate::record::start(&mut input);
            tasks.session = Some(Session {
                input: input.clone(),
                tape,
                started_unix: unix_now(),
                started: std::time::Instant::now(),
            });
            let guard_tx = tx.clone();
            let tx = tx.clone();
            tasks.diagnosis = Some(spawn_guarded(
                &guard_tx,
                "the diagnosis",
                Some(undecided),
                async move {
                    let (ptx, mut prx) = unbounded_channel();
                    let forward = {
                        let tx = tx.clone();
                        async move {
                            while let Some(progress) = prx.recv().await {
                                let _ = tx.send(Msg::Progress { gen, progress });
                            }
                        }
                    };
                    let run = async move {
                        let report = crate::engine::diagnose(&input, Some(&ptx)).await;
                        drop(ptx);
                        report
                    };
                    let (report, ()) = tokio::join!(run, forward);
                    let _ = tx.send(Msg::Finished {
                        gen,
                        report: Box::new(report),
                    });
                },
            ));
        }
        Effect::CancelDiagnosis => {
            if let Some(h) = tasks.diagnosis.take() {
                h.abort();
            }
        }
        Effect::Search {
            kind,
            gen,
            query,
            token,
        } => {
            if let Some(h) = tasks.searches.remove(&kind) {
                h.abort();
            }
            let Some(client) = tasks.client.clone() else {
                let result = Err("no Graph endpoint to search: paste the object id".to_string());
                let _ = tx.send(Msg::SearchDone { kind, gen, result });
                return;
            };
            let guard = tx.clone();
            let tx = tx.clone();
            tasks.searches.insert(
                kind,
                spawn_guarded(&guard, "a live search", None, async move {
                    // The debounce: a keystroke within this pause aborts the task before it asks.
                    tokio::time::sleep(app::DEBOUNCE).await;
                    let result = picker::search(&client, &token, kind, &query).await;
                    let _ = tx.send(Msg::SearchDone { kind, gen, result });
                }),
            );
        }
        Effect::Resolve {
            kind,
            gen,
            text,
            token,
        } => {
            if let Some(h) = tasks.searches.remove(&kind) {
                h.abort();
            }
            let Some(client) = tasks.client.clone() else {
                let result = Err("no Graph endpoint to search: paste the object id".to_string());
                let _ = tx.send(Msg::SearchDone { kind, gen, result });
                return;
            };
            let guard = tx.clone();
            let tx = tx.clone();
            tasks.searches.insert(
                kind,
                spawn_guarded(&guard, "a name resolution", None, async move {
                    let result = picker::resolve(&client, &token, kind, &text).await;
                    let _ = tx.send(Msg::SearchDone { kind, gen, result });
                }),
            );
        }
        Effect::CancelSearches => {
            for (_, h) in tasks.searches.drain() {
                h.abort();
            }
        }
        Effect::SignIn {
            gen,
            slot,
            method,
            config,
        } => {
            if let Some(h) = tasks.sign_in.take() {
                h.abort();
            }
            let guard = tx.clone();
            let tx = tx.clone();
            tasks.sign_in = Some(spawn_guarded(&guard, "the sign-in", None, async move {
                let prompt_tx = tx.clone();
                let reader = slot == Slot::Reader;
                let result = signin::sign_in(method, reader, *config, move |prompt| {
                    let _ = prompt_tx.send(Msg::DeviceCode { gen, prompt });
                })
                .await
                .map_err(|e| crate::secret::redact(&e));
                let _ = tx.send(Msg::SignedIn {
                    gen,
                    slot,
                    method,
                    result,
                });
            }));
        }
        Effect::CancelSignIn => {
            if let Some(h) = tasks.sign_in.take() {
                h.abort();
            }
        }
        Effect::ReadTokenFile { slot, path } => {
            // Off the loop: a file on a slow share must not freeze the screen.
            let guard = tx.clone();
            let tx = tx.clone();
            spawn_guarded(&guard, "reading the token file", None, async move {
                let result = read_token_file(&path).await;
                let _ = tx.send(Msg::TokenFileRead { slot, path, result });
            });
        }
        Effect::StartDemo(name) => {
            if let Some(old) = tasks.demo.take() {
                // Abort whatever still talks to the old tenant, so its graceful shutdown does not
                // wait on slow requests while the screen is frozen.
                tasks.abort_all();
                old.shutdown().await;
            }
            match start_sim(&name).await {
                Ok(server) => {
                    let setup = demo_setup(&server, &TargetOverride::default(), name);
                    tasks.demo = Some(server);
                    let _ = tx.send(Msg::DemoReady(Box::new(setup)));
                }
                Err(e) => {
                    let _ = tx.send(Msg::DemoFailed(e));
                }
            }
        }
        Effect::Export { path, contents } => {
            let guard = tx.clone();
            let tx = tx.clone();
            spawn_guarded(&guard, "the export", None, async move {
                let result = tokio::task::spawn_blocking(move || export_to(&path, &contents))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                let _ = tx.send(Msg::Exported(result));
            });
        }
        Effect::SaveSession { path, report } => {
            let Some(session) = &tasks.session else {
                let _ = tx.send(Msg::Exported(
                    Err("no diagnosis ran in this session".into()),
                ));
                return;
            };
            let recording = crate::record::Recording::new(crate::record::format::Made {
                input: &session.input,
                source: "tui",
                started_unix: session.started_unix,
                deadline_secs: crate::engine::DEFAULT_DEADLINE.as_secs(),
                duration_ms: session.started.elapsed().as_millis() as u64,
                stats: crate::engine::Stats::default(),
                exchanges: session.tape.exchanges(),
                report: &report,
            });
            let guard = tx.clone();
            let tx = tx.clone();
            spawn_guarded(&guard, "saving the session", None, async move {
                let target = std::path::PathBuf::from(&path);
                let written = tokio::task::spawn_blocking(move || recording.write(&target))
                    .await
                    .unwrap_or_else(|e| Err(crate::record::RecordError::Io(e.to_string())));
                let result = written.map(|()| path.clone()).map_err(|e| e.to_string());
                let _ = tx.send(Msg::Exported(result));
            });
        }
        Effect::RunPlan { gen, path, input } => {
            if let Some(h) = tasks.plan.take() {
                h.abort();
            }
            let Some(client) = tasks.client.clone() else {
                let _ = tx.send(Msg::PlanLoaded {
                    gen,
                    result: Err("no Graph endpoint to send the reads to".into()),
                });
                return;
            };
            let template = diagnose_input(*input, client);
            let guard = tx.clone();
            let tx = tx.clone();
            // A panicking plan still ends (its spinner stops), like a panicking diagnosis.
            let ended = Msg::PlanDone { gen };
            tasks.plan = Some(spawn_guarded(&guard, "the plan", Some(ended), async move {
                let mut rows = match read_plan_file(&path).await {
                    Ok(rows) => rows,
                    Err(e) => {
                        let _ = tx.send(Msg::PlanLoaded {
                            gen,
                            result: Err(e),
                        });
                        return;
                    }
                };
                // Names among the targets and members: each resolved once, with the token the
                // evidence reads use, before any row is diagnosed (as `check --plan` does).
                let reader = template
                    .reader_token
                    .clone()
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| template.token.clone());
                crate::plan::resolve_names(&mut rows, &template.client, &reader).await;
                let _ = tx.send(Msg::PlanLoaded {
                    gen,
                    result: Ok(rows.clone()),
                });
                let (ptx, mut prx) = unbounded_channel::<(usize, crate::plan::RowResult)>();
                let forward = {
                    let tx = tx.clone();
                    async move {
                        while let Some((index, row)) = prx.recv().await {
                            let _ = tx.send(Msg::PlanRow {
                                gen,
                                index,
                                report: Box::new(row.report),
                            });
                        }
                    }
                };
                let run = async move {
                    let options = crate::plan::PlanOptions::default();
                    crate::plan::run(&rows, &template, options, Some(&ptx)).await;
                    drop(ptx);
                };
                futures::join!(run, forward);
                let _ = tx.send(Msg::PlanDone { gen });
            }));
        }
        Effect::CancelPlan => {
            if let Some(h) = tasks.plan.take() {
                h.abort();
            }
        }
        Effect::Remember(entry) => {
            let Some(path) = history::path() else {
                return;
            };
            let guard = tx.clone();
            let tx = tx.clone();
            spawn_guarded(&guard, "the history", None, async move {
                let saved = tokio::task::spawn_blocking(move || history::remember(&path, *entry))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                if let Err(why) = saved {
                    let _ = tx.send(Msg::HistoryNotSaved(why));
                }
            });
        }
        Effect::Copy(text) => {
            let _ = copy_osc52(&text);
            // Many terminals ignore OSC 52 (and say nothing): the text also goes to a private
            // file whose path the status line gives.
            let guard = tx.clone();
            let tx = tx.clone();
            spawn_guarded(&guard, "the clipboard file", None, async move {
                let path = clipboard_path();
                let written = tokio::task::spawn_blocking({
                    let path = path.clone();
                    move || write_private_file(&path, text.as_bytes())
                })
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e)));
                let result = written
                    .map(|()| path.display().to_string())
                    .map_err(|e| format!("{}: {e}", path.display()));
                let _ = tx.send(Msg::CopiedToFile(result));
            });
        }
        Effect::TryOperation { write, token } => {
            if let Some(h) = tasks.try_it.take() {
                h.abort();
            }
            let Some(client) = tasks.client.clone() else {
                let _ = tx.send(Msg::TryDone(Err("no Graph endpoint to send it to".into())));
                return;
            };
            let guard = tx.clone();
            let tx = tx.clone();
            tasks.try_it = Some(spawn_guarded(&guard, "Try it", None, async move {
                tracing::info!(request = %write.describe(), "try it: performing the write");
                let result = match directory::write(&client, &token, &write).await {
                    Ok(resp) => {
                        let mut raw = format!("HTTP/1.1 {}\r\n", resp.status);
                        for (n, v) in &resp.headers {
                            raw.push_str(&format!("{n}: {v}\r\n"));
                        }
                        raw.push_str("\r\n");
                        raw.push_str(&match (&resp.text, &resp.body) {
                            (Some(t), _) => t.clone(),
                            (None, serde_json::Value::Null) => String::new(),
                            (None, b) => b.to_string(),
                        });
                        Ok((resp.status, raw))
                    }
                    Err(e) => Err(e.to_string()),
                };
                let _ = tx.send(Msg::TryDone(result));
            }));
        }
        Effect::CancelTry => {
            if let Some(h) = tasks.try_it.take() {
                h.abort();
            }
        }
        Effect::Explore(e) => explore(e, tx, tasks),
    }
}

/// Carries out an explorer effect: each read on a task kept for cancellation, its answer a
/// [`Msg::Explore`].
fn explore(effect: app::ExploreEffect, tx: &UnboundedSender<Msg>, tasks: &mut Tasks) {
    use app::{ExploreEffect as E, ExploreMsg as M};
    // Finished reads need no aborting: keep the list to the ones still running.
    tasks.explore_reads.retain(|h| !h.is_finished());
    let client = tasks.client.clone();
    let guard = tx.clone();
    let tx = tx.clone();
    match effect {
        E::Search { gen, query, token } => {
            if let Some(h) = tasks.explore_search.take() {
                h.abort();
            }
            let Some(client) = client else {
                let _ = tx.send(Msg::Explore(M::Searched {
                    gen,
                    sections: Vec::new(),
                }));
                return;
            };
            tasks.explore_search = Some(spawn_guarded(
                &guard,
                "the explorer's search",
                None,
                async move {
                    // The debounce: a keystroke within this pause aborts the task before it asks.
                    tokio::time::sleep(app::DEBOUNCE).await;
                    let sections = directory::search_sections(
                        &client,
                        &token,
                        directory::SearchScope::Everything,
                        &query,
                    )
                    .await;
                    let _ = tx.send(Msg::Explore(M::Searched { gen, sections }));
                },
            ));
        }
        E::More {
            gen,
            request,
            holds,
            token,
        } => {
            let Some(client) = client else {
                let _ = tx.send(Msg::Explore(M::More {
                    gen,
                    result: Err("no Graph endpoint".into()),
                }));
                return;
            };
            tasks.explore_reads.push(spawn_guarded(
                &guard,
                "the explorer's next page",
                None,
                async move {
                    let result = directory::more(&client, &token, &request, &holds)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Explore(M::More { gen, result }));
                },
            ));
        }
        E::Read {
            gen,
            kind,
            tab,
            request,
            flow,
            token,
        } => {
            let Some(client) = client else {
                let _ = tx.send(Msg::Explore(M::Read {
                    gen,
                    result: Err(crate::graph::explore::TabError {
                        status: None,
                        code: None,
                        needs: None,
                        message: "no Graph endpoint".into(),
                    }),
                }));
                return;
            };
            tasks.explore_reads.push(spawn_guarded(
                &guard,
                "an explorer read",
                None,
                async move {
                    let result =
                        crate::graph::explore::fetch(&client, &token, flow, &kind, tab, &request)
                            .await;
                    let _ = tx.send(Msg::Explore(M::Read { gen, result }));
                },
            ));
        }
        E::CancelReads => {
            for h in tasks.explore_reads.drain(..) {
                h.abort();
            }
        }
        E::CancelAll => {
            for h in tasks
                .explore_reads
                .drain(..)
                .chain(tasks.explore_search.take())
            {
                h.abort();
            }
        }
        E::OpenUrl(url) => open_in_browser(&url),
    }
}

/// Opens `url` in the desktop's browser when there is a desktop (the status line already shows
/// the URL, which is all a terminal over SSH can do). The browser's output never reaches the
/// terminal the wizard owns.
fn open_in_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        Some("open")
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        Some("xdg-open")
    } else {
        None
    };
    if let Some(cmd) = opener {
        let spawned = std::process::Command::new(cmd)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            // Reaped off the loop, so no zombie is left behind.
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
            }
            Err(e) => {
                tracing::info!("no browser opened ({cmd}: {e}); the URL is in the status line")
            }
        }
    }
}

/// The engine's input for a diagnosis the model asked for, with the runtime's client.
fn diagnose_input(request: DiagnoseRequest, client: GraphClient) -> DiagnoseInput {
    DiagnoseInput {
        operation: request.operation,
        token: request.token,
        reader_token: request.reader_token,
        expected_tenant: request.expected_tenant,
        cloud: request.cloud,
        client,
        observed: request.observed,
    }
}

/// Writes an export to `path` (owner-only, 0600: the report holds claims) and answers with its
/// absolute path. A file that exists is left alone: the answer says so and nothing is written.
fn export_to(path: &str, contents: &str) -> Result<String, String> {
    let target = std::path::absolute(path).map_err(|e| format!("{path}: {e}"))?;
    let shown = target.display().to_string();
    if target.exists() {
        return Err(format!(
            "{shown} already exists; nothing was overwritten: give another name"
        ));
    }
    crate::logging::write_private(&target, contents.as_bytes())
        .map(|()| shown.clone())
        .map_err(|e| format!("{shown}: {e}"))
}

/// Where the copy fallback goes: beside the log, in the user's state directory.
fn clipboard_path() -> std::path::PathBuf {
    crate::logging::log_path()
        .parent()
        .map(|d| d.join("clipboard.txt"))
        .unwrap_or_else(|| std::env::temp_dir().join("graph-doctor-clipboard.txt"))
}

/// Writes a private (0600) file, creating its directory (0700) when needed.
pub(crate) fn write_private_file(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    crate::logging::write_private(path, contents)
}

/// The OSC 52 sequence that asks the terminal to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

fn copy_osc52(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_wraps_base64() {
        assert_eq!(super::osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[tokio::test]
    async fn a_panicking_background_task_is_reported_not_lost() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let handle =
            super::spawn_guarded(&tx, "the diagnosis", Some(super::Msg::Interrupt), async {
                panic!("boom")
            });
        let _ = handle.await;
        assert!(matches!(rx.recv().await, Some(super::Msg::Interrupt)));
        assert!(matches!(rx.recv().await, Some(super::Msg::TaskFailed(w)) if w == "the diagnosis"));
        // A task that finishes normally sends nothing of its own.
        let _ = super::spawn_guarded(&tx, "a search", None, async {}).await;
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn an_export_never_overwrites_and_answers_an_absolute_path() {
        let dir = std::env::temp_dir().join(format!("gd-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("r.md");
        let shown = super::export_to(path.to_str().expect("utf8"), "one").expect("written");
        assert!(std::path::Path::new(&shown).is_absolute());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "one");
        let again = super::export_to(path.to_str().expect("utf8"), "two");
        assert!(again.expect_err("exists").contains("already exists"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "one");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn token_files_are_bounded() {
        let dir = std::env::temp_dir().join(format!("gd-tokfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let big = dir.join("big");
        std::fs::write(&big, vec![b'a'; 70 * 1024]).expect("write");
        let err = super::read_token_file(big.to_str().expect("utf8")).await;
        assert!(err.expect_err("too big").contains("larger than 64 KiB"));
        let small = dir.join("small");
        std::fs::write(&small, "eyJ0eXAiOiJKV1QifQ.e30.c2ln\n").expect("write");
        assert!(super::read_token_file(small.to_str().expect("utf8"))
            .await
            .is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }
}
