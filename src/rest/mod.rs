//! The REST API kept from the FastAPI server this project replaces: same
//! paths and JSON shapes, served from the same catalog as MCP. Every handler
//! returns a typed body that derives `ToSchema` and carries its own
//! `#[utoipa::path]`, so the OpenAPI document ([`openapi`]) is derived from
//! the code that runs. Errors are `{"detail": "..."}` (see [`error`]).

mod body;
mod error;
mod info;
pub mod openapi;
mod probes;
mod resources;
mod scope;
mod tools;

use std::sync::Arc;

use axum::routing::get;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use body::{BodyLimit, UnreadBody, read_body};
pub use error::{ApiError, ErrorBody};
pub use scope::refuse_tool;

use crate::{catalog::Catalog, lifecycle::Lifecycle};

#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub lifecycle: Lifecycle,
}

/// Paths that stay open while draining, so probes keep telling the truth.
pub const PROBE_PATHS: [&str; 2] = ["/health", "/ready"];

/// The REST routes with their OpenAPI operations.
pub fn routes(state: AppState) -> OpenApiRouter {
    let mut router = OpenApiRouter::new()
        .routes(routes!(info::root))
        .routes(routes!(probes::health))
        .routes(routes!(probes::ready))
        .routes(routes!(tools::list))
        .routes(routes!(tools::execute))
        .routes(routes!(resources::list))
        // The URI is the rest of the path (it holds slashes): axum's
        // wildcard, documented as the plain `{uri}` parameter.
        .route("/mcp/resource/{*uri}", get(resources::read));
    resources::document_read(router.get_openapi_mut());
    router.with_state(state)
}

/// Answers for paths and methods no route serves, in the API's error shape.
pub use error::{method_not_allowed, not_found};
