//! Kubernetes probes. `/health` (liveness) depends on nothing: if the process
//! can answer, it is alive. `/ready` (readiness) turns 503 once shutdown has
//! begun, so the Service stops sending work here.

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `healthy` when the process answers.
    pub status: &'static str,
    pub service: &'static str,
    pub version: &'static str,
}

/// `GET /ready`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// `ready`, or `shutting_down` (with status 503) once draining.
    pub status: &'static str,
    pub tools_count: usize,
    pub resources_count: usize,
}

/// Liveness probe.
#[utoipa::path(get, path = "/health", tag = "probes",
    responses((status = 200, description = "The process is alive", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "healthy",
        service: crate::NAME,
        version: crate::VERSION,
    })
}

/// Readiness probe.
#[utoipa::path(get, path = "/ready", tag = "probes", responses(
    (status = 200, description = "Ready for traffic", body = Ready),
    (status = 503, description = "Shutting down", body = Ready)))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Ready>) {
    let (status, word) = if state.lifecycle.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting_down")
    } else {
        (StatusCode::OK, "ready")
    };
    let body = Ready {
        status: word,
        tools_count: state.catalog.tools().len(),
        resources_count: state.catalog.resources().len(),
    };
    (status, Json(body))
}
