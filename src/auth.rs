//! Tokens: where they come from, and how they are decoded offline (secrecy itself is [`crate::secret`]).
//!
//! Nothing here knows about checks or the UI.

pub mod aadsts;
pub mod azure_cli;
pub mod certificate;
pub mod challenge;
pub mod client_credentials;
pub mod cloud;
pub mod device_code;
pub mod flows;
pub mod http_client;
pub mod jwt;
pub mod sources;
pub mod token_endpoint;

pub use cloud::Cloud;
pub use jwt::TokenInfo;
