use super::*;

fn req(method: &str, url: &str) -> Request {
    parse_request(method, url).expect("parses")
}

fn look(method: &str, url: &str) -> Answer {
    lookup_str(method, url).expect("parses")
}

const GUID: &str = "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

#[test]
fn the_embedded_map_parses_whole() {
    assert!(permissions().len() > 900, "{}", permissions().len());
    assert!(template_count() > 11_000, "{}", template_count());
    let grants = map().check_sets().expect("every grant set parses");
    assert!(grants > 4_000, "{grants}");
    let p = permission("groupmember.readwrite.all").expect("in the map");
    assert_eq!(p.name, "GroupMember.ReadWrite.All");
    let app = p.scheme(Scheme::Application).expect("application scheme");
    assert!(app.admin_consent);
    assert_eq!(app.id, Some("dbaae8cf-10b5-4b86-a4a1-f871c94c6695"));
}

#[test]
fn map_ids_agree_with_the_curated_permissions_table() {
    // The curated table may know newer permissions than this copy of the map
    // (DelegatedPermissionGrant.Read.All is one); every one both know has the same ids.
    let curated = crate::knowledge::permissions::all();
    let mut both = 0;
    for p in curated {
        let Some(m) = permission(&p.name) else {
            continue;
        };
        both += 1;
        for (flow, scheme) in [
            (Flow::Delegated, Scheme::DelegatedWork),
            (Flow::Application, Scheme::Application),
        ] {
            if let Some(id) = p.id(flow) {
                assert_eq!(
                    m.scheme(scheme).and_then(|s| s.id),
                    Some(id),
                    "{} {flow:?}",
                    p.name
                );
            }
        }
    }
    assert!(both + 2 >= curated.len(), "{both} of {}", curated.len());
}

#[test]
fn absolute_and_relative_urls_normalise_alike() {
    let forms = [
        format!("https://graph.microsoft.com/v1.0/users/{GUID}/memberOf"),
        format!("https://graph.microsoft.com/beta/users/{GUID}/memberOf"),
        format!("graph.microsoft.com/v1.0/users/{GUID}/memberOf"),
        format!("/v1.0/users/{GUID}/memberOf"),
        format!("v1.0/users/{GUID}/memberOf"),
        format!("/users/{GUID}/memberOf"),
        format!("users/{GUID}/memberOf"),
        format!("/users/{GUID}/memberOf/"),
        format!(
            "HTTPS://GRAPH.MICROSOFT.COM/V1.0/USERS/{}/MEMBEROF",
            GUID.to_uppercase()
        ),
    ];
    for f in &forms {
        let r = req("get", f);
        assert_eq!(r.method, Method::Get);
        assert_eq!(r.segments, ["users", GUID, "memberof"], "{f}");
        let a = lookup(&r);
        assert_eq!(a.template.as_deref(), Some("/users/{id}/memberof"), "{f}");
        assert_eq!(a.source, Source::Map);
    }
    let r = req("GET", &forms[0]);
    assert_eq!(r.host.as_deref(), Some("graph.microsoft.com"));
    assert_eq!(r.scheme.as_deref(), Some("https"));
    assert_eq!(r.version.as_deref(), Some("v1.0"));
    assert_eq!(r.path, format!("/users/{GUID}/memberOf"));
    assert_eq!(req("GET", &forms[1]).version.as_deref(), Some("beta"));
    assert_eq!(req("GET", &forms[5]).host, None);
    assert_eq!(
        req("GET", &forms[2]).host.as_deref(),
        Some("graph.microsoft.com")
    );
}

#[test]
fn query_strings_and_fragments_are_dropped() {
    let r = req(
        "GET",
        "https://graph.microsoft.com/v1.0/groups/abc/members?$select=id,displayName&$top=5#x",
    );
    assert_eq!(r.segments, ["groups", "abc", "members"]);
    assert_eq!(r.path, "/groups/abc/members");
    let a = lookup(&r);
    assert_eq!(a.template.as_deref(), Some("/groups/{id}/members"));
    assert_eq!(a.delegated.least, ["GroupMember.ReadBasic.All"]);
    assert_eq!(a.application.least, ["GroupMember.ReadBasic.All"]);
    assert!(a
        .delegated
        .alternatives
        .contains(&"Directory.Read.All".to_string()));
}

#[test]
fn ids_of_any_form_match_id_parameters() {
    for id in [
        GUID,
        "alice@contoso.com",
        "alice%40contoso.com",
        "12345",
        "{id}",
    ] {
        let a = look("GET", &format!("/users/{id}"));
        assert_eq!(a.template.as_deref(), Some("/users/{id}"), "{id}");
    }
    // A literal segment wins over a parameter.
    let a = look("GET", "/users/delta");
    assert_eq!(a.template.as_deref(), Some("/users/delta"));
    // Function parameters inside a segment.
    let a = look("GET", "/reports/getOneDriveActivityUserCounts(period='D7')");
    assert_eq!(
        a.template.as_deref(),
        Some("/reports/getonedriveactivityusercounts(period={value})")
    );
    assert_eq!(a.application.least, ["Reports.Read.All"]);
}

#[test]
fn ref_count_and_value_fall_back_to_the_plain_template() {
    // (Removing a group member by reference is a curated operation now: see
    // the_neighbours_of_add_member_answer_from_their_curated_rows.)
    let a = look(
        "DELETE",
        &format!("/directoryRoles/{GUID}/members/{GUID}/$ref"),
    );
    assert_eq!(a.source, Source::Map);
    assert_eq!(
        a.template.as_deref(),
        Some("/directoryroles/{id}/members/{id}")
    );
    assert_eq!(a.delegated.least, ["RoleManagement.ReadWrite.Directory"]);
    assert!(a.notes.iter().any(|n| n.contains("without /$ref")));
    // The map lists /$count for transitive reports: that exact template wins.
    let a = look("GET", "/users/x/transitiveReports/$count");
    assert_eq!(
        a.template.as_deref(),
        Some("/users/{id}/transitivereports/$count")
    );
    let a = look("GET", "/groups/$count");
    assert_eq!(a.template.as_deref(), Some("/groups"));
    assert!(a.notes.iter().any(|n| n.contains("without /$count")));
}

#[test]
fn casts_match_exactly_or_fall_back_to_the_uncast_request() {
    let a = look("GET", "/places/microsoft.graph.room");
    assert_eq!(a.template.as_deref(), Some("/places/microsoft.graph.room"));
    assert!(a.notes.is_empty(), "{:?}", a.notes);
    let a = look(
        "GET",
        &format!("/groups/{GUID}/members/microsoft.graph.user?$count=true"),
    );
    assert_eq!(a.template.as_deref(), Some("/groups/{id}/members"));
    assert!(a.notes.iter().any(|n| n.contains("microsoft.graph.user")));
    // A cast is never taken for an id.
    assert_ne!(a.template.as_deref(), Some("/groups/{id}/members/{id}"));
}

#[test]
fn me_is_delegated_only() {
    let a = look("GET", "/me/memberOf");
    assert_eq!(a.template.as_deref(), Some("/me/memberof"));
    assert_eq!(a.delegated.least, ["User.Read"]);
    assert!(a.application.is_empty());
    let why = a.application.unavailable.as_deref().expect("why");
    assert!(why.contains("/me request is only valid with delegated authentication flow"));
    assert!(why.contains("/users/{id}/memberof"), "{why}");
    let a = look("get", "https://graph.microsoft.com/v1.0/ME");
    assert_eq!(a.template.as_deref(), Some("/me"));
    assert_eq!(a.delegated.least, ["User.Read"]);
    assert_eq!(a.delegated.admin_consent, Some(false));
}

#[test]
fn me_falls_back_to_users_id() {
    // Find a /users/{id}/... GET template without a /me twin, and ask for its /me form.
    let m = map();
    let text = m
        .templates
        .iter()
        .filter(|t| t.method == Method::Get)
        .map(|t| m.text_of(t))
        .find(|text| {
            text.starts_with("/users/{id}/")
                && !text.contains("...")
                && m.find(
                    Method::Get,
                    &request::parse_request("GET", &text.replacen("/users/{id}", "/me", 1))
                        .expect("parses")
                        .segments,
                )
                .is_empty()
        })
        .expect("some /users template has no /me twin");
    let me = text.replacen("/users/{id}", "/me", 1);
    let a = look("GET", &me);
    assert_eq!(a.source, Source::Map, "{me}");
    assert!(a.notes.iter().any(|n| n.contains("/users/{id}")), "{me}");
    assert!(a.application.unavailable.is_some());
}

#[test]
fn drive_paths_with_colons_are_one_segment() {
    let a = look(
        "GET",
        "/me/drive/root:/Reports/Q1 budget.xlsx:/workbook/worksheets",
    );
    assert_eq!(
        a.template.as_deref(),
        Some("/me/drive/root:/{id}:/workbook/worksheets")
    );
}

#[test]
fn upper_case_and_mixed_case_match() {
    let a = look("PATCH", &format!("/GROUPS/{GUID}"));
    assert_eq!(a.template.as_deref(), Some("/groups/{id}"));
    assert!(a
        .delegated
        .options
        .iter()
        .any(|o| o.name == "Group.ReadWrite.All"));
    let a = look("GET", "/NetworkAccess/connectivity/branches");
    assert_eq!(a.source, Source::Map);
}

#[test]
fn the_curated_rows_override_the_map() {
    // Add a member: the map has no entry at all.
    let a = look(
        "POST",
        &format!("https://graph.microsoft.com/v1.0/groups/{GUID}/members/$ref"),
    );
    assert_eq!(a.source, Source::Curated);
    assert_eq!(a.operation, Some(OperationKind::AddGroupMember));
    assert_eq!(a.template.as_deref(), Some("/groups/{id}/members/$ref"));
    assert_eq!(a.delegated.least, ["GroupMember.ReadWrite.All"]);
    assert_eq!(a.application.least, ["GroupMember.ReadWrite.All"]);
    assert_eq!(a.delegated.admin_consent, Some(true));
    assert!(a.map.is_none());
    let device = a
        .application
        .conditions
        .iter()
        .find(|c| c.when.contains("device"))
        .expect("device condition");
    assert!(device.in_addition);
    assert_eq!(device.all_of[0][0], "Device.ReadWrite.All");
    let delegated_device = a
        .delegated
        .conditions
        .iter()
        .find(|c| c.when.contains("device"))
        .expect("device condition");
    assert_eq!(delegated_device.all_of[0][0], "Device.Read.All");
    assert!(a
        .application
        .conditions
        .iter()
        .any(|c| c.in_addition && c.all_of == [["RoleManagement.ReadWrite.Directory"]]));

    // Add a member to an AU: the map only has the create-or-add URL.
    let a = look(
        "POST",
        &format!("/directory/administrativeUnits/{GUID}/members/$ref"),
    );
    assert_eq!(a.source, Source::Curated);
    assert_eq!(a.operation, Some(OperationKind::AddAuMember));
    assert_eq!(a.application.least, ["AdministrativeUnit.ReadWrite.All"]);
    assert!(a.application.alternatives.is_empty());
    let map = a.map.as_ref().expect("the map's view");
    assert_eq!(map.template, "/directory/administrativeunits/{id}/members");

    // Create a group in an AU: the map lists AdministrativeUnit.ReadWrite.All as least for
    // delegated and Group.ReadWrite.All beside it; the curated row needs both a group-creating
    // permission and a read of the unit.
    let a = look(
        "POST",
        &format!("/v1.0/directory/administrativeUnits/{GUID}/members"),
    );
    assert_eq!(a.source, Source::Curated);
    assert_eq!(a.operation, Some(OperationKind::CreateAuGroup));
    assert!(a.delegated.all_needed);
    assert_eq!(
        a.delegated.least,
        ["Group.ReadWrite.All", "AdministrativeUnit.Read.All"]
    );
    assert_eq!(
        a.application.least,
        ["Group.Create", "AdministrativeUnit.Read.All"]
    );
    let map = a.map.as_ref().expect("the map's view");
    assert_eq!(map.delegated.least, ["AdministrativeUnit.ReadWrite.All"]);
    assert!(map
        .application
        .alternatives
        .iter()
        .chain(&map.application.least)
        .any(|p| p == "Group.Create"));
    assert!(a.notes[0].contains("create"));
}

#[test]
fn also_requires_is_carried() {
    let a = look("POST", &format!("/applications/{GUID}/owners/$ref"));
    assert_eq!(a.source, Source::Map);
    let o = a
        .delegated
        .options
        .iter()
        .find(|o| o.name == "Application.ReadWrite.All")
        .expect("listed");
    assert_eq!(o.also_requires, ["Directory.Read.All"]);
}

#[test]
fn no_match_gives_the_nearest_templates() {
    let a = look("GET", &format!("/users/{GUID}/memberOff"));
    assert_eq!(a.source, Source::None);
    assert_eq!(a.template, None);
    assert!(a.delegated.is_empty() && a.application.is_empty());
    assert_eq!(a.nearest.len(), 5);
    assert_eq!(
        a.nearest[0],
        (Method::Get, "/users/{id}/memberof".to_string())
    );
    // Another method on the same template is near.
    let a = look("PUT", &format!("/users/{GUID}/memberOf"));
    assert_eq!(a.source, Source::None);
    assert_eq!(
        a.nearest[0],
        (Method::Get, "/users/{id}/memberof".to_string())
    );
}

#[test]
fn bad_input_is_refused() {
    assert_eq!(
        parse_request("FETCH", "/me"),
        Err(RequestError::Method("FETCH".into()))
    );
    assert_eq!(parse_request("GET", "  "), Err(RequestError::EmptyUrl));
    assert!(matches!(
        parse_request("GET", "https://graph.microsoft.com/v1.0/"),
        Err(RequestError::NoPath(_))
    ));
    assert_eq!(
        parse_request("GET", &format!("/users/{}", "x".repeat(MAX_URL))),
        Err(RequestError::TooLong)
    );
    // The host is read, not judged: the caller refuses foreign hosts.
    assert_eq!(
        req("GET", "https://graph.example.net/v1.0/me")
            .host
            .as_deref(),
        Some("graph.example.net")
    );
}

#[test]
fn least_by_privilege_level_when_the_map_marks_none() {
    // E.g. application on POST /directory/administrativeunits/{id}/members.
    let m = map();
    let unmarked = m.templates.iter().enumerate().find_map(|(i, t)| {
        let f = map_flow(m, &[i as u32], Scheme::Application);
        (!f.least_marked).then_some((t, f))
    });
    let (t, f) = unmarked.expect("some template has no application least marker");
    assert!(!f.least.is_empty(), "{}", m.text_of(t));
    let low = f.options[0].privilege_level;
    assert!(f
        .options
        .iter()
        .filter(|o| o.least)
        .all(|o| o.privilege_level == low));
}

#[test]
fn the_neighbours_of_add_member_answer_from_their_curated_rows() {
    let a = look(
        "DELETE",
        &format!("https://graph.microsoft.com/v1.0/groups/{GUID}/members/{GUID}/$ref"),
    );
    assert_eq!(a.source, Source::Curated);
    assert_eq!(a.operation, Some(OperationKind::RemoveGroupMember));
    assert_eq!(a.delegated.least, ["GroupMember.ReadWrite.All"]);
    assert!(a
        .application
        .conditions
        .iter()
        .any(|c| c.in_addition && c.all_of == [["RoleManagement.ReadWrite.Directory"]]));
    // No member-type extras for a removal.
    assert!(!a
        .application
        .conditions
        .iter()
        .any(|c| c.when.contains("device")));

    let a = look("POST", &format!("/v1.0/groups/{GUID}/owners/$ref"));
    assert_eq!(a.source, Source::Curated);
    assert_eq!(a.operation, Some(OperationKind::AddGroupOwner));
    assert_eq!(a.application.least, ["Group.ReadWrite.All"]);
    assert_eq!(a.application.alternatives, ["Directory.ReadWrite.All"]);

    let a = look("DELETE", &format!("/groups/{GUID}/owners/{GUID}/$ref"));
    assert_eq!(a.operation, Some(OperationKind::RemoveGroupOwner));
    assert_eq!(a.delegated.least, ["Group.ReadWrite.All"]);

    let a = look(
        "DELETE",
        &format!("/directory/administrativeUnits/{GUID}/members/{GUID}/$ref"),
    );
    assert_eq!(a.source, Source::Curated);
    assert_eq!(a.operation, Some(OperationKind::RemoveAuMember));
    assert_eq!(a.application.least, ["AdministrativeUnit.ReadWrite.All"]);
    assert!(a.application.alternatives.is_empty());
}
