//! Text that reaches a terminal holds no control sequence but the renderer's own.
//!
//! A report carries text from outside: display names and messages from Graph, the token's
//! claims, a pasted error response. Written raw, an `ESC ] 52 ; c ; … BEL` in a group's name would
//! write the operator's clipboard, `ESC [ 2J` would clear the screen and `ESC [ 31m` could draw a
//! fake verdict. The text and Markdown renderers therefore render [`for_terminal`]'s copy of the
//! report, in which every C0 control but newline and tab (a carriage return only where it ends a
//! line, `\r\n`), DEL and every C1 control (U+0080–U+009F) is replaced by a visible stand-in
//! ([`escape_controls`]). The JSON report keeps the text as it is (JSON escapes controls).

use std::borrow::Cow;

use serde_json::Value;

use super::{CheckResult, Evidence, FixCommand, Operation, Report};

/// True for the characters [`escape_controls`] replaces.
fn is_unsafe(c: char, next: Option<char>) -> bool {
    match c {
        '\n' | '\t' => false,
        '\r' => next != Some('\n'),
        c => c.is_control(),
    }
}

/// `text` with every control character a terminal would act on replaced by a visible stand-in:
/// C0 controls by their Unicode control picture (ESC → `␛`, BEL → `␇`), DEL by `␡`, C1 controls
/// (which have no picture) by `\u{9b}`-style escapes. Newline and tab stay, and so does a carriage
/// return right before a newline. Borrowed when nothing needed replacing.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let mut chars = text.chars().peekable();
    let mut clean = true;
    while let Some(c) = chars.next() {
        if is_unsafe(c, chars.peek().copied()) {
            clean = false;
            break;
        }
    }
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_unsafe(c, chars.peek().copied()) {
            out.push(c);
            continue;
        }
        let code = u32::from(c);
        match code {
            0x00..=0x1f => out.push(char::from_u32(0x2400 + code).unwrap_or('\u{fffd}')),
            0x7f => out.push('\u{2421}'),
            _ => out.push_str(&format!("\\u{{{code:x}}}")),
        }
    }
    Cow::Owned(out)
}

fn string(s: &str) -> String {
    escape_controls(s).into_owned()
}

fn strings(v: &[String]) -> Vec<String> {
    v.iter().map(|s| string(s)).collect()
}

fn value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(string(s)),
        Value::Array(a) => Value::Array(a.iter().map(value).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (string(k), value(v))).collect()),
        other => other.clone(),
    }
}

fn check(c: &CheckResult) -> CheckResult {
    // Destructured in full, so a field added to the model cannot be forgotten here.
    let CheckResult {
        id,
        status,
        title,
        summary,
        evidence,
        fix,
        docs,
        explanation,
        fix_commands,
    } = c;
    CheckResult {
        id: *id,
        status: *status,
        title: string(title),
        summary: string(summary),
        evidence: evidence
            .iter()
            .map(|e| {
                let Evidence {
                    request,
                    status,
                    latency_ms,
                    facts,
                } = e;
                Evidence {
                    request: string(request),
                    status: *status,
                    latency_ms: *latency_ms,
                    facts: value(facts),
                }
            })
            .collect(),
        fix: strings(fix),
        docs: strings(docs),
        explanation: string(explanation),
        fix_commands: fix_commands
            .iter()
            .map(|f| {
                let FixCommand { kind, text } = f;
                FixCommand {
                    kind: *kind,
                    text: string(text),
                }
            })
            .collect(),
    }
}

/// A copy of `report` whose every string went through [`escape_controls`], for the renderers
/// that write to a terminal (text, Markdown).
pub fn for_terminal(report: &Report) -> Report {
    let Report {
        schema,
        operation,
        verdict,
        primary_cause,
        checks,
        source,
        token,
        notes,
        generated_at,
        tool,
        names,
        ticket,
        unexplained,
    } = report;
    let Operation {
        kind,
        group,
        member,
        au,
        request,
    } = operation;
    let opt = |s: &Option<String>| s.as_deref().map(string);
    Report {
        schema: string(schema),
        operation: Operation {
            kind: *kind,
            group: opt(group),
            member: opt(member),
            au: opt(au),
            request: request.as_ref().map(|r| crate::report::RequestTarget {
                method: string(&r.method),
                path: string(&r.path),
                template: opt(&r.template),
                version: opt(&r.version),
            }),
        },
        verdict: *verdict,
        primary_cause: *primary_cause,
        checks: checks.iter().map(check).collect(),
        source: opt(source),
        token: token.as_ref().map(value),
        notes: notes.as_ref().map(|n| {
            // Every string of the notes, through the same walk as the token's claims.
            serde_json::to_value(n)
                .ok()
                .map(|v| value(&v))
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default()
        }),
        generated_at: opt(generated_at),
        tool: tool.as_ref().map(|t| crate::report::Tool {
            name: string(&t.name),
            version: string(&t.version),
        }),
        names: crate::report::Names {
            group: opt(&names.group),
            member: opt(&names.member),
            au: opt(&names.au),
            caller: opt(&names.caller),
        },
        ticket: opt(ticket),
        unexplained: unexplained.as_ref().map(|u| crate::report::Unexplained {
            status: u.status,
            summary: string(&u.summary),
            request_id: opt(&u.request_id),
            client_request_id: opt(&u.client_request_id),
            date: opt(&u.date),
            support: string(&u.support),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_and_text_stays() {
        assert!(matches!(
            escape_controls("Sales — “team” é\n\tok\r\n"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc"),
            "a␛]52;c;ZXZpbA==␇b␛[2Jc"
        );
        assert_eq!(escape_controls("x\ry\0z\x7f"), "x␍y␀z␡");
        assert_eq!(escape_controls("\u{9b}31m\u{85}"), "\\u{9b}31m\\u{85}");
        assert_eq!(escape_controls("end\r"), "end␍");
    }

    #[test]
    fn every_string_of_a_report_is_escaped() {
        let mut r = crate::report::markdown::sample::report();
        let evil = "\x1b[2J\x1b[31mVerdict: PASS\x07";
        r.operation.group = Some(evil.into());
        r.source = Some(evil.into());
        r.token = Some(serde_json::json!({"upn": evil, evil: [evil]}));
        r.notes = Some(
            serde_json::from_value(serde_json::json!({"response": {"message": evil}}))
                .expect("notes"),
        );
        for c in &mut r.checks {
            c.title = evil.into();
            c.summary = evil.into();
            c.explanation = evil.into();
            c.fix = vec![evil.into()];
            c.docs = vec![evil.into()];
            for e in &mut c.evidence {
                e.request = evil.into();
                e.facts = serde_json::json!({"displayName": evil});
            }
            for f in &mut c.fix_commands {
                f.text = evil.into();
            }
        }
        let safe = serde_json::to_string(&for_terminal(&r)).expect("json");
        assert!(
            !safe.contains("\\u001b") && !safe.contains("\\u0007"),
            "{safe}"
        );
        assert!(safe.contains("␛[31mVerdict: PASS␇"));
        // Rendered in colour, the only escapes left are the renderer's own.
        let text = crate::report::text::render(&r, true);
        assert!(text.contains("\x1b[1m") && text.contains("␛[2J␛[31mVerdict: PASS␇"));
        assert!(
            !text.contains("\x1b[2J") && !text.contains('\x07'),
            "{text}"
        );
        let md = crate::report::markdown::render(&r);
        assert!(!md.contains('\x1b') && !md.contains('\x07'), "{md}");
    }
}
