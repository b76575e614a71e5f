//! Turns Microsoft's Graph permissions map (`permissions.json` and `provisioningInfo.json` from
//! microsoftgraph/microsoft-graph-devx-content, `permissions/new/`) into the compact text form
//! graph-doctor embeds (`assets/graph-permissions/map.txt`).
//!
//! Shared by the `gen_permission_map` example (which writes the file) and `tests/permissions.rs`
//! (which checks the committed file is what this produces from the vendored sources).
//!
//! The compact form, one record a line, tab-separated:
//!
//! - `P <name> <rsc> <w> <p> <a>`: a permission, sorted by name. `rsc` is `1` for a
//!   resource-specific-consent permission. `w`, `p`, `a` describe its DelegatedWork,
//!   DelegatedPersonal and Application schemes: `-` when it has none, else the admin-consent flag
//!   (`y`/`n`), the privilege level (a digit, `?` when the map gives none) and, when
//!   `provisioningInfo.json` lists one for the public cloud, `:` and the permission's id there.
//! - `G <n> <grant> <grant> ...`: grant set number `n`. A grant is `<name>:<schemes>` and, when
//!   the map says `AlsoRequires=`, `+<name>` for each name it lists. `schemes` holds `w`, `p`, `a`
//!   for the schemes whose path set lists the path, upper case where `least=` names that scheme.
//! - after a line `T`: the URL templates as a tree, one segment a line, indented by one space per
//!   level; a line with grants carries, tab-separated, `<METHOD[,METHOD...]> <set number>`.
//!
//! Paths are lower-cased (the map mixes cases for a few) and a trailing `/` is dropped; entries
//! of one permission for the same method and path are merged (union of schemes, `least=` and
//! `AlsoRequires=`). Templates carrying a query string (`?$filter=...`) are left out: a request's
//! query string is dropped before matching, so they could never match.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

/// Scheme keys of the map, in the order of the compact form's columns, with their letters.
const SCHEMES: [(&str, char); 3] = [
    ("DelegatedWork", 'w'),
    ("DelegatedPersonal", 'p'),
    ("Application", 'a'),
];

/// What one permission grants on one method and path.
#[derive(Default)]
struct Grant {
    schemes: u8,
    least: u8,
    also: Vec<String>,
}

fn scheme_bit(key: &str) -> Option<u8> {
    SCHEMES
        .iter()
        .position(|(k, _)| *k == key)
        .map(|i| 1u8 << i)
}

/// The compact form of the map.
pub fn generate(permissions_json: &str, provisioning_json: &str) -> Result<String, String> {
    let perms: Value =
        serde_json::from_str(permissions_json).map_err(|e| format!("permissions.json: {e}"))?;
    let prov: Value = serde_json::from_str(provisioning_json)
        .map_err(|e| format!("provisioningInfo.json: {e}"))?;
    let perms = perms
        .get("permissions")
        .and_then(Value::as_object)
        .ok_or("permissions.json: no \"permissions\" object")?;
    let deployments = prov
        .get("permissionDeployments")
        .and_then(Value::as_object)
        .ok_or("provisioningInfo.json: no \"permissionDeployments\" object")?;

    let names: BTreeMap<&str, &Value> = perms.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut out = String::new();
    out.push_str(
        "# Microsoft Graph permissions map, compact form. GENERATED: do not edit; regenerate with\n\
         #   cargo run --example gen_permission_map\n\
         # from source/permissions.json and source/provisioningInfo.json (microsoftgraph/\n\
         # microsoft-graph-devx-content, permissions/new/, MIT licence: see LICENSE and README.md).\n\
         # Format: examples/gen_permission_map/generate.rs.\n",
    );

    // Permissions.
    for (name, p) in &names {
        if name.contains(|c: char| c.is_whitespace() || c == ':' || c == '+') {
            return Err(format!(
                "permission name {name:?} has a separator character"
            ));
        }
        let rsc = p.get("authorizationType").and_then(Value::as_str) == Some("RSC");
        let _ = write!(out, "P\t{name}\t{}", if rsc { 1 } else { 0 });
        for (key, _) in SCHEMES {
            out.push('\t');
            match p.get("schemes").and_then(|s| s.get(key)) {
                None => out.push('-'),
                Some(s) => {
                    let consent = s
                        .get("requiresAdminConsent")
                        .and_then(Value::as_bool)
                        .unwrap_or(true);
                    out.push(if consent { 'y' } else { 'n' });
                    match s.get("privilegeLevel").and_then(Value::as_u64) {
                        Some(l) if l <= 9 => out.push_str(&l.to_string()),
                        _ => out.push('?'),
                    }
                    if let Some(id) = public_id(deployments, name, key) {
                        let _ = write!(out, ":{id}");
                    }
                }
            }
        }
        out.push('\n');
    }

    // (path, method) → permission → grant, merged across path sets.
    let mut paths: BTreeMap<Vec<String>, BTreeMap<String, BTreeMap<&str, Grant>>> = BTreeMap::new();
    for (name, p) in &names {
        let sets = p.get("pathSets").and_then(Value::as_array);
        for set in sets.into_iter().flatten() {
            let mut keys = 0u8;
            for k in set
                .get("schemeKeys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let k = k.as_str().unwrap_or_default();
                keys |= scheme_bit(k).ok_or_else(|| format!("{name}: unknown scheme {k}"))?;
            }
            let methods: Vec<String> = set
                .get("methods")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_ascii_uppercase)
                .collect();
            let entries = set.get("paths").and_then(Value::as_object);
            for (path, value) in entries.into_iter().flatten() {
                if path.contains('?') {
                    continue;
                }
                let segments = segments(path);
                if segments.is_empty() {
                    return Err(format!("{name}: empty path {path:?}"));
                }
                let (least, also) = parse_value(value.as_str().unwrap_or_default())?;
                for method in &methods {
                    let g = paths
                        .entry(segments.clone())
                        .or_default()
                        .entry(method.clone())
                        .or_default()
                        .entry(name)
                        .or_default();
                    g.schemes |= keys;
                    g.least |= least & keys;
                    for a in &also {
                        if !names.contains_key(a.as_str()) {
                            return Err(format!("{name} {path}: AlsoRequires names unknown {a}"));
                        }
                        if !g.also.contains(a) {
                            g.also.push(a.clone());
                        }
                    }
                }
            }
        }
    }

    // Grant sets, numbered in order of first use along the sorted tree.
    let mut set_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut set_list: Vec<String> = Vec::new();
    // (segments, [(methods, grant set)]) per path.
    type Line = (Vec<String>, Vec<(String, usize)>);
    let mut lines: Vec<Line> = Vec::new();
    for (segs, methods) in &paths {
        let mut by_set: Vec<(String, usize)> = Vec::new();
        for (method, grants) in methods {
            let text = grants
                .iter()
                .map(|(name, g)| encode_grant(name, g))
                .collect::<Vec<_>>()
                .join(" ");
            let id = *set_ids.entry(text.clone()).or_insert_with(|| {
                set_list.push(text);
                set_list.len() - 1
            });
            match by_set.iter_mut().find(|(_, s)| *s == id) {
                Some((ms, _)) => {
                    ms.push(',');
                    ms.push_str(method);
                }
                None => by_set.push((method.clone(), id)),
            }
        }
        lines.push((segs.clone(), by_set));
    }
    for (i, text) in set_list.iter().enumerate() {
        let _ = writeln!(out, "G\t{i}\t{text}");
    }

    // The template tree.
    out.push_str("T\n");
    let mut prev: Vec<String> = Vec::new();
    for (segs, by_set) in &lines {
        let common = prev
            .iter()
            .zip(segs.iter())
            .take_while(|(a, b)| a == b)
            .count()
            .min(segs.len() - 1);
        for (depth, seg) in segs.iter().enumerate().skip(common) {
            for _ in 0..depth {
                out.push(' ');
            }
            out.push_str(seg);
            if depth + 1 == segs.len() {
                for (methods, set) in by_set {
                    let _ = write!(out, "\t{methods} {set}");
                }
            }
            out.push('\n');
        }
        prev = segs.clone();
    }
    Ok(out)
}

/// The lower-cased segments of a template, without a trailing `/`.
fn segments(path: &str) -> Vec<String> {
    path.trim()
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_lowercase()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `least=DelegatedWork,Application;AlsoRequires=Policy.Read.All` → (scheme bits, names).
fn parse_value(v: &str) -> Result<(u8, Vec<String>), String> {
    let mut least = 0;
    let mut also = Vec::new();
    for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(list) = part.strip_prefix("least=") {
            for s in list.split(',').map(str::trim) {
                least |= scheme_bit(s).ok_or_else(|| format!("unknown scheme in {v:?}"))?;
            }
        } else if let Some(list) = part.strip_prefix("AlsoRequires=") {
            also.extend(list.split(',').map(|s| s.trim().to_string()));
        } else {
            return Err(format!("unknown path value {v:?}"));
        }
    }
    Ok((least, also))
}

fn encode_grant(name: &str, g: &Grant) -> String {
    let mut s = format!("{name}:");
    for (i, (_, letter)) in SCHEMES.iter().enumerate() {
        let bit = 1u8 << i;
        if g.schemes & bit != 0 {
            s.push(if g.least & bit != 0 {
                letter.to_ascii_uppercase()
            } else {
                *letter
            });
        }
    }
    for a in &g.also {
        s.push('+');
        s.push_str(a);
    }
    s
}

/// The permission's id for `scheme` in the public cloud, from `provisioningInfo.json`.
fn public_id<'a>(
    deployments: &'a serde_json::Map<String, Value>,
    name: &str,
    scheme: &str,
) -> Option<&'a str> {
    deployments
        .get(name)?
        .as_array()?
        .iter()
        .filter(|d| d.get("scheme").and_then(Value::as_str) == Some(scheme))
        .filter(|d| {
            d.get("environment")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .split(';')
                .any(|e| e.trim().eq_ignore_ascii_case("public"))
        })
        .find_map(|d| d.get("id").and_then(Value::as_str))
}
