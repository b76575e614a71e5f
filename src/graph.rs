//! Talking to Microsoft Graph: one reqwest client built once (auth::http_client: no redirects, no
//! proxy for a loopback base), the error envelope, retries on
//! 429/502/503/504 honouring Retry-After, national clouds and the host allow-list.
//!
//! Knows nothing of checks or the UI.

pub mod batch;
pub mod client;
pub mod envelope;
pub mod observed;

pub use batch::{BatchOutcome, MAX_BATCH};
pub use client::{GraphClient, GraphRequest, GraphResponse, TransportError};
pub use envelope::GraphErrorBody;
