//! The embedded compact map (`assets/graph-permissions/map.txt`): parsed once (names, ids and
//! segment text borrowed from the embedded text; each grant set parsed when a lookup first needs
//! it), indexed by method and segment count, matched segment by segment.
//!
//! The format is described in `examples/gen_permission_map/generate.rs`, which writes it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FNV-1a: the map's keys are short, fixed strings; hashing them is most of the parse with the
/// default SipHash.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The compact map, generated from Microsoft's permissions map (see `assets/graph-permissions/`).
pub(super) const TEXT: &str = include_str!("../../../assets/graph-permissions/map.txt");

/// The HTTP methods the map lists permissions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    /// From `GET`, `get`, ... (the methods Graph's permissions map lists).
    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A permission scheme of the map: how a permission is granted and carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Delegated, work or school account (`scp`).
    DelegatedWork,
    /// Delegated, personal Microsoft account.
    DelegatedPersonal,
    /// Application, app-only (`roles`).
    Application,
}

impl Scheme {
    pub const ALL: [Scheme; 3] = [
        Scheme::DelegatedWork,
        Scheme::DelegatedPersonal,
        Scheme::Application,
    ];

    pub(super) fn bit(self) -> u8 {
        match self {
            Scheme::DelegatedWork => 1,
            Scheme::DelegatedPersonal => 2,
            Scheme::Application => 4,
        }
    }

    fn index(self) -> usize {
        match self {
            Scheme::DelegatedWork => 0,
            Scheme::DelegatedPersonal => 1,
            Scheme::Application => 2,
        }
    }

    /// The map's scheme key (`DelegatedWork`, `DelegatedPersonal`, `Application`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::DelegatedWork => "DelegatedWork",
            Scheme::DelegatedPersonal => "DelegatedPersonal",
            Scheme::Application => "Application",
        }
    }

    /// How Microsoft's permission tables name the scheme.
    pub fn label(self) -> &'static str {
        match self {
            Scheme::DelegatedWork => "Delegated (work or school account)",
            Scheme::DelegatedPersonal => "Delegated (personal Microsoft account)",
            Scheme::Application => "Application",
        }
    }
}

/// What the map says about a permission in one scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeInfo {
    pub admin_consent: bool,
    /// The map's `privilegeLevel` (1 lowest); `None` when the map gives none.
    pub privilege_level: Option<u8>,
    /// The permission's id in the public cloud (app role id or delegated scope id).
    pub id: Option<&'static str>,
}

/// A permission of the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionInfo {
    pub name: &'static str,
    /// A resource-specific-consent permission (granted on one team, chat or user by its owner).
    pub rsc: bool,
    schemes: [Option<SchemeInfo>; 3],
}

impl PermissionInfo {
    pub fn scheme(&self, s: Scheme) -> Option<&SchemeInfo> {
        self.schemes[s.index()].as_ref()
    }
}

/// What one permission grants on one template: its schemes, the ones `least=` marks, and the
/// permissions `AlsoRequires=` names.
#[derive(Debug, Clone)]
pub(super) struct Grant {
    pub perm: u16,
    pub schemes: u8,
    pub least: u8,
    pub also: Vec<u16>,
}

/// One segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    /// A literal segment (`members`, `$ref`, `microsoft.graph.group`, `root:`).
    Lit(String),
    /// A whole-segment parameter (`{id}`, `{user-id}`).
    Param,
    /// Literal text with parameters inside (`getbyids(ids={value})`, `{id}:`).
    Pattern(Vec<Piece>),
    /// `...`: one or more segments (`childfolders/{id}/.../messages`).
    Rest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Lit(String),
    Hole,
}

impl Seg {
    /// Compiles a template segment (already lower case); whitespace is ignored, as in requests.
    pub(super) fn compile(seg: &str) -> Seg {
        if seg == "..." {
            return Seg::Rest;
        }
        let opens = seg.matches('{').count();
        if opens == 1 && seg.starts_with('{') && seg.ends_with('}') {
            return Seg::Param;
        }
        if opens == 0 {
            return Seg::Lit(squeeze(seg));
        }
        let mut pieces = Vec::new();
        let mut rest = seg;
        while let Some(i) = rest.find('{') {
            let lit = squeeze(&rest[..i]);
            if !lit.is_empty() {
                pieces.push(Piece::Lit(lit));
            }
            match rest[i..].find('}') {
                Some(j) => {
                    pieces.push(Piece::Hole);
                    rest = &rest[i + j + 1..];
                }
                None => {
                    pieces.push(Piece::Lit(squeeze(&rest[i..])));
                    rest = "";
                }
            }
        }
        let lit = squeeze(rest);
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Seg::Pattern(pieces)
    }

    /// How specifically this segment matches the request segment `r` (already normalised):
    /// 3 literal, 2 pattern, 1 parameter; `None` when it does not. `Rest` is the caller's.
    pub(super) fn score(&self, r: &str) -> Option<u8> {
        match self {
            Seg::Lit(s) => (s == r).then_some(3),
            Seg::Param => (!special(r)).then_some(1),
            Seg::Pattern(p) => (!special(r) && glob(p, r)).then_some(2),
            Seg::Rest => None,
        }
    }

    /// The literal text, for the nearest-template distance.
    fn literal(&self) -> Option<&str> {
        match self {
            Seg::Lit(s) => Some(s),
            _ => None,
        }
    }
}

/// Request segments a parameter never stands for: `$ref`, `$count`, `$value`, and OData casts.
fn special(r: &str) -> bool {
    r.starts_with('$') || r.starts_with("microsoft.graph.")
}

/// Lower-cased text without whitespace: how segments are compared.
pub(super) fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `s` matches the pieces, a hole standing for one or more characters.
fn glob(pieces: &[Piece], s: &str) -> bool {
    match pieces.split_first() {
        None => s.is_empty(),
        Some((Piece::Lit(l), rest)) => s.strip_prefix(l.as_str()).is_some_and(|s| glob(rest, s)),
        Some((Piece::Hole, rest)) => {
            if rest.is_empty() {
                return !s.is_empty();
            }
            s.char_indices()
                .skip(1)
                .map(|(i, _)| i)
                .any(|i| glob(rest, &s[i..]))
        }
    }
}

/// One method on one template of the map.
#[derive(Debug, Clone)]
pub(super) struct Template {
    pub method: Method,
    /// Where its segment ids start in [`Map::paths`], and how many there are.
    at: u32,
    len: u32,
    /// Index into [`Map::sets`].
    pub set: u32,
}

/// The parsed map.
#[derive(Debug, Default)]
pub(super) struct Map {
    pub perms: Vec<PermissionInfo>,
    /// Each grant set as the map writes it, parsed on first use.
    set_text: Vec<&'static str>,
    sets: Vec<OnceLock<Vec<Grant>>>,
    /// Every distinct template segment, compiled once, and as the map writes it.
    pub segs: Vec<Seg>,
    seg_text: Vec<&'static str>,
    /// The templates' segment ids, one after another (see [`Template`]).
    paths: Vec<u32>,
    pub templates: Vec<Template>,
    /// Templates by method and segment count (those without `...`): `index[method][count]`.
    index: [Vec<Vec<u32>>; 5],
    /// Templates with a `...` segment, tried for any length.
    rest: Vec<u32>,
}

impl Map {
    /// A permission by name, case-insensitive (a scan: names are looked up a few at a time).
    pub(super) fn permission(&self, name: &str) -> Option<&PermissionInfo> {
        self.perms
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The permission `name` exactly as the map spells it (the P rows are sorted by name).
    fn exact(&self, name: &str) -> Option<u16> {
        self.perms
            .binary_search_by(|p| p.name.cmp(name))
            .ok()
            .and_then(|i| u16::try_from(i).ok())
    }

    /// Parses every grant set strictly (they are otherwise parsed on first use): the number of
    /// grants, or the first error.
    #[cfg(test)]
    pub(super) fn check_sets(&self) -> Result<usize, String> {
        let mut n = 0;
        for text in &self.set_text {
            for g in text.split(' ').filter(|g| !g.is_empty()) {
                self.grant(g)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// A grant set, parsed on first use (a set that does not parse is logged and empty).
    pub(super) fn set(&self, i: u32) -> &[Grant] {
        let Some(cell) = self.sets.get(i as usize) else {
            return &[];
        };
        cell.get_or_init(|| {
            let text = self.set_text.get(i as usize).copied().unwrap_or_default();
            let mut set = Vec::new();
            for g in text.split(' ').filter(|g| !g.is_empty()) {
                match self.grant(g) {
                    Ok(g) => set.push(g),
                    Err(e) => tracing::error!(set = i, error = %e, "permissions map: bad grant"),
                }
            }
            set
        })
    }

    pub(super) fn perm(&self, i: u16) -> Option<&PermissionInfo> {
        self.perms.get(usize::from(i))
    }

    /// A template's segment ids.
    fn segs_of(&self, t: &Template) -> &[u32] {
        self.paths
            .get(t.at as usize..(t.at + t.len) as usize)
            .unwrap_or_default()
    }

    /// The template as the map writes it (lower case), e.g. `/users/{id}/memberof`.
    pub(super) fn text_of(&self, t: &Template) -> String {
        let mut out = String::new();
        for &s in self.segs_of(t) {
            out.push('/');
            out.push_str(self.seg_text.get(s as usize).copied().unwrap_or_default());
        }
        out
    }

    /// The best-matching templates for `method` and the normalised request segments: the most
    /// specific match (segment by segment from the left, literal over pattern over parameter),
    /// and every other template matching exactly as specifically (the map sometimes spells one
    /// endpoint twice with different parameter names).
    pub(super) fn find(&self, method: Method, req: &[String]) -> Vec<u32> {
        let mut best: Option<Vec<u8>> = None;
        let mut hits = Vec::new();
        let candidates = self.index[method_index(method)]
            .get(req.len())
            .into_iter()
            .flatten()
            .chain(self.rest.iter());
        for &i in candidates {
            let Some(t) = self.templates.get(i as usize) else {
                continue;
            };
            if t.method != method {
                continue;
            }
            let mut score = Vec::with_capacity(req.len());
            if !self.matches(self.segs_of(t), req, &mut score) {
                continue;
            }
            match &best {
                Some(b) if *b > score => {}
                Some(b) if *b == score => hits.push(i),
                _ => {
                    best = Some(score);
                    hits = vec![i];
                }
            }
        }
        // Templates are stored in the map's sorted order.
        hits.sort_unstable();
        hits
    }

    fn matches(&self, segs: &[u32], req: &[String], score: &mut Vec<u8>) -> bool {
        let Some((&first, rest)) = segs.split_first() else {
            return req.is_empty();
        };
        let Some(seg) = self.segs.get(first as usize) else {
            return false;
        };
        if *seg == Seg::Rest {
            // One or more segments, the fewest first.
            for take in 1..=req.len() {
                let mark = score.len();
                score.extend(std::iter::repeat_n(0, take));
                if self.matches(rest, &req[take..], score) {
                    return true;
                }
                score.truncate(mark);
            }
            return false;
        }
        let Some((r, req_rest)) = req.split_first() else {
            return false;
        };
        match seg.score(r) {
            Some(s) => {
                score.push(s);
                self.matches(rest, req_rest, score)
            }
            None => false,
        }
    }

    /// The `n` templates nearest to the request (any method; another method on the same path
    /// counts as very near): an edit distance over segments where a segment that matches costs
    /// nothing, a literal costs its normalised character distance, anything else 1.
    pub(super) fn nearest(&self, method: Method, req: &[String], n: usize) -> Vec<u32> {
        // Segment costs, computed once per distinct template segment and request segment.
        let width = self.segs.len();
        let mut cost: Vec<f32> = vec![-1.0; width * req.len()];
        let mut lev_buf: Vec<usize> = Vec::new();
        let mut scored: Vec<(f32, u32)> = Vec::with_capacity(self.templates.len());
        let mut row: Vec<f32> = Vec::new();
        let mut prev: Vec<f32> = Vec::new();
        // Templates of one path (several methods) are stored one after another and share it.
        let mut last: Option<(u32, f32)> = None;
        for (i, t) in self.templates.iter().enumerate() {
            let method_penalty = if t.method == method { 0.0 } else { 0.5 };
            if let Some((at, d)) = last {
                if at == t.at {
                    scored.push((d + method_penalty, i as u32));
                    continue;
                }
            }
            // Classic edit distance, rows over template segments, columns over request segments.
            prev.clear();
            prev.extend((0..=req.len()).map(|j| j as f32));
            for (k, &s) in self.segs_of(t).iter().enumerate() {
                row.clear();
                row.push((k + 1) as f32);
                for (j, r) in req.iter().enumerate() {
                    let slot = j * width + s as usize;
                    let c = match cost.get(slot) {
                        Some(c) if *c >= 0.0 => *c,
                        Some(_) => {
                            let c = self.seg_cost(s, r, &mut lev_buf);
                            cost[slot] = c;
                            c
                        }
                        None => 1.0,
                    };
                    let best = (prev[j] + c).min(prev[j + 1] + 1.0).min(row[j] + 1.0);
                    row.push(best);
                }
                std::mem::swap(&mut row, &mut prev);
            }
            let d = prev.last().copied().unwrap_or(f32::MAX);
            last = Some((t.at, d));
            scored.push((d + method_penalty, i as u32));
        }
        // Ties in the map's (sorted) order.
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        scored.into_iter().take(n).map(|(_, i)| i).collect()
    }

    fn seg_cost(&self, s: u32, r: &str, buf: &mut Vec<usize>) -> f32 {
        let Some(seg) = self.segs.get(s as usize) else {
            return 1.0;
        };
        if *seg == Seg::Rest || seg.score(r).is_some() {
            return 0.0;
        }
        match seg.literal() {
            Some(l) => {
                // Segments more than half different count as different (1): that bound skips
                // most pairs, which is what keeps this search fast.
                let longest = l.len().max(r.len()).max(1);
                match levenshtein_within(l.as_bytes(), r.as_bytes(), longest / 2, buf) {
                    Some(d) => d as f32 / longest as f32,
                    None => 1.0,
                }
            }
            None => 1.0,
        }
    }
}

/// Edit distance over bytes (segments are ASCII but for rare ids), one reused row; `None` once
/// it must exceed `limit`.
fn levenshtein_within(a: &[u8], b: &[u8], limit: usize, row: &mut Vec<usize>) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    row.clear();
    row.extend(0..=b.len());
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != cb)).min(up + 1).min(row[j] + 1);
            best = best.min(row[j + 1]);
            diag = up;
        }
        if best > limit {
            return None;
        }
    }
    Some(row[b.len()]).filter(|d| *d <= limit)
}

/// Parses the compact map.
pub(super) fn parse(text: &'static str) -> Result<Map, String> {
    let mut map = Map::default();
    let mut lines = text.lines().enumerate();

    // Permissions (P) and grant sets (G), until the tree (T).
    for (n, line) in lines.by_ref() {
        let at = |e: &str| format!("map.txt line {}: {e}", n + 1);
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line == "T" {
            break;
        }
        let mut fields = line.split('\t');
        match fields.next() {
            Some("P") => {
                let name = fields.next().ok_or_else(|| at("no name"))?;
                let rsc = fields.next() == Some("1");
                let mut schemes: [Option<SchemeInfo>; 3] = [None, None, None];
                for slot in &mut schemes {
                    *slot = scheme_info(fields.next().ok_or_else(|| at("missing scheme"))?)
                        .map_err(|e| at(&e))?;
                }
                if u16::try_from(map.perms.len()).is_err() {
                    return Err(at("too many permissions"));
                }
                if map.perms.last().is_some_and(|p| p.name >= name) {
                    return Err(at("permissions out of order"));
                }
                map.perms.push(PermissionInfo { name, rsc, schemes });
            }
            Some("G") => {
                let id: usize = fields
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| at("bad set number"))?;
                if id != map.set_text.len() {
                    return Err(at("grant sets out of order"));
                }
                map.set_text.push(fields.next().unwrap_or_default());
                map.sets.push(OnceLock::new());
            }
            _ => return Err(at("unknown record")),
        }
    }
    // The template tree: a stack of segment ids, one per level.
    let mut seg_ids: FastMap<&str, u32> = FastMap::default();
    let mut stack: Vec<u32> = Vec::new();
    let mut rest_depth: Option<usize> = None;
    for (n, line) in lines {
        let at = |e: &str| format!("map.txt line {}: {e}", n + 1);
        let depth = line.len() - line.trim_start_matches(' ').len();
        let mut fields = line[depth..].split('\t');
        let seg = fields
            .next()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| at("no segment"))?;
        if depth > stack.len() {
            return Err(at("indented too deep"));
        }
        stack.truncate(depth);
        if rest_depth.is_some_and(|d| d >= depth) {
            rest_depth = None;
        }
        let next = u32::try_from(map.segs.len()).map_err(|_| at("too many segments"))?;
        let id = *seg_ids.entry(seg).or_insert_with(|| {
            map.segs.push(Seg::compile(seg));
            map.seg_text.push(seg);
            next
        });
        if rest_depth.is_none() && map.segs.get(id as usize) == Some(&Seg::Rest) {
            rest_depth = Some(depth);
        }
        stack.push(id);
        let mut start: Option<u32> = None;
        for field in fields {
            let (methods, set) = field.split_once(' ').ok_or_else(|| at("bad grant field"))?;
            let set: u32 = set.parse().map_err(|_| at("bad set number"))?;
            if set as usize >= map.sets.len() {
                return Err(at("unknown grant set"));
            }
            let at_path = match start {
                Some(a) => a,
                None => {
                    let a = u32::try_from(map.paths.len()).map_err(|_| at("map too large"))?;
                    map.paths.extend_from_slice(&stack);
                    start = Some(a);
                    a
                }
            };
            for m in methods.split(',') {
                let method = Method::parse(m).ok_or_else(|| at("unknown method"))?;
                let i = u32::try_from(map.templates.len()).map_err(|_| at("too many templates"))?;
                if rest_depth.is_some() {
                    map.rest.push(i);
                } else {
                    let by_len = &mut map.index[method_index(method)];
                    if by_len.len() <= stack.len() {
                        by_len.resize_with(stack.len() + 1, Vec::new);
                    }
                    by_len[stack.len()].push(i);
                }
                map.templates.push(Template {
                    method,
                    at: at_path,
                    len: u32::try_from(stack.len()).map_err(|_| at("too deep"))?,
                    set,
                });
            }
        }
    }
    Ok(map)
}

fn method_index(m: Method) -> usize {
    match m {
        Method::Get => 0,
        Method::Post => 1,
        Method::Put => 2,
        Method::Patch => 3,
        Method::Delete => 4,
    }
}

impl Map {
    /// `Name:Wa+Other` → a grant.
    fn grant(&self, g: &str) -> Result<Grant, String> {
        let (name, rest) = g
            .split_once(':')
            .ok_or_else(|| format!("bad grant {g:?}"))?;
        let mut parts = rest.split('+');
        let letters = parts.next().unwrap_or_default();
        let index = |n: &str| {
            self.exact(n)
                .ok_or_else(|| format!("unknown permission {n:?}"))
        };
        let mut grant = Grant {
            perm: index(name)?,
            schemes: 0,
            least: 0,
            also: Vec::new(),
        };
        for c in letters.chars() {
            let s = match c.to_ascii_lowercase() {
                'w' => Scheme::DelegatedWork,
                'p' => Scheme::DelegatedPersonal,
                'a' => Scheme::Application,
                _ => return Err(format!("bad scheme letter in {g:?}")),
            };
            grant.schemes |= s.bit();
            if c.is_ascii_uppercase() {
                grant.least |= s.bit();
            }
        }
        for a in parts {
            grant.also.push(index(a)?);
        }
        Ok(grant)
    }
}

/// `-`, or `y3`, `n?`, `y4:<id>`.
fn scheme_info(s: &'static str) -> Result<Option<SchemeInfo>, String> {
    if s == "-" {
        return Ok(None);
    }
    let (flags, id) = match s.split_once(':') {
        Some((f, id)) => (f, Some(id)),
        None => (s, None),
    };
    let mut chars = flags.chars();
    let admin_consent = match chars.next() {
        Some('y') => true,
        Some('n') => false,
        _ => return Err(format!("bad scheme {s:?}")),
    };
    let privilege_level = match chars.next() {
        Some('?') => None,
        Some(c) => Some(
            c.to_digit(10)
                .and_then(|d| u8::try_from(d).ok())
                .ok_or_else(|| format!("bad privilege level in {s:?}"))?,
        ),
        None => return Err(format!("bad scheme {s:?}")),
    };
    Ok(Some(SchemeInfo {
        admin_consent,
        privilege_level,
        id,
    }))
}
