//! The Target screen: the operation, its pickers (live directory searches, debounced, by the
//! reader token when there is one), the expected tenant, and Run.

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use crate::report::OperationKind;
use crate::tui::app::keymap::{insert_str, is_back, is_down, is_open, is_up};
use crate::tui::app::{input_request, start_run, App, Effect, Screen};
use crate::tui::picker::{PickItem, PickKind};

/// How far PgUp/PgDn move in a list.
pub(crate) const PAGE: usize = 10;

/// The rows of the Target screen (which pickers show depends on the operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetRow {
    Operation,
    Pick(PickKind),
    Tenant,
    Run,
}

/// The rows for an operation, top to bottom.
pub fn target_rows(op: OperationKind) -> Vec<TargetRow> {
    let mut rows = vec![TargetRow::Operation];
    match op {
        OperationKind::AddGroupMember
        | OperationKind::RemoveGroupMember
        | OperationKind::AddGroupOwner
        | OperationKind::RemoveGroupOwner => {
            rows.push(TargetRow::Pick(PickKind::Group));
            rows.push(TargetRow::Pick(PickKind::Member));
        }
        OperationKind::AddAuMember | OperationKind::RemoveAuMember => {
            rows.push(TargetRow::Pick(PickKind::AdministrativeUnit));
            rows.push(TargetRow::Pick(PickKind::Member));
        }
        OperationKind::CreateAuGroup => rows.push(TargetRow::Pick(PickKind::AdministrativeUnit)),
        OperationKind::Request => {}
    }
    rows.push(TargetRow::Tenant);
    rows.push(TargetRow::Run);
    rows
}

/// A combobox: a query, live results, a highlighted row, and the object chosen.
#[derive(Debug, Clone)]
pub struct Picker {
    pub kind: PickKind,
    pub input: Input,
    /// True while the operator types a query and browses results.
    pub open: bool,
    pub results: Vec<PickItem>,
    pub highlight: usize,
    pub chosen: Option<PickItem>,
    /// A search is in flight (debounce included).
    pub searching: bool,
    /// The generation of the last search asked for: older answers are dropped.
    pub gen: u64,
    pub error: Option<String>,
    /// The search in flight is a resolution of the typed text (Enter with nothing to pick, or
    /// an exact UPN or mail): its answer selects the one match, or lists several.
    pub resolving: bool,
}

impl Picker {
    pub(super) fn new(kind: PickKind) -> Picker {
        Picker {
            kind,
            input: Input::default(),
            open: false,
            results: Vec::new(),
            highlight: 0,
            chosen: None,
            searching: false,
            gen: 0,
            error: None,
            resolving: false,
        }
    }
}

/// A key on the Target screen: a field being edited or an open picker takes it first.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let rows = target_rows(app.operation);
    if app.tenant_editing {
        match key.code {
            KeyCode::Enter | KeyCode::Esc | KeyCode::Tab => app.tenant_editing = false,
            _ => {
                if let Some(req) = input_request(&key) {
                    app.tenant_input.handle(req);
                }
            }
        }
        return Vec::new();
    }
    if let Some(open) = app.pickers.iter().position(|p| p.open) {
        let kind = app.pickers[open].kind;
        return picker_key(app, kind, key);
    }
    if is_up(&key) {
        app.target_focus = app.target_focus.saturating_sub(1);
        return Vec::new();
    }
    if is_down(&key) {
        app.target_focus = (app.target_focus + 1).min(rows.len() - 1);
        return Vec::new();
    }
    match key.code {
        KeyCode::Home | KeyCode::PageUp => {
            app.target_focus = 0;
            return Vec::new();
        }
        KeyCode::End | KeyCode::PageDown => {
            app.target_focus = rows.len() - 1;
            return Vec::new();
        }
        _ => {}
    }
    if is_back(&key) {
        app.screen = Screen::Connect;
        return vec![Effect::CancelSearches];
    }
    if matches!(key.code, KeyCode::Tab) {
        return run_if_complete(app);
    }
    if key.code == KeyCode::Char('x') {
        if let Some(TargetRow::Pick(k)) = rows.get(app.target_focus) {
            app.picker_mut(*k).chosen = None;
        }
        return Vec::new();
    }
    if !is_open(&key) {
        return Vec::new();
    }
    match rows.get(app.target_focus) {
        Some(TargetRow::Operation) => {
            let i = OperationKind::ALL
                .iter()
                .position(|o| *o == app.operation)
                .unwrap_or(0);
            app.operation = OperationKind::ALL[(i + 1) % OperationKind::ALL.len()];
        }
        Some(TargetRow::Pick(k)) => {
            let kind = *k;
            let p = app.picker_mut(kind);
            p.open = true;
            p.highlight = 0;
            // An empty query lists the first page: something to pick from before typing.
            if p.input.value().trim().is_empty() && p.results.is_empty() {
                return search(app, kind);
            }
        }
        Some(TargetRow::Tenant) => app.tenant_editing = true,
        Some(TargetRow::Run) => return run_if_complete(app),
        None => {}
    }
    Vec::new()
}

/// A paste on the Target screen: into the tenant field, or as the focused picker's query.
pub(super) fn paste(app: &mut App, text: &str) -> Vec<Effect> {
    if app.tenant_editing {
        insert_str(&mut app.tenant_input, text, false);
        return Vec::new();
    }
    let kind = match target_rows(app.operation).get(app.target_focus) {
        Some(TargetRow::Pick(k)) => *k,
        _ => return Vec::new(),
    };
    // The operator did what an earlier error asked (paste the id): that error is done with.
    app.status = None;
    let p = app.picker_mut(kind);
    p.open = true;
    p.input = Input::default();
    insert_str(&mut p.input, text.trim(), true);
    search(app, kind)
}

fn run_if_complete(app: &mut App) -> Vec<Effect> {
    let missing = app.missing();
    if missing.is_empty() {
        start_run(app)
    } else {
        app.error(format!("Still needed: {}.", missing.join(", ")));
        Vec::new()
    }
}

fn picker_key(app: &mut App, kind: PickKind, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            let p = app.picker_mut(kind);
            p.open = false;
            p.searching = false;
            vec![Effect::CancelSearches]
        }
        KeyCode::Up => {
            let p = app.picker_mut(kind);
            p.highlight = p.highlight.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Down => {
            let p = app.picker_mut(kind);
            if p.highlight + 1 < p.results.len() {
                p.highlight += 1;
            }
            Vec::new()
        }
        // Home/End and the page keys move in the results; Ctrl-A/Ctrl-E move in the query.
        KeyCode::Home | KeyCode::End | KeyCode::PageUp | KeyCode::PageDown => {
            let p = app.picker_mut(kind);
            let last = p.results.len().saturating_sub(1);
            p.highlight = match key.code {
                KeyCode::Home => 0,
                KeyCode::End => last,
                KeyCode::PageUp => p.highlight.saturating_sub(PAGE),
                _ => (p.highlight + PAGE).min(last),
            };
            Vec::new()
        }
        KeyCode::Enter | KeyCode::Tab => {
            if wants_resolution(app.picker(kind)) {
                return resolve(app, kind);
            }
            let p = app.picker_mut(kind);
            let typed = p.input.value().trim().to_string();
            let choice = p.results.get(p.highlight).cloned().or_else(|| {
                crate::knowledge::is_guid(&typed)
                    .then(|| PickItem::bare(&typed.to_ascii_lowercase()))
            });
            match choice {
                Some(item) => {
                    p.chosen = Some(item);
                    p.open = false;
                    p.searching = false;
                    app.status = None;
                    app.target_focus =
                        (app.target_focus + 1).min(target_rows(app.operation).len() - 1);
                    vec![Effect::CancelSearches]
                }
                None => {
                    app.error(format!("Nothing to pick: {}.", kind.prompt()));
                    Vec::new()
                }
            }
        }
        _ => match input_request(&key) {
            Some(req) => {
                let changed = app.picker_mut(kind).input.handle(req);
                if changed.is_some_and(|c| c.value) {
                    search(app, kind)
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        },
    }
}

/// Whether Enter should resolve the typed text rather than take the highlighted row: there is
/// text, not an id, and no row stands for it (no results, results of an older query still being
/// replaced, or a UPN/mail typed in full that the highlighted row is not).
fn wants_resolution(p: &Picker) -> bool {
    let typed = p.input.value().trim();
    if typed.is_empty() || crate::knowledge::is_guid(typed) {
        return false;
    }
    let exact =
        |i: &PickItem| i.name.eq_ignore_ascii_case(typed) || i.detail.eq_ignore_ascii_case(typed);
    match p.results.get(p.highlight) {
        Some(row) if exact(row) => false,
        None => true,
        Some(_) => p.searching || typed.contains('@'),
    }
}

/// Asks for the typed text's exact matches ([`Effect::Resolve`]).
fn resolve(app: &mut App, kind: PickKind) -> Vec<Effect> {
    let text = app.picker(kind).input.value().trim().to_string();
    let gen = app.next_gen();
    let token = app.search_token();
    let graph = app.endpoint.is_some();
    let p = app.picker_mut(kind);
    p.gen = gen;
    p.error = None;
    match (token, graph) {
        (Some(token), true) => {
            p.searching = true;
            p.resolving = true;
            vec![Effect::Resolve {
                kind,
                gen,
                text,
                token,
            }]
        }
        _ => {
            p.error =
                Some("no token or Graph endpoint to look the name up: paste the object id".into());
            Vec::new()
        }
    }
}

fn search(app: &mut App, kind: PickKind) -> Vec<Effect> {
    let query = app.picker(kind).input.value().trim().to_string();
    let gen = app.next_gen();
    let token = app.search_token();
    let graph = app.endpoint.is_some();
    let p = app.picker_mut(kind);
    p.gen = gen;
    p.error = None;
    p.resolving = false;
    // An empty query is a search too: Graph lists the first page of the collection.
    match (token, graph) {
        (Some(token), true) => {
            p.searching = true;
            vec![Effect::Search {
                kind,
                gen,
                query,
                token,
            }]
        }
        _ => {
            p.searching = false;
            p.error = Some("no token or Graph endpoint to search with: paste the object id".into());
            Vec::new()
        }
    }
}

/// A picker search finished: its results, or the name and badges of a preset id.
pub(super) fn on_search_done(
    app: &mut App,
    kind: PickKind,
    gen: u64,
    result: Result<Vec<PickItem>, String>,
) -> Vec<Effect> {
    let p = app.picker_mut(kind);
    if gen == p.gen && p.resolving {
        return on_resolved(app, kind, result);
    }
    if gen == p.gen && !p.open {
        // A lookup of a preset id: give the chosen object its name and badges.
        p.searching = false;
        if let (Ok(items), Some(chosen)) = (&result, &p.chosen) {
            if let Some(found) = items.iter().find(|i| i.id == chosen.id) {
                p.chosen = Some(found.clone());
            }
        }
    } else if gen == p.gen {
        p.searching = false;
        match result {
            Ok(items) => {
                p.results = items;
                p.highlight = 0;
                p.error = None;
            }
            Err(e) => {
                p.results.clear();
                p.error = Some(crate::secret::redact(&e));
            }
        }
    }
    Vec::new()
}

/// A resolution finished: one match is chosen (as Enter on its row would), several are listed
/// to pick from, none or a refusal is a one-line message in the picker.
fn on_resolved(
    app: &mut App,
    kind: PickKind,
    result: Result<Vec<PickItem>, String>,
) -> Vec<Effect> {
    let rows = target_rows(app.operation).len();
    let p = app.picker_mut(kind);
    p.searching = false;
    p.resolving = false;
    let typed = p.input.value().trim().to_string();
    match result {
        Ok(mut items) if items.len() == 1 => {
            p.chosen = items.pop();
            p.open = false;
            p.error = None;
            app.status = None;
            app.target_focus = (app.target_focus + 1).min(rows - 1);
        }
        Ok(items) if items.is_empty() => {
            p.results.clear();
            p.error = Some(format!(
                "No {} named \"{typed}\" was found.",
                kind.role().noun()
            ));
        }
        Ok(items) => {
            p.error = Some(format!(
                "{} objects are named \"{typed}\": pick one.",
                items.len()
            ));
            p.results = items;
            p.highlight = 0;
        }
        Err(e) => {
            p.error = Some(crate::secret::redact(&e));
        }
    }
    Vec::new()
}

/// Looks up the chosen objects known only by id (from the command line, a scenario or a pasted
/// error), so the Target screen and the header show names and type badges.
pub fn resolve_chosen(app: &mut App) -> Vec<Effect> {
    let (Some(token), true) = (app.search_token(), app.endpoint.is_some()) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    for kind in [
        PickKind::Group,
        PickKind::AdministrativeUnit,
        PickKind::Member,
    ] {
        let gen = app.next_gen();
        let p = app.picker_mut(kind);
        let bare = p
            .chosen
            .as_ref()
            .filter(|c| c.name == c.id && c.badges.is_empty() && crate::knowledge::is_guid(&c.id))
            .map(|c| c.id.clone());
        if let (Some(id), false) = (bare, p.open) {
            p.gen = gen;
            effects.push(Effect::Search {
                kind,
                gen,
                query: id,
                token: token.clone(),
            });
        }
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::super::tests::{key, ready_app, GROUP};
    use super::super::{update, Msg};
    use super::*;

    fn typing(app: &mut App, kind: PickKind, text: &str) {
        app.screen = Screen::Target;
        app.target_focus = target_rows(app.operation)
            .iter()
            .position(|r| *r == TargetRow::Pick(kind))
            .unwrap_or(0);
        let p = app.picker_mut(kind);
        p.chosen = None;
        p.open = true;
        p.results.clear();
        p.input = Input::default();
        insert_str(&mut p.input, text, true);
    }

    fn row(id: &str, name: &str, detail: &str) -> PickItem {
        PickItem {
            id: id.into(),
            name: name.into(),
            detail: detail.into(),
            badges: vec!["security".into()],
        }
    }

    /// Enter on typed text with no row: an `Effect::Resolve`, and its generation.
    fn enter_resolves(app: &mut App, kind: PickKind, text: &str) -> u64 {
        let e = update(app, key(KeyCode::Enter));
        match &e[..] {
            [Effect::Resolve {
                kind: k,
                gen,
                text: t,
                ..
            }] if *k == kind && t == text => *gen,
            other => panic!("expected one Resolve, got {other:?}"),
        }
    }

    #[test]
    fn enter_with_no_row_resolves_and_one_match_is_chosen() {
        let mut a = ready_app();
        typing(&mut a, PickKind::Group, "Sales DL");
        let gen = enter_resolves(&mut a, PickKind::Group, "Sales DL");
        assert!(a.picker(PickKind::Group).searching);
        update(
            &mut a,
            Msg::SearchDone {
                kind: PickKind::Group,
                gen,
                result: Ok(vec![row(GROUP, "Sales DL", "sales@contoso.com")]),
            },
        );
        let p = a.picker(PickKind::Group);
        assert!(!p.open && !p.searching && !p.resolving);
        assert_eq!(p.chosen.as_ref().map(|c| c.id.as_str()), Some(GROUP));
        assert_eq!(
            target_rows(a.operation)[a.target_focus],
            TargetRow::Pick(PickKind::Member)
        );
    }

    #[test]
    fn several_matches_are_listed_and_none_is_a_message() {
        let mut a = ready_app();
        typing(&mut a, PickKind::Group, "Marketing");
        let gen = enter_resolves(&mut a, PickKind::Group, "Marketing");
        let both = vec![
            row(
                "20000000-0000-4000-8000-000000000081",
                "Marketing",
                "marketing-emea",
            ),
            row(
                "20000000-0000-4000-8000-000000000082",
                "Marketing",
                "marketing-us",
            ),
        ];
        update(
            &mut a,
            Msg::SearchDone {
                kind: PickKind::Group,
                gen,
                result: Ok(both.clone()),
            },
        );
        let p = a.picker(PickKind::Group);
        assert!(p.open, "never one picked for the operator");
        assert_eq!(p.chosen, None);
        assert_eq!(p.results, both);
        assert_eq!(
            p.error.as_deref(),
            Some("2 objects are named \"Marketing\": pick one.")
        );
        // The operator picks the second: Enter on an exact row takes it, no new lookup.
        update(&mut a, key(KeyCode::Down));
        let e = update(&mut a, key(KeyCode::Enter));
        assert!(!e.iter().any(|e| matches!(e, Effect::Resolve { .. })));
        assert_eq!(
            a.picker(PickKind::Group)
                .chosen
                .as_ref()
                .map(|c| c.detail.as_str()),
            Some("marketing-us")
        );

        typing(&mut a, PickKind::Member, "nobody@contoso.com");
        let gen = enter_resolves(&mut a, PickKind::Member, "nobody@contoso.com");
        update(
            &mut a,
            Msg::SearchDone {
                kind: PickKind::Member,
                gen,
                result: Ok(Vec::new()),
            },
        );
        let p = a.picker(PickKind::Member);
        assert!(p.open && p.chosen.is_none());
        assert_eq!(
            p.error.as_deref(),
            Some("No user, group, device, service principal or contact named \"nobody@contoso.com\" was found.")
        );
    }

    #[test]
    fn a_full_upn_resolves_even_over_a_prefix_row_and_typing_drops_the_answer() {
        let mut a = ready_app();
        typing(&mut a, PickKind::Member, "ben@contoso.com");
        a.picker_mut(PickKind::Member).results =
            vec![row("1", "Ben Member (old)", "ben@contoso.com.old")];
        let gen = enter_resolves(&mut a, PickKind::Member, "ben@contoso.com");
        // Typing again starts a search: the resolution's answer is for an older query.
        update(&mut a, super::super::tests::ch('x'));
        update(
            &mut a,
            Msg::SearchDone {
                kind: PickKind::Member,
                gen,
                result: Ok(vec![row("2", "Ben Member", "ben@contoso.com")]),
            },
        );
        let p = a.picker(PickKind::Member);
        assert!(p.chosen.is_none() && !p.resolving);
        // A row that is the typed text exactly is taken without a lookup.
        typing(&mut a, PickKind::Member, "ben@contoso.com");
        a.picker_mut(PickKind::Member).results = vec![row("2", "Ben Member", "ben@contoso.com")];
        let e = update(&mut a, key(KeyCode::Enter));
        assert!(!e.iter().any(|e| matches!(e, Effect::Resolve { .. })));
        assert_eq!(
            a.picker(PickKind::Member)
                .chosen
                .as_ref()
                .map(|c| c.id.as_str()),
            Some("2")
        );
    }

    #[test]
    fn the_message_is_drawn_in_the_open_picker() {
        let mut a = ready_app();
        typing(&mut a, PickKind::Group, "Nope");
        let gen = enter_resolves(&mut a, PickKind::Group, "Nope");
        update(
            &mut a,
            Msg::SearchDone {
                kind: PickKind::Group,
                gen,
                result: Ok(Vec::new()),
            },
        );
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30))
            .expect("test backend");
        t.draw(|f| crate::tui::view::view(&a, f)).expect("draws");
        let text: String = t
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(
            text.contains("No group named \"Nope\" was found."),
            "{text}"
        );
    }

    /// The runtime's half: the resolution over HTTP against the simulated tenant.
    #[tokio::test]
    async fn resolutions_against_the_simulated_tenant() {
        let scenario = crate::sim::Scenario::load("healthy-app").expect("scenario");
        let server = crate::sim::SimServer::start(scenario, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("sim");
        let client = crate::graph::GraphClient::new(
            crate::auth::Cloud::Global,
            Some(&server.base_url),
            std::time::Duration::from_secs(10),
        )
        .expect("client");
        let token = server.token("diagnosed").expect("token");
        let one = crate::tui::picker::resolve(&client, &token, PickKind::Member, "BEN@contoso.com")
            .await
            .expect("answered");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].id, "10000000-0000-4000-8000-000000000002");
        let two = crate::tui::picker::resolve(&client, &token, PickKind::Group, "Marketing")
            .await
            .expect("answered");
        assert_eq!(two.len(), 2);
        server.shutdown().await;
    }
}
