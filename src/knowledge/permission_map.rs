//! Any Graph request → the permissions it needs, per flow, from Microsoft's published
//! permissions map (the data behind the "Permissions" tables of every Graph API page and Graph
//! Explorer's permissions tab; vendored in `assets/graph-permissions/`, MIT licence), overridden
//! by the curated operation rows (`assets/knowledge/operations.json`) where those know better.
//!
//! The map is embedded in a compact form, parsed once on first use and indexed by method and
//! segment count. A lookup normalises the request ([`parse_request`]), matches it against the
//! templates (`{id}` stands for any segment), and reads, per scheme, the permissions the map
//! marks least privileged (`least=`) and the higher alternatives. How to read a permissions
//! table: https://learn.microsoft.com/en-us/graph/permissions-reference

mod data;
mod request;

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use data::{Method, PermissionInfo, Scheme, SchemeInfo};
pub use request::{parse_request, Request, RequestError, MAX_URL};

use data::{Map, Seg};

use super::operations::{self, Flow, MemberType, Requirement};
use crate::report::OperationKind;

/// Which table decided an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Microsoft's permissions map.
    Map,
    /// The curated operation rows (`assets/knowledge/operations.json`).
    Curated,
    /// Neither knows the request.
    None,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Map => "map",
            Source::Curated => "curated",
            Source::None => "none",
        }
    }
}

/// One permission that grants the request in a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionOption {
    pub name: String,
    /// Among the least privileged.
    pub least: bool,
    /// Whether granting it needs an administrator (`None`: the map does not know it).
    pub admin_consent: Option<bool>,
    /// The map's privilege level (1 lowest).
    pub privilege_level: Option<u8>,
    /// Permissions the map says it needs beside it (`AlsoRequires=`).
    pub also_requires: Vec<String>,
    /// A resource-specific-consent permission (granted on one team, chat or user).
    pub rsc: bool,
}

/// A requirement that changes with the request's body or target (curated rows only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// "the member is a device", "the group is role-assignable".
    pub when: String,
    /// Every entry must be met by one of its names, least privileged first.
    pub all_of: Vec<Vec<String>>,
    /// `all_of` is needed on top of the flow's answer (otherwise it replaces it).
    pub in_addition: bool,
}

/// The answer for one flow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowAnswer {
    /// The least-privileged permissions. From the map any one of them suffices (with what its
    /// `also_requires` names); from curated rows with `all_needed`, each of them is needed.
    pub least: Vec<String>,
    /// The higher-privileged permissions that also grant the request.
    pub alternatives: Vec<String>,
    /// The whole requirement: every entry met by one of its names, least privileged first.
    pub all_of: Vec<Vec<String>>,
    /// Each name of `least` is needed (a curated requirement of several entries).
    pub all_needed: bool,
    /// `least` comes from the source's own marker (`least=` in the map, the first name of a
    /// curated entry); false when the map marks none and `least` holds the lowest privilege
    /// level among the permissions it lists.
    pub least_marked: bool,
    /// Whether the least-privileged choice needs admin consent (`None`: unknown or no answer).
    pub admin_consent: Option<bool>,
    /// Every permission named, least privileged first.
    pub options: Vec<PermissionOption>,
    pub conditions: Vec<Condition>,
    /// Why no permission of this flow can make the request, when none can.
    pub unavailable: Option<String>,
}

impl FlowAnswer {
    pub fn is_empty(&self) -> bool {
        self.least.is_empty() && self.alternatives.is_empty()
    }
}

/// What the map says for a request the curated rows decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapView {
    pub template: String,
    pub delegated: FlowAnswer,
    pub application: FlowAnswer,
}

/// The permissions a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub request: Request,
    pub source: Source,
    /// The matched template (lower case, `{id}` style), e.g. `/users/{id}/memberof`.
    pub template: Option<String>,
    /// Every template whose answer was merged (the map sometimes spells one endpoint twice).
    pub templates: Vec<String>,
    pub delegated: FlowAnswer,
    pub application: FlowAnswer,
    pub delegated_personal: FlowAnswer,
    /// The curated operation that decided.
    pub operation: Option<OperationKind>,
    /// For a curated answer: what the map lists for the same request, if anything.
    pub map: Option<Box<MapView>>,
    /// How the request was matched, and anything else worth knowing.
    pub notes: Vec<String>,
    /// When nothing matched: the nearest templates.
    pub nearest: Vec<(Method, String)>,
}

impl Answer {
    /// The answer for a flow of the token (`delegated` is the work or school account scheme).
    pub fn flow(&self, flow: Flow) -> &FlowAnswer {
        match flow {
            Flow::Delegated => &self.delegated,
            Flow::Application => &self.application,
        }
    }
}

fn map() -> &'static Map {
    static M: OnceLock<Map> = OnceLock::new();
    M.get_or_init(|| match data::parse(data::TEXT) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "embedded permissions map is malformed");
            Map::default()
        }
    })
}

/// A curated route, compiled: the method, the template's segments, the operation, its row.
struct Route {
    method: Method,
    segs: Vec<Seg>,
    op: OperationKind,
    row: &'static operations::RequestRoute,
}

/// The curated routes, compiled once.
fn routes() -> &'static [Route] {
    static R: OnceLock<Vec<Route>> = OnceLock::new();
    R.get_or_init(|| {
        operations::requests()
            .iter()
            .filter_map(|row| {
                Some(Route {
                    method: Method::parse(&row.method)?,
                    op: OperationKind::parse(&row.operation)?,
                    segs: row
                        .template
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .map(|s| Seg::compile(&s.to_lowercase()))
                        .collect(),
                    row,
                })
            })
            .collect()
    })
}

/// A permission of the map by name (case-insensitive).
pub fn permission(name: &str) -> Option<&'static PermissionInfo> {
    map().permission(name)
}

/// The permission whose id (an app role id for the application flow, a delegated scope id for
/// the delegated one) is `id`, in the flow it has that id in: how an appRoleAssignment's
/// `appRoleId` is named (https://learn.microsoft.com/graph/permissions-reference lists both ids).
pub fn by_id(id: &str) -> Option<(&'static PermissionInfo, Flow)> {
    let id = id.trim();
    map().perms.iter().find_map(|p| {
        [
            (Scheme::Application, Flow::Application),
            (Scheme::DelegatedWork, Flow::Delegated),
        ]
        .into_iter()
        .find(|(s, _)| {
            p.scheme(*s)
                .and_then(|i| i.id)
                .is_some_and(|i| i.eq_ignore_ascii_case(id))
        })
        .map(|(_, f)| (p, f))
    })
}

/// The id of permission `name` in `flow` (app role id or delegated scope id), from the map.
pub fn id_of(name: &str, flow: Flow) -> Option<&'static str> {
    let scheme = match flow {
        Flow::Application => Scheme::Application,
        Flow::Delegated => Scheme::DelegatedWork,
    };
    permission(name)?.scheme(scheme)?.id
}

/// Every permission of the map.
pub fn permissions() -> &'static [PermissionInfo] {
    &map().perms
}

/// The size of the embedded compact map, in bytes.
pub fn embedded_bytes() -> usize {
    data::TEXT.len()
}

/// Parses the embedded map afresh, apart from the one kept for lookups, and returns how many
/// (method, template) entries it holds: for the benchmark of the parse.
pub fn parse_embedded() -> Result<usize, String> {
    data::parse(data::TEXT).map(|m| m.templates.len())
}

/// How many (method, template) entries the map has.
pub fn template_count() -> usize {
    map().templates.len()
}

/// Parses and looks up a request in one step.
pub fn lookup_str(method: &str, url: &str) -> Result<Answer, RequestError> {
    parse_request(method, url).map(|r| lookup(&r))
}

/// The permissions `req` needs.
pub fn lookup(req: &Request) -> Answer {
    let mut answer = Answer {
        request: req.clone(),
        source: Source::None,
        template: None,
        templates: Vec::new(),
        delegated: FlowAnswer::default(),
        application: FlowAnswer::default(),
        delegated_personal: FlowAnswer::default(),
        operation: None,
        map: None,
        notes: Vec::new(),
        nearest: Vec::new(),
    };
    let found = find_in_map(req);

    let curated = routes().iter().find(|r| {
        r.method == req.method
            && r.segs.len() == req.segments.len()
            && r.segs
                .iter()
                .zip(&req.segments)
                .all(|(s, seg)| s.score(seg).is_some())
    });
    if let Some(Route { op, row: route, .. }) = curated {
        answer.source = Source::Curated;
        answer.operation = Some(*op);
        answer.template = Some(route.template.clone());
        answer.templates = vec![route.template.clone()];
        answer.delegated = curated_flow(*op, Flow::Delegated);
        answer.application = curated_flow(*op, Flow::Application);
        answer.notes.push(format!(
            "decided by the curated {} rows (assets/knowledge/operations.json, {}): {}",
            op.as_str(),
            route.source,
            route.why
        ));
        if let Some(f) = found {
            answer.map = Some(Box::new(MapView {
                template: f.texts.first().cloned().unwrap_or_default(),
                delegated: f.flows[0].clone(),
                application: f.flows[2].clone(),
            }));
        }
        return answer;
    }

    match found {
        Some(f) => {
            answer.source = Source::Map;
            answer.template = f.texts.first().cloned();
            answer.templates = f.texts;
            answer.notes = f.notes;
            let [w, p, a] = f.flows;
            answer.delegated = w;
            answer.delegated_personal = p;
            answer.application = a;
            if req.segments.first().map(String::as_str) == Some("me") {
                answer.application = me_is_delegated_only(req);
            }
        }
        None => {
            let m = map();
            answer.nearest = m
                .nearest(req.method, &req.segments, 5)
                .into_iter()
                .filter_map(|i| m.templates.get(i as usize))
                .map(|t| (t.method, m.text_of(t)))
                .collect();
        }
    }
    answer
}

/// A match in the map: its templates, notes on how it matched, and the answer per scheme
/// (DelegatedWork, DelegatedPersonal, Application).
struct Found {
    texts: Vec<String>,
    notes: Vec<String>,
    flows: [FlowAnswer; 3],
}

/// Tries the request as it is, then without a trailing `$ref`/`$count`/`$value`, without OData
/// casts, and `/me/...` as `/users/{id}/...`, in that order.
fn find_in_map(req: &Request) -> Option<Found> {
    let m = map();
    for (segs, notes) in variants(&req.segments) {
        let hits = m.find(req.method, &segs);
        if hits.is_empty() {
            continue;
        }
        let texts = hits
            .iter()
            .filter_map(|&i| m.templates.get(i as usize))
            .map(|t| m.text_of(t))
            .collect::<Vec<_>>();
        let mut notes = notes;
        if texts.len() > 1 {
            notes.push(format!(
                "the map spells this endpoint {} ways ({}); their permissions are merged",
                texts.len(),
                texts.join(", ")
            ));
        }
        return Some(Found {
            texts,
            notes,
            flows: Scheme::ALL.map(|s| map_flow(m, &hits, s)),
        });
    }
    None
}

/// The request's segments to try, each with the note that explains it.
fn variants(segs: &[String]) -> Vec<(Vec<String>, Vec<String>)> {
    let mut bases = vec![(segs.to_vec(), Vec::new())];
    if segs.first().map(String::as_str) == Some("me") {
        let mut users = vec!["users".to_string(), "{id}".to_string()];
        users.extend(segs.iter().skip(1).cloned());
        bases.push((
            users,
            vec!["the map has no /me form of this request: matched as /users/{id}/...".into()],
        ));
    }
    let mut out: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for (base, notes) in bases {
        let suffix = base
            .last()
            .filter(|s| matches!(s.as_str(), "$ref" | "$count" | "$value"))
            .cloned();
        let stripped = suffix.as_ref().map(|s| {
            let mut n = notes.clone();
            n.push(format!("the map lists this request without /{s}"));
            (base[..base.len() - 1].to_vec(), n)
        });
        let mut tries = vec![(base.clone(), notes.clone())];
        tries.extend(stripped.clone());
        for (t, n) in [(base, notes)].into_iter().chain(stripped) {
            let casts: Vec<&String> = t
                .iter()
                .filter(|s| s.starts_with("microsoft.graph."))
                .collect();
            if casts.is_empty() {
                continue;
            }
            let mut n = n;
            n.push(format!(
                "matched without the cast {}: a cast filters the answer, the permissions are those of the uncast request",
                casts.iter().map(|c| format!("/{c}")).collect::<Vec<_>>().join(", ")
            ));
            tries.push((
                t.iter()
                    .filter(|s| !s.starts_with("microsoft.graph."))
                    .cloned()
                    .collect(),
                n,
            ));
        }
        for t in tries {
            if !t.0.is_empty() && !out.iter().any(|(s, _)| *s == t.0) {
                out.push(t);
            }
        }
    }
    out
}

/// The map's answer for one scheme, merged over the matched templates.
fn map_flow(m: &Map, hits: &[u32], scheme: Scheme) -> FlowAnswer {
    // permission → (least, also-requires)
    let mut merged: BTreeMap<u16, (bool, Vec<u16>)> = BTreeMap::new();
    for &i in hits {
        let Some(t) = m.templates.get(i as usize) else {
            continue;
        };
        for g in m.set(t.set) {
            if g.schemes & scheme.bit() == 0 {
                continue;
            }
            let e = merged.entry(g.perm).or_default();
            e.0 |= g.least & scheme.bit() != 0;
            for a in &g.also {
                if !e.1.contains(a) {
                    e.1.push(*a);
                }
            }
        }
    }
    let mut options: Vec<PermissionOption> = merged
        .iter()
        .filter_map(|(&p, (least, also))| {
            let info = m.perm(p)?;
            let s = info.scheme(scheme);
            Some(PermissionOption {
                name: info.name.to_string(),
                least: *least,
                admin_consent: s.map(|s| s.admin_consent),
                privilege_level: s.and_then(|s| s.privilege_level),
                also_requires: also
                    .iter()
                    .filter_map(|&a| m.perm(a).map(|i| i.name.to_string()))
                    .collect(),
                rsc: info.rsc,
            })
        })
        .collect();
    let least_marked = options.iter().any(|o| o.least);
    if !least_marked {
        // No `least=` marker for this scheme: the lowest privilege level the map gives.
        if let Some(low) = options.iter().filter_map(|o| o.privilege_level).min() {
            for o in &mut options {
                o.least = o.privilege_level == Some(low);
            }
        }
    }
    options.sort_by(|a, b| {
        b.least
            .cmp(&a.least)
            .then_with(|| {
                a.privilege_level
                    .unwrap_or(u8::MAX)
                    .cmp(&b.privilege_level.unwrap_or(u8::MAX))
            })
            .then_with(|| a.name.cmp(&b.name))
    });
    let least: Vec<String> = options
        .iter()
        .filter(|o| o.least)
        .map(|o| o.name.clone())
        .collect();
    let alternatives: Vec<String> = options
        .iter()
        .filter(|o| !o.least)
        .map(|o| o.name.clone())
        .collect();
    let admin_consent = any_of_consent(options.iter().filter(|o| o.least));
    let all_names: Vec<String> = options.iter().map(|o| o.name.clone()).collect();
    FlowAnswer {
        least,
        alternatives,
        all_of: if all_names.is_empty() {
            Vec::new()
        } else {
            vec![all_names]
        },
        all_needed: false,
        least_marked: least_marked || options.is_empty(),
        admin_consent,
        options,
        conditions: Vec::new(),
        unavailable: None,
    }
}

/// Admin consent for a choice of any one of `least`: needed unless one of them does not need it.
fn any_of_consent<'a>(least: impl Iterator<Item = &'a PermissionOption>) -> Option<bool> {
    let flags: Vec<Option<bool>> = least.map(|o| o.admin_consent).collect();
    if flags.is_empty() {
        None
    } else if flags.contains(&Some(false)) {
        Some(false)
    } else if flags.iter().all(|f| *f == Some(true)) {
        Some(true)
    } else {
        None
    }
}

/// `/me` is the signed-in user: an app-only token has none. Graph answers 400 "/me request is
/// only valid with delegated authentication flow"; application permissions are not supported
/// on `/me` (https://learn.microsoft.com/en-us/graph/api/user-get).
fn me_is_delegated_only(req: &Request) -> FlowAnswer {
    let mut users = vec!["users".to_string(), "{id}".to_string()];
    users.extend(req.segments.iter().skip(1).cloned());
    let mut why = String::from(
        "an app-only token has no signed-in user: Graph answers /me with 400 \"/me request is only valid with delegated authentication flow\"",
    );
    let m = map();
    let hits = m.find(req.method, &users);
    if let Some(t) = hits.first().and_then(|&i| m.templates.get(i as usize)) {
        let app = map_flow(m, &hits, Scheme::Application);
        if !app.least.is_empty() {
            why.push_str(&format!(
                "; call {} {} instead (application: {})",
                req.method.as_str(),
                m.text_of(t),
                app.least.join(" or ")
            ));
        }
    }
    FlowAnswer {
        least_marked: true,
        unavailable: Some(why),
        ..FlowAnswer::default()
    }
}

/// The curated answer for an operation in a flow: the user-member row, with the member types
/// whose requirement differs and the role-assignable extra as conditions.
fn curated_flow(op: OperationKind, flow: Flow) -> FlowAnswer {
    let Some(req) = operations::requirement(op, None, flow) else {
        return FlowAnswer {
            least_marked: true,
            unavailable: Some(format!("the curated rows have no {} row", flow.as_str())),
            ..FlowAnswer::default()
        };
    };
    let scheme = match flow {
        Flow::Delegated => Scheme::DelegatedWork,
        Flow::Application => Scheme::Application,
    };
    let least: Vec<String> = req.least().into_iter().map(str::to_string).collect();
    let mut alternatives: Vec<String> = Vec::new();
    for name in req.mentioned() {
        if !least.iter().any(|l| l == name) && !alternatives.iter().any(|a| a == name) {
            alternatives.push(name.to_string());
        }
    }
    let option = |name: &str, is_least: bool| {
        let info = permission(name);
        let s = info.and_then(|i| i.scheme(scheme));
        PermissionOption {
            name: name.to_string(),
            least: is_least,
            admin_consent: s.map(|s| s.admin_consent),
            privilege_level: s.and_then(|s| s.privilege_level),
            also_requires: Vec::new(),
            rsc: info.is_some_and(|i| i.rsc),
        }
    };
    let options: Vec<PermissionOption> = least
        .iter()
        .map(|n| option(n, true))
        .chain(alternatives.iter().map(|n| option(n, false)))
        .collect();
    let all_needed = req.all_of.len() > 1;
    let least_flags: Vec<Option<bool>> = options
        .iter()
        .filter(|o| o.least)
        .map(|o| o.admin_consent)
        .collect();
    let admin_consent = if !all_needed {
        any_of_consent(options.iter().filter(|o| o.least))
    } else if least_flags.contains(&Some(true)) {
        Some(true)
    } else if least_flags.iter().all(|f| *f == Some(false)) {
        Some(false)
    } else {
        None
    };
    FlowAnswer {
        least,
        alternatives,
        all_of: req.all_of.clone(),
        all_needed,
        least_marked: true,
        admin_consent,
        options,
        conditions: conditions(op, flow, req),
        unavailable: None,
    }
}

fn conditions(op: OperationKind, flow: Flow, user: &Requirement) -> Vec<Condition> {
    let mut out = Vec::new();
    for m in MemberType::ALL {
        if m == MemberType::User {
            continue;
        }
        if let Some(r) = operations::requirement(op, Some(m), flow) {
            if r.all_of != user.all_of {
                let when = format!("the member type is {}", m.as_str());
                out.push(match r.all_of.strip_prefix(user.all_of.as_slice()) {
                    Some(extra) => Condition {
                        when,
                        all_of: extra.to_vec(),
                        in_addition: true,
                    },
                    None => Condition {
                        when,
                        all_of: r.all_of.clone(),
                        in_addition: false,
                    },
                });
            }
        }
    }
    if op.targets_group() {
        if let Some(extra) = operations::role_assignable_extra() {
            out.push(Condition {
                when: "the group is role-assignable".into(),
                all_of: extra.all_of.clone(),
                in_addition: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
