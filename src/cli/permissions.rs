//! `graph-doctor permissions METHOD URL`: the permissions any Graph request needs, per flow,
//! from Microsoft's permissions map (`knowledge::permission_map`), offline.
//!
//! Exit codes: 0 an answer, 1 no template matches (the nearest are shown), 2 bad input.

use std::fmt::Write as _;

use clap::Args;
use serde_json::{json, Value};

use super::{Format, UsageError};
use crate::auth::Cloud;
use crate::knowledge::permission_map::{self, Answer, FlowAnswer, PermissionOption, Source};
use crate::secret::redact;

/// Where the map comes from, for every output (assets/graph-permissions/README.md).
pub const MAP_ATTRIBUTION: &str = "Microsoft Graph permissions map (microsoftgraph/microsoft-graph-devx-content, permissions/new, commit 6cbd6bb, MIT licence)";

#[derive(Debug, Clone, Args)]
pub struct PermissionsOpts {
    /// GET, POST, PUT, PATCH or DELETE (or the whole request in quotes: "GET /me/memberOf").
    #[arg(value_name = "METHOD")]
    pub method: String,
    /// The request URL: absolute (https://graph.microsoft.com/v1.0/...) or relative
    /// (/users/{id}/memberOf), v1.0 or beta; ids, query strings, /$ref, /$count and casts are fine.
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// text (default), json, markdown.
    #[arg(long, value_name = "F")]
    pub format: Option<Format>,
}

/// Runs the command: prints the answer, returns the exit code.
pub fn run(opts: &PermissionsOpts) -> Result<i32, UsageError> {
    let (method, url) = match &opts.url {
        Some(url) => (opts.method.as_str(), url.as_str()),
        None => match opts.method.trim().split_once(char::is_whitespace) {
            Some((m, u)) => (m, u),
            None => {
                return Err(UsageError::new(
                    "permissions: give a method and a URL, e.g. graph-doctor permissions GET /me/memberOf",
                ))
            }
        },
    };
    let answer = answer(method, url)?;
    print!("{}", render(&answer, opts.format));
    Ok(if answer.source == Source::None { 1 } else { 0 })
}

/// Reads and checks the request (a host must be one of Graph's), then looks it up.
pub fn answer(method: &str, url: &str) -> Result<Answer, UsageError> {
    let req = permission_map::parse_request(method, url)
        .map_err(|e| UsageError::new(format!("permissions: {e}")))?;
    if let Some(host) = &req.host {
        let scheme = req.scheme.as_deref().unwrap_or("https");
        let origin = format!("{scheme}://{host}");
        if !Cloud::ALL
            .iter()
            .any(|c| c.graph_host().eq_ignore_ascii_case(&origin))
        {
            let hosts = Cloud::ALL
                .iter()
                .map(|c| c.graph_host())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(UsageError::new(format!(
                "permissions: {origin} is not Microsoft Graph: use {hosts}, or a relative URL such as /users/{{id}}"
            )));
        }
    }
    Ok(permission_map::lookup(&req))
}

pub fn render(answer: &Answer, format: Option<Format>) -> String {
    let out = match format.unwrap_or(Format::Text) {
        // Csv is refused before a lookup (`check --plan` only).
        Format::Text | Format::Csv => text(answer),
        Format::Markdown => markdown(answer),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(answer))
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            s.push('\n');
            s
        }
    };
    redact(&out)
}

/// The stable JSON shape: `request` (`method`, `path`, `template`), `delegated` and
/// `application` (`least`, `alternatives`, ...), `source` (`map`, `curated`, `none`). Fields may
/// be added, never renamed.
pub fn to_json(a: &Answer) -> Value {
    json!({
        "schema": "graph-doctor/permissions/v1",
        "request": {
            "method": a.request.method.as_str(),
            "path": a.request.path,
            "template": a.template,
            "version": a.request.version,
            "host": a.request.host,
        },
        "delegated": flow_json(&a.delegated),
        "application": flow_json(&a.application),
        "delegated_personal": flow_json(&a.delegated_personal),
        "source": a.source.as_str(),
        "operation": a.operation.map(|o| o.as_str()),
        "templates": a.templates,
        "map": a.map.as_ref().map(|m| json!({
            "template": m.template,
            "delegated": flow_json(&m.delegated),
            "application": flow_json(&m.application),
        })),
        "notes": a.notes,
        "nearest": a.nearest.iter().map(|(m, t)| json!({"method": m.as_str(), "template": t})).collect::<Vec<_>>(),
        "data": MAP_ATTRIBUTION,
    })
}

fn flow_json(f: &FlowAnswer) -> Value {
    json!({
        "least": f.least,
        "alternatives": f.alternatives,
        "all_needed": f.all_needed,
        "admin_consent": f.admin_consent,
        "least_marked": f.least_marked,
        "all_of": f.all_of,
        "permissions": f.options.iter().map(|o| json!({
            "name": o.name,
            "least": o.least,
            "admin_consent": o.admin_consent,
            "privilege_level": o.privilege_level,
            "also_requires": o.also_requires,
            "resource_specific_consent": o.rsc,
        })).collect::<Vec<_>>(),
        "conditions": f.conditions.iter().map(|c| json!({
            "when": c.when,
            "all_of": c.all_of,
            "in_addition": c.in_addition,
        })).collect::<Vec<_>>(),
        "unavailable": f.unavailable,
    })
}

fn source_text(a: &Answer) -> String {
    match a.source {
        Source::Map => format!("map: {MAP_ATTRIBUTION}"),
        Source::Curated => format!(
            "curated: assets/knowledge/operations.json ({})",
            a.operation.map(|o| o.as_str()).unwrap_or_default()
        ),
        Source::None => "none".into(),
    }
}

/// "User.Read (no admin consent)", "Application.ReadWrite.All (also requires Directory.Read.All)".
fn option_text(o: &PermissionOption) -> String {
    let mut extras = Vec::new();
    if !o.also_requires.is_empty() {
        extras.push(format!("also requires {}", o.also_requires.join(", ")));
    }
    if o.rsc {
        extras.push("resource-specific consent".to_string());
    }
    if extras.is_empty() {
        o.name.clone()
    } else {
        format!("{} ({})", o.name, extras.join("; "))
    }
}

fn names(f: &FlowAnswer, least: bool) -> String {
    let sep = if least && f.all_needed { " and " } else { ", " };
    f.options
        .iter()
        .filter(|o| o.least == least)
        .map(option_text)
        .collect::<Vec<_>>()
        .join(sep)
}

fn consent_text(f: &FlowAnswer) -> &'static str {
    match f.admin_consent {
        Some(true) => "needed",
        Some(false) => "not needed (a user can consent)",
        None => "unknown",
    }
}

fn all_of_text(all_of: &[Vec<String>]) -> String {
    all_of
        .iter()
        .map(|any| match any.split_first() {
            Some((first, [])) => first.clone(),
            Some((first, rest)) => format!("{first} (or {})", rest.join(", ")),
            None => String::new(),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The lines describing one flow, without its heading: (label, text) rows, then the
/// (label, text) lines.
type Rows = Vec<(String, String)>;

/// The lines describing one flow, without its heading: the rows, then the conditions as
/// ("If ...", text).
fn flow_lines(f: &FlowAnswer) -> (Rows, Rows) {
    let rows = flow_rows(f);
    let conditions = f
        .conditions
        .iter()
        .map(|c| {
            let what = all_of_text(&c.all_of);
            (
                format!("If {}", c.when),
                if c.in_addition {
                    format!("also {what}")
                } else {
                    what
                },
            )
        })
        .collect();
    (rows, conditions)
}

fn flow_rows(f: &FlowAnswer) -> Rows {
    let mut rows = Vec::new();
    if let Some(why) = &f.unavailable {
        rows.push(("None".to_string(), why.clone()));
        return rows;
    }
    if f.is_empty() {
        rows.push((
            "None".to_string(),
            "no permission of this flow is listed".into(),
        ));
        return rows;
    }
    let mut least = names(f, true);
    if f.all_needed {
        least.push_str(" (all needed)");
    } else if f.least.len() > 1 {
        least.push_str(" (any one)");
    }
    if !f.least_marked {
        least.push_str(" (the map marks none least privileged: lowest privilege level)");
    }
    rows.push(("Least privileged".into(), least));
    if f.all_needed {
        rows.push(("Requires".into(), all_of_text(&f.all_of)));
    } else if !f.alternatives.is_empty() {
        rows.push(("Higher".into(), names(f, false)));
    }
    rows.push(("Admin consent".into(), consent_text(f).into()));
    rows
}

fn flows(a: &Answer) -> Vec<(&'static str, &FlowAnswer)> {
    let mut v = vec![
        ("Delegated (work or school account)", &a.delegated),
        ("Application", &a.application),
    ];
    if !a.delegated_personal.is_empty() {
        v.push((
            "Delegated (personal Microsoft account)",
            &a.delegated_personal,
        ));
    }
    v
}

fn text(a: &Answer) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", a.request.method.as_str(), a.request.path);
    let Some(template) = &a.template else {
        let _ = writeln!(
            out,
            "No template of Microsoft's permissions map (or the curated rows) matches this request."
        );
        if !a.nearest.is_empty() {
            let _ = writeln!(out, "Nearest templates:");
            for (m, t) in &a.nearest {
                let _ = writeln!(out, "  {} {t}", m.as_str());
            }
        }
        let _ = writeln!(out, "Source: none");
        return out;
    };
    let _ = writeln!(out, "Template: {} {template}", a.request.method.as_str());
    for (title, f) in flows(a) {
        let _ = writeln!(out, "\n{title}");
        let (rows, conditions) = flow_lines(f);
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in rows {
            let _ = writeln!(out, "  {k:<width$}  {v}");
        }
        for (k, v) in conditions {
            let _ = writeln!(out, "  {k}: {v}");
        }
    }
    let _ = writeln!(out, "\nSource: {}", source_text(a));
    if let Some(m) = &a.map {
        let _ = writeln!(
            out,
            "The map lists {} {}: delegated {}; application {}.",
            a.request.method.as_str(),
            m.template,
            least_or_none(&m.delegated),
            least_or_none(&m.application)
        );
    }
    for n in &a.notes {
        let _ = writeln!(out, "Note: {n}");
    }
    out
}

fn least_or_none(f: &FlowAnswer) -> String {
    if f.least.is_empty() {
        "none".into()
    } else {
        let mut s = f.least.join(" or ");
        if !f.alternatives.is_empty() {
            let _ = write!(s, " (higher: {})", f.alternatives.join(", "));
        }
        s
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(a: &Answer) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Permissions for `{} {}`\n",
        a.request.method.as_str(),
        a.request.path
    );
    let Some(template) = &a.template else {
        let _ = writeln!(
            out,
            "No template of Microsoft's permissions map (or the curated rows) matches this request.\n"
        );
        if !a.nearest.is_empty() {
            let _ = writeln!(out, "Nearest templates:\n");
            for (m, t) in &a.nearest {
                let _ = writeln!(out, "- `{} {t}`", m.as_str());
            }
            out.push('\n');
        }
        let _ = writeln!(out, "Source: none");
        return out;
    };
    let _ = writeln!(
        out,
        "Template: `{} {template}`\n",
        a.request.method.as_str()
    );
    let _ = writeln!(out, "| Flow | | |\n|---|---|---|");
    for (title, f) in flows(a) {
        let (rows, conditions) = flow_lines(f);
        for (i, (k, v)) in rows.into_iter().chain(conditions).enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                if i == 0 { title } else { "" },
                cell(&k),
                cell(&v)
            );
        }
    }
    let _ = writeln!(out, "\nSource: {}\n", cell(&source_text(a)));
    if let Some(m) = &a.map {
        let _ = writeln!(
            out,
            "The map lists `{} {}`: delegated {}; application {}.\n",
            a.request.method.as_str(),
            m.template,
            least_or_none(&m.delegated),
            least_or_none(&m.application)
        );
    }
    for n in &a.notes {
        let _ = writeln!(out, "- {}", cell(n));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_hosts_are_refused_and_graph_hosts_of_every_cloud_accepted() {
        for url in [
            "https://graph.example.net/v1.0/me",
            "http://graph.microsoft.com/v1.0/me",
            "https://graph.microsoft.com.evil.net/v1.0/me",
            "https://graph.microsoft.com@evil.net/v1.0/me",
        ] {
            let e = answer("GET", url).expect_err(url);
            assert!(e.to_string().contains("is not Microsoft Graph"), "{e}");
        }
        for c in Cloud::ALL {
            let url = format!("{}/v1.0/me", c.graph_host());
            assert!(answer("GET", &url).is_ok(), "{url}");
        }
    }

    #[test]
    fn json_keeps_the_stable_shape() {
        let a = answer("GET", "/users/x/memberOf").expect("answers");
        let v = to_json(&a);
        assert_eq!(v["request"]["method"], "GET");
        assert_eq!(v["request"]["path"], "/users/x/memberOf");
        assert_eq!(v["request"]["template"], "/users/{id}/memberof");
        assert_eq!(v["source"], "map");
        assert!(v["delegated"]["least"].is_array());
        assert!(v["delegated"]["alternatives"].is_array());
        assert_eq!(v["application"]["least"], json!(["Directory.Read.All"]));
    }

    #[test]
    fn text_names_the_template_flows_and_consent() {
        let a = answer("POST", "/groups/g/members/$ref").expect("answers");
        let t = text(&a);
        assert!(
            t.contains("Template: POST /groups/{id}/members/$ref"),
            "{t}"
        );
        assert!(
            t.contains("Least privileged  GroupMember.ReadWrite.All"),
            "{t}"
        );
        assert!(
            t.contains("If the member type is device: also Device.Read.All"),
            "{t}"
        );
        assert!(t.contains("Source: curated"), "{t}");
        let m = markdown(&a);
        assert!(
            m.contains("| Application | Least privileged | GroupMember.ReadWrite.All |"),
            "{m}"
        );
    }
}
