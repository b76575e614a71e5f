//! The one constructor of the HTTP clients graph-doctor talks through (Graph and the token
//! endpoint), so every client gets the same safety settings.
//!
//! - Redirects are never followed: a redirect would carry a token, a client secret or an
//!   assertion to whatever host it names.
//! - A loopback destination (the simulated tenant, a local test server) is always reached
//!   directly, never through a proxy from the environment (`HTTP_PROXY`, `http_proxy`,
//!   `ALL_PROXY`…): over plain http the proxy would read the bearer token or the client secret
//!   in clear, and a proxy cannot reach this machine's loopback anyway. An https destination
//!   (Microsoft's hosts) keeps the environment's proxy: through a proxy, https is tunnelled with
//!   `CONNECT` and stays encrypted end to end.

use url::Url;

use crate::auth::cloud::is_loopback;

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("graph-doctor/", env!("CARGO_PKG_VERSION"));

/// Whether requests to `destination` may go through the environment's proxy: only when it is
/// not a loopback address.
pub fn may_use_proxy(destination: &Url) -> bool {
    !is_loopback(destination)
}

/// A client for requests to `destination` (already allow-listed by the caller).
pub fn client_for(destination: &Url) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT);
    let builder = if may_use_proxy(destination) {
        builder
    } else {
        builder.no_proxy()
    };
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_destinations_never_use_a_proxy() {
        for direct in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:1/v1.0",
            "http://[::1]:1",
            "https://127.0.0.1:443",
        ] {
            let url = Url::parse(direct).expect("url");
            assert!(!may_use_proxy(&url), "{direct}");
            assert!(client_for(&url).is_ok());
        }
        for proxied in [
            "https://graph.microsoft.com",
            "https://login.microsoftonline.us",
        ] {
            let url = Url::parse(proxied).expect("url");
            assert!(may_use_proxy(&url), "{proxied}");
        }
    }
}
