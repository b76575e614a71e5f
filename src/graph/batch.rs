//! JSON batching: up to 20 requests in one `POST /v1.0/$batch`
//! (<https://learn.microsoft.com/graph/json-batching>).
//!
//! The engine's reads are independent, so one batch per token is one round trip instead of
//! fifteen. Individual retryable answers (429, 502, 503, 504) are re-sent on their own through
//! [`GraphClient::send`], which honours Retry-After.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::client::{GraphClient, GraphRequest, GraphResponse, TransportError};
use crate::secret::Secret;

pub use super::client::{BatchOutcome, MAX_BATCH};

/// Splits a path into its version segment and the rest: `/v1.0/groups` → (`v1.0`, `/groups`).
fn split_version(path: &str) -> (&str, &str) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((v, _)) if v == "v1.0" || v == "beta" => {
            let at = path.len() - trimmed.len() + v.len();
            (v, &path[at..])
        }
        _ => ("v1.0", path),
    }
}

impl GraphClient {
    /// Sends `reqs` (at most [`MAX_BATCH`], all of the same version) as one `$batch`.
    pub async fn batch(
        &self,
        token: &Secret,
        reqs: &[GraphRequest],
    ) -> Result<BatchOutcome, TransportError> {
        if let Some(f) = self.funnel() {
            if reqs.iter().all(|r| r.method == reqwest::Method::GET) {
                return f.batch(&self.without_coalescer(), token, reqs).await;
            }
        }
        let version = reqs
            .first()
            .map(|r| split_version(&r.path).0)
            .unwrap_or("v1.0");
        let requests: Vec<Value> = reqs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut headers = Map::new();
                for (n, v) in &r.headers {
                    headers.insert(n.clone(), Value::String(v.clone()));
                }
                let mut item = json!({
                    "id": (i + 1).to_string(),
                    "method": r.method.as_str(),
                    "url": split_version(&r.path).1.replace(' ', "%20"),
                });
                if !headers.is_empty() {
                    item["headers"] = Value::Object(headers);
                }
                if let Some(body) = &r.body {
                    item["body"] = body.clone();
                }
                item
            })
            .collect();
        let started = Instant::now();
        let outer = GraphRequest::post(
            format!("/{version}/$batch"),
            json!({ "requests": requests }),
        );
        let resp = self.send(token, &outer).await?;
        let latency = started.elapsed();
        let Some(answers) = resp.body.get("responses").and_then(Value::as_array) else {
            return Ok(BatchOutcome::Whole(resp));
        };
        if resp.status != 200 {
            return Ok(BatchOutcome::Whole(resp));
        }
        let mut items: Vec<Option<GraphResponse>> = vec![None; reqs.len()];
        for a in answers {
            let Some(idx) = a
                .get("id")
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_u64().map(|n| n.to_string()))
                })
                .and_then(|s| s.parse::<usize>().ok())
                .and_then(|n| n.checked_sub(1))
                .filter(|n| *n < reqs.len())
            else {
                continue;
            };
            let status = a.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
            let headers = a
                .get("headers")
                .and_then(Value::as_object)
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
                .unwrap_or_default();
            let (body, text) = match a.get("body") {
                None | Some(Value::Null) => (Value::Null, None),
                Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                    Ok(v) if v.is_object() => (v, None),
                    _ => (
                        Value::Null,
                        Some(crate::secret::redact(
                            &s.chars().take(2048).collect::<String>(),
                        )),
                    ),
                },
                Some(v) => (v.clone(), None),
            };
            items[idx] = Some(GraphResponse {
                status,
                headers,
                body,
                text,
                latency,
                retries: 0,
            });
        }
        // Throttled or unavailable answers inside the batch: re-send those alone, honouring Retry-After.
        // One whose wait would end past the overall deadline keeps its answer (GraphClient::until).
        let retry: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.as_ref().is_some_and(|r| {
                    super::client::is_retryable(r.status)
                        && self.wait_fits(super::client::retry_after(r.header("retry-after"), 0))
                })
            })
            .map(|(i, _)| i)
            .collect();
        if !retry.is_empty() {
            let waits = retry.iter().map(|&i| {
                let wait = items[i]
                    .as_ref()
                    .map(|r| super::client::retry_after(r.header("retry-after"), 0))
                    .unwrap_or_default();
                let req = &reqs[i];
                async move {
                    tokio::time::sleep(wait).await;
                    self.send(token, req).await
                }
            });
            let results = futures::future::join_all(waits).await;
            for (i, r) in retry.into_iter().zip(results) {
                if let Ok(r) = r {
                    items[i] = Some(r);
                }
            }
        }
        Ok(BatchOutcome::Items(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_split_from_the_path() {
        assert_eq!(
            split_version("/v1.0/groups/1?$select=id"),
            ("v1.0", "/groups/1?$select=id")
        );
        assert_eq!(
            split_version("/beta/roleManagement"),
            ("beta", "/roleManagement")
        );
        assert_eq!(split_version("/groups"), ("v1.0", "/groups"));
    }

    use crate::auth::Cloud;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Serves each connection the next canned answer (loopback only).
    async fn canned(answers: Vec<String>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            for a in answers {
                let Ok((mut s, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(a.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        url
    }

    fn http(status: &str, body: &str) -> String {
        format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
    }

    fn reqs() -> Vec<GraphRequest> {
        vec![
            GraphRequest::get("/v1.0/groups/a"),
            GraphRequest::get("/v1.0/groups/b?$filter=id eq 'x'").eventual(),
            GraphRequest::get("/v1.0/me"),
        ]
    }

    #[tokio::test]
    async fn answers_are_matched_by_id_and_throttled_ones_resent() {
        let batch = r#"{"responses":[{"id":"2","status":404,"headers":{"Content-Type":"application/json"},"body":{"error":{"code":"Request_ResourceNotFound","message":"x"}}},{"id":"1","status":200,"body":{"id":"a"}},{"id":"3","status":429,"headers":{"Retry-After":"0"},"body":{}}]}"#;
        let url = canned(vec![
            http("200 OK", batch),
            http("200 OK", r#"{"id":"me"}"#),
        ])
        .await;
        let client =
            GraphClient::new(Cloud::Global, Some(&url), Duration::from_secs(2)).expect("client");
        let out = client
            .batch(&Secret::new("t"), &reqs())
            .await
            .expect("answer");
        let BatchOutcome::Items(items) = out else {
            panic!("not a batch answer")
        };
        let status: Vec<Option<u16>> = items.iter().map(|i| i.as_ref().map(|r| r.status)).collect();
        assert_eq!(status, vec![Some(200), Some(404), Some(200)]);
        assert_eq!(
            items[2].as_ref().map(|r| r.body["id"].clone()),
            Some(serde_json::json!("me"))
        );
    }

    #[tokio::test]
    async fn gateway_errors_inside_a_batch_are_resent() {
        let batch = r#"{"responses":[{"id":"1","status":504,"headers":{"Retry-After":"0"},"body":{}},{"id":"2","status":200,"body":{"id":"b"}},{"id":"3","status":502,"headers":{"Retry-After":"0"},"body":{}}]}"#;
        let url = canned(vec![
            http("200 OK", batch),
            http("200 OK", r#"{"id":"again"}"#),
            http("200 OK", r#"{"id":"again"}"#),
        ])
        .await;
        let client =
            GraphClient::new(Cloud::Global, Some(&url), Duration::from_secs(2)).expect("client");
        let BatchOutcome::Items(items) = client
            .batch(&Secret::new("t"), &reqs())
            .await
            .expect("answer")
        else {
            panic!("not a batch answer")
        };
        let status: Vec<Option<u16>> = items.iter().map(|i| i.as_ref().map(|r| r.status)).collect();
        assert_eq!(status, vec![Some(200), Some(200), Some(200)]);
    }

    #[tokio::test]
    async fn a_refused_or_foreign_batch_is_returned_whole() {
        let url = canned(vec![http("401 Unauthorized", r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty."}}"#), "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<html>".to_string()]).await;
        let client =
            GraphClient::new(Cloud::Global, Some(&url), Duration::from_secs(2)).expect("client");
        match client
            .batch(&Secret::new("t"), &reqs())
            .await
            .expect("answer")
        {
            BatchOutcome::Whole(r) => assert_eq!(r.status, 401),
            other => panic!("{other:?}"),
        }
        match client
            .batch(&Secret::new("t"), &reqs())
            .await
            .expect("answer")
        {
            BatchOutcome::Whole(r) => assert!(r.text.is_some()),
            other => panic!("{other:?}"),
        }
    }
}
