//! MCP over Streamable HTTP at `/mcp`, through rmcp's tower service.
//!
//! rmcp serves both eras from one endpoint: 2026-07-28 requests are always
//! sessionless (`server/discover`, per-request metadata and headers); legacy
//! requests (`initialize` handshake) are stateless too unless legacy session
//! mode is on. Stateless is our default so that any replica behind a
//! Kubernetes Service can answer any request.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::Request,
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
};
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use super::{McpServer, fast_path::FastPath};
use crate::{catalog::Catalog, config::Settings, limits::CappedSessions, shutdown::Lifecycle};

type RmcpService = StreamableHttpService<McpServer, CappedSessions>;

/// `/mcp`: the fast path for stateless `tools/call` of self-contained tools,
/// rmcp for everything else. Cloning it is a few `Arc` bumps (axum clones a
/// route's service per request; rmcp's own would copy its whole config).
#[derive(Clone)]
pub struct McpHttpService {
    rmcp: Arc<RmcpService>,
    /// `None` with legacy sessions: every request may belong to one.
    fast: Option<FastPath>,
    max_body: usize,
}

impl McpHttpService {
    pub async fn handle(&self, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let is_delete = parts.method == Method::DELETE;
        let request = match &self.fast {
            Some(fast) if fast.may_answer(&parts) => {
                let Ok(bytes) = axum::body::to_bytes(body, self.max_body).await else {
                    return (StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large").into_response();
                };
                if let Some(answer) = fast.answer(&parts, &bytes).await {
                    return answer;
                }
                Request::from_parts(parts, Body::from(bytes))
            }
            _ => Request::from_parts(parts, body),
        };
        let mut response = self.rmcp.handle(request).await.into_response();
        // rmcp answers a successful session DELETE with 202; the official
        // Python SDK counts only 200 and 204 as "terminated" and logs a
        // failure otherwise. The spec leaves the code open, so we answer the
        // one every client accepts.
        if is_delete && response.status() == StatusCode::ACCEPTED {
            *response.status_mut() = StatusCode::NO_CONTENT;
        }
        response
    }
}

pub fn service(
    server: McpServer,
    catalog: Arc<Catalog>,
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
    let fast =
        (!settings.legacy_sessions).then(|| FastPath::new(catalog, settings.host_allow_list()));
    let max_body = config.max_request_body_bytes;
    // One handler per stateless request or legacy session: cheap, and each
    // starts with fresh session state.
    let rmcp = StreamableHttpService::new(move || Ok(server.for_new_session()), sessions, config);
    McpHttpService {
        rmcp: Arc::new(rmcp),
        fast,
        max_body,
    }
}
