//! `graph-doctor explain` end to end: every corpus entry classified as its root cause allows
//! (table-driven), the real binary driven through files and standard input, and the parsers
//! fuzzed with proptest.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use graph_doctor::explain;
use graph_doctor::report::{CheckId, Report, Status};
use proptest::prelude::*;
use serde_json::Value;

const CORPUS: &str = include_str!("data/graph-errors.json");

fn corpus() -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(CORPUS).expect("corpus parses")
}

fn reason(status: u64) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "",
    }
}

/// The entry as an operator would paste it: raw HTTP when the status or headers are known,
/// else the body alone.
fn as_pasted(entry: &Value, body_field: &str) -> String {
    let body = entry[body_field].as_str().unwrap_or_default();
    let status = entry["status"].as_u64();
    let headers = entry["headers"].as_object();
    if status.is_none() && headers.is_none() {
        return body.to_string();
    }
    let mut s = match status {
        Some(st) => format!("HTTP/1.1 {st} {}\r\n", reason(st)),
        None => "HTTP/1.1 000\r\n".into(),
    };
    if let Some(h) = headers {
        for (k, v) in h {
            s.push_str(&format!("{k}: {}\r\n", v.as_str().unwrap_or_default()));
        }
    }
    s.push_str("\r\n");
    s.push_str(body);
    s
}

/// The corpus README's label → check table.
fn label_checks(label: &str) -> Option<&'static [&'static str]> {
    Some(match label {
        "malformed_token" => &["token.format"],
        "personal_account" => &["token.account"],
        "wrong_audience" => &["token.audience"],
        "expired_token" => &["token.lifetime"],
        "ca_claims_challenge" => &["ca.claims"],
        "exchange_ews_policy" => &["exchange.policy"],
        "wrong_flow_type" => &["auth.flow"],
        "no_consent" => &["auth.consent"],
        "missing_scope" => &["auth.permission"],
        "not_found" => &["group.exists", "member.object"],
        "unsupported_group_type" => &["group.type"],
        "dynamic_group" => &["group.dynamic"],
        "onprem_synced" => &["group.synced"],
        "role_assignable" => &["group.role_assignable"],
        "already_member" => &["member.duplicate"],
        "admin_unit_permission" => &["au.target", "auth.permission", "user.role"],
        "missing_directory_role" => &["user.role"],
        "not_licensed" => &["license.user", "license.tenant"],
        "throttled" | "other" => &[],
        _ => return None,
    })
}

/// The report's notes as the JSON contract writes them (`Value::Null` without notes).
fn notes_json(r: &Report) -> Value {
    serde_json::to_value(&r.notes).expect("notes serialise")
}

fn candidates(r: &Report) -> BTreeSet<String> {
    notes_json(r)["candidates"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["check"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// How a report may classify an entry with this label: decided (every failing check is one the
/// label names), or ambiguous (nothing fails and a labelled check is among the candidates).
/// `other` and `throttled` must fail nothing; `throttled` must say it is transient.
fn verdict_for(entry: &Value, r: &Report) -> Result<&'static str, String> {
    let label = entry["root_cause"].as_str().unwrap_or_default();
    let allowed = label_checks(label).ok_or_else(|| format!("unknown label {label}"))?;
    let failing: Vec<&str> = r.failing().iter().map(|c| c.as_str()).collect();
    let cands = candidates(r);
    assert_eq!(r.checks.len(), 24);
    if allowed.is_empty() {
        if !failing.is_empty() {
            return Err(format!(
                "{label}: expected no failing check, got {failing:?}"
            ));
        }
        if label == "throttled" && notes_json(r).get("transient").is_none() {
            return Err("throttled: no transient note".into());
        }
        return Ok("no failure");
    }
    if !failing.is_empty() {
        return if failing.iter().all(|f| allowed.contains(f)) {
            Ok("decided")
        } else {
            Err(format!("{label}: failing {failing:?}, allowed {allowed:?}"))
        };
    }
    if allowed.iter().any(|a| cands.contains(*a)) {
        Ok("ambiguous")
    } else {
        Err(format!(
            "{label}: nothing failed and candidates {cands:?} miss {allowed:?}"
        ))
    }
}

#[test]
fn every_corpus_entry_is_classified_as_its_root_cause_allows() {
    let mut errors = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    for entry in corpus() {
        let id = entry["id"].as_str().unwrap_or_default().to_string();
        let mut variants = vec![("raw", as_pasted(&entry, "body"))];
        let body = entry["body"].as_str().unwrap_or_default();
        if !body.trim().is_empty() {
            variants.push(("body", body.to_string()));
        }
        if let Some(n) = entry["body_normalized"].as_str() {
            variants.push(("normalized", n.to_string()));
        }
        for (how, text) in variants {
            let r = explain::explain(&explain::parse(&text));
            match verdict_for(&entry, &r) {
                Ok(kind) => {
                    if how == "raw" {
                        *counts.entry(kind).or_insert(0) += 1;
                    }
                }
                Err(e) => errors.push(format!("{id} ({how}): {e}")),
            }
        }
    }
    assert!(
        errors.is_empty(),
        "{} misclassified:\n{}",
        errors.len(),
        errors.join("\n")
    );
    eprintln!("corpus: {counts:?}");
}

/// Decisive responses must be decided, not merely listed: the failing check for each.
#[test]
fn decisive_entries_decide_their_check() {
    let expect = [
        ("compacttoken-typo-msal-python355", "token.format"),
        ("compacttoken-sharepoint-delta-onedrive1525", "token.format"),
        ("cae-claims-challenge-js932", "ca.claims"),
        ("cae-claimschallengerequired-app-only-java2215", "ca.claims"),
        ("create-mail-enabled-group-contrib8276", "group.type"),
        ("onprem-synced-employeeorgdata-docs18038", "group.synced"),
        ("onprem-synced-extattr-adowiki-scenarioA", "group.synced"),
        ("exo-dualwrite-onprem-qna1616475", "group.synced"),
        ("already-exists-owners-pnpframework139", "member.duplicate"),
        ("duplicate-in-odatabind-contoso1", "member.duplicate"),
        ("aadsts50079-mfa-enroll-adal-node151", "ca.claims"),
        ("aadsts50076-obo-msaljs5491", "ca.claims"),
        ("aadsts50076-adal4j247", "ca.claims"),
        (
            "aadsts65001-default-scopes-oauth2microsoft31",
            "auth.consent",
        ),
        ("raop-apponly-policy-readme-20323168313", "exchange.policy"),
        ("raop-rbac-for-apps-notes-68831726781", "exchange.policy"),
        ("me-with-app-token-php1163", "auth.flow"),
        ("msa-memberof-404-graphexplorer1134", "token.account"),
        ("spo-license-badrequest-onemanager6", "license.tenant"),
    ];
    let entries = corpus();
    for (id, check) in expect {
        let entry = entries
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in corpus"));
        let r = explain::explain(&explain::parse(&as_pasted(entry, "body")));
        assert_eq!(
            r.primary_cause.map(|c| c.as_str()),
            Some(check),
            "{id}: {:?}",
            r.notes
        );
    }
}

#[test]
fn ambiguous_bodies_name_candidates_and_the_live_command() {
    let entries = corpus();
    let entry = entries
        .iter()
        .find(|e| e["id"] == "aad-role-assignable-add-member-docs14730")
        .expect("entry");
    let r = explain::explain(&explain::parse(&as_pasted(entry, "body")));
    assert!(r.failing().is_empty());
    let notes = notes_json(&r);
    assert_eq!(
        notes["support"]["request-id"],
        "020d2e6d-66ef-4641-b870-0d9236e05f64"
    );
    assert_eq!(
        notes["support"]["client-request-id"],
        "020d2e6d-66ef-4641-b870-0d9236e05f64"
    );
    assert_eq!(notes["support"]["date"], "2021-10-25T15:30:49");
    assert!(candidates(&r).len() >= 8);
    assert!(notes["next_command"]
        .as_str()
        .is_some_and(|c| c.contains("--operation add-group-member")));
    // The token was accepted: a 403 Authorization_RequestDenied comes after authentication.
    assert_eq!(
        r.check(CheckId::TokenFormat).map(|c| c.status),
        Some(Status::Pass)
    );
}

#[test]
fn claims_challenge_is_decoded_with_its_demands() {
    let entries = corpus();
    let entry = entries
        .iter()
        .find(|e| e["id"] == "cae-claims-challenge-js932")
        .expect("entry");
    let r = explain::explain(&explain::parse(&as_pasted(entry, "body")));
    let c = r.check(CheckId::CaClaims).expect("ca.claims");
    assert_eq!(c.status, Status::Fail);
    assert_eq!(
        c.evidence[0].facts["claims"]["access_token"]["nbf"]["value"],
        "1604106651"
    );
    assert_eq!(
        c.evidence[0].facts["www-authenticate"]["authorization_uri"],
        "https://login.windows.net/common/oauth2/authorize"
    );
    assert!(
        c.summary.contains("continuous access evaluation"),
        "{}",
        c.summary
    );
}

#[test]
fn wording_variants_not_in_the_corpus() {
    let cases = [
        (r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#, "token.lifetime"),
        (r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}"#, "token.lifetime"),
        (r#"{"error":{"code":"InvalidAuthenticationToken","message":"IDX14100: JWT is not well formed, there are no dots (.)."}}"#, "token.format"),
        (r#"{"error":{"code":"InvalidAuthenticationToken","message":"IDX12741: JWT: '[PII of type 'System.String' is hidden]' must have three segments (JWS) or five segments (JWE)."}}"#, "token.format"),
        (r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure. Invalid audience."}}"#, "token.audience"),
        (r#"{"error":{"code":"ErrorAccessDenied","message":"Access to OData is disabled."}}"#, "exchange.policy"),
        (r#"{"error":{"code":"Request_BadRequest","message":"Cannot Update a mail-enabled security groups and or distribution list."}}"#, "group.type"),
        (r#"{"error":{"code":"Request_BadRequest","message":"One or more added object references already exist for the following modified properties: 'members'."}}"#, "member.duplicate"),
        ("HTTP/1.1 400 Bad Request\n\n{\"error\":{\"code\":\"Request_BadRequest\",\"message\":\"Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.\"}}", "group.synced"),
        (r#"{"error":"invalid_grant","error_description":"AADSTS50020: User account 'x@outlook.com' from identity provider 'live.com' does not exist in tenant 'Contoso'."}"#, "token.account"),
        (r#"{"error":"interaction_required","error_description":"AADSTS53003: Access has been blocked by Conditional Access policies.","error_codes":[53003]}"#, "ca.claims"),
        ("Status: 401 (Unauthorized)\nErrorCode: InvalidAuthenticationToken\nMessage: Lifetime validation failed, the token is expired.", "token.lifetime"),
        ("POST https://graph.microsoft.com/v1.0/groups/11111111-2222-3333-4444-555555555555/members/$ref\n\nHTTP/1.1 400 Bad Request\n\n{\"error\":{\"code\":\"Request_BadRequest\",\"message\":\"Unable to update the specified properties for objects that have originated within an external service.\"}}", "group.type"),
    ];
    for (text, check) in cases {
        let r = explain::explain(&explain::parse(text));
        assert_eq!(
            r.primary_cause.map(|c| c.as_str()),
            Some(check),
            "{text}: {:?}",
            r.notes
        );
    }
}

const EXTRA: &str = include_str!("data/explain-extra/real-errors.json");

/// Checks one expectation of `tests/data/explain-extra/real-errors.json` (see its README).
fn extra_expectation(entry: &Value, r: &Report) -> Vec<String> {
    let exp = &entry["expected"];
    let notes = notes_json(r);
    let failing: Vec<&str> = r.failing().iter().map(|c| c.as_str()).collect();
    let cands = candidates(r);
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut errs = Vec::new();
    if let Some(allowed) = exp.get("fail") {
        let allowed = names(allowed);
        let primary = r.primary_cause.map(|c| c.as_str().to_string());
        if !primary.as_ref().is_some_and(|p| allowed.contains(p)) {
            errs.push(format!("primary {primary:?}, expected one of {allowed:?}"));
        }
    }
    if let Some(want) = exp.get("candidates") {
        if !failing.is_empty() {
            errs.push(format!("ambiguous response decided {failing:?}"));
        }
        for c in names(want) {
            if !cands.contains(&c) {
                errs.push(format!("candidate {c} missing from {cands:?}"));
            }
        }
    }
    if let Some(want) = exp.get("candidates_also") {
        for c in names(want) {
            if !cands.contains(&c) {
                errs.push(format!(
                    "candidate {c} missing next to the decision: {cands:?}"
                ));
            }
        }
    }
    if exp["no_failure"] == true && !failing.is_empty() {
        errs.push(format!("expected no failing check, got {failing:?}"));
    }
    let resp = &notes["response"];
    for key in ["status", "code", "channel", "form", "message"] {
        if let Some(v) = exp.get(key) {
            if &resp[key] != v {
                errs.push(format!("response.{key} = {}, expected {v}", resp[key]));
            }
        }
    }
    if let Some(ids) = exp.get("support").and_then(Value::as_object) {
        for (k, v) in ids {
            if &notes["support"][k] != v {
                errs.push(format!(
                    "support.{k} = {}, expected {v}",
                    notes["support"][k]
                ));
            }
        }
    }
    if let Some(code) = exp.get("aadsts") {
        let known = notes["aadsts"]
            .as_array()
            .is_some_and(|a| a.iter().any(|row| &row["code"] == code));
        if !known {
            errs.push(format!(
                "AADSTS{code} not explained from the table: {}",
                notes["aadsts"]
            ));
        }
    }
    if let Some(rule) = exp.get("rule") {
        let hit = notes["rules"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == rule));
        if !hit {
            errs.push(format!("rule {rule} did not match: {}", notes["rules"]));
        }
    }
    if let Some(op) = exp.get("operation").and_then(Value::as_str) {
        if r.operation.kind.as_str() != op {
            errs.push(format!(
                "operation {}, expected {op}",
                r.operation.kind.as_str()
            ));
        }
    }
    if exp["claims_decoded"] == true && notes["claims_challenge"]["claims"].is_null() {
        errs.push("claims not decoded".into());
    }
    if exp["token_accepted"] == true
        && r.check(CheckId::TokenLifetime).map(|c| c.status) != Some(Status::Pass)
    {
        errs.push("a post-authentication answer should pass token.lifetime".into());
    }
    errs
}

/// Real responses collected after the corpus (tests/data/explain-extra/README.md): each as
/// posted, each with the check that must fail or the candidates that must be listed.
#[test]
fn unseen_real_responses_are_classified() {
    let entries: Vec<Value> = serde_json::from_str(EXTRA).expect("extra fixtures parse");
    assert!(entries.len() >= 25, "{} fixtures", entries.len());
    let mut ids = BTreeSet::new();
    let mut errors = Vec::new();
    for entry in &entries {
        let id = entry["id"].as_str().unwrap_or_default();
        assert!(ids.insert(id.to_string()), "duplicate fixture id {id}");
        assert!(
            entry["source"].as_str().is_some_and(|s| !s.is_empty()),
            "{id} cites no source"
        );
        let mut variants = vec![("raw", as_pasted(entry, "body"))];
        if entry["status"].is_number() || entry["headers"].is_object() {
            variants.push((
                "body",
                entry["body"].as_str().unwrap_or_default().to_string(),
            ));
        }
        let body = entry["body"].as_str().unwrap_or_default();
        // The same body as a logger writes it: CRLF line ends, or escaped inside a JSON string.
        variants.push(("crlf", body.replace('\n', "\r\n")));
        variants.push((
            "escaped",
            serde_json::to_string(body).expect("a string serialises"),
        ));
        for (how, text) in variants {
            let r = explain::explain(&explain::parse(&text));
            assert_eq!(r.checks.len(), 24);
            let errs = extra_expectation(entry, &r);
            if how == "crlf" || how == "escaped" {
                // Only the classification must survive the re-encoding.
                let errs: Vec<_> = errs
                    .into_iter()
                    .filter(|e| {
                        e.starts_with("primary")
                            || e.starts_with("candidate")
                            || e.starts_with("ambiguous")
                            || e.starts_with("expected no failing")
                    })
                    .collect();
                errors.extend(errs.into_iter().map(|e| format!("{id} ({how}): {e}")));
            } else if how == "body" {
                // Without the status line only the classification must hold.
                let errs: Vec<_> = errs
                    .into_iter()
                    .filter(|e| !e.starts_with("response.status") && !e.contains("token.lifetime"))
                    .collect();
                errors.extend(errs.into_iter().map(|e| format!("{id} ({how}): {e}")));
            } else {
                errors.extend(errs.into_iter().map(|e| format!("{id} ({how}): {e}")));
            }
        }
    }
    assert!(
        errors.is_empty(),
        "{} expectations failed:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// Wordings the brief lists for which no public thread says what they mean, and localized
/// messages: they must name candidates, never decide.
#[test]
fn undocumented_and_localized_wordings_stay_ambiguous() {
    let cases: [(&str, &[&str]); 4] = [
        (
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"CompactToken validation failed with reason code: 80049228."}}"#,
            &["token.lifetime", "ca.claims"],
        ),
        (
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"Signing key is invalid."}}"#,
            &["token.audience", "token.format"],
        ),
        (
            r#"{"odata.error":{"code":"Request_BadRequest","message":{"lang":"de","value":"Ein oder mehrere hinzugefügte Objektverweise sind bereits vorhanden."}}}"#,
            &["member.duplicate", "group.type"],
        ),
        (
            "ERROR: INSUFFICIENT PRIVILEGES TO COMPLETE THE\r\nOPERATION.",
            &["auth.permission", "user.role"],
        ),
    ];
    for (text, want) in cases {
        let r = explain::explain(&explain::parse(text));
        assert!(r.failing().is_empty(), "{text}: decided {:?}", r.failing());
        let c = candidates(&r);
        for w in want {
            assert!(c.contains(*w), "{text}: {w} not in {c:?}");
        }
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
}

fn run_file(content: &str, name: &str) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("graph-doctor-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    let out = bin()
        .args(["explain", "--format", "json"])
        .arg(&path)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run_stdin(content: &str, args: &[&str]) -> (i32, String, String) {
    let mut child = bin()
        .arg("explain")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(content.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("waits");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn binary_explains_files_with_the_contract_exit_codes() {
    let entries = corpus();
    let pasted = |id: &str| {
        as_pasted(
            entries.iter().find(|e| e["id"] == id).expect("entry"),
            "body",
        )
    };
    // Decided failure: exit 1, primary cause set.
    let (code, out, _) = run_file(&pasted("compacttoken-typo-msal-python355"), "compact.txt");
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["schema"], "graph-doctor/report/v1");
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["primary_cause"], "token.format");
    assert_eq!(v["checks"].as_array().map(Vec::len), Some(24));
    assert_eq!(
        v["notes"]["support"]["request-id"],
        "2b550b0f-bb49-4163-9e71-30fc57a28a19"
    );

    // Ambiguous: exit 3, nothing fails, candidates listed.
    let (code, out, _) = run_file(&pasted("role-assignable-create-terraform657"), "tf.txt");
    assert_eq!(code, 3);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["verdict"], "inconclusive");
    assert!(v["primary_cause"].is_null());
    assert!(v["notes"]["candidates"]
        .as_array()
        .is_some_and(|a| a.iter().any(|c| c["check"] == "group.role_assignable")));

    // Throttled: inconclusive, transient note.
    let (code, out, _) = run_file(&pasted("throttle-docs-sample"), "429.txt");
    assert_eq!(code, 3);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert!(v["notes"]["transient"]
        .as_str()
        .is_some_and(|t| t.contains("Retry-After: 10")));

    // Every check id in catalogue order.
    let ids: Vec<String> = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect();
    let expected: Vec<String> = CheckId::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(ids, expected);
}

#[test]
fn binary_reads_standard_input_and_renders_every_format() {
    let body = r#"{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application with ID 'x'.","error_codes":[65001],"suberror":"consent_required","trace_id":"t-1","correlation_id":"c-1"}"#;
    let (code, out, _) = run_stdin(body, &["--format", "json", "-"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["primary_cause"], "auth.consent");
    assert_eq!(v["notes"]["support"]["correlation-id"], "c-1");

    let (code, out, _) = run_stdin(body, &["--format", "markdown"]);
    assert_eq!(code, 1);
    assert!(out.contains("auth.consent") && out.contains('|'), "{out}");

    let (code, out, _) = run_stdin(body, &["--format", "text"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("auth.consent") && !out.contains("\u{1b}["),
        "{out}"
    );
}

#[test]
fn binary_refuses_empty_input_and_missing_files() {
    let (code, out, err) = run_stdin("  \n", &["--format", "json"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("empty"), "{err}");
    let (code, out, _) = run_file("", "empty.txt");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let out = bin()
        .args([
            "explain",
            "--format",
            "json",
            "/nonexistent/graph-doctor/error.txt",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn reports_never_carry_a_token() {
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLndpbmRvd3MubmV0In0.c2lnbmF0dXJlc2lnbmF0dXJl";
    let text = format!("POST https://graph.microsoft.com/v1.0/groups/11111111-2222-3333-4444-555555555555/members/$ref\nAuthorization: Bearer {token}\n\nHTTP/1.1 401 Unauthorized\n\n{{\"error\":{{\"code\":\"InvalidAuthenticationToken\",\"message\":\"IDX12741: JWT: '{token}' must have three segments (JWS) or five segments (JWE).\"}}}}");
    let r = explain::explain(&explain::parse(&text));
    for out in [
        graph_doctor::report::json::render(&r),
        graph_doctor::report::text::render(&r, true),
        graph_doctor::report::markdown::render(&r),
    ] {
        assert!(!out.contains("c2lnbmF0dXJl"), "token leaked:\n{out}");
    }
    // A credential in the pasted request URL's query string never reaches the evidence either.
    let text = format!("POST https://graph.microsoft.com/v1.0/groups/11111111-2222-3333-4444-555555555555/members/$ref?access_token={token}\n\nHTTP/1.1 403 Forbidden\n\n{{\"error\":{{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}}}");
    let r = explain::explain(&explain::parse(&text));
    let evidence = serde_json::to_string(&r.checks).expect("serializes");
    assert!(
        !evidence.contains("c2lnbmF0dXJl"),
        "token in evidence:\n{evidence}"
    );
    for out in [
        graph_doctor::report::json::render(&r),
        graph_doctor::report::text::render(&r, false),
        graph_doctor::report::markdown::render(&r),
    ] {
        assert!(!out.contains("c2lnbmF0dXJl"), "token leaked:\n{out}");
    }
}

const FRAGMENTS: [&str; 40] = [
    "HTTP/1.1 403 Forbidden\n",
    "HTTP 401; Unauthorized\n",
    "< HTTP/2 404\n",
    "\n\n",
    "\n",
    " ",
    "\r\n",
    "WWW-Authenticate: Bearer ",
    "www-authenticate =Bearer ",
    "error=\"insufficient_claims\", ",
    "claims=\"",
    "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=",
    "\"",
    "'",
    "{\"error\":{\"code\":\"",
    "Authorization_RequestDenied",
    "\",\"message\":\"",
    "}}",
    "{",
    "}",
    "[",
    "]",
    "request-id: ",
    "client-request-id",
    "Date: ",
    "Fri, 31 May 2024 11:39:21 GMT",
    "2021-10-25T15:30:49",
    "POST https://graph.microsoft.com/v1.0/groups/",
    "5f1c2a7e-0b7d-4d3a-9a53-0c8e2f6b1a11",
    "/members/$ref",
    "\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/",
    "AADSTS50076",
    "{\"error\":\"interaction_required\",\"error_description\":\"",
    "Status: 403 (Forbidden)",
    "ErrorCode: ",
    "\\\"",
    "İé€😀",
    "Resource '",
    "' does not exist",
    "odata.error",
];

fn assert_well_formed(r: &Report) {
    assert_eq!(r.checks.len(), 24);
    for (c, id) in r.checks.iter().zip(CheckId::ALL) {
        assert_eq!(c.id, id);
    }
    assert_eq!(r.primary_cause, r.failing().first().copied());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,400}") {
        let o = explain::parse(&s);
        let _ = explain::findings(&o);
        assert_well_formed(&explain::explain(&o));
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = String::from_utf8_lossy(&b);
        let r = explain::explain(&explain::parse(&s));
        assert_well_formed(&r);
        let _ = graph_doctor::report::text::render(&r, true);
        let _ = graph_doctor::report::markdown::render(&r);
    }

    #[test]
    fn http_shaped_input_never_panics(
        status in 100u16..600,
        header in "[A-Za-z-]{1,20}",
        value in "\\PC{0,80}",
        body in "[{}\\[\\]\":,a-zA-Z0-9_ \\\\\n=-]{0,200}",
    ) {
        let s = format!("HTTP/1.1 {status} X\r\n{header}: {value}\r\nWWW-Authenticate: Bearer {value}\r\n\r\n{body}");
        assert_well_formed(&explain::explain(&explain::parse(&s)));
    }

    #[test]
    fn mutated_corpus_entries_never_panic(idx in 0usize..48, cut in 0usize..2000, insert in "\\PC{0,12}", dup in 0usize..3) {
        let entries = corpus();
        let entry = &entries[idx % entries.len()];
        let text = as_pasted(entry, "body");
        let mut at = cut.min(text.len());
        while !text.is_char_boundary(at) { at -= 1; }
        let mutated = format!("{}{}{}", &text[..at], insert, text[at..].repeat(dup + 1));
        let r = explain::explain(&explain::parse(&mutated));
        assert_well_formed(&r);
        let truncated = &text[..at];
        assert_well_formed(&explain::explain(&explain::parse(truncated)));
    }

    /// Sequences of the fragments the parsers look for, glued in any order, reach the deep paths
    /// (headers, challenges, ids, request lines, JSON envelopes) that random text rarely does.
    #[test]
    fn fragment_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS.to_vec()), 0..40)) {
        let s = parts.concat();
        let r = explain::explain(&explain::parse(&s));
        assert_well_formed(&r);
        let _ = graph_doctor::report::markdown::render(&r);
    }

    #[test]
    fn www_authenticate_parser_never_panics(s in "\\PC{0,200}") {
        let _ = graph_doctor::auth::challenge::parse_www_authenticate(&s);
        let _ = graph_doctor::auth::challenge::decode_claims(&s);
    }
}

/// Shapes operators paste that the corpus lacks: what each must yield (status, code, request-id,
/// and the decided check or a candidate).
#[test]
fn sdk_and_cli_renderings_not_in_the_corpus() {
    struct Case {
        text: &'static str,
        status: Option<u64>,
        code: Option<&'static str>,
        request_id: Option<&'static str>,
        fails: Option<&'static str>,
        candidate: Option<&'static str>,
    }
    let cases = [
        // curl -v
        Case {
            text: "* Connected to graph.microsoft.com\n> POST /v1.0/groups/5f1c2a7e-0b7d-4d3a-9a53-0c8e2f6b1a11/members/$ref HTTP/2\n> Host: graph.microsoft.com\n> authorization: Bearer eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln\n>\n< HTTP/2 403\n< content-type: application/json\n< request-id: 11111111-aaaa-bbbb-cccc-222222222222\n< date: Mon, 06 Nov 2023 10:00:00 GMT\n<\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}",
            status: Some(403),
            code: Some("Authorization_RequestDenied"),
            request_id: Some("11111111-aaaa-bbbb-cccc-222222222222"),
            fails: None,
            candidate: Some("group.role_assignable"),
        },
        // Microsoft Graph PowerShell v2, multi-line with a Headers table
        Case {
            text: "New-MgGroupMember_CreateExpanded: Insufficient privileges to complete the operation.\n\nStatus: 403 (Forbidden)\nErrorCode: Authorization_RequestDenied\nDate: 2023-11-06T10:00:00\n\nHeaders:\nCache-Control                 : no-cache\nrequest-id                    : 6a0e1f2a-0000-4000-8000-000000000001\nclient-request-id             : 9f3b1f2a-0000-4000-8000-000000000002\n",
            status: Some(403),
            code: Some("Authorization_RequestDenied"),
            request_id: Some("6a0e1f2a-0000-4000-8000-000000000001"),
            fails: None,
            candidate: Some("user.role"),
        },
        // Python msgraph-sdk ODataError repr
        Case {
            text: "msgraph.generated.models.o_data_errors.o_data_error.ODataError:\n        APIError\n        Code: 403\n        message: None\n        error: MainError(additional_data={}, code='Authorization_RequestDenied', details=None, inner_error=InnerError(additional_data={}, client_request_id='c1c1c1c1-0000-4000-8000-000000000003', date=DateTime(2024, 1, 1), odata_type=None, request_id='r1r1r1r1-0000-4000-8000-000000000004'), message='Insufficient privileges to complete the operation.', target=None)",
            status: Some(403),
            code: Some("Authorization_RequestDenied"),
            request_id: Some("r1r1r1r1-0000-4000-8000-000000000004"),
            fails: None,
            candidate: Some("auth.permission"),
        },
        // Java SDK GraphServiceException
        Case {
            text: "com.microsoft.graph.http.GraphServiceException: Error code: Request_BadRequest\nError message: One or more added object references already exist for the following modified properties: 'members'.\n\nPOST https://graph.microsoft.com/v1.0/groups/5f1c2a7e-0b7d-4d3a-9a53-0c8e2f6b1a11/members/$ref\nSdkVersion : graph-java/v5.80.0\n\n400 : Bad Request\n[...]",
            status: Some(400),
            code: Some("Request_BadRequest"),
            request_id: None,
            fails: Some("member.duplicate"),
            candidate: None,
        },
        // Azure CLI az rest
        Case {
            text: "ERROR: Forbidden({\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\",\"innerError\":{\"date\":\"2024-03-01T10:00:00\",\"request-id\":\"a0a0a0a0-0000-4000-8000-000000000005\",\"client-request-id\":\"b0b0b0b0-0000-4000-8000-000000000006\"}}})",
            status: Some(403),
            code: Some("Authorization_RequestDenied"),
            request_id: Some("a0a0a0a0-0000-4000-8000-000000000005"),
            fails: None,
            candidate: Some("auth.consent"),
        },
        // Legacy Azure AD Graph with requestId inside odata.error
        Case {
            text: "{\"odata.error\":{\"code\":\"Request_BadRequest\",\"message\":{\"lang\":\"en\",\"value\":\"Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.\"},\"requestId\":\"d0d0d0d0-0000-4000-8000-000000000007\",\"date\":\"2019-05-01T10:00:00\"}}",
            status: Some(400),
            code: Some("Request_BadRequest"),
            request_id: Some("d0d0d0d0-0000-4000-8000-000000000007"),
            fails: Some("group.synced"),
            candidate: None,
        },
        // Graph's CAE rejection in the body
        Case {
            text: "HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\", error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=\"\n\n{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":\"Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp\"}}",
            status: Some(401),
            code: Some("InvalidAuthenticationToken"),
            request_id: None,
            fails: Some("ca.claims"),
            candidate: None,
        },
        // An ordinary 401 with a WWW-Authenticate that is not a challenge
        Case {
            text: "HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"\nrequest-id: e0e0e0e0-0000-4000-8000-000000000008\n\n{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":\"Access token has expired or is not yet valid.\"}}",
            status: Some(401),
            code: Some("InvalidAuthenticationToken"),
            request_id: Some("e0e0e0e0-0000-4000-8000-000000000008"),
            fails: Some("token.lifetime"),
            candidate: None,
        },
        // 404 for the group named in the URL
        Case {
            text: "POST https://graph.microsoft.com/v1.0/groups/5f1c2a7e-0b7d-4d3a-9a53-0c8e2f6b1a11/members/$ref\n\nHTTP/1.1 404 Not Found\n\n{\"error\":{\"code\":\"Request_ResourceNotFound\",\"message\":\"Resource '5f1c2a7e-0b7d-4d3a-9a53-0c8e2f6b1a11' does not exist or one of its queried reference-property objects are not present.\"}}",
            status: Some(404),
            code: Some("Request_ResourceNotFound"),
            request_id: None,
            fails: Some("group.exists"),
            candidate: None,
        },
        // An SDK that hid everything but the status
        Case {
            text: "Request failed with status code 403",
            status: Some(403),
            code: None,
            request_id: None,
            fails: None,
            candidate: Some("auth.permission"),
        },
        // The legacy AzureAD PowerShell module
        Case {
            text: "Add-AzureADGroupMember : Error occurred while executing AddGroupMember\nCode: Authorization_RequestDenied\nMessage: Insufficient privileges to complete the operation.\nRequestId: 7e2c1f2a-0000-4000-8000-00000000000a\nDateTimeStamp: Mon, 06 Nov 2023 10:00:00 GMT\nHttpStatusCode: Forbidden\nHttpStatusDescription: Forbidden\nHttpResponseStatus: Completed",
            status: Some(403),
            code: Some("Authorization_RequestDenied"),
            request_id: Some("7e2c1f2a-0000-4000-8000-00000000000a"),
            fails: None,
            candidate: Some("user.role"),
        },
        // Invoke-MgGraphRequest prints the request, then the raw response without a blank line
        Case {
            text: "Invoke-MgGraphRequest: POST https://graph.microsoft.com/v1.0/groups/5f1c2a7e-0b7d-4d3a-9a53-0c8e2f6b1a11/members/$ref\nHTTP/1.1 400 Bad Request\nrequest-id: 3c3c3c3c-0000-4000-8000-00000000000b\nContent-Type: application/json\n{\"error\":{\"code\":\"Request_BadRequest\",\"message\":\"Cannot Update a mail-enabled security groups and or distribution list.\"}}",
            status: Some(400),
            code: Some("Request_BadRequest"),
            request_id: Some("3c3c3c3c-0000-4000-8000-00000000000b"),
            fails: Some("group.type"),
            candidate: None,
        },
        // PascalCase envelope from a serializer
        Case {
            text: "{\"Error\":{\"Code\":\"Request_BadRequest\",\"Message\":\"Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.\"}}",
            status: Some(400),
            code: Some("Request_BadRequest"),
            request_id: None,
            fails: Some("group.synced"),
            candidate: None,
        },
        // Fractional Retry-After on a 429
        Case {
            text: "HTTP/1.1 429 Too Many Requests\nRetry-After: 2.128\n\n{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"Too many requests.\"}}",
            status: Some(429),
            code: Some("TooManyRequests"),
            request_id: None,
            fails: None,
            candidate: None,
        },
        // Token endpoint, MSA user into a work tenant
        Case {
            text: "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS90072: User account 'someone@outlook.com' from identity provider 'live.com' does not exist in tenant 'Contoso' and cannot access the application.\",\"error_codes\":[90072]}",
            status: None,
            code: Some("invalid_request"),
            request_id: None,
            fails: Some("token.account"),
            candidate: None,
        },
    ];
    for (i, c) in cases.iter().enumerate() {
        let r = explain::explain(&explain::parse(c.text));
        let notes = notes_json(&r);
        let ctx = format!(
            "case {i}: {}",
            serde_json::to_string_pretty(&notes).unwrap_or_default()
        );
        assert_eq!(notes["response"]["status"].as_u64(), c.status, "{ctx}");
        assert_eq!(notes["response"]["code"].as_str(), c.code, "{ctx}");
        assert_eq!(
            notes["support"]["request-id"].as_str(),
            c.request_id,
            "{ctx}"
        );
        assert_eq!(r.primary_cause.map(|p| p.as_str()), c.fails, "{ctx}");
        if let Some(cand) = c.candidate {
            assert!(candidates(&r).contains(cand), "{ctx}");
        }
        let rendered = graph_doctor::report::text::render(&r, false);
        assert!(!rendered.contains("c2ln"), "token leaked in case {i}");
    }
}

/// The explain report's notes for representative corpus entries, as reviewed snapshots.
#[test]
fn notes_snapshots() {
    let entries = corpus();
    for id in [
        "aad-role-assignable-add-member-docs14730",
        "cae-claims-challenge-js932",
        "aadsts50076-obo-msaljs5491",
        "exchange-mastered-extattr-adowiki-scenarioD",
        "throttle-docs-sample",
    ] {
        let entry = entries.iter().find(|e| e["id"] == id).expect("entry");
        let r = explain::explain(&explain::parse(&as_pasted(entry, "body")));
        let decided: Vec<String> = r
            .checks
            .iter()
            .filter(|c| c.status != Status::Unknown)
            .map(|c| format!("{} {}", c.status.as_str(), c.id))
            .collect();
        let shown = serde_json::json!({"verdict": r.verdict, "primary_cause": r.primary_cause, "decided": decided, "notes": r.notes});
        insta::assert_snapshot!(id, serde_json::to_string_pretty(&shown).expect("json"));
    }
}

/// Hostile shapes at the input cap must not turn a linear scan quadratic (the parsers try
/// every `{`, every method name, every `https://`).
#[test]
fn pathological_inputs_stay_fast() {
    let big = 256 * 1024;
    let shapes = [
        "{".repeat(big),
        "GET ".repeat(big / 4),
        "https://".repeat(big / 8),
        "status ".repeat(big / 7),
        "message='None ".repeat(big / 14),
        "request-id: ".repeat(big / 12),
        "\"code\":\"".repeat(big / 8),
        "HTTP/1.1 403 X\n".repeat(big / 15),
        "a: b\n".repeat(big / 5),
        format!(
            "{{\"error\":{{\"code\":\"x\",\"message\":\"{}\"}}}}",
            "é".repeat(big / 2)
        ),
        "@odata.id".repeat(big / 9),
        "AADSTS".repeat(big / 6),
    ];
    for s in shapes {
        let start = std::time::Instant::now();
        let r = explain::explain(&explain::parse(&s));
        assert_eq!(r.checks.len(), 24);
        let took = start.elapsed();
        eprintln!(
            "{:>8} bytes of {:?}…: {took:?}",
            s.len(),
            s.chars().take(12).collect::<String>()
        );
    }
}

#[test]
fn more_wordings_seen_in_public_reports() {
    let r = explain::explain(&explain::parse("New-MgGroupMember : Nesting is currently not supported for groups that can be assigned to a role."));
    assert_eq!(r.primary_cause, Some(CheckId::MemberObject));
    assert!(candidates(&r).contains("group.role_assignable"));
    let r = explain::explain(&explain::parse("FabricHTTPException: 400 Bad Request for url: https://graph.microsoft.com/v1.0/groups/00346b7f-2db4-4894-a7bf-b1a899a92b64/members/$ref\nError: {\"error\":{\"code\":\"Request_BadRequest\",\"message\":\"An unexpected 'EndOfInput' node was found when reading from the JSON reader. A 'StartObject' node was expected.\",\"innerError\":{\"date\":\"2026-02-17T11:42:29\",\"request-id\":\"baecf420-8bce-44e4-bc45-f899ce969470\",\"client-request-id\":\"baecf420-8bce-44e4-bc45-f899ce969470\"}}}"));
    assert!(r.failing().is_empty());
    assert!(candidates(&r).is_empty());
    let notes = notes_json(&r);
    assert!(notes["interpretation"]
        .as_str()
        .is_some_and(|i| i.contains("request body")));
    assert_eq!(
        r.operation.group.as_deref(),
        Some("00346b7f-2db4-4894-a7bf-b1a899a92b64")
    );
    assert_eq!(
        notes["support"]["request-id"],
        "baecf420-8bce-44e4-bc45-f899ce969470"
    );
    let r = explain::explain(&explain::parse("{\"error\":{\"code\":\"Request_BadRequest\",\"message\":\"Invalid URL format specified in @odata.bind for members\"}}"));
    assert_eq!(r.primary_cause, Some(CheckId::MemberObject));
    let r = explain::explain(&explain::parse("{\"error\":{\"code\":\"Request_BadRequest\",\"message\":\"The requested operation is not permitted for role-assignable groups.\"}}"));
    assert_eq!(r.primary_cause, Some(CheckId::GroupRoleAssignable));
    // Teams-style 403 with a generic body: the status narrows it, nothing is decided.
    let r = explain::explain(&explain::parse("{\"error\":{\"code\":\"Forbidden\",\"message\":\"You do not have permission to perform this operation.\"}}"));
    assert!(r.failing().is_empty());
    assert!(candidates(&r).contains("auth.permission"));
}

/// The binary and the library agree on every corpus entry: same JSON report, and the exit code
/// of its verdict (1 fail, 3 inconclusive).
#[test]
fn binary_matches_the_library_on_every_corpus_entry() {
    for entry in corpus() {
        let text = as_pasted(&entry, "body");
        let id = entry["id"].as_str().unwrap_or_default();
        let (code, out, err) = run_stdin(&text, &["--format", "json"]);
        let r = explain::explain(&explain::parse(&text));
        assert_eq!(code, r.verdict.exit_code(), "{id}: {err}");
        assert!(code == 1 || code == 3, "{id}: exit {code}");
        let mut from_bin: Value = serde_json::from_str(&out).expect("json");
        let mut from_lib = serde_json::to_value(&r).expect("json");
        // The two ran a moment apart: the time they were made at (and the ticket quoting it)
        // may differ by a second; both must carry one.
        for v in [&mut from_bin, &mut from_lib] {
            for key in ["generated_at", "ticket"] {
                let taken = v.as_object_mut().and_then(|o| o.remove(key));
                assert!(taken.is_some_and(|t| t.is_string()), "{id}: no {key}");
            }
        }
        assert_eq!(from_bin, from_lib, "{id}");
    }
}

/// The number of causes the interpretation states ("can come from 10 different causes") is the
/// number of candidates listed, which the wizard's "could be" line shows too (both read
/// `notes.candidates`): CLI and TUI count the same causes for the same paste.
#[test]
fn the_stated_number_of_causes_is_the_number_listed() {
    let mut stated = 0;
    for entry in corpus() {
        let text = as_pasted(&entry, "body");
        let r = explain::explain(&explain::parse(&text));
        let notes = notes_json(&r);
        let interpretation = notes["interpretation"].as_str().unwrap_or_default();
        let Some(n) = interpretation
            .split("can come from ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|w| w.parse::<usize>().ok())
        else {
            continue;
        };
        stated += 1;
        assert_eq!(n, candidates(&r).len(), "{}: {interpretation}", entry["id"]);
    }
    assert!(stated > 0, "some corpus entries state a number of causes");
}
