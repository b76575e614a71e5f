//! `check --request "METHOD URL"` and `check --request-file FILE|-`: the request under diagnosis,
//! read (`explain::request`), its URL checked (a Graph host of the selected cloud, the
//! `--graph-url` host, or relative), and turned into the report's operation: one of the deep
//! operations when the request is one of them (with its group, member and unit from the URL and
//! the body), else the generic `request` diagnosis.

use std::path::Path;

use super::{read_text_noted, DiagnoseOpts, UsageError, PASTE_LIMIT};
use crate::auth::Cloud;
use crate::explain::request::{read_request, PastedRequest};
use crate::knowledge::permission_map;
use crate::report::{Operation, OperationKind, RequestTarget};

/// The request of `--request` or `--request-file`, when one was given.
pub fn pasted(
    request: Option<&str>,
    file: Option<&Path>,
    stdin_taken: bool,
) -> Result<Option<PastedRequest>, UsageError> {
    let (text, option) = match (request, file) {
        (Some(_), Some(_)) => {
            return Err(UsageError::new(
                "--request and --request-file name the same thing: give one of them",
            ))
        }
        (Some(r), None) => (r.to_string(), "--request"),
        (None, Some(f)) if f.as_os_str() == "-" && stdin_taken => {
            return Err(UsageError::new(
                "--request-file - and --token-file - both read standard input: put one of them in a file",
            ))
        }
        (None, Some(f)) => (
            read_text_noted(f, "--request-file", PASTE_LIMIT)?,
            "--request-file",
        ),
        (None, None) => return Ok(None),
    };
    read_request(&text)
        .map(Some)
        .map_err(|e| UsageError::new(format!("{option}: {e}")))
}

/// The operation a pasted request names, its URL checked against the selected cloud's Graph host
/// (or the `--graph-url` host). Refused together with `--operation`, `--group`, `--member`,
/// `--au`: the request names them.
pub fn operation(opts: &DiagnoseOpts, req: &PastedRequest) -> Result<Operation, UsageError> {
    if opts.operation.is_some()
        || opts.group.is_some()
        || opts.member.is_some()
        || opts.au.is_some()
    {
        return Err(UsageError::new(
            "--request names the operation and its ids: drop --operation, --group, --member and --au",
        ));
    }
    let parsed = permission_map::parse_request(&req.method, &req.url)
        .map_err(|e| UsageError::new(format!("--request: {e}")))?;
    if let Some(host) = &parsed.host {
        let scheme = parsed.scheme.as_deref().unwrap_or("https");
        let origin = format!("{scheme}://{host}");
        allowed_origin(opts.cloud(), opts.graph_url.as_deref(), &origin)?;
    }
    let answer = permission_map::lookup(&parsed);
    let target = RequestTarget {
        method: parsed.method.as_str().to_string(),
        path: parsed.path.clone(),
        template: answer.template.clone(),
        version: parsed.version.clone(),
    };
    if let Some(kind) = answer.operation {
        // One of the deep operations: its ids from the URL and the body (`@odata.id`).
        let mut op = crate::explain::extract::operation_of(&req.line()).unwrap_or_default();
        op.kind = kind;
        op.request = Some(target);
        for (name, id) in [("group", &op.group), ("member", &op.member), ("au", &op.au)] {
            if let Some(id) = id {
                if !crate::knowledge::is_guid(id) {
                    return Err(UsageError::new(format!(
                        "--request: the {name} '{id}' is not an object id (a GUID)"
                    )));
                }
            }
        }
        return Ok(op);
    }
    Ok(Operation {
        kind: OperationKind::Request,
        request: Some(target),
        ..Operation::default()
    })
}

/// A request URL's origin must be the selected cloud's Graph host, or the `--graph-url` one (the
/// simulated tenant); anything else is refused before a token is read.
fn allowed_origin(cloud: Cloud, graph_url: Option<&str>, origin: &str) -> Result<(), UsageError> {
    let same = |base: &str| {
        let b = base.trim_end_matches('/');
        let b = b.split_once("://").map_or(b, |(s, rest)| {
            let host = rest.split('/').next().unwrap_or(rest);
            &b[..s.len() + 3 + host.len()]
        });
        b.eq_ignore_ascii_case(origin)
    };
    if same(cloud.graph_host()) || graph_url.is_some_and(same) {
        return Ok(());
    }
    let other = Cloud::ALL
        .iter()
        .find(|c| c.graph_host().eq_ignore_ascii_case(origin));
    Err(UsageError::new(match other {
        Some(c) => format!(
            "--request: {origin} is the {} cloud's Graph, not the selected cloud's ({}): give --cloud {} or a relative URL",
            c.as_str(),
            cloud.graph_host(),
            c.as_str()
        ),
        None => format!(
            "--request: {origin} is not Microsoft Graph: use {} or a relative URL such as /users/{{id}}/memberOf",
            cloud.graph_host()
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(line: &str) -> Result<Operation, UsageError> {
        let req = read_request(line).map_err(|e| UsageError::new(e.to_string()))?;
        operation(&DiagnoseOpts::default(), &req)
    }

    #[test]
    fn a_generic_request_is_the_request_operation_with_its_template() {
        let o = op("GET https://graph.microsoft.com/v1.0/users/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b/memberOf?$select=id").expect("ok");
        assert_eq!(o.kind, OperationKind::Request);
        let r = o.request.expect("request");
        assert_eq!(r.method, "GET");
        assert_eq!(r.template.as_deref(), Some("/users/{id}/memberof"));
        assert!(!r.path.contains('?'));
    }

    #[test]
    fn the_deep_operations_route_to_their_own_diagnosis_with_ids_from_url_and_body() {
        let g = "0f2a1b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";
        let m = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        let text = format!("POST /v1.0/groups/{g}/members/$ref HTTP/1.1\nHost: graph.microsoft.com\n\n{{\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{m}\"}}");
        let o = op(&text).expect("ok");
        assert_eq!(o.kind, OperationKind::AddGroupMember);
        assert_eq!(o.group.as_deref(), Some(g));
        assert_eq!(o.member.as_deref(), Some(m));
        let o = op(&format!("POST /directory/administrativeUnits/{g}/members")).expect("ok");
        assert_eq!(o.kind, OperationKind::CreateAuGroup);
        assert_eq!(o.au.as_deref(), Some(g));
        let o = op(&format!(
            "POST /directory/administrativeUnits/{g}/members/$ref"
        ))
        .expect("ok");
        assert_eq!(o.kind, OperationKind::AddAuMember);
        let o = op(&format!("DELETE /v1.0/groups/{g}/owners/{m}/$ref")).expect("ok");
        assert_eq!(
            (o.kind, o.group.as_deref(), o.member.as_deref()),
            (OperationKind::RemoveGroupOwner, Some(g), Some(m))
        );
        let o = op(&format!(
            "DELETE /directory/administrativeUnits/{g}/members/{m}/$ref"
        ))
        .expect("ok");
        assert_eq!(
            (o.kind, o.au.as_deref(), o.member.as_deref()),
            (OperationKind::RemoveAuMember, Some(g), Some(m))
        );
    }

    #[test]
    fn foreign_hosts_and_other_clouds_are_refused() {
        let e = op("GET https://evil.example.com/v1.0/me").expect_err("refused");
        assert!(e.to_string().contains("is not Microsoft Graph"), "{e}");
        let e = op("GET https://graph.microsoft.us/v1.0/me").expect_err("refused");
        assert!(e.to_string().contains("--cloud usgov"), "{e}");
        let opts = DiagnoseOpts {
            graph_url: Some("http://127.0.0.1:4567".into()),
            ..Default::default()
        };
        let req = read_request("GET http://127.0.0.1:4567/v1.0/me").expect("reads");
        assert!(operation(&opts, &req).is_ok());
        let opts = DiagnoseOpts {
            group: Some("0f2a1b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b".into()),
            ..Default::default()
        };
        let req = read_request("GET /me").expect("reads");
        assert!(operation(&opts, &req).is_err());
    }
}
