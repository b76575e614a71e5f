//! The simulated tenant: an HTTP server that behaves like Microsoft Graph v1.0 and the identity
//! platform's token endpoint, holding a tenant described by a scenario (`assets/scenarios/*.json`).
//!
//! It knows nothing of the engine's internals: its behaviour comes from Microsoft's documented
//! rules (docs/facts.md, the seeds) and real responses (the corpus). The scenario format and the
//! documented deviations from Graph are in `docs/scenarios.md`.
//!
//! - [`scenario`]: the scenario files (load, merge over a base, validate);
//! - [`tenant`]: the in-memory directory one server serves;
//! - [`rules`]: permission and role rules as tables, each row citing docs/facts.md;
//! - [`graph`] and [`writes`]: the Graph endpoints; [`query`]: OData query options;
//! - [`login`]: the token endpoint; [`server`]: HTTP, authentication, faults and `$batch`.

// Public so tests and benchmarks can drive the handlers without HTTP; the stable API is
// `Scenario`, `SimServer` and `builtin`.
pub mod graph;
pub mod http;
pub mod login;
pub mod query;
pub mod rules;
pub mod scenario;
pub mod server;
pub mod state;
pub mod tenant;
pub mod writes;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::report::Operation;
use crate::secret::Secret;

pub use scenario::{builtin, Expect, Scenario};

/// A scenario that could not be loaded: names the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScenarioError(pub String);

/// A running simulated tenant.
pub struct SimServer {
    /// e.g. `http://127.0.0.1:41234`: the Graph root is `{base_url}/v1.0`, the login host is
    /// `{base_url}` (`{base_url}/{tenant}/oauth2/v2.0/token`). On an unspecified address
    /// (`0.0.0.0`, `[::]`) it names loopback (`127.0.0.1`, `[::1]`), which reaches the same server
    /// and is the only plain-http `--graph-url` graph-doctor accepts.
    pub base_url: String,
    /// The address the server is bound to (`0.0.0.0:41234` for `--listen 0.0.0.0:0`).
    pub local_addr: SocketAddr,
    shared: Arc<state::Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl SimServer {
    /// Starts serving `scenario` on `addr` (use `127.0.0.1:0` for a free port).
    pub async fn start(scenario: Scenario, addr: SocketAddr) -> std::io::Result<SimServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let shared = Arc::new(state::Shared::new(scenario));
        let app = axum::Router::new()
            .fallback(server::dispatch)
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("simulated tenant stopped with an error: {e}");
            }
        });
        let mut reachable = local;
        if local.ip().is_unspecified() {
            reachable.set_ip(match local.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        Ok(SimServer {
            base_url: format!("http://{reachable}"),
            local_addr: local,
            shared,
            stop: Some(stop),
            task,
        })
    }

    /// A token the scenario issues (`diagnosed`, `reader`, ...), minted now.
    pub fn token(&self, key: &str) -> Option<Secret> {
        self.shared.scenario.mint(key).map(Secret::new)
    }

    /// The target the scenario preselects.
    pub fn target(&self) -> Operation {
        self.shared.scenario.operation()
    }

    /// The scenario being served (its `target.expected_tenant`, `error_file`, `expect`…).
    pub fn scenario(&self) -> &Scenario {
        &self.shared.scenario
    }

    /// Every HTTP request served so far (a `$batch` counts once): lets benchmarks and tests see
    /// how many round trips a diagnosis made.
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        // A server dropped without `shutdown` stops serving rather than leaking its task.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
