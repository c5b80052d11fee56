//! The `/mcp` stage: a POST body is read here once (up to the cap admission
//! set) and decoded once into its JSON-RPC envelope, which the metrics, the
//! session caps and the fast path all read. Then MCP answers
//! ([`crate::mcp::http`]): the fast path, or rmcp, which decodes the bytes
//! for itself.
//!
//! A plain tower service rather than an axum handler: `/mcp` is matched
//! ahead of axum's router (see [`super::service`]), so it needs none of the
//! handler machinery (extractors, state clones, a boxed route per request).

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use axum::{
    Json,
    body::Body,
    extract::Request,
    http::{HeaderName, Method, StatusCode, Version, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower::Service;

use super::{refusal, server::ClientAddr};
use crate::{
    auth::Principal,
    jsonrpc::{self, Envelope, Inspection},
    mcp::{
        http::McpHttpService,
        operation::{Arrival, Observation, Operation, Outcome, Transport},
    },
    metrics::{Metrics, Rejection},
    rest::{ApiError, BodyLimit, UnreadBody, read_body, refuse_tool},
};

const MCP_SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");
const MCP_PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

pub struct McpEndpoint {
    pub service: McpHttpService,
    pub metrics: Arc<Metrics>,
    pub max_sessions: usize,
    pub max_live_sessions: usize,
    /// Starts each request's operation (span, duration metric, audit).
    pub observation: Observation,
}

/// `POST`: read, decode, count; 413 over the cap, 400 with a JSON-RPC error
/// for a body that is not a JSON-RPC message, 503 for an `initialize` over
/// `MCP_MAX_SESSIONS` or `MCP_MAX_LIVE_SESSIONS`. `GET` and `DELETE` (legacy
/// sessions) go to rmcp. Any request but a DELETE that would wake a
/// hibernated session gets 503 at `MCP_MAX_LIVE_SESSIONS` (concurrent
/// wakings may pass it by a few).
pub async fn mcp(endpoint: &McpEndpoint, request: Request) -> Response {
    // A request to a hibernated session brings it back to life: not beyond
    // the live cap (a DELETE ends it without).
    if endpoint.service.has_sessions()
        && request.method() != Method::DELETE
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
    let Some(envelope) = envelope else {
        return endpoint.service.post(parts, bytes, None, None).await;
    };
    let details = endpoint.observation.wants_details(envelope.method);
    let operation = endpoint
        .observation
        .start(&arrival(&parts, &bytes, &envelope, details));
    let response = endpoint
        .service
        .post(parts, bytes, Some(&envelope), Some(&operation))
        .await;
    finish_from_answer(operation, response).await
}

/// What the operation is started from, as this request carries it. Without
/// `details` (no span, no audit event due) the envelope is all it needs, and
/// the header and extension lookups are skipped.
fn arrival<'a>(
    parts: &'a Parts,
    body: &'a [u8],
    envelope: &'a Envelope,
    details: bool,
) -> Arrival<'a> {
    let version = match parts.version {
        Version::HTTP_2 => "2",
        Version::HTTP_10 => "1.0",
        _ => "1.1",
    };
    let client = details
        .then(|| parts.extensions.get::<ClientAddr>().map(|addr| addr.0))
        .flatten();
    let mut arrival = Arrival {
        envelope,
        body,
        transport: Transport::Http { version, client },
        protocol_version: None,
        session_id: None,
        traceparent: None,
        tracestate: None,
        principal: None,
    };
    if details {
        let header = |name: HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
        arrival.protocol_version = header(MCP_PROTOCOL_VERSION);
        arrival.session_id = header(MCP_SESSION_ID);
        arrival.traceparent = header(TRACEPARENT);
        arrival.tracestate = header(TRACESTATE);
        arrival.principal = parts
            .extensions
            .get::<Principal>()
            .map(|principal| principal.subject.as_str());
    }
    arrival
}

/// Finishes `operation` from the HTTP answer, when the answer is whole: a
/// success, or a refusal (a JSON-RPC error body names its code). A stream's
/// answer comes later: the handler, or the operation's last drop, finishes
/// it then. An operation already finished (fast path, handler) is left as
/// it is.
async fn finish_from_answer(operation: Operation, response: Response) -> Response {
    if operation.is_finished() {
        return response;
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.is_success() {
        if is_json || status == StatusCode::ACCEPTED {
            operation.finish(Outcome::Success);
        }
        return response;
    }
    if !is_json {
        operation.finish(Outcome::Refused(status.as_u16()));
        return response;
    }
    #[derive(Deserialize)]
    struct ErrorBody {
        error: ErrorCode,
    }
    #[derive(Deserialize)]
    struct ErrorCode {
        code: i32,
    }
    let (parts, body) = response.into_parts();
    // Error bodies are one short JSON-RPC error; 64 KiB is far more.
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let outcome = serde_json::from_slice::<ErrorBody>(&bytes)
        .map_or(Outcome::Refused(status.as_u16()), |body| {
            Outcome::Error(body.error.code)
        });
    operation.finish(outcome);
    Response::from_parts(parts, Body::from(bytes))
}

/// [`mcp`] as a tower service; cloning it is one `Arc` bump.
#[derive(Clone)]
pub struct McpEndpointService(pub Arc<McpEndpoint>);

impl Service<Request> for McpEndpointService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let endpoint = Arc::clone(&self.0);
        Box::pin(async move { Ok(mcp(&endpoint, request).await) })
    }
}

impl McpEndpoint {
    fn too_many_sessions(&self) -> Response {
        self.metrics.count_rejection(Rejection::SessionLimit);
        refusal::too_many_sessions()
    }
}
