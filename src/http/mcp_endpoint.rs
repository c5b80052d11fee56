//! The `/mcp` stage: a POST body is read here once (up to the cap admission
//! set) and decoded once into its JSON-RPC envelope, which the metrics, the
//! session cap and the fast path all read. Then MCP answers
//! ([`crate::mcp::http`]): the fast path, or rmcp, which decodes the bytes
//! for itself.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderName, Method, StatusCode},
    response::{IntoResponse, Response},
};
use http_body_util::LengthLimitError;

use super::refusal;
use crate::{
    jsonrpc::{self, Inspection},
    mcp::http::McpHttpService,
    metrics::{Metrics, Rejection},
    rest::{ApiError, BodyLimit},
};

const MCP_SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");

#[derive(Clone)]
pub struct McpEndpoint {
    pub service: McpHttpService,
    pub metrics: Arc<Metrics>,
    pub max_sessions: usize,
}

/// `POST`: read, decode, count; 413 over the cap, 400 with a JSON-RPC error
/// for a body that is not a JSON-RPC message, 503 for an `initialize` over
/// `MCP_MAX_SESSIONS`. `GET` and `DELETE` (legacy sessions) go to rmcp.
pub async fn mcp(State(endpoint): State<McpEndpoint>, request: Request) -> Response {
    if request.method() != Method::POST {
        return endpoint.service.other(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let limit = parts.extensions.get::<BodyLimit>();
            return match (limit, is_length_limit(&e)) {
                (Some(BodyLimit(limit)), true) => refusal::body_too_large(*limit),
                _ => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("Failed to read the request body: {e}"),
                )
                .into_response(),
            };
        }
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
    let opens_a_session = envelope.as_ref().is_some_and(|e| e.method == "initialize")
        && !parts.headers.contains_key(MCP_SESSION_ID);
    if opens_a_session
        && let Some(open) = endpoint.service.open_sessions().await
        && open >= endpoint.max_sessions
    {
        endpoint.metrics.count_rejection(Rejection::SessionLimit);
        return refusal::too_many_sessions();
    }
    endpoint.service.post(parts, bytes, envelope.as_ref()).await
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}
