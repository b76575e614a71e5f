//! Issue 15's hardening, end to end through the real binary: no request to a loopback target
//! through the environment's proxy, no terminal control sequence from Graph or a paste reaching
//! the terminal, bounded inputs, Graph and login hosts kept apart, owner-only files, 502/504
//! retried, and the simulated tenant's listen address.
//!
//! Every run of the binary gets its environment on its own `Command`, so tests never race on
//! the test process's environment.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use graph_doctor::sim::{Scenario, SimServer};
use serde_json::Value;
use tokio::io::AsyncReadExt;

const DAEMON: &str = "a0000000-0000-4000-8000-000000000001";
const DAEMON_SECRET: &str = "sim-secret-provisioning-daemon";
const PUBLIC_CLIENT: &str = "a0000000-0000-4000-8000-000000000002";
const READER: &str = "a0000000-0000-4000-8000-000000000003";
const READER_SECRET: &str = "sim-secret-reader";
/// SHA-1 of the throwaway fixture certificate (assets/auth/test-fixtures), as the portal shows it.
const FIXTURE_THUMBPRINT: &str = "B5AA1351D581D450B42072A3B9CEC9E120FFF6F5";
const ENGINEERING: &str = "20000000-0000-4000-8000-000000000001";
const BEN: &str = "10000000-0000-4000-8000-000000000002";

/// Every variable reqwest (and curl, and most tools) read a proxy from.
const PROXY_VARS: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn command(args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"));
    cmd.args(args)
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_CLIENT_CERTIFICATE_PATH")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    cmd
}

async fn output(mut cmd: tokio::process::Command) -> Run {
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .expect("the binary finished")
        .expect("the binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    output(cmd).await
}

fn assert_usage_error(r: &Run, needle: &str) {
    assert_eq!(r.code, Some(2), "stderr: {}", r.stderr);
    assert!(r.stdout.is_empty(), "no report on a usage error");
    assert_eq!(
        r.stderr.trim_end().lines().count(),
        1,
        "one line: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(needle),
        "expected {needle:?} in {:?}",
        r.stderr
    );
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "graph-doctor-hardening-{name}-{}",
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/auth/test-fixtures/throwaway-client.pem")
}

async fn serve(scenario: Scenario) -> SimServer {
    SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("the simulated tenant starts")
}

// ---------------------------------------------------------------------------------------------
// 1. No proxy for loopback targets.
// ---------------------------------------------------------------------------------------------

/// A loopback listener standing in for an HTTP proxy: counts the connections it gets and keeps
/// the first line each one sent (`GET http://… HTTP/1.1`, `CONNECT host:443 HTTP/1.1`), then
/// closes it so a client sent there fails at once instead of waiting for its timeout.
struct ProxyCatcher {
    url: String,
    connections: Arc<AtomicUsize>,
    first_lines: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ProxyCatcher {
    async fn start() -> ProxyCatcher {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy catcher");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let first_lines = Arc::new(Mutex::new(Vec::new()));
        let (c, f) = (connections.clone(), first_lines.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                let line = text.lines().next().unwrap_or_default().to_string();
                f.lock().expect("lock").push(line);
            }
        });
        ProxyCatcher {
            url,
            connections,
            first_lines,
            task,
        }
    }

    /// Every proxy variable pointing at the catcher.
    fn env(&self) -> Vec<(&'static str, String)> {
        PROXY_VARS.iter().map(|v| (*v, self.url.clone())).collect()
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for ProxyCatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a flow is called, its options and its environment.
type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_from_the_environment_never_sees_a_loopback_request() {
    let mut scenario = Scenario::load("healthy-app").expect("scenario");
    for c in scenario
        .clients
        .iter_mut()
        .filter(|c| c.client_id == DAEMON)
    {
        c.certificate_thumbprint = Some(FIXTURE_THUMBPRINT.into());
    }
    let tenant = scenario.tenant.id.clone();
    let server = serve(scenario).await;
    let base = server.base_url.clone();
    let dir = temp_dir("proxy");
    let token_file = dir.join("token");
    std::fs::write(
        &token_file,
        server.token("diagnosed").expect("token").expose(),
    )
    .expect("write");
    let tf = token_file.to_string_lossy().to_string();
    let pem = fixture_path().to_string_lossy().to_string();
    let catcher = ProxyCatcher::start().await;
    let target = [
        "check",
        "--format",
        "json",
        "--timeout",
        "5",
        "--group",
        ENGINEERING,
        "--member",
        BEN,
        "--graph-url",
        &base,
        "--tenant",
        &tenant,
    ];
    let cases: Vec<Case> = vec![
        ("token file", vec!["--token-file", &tf], vec![]),
        (
            "client secret",
            vec!["--sign-in", "client-secret", "--client-id", DAEMON],
            vec![("AZURE_CLIENT_SECRET", DAEMON_SECRET)],
        ),
        (
            "client certificate",
            vec![
                "--sign-in",
                "client-certificate",
                "--client-id",
                DAEMON,
                "--certificate",
                &pem,
            ],
            vec![],
        ),
        (
            "device code",
            vec!["--sign-in", "device-code", "--client-id", PUBLIC_CLIENT],
            vec![],
        ),
        (
            "reader client secret, explicit --login-url",
            vec![
                "--token-file",
                &tf,
                "--reader-sign-in",
                "client-secret",
                "--client-id",
                READER,
                "--login-url",
                &base,
            ],
            vec![("AZURE_CLIENT_SECRET", READER_SECRET)],
        ),
    ];
    for (what, args, env) in cases {
        let mut cmd = command(&target);
        cmd.args(&args);
        for (k, v) in catcher
            .env()
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(env)
        {
            cmd.env(k, v);
        }
        let r = output(cmd).await;
        assert_eq!(
            catcher.connections(),
            0,
            "{what}: the proxy saw {:?}",
            catcher.first_lines.lock().expect("lock")
        );
        assert_ne!(r.code, Some(2), "{what}: {}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|_| panic!("{what}: a JSON report; stderr {}", r.stderr));
        assert_eq!(report["verdict"], "pass", "{what}: {}", r.stdout);
    }
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// An https destination keeps the environment's proxy: the request is tunnelled (`CONNECT`),
/// so it stays encrypted end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_destinations_still_go_through_the_environments_proxy() {
    let server = serve(Scenario::load("healthy-app").expect("scenario")).await;
    let dir = temp_dir("https-proxy");
    let token_file = dir.join("token");
    std::fs::write(
        &token_file,
        server.token("diagnosed").expect("token").expose(),
    )
    .expect("write");
    let catcher = ProxyCatcher::start().await;
    let mut cmd = command(&[
        "check",
        "--format",
        "json",
        "--timeout",
        "5",
        "--group",
        ENGINEERING,
        "--member",
        BEN,
    ]);
    cmd.arg("--token-file").arg(&token_file);
    cmd.env("HTTPS_PROXY", &catcher.url);
    let r = output(cmd).await;
    // The catcher answers nothing, so Graph is unreachable through it (exit 2, said so), but the
    // options were accepted.
    assert!(
        r.code != Some(2) || r.stderr.contains("Graph could not be reached"),
        "{}",
        r.stderr
    );
    assert!(catcher.connections() > 0, "the proxy was not used");
    let lines = catcher.first_lines.lock().expect("lock").clone();
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("CONNECT graph.microsoft.com:443 ")),
        "{lines:?}"
    );
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// 2. No terminal control sequence from Graph or a paste reaches the terminal.
// ---------------------------------------------------------------------------------------------

/// The control characters a terminal acts on, found in `text`: C0 but newline and tab (and a
/// carriage return ending a line), DEL, C1.
fn controls(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ok = matches!(c, '\n' | '\t') || (c == '\r' && chars.peek() == Some(&'\n'));
        if c.is_control() && !ok {
            found.push(format!("{:?}", c));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_sequences_from_graph_are_shown_not_obeyed() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/hardening/control-sequences.json"
    );
    let server = serve(Scenario::load(path).expect("the held-out scenario loads")).await;
    let dir = temp_dir("controls");
    let token_file = dir.join("token");
    std::fs::write(
        &token_file,
        server.token("diagnosed").expect("token").expose(),
    )
    .expect("write");
    let tf = token_file.to_string_lossy().to_string();
    let check = |format: &'static str| {
        let cmd = command(&[
            "check",
            "--format",
            format,
            "--timeout",
            "5",
            "--graph-url",
            &server.base_url,
            "--group",
            "20000000-0000-4000-8000-000000000005",
            "--member",
            BEN,
            "--token-file",
            &tf,
        ]);
        output(cmd)
    };
    for format in ["text", "markdown"] {
        let r = check(format).await;
        assert_eq!(r.code, Some(1), "{format}: {}", r.stderr);
        assert!(r.stdout.contains("Dynamic Sales"), "{format}: {}", r.stdout);
        assert_eq!(controls(&r.stdout), Vec::<String>::new(), "{format}");
        assert!(
            r.stdout
                .contains("␛]52;c;cm0gLXJmIH4=␇␛[2J␛[32mVerdict: PASS"),
            "{format}: the name is shown with its controls made visible: {}",
            r.stdout
        );
        assert!(
            r.stdout.contains("Ben\\u{9b}2J␡Member"),
            "{format}: {}",
            r.stdout
        );
    }
    // JSON keeps the data as Graph gave it (escaped by JSON itself).
    let r = check("json").await;
    let report: Value = serde_json::from_str(&r.stdout).expect("a JSON report");
    let group = report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == "group.exists"))
        .and_then(|c| c["summary"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(group.contains("\u{1b}]52;c;cm0gLXJmIH4=\u{7}"), "{group}");
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn control_sequences_in_a_pasted_error_are_shown_not_obeyed() {
    let dir = temp_dir("explain-controls");
    let paste = dir.join("error.txt");
    std::fs::write(
        &paste,
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges\\u001b]52;c;ZXZpbA==\\u0007\\u001b[2J\\u001b[32mVerdict: PASS\",\"innerError\":{\"request-id\":\"r-\\u001b[31m1\"}}}",
    )
    .expect("write");
    let p = paste.to_string_lossy().to_string();
    for format in ["text", "markdown"] {
        let r = run(&["explain", &p, "--format", format], &[]).await;
        assert_eq!(
            controls(&r.stdout),
            Vec::<String>::new(),
            "{format}: {}",
            r.stdout
        );
        assert!(
            r.stdout
                .contains("Insufficient privileges␛]52;c;ZXZpbA==␇␛[2J"),
            "{format}: {}",
            r.stdout
        );
    }
    // A usage error echoes what was typed or pasted: visibly, too. (`check` resolves names, so
    // its echo of a name is tested in tests/names.rs; the wizard's options take ids only.)
    let r = run(&["tui", "--group", "\x1b[2J\x1b]52;c;ZXZpbA==\x07"], &[]).await;
    assert_usage_error(&r, "--group '␛[2J␛]52;c;ZXZpbA==␇' is not an object id");
    assert_eq!(controls(&r.stderr), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// 3. Bounded inputs.
// ---------------------------------------------------------------------------------------------

/// A JWT-shaped token that decodes (claims only; no server needed before the size check).
const SOME_TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.c2ln";

#[tokio::test]
async fn oversized_token_and_error_files_are_refused() {
    let dir = temp_dir("oversized");
    let big_token = dir.join("token");
    std::fs::write(&big_token, "a".repeat(64 * 1024 + 1)).expect("write");
    let just_right = dir.join("token-64k");
    std::fs::write(&just_right, "a".repeat(64 * 1024)).expect("write");
    let big_error = dir.join("error");
    std::fs::write(&big_error, "x".repeat(4 * 1024 * 1024 + 1)).expect("write");
    let (bt, jr, be) = (
        big_token.to_string_lossy().to_string(),
        just_right.to_string_lossy().to_string(),
        big_error.to_string_lossy().to_string(),
    );
    let r = run(&["check", "--token-file", &bt], &[]).await;
    assert_usage_error(&r, &format!("--token-file {bt}: more than 64 KiB"));
    let r = run(
        &["check", "--token-file", &jr, "--reader-token-file", &bt],
        &[],
    )
    .await;
    assert_usage_error(&r, &format!("--reader-token-file {bt}: more than 64 KiB"));
    let r = run(
        &["check", "--error-file", &be],
        &[("GRAPH_DOCTOR_TOKEN", SOME_TOKEN)],
    )
    .await;
    assert_usage_error(&r, &format!("--error-file {be}: more than 4 MiB"));
    let r = run(&["explain", &be], &[]).await;
    assert_usage_error(&r, &format!("explain {be}: more than 4 MiB"));
    let _ = std::fs::remove_dir_all(dir);
}

/// Endless inputs stop at the limit: `/dev/zero` as a file, as standard input, and `yes |`.
#[cfg(unix)]
#[tokio::test]
async fn endless_inputs_stop_at_the_limit() {
    let r = run(&["check", "--token-file", "/dev/zero"], &[]).await;
    assert_usage_error(&r, "--token-file /dev/zero: more than 64 KiB");
    let r = run(
        &["check", "--reader-token-file", "/dev/zero"],
        &[("GRAPH_DOCTOR_TOKEN", SOME_TOKEN)],
    )
    .await;
    assert_usage_error(&r, "--reader-token-file /dev/zero: more than 64 KiB");
    let r = run(
        &["check", "--error-file", "/dev/zero"],
        &[("GRAPH_DOCTOR_TOKEN", SOME_TOKEN)],
    )
    .await;
    assert_usage_error(&r, "--error-file /dev/zero: more than 4 MiB");
    let r = run(&["explain", "/dev/zero"], &[]).await;
    assert_usage_error(&r, "explain /dev/zero: more than 4 MiB");

    for (args, needle) in [
        (
            vec!["check", "--token-file", "-"],
            "--token-file standard input: more than 64 KiB",
        ),
        (vec!["explain"], "explain standard input: more than 4 MiB"),
    ] {
        let mut cmd = command(&args);
        cmd.stdin(std::fs::File::open("/dev/zero").expect("/dev/zero"));
        assert_usage_error(&output(cmd).await, needle);

        // `yes | graph-doctor …`: the writer stops when graph-doctor closes the pipe.
        let mut cmd = command(&args);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        let mut stdin = child.stdin.take().expect("stdin");
        let yes = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let chunk = "y\n".repeat(4096);
            let mut written = 0usize;
            while stdin.write_all(chunk.as_bytes()).await.is_ok() {
                written += chunk.len();
            }
            written
        });
        let out = child.wait_with_output().await.expect("wait");
        let written = yes.await.expect("writer");
        let r = Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_usage_error(&r, needle);
        assert!(written < 64 * 1024 * 1024, "read {written} bytes");
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Graph and login hosts are kept apart.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_login_host_is_refused_as_graph_and_each_refusal_lists_its_own_hosts() {
    for (cloud, login, graph) in [
        (
            "global",
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
        ),
        (
            "usgov",
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us",
        ),
        (
            "usgov-dod",
            "https://login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
        ),
        (
            "china",
            "https://login.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn",
        ),
    ] {
        let host = login.trim_start_matches("https://");
        let r = run(
            &["check", "--cloud", cloud, "--graph-url", login],
            &[("GRAPH_DOCTOR_TOKEN", SOME_TOKEN)],
        )
        .await;
        assert_usage_error(&r, &format!("refusing to send a token to '{host}'"));
        assert!(r.stderr.contains(graph), "{cloud}: {}", r.stderr);
        assert!(
            !r.stderr.contains(login),
            "{cloud}: --graph-url's refusal lists only Graph hosts: {}",
            r.stderr
        );
        // A Graph host as --login-url: the refusal lists the login host only.
        let r = run(
            &[
                "check",
                "--cloud",
                cloud,
                "--sign-in",
                "client-secret",
                "--tenant",
                "contoso.onmicrosoft.com",
                "--client-id",
                DAEMON,
                "--login-url",
                graph,
            ],
            &[("AZURE_CLIENT_SECRET", DAEMON_SECRET)],
        )
        .await;
        assert_usage_error(&r, "--login-url");
        assert!(r.stderr.contains(login), "{cloud}: {}", r.stderr);
        assert!(
            !r.stderr.contains(graph),
            "{cloud}: --login-url's refusal lists only login hosts: {}",
            r.stderr
        );
        assert!(!r.stderr.contains(DAEMON_SECRET));
    }
}

// ---------------------------------------------------------------------------------------------
// 9. --timeout's range; invalid UTF-8 read lossily, with a note.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_timeout_range_is_one_to_600_seconds() {
    for bad in ["0", "0.5", "-1", "600.5", "nan"] {
        let r = run(&["check", "--timeout", bad], &[]).await;
        assert_usage_error(&r, "--timeout takes a number of seconds from 1 to 600");
    }
    for good in ["1", "2.5", "600"] {
        let r = run(&["check", "--timeout", good], &[]).await;
        assert_usage_error(&r, "no token to diagnose");
    }
}

/// 8. `--deadline` takes the same range as `--timeout` and is checked before any token is read.
#[tokio::test]
async fn the_deadline_range_is_one_to_600_seconds() {
    for bad in ["0", "0.5", "-1", "600.5", "nan"] {
        let r = run(&["check", "--deadline", bad], &[]).await;
        assert_usage_error(&r, "--deadline takes a number of seconds from 1 to 600");
    }
    for good in ["1", "2.5", "600"] {
        let r = run(&["check", "--deadline", good], &[]).await;
        assert_usage_error(&r, "no token to diagnose");
    }
}

/// A paste that is not UTF-8 (Latin-1 from an old console): `explain` on standard input or a
/// file, and `--error-file`, all read it lossily and say so on stderr.
#[tokio::test]
async fn invalid_utf8_is_read_lossily_with_a_note() {
    let mut paste = b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n".to_vec();
    paste.extend_from_slice(br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation. Caf"#);
    paste.push(0xe9); // 'é' in Latin-1
    paste.extend_from_slice(br#"","innerError":{"request-id":"r-1"}}}"#);
    let dir = temp_dir("latin1");
    let file = dir.join("error.txt");
    std::fs::write(&file, &paste).expect("write");
    let f = file.to_string_lossy().to_string();

    let mut cmd = command(&["explain", "--format", "json"]);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&paste).await.expect("write stdin");
    }
    let out = child.wait_with_output().await.expect("wait");
    let stdin_run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let file_run = run(&["explain", "--format", "json", &f], &[]).await;
    for (what, r) in [("standard input", &stdin_run), (f.as_str(), &file_run)] {
        assert_ne!(r.code, Some(2), "{what}: {}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).expect("a JSON report");
        assert_eq!(
            report["notes"]["response"]["code"], "Authorization_RequestDenied",
            "{what}"
        );
        assert!(
            r.stderr.contains(&format!(
                "graph-doctor: note: explain {what}: not valid UTF-8"
            )),
            "{what}: {}",
            r.stderr
        );
    }
    // --error-file: the same note (the run then stops for want of a token).
    let r = run(&["check", "--error-file", &f], &[]).await;
    assert!(
        r.stderr.contains(&format!(
            "graph-doctor: note: --error-file {f}: not valid UTF-8"
        )),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// 10. `sim --listen 0.0.0.0:0`: a loopback URL to use, and a warning.
// ---------------------------------------------------------------------------------------------

/// Starts `sim --listen ADDR`; returns the base URL it printed on stdout and its stderr up to
/// the banner's last line (`Diagnose: …`), then stops it.
async fn sim_banner(listen: &str) -> (String, String) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut cmd = command(&["sim", "--listen", listen, "--scenario", "healthy-app"]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn the simulated tenant");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let deadline = std::time::Duration::from_secs(30);
    let base = tokio::time::timeout(deadline, stdout.next_line())
        .await
        .expect("the base URL in time")
        .expect("stdout")
        .expect("a line");
    let mut banner = String::new();
    while let Ok(Ok(Some(line))) = tokio::time::timeout(deadline, stderr.next_line()).await {
        banner.push_str(&line);
        banner.push('\n');
        if line.trim_start().starts_with("Diagnose:") {
            break;
        }
    }
    // The printed URL works.
    let answer = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("{base}/_sim/scenario"))
        .send()
        .await
        .expect("the simulated tenant answers on its printed URL");
    assert!(answer.status().is_success());
    let _ = child.kill().await;
    (base, banner)
}

#[tokio::test]
async fn a_sim_on_every_interface_prints_a_loopback_url_and_warns() {
    let (base, banner) = sim_banner("0.0.0.0:0").await;
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(
        banner.contains("reachable from the network"),
        "warned: {banner}"
    );
    assert!(
        banner.contains(&format!("--graph-url {base} ")),
        "the ready check command uses the loopback URL: {banner}"
    );
    // graph-doctor accepts the printed URL as a Graph base.
    let r = run(&["check", "--graph-url", &base], &[]).await;
    assert_usage_error(&r, "no token to diagnose");

    let (base, banner) = sim_banner("127.0.0.1:0").await;
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(!banner.contains("reachable from the network"), "{banner}");
}
