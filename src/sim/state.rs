//! The state one simulated-tenant server shares between its requests: the scenario, the
//! tenant it mutates, the request counters and the device codes waiting for their polls.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use serde_json::Value;

use super::scenario::Scenario;
use super::tenant::Tenant;

/// A device-code sign-in waiting for its polls.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub client_id: String,
    pub scope: String,
    pub polls: u32,
    /// The `claims` the device-code request carried (a poll may carry them again).
    pub claims: Option<String>,
    /// When the code stops being valid (`expires_in` after it was issued).
    pub expires_at: std::time::Instant,
}

/// State shared by every request of one server.
pub struct Shared {
    pub scenario: Scenario,
    pub tenant: Mutex<Tenant>,
    /// Every HTTP request served (a batch counts once).
    pub requests: AtomicU64,
    /// Graph operations seen by the fault injector (each request of a batch counts).
    pub operations: AtomicU64,
    pub device_codes: Mutex<HashMap<String, PendingSignIn>>,
}

impl Shared {
    /// The state of a server about to serve `scenario`.
    pub fn new(mut scenario: Scenario) -> Shared {
        let tenant = Tenant::from_scenario(&scenario);
        // A CAE challenge's `nbf` given as a number is an offset from the server's start (like
        // token times): "tokens issued before this moment are revoked".
        if let Some(cc) = scenario.faults.claims_challenge.as_mut() {
            if let Some(nbf) = cc.claims.pointer_mut("/access_token/nbf/value") {
                if let Some(offset) = nbf.as_i64() {
                    *nbf = Value::String((chrono::Utc::now().timestamp() + offset).to_string());
                }
            }
        }
        Shared {
            scenario,
            tenant: Mutex::new(tenant),
            requests: AtomicU64::new(0),
            operations: AtomicU64::new(0),
            device_codes: Mutex::new(HashMap::new()),
        }
    }
}
