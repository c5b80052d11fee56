//! MCP over Streamable HTTP at `/mcp`, through rmcp's tower service.
//!
//! rmcp serves both eras from one endpoint: 2026-07-28 requests are always
//! sessionless (`server/discover`, per-request metadata and headers); legacy
//! requests (`initialize` handshake) are stateless too unless legacy session
//! mode is on. Stateless is our default so that any replica behind a
//! Kubernetes Service can answer any request.
//!
//! The HTTP pipeline ([`crate::http`]) reads and decodes a POST body once
//! and hands it here with its envelope; the fast path answers from that,
//! and rmcp decodes the bytes for itself when the fast path declines.

use std::sync::Arc;

use axum::{
    Json,
    body::{Body, Bytes},
    extract::Request,
    http::{Method, StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::Value;

use super::{McpServer, fast_path::FastPath, operation::Operation, sessions::CappedSessions};
use crate::{
    config::Resolved,
    jsonrpc::{Envelope, Reject},
    lifecycle::Lifecycle,
};

type RmcpService = StreamableHttpService<McpServer, CappedSessions>;

/// `/mcp`: the fast path for stateless `tools/call` of self-contained tools,
/// rmcp for everything else. Cloning it is a few `Arc` bumps.
#[derive(Clone)]
pub struct McpHttpService {
    rmcp: Arc<RmcpService>,
    /// `None` with legacy sessions: every request may belong to one.
    fast: Option<FastPath>,
    /// Legacy mode only: the open sessions, for the pipeline's caps.
    sessions: Option<Arc<CappedSessions>>,
}

impl McpHttpService {
    pub fn new(
        server: McpServer,
        config: &Resolved,
        lifecycle: &Lifecycle,
        sessions: Arc<CappedSessions>,
    ) -> Self {
        let legacy = config.legacy_sessions;
        let mut rmcp_config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(legacy)
            // Stateless replies to simple calls as plain JSON; rmcp switches
            // to SSE by itself when a handler sends notifications first.
            .with_json_response(!legacy)
            .with_cancellation_token(lifecycle.streams_token())
            .with_max_request_body_bytes(config.limits.max_body());
        rmcp_config = match &config.allowed_hosts {
            Some(hosts) => rmcp_config.with_allowed_hosts(hosts.clone()),
            None => rmcp_config.disable_allowed_hosts(),
        };
        rmcp_config = match &config.allowed_origins {
            Some(origins) => rmcp_config
                .with_allowed_origins(origins.clone())
                .enforce_origin_validation(),
            None => rmcp_config.disable_allowed_origins(),
        };
        if legacy {
            // Where rmcp brings hibernated sessions back from (see
            // `CappedSessions`).
            rmcp_config.session_store = sessions.store();
        }
        let fast = (!legacy)
            .then(|| FastPath::new(Arc::clone(server.catalog()), config.allowed_hosts.clone()));
        let open_sessions = legacy.then(|| Arc::clone(&sessions));
        // One handler per stateless request or legacy session: cheap, and
        // each starts with fresh session state.
        let rmcp =
            StreamableHttpService::new(move || Ok(server.for_new_session()), sessions, rmcp_config);
        Self {
            rmcp: Arc::new(rmcp),
            fast,
            sessions: open_sessions,
        }
    }

    /// True in legacy session mode.
    pub fn has_sessions(&self) -> bool {
        self.sessions.is_some()
    }

    /// Open legacy sessions, live or hibernated, or `None` when sessions are
    /// off.
    pub fn open_sessions(&self) -> Option<usize> {
        self.sessions.as_ref().map(|sessions| sessions.open())
    }

    /// Live (not hibernated) legacy sessions, or `None` when sessions are
    /// off.
    pub fn live_sessions(&self) -> Option<usize> {
        self.sessions.as_ref().map(|sessions| sessions.live())
    }

    /// True if `id` names a hibernated legacy session: a request to it
    /// (other than its DELETE) brings it back to life.
    pub fn is_hibernated(&self, id: &[u8]) -> bool {
        self.sessions
            .as_ref()
            .is_some_and(|sessions| sessions.is_hibernated(id))
    }

    /// A POST whose body the pipeline has read and decoded (`envelope` is
    /// `None` for a client's response message). `operation`, the request's,
    /// is finished by the fast path, or handed to rmcp's handler in the
    /// request's extensions.
    pub async fn post(
        &self,
        mut parts: Parts,
        body: Bytes,
        envelope: Option<&Envelope>,
        operation: Option<&Operation>,
    ) -> Response {
        if let (Some(fast), Some(envelope)) = (&self.fast, envelope)
            && let Some(answer) = fast.answer(&parts, &body, envelope, operation).await
        {
            return answer;
        }
        if let Some(operation) = operation {
            parts.extensions.insert(operation.clone());
        }
        let response = self
            .rmcp_answer(Request::from_parts(parts, Body::from(body)))
            .await;
        if response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            let id = envelope
                .and_then(|envelope| envelope.id.as_ref())
                .map_or(Value::Null, Value::from);
            return decode_failure_as_json_rpc(response, id).await;
        }
        response
    }

    /// GET (a legacy session's stream) and DELETE (its end).
    pub async fn other(&self, request: Request) -> Response {
        let is_delete = request.method() == Method::DELETE;
        let mut response = self.rmcp_answer(request).await;
        // rmcp answers a successful session DELETE with 202; the official
        // Python SDK counts only 200 and 204 as "terminated" and logs a
        // failure otherwise. The spec leaves the code open, so we answer the
        // one every client accepts.
        if is_delete && response.status() == StatusCode::ACCEPTED {
            *response.status_mut() = StatusCode::NO_CONTENT;
        }
        response
    }

    async fn rmcp_answer(&self, request: Request) -> Response {
        // Boxed: rmcp's future is several kilobytes, and unboxed it would
        // size every `/mcp` request's future, fast-path ones included
        // (each is moved into a box when the request starts).
        Box::pin(self.rmcp.handle(request)).await.into_response()
    }
}

/// rmcp answers a body it cannot decode (what the envelope check lets
/// through: numbers out of range, say) with 415 and a text reason; JSON-RPC
/// calls that a parse error. Only that answer is rewritten (400 with a
/// `-32700` error for the request's id, which the envelope still gave); a
/// real Content-Type refusal stays 415.
async fn decode_failure_as_json_rpc(response: Response, id: Value) -> Response {
    const DECODE_FAILURE: &str = "fail to deserialize request body ";
    let (parts, body) = response.into_parts();
    // rmcp's reasons are one short line; 64 KiB is far more than enough.
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    match std::str::from_utf8(&text)
        .ok()
        .and_then(|t| t.strip_prefix(DECODE_FAILURE))
    {
        Some(reason) => {
            let error = Reject::parse_error(id, format!("Parse error: {reason}"));
            (StatusCode::BAD_REQUEST, Json(error.body())).into_response()
        }
        None => Response::from_parts(parts, Body::from(text)),
    }
}
