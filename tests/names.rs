//! Names instead of object ids, end to end: the real binary against the simulated tenant on a
//! loopback port. `check --group "<name>" --member <upn>` gives the report the ids give; a name two
//! groups share exits 2 listing both; an unknown name exits 2; a refused read names its
//! permission; a plan's rows may name their objects.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Output;

use graph_doctor::sim::{Scenario, SimServer};
use serde_json::Value;

const BEN: &str = "10000000-0000-4000-8000-000000000002";
const ENGINEERING: &str = "20000000-0000-4000-8000-000000000001";
const SALES_DL: &str = "20000000-0000-4000-8000-000000000003";
const MARKETING_EMEA: &str = "20000000-0000-4000-8000-000000000081";
const MARKETING_US: &str = "20000000-0000-4000-8000-000000000082";
const SALES_AU: &str = "60000000-0000-4000-8000-000000000001";

async fn serve(name: &str) -> SimServer {
    let s = Scenario::load(name).expect("built-in scenario");
    SimServer::start(s, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim starts")
}

fn tmp(name: &str, text: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let p = std::env::temp_dir().join(format!(
        "graph-doctor-names-{}-{n}-{name}",
        std::process::id()
    ));
    std::fs::write(&p, text).expect("write temp file");
    p
}

async fn check(server: &SimServer, token: &str, args: &[&str]) -> Output {
    let token_file = tmp("token", server.token(token).expect("token").expose());
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args(["check", "--graph-url", &server.base_url])
        .arg("--token-file")
        .arg(&token_file)
        .args(args)
        .stdin(std::process::Stdio::null())
        .env_remove("GRAPH_DOCTOR_TOKEN")
        .env_remove("GRAPH_DOCTOR_READER_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("the binary runs");
    let _ = std::fs::remove_file(&token_file);
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The report without what differs from one run to the next (time, latencies).
fn normalised(out: &Output) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("generated_at");
                m.remove("ticket");
                m.remove("latency_ms");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    strip(&mut v);
    v
}

#[tokio::test]
async fn a_name_and_a_upn_give_the_report_the_ids_give() {
    let server = serve("distribution-group").await;
    let by_name = check(
        &server,
        "diagnosed",
        &[
            "--group",
            "Sales DL",
            "--member",
            "ben@contoso.com",
            "--format",
            "json",
        ],
    )
    .await;
    let by_id = check(
        &server,
        "diagnosed",
        &["--group", SALES_DL, "--member", BEN, "--format", "json"],
    )
    .await;
    assert_eq!(by_id.status.code(), Some(1), "{}", stderr(&by_id));
    assert_eq!(by_name.status.code(), by_id.status.code());
    let e = stderr(&by_name);
    assert!(
        e.contains(&format!(
            "Resolved --group \"Sales DL\" → group Sales DL ({SALES_DL})"
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "Resolved --member \"ben@contoso.com\" → user ben@contoso.com ({BEN})"
        )),
        "{e}"
    );
    let (a, b) = (normalised(&by_name), normalised(&by_id));
    assert_eq!(a["primary_cause"], "group.type");
    assert_eq!(a, b);
    // The reads that resolved the names were exact eq filters, with the advanced-query header.
    let log: Value = reqwest::get(format!("{}/_sim/requests", server.base_url))
        .await
        .expect("requests")
        .json()
        .await
        .expect("json");
    let text = log.to_string();
    assert!(
        text.contains("displayName eq 'Sales DL'")
            || text.contains("displayName%20eq%20'Sales%20DL'"),
        "{text}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_au_by_name_and_a_mail_nickname_resolve() {
    let server = serve("healthy-add-au-member").await;
    let by_name = check(
        &server,
        "diagnosed",
        &[
            "--operation",
            "add-au-member",
            "--au",
            "sales au",
            "--member",
            "Ben Member",
            "--format",
            "json",
        ],
    )
    .await;
    let e = stderr(&by_name);
    assert!(
        e.contains(&format!("→ administrative unit Sales AU ({SALES_AU})")),
        "{e}"
    );
    assert_eq!(normalised(&by_name)["operation"]["au"], SALES_AU);
    assert_eq!(normalised(&by_name)["operation"]["member"], BEN);
    let nick = check(
        &server,
        "diagnosed",
        &[
            "--group",
            "engineering",
            "--member",
            BEN,
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(normalised(&nick)["operation"]["group"], ENGINEERING);
    server.shutdown().await;
}

#[tokio::test]
async fn a_shared_name_exits_2_with_both_candidates_and_no_report() {
    let server = serve("healthy-app").await;
    let out = check(
        &server,
        "diagnosed",
        &["--group", "Marketing", "--member", "ben@contoso.com"],
    )
    .await;
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(out.stdout.is_empty(), "no report");
    assert!(
        e.contains(&format!("  group Marketing ({MARKETING_EMEA})")),
        "{e}"
    );
    assert!(
        e.contains(&format!("  group Marketing ({MARKETING_US})")),
        "{e}"
    );
    assert!(
        e.trim_end()
            .ends_with("--group \"Marketing\" matches 2 objects (listed above); give the id of the one you mean"),
        "{e}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_unknown_name_exits_2_with_suggestions() {
    let server = serve("healthy-app").await;
    let out = check(
        &server,
        "diagnosed",
        &["--group", "Nobody's group", "--member", BEN],
    )
    .await;
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(out.stdout.is_empty());
    assert!(
        e.contains("--group: no group named \"Nobody's group\" was found"),
        "{e}"
    );
    assert_eq!(e.trim_end().lines().count(), 1, "one line: {e}");
    // Every name is answered for in one run: the group's and the member's failure both.
    let both = check(
        &server,
        "diagnosed",
        &["--group", "Nope", "--member", "nobody@contoso.com"],
    )
    .await;
    let e = stderr(&both);
    assert_eq!(both.status.code(), Some(2), "{e}");
    let lines: Vec<&str> = e.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(lines[0].contains("--group: no group named \"Nope\""), "{e}");
    assert!(
        lines[1].contains("--member: no user, group, device, service principal or contact named \"nobody@contoso.com\" was found"),
        "{e}"
    );
    // A name echoed in a message shows its control characters, never obeys them.
    let evil = check(
        &server,
        "diagnosed",
        &["--group", "\x1b[2J\x1b]52;c;ZXZpbA==\x07", "--member", BEN],
    )
    .await;
    let e = stderr(&evil);
    assert_eq!(evil.status.code(), Some(2), "{e}");
    assert!(e.contains("no group named \"␛[2J␛]52;c;ZXZpbA==␇\""), "{e}");
    assert!(!e.contains('\x1b') && !e.contains('\x07'), "{e:?}");
    let near = check(&server, "diagnosed", &["--group", "Engin", "--member", BEN]).await;
    let e = stderr(&near);
    assert_eq!(near.status.code(), Some(2), "{e}");
    assert!(
        e.contains(&format!("did you mean: group Engineering ({ENGINEERING})?")),
        "{e}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_refused_read_names_the_permission_and_the_reader_token_resolves() {
    let server = serve("missing-permission-user-read").await;
    let out = check(
        &server,
        "diagnosed",
        &["--group", "Engineering", "--member", BEN],
    )
    .await;
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains("groups: 403 Authorization_RequestDenied (needs GroupMember.Read.All)"),
        "{e}"
    );
    // The reader token (Directory.Read.All) is the one names are read with when given.
    let reader = tmp("reader", server.token("reader").expect("reader").expose());
    let out = check(
        &server,
        "diagnosed",
        &[
            "--group",
            "Engineering",
            "--member",
            BEN,
            "--reader-token-file",
            reader.to_str().expect("utf-8"),
            "--format",
            "json",
        ],
    )
    .await;
    let _ = std::fs::remove_file(&reader);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(normalised(&out)["operation"]["group"], ENGINEERING);
    server.shutdown().await;
}

#[tokio::test]
async fn a_plan_takes_names_each_resolved_once_and_flags_the_rows_it_cannot_resolve() {
    let server = serve("healthy-app").await;
    let plan = tmp(
        "plan.csv",
        &format!(
            "operation,target,member\n\
             add-group-member,Engineering,ben@contoso.com\n\
             add-group-member,{ENGINEERING},{BEN}\n\
             add-group-member,engineering,Ben Member\n\
             add-group-member,Marketing,{BEN}\n\
             add-group-member,Engineering,nobody@contoso.com\n"
        ),
    );
    let out = check(
        &server,
        "diagnosed",
        &["--plan", plan.to_str().expect("utf-8"), "--format", "json"],
    )
    .await;
    let _ = std::fs::remove_file(&plan);
    let e = stderr(&out);
    // Rows 4 and 5 could not be diagnosed (inconclusive), the others passed: exit 3.
    assert_eq!(out.status.code(), Some(3), "{e}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let rows = v["rows"].as_array().expect("rows");
    for r in &rows[..3] {
        assert_eq!(r["verdict"], "pass", "{r}");
        assert_eq!(r["operation"]["group"], ENGINEERING);
        assert_eq!(r["operation"]["member"], BEN);
        assert!(r.get("input_error").is_none());
    }
    assert_eq!(rows[3]["verdict"], "inconclusive");
    assert_eq!(rows[3]["cause"], "input");
    let why = rows[3]["input_error"].as_str().expect("input_error");
    assert!(
        why.contains(MARKETING_EMEA) && why.contains(MARKETING_US),
        "{why}"
    );
    assert_eq!(rows[3]["fix"], why);
    let why = rows[4]["input_error"].as_str().expect("input_error");
    assert!(
        why.starts_with("member: no user, group, device, service principal or contact named \"nobody@contoso.com\""),
        "{why}"
    );
    // Distinct names: Engineering, engineering, Marketing (targets: 1 request each) and
    // ben@contoso.com, Ben Member, nobody@contoso.com (members: 5 collections each).
    assert_eq!(v["requests"]["names"], 3 + 3 * 5);
    server.shutdown().await;
}
