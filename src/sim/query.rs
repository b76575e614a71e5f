//! OData query options as Graph applies them to directory collections: `$select`, `$filter`
//! (`prop eq '…'`, `startswith(prop,'…')`, joined by `and`), `$search="prop:term"`, `$count=true`,
//! `$top`, and the `ConsistencyLevel: eventual` rules of advanced queries.

use serde_json::{Map, Value};

use super::http::{Call, Reply};

/// The parsed options of one request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub select: Option<Vec<String>>,
    pub filter: Vec<Clause>,
    pub search: Option<(String, String)>,
    pub count: bool,
    pub top: Option<usize>,
}

/// One `$filter` clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    Eq(String, Value),
    StartsWith(String, String),
}

/// The message Graph gives for `$search` without `ConsistencyLevel: eventual`.
pub const SEARCH_NEEDS_EVENTUAL: &str = "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'";

impl Query {
    /// Reads the query options of `call`; a malformed option is a Graph-shaped 400.
    pub fn parse(call: &Call) -> Result<Query, Reply> {
        let mut q = Query::default();
        for (k, v) in &call.query {
            match k.to_ascii_lowercase().as_str() {
                "$select" => {
                    q.select = Some(
                        v.split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    )
                }
                "$filter" => q.filter = parse_filter(v)?,
                "$count" => match v.to_ascii_lowercase().as_str() {
                    "true" => q.count = true,
                    "false" => q.count = false,
                    _ => {
                        return Err(Reply::bad_request(
                            "BadRequest",
                            format!("Invalid value '{v}' for $count query option found. Valid values are 'true' and 'false'."),
                        ))
                    }
                },
                "$top" => {
                    let n: usize = v.trim().parse().unwrap_or(0);
                    if !(1..=999).contains(&n) {
                        return Err(Reply::bad_request(
                            "Request_BadRequest",
                            format!("Invalid page size specified: '{v}'. Must be between 1 and 999 inclusive."),
                        ));
                    }
                    q.top = Some(n);
                }
                "$search" => q.search = Some(parse_search(v)?),
                _ => {}
            }
        }
        Ok(q)
    }

    /// Whether a directory object (its properties) passes `$filter` and `$search`.
    pub fn matches(&self, props: &Map<String, Value>) -> bool {
        let filter_ok = self.filter.iter().all(|c| match c {
            Clause::Eq(p, v) => match (prop(props, p), v) {
                (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
                (Some(a), b) => a == b,
                (None, b) => b.is_null(),
            },
            Clause::StartsWith(p, v) => prop(props, p)
                .and_then(Value::as_str)
                .is_some_and(|a| a.to_lowercase().starts_with(&v.to_lowercase())),
        });
        let search_ok = self.search.as_ref().is_none_or(|(p, term)| {
            prop(props, p)
                .and_then(Value::as_str)
                .is_some_and(|a| a.to_lowercase().contains(&term.to_lowercase()))
        });
        filter_ok && search_ok
    }

    /// The object as returned: `$select`ed properties (unset ones as null), `@odata.type` first when
    /// the collection is polymorphic.
    pub fn project(&self, props: &Map<String, Value>, odata_type: Option<&str>) -> Value {
        let mut out = Map::new();
        if let Some(t) = odata_type {
            out.insert("@odata.type".into(), Value::String(t.to_string()));
        }
        match &self.select {
            Some(fields) => {
                for f in fields {
                    if f == "*" {
                        out.extend(props.clone());
                        continue;
                    }
                    let (name, value) = props
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(f))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .unwrap_or_else(|| (f.clone(), Value::Null));
                    out.insert(name, value);
                }
            }
            None => out.extend(props.clone()),
        }
        Value::Object(out)
    }

    /// The `$select` list as Graph puts it in `@odata.context`: `groups(id,displayName)`.
    pub fn context_suffix(&self) -> String {
        match &self.select {
            Some(fields) if !fields.is_empty() => format!("({})", fields.join(",")),
            _ => String::new(),
        }
    }
}

fn prop<'a>(props: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    props
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn invalid_filter(text: &str) -> Reply {
    Reply::bad_request(
        "BadRequest",
        format!(
            "Invalid filter clause: The filter '{text}' is not supported by the simulated tenant."
        ),
    )
}

fn parse_filter(text: &str) -> Result<Vec<Clause>, Reply> {
    let mut clauses = Vec::new();
    for part in split_and(text) {
        let part = part.trim();
        let lower = part.to_ascii_lowercase();
        if let Some(inner) = lower
            .starts_with("startswith(")
            .then(|| part.get("startswith(".len()..part.len().saturating_sub(1)))
            .flatten()
        {
            let (p, v) = inner.split_once(',').ok_or_else(|| invalid_filter(text))?;
            let v = unquote(v.trim()).ok_or_else(|| invalid_filter(text))?;
            clauses.push(Clause::StartsWith(p.trim().to_string(), v));
            continue;
        }
        let mut words = part.splitn(3, ' ');
        let (Some(p), Some(op), Some(v)) = (words.next(), words.next(), words.next()) else {
            return Err(invalid_filter(text));
        };
        if !op.eq_ignore_ascii_case("eq") {
            return Err(invalid_filter(text));
        }
        let v = v.trim();
        let value = if let Some(s) = unquote(v) {
            Value::String(s)
        } else {
            match v {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => return Err(invalid_filter(text)),
            }
        };
        clauses.push(Clause::Eq(p.to_string(), value));
    }
    Ok(clauses)
}

/// Splits on ` and ` outside quotes.
fn split_and(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut in_quote = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            in_quote = !in_quote;
        }
        if !in_quote && c == ' ' {
            let rest: String = chars[i..].iter().take(5).collect();
            if rest.eq_ignore_ascii_case(" and ") {
                parts.push(std::mem::take(&mut current));
                i += 5;
                continue;
            }
        }
        current.push(c);
        i += 1;
    }
    parts.push(current);
    parts
}

fn unquote(v: &str) -> Option<String> {
    let inner = v.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

fn parse_search(text: &str) -> Result<(String, String), Reply> {
    let t = text.trim().trim_matches('"');
    match t.split_once(':') {
        Some((p, term)) if !p.is_empty() => Ok((p.trim().to_string(), term.trim().to_string())),
        _ => Err(Reply::bad_request(
            "Request_UnsupportedQuery",
            format!("Unsupported or invalid query filter clause specified for property '{t}' of resource 'directoryObject'."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(query: &str) -> Result<Query, Reply> {
        Query::parse(&Call::new("GET", &format!("groups?{query}")))
    }

    #[test]
    fn filters_and_search() {
        let props = json!({"id": "AbC", "displayName": "Sales Team", "mailEnabled": false});
        let props = props.as_object().expect("object");
        assert!(q("$filter=id eq 'abc'").expect("ok").matches(props));
        assert!(!q("$filter=id eq 'x'").expect("ok").matches(props));
        assert!(
            q("$filter=startswith(displayName,'sal') and mailEnabled eq false")
                .expect("ok")
                .matches(props)
        );
        assert!(q("$search=\"displayName:team\"")
            .expect("ok")
            .matches(props));
        assert!(q("$filter=id ne 'x'").is_err());
        assert!(q("$top=0").is_err());
        assert_eq!(
            q("$select=id,nope")
                .expect("ok")
                .project(props, Some("#microsoft.graph.group")),
            json!({"@odata.type": "#microsoft.graph.group", "id": "AbC", "nope": null})
        );
    }
}
