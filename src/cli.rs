//! The command line: parsing (clap) and dispatch to the engine, `explain`, the simulated tenant
//! and the TUI. Every face is thin; this module only wires options to them.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod names;
pub mod permissions;
pub mod plan;
pub mod record;
pub mod request;
pub mod tokens;
pub mod wizard;

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
    /// Open a recorded session (`check --record`, the wizard's "save session") in the wizard,
    /// offline and read-only.
    Open(OpenOpts),
    /// The permissions a Graph request needs, per flow, from Microsoft's permissions map
    /// (offline): `permissions GET /users/{id}/memberOf`.
    Permissions(permissions::PermissionsOpts),
}

/// Options shared by `tui`, `demo` and `check`.
#[derive(Debug, Clone, Args, Default)]
pub struct DiagnoseOpts {
    /// add-group-member (default), add-au-member, create-au-group, remove-group-member,
    /// add-group-owner, remove-group-owner, remove-au-member.
    #[arg(long, value_name = "OP", value_parser = parse_operation)]
    pub operation: Option<OperationKind>,
    /// Target group object id (add-group-member, remove-group-member, add-group-owner,
    /// remove-group-owner); `check` also takes its display name, mail or mailNickname.
    #[arg(long, value_name = "ID")]
    pub group: Option<String>,
    /// Object id of the user, group, device, service principal or contact being added or
    /// removed (for the owner operations: the owner; `--owner` says the same); `check` also
    /// takes a UPN, mail, display name, mailNickname or appId.
    #[arg(long, value_name = "ID", alias = "owner")]
    pub member: Option<String>,
    /// Administrative unit object id (add-au-member, create-au-group); `check` also takes its
    /// display name.
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
    /// Per-request timeout in seconds (1 to 600).
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
    /// text (the default, on a terminal or not), json, markdown.
    #[arg(long, value_name = "F")]
    pub format: Option<Format>,
    /// Overall deadline in seconds (1 to 600): past it no request is sent, the report shows what
    /// was read and the checks still waiting say unknown (verdict inconclusive, exit 3).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = crate::engine::DEFAULT_DEADLINE.as_secs_f64(),
        allow_negative_numbers = true
    )]
    pub deadline: f64,
    /// Diagnose this Graph request instead of an operation: "METHOD URL" (absolute on the cloud's
    /// Graph host, or relative). The deep operations' requests run their own diagnosis.
    #[arg(long, value_name = "METHOD URL")]
    pub request: Option<String>,
    /// The request from a file ('-' reads standard input): METHOD URL, a raw HTTP request or a
    /// curl command line. Its Authorization header is never read, kept or shown.
    #[arg(long, value_name = "FILE")]
    pub request_file: Option<PathBuf>,
    /// Write everything the diagnosis saw (claims, requests and answers, timings, report) to
    /// FILE (owner-only; no token, signature or secret is written). docs/record-format.md.
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub record: Option<PathBuf>,
    /// Re-run this graph-doctor's checks over a recording's answers (offline; no token needed);
    /// the recorded report follows when it differs.
    #[arg(long, value_name = "FILE", conflicts_with = "plan")]
    pub replay: Option<PathBuf>,
    /// Diagnose every planned addition in a CSV file (operation,target,member; ids or names), sharing
    /// the reads they have in common; prints a table (--format text, csv, markdown or json) and
    /// exits with the worst row's code.
    #[arg(long, value_name = "FILE.csv", conflicts_with = "record")]
    pub plan: Option<PathBuf>,
    /// With --plan: perform the additions that passed, after listing them and asking for "yes"
    /// on the terminal (or --yes). Rows that failed are never performed.
    #[arg(long, requires = "plan")]
    pub apply: bool,
    /// With --apply: the confirmation, for scripts.
    #[arg(long, requires = "apply")]
    pub yes: bool,
}

impl CheckOpts {
    /// `--deadline`, validated like `--timeout`.
    pub fn deadline(&self) -> Result<Duration, UsageError> {
        if (1.0..=600.0).contains(&self.deadline) {
            Ok(Duration::from_secs_f64(self.deadline))
        } else {
            Err(UsageError::new(
                "--deadline takes a number of seconds from 1 to 600",
            ))
        }
    }
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
    /// text (the default, on a terminal or not), json, markdown.
    #[arg(long, value_name = "F")]
    pub format: Option<Format>,
    /// Text and Markdown: list every check, also those the paste says nothing about (JSON always
    /// carries all of them).
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct OpenOpts {
    /// The recording (docs/record-format.md).
    pub file: PathBuf,
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
    /// `check --plan` only: the plan's table as CSV.
    Csv,
}

fn parse_operation(s: &str) -> Result<OperationKind, String> {
    OperationKind::parse(s).ok_or_else(|| {
        format!("unknown operation '{s}': use add-group-member, add-au-member, create-au-group, remove-group-member, add-group-owner, remove-group-owner or remove-au-member")
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
            request: None,
        })
    }

    pub fn timeout(&self) -> Result<Duration, UsageError> {
        // Whole seconds are what a timeout is reported in ("no answer within N s"), so less
        // than one second is refused rather than reported as 0 s.
        if (1.0..=600.0).contains(&self.timeout) {
            Ok(Duration::from_secs_f64(self.timeout))
        } else {
            Err(UsageError::new(
                "--timeout takes a number of seconds from 1 to 600",
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
                let text = read_text_noted(p, "--error-file", PASTE_LIMIT)?;
                Ok(Some(crate::explain::parse(&text)))
            }
        }
    }
}

/// The most of an input that is read, and what the refusal adds when there is more.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bytes: u64,
    pub hint: &'static str,
}

/// Token files and tokens on standard input: access tokens are a few KiB; a wrong path (a log,
/// `/dev/zero`) must not fill memory.
pub const TOKEN_LIMIT: Limit = Limit {
    bytes: 64 * 1024,
    hint: "an access token is a few KiB: is this the right file?",
};

/// A pasted error response (`--error-file`, `explain`): a few KiB in practice.
pub const PASTE_LIMIT: Limit = Limit {
    bytes: 4 * 1024 * 1024,
    hint: "give only the failing response (status line, headers and body)",
};

/// Text read by [`read_text`].
#[derive(Debug)]
pub struct Text {
    pub text: String,
    /// True when the input was not valid UTF-8 and was read with U+FFFD for the invalid bytes.
    pub lossy: bool,
    /// `standard input` or the path, for messages.
    pub name: String,
}

impl Text {
    /// The note to show when the input was read lossily.
    pub fn note(&self, option: &str) -> Option<String> {
        self.lossy.then(|| {
            format!(
                "note: {option} {}: not valid UTF-8; invalid bytes were read as U+FFFD (�)",
                self.name
            )
        })
    }
}

fn human(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

/// Reads a file, or standard input for `-`, with a one-line error naming the option. At most
/// `limit.bytes` are accepted: the read stops one byte past the limit (so `/dev/zero` or `yes |`
/// end at once) and the input is refused. Invalid UTF-8 is read lossily ([`Text::lossy`]).
/// The bytes read are wiped once converted: the input may be a token.
pub fn read_text(path: &std::path::Path, option: &str, limit: Limit) -> Result<Text, UsageError> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let mut bytes = Vec::new();
    let read = if stdin {
        std::io::stdin()
            .lock()
            .take(limit.bytes + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit.bytes + 1).read_to_end(&mut bytes))
    };
    if let Err(e) = read {
        zeroize::Zeroize::zeroize(&mut bytes);
        return Err(UsageError::new(if stdin {
            format!("{option}: cannot read standard input: {e}")
        } else {
            format!("{option} {name}: {e}")
        }));
    }
    if bytes.len() as u64 > limit.bytes {
        zeroize::Zeroize::zeroize(&mut bytes);
        return Err(UsageError::new(format!(
            "{option} {name}: more than {}; {}",
            human(limit.bytes),
            limit.hint
        )));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Text {
            text,
            lossy: false,
            name,
        }),
        Err(e) => {
            let mut bytes = e.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            zeroize::Zeroize::zeroize(&mut bytes);
            Ok(Text {
                text,
                lossy: true,
                name,
            })
        }
    }
}

/// [`read_text`], printing its note on stderr when the input was read lossily (command-line
/// faces only: the TUI's terminal is not taken yet when it reads its inputs).
fn read_text_noted(
    path: &std::path::Path,
    option: &str,
    limit: Limit,
) -> Result<String, UsageError> {
    let t = read_text(path, option, limit)?;
    if let Some(note) = t.note(option) {
        eprintln!("graph-doctor: {}", for_stderr(&note));
    }
    Ok(t.text)
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

/// Renders a report in the chosen format (text is coloured only on a terminal without NO_COLOR,
/// and wrapped to the terminal's width, or 80 columns).
pub fn render(report: &Report, format: Option<Format>) -> String {
    let stdout_tty = std::io::stdout().is_terminal();
    match format.unwrap_or(Format::Text) {
        Format::Json => crate::report::json::render(report),
        Format::Markdown => crate::report::markdown::render(report),
        // Refused before a report is made (`check --plan` only); text if it ever gets here.
        Format::Text | Format::Csv => {
            let color = stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            // The terminal's width on a terminal, 80 columns when piped or redirected.
            let width = if stdout_tty {
                crossterm::terminal::size()
                    .map(|(w, _)| usize::from(w))
                    .unwrap_or(crate::report::text::DEFAULT_WIDTH)
            } else {
                crate::report::text::DEFAULT_WIDTH
            };
            crate::report::text::render_width(report, color, width)
        }
    }
}

/// What `sim` tells the operator on stderr: the scenario, how to fetch what the diagnosis needs
/// (its token, and the error response the scenario's operator saw), and the `check` command
/// that diagnoses it as the scenario means (stdout carries only the base URL, for scripts).
fn sim_banner(server: &crate::sim::SimServer) -> String {
    let base = &server.base_url;
    let scenario = server.scenario();
    let mut fetch = format!("curl -s {base}/_sim/token/diagnosed > token.jwt");
    if scenario.tokens.contains_key("reader") {
        fetch.push_str(&format!(
            " && curl -s {base}/_sim/token/reader > reader.jwt"
        ));
    }
    if scenario.error_file.is_some() {
        fetch.push_str(&format!(" && curl -s {base}/_sim/error-file > error.txt"));
    }
    format!(
        "Simulated tenant '{}' serving at {base} (Ctrl-C stops it).\n  {}\n  Fetch:       {fetch}\n  Diagnose:    {}",
        scenario.name,
        scenario.summary,
        sim_check_command(server).join(" ")
    )
}

/// The `check` command line for a served scenario: its target, and when the scenario has them
/// the `--tenant` the operator expects, its reader token and the `--error-file` it saw (in the
/// files the banner's fetch line writes: `token.jwt`, `reader.jwt`, `error.txt`).
fn sim_check_command(server: &crate::sim::SimServer) -> Vec<String> {
    let scenario = server.scenario();
    let target = &scenario.target;
    let mut args: Vec<String> = [
        "graph-doctor",
        "check",
        "--graph-url",
        &server.base_url,
        "--token-file",
        "token.jwt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    match &target.request {
        Some(r) => args.extend(["--request".to_string(), format!("'{r}'")]),
        None => args.extend([
            "--operation".to_string(),
            target.operation.as_str().to_string(),
        ]),
    }
    for (flag, v) in [
        ("--group", &target.group),
        ("--member", &target.member),
        ("--au", &target.au),
        ("--tenant", &target.expected_tenant),
    ] {
        if let Some(v) = v {
            args.extend([flag.to_string(), v.clone()]);
        }
    }
    if scenario.tokens.contains_key("reader") {
        args.extend(["--reader-token-file".to_string(), "reader.jwt".to_string()]);
    }
    if scenario.error_file.is_some() {
        args.extend(["--error-file".to_string(), "error.txt".to_string()]);
    }
    args
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
            eprintln!("graph-doctor: {}", for_stderr(&e.to_string()));
            2
        }
    }
}

/// A message for stderr: redacted, and with every control character made visible (it may echo
/// what was typed, pasted or answered by a server).
pub fn for_stderr(text: &str) -> String {
    crate::report::terminal::escape_controls(&crate::secret::redact(text)).into_owned()
}

/// Help and version go to stdout with exit 0; a parse error is one line on stderr with exit 2
/// (a usage error is a one-line message on stderr and no report).
fn usage_exit(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            stdout(&e.to_string());
            0
        }
        _ => {
            let rendered = e.render().to_string();
            let line = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("graph-doctor: {} (see --help)", for_stderr(line));
            2
        }
    }
}

/// Why Graph could not be reached, when requests were sent and not one was answered: a setup
/// problem (a wrong `--graph-url`, no network), said once instead of a report of unknowns.
fn unreachable(report: &crate::report::Report, stats: &crate::engine::Stats) -> Option<String> {
    // A diagnosis cut off by its own deadline reached Graph too slowly, not never: its report
    // says so.
    if stats.http_requests == 0 || stats.reads > 0 || stats.deadline_passed {
        return None;
    }
    let why = report
        .checks
        .iter()
        .flat_map(|c| &c.evidence)
        .filter(|e| e.status.is_none())
        .find_map(|e| e.facts.get("error").and_then(serde_json::Value::as_str))
        .unwrap_or("no request was answered");
    Some(why.to_string())
}

/// Writes to standard output. A reader that went away (`| head`) is not an error: the rest is
/// dropped quietly instead of panicking as `print!` does.
fn stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Whether `explain` found an error response in the paste at all: a status, an error code, a
/// request, or a rule that matched its words.
fn recognised(report: &crate::report::Report) -> bool {
    let Some(n) = &report.notes else {
        return false;
    };
    n.response.status.is_some()
        || n.response.code.is_some()
        || n.request.is_some()
        || !n.rules.is_empty()
        || !n.aadsts.is_empty()
        || n.transient.is_some()
        || n.claims_challenge.is_some()
}

/// The explain report with only the checks the paste speaks to (decided, or named a candidate
/// cause), and how many were left out.
fn what_the_paste_tells(report: &crate::report::Report) -> (crate::report::Report, usize) {
    let notes = crate::report::explain_notes::ExplainNotes::of(report);
    let mut shown = report.clone();
    shown
        .checks
        .retain(|c| c.status != crate::report::Status::Unknown || notes.is_candidate(c.id));
    let hidden = report.checks.len() - shown.checks.len();
    (shown, hidden)
}

async fn run(cli: Cli) -> Result<i32, UsageError> {
    match cli.command {
        None => wizard::run(&cli.diagnose).await,
        Some(Command::Tui(opts)) => wizard::run(&opts).await,
        Some(Command::Demo(demo)) => wizard::demo(&demo).await,
        Some(Command::Check(check)) => {
            crate::logging::init_stderr();
            if check.plan.is_none() && check.format == Some(Format::Csv) {
                return Err(UsageError::new(
                    "--format csv is for --plan tables: use text, json or markdown",
                ));
            }
            if let Some(path) = &check.plan {
                let apply = plan::Apply {
                    apply: check.apply,
                    yes: check.yes,
                };
                let (out, code) = plan::run(
                    path,
                    &check.diagnose,
                    check.format,
                    check.deadline()?,
                    apply,
                )
                .await?;
                stdout(&out);
                return Ok(code);
            }
            if let Some(path) = &check.replay {
                let (out, code) = record::replay(path, check.format).await?;
                stdout(&out);
                return Ok(code);
            }
            let deadline = check.deadline()?;
            let requested = request::pasted(
                check.request.as_deref(),
                check.request_file.as_deref(),
                check
                    .diagnose
                    .token_file
                    .as_deref()
                    .is_some_and(|p| p.as_os_str() == "-"),
            )?
            .map(|r| request::operation(&check.diagnose, &r))
            .transpose()?;
            // Names among --group/--member/--au are resolved to ids first, so the diagnosis
            // (and its report) is the one the ids give.
            let (ids, names) = names::split(&check.diagnose);
            let mut input = diagnose_input(&ids).await?;
            names::resolve_into(&mut input, &names).await?;
            if let Some(op) = requested {
                input.operation = op;
            }
            let tape = check
                .record
                .as_ref()
                .map(|_| crate::record::start(&mut input));
            let clock = record::Clock::now();
            let (mut report, stats) = crate::engine::diagnose_within(&input, deadline, None).await;
            report.source = Some("check".into());
            if let (Some(path), Some(tape)) = (&check.record, &tape) {
                record::write(
                    path,
                    &input,
                    tape,
                    &clock,
                    deadline.as_secs(),
                    stats,
                    &report,
                )?;
            }
            if let Some(why) = unreachable(&report, &stats) {
                return Err(UsageError::new(format!(
                    "Graph could not be reached at {}: {why}",
                    input.client.base().as_str().trim_end_matches('/')
                )));
            }
            stdout(&render(&report, check.format));
            Ok(report.verdict.exit_code())
        }
        Some(Command::Explain(ex)) => {
            let path = ex.file.clone().unwrap_or_else(|| PathBuf::from("-"));
            if path.as_os_str() == "-" && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                // Reading a terminal would otherwise wait in silence.
                eprintln!("Paste the error response (status line, headers and body, or only the body), then press Ctrl-D on a line of its own.");
            }
            if ex.format == Some(Format::Csv) {
                return Err(UsageError::new(
                    "--format csv is for check --plan tables: use text, json or markdown",
                ));
            }
            let text = read_text_noted(&path, "explain", PASTE_LIMIT)?;
            if text.trim().is_empty() {
                return Err(UsageError::new(format!(
                    "explain: {} is empty: paste the error response (status line, headers and body, or only the body)",
                    if path.as_os_str() == "-" { "standard input".to_string() } else { path.display().to_string() }
                )));
            }
            let report = crate::explain::explain(&crate::explain::parse(&text));
            if !recognised(&report) {
                return Err(UsageError::new(format!(
                    "explain: {} is not an error response (no HTTP status, error code or known message in it): paste what Graph or the sign-in answered",
                    if path.as_os_str() == "-" { "standard input".to_string() } else { path.display().to_string() }
                )));
            }
            let json = matches!(ex.format, Some(Format::Json));
            if json || ex.all {
                stdout(&render(&report, ex.format));
            } else {
                let (shown, hidden) = what_the_paste_tells(&report);
                stdout(&render(&shown, ex.format));
                if hidden > 0 {
                    stdout(&format!("\n{hidden} checks the response says nothing about are not listed (--all lists them; the live checks decide them).\n"));
                }
            }
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
            stdout(&format!("{}\n", server.base_url));
            if !server.local_addr.ip().is_loopback() {
                eprintln!(
                    "graph-doctor: warning: the simulated tenant listens on {} and is reachable from the network: anyone who can reach this machine can read its directory and take its tokens (/_sim/token/…); use --listen 127.0.0.1:PORT to keep it local",
                    server.local_addr
                );
            }
            eprintln!(
                "{}",
                crate::report::terminal::escape_controls(&sim_banner(&server))
            );
            let _ = tokio::signal::ctrl_c().await;
            server.shutdown().await;
            Ok(0)
        }
        Some(Command::Open(o)) => {
            let recording = crate::record::Recording::read(&o.file)
                .map_err(|e| UsageError::new(format!("open: {e}")))?;
            if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
                return Err(UsageError::new(
                    "open needs a terminal; check --replay FILE prints the report instead",
                ));
            }
            crate::tui::run_open(recording, o.file.display().to_string())
                .await
                .map_err(|e| UsageError::new(e.to_string()))
        }
        Some(Command::Permissions(p)) if p.format == Some(Format::Csv) => Err(UsageError::new(
            "--format csv is for check --plan tables: use text, json or markdown",
        )),
        Some(Command::Permissions(p)) => permissions::run(&p),
        Some(Command::Scenarios) => {
            // Names padded to the longest, so every summary starts in the same column.
            let all = crate::sim::builtin();
            let width = all.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            for (name, summary) in all {
                stdout(&format!("{name:<width$}  {summary}\n"));
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
