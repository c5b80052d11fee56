//! The `/mcp` stage: a POST body is read here once (up to the cap admission
//! set) and decoded once into its JSON-RPC envelope, which the metrics, the
//! session caps and the fast path all read. Then MCP answers
//! ([`crate::mcp::http`]): the fast path, or rmcp, which decodes the bytes
//! for itself.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderName, Method, StatusCode},
    response::{IntoResponse, Response},
};

use super::refusal;
use crate::{
    jsonrpc::{self, Inspection},
    mcp::http::McpHttpService,
    metrics::{Metrics, Rejection},
    rest::{ApiError, BodyLimit, UnreadBody, read_body, refuse_tool},
};

const MCP_SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");

#[derive(Clone)]
pub struct McpEndpoint {
    pub service: McpHttpService,
    pub metrics: Arc<Metrics>,
    pub max_sessions: usize,
    pub max_live_sessions: usize,
}

/// `POST`: read, decode, count; 413 over the cap, 400 with a JSON-RPC error
/// for a body that is not a JSON-RPC message, 503 for an `initialize` over
/// `MCP_MAX_SESSIONS` or `MCP_MAX_LIVE_SESSIONS`. `GET` and `DELETE` (legacy
/// sessions) go to rmcp. Any request but a DELETE that would wake a
/// hibernated session gets 503 at `MCP_MAX_LIVE_SESSIONS` (concurrent
/// wakings may pass it by a few).
pub async fn mcp(State(endpoint): State<McpEndpoint>, request: Request) -> Response {
    // A request to a hibernated session brings it back to life: not beyond
    // the live cap (a DELETE ends it without).
    if request.method() != Method::DELETE
        && let Some(id) = request.headers().get(MCP_SESSION_ID)
        && endpoint.service.is_hibernated(id.as_bytes())
        && endpoint
            .service
            .live_sessions()
            .is_some_and(|live| live >= endpoint.max_live_sessions)
    {
        return endpoint.too_many_sessions();
    }
    if request.method() != Method::POST {
        return endpoint.service.other(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match read_body(body, parts.extensions.get::<BodyLimit>().copied()).await {
        Ok(bytes) => bytes,
        Err(UnreadBody::TooLarge(limit)) => return refusal::body_too_large(limit),
        Err(unread) => return ApiError::from(unread).into_response(),
    };
    let inspection = jsonrpc::inspect(&bytes);
    endpoint.metrics.count_mcp_method(inspection.label());
    let envelope = match inspection {
        Inspection::Reject(reject) => {
            return (StatusCode::BAD_REQUEST, Json(reject.body())).into_response();
        }
        Inspection::Message(envelope) => Some(envelope),
        Inspection::Response => None,
    };
    // A tool the token lacks scopes for: 403 with the step-up challenge,
    // before the fast path or rmcp runs anything.
    if let Some(envelope) = &envelope
        && envelope.method == "tools/call"
        && let Some(name) = envelope.params.as_ref().and_then(|p| p.name.as_deref())
        && let Some(refusal) = refuse_tool(parts.extensions.get(), name)
    {
        return refusal;
    }
    let opens_a_session = envelope.as_ref().is_some_and(|e| e.method == "initialize")
        && !parts.headers.contains_key(MCP_SESSION_ID);
    if opens_a_session
        && let Some(open) = endpoint.service.open_sessions()
        && let Some(live) = endpoint.service.live_sessions()
        && (open >= endpoint.max_sessions || live >= endpoint.max_live_sessions)
    {
        return endpoint.too_many_sessions();
    }
    endpoint.service.post(parts, bytes, envelope.as_ref()).await
}

impl McpEndpoint {
    fn too_many_sessions(&self) -> Response {
        self.metrics.count_rejection(Rejection::SessionLimit);
        refusal::too_many_sessions()
    }
}
