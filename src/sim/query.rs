//! OData query options as Graph applies them to directory collections: `$select`, `$filter`
//! (`prop eq '…'`, `startswith(prop,'…')`, joined by `and` and `or`, grouped by parentheses),
//! `$search="prop:term"`, `$count=true`, `$top`, and the `ConsistencyLevel: eventual` rules of
//! advanced queries.

use serde_json::{Map, Value};

use super::http::{Call, Reply};

/// The parsed options of one request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub select: Option<Vec<String>>,
    pub filter: Option<Filter>,
    pub search: Option<Search>,
    pub count: bool,
    pub top: Option<usize>,
    /// The most items a page of this server holds whatever `$top` asks (`faults.max_page_size`):
    /// "Different APIs might have different default and maximum page sizes"
    /// (https://learn.microsoft.com/graph/paging). Not a query option.
    pub page_cap: Option<usize>,
}

/// A `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Eq(String, Value),
    StartsWith(String, String),
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

impl Filter {
    /// Whether an object (its properties) passes.
    fn matches(&self, props: &Map<String, Value>) -> bool {
        match self {
            Filter::Eq(p, v) => match (prop(props, p), v) {
                (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
                (Some(a), b) => a == b,
                (None, b) => b.is_null(),
            },
            Filter::StartsWith(p, v) => prop(props, p)
                .and_then(Value::as_str)
                .is_some_and(|a| a.to_lowercase().starts_with(&v.to_lowercase())),
            Filter::And(all) => all.iter().all(|f| f.matches(props)),
            Filter::Or(any) => any.iter().any(|f| f.matches(props)),
        }
    }

    /// The properties the expression names, in order (each once).
    pub fn properties(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Filter::Eq(p, _) | Filter::StartsWith(p, _) => {
                if !out.iter().any(|x| x.eq_ignore_ascii_case(p)) {
                    out.push(p);
                }
            }
            Filter::And(fs) | Filter::Or(fs) => fs.iter().for_each(|f| f.collect(out)),
        }
    }
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
                "$filter" => q.filter = Some(parse_filter(v)?),
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
        let filter_ok = self.filter.as_ref().is_none_or(|f| f.matches(props));
        let search_ok = self.search.as_ref().is_none_or(|s| s.matches(props));
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

/// A token of a `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Comma,
                });
            }
            '\'' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            s.push('\'');
                        }
                        '\'' => break,
                        other => s.push(other),
                    }
                }
                out.push(Token::Str(s));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "(),'".contains(c) {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Some(out)
}

/// A recursive-descent reader of `$filter`: `or` of `and` of atoms (`prop eq value`,
/// `startswith(prop,'…')`, a parenthesised expression).
struct FilterParser {
    tokens: Vec<Token>,
    at: usize,
}

impl FilterParser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&mut self, k: &str) -> bool {
        match self.peek() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case(k) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn expr(&mut self, depth: usize) -> Option<Filter> {
        if depth > 16 {
            return None;
        }
        let mut any = vec![self.conjunction(depth)?];
        while self.keyword("or") {
            any.push(self.conjunction(depth)?);
        }
        Some(if any.len() == 1 {
            any.remove(0)
        } else {
            Filter::Or(any)
        })
    }

    fn conjunction(&mut self, depth: usize) -> Option<Filter> {
        let mut all = vec![self.atom(depth)?];
        while self.keyword("and") {
            all.push(self.atom(depth)?);
        }
        Some(if all.len() == 1 {
            all.remove(0)
        } else {
            Filter::And(all)
        })
    }

    fn atom(&mut self, depth: usize) -> Option<Filter> {
        match self.next()? {
            Token::Open => {
                let inner = self.expr(depth + 1)?;
                (self.next()? == Token::Close).then_some(inner)
            }
            Token::Word(w)
                if w.eq_ignore_ascii_case("startswith") && self.peek() == Some(&Token::Open) =>
            {
                self.next();
                let Token::Word(p) = self.next()? else {
                    return None;
                };
                if self.next()? != Token::Comma {
                    return None;
                }
                let Token::Str(v) = self.next()? else {
                    return None;
                };
                (self.next()? == Token::Close).then_some(Filter::StartsWith(p, v))
            }
            Token::Word(p) => {
                if !self.keyword("eq") {
                    return None;
                }
                let value = match self.next()? {
                    Token::Str(s) => Value::String(s),
                    Token::Word(w) => match w.as_str() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        "null" => Value::Null,
                        _ => return None,
                    },
                    _ => return None,
                };
                Some(Filter::Eq(p, value))
            }
            _ => None,
        }
    }
}

fn parse_filter(text: &str) -> Result<Filter, Reply> {
    let mut parser = FilterParser {
        tokens: tokens(text).ok_or_else(|| invalid_filter(text))?,
        at: 0,
    };
    match parser.expr(0) {
        Some(f) if parser.at == parser.tokens.len() => Ok(f),
        _ => Err(invalid_filter(text)),
    }
}

/// A `$search` expression on a directory collection: quoted `"property:text"` clauses joined by
/// `AND` and `OR` (`AND` binding tighter), as
/// <https://learn.microsoft.com/graph/search-query-parameter> describes for directory objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Alternatives (`OR`), each a conjunction (`AND`) of (property, text) clauses.
    pub any_of: Vec<Vec<(String, String)>>,
}

/// The properties whose values are tokenised for `$search`; any other property matches as a
/// `startswith` on its whole value (search-query-parameter, "Use $search on directory object
/// collections").
const TOKENISED: &[&str] = &["displayName", "description"];

/// Splits a value into words the way the directory's search index does for `displayName` and
/// `description`: at spaces and other non-alphanumeric characters, where lower case turns to
/// upper case (`OneVideo` is `one` `video`), and between letters and digits.
pub fn tokens_of(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev: Option<char> = None;
    for c in value.chars() {
        let split = match prev {
            _ if !c.is_alphanumeric() => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                prev = None;
                continue;
            }
            Some(p) => {
                (p.is_lowercase() && c.is_uppercase())
                    || (p.is_alphabetic() && c.is_numeric())
                    || (p.is_numeric() && c.is_alphabetic())
            }
            None => false,
        };
        if split && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
        prev = Some(c);
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

impl Search {
    fn matches(&self, props: &Map<String, Value>) -> bool {
        self.any_of.iter().any(|all| {
            all.iter().all(|(p, text)| {
                let Some(value) = prop(props, p).and_then(Value::as_str) else {
                    return false;
                };
                if TOKENISED.iter().any(|t| t.eq_ignore_ascii_case(p)) {
                    // Every word of the text starts some word of the value.
                    let words = tokens_of(value);
                    let wanted = tokens_of(text);
                    !wanted.is_empty()
                        && wanted
                            .iter()
                            .all(|w| words.iter().any(|v| v.starts_with(w.as_str())))
                } else {
                    value.to_lowercase().starts_with(&text.to_lowercase())
                }
            })
        })
    }
}

/// Reads `$search`: `"p:t"` clauses joined by `AND`/`OR`. A clause without its double quotes is
/// Graph's 400 "Syntax error: character ':' is not valid at position …" (the answer of an unquoted
/// `$search=displayName:x`, as reported against the SDKs that forgot the quotes:
/// <https://github.com/microsoftgraph/msgraph-sdk-javascript/issues/525>).
fn parse_search(text: &str) -> Result<Search, Reply> {
    let t = text.trim();
    let invalid = |clause: &str| {
        Reply::bad_request(
            "Request_UnsupportedQuery",
            format!("Unsupported or invalid query filter clause specified for property '{clause}' of resource 'directoryObject'."),
        )
    };
    if !t.starts_with('"') {
        return Err(
            match t
                .char_indices()
                .find(|(_, c)| !c.is_alphanumeric() && *c != ' ')
            {
                Some((i, c)) => Reply::bad_request(
                    "BadRequest",
                    format!("Syntax error: character '{c}' is not valid at position {i} in '{t}'."),
                ),
                None => invalid(t),
            },
        );
    }
    let mut any_of: Vec<Vec<(String, String)>> = vec![Vec::new()];
    let mut rest = t;
    loop {
        let Some(body) = rest.strip_prefix('"') else {
            return Err(invalid(rest));
        };
        let Some(end) = body.find('"') else {
            return Err(invalid(body));
        };
        let clause = &body[..end];
        match clause.split_once(':') {
            Some((p, term)) if !p.trim().is_empty() => {
                if let Some(last) = any_of.last_mut() {
                    last.push((p.trim().to_string(), term.trim().to_string()));
                }
            }
            _ => return Err(invalid(clause)),
        }
        rest = body[end + 1..].trim_start();
        if rest.is_empty() {
            break;
        }
        if let Some(r) = rest.strip_prefix("OR ") {
            any_of.push(Vec::new());
            rest = r.trim_start();
        } else if let Some(r) = rest.strip_prefix("AND ") {
            rest = r.trim_start();
        } else {
            return Err(invalid(rest));
        }
    }
    Ok(Search { any_of })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(query: &str) -> Result<Query, Reply> {
        Query::parse(&Call::new("GET", &format!("groups?{query}")))
    }

    #[test]
    fn display_names_are_tokenised_like_the_directory_index() {
        assert_eq!(tokens_of("Ben Member"), ["ben", "member"]);
        assert_eq!(tokens_of("OneVideo-HR2024"), ["one", "video", "hr", "2024"]);
        assert_eq!(tokens_of("  "), Vec::<String>::new());
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
        // Word prefixes, not substrings; every word of the text must start a word.
        assert!(q("$search=\"displayName:te\"").expect("ok").matches(props));
        assert!(!q("$search=\"displayName:eam\"").expect("ok").matches(props));
        assert!(q("$search=\"displayName:sales te\"")
            .expect("ok")
            .matches(props));
        assert!(!q("$search=\"displayName:sales x\"")
            .expect("ok")
            .matches(props));
        assert!(q("$search=\"displayName:x\" OR \"displayName:sal\"")
            .expect("ok")
            .matches(props));
        assert!(!q("$search=\"displayName:x\" AND \"displayName:sal\"")
            .expect("ok")
            .matches(props));
        // An unquoted clause is a syntax error at the colon.
        let r = q("$search=displayName:team").expect_err("unquoted");
        assert_eq!(r.status, 400);
        assert!(format!("{:?}", r.body).contains(
            "Syntax error: character ':' is not valid at position 11 in 'displayName:team'."
        ));
        assert!(q("$filter=id ne 'x'").is_err());
        // `or`, parentheses and doubled quotes.
        let grant = json!({"clientId": "c", "consentType": "Principal", "principalId": "O'Neil"});
        let grant = grant.as_object().expect("object");
        let f = "$filter=clientId eq 'c' and (consentType eq 'AllPrincipals' or principalId eq 'o''neil')";
        let parsed = q(f).expect("ok");
        assert!(parsed.matches(grant));
        assert_eq!(
            parsed.filter.as_ref().map(|f| f.properties()),
            Some(vec!["clientId", "consentType", "principalId"])
        );
        assert!(!q("$filter=clientId eq 'x' and (consentType eq 'AllPrincipals' or principalId eq 'o''neil')")
            .expect("ok")
            .matches(grant));
        for bad in [
            "$filter=(clientId eq 'c'",
            "$filter=clientId eq 'c' or",
            "$filter=clientId eq 'c')",
            "$filter=clientId eq 'c",
            "$filter=startswith(displayName)",
        ] {
            assert!(q(bad).is_err(), "{bad}");
        }
        assert!(q("$top=0").is_err());
        assert_eq!(
            q("$select=id,nope")
                .expect("ok")
                .project(props, Some("#microsoft.graph.group")),
            json!({"@odata.type": "#microsoft.graph.group", "id": "AbC", "nope": null})
        );
    }
}
