//! Admission: whether a request may enter at all, decided in one middleware
//! (one per-request future instead of one per concern — profiling showed the
//! stacked `from_fn` layers, each cloning the rest of the stack, costing
//! more than the work behind them). In order:
//! 1. probes always pass (they must tell the truth while draining and under
//!    load);
//! 2. once shutdown has begun, new work gets 503 + `Retry-After`
//!    ([`crate::shutdown`]); admitted work is counted for the drain;
//! 3. over `MAX_IN_FLIGHT`, 503 + `Retry-After` (never a queue);
//! 4. a protected path without a valid bearer token, 401 ([`crate::auth`]);
//! 5. a declared body over `MAX_BODY_BYTES`, 413 before reading it;
//! 6. the rest runs under `REQUEST_TIMEOUT_SECONDS` until its response head.

use std::sync::Arc;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    auth::Auth,
    limits::{self, LoadGuard},
    metrics::{Metrics, Rejection},
    rest::{ApiError, PROBE_PATHS},
    shutdown::Lifecycle,
};

#[derive(Clone)]
pub struct Admission {
    pub lifecycle: Lifecycle,
    pub load: LoadGuard,
    pub auth: Auth,
    pub metrics: Arc<Metrics>,
    pub max_body: usize,
}

pub async fn admit(State(gate): State<Admission>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let metrics = Arc::clone(&gate.metrics);
    metrics
        .track_http(&method, route, decide(gate, request, next))
        .await
}

async fn decide(gate: Admission, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if PROBE_PATHS.contains(&path) {
        return next.run(request).await;
    }
    if gate.lifecycle.is_draining() {
        return shutting_down();
    }
    let _in_flight = gate.lifecycle.track();
    // The scrape is never shed or timed out: it must see the overload.
    let permit = if path == "/metrics" {
        None
    } else {
        match gate.load.try_admit() {
            Some(permit) => Some(permit),
            None => return limits::overloaded(),
        }
    };
    if let Err(challenge) = gate.auth.authorize(&mut request).await {
        return challenge;
    }
    if limits::declared_oversize(&request, gate.max_body) {
        gate.metrics.count_rejection(Rejection::BodyTooLarge);
        return limits::body_too_large(gate.max_body);
    }
    match permit {
        Some(_permit) => gate.load.bounded(next.run(request)).await,
        None => next.run(request).await,
    }
}

/// 503 while draining: retry elsewhere, and close this connection.
fn shutting_down() -> Response {
    let mut response =
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Server is shutting down").into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
