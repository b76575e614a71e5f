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
    /// `$batch` requests served.
    pub batches: AtomicU64,
    /// Graph operations served (alone or inside a batch), by `METHOD /path?query` below the
    /// version: `GET /_sim/requests` shows them, so tests can see what was read how often.
    pub calls: Mutex<HashMap<String, u64>>,
}

impl Shared {
    /// The state of a server about to serve `scenario`.
    pub fn new(mut scenario: Scenario) -> Shared {
        let tenant = Tenant::from_scenario(&scenario);
        // "Microsoft Graph Command Line Tools", graph-doctor's default public client, is a
        // first-party app present in every tenant: a device-code sign-in with it works here too,
        // as a reader (the scenario's reader token, else its diagnosed one).
        // https://learn.microsoft.com/powershell/microsoftgraph/authentication-commands
        let default_client = crate::auth::sources::DEFAULT_PUBLIC_CLIENT_ID;
        if !scenario
            .clients
            .iter()
            .any(|c| c.client_id.eq_ignore_ascii_case(default_client))
        {
            let issues = ["reader", "diagnosed"]
                .into_iter()
                .find(|k| scenario.tokens.contains_key(*k));
            if let Some(issues) = issues {
                scenario.clients.push(super::scenario::Client {
                    client_id: default_client.to_string(),
                    display_name: Some("Microsoft Graph Command Line Tools".into()),
                    secret: None,
                    certificate_thumbprint: None,
                    issues: issues.to_string(),
                    public: true,
                    fails_with: None,
                });
            }
        }
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
            batches: AtomicU64::new(0),
            calls: Mutex::new(HashMap::new()),
            device_codes: Mutex::new(HashMap::new()),
        }
    }
}
