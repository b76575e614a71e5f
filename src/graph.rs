//! Talking to Microsoft Graph: one reqwest client built once (auth::http_client: no redirects, no
//! proxy for a loopback base), the error envelope, retries on 429/502/503/504 honouring
//! Retry-After, national clouds and the host allow-list, and the typed directory calls
//! (searches, lookups, member writes) built on it.
//!
//! Knows nothing of checks or the UI.

pub mod batch;
pub mod client;
pub mod coalesce;
pub mod directory;
pub mod envelope;
pub mod explore;
pub mod observed;
pub mod resolve;
pub mod tape;

pub use batch::{BatchOutcome, MAX_BATCH};
pub use client::{GraphClient, GraphRequest, GraphResponse, TransportError};
pub use envelope::GraphErrorBody;
pub use resolve::{Resolution, Role};
