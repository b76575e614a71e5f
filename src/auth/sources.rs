//! The sign-in API's types (the methods, their settings, the device-code prompt, the errors),
//! used by the flows ([`crate::auth::flows`]), the command line and the TUI's Connect screen.
//! Reading tokens from command-line options is the command line's own job (`cli/tokens.rs`).

use std::time::Duration;

use crate::secret::Secret;

/// The public client the device-code flow uses when neither `--client-id` nor AZURE_CLIENT_ID is
/// given: "Microsoft Graph Command Line Tools" (the client of `Connect-MgGraph` and `mgc`), a
/// first-party multi-tenant public client that may request any Graph delegated scope with
/// dynamic consent. The Azure CLI's client (`04b07795-8ddb-461a-bbee-02f9e1bf7b46`) is not used:
/// its Graph scopes are fixed by preauthorization, so asking it for, say, Directory.Read.All
/// fails with AADSTS65002.
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// The tenant a delegated sign-in uses when none is given: any work or school account, never a
/// personal one (personal accounts do not support groups:
/// learn.microsoft.com/graph/office365-groups-concept-overview).
pub const DEFAULT_TENANT: &str = "organizations";

// Azure Identity's environment variables: the names its `EnvironmentCredential` reads, so the
// failing app's own settings work unchanged.
/// The app's tenant (id or domain), when `--tenant` is not given.
pub const TENANT_ENV: &str = "AZURE_TENANT_ID";
/// The client id, when `--client-id` is not given.
pub const CLIENT_ID_ENV: &str = "AZURE_CLIENT_ID";
/// The client secret: the only place it is read from on the command line (never an argument).
pub const CLIENT_SECRET_ENV: &str = "AZURE_CLIENT_SECRET";
/// The PEM with certificate and key, when `--certificate` is not given.
pub const CLIENT_CERTIFICATE_PATH_ENV: &str = "AZURE_CLIENT_CERTIFICATE_PATH";

/// Delegated scopes for a reader sign-in with the device code: the least-privileged reads behind
/// every evidence query the engine makes (directory objects, role assignments, PIM eligibilities
/// for roles and for groups). Relative names; [`SignInConfig::scope_string`] prefixes the cloud's
/// Graph host.
pub const READER_SCOPES: [&str; 4] = [
    "Directory.Read.All",
    "RoleManagement.Read.Directory",
    "RoleEligibilitySchedule.Read.Directory",
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
];

/// How long one token-endpoint request may take when the config gives no timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A way to sign in and obtain a token (`--sign-in`, `--reader-sign-in`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignIn {
    /// Device-code flow (delegated): shows a code to enter at the verification URL.
    DeviceCode,
    /// Client credentials with a secret from AZURE_CLIENT_SECRET (app-only).
    ClientSecret,
    /// Client credentials with a certificate (AZURE_CLIENT_CERTIFICATE_PATH, PEM with key).
    ClientCertificate,
    /// The Azure CLI: `az account get-access-token --resource-type ms-graph`.
    AzureCli,
}

/// Env var holding the token under diagnosis.
pub const TOKEN_ENV: &str = "GRAPH_DOCTOR_TOKEN";
/// Env var holding the optional reader token.
pub const READER_TOKEN_ENV: &str = "GRAPH_DOCTOR_READER_TOKEN";

/// Settings for a sign-in flow. Build it from the command-line options (`cli::tokens::sign_in_config`) or
/// field by field with `..Default::default()` (the TUI): fields may be added.
#[derive(Debug, Clone, Default)]
pub struct SignInConfig {
    pub cloud: crate::auth::Cloud,
    /// Override of the login base URL (the cloud's login host, or a loopback simulated tenant).
    pub login_url: Option<String>,
    /// Tenant id or domain (`--tenant`, else AZURE_TENANT_ID, else `organizations`).
    pub tenant: Option<String>,
    /// Client id (`--client-id`, else AZURE_CLIENT_ID, else the documented default public client).
    pub client_id: Option<String>,
    /// PEM with certificate and key (`--certificate`, else AZURE_CLIENT_CERTIFICATE_PATH).
    pub certificate: Option<std::path::PathBuf>,
    /// A claims challenge to satisfy (decoded JSON), passed on to the token request.
    pub claims: Option<String>,
    /// A client secret typed into the TUI; `None` reads AZURE_CLIENT_SECRET. Never a command-line
    /// argument: arguments are visible to every user of the machine (`ps`).
    pub client_secret: Option<Secret>,
    /// Delegated scopes for the device code (names relative to Graph, like `Directory.Read.All`,
    /// or full URIs); empty means `{graph}/.default`, what the app already has consent for.
    pub scopes: Vec<String>,
    /// Per-request timeout for the token endpoint (default 30 s).
    pub timeout: Option<std::time::Duration>,
}

impl SignInConfig {
    /// The same config for the reader token: a device-code reader asks for the evidence reads
    /// ([`READER_SCOPES`]) explicitly, since `.default` on a public client may hold none of them.
    pub fn for_reader(&self, method: SignIn) -> SignInConfig {
        let mut cfg = self.clone();
        if method == SignIn::DeviceCode && cfg.scopes.is_empty() {
            cfg.scopes = READER_SCOPES.iter().map(|s| s.to_string()).collect();
        }
        cfg
    }

    /// The same config answering a claims challenge (base64 from `WWW-Authenticate`, or JSON).
    /// `None` when `claims` is neither.
    pub fn with_claims_challenge(&self, claims: &str) -> Option<SignInConfig> {
        let mut cfg = self.clone();
        cfg.claims = Some(crate::auth::challenge::claims_parameter(claims)?);
        Some(cfg)
    }

    /// The login base URL: `login_url`, else the cloud's login host.
    pub fn login_base(&self) -> String {
        self.login_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(self.cloud.login_host())
            .to_string()
    }

    /// `tenant`, else AZURE_TENANT_ID, else `organizations`.
    pub fn resolved_tenant(&self) -> String {
        self.explicit_tenant()
            .unwrap_or_else(|| DEFAULT_TENANT.to_string())
    }

    /// `tenant` or AZURE_TENANT_ID; `None` when neither is set (app-only flows need one).
    pub fn explicit_tenant(&self) -> Option<String> {
        non_empty(self.tenant.clone()).or_else(|| non_empty(std::env::var(TENANT_ENV).ok()))
    }

    /// `client_id` or AZURE_CLIENT_ID; `None` when neither is set.
    pub fn explicit_client_id(&self) -> Option<String> {
        non_empty(self.client_id.clone()).or_else(|| non_empty(std::env::var(CLIENT_ID_ENV).ok()))
    }

    /// The client id a delegated sign-in uses: explicit, else [`DEFAULT_PUBLIC_CLIENT_ID`].
    pub fn resolved_client_id(&self) -> String {
        self.explicit_client_id()
            .unwrap_or_else(|| DEFAULT_PUBLIC_CLIENT_ID.to_string())
    }

    /// The space-separated `scope` parameter for a delegated request.
    pub fn scope_string(&self) -> String {
        let graph = self.cloud.graph_host();
        if self.scopes.is_empty() {
            return self.cloud.graph_default_scope();
        }
        self.scopes
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.contains("://") || s == "offline_access" || s == "openid" || s == "profile" {
                    s.to_string()
                } else {
                    format!("{graph}/{s}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// What the operator must do to finish a device-code sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    pub expires_in: u64,
}

/// Why a sign-in failed. Each displays as one line; [`crate::auth::flows::render_sign_in_error`]
/// gives the fuller classification (meaning, fix, claims, consent URL).
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The token endpoint answered with an error (classified through the AADSTS table). Boxed:
    /// the body is large and errors travel through every `Result` of the flows.
    #[error("{}", .0.one_line())]
    TokenEndpoint(Box<crate::auth::aadsts::TokenEndpointError>),
    /// Something to fix before signing in (a missing client id, an unreadable certificate, a
    /// refused host); nothing was sent.
    #[error("{0}")]
    Setup(String),
    /// No usable answer (connection, timeout, an unexpected body).
    #[error("{0}")]
    Transport(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_client_secret() {
        let cfg = SignInConfig {
            client_secret: Some(Secret::new("very-secret-value")),
            ..Default::default()
        };
        assert!(!format!("{cfg:?}").contains("very-secret-value"));
    }

    #[test]
    fn scopes_are_prefixed_with_the_clouds_graph_host() {
        let cfg = SignInConfig {
            cloud: crate::auth::Cloud::China,
            scopes: vec![
                "Directory.Read.All".into(),
                "offline_access".into(),
                "https://graph.microsoft.com/User.Read".into(),
            ],
            ..Default::default()
        };
        assert_eq!(
            cfg.scope_string(),
            "https://microsoftgraph.chinacloudapi.cn/Directory.Read.All offline_access https://graph.microsoft.com/User.Read"
        );
    }
}
