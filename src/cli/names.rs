//! `check --group`, `--member`, `--au` given a name (display name, UPN or mail, mailNickname,
//! appId, deviceId) instead of an object id: resolved through [`crate::graph::resolve`] with the
//! token the evidence reads use (the reader token when there is one, else the diagnosed token),
//! before the diagnosis, which then runs with ids only, so its report is the one the ids give.
//! One match: a line on stderr says what it resolved to. Several, none, or a refusal: a usage
//! error (exit 2), the candidates (kind, name, id) listed one a line on stderr above it.

use super::{for_stderr, DiagnoseOpts, UsageError};
use crate::engine::DiagnoseInput;
use crate::graph::resolve::{self, Resolution, Role};
use crate::knowledge::is_guid;

/// The names among the options, and the options without them (ids only, for
/// [`super::diagnose_input`]).
pub fn split(opts: &DiagnoseOpts) -> (DiagnoseOpts, Vec<(Role, String)>) {
    let mut ids = opts.clone();
    let mut names = Vec::new();
    for (role, slot) in [
        (Role::Group, &mut ids.group),
        (Role::Member, &mut ids.member),
        (Role::AdministrativeUnit, &mut ids.au),
    ] {
        if let Some(v) = slot.as_ref() {
            let t = v.trim();
            if !t.is_empty() && !is_guid(t) {
                names.push((role, t.to_string()));
                *slot = None;
            }
        }
    }
    (ids, names)
}

/// The token that reads the directory: the reader token when one was given, as the engine's
/// evidence reads do, else the diagnosed token.
pub fn reading_token(input: &DiagnoseInput) -> &crate::secret::Secret {
    input
        .reader_token
        .as_ref()
        .filter(|t| !t.is_empty())
        .unwrap_or(&input.token)
}

/// Resolves each name and puts its id into `input.operation`; prints what each resolved to.
pub async fn resolve_into(
    input: &mut DiagnoseInput,
    names: &[(Role, String)],
) -> Result<(), UsageError> {
    if names.is_empty() {
        return Ok(());
    }
    let token = reading_token(input).clone();
    let answers = futures::future::join_all(
        names
            .iter()
            .map(|(role, text)| resolve::resolve(&input.client, &token, *role, text)),
    )
    .await;
    // Every name is answered for, so one run shows all that needs fixing; the last failure is
    // the usage error, earlier ones are printed above it.
    let mut failures: Vec<String> = Vec::new();
    for ((role, text), answer) in names.iter().zip(answers) {
        let id = match answer.resolution {
            Resolution::Resolved { object, unread } => {
                eprintln!(
                    "{}",
                    for_stderr(&format!(
                        "Resolved {} \"{text}\" → {}",
                        role.option(),
                        resolve::candidate_line(&object)
                    ))
                );
                for u in &unread {
                    eprintln!(
                        "{}",
                        for_stderr(&format!("  (not searched: {})", u.describe()))
                    );
                }
                object.id.to_ascii_lowercase()
            }
            Resolution::Ambiguous { candidates, .. } => {
                for c in &candidates {
                    eprintln!("  {}", for_stderr(&resolve::candidate_line(c)));
                }
                failures.push(format!(
                    "{} \"{text}\" matches {} objects (listed above); give the id of the one you mean",
                    role.option(),
                    candidates.len()
                ));
                continue;
            }
            Resolution::NotFound => {
                let near = resolve::suggestions(&input.client, &token, *role, text).await;
                let hint = if near.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; did you mean: {}?",
                        near.iter()
                            .map(resolve::candidate_line)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                failures.push(format!(
                    "{}: no {} named \"{text}\" was found{hint}",
                    role.option(),
                    role.noun()
                ));
                continue;
            }
            Resolution::Refused(unread) => {
                let why = unread
                    .iter()
                    .map(resolve::Unread::describe)
                    .collect::<Vec<_>>()
                    .join("; ");
                failures.push(format!(
                    "{} \"{text}\" could not be resolved: {why}; grant that permission (or give --reader-token-file) or give the object id",
                    role.option()
                ));
                continue;
            }
        };
        let slot = match role {
            Role::Group => &mut input.operation.group,
            Role::Member => &mut input.operation.member,
            Role::AdministrativeUnit => &mut input.operation.au,
        };
        *slot = Some(id);
    }
    match failures.pop() {
        None => Ok(()),
        Some(last) => {
            for f in &failures {
                eprintln!("graph-doctor: {}", for_stderr(f));
            }
            Err(UsageError::new(last))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_are_taken_out() {
        let opts = DiagnoseOpts {
            group: Some(" Sales DL ".into()),
            member: Some("10000000-0000-4000-8000-000000000002".into()),
            au: Some("Paris Office AU".into()),
            ..Default::default()
        };
        let (ids, names) = split(&opts);
        assert_eq!(ids.group, None);
        assert_eq!(ids.member, opts.member);
        assert_eq!(ids.au, None);
        assert_eq!(
            names,
            [
                (Role::Group, "Sales DL".to_string()),
                (Role::AdministrativeUnit, "Paris Office AU".to_string())
            ]
        );
        assert!(ids.operation().is_ok());
    }
}
