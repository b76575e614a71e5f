//! Token-endpoint (`AADSTS…`) errors: their JSON shape and what each code means
//! (table in `assets/knowledge/aadsts.json`, embedded at build time).

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use crate::report::CheckId;

/// One row of the AADSTS table.
#[derive(Debug, Clone, Deserialize)]
pub struct AadstsCode {
    pub code: u32,
    pub name: String,
    /// The catalogue check this code speaks to, if any.
    pub check: Option<String>,
    pub meaning: String,
    pub fix: String,
    pub source: String,
}

impl AadstsCode {
    pub fn check_id(&self) -> Option<CheckId> {
        self.check.as_deref().and_then(CheckId::parse)
    }
}

#[derive(Deserialize)]
struct Table {
    codes: Vec<AadstsCode>,
}

/// The embedded table (parsed once). A parse failure is a build defect caught by the unit test;
/// at run time it degrades to an empty table rather than a panic.
pub fn table() -> &'static [AadstsCode] {
    static TABLE: OnceLock<Vec<AadstsCode>> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str::<Table>(include_str!("../../assets/knowledge/aadsts.json"))
            .map(|t| t.codes)
            .unwrap_or_default()
    })
}

pub fn lookup(code: u32) -> Option<&'static AadstsCode> {
    table().iter().find(|c| c.code == code)
}

/// A token-endpoint error body: `{"error", "error_description", "error_codes", "timestamp",
/// "trace_id", "correlation_id", "error_uri", "suberror", "claims"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenEndpointError {
    pub error: String,
    pub description: String,
    /// The AADSTS codes, from `error_codes` or from the `AADSTSnnnn:` prefix of the description.
    pub codes: Vec<u32>,
    pub suberror: Option<String>,
    /// The `claims` challenge to pass to the next authorize request, if any (JSON text).
    pub claims: Option<String>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
}

impl TokenEndpointError {
    /// Reads a token-endpoint error body; `None` when it is not one.
    pub fn from_value(v: &Value) -> Option<TokenEndpointError> {
        let obj = v.as_object()?;
        let description = obj.get("error_description").and_then(Value::as_str);
        let error = obj.get("error").and_then(Value::as_str);
        if error.is_none() && description.is_none() {
            return None;
        }
        if obj.get("error").is_some_and(Value::is_object) {
            return None; // a Graph envelope, not a token-endpoint error
        }
        let description = description.unwrap_or_default().to_string();
        let mut codes: Vec<u32> = obj
            .get("error_codes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_u64().and_then(|n| u32::try_from(n).ok()))
                    .collect()
            })
            .unwrap_or_default();
        if codes.is_empty() {
            codes = codes_in_text(&description);
        }
        let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
        Some(TokenEndpointError {
            error: error.unwrap_or_default().to_string(),
            description,
            codes,
            suberror: s("suberror"),
            claims: s("claims"),
            trace_id: s("trace_id"),
            correlation_id: s("correlation_id"),
            timestamp: s("timestamp"),
        })
    }

    /// The first code with a row in the table.
    pub fn known(&self) -> Option<&'static AadstsCode> {
        self.codes.iter().find_map(|c| lookup(*c))
    }
}

/// Every `AADSTSnnnn` code mentioned in `text`, in order, without repeats.
pub fn codes_in_text(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find("AADSTS") {
        rest = &rest[pos + 6..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<u32>() {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// The first sentence (or line) of a token-endpoint description, without its trace lines.
pub fn first_sentence(description: &str) -> String {
    let line = description
        .split(['\r', '\n'])
        .next()
        .unwrap_or_default()
        .trim();
    let line = line.split(" Trace ID:").next().unwrap_or(line);
    crate::secret::redact(line)
}

impl TokenEndpointError {
    /// One line for a sign-in error: the code and the table's meaning, else the first sentence
    /// of Entra's description.
    pub fn one_line(&self) -> String {
        let what = match self.known() {
            Some(r) => format!("AADSTS{} {}: {}", r.code, r.name, r.meaning),
            None if self.description.is_empty() => self.error.clone(),
            None => first_sentence(&self.description),
        };
        let mut line = format!("sign-in refused by the token endpoint: {what}");
        if self.codes.contains(&65001) {
            line.push_str(" An administrator can grant consent at the admin-consent URL.");
        }
        if self.claims.is_some() || self.error == "interaction_required" {
            line.push_str(" Sign in again interactively to satisfy the claims challenge.");
        }
        line.replace(['\r', '\n'], " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_checks_are_catalogue_ids() {
        assert!(table().len() >= 14);
        for row in table() {
            if let Some(c) = &row.check {
                assert!(
                    CheckId::parse(c).is_some(),
                    "{} names unknown check {c}",
                    row.code
                );
            }
            assert!(!row.source.is_empty());
        }
        assert_eq!(
            lookup(65001).map(|c| c.name.as_str()),
            Some("DelegationDoesNotExist")
        );
        // Names from https://learn.microsoft.com/entra/identity-platform/reference-error-codes.
        for (code, name) in [
            (500011, "InvalidResourceServicePrincipalNotFound"),
            (50057, "UserDisabled"),
            (50053, "IdsLocked"),
        ] {
            assert_eq!(lookup(code).map(|c| c.name.as_str()), Some(name), "{code}");
        }
        // The sign-in errors a Graph client hits setting up: each row present, with its source.
        for code in [7000229, 500011, 650057, 50057, 50053] {
            let row = lookup(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(row.source.contains("reference-error-codes"), "{code}");
        }
        assert_eq!(
            lookup(650057).and_then(AadstsCode::check_id),
            Some(CheckId::AuthConsent)
        );
    }

    #[test]
    fn reads_token_endpoint_errors() {
        let v: Value = serde_json::from_str(r#"{"error":"invalid_grant","error_description":"AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.\r\nTrace ID: x","error_codes":[50076],"suberror":"basic_action","claims":"{\"access_token\":{\"capolids\":{\"essential\":true,\"values\":[\"a\"]}}}"}"#).expect("json");
        let e = TokenEndpointError::from_value(&v).expect("is one");
        assert_eq!(e.codes, vec![50076]);
        assert_eq!(
            e.known().and_then(AadstsCode::check_id),
            Some(CheckId::CaClaims)
        );
        assert!(e.claims.is_some());
        assert_eq!(
            codes_in_text("x AADSTS7000215: y AADSTS7000215"),
            vec![7000215]
        );
        let graph: Value =
            serde_json::from_str(r#"{"error":{"code":"x","message":"y"}}"#).expect("json");
        assert!(TokenEndpointError::from_value(&graph).is_none());
    }
}
