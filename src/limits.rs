//! Limits that keep one client (or a flood of them) from taking the server
//! down. Each has a safe default and a flag/environment variable:
//!
//! | limit | where | answer |
//! | --- | --- | --- |
//! | request body (`MAX_BODY_BYTES`) | REST extractors, `/mcp` gate, rmcp | 413, read no further |
//! | header count / size (`MAX_HEADERS`, `MAX_HEADER_BYTES`) | hyper, per connection | 431 |
//! | header read time (`HEADER_READ_TIMEOUT_SECONDS`) | hyper, per connection | connection closed |
//! | per-request time (`REQUEST_TIMEOUT_SECONDS`) | until the response head; SSE bodies are not cut | 408 |
//! | requests in flight (`MAX_IN_FLIGHT`) | whole server, probes and `/metrics` exempt | 503 + `Retry-After`, no queue |
//! | legacy sessions (`MCP_MAX_SESSIONS`, `MCP_SESSION_IDLE_SECONDS`) | `/mcp` in legacy mode | 503 on `initialize`; idle ones closed |

use std::{
    collections::HashMap,
    future::Future,
    io,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use clap::Args;
use futures_core::Stream;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use rmcp::{
    model::{ClientJsonRpcMessage, ServerJsonRpcMessage},
    transport::streamable_http_server::{
        SessionManager,
        session::{
            RestoreOutcome, ServerSseMessage, SessionId,
            local::{LocalSessionManager, LocalSessionManagerError},
        },
    },
};
use tokio::{
    net::TcpListener,
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};
use tokio_util::sync::CancellationToken;

use crate::{
    inspect::Inspection,
    metrics::{Metrics, Rejection},
    rest::ApiError,
};

/// Limit settings (flattened into [`crate::config::Settings`]).
#[derive(Debug, Clone, Args)]
pub struct LimitSettings {
    /// Largest request body accepted, in bytes (REST and /mcp). Larger: 413,
    /// refused from Content-Length or as soon as the stream passes the cap.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=(1 << 30)), global = true)]
    pub max_body_bytes: u64,

    /// Most header fields accepted in one request. More: 431.
    #[arg(long, env = "MAX_HEADERS", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(8..=1000), global = true)]
    pub max_headers: u64,

    /// Largest request head (request line plus headers), in bytes. Larger:
    /// 431. hyper's floor is 8192.
    #[arg(long, env = "MAX_HEADER_BYTES", default_value_t = 16 * 1024,
          value_parser = clap::value_parser!(u64).range(8192..=(1 << 20)), global = true)]
    pub max_header_bytes: u64,

    /// Seconds a client has to send a complete request head (on a new or an
    /// idle keep-alive connection) before the connection is closed.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub header_read_timeout_seconds: u64,

    /// Seconds a request may take until its response starts (body read
    /// included). Longer: 408. An SSE stream, once started, is not cut.
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86400), global = true)]
    pub request_timeout_seconds: u64,

    /// Requests handled at once. Beyond it new requests get 503 with
    /// Retry-After at once (no queue). Probes and /metrics are exempt.
    #[arg(long, env = "MAX_IN_FLIGHT", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_in_flight: u64,

    /// Legacy sessions open at once (with MCP_LEGACY_SESSIONS). Beyond it a
    /// new `initialize` gets 503 with Retry-After.
    #[arg(long, env = "MCP_MAX_SESSIONS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_sessions: u64,

    /// Seconds a legacy session may go unused before it is closed (the
    /// client then gets 404 and initializes again).
    #[arg(long, env = "MCP_SESSION_IDLE_SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86400), global = true)]
    pub session_idle_seconds: u64,
}

impl LimitSettings {
    pub fn max_body(&self) -> usize {
        usize::try_from(self.max_body_bytes).unwrap_or(usize::MAX)
    }
}

/// 413 in the REST error shape.
pub fn body_too_large(limit: usize) -> Response {
    let mut response = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request body is larger than {limit} bytes"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn retry_later(status: StatusCode, detail: &str) -> Response {
    let mut response = ApiError::new(status, detail).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Shared by the load-shedding middleware.
#[derive(Clone)]
pub struct LoadGuard {
    permits: Arc<Semaphore>,
    timeout: Duration,
    metrics: Arc<Metrics>,
}

impl LoadGuard {
    pub fn new(limits: &LimitSettings, metrics: Arc<Metrics>) -> Self {
        let permits = usize::try_from(limits.max_in_flight)
            .unwrap_or(Semaphore::MAX_PERMITS)
            .min(Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(permits)),
            timeout: Duration::from_secs(limits.request_timeout_seconds),
            metrics,
        }
    }
}

impl LoadGuard {
    /// A slot for one request, or `None` when `MAX_IN_FLIGHT` are already
    /// running (a lock-free `try_acquire`: over the cap is refused at once,
    /// never queued).
    pub fn try_admit(&self) -> Option<OwnedSemaphorePermit> {
        let permit = Arc::clone(&self.permits).try_acquire_owned().ok();
        if permit.is_none() {
            self.metrics.count_rejection(Rejection::Overloaded);
        }
        permit
    }

    /// Runs `response` for at most `REQUEST_TIMEOUT_SECONDS` until its head
    /// (a streamed body is not cut), answering 408 past it.
    pub async fn bounded(&self, response: impl Future<Output = Response>) -> Response {
        match tokio::time::timeout(self.timeout, response).await {
            Ok(response) => response,
            Err(_) => {
                self.metrics.count_rejection(Rejection::Timeout);
                let mut response = ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!("Request timed out after {} s", self.timeout.as_secs()),
                )
                .into_response();
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                response
            }
        }
    }
}

/// 503 with `Retry-After: 1`: over capacity, retry shortly.
pub fn overloaded() -> Response {
    retry_later(
        StatusCode::SERVICE_UNAVAILABLE,
        "Server is at capacity, retry shortly",
    )
}

/// A request whose `Content-Length` is over the cap is refused before any of
/// its body is read (the extractors and the `/mcp` gate also stop a body
/// without a length, or a lying one, at the cap).
pub fn declared_oversize(request: &Request, limit: usize) -> bool {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|length| length > limit as u64)
}

/// What the `/mcp` gate needs.
#[derive(Clone)]
pub struct McpGate {
    pub metrics: Arc<Metrics>,
    pub max_body: usize,
    /// Legacy mode only: the sessions and their cap.
    pub sessions: Option<(Arc<CappedSessions>, usize)>,
}

/// Middleware on `/mcp`: reads the POST body up to the cap (413 beyond it,
/// without reading the rest), counts the JSON-RPC method, answers bodies
/// that are not JSON-RPC with 400 and a JSON-RPC error (see
/// [`crate::inspect`]), refuses a new legacy session at the cap, and hands
/// the body on to rmcp.
pub async fn mcp_gate(State(gate): State<McpGate>, request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, gate.max_body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            gate.metrics.count_rejection(Rejection::BodyTooLarge);
            return body_too_large(gate.max_body);
        }
    };
    let inspection = crate::inspect::inspect(&bytes);
    gate.metrics.count_mcp_method(inspection.label());
    let method = match inspection {
        Inspection::Reject(reject) => {
            return (StatusCode::BAD_REQUEST, Json(reject.body())).into_response();
        }
        Inspection::Message { method } => method,
        Inspection::Response => "response",
    };
    if method == "initialize"
        && let Some((sessions, cap)) = &gate.sessions
        && !parts.headers.contains_key("mcp-session-id")
        && sessions.open().await >= *cap
    {
        gate.metrics.count_rejection(Rejection::SessionLimit);
        return retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many open MCP sessions, retry shortly",
        );
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return decode_failure_as_json_rpc(response).await;
    }
    response
}

/// rmcp answers a body it cannot decode (what [`crate::inspect`] lets
/// through: numbers out of range, say) with 415 and a text reason; JSON-RPC
/// calls that a parse error. Only that answer is rewritten (400 with a
/// `-32700` error); a real Content-Type refusal stays 415.
async fn decode_failure_as_json_rpc(response: Response) -> Response {
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
            let error = crate::inspect::Reject {
                kind: crate::inspect::RejectKind::Parse,
                id: serde_json::Value::Null,
                message: format!("Parse error: {reason}"),
            };
            (StatusCode::BAD_REQUEST, Json(error.body())).into_response()
        }
        None => Response::from_parts(parts, Body::from(text)),
    }
}

/// Serves `router` on `listener` with hyper's per-connection limits (header
/// count and size → 431, header read timeout), until `stop` is cancelled;
/// then stops accepting and lets open connections finish their requests
/// (hyper's graceful shutdown), as `axum::serve` would.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: LimitSettings,
    stop: CancellationToken,
) -> io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_read_timeout_seconds))
        .max_headers(usize::try_from(limits.max_headers).unwrap_or(100))
        .max_buf_size(usize::try_from(limits.max_header_bytes).unwrap_or(8192))
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather
                    // than spin; the listener itself is still fine.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stop.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // Timeouts, resets and parse errors: the client's problem.
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// rmcp's in-memory session manager with a cap and idle expiry. rmcp 3.11's
/// own `keep_alive` ends an idle session's worker but leaves its entry in the
/// map (the next request then fails with a 500); here an idle session is
/// closed properly, so the client gets 404 and initializes again, and the
/// count the cap and the metrics see is true.
#[derive(Debug)]
pub struct CappedSessions {
    inner: Arc<LocalSessionManager>,
    idle: Duration,
    last_used: Mutex<HashMap<SessionId, Instant>>,
}

impl CappedSessions {
    pub fn new(idle: Duration) -> Self {
        let mut inner = LocalSessionManager::default();
        // rmcp's own expiry as a backstop, after ours.
        inner.session_config.keep_alive = Some(idle + Duration::from_secs(60));
        Self {
            inner: Arc::new(inner),
            idle,
            last_used: Mutex::new(HashMap::new()),
        }
    }

    /// The wrapped manager (its `sessions` map is what `/metrics` counts).
    pub fn local(&self) -> Arc<LocalSessionManager> {
        Arc::clone(&self.inner)
    }

    pub async fn open(&self) -> usize {
        self.inner.sessions.read().await.len()
    }

    fn touch(&self, id: &SessionId) {
        // Why this cannot fail: the lock is only held for map operations,
        // which do not panic.
        self.last_used
            .lock()
            .expect("session map lock")
            .insert(id.clone(), Instant::now());
    }

    /// True if the session went unused for too long; it is closed then.
    async fn expire_if_idle(&self, id: &SessionId) -> bool {
        let idle = {
            let last_used = self.last_used.lock().expect("session map lock");
            last_used
                .get(id)
                .is_some_and(|used| used.elapsed() >= self.idle)
        };
        if idle {
            let _ = self.close_session(id).await;
        }
        idle
    }

    /// Closes every session idle for longer than the limit.
    pub async fn reap(&self) {
        let idle: Vec<SessionId> = {
            let last_used = self.last_used.lock().expect("session map lock");
            last_used
                .iter()
                .filter(|(_, used)| used.elapsed() >= self.idle)
                .map(|(id, _)| id.clone())
                .collect()
        };
        for id in idle {
            tracing::debug!("closing idle legacy session");
            let _ = self.close_session(&id).await;
        }
    }

    /// Reaps idle sessions every quarter of the idle limit until `stop`.
    pub fn spawn_reaper(self: &Arc<Self>, stop: CancellationToken) {
        let sessions = Arc::downgrade(self);
        let period = (self.idle / 4).max(Duration::from_millis(250));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = stop.cancelled() => return,
                }
                let Some(sessions) = sessions.upgrade() else {
                    return;
                };
                sessions.reap().await;
            }
        });
    }
}

/// A failed session operation (rmcp's own).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SessionError(#[from] LocalSessionManagerError);

impl SessionManager for CappedSessions {
    type Error = SessionError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let (id, transport) = self.inner.create_session().await?;
        self.touch(&id);
        Ok((id, transport))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        self.touch(id);
        Ok(self.inner.initialize_session(id, message).await?)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        if self.expire_if_idle(id).await {
            return Ok(false);
        }
        Ok(self.inner.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        self.last_used.lock().expect("session map lock").remove(id);
        Ok(self.inner.close_session(id).await?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.touch(id);
        Ok(self.inner.create_stream(id, message).await?)
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.touch(id);
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.touch(id);
        Ok(self.inner.create_standalone_stream(id).await?)
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.touch(id);
        Ok(self.inner.resume(id, last_event_id).await?)
    }

    async fn restore_session(
        &self,
        _id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        Ok(RestoreOutcome::NotSupported)
    }
}
