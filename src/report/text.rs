//! The text report for a terminal: a header with the operation and verdict, one line per check
//! (glyph, status, id, summary), then the details of failing and warning checks (evidence, fix,
//! commands, docs), then `explain`'s notes (candidates, next command, support ids).
//!
//! Colour is ANSI and only when asked for (the CLI asks on a terminal without NO_COLOR); the
//! glyphs carry the status either way. Every line goes through [`redact`] as a last guard:
//! reports hold claims, never tokens. The report is rendered from [`for_terminal`]'s copy, so the
//! only control sequences written are the renderer's own colours.

use std::fmt::Write as _;

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::explain_notes::ExplainNotes;
use super::terminal::for_terminal;
use super::{named, CheckResult, CommandKind, Report, Status, Verdict};
use crate::secret::redact;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";

/// ANSI styling that collapses to nothing without colour.
struct Style {
    color: bool,
    width: usize,
}

impl Style {
    /// Writes `prefix` (which may hold colour codes) then `text`, wrapped at word boundaries to
    /// the width, continuation lines indented by `indent` columns.
    fn wrapped(&self, out: &mut String, prefix: &str, indent: usize, text: &str) {
        let mut col = visible_width(prefix);
        out.push_str(prefix);
        let mut first = true;
        for word in text.split_whitespace() {
            let w = UnicodeWidthStr::width(word);
            if !first && col + 1 + w > self.width && col > indent {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                col = indent;
            } else if !first {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += w;
            first = false;
        }
        out.push('\n');
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn status(&self, s: Status) -> &'static str {
        match s {
            Status::Fail => RED,
            Status::Warn => YELLOW,
            Status::Pass => GREEN,
            Status::Unknown | Status::Skipped => DIM,
        }
    }

    fn verdict(&self, v: Verdict) -> &'static str {
        match v {
            Verdict::Fail => RED,
            Verdict::Inconclusive => YELLOW,
            Verdict::Pass => GREEN,
        }
    }
}

/// The width the report is wrapped to when it does not go to a terminal.
pub const DEFAULT_WIDTH: usize = 80;

/// Renders `report` for a terminal; `color` adds ANSI colours (glyphs are always shown), and the
/// prose wraps at [`DEFAULT_WIDTH`] columns.
pub fn render(report: &Report, color: bool) -> String {
    render_width(report, color, DEFAULT_WIDTH)
}

/// [`render`] wrapped to `width` columns. Prose wraps at word boundaries under a hanging
/// indent; commands, URLs, request lines and the ticket summary stay whole on their line so they
/// copy in one piece (a word longer than the width is never split either).
pub fn render_width(report: &Report, color: bool, width: usize) -> String {
    let report = &for_terminal(report);
    let st = Style {
        color,
        width: width.max(40),
    };
    let mut out = String::new();
    header(&mut out, report, &st);
    checks(&mut out, report, &st);
    details(&mut out, report, &st);
    if report.notes.is_some() {
        explain_notes(&mut out, &ExplainNotes::of(report), &st);
    }
    if let Some(u) = &report.unexplained {
        let _ = writeln!(
            out,
            "\n{}",
            st.paint(
                BOLD,
                &format!("Graph said {} and no check explains it", u.status)
            )
        );
        st.wrapped(&mut out, "  ", 2, &u.summary);
        for (k, v) in [
            ("request-id", &u.request_id),
            ("client-request-id", &u.client_request_id),
            ("date", &u.date),
        ] {
            if let Some(v) = v {
                let _ = writeln!(out, "  {k}: {v}");
            }
        }
        let _ = writeln!(out, "  support: {}", u.support);
    }
    if let Some(t) = &report.ticket {
        let _ = writeln!(out, "\n{}\n  {t}", st.paint(BOLD, "Ticket summary"));
    }
    redact(&out)
}

fn header(out: &mut String, report: &Report, st: &Style) {
    let op = &report.operation;
    let source = report.source.as_deref().unwrap_or("check");
    let stamp = match (&report.tool, &report.generated_at) {
        (Some(t), Some(at)) => format!(
            "  {}",
            st.paint(DIM, &format!("({} {}, {at})", t.name, t.version))
        ),
        (Some(t), None) => format!(
            "  {}",
            st.paint(DIM, &format!("({} {})", t.name, t.version))
        ),
        (None, Some(at)) => format!("  {}", st.paint(DIM, &format!("({at})"))),
        (None, None) => String::new(),
    };
    let _ = writeln!(
        out,
        "{} {}{stamp}",
        st.paint(BOLD, &format!("graph-doctor {source}")),
        st.paint(BOLD, op.kind.as_str())
    );
    let names = &report.names;
    for (k, v, n) in [
        ("group ", &op.group, &names.group),
        ("member", &op.member, &names.member),
        ("au    ", &op.au, &names.au),
    ] {
        if let Some(v) = v {
            st.wrapped(out, &format!("  {k} "), 9, &named(n.as_deref(), v));
        }
    }
    if let Some(c) = &names.caller {
        st.wrapped(out, "  caller ", 9, c);
    }
    if let Some(t) = report.token.as_ref().and_then(token_line) {
        st.wrapped(out, "  token  ", 9, &t);
    }
    let verdict = report.verdict.as_str().to_ascii_uppercase();
    let mut line = format!(
        "Verdict: {}",
        st.paint(st.verdict(report.verdict), &verdict)
    );
    if let Some(p) = report.primary_cause {
        let _ = write!(line, "  primary cause: {}", st.paint(BOLD, p.as_str()));
    }
    let counts = [
        Status::Fail,
        Status::Warn,
        Status::Pass,
        Status::Unknown,
        Status::Skipped,
    ]
    .into_iter()
    .map(|s| (s, report.checks.iter().filter(|c| c.status == s).count()))
    .filter(|(_, n)| *n > 0)
    .map(|(s, n)| format!("{n} {}", s.as_str()))
    .collect::<Vec<_>>()
    .join(", ");
    let _ = writeln!(out, "{line}  ({counts})");
    // The verdict line already names a primary cause; otherwise say what the response means.
    if report.primary_cause.is_none() {
        if let Some(i) = report.notes.as_ref().map(|n| &n.interpretation) {
            st.wrapped(out, "", 2, i);
        }
    }
    out.push('\n');
}

fn checks(out: &mut String, report: &Report, st: &Style) {
    let width = report
        .checks
        .iter()
        .map(|c| c.id.as_str().len())
        .max()
        .unwrap_or(0);
    // explain's candidate checks are described once, under "Candidate causes".
    let notes = ExplainNotes::of(report);
    for c in &report.checks {
        let tag = format!("{} {:<7}", c.status.glyph(), c.status.as_str());
        let id = format!("{:<width$}", c.id.as_str());
        let summary = if c.status == Status::Unknown && notes.is_candidate(c.id) {
            "candidate cause (see below)".to_string()
        } else {
            one_line(&c.summary)
        };
        let prefix = format!("  {}  {}  ", st.paint(st.status(c.status), &tag), id);
        let indent = visible_width(&prefix);
        st.wrapped(out, &prefix, indent, &summary);
    }
}

fn details(out: &mut String, report: &Report, st: &Style) {
    let flagged: Vec<&CheckResult> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
        .collect();
    if flagged.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", st.paint(BOLD, "Details"));
    for c in flagged {
        out.push('\n');
        let prefix = format!(
            "{} {} — ",
            st.paint(st.status(c.status), c.status.glyph()),
            st.paint(BOLD, c.id.as_str()),
        );
        st.wrapped(out, &prefix, 2, &c.title);
        st.wrapped(out, "  ", 2, &c.summary);
        if !c.explanation.is_empty() {
            // Dimmed line by line, so the colour survives the wrapping.
            let mut plain = String::new();
            st.wrapped(&mut plain, "  ", 2, &c.explanation);
            for l in plain.lines() {
                let _ = writeln!(out, "{}", st.paint(DIM, l));
            }
        }
        for e in &c.evidence {
            let status = e.status.map(|s| format!(" → {s}")).unwrap_or_default();
            let _ = writeln!(out, "  Evidence: {}{status}", e.request);
            if let Some(facts) = e.facts.as_object() {
                for (k, v) in facts {
                    let shown = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    st.wrapped(out, &format!("    {k}: "), 6, &shown);
                }
            }
        }
        if !c.fix.is_empty() {
            let _ = writeln!(out, "  Fix:");
            for f in &c.fix {
                st.wrapped(out, "    • ", 6, f);
            }
        }
        for cmd in &c.fix_commands {
            let kind = match cmd.kind {
                CommandKind::Graph => "graph",
                CommandKind::Powershell => "powershell",
                CommandKind::Azcli => "az",
                CommandKind::Portal => "portal",
                CommandKind::Url => "open",
            };
            let _ = writeln!(
                out,
                "    {} {}",
                st.paint(DIM, &format!("[{kind}]")),
                st.paint(CYAN, &cmd.text)
            );
        }
        for d in &c.docs {
            let _ = writeln!(out, "  Docs: {d}");
        }
    }
}

fn explain_notes(out: &mut String, notes: &ExplainNotes, st: &Style) {
    let _ = writeln!(out, "\n{}", st.paint(BOLD, "What the response shows"));
    let resp = &notes.response;
    let mut parts = Vec::new();
    if let Some(n) = resp.status {
        parts.push(format!("HTTP {n}"));
    }
    parts.extend(resp.code.clone());
    if !resp.channel.is_empty() {
        parts.push(format!("from {}", resp.channel.replace('_', " ")));
    }
    let _ = writeln!(out, "  Response: {}", parts.join(", "));
    if let Some(m) = &resp.message {
        st.wrapped(out, "  Message: ", 4, m);
    }
    if let Some(r) = &notes.request {
        let op = r
            .operation
            .as_ref()
            .map(|o| format!(" (operation {o})"))
            .unwrap_or_default();
        let method = r.method.as_deref().unwrap_or_default().trim();
        let _ = writeln!(out, "  Request: {method} {}{op}", r.url);
    }
    if let Some(p) = &notes.permissions {
        let t = p.template.as_deref().unwrap_or("?");
        let _ = writeln!(out, "  Permissions for {} {t} ({}):", p.method, p.source);
        let _ = writeln!(out, "    Delegated:   {}", p.delegated.line());
        let _ = writeln!(out, "    Application: {}", p.application.line());
        for f in &p.fix {
            let _ = writeln!(out, "    Fix: {f}");
        }
        if let Some(c) = &p.check_command {
            let _ = writeln!(
                out,
                "    Judge the token and the app's grants: {}",
                st.paint(CYAN, c)
            );
        }
    }
    for x in notes.demands() {
        st.wrapped(out, "  Claims challenge demands: ", 4, x);
    }
    if let Some(t) = &notes.transient {
        st.wrapped(out, &format!("  {} ", st.paint(YELLOW, "Transient:")), 4, t);
    }
    if !notes.candidates.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            st.paint(
                BOLD,
                "Candidate causes (the response alone cannot tell them apart)"
            )
        );
        for c in &notes.candidates {
            let prefix = format!("  {} {}: ", st.paint(DIM, Status::Unknown.glyph()), c.check);
            st.wrapped(out, &prefix, 4, &c.reason);
        }
    }
    if let Some(cmd) = &notes.next_command {
        let _ = writeln!(out, "\n  Run the live checks:\n    {}", st.paint(CYAN, cmd));
    }
    if !notes.details.is_empty() {
        let _ = writeln!(out, "\n{}", st.paint(BOLD, "Notes"));
        for l in &notes.details {
            st.wrapped(out, "  • ", 4, l);
        }
    }
    if !notes.support.is_empty() {
        let _ = writeln!(out, "\n{}", st.paint(BOLD, "For a support ticket"));
        for (k, v) in notes.support.pairs() {
            let _ = writeln!(out, "  {k}: {v}");
        }
    }
}

/// The decoded token's claims worth a glance (flow, app, user, audience, tenant, permissions):
/// claims only, never the token.
pub(crate) fn token_line(token: &Value) -> Option<String> {
    let obj = token.as_object()?;
    let get = |k: &str| obj.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
    let mut parts = Vec::new();
    if let Some(k) = get("kind") {
        parts.push(k.to_string());
    }
    if let Some(app) = get("app_displayname")
        .or_else(|| get("appid"))
        .or_else(|| get("azp"))
    {
        parts.push(format!("app {app}"));
    }
    if let Some(user) = get("upn")
        .or_else(|| get("preferred_username"))
        .or_else(|| get("unique_name"))
    {
        parts.push(format!("user {user}"));
    }
    if let Some(aud) = get("aud") {
        parts.push(format!("aud {aud}"));
    }
    if let Some(tid) = get("tid") {
        parts.push(format!("tenant {tid}"));
    }
    if let Some(scp) = get("scp") {
        parts.push(format!("scp {scp}"));
    }
    if let Some(roles) = obj.get("roles").and_then(Value::as_array) {
        let r: Vec<&str> = roles.iter().filter_map(Value::as_str).collect();
        if !r.is_empty() {
            parts.push(format!("roles {}", r.join(" ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Columns `s` takes on screen, colour codes (`ESC [ … m`) not counted.
fn visible_width(s: &str) -> usize {
    let mut plain = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    UnicodeWidthStr::width(plain.as_str())
}

/// Newlines folded into spaces so each check stays on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report without the time and version it was made at, for a stable snapshot (the
    /// stamp has tests of its own).
    fn unstamped(mut r: Report) -> Report {
        r.generated_at = None;
        r.tool = None;
        r.ticket = None;
        r
    }
    use crate::report::markdown::sample;

    #[test]
    fn snapshot_plain() {
        insta::assert_snapshot!(render(&sample::report(), false));
    }

    #[test]
    fn prose_wraps_to_the_width_and_commands_stay_whole() {
        let r = sample::report();
        for width in [60, 80, 120] {
            let t = render_width(&r, false, width);
            for l in t.lines() {
                if UnicodeWidthStr::width(l) <= width {
                    continue;
                }
                let kept_whole = ["[", "Evidence:", "Docs:", "graph-doctor ", "Verdict:"]
                    .iter()
                    .any(|p| l.trim_start().starts_with(p));
                // Otherwise only a word wider than the room left may overflow.
                assert!(
                    kept_whole || l.split_whitespace().count() <= 3,
                    "line over {width} columns: {l}"
                );
            }
        }
        // Narrow renders have more lines than wide ones: the prose did wrap.
        assert!(
            render_width(&r, false, 60).lines().count()
                > render_width(&r, false, 200).lines().count()
        );
        assert_eq!(render(&r, false), render_width(&r, false, DEFAULT_WIDTH));
    }

    #[test]
    fn names_time_version_and_ticket_are_shown() {
        let mut r = sample::report();
        r.names.group = Some("Sales DL".into());
        r.names.caller = Some("ana@contoso.com".into());
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        r.stamp(at, Some("r-42"));
        let t = render(&r, false);
        assert!(t.contains("2027-01-15T08:00:00Z"), "{t}");
        assert!(t.contains(env!("CARGO_PKG_VERSION")), "{t}");
        assert!(t.contains("caller ana@contoso.com"), "{t}");
        assert!(t.contains("Sales DL ("), "{t}");
        assert!(
            t.contains("Ticket summary") && t.contains("request-id r-42"),
            "{t}"
        );
    }

    #[test]
    fn colour_only_when_asked_and_glyphs_always() {
        let plain = render(&sample::report(), false);
        assert!(!plain.contains('\x1b'));
        for g in ["✘", "!", "✔", "?", "-"] {
            assert!(plain.contains(g), "missing glyph {g}");
        }
        let coloured = render(&sample::report(), true);
        assert!(coloured.contains("\x1b[31m✘ fail"));
        assert!(coloured.contains("\x1b[33m! warn"));
        assert!(coloured.contains("\x1b[32m✔ pass"));
        assert!(coloured.contains("\x1b[2m? unknown"));
    }

    #[test]
    fn explain_snapshot_claims_challenge() {
        let r = crate::explain::explain(&crate::explain::parse(
            "HTTP/1.1 401 Unauthorized\nrequest-id: 8f0c1a2b-0000-4000-8000-000000000009\nWWW-Authenticate: Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzI1In19fQ==\"\n\n",
        ));
        insta::assert_snapshot!(render(&unstamped(r), false));
    }

    #[test]
    fn token_claims_line() {
        let t = serde_json::json!({"kind": "delegated", "app_displayname": "Ops tool", "upn": "ana@contoso.com", "aud": "https://graph.microsoft.com", "scp": "GroupMember.ReadWrite.All"});
        assert_eq!(
            token_line(&t).as_deref(),
            Some("delegated · app Ops tool · user ana@contoso.com · aud https://graph.microsoft.com · scp GroupMember.ReadWrite.All")
        );
        assert_eq!(token_line(&serde_json::json!("x")), None);
    }

    #[test]
    fn explain_notes_are_shown() {
        let r = crate::explain::explain(&crate::explain::parse(
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"request-id":"r-1","client-request-id":"c-1","date":"2024-01-01T00:00:00"}}}"#,
        ));
        let t = render(&r, false);
        assert!(t.contains("Candidate causes"));
        assert!(
            t.contains("? unknown  user.role              candidate cause (see below)"),
            "{t}"
        );
        assert!(t.contains("group.role_assignable"));
        assert!(t.contains("graph-doctor check --operation add-group-member"));
        assert!(t.contains("request-id: r-1") && t.contains("client-request-id: c-1"));
    }
}
