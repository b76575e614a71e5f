//! The explorer: a search bar across every kind of directory object, and a page per object whose
//! tabs are read on demand (`graph::explore`), with a breadcrumb of the pages followed.
//!
//! Like every screen, pure: keys and answers change [`Explorer`] and ask for reads as
//! [`ExploreEffect`]s, which the runtime runs as background tasks. Each read carries a generation
//! number; leaving a page cancels its reads ([`ExploreEffect::CancelReads`]) and an answer whose
//! generation is no longer wanted is dropped, so the page shown is always the one asked for.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;

use crate::graph::directory::{DirectoryObject, ObjectType, Section};
use crate::graph::explore::{self, Page, Row, Tab, TabError};
use crate::graph::GraphRequest;
use crate::knowledge::Flow;
use crate::report::OperationKind;
use crate::secret::Secret;
use crate::tui::app::keymap::{is_down, is_up};
use crate::tui::app::{input_request, start_run, App, Effect, Screen};
use crate::tui::picker::{item, PickItem, PickKind};

/// How far PgUp/PgDn move.
const PAGE: usize = 10;
/// Rows before the end of what is loaded at which the next page is asked for.
const PREFETCH: usize = 5;

/// The explorer's state.
#[derive(Debug, Clone, Default)]
pub struct Explorer {
    pub query: Input,
    /// The search bar takes the keys.
    pub editing: bool,
    pub searching: bool,
    pub search_gen: u64,
    pub sections: Vec<ResultSection>,
    pub search_error: Option<String>,
    /// The highlighted result (index into [`Explorer::results`]).
    pub cursor: usize,
    /// The pages followed, the last one shown; empty: the search results are shown.
    pub stack: Vec<ObjectPage>,
}

/// One kind of object in the search results.
#[derive(Debug, Clone)]
pub struct ResultSection {
    pub kind: ObjectType,
    pub items: Vec<PickItem>,
    pub types: Vec<ObjectType>,
    pub count: Option<u64>,
    pub next: Option<GraphRequest>,
    /// The generation of the next page asked for, while it is in flight.
    pub loading: Option<u64>,
    pub error: Option<String>,
}

/// An object's page.
#[derive(Debug, Clone)]
pub struct ObjectPage {
    pub id: String,
    pub kind: ObjectType,
    pub name: String,
    pub tabs: Vec<TabView>,
    pub tab: usize,
}

/// One tab of a page, as read so far.
#[derive(Debug, Clone)]
pub struct TabView {
    pub tab: Tab,
    pub rows: Vec<Row>,
    pub count: Option<u64>,
    pub next: Option<GraphRequest>,
    pub state: TabState,
    pub cursor: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabState {
    /// Not read yet (or its read was cancelled when the operator left the page).
    Unread,
    /// A read is in flight: its generation.
    Loading(u64),
    Done,
    Failed(String),
}

/// What the explorer asks the runtime to do.
#[derive(Debug)]
pub enum ExploreEffect {
    /// Search every kind (after the debounce), replacing the search in flight.
    Search {
        gen: u64,
        query: String,
        token: Secret,
    },
    /// The next page of one kind of results.
    More {
        gen: u64,
        request: GraphRequest,
        holds: ObjectType,
        token: Secret,
    },
    /// One page of a tab.
    Read {
        gen: u64,
        kind: ObjectType,
        tab: Tab,
        request: GraphRequest,
        flow: Flow,
        token: Secret,
    },
    /// Abort every tab read in flight (the operator left the page).
    CancelReads,
    /// Abort everything the explorer has in flight (leaving the explorer).
    CancelAll,
    /// Open this URL in a browser when there is one (the status line shows it either way).
    OpenUrl(String),
}

/// The answers to [`ExploreEffect`]s.
#[derive(Debug)]
pub enum ExploreMsg {
    Searched {
        gen: u64,
        sections: Vec<Section>,
    },
    More {
        gen: u64,
        result: Result<(Vec<DirectoryObject>, Option<GraphRequest>), String>,
    },
    Read {
        gen: u64,
        result: Result<Page, TabError>,
    },
}

impl Explorer {
    /// The result rows in order: (section, index in it).
    pub fn results(&self) -> Vec<(usize, usize)> {
        self.sections
            .iter()
            .enumerate()
            .flat_map(|(s, sec)| (0..sec.items.len()).map(move |i| (s, i)))
            .collect()
    }

    pub fn page(&self) -> Option<&ObjectPage> {
        self.stack.last()
    }

    /// Whether a spinner turns somewhere in the explorer.
    pub fn busy(&self) -> bool {
        self.searching
            || self.sections.iter().any(|s| s.loading.is_some())
            || self.stack.last().is_some_and(|p| {
                p.tabs
                    .iter()
                    .any(|t| matches!(t.state, TabState::Loading(_)))
            })
    }

    /// The breadcrumb: the names of the pages followed.
    pub fn breadcrumb(&self) -> Vec<String> {
        self.stack.iter().map(|p| p.name.clone()).collect()
    }
}

impl ObjectPage {
    fn new(id: &str, kind: ObjectType, name: &str) -> ObjectPage {
        ObjectPage {
            id: id.to_string(),
            tabs: explore::tabs_for(&kind)
                .iter()
                .map(|t| TabView {
                    tab: *t,
                    rows: Vec::new(),
                    count: None,
                    next: None,
                    state: TabState::Unread,
                    cursor: 0,
                })
                .collect(),
            kind,
            name: name.to_string(),
            tab: 0,
        }
    }

    pub fn current(&self) -> Option<&TabView> {
        self.tabs.get(self.tab)
    }
}

/// The flow of the token the explorer reads with (its refusals name a permission of this flow).
fn flow(app: &App) -> Flow {
    let held = app.reader.as_ref().or(app.token.as_ref());
    match held.and_then(|h| h.decoded.as_ref().ok()).map(|i| i.kind()) {
        Some(crate::auth::jwt::TokenKind::AppOnly) => Flow::Application,
        _ => Flow::Delegated,
    }
}

/// Opens the explorer (from the Connect screen), once there is a token to read with.
pub(super) fn open(app: &mut App) -> Vec<Effect> {
    if app.search_token().is_none() || app.endpoint.is_none() {
        app.error("The explorer reads with a token: paste one, load a file or sign in first.");
        return Vec::new();
    }
    app.screen = Screen::Explorer;
    if app.explorer.stack.is_empty() {
        app.explorer.editing = true;
    }
    // Back on the page left for a diagnosis: a tab whose read was cancelled is read again.
    read_tab(app)
}

fn search(app: &mut App) -> Vec<Effect> {
    let query = app.explorer.query.value().trim().to_string();
    let gen = app.next_gen();
    let Some(token) = app.search_token() else {
        return Vec::new();
    };
    let e = &mut app.explorer;
    e.search_gen = gen;
    e.search_error = None;
    if query.is_empty() {
        e.searching = false;
        e.sections.clear();
        e.cursor = 0;
        return vec![Effect::Explore(ExploreEffect::CancelAll)];
    }
    e.searching = true;
    vec![Effect::Explore(ExploreEffect::Search { gen, query, token })]
}

/// Reads the current tab of the page shown, unless it is read or being read.
fn read_tab(app: &mut App) -> Vec<Effect> {
    let gen = app.next_gen();
    let flow = flow(app);
    let Some(token) = app.search_token() else {
        return Vec::new();
    };
    let Some(page) = app.explorer.stack.last_mut() else {
        return Vec::new();
    };
    let (kind, id) = (page.kind.clone(), page.id.clone());
    let Some(tv) = page.tabs.get_mut(page.tab) else {
        return Vec::new();
    };
    if tv.state != TabState::Unread {
        return Vec::new();
    }
    let Some(request) = explore::request(&kind, &id, tv.tab) else {
        tv.state = TabState::Failed("this kind of object has no such tab".into());
        return Vec::new();
    };
    tv.state = TabState::Loading(gen);
    vec![Effect::Explore(ExploreEffect::Read {
        gen,
        kind,
        tab: tv.tab,
        request,
        flow,
        token,
    })]
}

/// Asks for the current tab's next page when the cursor nears the end of what is loaded.
fn more_rows(app: &mut App) -> Vec<Effect> {
    let gen = app.next_gen();
    let flow = flow(app);
    let Some(token) = app.search_token() else {
        return Vec::new();
    };
    let Some(page) = app.explorer.stack.last_mut() else {
        return Vec::new();
    };
    let kind = page.kind.clone();
    let Some(tv) = page.tabs.get_mut(page.tab) else {
        return Vec::new();
    };
    if tv.state != TabState::Done || tv.cursor + PREFETCH < tv.rows.len() {
        return Vec::new();
    }
    let Some(request) = tv.next.clone() else {
        return Vec::new();
    };
    tv.state = TabState::Loading(gen);
    vec![Effect::Explore(ExploreEffect::Read {
        gen,
        kind,
        tab: tv.tab,
        request,
        flow,
        token,
    })]
}

/// Asks for the next page of the highlighted result's kind when the cursor nears its end.
fn more_results(app: &mut App) -> Vec<Effect> {
    let rows = app.explorer.results();
    let Some((s, i)) = rows.get(app.explorer.cursor).copied() else {
        return Vec::new();
    };
    let gen = app.next_gen();
    let Some(token) = app.search_token() else {
        return Vec::new();
    };
    let Some(sec) = app.explorer.sections.get_mut(s) else {
        return Vec::new();
    };
    if sec.loading.is_some() || i + PREFETCH < sec.items.len() {
        return Vec::new();
    }
    let Some(request) = sec.next.clone() else {
        return Vec::new();
    };
    sec.loading = Some(gen);
    vec![Effect::Explore(ExploreEffect::More {
        gen,
        request,
        holds: sec.kind.clone(),
        token,
    })]
}

/// Leaves the page shown: its reads in flight are cancelled and will be read again on return.
fn leave_page(app: &mut App) -> Vec<Effect> {
    if let Some(p) = app.explorer.stack.last_mut() {
        for t in &mut p.tabs {
            if matches!(t.state, TabState::Loading(_)) {
                // A first page never arrived: read it again; a next page: ask again on scroll.
                t.state = if t.rows.is_empty() {
                    TabState::Unread
                } else {
                    TabState::Done
                };
            }
        }
    }
    vec![Effect::Explore(ExploreEffect::CancelReads)]
}

/// Opens an object's page on top of the breadcrumb.
fn follow(app: &mut App, id: &str, kind: ObjectType, name: &str) -> Vec<Effect> {
    let mut effects = leave_page(app);
    app.explorer.stack.push(ObjectPage::new(id, kind, name));
    app.explorer.editing = false;
    effects.extend(read_tab(app));
    effects
}

/// Back along the breadcrumb; from the first page, to the search results; from there, out.
fn back(app: &mut App) -> Vec<Effect> {
    if app.explorer.stack.is_empty() {
        app.screen = Screen::Connect;
        return vec![Effect::Explore(ExploreEffect::CancelAll)];
    }
    let mut effects = leave_page(app);
    app.explorer.stack.pop();
    effects.extend(read_tab(app));
    effects
}

/// A key on the Explorer screen.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if app.explorer.editing {
        return match key.code {
            KeyCode::Esc => {
                app.explorer.editing = false;
                if app.explorer.query.value().is_empty() && app.explorer.stack.is_empty() {
                    return back(app);
                }
                Vec::new()
            }
            KeyCode::Enter | KeyCode::Down | KeyCode::Tab => {
                app.explorer.editing = false;
                Vec::new()
            }
            _ => match input_request(&key) {
                Some(req) => {
                    if app.explorer.query.handle(req).is_some_and(|c| c.value) {
                        search(app)
                    } else {
                        Vec::new()
                    }
                }
                None => Vec::new(),
            },
        };
    }
    if key.code == KeyCode::Char('/') {
        let mut effects = Vec::new();
        if !app.explorer.stack.is_empty() {
            effects.extend(leave_page(app));
            app.explorer.stack.clear();
        }
        app.explorer.editing = true;
        return effects;
    }
    if matches!(key.code, KeyCode::Esc | KeyCode::Backspace) {
        return back(app);
    }
    if app.explorer.stack.is_empty() {
        results_key(app, key)
    } else {
        page_key(app, key)
    }
}

fn moved(cursor: usize, len: usize, key: &KeyEvent) -> Option<usize> {
    let last = len.saturating_sub(1);
    Some(match key.code {
        _ if is_up(key) => cursor.saturating_sub(1),
        _ if is_down(key) => (cursor + 1).min(last),
        KeyCode::PageUp => cursor.saturating_sub(PAGE),
        KeyCode::PageDown => (cursor + PAGE).min(last),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        _ => return None,
    })
}

fn results_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let rows = app.explorer.results();
    if let Some(c) = moved(app.explorer.cursor, rows.len(), &key) {
        app.explorer.cursor = c;
        return more_results(app);
    }
    let selected = rows.get(app.explorer.cursor).and_then(|(s, i)| {
        let sec = app.explorer.sections.get(*s)?;
        Some((sec.items.get(*i)?.clone(), sec.types.get(*i)?.clone()))
    });
    match key.code {
        KeyCode::Enter | KeyCode::Right => match selected {
            Some((item, kind)) => follow(app, &item.id, kind, &item.name),
            None => Vec::new(),
        },
        KeyCode::Char('y') => match selected {
            Some((item, _)) => copy_id(app, &item.id),
            None => Vec::new(),
        },
        KeyCode::Char('o') => match selected {
            Some((item, kind)) => open_url(app, &kind, &item.id),
            None => Vec::new(),
        },
        KeyCode::Char('d') => match selected {
            Some((item, kind)) => diagnose(app, (item, kind), None),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn page_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(page) = app.explorer.stack.last_mut() else {
        return Vec::new();
    };
    let n = page.tabs.len().max(1);
    let shift_tab = key.code == KeyCode::BackTab
        || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT));
    if shift_tab || matches!(key.code, KeyCode::Left | KeyCode::Char('h')) {
        page.tab = (page.tab + n - 1) % n;
        return read_tab(app);
    }
    if matches!(key.code, KeyCode::Tab | KeyCode::Right | KeyCode::Char('l')) {
        page.tab = (page.tab + 1) % n;
        return read_tab(app);
    }
    if let KeyCode::Char(c @ '1'..='9') = key.code {
        let i = (c as usize) - ('1' as usize);
        if i < page.tabs.len() {
            page.tab = i;
            return read_tab(app);
        }
        return Vec::new();
    }
    let (id, kind, name) = (page.id.clone(), page.kind.clone(), page.name.clone());
    let tab = page.tab;
    let Some(tv) = page.tabs.get_mut(tab) else {
        return Vec::new();
    };
    if let Some(c) = moved(tv.cursor, tv.rows.len(), &key) {
        tv.cursor = c;
        return more_rows(app);
    }
    let row = tv.rows.get(tv.cursor).cloned();
    match key.code {
        KeyCode::Enter => match row.and_then(|r| r.link.map(|l| (l, r.text))) {
            Some(((lid, lkind), text)) => follow(app, &lid, lkind, &text),
            None => {
                app.info("This row links to no object.");
                Vec::new()
            }
        },
        KeyCode::Char('y') => copy_id(app, &id),
        KeyCode::Char('o') => open_url(app, &kind, &id),
        KeyCode::Char('d') => {
            let here = (
                PickItem {
                    id: id.clone(),
                    name: name.clone(),
                    detail: String::new(),
                    badges: Vec::new(),
                },
                kind,
            );
            let other = row.and_then(|r| {
                r.link.map(|(lid, lkind)| {
                    (
                        PickItem {
                            id: lid,
                            name: r.text,
                            detail: String::new(),
                            badges: Vec::new(),
                        },
                        lkind,
                    )
                })
            });
            diagnose(app, here, other)
        }
        KeyCode::Char('r') => {
            if let Some(tv) = app
                .explorer
                .stack
                .last_mut()
                .and_then(|p| p.tabs.get_mut(tab))
            {
                *tv = TabView {
                    tab: tv.tab,
                    rows: Vec::new(),
                    count: None,
                    next: None,
                    state: TabState::Unread,
                    cursor: 0,
                };
            }
            read_tab(app)
        }
        _ => Vec::new(),
    }
}

fn copy_id(app: &mut App, id: &str) -> Vec<Effect> {
    app.info(format!("Copied the id {id}"));
    vec![Effect::Copy(id.to_string())]
}

fn open_url(app: &mut App, kind: &ObjectType, id: &str) -> Vec<Effect> {
    let url = explore::admin_center_url(kind, id);
    app.info(format!("Entra admin center: {url}"));
    vec![Effect::Explore(ExploreEffect::OpenUrl(url))]
}

/// Where an object fits in an add-member diagnosis: a group or an administrative unit is the
/// target, anything else the member.
fn role_of(kind: &ObjectType) -> Option<PickKind> {
    match kind {
        ObjectType::Group => Some(PickKind::Group),
        ObjectType::AdministrativeUnit => Some(PickKind::AdministrativeUnit),
        ObjectType::User
        | ObjectType::Device
        | ObjectType::ServicePrincipal
        | ObjectType::Contact => Some(PickKind::Member),
        ObjectType::Other(_) => None,
    }
}

/// `d`: diagnose adding a member with what is selected. The page's object takes its place
/// (target or member) and the highlighted row, when it fits, the other; the diagnosis starts
/// when both are known, else the Target screen asks for the other one.
fn diagnose(
    app: &mut App,
    here: (PickItem, ObjectType),
    other: Option<(PickItem, ObjectType)>,
) -> Vec<Effect> {
    let Some(here_role) = role_of(&here.1) else {
        app.error("Only a group, an administrative unit or a member can be diagnosed.");
        return Vec::new();
    };
    // A group can also be the member (of another group or an AU): when the page is a user's and
    // the row a group, the row is the target.
    let other_role = other.as_ref().and_then(|(_, k)| role_of(k)).filter(|r| {
        (*r == PickKind::Member) != (here_role == PickKind::Member)
            || (here_role == PickKind::Group && *r == PickKind::Group)
    });
    let mut chosen: Vec<(PickKind, PickItem)> = Vec::new();
    match (here_role, other_role, other) {
        (PickKind::Group, Some(PickKind::Group), Some((o, _))) => {
            // A group row on a group's page: a nested group, added as a member.
            chosen.push((PickKind::Group, here.0));
            chosen.push((PickKind::Member, o));
        }
        (h, Some(r), Some((o, _))) => {
            chosen.push((h, here.0));
            chosen.push((r, o));
        }
        (h, _, _) => chosen.push((h, here.0)),
    }
    app.request = None;
    let target = chosen
        .iter()
        .find(|(k, _)| *k != PickKind::Member)
        .map(|(k, _)| *k);
    app.operation = match target {
        Some(PickKind::AdministrativeUnit) => OperationKind::AddAuMember,
        _ => OperationKind::AddGroupMember,
    };
    for (k, it) in chosen {
        app.picker_mut(k).chosen = Some(it);
    }
    let mut effects = vec![Effect::Explore(ExploreEffect::CancelAll)];
    effects.extend(leave_page(app));
    if app.missing().is_empty() {
        effects.extend(start_run(app));
    } else {
        app.screen = Screen::Target;
        let rows = crate::tui::app::target_rows(app.operation);
        app.target_focus = rows
            .iter()
            .position(|r| {
                matches!(r, crate::tui::app::TargetRow::Pick(k) if app.picker(*k).chosen.is_none())
            })
            .unwrap_or(0);
        app.error(format!(
            "Still needed: {}: pick it here, or go back to the explorer with /.",
            app.missing().join(", ")
        ));
    }
    effects.extend(crate::tui::app::resolve_chosen(app));
    effects
}

/// An answer of the runtime.
pub(super) fn on_msg(app: &mut App, msg: ExploreMsg) -> Vec<Effect> {
    match msg {
        ExploreMsg::Searched { gen, sections } => {
            let e = &mut app.explorer;
            if gen != e.search_gen {
                return Vec::new();
            }
            e.searching = false;
            e.cursor = 0;
            let errors: Vec<String> = sections
                .iter()
                .filter_map(|s| s.error.as_ref().map(|e| e.to_string()))
                .collect();
            e.sections = sections
                .into_iter()
                .filter(|s| !s.objects.is_empty() || s.error.is_some())
                .map(|s| ResultSection {
                    items: s.objects.iter().map(item).collect(),
                    types: s.objects.iter().map(|o| o.object_type.clone()).collect(),
                    kind: s.holds,
                    count: s.count,
                    next: s.next,
                    loading: None,
                    error: s.error.map(|e| crate::secret::redact(&e.to_string())),
                })
                .collect();
            e.search_error = (!errors.is_empty() && e.sections.iter().all(|s| s.items.is_empty()))
                .then(|| format!("search failed: {}", errors.join(", ")));
            Vec::new()
        }
        ExploreMsg::More { gen, result } => {
            let Some(sec) = app
                .explorer
                .sections
                .iter_mut()
                .find(|s| s.loading == Some(gen))
            else {
                return Vec::new();
            };
            sec.loading = None;
            match result {
                Ok((objects, next)) => {
                    for o in &objects {
                        if !sec.items.iter().any(|i| i.id == o.id) {
                            sec.items.push(item(o));
                            sec.types.push(o.object_type.clone());
                        }
                    }
                    sec.next = next;
                }
                Err(e) => {
                    sec.next = None;
                    sec.error = Some(crate::secret::redact(&e));
                }
            }
            Vec::new()
        }
        ExploreMsg::Read { gen, result } => {
            let Some(page) = app.explorer.stack.last_mut() else {
                return Vec::new();
            };
            let Some(ti) = page
                .tabs
                .iter()
                .position(|t| t.state == TabState::Loading(gen))
            else {
                return Vec::new();
            };
            match result {
                Ok(p) => {
                    if let (ObjectType::Other(_), Some(t)) = (&page.kind, &p.object_type) {
                        // The page of an object known only by id: now its kind is known, its tabs are.
                        if !matches!(t, ObjectType::Other(_)) {
                            let name = page.name.clone();
                            let id = page.id.clone();
                            *page = ObjectPage::new(&id, t.clone(), &name);
                            if let Some(first) = page.tabs.first_mut() {
                                first.rows = p.rows;
                                first.state = TabState::Done;
                            }
                            return Vec::new();
                        }
                    }
                    let tv = &mut page.tabs[ti];
                    tv.rows.extend(p.rows);
                    tv.count = p.count.or(tv.count);
                    tv.next = p.next;
                    tv.state = TabState::Done;
                    if tv.tab == Tab::Properties {
                        if let Some(n) = tv
                            .rows
                            .iter()
                            .find(|r| r.text == "displayName")
                            .map(|r| r.detail.clone())
                        {
                            page.name = n;
                        }
                    }
                }
                Err(e) => page.tabs[ti].state = TabState::Failed(e.message),
            }
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::{update, Config, Msg};
    use crate::tui::theme::Theme;

    fn app() -> App {
        let mut a = App::new(
            Config {
                graph_url: Some("http://127.0.0.1:9".into()),
                ..Config::default()
            },
            Theme::default(),
            0,
        );
        a.set_token(crate::tui::app::Slot::Diagnosed, Secret::new("t"), "test");
        a
    }

    fn press(a: &mut App, code: KeyCode) -> Vec<Effect> {
        update(a, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn section(kind: ObjectType, ids: &[&str], next: bool) -> Section {
        Section {
            holds: kind.clone(),
            objects: ids
                .iter()
                .map(|id| DirectoryObject {
                    id: id.to_string(),
                    object_type: kind.clone(),
                    display_name: Some(format!("name {id}")),
                    ..DirectoryObject::from_value(&serde_json::json!({"id": id}), &kind)
                        .expect("object")
                })
                .collect(),
            count: Some(ids.len() as u64 + u64::from(next) * 100),
            next: next.then(|| GraphRequest::get("/v1.0/groups?$skiptoken=x")),
            error: None,
        }
    }

    fn reads(effects: &[Effect]) -> Vec<(u64, Tab, String)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Explore(ExploreEffect::Read {
                    gen, tab, request, ..
                }) => Some((*gen, *tab, request.path.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn search_open_follow_back_and_diagnose() {
        let mut a = app();
        assert!(open(&mut a).is_empty());
        assert_eq!(a.screen, Screen::Explorer);
        assert!(a.explorer.editing);
        let e = press(&mut a, KeyCode::Char('S'));
        let gen = match e.as_slice() {
            [Effect::Explore(ExploreEffect::Search { gen, query, .. })] => {
                assert_eq!(query, "S");
                *gen
            }
            other => panic!("{other:?}"),
        };
        // A stale answer is dropped.
        on_msg(
            &mut a,
            ExploreMsg::Searched {
                gen: gen + 100,
                sections: vec![section(ObjectType::Group, &["old"], false)],
            },
        );
        assert!(a.explorer.sections.is_empty());
        on_msg(
            &mut a,
            ExploreMsg::Searched {
                gen,
                sections: vec![section(ObjectType::Group, &["g1"], false)],
            },
        );
        press(&mut a, KeyCode::Enter);
        assert!(!a.explorer.editing);
        let e = press(&mut a, KeyCode::Enter);
        let r = reads(&e);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].1, Tab::Properties);
        assert_eq!(a.explorer.breadcrumb(), ["name g1"]);
        // Tab to Members: its read goes out; the answer fills the tab with a link.
        let e = press(&mut a, KeyCode::Tab);
        let r = reads(&e);
        assert_eq!(r[0].1, Tab::Members);
        let page = Page {
            rows: vec![Row {
                text: "Ben".into(),
                detail: "user".into(),
                link: Some(("u1".into(), ObjectType::User)),
            }],
            count: Some(1),
            next: None,
            object_type: None,
        };
        on_msg(
            &mut a,
            ExploreMsg::Read {
                gen: r[0].0,
                result: Ok(page),
            },
        );
        // Follow the member: the group's page is left (its reads cancelled), Ben's is read.
        let e = press(&mut a, KeyCode::Enter);
        assert!(e
            .iter()
            .any(|e| matches!(e, Effect::Explore(ExploreEffect::CancelReads))));
        assert_eq!(a.explorer.breadcrumb(), ["name g1", "Ben"]);
        // The properties read of g1 never came back: it is asked again on return.
        let e = press(&mut a, KeyCode::Backspace);
        assert_eq!(a.explorer.breadcrumb(), ["name g1"]);
        assert_eq!(a.explorer.page().map(|p| p.tab), Some(1));
        assert!(reads(&e).is_empty(), "Members was read already");
        // d: the group is the target, the highlighted member the member; the run starts.
        let e = press(&mut a, KeyCode::Char('d'));
        assert!(e.iter().any(|e| matches!(e, Effect::Diagnose { .. })));
        let op = a.operation();
        assert_eq!(op.group.as_deref(), Some("g1"));
        assert_eq!(op.member.as_deref(), Some("u1"));
        assert_eq!(a.screen, Screen::Wizard);
        // Back to the explorer: the page as it was left, its unanswered Properties read again.
        a.screen = Screen::Connect;
        a.explorer.stack[0].tab = 0;
        let e = open(&mut a);
        assert_eq!(a.screen, Screen::Explorer);
        assert_eq!(reads(&e).first().map(|r| r.1), Some(Tab::Properties));
    }

    #[test]
    fn scrolling_asks_for_the_next_page_only_near_the_end() {
        let mut a = app();
        open(&mut a);
        a.explorer.editing = false;
        a.explorer.search_gen = 7;
        let ids: Vec<String> = (0..20).map(|i| format!("g{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        on_msg(
            &mut a,
            ExploreMsg::Searched {
                gen: 7,
                sections: vec![section(ObjectType::Group, &refs, true)],
            },
        );
        let asks = |e: &[Effect]| {
            e.iter()
                .filter(|e| matches!(e, Effect::Explore(ExploreEffect::More { .. })))
                .count()
        };
        for _ in 0..10 {
            assert_eq!(asks(&press(&mut a, KeyCode::Down)), 0);
        }
        let mut asked = 0;
        for _ in 0..10 {
            asked += asks(&press(&mut a, KeyCode::Down));
        }
        assert_eq!(asked, 1, "one next page, asked once while in flight");
        let gen = a.explorer.sections[0].loading.expect("loading");
        on_msg(
            &mut a,
            ExploreMsg::More {
                gen,
                result: Ok((Vec::new(), None)),
            },
        );
        assert!(a.explorer.sections[0].next.is_none());
    }

    #[test]
    fn a_refusal_shows_in_the_tab_and_esc_leaves_the_explorer() {
        let mut a = app();
        open(&mut a);
        a.explorer.editing = false;
        let e = follow(&mut a, "u1", ObjectType::User, "Ben");
        let gen = reads(&e)[0].0;
        on_msg(
            &mut a,
            ExploreMsg::Read {
                gen,
                result: Err(TabError {
                    status: Some(403),
                    code: Some("Authorization_RequestDenied".into()),
                    needs: Some("User.Read.All".into()),
                    message: "403: the reading token lacks User.Read.All".into(),
                }),
            },
        );
        assert!(matches!(
            a.explorer.page().and_then(|p| p.current()).map(|t| &t.state),
            Some(TabState::Failed(m)) if m.contains("User.Read.All")
        ));
        press(&mut a, KeyCode::Esc);
        assert!(a.explorer.stack.is_empty());
        let e = press(&mut a, KeyCode::Esc);
        assert_eq!(a.screen, Screen::Connect);
        assert!(e
            .iter()
            .any(|e| matches!(e, Effect::Explore(ExploreEffect::CancelAll))));
    }
}
