//! Usage and setup errors of the real binary: exit code 2, one line on stderr, no report.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_graph-doctor"));
    cmd.args(args)
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .env(
            "GRAPH_DOCTOR_LOG",
            std::env::temp_dir().join("graph-doctor-cli-test.log"),
        );
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn assert_usage_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "no report on a usage error");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr:?}");
}

#[test]
fn unknown_cloud_is_one_line_exit_2() {
    assert_usage_error(
        &run(&["check", "--cloud", "mars"], &[]),
        "unknown cloud 'mars'",
    );
}

#[test]
fn non_guid_ids_are_refused_where_names_are_not_resolved() {
    // `check` resolves names (tests/names.rs), which takes a token first; the wizard's options
    // still take ids only.
    let out = run(&["check", "--group", "Sales", "--token-file", "-"], &[]);
    assert_usage_error(&out, "--token-file -: standard input was empty");
    let out = run(&["tui", "--member", "12345"], &[]);
    assert_usage_error(&out, "--member '12345' is not an object id");
}

#[test]
fn unreadable_or_missing_token_is_a_setup_error() {
    let out = run(
        &["check", "--token-file", "/nonexistent/graph-doctor/token"],
        &[],
    );
    assert_usage_error(&out, "--token-file /nonexistent/graph-doctor/token");
    let out = run(&["check"], &[]);
    assert_usage_error(&out, "no token to diagnose");
    let empty = std::env::temp_dir().join(format!("graph-doctor-empty-{}", std::process::id()));
    std::fs::write(&empty, "  \n").expect("write");
    let out = run(
        &["check", "--token-file", empty.to_str().expect("utf8")],
        &[],
    );
    assert_usage_error(&out, "the file is empty");
    let _ = std::fs::remove_file(empty);
}

#[test]
fn bad_timeout_and_operation_are_refused() {
    assert_usage_error(&run(&["check", "--timeout", "-1"], &[]), "--timeout");
    assert_usage_error(
        &run(&["check", "--operation", "delete-group"], &[]),
        "unknown operation 'delete-group'",
    );
}

#[test]
fn foreign_graph_url_is_refused_before_any_request() {
    let out = run(
        &["check", "--graph-url", "https://graph.example.net"],
        &[("GRAPH_DOCTOR_TOKEN", "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.c2ln")],
    );
    assert_usage_error(&out, "refusing to send a token to 'graph.example.net'");
    let out = run(
        &["check", "--graph-url", "http://graph.microsoft.com"],
        &[("GRAPH_DOCTOR_TOKEN", "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.c2ln")],
    );
    assert_usage_error(&out, "plain http");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("eyJ"), "never echo the token");
}

#[test]
fn explain_refuses_empty_input() {
    let empty = std::env::temp_dir().join(format!("graph-doctor-empty-err-{}", std::process::id()));
    std::fs::write(&empty, "").expect("write");
    let out = run(&["explain", empty.to_str().expect("utf8")], &[]);
    assert_usage_error(&out, "is empty");
    let _ = std::fs::remove_file(empty);
    assert_usage_error(
        &run(&["explain", "/nonexistent/err.txt"], &[]),
        "/nonexistent/err.txt",
    );
}

#[test]
fn help_and_version_exit_zero() {
    let out = run(&["--version"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("graph-doctor "));
    let out = run(&["check", "--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--operation",
        "--group",
        "--member",
        "--au",
        "--token-file",
        "--reader-token-file",
        "--tenant",
        "--cloud",
        "--graph-url",
        "--error-file",
        "--format",
        "--timeout",
    ] {
        assert!(help.contains(opt), "check --help lists {opt}");
    }
}

#[test]
fn an_unreachable_graph_is_one_setup_error_not_a_report_of_unknowns() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let token = graph_doctor::auth::jwt::mint(&serde_json::json!({
        "aud": "https://graph.microsoft.com", "tid": "11111111-1111-1111-1111-111111111111",
        "oid": "22222222-2222-2222-2222-222222222222", "appid": "33333333-3333-3333-3333-333333333333",
        "roles": ["GroupMember.ReadWrite.All"], "idtyp": "app", "ver": "1.0",
        "iat": now - 60, "nbf": now - 60, "exp": now + 3600
    }));
    let out = run(
        &[
            "check",
            "--graph-url",
            "http://127.0.0.1:1",
            "--timeout",
            "5",
            "--group",
            "44444444-4444-4444-4444-444444444444",
            "--member",
            "55555555-5555-5555-5555-555555555555",
        ],
        &[("GRAPH_DOCTOR_TOKEN", &token)],
    );
    assert_usage_error(&out, "Graph could not be reached at http://127.0.0.1:1: ");
}

/// Runs `graph-doctor explain ARGS` with `input` on standard input.
fn explain(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .arg("explain")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

const DENIED: &str = "HTTP/1.1 403 Forbidden\n\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}";

#[test]
fn explain_refuses_what_is_not_an_error_response() {
    let out = explain(&[], "hello world, nothing to see here\n");
    assert_usage_error(&out, "is not an error response");
}

#[test]
fn explain_lists_what_the_paste_tells_and_the_rest_with_all() {
    let rows = |out: &Output| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("  ") && l.contains(" unknown "))
            .count()
    };
    let short = explain(&[], DENIED);
    assert_eq!(short.status.code(), Some(3));
    let text = String::from_utf8_lossy(&short.stdout);
    assert!(text.contains("not listed (--all lists them"), "{text}");
    let all = explain(&["--all"], DENIED);
    assert!(
        rows(&all) > rows(&short),
        "--all lists more: {} vs {}",
        rows(&all),
        rows(&short)
    );
    // JSON keeps every check (the contract).
    let json = explain(&["--format", "json"], DENIED);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["checks"].as_array().map(Vec::len), Some(24));
}

#[test]
fn a_reader_that_goes_away_is_not_a_panic() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args(["explain", "--all"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // `| head -0`: the reading end closes before anything is written.
    drop(child.stdout.take());
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(DENIED.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(3), "{stderr}");
}
