//! "Paste the error": what a pasted response (or the request line pasted with it) says about the
//! target, so the operator does not have to type ids a second time.
//!
//! Classifying the error itself is `explain`'s job; this only reads the request URL and the
//! `$ref` body when they were pasted along (`POST /v1.0/groups/{id}/members/$ref`).

use crate::report::OperationKind;

/// What the pasted text reveals about the operation and its target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetHint {
    pub operation: Option<OperationKind>,
    pub group: Option<String>,
    pub au: Option<String>,
    pub member: Option<String>,
}

/// The GUID starting at `s`, if any.
fn guid_at(s: &str) -> Option<String> {
    let candidate: String = s.chars().take(36).collect();
    crate::knowledge::is_guid(&candidate).then(|| candidate.to_ascii_lowercase())
}

/// The GUID right after the first case-insensitive occurrence of `marker`.
fn guid_after(text: &str, marker: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let marker = marker.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&marker) {
        let start = from + pos + marker.len();
        if let Some(g) = guid_at(&text[start..]) {
            return Some(g);
        }
        from = start;
    }
    None
}

/// Reads the operation from a request URL and the member from a `@odata.id` body, when pasted.
pub fn target_hint(text: &str) -> TargetHint {
    let mut hint = TargetHint::default();
    let lower = text.to_ascii_lowercase();
    if let Some(au) = guid_after(text, "administrativeUnits/") {
        hint.au = Some(au);
        // `.../members/$ref` adds an existing object; `.../members` with a group body creates one.
        hint.operation = Some(
            if lower.contains("/members/$ref") || lower.contains("@odata.id") {
                OperationKind::AddAuMember
            } else if lower.contains("/members") {
                OperationKind::CreateAuGroup
            } else {
                OperationKind::AddAuMember
            },
        );
    } else if let Some(g) = guid_after(text, "/groups/") {
        hint.group = Some(g);
        hint.operation = Some(OperationKind::AddGroupMember);
    }
    hint.member = guid_after(text, "directoryObjects/")
        .or_else(|| guid_after(text, "/users/"))
        .filter(|m| Some(m) != hint.group.as_ref());
    hint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_group_member_request() {
        let t = "POST https://graph.microsoft.com/v1.0/groups/8B1E7AB2-1C2D-4E5F-8A9B-0C1D2E3F4A5B/members/$ref\n\
                 {\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/11111111-2222-3333-4444-555555555555\"}\n\
                 HTTP/1.1 403 Forbidden";
        let h = target_hint(t);
        assert_eq!(h.operation, Some(OperationKind::AddGroupMember));
        assert_eq!(
            h.group.as_deref(),
            Some("8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b")
        );
        assert_eq!(
            h.member.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
    }

    #[test]
    fn reads_administrative_unit_requests() {
        let add = target_hint("POST /v1.0/directory/administrativeUnits/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b/members/$ref");
        assert_eq!(add.operation, Some(OperationKind::AddAuMember));
        let create = target_hint(
            "POST /v1.0/directory/administrativeUnits/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b/members",
        );
        assert_eq!(create.operation, Some(OperationKind::CreateAuGroup));
    }

    #[test]
    fn a_bare_body_reveals_nothing_and_never_panics() {
        assert_eq!(
            target_hint("{\"error\":{\"code\":\"Authorization_RequestDenied\"}}"),
            TargetHint::default()
        );
        assert_eq!(target_hint("/groups/é"), TargetHint::default());
        assert_eq!(target_hint("/groups/"), TargetHint::default());
    }
}
