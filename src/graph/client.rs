//! The one HTTP client that speaks to Graph (and to the simulated tenant on loopback).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use serde_json::Value;
use url::Url;

use crate::auth::cloud::{check_destination, HostError};
use crate::auth::http_client::client_for;
use crate::auth::Cloud;
use crate::secret::Secret;

/// How many times a retryable answer ([`is_retryable`]) is retried before it is returned as is.
pub const MAX_RETRIES: u32 = 3;
/// The largest response body read (Graph pages hold at most 999 small objects).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// The longest Retry-After honoured; longer waits are capped so a check never hangs.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// A request relative to the Graph root, e.g. `GET /v1.0/groups/{id}?$select=id`.
#[derive(Debug, Clone)]
pub struct GraphRequest {
    pub method: reqwest::Method,
    /// Path and query below the root, starting with `/v1.0/` (or `/beta/`).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl GraphRequest {
    pub fn get(path: impl Into<String>) -> Self {
        GraphRequest {
            method: reqwest::Method::GET,
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: Value) -> Self {
        GraphRequest {
            method: reqwest::Method::POST,
            path: path.into(),
            headers: Vec::new(),
            body: Some(body),
        }
    }

    pub fn delete(path: impl Into<String>) -> Self {
        GraphRequest {
            method: reqwest::Method::DELETE,
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// `ConsistencyLevel: eventual`, required with `$count`, `$filter`, `$search` and OData casts on
    /// directory collections.
    pub fn eventual(self) -> Self {
        self.header("ConsistencyLevel", "eventual")
    }

    /// The request as shown in evidence: `GET /v1.0/...` (never a header or token).
    pub fn describe(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A response from Graph, fully read.
#[derive(Debug, Clone)]
pub struct GraphResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body as JSON, or `Value::Null` when it was empty or not JSON (see `text`).
    pub body: Value,
    /// The raw body when it was not JSON (an HTML error page, say), truncated to 2 KiB.
    pub text: Option<String>,
    pub latency: Duration,
    /// How many retryable answers (429, 502, 503, 504) were retried before this one.
    pub retries: u32,
}

impl GraphResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn error(&self) -> Option<super::GraphErrorBody> {
        super::GraphErrorBody::from_value(&self.body)
    }
}

/// A request that got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("no answer within {0} s (timeout)")]
    Timeout(u64),
    /// The overall deadline of the diagnosis ([`GraphClient::until`]) passed first.
    #[error("not answered within the diagnosis's overall deadline of {0} s")]
    Deadline(u64),
    #[error("could not connect to {host}: {reason}")]
    Connect { host: String, reason: String },
    #[error("the request failed: {0}")]
    Other(String),
    #[error(transparent)]
    Refused(#[from] HostError),
}

/// The Graph client: one reqwest client, one base URL, one timeout per request, and optionally
/// an overall deadline ([`GraphClient::until`]).
#[derive(Clone, Debug)]
pub struct GraphClient {
    http: reqwest::Client,
    base: Url,
    timeout: Duration,
    deadline: Option<Deadline>,
    /// Where every exchange is kept, when recording (`check --record`).
    tape: Option<super::tape::Tape>,
    /// The queue a plan's diagnoses share (`check --plan`), when coalescing.
    coalescer: Option<std::sync::Arc<dyn Funnel>>,
}

/// Graph's limit: "JSON batch requests are currently limited to 20 individual requests."
pub const MAX_BATCH: usize = 20;

/// What a batch produced.
#[derive(Debug, Clone)]
pub enum BatchOutcome {
    /// One answer per request, in the order given (None when the batch answer left one out).
    Items(Vec<Option<GraphResponse>>),
    /// The batch request itself was answered with an error (401 for a bad token, say), or with
    /// something that is not a batch answer: the caller decides whether it stands for every request.
    Whole(GraphResponse),
}

/// A future a [`Funnel`] answers with.
pub type FunnelFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, TransportError>> + Send + 'a>>;

/// Where a client's GETs go instead of straight to Graph: the queue a plan's diagnoses share
/// (`graph::coalesce`), which sends them on through `base`, a client without a funnel. A trait
/// here, so that the client names no module above it.
pub trait Funnel: Send + Sync + std::fmt::Debug {
    /// One GET.
    fn send_one<'a>(
        &'a self,
        base: &'a GraphClient,
        token: &'a Secret,
        req: &'a GraphRequest,
    ) -> FunnelFuture<'a, GraphResponse>;
    /// GETs that would have left as one `$batch`.
    fn batch<'a>(
        &'a self,
        base: &'a GraphClient,
        token: &'a Secret,
        reqs: &'a [GraphRequest],
    ) -> FunnelFuture<'a, BatchOutcome>;
}

/// When every request of a client must be over, shared by its clones.
#[derive(Clone, Debug)]
struct Deadline {
    at: tokio::time::Instant,
    /// The budget it was set from, for messages.
    budget: Duration,
    /// Set once a request was cut short or a retry given up because of it.
    reached: Arc<AtomicBool>,
}

impl Deadline {
    fn reach(&self) {
        self.reached.store(true, Ordering::Relaxed);
    }
}

impl GraphClient {
    /// A client for `cloud`, or for `graph_url` when given (which must pass the host allow-list).
    pub fn new(
        cloud: Cloud,
        graph_url: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, HostError> {
        let base = check_destination(cloud, graph_url.unwrap_or(cloud.graph_host()))?;
        // No redirects followed, and no proxy for a loopback base (src/auth/http_client.rs).
        let http = client_for(&base).map_err(|e| HostError::Invalid(e.to_string()))?;
        Ok(GraphClient {
            http,
            base,
            timeout,
            deadline: None,
            tape: None,
            coalescer: None,
        })
    }

    /// This client with an overall deadline `budget` from now: no request is sent past it, an
    /// attempt under way is cut off at it ([`TransportError::Deadline`]), and a retry whose wait
    /// (Retry-After) would end past it is given up, the retryable answer standing as the answer.
    /// Clones share the deadline and [`GraphClient::deadline_reached`].
    pub fn until(&self, budget: Duration) -> GraphClient {
        GraphClient {
            deadline: Some(Deadline {
                at: tokio::time::Instant::now() + budget,
                budget,
                reached: Arc::new(AtomicBool::new(false)),
            }),
            ..self.clone()
        }
    }

    /// This client keeping every exchange on `tape` (shared by its clones).
    pub fn with_tape(&self, tape: super::tape::Tape) -> GraphClient {
        GraphClient {
            tape: Some(tape),
            ..self.clone()
        }
    }

    /// This client sending its GETs through `funnel` (shared by its clones).
    pub fn coalescing(&self, funnel: std::sync::Arc<dyn Funnel>) -> GraphClient {
        GraphClient {
            coalescer: Some(funnel),
            ..self.clone()
        }
    }

    /// This client sending as asked (the coalescer's own batches go through one).
    pub fn without_coalescer(&self) -> GraphClient {
        GraphClient {
            coalescer: None,
            ..self.clone()
        }
    }

    /// The funnel this client's GETs go through, if any.
    pub fn funnel(&self) -> Option<&dyn Funnel> {
        self.coalescer.as_deref()
    }

    /// The tape this client records on, if any.
    pub fn tape(&self) -> Option<&super::tape::Tape> {
        self.tape.as_ref()
    }

    /// True once the overall deadline cut a request short or made a retry be given up.
    pub fn deadline_reached(&self) -> bool {
        self.deadline
            .as_ref()
            .is_some_and(|d| d.reached.load(Ordering::Relaxed))
    }

    /// The overall deadline's instant, if any.
    pub fn deadline(&self) -> Option<tokio::time::Instant> {
        self.deadline.as_ref().map(|d| d.at)
    }

    /// Whether a wait of `wait` before a retry ends before the overall deadline; when it does
    /// not, the deadline counts as reached (the retry is given up).
    pub fn wait_fits(&self, wait: Duration) -> bool {
        match &self.deadline {
            Some(d) if tokio::time::Instant::now() + wait >= d.at => {
                d.reach();
                false
            }
            _ => true,
        }
    }

    /// The time one attempt may take: the timeout, or less when the overall deadline is nearer
    /// (then `true`). An error once the deadline has passed.
    fn attempt_limit(&self) -> Result<(Duration, bool), TransportError> {
        let Some(d) = &self.deadline else {
            return Ok((self.timeout, false));
        };
        let left = d.at.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            d.reach();
            return Err(self.deadline_error());
        }
        Ok(if left < self.timeout {
            (left, true)
        } else {
            (self.timeout, false)
        })
    }

    fn deadline_error(&self) -> TransportError {
        let secs = self.deadline.as_ref().map_or(0, |d| d.budget.as_secs());
        TransportError::Deadline(secs)
    }

    /// The base URL (e.g. `https://graph.microsoft.com/`).
    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The underlying reqwest client (for the token endpoint, which shares its settings).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The path (and query) of an absolute link such as `@odata.nextLink`, when it lies below this
    /// client's base URL (same scheme, host, port and path prefix). None for any other host: the
    /// token is never sent anywhere but the base URL.
    pub fn relative_path(&self, link: &str) -> Option<String> {
        let u = Url::parse(link).ok()?;
        if u.scheme() != self.base.scheme()
            || !u.host_str()?.eq_ignore_ascii_case(self.base.host_str()?)
            || u.port_or_known_default() != self.base.port_or_known_default()
            || !u.username().is_empty()
            || u.password().is_some()
        {
            return None;
        }
        let prefix = self.base.path().trim_end_matches('/');
        let path = u.path().strip_prefix(prefix)?;
        if !path.starts_with('/') {
            return None;
        }
        Some(match u.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        })
    }

    /// Full URL of a Graph path.
    pub fn url(&self, path: &str) -> String {
        let base = self.base.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }

    /// Sends `req` with `token`, retrying the answers [`is_retryable`] names as Graph asks
    /// (Retry-After, fractional or missing) up to [`MAX_RETRIES`] times.
    pub async fn send(
        &self,
        token: &Secret,
        req: &GraphRequest,
    ) -> Result<GraphResponse, TransportError> {
        if let Some(c) = &self.coalescer {
            if req.method == reqwest::Method::GET {
                return c.send_one(&self.without_coalescer(), token, req).await;
            }
        }
        let started = Instant::now();
        let mut retries = 0;
        loop {
            let resp = self.send_once(token, req).await?;
            let wait = retry_after(resp.header("retry-after"), retries);
            if retry_safe(req, resp.status) && retries < MAX_RETRIES && self.wait_fits(wait) {
                tracing::debug!(status = resp.status, ?wait, path = %req.path, "retrying");
                tokio::time::sleep(wait).await;
                retries += 1;
                continue;
            }
            return Ok(GraphResponse {
                latency: started.elapsed(),
                retries,
                ..resp
            });
        }
    }

    async fn send_once(
        &self,
        token: &Secret,
        req: &GraphRequest,
    ) -> Result<GraphResponse, TransportError> {
        let Some(tape) = &self.tape else {
            return self.exchange(token, req).await;
        };
        let started_ms = tape.elapsed_ms();
        let result = self.exchange(token, req).await;
        let (status, response_headers, body, text, error) = match &result {
            Ok(r) => (
                Some(r.status),
                r.headers.clone(),
                r.body.clone(),
                r.text.clone(),
                None,
            ),
            Err(e) => (None, Vec::new(), Value::Null, None, Some(e.to_string())),
        };
        tape.push(super::tape::Exchange {
            token: tape.label_of(token),
            method: req.method.to_string(),
            path: req.path.clone(),
            request_headers: req.headers.clone(),
            request_body: req.body.clone(),
            status,
            response_headers,
            body,
            text,
            error,
            started_ms,
            latency_ms: tape.elapsed_ms().saturating_sub(started_ms),
        });
        result
    }

    /// One attempt: the request sent, the answer read.
    async fn exchange(
        &self,
        token: &Secret,
        req: &GraphRequest,
    ) -> Result<GraphResponse, TransportError> {
        let started = Instant::now();
        let (limit, by_deadline) = self.attempt_limit()?;
        let fail = |e: reqwest::Error| {
            if by_deadline && e.is_timeout() {
                if let Some(d) = &self.deadline {
                    d.reach();
                }
                self.deadline_error()
            } else {
                self.transport_error(e)
            }
        };
        let url = self.url(&req.path);
        let mut headers = HeaderMap::new();
        let bearer =
            HeaderValue::from_str(&format!("Bearer {}", token.expose().trim())).map_err(|_| {
                TransportError::Other(
                    "the token contains characters not allowed in an HTTP header".into(),
                )
            })?;
        let mut bearer = bearer;
        bearer.set_sensitive(true);
        headers.insert(AUTHORIZATION, bearer);
        headers.insert(
            HeaderName::from_static("client-request-id"),
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .map_err(|e| TransportError::Other(e.to_string()))?,
        );
        for (n, v) in &req.headers {
            if let (Ok(n), Ok(v)) = (HeaderName::try_from(n.as_str()), HeaderValue::from_str(v)) {
                headers.insert(n, v);
            }
        }
        let mut builder = self
            .http
            .request(req.method.clone(), &url)
            .headers(headers)
            .timeout(limit);
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let mut resp = builder.send().await.map_err(fail)?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        // Read at most MAX_BODY: the timeout bounds the time, this bounds the memory.
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(fail)? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(TransportError::Other(format!(
                    "the answer is larger than {} MiB; no Graph answer the checks read is that large",
                    MAX_BODY / (1024 * 1024)
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let (body, text) = if bytes.is_empty() {
            (Value::Null, None)
        } else {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => (v, None),
                Err(_) => {
                    let t = String::from_utf8_lossy(&bytes);
                    let t: String = t.chars().take(2048).collect();
                    (Value::Null, Some(crate::secret::redact(&t)))
                }
            }
        };
        Ok(GraphResponse {
            status,
            headers,
            body,
            text,
            latency: started.elapsed(),
            retries: 0,
        })
    }

    fn transport_error(&self, e: reqwest::Error) -> TransportError {
        if e.is_timeout() {
            TransportError::Timeout(self.timeout.as_secs())
        } else if e.is_connect() {
            TransportError::Connect {
                host: self.base.host_str().unwrap_or_default().to_string(),
                reason: root_cause(&e),
            }
        } else {
            // reqwest errors carry the URL, never headers, so no token can leak from here.
            TransportError::Other(root_cause(&e))
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Answers worth sending the request again for, a bounded number of times: 429 (throttled) and
/// 503 (unavailable), which Graph answers with Retry-After
/// (https://learn.microsoft.com/graph/throttling); 504, which Microsoft Graph's SDKs retry with
/// them (https://microsoftgraph.github.io/msgraph-sdk-design/middleware/RetryHandler.html); and
/// 502, the same kind of transient gateway failure (RFC 9110, section 15.6.3,
/// https://www.rfc-editor.org/rfc/rfc9110#name-502-bad-gateway), retried the same way.
pub fn is_retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Whether `req` may be sent again after `status`. 429 and 503 say the request was not
/// processed; a gateway's 502/504 does not say so, so only reads are repeated after one (a
/// `$batch` of reads included): a write that went through would otherwise be sent twice.
fn retry_safe(req: &GraphRequest, status: u16) -> bool {
    let read = req.method == reqwest::Method::GET
        || (req.path.ends_with("/$batch") && batch_of_reads(req.body.as_ref()));
    is_retryable(status) && (matches!(status, 429 | 503) || read)
}

/// True when every request in a `$batch` body is a GET.
fn batch_of_reads(body: Option<&Value>) -> bool {
    body.and_then(|b| b.get("requests"))
        .and_then(Value::as_array)
        .is_some_and(|rs| {
            rs.iter().all(|r| {
                r.get("method")
                    .and_then(Value::as_str)
                    .is_some_and(|m| m.eq_ignore_ascii_case("GET"))
            })
        })
}

/// The wait before retry number `attempt` (0-based): Retry-After in seconds (fractional allowed),
/// otherwise an exponential backoff from 0.5 s; capped at [`MAX_RETRY_WAIT`].
pub fn retry_after(header: Option<&str>, attempt: u32) -> Duration {
    let parsed = header
        .and_then(|h| h.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let wait = parsed.unwrap_or_else(|| Duration::from_millis(500u64 << attempt.min(5)));
    wait.min(MAX_RETRY_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_fractional_and_missing_values() {
        assert_eq!(retry_after(Some("2.128"), 0), Duration::from_millis(2128));
        assert_eq!(retry_after(Some("3"), 0), Duration::from_secs(3));
        assert_eq!(retry_after(None, 0), Duration::from_millis(500));
        assert_eq!(retry_after(Some("soon"), 1), Duration::from_millis(1000));
        assert_eq!(retry_after(Some("3600"), 0), MAX_RETRY_WAIT);
    }

    #[test]
    fn a_gateway_error_repeats_reads_only() {
        let get = GraphRequest::get("/v1.0/groups/g");
        let write = GraphRequest {
            method: reqwest::Method::POST,
            path: "/v1.0/groups/g/members/$ref".into(),
            headers: Vec::new(),
            body: Some(serde_json::json!({})),
        };
        let batch = |method: &str| GraphRequest {
            method: reqwest::Method::POST,
            path: "/v1.0/$batch".into(),
            headers: Vec::new(),
            body: Some(
                serde_json::json!({"requests": [{"id": "1", "method": method, "url": "/me"}]}),
            ),
        };
        for status in [502, 504] {
            assert!(retry_safe(&get, status));
            assert!(retry_safe(&batch("GET"), status));
            assert!(!retry_safe(&write, status), "{status}");
            assert!(!retry_safe(&batch("POST"), status), "{status}");
        }
        // Throttled or unavailable: the request was not processed, so any may be repeated.
        assert!(retry_safe(&write, 429) && retry_safe(&write, 503));
        assert!(!retry_safe(&get, 500));
    }

    /// Serves each connection the next canned status (loopback only), with Retry-After: 0 so
    /// no retry waits; counts the connections.
    async fn canned(
        statuses: Vec<u16>,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = served.clone();
        tokio::spawn(async move {
            for status in statuses {
                let Ok((mut s, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                let body = format!(r#"{{"status":{status}}}"#);
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nRetry-After: 0\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(answer.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        (url, served)
    }

    #[tokio::test]
    async fn gateway_errors_are_retried_like_503() {
        let (url, served) = canned(vec![504, 502, 503, 200]).await;
        let c =
            GraphClient::new(Cloud::Global, Some(&url), Duration::from_secs(2)).expect("client");
        let r = c
            .send(&Secret::new("t"), &GraphRequest::get("/v1.0/me"))
            .await
            .expect("an answer");
        assert_eq!((r.status, r.retries), (200, 3));
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let (url, served) = canned(vec![504, 504, 502, 504, 200]).await;
        let c =
            GraphClient::new(Cloud::Global, Some(&url), Duration::from_secs(2)).expect("client");
        let r = c
            .send(&Secret::new("t"), &GraphRequest::get("/v1.0/me"))
            .await
            .expect("an answer");
        assert_eq!((r.status, r.retries), (504, MAX_RETRIES));
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 4);
        // Other errors are answers, not retried.
        let (url, served) = canned(vec![500, 200]).await;
        let c =
            GraphClient::new(Cloud::Global, Some(&url), Duration::from_secs(2)).expect("client");
        let r = c
            .send(&Secret::new("t"), &GraphRequest::get("/v1.0/me"))
            .await
            .expect("an answer");
        assert_eq!((r.status, r.retries), (500, 0));
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn next_links_are_followed_only_below_the_base_url() {
        let c = GraphClient::new(
            Cloud::Global,
            Some("https://graph.microsoft.com"),
            Duration::from_secs(1),
        )
        .expect("client");
        assert_eq!(
            c.relative_path("https://graph.microsoft.com/v1.0/groups/x/owners?$skiptoken=abc")
                .as_deref(),
            Some("/v1.0/groups/x/owners?$skiptoken=abc")
        );
        assert_eq!(
            c.relative_path("https://GRAPH.microsoft.com:443/v1.0/x")
                .as_deref(),
            Some("/v1.0/x")
        );
        for foreign in [
            "https://evil.example/v1.0/groups",
            "http://graph.microsoft.com/v1.0/groups",
            "https://graph.microsoft.com:8443/v1.0/groups",
            "https://graph.microsoft.com.evil.example/v1.0/groups",
            "https://user@graph.microsoft.com/v1.0/groups",
            "/v1.0/groups",
            "not a url",
        ] {
            assert_eq!(c.relative_path(foreign), None, "{foreign}");
        }
        let sim = GraphClient::new(
            Cloud::Global,
            Some("http://127.0.0.1:9/tenant"),
            Duration::from_secs(1),
        )
        .expect("client");
        assert_eq!(
            sim.relative_path("http://127.0.0.1:9/tenant/v1.0/me")
                .as_deref(),
            Some("/v1.0/me")
        );
        assert_eq!(sim.relative_path("http://127.0.0.1:9/other/v1.0/me"), None);
        assert_eq!(
            sim.relative_path("http://127.0.0.1:9/tenantx/v1.0/me"),
            None
        );
    }

    #[test]
    fn foreign_graph_url_is_refused() {
        let err = GraphClient::new(
            Cloud::Global,
            Some("https://example.com"),
            Duration::from_secs(1),
        );
        assert!(err.is_err());
        let ok = GraphClient::new(
            Cloud::Global,
            Some("http://127.0.0.1:9"),
            Duration::from_secs(1),
        );
        assert_eq!(
            ok.expect("loopback ok").url("/v1.0/me"),
            "http://127.0.0.1:9/v1.0/me"
        );
    }
}
