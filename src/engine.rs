//! The diagnosis engine: gathers evidence from Graph and decides every check of the catalogue.
//!
//! One engine behind every face: `check` prints its [`Report`], the TUI shows [`Progress`] as it
//! arrives, `explain` reuses the report model. Knows nothing of terminals.
//!
//! How it runs:
//! 1. [`token`]: the token is decoded offline and the `token.*` checks decided at once. A token
//!    that fails `token.format`/`account`/`audience`/`lifetime` is never sent (it would only earn a
//!    401); reads then go with the reader token if one was given, and checks that need the
//!    diagnosed token's own authority say `unknown`, naming why.
//! 2. [`gather`]: the evidence reads of docs/interface.md, one `$batch` per token per round; usually
//!    one round trip in all, two with reader retries or refused queries. Each answer is recorded as evidence (request line, status, latency).
//! 3. [`checks`]: one pure `decide` function per check, run as soon as its reads are in.
//! 4. `--error-file` evidence (parsed by [`crate::explain`]) joins the live checks.

pub mod gather;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::auth::Cloud;
use crate::checks::evidence::TokenAnalysis;
use crate::checks::evidence::{self as evidence, Ctx, ReadKey, Via};
use crate::checks::{self, Merge, Schedule};
use crate::graph::GraphClient;
use crate::report::{CheckId, CheckResult, Operation, Report, Status};
use crate::secret::Secret;
use gather::Gathered;

/// Everything one diagnosis needs.
#[derive(Debug, Clone)]
pub struct DiagnoseInput {
    pub operation: Operation,
    /// The token under diagnosis: the one judged.
    pub token: Secret,
    /// Optional stronger token used only for evidence reads the diagnosed token may not make.
    pub reader_token: Option<Secret>,
    /// `--tenant`: tenant id or verified domain the operator expects.
    pub expected_tenant: Option<String>,
    pub cloud: Cloud,
    /// The client, already bound to the cloud's Graph host or an allowed `--graph-url`.
    pub client: GraphClient,
    /// The failing response the operator saw (`--error-file`), parsed by `explain`.
    pub observed: Option<crate::explain::Observed>,
}

/// What the engine reports while it runs (the TUI fills its step list from these).
#[derive(Debug, Clone)]
pub enum Progress {
    /// A check is waiting on its evidence.
    Running(CheckId),
    /// A request finished: `METHOD /path`, its status (None when no answer), its latency.
    Request {
        request: String,
        status: Option<u16>,
        latency_ms: u64,
    },
    /// A check was decided (a later event for the same id replaces an earlier one).
    Decided(CheckResult),
}

/// How much talking a diagnosis took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent (a `$batch` counts once).
    pub http_requests: usize,
    /// Round trips (rounds of requests sent side by side).
    pub round_trips: usize,
    /// Individual reads answered (inside batches or not).
    pub reads: usize,
    /// The overall deadline cut the diagnosis short ([`diagnose_within`]).
    pub deadline_passed: bool,
}

/// The overall deadline of a diagnosis when none is given (`check --deadline`): well past what a
/// healthy Graph needs (about two round trips), well short of what a Graph that throttles
/// forever would cost without one (every read retried after its Retry-After, about a minute).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(45);

/// Runs a full diagnosis within [`DEFAULT_DEADLINE`]. Never panics and never hangs: a check whose
/// evidence is missing says `unknown`. To cancel, drop the future (or abort its task).
pub async fn diagnose(
    input: &DiagnoseInput,
    progress: Option<&UnboundedSender<Progress>>,
) -> Report {
    diagnose_with_stats(input, progress).await.0
}

/// [`diagnose`], also returning how many requests and round trips it took (for the benchmark).
pub async fn diagnose_with_stats(
    input: &DiagnoseInput,
    progress: Option<&UnboundedSender<Progress>>,
) -> (Report, Stats) {
    diagnose_within(input, DEFAULT_DEADLINE, progress).await
}

/// [`diagnose_with_stats`] with an overall deadline: once `deadline` has passed (or a retry
/// Graph asks for would end past it) no further request is sent, the report is made of what was
/// read, and every check still waiting on its reads then says `unknown`, naming the deadline.
pub async fn diagnose_within(
    input: &DiagnoseInput,
    deadline: Duration,
    progress: Option<&UnboundedSender<Progress>>,
) -> (Report, Stats) {
    diagnose_at(input, chrono::Utc::now().timestamp(), deadline, progress).await
}

/// [`diagnose_within`] judging the token's lifetime at `now` (unix seconds) instead of the
/// clock: a replayed recording (`check --replay`) is judged as of when it was recorded.
pub async fn diagnose_at(
    input: &DiagnoseInput,
    now: i64,
    deadline: Duration,
    progress: Option<&UnboundedSender<Progress>>,
) -> (Report, Stats) {
    let emit = |p: Progress| {
        if let Some(tx) = progress {
            let _ = tx.send(p);
        }
    };
    for id in CheckId::ALL {
        emit(Progress::Running(id));
    }
    // Tokens pasted as `Bearer eyJ…` or in quotes are sent as the bare token.
    let normalized = DiagnoseInput {
        token: normalize(&input.token),
        reader_token: input.reader_token.as_ref().map(normalize),
        client: input.client.until(deadline),
        ..input.clone()
    };
    let input = &normalized;
    let ta = TokenAnalysis::new(&input.token, now);
    let unusable = checks::token::unusable(&ta, input.cloud).map(|(id, _)| {
        format!("the token under diagnosis fails {id}, so Graph would only answer 401")
    });
    let has_reader = input.reader_token.as_ref().is_some_and(|t| !t.is_empty());
    let mut g = Gathered::default();
    let mut decided: HashMap<CheckId, CheckResult> = HashMap::new();

    let decide_ready = |g: &Gathered, decided: &mut HashMap<CheckId, CheckResult>, all: bool| {
        let outstanding = if all {
            Vec::new()
        } else {
            gather::outstanding(input, &ta, g)
        };
        let ctx = Ctx {
            op: &input.operation,
            cloud: input.cloud,
            token: &ta,
            reads: &g.reads,
            challenges: &g.challenges,
            diagnosed_answers: g.diagnosed_answers,
            observed: input.observed.as_ref(),
            expected_tenant: input.expected_tenant.as_deref(),
            has_reader,
        };
        let details_outstanding = outstanding.iter().any(ReadKey::is_detail);
        for spec in checks::CATALOGUE {
            let id = spec.id;
            if decided.contains_key(&id) {
                continue;
            }
            let reads_in = spec.needs.iter().all(|k| !outstanding.contains(k));
            let ready = all
                || match spec.schedule {
                    Schedule::OnReads => reads_in,
                    Schedule::AfterDetails => reads_in && !details_outstanding,
                    Schedule::AfterAllReads => false,
                };
            if ready {
                let mut r = checks::decide(id, &ctx);
                if r.status == Status::Unknown {
                    if let Some(why) = &unusable {
                        if !has_reader && !r.summary.contains("token.") {
                            r.summary = format!("{} (Nothing was read: {why}.)", r.summary);
                        }
                    }
                }
                emit(Progress::Decided(r.clone()));
                decided.insert(id, r);
            }
        }
    };

    decide_ready(&g, &mut decided, false);
    let per_round = gather::round_deadline(input.client.timeout());
    // Every request ends by the overall deadline (the client's); this only backs it up.
    let overall = input.client.deadline().map(|at| at + DEADLINE_GRACE);
    let mut cut_short = false;
    for _ in 0..gather::MAX_ROUNDS {
        let mut until = tokio::time::Instant::now() + per_round;
        if let Some(at) = overall {
            until = until.min(at);
        }
        match tokio::time::timeout_at(
            until,
            gather::round(input, &ta, unusable.as_deref(), &mut g, progress),
        )
        .await
        {
            Ok(true) if input.client.deadline_reached() => {
                cut_short = true;
                break;
            }
            Ok(true) => decide_ready(&g, &mut decided, false),
            Ok(false) => break,
            Err(_) => {
                cut_short = overall.is_some_and(|at| tokio::time::Instant::now() >= at);
                tracing::warn!("a round of reads passed its deadline; deciding with what is in");
                break;
            }
        }
    }
    // Checks decided before the deadline stand as they are; those still waiting then, on a read
    // not made or cut short by it, name it.
    let cut: HashSet<ReadKey> = if cut_short {
        cut_by_deadline(input, &ta, &g, deadline)
    } else {
        HashSet::new()
    };
    let waiting: Vec<CheckId> = checks::CATALOGUE
        .iter()
        .filter(|spec| {
            !decided.contains_key(&spec.id) && spec.needs.iter().any(|k| cut.contains(k))
        })
        .map(|spec| spec.id)
        .collect();
    decide_ready(&g, &mut decided, true);
    for id in &waiting {
        if let Some(r) = decided.get_mut(id).filter(|r| r.status == Status::Unknown) {
            r.summary = format!(
                "{} (The diagnosis stopped at its overall deadline of {} s: Graph had not answered this check's reads by then, or asked to be retried later than that; what was read is shown.)",
                r.summary,
                deadline.as_secs()
            );
            emit(Progress::Decided(r.clone()));
        }
    }

    // --error-file: what the pasted response speaks to joins the live checks.
    if let Some(observed) = &input.observed {
        merge_findings(
            &mut decided,
            crate::explain::findings(observed),
            false,
            &emit,
        );
    }
    // A 401 Graph gave the diagnosed token itself (not a claims challenge) is Graph's own verdict
    // on the token: its words (expired, wrong audience, malformed...) decide the token checks.
    if let Some(refused) = g.reads.values().chain(g.earlier.iter()).find(|r| {
        r.via == Via::Diagnosed && r.status() == Some(401) && gather::challenge_of(r).is_none()
    }) {
        if let evidence::Outcome::Response {
            status,
            headers,
            body,
            text,
        } = &refused.outcome
        {
            let observed = crate::explain::Observed {
                status: Some(*status),
                headers: headers.clone(),
                body: text.clone().unwrap_or_else(|| body.to_string()),
                ..Default::default()
            };
            // These findings come from Graph's live answer, not from a pasted one: say so.
            let mut findings = crate::explain::findings(&observed);
            for e in findings.iter_mut().flat_map(|f| f.evidence.iter_mut()) {
                e.request = e.request.replace(
                    "(pasted response)",
                    "(Graph's answer to the token under diagnosis)",
                );
            }
            merge_findings(&mut decided, findings, true, &emit);
        }
        for spec in checks::CATALOGUE {
            let Some(revisit) = spec.on_refusal else {
                continue;
            };
            if let Some(r) = revisit(refused, &decided) {
                let r = checks::finish(r);
                emit(Progress::Decided(r.clone()));
                decided.insert(spec.id, r);
            }
        }
    }

    let results: Vec<CheckResult> = CheckId::ALL
        .iter()
        .filter_map(|id| decided.remove(id))
        .collect();
    let mut report = checks::report(input.operation.clone(), results);
    report.token = ta.report_value();
    report.names = checks::facts::names(&Ctx {
        op: &input.operation,
        cloud: input.cloud,
        token: &ta,
        reads: &g.reads,
        challenges: &g.challenges,
        diagnosed_answers: g.diagnosed_answers,
        observed: input.observed.as_ref(),
        expected_tenant: input.expected_tenant.as_deref(),
        has_reader,
    });
    // The id Graph gave the failing call the operator saw (--error-file), for the ticket line.
    let pasted_request_id = input
        .observed
        .as_ref()
        .and_then(|o| crate::explain::support_ids(o).request_id);
    report.stamp(chrono::Utc::now(), pasted_request_id.as_deref());
    report.unexplained = input
        .observed
        .as_ref()
        .and_then(|o| unexplained(&report, o));
    let stats = Stats {
        http_requests: g.http_requests,
        round_trips: g.rounds,
        reads: g.reads.values().filter(|r| r.status().is_some()).count() + g.earlier.len(),
        deadline_passed: cut_short,
    };
    (report, stats)
}

/// A pasted 401/403 that no check explains: every check passed (none failed, none undecided), so
/// the report names no cause and gives what Microsoft support asks for
/// (`assets/knowledge/membership_rules.json`, `support`).
fn unexplained(
    report: &crate::report::Report,
    observed: &crate::explain::Observed,
) -> Option<crate::report::Unexplained> {
    let status = observed.status.filter(|s| matches!(s, 401 | 403))?;
    if report.verdict != crate::report::Verdict::Pass {
        return None;
    }
    let ids = crate::explain::support_ids(observed);
    let support = crate::knowledge::membership::support();
    let quoted: Vec<String> = [
        ("request-id", &ids.request_id),
        ("client-request-id", &ids.client_request_id),
        ("date", &ids.date),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
    .collect();
    let quote = if quoted.is_empty() {
        "the response's request-id, client-request-id and date (the pasted response shows none)"
            .to_string()
    } else {
        quoted.join(", ")
    };
    Some(crate::report::Unexplained {
        status,
        summary: format!(
            "Every check passed, yet Graph answered {status} to the request you pasted. No check failed, so graph-doctor names no cause: the refusal is not explained by the token, the permissions, the group, the member or the roles it could read. Retry once; if it still fails, open a support request with Microsoft ({}) quoting {quote}.",
            support.url
        ),
        request_id: ids.request_id,
        client_request_id: ids.client_request_id,
        date: ids.date,
        support: support.url.clone(),
    })
}

/// The reads the overall deadline left unmade or cut short: still wanted, cut off in flight, or
/// answered with a retry (429, 503...) that would have ended past it.
fn cut_by_deadline(
    input: &DiagnoseInput,
    ta: &TokenAnalysis,
    g: &Gathered,
    deadline: Duration,
) -> HashSet<ReadKey> {
    let in_flight = crate::graph::TransportError::Deadline(deadline.as_secs()).to_string();
    let mut cut: HashSet<ReadKey> = gather::outstanding(input, ta, g).into_iter().collect();
    cut.extend(
        g.reads
            .values()
            .filter(|r| match &r.outcome {
                evidence::Outcome::Transport(e) => *e == in_flight,
                evidence::Outcome::Response { status, .. } => {
                    crate::graph::client::is_retryable(*status)
                }
                _ => false,
            })
            .map(|r| r.key.clone()),
    );
    cut
}

/// How long past the overall deadline a round may run before it is abandoned (the client's
/// requests already end at the deadline; this covers the bookkeeping after them).
const DEADLINE_GRACE: Duration = Duration::from_secs(1);

/// The bare token: surrounding whitespace, quotes and a `Bearer ` prefix removed.
fn normalize(token: &Secret) -> Secret {
    let t = token.expose().trim();
    let t = t
        .strip_prefix("Bearer ")
        .or_else(|| t.strip_prefix("bearer "))
        .unwrap_or(t)
        .trim();
    let t = t
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t)
        .trim();
    Secret::new(t)
}

/// Merges decisions read from an error response into the live ones, as each check's [`Merge`]
/// says (`authoritative`: Graph itself answered the diagnosed token). A finding that does not
/// replace the live decision adds its evidence to it (from a pasted response only).
fn merge_findings(
    decided: &mut HashMap<CheckId, CheckResult>,
    findings: Vec<CheckResult>,
    authoritative: bool,
    emit: &impl Fn(Progress),
) {
    for f in findings {
        let Some(live) = decided.get_mut(&f.id) else {
            continue;
        };
        let overriding = match checks::spec(f.id).merge {
            Merge::FillsGaps => false,
            Merge::FailureWins { unless } => !unless.is_some_and(|weighed| weighed(live)),
            Merge::GraphAnswerWins => authoritative,
        };
        let promote = if overriding {
            f.status == Status::Fail && live.status != Status::Fail
        } else {
            matches!(live.status, Status::Unknown | Status::Skipped)
                && !matches!(f.status, Status::Unknown | Status::Skipped)
        };
        if promote {
            let mut merged = checks::finish(f.clone());
            merged.evidence.append(&mut live.evidence);
            *live = merged;
            emit(Progress::Decided(live.clone()));
        } else if !authoritative {
            live.evidence.extend(f.evidence.iter().cloned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Scenario, SimServer};

    async fn run(scenario: &str, reader: bool) -> (Report, Stats, Vec<Progress>) {
        let s = Scenario::load(scenario).expect("scenario");
        let server = SimServer::start(s, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim");
        let input = DiagnoseInput {
            operation: server.target(),
            token: server.token("diagnosed").expect("token"),
            reader_token: if reader { server.token("reader") } else { None },
            expected_tenant: server.scenario().target.expected_tenant.clone(),
            cloud: Cloud::Global,
            client: GraphClient::new(
                Cloud::Global,
                Some(&server.base_url),
                Duration::from_secs(5),
            )
            .expect("client"),
            observed: None,
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let (report, stats) = diagnose_with_stats(&input, Some(&tx)).await;
        drop(tx);
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        server.shutdown().await;
        (report, stats, events)
    }

    #[tokio::test]
    async fn progress_reports_every_check_and_request_live() {
        let (report, stats, events) = run("healthy-delegated", false).await;
        assert_eq!(
            report.verdict,
            crate::report::Verdict::Pass,
            "{:#?}",
            report
                .checks
                .iter()
                .filter(|c| c.status != Status::Pass)
                .collect::<Vec<_>>()
        );
        let running = events
            .iter()
            .filter(|e| matches!(e, Progress::Running(_)))
            .count();
        assert_eq!(running, CheckId::ALL.len());
        let decided: std::collections::HashSet<CheckId> = events
            .iter()
            .filter_map(|e| {
                if let Progress::Decided(r) = e {
                    Some(r.id)
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(decided.len(), CheckId::ALL.len());
        // Token checks are decided before the first request finishes.
        let first_request = events
            .iter()
            .position(|e| matches!(e, Progress::Request { .. }))
            .expect("a request");
        let token_decided = events
            .iter()
            .position(|e| matches!(e, Progress::Decided(r) if r.id == CheckId::TokenLifetime))
            .expect("decided");
        assert!(token_decided < first_request);
        // One round trip: the client's grants and app role assignments addressed by appId ride
        // along with its service principal's read (issue 15, item 14). Two `$batch`es side by
        // side: the transitive role read is beta, and a batch holds one API version.
        assert_eq!(
            (stats.round_trips, stats.http_requests),
            (1, 2),
            "{stats:?}"
        );
        let token = report.token.as_ref().expect("token claims");
        assert!(token.get("scp").is_some());
    }

    /// App-only: one round trip, the token's oid addressing the client's service principal.
    #[tokio::test]
    async fn a_healthy_app_only_diagnosis_takes_one_round_trip() {
        let (report, stats, _) = run("healthy-app", false).await;
        assert_eq!(report.verdict, crate::report::Verdict::Pass);
        // Two `$batch`es in the one round: v1.0 and the beta transitive role read.
        assert_eq!(
            (stats.round_trips, stats.http_requests),
            (1, 2),
            "{stats:?}"
        );
        assert!(!stats.deadline_passed);
    }

    #[test]
    fn a_pasted_403_that_no_check_explains_is_said_plainly_with_the_support_ids() {
        let observed = crate::explain::Observed {
            status: Some(403),
            headers: vec![],
            body: r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2026-12-03T17:00:00","request-id":"r-1","client-request-id":"c-1"}}}"#.into(),
            request: None,
        };
        let all_pass: Vec<CheckResult> = CheckId::ALL
            .iter()
            .map(|id| CheckResult::new(*id, Status::Pass, ""))
            .collect();
        let passed = crate::report::Report::from_checks(Default::default(), all_pass);
        let u = unexplained(&passed, &observed).expect("unexplained");
        assert_eq!(u.status, 403);
        assert_eq!(
            (
                u.request_id.as_deref(),
                u.client_request_id.as_deref(),
                u.date.as_deref()
            ),
            (Some("r-1"), Some("c-1"), Some("2026-12-03T17:00:00"))
        );
        assert!(u.summary.contains("names no cause") && u.summary.contains(&u.support));
        // A failing check explains it; a 404 is no refusal.
        let failed = crate::report::Report::from_checks(
            Default::default(),
            vec![CheckResult::new(CheckId::GroupType, Status::Fail, "x")],
        );
        assert!(unexplained(&failed, &observed).is_none());
        let not_found = crate::explain::Observed {
            status: Some(404),
            ..observed
        };
        assert!(unexplained(&passed, &not_found).is_none());
    }

    #[test]
    fn pasted_tokens_are_normalized() {
        assert_eq!(
            normalize(&Secret::new("  Bearer eyJa.b.c \n")).expose(),
            "eyJa.b.c"
        );
        assert_eq!(normalize(&Secret::new("\"eyJa.b.c\"")).expose(), "eyJa.b.c");
        assert_eq!(normalize(&Secret::new("eyJa.b.c")).expose(), "eyJa.b.c");
    }

    #[tokio::test]
    async fn reports_never_contain_the_token() {
        let s = Scenario::load("no-directory-role").expect("scenario");
        let server = SimServer::start(s, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim");
        let token = server.token("diagnosed").expect("token");
        let raw = token.expose().to_string();
        server.shutdown().await;
        let (report, _, _) = run("no-directory-role", true).await;
        let json = crate::report::json::render(&report);
        let sig = raw.rsplit('.').next().unwrap_or_default();
        assert!(!json.contains(sig), "signature leaked");
        assert!(!json.contains(&raw[..60]), "token leaked");
    }

    #[test]
    fn an_error_file_challenge_fails_ca_claims_only_when_the_live_check_did_not_weigh_it() {
        let finding = CheckResult::new(CheckId::CaClaims, Status::Fail, "challenge in the paste");
        let noop = |_: Progress| {};
        // The live check saw the challenge and found the token satisfies it: keep the pass.
        let mut weighed = CheckResult::new(CheckId::CaClaims, Status::Pass, "already satisfied");
        weighed.evidence.push(crate::report::Evidence {
            request: "--error-file".into(),
            status: Some(401),
            latency_ms: None,
            facts: serde_json::json!({"error": "insufficient_claims"}),
        });
        let mut decided = HashMap::from([(CheckId::CaClaims, weighed)]);
        merge_findings(&mut decided, vec![finding.clone()], false, &noop);
        assert_eq!(decided[&CheckId::CaClaims].status, Status::Pass);
        // The live check saw no challenge (e.g. one named only in the body): the paste decides.
        let mut decided = HashMap::from([(
            CheckId::CaClaims,
            CheckResult::new(CheckId::CaClaims, Status::Pass, "none seen"),
        )]);
        merge_findings(&mut decided, vec![finding], false, &noop);
        assert_eq!(decided[&CheckId::CaClaims].status, Status::Fail);
    }
}
