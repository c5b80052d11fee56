//! Typed Prometheus metrics, kept in shared state (not a global recorder) so
//! tests and handlers read them directly, served at `GET /metrics` (and on
//! `METRICS_PORT` when set) as OpenMetrics text.
//!
//! Every label comes from a fixed set: route templates (axum's
//! `MatchedPath`, never the raw URI), a fixed list of HTTP methods, the
//! status code, a fixed list of JSON-RPC methods, registered tool names and
//! a fixed outcome list. Nothing a client sends becomes a label value.
//!
//! Hot-path cost: the per-tool and per-JSON-RPC-method series are resolved
//! once at start-up, so recording them is a few atomic adds (and the
//! histogram's uncontended lock). The
//! HTTP request counter is a `Family` lookup (an uncontended read lock and a
//! hash of three small labels) because status codes are not known in
//! advance; but for its hot series, `POST /mcp 200`, resolved at start-up.

mod labels;

use std::{sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::{HeaderValue, Method, header},
    response::{IntoResponse, Response},
};
use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram, info::Info},
    registry::Registry,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use labels::RouteLabel;
use labels::{
    HttpLabels, HttpMethod, MCP_POST_OK, McpLabels, OperationLabels, ToolLabels, ToolName,
    ToolNameLabel,
};

use crate::{
    catalog::{CallObserver, Catalog},
    jsonrpc::METHODS,
};

/// The OpenMetrics text content type Prometheus negotiates.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// All of the server's metrics. Cheap to share behind an `Arc`.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    /// `POST /mcp` answered 200: most of the traffic, so no lookup.
    mcp_posts_ok: Counter,
    http_in_flight: Gauge,
    mcp_requests: [Counter; METHODS.len()],
    rejected: [Counter; Rejection::ALL.len()],
    tool_calls: Family<ToolLabels, Counter>,
    tool_duration: Family<ToolNameLabel, Histogram, fn() -> Histogram>,
    legacy_sessions: Gauge,
    legacy_sessions_live: Gauge,
    store_up: Gauge,
    tasks_running: Gauge,
    operation_duration: Family<OperationLabels, Histogram, fn() -> Histogram>,
    /// The catalog's tool names: the only values the `tool` label takes
    /// besides `other` (set by [`Metrics::attach_to`]).
    tool_names: std::sync::OnceLock<Vec<ToolName>>,
    /// `tools/call` successes per tool, in `tool_names` order: the hot
    /// series, resolved once so recording one is no label lookup.
    tool_call_successes: std::sync::OnceLock<Vec<Histogram>>,
    /// `""` (no tool) and `other`, made once: a label lookup allocates
    /// nothing.
    no_tool: ToolName,
    other_tool: ToolName,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            http_requests.clone(),
        );
        let mcp_posts_ok = http_requests.get_or_create(&MCP_POST_OK).clone();
        let http_in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being handled now (until the response head is sent)",
            http_in_flight.clone(),
        );
        let mcp_family = Family::<McpLabels, Counter>::default();
        registry.register(
            "mcp_requests",
            "JSON-RPC messages POSTed to /mcp, by method (unknown methods: other)",
            mcp_family.clone(),
        );
        let mcp_requests = std::array::from_fn(|i| {
            mcp_family
                .get_or_create(&McpLabels { method: METHODS[i] })
                .clone()
        });
        let rejected_family = Family::<RejectionLabels, Counter>::default();
        registry.register(
            "http_rejected",
            "Requests refused before reaching a handler, by reason",
            rejected_family.clone(),
        );
        let rejected = std::array::from_fn(|i| {
            rejected_family
                .get_or_create(&RejectionLabels {
                    reason: Rejection::ALL[i],
                })
                .clone()
        });
        let tool_calls = Family::<ToolLabels, Counter>::default();
        registry.register(
            "mcp_tool_calls",
            "Tool calls (MCP and REST), by tool and outcome",
            tool_calls.clone(),
        );
        let tool_duration: Family<ToolNameLabel, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "mcp_tool_call_duration_seconds",
            "Tool call latency, by tool",
            tool_duration.clone(),
        );
        let legacy_sessions = Gauge::default();
        registry.register(
            "mcp_legacy_sessions",
            "Open legacy (Mcp-Session-Id) sessions",
            legacy_sessions.clone(),
        );
        let legacy_sessions_live = Gauge::default();
        registry.register(
            "mcp_legacy_sessions_live",
            "Open legacy sessions not hibernated",
            legacy_sessions_live.clone(),
        );
        let store_up = Gauge::default();
        registry.register(
            "mcp_store_up",
            "1 while the state store answers (always 1 for the in-memory store), else 0",
            store_up.clone(),
        );
        let tasks_running = Gauge::default();
        registry.register(
            "mcp_tasks_running",
            "Tasks (the MCP tasks extension) running on this replica",
            tasks_running.clone(),
        );
        let operation_duration: Family<OperationLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(operation_histogram);
        registry.register(
            "mcp_server_operation_duration_seconds",
            "MCP requests from arrival to answer (the semantic conventions' \
             mcp.server.operation.duration), by method, error type and tool",
            operation_duration.clone(),
        );
        registry.register(
            "build",
            "Build information",
            Info::new(vec![
                ("name", crate::NAME),
                ("version", crate::VERSION),
                ("rmcp", "3.11.0"),
            ]),
        );
        Self {
            registry,
            http_requests,
            mcp_posts_ok,
            http_in_flight,
            mcp_requests,
            rejected,
            tool_calls,
            tool_duration,
            legacy_sessions,
            legacy_sessions_live,
            store_up,
            tasks_running,
            operation_duration,
            tool_names: std::sync::OnceLock::new(),
            tool_call_successes: std::sync::OnceLock::new(),
            no_tool: ToolName(Arc::from("")),
            other_tool: ToolName(Arc::from("other")),
        }
    }

    /// Resolves each tool's series once, so a call records with atomics only.
    pub fn attach_to(&self, catalog: &Catalog) {
        let names: Vec<ToolName> = catalog
            .tools()
            .iter()
            .map(|tool| ToolName(Arc::from(tool.name())))
            .collect();
        let successes = names
            .iter()
            .map(|tool| {
                self.operation_duration
                    .get_or_create(&OperationLabels {
                        method: "tools/call",
                        error_type: "",
                        tool: tool.clone(),
                    })
                    .clone()
            })
            .collect();
        let _ = self.tool_names.set(names);
        let _ = self.tool_call_successes.set(successes);
        for tool in catalog.tools() {
            let name: Arc<str> = Arc::from(tool.name());
            let calls = std::array::from_fn(|i| {
                self.tool_calls
                    .get_or_create(&ToolLabels {
                        tool: ToolName(Arc::clone(&name)),
                        outcome: TOOL_OUTCOMES[i],
                    })
                    .clone()
            });
            let duration = self
                .tool_duration
                .get_or_create(&ToolNameLabel {
                    tool: ToolName(Arc::clone(&name)),
                })
                .clone();
            tool.observe_with(Box::new(ToolMetrics { calls, duration }));
        }
    }

    /// Counts one JSON-RPC message by its label (see [`crate::jsonrpc`]).
    pub fn count_mcp_method(&self, label: &str) {
        let index = METHODS
            .iter()
            .position(|m| *m == label)
            .unwrap_or(METHODS.len() - 1);
        self.mcp_requests[index].inc();
    }

    /// Records one finished MCP operation. `method` is a [`METHODS`] label;
    /// `error_type` the semantic conventions' (a JSON-RPC code,
    /// `tool_error`, an HTTP status), kept only when in a fixed list, else
    /// `other`; `tool` the requested name, kept only when the catalog has
    /// it, else `other`. Success and non-tool methods have empty labels.
    pub fn observe_operation(
        &self,
        method: &'static str,
        error_type: Option<&str>,
        tool: Option<&str>,
        elapsed: Duration,
    ) {
        let seconds = elapsed.as_secs_f64();
        let known_tool = |name: &str| {
            self.tool_names
                .get()
                .and_then(|names| names.iter().position(|known| &*known.0 == name))
        };
        if method == "tools/call"
            && error_type.is_none()
            && let Some(index) = tool.and_then(known_tool)
            && let Some(histogram) = self.tool_call_successes.get().and_then(|h| h.get(index))
        {
            histogram.observe(seconds);
            return;
        }
        let error_type = match error_type {
            None => "",
            Some(error_type) => ERROR_TYPES
                .iter()
                .find(|known| **known == error_type)
                .copied()
                .unwrap_or("other"),
        };
        let tool = match tool {
            None => &self.no_tool,
            Some(name) => self
                .tool_names
                .get()
                .and_then(|names| names.iter().find(|known| &*known.0 == name))
                .unwrap_or(&self.other_tool),
        };
        self.operation_duration
            .get_or_create(&OperationLabels {
                method,
                error_type,
                tool: tool.clone(),
            })
            .observe(seconds);
    }

    pub fn count_rejection(&self, rejection: Rejection) {
        self.rejected[rejection as usize].inc();
    }

    /// One more HTTP request in flight (until its response head is sent,
    /// or it is dropped unanswered).
    pub fn http_in_flight_inc(&self) {
        self.http_in_flight.inc();
    }

    pub fn http_in_flight_dec(&self) {
        self.http_in_flight.dec();
    }

    /// Counts an answered request by method, route template and status.
    pub fn http_finished(&self, method: &Method, route: RouteLabel, status: u16) {
        let labels = HttpLabels {
            method: HttpMethod::from(method),
            route,
            status,
        };
        if labels == MCP_POST_OK {
            self.mcp_posts_ok.inc();
        } else {
            self.http_requests.get_or_create(&labels).inc();
        }
    }

    /// Total HTTP requests answered with `status` on `route` (for tests).
    pub fn http_requests(&self, method: &Method, route: &str, status: u16) -> u64 {
        self.http_requests
            .get(&HttpLabels {
                method: HttpMethod::from(method),
                route: RouteLabel::Owned(route.into()),
                status,
            })
            .map_or(0, |c| c.get())
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::with_capacity(4096);
        // Why this cannot fail: writing to a String never errors, and every
        // label value we encode is a plain string or number.
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("metrics encode into a String");
        text
    }
}

/// Why a request was refused before it reached a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    Unauthorized = 0,
    Overloaded = 1,
    Timeout = 2,
    BodyTooLarge = 3,
    SessionLimit = 4,
    RateLimited = 5,
}

impl Rejection {
    const ALL: [Rejection; 6] = [
        Rejection::Unauthorized,
        Rejection::Overloaded,
        Rejection::Timeout,
        Rejection::BodyTooLarge,
        Rejection::SessionLimit,
        Rejection::RateLimited,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Rejection::Unauthorized => "unauthorized",
            Rejection::Overloaded => "overloaded",
            Rejection::Timeout => "timeout",
            Rejection::BodyTooLarge => "body_too_large",
            Rejection::SessionLimit => "session_limit",
            Rejection::RateLimited => "rate_limited",
        }
    }
}

impl EncodeLabelValue for Rejection {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RejectionLabels {
    reason: Rejection,
}

/// How many legacy sessions are open, read at scrape time (the sessions are
/// rmcp's, not ours to count as they come and go).
pub trait OpenSessions: Send + Sync + 'static {
    /// Open sessions, live or hibernated.
    fn open_sessions(&self) -> usize;
    /// Open sessions not hibernated.
    fn live_sessions(&self) -> usize;
}

/// Whether the state store answers, read at scrape time.
pub trait StoreHealth: Send + Sync + 'static {
    fn store_up(&self) -> bool;
}

/// How many tasks this replica runs, read at scrape time.
pub trait RunningTasks: Send + Sync + 'static {
    fn running_tasks(&self) -> usize;
}

/// What the `/metrics` handler reads.
#[derive(Clone)]
pub struct Scrape {
    pub metrics: Arc<Metrics>,
    pub sessions: Option<Arc<dyn OpenSessions>>,
    pub store: Arc<dyn StoreHealth>,
    pub tasks: Arc<dyn RunningTasks>,
}

/// `GET /metrics`, with its OpenAPI operation.
pub fn routes(scrape: Scrape) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(scrape_metrics))
        .with_state(scrape)
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String)))]
pub async fn scrape_metrics(State(scrape): State<Scrape>) -> Response {
    if let Some(sessions) = &scrape.sessions {
        let open = sessions.open_sessions();
        scrape
            .metrics
            .legacy_sessions
            .set(i64::try_from(open).unwrap_or(i64::MAX));
        scrape
            .metrics
            .legacy_sessions_live
            .set(i64::try_from(sessions.live_sessions()).unwrap_or(i64::MAX));
    }
    scrape
        .metrics
        .store_up
        .set(i64::from(scrape.store.store_up()));
    scrape
        .metrics
        .tasks_running
        .set(i64::try_from(scrape.tasks.running_tasks()).unwrap_or(i64::MAX));
    let mut response = scrape.metrics.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

/// prometheus-client's own histogram: its lock costs about 18 ns per
/// observation uncontended (a two-million-iteration release-mode loop), far
/// below what the benchmark can see on a call of tens of microseconds, so
/// no hand-written lock-free one.
fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The semantic conventions' boundaries for `mcp.server.operation.duration`,
/// in seconds.
const OPERATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

fn operation_histogram() -> Histogram {
    Histogram::new(OPERATION_BUCKETS)
}

/// `error_type` label values: the JSON-RPC codes this server and rmcp
/// answer with, a tool error, and the HTTP refusals on `/mcp`.
const ERROR_TYPES: [&str; 19] = [
    "tool_error",
    "-32700",
    "-32600",
    "-32601",
    "-32602",
    "-32603",
    "-32002",
    "-32020",
    "-32042",
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "408",
    "413",
    "415",
    "503",
];

/// Tool call outcomes: `success` plus [`crate::catalog::ToolError::kind`]s.
const TOOL_OUTCOMES: [&str; 6] = [
    "success",
    "invalid_arguments",
    "failed",
    "protocol_error",
    "cancelled",
    "other",
];

/// One tool's pre-resolved series.
#[derive(Debug, Clone)]
pub struct ToolMetrics {
    calls: [Counter; TOOL_OUTCOMES.len()],
    duration: Histogram,
}

impl CallObserver for ToolMetrics {
    fn finished(&self, outcome: &'static str, elapsed: Duration) {
        let index = TOOL_OUTCOMES
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or(TOOL_OUTCOMES.len() - 1);
        self.calls[index].inc();
        self.duration.observe(elapsed.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_info_and_every_family_are_exposed() {
        let metrics = Metrics::new();
        let text = metrics.render();
        assert!(text.contains(&format!(
            "build_info{{name=\"{}\",version=\"{}\",rmcp=\"3.11.0\"}} 1",
            crate::NAME,
            crate::VERSION
        )));
        assert!(text.contains("mcp_requests_total{method=\"tools/call\"} 0"));
        assert!(text.contains("http_rejected_total{reason=\"overloaded\"} 0"));
        assert!(text.ends_with("# EOF\n"));
    }
}
