//! MCP over Streamable HTTP at `/mcp`, through rmcp's tower service.
//!
//! rmcp serves both eras from one endpoint: 2026-07-28 requests are always
//! sessionless (`server/discover`, per-request metadata and headers); legacy
//! requests (`initialize` handshake) are stateless too unless legacy session
//! mode is on. Stateless is our default so that any replica behind a
//! Kubernetes Service can answer any request.

use std::sync::Arc;

use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use super::McpServer;
use crate::{config::Settings, limits::CappedSessions, shutdown::Lifecycle};

pub type McpHttpService = StreamableHttpService<McpServer, CappedSessions>;

pub fn service(
    server: McpServer,
    settings: &Settings,
    lifecycle: &Lifecycle,
    sessions: Arc<CappedSessions>,
) -> McpHttpService {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(settings.legacy_sessions)
        // Stateless replies to simple calls as plain JSON; rmcp switches to
        // SSE by itself when a handler sends notifications first.
        .with_json_response(!settings.legacy_sessions)
        .with_cancellation_token(lifecycle.streams_token())
        .with_max_request_body_bytes(settings.hardening.limits.max_body());
    config = match settings.host_allow_list() {
        Some(hosts) => config.with_allowed_hosts(hosts),
        None => config.disable_allowed_hosts(),
    };
    config = match settings.origin_allow_list() {
        Some(origins) => config
            .with_allowed_origins(origins)
            .enforce_origin_validation(),
        None => config.disable_allowed_origins(),
    };
    // One handler per stateless request or legacy session: cheap, and each
    // starts with fresh session state.
    StreamableHttpService::new(move || Ok(server.for_new_session()), sessions, config)
}

/// rmcp answers a successful session DELETE with 202; the official Python
/// SDK counts only 200 and 204 as "terminated" and logs a failure otherwise.
/// The spec leaves the code open, so we answer the one every client accepts.
pub async fn deleted_session_is_204(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_delete = request.method() == http::Method::DELETE;
    let mut response = next.run(request).await;
    if is_delete && response.status() == http::StatusCode::ACCEPTED {
        *response.status_mut() = http::StatusCode::NO_CONTENT;
    }
    response
}
