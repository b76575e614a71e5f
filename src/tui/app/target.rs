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

fn search(app: &mut App, kind: PickKind) -> Vec<Effect> {
    let query = app.picker(kind).input.value().trim().to_string();
    let gen = app.next_gen();
    let token = app.search_token();
    let graph = app.endpoint.is_some();
    let p = app.picker_mut(kind);
    p.gen = gen;
    p.error = None;
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
