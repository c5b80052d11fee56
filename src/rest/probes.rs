//! Kubernetes probes. `/health` (liveness) depends on nothing: if the process
//! can answer, it is alive. `/ready` (readiness) turns 503 once shutdown has
//! begun, so the Service stops sending work here.

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::AppState;

pub async fn health() -> Json<Value> {
    Json(json!({
        "status": "healthy",
        "service": crate::NAME,
        "version": crate::VERSION,
    }))
}

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (status, word) = if state.lifecycle.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting_down")
    } else {
        (StatusCode::OK, "ready")
    };
    let body = json!({
        "status": word,
        "tools_count": state.catalog.tools().len(),
        "resources_count": state.catalog.resources().len(),
    });
    (status, Json(body))
}
