//! The simulated tenant: an HTTP server that behaves like Microsoft Graph v1.0 and the identity
//! platform's token endpoint, holding a tenant described by a scenario (`assets/scenarios/*.json`).
//!
//! It knows nothing of the engine's internals: its behaviour comes from Microsoft's documented
//! rules (facts.md, the seeds) and real responses (the corpus).

use std::net::SocketAddr;

use crate::auth::Secret;
use crate::report::Operation;

/// A scenario that could not be loaded: names the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScenarioError(pub String);

/// A loaded scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub summary: String,
}

impl Scenario {
    /// A built-in scenario by name, or an operator's own file by path.
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        Err(ScenarioError(format!("unknown scenario '{name_or_path}'")))
    }
}

/// Built-in scenarios: (name, one-line summary), sorted by name.
pub fn builtin() -> Vec<(String, String)> {
    Vec::new()
}

/// A running simulated tenant.
pub struct SimServer {
    /// e.g. `http://127.0.0.1:41234`
    pub base_url: String,
}

impl SimServer {
    /// Starts serving `scenario` on `addr` (use `127.0.0.1:0` for a free port).
    pub async fn start(scenario: Scenario, addr: SocketAddr) -> std::io::Result<SimServer> {
        let _ = (scenario, addr);
        Err(std::io::Error::other("not implemented"))
    }

    /// A token the scenario issues (`diagnosed`, `reader`, ...), minted now.
    pub fn token(&self, key: &str) -> Option<Secret> {
        let _ = key;
        None
    }

    /// The target the scenario preselects.
    pub fn target(&self) -> Operation {
        Operation::default()
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {}
}
