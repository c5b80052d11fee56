//! Admission: every request passes through [`AdmissionLayer`], one layer
//! (one per-request future instead of one per concern). Its steps, in
//! order, are the pipeline's outer stages; see [`super::Pipeline::service`] for the
//! whole list.
//!
//! Why a hand-written service rather than `from_fn`: `from_fn` clones the
//! rest of the route's stack for every request (boxed services, several
//! allocations) so its future can own it. Every step here is synchronous,
//! so the route is called in place, but the check of a bearer token seen
//! for the first time (a JWT's signature, an introspection round trip): only
//! then is the route cloned, to be called after the check.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, HttpBody},
    extract::{MatchedPath, Request},
    http::{Method, StatusCode, Version, header},
    response::Response,
};
use http_body_util::Limited;
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};

use super::{rate_limit::RateLimiter, refusal};
use crate::{
    auth::Auth,
    catalog::latency_ms,
    config::Limits,
    lifecycle::{InFlight, Lifecycle},
    metrics::{Metrics, Rejection, RouteLabel},
    rest::{BodyLimit, PROBE_PATHS},
};

/// What admission decides with; built once, shared behind one `Arc`.
pub struct Admission {
    pub lifecycle: Lifecycle,
    pub auth: Auth,
    pub metrics: Arc<Metrics>,
    /// `MCP_RATE_LIMIT`, when set.
    pub rate_limit: Option<RateLimiter>,
    slots: Arc<Slots>,
    timeout: Duration,
    max_body: usize,
    max_headers: usize,
}

impl Admission {
    pub fn new(
        limits: &Limits,
        lifecycle: Lifecycle,
        auth: Auth,
        rate_limit: Option<RateLimiter>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let slots = Slots {
            taken: AtomicUsize::new(0),
            max: usize::try_from(limits.max_in_flight).unwrap_or(usize::MAX),
        };
        Self {
            lifecycle,
            auth,
            metrics,
            rate_limit,
            slots: Arc::new(slots),
            timeout: Duration::from_secs(limits.request_timeout_seconds),
            max_body: limits.max_body(),
            max_headers: usize::try_from(limits.max_headers).unwrap_or(usize::MAX),
        }
    }

    /// The synchronous steps, in order: `Err` is the refusal to send.
    fn admit(&self, request: &Request) -> Result<Ticket, Refusal> {
        // Over MAX_HEADERS: 431, as hyper answers an HTTP/1.1 head with more
        // (this is the HTTP/2 twin, so it comes first, probes included).
        if request.headers().len() > self.max_headers {
            return Err(Refusal::TooManyHeaders);
        }
        let path = request.uri().path();
        // Probes: always answered, so they tell the truth while draining and
        // under load.
        if PROBE_PATHS.contains(&path) {
            return Ok(Ticket::Probe);
        }
        // Draining: 503 + Retry-After; admitted work is counted for the drain.
        if self.lifecycle.is_draining() {
            return Err(Refusal::ShuttingDown);
        }
        let in_flight = self.lifecycle.track();
        // The scrape is exempt from the in-flight cap and the timeout: it
        // must see the overload.
        if path == "/metrics" {
            return Ok(Ticket::Scrape(in_flight));
        }
        // Over MAX_IN_FLIGHT: 503 + Retry-After, never a queue.
        match Slots::take(&self.slots) {
            Some(slot) => Ok(Ticket::Work(in_flight, slot)),
            None => {
                self.metrics.count_rejection(Rejection::Overloaded);
                Err(Refusal::Overloaded)
            }
        }
    }

    /// MAX_BODY_BYTES: declared over it, 413 before reading. A body without
    /// a declared length (chunked, or HTTP/2 without content-length) is
    /// wrapped so that no reader (REST extractors, the /mcp stage, rmcp) can
    /// read past the cap; a declared one cannot outgrow its length (hyper
    /// holds it to it), so it needs no wrapper.
    fn cap_body(&self, request: Request) -> Result<Request, Refusal> {
        match declared_length(&request) {
            Some(length) if length > self.max_body as u64 => {
                Err(Refusal::BodyTooLarge(self.max_body))
            }
            Some(_) => Ok(request),
            None => {
                let mut request = request.map(|body| Body::new(Limited::new(body, self.max_body)));
                request.extensions_mut().insert(BodyLimit(self.max_body));
                Ok(request)
            }
        }
    }

    /// REQUEST_TIMEOUT_SECONDS until the response head: 408. The ticket is
    /// held until then (the drain waits for it; the slot stays taken).
    async fn bounded(&self, ticket: Ticket, response: impl Future<Output = Response>) -> Response {
        match ticket {
            Ticket::Work(in_flight, slot) => {
                let response = match time_limited(self.timeout, response).await {
                    Ok(response) => response,
                    Err(_) => {
                        self.metrics.count_rejection(Rejection::Timeout);
                        refusal::timed_out(self.timeout.as_secs())
                    }
                };
                drop((in_flight, slot));
                response
            }
            Ticket::Scrape(in_flight) => {
                let response = response.await;
                drop(in_flight);
                response
            }
            Ticket::Probe => response.await,
        }
    }
}

/// `tokio::time::timeout`, but the clock is read and the timer set only
/// once `future` has to wait: most answers (every fast-path one) are ready
/// at their first poll, and need neither. The limit then counts from that
/// first poll, a few microseconds after the request arrived.
async fn time_limited<F: Future>(
    limit: Duration,
    future: F,
) -> Result<F::Output, tokio::time::error::Elapsed> {
    let mut future = std::pin::pin!(future);
    match std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => tokio::time::timeout(limit, future).await,
    }
}

/// Why a request was refused before its route ran.
enum Refusal {
    TooManyHeaders,
    ShuttingDown,
    Overloaded,
    BodyTooLarge(usize),
}

impl Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::TooManyHeaders => refusal::too_many_headers(),
            Refusal::ShuttingDown => refusal::shutting_down(),
            Refusal::Overloaded => refusal::overloaded(),
            Refusal::BodyTooLarge(limit) => refusal::body_too_large(limit),
        }
    }
}

/// What an admitted request holds until it is answered.
enum Ticket {
    /// A probe: not counted, never shed or timed out.
    Probe,
    /// The scrape: counted for the drain, never shed or timed out.
    Scrape(InFlight),
    /// Everything else: counted for the drain, holding an in-flight slot.
    Work(InFlight, Slot),
}

/// `MAX_IN_FLIGHT` as a counter. Admission never queues, so a slot is
/// taken or refused at once: all a semaphore would add is a lock of its
/// waiter list on every release.
struct Slots {
    taken: AtomicUsize,
    max: usize,
}

impl Slots {
    fn take(slots: &Arc<Slots>) -> Option<Slot> {
        if slots.taken.fetch_add(1, Ordering::AcqRel) < slots.max {
            Some(Slot(Arc::clone(slots)))
        } else {
            slots.taken.fetch_sub(1, Ordering::AcqRel);
            None
        }
    }
}

/// One taken slot, given back when dropped.
struct Slot(Arc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The admission stage as a tower layer (see the module docs).
#[derive(Clone)]
pub struct AdmissionLayer {
    gate: Arc<Admission>,
    /// The route label of a route matched ahead of axum's router; `None`:
    /// axum's `MatchedPath`.
    route: Option<&'static str>,
}

impl AdmissionLayer {
    /// Around axum's routes: the route label is the matched template.
    pub fn new(gate: Arc<Admission>) -> Self {
        Self { gate, route: None }
    }

    /// Around the one route matched ahead of the router.
    pub fn for_route(&self, route: &'static str) -> Self {
        Self {
            gate: Arc::clone(&self.gate),
            route: Some(route),
        }
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = AdmissionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AdmissionService {
            gate: Arc::clone(&self.gate),
            route: self.route,
            inner,
        }
    }
}

#[derive(Clone)]
pub struct AdmissionService<S> {
    gate: Arc<Admission>,
    route: Option<&'static str>,
    inner: S,
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request> for AdmissionService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> ResponseFuture {
        let observed = Observed::start(&self.gate, self.route, &request);
        let gate = Arc::clone(&self.gate);
        let ticket = match gate.admit(&request) {
            Ok(ticket) => ticket,
            Err(refusal) => return answered(observed.finish(refusal.into_response())),
        };
        if matches!(ticket, Ticket::Probe) {
            let answer = self.inner.call(request);
            return Box::pin(async move { Ok(observed.finish(unwrap(answer.await))) });
        }
        let mut request = request;
        // The bearer token: decided here for a static or already verified
        // token; otherwise it awaits (a validator may fetch keys or ask the
        // issuer).
        let token_pending = match gate.auth.authorize_now(&mut request) {
            Some(Ok(())) => false,
            // A protected path without a valid bearer token: 401.
            Some(Err(challenge)) => {
                gate.metrics.count_rejection(Rejection::Unauthorized);
                return answered(observed.finish(challenge));
            }
            None => true,
        };
        let limited = matches!(ticket, Ticket::Work(..)) && gate.rate_limit.is_some();
        if token_pending || limited {
            // The token check and the rate-limit count await (the count may
            // ask Redis), so the route is called after them, from a clone.
            let inner = self.inner.clone();
            return Box::pin(async move {
                if token_pending && let Err(challenge) = gate.auth.authorize(&mut request).await {
                    gate.metrics.count_rejection(Rejection::Unauthorized);
                    return Ok(observed.finish(challenge));
                }
                // Over the principal's budget: 429 (scrapes are exempt).
                let quota = match &gate.rate_limit {
                    Some(limiter) if limited => match limiter.check(&request).await {
                        Ok(quota) => quota,
                        Err(refusal) => {
                            gate.metrics.count_rejection(Rejection::RateLimited);
                            return Ok(observed.finish(refusal));
                        }
                    },
                    _ => None,
                };
                let mut response = match gate.cap_body(request) {
                    Ok(request) => {
                        let answer = inner.oneshot(request);
                        gate.bounded(ticket, async { unwrap(answer.await) }).await
                    }
                    Err(refusal) => refusal.into_response(),
                };
                if let Some(limiter) = &gate.rate_limit {
                    limiter.annotate(&mut response, quota);
                }
                Ok(observed.finish(response))
            });
        }
        let answer = match gate.cap_body(request) {
            Ok(request) => self.inner.call(request),
            Err(refusal) => return answered(observed.finish(refusal.into_response())),
        };
        Box::pin(async move {
            let response = gate.bounded(ticket, async { unwrap(answer.await) }).await;
            Ok(observed.finish(response))
        })
    }
}

/// A response decided without awaiting anything.
fn answered(response: Response) -> ResponseFuture {
    Box::pin(std::future::ready(Ok(response)))
}

fn unwrap(result: Result<Response, Infallible>) -> Response {
    match result {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Observation, the first step and the last: the in-flight gauge while the
/// request runs, then its status counted and one log line.
struct Observed {
    metrics: Arc<Metrics>,
    method: Method,
    version: Version,
    route: RouteLabel,
    /// Only read for the log line, so only taken when it is written.
    started: Option<Instant>,
}

impl Observed {
    fn start(gate: &Admission, route: Option<&'static str>, request: &Request) -> Self {
        gate.metrics.http_in_flight_inc();
        let route = match route {
            Some(route) => RouteLabel::Fixed(route),
            None => request
                .extensions()
                .get::<MatchedPath>()
                .cloned()
                .map_or(RouteLabel::Unmatched, RouteLabel::Matched),
        };
        Self {
            metrics: Arc::clone(&gate.metrics),
            method: request.method().clone(),
            version: request.version(),
            route,
            started: tracing::enabled!(tracing::Level::INFO).then(Instant::now),
        }
    }

    fn finish(mut self, mut response: Response) -> Response {
        let status = response.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // Counted here, once, wherever the body was found too large.
            self.metrics.count_rejection(Rejection::BodyTooLarge);
        }
        if self.version >= Version::HTTP_2 {
            // Connection-specific headers are illegal in HTTP/2 (RFC 9113).
            response.headers_mut().remove(header::CONNECTION);
        }
        if let Some(started) = self.started {
            let route = self.route.as_str();
            let latency_ms = latency_ms(started.elapsed());
            let method = &self.method;
            let status = status.as_u16();
            if (500..600).contains(&status) && status != 503 {
                tracing::error!(%method, route, status, latency_ms, "request");
            } else {
                // A 503 is a deliberate refusal (draining, at capacity):
                // working as designed, not an error anyone should be paged for.
                tracing::info!(%method, route, status, latency_ms, "request");
            }
        }
        let route = std::mem::replace(&mut self.route, RouteLabel::Unmatched);
        self.metrics
            .http_finished(&self.method, route, status.as_u16());
        response
    }
}

impl Drop for Observed {
    /// Also when the request is dropped unanswered (the client went away).
    fn drop(&mut self) {
        self.metrics.http_in_flight_dec();
    }
}

/// The body's declared length: hyper has read `Content-Length` already
/// (and holds the body to it), so no header is parsed again.
fn declared_length(request: &Request) -> Option<u64> {
    request.body().size_hint().exact()
}
