//! The command line: parsing (clap) and dispatch to the engine, `explain`, the simulated tenant
//! and the TUI. Every face is thin; this module only wires options to them.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod permissions;
pub mod tokens;

pub use crate::auth::sources::SignIn;
use crate::auth::Cloud;
use crate::engine::DiagnoseInput;
use crate::graph::GraphClient;
use crate::report::{Operation, OperationKind, Report};
use crate::secret::Secret;

/// graph-doctor: find out why Microsoft Graph answers 401/403 when adding a member to a group or
/// an administrative unit.
#[derive(Debug, Parser)]
#[command(name = "graph-doctor", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options for the bare `graph-doctor` (same as `tui`).
    #[command(flatten)]
    pub diagnose: DiagnoseOpts,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The interactive wizard.
    Tui(DiagnoseOpts),
    /// The wizard against the built-in simulated tenant; no account needed.
    Demo(DemoOpts),
    /// The same diagnosis without a UI; prints a report.
    Check(CheckOpts),
    /// Classify an error response someone pasted (body, or headers + body).
    Explain(ExplainOpts),
    /// Run the simulated tenant as a local HTTP server (prints its base URL).
    Sim(SimOpts),
    /// List the simulated tenant's scenarios: name and one-line summary.
    Scenarios,
    /// The permissions a Graph request needs, per flow, from Microsoft's permissions map
    /// (offline): `permissions GET /users/{id}/memberOf`.
    Permissions(permissions::PermissionsOpts),
}

/// Options shared by `tui`, `demo` and `check`.
#[derive(Debug, Clone, Args, Default)]
pub struct DiagnoseOpts {
    /// add-group-member (default), add-au-member, create-au-group.
    #[arg(long, value_name = "OP", value_parser = parse_operation)]
    pub operation: Option<OperationKind>,
    /// Target group object id (add-group-member).
    #[arg(long, value_name = "ID")]
    pub group: Option<String>,
    /// Object id of the user, group, device, service principal or contact being added.
    #[arg(long, value_name = "ID")]
    pub member: Option<String>,
    /// Administrative unit object id (add-au-member, create-au-group).
    #[arg(long, value_name = "ID")]
    pub au: Option<String>,
    /// The access token under diagnosis ('-' reads standard input). Also env GRAPH_DOCTOR_TOKEN.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Optional second token used only for evidence reads. Also env GRAPH_DOCTOR_READER_TOKEN.
    #[arg(long, value_name = "PATH")]
    pub reader_token_file: Option<PathBuf>,
    /// The tenant the operator expects (tenant id or verified domain); enables token.tenant.
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// global (default), usgov, usgov-dod, china.
    #[arg(long, value_name = "C", value_parser = parse_cloud)]
    pub cloud: Option<Cloud>,
    /// Override the Graph base URL (https://, or http:// on a loopback address only).
    #[arg(long, value_name = "URL")]
    pub graph_url: Option<String>,
    /// The failing response the operator saw (raw HTTP or only the JSON body).
    #[arg(long, value_name = "PATH")]
    pub error_file: Option<PathBuf>,
    /// Per-request timeout in seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 10.0,
        allow_negative_numbers = true
    )]
    pub timeout: f64,
    /// Sign in to obtain the token under diagnosis instead of reading one.
    #[arg(long, value_name = "METHOD")]
    pub sign_in: Option<SignIn>,
    /// Sign in to obtain the reader token.
    #[arg(long, value_name = "METHOD")]
    pub reader_sign_in: Option<SignIn>,
    /// Client (application) id for sign-in; defaults to AZURE_CLIENT_ID, then a public client.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// PEM file with certificate and private key (client-certificate); also AZURE_CLIENT_CERTIFICATE_PATH.
    #[arg(long, value_name = "PATH")]
    pub certificate: Option<PathBuf>,
    /// Override the login (token endpoint) base URL: the cloud's login host or a loopback address.
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CheckOpts {
    #[command(flatten)]
    pub diagnose: DiagnoseOpts,
    /// text (default on a terminal), json, markdown.
    #[arg(long, value_name = "F")]
    pub format: Option<Format>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoOpts {
    /// A built-in scenario name or a scenario file; without it, a picker opens.
    #[arg(long, value_name = "S")]
    pub scenario: Option<String>,
    #[command(flatten)]
    pub diagnose: DiagnoseOpts,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainOpts {
    /// The file holding the pasted response ('-' or nothing reads standard input).
    pub file: Option<PathBuf>,
    /// text (default on a terminal), json, markdown.
    #[arg(long, value_name = "F")]
    pub format: Option<Format>,
}

#[derive(Debug, Clone, Args)]
pub struct SimOpts {
    /// Address to listen on (default 127.0.0.1 and a free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// A built-in scenario name or a scenario file.
    #[arg(long, value_name = "S")]
    pub scenario: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

fn parse_operation(s: &str) -> Result<OperationKind, String> {
    OperationKind::parse(s).ok_or_else(|| {
        format!("unknown operation '{s}': use add-group-member, add-au-member or create-au-group")
    })
}

fn parse_cloud(s: &str) -> Result<Cloud, String> {
    Cloud::parse(s)
        .ok_or_else(|| format!("unknown cloud '{s}': use global, usgov, usgov-dod or china"))
}

/// A usage or setup error: printed as one line on stderr, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    pub fn new(msg: impl Into<String>) -> Self {
        UsageError(msg.into())
    }
}

/// True when `s` is a GUID (8-4-4-4-12 hex digits); one definition, in `knowledge`.
use crate::knowledge::is_guid;

impl DiagnoseOpts {
    pub fn cloud(&self) -> Cloud {
        self.cloud.unwrap_or_default()
    }

    /// The operation and target, with ids validated as GUIDs.
    pub fn operation(&self) -> Result<Operation, UsageError> {
        for (name, v) in [
            ("--group", &self.group),
            ("--member", &self.member),
            ("--au", &self.au),
        ] {
            if let Some(v) = v {
                if !is_guid(v.trim()) {
                    return Err(UsageError::new(format!(
                        "{name} '{v}' is not an object id (a GUID such as 8b1e7ab2-…); find the id in the Entra admin center or with Graph"
                    )));
                }
            }
        }
        Ok(Operation {
            kind: self.operation.unwrap_or_default(),
            group: self.group.as_ref().map(|s| s.trim().to_ascii_lowercase()),
            member: self.member.as_ref().map(|s| s.trim().to_ascii_lowercase()),
            au: self.au.as_ref().map(|s| s.trim().to_ascii_lowercase()),
        })
    }

    pub fn timeout(&self) -> Result<Duration, UsageError> {
        if self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 600.0 {
            Ok(Duration::from_secs_f64(self.timeout))
        } else {
            Err(UsageError::new(
                "--timeout takes a number of seconds between 0 and 600",
            ))
        }
    }

    /// The Graph client for the selected cloud or `--graph-url` (refused before any connection
    /// when the URL is not allowed).
    pub fn client(&self) -> Result<GraphClient, UsageError> {
        GraphClient::new(self.cloud(), self.graph_url.as_deref(), self.timeout()?)
            .map_err(|e| UsageError::new(e.to_string()))
    }

    /// The failing response from `--error-file`, parsed.
    pub fn observed(&self) -> Result<Option<crate::explain::Observed>, UsageError> {
        match &self.error_file {
            None => Ok(None),
            Some(p) => {
                let text = read_text(p, "--error-file")?;
                Ok(Some(crate::explain::parse(&text)))
            }
        }
    }
}

/// Reads a text file, or standard input for `-`, with a one-line error naming the option.
pub fn read_text(path: &std::path::Path, option: &str) -> Result<String, UsageError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| UsageError::new(format!("{option}: cannot read standard input: {e}")))?;
        return Ok(s);
    }
    let bytes = std::fs::read(path)
        .map_err(|e| UsageError::new(format!("{option} {}: {e}", path.display())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads the diagnosed and reader tokens from their sources (files, environment, sign-in).
pub async fn tokens(opts: &DiagnoseOpts) -> Result<(Secret, Option<Secret>), UsageError> {
    tokens::tokens(opts).await
}

/// Builds the engine's input from the options (every usage error found before any request).
pub async fn diagnose_input(opts: &DiagnoseOpts) -> Result<DiagnoseInput, UsageError> {
    let operation = opts.operation()?;
    let client = opts.client()?;
    let observed = opts.observed()?;
    let (token, reader_token) = tokens(opts).await?;
    Ok(DiagnoseInput {
        operation,
        token,
        reader_token,
        expected_tenant: opts.tenant.clone(),
        cloud: opts.cloud(),
        client,
        observed,
    })
}

/// Renders a report in the chosen format (text is coloured only on a terminal without NO_COLOR).
pub fn render(report: &Report, format: Option<Format>) -> String {
    let stdout_tty = std::io::stdout().is_terminal();
    match format.unwrap_or(Format::Text) {
        Format::Json => crate::report::json::render(report),
        Format::Markdown => crate::report::markdown::render(report),
        Format::Text => {
            let color = stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            crate::report::text::render(report, color)
        }
    }
}

/// What `sim` tells the operator on stderr: the scenario, how to get its token, and a ready
/// `check` command for its target (stdout carries only the base URL, for scripts).
fn sim_banner(server: &crate::sim::SimServer) -> String {
    let base = &server.base_url;
    let scenario = server.scenario();
    let target = server.target();
    let mut check = format!(
        "graph-doctor check --graph-url {base} --token-file token.jwt --operation {}",
        target.kind.as_str()
    );
    for (flag, id) in [
        ("--group", &target.group),
        ("--member", &target.member),
        ("--au", &target.au),
    ] {
        if let Some(id) = id {
            check.push_str(&format!(" {flag} {id}"));
        }
    }
    format!(
        "Simulated tenant '{}' serving at {base} (Ctrl-C stops it).\n  {}\n  Its token:   curl -s {base}/_sim/token/diagnosed > token.jwt\n  Diagnose:    {check}",
        scenario.name, scenario.summary
    )
}

/// The entry point: parses arguments, runs the command, returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_exit(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("graph-doctor: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let result = runtime.block_on(run(cli));
    // Stop background tasks (pooled connections, their trace logging) before the final words, so
    // a usage error is reliably the last line on stderr.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("graph-doctor: {}", crate::secret::redact(&e.to_string()));
            2
        }
    }
}

/// Help and version go to stdout with exit 0; a parse error is one line on stderr with exit 2
/// (a usage error is a one-line message on stderr and no report).
fn usage_exit(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            print!("{e}");
            0
        }
        _ => {
            let rendered = e.render().to_string();
            let line = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("graph-doctor: {line} (see --help)");
            2
        }
    }
}

async fn run(cli: Cli) -> Result<i32, UsageError> {
    match cli.command {
        None => crate::tui::run_wizard(cli.diagnose, None).await,
        Some(Command::Tui(opts)) => crate::tui::run_wizard(opts, None).await,
        Some(Command::Demo(demo)) => crate::tui::run_demo(demo).await,
        Some(Command::Check(check)) => {
            crate::logging::init_stderr();
            let input = diagnose_input(&check.diagnose).await?;
            let mut report = crate::engine::diagnose(&input, None).await;
            report.source = Some("check".into());
            print!("{}", render(&report, check.format));
            Ok(report.verdict.exit_code())
        }
        Some(Command::Explain(ex)) => {
            let path = ex.file.clone().unwrap_or_else(|| PathBuf::from("-"));
            let text = read_text(&path, "explain")?;
            if text.trim().is_empty() {
                return Err(UsageError::new(format!(
                    "explain: {} is empty: paste the error response (status line, headers and body, or only the body)",
                    if path.as_os_str() == "-" { "standard input".to_string() } else { path.display().to_string() }
                )));
            }
            let report = crate::explain::explain(&crate::explain::parse(&text));
            print!("{}", render(&report, ex.format));
            Ok(report.verdict.exit_code())
        }
        Some(Command::Sim(sim)) => {
            crate::logging::init_stderr();
            let scenario =
                crate::sim::Scenario::load(sim.scenario.as_deref().unwrap_or("healthy-app"))
                    .map_err(|e| UsageError::new(e.to_string()))?;
            let addr: SocketAddr = sim
                .listen
                .as_deref()
                .unwrap_or("127.0.0.1:0")
                .parse()
                .map_err(|_| UsageError::new("--listen takes an address such as 127.0.0.1:8080"))?;
            let server = crate::sim::SimServer::start(scenario, addr)
                .await
                .map_err(|e| UsageError::new(format!("sim: cannot listen on {addr}: {e}")))?;
            println!("{}", server.base_url);
            eprintln!("{}", sim_banner(&server));
            let _ = tokio::signal::ctrl_c().await;
            server.shutdown().await;
            Ok(0)
        }
        Some(Command::Permissions(p)) => permissions::run(&p),
        Some(Command::Scenarios) => {
            for (name, summary) in crate::sim::builtin() {
                println!("{name:<32} {summary}");
            }
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_validation() {
        assert!(is_guid("8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b"));
        assert!(!is_guid("sales"));
        assert!(!is_guid("8b1e7ab21c2d4e5f8a9b0c1d2e3f4a5b"));
        let opts = DiagnoseOpts {
            group: Some("not-a-guid".into()),
            ..Default::default()
        };
        let err = opts.operation().expect_err("must refuse");
        assert!(err
            .to_string()
            .contains("--group 'not-a-guid' is not an object id"));
    }

    #[test]
    fn cli_parses_the_interface_options() {
        let cli = Cli::try_parse_from([
            "graph-doctor",
            "check",
            "--operation",
            "add-au-member",
            "--au",
            "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "--cloud",
            "usgov",
            "--format",
            "json",
        ])
        .expect("parses");
        match cli.command {
            Some(Command::Check(c)) => {
                assert_eq!(c.format, Some(Format::Json));
                assert_eq!(c.diagnose.cloud(), Cloud::UsGov);
                assert_eq!(
                    c.diagnose.operation().expect("op").kind,
                    OperationKind::AddAuMember
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Cli::try_parse_from(["graph-doctor", "check", "--cloud", "mars"]).is_err());
    }
}
