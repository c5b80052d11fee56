//! Admission: every request passes through [`admit`], one middleware (one
//! per-request future instead of one per concern: stacked `from_fn` layers,
//! each cloning the rest of the stack, cost more than the work behind them).
//! Its steps, in order, are the pipeline's outer stages; see
//! [`super::router`] for the whole list.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{MatchedPath, Request, State},
    http::{StatusCode, Version, header},
    middleware::Next,
    response::Response,
};
use http_body_util::Limited;
use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

use super::refusal;
use crate::{
    auth::Auth,
    catalog::latency_ms,
    config::Limits,
    lifecycle::Lifecycle,
    metrics::{Metrics, Rejection},
    rest::{BodyLimit, PROBE_PATHS},
};

/// What admission decides with; built once, shared behind one `Arc`.
pub struct Admission {
    pub lifecycle: Lifecycle,
    pub auth: Auth,
    pub metrics: Arc<Metrics>,
    permits: Arc<Semaphore>,
    timeout: Duration,
    max_body: usize,
    max_headers: usize,
}

impl Admission {
    pub fn new(limits: &Limits, lifecycle: Lifecycle, auth: Auth, metrics: Arc<Metrics>) -> Self {
        let permits = usize::try_from(limits.max_in_flight)
            .unwrap_or(Semaphore::MAX_PERMITS)
            .min(Semaphore::MAX_PERMITS);
        Self {
            lifecycle,
            auth,
            metrics,
            permits: Arc::new(Semaphore::new(permits)),
            timeout: Duration::from_secs(limits.request_timeout_seconds),
            max_body: limits.max_body(),
            max_headers: usize::try_from(limits.max_headers).unwrap_or(usize::MAX),
        }
    }

    /// A slot for one request, or `None` when `MAX_IN_FLIGHT` are already
    /// running (a lock-free `try_acquire`: over the cap is refused at once,
    /// never queued).
    fn try_admit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.permits).try_acquire_owned().ok()
    }
}

/// Observes every request (metrics, one log line), then admits it or not.
pub async fn admit(State(gate): State<Arc<Admission>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let version = request.version();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let metrics = Arc::clone(&gate.metrics);
    let in_flight = metrics.http_started();
    let mut response = decide(gate, request, next).await;
    drop(in_flight);
    let status = response.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // Counted here, once, wherever the body was found too large.
        metrics.count_rejection(Rejection::BodyTooLarge);
    }
    if version >= Version::HTTP_2 {
        // Connection-specific headers are illegal in HTTP/2 (RFC 9113).
        response.headers_mut().remove(header::CONNECTION);
    }
    let route_label = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let latency_ms = latency_ms(started.elapsed());
    if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(%method, route = route_label, status = status.as_u16(), latency_ms, "request");
    } else {
        // A 503 is a deliberate refusal (draining, at capacity): working as
        // designed, so not an error anyone should be paged for.
        tracing::info!(%method, route = route_label, status = status.as_u16(), latency_ms, "request");
    }
    metrics.http_finished(&method, route, status.as_u16());
    response
}

async fn decide(gate: Arc<Admission>, mut request: Request, next: Next) -> Response {
    // Over MAX_HEADERS: 431, as hyper answers an HTTP/1.1 head with more
    // (this is the HTTP/2 twin, so it comes first, probes included).
    if request.headers().len() > gate.max_headers {
        return refusal::too_many_headers();
    }
    let path = request.uri().path();
    // Probes: always answered, so they tell the truth while draining and
    // under load.
    if PROBE_PATHS.contains(&path) {
        return next.run(request).await;
    }
    // Draining: 503 + Retry-After; admitted work is counted for the drain.
    if gate.lifecycle.is_draining() {
        return refusal::shutting_down();
    }
    let _in_flight = gate.lifecycle.track();
    // Over MAX_IN_FLIGHT: 503 + Retry-After, never a queue. The scrape is
    // exempt from this and the timeout: it must see the overload.
    let permit = if path == "/metrics" {
        None
    } else {
        match gate.try_admit() {
            Some(permit) => Some(permit),
            None => {
                gate.metrics.count_rejection(Rejection::Overloaded);
                return refusal::overloaded();
            }
        }
    };
    // A protected path without a valid bearer token: 401 + challenge.
    if let Err(challenge) = gate.auth.authorize(&mut request).await {
        gate.metrics.count_rejection(Rejection::Unauthorized);
        return challenge;
    }
    // MAX_BODY_BYTES: declared over it, 413 before reading. A body without
    // a declared length (chunked, or HTTP/2 without content-length) is
    // wrapped so that no reader (REST extractors, the /mcp stage, rmcp) can
    // read past the cap; a declared one cannot outgrow its length (hyper
    // holds it to it), so it needs no wrapper.
    let request = match declared_length(&request) {
        Some(length) if length > gate.max_body as u64 => {
            return refusal::body_too_large(gate.max_body);
        }
        Some(_) => request,
        None => {
            let mut request = request.map(|body| Body::new(Limited::new(body, gate.max_body)));
            request.extensions_mut().insert(BodyLimit(gate.max_body));
            request
        }
    };
    // REQUEST_TIMEOUT_SECONDS until the response head: 408.
    match permit {
        Some(_permit) => match tokio::time::timeout(gate.timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => {
                gate.metrics.count_rejection(Rejection::Timeout);
                refusal::timed_out(gate.timeout.as_secs())
            }
        },
        None => next.run(request).await,
    }
}

fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
