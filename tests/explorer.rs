//! The explorer's reads against the simulated tenant, over HTTP through reqwest: the search bar
//! across every kind (counted, paged), each kind's tabs, paging a 5,000-member group one page at
//! a time, and a refused tab naming the permission the reading token lacks.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::time::Duration;

use graph_doctor::auth::Cloud;
use graph_doctor::graph::directory::{self, ObjectType, SearchScope};
use graph_doctor::graph::explore::{self, Tab};
use graph_doctor::graph::GraphClient;
use graph_doctor::knowledge::Flow;
use graph_doctor::secret::Secret;
use graph_doctor::sim::{Scenario, SimServer};

async fn start(name: &str) -> (SimServer, GraphClient, Secret) {
    let scenario = Scenario::load(name).expect("scenario");
    let server = SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim");
    let client = GraphClient::new(
        Cloud::Global,
        Some(&server.base_url),
        Duration::from_secs(10),
    )
    .expect("client");
    let token = server
        .token("reader")
        .or_else(|| server.token("diagnosed"))
        .expect("token");
    (server, client, token)
}

#[tokio::test]
async fn the_search_bar_finds_every_kind_counted_and_by_appid() {
    let (server, client, token) = start("distribution-group").await;
    let sections =
        directory::search_sections(&client, &token, SearchScope::Everything, "Sal").await;
    let kinds: Vec<&ObjectType> = sections
        .iter()
        .filter(|s| !s.objects.is_empty())
        .map(|s| &s.holds)
        .collect();
    assert!(kinds.contains(&&ObjectType::Group), "{kinds:?}");
    assert!(
        kinds.contains(&&ObjectType::AdministrativeUnit),
        "{kinds:?}"
    );
    let groups = sections
        .iter()
        .find(|s| s.holds == ObjectType::Group)
        .expect("groups");
    assert!(groups
        .objects
        .iter()
        .any(|o| o.display_name.as_deref() == Some("Sales DL")));
    assert_eq!(
        groups.count,
        Some(groups.objects.len() as u64),
        "$count=true"
    );
    // By mailNickname.
    let nick =
        directory::search_sections(&client, &token, SearchScope::Everything, "sales-dl").await;
    assert!(nick.iter().any(|s| s
        .objects
        .iter()
        .any(|o| o.display_name.as_deref() == Some("Sales DL"))));
    // A service principal by its appId.
    let by_app = directory::search_sections(
        &client,
        &token,
        SearchScope::Everything,
        "a0000000-0000-4000-8000-000000000002",
    )
    .await;
    assert!(
        by_app
            .iter()
            .any(|s| s.holds == ObjectType::ServicePrincipal && !s.objects.is_empty()),
        "{by_app:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn every_kind_of_page_reads_its_tabs() {
    let (server, client, token) = start("distribution-group").await;
    let read = |kind: ObjectType, id: &'static str, tab: Tab| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            let req = explore::request(&kind, id, tab).expect("a tab of this kind");
            explore::fetch(&client, &token, Flow::Application, &kind, tab, &req)
                .await
                .unwrap_or_else(|e| panic!("{kind:?} {tab:?}: {}", e.message))
        }
    };
    let sales_dl = "20000000-0000-4000-8000-000000000003";
    let props = read(ObjectType::Group, sales_dl, Tab::Properties).await;
    assert!(props
        .rows
        .iter()
        .any(|r| r.text == "kind" && r.detail.starts_with("distribution group")));
    let members = read(ObjectType::Group, sales_dl, Tab::Members).await;
    assert_eq!(members.count, Some(1));
    assert_eq!(members.rows[0].text, "Ben Member");
    let ben = "10000000-0000-4000-8000-000000000002";
    let member_of = read(ObjectType::User, ben, Tab::MemberOf).await;
    assert!(member_of.rows.iter().any(|r| r.text == "Sales DL"));
    // Ada's roles: Groups Administrator among them, with its scope.
    let ada = "10000000-0000-4000-8000-000000000001";
    let roles = read(ObjectType::User, ada, Tab::Roles).await;
    assert!(
        roles.rows.iter().any(|r| r.text == "Groups Administrator"),
        "{:?}",
        roles.rows
    );
    // Every tab of every kind answers (possibly empty), never an error from the sim.
    for (kind, id) in [
        (ObjectType::User, ada),
        (ObjectType::Group, "20000000-0000-4000-8000-000000000001"),
        (
            ObjectType::ServicePrincipal,
            "40000000-0000-4000-8000-000000000002",
        ),
        (
            ObjectType::AdministrativeUnit,
            "60000000-0000-4000-8000-000000000001",
        ),
    ] {
        for tab in explore::tabs_for(&kind) {
            read(kind.clone(), id, *tab).await;
        }
    }
    // The provisioning daemon's application permissions are named from the permissions map.
    let app_roles = read(
        ObjectType::ServicePrincipal,
        "40000000-0000-4000-8000-000000000002",
        Tab::AppRoles,
    )
    .await;
    assert!(
        app_roles
            .rows
            .iter()
            .all(|r| !r.text.starts_with("app role ")),
        "{:?}",
        app_roles.rows
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_5000_member_group_is_read_a_page_at_a_time() {
    let (server, client, token) = start("big-tenant").await;
    let all_hands = "20000000-0000-4000-8000-000000000300";
    let req = explore::request(&ObjectType::Group, all_hands, Tab::Members).expect("members");
    let before = server.request_count();
    let first = explore::fetch(
        &client,
        &token,
        Flow::Delegated,
        &ObjectType::Group,
        Tab::Members,
        &req,
    )
    .await
    .expect("first page");
    assert_eq!(server.request_count() - before, 1, "one request a page");
    assert_eq!(first.count, Some(5000));
    assert_eq!(first.rows.len(), explore::PAGE_SIZE);
    let next = first.next.expect("a next page");
    assert!(next.path.contains("$skiptoken="), "{}", next.path);
    assert!(
        next.headers
            .iter()
            .any(|(n, v)| n == "ConsistencyLevel" && v == "eventual"),
        "the header goes with every page"
    );
    let second = explore::fetch(
        &client,
        &token,
        Flow::Delegated,
        &ObjectType::Group,
        Tab::Members,
        &next,
    )
    .await
    .expect("second page");
    assert_eq!(server.request_count() - before, 2);
    assert_eq!(second.rows.len(), explore::PAGE_SIZE);
    assert_ne!(first.rows[0], second.rows[0]);
    // Manny is in 300 groups: memberOf counts them all and pages too.
    let manny = "10000000-0000-4000-8000-000000000300";
    let req = explore::request(&ObjectType::User, manny, Tab::MemberOf).expect("memberOf");
    let page = explore::fetch(
        &client,
        &token,
        Flow::Delegated,
        &ObjectType::User,
        Tab::MemberOf,
        &req,
    )
    .await
    .expect("memberOf");
    assert_eq!(page.count, Some(300));
    assert!(page.next.is_some());
    server.shutdown().await;
}

#[tokio::test]
async fn a_refused_tab_names_the_permission_the_token_lacks() {
    let (server, client, _) = start("distribution-group").await;
    // An app token with only Application.Read.All: the sim refuses a group's members.
    let mut extra = serde_json::Map::new();
    extra.insert("roles".into(), serde_json::json!(["Application.Read.All"]));
    let weak = Secret::new(
        server
            .scenario()
            .mint_with("diagnosed", &extra)
            .expect("a token"),
    );
    let kind = ObjectType::Group;
    let req = explore::request(&kind, "20000000-0000-4000-8000-000000000003", Tab::Members)
        .expect("members");
    let err = explore::fetch(&client, &weak, Flow::Application, &kind, Tab::Members, &req)
        .await
        .expect_err("refused");
    assert_eq!(err.status, Some(403));
    let needs = err.needs.expect("the map names a permission");
    assert!(err.message.contains(&needs), "{}", err.message);
    assert!(needs.contains("GroupMember.Read"), "{needs}");
    server.shutdown().await;
}
