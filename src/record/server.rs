//! The replay server: answers, on a loopback port, what Graph answered when a session was
//! recorded. Answers are matched by the token that sent the request (`diagnosed`, `reader`),
//! the method and the URL (percent-decoded), whether the request came alone or inside a
//! `$batch`, so an engine that batches or orders its reads differently still gets the recorded
//! answer for each. Several answers for one request (a 429, then the 200 of its retry) are
//! served in order, the last one again for any later ask.
//!
//! A request that was not made when recording gets `501 NotInRecording` in Graph's error
//! envelope: its check then says `unknown` as for any unexpected Graph error, and never a
//! guessed answer.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::format::{Recording, ReplayTokens};
use crate::graph::tape::Exchange;

/// The largest request body read (a `$batch` of 20 reads is a few KiB).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One recorded answer.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    text: Option<String>,
}

/// (token label, method, decoded path).
type Key = (String, String, String);

#[derive(Debug, Default)]
struct Index {
    answers: HashMap<Key, VecDeque<Answer>>,
    /// `$batch` requests answered as a whole (a 401 to the token, a 429 to the batch), per
    /// (token, version): served in order before the per-request answers.
    whole: HashMap<(String, String), VecDeque<Answer>>,
}

impl Index {
    fn take(queue: &mut VecDeque<Answer>) -> Option<Answer> {
        if queue.len() > 1 {
            queue.pop_front()
        } else {
            queue.front().cloned()
        }
    }

    fn answer(&mut self, key: &Key) -> Option<Answer> {
        self.answers.get_mut(key).and_then(Index::take)
    }
}

struct ReplayState {
    index: Mutex<Index>,
    /// (label, rebuilt token), to tell which token a request carries.
    tokens: Vec<(String, String)>,
}

/// A running replay server.
pub struct ReplayServer {
    /// e.g. `http://127.0.0.1:41234`, the Graph root of the replay.
    pub base_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

/// Percent-decodes a path and query (`%20` → space, `%27` → `'`); invalid escapes are kept.
pub fn decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `/v1.0/groups` → (`v1.0`, `/groups`).
fn split_version(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((v, rest)) if v == "v1.0" || v == "beta" => (v.to_string(), format!("/{rest}")),
        _ => ("v1.0".to_string(), path.to_string()),
    }
}

fn is_batch(path: &str) -> bool {
    path.split('?')
        .next()
        .is_some_and(|p| p.ends_with("/$batch"))
}

fn headers_of(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    (k.to_ascii_lowercase(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn sub_id(v: &Value) -> Option<String> {
    let id = v.get("id")?;
    id.as_str()
        .map(str::to_string)
        .or_else(|| id.as_u64().map(|n| n.to_string()))
}

/// The index of every recorded answer.
fn index(exchanges: &[Exchange]) -> Index {
    let mut idx = Index::default();
    for e in exchanges {
        let Some(status) = e.status else {
            continue;
        };
        let answer = Answer {
            status,
            headers: e.response_headers.clone(),
            body: e.body.clone(),
            text: e.text.clone(),
        };
        if e.method.eq_ignore_ascii_case("POST") && is_batch(&e.path) {
            let (version, _) = split_version(&e.path);
            let responses = e.body.get("responses").and_then(Value::as_array);
            let requests = e
                .request_body
                .as_ref()
                .and_then(|b| b.get("requests"))
                .and_then(Value::as_array);
            match (status, responses, requests) {
                (200, Some(responses), Some(requests)) => {
                    for r in responses {
                        let Some(id) = sub_id(r) else { continue };
                        let Some(req) = requests.iter().find(|q| sub_id(q).as_ref() == Some(&id))
                        else {
                            continue;
                        };
                        let method = req
                            .get("method")
                            .and_then(Value::as_str)
                            .unwrap_or("GET")
                            .to_ascii_uppercase();
                        let url = req.get("url").and_then(Value::as_str).unwrap_or_default();
                        let url = if url.starts_with('/') {
                            url.to_string()
                        } else {
                            format!("/{url}")
                        };
                        let key = (e.token.clone(), method, decode(&format!("/{version}{url}")));
                        let body = match r.get("body") {
                            Some(Value::String(s)) => {
                                serde_json::from_str(s).unwrap_or(Value::String(s.clone()))
                            }
                            Some(v) => v.clone(),
                            None => Value::Null,
                        };
                        idx.answers.entry(key).or_default().push_back(Answer {
                            status: r.get("status").and_then(Value::as_u64).unwrap_or(0) as u16,
                            headers: headers_of(r.get("headers")),
                            body,
                            text: None,
                        });
                    }
                }
                _ => idx
                    .whole
                    .entry((e.token.clone(), version))
                    .or_default()
                    .push_back(answer),
            }
        } else {
            let key = (
                e.token.clone(),
                e.method.to_ascii_uppercase(),
                decode(&e.path),
            );
            idx.answers.entry(key).or_default().push_back(answer);
        }
    }
    idx
}

fn not_recorded(method: &str, path: &str) -> Answer {
    Answer {
        status: 501,
        headers: vec![("content-type".into(), "application/json".into())],
        body: json!({"error": {
            "code": "NotInRecording",
            "message": format!("graph-doctor replay: {method} {path} was not sent when this session was recorded, so Graph's answer to it is not known."),
        }}),
        text: None,
    }
}

fn response(a: &Answer) -> Response {
    let body = match (&a.body, &a.text) {
        (Value::Null, Some(t)) => Body::from(t.clone()),
        (Value::Null, None) => Body::empty(),
        (v, _) => Body::from(serde_json::to_vec(v).unwrap_or_default()),
    };
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in &a.headers {
        // The body is re-serialised, so the recorded length no longer applies.
        if k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v)) {
            r.headers_mut().append(n, v);
        }
    }
    if !r.headers().contains_key(axum::http::header::CONTENT_TYPE) && !a.body.is_null() {
        r.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    r
}

async fn dispatch(State(state): State<Arc<ReplayState>>, req: Request) -> Response {
    let method = req.method().as_str().to_ascii_uppercase();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let bearer = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_string()))
        .unwrap_or_default();
    let label = state
        .tokens
        .iter()
        .find(|(_, t)| *t == bearer)
        .map_or("other".to_string(), |(l, _)| l.clone());
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .unwrap_or_default();
    let Ok(mut idx) = state.index.lock() else {
        return response(&not_recorded(&method, &path));
    };
    if method == "POST" && is_batch(&path) {
        let (version, _) = split_version(&path);
        let has_items = idx.answers.keys().any(|(t, _, _)| *t == label);
        if let Some(q) = idx.whole.get_mut(&(label.clone(), version.clone())) {
            let whole = if has_items {
                q.pop_front()
            } else {
                Index::take(q)
            };
            if let Some(a) = whole {
                return response(&a);
            }
        }
        let requests: Vec<Value> = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|b| b.get("requests").and_then(Value::as_array).cloned())
            .unwrap_or_default();
        let responses: Vec<Value> = requests
            .iter()
            .map(|r| {
                let id = sub_id(r).unwrap_or_default();
                let m = r
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("GET")
                    .to_ascii_uppercase();
                let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
                let full = decode(&format!("/{version}{url}"));
                let a = idx
                    .answer(&(label.clone(), m.clone(), full.clone()))
                    .unwrap_or_else(|| not_recorded(&m, &full));
                let headers: serde_json::Map<String, Value> = a
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                json!({"id": id, "status": a.status, "headers": headers, "body": a.body})
            })
            .collect();
        return response(&Answer {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: json!({ "responses": responses }),
            text: None,
        });
    }
    let key = (label, method.clone(), decode(&path));
    let a = idx
        .answer(&key)
        .unwrap_or_else(|| not_recorded(&method, &key.2));
    response(&a)
}

impl ReplayServer {
    /// Serves `recording`'s answers on 127.0.0.1 and a free port.
    pub async fn start(
        recording: &Recording,
        tokens: &ReplayTokens,
    ) -> std::io::Result<ReplayServer> {
        let mut labels = vec![(
            "diagnosed".to_string(),
            tokens.diagnosed.expose().to_string(),
        )];
        if let Some(r) = &tokens.reader {
            labels.push(("reader".to_string(), r.expose().to_string()));
        }
        let state = Arc::new(ReplayState {
            index: Mutex::new(index(&recording.exchanges)),
            tokens: labels,
        });
        let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let app = axum::Router::new().fallback(dispatch).with_state(state);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("the replay server stopped with an error: {e}");
            }
        });
        Ok(ReplayServer {
            base_url: format!("http://{local}"),
            stop: Some(stop),
            task,
        })
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_decoded_for_matching() {
        assert_eq!(
            decode("/v1.0/groups/g/members?$filter=id%20eq%20%27m%27"),
            "/v1.0/groups/g/members?$filter=id eq 'm'"
        );
        assert_eq!(decode("/a%2"), "/a%2");
        assert_eq!(decode("/a%zz"), "/a%zz");
    }

    #[test]
    fn answers_are_served_in_order_the_last_one_repeated() {
        let mut q: VecDeque<Answer> = [429, 200]
            .into_iter()
            .map(|s| Answer {
                status: s,
                headers: Vec::new(),
                body: Value::Null,
                text: None,
            })
            .collect();
        let got: Vec<u16> = (0..3)
            .filter_map(|_| Index::take(&mut q).map(|a| a.status))
            .collect();
        assert_eq!(got, vec![429, 200, 200]);
    }
}
