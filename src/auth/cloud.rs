//! National clouds: Graph and login hosts (learn.microsoft.com/graph/deployments),
//! and the allow-list that decides where a token may be sent.

use url::Url;

/// A Microsoft cloud (what the command line's `--cloud` selects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    #[default]
    Global,
    UsGov,
    UsGovDod,
    China,
}

impl Cloud {
    pub const ALL: [Cloud; 4] = [Cloud::Global, Cloud::UsGov, Cloud::UsGovDod, Cloud::China];

    pub fn parse(s: &str) -> Option<Cloud> {
        Cloud::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::UsGov => "usgov",
            Cloud::UsGovDod => "usgov-dod",
            Cloud::China => "china",
        }
    }

    /// Microsoft Graph root, without trailing slash.
    pub fn graph_host(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGov => "https://graph.microsoft.us",
            Cloud::UsGovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// Entra ID (login) endpoint, without trailing slash.
    pub fn login_host(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGov | Cloud::UsGovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    pub fn portal_host(self) -> &'static str {
        match self {
            Cloud::Global => "https://portal.azure.com",
            Cloud::UsGov | Cloud::UsGovDod => "https://portal.azure.us",
            Cloud::China => "https://portal.azure.cn",
        }
    }

    /// The `aud` values that mean "Microsoft Graph in this cloud". A v1 token echoes the requested
    /// resource URI (with or without trailing slash); a v2 token carries the app id
    /// (learn.microsoft.com/entra/identity-platform/access-token-claims-reference, `aud`).
    pub fn graph_audiences(self) -> Vec<String> {
        let host = self.graph_host();
        vec![
            host.to_string(),
            format!("{host}/"),
            crate::knowledge::GRAPH_APP_ID.to_string(),
        ]
    }

    /// The scope a client-credentials (or default device-code) request asks for: every permission
    /// already granted to the app on this cloud's Graph (`/.default`), never a new consent prompt.
    pub fn graph_default_scope(self) -> String {
        format!("{}/.default", self.graph_host())
    }

    /// The Azure CLI's name for this cloud (`az cloud set --name …`), for the hint shown when
    /// `az` is signed in to another cloud. DoD shares the US Government cloud entry in `az`.
    pub fn azure_cli_name(self) -> &'static str {
        match self {
            Cloud::Global => "AzureCloud",
            Cloud::UsGov | Cloud::UsGovDod => "AzureUSGovernment",
            Cloud::China => "AzureChinaCloud",
        }
    }

    /// The cloud whose Graph host matches `aud`, if any.
    pub fn for_graph_audience(aud: &str) -> Option<Cloud> {
        let a = aud.trim_end_matches('/');
        Cloud::ALL.into_iter().find(|c| c.graph_host() == a)
    }
}

/// Why a URL was refused as a destination for a token or a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("'{0}' is not a valid URL")]
    Invalid(String),
    #[error("refusing to send a token over plain http to '{0}': use https, or a loopback address (127.0.0.1, localhost, [::1])")]
    PlainHttp(String),
    /// Names only the host allowed for the refused role (`--graph-url`: the Graph host;
    /// `--login-url`: the login host).
    #[error("refusing to send {what} to '{host}': only the {cloud} cloud's {role} host ({allowed}) or a loopback address is allowed")]
    Foreign {
        host: String,
        cloud: &'static str,
        /// `a token` or `a credential`.
        what: &'static str,
        /// `Microsoft Graph` or `login`.
        role: &'static str,
        allowed: &'static str,
    },
}

/// What a destination is for: the hosts allowed for it and the words of a refusal.
#[derive(Debug, Clone, Copy)]
enum Role {
    Graph,
    Login,
}

impl Role {
    fn allowed(self, cloud: Cloud) -> &'static str {
        match self {
            Role::Graph => cloud.graph_host(),
            Role::Login => cloud.login_host(),
        }
    }

    fn foreign(self, url: &Url, cloud: Cloud) -> HostError {
        HostError::Foreign {
            host: url.host_str().unwrap_or_default().to_string(),
            cloud: cloud.as_str(),
            what: match self {
                Role::Graph => "a token",
                Role::Login => "a credential",
            },
            role: match self {
                Role::Graph => "Microsoft Graph",
                Role::Login => "login",
            },
            allowed: self.allowed(cloud),
        }
    }
}

/// True for 127.0.0.0/8, ::1 and `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A destination for `role` in `cloud`: that role's host of the cloud over https, or any
/// loopback address (http allowed there). Everything else is refused before any connection.
fn check_role(cloud: Cloud, url: &str, role: Role) -> Result<Url, HostError> {
    let parsed = Url::parse(url).map_err(|_| HostError::Invalid(url.to_string()))?;
    if is_loopback(&parsed) {
        return match parsed.scheme() {
            "http" | "https" => Ok(parsed),
            _ => Err(HostError::Invalid(url.to_string())),
        };
    }
    if parsed.scheme() != "https" {
        return Err(HostError::PlainHttp(url.to_string()));
    }
    if parsed.origin().ascii_serialization() == role.allowed(cloud) {
        Ok(parsed)
    } else {
        Err(role.foreign(&parsed, cloud))
    }
}

/// Checks that a Graph token may be sent to `url` in `cloud` (the Graph base, `--graph-url`):
/// the cloud's Graph host over https, or any loopback address (http allowed there). A login host
/// is refused too: the token is for Graph, and nothing but Graph should receive it.
pub fn check_destination(cloud: Cloud, url: &str) -> Result<Url, HostError> {
    check_role(cloud, url, Role::Graph)
}

/// Checks that a credential (client secret, client assertion, device code) may be sent to the
/// token endpoint at `url`: the cloud's login host over https, or any loopback address (the
/// simulated tenant). A secret never goes to a Graph host.
pub fn check_login_destination(cloud: Cloud, url: &str) -> Result<Url, HostError> {
    check_role(cloud, url, Role::Login)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_table_matches_graph_deployments_doc() {
        assert_eq!(Cloud::UsGov.graph_host(), "https://graph.microsoft.us");
        assert_eq!(
            Cloud::UsGovDod.graph_host(),
            "https://dod-graph.microsoft.us"
        );
        assert_eq!(
            Cloud::UsGovDod.login_host(),
            "https://login.microsoftonline.us"
        );
        assert_eq!(Cloud::China.login_host(), "https://login.chinacloudapi.cn");
        assert_eq!(
            Cloud::for_graph_audience("https://graph.microsoft.com/"),
            Some(Cloud::Global)
        );
        assert_eq!(Cloud::parse("usgov-dod"), Some(Cloud::UsGovDod));
        assert_eq!(Cloud::parse("germany"), None);
    }

    #[test]
    fn destinations_are_allow_listed() {
        assert!(check_destination(Cloud::Global, "https://graph.microsoft.com/v1.0").is_ok());
        assert!(check_destination(Cloud::Global, "http://127.0.0.1:8080").is_ok());
        assert!(check_destination(Cloud::Global, "http://localhost:1").is_ok());
        assert!(check_destination(Cloud::Global, "http://[::1]:1").is_ok());
        assert!(matches!(
            check_destination(Cloud::Global, "http://graph.microsoft.com"),
            Err(HostError::PlainHttp(_))
        ));
        assert!(matches!(
            check_destination(Cloud::Global, "https://graph.microsoft.us"),
            Err(HostError::Foreign { .. })
        ));
        assert!(matches!(
            check_destination(Cloud::Global, "https://evil.example"),
            Err(HostError::Foreign { .. })
        ));
        assert!(matches!(
            check_destination(Cloud::Global, "http://10.0.0.1"),
            Err(HostError::PlainHttp(_))
        ));
        assert!(check_destination(Cloud::China, "https://microsoftgraph.chinacloudapi.cn").is_ok());
    }

    #[test]
    fn every_cloud_has_its_own_hosts_and_scope() {
        let expected = [
            (
                Cloud::Global,
                "https://graph.microsoft.com",
                "https://login.microsoftonline.com",
            ),
            (
                Cloud::UsGov,
                "https://graph.microsoft.us",
                "https://login.microsoftonline.us",
            ),
            (
                Cloud::UsGovDod,
                "https://dod-graph.microsoft.us",
                "https://login.microsoftonline.us",
            ),
            (
                Cloud::China,
                "https://microsoftgraph.chinacloudapi.cn",
                "https://login.chinacloudapi.cn",
            ),
        ];
        for (cloud, graph, login) in expected {
            assert_eq!(cloud.graph_host(), graph);
            assert_eq!(cloud.login_host(), login);
            assert_eq!(cloud.graph_default_scope(), format!("{graph}/.default"));
            assert_eq!(Cloud::parse(cloud.as_str()), Some(cloud));
            assert!(check_destination(cloud, graph).is_ok());
            assert!(check_login_destination(cloud, login).is_ok());
            // A Graph token never goes to a login host; each refusal names only its own host.
            let e = check_destination(cloud, login).expect_err("login host as Graph");
            assert!(
                e.to_string().contains(graph) && !e.to_string().contains(login),
                "{e}"
            );
            let e = check_login_destination(cloud, graph).expect_err("Graph host as login");
            assert!(
                e.to_string().contains(login) && !e.to_string().contains(graph),
                "{e}"
            );
            // A secret never goes to the Graph host, and never to another cloud's login host.
            assert!(check_login_destination(cloud, graph).is_err());
            for other in Cloud::ALL {
                if other.login_host() != login {
                    assert!(check_login_destination(cloud, other.login_host()).is_err());
                }
                if other.graph_host() != graph {
                    assert!(check_destination(cloud, other.graph_host()).is_err());
                }
            }
        }
    }

    #[test]
    fn look_alike_hosts_are_refused() {
        for url in [
            "https://login.microsoftonline.com.evil.example",
            "https://login.microsoftonline.com@evil.example",
            "https://evil.example/login.microsoftonline.com",
            "https://login.microsoftonline.com:8443",
            "http://0.0.0.0:80",
            "http://[::ffff:127.0.0.1]:80",
            "ftp://127.0.0.1",
        ] {
            assert!(
                check_login_destination(Cloud::Global, url).is_err(),
                "{url}"
            );
        }
        assert!(check_login_destination(Cloud::Global, "http://127.0.0.1:1/").is_ok());
    }
}
