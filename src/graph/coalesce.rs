//! Coalescing many diagnoses' reads into full `$batch` requests (`check --plan`).
//!
//! A plan runs one diagnosis per row, side by side, on clones of one client given a
//! [`Coalescer`] ([`GraphClient::coalescing`]). Their GET requests (alone or in the engine's own
//! batches) are not sent as asked: each goes to a shared queue, and
//! - a request already answered or under way for the same token, method, URL and headers is
//!   not sent again: the reads every row shares (the token's service principal, its grants,
//!   roles and licences) are made once for the whole plan;
//! - the others leave in `$batch` requests of 20 (Graph's limit,
//!   https://learn.microsoft.com/graph/json-batching), a batch as soon as 20 are queued, and
//!   the rest once every running diagnosis is waiting on its answers;
//! - at most [`Coalescer::new`]'s `in_flight` batches are under way at a time, and 429/503
//!   answers inside a batch are retried one by one after their own Retry-After by
//!   [`GraphClient::batch`] (https://learn.microsoft.com/graph/throttling).
//!
//! Writes are never coalesced: they go straight through.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use tokio::sync::{watch, Semaphore};

use super::client::{
    BatchOutcome, Funnel, FunnelFuture, GraphClient, GraphRequest, GraphResponse, TransportError,
    MAX_BATCH,
};
use crate::secret::Secret;

/// What one coalesced request came to.
#[derive(Debug, Clone)]
enum Answer {
    Response(GraphResponse),
    /// The batch it travelled in was answered as a whole (401 to the token, say).
    Whole(GraphResponse),
    /// The batch it travelled in got no answer, or left it out.
    Failed(Option<TransportError>),
}

type Slot = watch::Receiver<Option<Answer>>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    token: u64,
    version: bool,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

struct Queued {
    key: Key,
    token: Secret,
    req: GraphRequest,
    tx: watch::Sender<Option<Answer>>,
}

#[derive(Default)]
struct State {
    answers: HashMap<Key, Slot>,
    queue: Vec<Queued>,
    /// Diagnoses running ([`Coalescer::enter`]).
    active: usize,
    /// Calls ([`Coalescer::answers`]) with an answer not delivered yet. A call stops counting
    /// the moment its last answer is delivered, not when its task wakes up: otherwise a partial
    /// batch could leave while diagnoses that just got their answers are about to ask again.
    waiting: usize,
    next_call: u64,
    /// Undelivered answers per waiting call.
    calls: HashMap<u64, usize>,
    /// The waiting calls of each request not answered yet.
    subscribers: HashMap<Key, Vec<u64>>,
    /// Batches sent and not answered yet.
    in_flight: usize,
}

/// Counts of what the coalescer did (for tests and the benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoalesceStats {
    /// Requests asked for by the diagnoses.
    pub asked: u64,
    /// Of those, answered by a request already made or under way.
    pub shared: u64,
    /// `$batch` requests sent.
    pub batches: u64,
}

struct Inner {
    state: Mutex<State>,
    permits: Semaphore,
    stats: Mutex<CoalesceStats>,
}

/// The shared queue of a plan's diagnoses. Cheap to clone.
#[derive(Clone)]
pub struct Coalescer {
    inner: Arc<Inner>,
}

impl Funnel for Coalescer {
    fn send_one<'a>(
        &'a self,
        base: &'a GraphClient,
        token: &'a Secret,
        req: &'a GraphRequest,
    ) -> FunnelFuture<'a, GraphResponse> {
        Box::pin(Coalescer::send_one(self, base, token, req))
    }

    fn batch<'a>(
        &'a self,
        base: &'a GraphClient,
        token: &'a Secret,
        reqs: &'a [GraphRequest],
    ) -> FunnelFuture<'a, BatchOutcome> {
        Box::pin(Coalescer::batch(self, base, token, reqs))
    }
}

impl std::fmt::Debug for Coalescer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Coalescer")
    }
}

/// A running diagnosis; dropping it (the diagnosis finished or was cancelled) lets the others'
/// batches leave without waiting for it.
pub struct Entered {
    coalescer: Coalescer,
    base: GraphClient,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let flush = match self.coalescer.inner.state.lock() {
            Ok(mut s) => {
                s.active = s.active.saturating_sub(1);
                true
            }
            Err(_) => false,
        };
        if flush {
            self.coalescer.flush(&self.base, false);
        }
    }
}

/// A call waiting on its answers; dropping it (cancelled) stops counting it.
struct Waiting<'a>(&'a Coalescer, u64);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.inner.state.lock() {
            if s.calls.remove(&self.1).is_some() {
                s.waiting = s.waiting.saturating_sub(1);
            }
        }
    }
}

fn hash(token: &Secret) -> u64 {
    let mut h = DefaultHasher::new();
    token.expose().trim().hash(&mut h);
    h.finish()
}

fn key(token: &Secret, req: &GraphRequest) -> Key {
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    headers.sort();
    Key {
        token: hash(token),
        version: req.path.starts_with("/beta/"),
        method: req.method.to_string(),
        path: req.path.clone(),
        headers,
    }
}

impl Coalescer {
    /// A queue sending at most `in_flight` batches at a time (at least one).
    pub fn new(in_flight: usize) -> Coalescer {
        Coalescer {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                permits: Semaphore::new(in_flight.max(1)),
                stats: Mutex::new(CoalesceStats::default()),
            }),
        }
    }

    pub fn stats(&self) -> CoalesceStats {
        self.inner.stats.lock().map(|s| *s).unwrap_or_default()
    }

    /// Counts `n` diagnoses as running before they start ([`Coalescer::enter_reserved`]), so
    /// the first to ask does not send a partial batch before the others have asked.
    pub fn reserve(&self, n: usize) {
        if let Ok(mut s) = self.inner.state.lock() {
            s.active += n;
        }
    }

    /// [`Coalescer::enter`] for a diagnosis counted already by [`Coalescer::reserve`].
    pub fn enter_reserved(&self, client: &GraphClient) -> Entered {
        Entered {
            coalescer: self.clone(),
            base: client.without_coalescer(),
        }
    }

    /// Counts a diagnosis as running until the guard is dropped. `base` is the client batches
    /// are sent with (one without a coalescer).
    pub fn enter(&self, client: &GraphClient) -> Entered {
        if let Ok(mut s) = self.inner.state.lock() {
            s.active += 1;
        }
        Entered {
            coalescer: self.clone(),
            base: client.without_coalescer(),
        }
    }

    /// Queues `reqs` (GETs) and waits for their answers.
    async fn answers(
        &self,
        base: &GraphClient,
        token: &Secret,
        reqs: &[GraphRequest],
    ) -> Vec<Answer> {
        let mut slots: Vec<Slot> = Vec::with_capacity(reqs.len());
        let call;
        {
            let Ok(mut s) = self.inner.state.lock() else {
                return vec![Answer::Failed(None); reqs.len()];
            };
            call = s.next_call;
            s.next_call += 1;
            let mut shared = 0;
            let mut undelivered = 0;
            for req in reqs {
                let k = key(token, req);
                if let Some(slot) = s.answers.get(&k).cloned() {
                    shared += 1;
                    if slot.borrow().is_none() {
                        undelivered += 1;
                        s.subscribers.entry(k).or_default().push(call);
                    }
                    slots.push(slot);
                    continue;
                }
                let (tx, rx) = watch::channel(None);
                s.answers.insert(k.clone(), rx.clone());
                s.subscribers.entry(k.clone()).or_default().push(call);
                undelivered += 1;
                s.queue.push(Queued {
                    key: k,
                    token: token.clone(),
                    req: req.clone(),
                    tx,
                });
                slots.push(rx);
            }
            if undelivered > 0 {
                s.calls.insert(call, undelivered);
                s.waiting += 1;
            }
            if let Ok(mut st) = self.inner.stats.lock() {
                st.asked += reqs.len() as u64;
                st.shared += shared;
            }
        }
        let _waiting = Waiting(self, call);
        self.flush(base, false);
        let mut out = Vec::with_capacity(slots.len());
        for mut slot in slots {
            let answer = match slot.wait_for(Option::is_some).await {
                Ok(a) => a.clone().unwrap_or(Answer::Failed(None)),
                Err(_) => Answer::Failed(None),
            };
            out.push(answer);
        }
        out
    }

    /// Sends full batches, and the rest too when every running diagnosis is waiting (or
    /// `all`).
    fn flush(&self, base: &GraphClient, all: bool) {
        let mut batches: Vec<Vec<Queued>> = Vec::new();
        if let Ok(mut s) = self.inner.state.lock() {
            // A partial batch leaves only when nothing else can add to it soon: every running
            // diagnosis waits on its answers and none of those answers is still on its way
            // (each one that comes back may bring a next round of reads).
            let everyone_waits = s.waiting >= s.active && s.in_flight == 0;
            for beta in [false, true] {
                let (mut mine, rest): (Vec<Queued>, Vec<Queued>) = std::mem::take(&mut s.queue)
                    .into_iter()
                    .partition(|q| q.key.version == beta);
                s.queue = rest;
                // Per token: one batch carries one token.
                mine.sort_by_key(|q| q.key.token);
                let mut by_token: Vec<Vec<Queued>> = Vec::new();
                for q in mine {
                    match by_token.last_mut() {
                        Some(last) if last[0].key.token == q.key.token => last.push(q),
                        _ => by_token.push(vec![q]),
                    }
                }
                for mut group in by_token {
                    while group.len() >= MAX_BATCH {
                        let rest = group.split_off(MAX_BATCH);
                        batches.push(group);
                        group = rest;
                    }
                    if !group.is_empty() {
                        if all || everyone_waits {
                            batches.push(group);
                        } else {
                            s.queue.extend(group);
                        }
                    }
                }
            }
            s.in_flight += batches.len();
        }
        for batch in batches {
            let me = self.clone();
            let base = base.clone();
            tokio::spawn(async move { me.send(&base, batch).await });
        }
    }

    async fn send(&self, base: &GraphClient, batch: Vec<Queued>) {
        self.send_batch(base, batch).await;
        if let Ok(mut s) = self.inner.state.lock() {
            s.in_flight = s.in_flight.saturating_sub(1);
        }
        self.flush(base, false);
    }

    /// Hands `q` its answer, first counting its calls as no longer waiting on it.
    fn deliver(&self, q: Queued, answer: Answer) {
        if let Ok(mut s) = self.inner.state.lock() {
            for call in s.subscribers.remove(&q.key).unwrap_or_default() {
                let done = match s.calls.get_mut(&call) {
                    Some(n) => {
                        *n = n.saturating_sub(1);
                        *n == 0
                    }
                    None => false,
                };
                if done {
                    s.calls.remove(&call);
                    s.waiting = s.waiting.saturating_sub(1);
                }
            }
        }
        let _ = q.tx.send(Some(answer));
    }

    async fn send_batch(&self, base: &GraphClient, batch: Vec<Queued>) {
        let Ok(_permit) = self.inner.permits.acquire().await else {
            for q in batch {
                self.deliver(q, Answer::Failed(None));
            }
            return;
        };
        if let Ok(mut st) = self.inner.stats.lock() {
            st.batches += 1;
        }
        let Some(token) = batch.first().map(|q| q.token.clone()) else {
            return;
        };
        let reqs: Vec<GraphRequest> = batch.iter().map(|q| q.req.clone()).collect();
        // Boxed: a batch's own retries go through `send`, which may come back here.
        let sending: std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<BatchOutcome, TransportError>> + Send + '_>,
        > = Box::pin(base.batch(&token, &reqs));
        let outcome = sending.await;
        match outcome {
            Ok(BatchOutcome::Items(items)) => {
                for (q, r) in batch.into_iter().zip(items) {
                    let answer = match r {
                        Some(r) => Answer::Response(r),
                        None => Answer::Failed(None),
                    };
                    self.deliver(q, answer);
                }
            }
            Ok(BatchOutcome::Whole(resp)) => {
                for q in batch {
                    self.deliver(q, Answer::Whole(resp.clone()));
                }
            }
            Err(e) => {
                for q in batch {
                    self.deliver(q, Answer::Failed(Some(e.clone())));
                }
            }
        }
    }

    /// [`GraphClient::batch`] through the queue.
    pub(super) async fn batch(
        &self,
        base: &GraphClient,
        token: &Secret,
        reqs: &[GraphRequest],
    ) -> Result<BatchOutcome, TransportError> {
        let answers = self.answers(base, token, reqs).await;
        if let Some(Answer::Whole(first)) = answers.first() {
            if answers.iter().all(|a| matches!(a, Answer::Whole(_))) {
                return Ok(BatchOutcome::Whole(first.clone()));
            }
        }
        if let Some(Answer::Failed(Some(e))) = answers.first() {
            if answers.iter().all(|a| matches!(a, Answer::Failed(Some(_)))) {
                return Err(e.clone());
            }
        }
        Ok(BatchOutcome::Items(
            answers
                .into_iter()
                .map(|a| match a {
                    Answer::Response(r) => Some(r),
                    _ => None,
                })
                .collect(),
        ))
    }

    /// [`GraphClient::send`] of one GET through the queue.
    pub(super) async fn send_one(
        &self,
        base: &GraphClient,
        token: &Secret,
        req: &GraphRequest,
    ) -> Result<GraphResponse, TransportError> {
        let answer = self
            .answers(base, token, std::slice::from_ref(req))
            .await
            .pop();
        match answer {
            Some(Answer::Response(r)) | Some(Answer::Whole(r)) => Ok(r),
            Some(Answer::Failed(Some(e))) => Err(e),
            // Left out of its batch's answer: asked alone.
            _ => Box::pin(base.send(token, req)).await,
        }
    }
}
