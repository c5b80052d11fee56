//! One MCP request, observed from its arrival to its answer: the
//! OpenTelemetry SERVER span ([`span`], when traces are exported), the
//! `mcp_server_operation_duration_seconds` histogram (through an
//! [`OperationObserver`]), and for `tools/call`, `resources/read` and
//! `prompts/get` the audit event ([`audit`]).
//!
//! An [`Operation`] starts where a request's envelope is decoded (the `/mcp`
//! stage, the stdio transport) and travels with the request in its
//! extensions, so whoever learns the outcome finishes it: the fast path,
//! rmcp's handler ([`super::server`]), the `/mcp` stage from the HTTP
//! answer, or the stdio transport from the response it writes. The first
//! finish counts; an operation dropped unfinished (a notification, a
//! stream that ended) finishes as a success when its last copy goes.

mod audit;
mod span;

use std::{
    borrow::Cow,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use rmcp::{
    ErrorData, RoleServer,
    model::{CallToolResponse, GetPromptResponse, ReadResourceResponse},
    service::RequestContext,
};

use crate::{
    catalog::Catalog,
    jsonrpc::{Envelope, Id},
};

/// Told of every finished operation (the metrics implement it; the domain
/// and this transport know nothing of them).
pub trait OperationObserver: Send + Sync + 'static {
    /// `tool` is the requested name, as sent: bound it before using it as
    /// a label.
    fn operation_finished(
        &self,
        method: &'static str,
        tool: Option<&str>,
        outcome: &Outcome,
        elapsed: Duration,
    );
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// A tool result with `isError: true`.
    ToolError,
    /// A JSON-RPC error response with this code.
    Error(i32),
    /// Refused at the HTTP level with this status, before any JSON-RPC
    /// answer (a wrong protocol version header, a foreign Origin…).
    Refused(u16),
}

impl Outcome {
    /// The semantic conventions' `error.type`: the JSON-RPC code, or
    /// `tool_error`; the HTTP status of a refusal; `None` on success.
    pub fn error_type(&self) -> Option<Cow<'static, str>> {
        match self {
            Outcome::Success => None,
            Outcome::ToolError => Some(Cow::Borrowed("tool_error")),
            Outcome::Error(code) => Some(Cow::Owned(code.to_string())),
            Outcome::Refused(status) => Some(Cow::Owned(status.to_string())),
        }
    }

    /// `success`, `tool_error` or `error`: the audit event's outcome.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::ToolError => "tool_error",
            Outcome::Error(_) | Outcome::Refused(_) => "error",
        }
    }

    pub fn of_tool_call(result: &Result<CallToolResponse, ErrorData>) -> Self {
        match result {
            Ok(CallToolResponse::Complete(result)) if result.is_error == Some(true) => {
                Outcome::ToolError
            }
            Ok(_) => Outcome::Success,
            Err(error) => Outcome::Error(error.code.0),
        }
    }

    pub fn of_resource_read(result: &Result<ReadResourceResponse, ErrorData>) -> Self {
        result
            .as_ref()
            .map_or_else(|e| Outcome::Error(e.code.0), |_| Outcome::Success)
    }

    pub fn of_prompt_get(result: &Result<GetPromptResponse, ErrorData>) -> Self {
        result
            .as_ref()
            .map_or_else(|e| Outcome::Error(e.code.0), |_| Outcome::Success)
    }
}

/// What an operation is started from: the decoded envelope and what the
/// transport knows about the request.
pub struct Arrival<'a> {
    pub envelope: &'a Envelope,
    /// The raw message, where the envelope's `_meta` range points.
    pub body: &'a [u8],
    pub transport: Transport,
    /// The `MCP-Protocol-Version` header, or the stdio session's version.
    pub protocol_version: Option<&'a str>,
    /// A legacy session's `Mcp-Session-Id`.
    pub session_id: Option<&'a str>,
    /// The W3C trace context headers (HTTP only).
    pub traceparent: Option<&'a str>,
    pub tracestate: Option<&'a str>,
    /// Who the bearer token belongs to, when authentication is on.
    pub principal: Option<&'a str>,
}

/// How the request came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTP/1.1 or HTTP/2 (`version` "1.1" or "2") from `client`.
    Http {
        version: &'static str,
        client: Option<SocketAddr>,
    },
    Stdio,
}

/// Starts operations; one per server, shared by every request.
#[derive(Clone, Default)]
pub struct Observation {
    /// Where a requested tool name is found as a static string (no copy
    /// per request); `None` (tests): every name is copied.
    catalog: Option<Arc<Catalog>>,
    observer: Option<Arc<dyn OperationObserver>>,
    audit: bool,
}

impl Observation {
    /// Operations on `catalog`'s tools; `observer` is told of each finished
    /// operation; `audit`: write the audit event for the audited methods.
    pub fn new(
        catalog: Arc<Catalog>,
        observer: Option<Arc<dyn OperationObserver>>,
        audit: bool,
    ) -> Self {
        Self {
            catalog: Some(catalog),
            observer,
            audit,
        }
    }

    /// The requested tool's name: the catalog's own when it has the tool.
    fn tool_name(&self, name: &str) -> Cow<'static, str> {
        match self.catalog.as_ref().and_then(|c| c.tool(name)) {
            Some(tool) => Cow::Borrowed(tool.name()),
            None => Cow::Owned(name.to_owned()),
        }
    }

    /// Whether an operation of `method` reads more of the request than its
    /// envelope (headers, `_meta`, the principal, the client's address):
    /// only for a span or an audit event. The transports skip those reads
    /// otherwise.
    pub fn wants_details(&self, method: &str) -> bool {
        crate::telemetry::tracer().is_some() || self.audits(method)
    }

    /// An audit event is due for `method` and would be written (not
    /// filtered out by the log level).
    fn audits(&self, method: &str) -> bool {
        self.audit
            && AUDITED.contains(&method)
            && tracing::enabled!(target: "audit", tracing::Level::INFO)
    }

    pub fn start(&self, arrival: &Arrival<'_>) -> Operation {
        let method = arrival.envelope.method;
        let params = arrival.envelope.params.as_ref();
        let target = match method {
            "tools/call" => params
                .and_then(|p| p.name.as_deref())
                .map(|name| Target::Tool(self.tool_name(name))),
            "prompts/get" => params.and_then(|p| p.name.clone()).map(Target::Prompt),
            "resources/read" => params.and_then(|p| p.uri.clone()).map(Target::Resource),
            _ => None,
        };
        let audited = self.audits(method);
        let span = span::start(arrival, target.as_ref());
        // The audit event names the trace even when traces are off: the
        // caller's, from the request.
        let trace_id = match &span {
            Some(span) => Some(span::trace_id(span)),
            None if audited => span::incoming_trace_id(arrival),
            None => None,
        };
        Operation(Arc::new(Inner {
            started: Instant::now(),
            method,
            id: arrival.envelope.id.clone(),
            target,
            principal: audited
                .then(|| arrival.principal.map(str::to_owned))
                .flatten(),
            audited,
            trace_id,
            observer: self.observer.clone(),
            finished: AtomicBool::new(false),
            span: span.map(|span| Mutex::new(Some(span))),
        }))
    }
}

/// Methods with an audit event: the ones that act or disclose.
const AUDITED: [&str; 3] = ["tools/call", "resources/read", "prompts/get"];

/// What a request names: a tool, a prompt or a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Tool(Cow<'static, str>),
    Prompt(String),
    Resource(String),
}

/// A started operation; clones share it. See the module documentation.
#[derive(Clone)]
pub struct Operation(Arc<Inner>);

struct Inner {
    started: Instant,
    method: &'static str,
    id: Option<Id>,
    target: Option<Target>,
    principal: Option<String>,
    audited: bool,
    trace_id: Option<String>,
    observer: Option<Arc<dyn OperationObserver>>,
    finished: AtomicBool,
    span: Option<Mutex<Option<opentelemetry_sdk::trace::Span>>>,
}

impl Operation {
    /// Records `outcome`, unless the operation is already finished.
    pub fn finish(&self, outcome: Outcome) {
        self.0.finish(outcome, self.0.started.elapsed());
    }

    /// True once finished (the fast path finishes its own).
    pub fn is_finished(&self) -> bool {
        self.0.finished.load(Ordering::Acquire)
    }

    /// When the operation started: a caller timing work within it (the fast
    /// path's tool call) starts its clock here rather than read it again.
    pub fn started(&self) -> Instant {
        self.0.started
    }

    /// [`Self::finish`], `elapsed` after [`Self::started`] as the caller
    /// has just measured it.
    pub fn finish_after(&self, outcome: Outcome, elapsed: Duration) {
        self.0.finish(outcome, elapsed);
    }

    /// The operation rmcp's handler is serving, from the request's
    /// extensions (Streamable HTTP puts the HTTP request's parts there; the
    /// stdio transport, the operation itself).
    pub fn of(context: &RequestContext<RoleServer>) -> Option<Operation> {
        context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Operation>())
            .or_else(|| context.extensions.get::<Operation>())
            .cloned()
    }
}

impl Inner {
    fn finish(&self, outcome: Outcome, elapsed: Duration) {
        if self.finished.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(span) = &self.span {
            let taken = span.lock().map(|mut span| span.take());
            if let Ok(Some(span)) = taken {
                span::end(span, &outcome);
            }
        }
        let tool = match &self.target {
            Some(Target::Tool(name)) => Some(name.as_ref()),
            _ => None,
        };
        if let Some(observer) = &self.observer {
            observer.operation_finished(self.method, tool, &outcome, elapsed);
        }
        if self.audited {
            audit::record(&audit::Event {
                method: self.method,
                target: self.target.as_ref(),
                principal: self.principal.as_deref(),
                id: self.id.as_ref(),
                trace_id: self.trace_id.as_deref(),
                outcome: &outcome,
                elapsed,
            });
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Checked first so that a finished operation (nearly all) reads no
        // clock here.
        if !self.finished.load(Ordering::Acquire) {
            self.finish(Outcome::Success, self.started.elapsed());
        }
    }
}
