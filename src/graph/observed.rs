//! An HTTP exchange as someone saw it from outside: a response the operator pasted (or Graph's
//! own answer, re-read as if pasted), with the request line when it shows. Plain data, parsed by
//! `explain` and read by the checks.

/// A response as the operator saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Observed {
    /// HTTP status, when it could be read (status line, SDK rendering).
    pub status: Option<u16>,
    /// Header names lower-cased. `Authorization` and cookies are never kept.
    pub headers: Vec<(String, String)>,
    /// The body (or the whole text when no body could be separated).
    pub body: String,
    /// The request that produced the response, when the paste shows it.
    pub request: Option<RequestLine>,
}

impl Observed {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request line (`POST https://graph.microsoft.com/v1.0/groups/{id}/members/$ref`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RequestLine {
    /// Upper-case method, when written.
    pub method: Option<String>,
    pub url: String,
    /// The `@odata.id` / `@odata.bind` lines of the request body (the member reference).
    pub body: Option<String>,
}
