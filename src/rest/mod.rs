//! The seed's REST API, same paths and JSON shapes, served from the same
//! catalog as MCP. Errors are `{"detail": "..."}` (see [`error`]).

mod error;
mod info;
pub mod openapi;
mod probes;
mod resources;
mod tools;

use std::sync::Arc;

use axum::{
    Router,
    routing::{get, post},
};

pub use error::ApiError;

use crate::{catalog::Catalog, shutdown::Lifecycle};

#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub lifecycle: Lifecycle,
}

/// Paths that stay open while draining, so probes keep telling the truth.
pub const PROBE_PATHS: [&str; 2] = ["/health", "/ready"];

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(info::root))
        .route("/health", get(probes::health))
        .route("/ready", get(probes::ready))
        .route("/mcp/tools", get(tools::list))
        .route("/mcp/execute", post(tools::execute))
        .route("/mcp/resources", get(resources::list))
        .route("/mcp/resource/{*uri}", get(resources::read))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
}
