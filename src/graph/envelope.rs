//! Graph's error envelope: `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`.

use serde_json::Value;

/// The parts of a Graph error body worth showing and classifying.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphErrorBody {
    pub code: String,
    pub message: String,
    pub date: Option<String>,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
}

impl GraphErrorBody {
    /// Reads a Graph error envelope; `None` when `body` is not one.
    pub fn from_value(body: &Value) -> Option<GraphErrorBody> {
        let err = body.get("error")?;
        let code = err.get("code").and_then(Value::as_str).unwrap_or_default();
        let message = err
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let inner = err.get("innerError").or_else(|| err.get("innererror"));
        let field = |name: &str| {
            inner
                .and_then(|i| i.get(name))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Some(GraphErrorBody {
            code: code.to_string(),
            message: message.to_string(),
            date: field("date"),
            request_id: field("request-id"),
            client_request_id: field("client-request-id"),
        })
    }
}
