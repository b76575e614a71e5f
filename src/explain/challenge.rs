//! What a decoded claims request demands, in plain words (the parsing itself is
//! [`crate::auth::challenge`]).

use serde_json::Value;

/// What a decoded claims request asks for, one plain sentence per demand (see
/// https://learn.microsoft.com/entra/identity-platform/claims-challenge and
/// https://learn.microsoft.com/entra/identity-platform/app-resilience-continuous-access-evaluation).
pub fn demands(claims: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(obj) = claims.as_object() else {
        return out;
    };
    for (token_kind, req) in obj {
        let Some(req) = req.as_object() else { continue };
        for (claim, spec) in req {
            let values = claim_values(spec);
            let shown = values.join(", ");
            let sentence = match claim.to_ascii_lowercase().as_str() {
                "acrs" => format!(
                    "step-up to Conditional Access authentication context {shown}: sign in again interactively and satisfy the policy tied to it (often MFA or a compliant device)"
                ),
                "nbf" => {
                    let when = values
                        .first()
                        .and_then(|v| v.parse::<i64>().ok())
                        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                        .unwrap_or_else(|| shown.clone());
                    format!(
                        "a token issued after {when}: continuous access evaluation revoked the current one (sign-out, password change, disabled account or a new network location); drop the cached token and sign in again"
                    )
                }
                "capolids" | "polids" => format!(
                    "satisfy Conditional Access polic{} {shown} (typically multi-factor authentication) in an interactive sign-in",
                    if values.len() == 1 { "y" } else { "ies" }
                ),
                "xms_cc" => continue, // the client's own capability declaration, not a demand
                "amr" => format!("authentication method {shown}"),
                _ => format!("{token_kind} claim `{claim}` = {shown}"),
            };
            out.push(sentence);
        }
    }
    out
}

fn claim_values(spec: &Value) -> Vec<String> {
    let as_text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(obj) = spec.as_object() {
        if let Some(v) = obj.get("value") {
            return vec![as_text(v)];
        }
        // Entra writes both "values" and "Values" (corpus aadsts50079-*).
        if let Some(a) = obj
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("values"))
            .and_then(|(_, v)| v.as_array())
        {
            return a.iter().map(as_text).collect();
        }
        return Vec::new();
    }
    vec![as_text(spec)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::challenge::parse_www_authenticate;

    #[test]
    fn demands_are_told_in_words() {
        let c = parse_www_authenticate(r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ==""#).expect("parses");
        assert!(
            demands(c.claims.as_ref().expect("claims"))[0].contains("authentication context cp1")
        );
        let cae = parse_www_authenticate(r#"Bearer authorization_uri=https://login.windows.net/common/oauth2/authorize, error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=", errorDescription="revoked""#).expect("parses");
        assert!(demands(cae.claims.as_ref().expect("claims"))[0].contains("2020-10-31"));
    }
}
