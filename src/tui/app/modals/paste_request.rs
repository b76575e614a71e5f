//! "Paste a failing request": the operator types or pastes `METHOD URL` (a raw request or a curl
//! line works too); Enter shows what the permissions map says it needs, per flow; Enter again,
//! with a token given, runs the generic diagnosis (`request.consent`, `request.permission`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::explain::request::read_request;
use crate::knowledge::permission_map::{self, Answer, FlowAnswer, Source};
use crate::report::{Operation, OperationKind, RequestTarget};
use crate::tui::app::{App, Effect, Modal};

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(
    app: &mut App,
    key: KeyEvent,
    mut text: String,
    shown: Option<Vec<String>>,
) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {}
        KeyCode::Enter if shown.is_some() => return diagnose(app, text, shown),
        KeyCode::Enter | KeyCode::Tab => {
            let lines = lookup(app, &text);
            app.modal = Some(Modal::PasteRequest {
                text,
                shown: Some(lines),
            });
        }
        KeyCode::Backspace => {
            text.pop();
            app.modal = Some(Modal::PasteRequest { text, shown: None });
        }
        KeyCode::Char('u') if ctrl => {
            app.modal = Some(Modal::PasteRequest {
                text: String::new(),
                shown: None,
            })
        }
        KeyCode::Char(c) if !ctrl => {
            text.push(c);
            app.modal = Some(Modal::PasteRequest { text, shown: None });
        }
        _ => app.modal = Some(Modal::PasteRequest { text, shown }),
    }
    Vec::new()
}

/// A paste into the field: kept to one request's worth (4 KiB is more than any request line).
pub(in crate::tui::app) fn paste(t: &mut String, text: &str) {
    let room = 4096usize.saturating_sub(t.len());
    let mut end = text.len().min(room);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    t.push_str(&text[..end]);
}

/// The request as an operation, with its answer, or why it cannot be read.
fn read(app: &App, text: &str) -> Result<(Operation, Answer), String> {
    let req = read_request(text).map_err(|e| e.to_string())?;
    let parsed = permission_map::parse_request(&req.method, &req.url).map_err(|e| e.to_string())?;
    if let Some(host) = &parsed.host {
        let origin = format!("{}://{host}", parsed.scheme.as_deref().unwrap_or("https"));
        let base = app.endpoint_origin();
        if !app.cloud.graph_host().eq_ignore_ascii_case(&origin)
            && !base.is_some_and(|b| b.eq_ignore_ascii_case(&origin))
        {
            return Err(format!(
                "{origin} is not the selected cloud's Microsoft Graph ({}): give a relative URL such as /users/{{id}}/memberOf",
                app.cloud.graph_host()
            ));
        }
    }
    let answer = permission_map::lookup(&parsed);
    let op = Operation {
        kind: answer.operation.unwrap_or(OperationKind::Request),
        request: Some(RequestTarget {
            method: parsed.method.as_str().to_string(),
            path: parsed.path.clone(),
            template: answer.template.clone(),
            version: parsed.version.clone(),
        }),
        ..Operation::default()
    };
    Ok((op, answer))
}

fn flow_lines(out: &mut Vec<String>, label: &str, f: &FlowAnswer) {
    out.push(label.to_string());
    if let Some(u) = &f.unavailable {
        out.push(format!("  not possible: {u}"));
        return;
    }
    if f.is_empty() {
        out.push("  none listed".into());
        return;
    }
    let joiner = if f.all_needed { " and " } else { " or " };
    out.push(format!("  Least privileged  {}", f.least.join(joiner)));
    if !f.alternatives.is_empty() {
        out.push(format!("  Higher            {}", f.alternatives.join(", ")));
    }
    out.push(format!(
        "  Admin consent     {}",
        match f.admin_consent {
            Some(true) => "needed",
            Some(false) => "not needed (a user can consent)",
            None => "unknown",
        }
    ));
}

/// What the modal shows for `text`: the lookup, and what Enter does next.
fn lookup(app: &App, text: &str) -> Vec<String> {
    let (op, a) = match read(app, text) {
        Ok(x) => x,
        Err(e) => return vec![format!("Not a request: {e}")],
    };
    let mut out = Vec::new();
    match &a.template {
        Some(t) => out.push(format!("Template: {} {t}", a.request.method.as_str())),
        None => out.push(format!(
            "No template of the permissions map matches {} {}.",
            a.request.method.as_str(),
            a.request.path
        )),
    }
    if a.source == Source::None {
        let near: Vec<String> = a
            .nearest
            .iter()
            .take(5)
            .map(|(m, t)| format!("  {} {t}", m.as_str()))
            .collect();
        if !near.is_empty() {
            out.push("Nearest:".into());
            out.extend(near);
        }
        return out;
    }
    flow_lines(&mut out, "Delegated (work or school account)", &a.delegated);
    flow_lines(&mut out, "Application", &a.application);
    out.push(format!(
        "Source: {}",
        match a.source {
            Source::Curated => "curated (graph-doctor's own rows for this operation)",
            _ => "Microsoft Graph permissions map",
        }
    ));
    if op.kind != OperationKind::Request {
        out.push(format!(
            "This is {}: choose its target on the Target screen for the full diagnosis.",
            op.kind.as_str()
        ));
    } else if app.token.is_some() {
        out.push("Enter runs the diagnosis of this request with the token given.".into());
    } else {
        out.push(
            "Give a token on the Connect screen to have the token and the app's grants judged."
                .into(),
        );
    }
    out
}

/// Enter on a looked-up request: the generic diagnosis, when a token is given.
fn diagnose(app: &mut App, text: String, shown: Option<Vec<String>>) -> Vec<Effect> {
    match read(app, &text) {
        Ok((op, a)) if op.kind == OperationKind::Request && a.source != Source::None => {
            if app.token.is_none() {
                app.modal = Some(Modal::PasteRequest { text, shown });
                app.error(
                    "Give the token under diagnosis first: paste it, load a file or sign in.",
                );
                return Vec::new();
            }
            app.request = Some(op);
            super::super::run::start_run(app)
        }
        _ => {
            app.modal = Some(Modal::PasteRequest { text, shown });
            Vec::new()
        }
    }
}
