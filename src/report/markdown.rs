//! The Markdown report, to paste into a ticket: heading, verdict and primary cause, a table of
//! every check, a section per failing or warning check (evidence with its facts as JSON, fixes,
//! commands in fenced blocks, docs), and `explain`'s notes (candidates, next command, support ids).
//!
//! Every output goes through [`redact`] as a last guard: reports hold claims, never tokens. The
//! report is rendered from [`for_terminal`]'s copy, so no control sequence from Graph or a paste
//! reaches the terminal the Markdown is printed on.

use std::fmt::Write as _;

use super::explain_notes::ExplainNotes;
use super::terminal::for_terminal;
use super::{CheckResult, CommandKind, Report, Status};
use crate::secret::redact;

/// Renders `report` as GitHub-flavoured Markdown.
pub fn render(report: &Report) -> String {
    let report = &for_terminal(report);
    let mut out = String::new();
    heading(&mut out, report);
    table(&mut out, report);
    for c in report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
    {
        section(&mut out, c);
    }
    if report.notes.is_some() {
        explain_notes(&mut out, &ExplainNotes::of(report));
    }
    if let Some(token) = &report.token {
        // Decoded claims only: reports never hold the token or its signature.
        let json = serde_json::to_string_pretty(token).unwrap_or_default();
        let _ = writeln!(
            out,
            "<details><summary>Token claims (decoded, no signature)</summary>\n\n```json\n{json}\n```\n\n</details>\n"
        );
    }
    redact(&out)
}

fn heading(out: &mut String, report: &Report) {
    let op = &report.operation;
    let _ = writeln!(out, "# graph-doctor report: {}\n", op.kind.as_str());
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Verdict | **{}** |", report.verdict.as_str());
    match report.primary_cause.and_then(|id| report.check(id)) {
        Some(p) => {
            let _ = writeln!(out, "| Primary cause | `{}`: {} |", p.id, cell(&p.title));
        }
        None => {
            let _ = writeln!(out, "| Primary cause | none |");
        }
    }
    let _ = writeln!(out, "| Operation | `{}` |", op.kind.as_str());
    let names = &report.names;
    for (k, v, name) in [
        ("Group", &op.group, &names.group),
        ("Member", &op.member, &names.member),
        ("Administrative unit", &op.au, &names.au),
    ] {
        if let Some(v) = v {
            match name {
                Some(n) if n != v => {
                    let _ = writeln!(out, "| {k} | {} (`{}`) |", cell(n), cell(v));
                }
                _ => {
                    let _ = writeln!(out, "| {k} | `{}` |", cell(v));
                }
            }
        }
    }
    if let Some(c) = &names.caller {
        let _ = writeln!(out, "| Caller | {} |", cell(c));
    }
    if let Some(t) = report.token.as_ref().and_then(super::text::token_line) {
        let _ = writeln!(out, "| Token (claims) | {} |", cell(&t));
    }
    if let Some(s) = &report.source {
        let by = match &report.tool {
            Some(t) => format!(" ({} {})", cell(&t.name), cell(&t.version)),
            None => String::new(),
        };
        let _ = writeln!(out, "| Produced by | `graph-doctor {}`{by} |", cell(s));
    }
    if let Some(at) = &report.generated_at {
        let _ = writeln!(out, "| Diagnosed at | {} |", cell(at));
    }
    out.push('\n');
    if let Some(t) = &report.ticket {
        let _ = writeln!(out, "Ticket summary: `{}`\n", t.replace('`', "'"));
    }
    if let Some(p) = report.primary_cause.and_then(|id| report.check(id)) {
        let _ = writeln!(out, "> **{}**: {}\n", p.id, p.summary.replace('\n', " "));
    } else if let Some(u) = &report.unexplained {
        let _ = writeln!(
            out,
            "> **Graph said {} and no check explains it.** {}\n",
            u.status,
            u.summary.replace('\n', " ")
        );
        for (k, v) in [
            ("request-id", &u.request_id),
            ("client-request-id", &u.client_request_id),
            ("date", &u.date),
        ] {
            if let Some(v) = v {
                let _ = writeln!(out, "- {k}: `{}`", v.replace('`', "'"));
            }
        }
        let _ = writeln!(out, "- support: {}\n", u.support);
    } else if let Some(i) = report.notes.as_ref().map(|n| &n.interpretation) {
        let _ = writeln!(out, "> {}\n", i.replace('\n', " "));
    }
}

fn table(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Checks\n");
    let _ = writeln!(out, "| | Check | Status | Summary |\n|---|---|---|---|");
    // explain's candidate checks are described once, under "Candidate causes".
    let notes = ExplainNotes::of(report);
    for c in &report.checks {
        let summary = if c.status == Status::Unknown && notes.is_candidate(c.id) {
            "candidate cause (see *Candidate causes*)".to_string()
        } else {
            cell(&c.summary)
        };
        let status = match c.status {
            Status::Fail | Status::Warn => format!("**{}**", c.status.as_str()),
            s => s.as_str().to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {status} | {} |",
            c.status.glyph(),
            c.id,
            summary
        );
    }
    out.push('\n');
}

fn section(out: &mut String, c: &CheckResult) {
    let _ = writeln!(out, "## {} `{}`: {}\n", c.status.glyph(), c.id, c.title);
    let _ = writeln!(out, "{}\n", c.summary);
    if !c.explanation.is_empty() {
        let _ = writeln!(out, "_{}_\n", c.explanation);
    }
    if !c.evidence.is_empty() {
        let _ = writeln!(out, "**Evidence**\n");
        for e in &c.evidence {
            let status = e.status.map(|s| format!(" → {s}")).unwrap_or_default();
            let _ = writeln!(out, "- `{}`{status}", e.request.replace('`', "'"));
            let has_facts = e.facts.as_object().is_some_and(|o| !o.is_empty());
            if has_facts {
                let json = serde_json::to_string_pretty(&e.facts).unwrap_or_default();
                let _ = writeln!(out, "\n  ```json");
                for line in json.lines() {
                    let _ = writeln!(out, "  {line}");
                }
                let _ = writeln!(out, "  ```");
            }
        }
        out.push('\n');
    }
    if !c.fix.is_empty() {
        let _ = writeln!(out, "**Fix**\n");
        for f in &c.fix {
            let _ = writeln!(out, "- {f}");
        }
        out.push('\n');
    }
    for cmd in &c.fix_commands {
        let (label, lang) = match cmd.kind {
            CommandKind::Graph => ("Microsoft Graph", "http"),
            CommandKind::Powershell => ("PowerShell", "powershell"),
            CommandKind::Azcli => ("Azure CLI", "bash"),
            CommandKind::Portal => ("Portal", "text"),
            CommandKind::Url => ("Open", "text"),
        };
        let _ = writeln!(out, "{label}:\n\n```{lang}\n{}\n```\n", cmd.text);
    }
    if !c.docs.is_empty() {
        let links: Vec<String> = c.docs.iter().map(|d| format!("<{d}>")).collect();
        let _ = writeln!(out, "**Docs**: {}\n", links.join(", "));
    }
}

fn explain_notes(out: &mut String, notes: &ExplainNotes) {
    let _ = writeln!(out, "## What the response shows\n");
    let resp = &notes.response;
    let channel = Some(resp.channel.clone()).filter(|c| !c.is_empty());
    for (label, shown) in [
        ("Status", resp.status.map(|s| s.to_string())),
        ("Code", resp.code.clone()),
        ("Message", resp.message.clone()),
        ("From", channel),
    ] {
        if let Some(shown) = shown {
            let _ = writeln!(
                out,
                "- {label}: `{}`",
                shown.replace('`', "'").replace('\n', " ")
            );
        }
    }
    if let Some(r) = &notes.request {
        let method = r.method.as_deref().unwrap_or_default().trim();
        let _ = writeln!(out, "- Request: `{method} {}`", r.url.replace('`', "'"));
        if let Some(op) = &r.operation {
            let _ = writeln!(out, "- Operation inferred from the URL: `{op}`");
        }
    }
    if let Some(p) = &notes.permissions {
        let t = p.template.as_deref().unwrap_or("?").replace('`', "'");
        let _ = writeln!(out, "- Permissions for `{} {t}` ({}):", p.method, p.source);
        let _ = writeln!(out, "  - Delegated: {}", p.delegated.line());
        let _ = writeln!(out, "  - Application: {}", p.application.line());
        for f in &p.fix {
            let _ = writeln!(out, "  - Fix: {f}");
        }
        if let Some(c) = &p.check_command {
            let _ = writeln!(
                out,
                "  - Judge the token and the app's grants: `{}`",
                c.replace('`', "'")
            );
        }
    }
    if let Some(t) = &notes.transient {
        let _ = writeln!(out, "- **Transient**: {t}");
    }
    out.push('\n');
    if notes.claims_challenge.is_some() {
        let _ = writeln!(out, "### Claims challenge\n");
        for x in notes.demands() {
            let _ = writeln!(out, "- {x}");
        }
        if let Some(claims) = notes.claims() {
            let json = serde_json::to_string_pretty(claims).unwrap_or_default();
            let _ = writeln!(out, "\n```json\n{json}\n```");
        }
        out.push('\n');
    }
    if !notes.candidates.is_empty() {
        let _ = writeln!(out, "### Candidate causes\n");
        let _ = writeln!(
            out,
            "The response alone cannot tell these apart; the live checks can.\n"
        );
        let _ = writeln!(out, "| Check | Why it may be the cause |\n|---|---|");
        for c in &notes.candidates {
            let _ = writeln!(out, "| `{}` | {} |", c.check, cell(&c.reason));
        }
        out.push('\n');
    }
    if let Some(cmd) = &notes.next_command {
        let _ = writeln!(out, "Run the live checks:\n\n```sh\n{cmd}\n```\n");
    }
    if !notes.details.is_empty() {
        let _ = writeln!(out, "### Notes\n");
        for l in &notes.details {
            let _ = writeln!(out, "- {l}");
        }
        out.push('\n');
    }
    if !notes.support.is_empty() {
        let _ = writeln!(out, "### For the support ticket\n");
        let _ = writeln!(out, "| Id | Value |\n|---|---|");
        for (k, v) in notes.support.pairs() {
            let _ = writeln!(out, "| {k} | `{}` |", cell(v));
        }
        out.push('\n');
    }
}

/// Text safe inside a table cell: no pipes breaking columns, no newlines.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// A hand-built report with every status, for the renderers' snapshot tests.
#[cfg(test)]
pub(crate) mod sample {
    use serde_json::json;

    use crate::report::{
        CheckId, CheckResult, CommandKind, Evidence, FixCommand, Operation, OperationKind, Report,
        Status,
    };

    pub fn report() -> Report {
        let group = "5f1c2a7e-0b7d-4d3a-9a53-0c8e2f6b1a11";
        let member = "9d3e4b2a-6c1f-4e8a-b7d2-1f0a3c5e7b22";
        let mut checks = Vec::new();
        let mut c = CheckResult::new(
            CheckId::TokenFormat,
            Status::Pass,
            "A v1.0 delegated access token (scp present).",
        );
        c.evidence.push(Evidence {
            request: "token claims (decoded offline)".into(),
            status: None,
            latency_ms: None,
            facts: json!({"ver": "1.0", "scp": "GroupMember.ReadWrite.All User.Read"}),
        });
        checks.push(c);
        checks.push(CheckResult::skipped(
            CheckId::TokenTenant,
            "No --tenant given.",
        ));
        let mut w = CheckResult::new(
            CheckId::CaClaims,
            Status::Warn,
            "The client does not declare xms_cc=cp1, so Graph will not send it claims challenges.",
        );
        w.fix
            .push("Declare the cp1 client capability in MSAL.".into());
        checks.push(w);
        let mut f = CheckResult::new(
            CheckId::GroupType,
            Status::Fail,
            "“Sales DL” is a distribution group (mailEnabled=true, securityEnabled=false); Graph can only read its membership.",
        );
        f.explanation =
            "Only Microsoft 365 and security groups can be managed through Microsoft Graph.".into();
        f.evidence.push(Evidence {
            request: format!("GET /v1.0/groups/{group}?$select=id,displayName,groupTypes,mailEnabled,securityEnabled"),
            status: Some(200),
            latency_ms: Some(152),
            facts: json!({"groupTypes": [], "mailEnabled": true, "securityEnabled": false}),
        });
        f.fix.push("Manage this group's membership in Exchange Online (Add-DistributionGroupMember) or the Exchange admin center.".into());
        f.fix_commands.push(FixCommand {
            kind: CommandKind::Powershell,
            text: format!("Add-DistributionGroupMember -Identity {group} -Member {member}"),
        });
        f.docs
            .push("https://learn.microsoft.com/graph/api/resources/groups-overview".into());
        checks.push(f);
        checks.push(CheckResult::unknown(
            CheckId::UserRole,
            "Could not read the role assignments: the read needs RoleManagement.Read.Directory.",
        ));
        let mut r = crate::checks::report(
            Operation {
                kind: OperationKind::AddGroupMember,
                group: Some(group.into()),
                member: Some(member.into()),
                au: None,
                request: None,
            },
            checks,
        );
        r.source = Some("check".into());
        r.token = Some(json!({
            "kind": "delegated",
            "ver": "1.0",
            "aud": "https://graph.microsoft.com",
            "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "app_displayname": "Ops tool",
            "upn": "ana@contoso.com",
            "scp": "GroupMember.ReadWrite.All User.Read"
        }));
        r
    }
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

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample::report()));
    }

    #[test]
    fn table_cells_escape_pipes() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }

    #[test]
    fn explain_report_snapshot() {
        let r = crate::explain::explain(&crate::explain::parse(
            "POST https://graph.microsoft.com/v1.0/groups/5f1c2a7e-0b7d-4d3a-9a53-0c8e2f6b1a11/members/$ref\n\nHTTP/1.1 403 Forbidden\nrequest-id: 020d2e6d-66ef-4641-b870-0d9236e05f64\nclient-request-id: 020d2e6d-66ef-4641-b870-0d9236e05f64\nDate: Mon, 25 Oct 2021 15:30:49 GMT\n\n{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}",
        ));
        insta::assert_snapshot!(render(&unstamped(r)));
    }
}
